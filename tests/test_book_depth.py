"""bench/book_depth.py: what counts as prose, and the figure count."""

from __future__ import annotations

from bench.book_depth import figures, prose_chars, shared_rows


def test_prose_leaves_out_code_math_directives_and_other_tabs():
    text = ("# 标题\n:label:`sec_x`\n\n正文 a b。\n\n```{.python .input}\nx = 1\n```\n\n"
            "$$\ny = x\n$$\n\n![图](../img/a.svg)\n\n:begin_tab:`mxnet`\n不算\n:end_tab:\n\n"
            ":begin_tab:`pytorch`\n算\n:end_tab:\n:numref:`x`见。\n")
    # "#标题" (3) + "正文ab。" (5) + "算" (1) + ":numref:`x`见。" (13): a role starting a line
    assert prose_chars(text) == 22
    # a display-math block whose closing $$ ends a line of math
    assert prose_chars("$$\\begin{aligned}\na &= 1\n\\end{aligned}$$\n后文\n") == 2


def test_shared_sections_and_figures(tmp_path):
    ours, ref = tmp_path / "ours", tmp_path / "ref"
    (ours / "chapter_a").mkdir(parents=True)
    (ours / "img").mkdir()
    (ref / "chapter_b").mkdir(parents=True)
    (ours / "img" / "f.svg").write_text("<svg/>")
    (ours / "chapter_a" / "sec.md").write_text("# 一二\n\n![x](../img/f.svg)\n![y](../img/f.svg)\n")
    (ours / "chapter_a" / "only.md").write_text("# 只有我们\n")
    (ref / "chapter_b" / "sec.md").write_text("# 一二三四\n")
    (ref / "chapter_b" / "sec_origin.md").write_text("# English\n")
    rows = shared_rows(ours, ref)
    assert [(r.section, r.ref, r.ours, r.theirs) for r in rows] == [
        ("chapter_a/sec", ("chapter_b/sec",), 3, 5)]
    assert figures(ours) == {"f.svg"}
