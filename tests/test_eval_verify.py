"""The checks of tests/test_book_eval.py (d2lbook.execute.verify), on a small book."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from d2lbook.cli import main
from d2lbook.errors import Diagnostics
from d2lbook.execute import cache as cachemod
from d2lbook.execute import scheduler, verify
from d2lbook.source.parse import load_book

BOOKS = Path(__file__).resolve().parent / "books"
pytestmark = pytest.mark.xdist_group("eval-verify")


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("verify")
    root = tmp / "eval_small"
    shutil.copytree(BOOKS / "eval_small", root, ignore=shutil.ignore_patterns("_build"))
    assert main(["build", "eval", "--book", str(root), "--quick", "-j", "1",
                 "--cache-dir", str(tmp / "cache")]) == 0
    opts = scheduler.Options(quick=True, cache_dir=tmp / "cache",
                             progress=open(tmp / "progress.txt", "w"))
    return root, opts


def test_nothing_is_missing_after_evaluation_and_a_code_edit_is_found(evaluated):
    root, opts = evaluated
    assert verify.missing(load_book(root, Diagnostics()), opts) == []
    path = root / "chapter_a" / "three.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("range(10)", "range(11)"), encoding="utf-8")
    try:
        assert verify.missing(load_book(root, Diagnostics()), opts) == \
            ["pytorch/chapter_a/three"]
    finally:
        path.write_text(text, encoding="utf-8")


def test_a_rerun_has_the_stored_structure_and_a_changed_cache_entry_is_caught(evaluated,
                                                                             tmp_path):
    root, opts = evaluated
    report = (root / "_build" / "eval" / "report.json").read_text(encoding="utf-8")
    book = load_book(root, Diagnostics())
    job = verify.pick_cheap(book, opts, seed=1)
    assert job is not None
    assert verify.pick_cheap(book, opts, seed=1).name == job.name
    stored, new, outcome = verify.rerun(book, job, opts, tmp_path / "a")
    assert not outcome.failed and new == stored and any(stored)
    # a stored entry whose outputs the code no longer produces
    cache = cachemod.Cache(opts.cache_dir)
    entry = cache.get(job.key)
    entry.cells[-1]["outputs"].append({"output_type": "display_data",
                                       "data": {"image/png": ""}, "metadata": {}})
    cache.put(entry)
    stored, new, _ = verify.rerun(book, job, opts, tmp_path / "b")
    assert new != stored
    # the book's own eval folder was not touched by the reruns
    assert (root / "_build" / "eval" / "report.json").read_text(encoding="utf-8") == report


def test_structure_keeps_kinds_and_merges_stream_chunks():
    cells = [{"outputs": [{"output_type": "stream", "name": "stdout", "text": "a"},
                          {"output_type": "stream", "name": "stdout", "text": "b"},
                          {"output_type": "execute_result", "data": {"text/plain": "1"}},
                          {"output_type": "error", "ename": "ValueError"}]},
             {"outputs": []}]
    assert verify.structure(cells) == [[("stream", "stdout"), ("execute_result", "text/plain"),
                                        ("error", "ValueError")], []]
