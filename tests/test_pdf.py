"""d2lbook build pdf: the golden test book builds one PDF per tab, correct in Chinese,
with resolved references and a bibliography; LaTeX errors point at the .md source."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from d2lbook.cli import main

ARTIFACTS = Path(__file__).parent / "artifacts"
needs_tex = pytest.mark.skipif(
    not (shutil.which("latexmk") and shutil.which("xelatex") and shutil.which("pdftotext")),
    reason="TeX (texlive-xetex, latexmk) and poppler-utils are not installed")
pytestmark = [needs_tex, pytest.mark.xdist_group("pdf")]


@pytest.fixture(scope="module")
def golden_pdfs(tmp_path_factory):
    src = Path(__file__).parent / "books" / "golden"
    root = tmp_path_factory.mktemp("pdf") / "golden"
    shutil.copytree(src, root, ignore=shutil.ignore_patterns("_build", "lib"))
    assert main(["build", "pdf", "--tab", "all", "--book", str(root)]) == 0
    return root


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_one_pdf_per_tab(golden_pdfs):
    out = golden_pdfs / "_build" / "pdf"
    assert sorted(p.name for p in out.glob("*.pdf")) == [
        "golden-jax.pdf", "golden-mxnet.pdf", "golden.pdf"]


def test_pdf_text_has_prose_refs_and_bibliography(golden_pdfs):
    text = text_of(golden_pdfs / "_build" / "pdf" / "golden.pdf")
    assert "这是" in text and "强调" in text  # Chinese prose
    assert "??" not in text  # every \ref resolved
    assert "图1.1" in text.replace(" ", "") and "表1.1" in text.replace(" ", "")
    assert "(1.1)" in text
    assert "Bishop" in text and "Pattern Recognition" in text  # bibliography entry
    assert "PyTorch 用" in text and "MXNet 和 JAX 在这里相同" not in text
    jax = text_of(golden_pdfs / "_build" / "pdf" / "golden-jax.pdf")
    assert "MXNet 和 JAX 在这里相同" in jax and "PyTorch 用" not in jax


def test_page_with_equation_and_figure_renders(golden_pdfs):
    pdf = golden_pdfs / "_build" / "pdf" / "golden.pdf"
    text = text_of(pdf)
    pages = text.split("\f")
    page = next(i for i, p in enumerate(pages, 1) if "(1.1)" in p and "一个方框" in p)
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / "pdf-page"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page),
                    str(pdf), str(prefix)], check=True)
    pngs = list(ARTIFACTS.glob("pdf-page*.png"))
    assert pngs and pngs[0].stat().st_size > 5000


def test_latex_error_is_traced_to_markdown(make_book, capsys):
    root = make_book({"a.md": "# A\n\n好的段落。\n\n坏的公式 $\\frac{1}{$ 在这里。\n"})
    assert main(["build", "pdf", "--book", str(root)]) == 1
    err = capsys.readouterr().err
    assert "a.md:5" in err and "LaTeX" in err
    assert "full log:" in err


TABBED = """# Top
:label:`sec_top`

## First

:begin_tab:`pytorch`
## Only some tabs
:label:`sec_some`

Words.
:end_tab:

## After
:label:`sec_after`

See :numref:`sec_after` and :numref:`sec_top`.

![A box](img/box.svg)
:label:`fig_box`

$$x = 1$$
:eqlabel:`eq_one`

$$y = 2$$
:eqlabel:`eq_two`

See :numref:`fig_box` and :eqref:`eq_two`.
"""
TABBED_CONFIG = "[project]\nname = t\nlang = zh\n[build]\ntabs = pytorch, tensorflow\n"
BOX = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
       '<rect width="40" height="20" fill="gray"/></svg>')


def test_pdf_numbers_equal_numref_texts_when_a_tab_hides_a_heading(make_book):
    """The tensorflow PDF does not show the pytorch-only ``##`` heading, yet its next
    heading keeps the number the resolve step gives it (LaTeX counts nothing)."""
    root = make_book({"a.md": TABBED, "img/box.svg": BOX}, config=TABBED_CONFIG)
    assert main(["build", "pdf", "--tab", "all", "--book", str(root)]) == 0
    tf = text_of(root / "_build" / "pdf" / "t-tensorflow.pdf").replace(" ", "")
    torch = text_of(root / "_build" / "pdf" / "t.pdf").replace(" ", "")
    for text in (tf, torch):
        assert "1.3After" in text, text  # heading number = the resolved one
        assert "See1.3节and1节" in text  # :numref: texts (a.md is a section, not a chapter)
        assert "1Top" in text and "第1章" not in text
        assert "图1.1" in text and "(1.2)" in text and "See图1.1and(1.2)" in text
    assert "1.2Onlysometabs" in torch and "Onlysometabs" not in tf
