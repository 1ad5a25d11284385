"""``d2lbook build notebooks``: one Jupyter notebook per section per tab.

Notebooks hold only their tab's code (``tab.selected`` branches resolved, the
setup cell dropped) and prose in markdown cells, where d2l roles become
readable text: ``:numref:`` shows the number and links to the other
notebook, citations show author and year. Each code cell records where it
came from in ``metadata["d2lbook"]`` (``cell``, ``file``, ``line``), which
the evaluator uses to point errors at the markdown source.
"""

from __future__ import annotations

import json
import posixpath
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import nbformat

from d2lbook.errors import Diagnostics
from d2lbook.resolve import Resolved, dispatch, resolved
from d2lbook.results import fill_outputs
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
from d2lbook.util import atomic_write, book_files, check_write

KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


class MarkdownWriter:
    """Model -> markdown for notebook cells, with roles made readable."""

    def __init__(self, book: Book, refs: Resolved, section: Section):
        self.book, self.refs, self.section = book, refs, section
        self.dir = posixpath.dirname(section.path)

    def link_to(self, path: str, anchor: str = "") -> str:
        rel = posixpath.relpath(path + ".ipynb", self.dir or ".")
        return rel + (f"#{anchor}" if anchor else "")

    # ------------------------------------------------------------ inline
    def inline(self, nodes: list[Inline]) -> str:
        return "".join(self.node(n) for n in nodes)

    def node(self, n: Inline) -> str:
        return dispatch(self.RULES, n, "notebooks")(self, n)

    def _text(self, n: Text) -> str:
        return n.text

    def _soft_break(self, n: SoftBreak) -> str:
        return "\n"

    def _hard_break(self, n: HardBreak) -> str:
        return "  \n"

    def _emph(self, n: Emph) -> str:
        return f"*{self.inline(n.children)}*"

    def _strong(self, n: Strong) -> str:
        return f"**{self.inline(n.children)}**"

    def _strike(self, n: Strike) -> str:
        return f"~~{self.inline(n.children)}~~"

    def _code_span(self, n: CodeSpan) -> str:
        return _code_span(n.code)

    def _inline_math(self, n: InlineMath) -> str:
        return f"${n.tex}$"

    def _link(self, n: Link) -> str:
        url = n.url
        if url.endswith(".md") or ".md#" in url:
            url = url.replace(".md", ".ipynb", 1)
        return f"[{self.inline(n.children)}]({url})"

    def _image(self, n: Image) -> str:
        return f"![{n.alt}]({n.src})"

    def _raw_inline(self, n: RawInline) -> str:
        return n.html

    def _ref(self, n: Ref) -> str:
        t = self.refs.target(n.label)
        if t is None:  # unresolved: shown as ?? (as d2lbook 1.0.3's Sphinx does)
            return "??"
        if n.kind == "eqref":
            text = f"({self.refs.eq_number(n.label)})"
        elif n.kind == "ref":
            text = n.text or self.refs.ref_text(n.label)
        else:
            text = n.text or self.refs.numref_text(n.label)
        return f"[{text}]({self.link_to(t.section, t.anchor)})"

    def _cite(self, n: Cite) -> str:
        return self.refs.cite_text(n.keys, n.textual)

    def _code_ref(self, n: CodeRef) -> str:
        return _code_span(n.target)

    def _unknown_role(self, n: UnknownRole) -> str:
        return _code_span(n.content)

    def _slide(self, n: Slide) -> str:
        return "" if n.only_slides else self.inline(n.children)

    # ------------------------------------------------------------- blocks
    def block(self, b: Block) -> str:
        label = getattr(b, "label", None)
        text = dispatch(self.RULES, b, "notebooks")(self, b)
        # an anchor for :numref: links from other notebooks
        return f'<a id="{label}"></a>\n\n{text}' if label and text else text

    def _heading(self, b: Heading) -> str:
        return "#" * b.level + " " + self.inline(b.children)

    def _paragraph(self, b: Paragraph) -> str:
        return self.inline(b.children)

    def _figure(self, b: Figure) -> str:
        cap = self.inline(b.caption)
        num = self.refs.numref_text(b.label) if b.label and self.refs.target(b.label) \
            else ""
        out = f"![{plain_text(b.caption)}]({b.src})"
        return out + (f"\n\n*{num}* {cap}" if num else f"\n\n{cap}" if cap else "")

    def _table(self, b: Table) -> str:
        lines = []
        if b.caption or b.label:
            num = self.refs.numref_text(b.label) if b.label else ""
            lines.append(f"*{num}* {self.inline(b.caption)}".strip() + "\n")
        sep = {"left": ":--", "center": ":-:", "right": "--:"}
        lines.append("| " + " | ".join(self.inline(c) for c in b.header) + " |")
        lines.append("|" + "|".join(sep.get(a, "---") for a in b.align) + "|")
        for r in b.rows:
            lines.append("| " + " | ".join(self.inline(c) for c in r) + " |")
        return "\n".join(lines)

    def _math_block(self, b: MathBlock) -> str:
        tag = f"\\tag{{{self.refs.eq_number(b.label)}}}" if b.label else ""
        return f"$${b.tex}{tag}$$"

    def _list(self, b: ListBlock) -> str:
        out = []
        for k, item in enumerate(b.items):
            mark = f"{b.start + k}. " if b.ordered else "* "
            body = "\n\n".join(self.block(x) for x in item)
            pad = " " * len(mark)
            body = body.replace("\n", "\n" + pad)
            out.append(mark + body)
        return "\n".join(out)

    def _quote(self, b: Quote) -> str:
        inner = "\n\n".join(self.block(x) for x in b.children)
        return "\n".join("> " + ln for ln in inner.split("\n"))

    def _code(self, b: CodeCell) -> str:
        fence = "````" if "```" in b.source else "```"
        return f"{fence}{b.lang}\n{b.source}\n{fence}"

    def _toc(self, b: Toc) -> str:
        items = []
        for e in b.entries:
            s = self.book.sections.get(e.path)
            if s is None:
                continue
            num = ".".join(map(str, self.refs.section_number(s.path)))
            title = (num + " " if num else "") + plain_text(s.title)
            items.append(f"* [{title}]({self.link_to(e.path)})")
        return "\n".join(items)

    def _bibliography(self, b: Bibliography) -> str:
        items = []
        for key in self.refs.cited:
            entry = self.refs.bib.entries[key]
            title = entry.fields.get("title", "").replace("{", "").replace("}", "")
            items.append(f"* {self.refs.author_text(key)} ({self.refs.year(key)}). "
                         f"{title}.")
        return "\n".join(items)

    def _raw(self, b: Raw) -> str:
        return b.text if b.format in ("html", "rst-only-html") else ""

    def _rule(self, b: Rule) -> str:
        return "---"

    def _tab_block(self, b: TabBlock) -> str:  # not reached through a tab view
        return "\n\n".join(self.block(x) for x in b.children)

    # the dispatch table: every node type of the model -> the method that writes it
    RULES: ClassVar[dict[type, Callable]] = {
        Text: _text, SoftBreak: _soft_break, HardBreak: _hard_break, Emph: _emph,
        Strong: _strong, Strike: _strike, CodeSpan: _code_span, InlineMath: _inline_math,
        Link: _link, Image: _image, RawInline: _raw_inline, Ref: _ref, Cite: _cite,
        CodeRef: _code_ref, UnknownRole: _unknown_role, Slide: _slide,
        Heading: _heading, Paragraph: _paragraph, Figure: _figure, Table: _table,
        MathBlock: _math_block, ListBlock: _list, Quote: _quote, CodeCell: _code, Toc: _toc,
        Bibliography: _bibliography, Raw: _raw, Rule: _rule, TabBlock: _tab_block,
    }

