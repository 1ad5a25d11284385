"""Tests of ``d2lbook build eval`` on two tiny books (tests/books/eval_small, eval_fail).

Kernels are slow to start, so the small book is copied and evaluated once per
module; each test starts from that evaluated state and puts the sources back
as it found them (results of the original sources stay in the cache, so
restoring costs nothing).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from d2lbook.cli import main
from d2lbook.execute import cache as cachemod
from d2lbook.execute import deps, fill_outputs, load_results
from d2lbook.execute.scheduler import GPUPool, matches
from d2lbook.outputs.notebooks import section_notebook
from d2lbook.source.parse import load_book

BOOKS = Path(__file__).parent / "books"
# with pytest-xdist --dist loadgroup, tests sharing a book fixture run in one worker
SMALL = pytest.mark.xdist_group("eval_small")
FAIL = pytest.mark.xdist_group("eval_fail")
REPO = Path(__file__).resolve().parent.parent


def evaluate(root: Path, cache: Path, *args: str) -> tuple[int, dict]:
    rc = main(["build", "eval", "--book", str(root), "--cache-dir", str(cache), *args])
    report = json.loads((root / "_build" / "eval" / "report.json").read_text())
    return rc, report


def statuses(report: dict) -> dict[str, str]:
    return {n["section"]: n["status"] for n in report["notebooks"]}


def texts(root: Path, tab: str = "pytorch") -> dict[str, dict[int, list[str]]]:
    """Printed text (or exception name) of every code cell, from the results API."""
    out = {}
    for path, r in load_results(load_book(root), tab).items():
        out[path] = {
            i: [o.get("text") or o.get("ename") or str(o.get("data", "")) for o in outs]
            for i, outs in r.outputs.items()
        }
    return out


def edit(path: Path, old: str, new: str) -> str:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return text


EXPECTED = {
    "chapter_a/one": {0: ["pkg/d2l/torch.py\n"], 1: ["42\n"], 2: ["relative data file\n"]},
    "chapter_a/two": {0: ["10\n"], 1: ["ValueError"], 2: ["full\n"]},
    "chapter_a/three": {0: ["46\n"]},
}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The small book, evaluated once with two workers: (root, cache dir, first report)."""
    base = tmp_path_factory.mktemp("eval")
    root = base / "book"
    shutil.copytree(BOOKS / "eval_small", root)
    cache = base / "cache"
    rc, report = evaluate(root, cache, "-j", "2")
    assert rc == 0
    return root, cache, report


# ------------------------------------------------------------------ no kernels needed


def test_key_ignores_prose_and_lines_but_not_code_mode_env_library_data():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("prose"), nbformat.v4.new_code_cell("print(1)")]
    nb.cells[1].metadata["d2lbook"] = {"cell": 0, "line": 5}
    base = dict(tab="pytorch", quick=False, env_hash="e", library={"torch.py": "a"}, data={},
                device="cpu:x", settings={})
    key = cachemod.notebook_key(nb, **base)
    other = nbformat.from_dict(json.loads(json.dumps(nb)))
    other.cells[0].source = "edited prose"
    other.cells[1].metadata["d2lbook"]["line"] = 9
    assert cachemod.notebook_key(other, **base) == key
    other.cells[1].metadata["tags"] = ["raises-exception"]
    assert cachemod.notebook_key(other, **base) != key
    for change in ({"quick": True}, {"env_hash": "f"}, {"library": {"torch.py": "b"}},
                   {"data": {"x.csv": "1"}}, {"tab": "jax"}, {"device": "gpu:H100"},
                   {"settings": {"D2L_SEED": "1"}}):
        assert cachemod.notebook_key(nb, **{**base, **change}) != key
    other = nbformat.from_dict(json.loads(json.dumps(nb)))
    other.cells[1].source = "print(2)"
    assert cachemod.notebook_key(other, **base) != key


def test_env_fingerprint_is_remembered(tmp_path):
    cachemod._env_memo.clear()  # an earlier test in this process may have asked already
    fp = cachemod.env_fingerprint(sys.executable, tmp_path)
    assert fp["python"] == sys.version
    assert any(p.startswith("nbclient==") for p in fp["packages"])
    cachemod._env_memo.clear()
    stored = next((tmp_path / "envs").iterdir())
    record = json.loads(stored.read_text())
    record["fingerprint"]["hash"] = "remembered"
    stored.write_text(json.dumps(record))
    assert cachemod.env_fingerprint(sys.executable, tmp_path)["hash"] == "remembered"
    cachemod._env_memo.clear()


