"""Execution results: written by ``d2lbook build eval``, read by every output.

``d2lbook build eval`` writes, for every section with code and every tab it
ran, the executed notebook ``<output_dir>/eval/<tab>/<section path>.ipynb``
(atomically). This module reads them and knows nothing of how they were made;
whether a result still matches the book (the same code cells and library code)
is decided by the evaluator (:func:`d2lbook.execute.load_results` passes its
test as ``accept``), and the face hands the results to the outputs::

    results = load_results(book, "pytorch", accept)   # {section path: SectionResult}
    r = results.get(section.path)                      # None: not evaluated (or stale)
    if r is not None:
        outs = r.outputs.get(cell.index, [])           # nbformat output dicts of a CodeCell
        if r.quick: ...                                # show "built in quick mode"

:class:`SectionResult` fields: ``section``, ``tab``, ``outputs`` (``dict[int,
list[dict]]`` keyed by :attr:`CodeCell.index <d2lbook.source.model.CodeCell.index>`;
the dicts are nbformat 4 outputs: ``stream``, ``execute_result``,
``display_data`` with ``data`` by MIME type, ``error``), ``execution_counts``
(same keys), ``quick`` (results of ``--quick``: pages must say so),
``executed_notebook`` (the ``.ipynb`` path), ``run_time`` (seconds) and
``peak_rss`` (bytes).

To put the outputs into a notebook of the same section and tab use
``fill_outputs(nb, result)``: code cells are matched by their
``metadata["d2lbook"]["cell"]`` index.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from d2lbook.source.model import Book, Section

__all__ = ["Accept", "SectionResult", "fill_outputs", "load_result", "load_results",
           "read_notebook", "results_dir"]

# (section, tab, the executed notebook) -> whether it matches the book as it is now
Accept = Callable[[Section, str, "nbformat.NotebookNode"], bool]


@dataclass(frozen=True)
class SectionResult:
    section: str
    tab: str
    outputs: dict[int, list[dict]]
    execution_counts: dict[int, int | None]
    quick: bool
    executed_notebook: Path
    run_time: float = 0.0
    peak_rss: int = 0
    # where the outputs come from: "eval" (this machine's build eval) or "store" (the
    # full-mode results committed with the book, :mod:`d2lbook.store`)
    origin: str = "eval"
    # for quick results, why no full-mode result is shown: "changed" (the code changed
    # since the stored full run), "gpu" (the full run needs a GPU and has not been made),
    # "missing" (no full run stored yet)
    why_quick: str = ""
    meta: dict | None = None  # the store's record: mode, device, versions, date


def results_dir(book: Book, tab: str) -> Path:
    """Where ``build eval`` writes the executed notebooks of ``tab``."""
    return Path(book.config.output_dir) / "eval" / tab


def read_notebook(path: Path):
    """The notebook at ``path``, or None when it is missing or unreadable."""
    try:
        return nbformat.read(str(path), as_version=4)
    except (OSError, ValueError, json.JSONDecodeError):
        return None


def load_result(book: Book, section: Section, tab: str,
                accept: Accept | None = None) -> SectionResult | None:
    """The result of one section for ``tab``; None if there is none or ``accept`` refuses
    it (``accept=None`` takes any result, stale or not)."""
    path = results_dir(book, tab) / (section.path + ".ipynb")
    if not path.exists():
        return None
    done = read_notebook(path)
    if done is None or (accept is not None and not accept(section, tab, done)):
        return None
    meta = done.metadata.get("d2lbook", {}).get("eval", {})
    outputs: dict[int, list[dict]] = {}
    counts: dict[int, int | None] = {}
    code = [c for c in done.cells if c.cell_type == "code"]
    for pos, cell in enumerate(code):
        index = cell.metadata.get("d2lbook", {}).get("cell", pos)
        outputs[index] = [dict(o) for o in cell.get("outputs", [])]
        counts[index] = cell.get("execution_count")
    return SectionResult(
        section=section.path,
        tab=tab,
        outputs=outputs,
        execution_counts=counts,
        quick=bool(meta.get("quick", False)),
        executed_notebook=path,
        run_time=float(meta.get("run_time", 0.0)),
        peak_rss=int(meta.get("peak_rss", 0)),
    )


def load_results(book: Book, tab: str,
                 accept: Accept | None = None) -> dict[str, SectionResult]:
    """Results of every evaluated section of ``book`` for ``tab`` that ``accept`` takes."""
    if not results_dir(book, tab).is_dir():
        return {}
    out = {}
    for section in book.ordered():
        r = load_result(book, section, tab, accept)
        if r is not None:
            out[section.path] = r
    return out


def fill_outputs(nb, result: SectionResult | None):
    """Put ``result``'s outputs and execution counts into the code cells of notebook ``nb``
    (in place, matched by ``metadata["d2lbook"]["cell"]``); returns ``nb``."""
    if result is None:
        return nb
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        index = cell.get("metadata", {}).get("d2lbook", {}).get("cell")
        if index in result.outputs:
            cell["outputs"] = [nbformat.from_dict(o) for o in result.outputs[index]]
            cell["execution_count"] = result.execution_counts.get(index)
    return nb
