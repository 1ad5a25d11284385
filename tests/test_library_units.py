"""Units of the library builder: where the "Defined in" note goes."""

from __future__ import annotations

import ast

from d2lbook.outputs.library import _docstring_note

NOTE = "Defined in :numref:`sec_x`"


def _doc(code: str) -> str | None:
    return ast.get_docstring(ast.parse(code).body[0])


def test_note_becomes_the_docstring_above_comments_that_open_the_body():
    code = "def f(x):\n    # a comment about the body\n    return x\n"
    out = _docstring_note(code, NOTE)
    assert _doc(out) == NOTE
    assert out.split("\n")[1] == f'    """{NOTE}"""'
    assert out.split("\n")[2] == "    # a comment about the body"


def test_note_joins_an_existing_docstring():
    out = _docstring_note('def f(x):\n    """Return x."""\n    return x\n', NOTE)
    assert _doc(out) == f"Return x.\n\n{NOTE}"


def test_multi_line_signature_with_a_comment_inside_stays_intact():
    code = "def f(a,\n      # why b\n      b):\n    # body\n    return a + b\n"
    out = _docstring_note(code, NOTE)
    assert _doc(out) == NOTE
    assert out.split("\n")[:4] == ["def f(a,", "      # why b", "      b):",
                                   f'    """{NOTE}"""']


def test_body_on_the_def_line_is_left_alone():
    assert _docstring_note("def f(x): return x\n", NOTE) == "def f(x): return x\n"


def test_one_quote_docstring_ending_in_three_quotes_stays_valid():
    # `"Doc."""` is "Doc." followed by an empty string: it ends in three quotes, but a
    # note inserted before them broke the code (hypothesis, test_mutated_golden_section)
    code = 'class C:\n    "Doc."""\n    x = 1\n'
    out = _docstring_note(code, NOTE)
    ast.parse(out)
    assert out == code
