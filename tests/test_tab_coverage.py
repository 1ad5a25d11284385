"""The check that lists sections with PyTorch code and no JAX code (tools/tab_coverage.py)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import tab_coverage  # noqa: E402

CELL = "```{{.python .input}}\n%%tab {tab}\nx = 1\n```\n"


def _book(root: Path) -> Path:
    (root / "config.ini").write_text(
        "[project]\nname = t\ntitle = T\n\n[build]\nindex = index\ntabs = pytorch, jax\n")
    (root / "index.md").write_text(
        "# T\n\n```toc\n:maxdepth: 1\n\nfront\n```\n\n"
        "```toc\n:maxdepth: 2\n:numbered:\n\nch1/index\nch2/index\n```\n")
    (root / "front.md").write_text("# Front\n\n" + CELL.format(tab="pytorch"))
    for ch in ("ch1", "ch2"):
        (root / ch).mkdir()
        (root / ch / "index.md").write_text(f"# {ch}\n\n```toc\n:maxdepth: 2\n\nboth\ntorch\n```\n")
        (root / ch / "both.md").write_text(
            "# Both\n\n" + CELL.format(tab="pytorch") + "\n" + CELL.format(tab="jax"))
        (root / ch / "torch.md").write_text("# Torch\n\n" + CELL.format(tab="pytorch"))
    return root


def test_lists_sections_without_jax(tmp_path):
    missing, total = tab_coverage.missing_sections(_book(tmp_path), "pytorch", "jax")
    assert missing == ["front.md", "ch1/torch.md", "ch2/torch.md"]
    assert total == 5


def test_chapter_range_and_exit_status(tmp_path, capsys):
    root = _book(tmp_path)
    missing, total = tab_coverage.missing_sections(root, "pytorch", "jax", (2, 2))
    assert (missing, total) == (["ch2/torch.md"], 2)
    assert tab_coverage.main([str(root), "--chapters", "2"]) == 1
    assert capsys.readouterr().out.splitlines() == ["ch2/torch.md"]
    (root / "ch2" / "torch.md").write_text("# Torch\n\n" + CELL.format(tab="all"))
    assert tab_coverage.main([str(root), "--chapters", "2"]) == 0


def test_bad_chapter_range():
    with pytest.raises(SystemExit):
        tab_coverage.main(["book", "--chapters", "5-2"])
