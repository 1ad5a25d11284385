"""Fuzz target: random small books (random nesting, toc paths, links, config values) and
random commands. Whatever the input, a command ends with a status (0, 1, or argparse's
2), never a traceback, and nothing outside the build folder changes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hostile import Sandbox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from d2lbook.config import load_config
from d2lbook.errors import Diagnostics

NAMES = ["a", "b", "c_d", "sec-1", "中文"]
HOSTILE_TOC = ["../outside/page", "/etc/passwd", "..", "../../sandbox/outside/page",
               "a/../../outside/page", "link_out", "..\\outside\\page", "./a", "a/./b", ""]
OUTPUT_DIRS = ["_build", ".", "./", "..", "../outside", "{outside}", "a", "out_link", "",
               "_build/../..", "sub/dir", "/tmp"]
RESOURCES = ["img", "../outside", "/", "", "img, ../outside", "img_link", "a.md"]
TIMEOUTS = ["1", "abc", "nan", "-1", "", "inf", "1e309", "0"]
TABS = ["pytorch", "pytorch, jax", "", "a b", "pytorch, pytorch", "jax"]
LIB_FILES = ["lib/torch.py", "lib/torch.txt", "_build/x.py", "index.md", "../outside/x.py",
             "lib_link/torch.py"]
COMMANDS = [("check",), ("build", "notebooks"), ("build", "lib"), ("clean",),
            ("build", "html", "--no-search", "--no-outputs"), ("check", "--strict"),
            ("build", "colab")]


def block(draw) -> str:
    kind = draw(st.sampled_from(["para", "list", "quote", "code", "save", "image", "fence",
                                 "math", "junk"]))
    depth = draw(st.integers(0, 70))
    if kind == "list":
        return "\n".join("   " * i + "- 项" for i in range(depth)) + "\n"
    if kind == "quote":
        return ">" * depth + " 引\n"
    if kind == "code":
        return "```{.python .input}\nprint(1)\n```\n"
    if kind == "save":
        body = draw(st.sampled_from(["def f():\n    return 1", "def f(:", "x = 1"]))
        return f"```{{.python .input}}\n#@save\n{body}\n```\n"
    if kind == "image":
        src = draw(st.sampled_from(["img/ok.svg", "img/link.svg", "../outside/secret.txt",
                                    "/etc/passwd", "../../outside/page.html"]))
        return f"![图]({src})\n"
    if kind == "fence":
        return "```\nunclosed\n"
    if kind == "math":
        return "$$x^2$$\n"
    return draw(st.text(st.characters(codec="utf-8"), max_size=40)) + "\n"


@st.composite
def books(draw):
    sections = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    toc = [draw(st.sampled_from(sections + HOSTILE_TOC)) for _ in range(draw(st.integers(1, 5)))]
    files = {s + ".md": f"# {s}\n\n" + "\n".join(block(draw) for _ in range(
        draw(st.integers(0, 4)))) for s in sections}
    files["index.md"] = "# 书\n\n```toc\n" + "\n".join(toc) + "\n```\n"
    config = {
        "output_dir": draw(st.sampled_from(OUTPUT_DIRS)),
        "resources": draw(st.sampled_from(RESOURCES)),
        "tabs": draw(st.sampled_from(TABS)),
        "timeout": draw(st.sampled_from(TIMEOUTS)),
        "lib_file": draw(st.sampled_from(LIB_FILES)),
    }
    command = draw(st.sampled_from(COMMANDS))
    return files, config, command


@settings(max_examples=int(os.environ.get("D2LBOOK_FUZZ_EXAMPLES", "40")), deadline=None, suppress_health_check=list(HealthCheck))
@given(books())
def test_fuzz_books_never_traceback_nor_touch_outside(case):
    files, config, command = case
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        box = Sandbox(Path(tmp), mp)
        (box.book / "index.md").unlink()
        (box.book / "chapter_one" / "one.md").unlink()
        (box.book / "img").mkdir()
        (box.book / "img" / "ok.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
        os.symlink(box.outside / "secret.txt", box.book / "img" / "link.svg")
        os.symlink(box.outside / "page.md", box.book / "link_out.md")
        os.symlink(box.outside, box.book / "out_link", target_is_directory=True)
        os.symlink(box.outside, box.book / "img_link", target_is_directory=True)
        os.symlink(box.outside, box.book / "lib_link", target_is_directory=True)
        box.write(files)
        out = config["output_dir"].replace("{outside}", str(box.outside))
        box.write({}, (
            f"[project]\nname = fuzz\nlang = zh\n[build]\ntabs = {config['tabs']}\n"
            f"output_dir = {out}\nresources = {config['resources']}\n"
            f"[eval]\ntimeout = {config['timeout']}\n"
            f"[library-pytorch]\nlib_file = {config['lib_file']}\nlib_name = torch\n"))
        # the build folder the config names when it is valid (else _build), and the
        # library file, the one configured write outside it
        diags = Diagnostics()
        build = load_config(box.book, diags).output_dir
        skip = (box.book / "lib", build)
        before = box.snapshot(skip=skip)
        result = box.run(*command)
        after = box.snapshot(skip=skip)
        assert result.rc in (0, 1, 2), result.text
        assert "Traceback" not in result.text
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        assert not changed, (command, config, changed, result.text)
        assert (box.outside / "secret.txt").read_text() == "do not copy or delete\n"


KEYS = [("project", "name"), ("project", "lang"), ("project", "release"),
        ("build", "index"), ("build", "tabs"), ("build", "resources"), ("build", "output_dir"),
        ("build", "eval_notebook"), ("library", "version_file"),
        ("library-pytorch", "lib_file"), ("library-pytorch", "lib_name"),
        ("library-pytorch", "simple_alias"), ("library-pytorch", "fluent_alias"),
        ("library-pytorch", "args_alias"), ("library-pytorch", "reverse_alias"),
        ("eval", "timeout"), ("eval", "gpus"), ("eval", "data"), ("eval", "max_output"),
        ("eval", "notebooks_per_gpu"), ("colab", "github_repo"), ("colab", "libs"),
        ("colab", "replace_svg_url"), ("html", "header_links"), ("pdf", "bibfile"),
        ("html", "favicon"), ("html", "include_css"), ("html", "html_logo"), ("eval", "store"),
        ("eval", "store_pending")]
VALUE = st.one_of(
    st.sampled_from(["", ".", "..", "/", "../x", "a -> b", "a ->", "f(x) -> g(x)", "nan",
                     "-1", "1e999", "pytorch, jax", "x=1", "owner/repo", "a, b, c", "中文",
                     "index", "_build", "True", "img/*.png", "\\", "a\\b"]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20))


@settings(max_examples=int(os.environ.get("D2LBOOK_FUZZ_EXAMPLES", "40")), deadline=None,
          suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from(KEYS), VALUE, max_size=8),
       st.sampled_from([("check",), ("clean",), ("build", "notebooks"), ("build", "lib"),
                        ("build", "html", "--no-search", "--no-outputs"), ("build", "colab")]))
def test_fuzz_config_values(values, command):
    """Random values for the known config keys: a clean result or an error naming the
    key, never a traceback; nothing outside the build folder changes."""
    sections: dict[str, list[str]] = {}
    for (section, key), value in values.items():
        # configparser continuation lines: every line of the value indented
        sections.setdefault(section, []).append(f"{key} = " + value.replace("\n", "\n  "))
    text = "".join(f"[{s}]\n" + "\n".join(lines) + "\n" for s, lines in sections.items())
    if "build" not in sections:
        text += "[build]\ntabs = pytorch\n"
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        box = Sandbox(Path(tmp), mp)
        (box.book / "config.ini").write_text(text, encoding="utf-8")
        build = load_config(box.book, Diagnostics()).output_dir
        skip = (box.book / "lib", build)
        before = box.snapshot(skip=skip)
        result = box.run(*command)
        after = box.snapshot(skip=skip)
        assert result.rc in (0, 1, 2), result.text
        assert "Traceback" not in result.text
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        assert not changed, (command, text, changed, result.text)
