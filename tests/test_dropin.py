"""d2lbook as a drop-in for d2lbook 1.0.3 (issue 18): the fixture book tests/books/dropin
reproduces each construct and defect found in the public d2l-en and d2l-zh sources; its
library, notebooks and diagnostics are compared with tests/golden_dropin
(UPDATE_GOLDEN=1 rewrites them). Also: the 1.0.3 command line (several targets in one
call, outputcheck, tabcheck, linkcheck, merge, sagemaker, activate, clear, rst, deploy)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from d2lbook.cli import main

BOOK = Path(__file__).parent / "books" / "dropin"
EXPECTED = Path(__file__).parent / "golden_dropin"


@pytest.fixture
def book(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("D2LBOOK_NO_PARSE_CACHE", "1")
    dest = tmp_path / "dropin"
    shutil.copytree(BOOK, dest, ignore=shutil.ignore_patterns("_build"))
    return dest


def _diagnostics(err: str) -> str:
    return "\n".join(ln for ln in err.splitlines() if ": warning: " in ln or ": error: " in ln)


@pytest.fixture
def built(book: Path, capsys) -> tuple[Path, str]:
    assert main(["build", "notebooks", "lib", "--book", str(book)]) == 0
    return book, capsys.readouterr().err


def _collect(root: Path, err: str) -> dict[str, str]:
    out = {"diagnostics.txt": _diagnostics(err) + "\n"}
    for p in sorted((root / "d2l").glob("*.py")):
        out[f"d2l/{p.name}"] = p.read_text(encoding="utf-8")
    nbroot = root / "_build" / "notebooks"
    for p in sorted(nbroot.rglob("*.ipynb")):
        out[f"notebooks/{p.relative_to(nbroot)}"] = p.read_text(encoding="utf-8")
    return out


def test_dropin_golden_outputs(built):
    root, err = built
    got = _collect(root, err)
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for name, text in got.items():
            (EXPECTED / name).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / name).write_text(text, encoding="utf-8")
    expected = {str(p.relative_to(EXPECTED)): p.read_text(encoding="utf-8")
                for p in sorted(EXPECTED.rglob("*")) if p.is_file()}
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], f"{name} differs from tests/golden_dropin/{name}"


def test_tolerated_defects_are_warnings_counted_by_kind(built):
    _, err = built
    assert "error:" not in err
    for expected in [
        "chapter_a/api.md:4: warning: :begin_tab: without :end_tab: before the next",
        "chapter_a/api.md:11: warning: eval_rst content passed through unmapped",
        "chapter_a/tables.md:14: warning: duplicate label 'sec_dup'",
        "chapter_a/intro.md:10: warning: :numref: to unknown label 'sec_missing'",
        "chapter_a/shared.md:9: warning: 'show_images' is saved twice for tab 'pytorch'",
        "chapter_a/code.md:48: warning: 'accuracy' is saved twice for tab 'paddle'",
    ]:
        assert expected in err, err
    assert "chapter_a/api.md:24: warning: 'Trainer' is not a public name saved into the " \
        "pytorch library" in err
    assert "7 warning(s) (unknown-ref: 2, saved-twice: 2" in err
    for kind in ("unclosed-tab: 1", "unmapped-rst: 1", "duplicate-label: 1", "unknown-ref: 2"):
        assert kind in err


def test_strict_and_warning_is_error_fail_without_writing(book, capsys):
    assert main(["build", "notebooks", "lib", "--strict", "--book", str(book)]) == 1
    err = capsys.readouterr().err
    assert "chapter_a/intro.md:10: error: :numref: to unknown label 'sec_missing'" in err
    assert not (book / "_build").exists() and not (book / "d2l" / "torch.py").exists()
    cfg = book / "config.ini"
    cfg.write_text(cfg.read_text().replace("eval_notebook = True",
                                           "eval_notebook = True\nwarning_is_error = True"))
    assert main(["build", "notebooks", "--book", str(book)]) == 1
    assert "error: duplicate label 'sec_dup'" in capsys.readouterr().err


def test_constructs_read_as_d2lbook_1_0_3_reads_them(built):
    root, _ = built
    nb = json.loads((root / "_build/notebooks/pytorch/chapter_a/intro.ipynb").read_text())
    text = "\n".join(c["source"] for c in nb["cells"] if c["cell_type"] == "markdown")
    # the label under a heading with the paragraph on the next line
    assert "## A Label Right Under a Heading\n\nThe paragraph starts" in text
    assert "[Table 1.1](tables.ipynb#tab_data)" in text  # caption, label, then the table
    assert "[(1.1)](equations.ipynb#eq_square)" in text  # (**$$...$$**) then :eqlabel:
    assert "A reference to ?? cannot be resolved." in text  # unresolved: ??
    tables = json.loads((root / "_build/notebooks/pytorch/chapter_a/tables.ipynb").read_text())
    md = "\n".join(c["source"] for c in tables["cells"])
    assert ":Data sets" not in md and "Data sets and memory by decade" in md
    eq = json.loads((root / "_build/notebooks/mxnet/chapter_a/equations.ipynb").read_text())
    md = "\n".join(c["source"] for c in eq["cells"])
    assert "(**$$" not in md and "$$f(x) = x^2.\\tag{1.1}$$" in md
    # %%tab after a blank line: the mxnet cell is mxnet's only
    code = json.loads((root / "_build/notebooks/mxnet/chapter_a/code.ipynb").read_text())
    srcs = [c["source"] for c in code["cells"] if c["cell_type"] == "code"]
    assert any("return 2 * x" in s and "%%tab" not in s for s in srcs)
    assert not any("return x + x" in s for s in srcs)


def test_library_rules_of_d2lbook_1_0_3(built):
    root, _ = built
    torch = (root / "d2l" / "torch.py").read_text()
    paddle = (root / "d2l" / "paddle.py").read_text()
    mxnet = (root / "d2l" / "mxnet.py").read_text()
    for lib in (torch, paddle, mxnet):
        compile(lib, "lib.py", "exec")
        assert 'warnings.filterwarnings("ignore")' in lib  # statements of a saved cell
        assert "[next(generator) for _ in range(2)]" in lib
    # the later definition wins (and only it is kept)
    assert "return list(imgs)" in torch and "return len(imgs)" not in torch
    assert paddle.count("def accuracy") == 1 and "float(correct)" in paddle
    # a section naming no tab but 'all' gives nothing to the non-default tabs
    assert "def halve" in torch and "def halve" not in mxnet and "def halve" not in paddle
    init = (root / "d2l" / "__init__.py").read_text()
    assert init.startswith('"""Saved code of the drop-in test book.')
    assert '__version__ = "0.2.0"' in init


