"""The commands of the face, one module per ``d2lbook build`` target with options:
``add_arguments(parser)`` and ``run(args, book, resolved) -> exit status``.

Commands may import anything (the toolchain's packages do not import them): they
load execution results for the outputs (:mod:`d2lbook.results` through
:mod:`d2lbook.execute`), choose tabs, and print what was written.
"""

from __future__ import annotations

import sys


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


def current_results(book, tabs: list[str], allow_stale: bool = False) -> dict[str, dict]:
    """``{tab: {section path: SectionResult}}`` of ``build eval`` for ``tabs``: only the
    results that match the book as it is now, unless ``allow_stale``."""
    from d2lbook.execute import load_results

    return {tab: load_results(book, tab, allow_stale=allow_stale) for tab in tabs}