def _code_span(code: str) -> str:
    ticks = "`"
    while ticks in code:
        ticks += "`"
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{ticks}{pad}{code}{pad}{ticks}"


class NotebookCells:
    """The cells of a notebook being written: prose blocks are gathered into one
    markdown cell until the next cell that stands on its own."""

    def __init__(self) -> None:
        self.cells: list[dict] = []
        self._md: list[str] = []

    def prose(self, text: str) -> None:
        self._md.append(text)

    def flush(self) -> None:
        text = "\n\n".join(x for x in self._md if x.strip())
        self._md.clear()
        if text.strip():
            self.markdown(text, {})

    def markdown(self, text: str, metadata: dict) -> None:
        self.cells.append({"cell_type": "markdown", "id": f"m{len(self.cells)}",
                           "metadata": metadata, "source": text})

    def code(self, source: str, metadata: dict) -> None:
        self.cells.append({"cell_type": "code", "id": f"c{len(self.cells)}",
                           "metadata": metadata, "execution_count": None, "outputs": [],
                           "source": source})

    def notebook(self, d2lbook_meta: dict) -> dict:
        """The notebook (nbformat 4, as a dict) of the cells gathered so far."""
        self.flush()
        return {"nbformat": 4, "nbformat_minor": 5,
                "metadata": {"kernelspec": KERNEL, "language_info": {"name": "python"},
                             "d2lbook": d2lbook_meta},
                "cells": self.cells}


