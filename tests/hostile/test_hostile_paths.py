"""Paths that leave the book or the build folder: output_dir, clean, toc entries,
resources, images, library files, data globs and --out."""

from __future__ import annotations

import json
import os

import pytest
from hostile import INDEX, Sandbox, assert_refused

from d2lbook.util import UnsafePathError, check_write, writes_allowed

# ------------------------------------------------------------------ output_dir and clean


@pytest.mark.parametrize("value", [".", "./", "chapter_one/..", "chapter_one", "config.ini",
                                   "chapter_one/one.md"])
def test_output_dir_holding_sources_is_refused_and_clean_deletes_nothing(box: Sandbox, value):
    box.config(f"[build]\noutput_dir = {value}")
    r = box.run_clean("check")
    assert_refused(r, "config.ini", "[build] output_dir")
    r = box.run_clean("clean")
    assert_refused(r, "[build] output_dir")
    assert (box.book / "index.md").is_file() and (box.book / "chapter_one/one.md").is_file()


def test_output_dir_absolute_outside_folder(box: Sandbox):
    box.config(f"[build]\noutput_dir = {box.outside}")
    assert_refused(box.run_clean("check"), "[build] output_dir")
    assert_refused(box.run_clean("clean"), "[build] output_dir")
    assert (box.outside / "secret.txt").is_file()


def test_output_dir_climbing_out(box: Sandbox):
    box.config("[build]\noutput_dir = ../outside")
    assert_refused(box.run_clean("clean"), "[build] output_dir")
    assert_refused(box.run_clean("build", "notebooks"), "[build] output_dir")


def test_output_dir_symlink_leaving_the_book(box: Sandbox):
    (box.book / "out").symlink_to(box.outside, target_is_directory=True)
    box.config("[build]\noutput_dir = out")
    assert_refused(box.run_clean("clean"), "[build] output_dir")
    assert_refused(box.run_clean("build", "notebooks"), "[build] output_dir")
    assert box.outside_files()["secret.txt"]


def test_output_dir_holding_another_config(box: Sandbox):
    box.write({"sub/config.ini": "[project]\nname = x\n"})
    box.config("[build]\noutput_dir = sub")
    assert_refused(box.run_clean("clean"), "[build] output_dir")
    assert (box.book / "sub/config.ini").is_file()


def test_output_dir_empty_value(box: Sandbox):
    box.config("[build]\noutput_dir =")
    assert_refused(box.run_clean("check"), "[build] output_dir", "empty")


def test_clean_removes_only_the_build_folder(box: Sandbox):
    assert box.run_clean("build", "notebooks").rc == 0
    assert (box.build / "notebooks/pytorch/chapter_one/one.ipynb").is_file()
    r = box.run_clean("clean")
    assert r.rc == 0, r.text
    assert not box.build.exists()
    assert (box.book / "index.md").is_file()


def test_clean_refuses_a_build_folder_that_became_a_symlink(box: Sandbox):
    """The setting is fine, but _build itself was replaced by a link out of the book."""
    box.build.symlink_to(box.outside, target_is_directory=True)
    r = box.run("clean")
    assert_refused(r, "output_dir")
    assert box.outside_files()["keep/a.txt"] == "a\n"


# ------------------------------------------------------------------------- toc entries


@pytest.mark.parametrize("entry", ["/etc/passwd", "../outside/page", "../../sandbox/outside/page",
                                   "chapter_one/../../outside/page", "..\\outside\\page"])
def test_toc_entry_outside_the_book(box: Sandbox, entry):
    box.write({"index.md": f"# 书\n\n```toc\n:numbered:\n\nchapter_one/one\n{entry}\n```\n"})
    for argv in (("check",), ("build", "notebooks"), ("build", "html", "--no-search")):
        r = box.run_clean(*argv)
        assert_refused(r, "index.md:7", "outside the book")
    assert "page.ipynb" in box.outside_files()


def test_toc_entry_outside_from_a_nested_section(box: Sandbox):
    box.write({"chapter_one/one.md": "# 一\n\n```toc\n../../outside/page\n```\n"})
    assert_refused(box.run_clean("build", "notebooks"), "chapter_one/one.md:4",
                   "outside the book")


