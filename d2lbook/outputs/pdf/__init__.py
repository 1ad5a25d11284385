"""``d2lbook build pdf``: LaTeX written straight from the document model, typeset with
XeLaTeX through latexmk.

One PDF per tab: ``<name>.pdf`` for the default tab, ``<name>-<tab>.pdf`` for others.
Chinese books use ``ctexbook`` with Noto CJK fonts (configurable in ``[pdf]``);
code is highlighted with Pygments' LaTeX formatter (no shell-escape); SVG figures are
converted to PDF with ``rsvg-convert``; cell outputs (text and images) come from the
evaluation results when present. A LaTeX error is reported with the log excerpt and,
where it can be traced, the ``.md`` file and line of the construct that produced it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from pygments import highlight
from pygments.formatters import LatexFormatter
from pygments.lexers import PythonLexer, TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from d2lbook.errors import BuildError, Diagnostic, Diagnostics
from d2lbook.resolve import Resolved, dispatch
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
    UnknownRole,
    plain_text,
)
from d2lbook.util import atomic_write, book_path, check_write

_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}",
}
_SPECIAL_RE = re.compile(r"[\\{}$&#^_%~]")
_FORMATTER = LatexFormatter(commandprefix="PY")
WORDS = {
    "zh": {"quick": "本 PDF 中的输出来自快速模式（D2L\\_QUICK=1）。",
           "bib": "参考文献", "contents": "目录"},
    "en": {"quick": "The outputs in this PDF come from quick mode (D2L\\_QUICK=1).",
           "bib": "Bibliography", "contents": "Contents"},
}
MAX_OUTPUT_LINES = 60


def esc(text: str) -> str:
    return _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group(0)], text)


def _label(label: str) -> str:
    """Labels may hold characters LaTeX dislikes in \\label; keep them readable and safe."""
    return re.sub(r"[^A-Za-z0-9:._-]", "-", label)


@dataclass
class Writer:
    book: Book
    refs: Resolved
    tab: str
    outdir: Path  # the folder of the .tex file
    diags: Diagnostics
    results: dict | None = None
    lines: list[str] = field(default_factory=list)
    linemap: list[tuple[int, Loc]] = field(default_factory=list)  # tex line -> source
    words: dict = field(default_factory=dict)
    quick: bool = False

    def __post_init__(self) -> None:
        self.words = WORDS.get(self.book.config.lang, WORDS["en"])

    # --------------------------------------------------------------- output
    def emit(self, text: str, loc: Loc | None = None) -> None:
        if loc is not None:
            self.linemap.append((len(self.lines) + 1, loc))
        self.lines.extend(text.split("\n"))

    # --------------------------------------------------------------- inline
    def inline(self, nodes: list[Inline], section: Section) -> str:
        rules = self.RULES
        return "".join([(rules.get(type(n)) or dispatch(rules, n, "pdf"))(self, n, section)
                        for n in nodes])

    def node(self, n: Inline, section: Section) -> str:
        return dispatch(self.RULES, n, "pdf")(self, n, section)

    def _text(self, n: Text, section: Section) -> str:
        return esc(n.text)

    def _soft_break(self, n: SoftBreak, section: Section) -> str:
        return "\n"

    def _hard_break(self, n: HardBreak, section: Section) -> str:
        return "\\\\\n"

    def _emph(self, n: Emph, section: Section) -> str:
        return f"\\emph{{{self.inline(n.children, section)}}}"

    def _strong(self, n: Strong, section: Section) -> str:
        return f"\\textbf{{{self.inline(n.children, section)}}}"

    def _strike(self, n: Strike, section: Section) -> str:
        return f"\\textcolor{{gray}}{{{self.inline(n.children, section)}}}"

    def _code_span(self, n: CodeSpan, section: Section) -> str:
        return f"\\texttt{{{esc(n.code)}}}"

    def _code_ref(self, n: CodeRef, section: Section) -> str:
        return f"\\texttt{{{esc(n.target)}}}"

    def _unknown_role(self, n: UnknownRole, section: Section) -> str:
        return f"\\texttt{{{esc(n.content)}}}"

    def _inline_math(self, n: InlineMath, section: Section) -> str:
        return f"${n.tex}$"

    def _link(self, n: Link, section: Section) -> str:
        text = self.inline(n.children, section)
        if re.match(r"^[a-z]+://", n.url):
            url = n.url.replace("\\", "/").replace("#", "\\#").replace("%", "\\%")
            return f"\\href{{{url}}}{{{text}}}"
        return text

    def _nothing(self, n: Image | RawInline, section: Section) -> str:
        return ""  # inline images and inline HTML have no place in the PDF

    def _ref(self, n: Ref, section: Section) -> str:
        t = self.refs.target(n.label)
        if t is None:
            return "??"  # unresolved, as Sphinx shows it
        lab = _label(n.label)
        if n.kind == "eqref":
            return f"\\eqref{{{lab}}}"
        if n.kind == "ref" or n.text or not t.number:
            text = esc(n.text) if n.text else self.inline(t.title, section)
            return f"\\hyperref[{lab}]{{{text}}}"
        return f"\\hyperref[{lab}]{{{esc(self.refs.numref_text(n.label))}}}"

    def _cite(self, n: Cite, section: Section) -> str:
        parts = []
        for k in n.keys:
            a = esc(self.refs.author_text(k))
            y = esc(self.refs.year(k))
            tgt = _label("cite-" + k)
            parts.append(f"\\hyperlink{{{tgt}}}{{{a} ({y})}}" if n.textual
                         else f"\\hyperlink{{{tgt}}}{{{a}, {y}}}")
        return "; ".join(parts) if n.textual else "(" + "; ".join(parts) + ")"

    def _slide(self, n: Slide, section: Section) -> str:
        return "" if n.only_slides else self.inline(n.children, section)

    # --------------------------------------------------------------- blocks
    def heading_cmd(self, section: Section, level: int) -> str:
        """LaTeX sectioning command for a heading of ``level`` in ``section``."""
        base = 0 if section.depth <= 1 else 1  # chapter files start at \chapter
        cmds = ["chapter", "section", "subsection", "subsubsection", "paragraph",
                "subparagraph"]
        return cmds[min(base + level - 1, len(cmds) - 1)]

    def heading(self, b: Heading, section: Section) -> None:
        """A heading numbered by the resolve step, never by LaTeX: an unnumbered
        sectioning command showing the resolved number, its contents line written by
        hand, so that the PDF's numbers always equal the ``:numref:`` texts."""
        cmd = self.heading_cmd(section, b.level)
        title = self.inline(b.children, section)
        num = self.refs.heading_number(b)
        chapter = b.level == 1 and section.depth == 1 and section.is_index
        text = f"\\{cmd}*{{{_heading_text(self.refs, num, chapter, title)}}}"
        if num and cmd in ("chapter", "section", "subsection"):
            numtext = ".".join(map(str, num))
            text += (f"\n\\addcontentsline{{toc}}{{{cmd}}}"
                     f"{{\\protect\\numberline{{{numtext}}}{title}}}")
        elif cmd in ("chapter", "section"):
            text += f"\n\\addcontentsline{{toc}}{{{cmd}}}{{{title}}}"
        if b.label:
            text += f"\\phantomsection\\label{{{_label(b.label)}}}"
        self.emit(text + "\n", b.loc)

    def blocks(self, blocks: list[Block], section: Section) -> None:
        for b in blocks:
            self.block(b, section)

    def block(self, b: Block, section: Section) -> None:
        dispatch(self.RULES, b, "pdf")(self, b, section)

    def _paragraph(self, b: Paragraph, section: Section) -> None:
        self.emit(self.inline(b.children, section) + "\n", b.loc)

    def _math_block(self, b: MathBlock, section: Section) -> None:
        tex = b.tex.strip()
        if b.label:
            num = esc(self.refs.eq_number(b.label))
            self.emit(f"\\begin{{equation}}\\tag{{{num}}}\\label{{{_label(b.label)}}}\n"
                      f"{tex}\n\\end{{equation}}\n", b.loc)
        elif tex.startswith("\\begin{") and not tex.startswith(("\\begin{aligned}",
                                                                  "\\begin{array}",
                                                                  "\\begin{matrix}",
                                                                  "\\begin{bmatrix}",
                                                                  "\\begin{cases}",
                                                                  "\\begin{split}",
                                                                  "\\begin{pmatrix}")):
            self.emit(tex + "\n", b.loc)
        else:
            self.emit(f"\\[\n{tex}\n\\]\n", b.loc)

    def _list(self, b: ListBlock, section: Section) -> None:
        env = "enumerate" if b.ordered else "itemize"
        self.emit(f"\\begin{{{env}}}", b.loc)
        if b.ordered and b.start != 1:
            self.emit(f"\\setcounter{{enumi}}{{{b.start - 1}}}")
        for item in b.items:
            self.emit("\\item ")
            self.blocks(item, section)
        self.emit(f"\\end{{{env}}}\n")

    def _quote(self, b: Quote, section: Section) -> None:
        self.emit("\\begin{quote}", b.loc)
        self.blocks(b.children, section)
        self.emit("\\end{quote}\n")

    def _bibliography(self, b: Bibliography, section: Section) -> None:
        self.bibliography(b)

    def _raw(self, b: Raw, section: Section) -> None:
        if b.format == "latex":
            self.emit(b.text, b.loc)

    def _rule(self, b: Rule, section: Section) -> None:
        self.emit("\\par\\noindent\\rule{\\linewidth}{0.4pt}\n", b.loc)

    def _tab_block(self, b: TabBlock, section: Section) -> None:
        if self.tab in b.tabs:  # only reached outside a tab view
            self.blocks(b.children, section)

    def _toc(self, b: Toc, section: Section) -> None:
        pass  # the document structure comes from the toc itself

    def image_file(self, path: Path, loc: Loc | None) -> str | None:
        """A file LaTeX can include for ``path`` (SVG converted to PDF), relative to outdir."""
        if not path.exists():
            self.diags.warning(loc, f"image {path.name} not found; left out of the PDF")
            return None
        suffix = path.suffix.lower()
        if suffix in (".png", ".jpg", ".jpeg", ".pdf"):
            return str(path.resolve())
        if suffix == ".svg":
            data = path.read_bytes()
            out = self.outdir / "img" / (hashlib.sha1(data).hexdigest()[:16] + ".pdf")
            if not out.exists():
                if not _svg_to_pdf(path, out):
                    self.diags.warning(loc, f"cannot convert {path.name} to PDF (is "
                                            "rsvg-convert installed?); left out")
                    return None
            return str(out.relative_to(self.outdir))
        self.diags.warning(loc, f"image {path.name}: unknown format {suffix!r}; left out")
        return None

    def _number(self, label: str) -> str:
        t = self.refs.target(label)
        return esc(t.number_text) if t is not None else "?"

    def figure(self, b: Figure, section: Section) -> None:
        if re.match(r"^[a-z]+://", b.src):
            self.diags.warning(b.loc, f"remote image {b.src} is not included in the PDF")
            return
        if book_path(self.book.root, b.path) is None:
            self.diags.warning(b.loc, f"image {b.src!r} lies outside the book (a path or a "
                                      "link that leaves it); left out of the PDF")
            return
        f = self.image_file(self.book.root / b.path, b.loc)
        if f is None:
            return
        width = "0.8\\linewidth"
        if b.width and b.width.endswith("px"):
            try:
                px = float(b.width[:-2])
                width = f"{min(px / 600, 1.0):.2f}\\linewidth"
            except ValueError:
                pass
        cap = self.inline(b.caption, section)
        capcmd = f"\\caption{_short(b.caption)}{{{cap}}}" if b.label else f"\\caption*{{{cap}}}"
        lab = f"\\label{{{_label(b.label)}}}" if b.label else ""
        if b.label:  # the resolved number, not LaTeX's figure counter
            capcmd = f"\\renewcommand{{\\thefigure}}{{{self._number(b.label)}}}" + capcmd
        self.emit(f"\\begin{{figure}}[htbp]\n\\centering\n"
                  f"\\includegraphics[width={width}]{{{f}}}\n{capcmd}{lab}\n\\end{{figure}}\n",
                  b.loc)

    def table(self, b: Table, section: Section) -> None:
        cols = "".join({"left": "l", "center": "c", "right": "r"}.get(a, "l") for a in b.align)
        rows = [" & ".join(self.inline(c, section) for c in b.header) + " \\\\ \\midrule"]
        for r in b.rows:
            cells = list(r) + [[]] * (len(b.align) - len(r))
            rows.append(" & ".join(self.inline(c, section) for c in cells[:len(b.align)])
                        + " \\\\")
        cap = self.inline(b.caption, section)
        capcmd = (f"\\caption{_short(b.caption)}{{{cap}}}" if b.label else
                  (f"\\caption*{{{cap}}}" if cap else ""))
        lab = f"\\label{{{_label(b.label)}}}" if b.label else ""
        if b.label:
            capcmd = f"\\renewcommand{{\\thetable}}{{{self._number(b.label)}}}" + capcmd
        body = "\n".join(rows)
        self.emit(f"\\begin{{table}}[htbp]\n\\centering\n{capcmd}{lab}\n"
                  f"\\begin{{tabular}}{{{cols}}}\n\\toprule\n{body}\n\\bottomrule\n"
                  "\\end{tabular}\n\\end{table}\n", b.loc)

    def code(self, b: CodeCell, section: Section) -> None:
        if not b.hide_code:
            try:
                lexer = PythonLexer() if b.executable else (
                    get_lexer_by_name(b.lang) if b.lang else TextLexer())
            except ClassNotFound:
                lexer = TextLexer()
            src = "\n".join(ln for ln in b.source.split("\n")
                            if not re.match(r"^\s*#\s*@(save|hide\w*|expect_error)\s*$", ln))
            tex = highlight(src, lexer, _FORMATTER)
            self.emit("\\begin{codebox}\n" + tex.rstrip() + "\n\\end{codebox}\n", b.loc)
        if b.executable and not b.hide_output and self.results is not None:
            r = self.results.get(section.path)
            if r is not None:
                self.quick = self.quick or bool(getattr(r, "quick", False))
                for out in r.outputs.get(b.index, []):
                    self.output(out, b, section)

    def output(self, out: dict, cell: CodeCell, section: Section) -> None:
        kind = out.get("output_type")
        text = None
        if kind == "stream":
            text = out.get("text", "")
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if "image/png" in data or "image/jpeg" in data:
                mime = "image/png" if "image/png" in data else "image/jpeg"
                try:
                    raw = base64.b64decode(data[mime])
                except (ValueError, TypeError):
                    self.diags.warning(cell.loc, f"{section.file}: cell {cell.index}: "
                                                 "malformed image output left out")
                    return
                ext = ".png" if mime == "image/png" else ".jpg"
                p = self.outdir / "img" / (hashlib.sha1(raw).hexdigest()[:16] + ext)
                if not p.exists():
                    atomic_write(p, raw)
                self.emit(f"\\begin{{center}}\\includegraphics[width=0.6\\linewidth]"
                          f"{{{p.relative_to(self.outdir)}}}\\end{{center}}\n")
                return
            if "image/svg+xml" in data:
                svg = data["image/svg+xml"]
                svg = "".join(svg) if isinstance(svg, list) else svg
                p = self.outdir / "img" / (hashlib.sha1(svg.encode()).hexdigest()[:16] + ".svg")
                if not p.exists():
                    atomic_write(p, svg)
                f = self.image_file(p, cell.loc)
                if f:
                    self.emit(f"\\begin{{center}}\\includegraphics[width=0.6\\linewidth]"
                              f"{{{f}}}\\end{{center}}\n")
                return
            if "text/plain" in data:
                text = data["text/plain"]
        elif kind == "error":
            text = "\n".join(out.get("traceback", []))
            text = re.sub(r"\x1b\[[0-9;]*m", "", text)
        if text is None:
            return
        text = "".join(text) if isinstance(text, list) else str(text)
        lines = text.rstrip("\n").split("\n")
        if len(lines) > MAX_OUTPUT_LINES:
            lines = lines[:MAX_OUTPUT_LINES] + ["..."]
        if lines and any(ln.strip() for ln in lines):
            body = "\n".join(ln.replace("\t", "    ") for ln in lines)
            self.emit("\\begin{outputbox}\n\\begin{Verbatim}[fontsize=\\small]\n" + body
                      + "\n\\end{Verbatim}\n\\end{outputbox}\n")

    def bibliography(self, b: Bibliography) -> None:
        if self.refs.bib is None or not self.refs.cited:
            return
        from pybtex.plugin import find_plugin

        style = find_plugin("pybtex.style.formatting", "plain")()
        backend = find_plugin("pybtex.backends", "latex")()
        entries = [self.refs.bib.entries[k] for k in self.refs.cited]
        try:
            formatted = list(style.format_entries(entries))
        except Exception as e:  # pybtex raises many types on odd entries
            self.diags.warning(b.loc, f"cannot format the bibliography with pybtex: {e}")
            return
        self.emit("\\begin{description}[style=unboxed,leftmargin=0pt]", b.loc)
        for entry, f in zip(entries, formatted, strict=True):
            key = entry.key
            head = esc(f"{self.refs.author_text(key)} ({self.refs.year(key)})")
            self.emit(f"\\item[\\hypertarget{{{_label('cite-' + key)}}}{{{head}}}] "
                      + f.text.render(backend))
        self.emit("\\end{description}\n")

    # ------------------------------------------------------------- document
    def document(self) -> str:
        cfg = self.book.config
        root = self.book.sections[self.book.index]
        main_started = back_started = False
        body_start = len(self.lines)
        for s in self.book.ordered():
            if s.path == root.path:
                continue
            if s.depth == 1:
                if s.numbered and not main_started:
                    self.emit("\\mainmatter")
                    main_started = True
                elif not s.numbered and main_started and not back_started:
                    self.emit("\\backmatter")
                    back_started = True
            self.blocks(self.refs.view(s, self.tab), s)
        body = self.lines[body_start:]
        del self.lines[body_start:]
        head = self.preamble()
        note = f"\\noindent\\emph{{{self.words['quick']}}}\\par\n" if self.quick else ""
        front = [head, "\\begin{document}", "\\frontmatter", "\\maketitle", note,
                 "\\tableofcontents"]
        offset = sum(x.count("\n") + 1 for x in front)
        self.linemap = [(ln + offset, loc) for ln, loc in self.linemap]
        return "\n".join(front + body + ["\\end{document}", ""]) if cfg else ""

    def preamble(self) -> str:
        cfg = self.book.config
        zh = cfg.lang == "zh"
        settings = self.refs.pdf
        main_font, sans_font = settings.main_font, settings.sans_font
        mono_font, cjk = settings.mono_font, settings.cjk_font
        cls = ("\\documentclass[UTF8,openany,oneside,zihao=-4,fontset=none]{ctexbook}" if zh
               else "\\documentclass[openany,oneside,11pt]{book}\n\\usepackage{fontspec}")
        fonts = []
        if zh:
            fonts.append(f"\\setCJKmainfont{{{cjk}}}[BoldFont=Noto Sans CJK SC]")
            fonts.append("\\setCJKsansfont{Noto Sans CJK SC}\n\\setCJKmonofont{Noto Sans Mono CJK SC}")
        # a font named in config.ini but not installed falls back to the default (d2l-en
        # names Source Serif Pro, which few machines have)
        if main_font:
            fonts.append(f"\\IfFontExistsTF{{{main_font}}}{{\\setmainfont{{{main_font}}}}}{{}}")
        if sans_font:
            fonts.append(f"\\IfFontExistsTF{{{sans_font}}}{{\\setsansfont{{{sans_font}}}}}{{}}")
        fonts.append(f"\\IfFontExistsTF{{{mono_font}}}{{\\setmonofont{{{mono_font}}}[Scale=0.9]}}"
                     "{\\setmonofont{DejaVu Sans Mono}[Scale=0.9]}")
        title = esc(cfg.title or cfg.name)
        author = esc(cfg.author)
        return "\n".join([
            cls,
            "\\usepackage[a4paper,margin=2.5cm]{geometry}",
            *fonts,
            "\\usepackage{amsmath,amssymb,amsfonts,bm,mathtools}",
            "\\usepackage{graphicx,xcolor,fancyvrb,booktabs,caption,enumitem}",
            "\\usepackage[most]{tcolorbox}",
            "\\usepackage[hidelinks,unicode]{hyperref}",
            "\\numberwithin{equation}{chapter}",
            "\\newtcolorbox{codebox}{breakable,colback=black!3,colframe=black!15,boxrule=0.4pt,"
            "arc=1pt,left=4pt,right=4pt,top=2pt,bottom=2pt}",
            "\\newtcolorbox{outputbox}{breakable,colback=white,colframe=black!10,boxrule=0.4pt,"
            "arc=1pt,left=4pt,right=4pt,top=1pt,bottom=1pt}",
            "\\usepackage{fvextra}\n\\fvset{breaklines=true,breakanywhere=true}",
            _FORMATTER.get_style_defs(),
            "\\setlength{\\parindent}{2em}" if zh else "",
            f"\\title{{{title}}}",
            f"\\author{{{author}}}",
            f"\\date{{{esc(cfg.release)}}}",
        ])


    # the dispatch table: every node type of the model -> the method that writes it
    RULES: ClassVar[dict[type, Callable]] = {
        Text: _text, SoftBreak: _soft_break, HardBreak: _hard_break, Emph: _emph,
        Strong: _strong, Strike: _strike, CodeSpan: _code_span, CodeRef: _code_ref,
        UnknownRole: _unknown_role, InlineMath: _inline_math, Link: _link, Image: _nothing,
        RawInline: _nothing, Ref: _ref, Cite: _cite, Slide: _slide,
        Heading: heading, Paragraph: _paragraph, MathBlock: _math_block, Figure: figure,
        Table: table, ListBlock: _list, Quote: _quote, CodeCell: code,
        Bibliography: _bibliography, Raw: _raw, Rule: _rule, TabBlock: _tab_block, Toc: _toc,
    }

