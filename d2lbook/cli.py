"""The ``d2lbook`` command.

    d2lbook check [--strict]                 every error and warning, no outputs written
    d2lbook build lib [--check]              d2l/<tab>.py from the #@save cells
    d2lbook build notebooks [--tab T|all]    one .ipynb per section per tab
    d2lbook build eval|html|pdf|colab ...    (see each target's --help)
    d2lbook serve                            live preview

Every command reads the book in the current folder (or ``--book DIR``).
Errors print as ``file:line: error: message``; nothing is written when the
book has errors.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

from d2lbook.errors import BuildError, Diagnostics

# target name -> module providing add_arguments(parser) and run(args, book, resolved) -> int
PLUGINS = {
    "eval": "d2lbook.commands.eval",
    "html": "d2lbook.commands.html",
    "pdf": "d2lbook.commands.pdf",
    "colab": "d2lbook.commands.colab",
}
SERVE = "d2lbook.serve"


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--book", default=".", help="the book's folder (default: current folder)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")


def make_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser. Only the options of the target named in ``argv`` are loaded
    (importing every output's module would cost more than a small rebuild)."""
    argv = sys.argv[1:] if argv is None else argv
    words = [a for a in argv if not a.startswith("-")]
    wanted = words[1] if len(words) > 1 and words[0] == "build" else None
    parser = argparse.ArgumentParser(prog="d2lbook", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="report every error and warning without writing outputs")
    _common(p)
    build = sub.add_parser("build", help="build outputs")
    tsub = build.add_subparsers(dest="target", required=True)
    p = tsub.add_parser("lib", help="write the library files from the #@save cells")
    _common(p)
    p.add_argument("--check", action="store_true",
                   help="do not write; exit 1 and print a diff if the files differ")
    p = tsub.add_parser("notebooks", help="write one notebook per section per tab")
    _common(p)
    p.add_argument("--tab", default="all", help="a tab name, or 'all' (default)")
    for name, mod in PLUGINS.items():
        p = tsub.add_parser(name, help=f"build {name} (see: d2lbook build {name} --help)")
        _common(p)
        if name == wanted:
            importlib.import_module(mod).add_arguments(p)
    p = sub.add_parser("serve", help="live preview of the website")
    _common(p)
    if words[:1] == ["serve"]:
        importlib.import_module(SERVE).add_arguments(p)
    p = sub.add_parser("clean", help="remove the output folder")
    _common(p)
    return parser


def load(args: argparse.Namespace, diags: Diagnostics, with_refs: bool = True):
    """Read the book; with ``with_refs``, also number it and check every reference."""
    from d2lbook.resolve import resolve
    from d2lbook.source.parse import load_book

    diags.strict = args.strict
    root = Path(args.book).resolve()
    if not (root / "config.ini").exists() and not (root / "index.md").exists():
        raise BuildError([_diag(f"{root} has no config.ini or index.md: not a book folder")])
    book = load_book(root, diags, raise_errors=False, cache=parse_cache(root))
    from d2lbook.outputs.apidoc import expand_api_blocks

    expand_api_blocks(book, diags)  # the API page's tables, before numbering
    refs = resolve(book, diags) if with_refs else None
    return book, refs


def parse_cache(root: Path):
    """The parse cache of a book, in the user's cache folder (never inside the book)."""
    import hashlib
    import os

    from d2lbook.source.parse import ParseCache

    if os.environ.get("D2LBOOK_NO_PARSE_CACHE"):
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "d2lbook"
    name = hashlib.sha1(str(root).encode()).hexdigest()[:16]
    return ParseCache(base / "parse" / f"{name}.pickle")


def _diag(msg: str):
    from d2lbook.errors import Diagnostic

    return Diagnostic("error", msg)


def main(argv: list[str] | None = None) -> int:
    args = make_parser(argv).parse_args(argv)
    diags = Diagnostics()
    t0 = time.perf_counter()
    try:
        if args.command == "clean":
            import shutil

            from d2lbook.config import load_config

            cfg = load_config(Path(args.book), diags)
            shutil.rmtree(cfg.output_dir, ignore_errors=True)
            return 0
        if args.command == "serve":
            # the preview starts even when the book has errors: they show on the page
            from d2lbook.config import load_config

            cfg = load_config(Path(args.book), diags)
            diags.report()
            module = importlib.import_module(SERVE)
            out = Path(args.out).resolve() if args.out else cfg.output_dir / "html"
            return module.serve(cfg.root, out, args.host, args.port, args.eval, args.tab)
        # the library and the execution of code do not depend on cross references, so
        # they work on a book whose references are still being written
        code_only = args.command == "build" and args.target in ("lib", "eval")
        book, refs = load(args, diags, with_refs=not code_only)
        if code_only:
            # sections and images that do not exist yet contribute nothing to the library
            diags.downgrade("missing-toc-entry")
            diags.downgrade("missing-image")
        diags.report()
        diags.raise_if_errors()
        if args.command == "check":
            from d2lbook.commands import current_results
            from d2lbook.commands.numbers import check_numbers

            check_numbers(book, diags, current_results(book, [book.config.default_tab]))
            diags.report()
            diags.raise_if_errors()
            n = len(diags.warnings)
            print(f"{len(book.sections)} sections, no errors, {n} warning(s) "
                  f"({time.perf_counter() - t0:.2f} s)", file=sys.stderr)
            return 0
        if args.target == "lib":
            return build_lib(args, book, diags)
        if args.target == "notebooks":
            return build_notebooks(args, book, refs, diags)
        return importlib.import_module(PLUGINS[args.target]).run(args, book, refs)
    except BuildError as e:
        diags.report()
        for d in e.diagnostics:
            if d not in diags.items:
                print(d, file=sys.stderr)
        n = len(e.diagnostics)
        print(f"d2lbook: {n} error(s); nothing written", file=sys.stderr)
        return 1


def build_lib(args: argparse.Namespace, book, diags: Diagnostics) -> int:
    from d2lbook.outputs.library import build_library, check_library, write_library

    files = build_library(book, diags)
    diags.raise_if_errors()
    if args.check:
        diffs = check_library(files, book.root)
        if diffs:
            for d in diffs:
                sys.stdout.write(d)
            print("d2lbook: the library differs from the book; run `d2lbook build lib`",
                  file=sys.stderr)
            return 1
        print("library matches the book", file=sys.stderr)
        return 0
    written = write_library(files)
    for p in written:
        print(f"wrote {p}", file=sys.stderr)
    if not written:
        print("library up to date", file=sys.stderr)
    return 0


def build_notebooks(args: argparse.Namespace, book, refs, diags: Diagnostics) -> int:
    from d2lbook.commands import current_results, select_tabs
    from d2lbook.outputs.notebooks import build_notebooks as build

    tabs = select_tabs(book, args.tab)
    if tabs is None:
        return 2
    results = build(book, refs, tabs, diags, results=current_results(book, tabs))
    diags.raise_if_errors()
    print(f"{len(results)} notebooks in {book.config.output_dir / 'notebooks'}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
