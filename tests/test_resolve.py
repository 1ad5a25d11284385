"""The resolve step (d2lbook.resolve): one place for numbering, tab views, aliases and
references, and the bugs that came from outputs re-deriving them."""

from __future__ import annotations

import re
from pathlib import Path

from d2lbook.cli import main

CONFIG = ("[project]\nname = t\nlang = zh\n[build]\ntabs = pytorch, jax, tensorflow\n"
          "[library-pytorch]\nlib_file = lib/torch.py\nlib_name = torch\n"
          "simple_alias = {alias}\n")
CELL = "# A\n\nText.\n\n```{.python .input}\n%%tab all\ny = d2l.ones(3)\n```\n"
OTHER = "# B\n\nNo code here.\n"


def _html(root: Path, out: Path) -> None:
    assert main(["build", "html", "--book", str(root), "--out", str(out),
                 "--no-search"]) == 0


def _pane(page: str, tab: str) -> str:
    return page.split(f'<div class="tab-pane" data-tabs="{tab}">', 1)[1].split("</pre>")[0]


def test_changing_an_alias_in_config_rerenders_the_pages_that_use_it(make_book, tmp_path,
                                                                       capsys):
    root = make_book({"a.md": CELL, "b.md": OTHER}, config=CONFIG.format(alias="ones"))
    out = tmp_path / "site"
    _html(root, out)
    assert "torch" in _pane((out / "a.html").read_text(encoding="utf-8"), "pytorch")
    capsys.readouterr()
    b_before = (out / "b.html").stat().st_mtime_ns

    (root / "config.ini").write_text(CONFIG.format(alias="ones -> full_of_ones"),
                                     encoding="utf-8")
    _html(root, out)
    err = capsys.readouterr().err
    pane = _pane((out / "a.html").read_text(encoding="utf-8"), "pytorch")
    assert "full_of_ones" in pane
    # a clean build agrees with the incremental one
    clean = tmp_path / "clean"
    _html(root, clean)
    assert (clean / "a.html").read_text(encoding="utf-8") == \
        (out / "a.html").read_text(encoding="utf-8")
    # the page without aliased code is not rendered again
    assert (out / "b.html").stat().st_mtime_ns == b_before
    assert re.search(r"html: 1 of \d+ pages written", err), err


TABBED = """# Top
:label:`sec_top`

## First

```{.python .input}
%%tab all
x = 1
```

:begin_tab:`pytorch, jax`
## Only some tabs
:label:`sec_some`

Words.
:end_tab:

## After
:label:`sec_after`

See :numref:`sec_after` and :numref:`sec_some`.
"""


def test_a_heading_in_a_tab_block_shown_in_two_panes_keeps_the_numbering(make_book,
                                                                          tmp_path):
    root = make_book({"a.md": TABBED}, config=CONFIG.format(alias="ones"))
    out = tmp_path / "site"
    _html(root, out)
    page = (out / "a.html").read_text(encoding="utf-8")
    after = re.search(r'<h2 id="[^"]*"><span class="secnum">([\d.]+)</span> After', page)
    assert after is not None, page
    ref = re.search(r'href="#[^"]*">第?([\d.]+)节?</a> and', page) or \
        re.search(r'class="xref numref" href="#[^"]*">([^<]*)</a>', page)
    assert ref is not None
    assert after.group(1).rstrip(".") in ref.group(1)
    assert after.group(1) == "1.3."
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


# ------------------------------------------------------------ exhaustive dispatch
def test_each_output_has_one_dispatch_table_covering_every_node_type():
    """Every output is a visitor whose one table (node type -> rule) has a rule for each
    node type of the model, and nothing else: a new node type fails here until every
    output handles it."""
    import dataclasses
    import inspect

    from d2lbook.outputs.html.render import PageRenderer
    from d2lbook.outputs.notebooks import MarkdownWriter
    from d2lbook.outputs.pdf import Writer
    from d2lbook.resolve import NODE_TYPES
    from d2lbook.source import model as m

    # the model's node classes: every dataclass it defines except the containers
    defined = {c for _, c in inspect.getmembers(m, inspect.isclass)
               if dataclasses.is_dataclass(c) and c.__module__ == m.__name__}
    assert defined - {m.Section, m.Book, m.TocEntry} == NODE_TYPES
    for visitor in (PageRenderer, MarkdownWriter, Writer):
        assert set(visitor.RULES) == NODE_TYPES, visitor.__qualname__
        assert all(callable(rule) for rule in visitor.RULES.values())


EXTRA = ("\n\nA line  \nbroken, an ![inline image](../img/box.svg), <span>raw</span> and "
         ":unknownrole:`text`.\n")