def test_library_dependency_follows_names(tmp_path):
    lib = tmp_path / "d2l" / "torch.py"
    lib.parent.mkdir()
    (lib.parent / "__init__.py").write_text("")
    source = (
        "import math\nimport sys\nd2l = sys.modules[__name__]\n\n"
        "def a():\n    return 1\n\n"
        "class B:\n    def f(self):\n        return d2l.a() + math.pi\n\n"
        "def c():\n    return 3\n"
    )
    lib.write_text(source)
    imp = "from d2l import torch as d2l\n"

    def dep(code):
        return deps.library_dependency(lib, code)

    uses_b, uses_c = dep(imp + "d2l.B().f()"), dep(imp + "d2l.c()")
    assert dep("print(1)") == {}
    assert dep(imp + "x = getattr(d2l, 'c')")["torch.py"] == cachemod.sha256_file(lib)
    assert dep(imp + "print(d2l.__file__)")["torch.py"] == cachemod.sha256_file(lib)
    assert dep("import d2l.torch\nd2l.torch.c()")["torch.py"] == cachemod.sha256_file(lib)
    assert dep("from d2l.torch import c\nc()")["torch.py"] == cachemod.sha256_file(lib)
    assert dep("from d2l import jax as d2l\nd2l.c()")["jax.py"] == "missing"
    lib.write_text(source.replace("return 1", "return 11"))  # a(): used by B, not by c
    assert dep(imp + "d2l.B().f()") != uses_b
    assert dep(imp + "d2l.c()") == uses_c
    lib.write_text(source.replace("import math", "import math, os"))  # header: everyone
    assert dep(imp + "d2l.c()") != uses_c


def test_only_patterns():
    assert matches("chapter_a/one", ["chapter_a/*"])
    assert matches("chapter_a/one", ["chapter_a"])
    assert matches("chapter_a/one", ["*/one.md"])
    assert not matches("chapter_b/one", ["chapter_a/*", "chapter_a"])
    assert matches("anything", [])


def test_gpu_pool_never_oversubscribes():
    pool = GPUPool([0, 1], per_gpu=1)
    assert GPUPool([], 1).acquire(1) is None
    assert pool.acquire(0) == []
    a = pool.acquire(1)
    b = pool.acquire(1)
    assert sorted(a + b) == [0, 1]
    got = []
    t = threading.Thread(target=lambda: got.append(pool.acquire(-1)))
    t.start()
    time.sleep(0.2)
    assert not got  # all GPUs are busy
    pool.release(a)
    time.sleep(0.2)
    assert not got  # still one busy
    pool.release(b)
    t.join(5)
    assert got == [[0, 1]]


# ------------------------------------------------------------------------- small book


@SMALL
def test_first_run_and_results_api(small):
    root, _, report = small
    assert statuses(report) == {p: "ok" for p in EXPECTED}
    assert report["tabs"]["pytorch"]["executed"] == 3
    assert all(n["peak_rss"] > 10 * 2**20 and n["run_time"] > 0 for n in report["notebooks"])
    assert texts(root) == EXPECTED
    r = load_results(load_book(root), "pytorch")["chapter_a/two"]
    assert r.quick is False
    assert r.executed_notebook == root / "_build" / "eval" / "pytorch" / "chapter_a/two.ipynb"
    assert r.outputs[1][0]["output_type"] == "error"  # the #@expect_error cell
    book = load_book(root)
    nb = fill_outputs(section_notebook(book, book.sections["chapter_a/two"], "pytorch"), r)
    assert [c.outputs[0].get("text") for c in nb.cells if c.cell_type == "code"] == [
        "10\n", None, "full\n"]
    assert report["tabs"]["pytorch"]["version"] == sys.version.split()[0]


@SMALL
def test_second_run_executes_nothing(small):
    root, cache, _ = small
    rc, report = evaluate(root, cache)
    assert rc == 0
    assert set(statuses(report).values()) == {"cached"}


@SMALL
def test_prose_edit_executes_nothing(small):
    root, cache, _ = small
    md = root / "chapter_a" / "two.md"
    old = edit(md, "uses the saved function.", "uses the saved function, edited.")
    try:
        rc, report = evaluate(root, cache)
        assert rc == 0
        assert set(statuses(report).values()) == {"cached"}
        done = (root / "_build/eval/pytorch/chapter_a/two.ipynb").read_text()
        assert "uses the saved function, edited." in done  # current prose, stored outputs
        assert texts(root) == EXPECTED
    finally:
        md.write_text(old)


