"""Markdown in the d2l source format -> document model.

One markdown-it-py pass per file plus d2l rules for every construct of the
format (``../shared/docs/source-format.md``). Every node keeps its file and
line. Problems are collected in a :class:`~d2lbook.errors.Diagnostics`, never
raised one at a time, so one run reports them all.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from pathlib import Path, PurePosixPath

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

from d2lbook.config import Config, load_config
from d2lbook.errors import BuildError, Diagnostics
from d2lbook.source.model import (
    Bibliography,
    Block,
    Book,
    Cite,
    CodeCell,
    CodeRef,
    CodeSpan,
    Emph,
    Figure,
    HardBreak,
    Heading,
    Image,
    Inline,
    InlineMath,
    Link,
    ListBlock,
    Loc,
    MathBlock,
    Paragraph,
    Quote,
    Raw,
    RawInline,
    Ref,
    Rule,
    Section,
    Slide,
    SoftBreak,
    Strike,
    Strong,
    TabBlock,
    Table,
    Text,
    Toc,
    TocEntry,
    UnknownRole,
    plain_text,
    walk_blocks,
)
from d2lbook.util import book_path

# markdown-it stops reading a file where blocks nest deeper than ``maxNesting`` levels (a
# list and its item are two levels) and drops the rest without a word; CommonMark's
# preset allows 20 (ten nested lists). A book never needs more than NESTING_LIMIT; the
# parser is given a little more so that reaching the limit is seen and reported.
NESTING_LIMIT = 100
_MD = (
    MarkdownIt("commonmark", {"html": True, "maxNesting": NESTING_LIMIT + 4})
    .enable("table")
    .enable("strikethrough")
    .use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)
)

FENCE_RE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
BEGIN_TAB_RE = re.compile(r"^\s*:begin_tab:`([^`]*)`\s*$")
END_TAB_RE = re.compile(r"^\s*:end_tab:\s*$")
ROLE_TAIL_RE = re.compile(r":([A-Za-z_][A-Za-z0-9_-]*):$")
# `#@tab x` anywhere in a cell, and the commented magic `# %%tab x`, which d2lbook 1.0.3 also
# honours (it searches the whole cell for `%%tab`); d2l-en's resnet.md has one
TAB_MARK_RE = re.compile(r"^\s*#\s*(?:@tab|%%tab)\s+(.+?)\s*$")
CELL_MAGIC_TAB_RE = re.compile(r"^%%tab\s+(.+?)\s*$")
REQUIRED_LIBS_RE = re.compile(r"^\s*#\s*required_libs\((.*)\)\s*$")
EXPLICIT_TARGET_RE = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)

REF_ROLES = {"ref": "ref", "numref": "numref", "eqref": "eqref"}
CITE_ROLES = {"cite": False, "citep": False, "citet": True}
CODE_ROLES = {"class", "func", "mod", "meth", "attr", "obj", "data", "exc", "py:class",
              "py:func", "numpy", "code"}
# roles that attach attributes to the previous block; handled at block level
ATTR_ROLES = {"label", "eqlabel", "width", "height"}
HIDE_MARKS = {
    "#@hide": (True, True), "#@hide_all": (True, True),
    "#@hide_code": (True, False), "#@hide_output": (False, True),
    "# hide code": (True, False), "# hide outputs": (False, True),
    "# hide output": (False, True),
}


def split_tabs(value: str) -> list[str]:
    return [t.strip() for t in value.split(",") if t.strip()]


class SectionParser:
    """Parse one file. Use :func:`parse_section`."""

    def __init__(self, text: str, file: str, config: Config, diags: Diagnostics,
                 root: Path | None = None):
        self.text = text
        self.file = file  # relative to the book root, posix, with .md
        self.dir = PurePosixPath(file).parent
        self.config = config
        self.diags = diags
        self.root = root
        self.code_index = 0
        self.anchors: set[str] = set()

    # -------------------------------------------------------------- helpers
    def loc(self, line0: int) -> Loc:
        return Loc(self.file, line0 + 1)

    def error(self, line0: int, msg: str) -> None:
        self.diags.error(self.loc(line0), msg)

    def warning(self, line0: int, msg: str) -> None:
        self.diags.warning(self.loc(line0), msg)

    def resolve(self, rel: str) -> str:
        """A path written in this file -> a normalized path relative to the book root."""
        parts: list[str] = []
        for p in (self.dir / rel).parts:
            if p == "..":
                if parts and parts[-1] != "..":  # "../.." stays above the book
                    parts.pop()
                else:
                    parts.append("..")
            elif p != ".":
                parts.append(p)
        return "/".join(parts)

    # ------------------------------------------------------------ pre-scan
    def prescan(self) -> tuple[str, list[tuple[int, int, tuple[str, ...]]]]:
        """Check fences, find ``:begin_tab:`` regions, blank their marker lines.

        Returns the text to hand to markdown-it (same number of lines) and the
        tab regions as (first line, last line, tabs), 0-based and inclusive.
        """
        lines = self.text.split("\n")
        fence: tuple[str, int, int] | None = None  # char, length, start line
        regions: list[tuple[int, int, tuple[str, ...]]] = []
        open_tab: tuple[int, tuple[str, ...]] | None = None
        for i, line in enumerate(lines):
            m = FENCE_RE.match(line)
            if fence is not None:
                if m and m.group(2)[0] == fence[0] and len(m.group(2)) >= fence[1] \
                        and not m.group(3).strip():
                    fence = None
                continue
            if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
                fence = (m.group(2)[0], len(m.group(2)), i)
                continue
            mb = BEGIN_TAB_RE.match(line)
            if mb:
                tabs = tuple(split_tabs(mb.group(1)))
                if open_tab is not None:
                    # d2lbook 1.0.3 closes a tab block at the next :begin_tab:
                    self.diags.error(self.loc(open_tab[0]), ":begin_tab: without :end_tab: "
                                     f"before the next :begin_tab: on line {i + 1} (closed "
                                     "there)", code="unclosed-tab")
                    regions.append((open_tab[0], i, open_tab[1]))
                self._check_tabs(i, tabs, allow_all=True)
                open_tab = (i, tabs)
                lines[i] = ""
            elif END_TAB_RE.match(line):
                if open_tab is None:
                    self.error(i, ":end_tab: without :begin_tab:")
                else:
                    regions.append((open_tab[0], i, open_tab[1]))
                    open_tab = None
                lines[i] = ""
        if fence is not None:
            self.error(fence[2], f"unclosed code fence {fence[0] * fence[1]!r}")
            lines = lines[: fence[2]]  # do not parse the unterminated rest as code
        if open_tab is not None:
            self.diags.error(self.loc(open_tab[0]), ":begin_tab: without :end_tab: (closed at "
                             "the end of the file)", code="unclosed-tab")
            regions.append((open_tab[0], len(lines), open_tab[1]))
        return "\n".join(lines), regions

    def _check_tabs(self, line0: int, tabs: tuple[str, ...], allow_all: bool) -> None:
        if not tabs:
            self.error(line0, "empty tab list")
        for t in tabs:
            if t == "all" and allow_all:
                continue
            if t not in self.config.tabs:
                self.error(line0, f"tab {t!r} is not in [build] tabs "
                                  f"({', '.join(self.config.tabs)})")

    # --------------------------------------------------------------- blocks
    def parse(self) -> list[Block]:
        text, regions = self.prescan()
        tokens = _MD.parse(text)
        self.check_nesting(tokens)
        blocks, _ = self.blocks(tokens, 0, None)
        blocks = self.attach(blocks)
        if regions:
            blocks = self.group_tabs(blocks, regions)
        return blocks

    def check_nesting(self, tokens: list[Token]) -> None:
        """An error at the first block nested deeper than :data:`NESTING_LIMIT` levels:
        markdown-it would silently drop everything after it."""
        for t in tokens:
            if t.level >= NESTING_LIMIT:
                self.error(t.map[0] if t.map else 0,
                           f"lists or quotes nested more than {NESTING_LIMIT} levels deep "
                           "(a list and its item count two): the rest of the file cannot be "
                           "read; flatten the nesting")
                return

    def blocks(self, tokens: list[Token], i: int, close: str | None) -> tuple[list[Block], int]:
        out: list[Block] = []
        while i < len(tokens):
            t = tokens[i]
            if close is not None and t.type == close:
                return out, i + 1
            line0 = t.map[0] if t.map else 0
            if t.type == "heading_open":
                inl = self.inlines(tokens[i + 1], line0)
                out.append(Heading(int(t.tag[1]), inl, self.loc(line0)))
                i += 3
            elif t.type == "paragraph_open":
                out.extend(self.paragraph(tokens[i + 1], line0))
                i += 3
            elif t.type in ("fence", "code_block"):
                b = self.fence(t)
                if b is not None:
                    out.append(b)
                i += 1
            elif t.type in ("bullet_list_open", "ordered_list_open"):
                ordered = t.type == "ordered_list_open"
                start = int(t.attrs.get("start", 1)) if ordered else 1
                items: list[list[Block]] = []
                i += 1
                while tokens[i].type == "list_item_open":
                    item, i = self.blocks(tokens, i + 1, "list_item_close")
                    items.append(self.attach(item))
                i += 1  # list close
                out.append(ListBlock(ordered, start, items, self.loc(line0)))
            elif t.type == "blockquote_open":
                inner, i = self.blocks(tokens, i + 1, "blockquote_close")
                out.append(Quote(self.attach(inner), self.loc(line0)))
            elif t.type == "table_open":
                tbl, i = self.table(tokens, i)
                out.append(tbl)
            elif t.type in ("math_block", "math_block_label"):
                label = t.info.strip() if t.type == "math_block_label" else None
                out.append(MathBlock(t.content.strip(), self.loc(line0), label or None))
                i += 1
            elif t.type == "hr":
                out.append(Rule(self.loc(line0)))
                i += 1
            elif t.type == "html_block":
                out.append(Raw("html", t.content, self.loc(line0)))
                i += 1
            else:
                i += 1
        return out, i

    def table(self, tokens: list[Token], i: int) -> tuple[Table, int]:
        line0 = tokens[i].map[0] if tokens[i].map else 0
        header: list[list[Inline]] = []
        rows: list[list[list[Inline]]] = []
        align: list[str] = []
        row: list[list[Inline]] | None = None
        in_head = False
        i += 1
        while tokens[i].type != "table_close":
            t = tokens[i]
            if t.type == "thead_open":
                in_head = True
            elif t.type == "thead_close":
                in_head = False
            elif t.type == "tr_open":
                row = []
                rline = t.map[0] if t.map else line0
            elif t.type == "tr_close":
                if in_head:
                    header = row or []
                else:
                    rows.append(row or [])
            elif t.type in ("th_open", "td_open"):
                style = t.attrs.get("style", "") or ""
                if in_head:
                    align.append(str(style).replace("text-align:", "").strip())
            elif t.type == "inline" and row is not None:
                row.append(self.inlines(t, rline))
            i += 1
        tbl = Table([], align, header, rows, self.loc(line0))
        # a ':label:`x`' line directly under the table is read as a last row
        if rows:
            last = [c for c in rows[-1] if c]
            if len(last) == 1 and len(last[0]) == 1 and isinstance(last[0][0], UnknownRole) \
                    and last[0][0].role == "label":
                tbl.label = last[0][0].content.strip()
                rows.pop()
        return tbl, i + 1

    def fence(self, t: Token) -> Block | None:
        line0 = t.map[0] if t.map else 0
        info = t.info.strip()
        content = t.content
        if t.type == "code_block":
            return CodeCell(content.rstrip("\n"), "", self.loc(line0), executable=False)
        if info.startswith("{"):
            classes = re.findall(r"\.([A-Za-z0-9_+-]+)", info)
            lang = classes[0] if classes else ""
            if "input" in classes:
                return self.code_cell(content, lang or "python", line0)
            if "output" in classes:
                self.error(line0, "stored output cell ({.json .output}); outputs come from "
                                  "execution, remove it from the source")
                return None
            return CodeCell(content.rstrip("\n"), lang, self.loc(line0), executable=False)
        lang = info.split()[0] if info else ""
        if lang == "toc":
            return self.toc(content, line0)
        if lang == "eval_rst":
            return self.eval_rst(content, line0)
        return CodeCell(content.rstrip("\n"), lang, self.loc(line0), executable=False)

    def code_cell(self, content: str, lang: str, line0: int) -> CodeCell:
        lines = content.rstrip("\n").split("\n")
        tabs: list[str] | None = None
        kept: list[str] = []
        kept_lines: list[int] = []
        hide_code = hide_output = expect_error = False
        required: tuple[str, ...] = ()
        first = next((j for j, ln in enumerate(lines) if ln.strip()), 0)
        for j, line in enumerate(lines):
            if j == first and (m := CELL_MAGIC_TAB_RE.match(line)):
                tabs = split_tabs(m.group(1))
                self._check_tabs(line0 + 1, tuple(tabs), allow_all=True)
                continue
            if m := TAB_MARK_RE.match(line):
                tabs = split_tabs(m.group(1))
                self._check_tabs(line0 + 1 + j, tuple(tabs), allow_all=True)
                continue
            key = line.strip().lower()
            if key in HIDE_MARKS or line.strip() in HIDE_MARKS:
                hc, ho = HIDE_MARKS.get(line.strip(), HIDE_MARKS.get(key, (False, False)))
                hide_code |= hc
                hide_output |= ho
            if key in ("#@expect_error", "# @expect_error"):
                expect_error = True
            if m := REQUIRED_LIBS_RE.match(line):
                required = tuple(re.findall(r"[\"']([^\"']+)[\"']", m.group(1)))
            kept.append(line)
            kept_lines.append(line0 + 2 + j)
        # strip blank lines at both ends, keeping the line map aligned
        while kept and not kept[0].strip():
            kept.pop(0)
            kept_lines.pop(0)
        while kept and not kept[-1].strip():
            kept.pop()
            kept_lines.pop()
        if tabs is None:
            tab_t: tuple[str, ...] = (self.config.default_tab,)
        elif "all" in tabs:
            tab_t = tuple(self.config.tabs)
        else:
            tab_t = tuple(t for t in self.config.tabs if t in tabs)
        source = "\n".join(kept)
        is_setup = "%load_ext d2lbook.tab" in source or "tab.interact_select" in source
        cell = CodeCell(source, lang, self.loc(line0), executable=True, tabs=tab_t,
                        index=-1 if is_setup else self.code_index, hide_code=hide_code,
                        hide_output=hide_output, expect_error=expect_error,
                        is_setup=is_setup, required_libs=required, lines=tuple(kept_lines),
                        tab_mark=tuple(tabs or ()))
        if not is_setup:
            self.code_index += 1
        return cell

    def toc(self, content: str, line0: int) -> Toc:
        toc = Toc([], self.loc(line0))
        for j, line in enumerate(content.split("\n")):
            s = line.strip()
            if not s:
                continue
            if s.startswith(":"):
                m = re.match(r"^:([a-z_]+):\s*(.*)$", s)
                if not m:
                    self.warning(line0 + 1 + j, f"cannot read toc option {s!r}")
                elif m.group(1) == "maxdepth":
                    try:
                        toc.maxdepth = int(m.group(2))
                    except ValueError:
                        self.error(line0 + 1 + j, f"toc :maxdepth: needs a number, got "
                                                  f"{m.group(2)!r}")
                elif m.group(1) == "numbered":
                    toc.numbered = True
                continue
            path = self.resolve(s.removesuffix(".md"))
            if s.startswith("/") or path.split("/")[0] in ("..", "") or "\\" in s \
                    or "\x00" in s:
                self.error(line0 + 1 + j, f"toc entry {s!r} lies outside the book: entries "
                                          "are paths relative to the file, inside the book")
                continue
            toc.entries.append(TocEntry(path, self.loc(line0 + 1 + j)))
        return toc

    def eval_rst(self, content: str, line0: int) -> Block | None:
        s = content.strip()
        m = re.match(r"^\.\.\s+only::\s*(\w+)\s*\n(.*)$", s, re.S)
        if m and m.group(1) in ("html", "latex"):
            return Raw("rst-only-" + m.group(1), _dedent(m.group(2)), self.loc(line0))
        if not s:
            return None
        from d2lbook.source.apiblock import is_api_block  # the library's API page

        if is_api_block(s):
            return Raw("d2l-api", content, self.loc(line0))
        self.diags.warning(self.loc(line0), "eval_rst content passed through unmapped: "
                           f"{s.splitlines()[0][:60]!r}", code="unmapped-rst")
        return Raw("rst", content, self.loc(line0))

    # ----------------------------------------------------------- paragraphs
    def paragraph(self, tok: Token, line0: int) -> list[Block]:
        inl = self.inlines(tok, line0, split_display=True)
        # display math ($$...$$) on its own splits the paragraph
        out: list[Block] = []
        cur: list[Inline] = []
        cur_line = line0
        line = line0
        for n in inl:
            slide = None
            if (eq := _slide_equation(n)) is not None:
                # (**$$...$$**): an equation marked for the slides is still an equation
                slide = "new" if n.new_slide else "continue"
                n = eq
            if isinstance(n, _DisplayMath):
                if _strip_breaks(cur):
                    out.append(Paragraph(_strip_breaks(cur), self.loc(cur_line)))
                out.append(MathBlock(n.tex, self.loc(n.line), slide=slide))
                cur = []
                cur_line = n.line
                continue
            if isinstance(n, (SoftBreak, HardBreak)):
                line += 1
                if not cur:
                    cur_line = line
                    continue
            cur.append(n)
        if _strip_breaks(cur):
            out.append(Paragraph(_strip_breaks(cur), self.loc(cur_line)))
        return out

    def inlines(self, tok: Token, line0: int, split_display: bool = False) -> list[Inline]:
        """Inline nodes of `tok`. ``$$...$$`` stays a `_DisplayMath` marker only at the top
        level of a paragraph (`split_display`), where it becomes an equation block; inside
        emphasis, links, headings, table cells or captions it is inline math."""
        children = tok.children or []
        nodes, _ = self._inl(children, 0, None, [line0])
        return _demote_display(_slides(nodes), split_display)

    def _inl(self, toks: list[Token], i: int, close: str | None,
             line: list[int]) -> tuple[list[Inline], int]:
        out: list[Inline] = []
        while i < len(toks):
            t = toks[i]
            if close is not None and t.type == close:
                return out, i + 1
            ty = t.type
            if ty == "text":
                out.append(Text(t.content))
                line[0] += t.content.count("\n")
            elif ty == "softbreak":
                out.append(SoftBreak())
                line[0] += 1
            elif ty == "hardbreak":
                out.append(HardBreak())
                line[0] += 1
            elif ty == "code_inline":
                role = None
                if out and isinstance(out[-1], Text):
                    m = ROLE_TAIL_RE.search(out[-1].text)
                    if m:
                        role = m.group(1)
                        rest = out[-1].text[: m.start()]
                        if rest:
                            out[-1] = Text(rest)
                        else:
                            out.pop()
                if role is None:
                    out.append(CodeSpan(t.content))
                else:
                    out.append(self.role(role, t.content, line[0]))
            elif ty == "math_inline":
                out.append(InlineMath(t.content.strip()))
            elif ty == "math_inline_double":
                out.append(_DisplayMath(t.content.strip(), line[0]))
            elif ty == "em_open":
                ch, i = self._inl(toks, i + 1, "em_close", line)
                out.append(Emph(ch))
                continue
            elif ty == "strong_open":
                ch, i = self._inl(toks, i + 1, "strong_close", line)
                out.append(Strong(ch))
                continue
            elif ty == "s_open":
                ch, i = self._inl(toks, i + 1, "s_close", line)
                out.append(Strike(ch))
                continue
            elif ty == "link_open":
                href = str(t.attrs.get("href", ""))
                title = str(t.attrs.get("title", "") or "")
                ch, i = self._inl(toks, i + 1, "link_close", line)
                out.append(Link(href, ch, title))
                continue
            elif ty == "image":
                src = str(t.attrs.get("src", ""))
                out.append(Image(src, t.content, self.loc(line[0])))
            elif ty == "html_inline":
                out.append(RawInline(t.content))
            i += 1
        return out, i

    def role(self, role: str, content: str, line0: int) -> Inline:
        loc = self.loc(line0)
        if role in REF_ROLES:
            m = EXPLICIT_TARGET_RE.match(content.strip())
            if m and m.group(1):
                return Ref(REF_ROLES[role], m.group(2).strip(), loc, m.group(1).strip())
            return Ref(REF_ROLES[role], content.strip(), loc)
        if role in CITE_ROLES:
            keys = [k.strip() for k in content.split(",") if k.strip()]
            return Cite(keys, CITE_ROLES[role], loc)
        if role in CODE_ROLES:
            return CodeRef(role, content)
        if role in ATTR_ROLES or role in ("bibliography", "begin_tab", "end_tab"):
            return UnknownRole(role, content, loc)
        self.diags.warning(loc, f"unknown role :{role}: (shown as code)")
        return UnknownRole(role, content, loc)

    # ------------------------------------------------- block-level d2l rules
    def attach(self, blocks: list[Block]) -> list[Block]:
        """Apply d2l rules that join neighbouring blocks: labels, figures, captions."""
        out: list[Block] = []
        for b in blocks:
            if isinstance(b, Paragraph):
                attrs, rest = _leading_attrs(b.children)
                if attrs and out and not isinstance(out[-1], Paragraph) \
                        and self._attach_attrs(out[-1], attrs):
                    if not _strip_breaks(rest):
                        continue
                    # ``:label:`x``` under a heading (or equation), with the paragraph
                    # on the very next line
                    b = Paragraph(_strip_breaks(rest), Loc(b.loc.file, b.loc.line + 1))
                    attrs = []
                fig = self.figure(b)
                if fig is not None:
                    out.append(fig)
                    continue
                bib = _only_role(b.children, "bibliography")
                if bib is not None:
                    out.append(Bibliography(self.resolve(bib.content.strip()), b.loc))
                    continue
                if attrs and not _strip_breaks(rest):
                    names = ", ".join(f":{a.role}:" for a in attrs)
                    self.warning(b.loc.line - 1, f"{names} does not follow anything it "
                                                 "could apply to")
                    continue
            if isinstance(b, Table) and out and isinstance(out[-1], Paragraph):
                found = _caption(out[-1].children)
                if found is not None:
                    out.pop()
                    b.caption, label = found
                    if label and b.label is None:
                        b.label = label
            out.append(b)
        for b in out:
            if isinstance(b, Heading):
                b.anchor = self._anchor(b)
        return out

    def _attach_attrs(self, prev: Block, attrs: list[UnknownRole]) -> bool:
        for a in attrs:
            v = a.content.strip()
            if a.role == "label" and isinstance(prev, (Heading, Figure, Table)) \
                    and prev.label is None:
                prev.label = v
            elif a.role == "eqlabel" and isinstance(prev, MathBlock) and prev.label is None:
                prev.label = v
            elif a.role in ("width", "height") and isinstance(prev, Figure):
                setattr(prev, a.role, v)
            else:
                return False
        return True

    def figure(self, p: Paragraph) -> Figure | None:
        kids = _strip_breaks(p.children)
        if not kids or not isinstance(kids[0], Image):
            return None
        attrs, rest = _leading_attrs(kids[1:])
        if _strip_breaks(rest):
            return None
        img = kids[0]
        cap_tok = _MD.parseInline(img.alt)[0] if img.alt else None
        caption = self.inlines(cap_tok, img.loc.line - 1) if cap_tok else []
        fig = Figure(img.src, self.resolve(img.src), caption, img.loc)
        for a in attrs:
            if a.role in ("label", "width", "height"):
                setattr(fig, a.role, a.content.strip())
            else:
                self.warning(img.loc.line - 1, f":{a.role}: is not a figure attribute")
        return fig

    def group_tabs(self, blocks: list[Block],
                   regions: list[tuple[int, int, tuple[str, ...]]]) -> list[Block]:
        out: list[Block] = []
        groups: dict[int, TabBlock] = {}
        for b in blocks:
            line0 = _loc_of(b).line - 1
            region = next((r for r in regions if r[0] < line0 < r[1]), None)
            if region is None:
                out.append(b)
                continue
            tb = groups.get(region[0])
            if tb is None:
                tabs = tuple(self.config.tabs) if "all" in region[2] else region[2]
                tb = TabBlock(tabs, [], self.loc(region[0]))
                groups[region[0]] = tb
                out.append(tb)
            tb.children.append(b)
        # empty tab blocks still exist (an author may write one per tab)
        for r in regions:
            if r[0] not in groups:
                tabs = tuple(self.config.tabs) if "all" in r[2] else r[2]
                tb = TabBlock(tabs, [], self.loc(r[0]))
                idx = next((k for k, b in enumerate(out) if _loc_of(b).line - 1 > r[0]),
                           len(out))
                out.insert(idx, tb)
        return out

    def _anchor(self, h: Heading) -> str:
        base = h.label or _slug(plain_text(h.children)) or "section"
        a, k = base, 1
        while a in self.anchors:
            k += 1
            a = f"{base}-{k}"
        self.anchors.add(a)
        return a


class _DisplayMath:
    """Transient inline marker for ``$$...$$`` found inside a paragraph."""

    def __init__(self, tex: str, line: int):
        self.tex = tex
        self.line = line


def _dedent(s: str) -> str:
    import textwrap
    return textwrap.dedent(s)


def _is_url(s: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:", s)) or s.startswith("//")


def _slug(s: str) -> str:
    s = re.sub(r"[^\w\s-]", "", s.strip().lower())
    return re.sub(r"[\s_]+", "-", s).strip("-")


def _demote_display(nodes: list, keep: bool) -> list:
    """Replace `_DisplayMath` markers by `InlineMath`, except top-level ones when `keep`
    (also those alone inside a top-level slide mark, which `paragraph` unwraps)."""
    out: list = []
    for n in nodes:
        if isinstance(n, _DisplayMath) and not keep:
            n = InlineMath(n.tex)
        elif isinstance(getattr(n, "children", None), list):
            n.children = _demote_display(n.children, keep and _slide_equation(n) is not None)
        out.append(n)
    return out


def _slide_equation(n) -> _DisplayMath | None:
    """The `$$...$$` that a slide mark (not a slides-only one) holds alone, else None."""
    if not isinstance(n, Slide) or n.only_slides:
        return None
    inner = _strip_breaks(n.children)
    return inner[0] if len(inner) == 1 and isinstance(inner[0], _DisplayMath) else None


def _strip_breaks(nodes: list) -> list:
    i, j = 0, len(nodes)
    while i < j and (isinstance(nodes[i], (SoftBreak, HardBreak))
                     or (isinstance(nodes[i], Text) and not nodes[i].text.strip())):
        i += 1
    while j > i and (isinstance(nodes[j - 1], (SoftBreak, HardBreak))
                     or (isinstance(nodes[j - 1], Text) and not nodes[j - 1].text.strip())):
        j -= 1
    return nodes[i:j]


def _leading_attrs(nodes: list) -> tuple[list[UnknownRole], list]:
    """Attribute roles (label, width, ...) at the start of an inline list, and the rest."""
    attrs: list[UnknownRole] = []
    i = 0
    while i < len(nodes):
        n = nodes[i]
        if isinstance(n, (SoftBreak, HardBreak)) or (isinstance(n, Text) and not n.text.strip()):
            i += 1
            continue
        if isinstance(n, UnknownRole) and n.role in ATTR_ROLES:
            attrs.append(n)
            i += 1
            continue
        break
    return attrs, nodes[i:]


def _only_role(nodes: list, role: str) -> UnknownRole | None:
    kids = _strip_breaks(nodes)
    if len(kids) == 1 and isinstance(kids[0], UnknownRole) and kids[0].role == role:
        return kids[0]
    return None


def _caption(nodes: list) -> tuple[list, str | None] | None:
    """A table caption paragraph: ``:Caption text``, optionally followed by
    ``:label:`tab_x``` (on the next line or at the end), and the label if any."""
    kids = _strip_breaks(nodes)
    if not kids or not isinstance(kids[0], Text) or not kids[0].text.startswith(":") \
            or kids[0].text.startswith("::"):
        return None
    label = None
    if isinstance(kids[-1], UnknownRole) and kids[-1].role == "label":
        label = kids[-1].content.strip()
        kids = _strip_breaks(kids[:-1])
    first = Text(kids[0].text[1:].lstrip())
    return ([first, *kids[1:]] if first.text else kids[1:]), label


def _slides(nodes: list) -> list:
    """``[**x**]``, ``(**x**)``, ``[~~x~~]``, ``(~~x~~)`` -> :class:`Slide`."""
    out: list = []
    i = 0
    pairs = {"[": "]", "(": ")"}
    while i < len(nodes):
        n = nodes[i]
        if (isinstance(n, (Strong, Strike)) and out and isinstance(out[-1], Text)
                and out[-1].text[-1:] in pairs and i + 1 < len(nodes)
                and isinstance(nodes[i + 1], Text)
                and nodes[i + 1].text.startswith(pairs[out[-1].text[-1]])):
            opener = out[-1].text[-1]
            prev = out[-1].text[:-1]
            if prev:
                out[-1] = Text(prev)
            else:
                out.pop()
            out.append(Slide(n.children, only_slides=isinstance(n, Strike),
                             new_slide=opener == "["))
            rest = nodes[i + 1].text[1:]
            if rest:
                out.append(Text(rest))
            i += 2
            continue
        if hasattr(n, "children") and isinstance(n.children, list):
            n.children = _slides(n.children)
        out.append(n)
        i += 1
    return out


def _loc_of(b: Block) -> Loc:
    return b.loc  # every block type has one


def parse_section(text: str, file: str, config: Config, diags: Diagnostics,
                  root: Path | None = None) -> list[Block]:
    """Parse the markdown ``text`` of ``file`` (relative to the book root) into blocks."""
    return SectionParser(text, file, config, diags, root).parse()


def read_source(path: Path, file: str, diags: Diagnostics) -> str | None:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        diags.error(Loc(file, line), f"not UTF-8: {e.reason} (byte 0x{data[e.start]:02x})")
        return None


@functools.lru_cache(maxsize=1)
def parser_version() -> str:
    """What a cached parse depends on besides the text: the code of the source package
    (and of config.py and errors.py, whose types it stores) and markdown-it's versions."""
    import markdown_it
    import mdit_py_plugins

    from d2lbook.util import code_hash

    here = Path(__file__).resolve().parent
    return code_hash(here, here.parent / "config.py", here.parent / "errors.py") + "-" + \
        markdown_it.__version__ + "-" + mdit_py_plugins.__version__


