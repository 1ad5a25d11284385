"""The generated API page (d2lbook/outputs/apidoc.py): eval_rst API blocks become tables."""

from __future__ import annotations

import argparse

import pytest

from d2lbook.cli import load, main
from d2lbook.errors import Diagnostics
from d2lbook.outputs.apidoc import expand_api_blocks, saved_names
from d2lbook.source.apiblock import is_api_block
from d2lbook.source.model import CodeSpan, Raw, Ref, Table, Text

LIB = '''# Lib
:label:`sec_lib`

```{.python .input}
%%tab pytorch
import torch  #@save

def first(x):  #@save
    """Return the first item.

    More text that is not part of the summary.
    """
    return x[0]

class Box:  #@save
    """A box."""
    pass

@d2l.add_to_class(Box)  #@save
def open(self):
    """A method, not a top-level name."""

LIMIT = 3  #@save
square = lambda x: x * x  #@save

def _private():  #@save
    pass
```
'''

API = '''# API
:label:`sec_api`

```eval_rst
.. currentmodule:: d2l.torch
.. d2l-api::
```
'''


def _load(root):
    diags = Diagnostics()
    book, refs = load(argparse.Namespace(book=str(root), strict=False), diags)
    return book, diags


def test_is_api_block():
    assert is_api_block(".. currentmodule:: d2l.torch\n.. d2l-api::\n")
    assert is_api_block(".. autoclass:: Module\n   \n.. autofunction:: add_to_class")
    assert is_api_block(".. currentmodule:: d2l.torch\n")  # sets the module for later blocks
    assert is_api_block("\n.. autoclass:: Module\n   :members:\n\n.. autoclass:: Trainer\n")
    assert not is_api_block(".. raw:: html\n")
    assert not is_api_block(".. autoclass:: Module\n:members:\n")  # not an option line
    assert not is_api_block("text\n.. autoclass:: Module\n")


def test_saved_names_kinds_summaries_and_sections(make_book):
    root = make_book({"lib.md": LIB, "api.md": API})
    book, _ = _load(root)
    names = saved_names(book, "pytorch")
    assert list(names) == ["first", "Box", "LIMIT", "square"]
    assert names["first"] == ("function", "Return the first item.", "sec_lib")
    assert names["Box"] == ("class", "A box.", "sec_lib")
    assert names["LIMIT"][0] == "value" and names["square"][0] == "function"


def test_api_page_becomes_a_table_with_numrefs(make_book):
    root = make_book({"lib.md": LIB, "api.md": API})
    book, diags = _load(root)
    assert not diags.errors
    table = next(b for b in book.sections["api"].blocks if isinstance(b, Table))
    assert [h[0].text for h in table.header] == ["名称", "类型", "说明", "定义于"]
    first = table.rows[0]
    assert first[0] == [CodeSpan("d2l.first")] and first[1] == [Text("函数")]
    assert isinstance(first[3][0], Ref) and first[3][0].label == "sec_lib"
    assert not any(isinstance(b, Raw) for b in book.sections["api"].blocks)


def test_autoclass_form_and_unknown_names(make_book):
    page = API.replace(".. d2l-api::", ".. autoclass:: Box\n.. autofunction:: missing")
    root = make_book({"lib.md": LIB, "api.md": page})
    book, diags = _load(root)
    assert not diags.errors
    assert any("'missing' is not a public name" in str(d) and "api.md:7" in str(d)
               for d in diags.warnings)
    table = next(b for b in book.sections["api"].blocks if isinstance(b, Table))
    assert [r[0] for r in table.rows] == [[CodeSpan("d2l.Box")]]


def test_unknown_module_is_an_error(make_book):
    root = make_book({"lib.md": LIB, "api.md": API.replace("d2l.torch", "d2l.mxnet")})
    book, diags = _load(root)
    assert any("no library for module 'd2l.mxnet'" in str(d) for d in diags.errors)


def test_html_page_lists_names_with_section_numbers(make_book, tmp_path):
    root = make_book({"lib.md": LIB, "api.md": API})
    out = tmp_path / "site"
    assert main(["build", "html", "--book", str(root), "--no-search", "--out", str(out)]) == 0
    page = (out / "api.html").read_text(encoding="utf-8")
    assert "d2l.first" in page and "Return the first item." in page
    assert "More text" not in page and "_private" not in page
    assert "A method, not a top-level name" not in page


@pytest.mark.parametrize("lang,header", [("en", "Name"), ("zh", "名称")])
def test_headers_follow_the_book_language(make_book, lang, header):
    cfg = (f"[project]\nname = t\nlang = {lang}\n[build]\ntabs = pytorch\n"
           "[library-pytorch]\nlib_file = lib/torch.py\nlib_name = torch\n")
    root = make_book({"lib.md": LIB, "api.md": API}, config=cfg)
    book, _ = _load(root)
    diags = Diagnostics()
    expand_api_blocks(book, diags)  # idempotent: nothing left to expand
    table = next(b for b in book.sections["api"].blocks if isinstance(b, Table))
    assert table.header[0][0].text == header


def test_module_set_in_an_earlier_block_inside_a_tab(make_book):
    """d2l-en's form: currentmodule in its own block (in a tab block), autoclass later."""
    page = ("# API\n:label:`sec_api`\n\n:begin_tab:`pytorch`\n\n```eval_rst\n\n"
            ".. currentmodule:: d2l.torch\n\n```\n\n:end_tab:\n\n## Classes\n\n"
            "```eval_rst\n\n.. autoclass:: Box\n   :members:\n\n"
            ".. autofunction:: first\n\n```\n")
    root = make_book({"lib.md": LIB, "api.md": page})
    book, diags = _load(root)
    assert not diags.errors and not diags.warnings
    tables = [b for b in book.sections["api"].blocks if isinstance(b, Table)]
    assert [r[0] for r in tables[0].rows] == [[CodeSpan("d2l.Box")], [CodeSpan("d2l.first")]]
