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
from pathlib import Path

import nbformat

from d2lbook.errors import Diagnostics
from d2lbook.resolve import Resolved, resolved, unhandled
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
        if isinstance(n, Text):
            return n.text
        if isinstance(n, SoftBreak):
            return "\n"
        if isinstance(n, HardBreak):
            return "  \n"
        if isinstance(n, Emph):
            return f"*{self.inline(n.children)}*"
        if isinstance(n, Strong):
            return f"**{self.inline(n.children)}**"
        if isinstance(n, Strike):
            return f"~~{self.inline(n.children)}~~"
        if isinstance(n, CodeSpan):
            return _code_span(n.code)
        if isinstance(n, InlineMath):
            return f"${n.tex}$"
        if isinstance(n, Link):
            url = n.url
            if url.endswith(".md") or ".md#" in url:
                url = url.replace(".md", ".ipynb", 1)
            return f"[{self.inline(n.children)}]({url})"
        if isinstance(n, Image):
            return f"![{n.alt}]({n.src})"
        if isinstance(n, RawInline):
            return n.html
        if isinstance(n, Ref):
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
        if isinstance(n, Cite):
            return self.refs.cite_text(n.keys, n.textual)
        if isinstance(n, CodeRef):
            return _code_span(n.target)
        if isinstance(n, UnknownRole):
            return _code_span(n.content)
        if isinstance(n, Slide):
            return "" if n.only_slides else self.inline(n.children)
        raise unhandled(n, "notebooks")

    # ------------------------------------------------------------- blocks
    def block(self, b: Block) -> str:
        label = getattr(b, "label", None)
        text = self._block(b)
        # an anchor for :numref: links from other notebooks
        return f'<a id="{label}"></a>\n\n{text}' if label and text else text

    def _block(self, b: Block) -> str:
        if isinstance(b, Heading):
            return "#" * b.level + " " + self.inline(b.children)
        if isinstance(b, Paragraph):
            return self.inline(b.children)
        if isinstance(b, Figure):
            cap = self.inline(b.caption)
            num = self.refs.numref_text(b.label) if b.label and self.refs.target(b.label) \
                else ""
            out = f"![{plain_text(b.caption)}]({b.src})"
            return out + (f"\n\n*{num}* {cap}" if num else f"\n\n{cap}" if cap else "")
        if isinstance(b, Table):
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
        if isinstance(b, MathBlock):
            tag = f"\\tag{{{self.refs.eq_number(b.label)}}}" if b.label else ""
            return f"$${b.tex}{tag}$$"
        if isinstance(b, ListBlock):
            out = []
            for k, item in enumerate(b.items):
                mark = f"{b.start + k}. " if b.ordered else "* "
                body = "\n\n".join(self.block(x) for x in item)
                pad = " " * len(mark)
                body = body.replace("\n", "\n" + pad)
                out.append(mark + body)
            return "\n".join(out)
        if isinstance(b, Quote):
            inner = "\n\n".join(self.block(x) for x in b.children)
            return "\n".join("> " + ln for ln in inner.split("\n"))
        if isinstance(b, CodeCell):
            fence = "````" if "```" in b.source else "```"
            return f"{fence}{b.lang}\n{b.source}\n{fence}"
        if isinstance(b, Toc):
            items = []
            for e in b.entries:
                s = self.book.sections.get(e.path)
                if s is None:
                    continue
                num = ".".join(map(str, s.number))
                title = (num + " " if num else "") + plain_text(s.title)
                items.append(f"* [{title}]({self.link_to(e.path)})")
            return "\n".join(items)
        if isinstance(b, Bibliography):
            items = []
            for key in self.refs.cited:
                entry = self.refs.bib.entries[key]
                title = entry.fields.get("title", "").replace("{", "").replace("}", "")
                items.append(f"* {self.refs.author_text(key)} ({self.refs.year(key)}). "
                             f"{title}.")
            return "\n".join(items)
        if isinstance(b, Raw):
            return b.text if b.format in ("html", "rst-only-html") else ""
        if isinstance(b, Rule):
            return "---"
        if isinstance(b, TabBlock):  # not reached through a tab view
            return "\n\n".join(self.block(x) for x in b.children)
        raise unhandled(b, "notebooks")


def _code_span(code: str) -> str:
    ticks = "`"
    while ticks in code:
        ticks += "`"
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{ticks}{pad}{code}{pad}{ticks}"


def section_notebook(book: Book, section: Section, tab: str,
                     refs: Resolved | None = None) -> nbformat.NotebookNode:
    """The notebook of one section for one tab (nbformat 4)."""
    refs = refs if refs is not None else resolved(book)
    w = MarkdownWriter(book, refs, section)
    cells: list[dict] = []
    md: list[str] = []

    def flush() -> None:
        text = "\n\n".join(x for x in md if x.strip())
        if text.strip():
            cells.append({"cell_type": "markdown", "id": f"m{len(cells)}", "metadata": {},
                          "source": text})
        md.clear()

    for b in refs.view(section, tab):
        if isinstance(b, CodeCell) and b.executable:
            flush()
            meta: dict = {"d2lbook": {"cell": b.index, "file": b.loc.file, "line": b.loc.line}}
            if b.expect_error:
                meta["tags"] = ["raises-exception"]
            cells.append({"cell_type": "code", "id": f"c{len(cells)}", "metadata": meta,
                          "execution_count": None, "outputs": [], "source": b.source})
        else:
            md.append(w.block(b))
    flush()
    nb = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {
            "kernelspec": KERNEL,
            "language_info": {"name": "python"},
            "d2lbook": {"section": section.path, "tab": tab},
        },
        "cells": cells,
    }
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
