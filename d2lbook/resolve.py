"""The resolve step: (model, config) -> what every output shows.

The one place where the book is numbered and its references resolved, and the
one entry to a section's tab view:

- numbers chapters, sections, subsections (every ``##`` heading, once, whether
  or not it sits in a ``:begin_tab:`` block), figures, tables and equations,
  each with its anchor (:meth:`Resolved.heading_number`, :attr:`Resolved.targets`);
- resolves ``:ref:``, ``:numref:``, ``:eqref:`` and citations (against the
  BibTeX file, read with pybtex). Unknown labels, duplicate labels and missing
  citation keys are errors with ``file:line``;
- gives the blocks of a section as one tab shows them (:meth:`Resolved.view`:
  other tabs' blocks and ``tab.selected`` branches removed, ``d2l.<alias>``
  rewritten per ``config.ini``) and the code of one cell for one tab
  (:meth:`Resolved.cell_source`).

Outputs (notebooks, HTML, PDF, Colab) read numbers, anchors, reference texts
and tab views from here and never count or select anything themselves.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import get_args

from d2lbook.errors import Diagnostics
from d2lbook.source.model import (
    Bibliography,
    Block,
    Book,
    Cite,
    CodeCell,
    Figure,
    Heading,
    Inline,
    Loc,
    MathBlock,
    Ref,
    Section,
    Table,
    Text,
    block_inlines,
    plain_text,
    walk_blocks,
    walk_inlines,
)
from d2lbook.source.tabs import cell_code, view
from d2lbook.util import book_path

WORDS = {
    "zh": {"chapter": "第{}章", "section": "{}节", "figure": "图{}", "table": "表{}",
           "equation": "({})", "and": "和", "etal": "等"},
    "en": {"chapter": "Chapter {}", "section": "Section {}", "figure": "Fig. {}",
           "table": "Table {}", "equation": "({})", "and": "and", "etal": "et al."},
}


class UnhandledNode(TypeError):
    """An output met a node type of the model that its dispatch does not handle."""


def unhandled(node: object, output: str) -> UnhandledNode:
    """The error for a node type ``output`` does not handle (``raise unhandled(n, "pdf")``):
    outputs dispatch exhaustively, so a new node type fails loudly, never as ``""``."""
    return UnhandledNode(f"{output}: no rule for {type(node).__name__} nodes")


def _frozen(d: dict) -> Mapping:
    return MappingProxyType(d)


NODE_TYPES: frozenset[type] = frozenset(get_args(Block)) | frozenset(get_args(Inline))
"""Every node type of the model, block and inline: each output's dispatch table has a
rule for each (``tests/test_resolve.py`` checks it, so a new node type fails the tests)."""


def dispatch(rules: Mapping[type, Callable], node: object, output: str) -> Callable:
    """The rule of an output's dispatch table (node type -> function) for ``node``;
    :class:`UnhandledNode` when the table has none."""
    rule = rules.get(type(node))
    if rule is None:
        raise unhandled(node, output)
    return rule


@dataclass(frozen=True)
class Target:
    kind: str  # "section", "figure", "table", "equation"
    label: str
    section: str  # path of the section holding it
    number: tuple[int, ...]
    title: list[Inline]
    anchor: str  # HTML id inside the section's page ("" for the page itself)
    loc: Loc
    is_chapter: bool = False

    @property
    def number_text(self) -> str:
        return ".".join(str(n) for n in self.number)


@dataclass(frozen=True)
class PdfSettings:
    """``[pdf]`` of config.ini, typed: the fonts the PDF asks for (a font that is not
    installed falls back to the default at typesetting time)."""

    main_font: str | None = None
    sans_font: str | None = None
    mono_font: str = "DejaVu Sans Mono"
    cjk_font: str = "Noto Serif CJK SC"

    @classmethod
    def of(cls, config) -> PdfSettings:
        def font(key: str) -> str | None:
            v = (config.get("pdf", key) or "").strip()
            return v or None

        return cls(main_font=font("main_font"), sans_font=font("sans_font"),
                   mono_font=font("mono_font") or cls.mono_font,
                   cjk_font=font("cjk_font") or cls.cjk_font)


@dataclass(frozen=True)
class Resolved:
    """The resolved book: numbers, targets, citations and tab views. Outputs only read it.

    Immutable: its fields cannot be reassigned and its mappings are read-only views;
    :func:`resolve` computes it without writing anything into the model."""

    book: Book
    lang: str
    targets: Mapping[str, Target] = field(default_factory=lambda: _frozen({}))
    bib: object | None = None  # pybtex BibliographyData
    bib_path: Path | None = None
    cited: tuple[str, ...] = ()  # keys in order of first citation
    # per section: the labels it refers to (for incremental rebuilds)
    uses: Mapping[str, frozenset[str]] = field(default_factory=lambda: _frozen({}))
    # id(Heading) -> its number: (chapter, section) for ``#``, + (k,) for ``##``, () none
    headings: Mapping[int, tuple[int, ...]] = field(default_factory=lambda: _frozen({}))
    # section path -> its number (() for unnumbered sections)
    numbers: Mapping[str, tuple[int, ...]] = field(default_factory=lambda: _frozen({}))
    pdf: PdfSettings = field(default_factory=PdfSettings)  # the [pdf] config it reads

    # ------------------------------------------------------------ tab views
    def view(self, section: Section, tab: str) -> list[Block]:
        """The blocks of ``section`` as the ``tab`` version of the book shows them, aliases
        rewritten with the tab's library config."""
        return view(section, tab, self.book.config.libraries.get(tab))

    def cell_source(self, cell: CodeCell, tab: str) -> str:
        """The code of one executable cell as the ``tab`` version shows it."""
        return cell_code(cell.source, tab, self.book.config.libraries.get(tab))

    def heading_number(self, h: Heading) -> tuple[int, ...]:
        """The number of a heading of the book (``()`` for unnumbered ones)."""
        return self.headings.get(id(h), ())

    def target(self, label: str) -> Target | None:
        return self.targets.get(label)

    def section_number(self, path: str) -> tuple[int, ...]:
        """The number of the section at ``path`` (``()`` when unnumbered)."""
        return self.numbers.get(path, ())

    def words(self) -> dict[str, str]:
        return WORDS.get(self.lang, WORDS["en"])

    def numref_text(self, label: str) -> str:
        t = self.targets.get(label)
        if t is None:
            return label
        if not t.number:
            return plain_text(t.title) or label
        kind = "chapter" if t.is_chapter else t.kind
        return self.words()[kind].format(t.number_text)

    def eq_number(self, label: str) -> str:
        t = self.targets.get(label)
        return t.number_text if t is not None else "?"

    def ref_text(self, label: str) -> str:
        t = self.targets.get(label)
        if t is None:
            return label
        return plain_text(t.title) or self.numref_text(label)

    # ------------------------------------------------------------ citations
    def _authors(self, key: str) -> tuple[list[str], str]:
        entry = self.bib.entries.get(key) if self.bib is not None else None
        if entry is None:
            return [key], ""
        persons = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [" ".join(p.last_names) or " ".join(p.first_names) for p in persons]
        names = [n.replace("{", "").replace("}", "") for n in names]
        year = entry.fields.get("year", "")
        if not names:
            names = [entry.fields.get("title", key).replace("{", "").replace("}", "")]
        return names, year

    def author_text(self, key: str) -> str:
        names, _ = self._authors(key)
        w = self.words()
        if len(names) == 1:
            return names[0]
        if len(names) == 2:
            return f"{names[0]} {w['and']} {names[1]}"
        return f"{names[0]} {w['etal']}"

    def year(self, key: str) -> str:
        return self._authors(key)[1]

    def cite_text(self, keys: list[str], textual: bool) -> str:
        if textual:
            return "; ".join(f"{self.author_text(k)} ({self.year(k)})" for k in keys)
        return "(" + "; ".join(f"{self.author_text(k)}, {self.year(k)}" for k in keys) + ")"


