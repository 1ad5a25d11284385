"""Options and entry point of ``d2lbook build eval``.

The main CLI calls :func:`add_arguments` on the ``build`` parser and
:func:`run` with the parsed arguments and the loaded book (evaluation needs no
resolved references); ``run`` returns the exit status (0 when every notebook
ran or was cached, 1 on failures).

``config.ini`` keys (section ``[eval]``, all optional)::

    [eval]
    jax = ../.venv-jax/bin/python   # interpreter of a tab (relative to the book); default: this one
    python = ...                    # interpreter for tabs not named
    timeout = 1200                  # per-cell timeout, seconds (0: none)
    notebook_timeout = 3600         # per-notebook timeout, seconds (default: none)
    data = data/*.csv, data/x.zip   # files whose content the results depend on
    gpus = chapter_gpus/*=2, chapter_x/y=0   # GPU need by section glob (-1: all)
    notebooks_per_gpu = 1           # how many notebooks may share one GPU
    max_output = 2000000            # characters of output kept per code cell (rest elided)
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from d2lbook.execute import scheduler


def count_arg(value: str) -> int:
    """``-j``: a whole number from 0 (0: one per core) to 1024."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 0 <= n <= 1024:
        raise argparse.ArgumentTypeError(f"{n} is not between 0 (one per core) and 1024")
    return n


def seconds_arg(value: str) -> float:
    """A timeout: a finite number of seconds, at least 0 (0: none)."""
    try:
        t = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not math.isfinite(t) or t < 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be a finite number of seconds, "
                                         "at least 0 (0: no limit)")
    return t


def folder_arg(value: str) -> Path:
    """``--cache-dir``: an existing folder or one that can be made (not a file or device)."""
    path = Path(value).expanduser()
    if "\x00" in value or not value.strip():
        raise argparse.ArgumentTypeError(f"{value!r} is not a folder name")
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise argparse.ArgumentTypeError(f"{value}: {probe} is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{value}: {probe} is not writable")
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("eval", "options of the 'eval' target")
    g.add_argument("--tab", default="all",
                   help="tab to execute, or 'all' (default), or a comma list")
    g.add_argument("-j", "--jobs", type=count_arg, default=0,
                   help="parallel kernels (default: number of cores)")
    g.add_argument("--quick", action="store_true",
                   help="set D2L_QUICK=1: the library caps epochs, batches and data sizes")
    g.add_argument("--keep-going", action="store_true",
                   help="run every notebook even after a failure (still fails at the end)")
    g.add_argument("--only", action="append", default=[], metavar="PATTERN",
                   help="glob on section paths, e.g. 'chapter_cnn/*' (repeatable)")
    g.add_argument("--cache-dir", type=folder_arg, default=None,
                   help="result cache (default: $XDG_CACHE_HOME/d2lbook/eval)")
    g.add_argument("--timeout", type=seconds_arg, default=None,
                   help="per-cell timeout in seconds (default: [eval] timeout or 1200)")
    g.add_argument("--notebook-timeout", type=seconds_arg, default=None,
                   help="per-notebook timeout in seconds (default: [eval] notebook_timeout)")
    g.add_argument("--force", action="store_true",
                   help="execute even the notebooks that have a cached result")
    g.add_argument("--store", action="store_true",
                   help="copy the full-mode results of this run into the book's results store "
                        "([eval] store, default _results), which every build shows")
    g.add_argument("--no-lib", action="store_true",
                   help="do not bring the library files up to date with the book first")


def options(args: argparse.Namespace, book) -> scheduler.Options:
    tab = getattr(args, "tab", "all") or "all"
    tabs = None if tab == "all" else [t.strip() for t in tab.split(",") if t.strip()]
    return scheduler.Options(
        tabs=tabs,
        jobs=getattr(args, "jobs", 0) or 0,
        quick=bool(getattr(args, "quick", False)),
        keep_going=bool(getattr(args, "keep_going", False)),
        only=list(getattr(args, "only", []) or []),
        cache_dir=getattr(args, "cache_dir", None),
        cell_timeout=getattr(args, "timeout", None),
        notebook_timeout=getattr(args, "notebook_timeout", None),
        force=bool(getattr(args, "force", False)),
    )


def update_library(book) -> bool:
    """Write the library files from the book's ``#@save`` cells when they differ
    (what ``d2lbook build lib`` does), so notebooks import the book's current code."""
    from d2lbook.errors import Diagnostics
    from d2lbook.outputs.library import build_library, write_library

    diags = Diagnostics()
    files = build_library(book, diags)
    if diags.errors:
        diags.report()
        return False
    for path in write_library(files):
        print(f"wrote {path}", file=sys.stderr)
    return True


def run(args: argparse.Namespace, book, resolved=None) -> int:
    """Execute the book's notebooks; print failures, the table, and return the exit status.

    Unless ``--no-lib``, the library files are first brought up to date with the
    book, so that an edited ``#@save`` definition takes effect (and re-runs the
    notebooks that depend on it).
    """
    if getattr(args, "store", False) and getattr(args, "quick", False):
        print("eval: --store keeps full-mode results only; drop --quick", file=sys.stderr)
        return 2
    if not getattr(args, "no_lib", False) and not update_library(book):
        print("eval: the library cannot be built; nothing executed", file=sys.stderr)
        return 1
    try:
        opts = options(args, book)
        outcomes, report = scheduler.execute(book, opts)
    except (ValueError, OSError, RuntimeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("eval: interrupted; finished notebooks are cached", file=sys.stderr)
        return 130
    failed = [o for o in outcomes if o.failed]
    print(scheduler.format_table(report))
    print(f"report: {scheduler.eval_dir(book.config) / 'report.json'}")
    for o in outcomes:
        for w in o.warnings:
            print(w, file=sys.stderr)
    for o in failed:
        print(o.describe(), file=sys.stderr)
    if getattr(args, "store", False):
        from d2lbook.execute import store_results
        from d2lbook.store import store_dir

        by_tab: dict[str, list[str]] = {}
        for o in outcomes:
            if o.status in ("ok", "cached") and not o.quick:
                by_tab.setdefault(o.job.tab, []).append(o.job.section)
        for tab, sections in by_tab.items():
            done = store_results(book, tab, sections, scheduler.interpreter(book.config, tab))
            print(f"store: {len(done)} section(s) of {tab} in {store_dir(book.config)}",
                  file=sys.stderr)
    skipped = sum(o.status == "skipped" for o in outcomes)
    if failed:
        print(
            f"eval failed: {len(failed)} notebook(s) failed"
            + (f", {skipped} not run (use --keep-going to run them)" if skipped else ""),
            file=sys.stderr,
        )
        return 1
    return 0
