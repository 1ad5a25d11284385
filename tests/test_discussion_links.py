"""Discussion links: generated from ``[html] discussion``, never typed into the book."""

from __future__ import annotations

import re
from pathlib import Path

from test_html import basic_book, basic_results, build

BOOK = Path(__file__).resolve().parents[1] / "book"


def with_discussion(root: Path, value: str) -> None:
    cfg = root / "config.ini"
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(text.replace("[html]\n", f"[html]\ndiscussion = {value}\n", 1),
                   encoding="utf-8")


def test_each_section_links_to_its_discussion(tmp_path):
    root, nbdir = basic_book(tmp_path)
    with_discussion(root, "https://github.com/example/book/discussions?q={label}&p={path}")
    out = tmp_path / "site"
    _, diags = build(root, out, basic_results(), notebooks_dir=nbdir)
    assert [str(d) for d in diags.items] == []
    page = (out / "chapter_basics/code.html").read_text(encoding="utf-8")
    links = re.findall(r'<p class="discussion"><a href="([^"]+)">', page)
    assert links == ["https://github.com/example/book/discussions?q=sec_code"
                     "&amp;p=chapter_basics%2Fcode"]
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'class="discussion"' not in home


def test_no_setting_no_links_and_bad_setting_warns(tmp_path):
    root, nbdir = basic_book(tmp_path)
    out = tmp_path / "site"
    build(root, out, basic_results(), notebooks_dir=nbdir)
    assert 'class="discussion"' not in (out / "chapter_basics/code.html").read_text("utf-8")
    with_discussion(root, "https://example.org/t/{number}")
    _, diags = build(root, tmp_path / "site2", basic_results(), notebooks_dir=nbdir)
    msgs = [str(d) for d in diags.items]
    assert any("[html] discussion" in m and "{label}" in m for m in msgs), msgs
    page = (tmp_path / "site2/chapter_basics/code.html").read_text("utf-8")
    assert 'class="discussion"' not in page


def test_book_has_no_hand_typed_discussion_urls():
    offenders = []
    for md in sorted(BOOK.rglob("*.md")):
        if "_build" in md.parts:
            continue
        for n, line in enumerate(md.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"discuss\.d2l\.ai|\[讨论\]\(", line):
                offenders.append(f"{md.relative_to(BOOK)}:{n}")
    assert offenders == []
