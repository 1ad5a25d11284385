"""Every section of the book runs in quick mode (through the evaluation cache), so that
no section can rot unnoticed. The run-time table is printed, not asserted: timings on a
shared machine are for the benchmark, not for a test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.xdist_group("book-eval")


def test_every_section_runs_in_quick_mode():
    jobs = os.environ.get("D2L_EVAL_JOBS", "2")
    r = subprocess.run([sys.executable, "-m", "d2lbook", "build", "eval", "--quick",
                        "--keep-going", "-j", jobs], cwd=ROOT / "book", capture_output=True,
                       text=True)
    print(r.stdout[-6000:])
    assert r.returncode == 0, r.stderr[-8000:]
    report = json.loads((ROOT / "book" / "_build" / "eval" / "report.json").read_text())
    assert report, "the report lists the notebooks"
