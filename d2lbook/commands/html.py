"""``d2lbook build html``: options and the command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from d2lbook.commands import current_results


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default=None,
                        help="output folder (default: <output_dir>/html)")
    parser.add_argument("--no-search", action="store_true",
                        help="do not build the search index")
    parser.add_argument("--no-outputs", action="store_true",
                        help="ignore execution results (pages show code only)")
    parser.add_argument("--stale-outputs", action="store_true",
                        help="also show results of sections whose code changed since they ran")
    parser.add_argument("--timings", action="store_true", help="print where the time went")


def load_all_results(book, allow_stale: bool = False) -> dict[str, dict]:
    """``{tab: {section path: SectionResult}}`` from ``build eval`` for every tab."""
    return current_results(book, list(book.config.tabs), allow_stale)


def run(args: argparse.Namespace, book, resolved) -> int:
    import time

    from d2lbook.errors import Diagnostics
    from d2lbook.outputs.html import build_html

    t0 = time.perf_counter()
    diags = Diagnostics(strict=getattr(args, "strict", False))
    out = Path(args.out).resolve() if args.out else Path(book.config.output_dir) / "html"
    results = None if args.no_outputs else load_all_results(book, args.stale_outputs)
    t1 = time.perf_counter()
    report = build_html(book, resolved, out, results=results, diags=diags,
                        search=not args.no_search)
    diags.report()
    n_err = len(diags.errors)
    print(f"html: {report.rendered} of {report.pages} pages written to {out} "
          f"(search: {report.search}; {report.seconds:.2f} s, "
          f"{time.perf_counter() - t0:.2f} s with results)", file=sys.stderr)
    if args.timings:
        print("  results " + f"{t1 - t0:.3f} s; " + "; ".join(
            f"{k} {v:.3f} s" for k, v in report.timings.items()), file=sys.stderr)
    return 1 if n_err else 0
