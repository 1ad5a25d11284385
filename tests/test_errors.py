"""Bad input gets a clear error: ``file:line: message`` on stderr, a non-zero exit, and
no output written. One test per case, plus warnings, --strict and many errors per run."""

from __future__ import annotations

import pytest

from d2lbook.cli import main

CODE = "```{.python .input}\n%%tab pytorch\n"

CASES = {
    "unclosed_fence": (
        {"a.md": "# A\n\ntext\n\n```{.python .input}\nx = 1\n"},
        "notebooks", "a.md:5: error: unclosed code fence '```'"),
    "end_tab_without_begin": (
        {"a.md": "# A\n\ntext\n:end_tab:\n"},
        "notebooks", "a.md:4: error: :end_tab: without :begin_tab:"),
    "unknown_tab_in_cell": (
        {"a.md": "# A\n\n```{.python .input}\n%%tab pytorh\nx\n```\n"},
        "notebooks", "a.md:4: error: tab 'pytorh' is not in [build] tabs"),
    "unknown_tab_in_prose": (
        {"a.md": "# A\n\n:begin_tab:`tensorflow`\nx\n:end_tab:\n"},
        "notebooks", "a.md:3: error: tab 'tensorflow' is not in [build] tabs"),
    "missing_citation": (
        {"a.md": "# A\n\n:cite:`Nobody.2020`\n", "d2l.bib": "@misc{X.1, title={x}, year={1}}\n"},
        "notebooks", "a.md:3: error: citation key 'Nobody.2020' is not in d2l.bib"),
    "missing_toc_file": (
        {"index.md": "# Book\n\n```toc\na\nb\n```\n", "a.md": "# A\n"},
        "notebooks", "index.md:5: error: toc entry names a missing file: b.md"),
    "missing_image": (
        {"a.md": "# A\n\n![x](img/none.svg)\n:label:`fig_x`\n"},
        "notebooks", "a.md:3: error: missing image 'img/none.svg'"),
    "add_to_class_unknown": (
        {"a.md": "# A\n\n" + CODE + "@d2l.add_to_class(Nope)  #@save\ndef f(self):\n"
                 "    pass\n```\n"},
        "lib", "a.md:5: error: add_to_class(Nope) but class 'Nope' was never saved"),
    "not_utf8": (
        {"a.md": b"# A\n\nok\n" + b"caf\xe9\n"},
        "notebooks", "a.md:4: error: not UTF-8"),
    "stored_output": (
        {"a.md": "# A\n\n```{.json .output}\n[]\n```\n"},
        "notebooks", "a.md:3: error: stored output cell"),
}


# defects d2lbook 1.0.3 tolerates: a warning by default (the build goes on), an error
# with --strict or [build] warning_is_error = True
TOLERATED = {
    "begin_tab_without_end": (
        {"a.md": "# A\n\n:begin_tab:`pytorch`\ntext\n"},
        "notebooks", "a.md:3: {}: :begin_tab: without :end_tab:"),
    "begin_tab_closed_by_begin_tab": (
        {"a.md": "# A\n\n:begin_tab:`pytorch`\ntext\n:begin_tab:`pytorch`\nmore\n:end_tab:\n"},
        "notebooks", "a.md:3: {}: :begin_tab: without :end_tab: before the next :begin_tab:"),
    "duplicate_label": (
        {"a.md": "# A\n:label:`sec_a`\n", "b.md": "# B\n\n## C\n:label:`sec_a`\n"},
        "notebooks", "b.md:3: {}: duplicate label 'sec_a' (first defined at a.md:1)"),
    "unknown_numref": (
        {"a.md": "# A\n\nsee :numref:`fig_nope`\n"},
        "notebooks", "a.md:3: {}: :numref: to unknown label 'fig_nope'"),
    "unknown_eqref": (
        {"a.md": "# A\n\nline\nsee :eqref:`eq_nope`\n"},
        "notebooks", "a.md:4: {}: :eqref: to unknown label 'eq_nope'"),
    "unknown_ref": (
        {"a.md": "# A\n\n:ref:`sec_nope`\n"},
        "html", "a.md:3: {}: :ref: to unknown label 'sec_nope'"),
    "saved_twice": (
        {"a.md": "# A\n\n" + CODE + "def f():  #@save\n    pass\n```\n",
         "b.md": "# B\n\n" + CODE + "x = 1\n\n\ndef f():  #@save\n    return 2\n```\n"},
        "lib", "b.md:8: {}: 'f' is saved twice for tab 'pytorch' (first at a.md:5)"),
    "unmapped_eval_rst": (
        {"a.md": "# A\n\n```eval_rst\n.. graphviz::\n\n   digraph { a -> b }\n```\n"},
        "notebooks", "a.md:3: {}: eval_rst content passed through unmapped"),
}


@pytest.mark.parametrize("name", sorted(TOLERATED))
def test_tolerated_defect_warns(name, make_book, capsys):
    files, target, expected = TOLERATED[name]
    root = make_book(files)
    assert main(["build", target, "--book", str(root)]) == 0
    err = capsys.readouterr().err
    assert expected.format("warning") in err, err
    assert "error:" not in err