def _svg_to_pdf(src: Path, out: Path) -> bool:
    tool = shutil.which("rsvg-convert")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.pdf")
    if tool:
        r = subprocess.run([tool, "-f", "pdf", "-o", str(tmp), str(src)], capture_output=True)
        if r.returncode == 0 and tmp.exists():
            tmp.replace(out)
            return True
    try:
        import cairosvg  # optional
    except ImportError:
        return False
    cairosvg.svg2pdf(url=str(src), write_to=str(tmp))
    tmp.replace(out)
    return True


def _heading_text(refs: Resolved, num: tuple[int, ...], chapter: bool, title: str) -> str:
    """The shown text of a heading: its resolved number (a chapter's with the language's
    word, as ``:numref:`` says it) and its title."""
    if not num:
        return title
    numtext = ".".join(map(str, num))
    if chapter:
        return esc(refs.words()["chapter"].format(numtext)) + "\\quad " + title
    return numtext + "\\quad " + title


def pdf_name(book: Book, tab: str) -> str:
    name = book.config.name
    return f"{name}.pdf" if tab == book.config.default_tab else f"{name}-{tab}.pdf"


def _short(caption: list) -> str:
    """``[plain text]``: the list-of-figures entry of a caption, without the links and
    citations that break LaTeX's moving arguments (d2l-en cites inside captions)."""
    from d2lbook.source.model import plain_text

    text = re.sub(r"\s+", " ", plain_text(caption)).strip()
    text = re.sub(r"[\\{}\[\]%#&$^_~]", "", text)
    return f"[{text}]" if text else ""


