"""Math rendered at build time with KaTeX.

All equations of a build go to one ``node`` process (``katex_render.js``);
results are cached by (TeX, display) in a JSON file next to the site, so an
incremental build starts node only for equations it has never seen.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "katex_render.js"
REPO_ROOT = HERE.parents[2]


class KatexUnavailable(RuntimeError):
    pass


def find_katex(extra: list[Path] | None = None) -> Path | None:
    """The folder of the npm ``katex`` package: ``$D2LBOOK_KATEX``, the repository's
    ``node_modules``, then ``node_modules`` in the current folder and its parents."""
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


def _key(tex: str, display: bool) -> str:
    return ("D:" if display else "I:") + tex


class KatexRenderer:
    """Renders TeX to HTML, with a persistent cache. ``render_all`` runs node once."""

    def __init__(self, cache_file: Path | None, katex_dir: Path | None):
        self.cache_file = cache_file
        self.katex_dir = katex_dir
        self._cache: dict[str, dict] | None = None
        self._dirty = False

    @property
    def cache(self) -> dict[str, dict]:
        if self._cache is None:
            self._cache = {}
            if self.cache_file is not None and self.cache_file.is_file():
                try:
                    data = json.loads(self.cache_file.read_text(encoding="utf-8"))
                    if isinstance(data, dict) and data.get("katex") == self.version():
                        self._cache = data.get("items", {})
                except (OSError, ValueError):
                    self._cache = {}
        return self._cache

    def version(self) -> str:
        if self.katex_dir is None:
            return ""
        try:
            return json.loads((self.katex_dir / "package.json").read_text())["version"]
        except (OSError, ValueError, KeyError):
            return ""

    def render_all(self, items: list[tuple[str, bool]]) -> dict[str, dict]:
        """Results for each (tex, display): ``{"html": ...}`` or ``{"error": ...}``.

        Raises :class:`KatexUnavailable` when node or KaTeX is missing and some
        item is not cached.
        """
        cache = self.cache
        todo: list[tuple[str, bool]] = []
        seen: set[str] = set()
        for tex, display in items:
            k = _key(tex, display)
            if k not in cache and k not in seen:
                seen.add(k)
                todo.append((tex, display))
        if todo:
            node = shutil.which("node")
            if node is None:
                raise KatexUnavailable("node (Node.js) is not installed; it renders the math")
            if self.katex_dir is None:
                raise KatexUnavailable(
                    "the npm package katex is missing: run `npm ci` in the repository root")
            proc = subprocess.run(
                [node, str(SCRIPT), str(self.katex_dir)],
                input=json.dumps([[t, d] for t, d in todo]).encode("utf-8"),
                capture_output=True, check=False)
            if proc.returncode != 0:
                raise KatexUnavailable(
                    "KaTeX failed: " + proc.stderr.decode("utf-8", "replace")[-2000:])
            results = json.loads(proc.stdout.decode("utf-8"))
            for (tex, display), res in zip(todo, results, strict=True):
                cache[_key(tex, display)] = res
            self._dirty = True
        return {_key(t, d): cache[_key(t, d)] for t, d in items}

    def save(self) -> None:
        if self._dirty and self.cache_file is not None and self._cache is not None:
            from d2lbook.outputs.html.build import atomic_write

            atomic_write(self.cache_file, json.dumps(
                {"katex": self.version(), "items": self._cache}, ensure_ascii=False))
            self._dirty = False

    def copy_assets(self, dest: Path) -> None:
        """Copy KaTeX's stylesheet and fonts to ``dest`` (``katex.min.css``, ``fonts/``)."""
        if self.katex_dir is None:
            return
        src = self.katex_dir / "dist"
        dest.mkdir(parents=True, exist_ok=True)
        _copy_if_changed(src / "katex.min.css", dest / "katex.min.css")
        (dest / "fonts").mkdir(exist_ok=True)
        for f in sorted((src / "fonts").iterdir()):
            if f.suffix in (".woff2", ".woff", ".ttf"):
                _copy_if_changed(f, dest / "fonts" / f.name)


def _copy_if_changed(src: Path, dst: Path) -> bool:
    try:
        s, d = src.stat(), dst.stat()
        if s.st_size == d.st_size and int(s.st_mtime) <= int(d.st_mtime):
            return False
    except FileNotFoundError:
        pass
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)
    return True


key = _key
copy_if_changed = _copy_if_changed
