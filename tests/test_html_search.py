"""The site's search index, page contents, plot alt text and `d2lbook build pkg`
(no browser; the browser checks are in test_html_site.py)."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from d2lbook.cli import main
from d2lbook.outputs.html.alt import alt_text, plot_alt
from d2lbook.outputs.html.build import page_tabs, page_toc
from d2lbook.outputs.html.i18n import strings
from d2lbook.outputs.html.search import (
    MATH_CLOSE,
    MATH_OPEN,
    fragment_text,
    page_text,
)

BOOKS = Path(__file__).resolve().parent / "books"

PAGE = """<html><body><nav>目录 不算</nav>
<article class="document" data-pagefind-body>
<span data-pagefind-meta="title" data-pagefind-ignore hidden>1.2. 卷积</span>
<h1 id="sec_conv">1.2. 卷积<a class="headerlink" data-pagefind-ignore>¶</a></h1>
<p>卷积层把输入<span class="katex" data-pagefind-ignore><span class="katex-mathml"><math>
<annotation encoding="application/x-tex">\\mathbf{X}</annotation></math></span>
<span class="katex-html">X glyphs</span></span>变成输出。</p>
<h2 id="汇聚">1.2.1. 汇聚层</h2>
<div class="code"><button data-pagefind-ignore>复制</button><pre><code>pool = nn.MaxPool2d(2)</code></pre></div>
<div class="outputs" data-pagefind-ignore><pre>输出不进索引</pre></div>
<h3>没有 id 的标题</h3><p>汇聚&amp;下采样<br>结束</p>
</article><footer>页脚</footer></body></html>"""


def test_page_text_sections_math_and_ignored_parts():
    title, secs = page_text(PAGE)
    assert title == "1.2. 卷积"
    assert [a for a, _, _ in secs] == ["", "汇聚"]
    text = "".join(t for _, _, t in secs)
    assert "卷积层把输入" + MATH_OPEN + "\\mathbf{X}" + MATH_CLOSE + "变成输出" in text
    assert "pool = nn.MaxPool2d(2)" in text and "汇聚&下采样" in text
    for absent in ("目录", "页脚", "复制", "输出不进索引", "glyphs", "¶"):
        assert absent not in text
    assert secs[1][1] == "1.2.1. 汇聚层"
    assert "没有 id 的标题" in secs[1][2]  # a heading without an anchor stays in its section


def test_a_page_without_indexed_body_gives_nothing():
    assert page_text("<html><body><p>搜索页</p></body></html>") == ("", [])


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("卷积<>/&;\"' abc=\n\tp-")), max_size=200))
def test_page_text_never_crashes_and_keeps_plain_words(junk):
    html = f"<div data-pagefind-body><p>开头</p>{junk}<p>结尾</p></div>"
    _, secs = page_text(html)
    text = "".join(t for _, _, t in secs)
    assert "开头" in text


def test_page_toc_and_tabs():
    body = ('<h1 id="a">A</h1><h2 id="b"><span class="secnum">1.1.</span> 乙'
            '<a class="headerlink" href="#b" data-pagefind-ignore>¶</a></h2>'
            '<h3 id="c">丙 <span class="katex" data-pagefind-ignore><annotation '
            'encoding="application/x-tex">x_i</annotation><span>x</span></span></h3>'
            '<h4 id="d">丁</h4>'
            '<div class="tab-group" data-tabs="pytorch"></div>'
            '<div class="tab-group" data-tabs="pytorch mxnet"></div>')
    assert page_toc(body) == [{"id": "b", "text": "1.1. 乙", "level": 2},
                              {"id": "c", "text": "丙 x_i", "level": 3}]
    assert page_tabs(body, ["pytorch", "jax", "mxnet"]) == ["pytorch", "mxnet"]
    assert page_tabs("<p>no code</p>", ["pytorch", "jax"]) == []
    assert fragment_text("a <b>b</b>") == "a b"


def test_plot_alt_from_labels_or_cell_number():
    s = strings("zh")
    img = '<div class="output image"><img src="x.png" alt="" loading="lazy"></div>'
    body = ('<div class="cell"><div class="code"><pre class="highlight"><code>'
            "d2l.plot(x, [f(x), g(x)], <span>&#39;x&#39;</span>, xlabel=&#39;x&#39;, "
            "ylabel=&quot;f(x)&quot;, legend=[&#39;f(x)&#39;, &#39;切线&#39;])</code></pre></div>"
            f'<div class="outputs">{img}</div></div>\n'
            f'<div class="cell"><div class="code"><pre class="highlight"><code>d2l.plt.hist(x)'
            f'</code></pre></div><div class="outputs">{img}</div></div>\n')
    out = plot_alt(body, s)
    alts = re.findall(r'alt="([^"]*)"', out)
    assert alts == ["代码输出的图：横轴 x；纵轴 f(x)；曲线 f(x), 切线", "本页第 2 个代码单元输出的图"]
    assert plot_alt("<p>no images</p>", s) == "<p>no images</p>"


def test_alt_text_of_the_books_plotting_calls():
    s = strings("zh")
    assert alt_text("d2l.plot(x, [y, x.grad], 'x', legend=['sin(x)', 'derivative'])", 1, s) == (
        "代码输出的图：横轴 x；曲线 sin(x), derivative")
    assert alt_text("d2l.show_heatmaps(w, xlabel='Keys', ylabel='Queries')", 1, s) == (
        "热图：横轴 Keys；纵轴 Queries")
    assert alt_text("%matplotlib inline\ntrainer.fit(model, data)", 3, s).startswith("训练曲线")
    assert alt_text("d2l.show_images(X, 2, 9, titles=['t-shirt', 'bag'])", 1, s) == (
        "图像网格：标题 t-shirt, bag")
    assert alt_text("d2l.train_ch11(adam, states, {'lr': 0.01}, data_iter)", 2, s).startswith(
        "训练曲线")
    assert alt_text("eta = 2\nd2l.show_trace_2d(f_2d, d2l.train_2d(adagrad_2d))", 2, s) == (
        "优化算法在目标函数上逐步移动的轨迹")
    assert alt_text("d2l.plt.hist(x)", 4, s) == "本页第 4 个代码单元输出的图"
    assert alt_text("this is not python (", 2, s) == "本页第 2 个代码单元输出的图"


def test_build_pkg_zips_each_tab_deterministically(tmp_path, monkeypatch, capsys):
    root = tmp_path / "book"
    shutil.copytree(BOOKS / "html_basic", root)
    monkeypatch.chdir(root)
    assert main(["build", "pkg"]) == 0
    zips = sorted((root / "_build" / "pkg").glob("*.zip"))
    assert [z.name for z in zips] == ["html-basic-jax.zip", "html-basic-pytorch.zip",
                                      "html-basic-tensorflow.zip"]
    with zipfile.ZipFile(root / "_build" / "pkg" / "html-basic-jax.zip") as zf:
        names = zf.namelist()
        assert "html-basic-jax/chapter_basics/code.ipynb" in names
        nb = json.loads(zf.read("html-basic-jax/chapter_basics/code.ipynb"))
        src = "".join("".join(c["source"]) for c in nb["cells"])
        assert "jnp" in src and "import torch" not in src
        assert names == sorted(names)
    first = (root / "_build" / "pkg" / "html-basic-jax.zip").read_bytes()
    assert main(["build", "pkg", "--tab", "jax"]) == 0
    assert (root / "_build" / "pkg" / "html-basic-jax.zip").read_bytes() == first
    assert main(["build", "pkg", "--tab", "nope"]) == 2
    assert "unknown tab 'nope'" in capsys.readouterr().err
    # the website links to the zips it finds
    assert main(["build", "html", "--no-search"]) == 0
    site = root / "_build" / "html"
    page = (site / "chapter_basics" / "code.html").read_text(encoding="utf-8")
    assert 'href="../_downloads/html-basic-pytorch.zip" download' in page
    assert (site / "_downloads" / "html-basic-pytorch.zip").read_bytes() == (
        root / "_build" / "pkg" / "html-basic-pytorch.zip").read_bytes()
    assert "download-pdf" not in page  # no PDF was built
    # a PDF, once built, is linked too
    (root / "_build" / "pdf").mkdir(parents=True)
    (root / "_build" / "pdf" / "html-basic.pdf").write_bytes(b"%PDF-1.5\n")
    assert main(["build", "html", "--no-search"]) == 0
    page = (site / "chapter_basics" / "code.html").read_text(encoding="utf-8")
    assert 'class="download-pdf" href="../_downloads/html-basic.pdf"' in page


def _index(site: Path) -> dict:
    text = (site / "_static" / "search-index.js").read_text(encoding="utf-8")
    assert text.startswith("window.D2LBOOK_SEARCH=") and text.endswith(";\n")
    return json.loads(text[len("window.D2LBOOK_SEARCH="):-2])


def test_index_follows_edits_and_equals_a_fresh_build(tmp_path, monkeypatch):
    from d2lbook.outputs.html import index_site

    root = tmp_path / "book"
    shutil.copytree(BOOKS / "html_basic", root)
    monkeypatch.chdir(root)
    assert main(["build", "html"]) == 0
    site = root / "_build" / "html"
    first = _index(site)
    urls = [p["u"] for p in first["pages"]]
    assert urls[0] == "index.html" and "chapter_search/hummingbird.html" in urls
    hb = next(p for p in first["pages"] if p["u"] == "chapter_search/hummingbird.html")
    assert hb["t"] == "2.1. 蜂鸟优化器"
    assert any(a for p in first["pages"] for a, _, _ in p["s"])  # subsections have anchors
    # an edit: the index has the new words, the other pages' entries are reused
    md = root / "chapter_search" / "hummingbird.md"
    md.write_text(md.read_text(encoding="utf-8") + "\n一个只在编辑后出现的词：紫罗兰算法。\n",
                  encoding="utf-8")
    assert main(["build", "html"]) == 0
    second = _index(site)
    text = {p["u"]: "".join(t for _, _, t in p["s"]) for p in second["pages"]}
    assert "紫罗兰算法" in text["chapter_search/hummingbird.html"]
    assert sum("紫罗兰算法" in t for t in text.values()) == 1
    # the index the live preview writes (from the kept entries) is the same
    (site / "_static" / "search-index.js").unlink()
    assert index_site(site) == "built"
    assert _index(site) == second
    # and so is the index of a build from scratch
    shutil.rmtree(site)
    assert main(["build", "html"]) == 0
    assert _index(site) == second
