"""The glossary ([build] glossary) and the check that flags variant terms."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from d2lbook.errors import Diagnostics
from d2lbook.source.glossary import check_glossary, find_variants, parse_glossary
from d2lbook.source.parse import load_book

BOOK = Path(__file__).resolve().parents[1] / "book"
CSV = "term,english,variants\n汇聚层,pooling layer,池化层\n强制教学,teacher forcing,教师强制|老师强制\n"


def terms():
    diags = Diagnostics()
    out = parse_glossary(CSV, "glossary.csv", diags)
    assert diags.items == []
    return out


def test_variants_in_prose_are_found_with_their_line():
    text = "# 标题\n\n训练时使用教师强制。\n\n池化层（也就是汇聚层）不算。\n\n老师强制也不行。\n"
    found = [(n, v, t.term) for n, v, t in find_variants(text, terms())]
    assert found == [(3, "教师强制", "强制教学"), (7, "老师强制", "强制教学")]


def test_code_inline_code_and_math_are_not_prose():
    text = ("```{.python .input}\n# 池化层\nx = '教师强制'\n```\n"
            "代码 `池化层` 与公式 $\\textrm{池化层}$ 不算。\n$$\n\\textrm{教师强制}\n$$\n"
            "~~~\n池化层\n~~~\n然后是池化层。\n$$\\begin{a}\n池化层\n\\end{a}$$\n又是池化层。\n")
    assert [(n, v) for n, v, _ in find_variants(text, terms())] == [(12, "池化层"), (16, "池化层")]


def test_bad_glossary_lines_are_errors_with_line_numbers():
    diags = Diagnostics()
    parse_glossary("term,english,variants\n汇聚层,pooling\n暂退法,dropout,暂退法\n"
                   "汇聚,pooling,汇聚层\n汇聚层,pooling layer,池化层\n", "g.csv", diags)
    msgs = [str(d) for d in diags.items]
    assert any("g.csv:2" in m and "3 columns" in m for m in msgs), msgs
    assert any("g.csv:3" in m and "its own variant" in m for m in msgs), msgs
    assert any("g.csv:4" in m and "itself a term" in m for m in msgs), msgs
    diags = Diagnostics()
    parse_glossary("word,english\n", "g.csv", diags)
    assert [str(d) for d in diags.items] and "g.csv:1" in str(diags.items[0])


@given(st.text(alphabet="汇聚层池化教师强制`$ \n#~x", max_size=80))
def test_check_never_crashes_and_reports_real_lines(text):
    lines = text.splitlines()
    for n, v, t in find_variants(text, terms()):
        assert 1 <= n <= len(lines)
        assert v in lines[n - 1] and t.term not in lines[n - 1]


def test_check_warns_on_a_book_section(tmp_path):
    root = tmp_path / "book"
    root.mkdir()
    (root / "config.ini").write_text("[project]\ntitle = t\n[build]\nglossary = g.csv\n",
                                     encoding="utf-8")
    (root / "g.csv").write_text(CSV, encoding="utf-8")
    (root / "index.md").write_text("# 书\n\n```toc\nsec\n```\n", encoding="utf-8")
    (root / "sec.md").write_text("# 一节\n\n这里用了池化层。\n", encoding="utf-8")
    diags = Diagnostics()
    book = load_book(root, diags)
    assert check_glossary(book, diags) == 1
    assert [str(d) for d in diags.warnings] == [
        "sec.md:3: warning: '池化层': the glossary's term is '汇聚层' (pooling layer)"]


def test_the_book_uses_only_glossary_terms():
    diags = Diagnostics()
    book = load_book(BOOK, diags)
    assert check_glossary(book, diags) == 0, [str(d) for d in diags.warnings]
    assert not diags.errors, [str(d) for d in diags.errors]
    assert book.config.get("build", "glossary") == "glossary.csv"
