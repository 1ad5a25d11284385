"""Bad sources and settings: the nesting limit, broken files, config values, and
``check`` running every validation the builds run."""

from __future__ import annotations

import pytest
from hostile import SECTION, Sandbox, assert_refused

from d2lbook.source.parse import NESTING_LIMIT


def nested_list(depth: int) -> str:
    return "\n".join("   " * i + f"- 第{i}层" for i in range(depth)) + "\n"


TAIL = """
后面的正文。

```{.python .input}
#@save
def after_the_list():
    return 42
```
"""


@pytest.mark.parametrize("depth", [11, 20, 40])
def test_deep_list_within_the_limit_keeps_everything(box: Sandbox, depth):
    """CommonMark's preset stops at ten nested lists and drops the rest of the file."""
    box.write({"chapter_one/one.md": "# 一\n\n" + nested_list(depth) + TAIL})
    box.config("[library-pytorch]\nlib_file = lib/torch.py\nlib_name = torch")
    r = box.run("build", "lib")
    assert r.rc == 0, r.text
    assert "def after_the_list" in (box.book / "lib/torch.py").read_text()


@pytest.mark.parametrize("depth", [NESTING_LIMIT // 2 + 1, 200])
def test_list_beyond_the_limit_is_an_error_with_its_line(box: Sandbox, depth):
    box.write({"chapter_one/one.md": "# 一\n\n" + nested_list(depth) + TAIL})
    r = box.run_clean("build", "notebooks")
    assert_refused(r, f"chapter_one/one.md:{NESTING_LIMIT // 2 + 2}", "nested more than")
    assert not (box.build / "notebooks").exists()


def test_deep_quotes_are_an_error(box: Sandbox):
    box.write({"chapter_one/one.md": "# 一\n\n" + ">" * 300 + " 引用\n" + TAIL})
    assert_refused(box.run_clean("check"), "chapter_one/one.md:3", "nested more than")


def test_mixed_quotes_and_lists_beyond_the_limit(box: Sandbox):
    box.write({"chapter_one/one.md": "# 一\n\n" + "> - " * 60 + "x\n" + TAIL})
    r = box.run_clean("check")
    assert_refused(r, "chapter_one/one.md:3", "nested more than")


def test_unclosed_fence(box: Sandbox):
    box.write({"chapter_one/one.md": "# 一\n\n```{.python .input}\nx = 1\n"})
    assert_refused(box.run_clean("check"), "chapter_one/one.md:3")


def test_not_utf8_source(box: Sandbox):
    box.write({"chapter_one/one.md": "# 一\n\n".encode() + b"\xff\xfe bad\n"})
    assert_refused(box.run_clean("check"), "chapter_one/one.md:3", "UTF-8")


def test_save_syntax_error_fails_check_as_it_fails_build(box: Sandbox):
    box.write({"chapter_one/one.md": "# 一\n\n```{.python .input}\n#@save\ndef f(:\n```\n"})
    box.config("[library-pytorch]\nlib_file = lib/torch.py\nlib_name = torch")
    built = box.run_clean("build", "lib")
    checked = box.run_clean("check")
    assert_refused(built, "chapter_one/one.md:")
    assert_refused(checked, "chapter_one/one.md:")
    assert not (box.book / "lib").exists()


def test_overlong_line_and_many_blocks(box: Sandbox):
    box.write({"chapter_one/one.md": SECTION + "\n" + "字" * 300_000 + "\n" + "段落。\n\n" * 5000})
    r = box.run("check")
    assert r.rc == 0, r.text


def test_missing_section_file(box: Sandbox):
    box.write({"index.md": "# 书\n\n```toc\nchapter_one/one\nchapter_one/nope\n```\n"})
    assert_refused(box.run_clean("check"), "index.md:5", "missing file")


def test_section_listed_twice(box: Sandbox):
    box.write({"index.md": "# 书\n\n```toc\nchapter_one/one\nchapter_one/one\n```\n"})
    assert_refused(box.run_clean("check"), "index.md:5", "more than one toc")


# ------------------------------------------------------------------------- config.ini


def test_missing_config_is_named(box: Sandbox):
    (box.book / "config.ini").unlink()
    r = box.run_clean("check")
    assert_refused(r, "config.ini", "not found")
    assert "not in [build] tabs" not in r.text


def test_missing_book_folder(box: Sandbox):
    r = box.run_clean("check", "--book", str(box.root / "nope"))
    assert_refused(r, "no such folder")


@pytest.mark.parametrize("value", ["a\x00b", "x" * 5000, "{secret}"])
def test_bad_book_option(box: Sandbox, value):
    value = value.replace("{secret}", str(box.outside / "secret.txt"))
    assert_refused(box.run_clean("check", "--book", value), "--book")


def test_out_option_naming_a_file(box: Sandbox):
    r = box.run_clean("build", "html", "--no-search", "--out", str(box.outside / "secret.txt"))
    assert_refused(r, "--out", "not a folder")


def test_config_not_utf8(box: Sandbox):
    (box.book / "config.ini").write_bytes(b"[project]\nname = \xff\n")
    assert_refused(box.run_clean("check"), "config.ini", "UTF-8")


def test_config_without_section_header(box: Sandbox):
    (box.book / "config.ini").write_text("name = x\n")
    assert_refused(box.run_clean("check"), "config.ini:1")


@pytest.mark.parametrize("key,value", [
    ("timeout", "abc"), ("timeout", "nan"), ("timeout", "-1"), ("timeout", "inf"),
    ("notebook_timeout", "soon"), ("notebooks_per_gpu", "0"), ("notebooks_per_gpu", "1.5"),
    ("max_output", "0"), ("gpus", "chapter_x/*"), ("gpus", "a=b"), ("gpus", "a=-2"),
])
def test_bad_eval_numbers_fail_check(box: Sandbox, key, value):
    box.config(f"[eval]\n{key} = {value}")
    assert_refused(box.run_clean("check"), f"[eval] {key}")


@pytest.mark.parametrize("section,key,value", [
    ("build", "tabs", "py torch"), ("build", "tabs", "a, a"), ("build", "tabs", ","),
    ("project", "lang", "中文"), ("build", "eval_notebook", "maybe"),
    ("project", "name", "../../outside/evil"), ("project", "name", "/tmp/x"),
    ("project", "name", ".."),
])
def test_bad_config_values_name_their_key(box: Sandbox, section, key, value):
    box.config(f"[{section}]\n{key} = {value}")
    assert_refused(box.run_clean("check"), f"[{section}] {key}")


@pytest.mark.parametrize("value", ["/", "../outside/page", "/etc/passwd", ".md"])
def test_index_outside_the_book(box: Sandbox, value):
    box.config(f"[build]\nindex = {value}")
    assert_refused(box.run_clean("check"), "[build] index")


def test_index_missing(box: Sandbox):
    box.config("[build]\nindex = nope")
    assert_refused(box.run_clean("check"), "nope.md")


@pytest.mark.parametrize("value", [".", "chapter_one", "../outside/secret.txt", "/etc/passwd"])
def test_bibfile_that_is_not_a_file_in_the_book(box: Sandbox, value):
    box.config(f"[pdf]\nbibfile = {value}")
    assert_refused(box.run_clean("check"), "[pdf] bibfile")


@pytest.mark.parametrize("value", ["../../outside/secret.txt", "../chapter_one"])
def test_bibliography_role_outside_the_book(box: Sandbox, value):
    box.write({"chapter_one/one.md": SECTION + f"\n:bibliography:`{value}`\n"})
    r = box.run_clean("check")
    assert_refused(r, "bibliography file")
