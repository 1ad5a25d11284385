"""Every section of the book runs in quick mode (through the evaluation cache), so that
no section can rot unnoticed:

* after ``build eval --quick``, every section with code has a successful result under the
  key it has *now* (code, library, environment, device, D2L_* settings, data files);
* one cheap section, chosen per run (``D2L_BOOK_EVAL_SEED`` repeats a choice), is executed
  again and the structure of its outputs compared with the stored one, so a cache that
  answers with something the code no longer produces is caught.

The run-time table is printed, not asserted: timings on a shared machine are for the
benchmark, not for a test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from d2lbook.errors import Diagnostics
from d2lbook.execute import scheduler, verify
from d2lbook.source.parse import load_book

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.xdist_group("book-eval")


def test_every_section_runs_in_quick_mode(tmp_path):
    jobs = os.environ.get("D2L_EVAL_JOBS", "2")
    r = subprocess.run([sys.executable, "-m", "d2lbook", "build", "eval", "--quick",
                        "--keep-going", "-j", jobs], cwd=ROOT / "book", capture_output=True,
                       text=True)
    print(r.stdout[-6000:])
    assert r.returncode == 0, r.stderr[-8000:]

    book = load_book(ROOT / "book", Diagnostics())
    opts = scheduler.Options(quick=True)
    assert verify.missing(book, opts) == []

    job = verify.pick_cheap(book, opts)
    assert job is not None, "no section with a cheap stored result"
    print(f"re-executing {job.name} (D2L_BOOK_EVAL_SEED picks it again)")
    stored, new, outcome = verify.rerun(book, job, opts, tmp_path)
    assert not outcome.failed, outcome.describe()
    assert new == stored, f"{job.name}: outputs differ in structure from the cached ones"
