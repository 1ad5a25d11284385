"""The library's API page, generated from the book's ``#@save`` definitions.

A section asks for it with an ``eval_rst`` block, the form d2l-en's own API appendix uses:

    ```eval_rst
    .. currentmodule:: d2l.torch
    .. d2l-api::
    ```

``.. d2l-api::`` becomes a table of every public top-level name the book saves into that
module (name, kind, the first line of its docstring, a ``:numref:`` to the defining
section). ``.. autoclass:: Name`` and ``.. autofunction:: Name`` (d2l-en's form) become one
row each. ``currentmodule`` picks the library (``d2l.torch`` -> the tab whose
``[library-<tab>]`` has that ``lib_name`` or file stem); without it, the first library.

``currentmodule`` holds from its block to the next one, in reading order, as in Sphinx
(d2l-en sets it in a block of its own, inside tab blocks); option lines such as
``:members:`` are accepted and ignored.

The parser marks such blocks (``d2lbook/source/apiblock.py``); ``expand_api_blocks``, called
by the face (cli, serve) after parsing and before the resolve step, replacing each such block
by an ordinary ``Table`` of the document model (a ``currentmodule``-only block by nothing),
so every output renders it the usual way. A name in ``autoclass``/``autofunction`` that
the library does not save is a warning naming the file and line (Sphinx's autodoc warns
too); a module with no library is an error.
"""

from __future__ import annotations

import ast
import textwrap

from d2lbook.errors import Diagnostics
from d2lbook.source.apiblock import DIRECTIVE as _DIRECTIVE
from d2lbook.source.model import Book, CodeSpan, Raw, Ref, Table, Text, walk_blocks

HEADERS = {"zh": ["名称", "类型", "说明", "定义于"], "en": ["Name", "Kind", "Summary", "Defined in"]}
KINDS = {"zh": {"class": "类", "function": "函数", "value": "变量"},
         "en": {"class": "class", "function": "function", "value": "value"}}


def _summary(node: ast.AST) -> str:
    doc = ast.get_docstring(node) if isinstance(
        node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else None
    return doc.strip().splitlines()[0] if doc else ""


def saved_names(book: Book, tab: str) -> dict[str, tuple[str, str, str | None]]:
    """Public top-level names saved for ``tab``: name -> (kind, summary, section label)."""
    from d2lbook.outputs.library import extract_saved  # the library's own #@save rule
    from d2lbook.source.tabs import code_cells

    names: dict[str, tuple[str, str, str | None]] = {}
    for section in book.ordered():
        for cell in code_cells(section, tab):
            for _, code in extract_saved(cell.source):
                try:
                    tree = ast.parse(textwrap.dedent(code))
                except SyntaxError:
                    continue  # the library build reports it
                for node in tree.body:
                    if isinstance(node, ast.ClassDef):
                        found = [(node.name, "class", node)]
                    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        if any("add_to_class" in ast.unparse(d) for d in node.decorator_list):
                            continue  # a method of an earlier class
                        found = [(node.name, "function", node)]
                    elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                        kind = "function" if isinstance(node.value, ast.Lambda) else "value"
                        found = [(t.id, kind, node) for t in targets if isinstance(t, ast.Name)]
                    else:
                        continue
                    for name, kind, n in found:
                        if not name.startswith("_") and name != "d2l":
                            # a later definition replaces an earlier one, as in the module
                            names.pop(name, None)
                            names[name] = (kind, _summary(n), section.label)
    return names


def _tab_for_module(book: Book, module: str | None) -> str | None:
    libs = book.config.libraries
    for tab, lib in libs.items():
        stems = {f"d2l.{lib.lib_file.stem}" if lib.lib_file else None,
                 f"d2l.{lib.lib_name}" if lib.lib_name else None}
        if module is None or module in stems or module.split(".")[-1] == tab:
            return tab
    return None


def expand_api_blocks(book: Book, diags: Diagnostics) -> None:
    """Replace every API ``eval_rst`` block of the book by the table it asks for."""
    lang = "zh" if str(getattr(book.config, "lang", "en")).startswith("zh") else "en"
    cache: dict[str, dict] = {}
    for section in book.ordered():
        if not any(isinstance(b, Raw) and b.format == "d2l-api"
                   for b in walk_blocks(section.blocks)):
            continue
        state = {"module": None}  # currentmodule, carried from block to block
        section.blocks = _expand_blocks(section.blocks, book, diags, lang, cache, state)


def _expand_blocks(blocks, book, diags, lang, cache, state):
    from d2lbook.source.model import TabBlock

    out = []
    for b in blocks:
        if isinstance(b, Raw) and b.format == "d2l-api":
            table = _expand(b, book, diags, lang, cache, state)
            if table is not None:
                out.append(table)
            continue
        if isinstance(b, TabBlock):
            b.children = _expand_blocks(b.children, book, diags, lang, cache, state)
        out.append(b)
    return out


def _expand(block: Raw, book: Book, diags: Diagnostics, lang: str, cache: dict, state: dict):
    from d2lbook.source.model import Loc

    wanted, everything = [], False
    for offset, line in enumerate(block.text.splitlines()):
        m = _DIRECTIVE.match(line)
        if not m:
            continue
        if m.group(1) == "currentmodule":
            state["module"] = m.group(2)
        elif m.group(1) == "d2l-api":
            everything = True
        else:
            wanted.append((m.group(2), block.loc.line + 1 + offset))
    if not everything and not wanted:
        return None  # only sets the module for the blocks that follow
    module = state["module"]
    tab = _tab_for_module(book, module)
    if tab is None:
        diags.error(block.loc, f"no library for module {module!r} "
                               "(see the [library-<tab>] sections of config.ini)")
        return None
    if tab not in cache:
        cache[tab] = saved_names(book, tab)
    names = cache[tab]
    rows_for = list(names) if everything else []
    for name, line in wanted:
        if name not in names:
            diags.warning(Loc(block.loc.file, line),
                          f"{name!r} is not a public name saved into the {tab} library",
                          code="unknown-ref")
            continue
        rows_for.append(name)
    rows = []
    for name in rows_for:
        kind, summary, label = names[name]
        where = [Ref("numref", label, block.loc)] if label else [Text("")]
        rows.append([[CodeSpan(f"d2l.{name}")], [Text(KINDS[lang][kind])],
                     [Text(summary)], where])
    return Table(caption=[], align=["left", "left", "left", "left"],
                 header=[[Text(h)] for h in HEADERS[lang]], rows=rows, loc=block.loc)
