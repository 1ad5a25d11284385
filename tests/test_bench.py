"""A tiny smoke run of the benchmark harness (the benchmarks themselves are not tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.harness import Side, compare

ROOT = Path(__file__).resolve().parent.parent


def test_harness_alternates_and_reports_ratios(tmp_path, monkeypatch):
    monkeypatch.setattr("bench.harness.RESULTS", tmp_path)
    order: list[str] = []

    def side(name: str, value: float) -> Side:
        return Side(name, func=lambda: order.append(name) or value)

    row = compare("t", side("a", 1.0), side("b", 3.0), rounds=3, warmup=1)
    assert order == ["a", "b"] * 4  # warm-up pair, then A B A B A B
    assert row["ours"]["median"] == 1.0 and row["reference"]["median"] == 3.0
    assert row["speedup"] == {"median": 3.0, "min": 3.0, "max": 3.0}
    assert json.loads((tmp_path / "t.json").read_text())["speedup"]["median"] == 3.0
    assert "| t | 1.000 s | 3.000 s | 3.00x" in (tmp_path / "SUMMARY.md").read_text()


def test_bench_smoke_command(tmp_path):
    env = {**os.environ, "BENCH_RESULTS": str(tmp_path), "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "bench", "smoke"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "smoke" in r.stdout and "x (min" in r.stdout
    row = json.loads((tmp_path / "smoke.json").read_text())
    assert row["rounds"] == 2 and len(row["ours"]["runs"]) == 2


def test_side_env_none_unsets_a_variable(monkeypatch):
    monkeypatch.setenv("BENCH_TEST_VAR", "set")
    code = "import os, json; print(json.dumps({'unset': int('BENCH_TEST_VAR' not in os.environ)}))"
    assert Side("x", [sys.executable, "-c", code], metric="unset").run() == 0.0
    assert Side("x", [sys.executable, "-c", code], env={"BENCH_TEST_VAR": None},
                metric="unset").run() == 1.0


def test_steps_workload_borrows_architectures_the_library_lacks(monkeypatch):
    """d2l 1.0.3 keeps AlexNet and ResNet-18 in notebooks; the GPU workload then builds
    our definition on the reference's Classifier. Simulate that library here."""
    import torch

    sys.path.insert(0, str(ROOT / "bench" / "workloads"))
    try:
        import steps
    finally:
        sys.path.remove(str(ROOT / "bench" / "workloads"))
    for name, side in (("AlexNet", 224), ("ResNet18", 96)):
        monkeypatch.delattr(steps.d2l, name)
        cls = steps.model_class(name)
        assert cls is not None and cls.__module__ != steps.d2l.__name__
        model = cls(lr=0.01)
        assert isinstance(model, steps.d2l.Classifier)
        assert model(torch.zeros(2, 1, side, side)).shape == (2, 10)
    assert steps.model_class("LeNet") is steps.d2l.LeNet
