"""Small shared helpers."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def atomic_write(path: Path | str, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename,
    so that a crash never leaves a half-written file. The file gets the usual permissions
    (0o666 less the umask), so that a web server can read a written page."""
    path = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, flags, 0o666)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_CODE_HASHES: dict[tuple[str, ...], str] = {}


def code_hash(*paths: Path | str) -> str:
    """The SHA-1 of the files (``.py`` and other text; folders: every file in them, sorted)
    at ``paths``: a cache keyed by it is invalidated by any change of the code that
    computes it, without a version constant to bump by hand. Computed once per process."""
    key = tuple(str(p) for p in paths)
    hit = _CODE_HASHES.get(key)
    if hit is not None:
        return hit
    import hashlib

    h = hashlib.sha1()
    for p in map(Path, paths):
        files = sorted(f for f in p.rglob("*") if f.is_file() and "__pycache__" not in f.parts
                       and f.suffix in (".py", ".js", ".css", ".html")) if p.is_dir() else [p]
        for f in files:
            h.update(f.name.encode() + b"\0")
            h.update(f.read_bytes())
    _CODE_HASHES[key] = h.hexdigest()
    return _CODE_HASHES[key]