def test_every_output_handles_every_node_type_of_the_model(tmp_path):
    """The golden book (plus the few constructs it lacks) holds every node type; HTML,
    notebooks and LaTeX render it without an unhandled node (which raises, never "")."""
    import shutil
    import typing

    from d2lbook.errors import Diagnostics
    from d2lbook.outputs.html import build_html
    from d2lbook.outputs.notebooks import section_notebook
    from d2lbook.outputs.pdf import write_tex
    from d2lbook.resolve import UnhandledNode, resolve
    from d2lbook.source import model as m
    from d2lbook.source.parse import load_book

    root = tmp_path / "golden"
    shutil.copytree(Path(__file__).parent / "books" / "golden", root)
    more = root / "chapter_one" / "more.md"
    more.write_text(more.read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
    diags = Diagnostics()
    book = load_book(root, diags)
    resolved = resolve(book, diags)
    seen = set()
    for s in book.ordered():
        for b in m.walk_blocks(s.blocks):
            seen.add(type(b))
            for inl in m.block_inlines(b):
                seen.update(type(n) for n in m.walk_inlines(inl))
    every = set(typing.get_args(m.Block)) | set(typing.get_args(m.Inline))
    assert every - seen == set(), "add the new node types to this test's book"

    build_html(book, resolved, tmp_path / "site", diags=diags, search=False)
    for tab in book.config.tabs:
        for s in book.ordered():
            section_notebook(book, s, tab, resolved)
        write_tex(book, resolved, tab, diags)
    # and a node type nobody knows is an error, not an empty string
    import pytest

    from d2lbook.outputs.html.build import Site
    from d2lbook.outputs.html.render import PageRenderer
    from d2lbook.outputs.notebooks import MarkdownWriter
    from d2lbook.outputs.pdf import Writer

    class Unknown:
        loc = None

    sec = book.sections["chapter_one/more"]
    page = PageRenderer(Site(book, resolved, tmp_path / "s2", None, diags), sec)
    for call in (lambda: page.block(Unknown()), lambda: page.inlines([Unknown()]),
                 lambda: MarkdownWriter(book, resolved, sec).block(Unknown()),
                 lambda: MarkdownWriter(book, resolved, sec).inline([Unknown()]),
                 lambda: Writer(book, resolved, "pytorch", tmp_path, diags).block(Unknown(),
                                                                                  sec),
                 lambda: Writer(book, resolved, "pytorch", tmp_path, diags).inline(
                     [Unknown()], sec)):
        with pytest.raises(UnhandledNode, match="Unknown"):
            call()


# ------------------------------------------------------------ immutability
def test_resolve_writes_nothing_into_the_model_and_its_result_is_read_only(make_book):
    import copy
    import dataclasses

    import pytest

    from d2lbook.errors import Diagnostics
    from d2lbook.resolve import resolve
    from d2lbook.source.parse import load_book

    root = make_book({"a.md": TABBED, "b.md": OTHER}, config=CONFIG.format(alias="ones"))
    diags = Diagnostics()
    book = load_book(root, diags)
    before = copy.deepcopy(book.sections)
    r = resolve(book, diags)
    assert book.sections == before  # the model is exactly as parsed
    assert r.section_number("a") == (1,) and r.section_number("b") == (2,)
    assert r.numref_text("sec_after") == "1.3节"
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.lang = "en"
    with pytest.raises(TypeError):
        r.targets["x"] = r.targets["sec_after"]
    with pytest.raises(TypeError):
        r.numbers["a"] = (9,)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.targets["sec_after"].number = (9,)


def test_the_pdf_reads_its_config_as_typed_values_of_the_resolved_document(make_book):
    from d2lbook.errors import Diagnostics
    from d2lbook.outputs.pdf import write_tex
    from d2lbook.resolve import PdfSettings, resolve
    from d2lbook.source.parse import load_book

    root = make_book({"a.md": OTHER}, config=CONFIG.format(alias="ones")
                     + "[pdf]\ncjk_font = Some Serif CJK\nmain_font =\n")
    diags = Diagnostics()
    book = load_book(root, diags)
    r = resolve(book, diags)
    assert r.pdf == PdfSettings(main_font=None, sans_font=None, mono_font="DejaVu Sans Mono",
                                cjk_font="Some Serif CJK")
    tex, _ = write_tex(book, r, "pytorch", diags)
    text = tex.read_text(encoding="utf-8")
    assert "\\setCJKmainfont{Some Serif CJK}" in text and "\\setmainfont" not in text
