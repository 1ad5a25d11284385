"""Structural tests of `d2lbook build html` on tests/books/html_basic (and small books).

The browser tests (tabs remembered, search, math, requests) are in test_html_browser.py.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from d2lbook.errors import Diagnostics
from d2lbook.execute import SectionResult
from d2lbook.outputs.html import build_html
from d2lbook.resolve import resolve
from d2lbook.source.parse import load_book

BOOKS = Path(__file__).resolve().parent / "books"
pytestmark = pytest.mark.xdist_group("html")  # the site fixture is built once per worker
CODE = "chapter_basics/code"


# ------------------------------------------------------------------ helpers
def png_bytes() -> bytes:
    """A valid 2x2 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def stream(text: str, name: str = "stdout") -> dict:
    return {"output_type": "stream", "name": name, "text": text}


def result(section: str, tab: str, outputs: dict, quick: bool = False) -> SectionResult:
    return SectionResult(section=section, tab=tab, outputs=outputs, execution_counts={},
                         quick=quick, executed_notebook=Path("/nonexistent/x.ipynb"))


SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       '<rect width="10" height="10"/></svg>')
PANDAS = ('<div><style scoped>.dataframe tbody tr th { vertical-align: top; }</style>'
          '<table border="1" class="dataframe"><thead><tr><th></th><th>a</th></tr></thead>'
          '<tbody><tr><th>0</th><td>1</td></tr></tbody></table></div>')


def basic_results() -> dict:
    code_pt = {
        0: [], 3: [stream("torch.Size([12])\n")], 5: [],
        7: [stream("hello from every framework\n")],
        8: [stream("only the output of this cell is shown\n")],
        9: [stream("this output is hidden\n")],
        10: [stream("".join(f"{i}\n" for i in range(60)))],
        11: [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
              "data": {"text/html": PANDAS, "text/plain": "   a\n0  1"}}],
        12: [stream("a warning\n", "stderr"),
             {"output_type": "display_data", "metadata": {},
              "data": {"image/png": base64.b64encode(png_bytes()).decode(),
                       "text/plain": "<Figure>"}},
             {"output_type": "display_data", "metadata": {},
              "data": {"image/svg+xml": SVG, "text/plain": "<Figure>"}}],
    }
    code_jax = {1: [], 4: [stream("(12,)\n")], 6: [],
                7: [stream("hello from every framework\n")]}
    code_tf = {2: [], 7: [stream("hello from every framework\n")]}
    hb = "chapter_search/hummingbird"
    return {
        "pytorch": {CODE: result(CODE, "pytorch", code_pt, quick=True),
                    hb: result(hb, "pytorch", {0: [], 1: []})},
        "jax": {CODE: result(CODE, "jax", code_jax), hb: result(hb, "jax", {0: [], 2: []})},
        "tensorflow": {CODE: result(CODE, "tensorflow", code_tf),
                       hb: result(hb, "tensorflow", {0: []})},
    }


def build(root: Path, out: Path, results=None, **kw):
    diags = Diagnostics()
    book = load_book(root, diags)
    refs = resolve(book, diags)
    assert not diags.errors, [str(d) for d in diags.errors]
    report = build_html(book, refs, out, results=results, diags=diags, search=False, **kw)
    return report, diags


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (tag.attr, url)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        for key in ("href", "src"):
            if a.get(key) is not None:
                self.links.append((f"{tag}.{key}", a[key]))


def parse_site(site: Path) -> dict[Path, _Links]:
    pages = {}
    for p in site.rglob("*.html"):
        if "pagefind" in p.relative_to(site).parts:
            continue
        parser = _Links()
        parser.feed(p.read_text(encoding="utf-8"))
        pages[p.resolve()] = parser
    return pages


def broken_links(site: Path) -> list[str]:
    """Every internal link (href, src) that names a missing file or a missing #id."""
    pages = parse_site(site)
    bad = []
    for page, parser in pages.items():
        for what, url in parser.links:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.exists():
                bad.append(f"{page.relative_to(site)}: {what}={url} (no file)")
                continue
            if parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in pages[target].ids:
                    bad.append(f"{page.relative_to(site)}: {what}={url} (no id)")
    return bad