class ParseCache:
    """Parsed sections keyed by their content (and the tabs, which the parse depends on).

    A live preview keeps one in memory; ``path`` makes it persistent between commands
    (a pickle written atomically). An entry can never be stale: its key is the content.
    """

    def __init__(self, path: Path | None = None):
        self.path = path
        self.entries: dict[str, tuple[bytes, list]] = {}  # key -> (pickled blocks, diagnostics)
        self.used: set[str] = set()
        self.dirty = False
        if path is not None and path.exists():
            import pickle

            try:
                with open(path, "rb") as f:
                    version, entries = pickle.load(f)
                if version == parser_version():
                    self.entries = entries
            except Exception:  # a corrupt cache is only a cache: start afresh
                self.entries = {}

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        import pickle

        from d2lbook.util import atomic_write

        keep = {k: v for k, v in self.entries.items() if k in self.used}
        atomic_write(self.path, pickle.dumps((parser_version(), keep), protocol=5),
                     user_cache=True)
        self.dirty = False


def _parse_cached(text: str, file: str, config: Config, diags: Diagnostics, root: Path,
                  cache: ParseCache | None) -> list[Block]:
    if cache is None:
        return parse_section(text, file, config, diags, root)
    key = hashlib.sha1("\x00".join([parser_version(), file, ",".join(config.tabs), text])
                       .encode()).hexdigest()
    cache.used.add(key)
    import pickle

    hit = cache.entries.get(key)
    if hit is None:
        local = Diagnostics()
        blocks = parse_section(text, file, config, local, root)
        cache.entries[key] = (pickle.dumps(blocks, protocol=5), local.items)
        cache.dirty = True
        diags.items.extend(local.items)
        return blocks
    data, items = hit
    diags.items.extend(dataclasses.replace(d) for d in items)
    return pickle.loads(data)  # a fresh copy: callers may change what they get


