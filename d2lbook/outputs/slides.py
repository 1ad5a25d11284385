"""``d2lbook build slides``: reveal.js decks from the slide marks, one per section and tab.

The marks (source-format.md, "Slides"): ``[**text**]`` starts a new slide with the
text, ``(**text**)`` adds the text to the current slide, ``[~~text~~]`` and
``(~~text~~)`` do the same with text that only the slides show. As in d2lbook 1.0.3,
a deck holds the section's title, the marked text, and the tab's code cells (``#@save``
marks removed), each under the slide that precedes it; a section without marks has no
deck. Equations marked for slides (``(**$$...$$**)``) are kept. Math is rendered with
KaTeX at build time (no script needed in the deck); reveal.js comes from npm
(``node_modules/reveal.js``) and is copied next to the decks.

Decks go to ``<output_dir>/slides/<tab>/<section>.html``; ``build html`` copies them
into the site and links each page to its decks.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
from pathlib import Path

from markdown_it import MarkdownIt

from d2lbook.errors import Diagnostics
from d2lbook.outputs.notebooks import MarkdownWriter
from d2lbook.source.model import (
    Book,
    CodeCell,
    Heading,
    InlineMath,
    ListBlock,
    MathBlock,
    Paragraph,
    Quote,
    Section,
    Slide,
    plain_text,
)
from d2lbook.source.tabs import view
from d2lbook.util import atomic_write

REPO_ROOT = Path(__file__).resolve().parents[2]
_MD = MarkdownIt("commonmark").enable("table").enable("strikethrough")
_PH = re.compile(r"@@MATH(\d+)@@")


def find_reveal() -> Path | None:
    """``node_modules/reveal.js`` of the repository, of the current folder or a parent."""
    for base in (REPO_ROOT, *Path.cwd().resolve().parents, Path.cwd().resolve()):
        d = base / "node_modules" / "reveal.js" / "dist"
        if (d / "reveal.js").is_file():
            return d
    return None


class _Writer(MarkdownWriter):
    """Markdown of a slide's text, with math replaced by placeholders."""

    def __init__(self, book: Book, refs, section: Section, math: list[tuple[str, bool]]):
        super().__init__(book, refs, section)
        self.math = math

    def node(self, n) -> str:
        if isinstance(n, InlineMath):
            self.math.append((n.tex, False))
            return f"@@MATH{len(self.math) - 1}@@"
        if isinstance(n, Slide):
            return self.inline(n.children)
        return super().node(n)


def _slide_nodes(nodes: list) -> list[Slide]:
    out: list[Slide] = []
    for n in nodes:
        if isinstance(n, Slide):
            out.append(n)
        elif isinstance(getattr(n, "children", None), list):
            out.extend(_slide_nodes(n.children))
    return out


def deck_slides(book: Book, section: Section, tab: str, refs,
                math: list[tuple[str, bool]]) -> list[str]:
    """The markdown of each slide of ``section``'s deck for ``tab`` ([] without marks)."""
    w = _Writer(book, refs, section, math)
    slides: list[list[str]] = []
    title = ""
    marked = False

    def current() -> list[str]:
        if not slides:
            slides.append([f"# {title}"] if title else [])
        return slides[-1]

    def visit(blocks: list) -> None:
        nonlocal title, marked
        for b in blocks:
            if isinstance(b, Heading) and b.level == 1 and not title:
                title = plain_text(b.children)
            elif isinstance(b, Paragraph):
                for s in _slide_nodes(b.children):
                    marked = True
                    text = w.inline(s.children).strip()
                    if s.new_slide and slides:
                        slides.append([])
                    if text:
                        current().append(text)
            elif isinstance(b, MathBlock) and getattr(b, "slide", None):
                marked = True
                if b.slide == "new" and slides:
                    slides.append([])
                math.append((b.tex, True))
                current().append(f"@@MATH{len(math) - 1}@@")
            elif isinstance(b, CodeCell) and b.executable:
                code = re.sub(r"[ \t]*#\s*@save\b.*", "", b.source).strip("\n")
                if code.strip():
                    current().append(f"```python\n{code}\n```")
            elif isinstance(b, ListBlock):
                for item in b.items:
                    visit(item)
            elif isinstance(b, Quote):
                visit(b.children)

    visit(view(section, tab, book.config.libraries.get(tab)))
    if not marked:
        return []
    return ["\n\n".join(s) for s in slides if s]