def basic_book(tmp: Path) -> tuple[Path, Path]:
    """A copy of tests/books/html_basic in ``tmp`` and a notebooks folder with (empty)
    PyTorch and JAX notebooks of its code section: (book root, notebooks folder)."""
    root = tmp / "book"
    shutil.copytree(BOOKS / "html_basic", root)
    nbdir = tmp / "notebooks"
    for tab in ("pytorch", "jax"):
        p = nbdir / tab / (CODE + ".ipynb")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                 "nbformat_minor": 5}))
    return root, nbdir


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, Diagnostics, Path]:
    tmp = tmp_path_factory.mktemp("html")
    root, nbdir = basic_book(tmp)
    out = tmp / "site"
    report, diags = build(root, out, basic_results(), notebooks_dir=nbdir)
    assert report.rendered == report.pages
    assert [str(d) for d in diags.items] == []
    return out, diags, root


def read(site_dir: Path, path: str) -> str:
    return (site_dir / path).read_text(encoding="utf-8")


# -------------------------------------------------------------------- tests
def test_one_page_per_section_and_site_pages(site):
    out, _, _ = site
    for path in ("index", "preface", "chapter_basics/index", "chapter_basics/math", CODE,
                 "chapter_search/index", "chapter_search/hummingbird", "references", "search"):
        assert (out / f"{path}.html").is_file(), path
    assert (out / "_static" / "d2lbook.css").is_file()
    assert (out / "_static" / "katex" / "katex.min.css").is_file()
    assert list((out / "_static" / "katex" / "fonts").glob("*.woff2"))
    assert (out / "img" / "pipeline.svg").is_file()
    assert (out / "_static" / "logo.svg").is_file()


def test_no_broken_internal_links(site):
    out, _, _ = site
    assert broken_links(out) == []


def test_link_checker_finds_broken_links(tmp_path):
    (tmp_path / "a.html").write_text('<a href="b.html#x">b</a><a href="c.html">c</a>'
                                     '<img src="d.png"><a href="https://e.org/x">e</a>')
    (tmp_path / "b.html").write_text('<h1 id="y">b</h1>')
    bad = broken_links(tmp_path)
    assert len(bad) == 3 and any("b.html#x" in b for b in bad)


def test_nothing_is_loaded_from_outside_the_site(site):
    out, _, _ = site
    for page, parser in parse_site(out).items():
        text = page.read_text(encoding="utf-8")
        for what, url in parser.links:
            if what in ("img.src", "script.src", "link.href", "iframe.src", "source.src"):
                assert not urlsplit(url).scheme and not url.startswith("//"), (page, url)
        assert "cdn" not in " ".join(u for w, u in parser.links if w != "a.href").lower()
        assert "@import" not in text
    css = read(out, "_static/d2lbook.css") + read(out, "_static/katex/katex.min.css")
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)


def test_numbering_and_references(site):
    out, _, _ = site
    math = read(out, "chapter_basics/math.html")
    assert re.search(r'<h1 id="sec_math"><span class="secnum">1\.1\.</span> 公式与引用', math)
    assert '<span class="secnum">1.1.1.</span> 图和表' in math
    assert re.search(r'id="eq_square_loss">.*?<span class="eqno">\(1\.1\)', math, re.S)
    assert re.search(r'id="eq_grad">.*?<span class="eqno">\(1\.2\)', math, re.S)
    assert '<a class="xref eqref" href="#eq_square_loss">(1.1)</a>' in math
    assert '<span class="caption-number">图1.1</span> 训练流程' in math
    assert '<span class="caption-number">表1.1</span> 张量的形状' in math
    assert '<a class="xref numref" href="#fig_pipeline">图1.1</a>' in math
    assert '<a class="xref numref" href="code.html">1.2节</a>' in math
    assert '<a class="xref ref" href="code.html#sec_code_groups">分组</a>' in math
    hb = read(out, "chapter_search/hummingbird.html")
    assert ('<a class="xref eqref" href="../chapter_basics/math.html#eq_square_loss">(1.1)</a>'
            in hb)
    pre = read(out, "preface.html")
    assert '<a class="xref numref" href="chapter_basics/index.html">第1章</a>' in pre
    assert '<span class="secnum">' not in pre.split('<article')[1].split('</h1>')[0]


