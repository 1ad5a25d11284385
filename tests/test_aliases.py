"""``d2l.<alias>`` rewriting per tab (source-format.md: aliases are rewritten in the
generated notebooks and emitted into the library)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from d2lbook.cli import main
from d2lbook.config import LibConfig, parse_args_mapping, parse_mapping
from d2lbook.source.aliases import rewrite_aliases

TORCH = LibConfig(
    tab="pytorch", lib_file=Path("lib/torch.py"), lib_name="torch",
    simple_alias=parse_mapping("ones_like, ones, sin, concat -> cat, float32"),
    fluent_alias=parse_mapping("numpy -> detach().numpy, reshape, reduce_sum -> sum, "
                               "size -> numel"),
    args_alias=parse_args_mapping("mean(a_x, axis=None) -> torch.mean(a_x, dim=axis)"))


def test_simple_aliases_become_framework_names_with_word_boundaries():
    src = "x = d2l.ones(3)\ny = d2l.ones_like(x)\nz = d2l.sinh(x) + d2l.sin(x)\nd2l.float32"
    assert rewrite_aliases(src, TORCH) == (
        "x = torch.ones(3)\ny = torch.ones_like(x)\nz = d2l.sinh(x) + torch.sin(x)\n"
        "torch.float32")


def test_fluent_aliases_move_the_first_argument_in_front():
    assert rewrite_aliases("d2l.numpy(x)", TORCH) == "x.detach().numpy()"
    assert rewrite_aliases("d2l.reshape(x, (2, -1))", TORCH) == "x.reshape((2, -1))"
    assert rewrite_aliases("d2l.reduce_sum(x, dim=0, keepdim=True)", TORCH) == \
        "x.sum(dim=0, keepdim=True)"
    # an operator expression keeps its meaning
    assert rewrite_aliases("d2l.reshape(a + b, -1)", TORCH) == "(a + b).reshape(-1)"


def test_nested_aliases_comments_magics_and_unicode_survive():
    src = ("%matplotlib inline\n"
           "print('形状', d2l.size(d2l.reshape(d2l.ones((2, 3)), (3, 2))))  # 注释\n")
    assert rewrite_aliases(src, TORCH) == (
        "%matplotlib inline\nprint('形状', torch.ones((2, 3)).reshape((3, 2)).numel())  # 注释\n")


def test_argument_aliases_map_arguments_and_drop_unused_keywords():
    assert rewrite_aliases("d2l.mean(a * b, axis=1)", TORCH) == "torch.mean(a * b, dim=1)"
    assert rewrite_aliases("d2l.mean(x)", TORCH) == "torch.mean(x)"
    # a call shape the mapping does not describe stays (the library defines mean too)
    assert rewrite_aliases("d2l.mean(x, 1)", TORCH) == "d2l.mean(x, 1)"


def test_reverse_aliases_are_plain_text_replacements_made_first():
    from dataclasses import replace

    lib = replace(TORCH, reverse_alias=parse_args_mapping("d2l.np.pi -> math.pi"))
    assert rewrite_aliases("x = d2l.np.pi * d2l.ones(2)", lib) == "x = math.pi * torch.ones(2)"


def test_invalid_python_gets_the_simple_aliases_only_and_no_lib_changes_nothing():
    assert rewrite_aliases("def f(:\n    d2l.ones(3), d2l.reshape(x, 2)", TORCH) == \
        "def f(:\n    torch.ones(3), d2l.reshape(x, 2)"
    assert rewrite_aliases("d2l.ones(3)", None) == "d2l.ones(3)"
    assert rewrite_aliases("d2l.Trainer(max_epochs=1)", TORCH) == "d2l.Trainer(max_epochs=1)"


_names = st.sampled_from(["x", "y", "w"])


def _expr(depth: int):
    leaf = _names | st.integers(0, 9).map(str)
    if depth == 0:
        return leaf
    sub = _expr(depth - 1)
    return st.one_of(
        leaf,
        sub.map(lambda e: f"d2l.numpy({e})"),
        st.tuples(sub, sub).map(lambda t: f"d2l.reshape({t[0]} + {t[1]}, -1)"),
        st.tuples(sub, sub).map(lambda t: f"d2l.concat([{t[0]}, {t[1]}], 0)"),
        sub.map(lambda e: f"d2l.mean({e}, axis=0)"),
        sub.map(lambda e: f"d2l.size({e})"),
    )


@settings(max_examples=200, deadline=None)
@given(_expr(4))
def test_rewritten_code_parses_and_keeps_no_mapped_alias(expr):
    out = rewrite_aliases(f"z = {expr}\n", TORCH)
    ast.parse(out)
    for name in ("numpy", "reshape", "concat", "mean", "size"):
        assert f"d2l.{name}(" not in out


BOOK = {
    "a.md": "# A\n:label:`sec_a`\n\n"
            "```{.python .input}\n#@tab all\nx = d2l.reshape(d2l.ones(6), (2, 3))\n```\n\n"
            "```{.python .input}\n#@tab all\ndef flat(x):  #@save\n"
            "    return d2l.reshape(x, -1)\n```\n",
}
CONFIG = ("[project]\nname = t\nlang = zh\n[build]\ntabs = pytorch, jax\n"
          "[library-pytorch]\nlib_file = lib/torch.py\nlib_name = torch\n"
          "simple_alias = ones\nfluent_alias = reshape\n"
          "[library-jax]\nlib_file = lib/jax.py\nlib_name = jnp\n"
          "simple_alias = ones\nfluent_alias = reshape\n")


def _code(nb_path: Path) -> list[str]:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def test_notebooks_and_site_show_each_tab_its_framework_and_the_library_keeps_aliases(
        make_book):
    root = make_book(BOOK, config=CONFIG)
    assert main(["build", "notebooks", "--book", str(root)]) == 0
    nbs = root / "_build" / "notebooks"
    assert _code(nbs / "pytorch" / "a.ipynb")[0] == "x = torch.ones(6).reshape((2, 3))"
    assert _code(nbs / "jax" / "a.ipynb")[0] == "x = jnp.ones(6).reshape((2, 3))"
    assert main(["build", "lib", "--book", str(root)]) == 0
    lib = (root / "lib" / "torch.py").read_text(encoding="utf-8")
    assert "return d2l.reshape(x, -1)" in lib  # saved as written
    assert "ones = torch.ones" in lib and "reshape = lambda x" in lib
    assert main(["build", "html", "--book", str(root), "--no-search"]) == 0
    page = (root / "_build" / "html" / "a.html").read_text(encoding="utf-8")
    # the two tabs now differ, so the cell is shown per tab
    assert page.count('data-tabs="pytorch"') >= 1 and page.count('data-tabs="jax"') >= 1
    assert "jnp" in page and "torch" in page
