"""The real book's website in Chromium: search recall, page contents, downloads, tab
fallback, phones, accessibility (axe-core).

The site of book/ is built without evaluating anything (pages show code without outputs
unless the cache has results), together with `d2lbook build pkg`'s zips, into a temporary
folder, and served on 127.0.0.1. Requests outside that server are blocked and reported.
Screenshots go to tests/artifacts/ (gitignored) or $D2LBOOK_ARTIFACTS.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import statistics
import threading
import zipfile
from pathlib import Path

import pytest
from chromium import CHROMIUM, available, launch

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not available():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)",
                allow_module_level=True)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("html_site")]
REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("D2LBOOK_ARTIFACTS") or REPO / "tests" / "artifacts")

# terms a reader of this book searches for; each must occur somewhere (checked below)
ZH_TERMS = ["卷积", "卷积层", "汇聚层", "注意力", "过拟合", "梯度", "反向传播", "损失函数",
            "学习率", "权重衰减", "暂退法", "批量规范化", "残差", "循环神经网络", "长短期记忆",
            "门控循环单元", "编码器", "解码器", "词元", "张量", "广播", "线性回归", "小批量",
            "随机梯度下降", "多层感知机", "激活函数", "填充", "步幅", "通道", "参数初始化",
            "数据集", "模型选择", "欠拟合", "正则化", "困惑度", "序列", "自注意力", "位置编码",
            "多头注意力", "微积分"]
EN_TERMS = ["softmax", "relu", "torch", "jax", "sigmoid", "dropout", "transformer",
            "lenet", "resnet", "gru", "lstm", "adam", "mnist", "batch"]
NONSENSE = ["量子纠缠", "不存在的词汇xyz", "卷积注意力过拟合", "qzxwvutsr", "蜂鸟优化器",
            "汇聚层梯度消失了吗", "xyzzyplugh", "深度学习之外的外星文字", "ζζζ", "9f8e7d6c5b"]
AXE_PAGES = ["index.html", "search.html?q=%E5%8D%B7%E7%A7%AF",
             "chapter_preliminaries/linear-algebra.html",
             "chapter_linear-classification/softmax-regression.html",
             "chapter_builders-guide/index.html",
             "chapter_convolutional-neural-networks/conv-layer.html",
             "chapter_recurrent-neural-networks/rnn.html",
             "chapter_attention-mechanisms-and-transformers/transformer.html",
             "chapter_notation/index.html", "chapter_references/zreferences.html"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from d2lbook.errors import Diagnostics
    from d2lbook.outputs.html import build_html
    from d2lbook.outputs.pkg import build_pkg
    from d2lbook.resolve import resolve
    from d2lbook.source.parse import load_book

    tmp = tmp_path_factory.mktemp("book_site")
    diags = Diagnostics()
    book = load_book(BOOK, diags)
    book.config.output_dir = tmp / "build"  # nothing is written into the checkout
    refs = resolve(book, diags)
    zips = build_pkg(book, refs, book.config.tabs, diags)
    out = tmp / "site"
    report = build_html(book, refs, out, results=None, diags=diags, search=True,
                        notebooks_dir=tmp / "build" / "notebooks")
    assert report.search == "built"
    handler = functools.partial(_Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"out": out, "base": f"http://127.0.0.1:{server.server_port}/", "zips": zips,
           "book": book}
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(site, tmp_path_factory):
    base = site["base"]
    outside: list[str] = []
    errors: list[str] = []
    with playwright_api.sync_playwright() as pw:
        ctx = launch(pw, tmp_path_factory.mktemp("profile"),
                     viewport={"width": 1400, "height": 900})

        def route(r):
            u = r.request.url
            if u.startswith((base, "data:", "file:")) or u == "about:blank":
                r.continue_()
            else:
                outside.append(u)
                r.abort()

        ctx.route("**/*", route)
        ctx.on("weberror", lambda e: errors.append(str(e.error)))
        ctx.outside, ctx.errors = outside, errors
        yield ctx
        ctx.close()


def open_page(ctx, base: str, path: str):
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    page.goto(base + path)
    page.wait_for_load_state("load")
    return page


def shot(page, name: str, full: bool = False) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=full)
    return path


# The text a reader can find on each page, computed in the browser's DOM independently of
# the index: the article, without what is marked data-pagefind-ignore (buttons, outputs),
# each formula as its TeX source.
PAGE_TEXT_JS = """async (urls) => {
  const out = {};
  for (const u of urls) {
    const html = await (await fetch(u)).text();
    const doc = new DOMParser().parseFromString(html, "text/html");
    const art = doc.querySelector("[data-pagefind-body]");
    if (!art) { continue; }
    for (const k of art.querySelectorAll(".katex")) {
      const a = k.querySelector('annotation[encoding="application/x-tex"]');
      k.replaceWith(doc.createTextNode(a ? a.textContent : ""));
    }
    for (const e of art.querySelectorAll("[data-pagefind-ignore]")) { e.remove(); }
    out[u] = art.textContent.replace(/\\s+/g, " ").toLowerCase();
  }
  return out;
}"""


def search_all(page, base: str, query: str) -> list[str]:
    """Every result of ``query`` (all pages of results), as site-relative page paths."""
    from urllib.parse import quote

    page.goto(base + "search.html?q=" + quote(query))
    page.wait_for_selector(".search-page[data-ready]")
    found: list[str] = []
    while True:
        hrefs = page.eval_on_selector_all("#search-results a.search-hit",
                                          "els => els.map(e => e.getAttribute('href'))")
        found += hrefs
        nxt = page.locator("#search-pager .search-next")
        if not nxt.count() or nxt.is_disabled():
            break
        nxt.click()
    return [re.sub(r"[?#].*$", "", h) for h in found]


def test_search_recall_is_one_and_nonsense_finds_nothing(site, browser):
    out, base = site["out"], site["base"]
    urls = [p.relative_to(out).as_posix() for p in sorted(out.rglob("*.html"))]
    page = open_page(browser, base, "search.html")
    texts = page.evaluate(PAGE_TEXT_JS, urls)
    assert len(texts) >= 80  # every section of the book
    times = []
    for term in ZH_TERMS + EN_TERMS:
        want = sorted(u for u, t in texts.items() if term.lower() in t)
        assert want, f"{term!r} occurs nowhere: choose another term"
        got = search_all(page, base, term)
        assert len(got) == len(set(got)), f"{term!r}: a page listed twice"
        assert sorted(got) == want, f"{term!r}: search {len(got)} pages, text {len(want)}"
        times.append(page.evaluate("q => window.d2lbookSearch(q).ms", term))
    assert len(ZH_TERMS) >= 30 and len(EN_TERMS) >= 10
    for term in NONSENSE:
        assert not any(term.lower() in t for t in texts.values())
        assert search_all(page, base, term) == []
        assert "没有找到" in page.inner_text("#search-status")
    # several words: pages holding all of them
    want = sorted(u for u, t in texts.items() if "卷积" in t and "注意力" in t)
    assert want and sorted(search_all(page, base, "卷积 注意力")) == want
    index = out / "_static" / "search-index.js"
    page.goto(base + "search.html?q=x")
    page.wait_for_selector(".search-page[data-ready]")
    loaded = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "search-metrics.json").write_text(json.dumps(
        {"index_bytes": index.stat().st_size, "queries": len(times),
         "median_ms": statistics.median(times), "max_ms": max(times),
         "search_page_load_ms": loaded}))
    print(f"search index {index.stat().st_size} bytes; median query "
          f"{statistics.median(times):.2f} ms in Chromium")
    assert browser.errors == [] and browser.outside == []


def test_search_pages_links_to_the_section_and_highlights(site, browser):
    base = site["base"]
    page = open_page(browser, base, "search.html?q=%E5%8D%B7%E7%A7%AF")  # 卷积
    page.wait_for_selector(".search-page[data-ready]")
    n = int(page.get_attribute(".search-page", "data-hits"))
    assert n > 20  # more than one page of results
    assert page.locator("#search-results a.search-hit").count() == 20
    assert page.locator("#search-pager .search-next").is_enabled()
    assert "<mark>卷积</mark>" in page.inner_html("#search-results")
    shot(page, "search-results.png")
    # inline math of an excerpt is rendered, not TeX source
    page.goto(base + "search.html?q=%E6%A0%87%E9%87%8F")  # 标量
    page.wait_for_selector(".search-page[data-ready]")
    assert page.locator("#search-results .search-excerpt .katex").count() >= 1
    assert "\\mathbb" not in page.inner_text("#search-results")
    # a hit in a subsection opens that subsection, with the words highlighted
    page.goto(base + "search.html?q=%E6%B1%87%E8%81%9A%E5%B1%82")  # 汇聚层
    page.wait_for_selector(".search-page[data-ready]")
    hrefs = page.eval_on_selector_all("a.search-hit", "els => els.map(e => e.href)")
    assert any("#" in h for h in hrefs)
    target = next(h for h in hrefs if "#" in h)
    page.goto(target)
    page.wait_for_selector("mark.search-highlight.current")
    box = page.locator("mark.search-highlight.current").bounding_box()
    assert box and 0 <= box["y"] <= 900
    assert page.inner_text("mark.search-highlight.current") == "汇聚层"
    shot(page, "search-arrival.png")
    assert browser.errors == [] and browser.outside == []


def test_search_works_from_disk(site, browser):
    page = browser.new_page()
    try:
        page.goto((site["out"] / "search.html").as_uri() + "?q=softmax")
        page.wait_for_selector(".search-page[data-ready]")
        assert page.locator("#search-results a.search-hit").count() > 0
    finally:
        page.close()


def test_page_table_of_contents(site, browser):
    base = site["base"]
    path = "chapter_linear-regression/oo-design.html"
    page = open_page(browser, base, path)
    toc = page.locator(".page-toc")
    assert toc.is_visible()
    links = page.eval_on_selector_all(".page-toc a",
                                      "els => els.map(e => decodeURIComponent(e.hash))")
    ids = page.eval_on_selector_all("article h2[id], article h3[id]",
                                    "els => els.map(e => '#' + e.id)")
    assert links == ids and len(links) >= 3
    # a right rail beside the text
    tb, cb = toc.bounding_box(), page.locator("article").bounding_box()
    assert tb["x"] >= cb["x"] + cb["width"] - 1
    # the section in view is highlighted
    third = links[2]
    page.evaluate("id => document.getElementById(id).scrollIntoView()", third[1:])
    page.wait_for_timeout(200)
    assert page.eval_on_selector(".page-toc a.active", "e => decodeURIComponent(e.hash)") == third
    shot(page, "page-toc.png")
    # on a phone it is collapsed and opens on request
    page.set_viewport_size({"width": 390, "height": 800})
    page.reload()
    assert page.locator(".page-toc summary").is_visible()
    assert not page.locator(".page-toc ul").is_visible()
    page.click(".page-toc summary")
    assert page.locator(".page-toc ul").is_visible()
    shot(page, "page-toc-phone.png")
    page.set_viewport_size({"width": 1400, "height": 900})
    assert browser.errors == [] and browser.outside == []


def test_downloads(site, browser):
    out, base, book = site["out"], site["base"], site["book"]
    for tab, z in zip(book.config.tabs, site["zips"], strict=True):
        with zipfile.ZipFile(z) as zf:
            names = zf.namelist()
        assert f"d2l-zh-{tab}/chapter_preliminaries/linear-algebra.ipynb" in names
    page = open_page(browser, base, "chapter_preliminaries/linear-algebra.html")
    zips = page.eval_on_selector_all(".site-downloads a.download-zip",
                                     "els => els.map(e => e.getAttribute('href'))")
    assert [Path(u).name for u in zips] == [z.name for z in site["zips"]]
    for u in zips:
        assert (out / "chapter_preliminaries" / u).resolve().is_file()
    # per page, for the chosen tab
    nb = page.locator(".page-tools a.download-notebook:visible")
    assert nb.count() == 1 and "下载笔记本" in nb.inner_text()
    assert (out / "chapter_preliminaries" / nb.get_attribute("href")).resolve().is_file()
    colab = page.locator(".page-tools a.open-colab:visible")
    assert colab.count() == 1 and "在 Colab 中打开" in colab.inner_text()
    assert colab.get_attribute("href") == (
        "https://colab.research.google.com/github/d2l-community/d2l-zh-pytorch-colab/"
        "blob/master/chapter_preliminaries/linear-algebra.ipynb")
    # the PDF link appears once a PDF has been built (none here)
    assert page.locator(".site-downloads a.download-pdf").count() == 0


def _fallback_page(out: Path) -> str:
    for p in sorted(out.rglob("*.html")):
        m = re.search(r'data-page-tabs="([^"]*)"', p.read_text(encoding="utf-8")[:2000])
        if m and m.group(1) == "pytorch":
            return p.relative_to(out).as_posix()
    pytest.skip("every page has JAX code")


def test_tab_fallback_note(site, browser):
    out, base = site["out"], site["base"]
    path = _fallback_page(out)
    page = open_page(browser, base, path)
    page.click(".framework-switch .tab-button[data-tab='jax']")
    note = page.locator(".tab-fallback-note:visible")
    assert note.count() == 1
    assert note.inner_text() == "本节暂无 JAX 版本，下面显示 PyTorch 代码。"
    # the note is at the top, before the text
    assert note.bounding_box()["y"] < page.locator("article h1").bounding_box()["y"]
    assert page.locator(".tab-group pre:visible").count() >= 1
    assert page.locator(".tab-absent:visible").count() == 0
    sw = page.locator(".framework-switch .tab-button[data-tab='jax']")
    assert "absent" in sw.get_attribute("class") and sw.get_attribute("aria-pressed") == "true"
    # a page with JAX code shows JAX
    page = open_page(browser, base, "chapter_preliminaries/ndarray.html")
    assert page.evaluate("document.documentElement.dataset.tab") == "jax"
    assert page.locator(".tab-fallback-note:visible").count() == 0
    page.click(".framework-switch .tab-button[data-tab='pytorch']")
    assert browser.errors == [] and browser.outside == []


WIDE_JS = """() => [...document.querySelectorAll('.math-display.numbered')]
    .filter(b => { const m = b.querySelector('.math-body');
                   return m.scrollWidth > m.clientWidth + 1; }).map(b => b.id)"""


def test_phone_math_copy_button_and_title(site, browser):
    out, base = site["out"], site["base"]
    page = open_page(browser, base, "index.html")
    page.set_viewport_size({"width": 375, "height": 740})
    # the book title is visible
    page.reload()
    title = page.locator(".brand-title")
    assert title.is_visible() and title.bounding_box()["width"] > 40
    # a page with a numbered display formula wider than a phone
    wide: list[str] = []
    for p in sorted(out.rglob("*.html")):
        if 'class="math-display numbered"' in p.read_text(encoding="utf-8"):
            page = open_page(browser, base, p.relative_to(out).as_posix())
            wide = [w for w in page.evaluate(WIDE_JS) if w]
            if wide:
                break
    assert wide, "no numbered display formula is wider than a phone"
    # it scrolls inside its box, shows a cue, keeps its number on screen
    for box_id in wide[:3]:
        box = page.locator(f"[id='{box_id}']")
        assert "scrolls" in box.get_attribute("class")
        box.scroll_into_view_if_needed()
        eq = page.locator(f"[id='{box_id}'] .eqno").bounding_box()
        assert eq and eq["width"] > 0 and eq["x"] + eq["width"] <= 375
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    page.locator(f"[id='{wide[0]}']").scroll_into_view_if_needed()
    shot(page, "phone-math.png")
    # the copy button never covers code: it sits above the first line of text
    page = open_page(browser, base, "chapter_preliminaries/linear-algebra.html")
    overlaps = page.evaluate("""() => [...document.querySelectorAll('.code')].slice(0, 20)
        .map(c => { const b = c.querySelector('.copy-button').getBoundingClientRect();
                    const code = c.querySelector('pre code');
                    const r = document.createRange(); r.selectNodeContents(code);
                    const first = r.getClientRects()[0];
                    return first ? b.bottom > first.top && b.top < first.bottom
                                   && b.right > first.left : false; })
        .filter(Boolean).length""")
    assert page.locator(".code").count() > 0 and overlaps == 0
    shot(page, "phone-code.png")
    page.set_viewport_size({"width": 1400, "height": 900})
    assert browser.errors == [] and browser.outside == []


def test_every_image_has_alt_text(site):
    out = site["out"]
    n = 0
    for p in out.rglob("*.html"):
        for tag in re.findall(r"<img\b[^>]*>", p.read_text(encoding="utf-8")):
            if 'class="' in tag and "brand" in tag:
                continue
            n += 1
            m = re.search(r'alt="([^"]*)"', tag)
            assert m and m.group(1).strip(), f"{p.relative_to(out)}: {tag}"
    assert n >= 30


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is not installed (npm ci)")
def test_axe_finds_no_serious_violation(site, browser):
    out, base = site["out"], site["base"]
    source = AXE.read_text(encoding="utf-8")
    # the representative pages that exist, topped up to ten from the rest of the book
    pages = [p for p in AXE_PAGES if (out / p.split("?")[0]).is_file()]
    for p in sorted(out.rglob("*.html")):
        if len(pages) >= 10:
            break
        rel = p.relative_to(out).as_posix()
        if rel not in pages:
            pages.append(rel)
    assert len(pages) == 10
    problems = []
    for path in pages:
        page = open_page(browser, base, path)
        page.add_script_tag(content=source)
        res = page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.length + ' e.g. '
                   + v.nodes[0].target.join(' '));
        }""")
        problems += [f"{path}: {x}" for x in res]
    # the dark theme too, on the pages with the most colours
    for path in ("search.html?q=%E5%8D%B7%E7%A7%AF", "chapter_preliminaries/linear-algebra.html"):
        page = open_page(browser, base, path)
        page.evaluate("document.documentElement.setAttribute('data-theme', 'dark')")
        page.add_script_tag(content=source)
        res = page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.length);
        }""")
        problems += [f"{path} (dark): {x}" for x in res]
    assert problems == [], "\n".join(problems)


def test_search_page_without_index_says_so(browser, tmp_path):
    import shutil

    from d2lbook.cli import main

    root = tmp_path / "book"
    shutil.copytree(REPO / "tests" / "books" / "html_basic", root)
    assert main(["build", "html", "--book", str(root), "--no-search"]) == 0
    page = browser.new_page()
    try:
        page.goto((root / "_build" / "html" / "search.html").as_uri() + "?q=蜂鸟")
        page.wait_for_selector(".search-page[data-ready]")
        assert "搜索索引尚未生成" in page.inner_text("#search-status")
        assert page.locator("#search-results li").count() == 0
    finally:
        page.close()