def test_math_rendered_at_build_time(site):
    out, _, _ = site
    math = read(out, "chapter_basics/math.html")
    article = math.split("<article", 1)[1].split("</article>")[0]
    assert article.count('class="katex"') >= 6
    assert 'class="katex-display"' in article
    assert "$" not in re.sub(r"<annotation.*?</annotation>", "", article, flags=re.S)
    assert "math-error" not in article


def test_citations_and_bibliography(site):
    out, _, _ = site
    math = read(out, "chapter_basics/math.html")
    assert ('(<a class="citation" href="../references.html#bib-Rumelhart.Hinton.Williams.1986">'
            'Rumelhart 等, 1986</a>)') in math
    assert ('<a class="citation" href="../references.html#bib-Goodfellow.Bengio.Courville.2016">'
            'Goodfellow 等 (2016)</a>') in math
    refs = read(out, "references.html")
    assert 'id="bib-Rumelhart.Hinton.Williams.1986"' in refs
    assert "Nature" in refs and "MIT Press" in refs and "533–536" in refs


def test_sidebar_breadcrumb_prev_next_header(site):
    out, _, _ = site
    page = read(out, CODE + ".html")
    sidebar = page.split('id="sidebar"', 1)[1].split("</nav>", 1)[0]
    assert '<a href="../chapter_basics/code.html" class="current" aria-current="page">' \
           '<span class="secnum">1.2.</span> 代码与框架</a>' in sidebar
    assert '<span class="secnum">2.</span> 搜索' in sidebar
    crumb = page.split('class="breadcrumb"', 1)[1].split("</nav>", 1)[0]
    assert "1. 基础" in crumb and "1.2. 代码与框架" in crumb
    assert 'rel="prev"' in page and "1.1. 公式与引用" in page.split('rel="prev"')[1][:200]
    assert 'rel="next"' in page and "2. 搜索" in page.split('rel="next"')[1][:200]
    assert '<a href="https://github.com/example/html-basic" rel="noopener">GitHub</a>' in page
    assert '<link rel="icon" href="../_static/favicon.svg">' in page
    assert '<img src="../_static/logo.svg"' in page
    assert re.search(r'<html lang="zh" data-tab="pytorch" data-tab-pref="pytorch" '
                     r'data-tabs="pytorch jax tensorflow"[ >]', page)
    assert "上一节" in page and "目录" in page  # zh UI strings


def test_tab_groups(site):
    out, _, _ = site
    page = read(out, CODE + ".html")
    groups = re.findall(r'<div class="tab-group" data-tabs="([^"]*)">', page)
    # imports (3 tabs), x (2), y (2), hidden-code + ... pytorch run, tab prose (2), discussion (3)
    assert groups[0] == "pytorch jax tensorflow"
    assert groups[1] == "pytorch jax"
    assert groups[-1] == "pytorch jax tensorflow"
    second = page.split('<div class="tab-group" data-tabs="pytorch jax">', 1)[1]
    second = second.split('<div class="tab-group"', 1)[0]
    assert 'class="tab-button absent" data-tab="tensorflow"' in second
    assert '<div class="tab-pane tab-absent" data-tabs="tensorflow"' in second
    assert "这一部分没有 TensorFlow 版本。" in second
    code = re.sub(r"<[^>]+>", "", second)
    assert "torch.arange(12)" in code and "jnp.arange(12)" in code
    # the cell of every tab is shown once, outside any group
    shared = page.split("所有框架共用的单元", 1)[1].split("</div>\n", 1)[0]
    assert "tab-group" not in shared and "hello from every framework" in shared
    # tab prose and discussion links switch with the tab
    assert re.search(r'data-tabs="pytorch"><p>PyTorch 的张量叫作', page)
    assert re.search(r'data-tabs="jax"><p><a href="https://discuss.example.org/t/1002"', page)
    # the stylesheet switches panes for every tab
    for t in ("pytorch", "jax", "tensorflow"):
        assert f'html[data-tab="{t}"] .tab-pane[data-tabs~="{t}"]{{display:block}}' in page


