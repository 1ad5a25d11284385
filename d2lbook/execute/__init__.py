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

__all__ = ["SectionResult", "code_key", "executed_code_key", "fill_outputs", "is_current",
           "load_results", "load_result", "results_dir", "store_results"]


def _key_of(tab: str, code: list, library: dict) -> str:
    import hashlib
    import json

    text = json.dumps([tab, code, library], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def code_key(book: Book, section: Section, tab: str) -> str:
    """The hash of what a section's outputs depend on in the book: its code cells for
    ``tab`` and the library code they use. The results store is keyed by it."""
    from d2lbook.execute.deps import library_dependency
    from d2lbook.execute.scheduler import library_path, notebook_code
    from d2lbook.outputs.notebooks import section_notebook

    current = section_notebook(book, section, tab)
    lib_file = library_path(book.config, tab)[0]
    return _key_of(tab, code_signature(current),
                   library_dependency(lib_file, notebook_code(current)))


def executed_code_key(done, tab: str) -> str:
    """:func:`code_key` of the book as it was when the executed notebook ``done`` ran."""
    meta = done.metadata.get("d2lbook", {}).get("eval", {})
    return _key_of(tab, code_signature(done), meta.get("library", {}))


def store_results(book: Book, tab: str, sections: list[str], python: str) -> list[str]:
    """Copy the current full-mode results of ``sections`` (``tab``) from the eval folder
    into the results store (:mod:`d2lbook.store`); returns the sections stored. Quick-mode
    and stale results are never stored."""
    import datetime
    import platform

    from d2lbook import store
    from d2lbook.execute import cache as cachemod
    from d2lbook.results import read_notebook

    by_path = {s.path: s for s in book.ordered()}
    fingerprint = cachemod.env_fingerprint(python)
    wanted = ("torch", "torchvision", "jax", "jaxlib", "flax", "optax", "numpy", "tensorflow",
              "mxnet", "paddlepaddle", "pandas", "matplotlib")
    packages = {p.split("==")[0]: p.split("==")[1] for p in fingerprint.get("packages", [])
                if "==" in p and p.split("==")[0] in wanted}
    gpus = cachemod.gpu_models()
    stored = []
    for path in sections:
        section = by_path.get(path)
        done = read_notebook(results_dir(book, tab) / (path + ".ipynb"))
        if section is None or done is None:
            continue
        meta = done.metadata.get("d2lbook", {}).get("eval", {})
        if meta.get("quick") or not is_current(book, section, tab, done):
            continue
        cells = []
        for pos, cell in enumerate(c for c in done.cells if c.cell_type == "code"):
            cells.append({"index": cell.metadata.get("d2lbook", {}).get("cell", pos),
                          "execution_count": cell.get("execution_count"),
                          "outputs": [dict(o) for o in cell.get("outputs", [])]})
        info = {
            "mode": "full",
            "device": cachemod.device_signature(bool(gpus), gpus),
            "python": platform.python_version() if not fingerprint.get("python")
            else str(fingerprint["python"]).split()[0],
            "packages": packages,
            "run_time": meta.get("run_time", 0.0),
            "executed": datetime.datetime.fromtimestamp(
                float(meta.get("executed") or 0) or datetime.datetime.now().timestamp(),
                datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        store.write_entry(book.config, path, tab, executed_code_key(done, tab), cells, info)
        stored.append(path)
    store.garbage_collect(book.config)
    return stored


def is_current(book: Book, section: Section, tab: str, done) -> bool:
    """Whether the executed notebook ``done`` has the code cells the ``tab`` notebook of
    ``section`` has now, and ran against the same library code it depends on."""
    return executed_code_key(done, tab) == code_key(book, section, tab)


def load_result(book: Book, section: Section, tab: str, *,
                allow_stale: bool = False) -> SectionResult | None:
    """The result of one section for ``tab`` (None: none, or stale)."""
    accept = None if allow_stale else (lambda s, t, nb: is_current(book, s, t, nb))
    return _load_result(book, section, tab, accept)


def load_results(book: Book, tab: str, *, allow_stale: bool = False) -> dict[str, SectionResult]:
    """Results of every evaluated, up-to-date section of ``book`` for ``tab``."""
    accept = None if allow_stale else (lambda s, t, nb: is_current(book, s, t, nb))
    return _load_results(book, tab, accept)
