"""Size: a page does not grow with the number of its sibling sections."""

from __future__ import annotations

from hostile import Sandbox


def chapter_book(box: Sandbox, n: int) -> None:
    files = {"index.md": "# 书\n\n```toc\n:numbered:\n\nchapter_big/index\n```\n"}
    names = [f"s{i:05d}" for i in range(n)]
    files["chapter_big/index.md"] = "# 大章\n\n```toc\n" + "\n".join(names) + "\n```\n"
    for name in names:
        files[f"chapter_big/{name}.md"] = f"# 小节 {name}\n\n正文。\n"
    box.write(files)


def page_sizes(box: Sandbox, n: int) -> dict[str, int]:
    chapter_book(box, n)
    r = box.run("build", "html", "--no-search", "--no-outputs")
    assert r.rc == 0, r.text
    html = box.build / "html" / "chapter_big"
    return {p.stem: p.stat().st_size for p in html.glob("s*.html")}


def test_section_pages_do_not_grow_with_the_number_of_siblings(box: Sandbox):
    few = page_sizes(box, 80)
    many = page_sizes(box, 320)
    # first, middle and last sections of the small chapter against the same in the large
    for name in ("s00000", "s00040", "s00079"):
        assert many[name] <= few[name] * 1.1, (name, few[name], many[name])
    # the whole site is linear in the number of sections
    assert max(many.values()) <= max(few.values()) * 1.1