def test_toc_entry_symlink_leaving_the_book(box: Sandbox):
    (box.book / "chapter_one" / "two.md").symlink_to(box.outside / "page.md")
    box.write({"index.md": "# 书\n\n```toc\nchapter_one/one\nchapter_one/two\n```\n"})
    r = box.run_clean("build", "notebooks")
    assert_refused(r, "index.md:5", "symbolic link")


def test_toc_entry_with_nul_byte(box: Sandbox):
    box.write({"index.md": "# 书\n\n```toc\nchapter_one/one\x00x\n```\n"})
    r = box.run_clean("check")
    assert r.rc != 0 and "Traceback" not in r.text


# --------------------------------------------------------------------------- resources


@pytest.mark.parametrize("value", ["../outside", "/etc", "img/../../outside"])
def test_resource_outside_the_book(box: Sandbox, value):
    box.config(f"[build]\nresources = {value}")
    assert_refused(box.run_clean("check"), "[build] resources", "outside the book")


def test_resource_folder_with_a_link_out_is_not_copied(box: Sandbox):
    box.write({"img/ok.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    (box.book / "img" / "p.svg").symlink_to(box.outside / "secret.txt")
    box.config("[build]\nresources = img")
    r = box.run_clean("build", "notebooks")
    assert r.rc == 0, r.text
    assert "img/p.svg is a symbolic link that leaves the book" in r.text, r.text
    r = box.run_clean("build", "html", "--no-search")
    assert "img/p.svg is a symbolic link that leaves the book" in r.text, r.text
    assert not (box.build / "html/img/p.svg").exists()
    nb_img = box.build / "notebooks/pytorch/img"
    assert (nb_img / "ok.svg").is_file()
    assert not (nb_img / "p.svg").exists()
    copied = [p for p in box.build.rglob("*") if p.is_file()
              and p.read_bytes() == b"do not copy or delete\n"]
    assert copied == []


def test_image_symlink_leaving_the_book_is_not_published(box: Sandbox):
    (box.book / "img").mkdir()
    (box.book / "img" / "p.svg").symlink_to(box.outside / "secret.txt")
    box.write({"chapter_one/one.md": "# 一\n\n![图](../img/p.svg)\n"})
    r = box.run_clean("build", "html", "--no-search")
    assert "img/p.svg" in r.text and "leaves the book" in r.text, r.text
    assert not (box.build / "html/img/p.svg").exists()
    leaked = [p for p in box.build.rglob("*") if p.is_file() and b"do not copy" in p.read_bytes()]
    assert leaked == []


def test_image_path_outside_the_book(box: Sandbox):
    box.write({"chapter_one/one.md": "# 一\n\n![图](../../outside/secret.txt)\n"})
    r = box.run_clean("build", "html", "--no-search")
    assert "outside the book" in r.text or "missing image" in r.text, r.text
    leaked = [p for p in box.build.rglob("*") if p.is_file() and b"do not copy" in p.read_bytes()]
    assert leaked == []


# ----------------------------------------------------------------- library and version


@pytest.mark.parametrize("value,needle", [
    ("lib/torch.txt", "not a Python file"),
    ("index.md", "not a Python file"),
    ("_build/torch.py", "inside the build folder"),
    ("lib/my-lib.py", "not a Python file"),
])
def test_bad_library_file(box: Sandbox, value, needle):
    box.config(f"[library-pytorch]\nlib_file = {value}\nlib_name = torch")
    assert_refused(box.run_clean("check"), "[library-pytorch] lib_file", needle)
    assert_refused(box.run_clean("build", "lib"), "[library-pytorch] lib_file")


def test_library_file_symlink(box: Sandbox):
    (box.book / "lib").mkdir()
    (box.book / "lib" / "torch.py").symlink_to(box.outside / "secret.txt")
    box.config("[library-pytorch]\nlib_file = lib/torch.py\nlib_name = torch")
    assert_refused(box.run_clean("build", "lib"), "[library-pytorch] lib_file", "symbolic link")
    assert box.outside_files()["secret.txt"] == "do not copy or delete\n"


def test_version_file_must_be_python(box: Sandbox):
    box.config("[library]\nversion_file = index.md")
    assert_refused(box.run_clean("build", "lib"), "[library] version_file")
    assert (box.book / "index.md").read_text(encoding="utf-8") == INDEX


# ------------------------------------------------------------------------ data, --out


@pytest.mark.parametrize("value", ["/etc/passwd", "../outside/*", "data/../../outside/x"])
def test_eval_data_glob_outside_the_book(box: Sandbox, value):
    box.config(f"[eval]\ndata = {value}")
    assert_refused(box.run_clean("check"), "[eval] data")


@pytest.mark.parametrize("where", ["book", "sandbox"])
def test_html_out_option_on_the_book_itself(box: Sandbox, where):
    out = box.book if where == "book" else box.root
    r = box.run_clean("build", "html", "--no-search", "--out", str(out))
    assert_refused(r, "--out")


def test_html_out_option_elsewhere_is_allowed(box: Sandbox):
    site = box.root / "site"
    r = box.run("build", "html", "--no-search", "--out", str(site))
    assert r.rc == 0, r.text
    assert (site / "index.html").is_file()


# ------------------------------------------------------------------ the one checkpoint


def test_writes_through_a_linked_build_subfolder_are_refused(box: Sandbox):
    """_build/notebooks replaced by a link out of the book: the writer refuses."""
    box.build.mkdir()
    (box.build / "notebooks").symlink_to(box.outside, target_is_directory=True)
    r = box.run_clean("build", "notebooks")
    assert_refused(r, "outside the build folder")
    assert sorted(box.outside_files()) == ["keep/a.txt", "page.html", "page.ipynb", "page.md",
                                          "secret.txt"]


def test_stale_page_list_naming_outside_files_deletes_nothing(box: Sandbox):
    """The HTML state file lists pages to delete when they leave the book; a tampered one
    naming a path out of the build folder must not delete it."""
    assert box.run("build", "html", "--no-search").rc == 0
    states = [p for p in (box.build / "html").rglob("*.json") if "pages" in p.read_text()]
    assert states, "the html build keeps a state file"
    state = json.loads(states[0].read_text())
    state["pages"]["../../../outside/page"] = state["pages"][next(iter(state["pages"]))]
    states[0].write_text(json.dumps(state))
    r = box.run_clean("build", "html", "--no-search")
    assert_refused(r, "outside the build folder")
    assert (box.outside / "page.html").is_file()


def test_check_write_unit(tmp_path):
    inside, outside = tmp_path / "b", tmp_path / "o"
    inside.mkdir()
    outside.mkdir()
    with writes_allowed(inside):
        assert check_write(inside / "x" / "y.html") == inside / "x" / "y.html"
        with pytest.raises(UnsafePathError):
            check_write(outside / "y.html")
        with pytest.raises(UnsafePathError):
            check_write(inside / ".." / "o" / "y.html")
        os.symlink(outside, inside / "link")
        with pytest.raises(UnsafePathError):
            check_write(inside / "link" / "y.html")


@pytest.mark.parametrize("key", ["favicon", "html_logo", "include_css", "include_js"])
@pytest.mark.parametrize("value", ["../outside/secret.txt", "/etc/hostname", "img"])
def test_html_static_files_outside_the_book(box: Sandbox, key, value):
    (box.book / "img").mkdir()
    box.config(f"[html]\n{key} = {value}")
    r = box.run_clean("build", "html", "--no-search")
    assert_refused(r, f"[html] {key}", "not a file inside the book")
    leaked = [p for p in box.build.rglob("*") if p.is_file() and b"do not copy" in p.read_bytes()]
    assert leaked == []


def test_html_static_file_link_leaving_the_book(box: Sandbox):
    (box.book / "logo.svg").symlink_to(box.outside / "secret.txt")
    box.config("[html]\nhtml_logo = logo.svg")
    assert_refused(box.run_clean("check"), "[html] html_logo")


@pytest.mark.parametrize("value", [".", "img/..", "../outside", "/tmp", "chapter_one"])
def test_results_store_that_could_prune_the_book(box: Sandbox, value):
    """[eval] store names the folder whose unreferenced images `build eval --store`
    deletes: never the book itself, a source folder, or a folder outside."""
    box.write({"img/a.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    box.config(f"[eval]\nstore = {value}")
    assert_refused(box.run_clean("check"), "[eval] store")
    assert_refused(box.run_clean("build", "eval", "--store", "--no-lib"), "[eval] store")
    assert (box.book / "img/a.svg").is_file()