def test_tab_selected_branches_split_a_shared_cell(make_book, tmp_path):
    root = make_book({"a.md": "# A\n\n```{.python .input}\n%%tab all\n"
                              "if tab.selected('pytorch'):\n    import torch\n"
                              "if tab.selected('jax'):\n    import jax\nprint(1)\n```\n"})
    build(root, tmp_path / "out")
    page = read(tmp_path / "out", "a.html")
    assert '<div class="tab-group" data-tabs="pytorch jax">' in page
    pt = page.split('<div class="tab-pane" data-tabs="pytorch">', 1)[1].split("</pre>")[0]
    assert "torch" in pt and "jax" not in pt and "tab.selected" not in pt


def test_outputs_and_hidden_cells(site):
    out, _, _ = site
    page = read(out, CODE + ".html")
    assert '<pre class="output stdout">torch.Size([12])</pre>' in page
    assert '<pre class="output stdout">(12,)</pre>' in page
    # hide_code: output without code; hide_output: code without output
    assert "only the output of this cell is shown</pre>" in page
    assert "print(&#x27;only the output" not in page and "print('only the output" not in page
    assert "this output is hidden</pre>" not in page
    assert "hide_output" not in page and "#@hide" not in page
    # long output collapsed
    assert '<div class="output-long collapsed"><pre class="output stdout">0\n1\n' in page
    assert "显示全部输出（60 行）" in page
    # pandas table, stderr, images written under _images
    assert '<table border="1" class="dataframe">' in page
    assert '<pre class="output stderr">a warning</pre>' in page
    imgs = re.findall(r'<img src="\.\./_images/([0-9a-f]+\.(png|svg))"', page)
    assert {ext for _, ext in imgs} == {"png", "svg"}
    for name, _ in imgs:
        assert (out / "_images" / name).is_file()
    assert (out / "_images" / imgs[0][0]).read_bytes()[:4] in (b"\x89PNG", b"<svg")
    # every plot has a text alternative
    alts = re.findall(r'<img src="\.\./_images/[^"]+" alt="([^"]*)"', page)
    assert len(alts) == 2 and all(a.strip() for a in alts)
    # one output for a cell whose output is the same in every tab
    assert page.count("hello from every framework</pre>") == 1


def test_quick_mode_note_and_notebook_links(site):
    out, _, _ = site
    page = read(out, CODE + ".html")
    assert '<div class="quick-note" role="note">' in page
    assert "quick-note" not in read(out, "chapter_basics/math.html")
    assert ('<a class="tool tab-inline download-notebook" data-tabs="pytorch" '
            'href="../notebooks/pytorch/chapter_basics/code.ipynb" download') in page
    assert "下载笔记本 (PyTorch)" in page and "在 Colab 中打开 (JAX)" in page
    assert (out / "notebooks" / "jax" / "chapter_basics" / "code.ipynb").is_file()
    assert "notebooks/tensorflow" not in page  # no notebook was built for it
    assert ("https://colab.research.google.com/github/example/html-basic-jax-colab/blob/master/"
            "chapter_basics/code.ipynb") in page
    assert "page-tools" not in read(out, "chapter_basics/math.html").split("<article")[0]


