"""Options of ``d2lbook build pkg``: each tab's notebooks as one zip."""

from __future__ import annotations

import argparse
import sys

from d2lbook.commands import current_results, select_tabs


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tab", default="all", help="a tab name, or 'all' (default)")


def run(args: argparse.Namespace, book, resolved) -> int:
    from d2lbook.errors import Diagnostics
    from d2lbook.outputs.pkg import build_pkg

    tabs = select_tabs(book, args.tab)
    if tabs is None:
        return 2
    diags = Diagnostics(strict=getattr(args, "strict", False))
    paths = build_pkg(book, resolved, tabs, diags, results=current_results(book, tabs))
    diags.report()
    diags.raise_if_errors()
    for p in paths:
        print(f"pkg: {p} ({p.stat().st_size // 1024} KiB)", file=sys.stderr)
    return 0
