"""The preface that started the project, placed in a small test book, builds notebooks for
all four of its tabs and a library whose import header matches its #@save cells."""

from __future__ import annotations

import json
import re
from pathlib import Path

from d2lbook.cli import main

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_74cba3ef3b86c887.txt"
TABS = ["mxnet", "pytorch", "tensorflow", "jax"]
LABELS = ["chap_installation", "chap_introduction", "chap_preliminaries", "chap_regression",
          "chap_perceptrons", "chap_computation", "chap_cnn", "chap_modern_cnn", "chap_rnn",
          "chap_modern_rnn", "chap_attention-and-transformers", "sec_d2l",
          "sec_how_to_contribute"]
BIB = ["Goodfellow.Bengio.Courville.2016", "Bishop.2006", "Bollobas.1999", "Wasserman.2013"]


def _seed_text() -> str:
    if SEED.exists():
        return SEED.read_text(encoding="utf-8")
    # CI and developers have ../shared beside the checkout; fail loudly otherwise
    raise FileNotFoundError(f"the seed preface is expected at {SEED}")


def test_seed_preface_builds(make_book, capsys):
    files = {"chapter_preface/index.md": _seed_text(),
             "img/book-org.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
             "d2l.bib": "\n".join(f"@book{{{k}, title={{T}}, author={{A, B}}, year={{2000}}}}"
                                  for k in BIB)}
    for i, label in enumerate(LABELS):
        files[f"chapter_{i}/index.md"] = f"# 章 {i}\n:label:`{label}`\n\n内容。\n"
    files["index.md"] = ("# Book\n\n```toc\nchapter_preface/index\n```\n\n```toc\n:numbered:\n\n"
                         + "\n".join(f"chapter_{i}/index" for i in range(len(LABELS)))
                         + "\n```\n")
    config = "[project]\nname = seed\nlang = zh\n[build]\ntabs = " + ", ".join(TABS) + "\n"
    for tab in TABS:
        config += f"[library-{tab}]\nlib_file = d2l/{tab}.py\nlib_name = {tab}\n"
    root = make_book(files, config=config)
    assert main(["build", "notebooks", "--book", str(root)]) == 0, capsys.readouterr().err
    assert main(["build", "lib", "--book", str(root)]) == 0, capsys.readouterr().err

    seed = _seed_text()
    cells = re.findall(r"```\{\.python \.input\}\n(.*?)```", seed, re.S)
    for tab in TABS:
        nb = json.loads((root / "_build" / "notebooks" / tab / "chapter_preface" /
                         "index.ipynb").read_text(encoding="utf-8"))
        md = "\n".join(c["source"] for c in nb["cells"] if c["cell_type"] == "markdown")
        # only this tab's :begin_tab: prose
        for other in TABS:
            marker = {"mxnet": "Apache MXNet", "pytorch": "基于 PyTorch",
                      "tensorflow": "基于 TensorFlow", "jax": "基于 Jax"}[other]
            assert (marker in md) == (other == tab), (tab, other)
        assert "[图" not in md or "chapter_" in md
        # the library header: the `#@tab all` imports, then this tab's imports
        expected = []
        for cell in cells:
            tabs = re.search(r"#@tab (.+)", cell).group(1).split(",")
            tabs = [t.strip() for t in tabs]
            if "all" in tabs or tab in tabs:
                expected += [ln for ln in cell.splitlines()
                             if ln.strip() and not ln.startswith("#@")]
        lib = (root / "d2l" / f"{tab}.py").read_text(encoding="utf-8")
        got = [ln for ln in lib.splitlines() if ln.strip() and not ln.startswith("#")]
        assert got[: len(expected)] == expected, tab
