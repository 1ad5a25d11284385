"""Property-based tests: random and mutated markdown never makes the parser raise
anything but the toolchain's own error type."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from d2lbook.config import load_config
from d2lbook.errors import D2LBookError, Diagnostics
from d2lbook.outputs.library import LibraryBuilder
from d2lbook.outputs.notebooks import section_notebook
from d2lbook.resolve import resolve
from d2lbook.source.model import Book, Section
from d2lbook.source.parse import parse_section

SEED = (Path(__file__).parent / "books" / "golden" / "chapter_one" / "basics.md").read_text(
    encoding="utf-8")
PIECES = [
    "# T\n", ":label:`sec_a`\n", ":label:`fig_b`\n", "```{.python .input}\n", "```\n",
    "````\n", "%%tab pytorch\n", "#@tab all\n", "#@save\n", "def f():  #@save\n",
    "    return 1\n", "@d2l.add_to_class(C)  #@save\n", ":begin_tab:`pytorch`\n",
    ":end_tab:\n", ":begin_tab:`nope`\n", "$$x$$\n", ":eqlabel:`eq_a`\n", "$", "$$",
    "![c](../img/x.svg)\n", ":width:`3px`\n", ": cap\n", "| a | b |\n", "|---|---|\n",
    ":numref:`fig_b`", ":cite:`K`", ":citet:`K,L`", "[**s**]", "(~~t~~)", "```toc\n",
    ":numbered:\n", "```eval_rst\n", ".. only:: html\n", "\n", "\n\n", "* item\n", "> q\n",
    "if tab.selected('pytorch'):\n", "else:\n", "    x = 1\n", "`", "**", "<div>", ":x:`",
    "\t", "\ufeff", "中文", "\\", "[a](b.md)",
]


def _config(tmp: Path):
    (tmp / "config.ini").write_text(
        "[build]\ntabs = pytorch, jax\n[library-pytorch]\nlib_file = l.py\nlib_name = torch\n")
    return load_config(tmp, Diagnostics())


CFG = None


def config():
    global CFG
    if CFG is None:
        import tempfile
        CFG = _config(Path(tempfile.mkdtemp()))
    return CFG


def run_all(text: str) -> None:
    """Parse, number, render notebooks and extract the library; only our errors may escape."""
    cfg = config()
    d = Diagnostics()
    try:
        blocks = parse_section(text, "s.md", cfg, d)
        sec = Section("s", blocks)
        book = Book(Path("."), cfg, {"s": sec}, index="s")
        refs = resolve(book, d)
        for tab in cfg.tabs:
            section_notebook(book, sec, tab, refs)
        LibraryBuilder(book, "pytorch", cfg.libraries["pytorch"], d).build()
    except D2LBookError:
        pass
    for diag in d.items:
        assert diag.loc is None or diag.loc.line >= 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_random_text(text):
    run_all(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=40))
def test_random_constructs(pieces):
    run_all("".join(pieces))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_golden_section(data):
    text = SEED
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(text)))
        op = data.draw(st.sampled_from(["delete", "insert", "dup"]))
        if op == "delete":
            j = data.draw(st.integers(i, min(len(text), i + 40)))
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + data.draw(st.sampled_from(PIECES)) + text[i:]
        else:
            j = data.draw(st.integers(i, min(len(text), i + 80)))
            text = text[:j] + text[i:j] + text[j:]
    run_all(text)