@pytest.mark.parametrize("name", sorted(TOLERATED))
@pytest.mark.parametrize("how", ["--strict", "config"])
def test_tolerated_defect_strict(name, how, make_book, capsys):
    files, target, expected = TOLERATED[name]
    config = ("[project]\nname = t\nlang = zh\n[build]\ntabs = pytorch, jax\n"
              "warning_is_error = True\n"
              "[library-pytorch]\nlib_file = lib/torch.py\nlib_name = torch\n")
    root = make_book(files, config=config) if how == "config" else make_book(files)
    argv = ["build", target, "--book", str(root)] + (["--strict"] if how == "--strict" else [])
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert expected.format("error") in err, err
    assert not (root / "_build").exists()


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(name, make_book, capsys):
    files, target, expected = CASES[name]
    root = make_book(files)
    rc = main(["build", target, "--book", str(root)])
    err = capsys.readouterr().err
    assert rc == 1
    assert expected in err, err
    assert "nothing written" in err
    assert not (root / "_build").exists() and not (root / "lib").exists()


def test_malformed_config(make_book, capsys):
    root = make_book({"a.md": "# A\n"}, config="[build]\ntabs = pytorch\n[html\nx = 1\n")
    assert main(["check", "--book", str(root)]) == 1
    err = capsys.readouterr().err
    assert "config.ini:3: error: malformed config" in err


@pytest.mark.parametrize("config,expected", [
    ("[build]\ntabs = py torch\n", "[build] tabs: invalid tab name(s): py torch"),
    ("[build]\ntabs = pytorch\neval_notebook = maybe\n",
     "[build] eval_notebook: 'maybe' is not a boolean"),
    ("[build]\ntabs = pytorch\n[library-pytorch]\nlib_name = torch\n",
     "[library-pytorch] lib_file: missing"),
    ("[build]\ntabs = pytorch\n[library-pytorch]\nlib_file = l.py\nlib_name = torch\n"
     "simple_alias = a -> b -> c\n", "[library-pytorch] simple_alias: cannot read alias"),
])
def test_malformed_config_values(make_book, capsys, config, expected):
    root = make_book({"a.md": "# A\n"}, config=config)
    assert main(["check", "--book", str(root)]) == 1
    assert f"config.ini: error: {expected}" in capsys.readouterr().err


def test_unknown_config_key_warns_once(make_book, capsys):
    root = make_book({"a.md": "# A\n"},
                     config="[build]\ntabs = pytorch\nfoo = 1\n[html]\nbar = 2\n")
    assert main(["check", "--book", str(root)]) == 0
    err = capsys.readouterr().err
    assert err.count("unknown key [build] foo") == 1 and "unknown key [html] bar" in err


def test_warnings_and_strict(make_book, capsys):
    files = {"a.md": "# A\n\n:weird:`x`\n\n```eval_rst\n.. math:: y\n```\n"}
    root = make_book(files)
    assert main(["build", "notebooks", "--book", str(root)]) == 0
    err = capsys.readouterr().err
    assert "a.md:3: warning: unknown role :weird:" in err
    assert "a.md:5: warning: eval_rst content passed through unmapped" in err
    root2 = make_book(files)
    import shutil
    shutil.rmtree(root2 / "_build")
    assert main(["build", "notebooks", "--strict", "--book", str(root2)]) == 1
    assert not (root2 / "_build").exists()


def test_many_errors_in_one_run(make_book, capsys):
    root = make_book({
        "a.md": "# A\n:label:`x`\n\n:numref:`nope1`\n\n:begin_tab:`pytorch`\n",
        "b.md": "# B\n:label:`x`\n\n:ref:`nope2`\n\n```{.python .input}\n%%tab nope\n```\n",
    })
    assert main(["check", "--strict", "--book", str(root)]) == 1
    err = capsys.readouterr().err
    for expected in ["a.md:4: error: :numref: to unknown label 'nope1'",
                     "a.md:6: error: :begin_tab: without :end_tab:",
                     "b.md:1: error: duplicate label 'x'",
                     "b.md:4: error: :ref: to unknown label 'nope2'",
                     "b.md:7: error: tab 'nope' is not in [build] tabs"]:
        assert expected in err


def test_parse_cache_never_hides_a_change(make_book, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = make_book({"a.md": "# A\n\n![x](img/a.svg)\n:label:`fig_a`\n",
                      "img/a.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    assert main(["check", "--book", str(root)]) == 0
    assert list((tmp_path / "cache" / "d2lbook" / "parse").glob("*.pickle"))
    (root / "img" / "a.svg").unlink()  # same markdown, but the image is gone
    assert main(["check", "--book", str(root)]) == 1
    assert "a.md:3: error: missing image" in capsys.readouterr().err
    (root / "a.md").write_text("# A\n\n:numref:`nope`\n", encoding="utf-8")
    assert main(["check", "--strict", "--book", str(root)]) == 1
    err = capsys.readouterr().err
    assert "a.md:3: error: :numref: to unknown label 'nope'" in err and "missing image" not in err
