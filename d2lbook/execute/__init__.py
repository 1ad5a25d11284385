"""Executing the book's notebooks: ``d2lbook build eval``.

Modules: :mod:`~d2lbook.execute.cache` (content-addressed results, the key
recipe and what a notebook depends on), :mod:`~d2lbook.execute.runner` (one
notebook in one kernel, nbclient), :mod:`~d2lbook.execute.scheduler` (planning,
workers, GPUs, reports), :mod:`~d2lbook.execute.cli` (the command's options).

Results API (for the notebook, HTML and PDF writers)
----------------------------------------------------

``d2lbook build eval`` writes, for every section with code and every tab it
ran, the executed notebook ``<output_dir>/eval/<tab>/<section path>.ipynb``
(atomically). Writers read them through::

    from d2lbook.execute import load_results, load_result

    results = load_results(book, "pytorch")       # {section path: SectionResult}
    r = results.get(section.path)                 # None: not evaluated (or stale)
    if r is not None:
        outs = r.outputs.get(cell.index, [])      # nbformat output dicts of a CodeCell
        if r.quick: ...                           # show "built in quick mode"

:class:`SectionResult` fields: ``section``, ``tab``, ``outputs`` (``dict[int,
list[dict]]`` keyed by :attr:`CodeCell.index <d2lbook.source.model.CodeCell.index>`;
the dicts are nbformat 4 outputs: ``stream``, ``execute_result``,
``display_data`` with ``data`` by MIME type, ``error``), ``execution_counts``
(same keys), ``quick`` (results of ``--quick``: pages must say so),
``executed_notebook`` (the ``.ipynb`` path), ``run_time`` (seconds) and
``peak_rss`` (bytes).

To put the outputs into a notebook of the same section and tab (as made by
:func:`d2lbook.outputs.notebooks.section_notebook`), use
``fill_outputs(nb, result)``: code cells are matched by their
``metadata["d2lbook"]["cell"]`` index.

A result is returned only when it matches the book as it is now: same code
cells for that tab and the same library code that the notebook depends on
(:mod:`d2lbook.execute.deps`). Otherwise it is *stale* and left out
(``allow_stale=True`` keeps it). Prose edits never make a result stale.

``error`` outputs (cells marked ``#@expect_error``) carry the kernel's
traceback with ANSI colour codes; :func:`d2lbook.execute.runner.strip_ansi`
removes them. ``<output_dir>/eval/report.json`` holds the last run's table
(status, run time, peak memory per notebook and per tab).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from d2lbook.execute.cache import code_signature

__all__ = ["SectionResult", "fill_outputs", "load_results", "load_result", "results_dir"]


@dataclass
class SectionResult:
    section: str
    tab: str
    outputs: dict[int, list[dict]]
    execution_counts: dict[int, int | None]
    quick: bool
    executed_notebook: Path
    run_time: float = 0.0
    peak_rss: int = 0


def results_dir(book, tab: str) -> Path:
    """Where ``build eval`` writes the executed notebooks of ``tab``."""
    return Path(book.config.output_dir) / "eval" / tab


def _read(path: Path):
    try:
        return nbformat.read(str(path), as_version=4)
    except (OSError, ValueError, json.JSONDecodeError):
        return None


def load_result(book, section, tab: str, *,
                allow_stale: bool = False) -> SectionResult | None:
    """The result of one section (a :class:`~d2lbook.source.model.Section`) for ``tab``."""
    from d2lbook.execute.deps import library_dependency
    from d2lbook.execute.scheduler import library_path, notebook_code
    from d2lbook.outputs.notebooks import section_notebook

    path = results_dir(book, tab) / (section.path + ".ipynb")
    if not path.exists():
        return None
    done = _read(path)
    if done is None:
        return None
    meta = done.metadata.get("d2lbook", {}).get("eval", {})
    if not allow_stale:
        current = section_notebook(book, section, tab)
        if code_signature(current) != code_signature(done):
            return None
        lib_file = library_path(book.config, tab)[0]
        if meta.get("library", {}) != library_dependency(lib_file, notebook_code(current)):
            return None
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


def load_results(book, tab: str, *, allow_stale: bool = False) -> dict[str, SectionResult]:
    """Results of every evaluated, up-to-date section of ``book`` for ``tab``."""
    if not results_dir(book, tab).is_dir():
        return {}
    out = {}
    for section in book.ordered():
        r = load_result(book, section, tab, allow_stale=allow_stale)
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
