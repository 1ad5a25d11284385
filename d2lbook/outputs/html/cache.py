"""Content-addressed caches of the HTML build (rendered math, highlighted code).

They live in ``$D2LBOOK_HTML_CACHE`` or ``$XDG_CACHE_HOME/d2lbook/html`` (default
``~/.cache/d2lbook/html``), so that a build into a clean output folder reuses
what an earlier build rendered. Each cache is one JSON file, replaced atomically;
a cache from another tool version is ignored. Within one process (a live preview)
a cache is read once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

MAX_ENTRIES = 50_000


def cache_dir() -> Path:
    env = os.environ.get("D2LBOOK_HTML_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "d2lbook" / "html"


class JsonCache:
    def __init__(self, path: Path, version: str):
        self.path = path
        self.version = version
        self.items: dict[str, object] = {}
        self.used: set[str] = set()
        self.dirty = False
        self._mtime = 0
        self._load()

    def _load(self) -> None:
        try:
            st = self.path.stat()
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("version") == self.version \
                and isinstance(data.get("items"), dict):
            # entries of this process win over those read back from the file
            data["items"].update(self.items)
            self.items = data["items"]
            self._mtime = st.st_mtime_ns

    def get(self, key: str):
        v = self.items.get(key)
        if v is not None:
            self.used.add(key)
        return v

    def __contains__(self, key: str) -> bool:
        return key in self.items

    def set(self, key: str, value) -> None:
        self.items[key] = value
        self.used.add(key)
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            if self.path.stat().st_mtime_ns != self._mtime:
                self._load()  # another build wrote it meanwhile: keep its entries too
        except OSError:
            pass
        if len(self.items) > MAX_ENTRIES:
            self.items = {k: v for k, v in self.items.items() if k in self.used}
        from d2lbook.util import atomic_write

        try:
            atomic_write(self.path, json.dumps({"version": self.version, "items": self.items},
                                               ensure_ascii=False, separators=(",", ":")),
                         user_cache=True)
            self._mtime = self.path.stat().st_mtime_ns
        except OSError:
            return  # a read-only cache folder only costs speed
        self.dirty = False


_OPEN: dict[tuple[str, str], JsonCache] = {}


def open_cache(name: str, version: str) -> JsonCache:
    """The cache ``name`` (a file in :func:`cache_dir`), shared within this process."""
    path = cache_dir() / f"{name}.json"
    key = (str(path), version)
    c = _OPEN.get(key)
    if c is None:
        c = _OPEN[key] = JsonCache(path, version)
    return c
