"""The document model: what a book says, independent of any output format.

The parser (:mod:`d2lbook.source.parse`) produces these objects; every output
(notebooks, library, HTML, PDF) consumes them and never re-reads markdown.
Every node carries a :class:`Loc` so that any error can name ``file:line``.

Block nodes form a list per section. Inline content is a list of inline nodes.
Tab-specific content (code cells, ``:begin_tab:`` prose) stays in the model
for every tab; :func:`d2lbook.source.tabs.view` selects one tab's view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.errors import Loc  # noqa: F401  (part of the model's vocabulary)

# ---------------------------------------------------------------- inline nodes


@dataclass
class Text:
    text: str


@dataclass
class SoftBreak:
    pass


@dataclass
class HardBreak:
    pass


@dataclass
class Emph:
    children: list[Inline]


@dataclass
class Strong:
    children: list[Inline]


@dataclass
class Strike:
    children: list[Inline]


@dataclass
class CodeSpan:
    code: str


@dataclass
class InlineMath:
    tex: str


@dataclass
class Link:
    url: str
    children: list[Inline]
    title: str = ""


@dataclass
class Image:
    """An inline image that is not a numbered figure."""

    src: str
    alt: str
    loc: Loc


@dataclass
class RawInline:
    """Inline HTML, passed through to HTML and dropped elsewhere."""

    html: str


@dataclass
class Ref:
    """``:ref:``, ``:numref:`` or ``:eqref:`` to a label.

    ``kind`` is ``"ref"`` (show the title), ``"numref"`` (show the number with
    the language's word) or ``"eqref"`` (show the equation number).
    ``text`` holds an explicit text given as ``:numref:`text <label>```.
    """

    kind: str
    label: str
    loc: Loc
    text: str | None = None


@dataclass
class Cite:
    """``:cite:``/``:citep:`` (parenthetical) or ``:citet:`` (textual)."""

    keys: list[str]
    textual: bool
    loc: Loc


@dataclass
class CodeRef:
    """``:class:``, ``:func:``, ``:mod:`` and other roles shown as code."""

    role: str
    target: str


@dataclass
class UnknownRole:
    role: str
    content: str
    loc: Loc


@dataclass
class Slide:
    """Slide marks: ``[**x**]``/``(**x**)`` keep ``x`` in the book; ``~~`` forms
    (``only_slides``) are dropped from the book."""

    children: list[Inline]
    only_slides: bool
    new_slide: bool


Inline = (
    Text | SoftBreak | HardBreak | Emph | Strong | Strike | CodeSpan | InlineMath | Link
    | Image | RawInline | Ref | Cite | CodeRef | UnknownRole | Slide
)


# ----------------------------------------------------------------- block nodes


@dataclass
class Heading:
    level: int  # 1 = the section title, 2 = subsection, ...
    children: list[Inline]
    loc: Loc
    label: str | None = None
    anchor: str = ""  # HTML id, set by the parser (the label, or a slug)


@dataclass
class Paragraph:
    children: list[Inline]
    loc: Loc


@dataclass
class CodeCell:
    """A fenced code block.

    ``executable`` cells (```` ```{.python .input} ````) run and belong to
    ``tabs``; display-only blocks (```` ```python ````) have ``executable``
    False and ``tabs`` None (shown for every tab).
    ``source`` is the code with the ``#@tab``/``%%tab`` mark lines removed;
    ``index`` numbers the section's executable cells from 0 in source order.
    """

    source: str
    lang: str
    loc: Loc
    executable: bool
    tabs: tuple[str, ...] | None = None
    index: int = -1
    hide_code: bool = False
    hide_output: bool = False
    expect_error: bool = False
    is_setup: bool = False  # the interact-select setup cell: dropped from outputs
    required_libs: tuple[str, ...] = ()
    lines: tuple[int, ...] = ()  # the .md line of each line of ``source`` (executable cells)
    tab_mark: tuple[str, ...] = ()  # the tabs as the #@tab / %%tab mark names them ("all")

    def md_line(self, i: int) -> int:
        """The 1-based .md line of the 0-based line ``i`` of ``source``."""
        if 0 <= i < len(self.lines):
            return self.lines[i]
        return self.loc.line + 1 + i


@dataclass
class Figure:
    src: str  # as written, relative to the section file
    path: str  # relative to the book root, posix
    caption: list[Inline]
    loc: Loc
    label: str | None = None
    width: str | None = None
    height: str | None = None


@dataclass
class Table:
    caption: list[Inline]
    align: list[str]  # "left", "center", "right" or "" per column
    header: list[list[Inline]]
    rows: list[list[list[Inline]]]
    loc: Loc
    label: str | None = None


@dataclass
class MathBlock:
    tex: str
    loc: Loc
    label: str | None = None
    slide: str | None = None  # "new" for [**$$..$$**], "continue" for (**$$..$$**)


@dataclass
class ListBlock:
    ordered: bool
    start: int
    items: list[list[Block]]
    loc: Loc


@dataclass
class Quote:
    children: list[Block]
    loc: Loc


@dataclass
class TabBlock:
    """Prose between ``:begin_tab:`` and ``:end_tab:``."""

    tabs: tuple[str, ...]
    children: list[Block]
    loc: Loc


@dataclass
class TocEntry:
    path: str  # relative to the book root, without ".md"
    loc: Loc


@dataclass
class Toc:
    entries: list[TocEntry]
    loc: Loc
    maxdepth: int = 2
    numbered: bool = False


@dataclass
class Bibliography:
    path: str
    loc: Loc


@dataclass
class Raw:
    """Raw content of another format: ``rst`` (eval_rst) or ``html``."""

    format: str
    text: str
    loc: Loc


@dataclass
class Rule:
    loc: Loc


Block = (
    Heading | Paragraph | CodeCell | Figure | Table | MathBlock | ListBlock | Quote
    | TabBlock | Toc | Bibliography | Raw | Rule
)


# ------------------------------------------------------------ sections, book


@dataclass
class Section:
    """One ``.md`` file: one page, one notebook per tab."""

    path: str  # relative to the book root, posix, without ".md"
    blocks: list[Block]
    title: list[Inline] = field(default_factory=list)
    label: str | None = None
    depth: int = 0  # 0 = the book index, 1 = a top-level toc entry, ...
    numbered: bool = False  # reached through a :numbered: toc
    children: list[str] = field(default_factory=list)  # paths of toc children
    parent: str | None = None
    source_hash: str = ""  # sha1 of the file's bytes

    @property
    def file(self) -> str:
        return self.path + ".md"

    @property
    def is_index(self) -> bool:
        return bool(self.children)


@dataclass
class Book:
    root: Path
    config: object  # d2lbook.config.Config
    sections: dict[str, Section]  # every reached section, in toc (reading) order
    index: str = "index"  # path of the root section

    def ordered(self) -> list[Section]:
        """Sections in reading order, the root index first."""
        return list(self.sections.values())


def walk_blocks(blocks: list[Block]):
    """Yield every block, depth first, including those inside lists, quotes and tab blocks."""
    for b in blocks:
        yield b
        if isinstance(b, ListBlock):
            for item in b.items:
                yield from walk_blocks(item)
        elif isinstance(b, (Quote, TabBlock)):
            yield from walk_blocks(b.children)


def walk_inlines(inlines: list[Inline]):
    """Yield every inline node, depth first."""
    for n in inlines:
        yield n
        children = getattr(n, "children", None)
        if isinstance(children, list):
            yield from walk_inlines(children)


def block_inlines(b: Block) -> list[list[Inline]]:
    """The inline lists held directly by a block."""
    if isinstance(b, (Heading, Paragraph)):
        return [b.children]
    if isinstance(b, Figure):
        return [b.caption]
    if isinstance(b, Table):
        return [b.caption, *b.header, *(c for r in b.rows for c in r)]
    return []


def plain_text(inlines: list[Inline]) -> str:
    """Readable text of inline content (math and code kept as written)."""
    out: list[str] = []
    for n in inlines:
        if isinstance(n, Text):
            out.append(n.text)
        elif isinstance(n, (SoftBreak, HardBreak)):
            out.append(" ")
        elif isinstance(n, CodeSpan):
            out.append(n.code)
        elif isinstance(n, InlineMath):
            out.append(n.tex)
        elif isinstance(n, CodeRef):
            out.append(n.target)
        elif isinstance(n, Slide):
            if not n.only_slides:
                out.append(plain_text(n.children))
        elif isinstance(n, (Emph, Strong, Strike, Link)):
            out.append(plain_text(n.children))
    return "".join(out)
