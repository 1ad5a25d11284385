"""Math rendered at build time with KaTeX.

Every equation a build has not seen before goes to one ``node`` process
(``katex_render.js``) in one request; results are cached by (TeX, display) in a
content-addressed cache (:mod:`.cache`), so an incremental build usually starts
no node at all. Within one Python process (a live preview) the node process is
kept and reused; it ends with the Python process or when its input closes.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from d2lbook.outputs.html.cache import open_cache
from d2lbook.util import check_write

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "katex_render.js"
REPO_ROOT = HERE.parents[2]


class KatexUnavailable(RuntimeError):
    pass


def find_katex(extra: list[Path] | None = None) -> Path | None:
    """The folder of the npm ``katex`` package: ``$D2LBOOK_KATEX``, the repository's
    ``node_modules``, then ``node_modules`` in the given folders, the current folder and
    their parents."""
    candidates: list[Path] = []
    env = os.environ.get("D2LBOOK_KATEX")
    if env:
        candidates.append(Path(env))
    candidates.append(REPO_ROOT / "node_modules" / "katex")
    for p in [*(extra or []), Path.cwd()]:
        p = p.resolve()
        candidates += [q / "node_modules" / "katex" for q in (p, *p.parents)]
    for c in candidates:
        if (c / "package.json").is_file() and (c / "dist" / "katex.min.css").is_file():
            return c
    return None


def katex_version(katex_dir: Path | None) -> str:
    if katex_dir is None:
        return ""
    try:
        return json.loads((katex_dir / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return ""


def key(tex: str, display: bool) -> str:
    return ("D:" if display else "I:") + tex


class _Node:
    """A running ``katex_render.js``."""

    def __init__(self, katex_dir: Path):
        node = shutil.which("node")
        if node is None:
            raise KatexUnavailable("node (Node.js) is not installed; it renders the math")
        self.katex_dir = katex_dir
        self.proc = subprocess.Popen(
            [node, str(SCRIPT), str(katex_dir)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def render(self, todo: list[tuple[str, bool]]) -> list[dict]:
        line = json.dumps([[t, d] for t, d in todo], ensure_ascii=False) + "\n"
        try:
            self.proc.stdin.write(line.encode("utf-8"))
            self.proc.stdin.flush()
            answer = self.proc.stdout.readline()
        except (BrokenPipeError, OSError):
            answer = b""
        if not answer:
            err = b""
            try:
                self.proc.kill()
                err = self.proc.stderr.read()
            except OSError:
                pass
            raise KatexUnavailable("KaTeX failed: " + err.decode("utf-8", "replace")[-2000:])
        out = json.loads(answer.decode("utf-8"))
        if isinstance(out, dict):
            raise KatexUnavailable(f"KaTeX failed: {out.get('fatal')}")
        return out

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


_NODES: dict[str, _Node] = {}


@atexit.register
def _close_all() -> None:
    for n in list(_NODES.values()):
        n.close()
    _NODES.clear()


class KatexRenderer:
    """Renders TeX to HTML through the cache; ``render_all`` asks node once for the rest."""

    def __init__(self, katex_dir: Path | None):
        self.katex_dir = katex_dir
        script = hashlib.sha1(SCRIPT.read_bytes()).hexdigest()[:12]
        self.cache = open_cache("katex", f"{katex_version(katex_dir)}-{script}")

    def render_all(self, items: list[tuple[str, bool]]) -> dict[str, dict]:
        """Results for each (tex, display): ``{"html": ...}`` or ``{"error": ...}``.

        Raises :class:`KatexUnavailable` when node or KaTeX is missing and some item is
        not cached.
        """
        cache = self.cache
        todo: list[tuple[str, bool]] = []
        seen: set[str] = set()
        for tex, display in items:
            k = key(tex, display)
            if k not in seen:
                seen.add(k)
                if cache.get(k) is None:
                    todo.append((tex, display))
        if todo:
            if self.katex_dir is None:
                raise KatexUnavailable(
                    "the npm package katex is missing: run `npm ci` in the repository root")
            node = _NODES.get(str(self.katex_dir))
            if node is None or node.proc.poll() is not None:
                node = _NODES[str(self.katex_dir)] = _Node(self.katex_dir)
            try:
                results = node.render(todo)
            except KatexUnavailable:
                _NODES.pop(str(self.katex_dir), None)
                raise
            for (tex, display), res in zip(todo, results, strict=True):
                cache.set(key(tex, display), res)
        return {k: cache.items[k] for k in seen}

    def save(self) -> None:
        self.cache.save()

    def copy_assets(self, dest: Path) -> None:
        """Copy KaTeX's stylesheet and fonts to ``dest`` (``katex.min.css``, ``fonts/``)."""
        if self.katex_dir is None:
            return
        src = self.katex_dir / "dist"
        dest.mkdir(parents=True, exist_ok=True)
        copy_if_changed(src / "katex.min.css", dest / "katex.min.css")
        # the search page renders the formulas of its excerpts in the browser
        copy_if_changed(src / "katex.min.js", dest / "katex.min.js")
        for f in sorted((src / "fonts").iterdir()):
            if f.suffix in (".woff2", ".woff", ".ttf"):
                copy_if_changed(f, dest / "fonts" / f.name)


def copy_if_changed(src: Path, dst: Path) -> bool:
    """Copy unless ``dst`` has the same size and is not older; True when copied."""
    try:
        s, d = src.stat(), dst.stat()
        if s.st_size == d.st_size and int(s.st_mtime) <= int(d.st_mtime):
            return False
    except FileNotFoundError:
        pass
    check_write(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)
    return True
