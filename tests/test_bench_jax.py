"""The JAX parts of the benchmarks: compat --tab jax's outcomes and tables, the training
rows' bookkeeping (no network, no reference environment, no training)."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import bench.__main__ as bench_main
from bench import compat
from bench.harness import Side

CELL_TB = """AttributeError                            Traceback (most recent call last)
Cell In[7], line 3
      1 def clip(grads):
----> 3     return jax.tree_map(lambda g: g, grads)

File /venv/lib/python3.11/site-packages/jax/_src/deprecations.py:54, in getattr(name)
     53     raise AttributeError(f"module {module!r} has no attribute {name!r}")

AttributeError: module 'jax' has no attribute 'tree_map'"""

LIB_TB = """AttributeError                            Traceback (most recent call last)
Cell In[4], line 1
----> 1 trainer.fit(model, data)

File /work/repo/d2l/jax.py:451, in Trainer.fit(self, model, data, key)
    450 grads = jax.tree_map(f, grads)

File /venv/lib/python3.11/site-packages/jax/_src/deprecations.py:54, in getattr(name)

AttributeError: module 'jax' has no attribute 'tree_map'"""

# the library calls back into the notebook's own code, which fails
CALLBACK_TB = """Cell In[9], line 1
----> 1 trainer.fit(model, data)
File /work/repo/d2l/jax.py:451, in Trainer.fit(self, model, data, key)
Cell In[5], line 4, in MyModel.loss(self, params, X, y, state)
File /venv/lib/python3.11/site-packages/jax/_src/deprecations.py:54, in getattr(name)"""


def test_innermost_own_frame_decides_who_raised():
    assert not compat.raised_in_library(CELL_TB)
    assert compat.raised_in_library(LIB_TB)
    assert not compat.raised_in_library(CALLBACK_TB)
    assert compat.raised_in_library('  File "/x/d2l/torch.py", line 3, in f\n')
    assert not compat.raised_in_library('  File "/x/mylib/torch.py", line 3, in f\n')
    assert not compat.raised_in_library("")


def test_jax_outcome_classes():
    msg = "AttributeError: module 'jax' has no attribute 'tree_map'"
    assert compat.classify(msg, CELL_TB) == "reference code"
    assert compat.classify(msg, LIB_TB) == "FAIL"  # our library calling a removed API
    assert compat.classify("AttributeError: module 'optax' has no attribute "
                           "'additive_weight_decay'", "Cell In[3], line 1") == "reference code"
    scalar = "TypeError: Only scalar arrays can be converted to Python scalars; got arr.ndim=1"
    assert compat.classify(scalar, "Cell In[30], line 2\n----> 2 a, a.item(), float(a)") == \
        "reference code"
    assert compat.classify(scalar, LIB_TB) == "FAIL"
    cell = "Cell In[6], line 2"
    for gone in ["AttributeError: 'dict' object has no attribute 'tree_flatten_with_keys'",
                 "ValueError: mutable default <class 'jaxlib._jax.ArrayImpl'> for field "
                 "rand_weight is not allowed: use default_factory",
                 "ValueError: Checkpoint path should be absolute. Got ckpt_dir/x"]:
        assert compat.classify(gone, cell) == "reference code", gone
        assert compat.classify(gone, LIB_TB) == "FAIL", gone
    assert compat.classify("AttributeError: 'dict' object has no attribute 'shape'", cell) \
        == "FAIL"
    carry = ("Cell In[5], line 8, in GRU.__call__(self, inputs, H, training)\n"
             "----> 8 H = nn.GRUCell.initialize_carry(jax.random.PRNGKey(0), (4,), 32)\n"
             "File /v/lib/python3.11/site-packages/flax/linen/recurrent.py:608, in "
             "GRUCell.initialize_carry(self, rng, input_shape)\n")
    assert compat.classify("TypeError: 'int' object is not subscriptable", carry) == \
        "reference code"
    assert compat.classify("TypeError: 'int' object is not subscriptable", cell) == "FAIL"
    assert compat.classify("AttributeError: module 'd2l.jax' has no attribute 'ResNeXtBlock'",
                           "Cell In[3], line 1") == "FAIL"
    assert compat.classify("ModuleNotFoundError: No module named 'tensorflow'", "") == \
        "no tensorflow"
    assert compat.classify("ModuleNotFoundError: No module named 'tensorflow_datasets'", "") \
        == "no tensorflow"
    assert compat.classify("ModuleNotFoundError: No module named 'flaxx'", "") == "FAIL"
    assert compat.classify("RuntimeError: Unknown backend: 'gpu' requested, but no platforms "
                           "that are instances of gpu are present.", "") == "no GPU"
    assert compat.classify("RuntimeError: Backend 'cuda' failed to initialize: x", "") == \
        "no GPU"


def test_jax_tab_has_its_own_table(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(compat, "RESULTS", tmp_path)
    assert compat.result_stem("en") == "compat-en"
    assert compat.result_stem("en", "jax") == "compat-en-jax"
    rows = [{"notebook": "chapter_linear-regression/weight-decay", "status": "reference code",
             "seconds": 3.0, "reason": "AttributeError: module 'optax' has no attribute 'x'",
             "cell": 5},
            {"notebook": "chapter_preliminaries/ndarray", "status": "pass", "seconds": 1.0,
             "reason": "", "cell": None}]
    compat.write_table("en", rows, [], 0.0, "jax")
    table = (tmp_path / "compat-en-jax.md").read_text(encoding="utf-8")
    assert table.startswith("# Compatibility: d2l-en JAX notebooks on our library")
    assert "`python -m bench compat --book en --tab jax`" in table
    assert "`no tensorflow`" in table
    assert table.index("chapter_preliminaries/ndarray") < table.index("weight-decay")
    assert not (tmp_path / "compat-en.md").exists()  # the PyTorch table is not touched
    data = json.loads((tmp_path / "compat-en-jax.json").read_text(encoding="utf-8"))
    assert data["tab"] == "jax" and data["counts"] == {"pass": 1, "reference code": 1}
    assert [r["notebook"] for r in compat.previous_rows("en", "jax")] == [
        "chapter_preliminaries/ndarray", "chapter_linear-regression/weight-decay"]
    assert compat.previous_rows("en") == []
    compat.write_table("en", rows, [], 0.0)  # the PyTorch tab keeps its old title and name
    assert "PyTorch notebooks" in (tmp_path / "compat-en.md").read_text(encoding="utf-8")


def test_jax_tab_skips_a_book_without_it(monkeypatch, capsys):
    ran = []
    monkeypatch.setattr(compat, "run_book", lambda *a, **k: ran.append(a) or [])
    assert compat.main(["--book", "zh", "--tab", "jax"]) == 0
    assert ran == [] and "no jax tab" in capsys.readouterr().err


def test_side_keeps_each_runs_json_record():
    code = "import json; print('log'); print(json.dumps({'seconds': 2.5, 'val_acc': 0.8}))"
    side = Side("x", [sys.executable, "-c", code], metric="seconds")
    assert side.run() == 2.5 and side.run() == 2.5
    assert side.records == [{"seconds": 2.5, "val_acc": 0.8}] * 2


def test_jax_details_drop_warmup_runs_and_take_medians():
    def rec(s: float, acc: float) -> dict:
        return {"seconds": s, "warmup_seconds": 2 * s, "compile_seconds": s,
                "setup_seconds": 0.5, "data_seconds": 0.1, "examples_per_s": 60000 / s,
                "val_acc": acc, "jax": "0.4.23", "flax": "0.8.0", "train_examples": 60000}

    ours = [rec(100.0, 0.1), rec(1.0, 0.8), rec(3.0, 0.82), rec(2.0, 0.81)]
    d = bench_main.jax_details(ours, [], warmup=1)
    assert set(d) == {"ours"}
    assert d["ours"]["warmup_seconds"] == 4.0 and d["ours"]["val_acc"] == 0.81
    assert d["ours"]["jax"] == "0.4.23" and d["ours"]["train_examples"] == 60000


def test_jax_rows_run_with_default_threads_unless_asked(monkeypatch):
    monkeypatch.delenv("BENCH_THREADS", raising=False)
    assert bench_main.jax_threads() == ["default"]
    monkeypatch.setenv("BENCH_THREADS", "default,1")
    monkeypatch.setattr(bench_main, "THREADS", ["default", "1"])
    assert bench_main.jax_threads() == ["default", "1"]


def test_keras_home_holds_fashion_mnist_in_keras_cache_layout(tmp_path: Path, monkeypatch):
    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for i, f in enumerate(bench_main.FMNIST_FILES):
        (raw / f).write_bytes(bytes([i]) * 100)
    monkeypatch.setattr(bench_main, "WORK", tmp_path / "work")
    monkeypatch.setattr(bench_main, "fashion_mnist_root", lambda: tmp_path / "data")
    home = bench_main.keras_home()
    assert home.is_relative_to(tmp_path / "work")
    cache = home / ".keras" / "datasets" / "fashion-mnist"
    for i, f in enumerate(bench_main.FMNIST_FILES):
        assert gzip.decompress((cache / (f + ".gz")).read_bytes()) == bytes([i]) * 100
    assert not list(cache.glob("*.tmp"))
    (cache / (bench_main.FMNIST_FILES[0] + ".gz")).write_bytes(b"kept")
    bench_main.keras_home()  # present files are not rewritten
    assert (cache / (bench_main.FMNIST_FILES[0] + ".gz")).read_bytes() == b"kept"



def test_summary_skips_the_compat_tables_next_to_the_rows(tmp_path: Path, monkeypatch):
    from bench import harness

    monkeypatch.setattr(harness, "RESULTS", tmp_path)
    (tmp_path / "compat-en-jax.json").write_text(json.dumps({"book": "en", "notebooks": []}))
    (tmp_path / "broken.json").write_text("{")
    row = {"name": "softmax-epoch-cpu-jax", "unit": "s", "rounds": 1, "warmup": 0,
           "note": "n", "higher_is_better": False, "ours": {"median": 0.5, "runs": [0.5]},
           "reference": {"median": 2.0, "runs": [2.0]},
           "speedup": {"median": 4.0, "min": 4.0, "max": 4.0},
           "machine": {"cpus": 2, "python": "3.11", "when": "now"}}
    harness.write_row(row)
    summary = (tmp_path / "SUMMARY.md").read_text()
    assert "| softmax-epoch-cpu-jax | 0.500 s | 2.000 s | 4.00x" in summary
    assert "compat" not in summary
