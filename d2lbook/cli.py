"""The ``d2lbook`` command.

    d2lbook check [--strict]                 every error and warning, no outputs written
    d2lbook build lib [--check]              d2l/<tab>.py from the #@save cells
    d2lbook build notebooks [--tab T|all]    one .ipynb per section per tab
    d2lbook build eval|html|pdf|colab|pkg ... (see each target's --help)
    d2lbook serve                            live preview
    d2lbook build T1 T2 ..., outputcheck, tabcheck, linkcheck, slides, merge, ...,
    d2lbook activate TAB FILES, d2lbook clear   as in d2lbook 1.0.3 (d2lbook.commands.targets)

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
    "pkg": "d2lbook.commands.pkg",
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


def load(args: argparse.Namespace, diags: Diagnostics, with_refs: bool = True,
         config=None):
    """Read the book; with ``with_refs``, also number it and check every reference."""
    from d2lbook.resolve import resolve
    from d2lbook.source.parse import load_book

    diags.strict = args.strict
    root = book_root(args)
    book = load_book(root, diags, config=config, raise_errors=False,
                     cache=parse_cache(root))
    # [build] warning_is_error = True (d2lbook 1.0.3's key) is --strict
    args.strict = diags.strict = args.strict or book.config.warning_is_error
    from d2lbook.outputs.apidoc import expand_api_blocks

    expand_api_blocks(book, diags)  # the API page's tables, before numbering
    refs = resolve(book, diags) if with_refs else None
    return book, refs


def book_root(args: argparse.Namespace) -> Path:
    """The folder of ``--book``; a BuildError naming what is missing unless it holds a
    ``config.ini`` (every command reads it; without it every setting would silently
    fall back to a default)."""
    try:
        root = Path(args.book).resolve()
        is_dir = root.is_dir()
    except (ValueError, OSError) as e:  # a NUL byte, a name too long, a loop of links
        raise BuildError([_diag(f"--book {args.book!r}: {e}")]) from None
    if not is_dir:
        raise BuildError([_diag(f"--book {args.book}: no such folder")])
    if not (root / "config.ini").is_file():
        raise BuildError([_diag(f"{root / 'config.ini'}: not found; every book folder needs "
                                "a config.ini (see docs/source-format.md)")])
    return root


def writable_folders(cfg, *extra: Path) -> list[Path]:
    """Where a command may write: the build folder, the results store (``[eval] store``),
    each tab's library file and version file, and ``extra`` (such as ``--out``). The user's caches are written apart
    (``atomic_write(..., user_cache=True)`` and the evaluation cache's own writer)."""
    libs = [lib.lib_file for lib in cfg.libraries.values()]
    if cfg.version_file is not None:
        libs.append(cfg.version_file)
    store = (cfg.get("eval", "store") or "_results").strip() or "_results"
    return [cfg.output_dir, cfg.root / store, *libs, *extra]


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
    argv = sys.argv[1:] if argv is None else argv
    from d2lbook.commands import targets  # d2lbook 1.0.3's command line: `build T1 T2`, ...

    if targets.handles(argv):
        return targets.main(argv)
    args = make_parser(argv).parse_args(argv)
    diags = Diagnostics()
    try:
        from d2lbook.config import load_config
        from d2lbook.util import UnsafePathError, check_out_option, writes_allowed

        cfg = load_config(book_root(args), diags)
        if args.command in ("clean", "serve"):
            diags.report()
            if diags.errors:  # a bad output_dir must never be deleted or written
                raise BuildError(diags.errors)
        extra = []
        if getattr(args, "out", None):  # html/serve --out: the user's own output folder
            extra.append(check_out_option(args.out, cfg.root))
        with writes_allowed(*writable_folders(cfg, *extra)):
            return _command(args, cfg, diags)
    except UnsafePathError as e:
        print(f"d2lbook: error: {e}", file=sys.stderr)
        return 1
    except BuildError as e:
        diags.report_failure(e)
        return 1


def _command(args: argparse.Namespace, cfg, diags: Diagnostics) -> int:
    t0 = time.perf_counter()
    if args.command == "clean":
        from d2lbook.util import remove_build_dir

        existed = remove_build_dir(cfg.output_dir, cfg.root)
        print(f"removed {cfg.output_dir}" if existed else f"{cfg.output_dir}: nothing to remove",
              file=sys.stderr)
        return 0
    if args.command == "serve":
        # the preview starts even when the book has errors: they show on the page
        module = importlib.import_module(SERVE)
        out = Path(args.out).resolve() if args.out else cfg.output_dir / "html"
        return module.serve(cfg.root, out, args.host, args.port, args.eval, args.tab)
    # the library and the execution of code do not depend on cross references, so
    # they work on a book whose references are still being written
    code_only = args.command == "build" and args.target in ("lib", "eval")
    book, refs = load(args, diags, with_refs=not code_only, config=cfg)
    if args.command == "check":
        from d2lbook.source.glossary import check_glossary

        check_glossary(book, diags)  # terms against [build] glossary
    if code_only:
        # sections and images that do not exist yet contribute nothing to the library
        diags.downgrade("missing-toc-entry")
        diags.downgrade("missing-image")
    diags.report()
    diags.raise_if_errors()
    if args.command == "check":
        # every validation a build runs: the library's #@save cells too
        from d2lbook.commands import current_results
        from d2lbook.commands.numbers import check_numbers
        from d2lbook.outputs.library import build_library

        build_library(book, diags)
        checked, unchecked = check_numbers(
            book, diags, current_results(book, [book.config.default_tab]))
        diags.report()
        diags.raise_if_errors()
        numbers = (f"; prose numbers: {checked} checked against stored full runs"
                   + (f", {len(unchecked)} waiting for one ({', '.join(unchecked)})"
                      if unchecked else "")) if checked or unchecked else ""
        print(f"{len(book.sections)} sections, no errors, {diags.summary()}{numbers} "
              f"({time.perf_counter() - t0:.2f} s)", file=sys.stderr)
        return 0
    if args.target == "lib":
        return build_lib(args, book, diags)
    if args.target == "notebooks":
        return build_notebooks(args, book, refs, diags)
    return importlib.import_module(PLUGINS[args.target]).run(args, book, refs)


def build_lib(args: argparse.Namespace, book, diags: Diagnostics) -> int:
    from d2lbook.outputs.library import build_library, check_library, write_library

    files = build_library(book, diags)
    diags.report()
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
    diags.report()
    diags.raise_if_errors()
    print(f"{len(results)} notebooks in {book.config.output_dir / 'notebooks'}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
