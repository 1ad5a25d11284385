"""Unit tests of the compatibility harness (bench/compat.py) that need no public sources."""

from __future__ import annotations

from pathlib import Path

from bench import compat


def test_classify_outcomes():
    assert compat.classify("OSError: failed to download http://x after 4 attempts", "") == "no data"
    assert compat.classify("RuntimeError: Found no NVIDIA driver", "torch.cuda ...") == "no GPU"
    assert compat.classify(
        "TypeError: Cannot perform reduction 'mean' with string dtype", "") == "reference code"
    assert compat.classify("TypeError: can't convert np.ndarray of type numpy.object_.", "") == \
        "reference code"
    assert compat.classify("AttributeError: module 'd2l.torch' has no attribute 'x'", "") == "FAIL"


def test_reference_errors_become_text_and_duplicates_are_renamed(tmp_path: Path):
    (tmp_path / "a.md").write_text("see :numref:`missing` here\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("$$x$$\n:eqlabel:`eq_dup`\n", encoding="utf-8")
    log = ("a.md:1: error: :numref: to unknown label 'missing'\n"
           "b.md:1: error: duplicate label 'eq_dup' (first defined at c.md:3)\n"
           "c.md:9: warning: something else\n")
    patches = compat.patch_reference_errors(tmp_path, log)
    assert len(patches) == 2
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == "see `missing` here\n"
    assert "`eq_dup_dup1`" in (tmp_path / "b.md").read_text(encoding="utf-8")
    assert compat.patch_reference_errors(tmp_path, "nothing to do") == []


def test_only_globs_and_table(tmp_path: Path, monkeypatch):
    assert compat._matches("chapter_x/a.ipynb", "chapter_y/*, chapter_x/*")
    assert not compat._matches("chapter_x/a.ipynb", "chapter_y/*")
    monkeypatch.setattr(compat, "RESULTS", tmp_path)
    rows = [{"notebook": "chapter_preliminaries/b", "status": "FAIL", "seconds": 2.0,
             "reason": "x | y", "cell": 3},
            {"notebook": "chapter_introduction/a", "status": "pass", "seconds": 1.0,
             "reason": "", "cell": None}]
    compat.write_table("zh", rows, ["a.md:1: patched"], 0.0)
    table = (tmp_path / "compat-zh.md").read_text(encoding="utf-8")
    assert table.index("chapter_introduction/a") < table.index("chapter_preliminaries/b")
    assert "FAIL 1, pass 1" in table and "x \\| y" in table and "- a.md:1: patched" in table
    assert [r["notebook"] for r in compat.previous_rows("zh")] == [
        "chapter_introduction/a", "chapter_preliminaries/b"]


def test_a_cell_left_with_a_tab_magic_is_a_toolchain_failure():
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_code_cell("\n%%tab pytorch, jax\nx")])
    assert compat.toolchain_left_magic(nb, 1)
    assert not compat.toolchain_left_magic(nb, 0)
    assert not compat.toolchain_left_magic(nb, None)
