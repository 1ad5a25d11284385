"""Checks that an evaluated book is what the cache says it is (used by
``tests/test_book_eval.py``):

* :func:`missing`: the notebooks with code that have no successful result under the key
  they have *now* (code, library, environment, device, ``D2L_*`` settings, data);
* :func:`pick_cheap`: one notebook to run again, chosen per run among the cheap ones;
* :func:`rerun`: execute that notebook afresh (into a separate cache folder) and compare
  the structure of its outputs with the stored ones (:func:`structure`): which cells
  print, which show figures or values, which raise. Values are not compared: timings
  and random numbers may differ from run to run, the shape of what a section shows may
  not.
"""

from __future__ import annotations

import dataclasses
import os
import random
from pathlib import Path

from d2lbook.execute import cache as cachemod
from d2lbook.execute import scheduler


def jobs_and_cache(book, opts: scheduler.Options) -> tuple[list[scheduler.Job], cachemod.Cache]:
    cache = cachemod.Cache(opts.cache_dir)
    jobs, _ = scheduler.plan(book, opts, cache)
    cache.files.save()
    return jobs, cache


def missing(book, opts: scheduler.Options) -> list[str]:
    """``tab/section`` of every notebook with code that has no stored (successful) result
    under its current key."""
    jobs, cache = jobs_and_cache(book, opts)
    return [j.name for j in jobs if cache.get(j.key) is None]


def structure(cells: list[dict]) -> list[list[tuple]]:
    """Per code cell, the kinds of its outputs in order: ``("stream", name)`` (consecutive
    ones merged), ``(output_type, mime types...)`` for values and figures, ``("error",
    ename)`` for exceptions."""
    out = []
    for cell in cells:
        kinds: list[tuple] = []
        for o in cell.get("outputs", []):
            t = o.get("output_type")
            if t == "stream":
                k: tuple = ("stream", o.get("name", "stdout"))
                if kinds and kinds[-1] == k:
                    continue
            elif t == "error":
                k = ("error", o.get("ename", ""))
            else:
                k = (t, *sorted(o.get("data", {})))
            kinds.append(k)
        out.append(kinds)
    return out


def pick_cheap(book, opts: scheduler.Options, max_seconds: float = 30.0,
               seed: int | None = None) -> scheduler.Job | None:
    """One notebook with a stored result that ran in at most ``max_seconds``, chosen at
    random (``seed``, else ``$D2L_BOOK_EVAL_SEED``, else a new one each run)."""
    jobs, cache = jobs_and_cache(book, opts)
    cheap = []
    for j in jobs:
        entry = cache.get(j.key)
        if entry is not None and entry.run_time <= max_seconds:
            cheap.append(j)
    if not cheap:
        return None
    if seed is None and os.environ.get("D2L_BOOK_EVAL_SEED"):
        seed = int(os.environ["D2L_BOOK_EVAL_SEED"])
    return random.Random(seed).choice(cheap)


def rerun(book, job: scheduler.Job, opts: scheduler.Options,
          scratch: Path) -> tuple[list, list, scheduler.Outcome]:
    """Execute ``job``'s notebook again with a fresh cache and output folder in
    ``scratch``; returns (stored structure, new structure, outcome)."""
    stored = cachemod.Cache(opts.cache_dir).get(job.key)
    if stored is None:
        raise ValueError(f"{job.name}: no stored result to compare with")
    fresh = scheduler.Options(tabs=[job.tab], jobs=1, quick=opts.quick,
                              only=[job.section], cache_dir=scratch, force=True,
                              cell_timeout=opts.cell_timeout,
                              notebook_timeout=opts.notebook_timeout,
                              progress=opts.progress)
    # the book's own eval folder (results, report.json) is left as it is
    config = dataclasses.replace(book.config, output_dir=Path(scratch) / "out")
    outcomes, _ = scheduler.execute(dataclasses.replace(book, config=config), fresh)
    outcome = next(o for o in outcomes if o.job.name == job.name)
    entry = cachemod.Cache(scratch).get(outcome.job.key)
    new = structure(entry.cells) if entry is not None else []
    return structure(stored.cells), new, outcome
