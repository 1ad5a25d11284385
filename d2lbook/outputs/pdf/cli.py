"""Options of ``d2lbook build pdf``."""

from __future__ import annotations

import argparse
import sys
import time

from d2lbook.errors import Diagnostics


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tab", default=None,
                   help="a tab name or 'all' (default: the book's default tab)")
    p.add_argument("--no-results", action="store_true",
                   help="leave out code outputs even when evaluation results exist")


def run(args: argparse.Namespace, book) -> int:
    from d2lbook.outputs.pdf import build_pdf
    from d2lbook.refs import build_refs

    diags = Diagnostics(strict=args.strict)
    refs = getattr(book, "_refs", None) or build_refs(book, diags)
    from d2lbook.cli import select_tabs

    tabs = select_tabs(book, args.tab)
    if tabs is None:
        return 2
    for tab in tabs:
        t0 = time.perf_counter()
        pdf = build_pdf(book, refs, tab, diags, use_results=not args.no_results)
        diags.report()
        print(f"wrote {pdf} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return 0