def write_tex(book: Book, refs: Resolved, tab: str, diags: Diagnostics,
              results: dict | None = None) -> tuple[Path, list[tuple[int, Loc]]]:
    """Write ``<output_dir>/pdf/<tab>/<name>.tex``; returns its path and the line map."""
    outdir = book.config.output_dir / "pdf" / tab
    outdir.mkdir(parents=True, exist_ok=True)
    w = Writer(book, refs, tab, outdir, diags, results)
    tex = w.document()
    path = outdir / f"{book.config.name}.tex"
    atomic_write(path, tex)
    return path, w.linemap


def _trace(linemap: list[tuple[int, Loc]], tex_line: int) -> Loc | None:
    best = None
    for ln, loc in linemap:
        if ln <= tex_line:
            best = loc
        else:
            break
    return best


def parse_log(log: str, tex: str = "") -> list[tuple[str, int | None, str]]:
    """LaTeX errors in a log: (message, tex line or None, excerpt).

    The line comes from TeX's ``l.NNN`` context or, for a runaway argument (which has
    none), from finding the runaway text in the ``.tex`` source.
    """
    out = []
    lines = log.split("\n")
    tex_lines = tex.split("\n")
    for i, line in enumerate(lines):
        if not line.startswith("! "):
            continue
        excerpt = "\n".join(lines[max(0, i - 2): i + 8])
        tex_line = None
        for nxt in lines[i: i + 20]:
            m = re.match(r"^l\.(\d+)", nxt)
            if m:
                tex_line = int(m.group(1))
                break
        if tex_line is None and i >= 2 and lines[i - 2].startswith("Runaway argument"):
            snippet = lines[i - 1].split("\\par")[0].strip()[:20]
            if snippet:
                tex_line = next((k + 1 for k, t in enumerate(tex_lines) if snippet in t), None)
        out.append((line[2:].strip(), tex_line, excerpt))
    return out


