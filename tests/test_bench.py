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
