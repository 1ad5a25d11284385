"""``#@save`` blocks -> one library file per tab (``d2lbook build lib``).

For each tab with a ``[library-<tab>]`` section, the saved blocks of that
tab's code, in table-of-contents order, become the library file. Methods
saved with ``@d2l.add_to_class(Cls)`` are merged into ``class Cls``; each
saved definition's docstring records the section that defined it; the
config's aliases are appended; the version file is written.
A name saved twice for one tab is a warning (an error under ``--strict``) and,
as in d2lbook 1.0.3, the later definition wins; an ``add_to_class`` method that
replaces an earlier method of the same class is no warning. Statements in a
saved block (``warnings.filterwarnings("ignore")``) are saved as written.
"""

from __future__ import annotations

import ast
import difflib
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.config import LibConfig
from d2lbook.errors import Diagnostics
from d2lbook.source.model import Book, CodeCell, Loc, Section
from d2lbook.source.tabs import code_cells, names_tab
from d2lbook.util import atomic_write

SAVE_RE = re.compile(r"#\s*@save\b")
HEADER = ("# This file is generated from the book by `d2lbook build lib`; do not edit it.\n"
          "# Change the book's #@save cells instead.\n")
ALLOWED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom,
           ast.Assign, ast.AnnAssign)


@dataclass
class Chunk:
    """One saved piece of the library, in output order."""

    code: str
    loc: Loc
    kind: str  # "import", "def", "class", "assign", "stmt"
    name: str | None = None
    methods: dict[str, tuple[str, Loc]] = field(default_factory=dict)  # class chunks only
    inline: dict[str, tuple[int, int]] = field(default_factory=dict)  # method -> line range
    body_indent: int = 4


def _add_to_class_target(node: ast.AST) -> str | None:
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    for d in node.decorator_list:
        if isinstance(d, ast.Call) and d.args:
            f = d.func
            fname = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
            if fname == "add_to_class":
                a = d.args[0]
                if isinstance(a, ast.Name):
                    return a.id
                if isinstance(a, ast.Attribute):
                    return a.attr
    return None


def extract_saved(source: str) -> list[tuple[int, str]]:
    """The saved blocks of one cell: (0-based first line, code) per ``#@save`` mark."""
    lines = source.split("\n")
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        m = SAVE_RE.search(lines[i])
        if not m:
            i += 1
            continue
        head = lines[i][: m.start()].rstrip()
        start = i if head else i + 1
        block: list[str] = [head] if head else []
        if head and head[0].isspace():
            # the mark ends a continuation line (a long def signature): the block starts
            # at the statement's first, non-indented line
            k = i
            while k > 0 and (not lines[k].strip() or lines[k][0].isspace()):
                k -= 1
            start = k
            block = lines[k:i] + [head]
        j = i + 1
        # non-indented lines (decorators, def/class line, a group of imports) ...
        while j < len(lines) and lines[j].strip() and not lines[j][0].isspace():
            if SAVE_RE.search(lines[j]):
                break
            block.append(lines[j])
            j += 1
        # ... then the indented body (blank lines inside are kept)
        while j < len(lines) and (not lines[j].strip() or lines[j][0].isspace()):
            block.append(lines[j])
            j += 1
        while block and not block[-1].strip():
            block.pop()
        out.append((start, "\n".join(SAVE_RE.sub("", b).rstrip() for b in block)))
        i = max(j, i + 1)
    return out


def _docstring_note(code: str, note: str) -> str:
    """Insert ``note`` into the docstring of the single def/class in ``code``."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    node = tree.body[-1] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return code
    lines = code.split("\n")
    first = node.body[0]
    if first.lineno == node.lineno:  # body on the def line
        return code
    indent = " " * first.col_offset
    if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        end_line = lines[first.end_lineno - 1]
        close = end_line[first.end_col_offset - 3: first.end_col_offset]
        if close not in ('"""', "'''"):
            return code
        pos = first.end_col_offset - 3
        lines[first.end_lineno - 1] = (end_line[:pos].rstrip() + f"\n\n{indent}{note}\n{indent}"
                                       + end_line[pos:])
        noted = "\n".join(lines)
        try:  # e.g. "Doc.""" (a one-quote string and an empty one) ends in three quotes too
            ast.parse(noted)
        except SyntaxError:
            return code
        return noted
    at = first.lineno - 1  # above the first statement, and above comments that open the body
    while at - 1 >= node.lineno and lines[at - 1].strip().startswith("#"):
        at -= 1
    lines.insert(at, f'{indent}"""{note}"""')
    return "\n".join(lines)


