"""Compare what ``d2lbook build lib`` yields on a real d2l book with that book's committed
``d2l/*.py``: for every tab, the top-level names on each side, and per definition an AST
comparison (docstrings, and the formatting a formatter changes, do not count).

    python -m bench.lib_compare /work/public/d2l-en /work/public/d2l-zh

The book is copied to a temporary folder (its sources are never written). The report is
printed and written to bench/results/lib-compare.md.
"""

from __future__ import annotations

import ast
import configparser
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _strip_docstrings(node: ast.AST) -> ast.AST:
    for n in ast.walk(node):
        body = getattr(n, "body", None)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) \
                and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            n.body = body[1:] or [ast.Pass()]
    return node


def definitions(path: Path) -> dict[str, str]:
    """Top-level name -> normalised AST dump of its last definition (imports skipped)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for node in tree.body:
        names: list[str] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        if isinstance(node, ast.ClassDef):
            # what the class holds once Python has run its body: the last definition of
            # each method (1.0.3 keeps a method replaced by add_to_class twice, ours
            # once), in a stable order (add_to_class may place methods differently)
            last: dict[str, ast.stmt] = {}
            for k, b in enumerate(node.body):
                last[getattr(b, "name", f"#{k}")] = b
            node.body = [last[k] for k in sorted(last)]
        dump = ast.dump(_strip_docstrings(node), annotate_fields=False)
        for name in names:
            out[name] = dump
    return out


def compare_book(src: Path) -> list[str]:
    lines = [f"## {src.name}", ""]
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / src.name
        shutil.copytree(src, book, ignore=shutil.ignore_patterns("_build", ".git"))
        env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "D2LBOOK_NO_PARSE_CACHE": "1"}
        r = subprocess.run([sys.executable, "-m", "d2lbook", "build", "lib"], cwd=book,
                           env=env, capture_output=True, text=True)
        warnings = [ln for ln in r.stderr.splitlines() if "saved twice" in ln]
        lines.append(f"`d2lbook build lib`: exit {r.returncode}; {len(warnings)} "
                     "'saved twice' warning(s)")
        lines.append("")
        cfg = configparser.ConfigParser()
        cfg.read(book / "config.ini", encoding="utf-8")
        lines.append("| tab | committed names | ours | missing in ours | extra in ours "
                     "| same AST | different AST |")
        lines.append("| --- | --- | --- | --- | --- | --- | --- |")
        details: list[str] = []
        for sec in cfg.sections():
            if not sec.startswith("library-"):
                continue
            tab = sec.removeprefix("library-")
            rel = cfg.get(sec, "lib_file")
            theirs = definitions(src / rel)
            ours = definitions(book / rel)
            missing = sorted(set(theirs) - set(ours))
            extra = sorted(set(ours) - set(theirs))
            common = sorted(set(theirs) & set(ours))
            differ = [n for n in common if theirs[n] != ours[n]]
            lines.append(f"| {tab} | {len(theirs)} | {len(ours)} | {len(missing)} | "
                         f"{len(extra)} | {len(common) - len(differ)} | {len(differ)} |")
            if missing:
                details.append(f"- {tab}: missing in ours: {', '.join(missing)}")
            if extra:
                details.append(f"- {tab}: extra in ours: {', '.join(extra)}")
            if differ:
                details.append(f"- {tab}: different AST: {', '.join(differ)}")
        lines.append("")
        lines.extend(details or ["- every name and every definition matches"])
        lines.append("")
    return lines


def main(argv: list[str]) -> int:
    books = [Path(a) for a in argv] or [Path("/work/public/d2l-en"), Path("/work/public/d2l-zh")]
    out = ["# Library comparison: `d2lbook build lib` vs the committed d2l/*.py", "",
           "Names are top-level definitions (functions, classes, assignments; imports "
           "excluded); the AST comparison ignores docstrings (both add 'Defined in ...', "
           "with different labels), and compares a class by what its body defines once run: "
           "the last definition of each method, in name order.", ""]
    for b in books:
        out.extend(compare_book(b))
    text = "\n".join(out) + "\n"
    print(text)
    dest = ROOT / "bench" / "results" / "lib-compare.md"
    dest.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