def typeset(book: Book, tex: Path, linemap: list[tuple[int, Loc]], tab: str) -> Path:
    """Run latexmk -xelatex; raise BuildError with traced errors on failure."""
    if shutil.which("latexmk") is None or shutil.which("xelatex") is None:
        raise BuildError([Diagnostic("error", "latexmk and xelatex are needed for the PDF "
                                     "(Debian: texlive-xetex texlive-lang-chinese "
                                     "texlive-latex-extra fonts-noto-cjk latexmk)")])
    cmd = ["latexmk", "-xelatex", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error-",
           "-f-", tex.name]
    cmd = [c for c in cmd if not c.endswith("-")]
    r = subprocess.run(cmd, cwd=tex.parent, capture_output=True, text=True,
                       errors="replace", timeout=1800)
    log_path = tex.with_suffix(".log")
    log = log_path.read_text(errors="replace") if log_path.exists() else r.stdout
    pdf = tex.with_suffix(".pdf")
    if r.returncode != 0 or not pdf.exists():
        diags = []
        found = parse_log(log, tex.read_text(encoding="utf-8"))
        for msg, line, excerpt in found or [("LaTeX failed", None, r.stdout[-2000:])]:
            loc = _trace(linemap, line) if line else None
            where = f" (from {loc})" if loc else ""
            diags.append(Diagnostic("error", f"LaTeX: {msg}{where}\n{excerpt}\n"
                                             f"full log: {log_path}", loc))
        raise BuildError(diags)
    dest = check_write(book.config.output_dir / "pdf" / pdf_name(book, tab),
                       book.config.output_dir)
    tmp = dest.with_suffix(".tmp")
    shutil.copyfile(pdf, tmp)
    tmp.replace(dest)
    return dest


def build_pdf(book: Book, refs: Resolved, tab: str, diags: Diagnostics,
              results: dict | None = None) -> Path:
    """The PDF of ``tab``; ``results`` (``{section path: SectionResult}``) puts outputs
    under the code."""
    tex, linemap = write_tex(book, refs, tab, diags, results or None)
    return typeset(book, tex, linemap, tab)


__all__ = ["build_pdf", "write_tex", "typeset", "parse_log", "pdf_name", "plain_text"]
