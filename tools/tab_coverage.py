"""List the sections that have code for one tab and none for another.

The JAX port of the book is measured with it::

    python tools/tab_coverage.py book --have pytorch --lack jax --chapters 2-11

prints one line per section of chapters 2 to 11 that has PyTorch code cells and
no JAX code cell, then a summary line, and exits with status 1 when any section
is listed (0 otherwise), so that it can gate a build.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from d2lbook.errors import BuildError, Diagnostics
from d2lbook.resolve import number
from d2lbook.source.parse import load_book
from d2lbook.source.tabs import has_tab


def missing_sections(root: Path | str, have: str, lack: str,
                     chapters: tuple[int, int] | None = None) -> tuple[list[str], int]:
    """Files of the sections (in reading order) with ``have`` code and no ``lack`` code.

    ``chapters`` (first, last) keeps only numbered sections of those chapters.
    Returns the list and the number of sections that have ``have`` code.
    """
    book = load_book(root, Diagnostics())
    numbers = number(book)  # section path -> number (the model is not written)
    missing: list[str] = []
    total = 0
    for sec in book.ordered():
        if chapters is not None and not (
                numbers[sec.path] and chapters[0] <= numbers[sec.path][0] <= chapters[1]):
            continue
        if not has_tab(sec, have):
            continue
        total += 1
        if not has_tab(sec, lack):
            missing.append(sec.file)
    return missing, total


def _chapters(value: str) -> tuple[int, int]:
    first, _, last = value.partition("-")
    try:
        lo, hi = int(first), int(last or first)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N or N-M, got {value!r}") from None
    if lo > hi:
        raise argparse.ArgumentTypeError(f"empty chapter range {value!r}")
    return lo, hi


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("book", nargs="?", default="book", help="the book folder (default: book)")
    ap.add_argument("--have", default="pytorch", help="tab that has code (default: pytorch)")
    ap.add_argument("--lack", default="jax", help="tab that must have code too (default: jax)")
    ap.add_argument("--chapters", type=_chapters, default=None,
                    help="only numbered chapters N-M, e.g. 2-11")
    args = ap.parse_args(argv)
    try:
        missing, total = missing_sections(args.book, args.have, args.lack, args.chapters)
    except BuildError as e:
        print(e, file=sys.stderr)
        return 2
    for f in missing:
        print(f)
    print(f"{len(missing)} of {total} sections with {args.have} code have no {args.lack} code",
          file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
