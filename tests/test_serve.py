"""d2lbook serve: edits appear in an open page without a manual reload; a bad label shows
an error banner with file:line, and fixing it clears the banner; Ctrl-C stops it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from chromium import available, launch

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(not available(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "golden"
    shutil.copytree(Path(__file__).parent / "books" / "golden", root,
                    ignore=shutil.ignore_patterns("_build", "lib"))
    proc = subprocess.Popen([sys.executable, "-m", "d2lbook", "serve", "--port", "0",
                             "--book", str(root)], stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = None
    log: list[str] = []
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        log.append(line)
        m = re.search(r"serving (http://\S+/)", line)
        if m:
            url = m.group(1)
            break
    assert url, "".join(log)

    def collect() -> None:  # keep reading the log so that tests can wait for lines
        for line in proc.stderr:
            log.append(line)

    threading.Thread(target=collect, daemon=True).start()
    yield root, url, proc, log
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def page(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = launch(p, tmp_path / "profile")
        yield context.pages[0] if context.pages else context.new_page()
        context.close()


def test_live_reload_and_error_banner(server, page):
    root, url, proc, _ = server
    md = root / "chapter_one" / "basics.md"
    original = md.read_text(encoding="utf-8")
    page.goto(url + "chapter_one/basics.html")
    assert page.locator("#d2lbook-errors").count() == 0

    # an edit appears without a manual reload
    t0 = time.perf_counter()
    md.write_text(original.replace("这是 *强调*", "新写的句子XYZ。这是 *强调*"), encoding="utf-8")
    page.wait_for_selector("text=新写的句子XYZ", timeout=20000)
    elapsed = time.perf_counter() - t0
    print(f"save to reloaded page: {elapsed:.2f} s")

    # a bad label shows a banner naming file:line
    md.write_text(original.replace(":numref:`fig_box`", ":numref:`fig_nope`"), encoding="utf-8")
    banner = page.wait_for_selector("#d2lbook-errors", timeout=20000)
    assert "chapter_one/basics.md:5" in banner.inner_text()
    assert "fig_nope" in banner.inner_text()
    assert proc.poll() is None  # still serving

    # fixing it clears the banner
    md.write_text(original, encoding="utf-8")
    page.wait_for_selector("#d2lbook-errors", state="detached", timeout=20000)
    assert page.locator("text=新写的句子XYZ").count() == 0

    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 0


def test_search_index_follows_edits(server, page):
    """The index is rebuilt in the background after edits pause; a new word is found."""
    root, url, proc, log = server
    md = root / "chapter_one" / "basics.md"
    original = md.read_text(encoding="utf-8")
    before = sum("search index" in line for line in log)
    md.write_text(original.replace("这是 *强调*", "斑马鱼在水里游。这是 *强调*"), encoding="utf-8")
    deadline = time.time() + 60
    while time.time() < deadline and sum("search index" in ln for ln in log) == before:
        time.sleep(0.2)
    runs = [ln for ln in log if "search index" in ln][before:]
    assert runs and "search index built" in runs[0], "".join(log)
    page.goto(url + "index.html")
    page.fill(".topbar .search-form input", "斑马鱼")
    page.press(".topbar .search-form input", "Enter")
    page.wait_for_selector(".search-hit", timeout=20000)
    hrefs = page.eval_on_selector_all(".search-hit", "els => els.map(e => e.href)")
    assert any("chapter_one/basics.html" in h for h in hrefs), hrefs

