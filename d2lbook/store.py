"""The results store: full-mode outputs committed with the book.

``d2lbook build eval --store`` (a full-mode run, never ``--quick``) writes, for every
section and tab it ran, one compact JSON file::

    <book>/_results/<tab>/<section path>.json     ([eval] store = _results)
    <book>/_results/img/<sha256>.<ext>             images, named by their content

Images (``image/png``, ``image/svg+xml``, ``image/jpeg``) are written once under their
content hash, so an unchanged plot costs nothing when a section is re-stored; text
outputs stay in the JSON. Each entry records what produced it: the mode, the device,
the interpreter and package versions, the run time and the date.

An entry carries ``key``: the hash of what the outputs depend on in the book, i.e. the
section's code cells for that tab and the library code they use (the code part of the
evaluation cache's key; see :func:`d2lbook.execute.code_key`). Machine-specific parts of
the cache key (installed packages, device, ``D2L_*`` settings, data files) are recorded
instead of keyed, so that a result stored on one machine is shown on every other one
until the code changes. Whether an entry is current is decided by the caller, which
compares ``key`` with the key of the book as it is now.

This module is neutral like :mod:`d2lbook.results`: execute writes through it, the face
reads through it, outputs receive :class:`~d2lbook.results.SectionResult` objects.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.util import atomic_write

__all__ = ["FORMAT", "StoredResult", "garbage_collect", "read_entry", "store_dir",
           "stored_sections", "write_entry"]

FORMAT = 1
DEFAULT_DIR = "_results"
IMAGE_TYPES = {"image/png": ("png", True), "image/jpeg": ("jpg", True),
               "image/svg+xml": ("svg", False)}


@dataclass(frozen=True)
class StoredResult:
    section: str
    tab: str
    key: str
    outputs: dict[int, list[dict]]
    execution_counts: dict[int, int | None]
    meta: dict = field(default_factory=dict)
    path: Path | None = None


def store_dir(config) -> Path:
    """The store folder of a book: ``[eval] store`` (relative to the book), default
    ``_results``. It must stay inside the book."""
    value = (config.get("eval", "store") or DEFAULT_DIR).strip() or DEFAULT_DIR
    root = Path(config.root).resolve()
    path = (root / value).resolve()
    if path != root and root not in path.parents:
        raise ValueError(f"config.ini: [eval] store = {value!r} is outside the book")
    return path


def _entry_path(config, section: str, tab: str) -> Path:
    return store_dir(config) / tab / (section + ".json")


_SVG_DATE = re.compile(r"\s*<dc:date>[^<]*</dc:date>")
_SVG_ID = re.compile(r'\bid="([a-z]?[0-9a-f]{8,})"')


def canonical_svg(text: str) -> str:
    """An SVG as Matplotlib writes it, minus what changes from run to run for the same
    picture: the creation date and the random ids of clip paths and markers (renamed in
    order of appearance). So an unchanged plot keeps its content hash in the store."""
    text = _SVG_DATE.sub("", text)
    names: dict[str, str] = {}
    for old in _SVG_ID.findall(text):
        if old not in names:
            names[old] = f"{old[0] if old[0].isalpha() else 'x'}{len(names):09d}"
    if not names:
        return text
    pattern = re.compile(r'(?<=id=")(' + "|".join(map(re.escape, names)) + r')(?=")'
                         r"|(?<=#)(" + "|".join(map(re.escape, names)) + r")\b")
    return pattern.sub(lambda m: names[m.group(0)], text)


def _pack_output(out: dict, img_dir: Path, written: set[str]) -> dict:
    """A copy of one nbformat output with images moved to content-named files."""
    out = json.loads(json.dumps(out))
    data = out.get("data")
    if not isinstance(data, dict):
        return out
    for mime, (ext, is_b64) in IMAGE_TYPES.items():
        value = data.get(mime)
        if value is None:
            continue
        text = "".join(value) if isinstance(value, list) else str(value)
        raw = base64.b64decode(text) if is_b64 else canonical_svg(text).encode("utf-8")
        name = f"{hashlib.sha256(raw).hexdigest()}.{ext}"
        target = img_dir / name
        if name not in written and not target.exists():
            atomic_write(target, raw)
        written.add(name)
        data[mime] = {"file": f"img/{name}"}
    out.pop("transient", None)
    return out


def _unpack_output(out: dict, root: Path) -> dict | None:
    data = out.get("data")
    if not isinstance(data, dict):
        return out
    for mime, (_ext, is_b64) in IMAGE_TYPES.items():
        ref = data.get(mime)
        if not isinstance(ref, dict):
            continue
        name = str(ref.get("file", ""))
        target = (root / name).resolve()
        if root not in target.parents or not target.is_file():
            return None
        raw = target.read_bytes()
        data[mime] = base64.b64encode(raw).decode("ascii") if is_b64 else raw.decode("utf-8")
    return out


def write_entry(config, section: str, tab: str, key: str, cells: list[dict],
                meta: dict) -> Path:
    """Store one section's full-mode outputs. ``cells``: per code cell, in order,
    ``{"index": cell index, "outputs": [...], "execution_count": n}``."""
    root = store_dir(config)
    written: set[str] = set()
    packed = [{"index": c["index"], "execution_count": c.get("execution_count"),
               "outputs": [_pack_output(o, root / "img", written) for o in c["outputs"]]}
              for c in cells]
    entry = {"format": FORMAT, "section": section, "tab": tab, "key": key,
             "meta": meta, "cells": packed}
    path = _entry_path(config, section, tab)
    atomic_write(path, json.dumps(entry, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return path


def read_entry(config, section: str, tab: str) -> StoredResult | None:
    """The stored entry of ``section`` for ``tab``; None when there is none or it is
    unreadable (a damaged entry is treated as missing)."""
    path = _entry_path(config, section, tab)
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT:
        return None
    root = store_dir(config)
    outputs: dict[int, list[dict]] = {}
    counts: dict[int, int | None] = {}
    try:
        for cell in entry["cells"]:
            outs = [_unpack_output(o, root) for o in cell["outputs"]]
            if any(o is None for o in outs):
                return None
            outputs[int(cell["index"])] = outs
            counts[int(cell["index"])] = cell.get("execution_count")
        return StoredResult(section=section, tab=tab, key=str(entry["key"]),
                            outputs=outputs, execution_counts=counts,
                            meta=dict(entry.get("meta") or {}), path=path)
    except (KeyError, TypeError, ValueError):
        return None


def stored_sections(config, tab: str) -> list[str]:
    """Section paths with an entry for ``tab``."""
    base = store_dir(config) / tab
    if not base.is_dir():
        return []
    return sorted(p.relative_to(base).with_suffix("").as_posix() for p in base.rglob("*.json"))


def garbage_collect(config) -> int:
    """Remove image files no entry refers to; returns how many were removed."""
    root = store_dir(config)
    img = root / "img"
    if not img.is_dir():
        return 0
    used: set[str] = set()
    for p in root.rglob("*.json"):
        try:
            text = p.read_text(encoding="utf-8")
        except OSError:
            continue
        used.update(part.split('"', 1)[0] for part in text.split('"file": "img/')[1:])
    removed = 0
    for f in img.iterdir():
        if f.is_file() and f.name not in used:
            f.unlink()
            removed += 1
    return removed
