"""The commands of the face, one module per ``d2lbook build`` target with options:
``add_arguments(parser)`` and ``run(args, book, resolved) -> exit status``.

Commands may import anything (the toolchain's packages do not import them): they
load execution results for the outputs (:mod:`d2lbook.results` through
:mod:`d2lbook.execute`), choose tabs, and print what was written.
"""

from __future__ import annotations

import sys

from d2lbook.results import SectionResult


def select_tabs(book, tab: str | None) -> list[str] | None:
    """The tabs a ``--tab`` option names: ``all``, one tab, or None for the default tab.
    An unknown tab is reported (with the book's tabs) and gives None."""
    tabs = book.config.tabs if tab == "all" else [tab or book.config.default_tab]
    unknown = [t for t in tabs if t not in book.config.tabs]
    if unknown:
        print(f"d2lbook: unknown tab {unknown[0]!r} (tabs: {', '.join(book.config.tabs)})",
              file=sys.stderr)
        return None
    return tabs


def globs_of(book, key: str) -> list[str]:
    """The section globs of ``[eval] <key>`` (comma or newline separated)."""
    import re

    return [g.strip() for g in re.split(r"[,\n]", book.config.get("eval", key) or "")
            if g.strip()]


def current_results(book, tabs: list[str], allow_stale: bool = False,
                    use_store: bool = True) -> dict[str, dict]:
    """``{tab: {section path: SectionResult}}`` for ``tabs``: for each section, the
    full-mode result of the results store (:mod:`d2lbook.store`) when its key matches
    the book's code as it is now, else the result of this machine's ``build eval`` that
    matches the book (any result with ``allow_stale``). A quick result says in
    ``why_quick`` why no full result is shown: ``changed`` (the code changed since the
    stored full run), ``gpu`` (``[eval] full_needs_gpu`` names the section) or
    ``missing``."""
    import dataclasses

    from d2lbook import store
    from d2lbook.execute import code_key, load_results
    from d2lbook.execute.scheduler import matches

    needs_gpu = globs_of(book, "full_needs_gpu")
    out: dict[str, dict] = {}
    for tab in tabs:
        local = load_results(book, tab, allow_stale=allow_stale)
        stored_paths = set(store.stored_sections(book.config, tab)) if use_store else set()
        merged = {}
        for section in book.ordered():
            path = section.path
            r = local.get(path)
            if path in stored_paths:
                entry = store.read_entry(book.config, path, tab)
                if entry is not None and entry.key == code_key(book, section, tab):
                    merged[path] = SectionResult(
                        section=path, tab=tab, outputs=entry.outputs,
                        execution_counts=entry.execution_counts, quick=False,
                        executed_notebook=entry.path, origin="store",
                        run_time=float(entry.meta.get("run_time", 0.0) or 0.0),
                        meta=entry.meta)
                    continue
                if r is not None and r.quick:
                    r = dataclasses.replace(r, why_quick="changed")
            elif r is not None and r.quick:
                why = "gpu" if needs_gpu and matches(path, needs_gpu) else "missing"
                r = dataclasses.replace(r, why_quick=why)
            if r is not None:
                merged[path] = r
        out[tab] = merged
    return out
