"""Source checks of d2lbook 1.0.3 (``build outputcheck``, ``build tabcheck``) and the
source rewrite of ``d2lbook activate``.

Both checks read every markdown file that ``[build] notebooks`` matches (default
``*.md */*.md``) less ``[build] exclusions``, as 1.0.3 does, not only the files the
table of contents reaches: a draft section must not hold stored outputs either.
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from d2lbook.errors import Diagnostics
from d2lbook.source.model import Loc
from d2lbook.source.parse import (
    BEGIN_TAB_RE,
    CELL_MAGIC_TAB_RE,
    FENCE_RE,
    TAB_MARK_RE,
    split_tabs,
)


def _patterns(value: str | None) -> list[str]:
    return [p for p in re.split(r"[\s,]+", value or "") if p]


def source_files(book) -> list[Path]:
    """The markdown files 1.0.3 treats as notebooks: ``[build] notebooks`` patterns
    (relative to the book, ``*`` not crossing ``/``) less ``[build] exclusions``."""
    cfg = book.config
    include = _patterns(cfg.get("build", "notebooks")) or ["*.md", "*/*.md"]
    exclude = _patterns(cfg.get("build", "exclusions"))
    out: list[Path] = []
    out_dir = Path(cfg.output_dir).resolve()
    for path in sorted(book.root.rglob("*.md")):
        if out_dir in path.resolve().parents or any(p.startswith(".") for p in path.parts):
            continue
        rel = path.relative_to(book.root).as_posix()
        depth = rel.count("/")

        def match(pat: str, rel: str = rel, depth: int = depth) -> bool:
            return pat.count("/") == depth and fnmatch.fnmatchcase(rel, pat)

        if any(match(p) for p in include) and not any(match(p) for p in exclude):
            out.append(path)
    return out


def fences(text: str) -> Iterator[tuple[int, str, list[str]]]:
    """Each fenced block of ``text``: (0-based line of the opening fence, info string,
    content lines)."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = FENCE_RE.match(lines[i])
        if not m or (m.group(2)[0] == "`" and "`" in m.group(3)):
            i += 1
            continue
        mark = m.group(2)
        j = i + 1
        while j < len(lines):
            n = FENCE_RE.match(lines[j])
            if n and n.group(2)[0] == mark[0] and len(n.group(2)) >= len(mark) \
                    and not n.group(3).strip():
                break
            j += 1
        yield i, m.group(3).strip(), lines[i + 1: j]
        i = j + 1


def outputcheck(book, diags: Diagnostics) -> int:
    """Report every stored output (```` ```{.json .output} ````) in the sources."""
    n = 0
    for path in source_files(book):
        rel = path.relative_to(book.root).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        for line0, info, _ in fences(text):
            if info.startswith("{") and re.search(r"\.output\b", info):
                diags.error(Loc(rel, line0 + 1), "stored execution output; the sources "
                                                 "must hold code only (outputcheck)")
                n += 1
    return n


def cell_tabs(lines: list[str]) -> list[tuple[int, list[str]]]:
    """The tab marks of one code cell: (0-based line in the cell, tabs)."""
    out = []
    first = next((j for j, ln in enumerate(lines) if ln.strip()), None)
    for j, line in enumerate(lines):
        m = TAB_MARK_RE.match(line) or (CELL_MAGIC_TAB_RE.match(line) if j == first else None)
        if m:
            out.append((j, split_tabs(m.group(1))))
    return out


def tabcheck(book, diags: Diagnostics) -> int:
    """Report every tab named in a code cell or ``:begin_tab:`` that is not in
    ``[build] tabs`` (``all`` is always allowed)."""
    known = set(book.config.tabs) | {"all"}
    n = 0
    for path in source_files(book):
        rel = path.relative_to(book.root).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        in_fence: set[int] = set()
        for line0, info, content in fences(text):
            in_fence.update(range(line0, line0 + len(content) + 2))
            if not (info.startswith("{") and ".input" in info):
                continue
            for j, tabs in cell_tabs(content):
                for t in tabs:
                    if t not in known:
                        diags.error(Loc(rel, line0 + 2 + j), f"unknown tab {t!r} (tabs: "
                                    f"{', '.join(book.config.tabs)}) (tabcheck)")
                        n += 1
        for i, line in enumerate(text.split("\n")):
            m = BEGIN_TAB_RE.match(line)
            if m and i not in in_fence:
                for t in split_tabs(m.group(1)):
                    if t not in known:
                        diags.error(Loc(rel, i + 1), f"unknown tab {t!r} in :begin_tab: "
                                    f"(tabs: {', '.join(book.config.tabs)}) (tabcheck)")
                        n += 1
    return n


def run_outputcheck(args: argparse.Namespace, book, resolved, diags: Diagnostics) -> int:
    files = source_files(book)
    n = outputcheck(book, diags)
    diags.report()
    print(f"outputcheck: {len(files)} files, {n} stored output(s)", file=sys.stderr)
    return 1 if n else 0


def run_tabcheck(args: argparse.Namespace, book, resolved, diags: Diagnostics) -> int:
    files = source_files(book)
    n = tabcheck(book, diags)
    diags.report()
    print(f"tabcheck: {len(files)} files, {n} unknown tab(s)", file=sys.stderr)
    return 1 if n else 0


def activate_text(text: str, tab: str) -> str:
    """``text`` with the code cells of ``tab`` (and of ``all``) executable and the other
    tabs' code cells shown as plain ```` ```python ```` code; ``tab == 'all'`` activates
    every cell that carries a tab mark. A cell without a mark belongs to the default tab:
    it is left as it is. Code that was never a cell (```` ```python ```` without a tab
    mark) is never touched."""
    lines = text.split("\n")
    for line0, info, content in list(fences(text)):
        is_input = info.startswith("{") and ".input" in info
        is_python = info == "python"
        if not (is_input or is_python):
            continue
        marks = cell_tabs(content)
        if not marks:
            continue
        tabs = marks[-1][1]
        on = tab == "all" or "all" in tabs or tab in tabs
        head = lines[line0]
        ticks = FENCE_RE.match(head)
        assert ticks is not None
        fence = ticks.group(1) + ticks.group(2)
        if on and is_python:
            lines[line0] = fence + "{.python .input}"
        elif not on and is_input:
            lines[line0] = fence + "python"
    return "\n".join(lines)
