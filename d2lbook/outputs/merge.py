"""``d2lbook build merge`` and ``d2lbook build sagemaker`` (d2lbook 1.0.3 targets).

merge: one notebook per section holding every tab, in ``<output_dir>/merge``. Prose
shared by all tabs is one markdown cell; each code cell appears once per distinct
version of its code (after ``tab.selected`` branches and aliases), with
``metadata.tab`` listing the tabs it belongs to; ``:begin_tab:`` prose becomes a
markdown cell with ``metadata.tab``. The notebook's ``metadata.d2lbook.tabs`` lists the
book's tabs.

sagemaker: each tab's notebooks (as ``build notebooks`` writes them) in
``<output_dir>/sagemaker/<tab>``, with the kernel ``[sagemaker] kernel`` names for that
tab (``kernel = pytorch, conda_pytorch_p36`` one pair a line, as 1.0.3 reads it).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat

from d2lbook.errors import Diagnostics
from d2lbook.outputs.notebooks import (
    KERNEL,
    MarkdownWriter,
    NotebookCells,
    _copy_resources,
    section_notebook,
)
from d2lbook.source.model import Book, CodeCell, Section, TabBlock
from d2lbook.source.tabs import view_blocks
from d2lbook.util import atomic_write


def merged_notebook(book: Book, section: Section, refs) -> nbformat.NotebookNode:
    cfg = book.config
    w = MarkdownWriter(book, refs, section)
    out = NotebookCells()
    for b in section.blocks:
        if isinstance(b, CodeCell) and b.executable:
            if b.is_setup:
                continue
            out.flush()
            versions: dict[str, list[str]] = {}
            for tab in b.tabs or (cfg.default_tab,):
                for v in view_blocks([b], tab, cfg.libraries.get(tab)):
                    if isinstance(v, CodeCell):
                        versions.setdefault(v.source, []).append(tab)
            for source, tabs in versions.items():
                out.code(source, {"tab": tabs})
        elif isinstance(b, TabBlock):
            out.flush()
            text = "\n\n".join(w.block(c) for c in b.children)
            if text.strip():
                out.markdown(text, {"tab": list(b.tabs)})
        else:
            out.prose(w.block(b))
    return nbformat.from_dict(out.notebook({"section": section.path,
                                            "tabs": list(cfg.tabs)}))


def _write(path: Path, nb) -> None:
    text = json.dumps(nb, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if not (path.exists() and path.read_text(encoding="utf-8") == text):
        atomic_write(path, text)


def run_merge(args: argparse.Namespace, book: Book, refs, diags: Diagnostics) -> int:
    out = Path(book.config.output_dir) / "merge"
    n = 0
    for section in book.ordered():
        _write(out / (section.path + ".ipynb"), merged_notebook(book, section, refs))
        n += 1
    _copy_resources(book, out)
    print(f"merge: {n} notebooks (every tab in one) in {out}", file=sys.stderr)
    return 0


def sagemaker_kernels(book: Book) -> dict[str, str]:
    """``[sagemaker] kernel``: tab -> kernel name."""
    raw = book.config.get("sagemaker", "kernel") or ""
    out: dict[str, str] = {}
    for line in raw.splitlines():
        parts = [p.strip() for p in re.split(r"[,\s]+", line.strip()) if p.strip()]
        if len(parts) == 2:
            out[parts[0]] = parts[1]
    return out


def run_sagemaker(args: argparse.Namespace, book: Book, refs, tabs: list[str],
                  diags: Diagnostics) -> int:
    kernels = sagemaker_kernels(book)
    base = Path(book.config.output_dir) / "sagemaker"
    n = 0
    for tab in tabs:
        kernel = kernels.get(tab)
        spec = ({"name": kernel, "display_name": kernel, "language": "python"} if kernel
                else KERNEL)
        for section in book.ordered():
            nb = section_notebook(book, section, tab, refs)
            nb.metadata["kernelspec"] = spec
            _write(base / tab / (section.path + ".ipynb"), nb)
            n += 1
        _copy_resources(book, base / tab)
    print(f"sagemaker: {n} notebooks in {base}", file=sys.stderr)
    return 0

