"""The website in a real browser: headless Chromium driven by Playwright.

The site of tests/books/html_basic is built (with its search index) and served
by a local http.server on 127.0.0.1; every request the pages make is recorded and
anything outside that server is blocked and reported. Skipped when Chromium or
Playwright is missing (CI installs both).

A screenshot of one page is saved to $D2LBOOK_ARTIFACTS (default: a temporary
folder; its path is printed).
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest
from chromium import CHROMIUM, available, launch

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not available():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)",
                allow_module_level=True)

from test_html import CODE, basic_book, basic_results  # noqa: E402

# one worker builds and serves the site for all of them
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("html_browser")]
HB = "chapter_search/hummingbird"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    root, nbdir = basic_book(tmp)
    out = tmp / "site"
    from d2lbook.errors import Diagnostics
    from d2lbook.outputs.html import build_html
    from d2lbook.resolve import resolve
    from d2lbook.source.parse import load_book

    diags = Diagnostics()
    book = load_book(root, diags)
    refs = resolve(book, diags)
    report = build_html(book, refs, out, results=basic_results(), diags=diags, search=True,
                        notebooks_dir=nbdir)
    if report.search != "built":
        pytest.fail(f"search index not built ({report.search}): "
                    + "; ".join(str(d) for d in diags.items))
    handler = functools.partial(_Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield out, f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


class Browser:
    """One Chromium with a fresh profile; records requests and console errors."""

    def __init__(self, pw, base: str, profile: Path, **context_args):
        self.base = base
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context = launch(pw, profile, **context_args)
        self.context.route("**/*", self._route)
        self.context.on("console", self._console)
        self.context.on("weberror", lambda e: self.errors.append(f"pageerror: {e.error}"))

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        if url.startswith(self.base) or url.startswith("data:") or url == "about:blank":
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def _console(self, msg):
        if msg.type == "error":
            self.errors.append(f"console: {msg.text} ({msg.location.get('url', '')})")

    def page(self, path: str):
        page = self.context.pages[0] if self.context.pages else self.context.new_page()
        page.goto(self.base + path)
        page.wait_for_load_state("load")
        return page

    def close(self):
        if self.context is not None:
            self.context.close()
            self.context = None


@pytest.fixture(scope="module")
def pw():
    with playwright_api.sync_playwright() as p:
        yield p


@pytest.fixture
def browser(served, pw, tmp_path):
    out, base = served
    b = Browser(pw, base, tmp_path / "profile", viewport={"width": 1280, "height": 900})
    yield b
    b.close()


def visible_text(page, selector: str) -> str:
    return page.eval_on_selector_all(
        selector, "els => els.filter(e => e.offsetParent !== null)"
                  ".map(e => e.innerText).join('\\n')")


def test_choosing_jax_shows_jax_on_the_next_page_and_next_visit(pw, browser, tmp_path):
    page = browser.page(CODE + ".html")
    assert page.evaluate("document.documentElement.dataset.tab") == "pytorch"
    code = visible_text(page, ".tab-group pre")
    assert "torch.arange(12)" in code and "jnp.arange" not in code
    # choose JAX in one group: every group on the page follows
    page.locator(".tab-group .tab-button[data-tab='jax']").first.click()
    code = visible_text(page, ".tab-group pre")
    assert "jnp.arange(12)" in code and "jnp.ones(3)" in code and "torch" not in code
    assert "JAX 的数组是不可变的" in visible_text(page, ".tab-group")
    assert "discuss.example.org/t/1002" in page.eval_on_selector_all(
        ".tab-group a", "els => els.filter(e => e.offsetParent !== null).map(e => e.href)"
                        ".join(' ')")
    tools = visible_text(page, ".page-tools a")
    assert "JAX" in tools and "PyTorch" not in tools
    assert page.locator(".framework-switch .tab-button[data-tab='jax']").get_attribute(
        "aria-pressed") == "true"
    # a group without TensorFlow says so
    page.locator(".framework-switch .tab-button[data-tab='tensorflow']").click()
    assert "这一部分没有 TensorFlow 版本。" in visible_text(page, ".tab-group .tab-absent")
    assert "import tensorflow as tf" in visible_text(page, ".tab-group pre")
    page.locator(".framework-switch .tab-button[data-tab='jax']").click()
    # the next page shows JAX
    page.goto(browser.base + HB + ".html")
    code = visible_text(page, ".tab-group pre")
    assert "jnp.zeros(2)" in code and "torch" not in code
    browser.close()
    # a later visit (same profile, new browser) still shows JAX
    again = Browser(pw, browser.base, tmp_path / "profile")
    try:
        page = again.page(HB + ".html")
        assert page.evaluate("document.documentElement.dataset.tab") == "jax"
        assert "jnp.zeros(2)" in visible_text(page, ".tab-group pre")
        # a link can choose the framework: ?tab=tensorflow
        page = again.page(CODE + ".html?tab=tensorflow")
        assert "import tensorflow as tf" in visible_text(page, ".tab-group pre")
        page = again.page(HB + ".html")
        # that page has no TensorFlow code: it shows PyTorch under a note
        assert page.evaluate("document.documentElement.dataset.tabPref") == "tensorflow"
        assert page.evaluate("document.documentElement.dataset.tab") == "pytorch"
        assert "本节暂无 TensorFlow 版本" in visible_text(page, ".tab-fallback-note")
        assert again.errors == [] and again.outside == []
    finally:
        again.close()


def test_search_finds_a_chinese_word(browser):
    page = browser.page(CODE + ".html")
    page.fill(".topbar .search-form input", "蜂鸟")
    page.press(".topbar .search-form input", "Enter")
    page.wait_for_selector(".search-hit", timeout=20000)
    hits = page.eval_on_selector_all(".search-hit", "els => els.map(e => [e.href, e.innerText])")
    assert hits[0][0].split("?")[0].endswith(HB + ".html")
    assert "蜂鸟优化器" in hits[0][1]
    # the section itself first, then the contents pages that list its title
    assert sorted(h[0].split("?")[0].split("/", 3)[3] for h in hits) == [
        HB + ".html", "chapter_search/index.html", "index.html"]
    assert "<mark>蜂鸟</mark>" in page.inner_html("#search-results")
    page.fill("#search-input", "qzxqzx")
    page.wait_for_function("document.getElementById('search-status').innerText"
                           ".includes('没有找到')", timeout=20000)
    assert browser.errors == [] and browser.outside == []


def test_math_is_rendered_without_raw_tex(browser):
    page = browser.page("chapter_basics/math.html")
    n = page.locator("article .katex").count()
    assert n >= 6
    assert page.locator("article .katex-display").count() == 3
    text = page.inner_text("article")
    assert "$" not in text and "\\frac" not in text and "\\mathbf" not in text
    # KaTeX's own fonts, served by the site, are in use
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px KaTeX_Main')")
    box = page.locator("#eq_square_loss .katex-html").bounding_box()
    assert box and box["width"] > 100 and box["height"] > 20
    assert page.inner_text("#eq_square_loss .eqno").startswith("(1.1)")
    assert browser.errors == [] and browser.outside == []


def test_every_page_loads_cleanly_and_only_from_the_site(served, browser):
    out, base = served
    pages = sorted(str(p.relative_to(out)) for p in out.rglob("*.html")
                   if "pagefind" not in p.parts)
    assert len(pages) >= 9
    for path in pages:
        browser.page(path)
    assert browser.errors == []
    assert browser.outside == []
    assert all(u.startswith(base) for u in browser.requests if not u.startswith("data:"))
    assert any(u.endswith(".woff2") for u in browser.requests)  # KaTeX fonts from the site


def test_copy_dark_mode_long_output_and_mobile_menu(served, browser):
    browser.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                      origin=browser.base.rstrip("/"))
    page = browser.page(CODE + ".html")
    button = page.locator(".cell .copy-button").first
    page.locator(".cell .code").first.hover()
    button.click()
    page.wait_for_function("document.querySelector('.cell .copy-button').innerText === '已复制'")
    assert page.evaluate("navigator.clipboard.readText()") == "import torch"
    # long outputs are collapsed and open on request
    long = page.locator(".output-long").first
    assert "collapsed" in long.get_attribute("class")
    long.locator(".output-toggle").click()
    assert "collapsed" not in long.get_attribute("class")
    # dark mode, remembered
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.click(".theme-toggle")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != bg
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    # printing shows the chosen framework's code only, without navigation
    page.emulate_media(media="print")
    assert not page.locator("#sidebar").is_visible()
    assert not page.locator(".tab-bar").first.is_visible()
    assert "torch.arange(12)" in visible_text(page, ".tab-group pre")
    assert "jnp.arange" not in visible_text(page, ".tab-group pre")
    page.emulate_media(media="screen")
    # phone-sized window: the sidebar is a menu
    page.set_viewport_size({"width": 390, "height": 800})
    page.wait_for_timeout(400)  # the sidebar slides away
    assert not page.locator("#sidebar").is_visible() or page.evaluate(
        "document.getElementById('sidebar').getBoundingClientRect().right <= 0")
    page.click(".menu-button")
    page.wait_for_timeout(300)
    assert page.evaluate("document.getElementById('sidebar').getBoundingClientRect().left") >= 0
    assert browser.errors == [] and browser.outside == []


def test_screenshot_artifact(served, browser, tmp_path_factory):
    dest = Path(os.environ.get("D2LBOOK_ARTIFACTS") or tmp_path_factory.mktemp("artifacts"))
    dest.mkdir(parents=True, exist_ok=True)
    page = browser.page(CODE + ".html")
    path = dest / "html-code-page.png"
    page.screenshot(path=str(path), full_page=True)
    page = browser.page("chapter_basics/math.html")
    page.screenshot(path=str(dest / "html-math-page.png"), full_page=False)
    print(f"screenshots: {path} and {dest / 'html-math-page.png'}")
    assert path.stat().st_size > 10_000
