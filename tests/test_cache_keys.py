"""Every cache key is the hash of what its step reads: inputs, the config values it uses,
the code that computes it, and (for evaluation) the device, the D2L_* settings and the
data files the library may read."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from d2lbook import util
from d2lbook.cli import main
from d2lbook.errors import Diagnostics
from d2lbook.execute import cache as cachemod
from d2lbook.execute import scheduler
from d2lbook.source.parse import load_book

BOOKS = Path(__file__).resolve().parent / "books"


# ------------------------------------------------------------------ evaluation
@pytest.fixture
def small(tmp_path, monkeypatch):
    root = tmp_path / "eval_small"
    shutil.copytree(BOOKS / "eval_small", root, ignore=shutil.ignore_patterns("_build"))
    data = tmp_path / "data_dir"
    data.mkdir()
    (data / "numbers.csv").write_text("1,2\n", encoding="utf-8")
    for k in [k for k in os.environ if k.startswith("D2L_")]:
        monkeypatch.delenv(k)
    monkeypatch.setenv("D2L_DATA_DIR", str(data))
    monkeypatch.setattr(scheduler, "SYSTEM_DATA_DIRS", [])
    return root, data, tmp_path / "cache"


def keys(root: Path, cache_dir: Path, quick: bool = False) -> dict[str, str]:
    book = load_book(root, Diagnostics())
    jobs, _ = scheduler.plan(book, scheduler.Options(quick=quick, cache_dir=cache_dir),
                             cachemod.Cache(cache_dir))
    return {j.section: j.key for j in jobs}


def all_differ(a: dict[str, str], b: dict[str, str]) -> bool:
    return a.keys() == b.keys() and all(a[k] != b[k] for k in a)


def test_eval_key_is_stable_and_changes_with_quick_d2l_variables_and_device(small,
                                                                           monkeypatch):
    root, _, cache = small
    base = keys(root, cache)
    assert len(base) == 3 and keys(root, cache) == base
    assert all_differ(keys(root, cache, quick=True), base)
    monkeypatch.setenv("D2L_SEED", "7")
    assert all_differ(keys(root, cache), base)
    monkeypatch.delenv("D2L_SEED")
    monkeypatch.setattr(cachemod, "cpu_signature", lambda: "cpu:another model:threads=64")
    assert all_differ(keys(root, cache), base)


def test_eval_key_changes_with_the_data_files_the_library_may_read(small, monkeypatch):
    root, data, cache = small
    base = keys(root, cache)
    (data / "numbers.csv").write_text("1,3\n", encoding="utf-8")  # same size, new content
    changed = keys(root, cache)
    assert all_differ(changed, base)
    # ../data seen from the notebooks' folder is on the lookup path too
    (root / "data").mkdir()
    (root / "data" / "train.csv").write_text("x\n", encoding="utf-8")
    assert all_differ(keys(root, cache), changed)
    # the same data in another folder (another machine) gives the same keys
    moved = data.parent / "elsewhere"
    shutil.copytree(data, moved)
    here = keys(root, cache)
    monkeypatch.setenv("D2L_DATA_DIR", str(moved))
    assert keys(root, cache) == here
    # a file the library never looks at changes nothing
    (root / "notes.txt").write_text("n\n", encoding="utf-8")
    again = keys(root, cache)
    (root / "notes.txt").write_text("m\n", encoding="utf-8")
    assert keys(root, cache) == again


def test_device_signature_names_the_gpu_and_the_visible_devices(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    gpu = cachemod.device_signature(True, ["NVIDIA H100 80GB HBM3"])
    assert "H100" in gpu
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    assert cachemod.device_signature(True, ["NVIDIA H100 80GB HBM3"]) != gpu
    assert cachemod.device_signature(True, ["NVIDIA H200"]) != gpu
    # a notebook that gets no GPU computes on the CPU, whatever the machine has
    assert cachemod.device_signature(False, ["NVIDIA H100"]) == cachemod.cpu_signature()
    assert cachemod.device_signature(True, []) == cachemod.cpu_signature()
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert "threads=3" in cachemod.cpu_signature()


# ------------------------------------------------------------------ code
def test_code_hash_changes_with_any_file_of_the_code(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "page.html").write_text("<p>\n")
    first = util.code_hash(pkg)
    util._CODE_HASHES.clear()
    (pkg / "page.html").write_text("<div>\n")
    second = util.code_hash(pkg)
    assert second != first
    util._CODE_HASHES.clear()
    (pkg / "a.py").write_text("x = 2\n")
    assert util.code_hash(pkg) not in (first, second)
    util._CODE_HASHES.clear()


def _hashed_paths(monkeypatch, fn) -> set[str]:
    seen: set[str] = set()

    def spy(*paths):
        seen.update(Path(p).as_posix() for p in paths)
        return "h"

    monkeypatch.setattr(util, "code_hash", spy)
    fn()
    return seen


def test_html_and_parse_keys_hash_the_code_that_computes_them(monkeypatch):
    from d2lbook.outputs.html import build
    from d2lbook.source import parse

    html = _hashed_paths(monkeypatch, build.code_version)
    for part in ("d2lbook/outputs/html", "d2lbook/resolve.py", "d2lbook/source/aliases.py",
                 "d2lbook/source/tabs.py"):
        assert any(p.endswith(part) for p in html), (part, html)
    parse.parser_version.cache_clear()
    try:
        src = _hashed_paths(monkeypatch, parse.parser_version)
    finally:
        parse.parser_version.cache_clear()
    assert any(p.endswith("d2lbook/source") for p in src), src


def _html(root: Path, out: Path, capsys) -> int:
    capsys.readouterr()
    assert main(["build", "html", "--book", str(root), "--out", str(out), "--no-search"]) == 0
    m = re.search(r"html: (\d+) of (\d+) pages written", capsys.readouterr().err)
    return int(m.group(1))


def test_html_pages_rerender_when_the_code_or_the_config_they_read_changes(
        tmp_path, monkeypatch, capsys):
    from d2lbook.outputs.html import build

    root = tmp_path / "book"
    shutil.copytree(BOOKS / "html_basic", root)
    out = tmp_path / "site"
    n = _html(root, out, capsys)
    assert n > 5 and _html(root, out, capsys) == 0
    # a setting no page reads
    cfg = root / "config.ini"
    cfg.write_text(cfg.read_text(encoding="utf-8") + "main_font = Noto Serif\n",
                   encoding="utf-8")  # appended to the last section, [pdf]
    assert _html(root, out, capsys) == 0
    # a setting every page's frame reads
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(text.replace("favicon = img/favicon.svg", "favicon = img/logo.svg"),
                   encoding="utf-8")
    assert _html(root, out, capsys) == n
    # the code that renders pages
    real = build.code_version()
    monkeypatch.setattr(build, "code_version", lambda: real + "-edited")
    assert _html(root, out, capsys) == n


def test_gpu_models_read_nvidia_smi_and_respect_cuda_visible_devices(tmp_path, monkeypatch):
    smi = tmp_path / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-aaa)'\n"
                   "echo 'GPU 1: NVIDIA H200 (UUID: GPU-bbb)'\n")
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert cachemod.gpu_models() == ["NVIDIA H100 80GB HBM3", "NVIDIA H200"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    assert cachemod.gpu_models() == ["NVIDIA H200"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert cachemod.gpu_models() == []
