"""The command line of d2lbook 1.0.3: several targets in one call, and the targets and
commands it has beyond ours.

    d2lbook build T1 T2 ...      e.g. ``d2lbook build notebooks lib html``
    d2lbook build outputcheck    no stored outputs in the sources
    d2lbook build tabcheck       every tab named in the sources is in [build] tabs
    d2lbook build linkcheck      internal links and anchors of the website (--external too)
    d2lbook build ipynb          the notebooks (1.0.3's name for them)
    d2lbook build merge          one notebook per section holding every tab's code
    d2lbook build sagemaker      notebooks for SageMaker, one kernel per tab
    d2lbook build slides         reveal.js decks from the slide marks
    d2lbook build all            lib, notebooks, eval, html, pdf (and pkg where present)
    d2lbook activate TAB FILES   make TAB's code cells the executable ones in FILES
    d2lbook clear                remove the output folder

Targets run in dependency order over one parse of the book, whatever order they are
written in; the first failing target stops the run.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

# every target, in the order they run (a target may use what an earlier one wrote)
ORDER = ["lib", "notebooks", "ipynb", "eval", "outputcheck", "tabcheck", "merge", "colab",
         "sagemaker", "slides", "pkg", "html", "pdf", "linkcheck"]
# targets that only read sources (they must not fail on unresolved cross references)
SOURCE_ONLY = {"outputcheck", "tabcheck"}
CODE_ONLY = {"lib", "eval"}
ALL = ["lib", "notebooks", "eval", "html", "pdf", "pkg"]
INSTEAD = {
    "rst": "`build rst` wrote reStructuredText for Sphinx; this d2lbook renders HTML and "
           "PDF itself: use `d2lbook build html` or `d2lbook build pdf`",
    "deploy": "`build deploy` uploaded to GitHub Pages and S3 with the maintainers' "
              "accounts; build with `d2lbook build html pdf` and publish _build/html with "
              "your own tools (for example `aws s3 sync` or a GitHub Pages action)",
}
MODULES = {
    "eval": "d2lbook.commands.eval",
    "html": "d2lbook.commands.html",
    "pdf": "d2lbook.commands.pdf",
    "colab": "d2lbook.commands.colab",
    "pkg": "d2lbook.commands.pkg",
    "outputcheck": "d2lbook.outputs.checks",
    "tabcheck": "d2lbook.outputs.checks",
    "linkcheck": "d2lbook.outputs.linkcheck",
    "merge": "d2lbook.outputs.merge",
    "sagemaker": "d2lbook.outputs.merge",
    "slides": "d2lbook.outputs.slides",
}
# targets whose module has run(args, book, resolved) (the commands of d2lbook.commands)
COMMAND_MODULES = {"eval", "html", "pdf", "colab", "pkg"}
KNOWN = set(ORDER) | {"all"} | set(INSTEAD)
COMMANDS_INSTEAD = {
    "deploy": INSTEAD["deploy"].replace("`build deploy`", "`d2lbook deploy`"),
    "translate": "`d2lbook translate` machine-translated a book with a cloud service; it "
                 "has no counterpart here",
    "slides": "`d2lbook slides FILES` wrote RISE notebooks; use `d2lbook build slides "
              "[--tab T]` for reveal.js decks of every section",
}


def handles(argv: list[str]) -> bool:
    """Whether ``argv`` is for this module: several targets, a target only 1.0.3 had,
    ``activate`` or ``clear``."""
    if argv[:1] in (["activate"], ["clear"]) or argv[:1] and argv[0] in COMMANDS_INSTEAD:
        return True
    if argv[:1] != ["build"]:
        return False
    words = _targets(argv[1:])
    from d2lbook.cli import PLUGINS

    # 1.0.3 takes --tab for every target (d2l's CI runs `build html --tab all`)
    tab_elsewhere = "--tab" in argv and words[:1] not in (["notebooks"], ["eval"], ["pdf"],
                                                         ["colab"])
    return len(words) > 1 or tab_elsewhere or (
        len(words) == 1 and words[0] not in PLUGINS and words[0] not in ("lib", "notebooks"))


def _targets(args: list[str]) -> list[str]:
    out = []
    for a in args:
        if a.startswith("-") or a not in KNOWN:
            break
        out.append(a)
    return out


def _has_module(target: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(MODULES[target]) is not None
    except ModuleNotFoundError:
        return False


def _adders(target: str) -> Callable[[argparse.ArgumentParser], None]:
    def add(p: argparse.ArgumentParser) -> None:
        if target == "lib":
            p.add_argument("--check", action="store_true",
                           help="lib: do not write; exit 1 with a diff if the files differ")
        elif target in ("notebooks", "ipynb"):
            p.add_argument("--tab", default="all", help="a tab name, or 'all' (default)")
        elif target in MODULES:
            try:
                mod = importlib.import_module(MODULES[target])
            except ImportError:
                return
            if hasattr(mod, "add_arguments"):
                mod.add_arguments(p)
    return add


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--book", default=".", help="the book's folder (default: current folder)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument("--tab", default=None,
                   help="a tab or 'all' (targets without tabs, such as html, build every tab)")


def parse(argv: list[str]) -> tuple[list[str], dict[str, argparse.Namespace]]:
    """The targets named after ``build`` (expanded, deduplicated, in dependency order) and
    each one's options: its own defaults, overridden by what the command line gives."""
    words = _targets(argv[1:])
    opts = argv[1 + len(words):]
    combined = argparse.ArgumentParser(
        prog="d2lbook build", conflict_handler="resolve",
        description="Build one or more targets: " + ", ".join(ORDER + ["all"]))
    if not words:
        combined.add_argument("targets", nargs="+", choices=sorted(KNOWN))
        combined.parse_args(opts)  # prints the usage and exits
    wanted: list[str] = []
    for w in words:
        # `all`: pkg only where this d2lbook has it (issue 19 adds it)
        wanted.extend([t for t in ALL if t != "pkg" or _has_module("pkg")] if w == "all"
                      else [w])
    targets = [t for t in ORDER if t in wanted] + [t for t in INSTEAD if t in wanted]
    _common(combined)
    for t in targets:
        _adders(t)(combined)
    for a in combined._actions:
        if not isinstance(a, argparse._HelpAction):
            a.default = argparse.SUPPRESS
    given = combined.parse_args(opts)
    per: dict[str, argparse.Namespace] = {}
    for t in targets:
        p = argparse.ArgumentParser(conflict_handler="resolve")
        _common(p)
        _adders(t)(p)
        ns = p.parse_args([])
        for k, v in vars(given).items():
            setattr(ns, k, v)
        ns.command, ns.target = "build", t
        per[t] = ns
    return targets, per


