"""The golden test book uses every construct of the source format; its notebooks and
library are compared with checked-in expected files (UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from d2lbook.cli import main

EXPECTED = Path(__file__).parent / "golden"


def _collect(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted((root / "lib").rglob("*.py")):
        out[f"lib/{p.relative_to(root / 'lib')}"] = p.read_text(encoding="utf-8")
    nbroot = root / "_build" / "notebooks"
    for p in sorted(nbroot.rglob("*.ipynb")):
        out[f"notebooks/{p.relative_to(nbroot)}"] = p.read_text(encoding="utf-8")
    return out


@pytest.fixture
def built(book_copy):
    root = book_copy("golden")
    assert main(["build", "lib", "--book", str(root)]) == 0
    assert main(["build", "notebooks", "--book", str(root)]) == 0
    return root


def test_golden_outputs_match(built):
    got = _collect(built)
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for name, text in got.items():
            (EXPECTED / name).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / name).write_text(text, encoding="utf-8")
    expected = {str(p.relative_to(EXPECTED)): p.read_text(encoding="utf-8")
                for p in sorted(EXPECTED.rglob("*")) if p.is_file()}
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], f"{name} differs from tests/golden/{name}"


def test_golden_notebooks_are_valid_and_per_tab(built):
    nbroot = built / "_build" / "notebooks"
    assert sorted(p.name for p in nbroot.iterdir()) == ["jax", "mxnet", "pytorch"]
    for path in nbroot.rglob("*.ipynb"):
        nbformat.validate(nbformat.read(path, as_version=4))
    nb = json.loads((nbroot / "jax" / "chapter_one" / "basics.ipynb").read_text("utf-8"))
    code = [c["source"] for c in nb["cells"] if c["cell_type"] == "code"]
    # jax gets its own square(), the shared cube(), the tab.selected branch, no pytorch cells
    assert any("x ** 2" in c for c in code)
    assert not any("Counter" in c for c in code)
    assert any(c.startswith("y = [1.0, 1.0]") for c in code)
    text = "\n".join(c["source"] for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "MXNet 和 JAX 在这里相同" in text and "PyTorch 用" not in text
    assert "[图1.1](basics.ipynb#fig_box)" in text
    assert "tab.interact_select" not in json.dumps(nb)


def test_golden_library_imports_and_merges(built):
    lib = (built / "lib" / "mylib" / "torch.py").read_text("utf-8")
    compile(lib, "torch.py", "exec")  # valid Python
    assert lib.count("def __init__") == 1, "a replaced method must not be kept twice"
    assert "self.n = 10" in lib and "def step(self):" in lib
    assert 'Defined in :numref:`sec_more`' in lib
    assert "ones = torch.ones\nconcat = torch.cat" in lib
    jax = (built / "lib" / "mylib" / "jax.py").read_text("utf-8")
    assert "import jax\nfrom jax import numpy as jnp" in jax
    assert "sigmoid = jax.nn.sigmoid" in jax
    assert (built / "lib" / "mylib" / "__init__.py").read_text("utf-8").endswith(
        '__version__ = "1.2.3"\n')


def test_lib_check_detects_drift(built, capsys):
    assert main(["build", "lib", "--check", "--book", str(built)]) == 0
    f = built / "lib" / "mylib" / "torch.py"
    f.write_text(f.read_text("utf-8") + "\nx = 1\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["build", "lib", "--check", "--book", str(built)]) == 1
    out = capsys.readouterr()
    assert "-x = 1" in out.out and "differs from the book" in out.err