def test_targets_run_in_dependency_order_over_one_parse(book, capsys):
    assert main(["build", "html", "notebooks", "lib", "--no-search", "--book", str(book)]) == 0
    err = capsys.readouterr().err
    done = re.findall(r"d2lbook: (\w+) done", err)
    assert done == ["lib", "notebooks", "html"]
    assert err.count("duplicate label 'sec_dup'") == 1  # one parse, reported once
    page = (book / "_build" / "html" / "chapter_a" / "intro.html").read_text()
    assert 'title="unresolved reference: sec_missing">??</span>' in page


def test_outputcheck_and_tabcheck(book, capsys):
    # README.md, contrib/ and *_origin.md are excluded by [build] exclusions
    assert main(["build", "outputcheck", "tabcheck", "--book", str(book)]) == 0
    assert "outputcheck: 8 files, 0 stored output(s)" in capsys.readouterr().err
    # a file outside the toc is still checked
    (book / "chapter_a" / "draft.md").write_text(
        "# Draft\n\n```{.python .input}\n#@tab tensorflow\nx = 1\n```\n\n"
        "```{.json .output}\n[]\n```\n\n:begin_tab:`jax`\nx\n:end_tab:\n")
    assert main(["build", "outputcheck", "--book", str(book)]) == 1
    err = capsys.readouterr().err
    assert "chapter_a/draft.md:8: error: stored execution output" in err
    assert main(["build", "tabcheck", "--book", str(book)]) == 1
    err = capsys.readouterr().err
    assert "chapter_a/draft.md:4: error: unknown tab 'tensorflow'" in err
    assert "chapter_a/draft.md:12: error: unknown tab 'jax' in :begin_tab:" in err


def test_linkcheck_finds_a_broken_anchor(book, capsys):
    assert main(["build", "html", "linkcheck", "--no-search", "--book", str(book)]) == 0
    assert "0 broken internal link(s)" in capsys.readouterr().err
    page = book / "_build" / "html" / "chapter_a" / "intro.html"
    page.write_text(page.read_text().replace('href="tables.html#tab_data"',
                                             'href="tables.html#tab_nope"', 1))
    assert main(["build", "linkcheck", "--book", str(book)]) == 1
    err = capsys.readouterr().err
    assert "html/chapter_a/intro.html" in err and "has no anchor #tab_nope" in err