def test_bad_outputs_warn_and_never_crash(tmp_path):
    root = tmp_path / "book"
    shutil.copytree(BOOKS / "html_basic", root)
    res = basic_results()
    pt = res["pytorch"][CODE].outputs
    pt[3] = ["not an output"]
    pt[10] = [{"output_type": "display_data", "data": {"image/x-unknown": "AAAA"}}]
    pt[11] = [{"output_type": "display_data", "data": {"image/png": "%%% not base64 %%%"}}]
    pt[12] = [{"output_type": "display_data",
               "data": {"image/png": base64.b64encode(b"GIF89a....").decode()}},
              {"output_type": "mystery"}, stream("still shown\n")]
    pt[7] = [{"output_type": "display_data",
              "data": {"text/html": '<script src="https://cdn.example.org/x.js"></script>',
                       "text/plain": "plain form"}}]
    del pt[5]  # missing result
    del res["jax"]["chapter_search/hummingbird"]  # a section without results
    report, diags = build(root, tmp_path / "out", res)
    warnings = [str(w) for w in diags.warnings]
    text = "\n".join(warnings)

    def has(pattern: str) -> bool:
        return re.search(pattern, text) is not None

    assert has(r"code\.md:22: warning: section chapter_basics/code, pytorch cell 4: "
               r"output 1: not an output object")
    assert has(r"code\.md:68: .*pytorch cell 11: output 1: image format image/x-unknown")
    assert has(r"code\.md:74: .*pytorch cell 12: output 1: image/png that is not valid base64")
    assert has(r"code\.md:80: .*pytorch cell 13: output 1: image/png data that is not a PNG")
    assert has(r"code\.md:80: .*pytorch cell 13: output 2: unknown output_type 'mystery'")
    assert has(r"code\.md:51: .*pytorch cell 8: output 1: HTML that loads or runs something")
    assert has(r"code\.md:39: .*pytorch cell 6: no execution result")
    assert has(r"hummingbird\.md:1: .*no execution result for section "
               r"chapter_search/hummingbird \(jax\)")
    page = read(tmp_path / "out", CODE + ".html")
    assert "still shown" in page and "plain form" in page
    assert "cdn.example.org" not in page


def test_katex_failure_shows_source_and_warns(make_book, tmp_path):
    root = make_book({"a.md": "# A\n\n好的 $x^2$，坏的 $\\frac{1}{$。\n\n$$\\begin{foo} y$$\n"})
    _, diags = build(root, tmp_path / "out")
    page = read(tmp_path / "out", "a.html")
    assert '<code class="math-error"' in page and "\\frac{1}{</code>" in page
    assert '<code class="math-error display"' in page
    assert page.count('class="katex"') == 1
    warnings = [str(w) for w in diags.warnings]
    assert any(w.startswith("a.md:3: warning: KaTeX cannot render $\\frac{1}{$") for w in warnings)
    assert any(w.startswith("a.md:5: warning: KaTeX cannot render $$") for w in warnings)


def test_english_ui_strings(make_book, tmp_path):
    root = make_book({"a.md": "# A\n\n```{.python .input}\n%%tab pytorch\nx = 1\n```\n"},
                     config="[project]\nname = t\nlang = en\n[build]\ntabs = pytorch, jax\n")
    build(root, tmp_path / "out")
    page = read(tmp_path / "out", "a.html")
    assert '<html lang="en"' in page and "Previous" in page and "Contents" in page
    assert "This part is not available for JAX." in page
    assert "上一节" not in page


def test_incremental_rebuild_writes_only_changed_pages(tmp_path):
    root = tmp_path / "book"
    shutil.copytree(BOOKS / "html_basic", root)
    out = tmp_path / "out"
    first, _ = build(root, out, basic_results())
    assert first.rendered == first.pages
    again, _ = build(root, out, basic_results())
    assert again.rendered == 0 and again.written == []
    # prose edit: one page
    p = root / "chapter_search" / "hummingbird.md"
    p.write_text(p.read_text(encoding="utf-8").replace("虚构的名字", "虚构的优化器名字"),
                 encoding="utf-8")
    third, _ = build(root, out, basic_results())
    assert third.rendered_pages == ["chapter_search/hummingbird"]
    assert "虚构的优化器名字" in read(out, "chapter_search/hummingbird.html")
    # a new equation renumbers eq_square_loss: its page and the page that refers to it
    m = root / "chapter_basics" / "math.md"
    m.write_text(m.read_text(encoding="utf-8").replace(
        "平方损失见", "$$a = b$$\n:eqlabel:`eq_new`\n\n平方损失见"), encoding="utf-8")
    fourth, _ = build(root, out, basic_results())
    assert sorted(fourth.rendered_pages) == ["chapter_basics/math", "chapter_search/hummingbird"]
    assert ">(1.2)</a>" in read(out, "chapter_search/hummingbird.html")
    # a deleted page file is written again
    (out / "preface.html").unlink()
    fifth, _ = build(root, out, basic_results())
    assert fifth.rendered_pages == ["preface"]