def _render_math(math: list[tuple[str, bool]], diags: Diagnostics) -> list[str]:
    if not math:
        return []
    from d2lbook.outputs.html import katex as katex_mod

    kdir = katex_mod.find_katex([Path.cwd()])
    try:
        done = katex_mod.KatexRenderer(kdir).render_all(math)
    except katex_mod.KatexUnavailable as e:
        diags.warning(None, f"slides: math shown as TeX ({e})", file="slides")
        return [html.escape(f"$${t}$$" if d else f"${t}$") for t, d in math]
    out = []
    for tex, disp in math:
        r = done[katex_mod.key(tex, disp)]
        out.append(r.get("html") or html.escape(tex))
    return out


PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{assets}/reveal.css">
<link rel="stylesheet" href="{assets}/theme/white.css">
<link rel="stylesheet" href="{assets}/katex/katex.min.css">
<style>.reveal pre code {{ max-height: 520px; font-size: 0.8em; }}
.reveal section {{ text-align: left; }} .reveal h1 {{ font-size: 1.6em; }}</style>
</head>
<body>
<div class="reveal"><div class="slides">
{sections}
</div></div>
<script src="{assets}/reveal.js"></script>
<script>Reveal.initialize({{ hash: true, slideNumber: true }});</script>
</body>
</html>
"""


def deck_html(book: Book, title: str, slides: list[str], math_html: list[str],
              assets: str) -> str:
    sections = []
    for s in slides:
        body = _MD.render(s)
        body = _PH.sub(lambda m: math_html[int(m.group(1))], body)
        sections.append(f"<section>\n{body}</section>")
    return PAGE.format(lang=html.escape(book.config.lang), title=html.escape(title),
                       assets=assets, sections="\n".join(sections))


def copy_assets(dest: Path) -> bool:
    reveal = find_reveal()
    if reveal is None:
        return False
    from d2lbook.outputs.html import katex as katex_mod

    for rel in ("reveal.js", "reveal.css", "theme/white.css"):
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(reveal / rel, out)
    kdir = katex_mod.find_katex([Path.cwd()])
    if kdir is not None:
        shutil.copytree(kdir / "dist" / "fonts", dest / "katex" / "fonts", dirs_exist_ok=True)
        shutil.copy2(kdir / "dist" / "katex.min.css", dest / "katex" / "katex.min.css")
    return True


def deck_path(book: Book, tab: str, section: Section) -> Path:
    return Path(book.config.output_dir) / "slides" / tab / (section.path + ".html")


def build_slides(book: Book, refs, tabs: list[str], diags: Diagnostics) -> list[Path]:
    out = Path(book.config.output_dir) / "slides"
    if not copy_assets(out / "_reveal"):
        diags.error(None, "reveal.js is missing: run `npm ci` in the repository root",
                    file="slides")
        return []
    written: list[Path] = []
    wanted: set[Path] = set()
    for tab in tabs:
        for section in book.ordered():
            math: list[tuple[str, bool]] = []
            slides = deck_slides(book, section, tab, refs, math)
            if not slides:
                continue
            path = deck_path(book, tab, section)
            depth = 1 + section.path.count("/")
            text = deck_html(book, plain_text(section.title) if section.title else section.path,
                             slides, _render_math(math, diags), "../" * depth + "_reveal")
            wanted.add(path)
            if not (path.exists() and path.read_text(encoding="utf-8") == text):
                atomic_write(path, text)
            written.append(path)
    # decks of sections that lost their marks
    for old in out.rglob("*.html"):
        if "_reveal" not in old.parts and old not in wanted:
            old.unlink()
    return written


def run_slides(args: argparse.Namespace, book, refs, tabs: list[str],
               diags: Diagnostics) -> int:
    local = Diagnostics()
    paths = build_slides(book, refs, tabs, local)
    local.report()
    diags.items.extend(local.items)
    if local.errors:
        return 1
    print(f"slides: {len(paths)} decks in {Path(book.config.output_dir) / 'slides'}",
          file=sys.stderr)
    return 0
