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
step as the command reports it (the search index is then rebuilt in the background,
see d2lbook/outputs/html/search_bg.py). The reference needs ``pandoc`` and a venv with
``d2lbook==1.0.3`` (plus ``setuptools<81``, ``pybtex==0.24.0``).
Writes bench/results/dropin-d2l-en-html.json.
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", default="/work/public/d2l-en")
    ap.add_argument("--ref", default="/work/refvenv", help="venv with d2lbook 1.0.3")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--edits", type=int, default=3)
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
    full = {"ours": [], "reference": []}
    loads = [load()]
    for r in range(args.rounds):
        for side in ("ours", "reference"):
            d = ours if side == "ours" else ref
            shutil.rmtree(d / "_build", ignore_errors=True)
            if side == "ours":
                shutil.rmtree(cache, ignore_errors=True)
            res = timed(cmd_ours if side == "ours" else cmd_ref, d,
                        env_ours if side == "ours" else env_ref)
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
    ratio_full = [b["wall_s"] / a["wall_s"] for a, b in zip(full["ours"], full["reference"],
                                                             strict=True)]
    ratio_edit = [b["wall_s"] / a["wall_s"] for a, b in zip(edit["ours"], edit["reference"],
                                                             strict=True)]
    row = {
        "name": "dropin-d2l-en-html",
        "note": "d2l-en master, full `build html` with evaluation off (ours: config.ini "
                "unchanged; reference: d2lbook 1.0.3 with eval_notebook = False), sides "
                "alternating; then a one-line edit of one section and `build html` again. "
                "Ours after an edit: the search index is rebuilt in the background.",
        "full": {side: {"wall_s": summary(v, "wall_s"), "max_rss_mb": summary(v, "max_rss_mb"),
                        "runs": v} for side, v in full.items()},
        "after_edit": {side: {"wall_s": summary(v, "wall_s"),
                              "max_rss_mb": summary(v, "max_rss_mb"),
                              "html_step_s": summary(v, "html_step_s"), "runs": v}
                       for side, v in edit.items()},
        "speedup_full": {"min": round(min(ratio_full), 2),
                         "median": round(statistics.median(ratio_full), 2)},
        "speedup_after_edit": {"min": round(min(ratio_edit), 2),
                               "median": round(statistics.median(ratio_edit), 2)},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_during": loads,
                    "when": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())},
    }
    dest = ROOT / "bench" / "results" / "dropin-d2l-en-html.json"
    dest.write_text(json.dumps(row, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: row[k] for k in ("speedup_full", "speedup_after_edit")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