def test_cli_build_html(tmp_path):
    from d2lbook.cli import main

    root = tmp_path / "book"
    shutil.copytree(BOOKS / "html_basic", root)
    rc = main(["build", "html", "--book", str(root), "--out", str(tmp_path / "site"),
               "--no-search"])
    assert rc == 0
    assert (tmp_path / "site" / "chapter_basics" / "math.html").is_file()
    assert broken_links(tmp_path / "site") == []


def test_raw_html_cannot_load_from_outside(make_book, tmp_path):
    root = make_book({"a.md": "# A\n\n<iframe src=\"https://video.example.org/v\"></iframe>\n\n"
                              "文字 <img src=\"https://img.example.org/a.png\"> 和 <b>粗体</b>。\n"})
    _, diags = build(root, tmp_path / "out")
    page = read(tmp_path / "out", "a.html")
    assert 'data-blocked-src="https://video.example.org/v"' in page
    assert 'data-blocked-src="https://img.example.org/a.png"' in page
    assert "<b>粗体</b>" in page
    assert broken_links(tmp_path / "out") == []
    warnings = [str(w) for w in diags.warnings]
    assert any(w.startswith("a.md:3: warning: raw HTML loads something") for w in warnings)
    assert any(w.startswith("a.md:5: warning: raw HTML loads something") for w in warnings)


def test_chinese_line_breaks_add_no_spaces(make_book, tmp_path):
    root = make_book({"a.md": "# A\n\n深度学习\n模型（\n**张量**\n）和\nPyTorch\n框架。\n"})
    build(root, tmp_path / "out")
    page = read(tmp_path / "out", "a.html")
    assert "<p>深度学习模型（<strong>张量</strong>）和\nPyTorch\n框架。</p>" in page


def test_removed_sections_and_unused_images_are_deleted(tmp_path):
    root = tmp_path / "book"
    shutil.copytree(BOOKS / "html_basic", root)
    out = tmp_path / "out"
    build(root, out, basic_results())
    images = sorted(p.name for p in (out / "_images").iterdir())
    assert len(images) == 2
    res = basic_results()
    res["pytorch"][CODE].outputs[12] = []  # the plot is gone
    idx = root / "chapter_search" / "index.md"
    idx.write_text(idx.read_text(encoding="utf-8").replace("hummingbird", ""), encoding="utf-8")
    report, _ = build(root, out, res)
    assert not (out / "chapter_search" / "hummingbird.html").exists()
    assert out / "chapter_search" / "hummingbird.html" in report.removed
    assert not (out / "_images").exists() or list((out / "_images").iterdir()) == []
    assert broken_links(out) == []


def test_a_fixed_bibtex_entry_rerenders_the_pages_citing_it(tmp_path):
    root = tmp_path / "book"
    shutil.copytree(BOOKS / "html_basic", root)
    out = tmp_path / "out"
    build(root, out)
    bib = root / "refs.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("year = {1986}", "year = {1987}"),
                   encoding="utf-8")
    report, _ = build(root, out)
    assert sorted(report.rendered_pages) == ["chapter_basics/math", "references"]
    assert "Rumelhart 等, 1987</a>" in read(out, "chapter_basics/math.html")


def test_a_section_named_search_keeps_its_page(make_book, tmp_path):
    root = make_book({"search.md": "# 检索\n\n一节叫作 search 的内容。\n"})
    build(root, tmp_path / "out")
    assert "一节叫作 search 的内容" in read(tmp_path / "out", "search.html")
    assert 'action="_search.html"' in read(tmp_path / "out", "search.html")
    assert (tmp_path / "out" / "_search.html").is_file()
    assert broken_links(tmp_path / "out") == []