@SMALL
def test_code_edit_reruns_that_notebook_only(small):
    root, cache, _ = small
    md = root / "chapter_a" / "three.md"
    old = edit(md, "sum(range(10))", "sum(range(11))")
    try:
        assert "chapter_a/three" not in texts(root)  # stale results are not served
        rc, report = evaluate(root, cache)
        assert rc == 0
        assert statuses(report) == {
            "chapter_a/one": "cached", "chapter_a/two": "cached", "chapter_a/three": "ok"}
        assert texts(root)["chapter_a/three"] == {0: ["56\n"]}
    finally:
        md.write_text(old)


@SMALL
def test_saved_function_edit_reruns_dependents(small):
    root, cache, _ = small
    md = root / "chapter_a" / "one.md"
    old = edit(md, "return 2\n", "return 3\n")  # factor(), which scale() calls
    try:
        rc, report = evaluate(root, cache)  # rebuilds the library first
        assert rc == 0
        # two uses d2l.scale, which uses factor; three uses only d2l.shift
        assert statuses(report) == {
            "chapter_a/one": "ok", "chapter_a/two": "ok", "chapter_a/three": "cached"}
        assert texts(root)["chapter_a/two"][0] == ["15\n"]
        assert texts(root)["chapter_a/one"][1] == ["63\n"]
    finally:
        md.write_text(old)
    rc, report = evaluate(root, cache)
    assert set(statuses(report).values()) == {"cached"}


@SMALL
def test_declared_data_file_edit_reruns(small):
    root, cache, _ = small
    data = root / "chapter_a" / "data.txt"
    old = data.read_text()
    data.write_text("changed data\n")
    try:
        rc, report = evaluate(root, cache, "--only", "chapter_a/one")
        assert rc == 0
        assert statuses(report) == {"chapter_a/one": "ok"}
        assert texts(root)["chapter_a/one"][2] == ["changed data\n"]
    finally:
        data.write_text(old)
    rc, report = evaluate(root, cache)
    assert set(statuses(report).values()) == {"cached"}
    assert texts(root) == EXPECTED


@SMALL
def test_parallel_results_equal_serial(small, tmp_path):
    root, _, _ = small
    rc, report = evaluate(root, tmp_path / "serial-cache", "-j", "1")
    assert rc == 0
    assert set(statuses(report).values()) == {"ok"}
    assert texts(root) == EXPECTED


@SMALL
def test_quick_mode_is_marked(small):
    root, cache, _ = small
    rc, report = evaluate(root, cache, "--quick", "--only", "chapter_a/two")
    assert rc == 0
    assert statuses(report) == {"chapter_a/two": "ok"} and report["quick"] is True
    r = load_results(load_book(root), "pytorch")
    assert r["chapter_a/two"].quick is True and r["chapter_a/one"].quick is False
    assert texts(root)["chapter_a/two"][2] == ["quick\n"]
    rc, report = evaluate(root, cache)  # back to full results, all cached
    assert set(statuses(report).values()) == {"cached"}
    assert texts(root) == EXPECTED


@SMALL
def test_kill_9_then_rerun(small, tmp_path):
    root, _, _ = small
    cache = tmp_path / "cache"
    cmd = [sys.executable, "-m", "d2lbook", "build", "eval", "--book", str(root),
           "--cache-dir", str(cache), "-j", "1"]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env=env, cwd=REPO)
    kernels = []
    try:
        for line in proc.stderr:
            if "ok" in line.split() and "chapter_a/one" in line:
                break
        else:
            pytest.fail("the build ended before the first notebook finished")
        time.sleep(0.3)  # the next kernel is starting or running
        kernels = psutil.Process(proc.pid).children(recursive=True)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    # orphaned kernels notice that their parent is gone and exit
    gone, alive = psutil.wait_procs(kernels, timeout=10)
    for p in alive:
        p.kill()
    assert not alive
    for f in (cache / "results").rglob("*.json"):
        assert cachemod.Entry.from_json(json.loads(f.read_text())) is not None
    rc, report = evaluate(root, cache, "-j", "2")
    assert rc == 0
    st = statuses(report)
    assert st["chapter_a/one"] == "cached"
    assert set(st.values()) <= {"cached", "ok"}
    assert texts(root) == EXPECTED