def _load_bib(book: Book, diags: Diagnostics) -> tuple[object | None, Path | None]:
    cfg = book.config
    path = None
    for s in book.sections.values():
        for b in walk_blocks(s.blocks):
            if isinstance(b, Bibliography):
                path = book.root / b.path
    if path is None:
        name = cfg.get("pdf", "bibfile") or cfg.get("html", "bibfile")
        if name:
            path = book.root / name.strip()
        elif (book.root / "d2l.bib").exists():
            path = book.root / "d2l.bib"
    if path is None:
        return None, None
    rel = path.relative_to(book.root).as_posix() if path.is_relative_to(book.root) else "/"
    if book_path(book.root, rel) is None or not path.is_file():
        diags.error(None, f"bibliography file {path.name} does not exist in the book "
                          "(or is not a file)", file=str(path))
        return None, path
    from pybtex.database import parse_string
    from pybtex.scanner import PybtexError

    try:
        text = path.read_text(encoding="utf-8")
        return parse_string(text, "bibtex"), path
    except UnicodeDecodeError as e:
        diags.error(None, f"not UTF-8 ({e.reason})", file=path.name)
    except PybtexError as e:
        diags.error(None, f"cannot read BibTeX: {e}", file=path.name)
    return None, path


def number(book: Book) -> dict[str, tuple[int, ...]]:
    """The number of every section (``()`` for unnumbered ones), by path."""
    numbers: dict[str, tuple[int, ...]] = {}
    counters: dict[str | None, int] = {}
    for s in book.ordered():
        if not s.numbered or s.parent is None:
            numbers[s.path] = ()
            continue
        k = counters.get(s.parent, 0) + 1
        counters[s.parent] = k
        numbers[s.path] = numbers.get(s.parent, ()) + (k,)
    return numbers


