"""Executing the book's notebooks: ``d2lbook build eval``.

Modules: :mod:`~d2lbook.execute.cache` (content-addressed results, the key
recipe and what a notebook depends on), :mod:`~d2lbook.execute.runner` (one
notebook in one kernel, nbclient), :mod:`~d2lbook.execute.scheduler` (planning,
workers, GPUs, reports); the command's options are in :mod:`d2lbook.commands.eval`.

The executed notebooks are read back through the neutral :mod:`d2lbook.results`
module. This package adds the test of whether a result still matches the book
(:func:`is_current`) and :func:`load_results`, which applies it::

    from d2lbook.execute import load_results

    results = load_results(book, "pytorch")       # {section path: SectionResult}

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

from d2lbook.execute.cache import code_signature
from d2lbook.results import SectionResult, fill_outputs, results_dir
from d2lbook.results import load_result as _load_result
from d2lbook.results import load_results as _load_results
from d2lbook.source.model import Book, Section

__all__ = ["SectionResult", "fill_outputs", "is_current", "load_results", "load_result",
           "results_dir"]


def is_current(book: Book, section: Section, tab: str, done) -> bool:
    """Whether the executed notebook ``done`` has the code cells the ``tab`` notebook of
    ``section`` has now, and ran against the same library code it depends on."""
    from d2lbook.execute.deps import library_dependency
    from d2lbook.execute.scheduler import library_path, notebook_code
    from d2lbook.outputs.notebooks import section_notebook

    meta = done.metadata.get("d2lbook", {}).get("eval", {})
    current = section_notebook(book, section, tab)
    if code_signature(current) != code_signature(done):
        return False
    lib_file = library_path(book.config, tab)[0]
    return meta.get("library", {}) == library_dependency(lib_file, notebook_code(current))


def load_result(book: Book, section: Section, tab: str, *,
                allow_stale: bool = False) -> SectionResult | None:
    """The result of one section for ``tab`` (None: none, or stale)."""
    accept = None if allow_stale else (lambda s, t, nb: is_current(book, s, t, nb))
    return _load_result(book, section, tab, accept)


def load_results(book: Book, tab: str, *, allow_stale: bool = False) -> dict[str, SectionResult]:
    """Results of every evaluated, up-to-date section of ``book`` for ``tab``."""
    accept = None if allow_stale else (lambda s, t, nb: is_current(book, s, t, nb))
    return _load_results(book, tab, accept)