@FAIL
def test_gpus_are_assigned_through_cuda_visible_devices(tmp_path, monkeypatch, capsys):
    """With two (fake) GPUs: a JAX notebook gets one, a CPU-only PyTorch notebook none."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    smi = bin_dir / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'GPU 0: Fake (UUID: GPU-a)'\necho 'GPU 1: Fake (UUID: GPU-b)'\n")
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    root = tmp_path / "book"
    (root / "chapter_g").mkdir(parents=True)
    (root / "config.ini").write_text("[project]\nname = g\nlang = en\n[build]\ntabs = pytorch, jax\n")
    (root / "index.md").write_text("# G\n\n```toc\n:maxdepth: 2\n\nchapter_g/env\n```\n")
    (root / "chapter_g" / "env.md").write_text(
        "# Env\n\n```{.python .input}\n%%tab all\nimport os\n"
        "print(repr(os.environ.get('CUDA_VISIBLE_DEVICES')),"
        " os.environ['XLA_PYTHON_CLIENT_PREALLOCATE'])\n```\n")
    rc, report = evaluate(root, tmp_path / "cache", "-j", "2")
    assert rc == 0
    assert "run     jax/chapter_g/env on GPU 0" in capsys.readouterr().err
    assert texts(root, "jax") == {"chapter_g/env": {0: ["'0' false\n"]}}
    assert texts(root, "pytorch") == {"chapter_g/env": {0: ["'' false\n"]}}


# ---------------------------------------------------------------------- failing book


@pytest.fixture()
def failing(tmp_path):
    root = tmp_path / "book"
    shutil.copytree(BOOKS / "eval_fail", root)
    return root, tmp_path / "cache"


@FAIL
def test_failures_name_the_md_line_tab_and_traceback(failing, capsys):
    root, cache = failing
    rc, report = evaluate(root, cache, "-j", "2", "--keep-going", "--only", "chapter_f/bad",
                          "--only", "chapter_f/slow", "--only", "chapter_f/crash")
    err = capsys.readouterr().err
    assert rc == 1
    assert statuses(report) == {
        "chapter_f/bad": "error", "chapter_f/slow": "timeout", "chapter_f/crash": "dead"}
    assert "chapter_f/bad.md:14: error: [pytorch] cell raised an exception: ZeroDivisionError" \
        in err
    assert "z = x / (y - 2)" in err  # the traceback
    assert "chapter_f/slow.md:6: error: [pytorch] cell timed out" in err
    assert "chapter_f/crash.md:13: error: [pytorch] kernel died" in err
    crash = next(n for n in report["notebooks"] if n["section"] == "chapter_f/crash")
    assert crash["attempts"] == 2  # retried once
    assert not list((cache / "results").rglob("*.json"))  # failures are not cached
    failed = root / "_build/eval/failed/pytorch/chapter_f/bad.ipynb"
    assert failed.exists() and "ZeroDivisionError" in failed.read_text()
    assert load_results(load_book(root), "pytorch") == {}


@FAIL
def test_first_failure_stops_the_build(failing, capsys):
    root, cache = failing
    rc, report = evaluate(root, cache, "-j", "1", "--only", "chapter_f/bad",
                          "--only", "chapter_f/crash")
    err = capsys.readouterr().err
    assert rc == 1
    assert statuses(report) == {"chapter_f/bad": "error", "chapter_f/crash": "skipped"}
    assert "--keep-going" in err


def test_expect_error_cell_that_does_not_raise_is_a_warning(failing, capsys):
    root, cache = failing
    rc, report = evaluate(root, cache, "--only", "chapter_f/warn")
    assert rc == 0
    assert statuses(report) == {"chapter_f/warn": "ok"}
    assert "chapter_f/warn.md:6: warning: [pytorch] cell marked #@expect_error raised no " \
        "exception" in capsys.readouterr().err


@FAIL
def test_only_pattern_that_matches_nothing_is_an_error(failing, capsys):
    root, cache = failing
    assert main(["build", "eval", "--book", str(root), "--cache-dir", str(cache),
                 "--only", "chapter_z/*"]) == 1
    assert "no section matches" in capsys.readouterr().err


@FAIL
def test_notebook_timeout(failing, capsys):
    root, cache = failing
    rc, report = evaluate(root, cache, "--only", "chapter_f/slow", "--timeout", "0",
                          "--notebook-timeout", "1.5")
    assert rc == 1
    assert statuses(report) == {"chapter_f/slow": "notebook-timeout"}
    assert "chapter_f/slow.md:6: error: [pytorch] notebook timed out" in capsys.readouterr().err
