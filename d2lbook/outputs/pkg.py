"""``d2lbook build pkg``: each tab's notebooks as one zip, ``<output_dir>/pkg/<name>-<tab>.zip``.

The notebooks are those of ``d2lbook build notebooks`` (written first, with the outputs of
``d2lbook build eval`` that match the code) together with the resources they use
(images). Every file sits under one top folder ``<name>-<tab>/``, in sorted order with a
fixed timestamp, so the same notebooks give the same zip byte for byte. The website links
to these zips (see :mod:`d2lbook.outputs.html.build`).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from d2lbook.util import atomic_write

FIXED_TIME = (2000, 1, 1, 0, 0, 0)


def zip_name(book, tab: str) -> str:
    return f"{book.config.name}-{tab}.zip"


def zip_path(book, tab: str) -> Path:
    """Where ``build pkg`` writes the zip of ``tab``."""
    return Path(book.config.output_dir) / "pkg" / zip_name(book, tab)


def make_zip(folder: Path, top: str) -> bytes:
    """The files under ``folder`` (hidden files and temporaries left out) as a zip whose
    entries sit under ``top/``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.rglob("*")):
            rel = f.relative_to(folder)
            if not f.is_file() or any(p.startswith(".") for p in rel.parts) \
                    or f.suffix == ".tmp":
                continue
            info = zipfile.ZipInfo(f"{top}/{rel.as_posix()}", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, f.read_bytes())
    return buf.getvalue()


def build_pkg(book, resolved, tabs: list[str], diags=None,
              results: dict[str, dict] | None = None) -> list[Path]:
    """Write the notebooks of ``tabs`` (with ``results``, ``{tab: {section path:
    SectionResult}}``, as the face loads them) and one zip per tab; returns the zips'
    paths."""
    from d2lbook.outputs.notebooks import build_notebooks

    build_notebooks(book, resolved, tabs, diags, results=results)
    out = []
    for tab in tabs:
        folder = Path(book.config.output_dir) / "notebooks" / tab
        dest = zip_path(book, tab)
        data = make_zip(folder, f"{book.config.name}-{tab}")
        if not (dest.is_file() and dest.read_bytes() == data):
            atomic_write(dest, data)
        out.append(dest)
    return out
