"""Options of ``d2lbook build colab``."""

from __future__ import annotations

import argparse
import sys

from d2lbook.commands import current_results, select_tabs


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tab", default="all", help="a tab name, or 'all' (default)")


def run(args: argparse.Namespace, book, resolved) -> int:
    from d2lbook.outputs.colab import build_colab

    colab = book.config.colab
    if colab is None:
        print("d2lbook: [colab] github_repo is not set in config.ini; nothing to build",
              file=sys.stderr)
        return 2
    tabs = select_tabs(book, args.tab)
    if tabs is None:
        return 2
    results = current_results(book, [t for t in tabs if t in colab.repos])
    paths = build_colab(book, resolved, tabs, results=results)
    print(f"{len(paths)} Colab notebooks in {book.config.output_dir / 'colab'} "
          f"(tabs: {', '.join(t for t in tabs if t in colab.repos) or 'none with a repo'})",
          file=sys.stderr)
    return 0
