"""The view of a section for one tab.

Rules (source-format.md): an executable cell belongs to the tabs it names
(untagged cells to the default tab); ``:begin_tab:`` prose shows for its
tabs only; the interact-select setup cell is dropped; inside a kept cell,
``if tab.selected(...)`` branches of other tabs are removed and the kept
body is dedented. Given the tab's library config, ``d2l.<alias>`` uses are rewritten
as ``config.ini`` maps them (:mod:`d2lbook.source.aliases`).
"""

from __future__ import annotations

import dataclasses
import re

from d2lbook.config import LibConfig
from d2lbook.source.aliases import rewrite_aliases
from d2lbook.source.model import Block, CodeCell, ListBlock, Quote, Section, TabBlock

_SEL = r"tab\.selected\(\s*((?:'[^']*'|\"[^\"]*\")(?:\s*,\s*(?:'[^']*'|\"[^\"]*\"))*)\s*,?\s*\)"
_COND = rf"{_SEL}(?:\s+or\s+{_SEL})*"
IF_RE = re.compile(rf"^(\s*)(if|elif)\s+\(?\s*({_COND})\s*\)?\s*:\s*(#.*)?$")
ELSE_RE = re.compile(r"^(\s*)else\s*:\s*(#.*)?$")
_NAME_RE = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def _cond_tabs(cond: str) -> set[str]:
    return {a or b for a, b in _NAME_RE.findall(cond)}


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _body(lines: list[str], i: int, indent: int) -> tuple[list[str], int]:
    """Lines from ``i`` that are indented deeper than ``indent`` (blank lines included)."""
    body: list[str] = []
    while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > indent):
        body.append(lines[i])
        i += 1
    # trailing blank lines belong after the block
    while body and not body[-1].strip():
        body.pop()
        i -= 1
    return body, i


def _dedent_to(body: list[str], indent: int) -> list[str]:
    widths = [_indent(b) for b in body if b.strip()]
    if not widths:
        return []
    cut = min(widths) - indent
    return [b[cut:] if b.strip() else "" for b in body]


def select_code(source: str, tab: str) -> str:
    """Remove ``tab.selected`` branches of other tabs and dedent the kept ones."""
    if "tab.selected" not in source:
        return source
    lines = source.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = IF_RE.match(lines[i])
        if not m or m.group(2) != "if":
            out.append(lines[i])
            i += 1
            continue
        indent = len(m.group(1))
        taken = False
        cond_ok = tab in _cond_tabs(m.group(3))
        i += 1
        while True:
            body, i = _body(lines, i, indent)
            if cond_ok and not taken:
                out.extend(select_code("\n".join(_dedent_to(body, indent)), tab).split("\n"))
                taken = True
            if i < len(lines):
                m2 = IF_RE.match(lines[i])
                if m2 and m2.group(2) == "elif" and len(m2.group(1)) == indent:
                    cond_ok = tab in _cond_tabs(m2.group(3))
                    i += 1
                    continue
                m3 = ELSE_RE.match(lines[i])
                if m3 and len(m3.group(1)) == indent:
                    body, i = _body(lines, i + 1, indent)
                    if not taken:
                        out.extend(select_code("\n".join(_dedent_to(body, indent)),
                                               tab).split("\n"))
            break
    return "\n".join(out).strip("\n")


def cell_code(source: str, tab: str, lib: LibConfig | None = None) -> str:
    """The code of an executable cell for ``tab``: branches selected, aliases rewritten."""
    return rewrite_aliases(select_code(source, tab), lib)


def view_blocks(blocks: list[Block], tab: str, lib: LibConfig | None = None) -> list[Block]:
    out: list[Block] = []
    for b in blocks:
        if isinstance(b, CodeCell):
            if b.is_setup:
                continue
            if b.executable:
                if b.tabs is not None and tab not in b.tabs:
                    continue
                src = cell_code(b.source, tab, lib)
                out.append(b if src == b.source else dataclasses.replace(b, source=src))
            else:
                out.append(b)
        elif isinstance(b, TabBlock):
            if tab in b.tabs:
                out.extend(view_blocks(b.children, tab, lib))
        elif isinstance(b, ListBlock):
            out.append(dataclasses.replace(b, items=[view_blocks(it, tab, lib) for it in b.items]))
        elif isinstance(b, Quote):
            out.append(dataclasses.replace(b, children=view_blocks(b.children, tab, lib)))
        else:
            out.append(b)
    return out


def view(section: Section, tab: str, lib: LibConfig | None = None) -> list[Block]:
    """The blocks of ``section`` as the ``tab`` version of the book shows them; with the
    tab's library config ``lib``, aliases rewritten."""
    return view_blocks(section.blocks, tab, lib)


def code_cells(section: Section, tab: str, lib: LibConfig | None = None) -> list[CodeCell]:
    """The executable cells of ``section`` for ``tab``, in order, branches selected."""
    from d2lbook.source.model import walk_blocks

    return [b for b in walk_blocks(view(section, tab, lib))
            if isinstance(b, CodeCell) and b.executable]


def has_tab(section: Section, tab: str) -> bool:
    """Whether the section has any executable code for ``tab``."""
    return bool(code_cells(section, tab))


def names_tab(section: Section, tab: str, all_tabs: list[str]) -> bool:
    """Whether ``section`` names ``tab`` itself: in a code cell's ``#@tab`` mark or a
    ``:begin_tab:`` (``all`` does not count). d2lbook 1.0.3 gives a section no notebook,
    and so no library code, for a tab other than the default that it never names."""
    from d2lbook.source.model import CodeCell, TabBlock, walk_blocks

    for b in walk_blocks(section.blocks):
        if isinstance(b, CodeCell) and b.executable and tab in b.tab_mark:
            return True
        if isinstance(b, TabBlock) and tab in b.tabs and set(b.tabs) != set(all_tabs):
            return True
    return False