def main(argv: list[str]) -> int:
    if argv[0] == "activate":
        return activate(argv[1:])
    if argv[0] in COMMANDS_INSTEAD:
        print(f"d2lbook: {COMMANDS_INSTEAD[argv[0]]}", file=sys.stderr)
        return 2
    if argv[0] == "clear":
        from d2lbook.cli import main as cli_main

        return cli_main(["clean", *argv[1:]])
    targets, per = parse(argv)
    for t in targets:
        if t in INSTEAD:
            print(f"d2lbook: {INSTEAD[t]}", file=sys.stderr)
            return 2
    return run(targets, per)


def run(targets: list[str], per: dict[str, argparse.Namespace]) -> int:
    from d2lbook import cli
    from d2lbook.errors import BuildError, Diagnostics
    from d2lbook.util import UnsafePathError, check_out_option, writes_allowed

    diags = Diagnostics()
    first = per[targets[0]]
    t0 = time.perf_counter()
    try:
        needs_refs = any(t not in CODE_ONLY | SOURCE_ONLY for t in targets)
        args = copy.copy(first)
        book, refs = cli.load(args, diags, with_refs=needs_refs)
        if not needs_refs:
            diags.downgrade("missing-toc-entry")
            diags.downgrade("missing-image")
        diags.report()
        diags.raise_if_errors()
        # writes only where cli allows them: the build folder, the library files, --out
        extra = [check_out_option(per[t].out, book.config.root) for t in targets
                 if getattr(per[t], "out", None)]
        with writes_allowed(*cli.writable_folders(book.config, *extra)):
            for t in targets:
                ns = per[t]
                ns.strict = args.strict
                t1 = time.perf_counter()
                rc = run_target(t, ns, book, refs, diags)
                diags.report()
                if rc:
                    print(f"d2lbook: build {t} failed (exit {rc}); later targets not run",
                          file=sys.stderr)
                    return rc
                print(f"d2lbook: {t} done ({time.perf_counter() - t1:.2f} s)",
                      file=sys.stderr)
    except UnsafePathError as e:
        print(f"d2lbook: error: {e}", file=sys.stderr)
        return 1
    except BuildError as e:
        diags.report_failure(e)
        return 1
    print(f"d2lbook: built {' '.join(targets)} in {time.perf_counter() - t0:.2f} s; "
          f"{diags.summary()}", file=sys.stderr)
    return 0


def run_target(t: str, ns: argparse.Namespace, book, refs, diags) -> int:
    from d2lbook import cli
    from d2lbook.commands import select_tabs

    if t == "lib":
        return cli.build_lib(ns, book, diags)
    if t in ("notebooks", "ipynb"):
        return cli.build_notebooks(ns, book, refs, diags)
    try:
        mod = importlib.import_module(MODULES[t])
    except ImportError:
        print(f"d2lbook: the {t} target is not part of this version of d2lbook",
              file=sys.stderr)
        return 2
    if t in COMMAND_MODULES:
        return mod.run(ns, book, refs)
    if t in ("outputcheck", "tabcheck", "merge"):
        return getattr(mod, "run_" + t)(ns, book, refs, diags)
    if t == "linkcheck":
        return mod.run(ns, book)
    tabs = select_tabs(book, getattr(ns, "tab", None) or "all")  # sagemaker, slides
    if tabs is None:
        return 2
    return getattr(mod, "run_" + t)(ns, book, refs, tabs, diags)


def activate(argv: list[str]) -> int:
    """``d2lbook activate TAB FILE...``: in each markdown file, the code cells of TAB (and
    of ``all``) become executable cells (```` ```{.python .input} ````) and the other tabs'
    become displayed code (```` ```python ````), as d2lbook 1.0.3 does; ``all`` activates
    every cell. Each file is rewritten in place, atomically."""
    p = argparse.ArgumentParser(prog="d2lbook activate",
                                description=activate.__doc__.split("\n\n")[0])
    p.add_argument("tab", help="the tab to activate, or 'all'")
    p.add_argument("files", nargs="+", help="markdown files (globs are expanded)")
    args = p.parse_args(argv)
    import glob

    from d2lbook.outputs.checks import activate_text
    from d2lbook.util import atomic_write

    files = [f for pat in args.files for f in (sorted(glob.glob(pat)) or [pat])]
    for f in files:
        path = Path(f)
        if not path.is_file() or path.suffix != ".md":
            print(f"d2lbook: {f}: not a markdown file", file=sys.stderr)
            return 2
    for f in files:
        path = Path(f)
        text = path.read_text(encoding="utf-8")
        new = activate_text(text, args.tab)
        if new != text:
            atomic_write(path, new)
            print(f"activated {args.tab} in {f}", file=sys.stderr)
    return 0
