"""Options of ``d2lbook build pdf``."""

from __future__ import annotations

import argparse
import sys
import time

from d2lbook.commands import current_results, select_tabs
from d2lbook.errors import Diagnostics


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tab", default=None,
                   help="a tab name or 'all' (default: the book's default tab)")
    p.add_argument("--no-results", action="store_true",
                   help="leave out code outputs even when evaluation results exist")


def run(args: argparse.Namespace, book, resolved) -> int:
    from d2lbook.outputs.pdf import build_pdf

    diags = Diagnostics(strict=args.strict)
    tabs = select_tabs(book, args.tab)
    if tabs is None:
        return 2
    results = {} if args.no_results else current_results(book, tabs)
    for tab in tabs:
        t0 = time.perf_counter()
        pdf = build_pdf(book, resolved, tab, diags, results=results.get(tab))
        diags.report()
        print(f"wrote {pdf} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return 0
