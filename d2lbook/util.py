"""Small shared helpers, and path safety in one place.

Every path the toolchain reads from a book (a toc entry, an image, a resource) must
lie inside the book after symbolic links are followed, and every path it writes or
deletes must lie inside the book's build folder (``[build] output_dir``), or another
folder the command opened with :func:`writes_allowed` (the library files of
``[library-TAB] lib_file``, an ``--out`` named on the command line).
:func:`check_write` decides for every writer (:func:`atomic_write` and the copy
helpers call it) and ``d2lbook clean`` deletes only through :func:`remove_build_dir`.
The user's own caches, whose file names no book chooses, are written apart.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def atomic_write(path: Path | str, data: str | bytes, *, user_cache: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename,
    so that a crash never leaves a half-written file. The file gets the usual permissions
    (0o666 less the umask), so that a web server can read a written page.

    ``path`` must pass :func:`check_write`, unless ``user_cache``: a file of the user's
    own cache folder (``$XDG_CACHE_HOME/d2lbook``, ``$D2LBOOK_HTML_CACHE``), whose name
    the toolchain makes and no book can choose."""
    path = Path(path) if user_cache else check_write(Path(path))
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


# ------------------------------------------------------------------------ path safety


class UnsafePathError(ValueError):
    """A path the toolchain was about to write, delete or read lies where it must not.
    (A ValueError: this base module imports nothing of the toolchain; the command line
    reports it like a :class:`d2lbook.errors.D2LBookError`.)"""


def is_inside(path: Path | str, base: Path | str) -> bool:
    """Whether ``path`` (symbolic links followed, even for a missing tail) is ``base`` or
    below it."""
    p = Path(os.path.realpath(path))
    b = Path(os.path.realpath(base))
    return p == b or b in p.parents


def book_path(root: Path | str, rel: str) -> Path | None:
    """The file ``rel`` (relative to the book root) as an absolute path, or None when it
    is absolute, climbs out with ``..``, or is a symbolic link that leaves the book."""
    if not rel or rel.startswith("/") or "\x00" in rel:
        return None
    if Path(rel).is_absolute() or ".." in Path(rel).parts:
        return None
    full = Path(root) / rel
    return full if is_inside(full, root) else None


def book_files(root: Path | str, rel: str,
               refused: list[str] | None = None) -> Iterator[tuple[Path, str]]:
    """The files of a resource ``rel`` (a file or a folder): ``(path, path relative to the
    book)`` for each file that stays inside the book; links that leave it are skipped
    and their paths (relative to the book) added to ``refused``."""
    root = Path(root)
    src = book_path(root, rel)
    if src is None or not src.exists():
        return
    files = sorted(src.rglob("*")) if src.is_dir() else [src]
    for f in files:
        if not f.is_file():
            continue
        if is_inside(f, root):
            yield f, f.relative_to(root).as_posix()
        elif refused is not None:
            refused.append(f.relative_to(root).as_posix())


# Folders that writers may write into, for the current command (set by the CLI and by
# the builders; a stack, so that nested builders each add theirs).
_allowed: list[Path] = []


@contextmanager
def writes_allowed(*folders: Path | str) -> Iterator[None]:
    """Within this block, :func:`check_write` accepts paths below ``folders``."""
    added = [Path(os.path.realpath(f)) for f in folders]
    _allowed.extend(added)
    try:
        yield
    finally:
        for f in added:
            _allowed.remove(f)


def check_write(path: Path | str, base: Path | str | None = None) -> Path:
    """Refuse to write ``path`` unless it lies inside ``base`` (or, without ``base``,
    inside a folder opened with :func:`writes_allowed`; with none open, anything goes:
    library code called outside a command). Returns ``path``."""
    bases = [Path(base)] if base is not None else list(_allowed)
    if bases and not any(is_inside(path, b) for b in bases):
        where = ", ".join(str(b) for b in bases)
        raise UnsafePathError(f"refusing to write {path}: it lies outside the build folder "
                              f"({where})")
    return Path(path)


def check_out_option(value: str, root: Path | str) -> Path:
    """An ``--out`` folder named on the command line: anywhere the user likes, except the
    book itself, a folder that holds the book, or a folder of another book's sources."""
    if "\x00" in value or not value.strip():
        raise UnsafePathError(f"--out {value!r}: not a folder name")
    out = Path(os.path.realpath(value))
    book = Path(os.path.realpath(root))
    if out == book or out in book.parents:
        raise UnsafePathError(f"--out {value}: the book's own folder (or one holding it); "
                              "name an output folder such as _build/site")
    if (out / "config.ini").exists() or (out / "index.md").exists():
        raise UnsafePathError(f"--out {value}: holds book sources (config.ini or index.md)")
    if out.exists() and not out.is_dir():
        raise UnsafePathError(f"--out {value}: not a folder")
    return out


def remove_build_dir(out_dir: Path | str, root: Path | str) -> bool:
    """Delete the build folder ``out_dir`` of the book at ``root``: only a folder strictly
    inside the book that holds no book source (``config.ini``, ``*.md`` outside the build's
    own sub-folders is taken as a sign of a wrong setting). Returns whether it existed."""
    out = Path(os.path.realpath(out_dir))
    book = Path(os.path.realpath(root))
    if out == book or book not in out.parents:
        raise UnsafePathError(f"config.ini: [build] output_dir: {out_dir} is not a folder "
                              f"inside the book ({book}); not deleted")
    if Path(out_dir).is_symlink():
        raise UnsafePathError(f"config.ini: [build] output_dir: {out_dir} is a symbolic "
                              "link; not deleted")
    if not out.exists():
        return False
    if not out.is_dir():
        raise UnsafePathError(f"config.ini: [build] output_dir: {out} is a file; not deleted")
    if (out / "config.ini").exists() or (out / "index.md").exists():
        raise UnsafePathError(f"config.ini: [build] output_dir: {out} holds a config.ini or "
                              "index.md (book sources, not build outputs); not deleted")
    shutil.rmtree(out)
    return True
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