class LibraryBuilder:
    def __init__(self, book: Book, tab: str, lib: LibConfig, diags: Diagnostics):
        self.book, self.tab, self.lib, self.diags = book, tab, lib, diags
        self.chunks: list[Chunk] = []
        self.names: dict[str, Loc] = {}
        self.classes: dict[str, Chunk] = {}
        self.imports: set[str] = set()

    def build(self) -> str:
        cfg = self.book.config
        for section in self.book.ordered():
            if self.tab != cfg.default_tab and not names_tab(section, self.tab, cfg.tabs):
                continue  # as in d2lbook 1.0.3: the section has no notebook for this tab
            for cell in code_cells(section, self.tab):
                for line0, code in extract_saved(cell.source):
                    self.add(code, line0, cell, section)
        return self.render()

    def add(self, code: str, line0: int, cell: CodeCell, section: Section) -> None:
        def at(lineno: int) -> Loc:  # 1-based line in ``code`` -> place in the .md file
            return Loc(cell.loc.file, cell.md_line(line0 + lineno - 1))

        loc = at(1)
        if not code.strip():
            self.diags.error(loc, "#@save marks nothing (no definition or import follows)")
            return
        code = textwrap.dedent(code)
        try:
            tree = ast.parse(code)
        except SyntaxError as e:
            self.diags.error(at(e.lineno or 1),
                             f"saved block is not valid Python: {e.msg}")
            return
        note = (f"Defined in :numref:`{section.label}`" if section.label
                else f"Defined in {section.file}")
        seg_lines = code.split("\n")
        for node in tree.body:
            start = min([node.lineno] + [d.lineno for d in
                                         getattr(node, "decorator_list", [])]) - 1
            nloc = at(start + 1)
            text = "\n".join(seg_lines[start: node.end_lineno])
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                if text in self.imports:
                    continue
                self.imports.add(text)
                self._append_or_extend_import(text, nloc)
                continue
            if not isinstance(node, ALLOWED):
                # a statement saved with its block (d2lbook 1.0.3 saves it as written)
                self.chunks.append(Chunk(text, nloc, "stmt"))
                continue
            target = _add_to_class_target(node)
            if target is not None:
                self.add_method(target, node, text, nloc, note)
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names = [node.name]
                text = _docstring_note(text, note)
            else:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [n.id for t in targets for n in ast.walk(t)
                         if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
            for name in names:
                if name in self.names:
                    self.diags.error(nloc, f"{name!r} is saved twice for tab {self.tab!r} "
                                           f"(first at {self.names[name]}); the later "
                                           "definition wins", code="saved-twice")
                    self._drop(name)
                self.names[name] = nloc
            kind = "class" if isinstance(node, ast.ClassDef) else (
                "def" if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else "assign")
            chunk = Chunk(text, nloc, kind, names[0] if names else None)
            if isinstance(node, ast.ClassDef):
                if node.body:
                    chunk.body_indent = node.body[0].col_offset
                for b in ast.parse(text).body[0].body:
                    if isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        chunk.methods[b.name] = ("", nloc)  # defined inline
                        first = min([b.lineno] + [d.lineno for d in b.decorator_list])
                        chunk.inline[b.name] = (first - 1, b.end_lineno)
                self.classes[node.name] = chunk
            self.chunks.append(chunk)

    def _drop(self, name: str) -> None:
        """Remove the earlier definition of ``name`` (a later one replaces it)."""
        self.classes.pop(name, None)
        self.chunks = [c for c in self.chunks
                       if not (c.name == name and c.kind in ("def", "class", "assign"))]

    def _append_or_extend_import(self, text: str, loc: Loc) -> None:
        if self.chunks and self.chunks[-1].kind == "import":
            self.chunks[-1].code += "\n" + text
        else:
            self.chunks.append(Chunk(text, loc, "import"))

    def add_method(self, cls: str, node: ast.AST, text: str, loc: Loc, note: str) -> None:
        chunk = self.classes.get(cls)
        if chunk is None:
            self.diags.error(loc, f"add_to_class({cls}) but class {cls!r} was never saved "
                                  f"for tab {self.tab!r}")
            return
        lines = text.split("\n")
        # drop the add_to_class decorator line(s)
        body = [ln for ln in lines if not re.match(r"^@\s*(d2l\.)?add_to_class\(", ln)]
        method = _docstring_note("\n".join(body), note)
        chunk.methods[node.name] = (textwrap.indent(method, " " * chunk.body_indent,
                                                    lambda s: bool(s.strip())), loc)

    def render(self) -> str:
        parts = [HEADER]
        for c in self.chunks:
            code = c.code
            if c.kind == "class":
                added = [m for m, _ in c.methods.values() if m]
                # an inline method replaced by a later add_to_class is removed from the class
                drop = sorted((c.inline[n] for n, (m, _) in c.methods.items()
                               if m and n in c.inline), reverse=True)
                if drop:
                    lines = code.split("\n")
                    for a, b in drop:
                        del lines[a:b]
                        while a < len(lines) and a > 0 and not lines[a].strip() \
                                and not lines[a - 1].strip():
                            del lines[a]
                    code = "\n".join(lines)
                if added:
                    code = code.rstrip() + "\n\n" + "\n\n".join(added)
            parts.append(code.rstrip() + "\n")
        alias = self.aliases()
        if alias:
            parts.append("# Aliases from config.ini\n" + alias)
        return "\n\n\n".join(p.rstrip("\n") for p in parts) + "\n"

    def aliases(self) -> str:
        lib = self.lib
        out: list[str] = []
        for a, b in lib.simple_alias:
            out.append(f"{a.rstrip('(')} = {lib.lib_name}.{b.rstrip('(')}")
        for a, b in lib.fluent_alias:
            out.append(f"{a} = lambda x, *args, **kwargs: x.{b}(*args, **kwargs)")
        for a, b in lib.args_alias:
            out.append(f"\n\ndef {a}:\n    return {b}\n\n")
        if lib.alias:
            out.append(lib.alias)
        return "\n".join(out) + "\n" if out else ""


def build_library(book: Book, diags: Diagnostics) -> dict[Path, str]:
    """The content of every library file (and the version file), keyed by path."""
    files: dict[Path, str] = {}
    for tab, lib in book.config.libraries.items():
        files[lib.lib_file] = LibraryBuilder(book, tab, lib, diags).build()
    vf = book.config.version_file
    if vf is not None:
        files[vf] = version_file_text(vf, book.config.title, book.config.release)
    return files


VERSION_RE = re.compile(r"^__version__\s*=.*$", re.M)


def version_file_text(path: Path, title: str, release: str) -> str:
    """The version file: an existing one keeps everything but its ``__version__`` line
    (as d2lbook 1.0.3 does); a missing one gets a docstring and the version."""
    line = f'__version__ = "{release}"'
    old = path.read_text(encoding="utf-8") if path.is_file() else None
    if old is not None and VERSION_RE.search(old):
        return VERSION_RE.sub(lambda _: line, old, count=1)
    return f'"""The d2l library, generated from the book {title!r}."""\n\n{line}\n'



def write_library(files: dict[Path, str]) -> list[Path]:
    written = []
    for path, text in files.items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        atomic_write(path, text)
        written.append(path)
    return written


def check_library(files: dict[Path, str], root: Path) -> list[str]:
    """Unified diffs between the files on disk and what the book produces."""
    diffs = []
    for path, text in files.items():
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if old != text:
            try:
                name = str(path.relative_to(root.parent))
            except ValueError:
                name = str(path)
            diffs.append("".join(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True),
                f"{name} (committed)", f"{name} (from the book)")))
    return diffs
