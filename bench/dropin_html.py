"""Benchmark row of issue 18: d2l-en's full ``build html`` with evaluation off, ours
against d2lbook 1.0.3 (Sphinx), alternating in one run; then the same after a one-line
edit of one section.

    python -m bench.dropin_html [--src /work/public/d2l-en] [--ref /work/refvenv]
                                [--rounds 2] [--edits 3]

Each side builds its own copy of the book under bench/.work/dropin. The reference's
copy has ``eval_notebook = False`` (1.0.3 would run every notebook otherwise) and no
``[pdf] style``/``latex_url`` (1.0.3 downloads that LaTeX style even for HTML); ours
needs no change (``build html`` never runs code). A full build starts from an empty
``_build`` and, for ours, an empty cache folder (``XDG_CACHE_HOME``: parse, KaTeX and
highlight caches), so neither side reuses anything. Wall time and peak memory
(``/usr/bin/time``, the largest process) per run; for ours after an edit also the HTML
step as the command reports it (it includes the search index, updated from the pages
that step rendered; see d2lbook/outputs/html/search.py). The reference needs ``pandoc`` and a venv with
``d2lbook==1.0.3`` (plus ``setuptools<81``, ``pybtex==0.24.0``).
Writes bench/results/d2l-en-html-full-vs-d2lbook.json and
d2l-en-html-after-edit-vs-d2lbook.json (and SUMMARY.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import write_row

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work" / "dropin"
EDIT_FILE = "chapter_preliminaries/ndarray.md"


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> dict:
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS_KB=%M", *cmd], cwd=cwd, env=env,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t0
    m = re.findall(r"MAXRSS_KB=(\d+)", p.stderr)
    step = re.search(r"html: \d+ of \d+ pages written .*?; ([\d.]+) s, ([\d.]+) s with results",
                     p.stderr)
    if p.returncode != 0:
        sys.stderr.write(p.stderr[-3000:])
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd} (exit {p.returncode})")
    out = {"wall_s": round(wall, 3), "max_rss_mb": round(int(m[-1]) / 1024, 1) if m else None}
    if step:
        out["html_step_s"] = float(step.group(2))
    return out


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def summary(runs: list[dict], key: str) -> dict:
    vals = [r[key] for r in runs if r.get(key) is not None]
    if not vals:
        return {}
    return {"min": min(vals), "median": round(statistics.median(vals), 3), "max": max(vals)}


def make_rows(full: dict, edit: dict, loads: list[str]) -> list[dict]:
    """Rows in the format of bench/harness.py (medians, per-pair ratios), plus peak
    memory, the HTML step after an edit, and the load average during the run."""
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(),
               "when": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
               "loadavg_during": loads}
    rows = []
    warm = {"ours": full["ours_warm"], "reference": full["reference"]} \
        if full.get("ours_warm") else None
    for name, runs, note in (
        ("d2l-en-html-full-vs-d2lbook", full,
         "d2l-en master, full `build html` with evaluation off, from an empty _build (ours "
         "also from empty caches: KaTeX renders every equation), sides alternating; "
         "ours: config.ini unchanged; reference: d2lbook 1.0.3 + Sphinx, eval_notebook = "
         "False and no [pdf] style (target: 20x)"),
        ("d2l-en-html-after-edit-vs-d2lbook", edit,
         "the same books after a one-line edit of one section, `build html` again "
         "(a command: interpreter start-up and the book's parse included); ours updates "
         "the search index in the same step (target: HTML step < 0.5 s, `html_step_s`)"),
        ("d2l-en-html-full-warm-cache-vs-d2lbook", warm,
         "as d2l-en-html-full-vs-d2lbook, but ours with the KaTeX, highlight and parse "
         "caches that its previous full build filled (only _build removed)"),
    ):
        if runs is None:
            continue
        ours_w = [r["wall_s"] for r in runs["ours"]]
        ref_w = [r["wall_s"] for r in runs["reference"]]
        ratios = [b / a for a, b in zip(ours_w, ref_w, strict=True)]
        rows.append({
            "name": name, "unit": "s", "rounds": len(ours_w), "warmup": 0, "note": note,
            "higher_is_better": False,
            "ours": {"median": statistics.median(ours_w), "min": min(ours_w), "runs": ours_w,
                     "max_rss_mb": summary(runs["ours"], "max_rss_mb"),
                     "html_step_s": summary(runs["ours"], "html_step_s")},
            "reference": {"median": statistics.median(ref_w), "min": min(ref_w),
                          "runs": ref_w,
                          "max_rss_mb": summary(runs["reference"], "max_rss_mb")},
            "speedup": {"median": statistics.median(ratios), "min": min(ratios),
                        "max": max(ratios)},
            "machine": machine,
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", default="/work/public/d2l-en")
    ap.add_argument("--ref", default="/work/refvenv", help="venv with d2lbook 1.0.3")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--edits", type=int, default=3)
    ap.add_argument("--suffix", default="", help="appended to the rows' names")
    args = ap.parse_args(argv)
    src, ref_bin = Path(args.src), Path(args.ref) / "bin"
    if not (ref_bin / "d2lbook").exists() or not shutil.which("pandoc"):
        raise SystemExit("needs the reference venv (d2lbook==1.0.3) and pandoc")
    WORK.mkdir(parents=True, exist_ok=True)
    ours, ref = WORK / "en-ours", WORK / "en-ref"
    for d in (ours, ref):
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(src, d, ignore=shutil.ignore_patterns("_build", ".git"))
    cfg = ref / "config.ini"
    text = re.sub(r"(?m)^eval_notebook\s*=.*$", "eval_notebook = False",
                  cfg.read_text(encoding="utf-8"))
    # 1.0.3 downloads the LaTeX style named by [pdf] style/latex_url while preparing
    # Sphinx, even for HTML; this machine has no route to it, and HTML does not use it
    text = re.sub(r"(?m)^(style|latex_url)\s*=.*$", "", text)
    cfg.write_text(text, encoding="utf-8")
    cache = WORK / "cache-ours"
    base_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env_ours = {**base_env, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(cache)}
    env_ref = {**base_env, "PATH": f"{ref_bin}:{os.environ['PATH']}"}
    cmd_ours = [sys.executable, "-m", "d2lbook", "build", "html"]
    cmd_ref = [str(ref_bin / "d2lbook"), "build", "html"]
    full: dict[str, list] = {"ours": [], "ours_warm": [], "reference": []}
    loads = [load()]
    for r in range(args.rounds):
        # ours from empty caches, ours again with the caches it just filled (what a user
        # who deletes _build gets), then the reference
        for side in ("ours", "ours_warm", "reference"):
            d = ref if side == "reference" else ours
            shutil.rmtree(d / "_build", ignore_errors=True)
            if side == "ours":
                shutil.rmtree(cache, ignore_errors=True)
            res = timed(cmd_ref if side == "reference" else cmd_ours, d,
                        env_ref if side == "reference" else env_ours)
            full[side].append(res)
            print(f"full {side} round {r + 1}: {res}", file=sys.stderr)
            loads.append(load())
    edit = {"ours": [], "reference": []}
    for i in range(args.edits):
        for side in ("ours", "reference"):
            d = ours if side == "ours" else ref
            f = d / EDIT_FILE
            f.write_text(f.read_text(encoding="utf-8") + f"\nOne more sentence, {i}.\n",
                         encoding="utf-8")
            time.sleep(1.1)  # 1.0.3 compares modification times
            res = timed(cmd_ours if side == "ours" else cmd_ref, d,
                        env_ours if side == "ours" else env_ref)
            edit[side].append(res)
            print(f"edit {side} {i + 1}: {res}", file=sys.stderr)
            loads.append(load())
    for row in make_rows(full, edit, loads):
        row["name"] += args.suffix
        write_row(row)
        print(json.dumps({k: row[k] for k in ("name", "speedup")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