def test_merge_and_sagemaker(book, capsys):
    assert main(["build", "merge", "sagemaker", "--book", str(book)]) == 0
    nb = json.loads((book / "_build/merge/chapter_a/code.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    double = [c for c in code if "def double" in c["source"]]
    assert [c["metadata"]["tab"] for c in double] == [["mxnet"], ["pytorch", "paddle"]]
    assert not any("interact_select" in c["source"] for c in code)
    api = json.loads((book / "_build/merge/chapter_a/api.ipynb").read_text())
    assert [c["metadata"].get("tab") for c in api["cells"] if "prose" in c["source"]] == [
        ["pytorch"], ["mxnet"]]
    sm = json.loads((book / "_build/sagemaker/paddle/chapter_a/code.ipynb").read_text())
    assert sm["metadata"]["kernelspec"]["name"] == "python3"


def test_activate_rewrites_cells_of_other_tabs(book, capsys):
    f = book / "chapter_a" / "code.md"
    original = f.read_text()
    assert main(["activate", "mxnet", str(f)]) == 0
    text = f.read_text()
    assert "```python\n%%tab pytorch, paddle" in text  # deactivated
    assert "```{.python .input}\n\n%%tab mxnet" in text  # kept
    assert "```{.python .input}\n#@tab all" in text
    assert "```python\n#@tab paddle" in text
    assert main(["activate", "all", str(f)]) == 0
    assert f.read_text() == original


def test_rst_and_deploy_name_what_to_use_instead(book, capsys):
    assert main(["build", "rst", "--book", str(book)]) == 2
    assert "use `d2lbook build html`" in capsys.readouterr().err
    assert main(["build", "deploy", "--book", str(book)]) == 2
    assert "publish _build/html" in capsys.readouterr().err
    assert main(["deploy", "html", "pdf", "--s3", "s3://x/"]) == 2
    assert "`d2lbook deploy` uploaded" in capsys.readouterr().err


def test_build_html_takes_tab_all_as_in_d2l_ci(book, capsys):
    assert main(["build", "html", "--tab", "all", "--no-search", "--book", str(book)]) == 0
    assert (book / "_build" / "html" / "chapter_a" / "code.html").is_file()


def test_clear_removes_the_output_folder(book, capsys):
    assert main(["build", "notebooks", "--book", str(book)]) == 0
    assert (book / "_build").is_dir()
    assert main(["clear", "--book", str(book)]) == 0
    assert not (book / "_build").exists()


def test_search_index_updates_after_a_small_edit(book, capsys):
    # the index (d2lbook/outputs/html/search.py) re-reads only the pages a build rendered
    assert main(["build", "html", "--book", str(book)]) == 0
    assert "search: built" in capsys.readouterr().err
    index = book / "_build" / "html" / "_static" / "search-index.js"
    assert "zebras" not in index.read_text(encoding="utf-8")
    f = book / "chapter_a" / "tables.md"
    f.write_text(f.read_text() + "\nOne more sentence about zebras.\n")
    assert main(["build", "html", "--book", str(book)]) == 0
    err = capsys.readouterr().err
    assert "1 of 9 pages written" in err and "search: built" in err, err
    assert "One more sentence about zebras." in index.read_text(encoding="utf-8")


def test_slides_one_deck_per_marked_section_and_tab_linked_from_the_page(book, capsys):
    if not (Path(__file__).parents[1] / "node_modules" / "reveal.js").is_dir():
        pytest.skip("reveal.js is not installed (npm ci)")
    assert main(["build", "html", "slides", "linkcheck", "--no-search",
                 "--book", str(book)]) == 0
    err = capsys.readouterr().err
    assert "slides: 3 decks" in err and "0 broken internal link(s)" in err
    slides = book / "_build" / "slides"
    decks = sorted(p.relative_to(slides).as_posix() for p in slides.rglob("*.html")
                   if "_reveal" not in p.parts)
    assert decks == [f"{t}/chapter_a/equations.html" for t in ("mxnet", "paddle", "pytorch")]
    deck = (slides / "pytorch/chapter_a/equations.html").read_text()
    assert "<h1>Equations</h1>" in deck and "The square of a number" in deck
    assert 'class="katex-display"' in deck  # (**$$...$$**) kept, rendered at build time
    assert "derivative" not in deck  # unmarked prose stays out
    page = (book / "_build/html/chapter_a/equations.html").read_text()
    assert 'href="../slides/pytorch/chapter_a/equations.html"' in page
    assert (book / "_build/html/slides/_reveal/reveal.js").is_file()
    code = book / "_build/slides/pytorch/chapter_a/code.html"
    assert not code.exists()  # no marks, no deck


def test_eval_runs_a_cell_whose_tab_magic_follows_a_blank_line(book, capsys, tmp_path):
    # d2l-en: such a cell failed with an empty error message
    assert main(["build", "eval", "--tab", "mxnet", "--only", "chapter_a/code", "-j", "1",
                 "--cache-dir", str(tmp_path / "cache"), "--book", str(book)]) == 0
    err = capsys.readouterr().err
    assert re.search(r"\] ok\s+mxnet/chapter_a/code", err), err
