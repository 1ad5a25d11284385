"""Units of d2lbook serve that need no browser."""

from __future__ import annotations

import time


def test_reindexer_runs_once_per_burst_of_changes():
    from d2lbook.serve import Reindexer

    calls: list[float] = []
    r = Reindexer(lambda: calls.append(time.monotonic()) or "built", delay=0.3,
                  log=lambda msg: None)
    try:
        t0 = time.monotonic()
        for _ in range(5):  # a burst of saves
            r.mark()
            time.sleep(0.05)
        deadline = time.monotonic() + 5
        while not calls and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.5)
        assert len(calls) == 1 and calls[0] - t0 >= 0.3 + 4 * 0.05 - 0.01
        r.mark()  # a later change runs it again
        deadline = time.monotonic() + 5
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(calls) == 2
    finally:
        r.stop()
    assert not r.thread.is_alive()
