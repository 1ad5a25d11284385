"""One section's blocks to HTML.

Every tab lives on the same page: tab-specific code cells and ``:begin_tab:``
prose that stand next to each other form a *tab group* with one pane per tab
of the book (a pane for a tab the group lacks says so). Which pane shows is
decided by ``<html data-tab=...>`` and the site's stylesheet, so switching is
instant and works for any number of tabs.

Math is left as placeholders (``\\x00<n>\\x00``) that the builder replaces
with KaTeX output after one node run for the whole build.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from d2lbook.outputs.html.cell_outputs import OutputImage, render_outputs
from d2lbook.outputs.html.highlight import highlight
from d2lbook.outputs.html.i18n import tab_name
from d2lbook.resolve import dispatch
from d2lbook.source.model import (
    Bibliography,
    Block,
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
    UnknownRole,
    plain_text,
)
from d2lbook.util import book_path

esc = html.escape


def attr(s: str) -> str:
    return html.escape(s, quote=True)


CJK_RE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
HIDE_MARK_RE = re.compile(r"^[ \t]*#[ \t]*(@hide(_code|_output|_all)?|hide code|hide outputs?)"
                          r"[ \t]*\n?", re.I | re.M)
EXTERNAL_LOAD_RE = re.compile(
    r"""\b(src|srcset|poster|data|background)(\s*=\s*["']?\s*(?:https?:)?//)""", re.I)
CJK_PUNCT_RE = re.compile(r"[\u3000-\u303f\uff00-\uffef]")
URL_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")
BIB_ID = "bib-"


def page_url(path: str) -> str:
    """The site-relative URL of a section's page."""
    return path + ".html"


def rel_prefix(path: str) -> str:
    """The relative URL of the site root from the page of ``path``."""
    depth = path.count("/")
    return "../" * depth


def number_text(number: tuple[int, ...]) -> str:
    return ".".join(str(n) for n in number)


def id_safe(s: str) -> str:
    return re.sub(r"\s", "-", s)


@dataclass
class PageResult:
    body: str
    math: list[tuple[str, bool, Loc]] = field(default_factory=list)
    images: list[OutputImage] = field(default_factory=list)
    files: set[str] = field(default_factory=set)  # book files the page shows (root-relative)
    quick: str = ""  # quick-mode outputs shown: why ("changed", "gpu", "missing"); "" if not


class PageRenderer:
    """Renders the body of one page. ``site`` is the builder's :class:`Site`."""

    def __init__(self, site, section: Section):
        self.site = site
        self.section = section
        self.tabs: list[str] = site.tabs
        self.prefix = rel_prefix(section.path)
        self.dir = posixpath.dirname(section.path)
        self.s = site.strings
        self.result = PageResult("")
        self._ids: set[str] = set()  # ids given so far (a block in two tab panes: once)
        self._missing_warned: set[str] = set()

    # ---------------------------------------------------------------- urls
    def url_to(self, path: str, anchor: str = "") -> str:
        if path == self.section.path:
            return "#" + anchor if anchor else page_url(posixpath.basename(path))
        tdir, _, name = path.rpartition("/")
        if tdir == self.dir:
            url = page_url(name)
        else:
            url = posixpath.relpath(page_url(path), self.dir or ".")
        return url + ("#" + anchor if anchor else "")

    def warn(self, loc: Loc | None, msg: str) -> None:
        self.site.warning(loc, msg)

    def id_attr(self, anchor: str | None) -> str:
        """`` id="anchor"`` the first time the page shows ``anchor``; a block shown in
        several tab panes carries it in the first pane only, so ids stay unique."""
        if not anchor or anchor in self._ids:
            return ""
        self._ids.add(anchor)
        return f' id="{attr(anchor)}"'

    # -------------------------------------------------------------- entry
    def render(self) -> PageResult:
        self.result.body = self.blocks(self.section.blocks)
        return self.result

    # ------------------------------------------------------------- inlines
    def inlines(self, nodes: list[Inline]) -> str:
        rules = self.RULES
        out = []
        for i, n in enumerate(nodes):
            rule = rules.get(type(n)) or dispatch(rules, n, "html")  # raises on a new type
            out.append(rule(self, n, nodes, i))
        return "".join(out)

    # inline rules get the node, its list and its place there (a soft break looks around)
    def _text(self, n: Text, nodes: list[Inline], i: int) -> str:
        return esc(n.text, quote=False)

    def _soft_break(self, n: SoftBreak, nodes: list[Inline], i: int) -> str:
        a = _edge(nodes[i - 1], -1) if i else ""
        b = _edge(nodes[i + 1], 0) if i + 1 < len(nodes) else ""
        if (a and b and CJK_RE.match(a) and CJK_RE.match(b)) \
                or (a and CJK_PUNCT_RE.match(a)) or (b and CJK_PUNCT_RE.match(b)):
            return ""  # a line break inside Chinese text is no space
        return "\n"

    def _hard_break(self, n: HardBreak, nodes: list[Inline], i: int) -> str:
        return "<br>\n"

    def _emph(self, n: Emph, nodes: list[Inline], i: int) -> str:
        return f"<em>{self.inlines(n.children)}</em>"

    def _strong(self, n: Strong, nodes: list[Inline], i: int) -> str:
        return f"<strong>{self.inlines(n.children)}</strong>"

    def _strike(self, n: Strike, nodes: list[Inline], i: int) -> str:
        return f"<del>{self.inlines(n.children)}</del>"

    def _code_span(self, n: CodeSpan, nodes: list[Inline], i: int) -> str:
        return f"<code>{esc(n.code, quote=False)}</code>"

    def _inline_math(self, n: InlineMath, nodes: list[Inline], i: int) -> str:
        return self.math(n.tex, False, None)

    def _link(self, n: Link, nodes: list[Inline], i: int) -> str:
        return self.link(n)

    def _image(self, n: Image, nodes: list[Inline], i: int) -> str:
        return self.image(n)

    def _raw_inline(self, n: RawInline, nodes: list[Inline], i: int) -> str:
        return self.local_only(n.html, self._loc)

    def _ref(self, n: Ref, nodes: list[Inline], i: int) -> str:
        return self.ref(n)

    def _cite(self, n: Cite, nodes: list[Inline], i: int) -> str:
        return self.cite(n)

    def _code_ref(self, n: CodeRef, nodes: list[Inline], i: int) -> str:
        return f'<code class="xref">{esc(n.target, quote=False)}</code>'

    def _unknown_role(self, n: UnknownRole, nodes: list[Inline], i: int) -> str:
        return f'<span class="role role-{attr(n.role)}">{esc(n.content, quote=False)}</span>'

    def _slide(self, n: Slide, nodes: list[Inline], i: int) -> str:
        return "" if n.only_slides else self.inlines(n.children)

    def math(self, tex: str, display: bool, loc: Loc | None) -> str:
        k = len(self.result.math)
        self.result.math.append((tex, display, loc or self._loc))
        return f"\x00{k}\x00"

    def local_only(self, markup: str, loc: Loc | None) -> str:
        """Raw HTML with anything it would load from outside the site disabled (warned)."""
        if "//" not in markup or not EXTERNAL_LOAD_RE.search(markup):
            return markup
        self.warn(loc, "raw HTML loads something from outside the site; disabled: "
                       + EXTERNAL_LOAD_RE.search(markup).group(0)[:80])
        return EXTERNAL_LOAD_RE.sub(r"data-blocked-\1\2", markup)

    def link(self, n: Link) -> str:
        url = n.url
        if not URL_SCHEME_RE.match(url) and not url.startswith("#"):
            path, _, frag = url.partition("#")
            if path.endswith(".md"):
                path = path[:-3] + ".html"
            elif path.endswith(".ipynb"):
                path = path[:-6] + ".html"
            url = path + ("#" + frag if frag else "")
        title = f' title="{attr(n.title)}"' if n.title else ""
        ext = ' class="external" rel="noopener"' if URL_SCHEME_RE.match(url) else ""
        return f'<a href="{attr(url)}"{title}{ext}>{self.inlines(n.children)}</a>'

    def local_file(self, root_path: str, loc: Loc, what: str) -> str | None:
        """The page-relative URL of a book file, registered for copying; None if missing."""
        if root_path.startswith("../") or root_path.startswith("/"):
            self.warn(loc, f"{what} {root_path!r} lies outside the book; not shown")
            return None
        full = book_path(self.site.root, root_path)
        if full is None:
            self.warn(loc, f"{what} {root_path!r} is a link that leaves the book; not shown")
            return None
        if not full.is_file():
            self.warn(loc, f"{what} {root_path!r} does not exist; not shown")
            return None
        self.result.files.add(root_path)
        return self.prefix + root_path

    def image(self, n: Image) -> str:
        if URL_SCHEME_RE.match(n.src):
            if n.src.startswith("data:"):
                return f'<img src="{attr(n.src)}" alt="{attr(n.alt)}">'
            self.warn(n.loc, f"image {n.src!r} would be loaded from outside the site; "
                             "shown as a link")
            return f'<a class="external" href="{attr(n.src)}">{esc(n.alt or n.src)}</a>'
        root_path = posixpath.normpath(posixpath.join(self.dir, n.src))
        url = self.local_file(root_path, n.loc, "image")
        if url is None:
            return f'<span class="missing-image">{esc(n.alt)}</span>'
        return f'<img src="{attr(url)}" alt="{attr(n.alt)}" loading="lazy">'

    def ref(self, n: Ref) -> str:
        refs = self.site.refs
        t = refs.target(n.label) if refs is not None else None
        if t is None:  # an unresolved reference shows as ?? (as with Sphinx), naming the label
            return (f'<span class="xref missing" title="unresolved reference: '
                    f'{attr(n.label)}">??</span>')
        if n.kind == "eqref":
            text = n.text or f"({refs.eq_number(n.label)})"
            body = esc(text)
        elif n.kind == "numref":
            if n.text:  # Sphinx style explicit text: "Fig. %s" or "{number}"
                text = n.text.replace("{number}", t.number_text).replace("%s", t.number_text)
            else:
                text = refs.numref_text(n.label)
            body = esc(text)
        else:
            body = esc(n.text) if n.text else (self.inlines(t.title) or esc(n.label))
        href = self.url_to(t.section, t.anchor)
        return f'<a class="xref {n.kind}" href="{attr(href)}">{body}</a>'

    def cite(self, n: Cite) -> str:
        refs = self.site.refs
        bib_url = self.site.bib_page
        parts = []
        for key in n.keys:
            known = (refs is not None and refs.bib is not None and key in refs.bib.entries)
            if not known:
                parts.append(f'<span class="citation missing">{esc(key)}</span>')
                continue
            author, year = refs.author_text(key), refs.year(key)
            text = f"{author} ({year})" if n.textual else f"{author}, {year}"
            href = self.url_to(bib_url, BIB_ID + id_safe(key)) if bib_url else ""
            if href:
                parts.append(f'<a class="citation" href="{attr(href)}">{esc(text)}</a>')
            else:
                parts.append(f'<span class="citation">{esc(text)}</span>')
        joined = "; ".join(parts)
        return joined if n.textual else f'<span class="cite">({joined})</span>'

    # -------------------------------------------------------------- blocks
    _loc: Loc | None = None

    def blocks(self, blocks: list[Block]) -> str:
        out: list[str] = []
        run: list[tuple[Block, frozenset[str]]] = []
        for b in blocks:
            ts = self.tab_set(b)
            if ts is None:
                if run:
                    out.append(self.tab_group(run))
                    run = []
                out.append(self.block(b))
            elif ts:
                run.append((b, ts))
        if run:
            out.append(self.tab_group(run))
        return "".join(out)

    def cell_source(self, cell: CodeCell, tab: str) -> str:
        """The code of ``cell`` as the ``tab`` notebook has it (the resolve step's view)."""
        return self.site.refs.cell_source(cell, tab)

    def tab_set(self, b: Block) -> frozenset[str] | None:
        """None: shown for every tab; empty: shown for none; else the tabs of a group pane."""
        if isinstance(b, CodeCell):
            if b.is_setup:
                return frozenset()
            if not b.executable:
                return None
            mine = [t for t in (b.tabs or (self.tabs[0],)) if t in self.tabs]
            if not mine:
                return frozenset()
            if len(mine) == len(self.tabs):
                if len({self.cell_source(b, t) for t in mine}) > 1:
                    return frozenset(mine)
                return None
            return frozenset(mine)
        if isinstance(b, TabBlock):
            mine = [t for t in b.tabs if t in self.tabs]
            if not mine:
                return frozenset()
            if len(mine) == len(self.tabs):
                return None
            return frozenset(mine)
        return None

    def tab_group(self, run: list[tuple[Block, frozenset[str]]]) -> str:
        present = [t for t in self.tabs if any(t in ts for _, ts in run)]
        bar = ['<div class="tab-bar" role="tablist" data-pagefind-ignore>']
        for t in self.tabs:
            cls = "tab-button" + ("" if t in present else " absent")
            bar.append(f'<button type="button" class="{cls}" data-tab="{attr(t)}" '
                       f'role="tab">{esc(tab_name(t))}</button>')
        bar.append("</div>")
        panes = []
        for t in self.tabs:
            if t in present:
                inner = []
                for b, ts in run:
                    if t not in ts:
                        continue
                    if isinstance(b, CodeCell):
                        inner.append(self.cell(b, only_tab=t))
                    elif isinstance(b, TabBlock):
                        inner.append(self.blocks(b.children))
                panes.append(f'<div class="tab-pane" data-tabs="{attr(t)}">'
                             f'{"".join(inner)}</div>')
            else:
                msg = self.s["not_available"].format(tab=tab_name(t))
                panes.append(f'<div class="tab-pane tab-absent" data-tabs="{attr(t)}" '
                             f'data-pagefind-ignore><p>{esc(msg)}</p></div>')
        return (f'<div class="tab-group" data-tabs="{attr(" ".join(present))}">'
                + "".join(bar) + "".join(panes) + "</div>\n")

    def block(self, b: Block) -> str:
        self._loc = getattr(b, "loc", self._loc)
        return dispatch(self.RULES, b, "html")(self, b)

    # block rules get the block
    def _paragraph(self, b: Paragraph) -> str:
        return f"<p>{self.inlines(b.children)}</p>\n"

    def _code_block(self, b: CodeCell) -> str:
        return self.cell(b) if b.executable else self.code(b.source, b.lang or "text")

    def _list(self, b: ListBlock) -> str:
        tag = "ol" if b.ordered else "ul"
        start = f' start="{b.start}"' if b.ordered and b.start != 1 else ""
        items = "".join(f"<li>{self.list_item(it)}</li>\n" for it in b.items)
        return f"<{tag}{start}>\n{items}</{tag}>\n"

    def _quote(self, b: Quote) -> str:
        return f"<blockquote>\n{self.blocks(b.children)}</blockquote>\n"

    def _tab_block(self, b: TabBlock) -> str:
        return self.blocks(b.children)

    def _bibliography(self, b: Bibliography) -> str:
        return self.site.bibliography_html()

    def _rule(self, b: Rule) -> str:
        return "<hr>\n"

    def list_item(self, blocks: list[Block]) -> str:
        # tight items: a single paragraph is shown without <p>
        if len(blocks) == 1 and isinstance(blocks[0], Paragraph):
            self._loc = blocks[0].loc
            return self.inlines(blocks[0].children)
        return self.blocks(blocks)

    def heading(self, h: Heading) -> str:
        refs = self.site.refs
        number = refs.heading_number(h) if refs is not None else ()
        num = number_text(number) + "." if number else ""
        level = min(h.level, 6)
        anchor = h.anchor or (h.label or "")
        numspan = f'<span class="secnum">{num}</span> ' if num else ""
        link = (f'<a class="headerlink" href="#{attr(anchor)}" title="{attr(self.s["permalink"])}"'
                f' data-pagefind-ignore>¶</a>') if anchor else ""
        return f"<h{level}{self.id_attr(anchor)}>{numspan}{self.inlines(h.children)}{link}</h{level}>\n"

    def code(self, source: str, lang: str, extra_cls: str = "") -> str:
        copy = attr(self.s["copy"])
        return (f'<div class="code{extra_cls}"><button type="button" class="copy-button" '
                f'title="{copy}" aria-label="{copy}" data-copied="{attr(self.s["copied"])}" '
                f'data-pagefind-ignore>{esc(self.s["copy"])}'
                f'</button><pre class="highlight"><code>{highlight(source, lang)}</code></pre>'
                f"</div>\n")

    def cell(self, cell: CodeCell, only_tab: str | None = None) -> str:
        tabs = [only_tab] if only_tab else [
            t for t in (cell.tabs or (self.tabs[0],)) if t in self.tabs]
        parts = []
        if not cell.hide_code:
            src = self.cell_source(cell, tabs[0])
            if "hide" in src or "Hide" in src:
                src = HIDE_MARK_RE.sub("", src)
            parts.append(self.code(src, cell.lang or "python"))
        if not cell.hide_output:
            per_tab = [(t, self.cell_outputs(cell, t)) for t in tabs]
            shown = [(t, o) for t, o in per_tab if o is not None]
            if shown:
                if only_tab or len({o for _, o in shown}) == 1 and len(shown) == len(tabs):
                    if shown[0][1]:
                        parts.append(f'<div class="outputs" data-pagefind-ignore>'
                                     f"{shown[0][1]}</div>")
                else:
                    for t, o in shown:
                        if o:
                            parts.append(f'<div class="outputs tab-pane" data-tabs="{attr(t)}" '
                                         f'data-pagefind-ignore>{o}</div>')
        if not parts:
            return ""
        return f'<div class="cell">{"".join(parts)}</div>\n'

    def cell_outputs(self, cell: CodeCell, tab: str) -> str | None:
        """Rendered outputs of ``cell`` for ``tab``; None when there are no results."""
        results = self.site.results
        if results is None or tab not in results:
            return None
        sec_res = results[tab].get(self.section.path)
        if sec_res is None:
            key = f"section:{tab}"
            if key not in self._missing_warned:
                self._missing_warned.add(key)
                self.warn(Loc(self.section.file, 1),
                          f"no execution result for section {self.section.path} ({tab}); "
                          "its code is shown without outputs")
            return None
        if getattr(sec_res, "quick", False):
            self.result.quick = getattr(sec_res, "why_quick", "") or "missing"
        outputs = getattr(sec_res, "outputs", None) or {}
        if cell.index not in outputs:
            self.warn(cell.loc, f"section {self.section.path}, {tab} cell {cell.index + 1}: "
                                "no execution result; shown without output")
            return None
        sec_path = self.section.path

        def warn(msg: str) -> None:
            self.warn(cell.loc, f"section {sec_path}, {tab} cell {cell.index + 1}: {msg}")

        try:
            res = render_outputs(outputs[cell.index], self.prefix + "_images/", self.s, warn)
        except Exception as e:  # noqa: BLE001 - a bad output must never stop the build
            warn(f"outputs could not be shown ({type(e).__name__}: {e}); dropped")
            return None
        self.result.images.extend(res.images)
        return res.html

    def figure(self, f: Figure) -> str:
        url = None
        if URL_SCHEME_RE.match(f.src):
            self.warn(f.loc, f"figure {f.src!r} would be loaded from outside the site; "
                             "not shown")
        else:
            url = self.local_file(f.path, f.loc, "figure")
        style = []
        if f.width:
            style.append(f"width:{_css_len(f.width)}")
        if f.height:
            style.append(f"height:{_css_len(f.height)}")
        st = f' style="{attr(";".join(style))}"' if style else ""
        alt = attr(plain_text(f.caption))
        img = (f'<img src="{attr(url)}" alt="{alt}"{st} loading="lazy">' if url else
               f'<div class="missing-image">{esc(f.src)}</div>')
        cap = self.caption(f.label, f.caption, "figure")
        return f'<figure class="figure"{self.id_attr(f.label)}>{img}{cap}</figure>\n'

    def caption(self, label: str | None, inl: list[Inline], kind: str) -> str:
        refs = self.site.refs
        num = ""
        if label and refs is not None:
            t = refs.target(label)
            if t is not None and t.number:
                num = refs.numref_text(label)
        body = self.inlines(inl)
        if not num and not body:
            return ""
        nspan = f'<span class="caption-number">{esc(num)}</span> ' if num else ""
        return f"<figcaption>{nspan}{body}</figcaption>"

    def table(self, t: Table) -> str:
        def cell(tag: str, inl: list[Inline], k: int) -> str:
            al = t.align[k] if k < len(t.align) else ""
            style = f' style="text-align:{al}"' if al else ""
            return f"<{tag}{style}>{self.inlines(inl)}</{tag}>"

        head = "".join(cell("th", c, k) for k, c in enumerate(t.header))
        rows = "".join("<tr>" + "".join(cell("td", c, k) for k, c in enumerate(r)) + "</tr>\n"
                       for r in t.rows)
        cap = self.caption(t.label, t.caption, "table")
        return (f'<figure class="table"{self.id_attr(t.label)}>{cap}<div class="table-wrapper"><table>'
                f"<thead><tr>{head}</tr></thead><tbody>\n{rows}</tbody></table></div>"
                f"</figure>\n")

    def display_math(self, m: MathBlock) -> str:
        refs = self.site.refs
        ph = self.math(m.tex, True, m.loc)
        if m.label:
            num = refs.eq_number(m.label) if refs is not None else "?"
            return (f'<div class="math-display numbered"{self.id_attr(m.label)}>'
                    f'<div class="math-body">{ph}</div>'
                    f'<span class="eqno">({esc(num)})<a class="headerlink" '
                    f'href="#{attr(m.label)}" data-pagefind-ignore>¶</a></span></div>\n')
        return f'<div class="math-display">{ph}</div>\n'

    def toc(self, toc: Toc) -> str:
        book = self.site.book

        def entries(paths: list[str], depth: int) -> str:
            items = []
            for p in paths:
                s = book.sections.get(p)
                if s is None:
                    continue
                snum = self.site.refs.section_number(p)
                num = f'<span class="secnum">{number_text(snum)}.</span> ' if snum else ""
                sub = entries(s.children, depth + 1) if depth < toc.maxdepth else ""
                items.append(f'<li><a href="{attr(self.url_to(p))}">{num}'
                             f"{self.inlines(s.title) or esc(p)}</a>{sub}</li>\n")
            return f"<ul>\n{''.join(items)}</ul>" if items else ""

        return f'<nav class="toc-block">{entries([e.path for e in toc.entries], 1)}</nav>\n'

    def raw(self, b: Raw) -> str:
        if b.format == "html":
            return self.local_only(b.text, b.loc)
        if b.format == "rst-only-html":
            text = b.text.strip()
            m = re.match(r"^\.\.\s+raw::\s*html\s*\n(.*)$", text, re.S)
            if m:
                return _dedent(m.group(1))
            if re.match(r"^\.\.\s+bibliography::", text):
                return self.site.bibliography_html()
            paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
            return "".join(f"<p>{esc(p)}</p>\n" for p in paras)
        return ""  # latex-only content and unmapped rst (the parser warned)


    # the dispatch table: every node type of the model -> the method that renders it
    RULES: ClassVar[dict[type, Callable]] = {
        Text: _text, SoftBreak: _soft_break, HardBreak: _hard_break, Emph: _emph,
        Strong: _strong, Strike: _strike, CodeSpan: _code_span, InlineMath: _inline_math,
        Link: _link, Image: _image, RawInline: _raw_inline, Ref: _ref, Cite: _cite,
        CodeRef: _code_ref, UnknownRole: _unknown_role, Slide: _slide,
        Heading: heading, Paragraph: _paragraph, CodeCell: _code_block, Figure: figure,
        Table: table, MathBlock: display_math, ListBlock: _list, Quote: _quote,
        TabBlock: _tab_block, Toc: toc, Bibliography: _bibliography, Raw: raw, Rule: _rule,
    }

def _edge(node, pos: int) -> str:
    """The first (pos 0) or last (pos -1) character an inline node shows, when known."""
    if isinstance(node, Text):
        return node.text[pos] if node.text else ""
    if isinstance(node, (Emph, Strong, Strike, Link, Slide)):
        text = plain_text([node])
        return text[pos] if text else ""
    return ""


def _dedent(s: str) -> str:
    import textwrap
    return textwrap.dedent(s)


def _css_len(v: str) -> str:
    v = v.strip()
    return v + "px" if re.fullmatch(r"\d+(\.\d+)?", v) else v