def section_notebook(book: Book, section: Section, tab: str,
                     refs: Resolved | None = None) -> nbformat.NotebookNode:
    """The notebook of one section for one tab (nbformat 4)."""
    refs = refs if refs is not None else resolved(book)
    w = MarkdownWriter(book, refs, section)
    out = NotebookCells()
    for b in refs.view(section, tab):
        if isinstance(b, CodeCell) and b.executable:
            out.flush()
            meta: dict = {"d2lbook": {"cell": b.index, "file": b.loc.file, "line": b.loc.line}}
            if b.expect_error:
                meta["tags"] = ["raises-exception"]
            out.code(b.source, meta)
        else:
            out.prose(w.block(b))
    nb = out.notebook({"section": section.path, "tab": tab})
    required = [lib for b in section.blocks if isinstance(b, CodeCell) for lib in b.required_libs]
    if required:
        nb["metadata"]["d2lbook"]["required_libs"] = required
    return nbformat.from_dict(nb)


def notebook_path(book: Book, tab: str, section: Section) -> Path:
    return book.config.output_dir / "notebooks" / tab / (section.path + ".ipynb")


def _copy_resources(book: Book, dest: Path, diags: Diagnostics | None = None) -> None:
    refused: list[str] = []
    for res in book.config.resources:
        for f, rel in book_files(book.root, res, refused):  # links that leave the book
            out = check_write(dest / rel, dest)
            st = f.stat()
            if out.exists():
                ost = out.stat()
                if ost.st_size == st.st_size and ost.st_mtime >= st.st_mtime:
                    continue
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, out)
    if diags is not None:
        for rel in refused:
            diags.warning(None, f"{rel} is a symbolic link that leaves the book; not copied",
                          file="config.ini: [build] resources")


def has_code(nb) -> bool:
    """Whether a notebook has any code to run."""
    return any(c.cell_type == "code" and c.source.strip() for c in nb.cells)


def build_notebooks(book: Book, refs: Resolved, tabs: list[str],
                    diags: Diagnostics | None = None,
                    results: dict[str, dict] | None = None) -> list[Path]:
    """Write every section's notebook for each tab; unchanged files are not rewritten.

    ``results`` (``{tab: {section path: SectionResult}}``, as the face loads them): code
    cells carry those outputs.
    """
    paths = []
    for tab in tabs:
        tab_results = (results or {}).get(tab, {})
        for section in book.ordered():
            nb = section_notebook(book, section, tab, refs)
            fill_outputs(nb, tab_results.get(section.path))
            path = notebook_path(book, tab, section)
            text = json.dumps(nb, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
            if not (path.exists() and path.read_text(encoding="utf-8") == text):
                atomic_write(path, text)
            paths.append(path)
        _copy_resources(book, book.config.output_dir / "notebooks" / tab, diags)
    return paths
