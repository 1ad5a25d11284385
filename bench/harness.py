"""Interleaved A/B measurement: ours vs the reference, same machine, same run.

Each side is a command. After warm-up runs, the sides alternate A B A B ...; every
run yields one number (seconds, unless the command reports a metric as JSON on its
last line). We report the median of each side and the median, min and max of the
per-pair ratios (reference / ours for times: how many times faster we are), because
this machine is shared and noisy and only ratios of neighbouring runs are trustworthy.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

RESULTS = Path(os.environ.get("BENCH_RESULTS") or Path(__file__).resolve().parent / "results")


@dataclass
class Side:
    name: str
    cmd: list[str] | None = None  # a command; or
    func: Callable[[], float] | None = None  # a function returning the value
    env: dict[str, str | None] = field(default_factory=dict)  # None: unset the variable
    cwd: Path | None = None
    metric: str | None = None  # a key of the JSON the command prints; None: wall seconds
    before: Callable[[], None] | None = None  # run (untimed) before each measured run
    # the JSON line of each run of a command with a metric, in order (warm-up runs included)
    records: list[dict] = field(default_factory=list)

    def run(self) -> float:
        if self.before is not None:
            self.before()
        if self.func is not None:
            return float(self.func())
        env = {k: v for k, v in {**os.environ, **self.env}.items() if v is not None}
        t0 = time.perf_counter()
        r = subprocess.run(self.cmd, cwd=self.cwd, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if r.returncode != 0:
            raise RuntimeError(f"{self.name}: {' '.join(self.cmd)} failed "
                               f"({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}")
        if self.metric is None:
            return wall
        last = json.loads([ln for ln in r.stdout.splitlines() if ln.startswith("{")][-1])
        self.records.append(last)
        return float(last[self.metric])


def compare(name: str, ours: Side, ref: Side | None, rounds: int = 5, warmup: int = 1,
            higher_is_better: bool = False, unit: str = "s", note: str = "") -> dict:
    """Measure and return a result row (also written to bench/results/<name>.json)."""
    for _ in range(warmup):
        ours.run()
        if ref is not None:
            ref.run()
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        a.append(ours.run())
        if ref is not None:
            b.append(ref.run())
    row = {"name": name, "unit": unit, "rounds": rounds, "warmup": warmup, "note": note,
           "higher_is_better": higher_is_better,
           "ours": {"median": statistics.median(a), "runs": a}}
    if ref is not None:
        ratios = [(x / y if higher_is_better else y / x) for x, y in zip(a, b)]
        row["reference"] = {"median": statistics.median(b), "runs": b}
        row["speedup"] = {"median": statistics.median(ratios), "min": min(ratios),
                          "max": max(ratios)}
    row["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                      "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    write_row(row)
    print(format_row(row), flush=True)
    return row


def format_row(row: dict) -> str:
    u = row["unit"]
    s = f"{row['name']:<34} ours {row['ours']['median']:9.3f} {u}"
    if "reference" in row:
        sp = row["speedup"]
        s += (f" | reference {row['reference']['median']:9.3f} {u} | ours is "
              f"{sp['median']:.2f}x (min {sp['min']:.2f}, max {sp['max']:.2f})")
    return s


def write_row(row: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{row['name']}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(row, indent=1) + "\n")
    tmp.replace(path)
    write_summary()


def write_summary() -> None:
    rows = []
    for p in sorted(RESULTS.glob("*.json")):
        try:
            row = json.loads(p.read_text())
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and {"name", "unit", "ours"} <= row.keys():
            rows.append(row)  # not the other JSON files there (compat-*.json tables)
    lines = ["# Benchmark results", "",
             "Medians of interleaved runs on this machine; *speedup* is the median of the "
             "per-pair ratios (reference / ours for times, ours / reference for rates), "
             "with min and max. Regenerate with `make bench`.", "",
             "| benchmark | ours | reference | speedup (median, min–max) | runs | when |",
             "| --- | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        u = r["unit"]
        ref = f"{r['reference']['median']:.3f} {u}" if "reference" in r else "—"
        sp = (f"{r['speedup']['median']:.2f}x ({r['speedup']['min']:.2f}–"
              f"{r['speedup']['max']:.2f})" if "speedup" in r else "—")
        lines.append(f"| {r['name']} | {r['ours']['median']:.3f} {u} | {ref} | {sp} | "
                     f"{r['rounds']} | {r['machine']['when']} |")
    notes = [f"- **{r['name']}**: {r['note']}" for r in rows if r.get("note")]
    if notes:
        lines += ["", *notes]
    tmp = RESULTS / "SUMMARY.md.tmp"
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(RESULTS / "SUMMARY.md")