def load_book(root: Path | str, diags: Diagnostics | None = None,
              config: Config | None = None, raise_errors: bool = True,
              cache: ParseCache | None = None) -> Book:
    """Read ``config.ini`` and every section reached from the index's toc blocks.

    Raises :class:`BuildError` with all problems found when ``raise_errors``
    and any error was found; otherwise the problems are left in ``diags``.
    ``cache`` reuses the parse of files whose content did not change.
    """
    root = Path(root).resolve()
    diags = diags if diags is not None else Diagnostics()
    if config is None:
        config = load_config(root, diags)
    sections: dict[str, Section] = {}
    book = Book(root=root, config=config, sections=sections, index=config.index)

    def visit(path: str, depth: int, numbered: bool, parent: str | None,
              ref: Loc | None) -> None:
        file = path + ".md"
        fpath = root / file
        if path in sections:
            diags.error(ref, f"{file} is listed in more than one toc")
            return
        if book_path(root, file) is None:
            diags.error(ref, f"toc entry {file} is a symbolic link that leaves the book")
            return
        if not fpath.is_file():
            diags.error(ref, f"toc entry names a missing file: {file}",
                        code="missing-toc-entry")
            return
        text = read_source(fpath, file, diags)
        if text is None:
            return
        blocks = _parse_cached(text, file, config, diags, root, cache)
        for b in walk_blocks(blocks):
            if isinstance(b, Figure) and not _is_url(b.src) and not (root / b.path).exists():
                diags.error(b.loc, f"missing image {b.src!r} (looked for {b.path})",
                            code="missing-image")
        sec = Section(path=path, blocks=blocks, depth=depth, numbered=numbered, parent=parent,
                      source_hash=hashlib.sha1(text.encode()).hexdigest())
        for b in blocks:
            if isinstance(b, Heading) and b.level == 1:
                sec.title, sec.label = b.children, b.label
                break
        sections[path] = sec
        for b in blocks:
            if isinstance(b, Toc):
                for e in b.entries:
                    if e.path in sections or e.path == path:
                        diags.error(e.loc, f"{e.path}.md is listed in more than one toc")
                        continue
                    sec.children.append(e.path)
                    visit(e.path, depth + 1, numbered or b.numbered, path, e.loc)

    if not (root / (config.index + ".md")).is_file():
        diags.error(None, f"the book's index {config.index}.md does not exist",
                    file=str(root))
    else:
        visit(config.index, 0, False, None, None)
    if cache is not None:
        cache.save()
    if raise_errors:
        diags.raise_if_errors()
    return book


__all__ = ["load_book", "parse_section", "BuildError"]