def resolve(book: Book, diags: Diagnostics) -> Resolved:
    """Number the book and collect every label; check every reference and citation.

    Reads the model and writes nothing into it: the result is a new, immutable
    :class:`Resolved`."""
    numbers = number(book)
    targets: dict[str, Target] = {}
    headings: dict[int, tuple[int, ...]] = {}
    fig_count: dict[tuple[int, ...], int] = {}
    eq_count: dict[tuple[int, ...], int] = {}
    tab_count: dict[tuple[int, ...], int] = {}

    def add(t: Target) -> None:
        old = targets.get(t.label)
        if old is not None:
            diags.error(t.loc, f"duplicate label {t.label!r} (first defined at {old.loc})",
                        code="duplicate-label")
            # as with d2lbook 1.0.3 (Sphinx), the later definition wins
        targets[t.label] = t

    for s in book.ordered():
        snum = numbers[s.path]
        chapter = snum[:1]  # () for unnumbered front/back matter
        sub = 0
        for b in walk_blocks(s.blocks):
            if isinstance(b, Heading):
                if b.level == 1:
                    headings[id(b)] = snum
                    if b.label:
                        add(Target("section", b.label, s.path, snum, b.children, "",
                                   b.loc, is_chapter=s.depth == 1 and s.is_index))
                    continue
                if b.level == 2:
                    sub += 1
                num = snum + (sub,) if snum and b.level == 2 else ()
                headings[id(b)] = num
                if b.label:
                    add(Target("section", b.label, s.path, num, b.children, b.anchor, b.loc))
            elif isinstance(b, Figure):
                if b.label:
                    fig_count[chapter] = fig_count.get(chapter, 0) + 1
                    add(Target("figure", b.label, s.path, chapter + (fig_count[chapter],),
                               b.caption, b.label, b.loc))
            elif isinstance(b, Table):
                if b.label:
                    tab_count[chapter] = tab_count.get(chapter, 0) + 1
                    add(Target("table", b.label, s.path, chapter + (tab_count[chapter],),
                               b.caption, b.label, b.loc))
            elif isinstance(b, MathBlock):
                if b.label:
                    eq_count[chapter] = eq_count.get(chapter, 0) + 1
                    add(Target("equation", b.label, s.path, chapter + (eq_count[chapter],),
                               [Text(b.label)], b.label, b.loc))

    bib, bib_path = _load_bib(book, diags)
    cited: dict[str, None] = {}
    uses: dict[str, frozenset[str]] = {}
    for s in book.ordered():
        used: set[str] = set()
        for b in walk_blocks(s.blocks):
            for inl in block_inlines(b):
                for n in walk_inlines(inl):
                    if isinstance(n, Ref):
                        used.add(n.label)
                        t = targets.get(n.label)
                        if t is None:
                            diags.error(n.loc, f":{n.kind}: to unknown label {n.label!r}",
                                        code="unknown-ref")
                        elif n.kind == "eqref" and t.kind != "equation":
                            diags.warning(n.loc, f":eqref: to {n.label!r}, which is a "
                                                 f"{t.kind}, not an equation")
                    elif isinstance(n, Cite):
                        for k in n.keys:
                            if bib is None:
                                diags.error(n.loc, f"citation {k!r} but the book has no "
                                                   "BibTeX file")
                            elif k not in bib.entries:
                                diags.error(n.loc, f"citation key {k!r} is not in "
                                                   f"{bib_path.name}")
                            else:
                                cited.setdefault(k, None)
        uses[s.path] = frozenset(used)
    refs = Resolved(book, book.config.lang, targets=_frozen(targets), bib=bib,
                    bib_path=bib_path, cited=tuple(cited), uses=_frozen(uses),
                    headings=_frozen(headings), numbers=_frozen(numbers),
                    pdf=PdfSettings.of(book.config))
    while len(_MEMO) >= 4:
        del _MEMO[next(iter(_MEMO))]
    _MEMO[id(book)] = (weakref.ref(book), refs)
    return refs


_MEMO: dict[int, tuple[weakref.ref, Resolved]] = {}  # the last few books resolved


def resolved(book: Book) -> Resolved:
    """The last resolution of ``book`` (made quietly now if there is none): for callers
    that need only tab views, such as the evaluator building a notebook's code."""
    hit = _MEMO.get(id(book))
    if hit is not None and hit[0]() is book:
        return hit[1]
    return resolve(book, Diagnostics())
