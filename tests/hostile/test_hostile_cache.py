"""The evaluation cache under corruption, data files changed behind its back, and
cell output caps."""

from __future__ import annotations

import json
import os
import re

import pytest
from hostile import Sandbox

from d2lbook.execute import cache as cachemod


def good_entry(key: str = "k" * 64, cells: int = 1) -> dict:
    return cachemod.Entry(
        key=key, tab="pytorch", section="chapter_one/one", quick=False, run_time=1.0,
        peak_rss=10, python="py",
        cells=[{"outputs": [{"output_type": "stream", "name": "stdout", "text": "2\n"}],
                "execution_count": 1}] * cells).to_json()


def corrupt(kind: str, d: dict) -> object:
    if kind == "not-an-object":
        return [1, 2]
    d = json.loads(json.dumps(d))
    if kind == "format":
        d["format"] = 99
    elif kind == "cells-string":
        d["cells"] = "abc"
    elif kind == "outputs-not-list":
        d["cells"][0]["outputs"] = {"a": 1}
    elif kind == "missing-field":
        del d["run_time"]
    elif kind == "extra-field":
        d["surprise"] = 1
    elif kind == "other-key":
        d["key"] = "0" * 64
    elif kind == "bool-for-int":
        d["peak_rss"] = True
    elif kind == "stream-without-name":
        del d["cells"][0]["outputs"][0]["name"]
    elif kind == "unknown-output-type":
        d["cells"][0]["outputs"][0]["output_type"] = "hologram"
    elif kind == "execution-count-string":
        d["cells"][0]["execution_count"] = "1"
    elif kind == "error-without-traceback":
        d["cells"][0]["outputs"] = [{"output_type": "error", "ename": "E", "evalue": "v"}]
    return d


KINDS = ["not-an-object", "format", "cells-string", "outputs-not-list", "missing-field",
         "extra-field", "other-key", "bool-for-int", "stream-without-name",
         "unknown-output-type", "execution-count-string", "error-without-traceback"]


@pytest.mark.parametrize("kind", KINDS)
def test_corrupt_entry_is_a_miss_with_a_warning_naming_the_section(tmp_path, kind):
    cache = cachemod.Cache(tmp_path)
    key = "a" * 64
    path = cache.entry_path(key)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(corrupt(kind, good_entry(key))))
    assert cache.get(key, "pytorch/chapter_one/one", 1) is None
    assert len(cache.warnings) == 1
    assert cache.warnings[0].startswith("pytorch/chapter_one/one: warning: corrupt eval cache")


@pytest.mark.parametrize("data", [b"", b"{", b"\xff\xfe", b"null", b"{\"format\": 1}"])
def test_unreadable_entry_bytes(tmp_path, data):
    cache = cachemod.Cache(tmp_path)
    path = cache.entry_path("b" * 64)
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    assert cache.get("b" * 64, "s") is None and "s: warning" in cache.warnings[0]


def test_cell_count_mismatch_is_a_miss(tmp_path):
    cache = cachemod.Cache(tmp_path)
    cache.put(cachemod.Entry.from_json(good_entry("c" * 64, cells=2)))
    assert cache.get("c" * 64, "s", 2) is not None
    assert cache.get("c" * 64, "s", 3) is None and "2 code cells" in cache.warnings[0]


def test_good_entry_round_trips(tmp_path):
    cache = cachemod.Cache(tmp_path)
    cache.put(cachemod.Entry.from_json(good_entry("d" * 64)))
    assert cache.get("d" * 64, "s", 1).cells[0]["outputs"][0]["text"] == "2\n"
    assert cache.warnings == []


def test_data_file_same_size_and_mtime_is_hashed_again(tmp_path):
    """A data file rewritten with the same size and its mtime put back: the next run
    (a new FileHashes) sees the new content."""
    f = tmp_path / "data.csv"
    f.write_text("a,b\n1,2\n")
    st = f.stat()
    first = cachemod.FileHashes(tmp_path).hash(f)
    f.write_text("a,b\n3,4\n")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert f.stat().st_mtime_ns == st.st_mtime_ns and f.stat().st_size == st.st_size
    assert cachemod.FileHashes(tmp_path).hash(f) != first


def test_output_cap_keeps_the_head_and_says_what_was_left_out():
    big = [{"output_type": "stream", "name": "stdout", "text": "x" * 10_000},
           {"output_type": "display_data", "data": {"image/png": "A" * 5000}, "metadata": {}},
           {"output_type": "execute_result", "data": {"text/plain": "y" * 100},
            "metadata": {}, "execution_count": 1}]
    capped = cachemod.cap_outputs(big, 1000)
    assert capped[0]["text"] == "x" * 1000
    assert len(capped) == 2 and capped[-1]["name"] == "stderr"
    assert re.search(r"14,1\d\d more characters", capped[-1]["text"])
    assert "max_output" in capped[-1]["text"]
    small = big[2:]
    assert cachemod.cap_outputs(small, 1000) is small


def test_output_cap_cuts_list_text_and_plain_results():
    outs = [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
             "data": {"text/plain": ["a" * 600, "b" * 600], "text/html": "<b>" * 300}}]
    capped = cachemod.cap_outputs(outs, 800)
    assert capped[0]["data"] == {"text/plain": "a" * 600 + "b" * 200}
    assert "more characters" in capped[1]["text"]


CODE_BOOK = """# 一

```{.python .input}
print(1 + 1)
```

```{.python .input}
print("z" * 50_000)
```
"""


def test_eval_with_corrupt_entry_and_output_cap(box: Sandbox):
    """End to end: a huge cell output is stored capped; a corrupted entry later is a
    miss with a warning naming the section, and the next run repairs it."""
    box.write({"chapter_one/one.md": CODE_BOOK})
    box.config("[eval]\nmax_output = 2000")
    cache_dir = box.cache / "eval"
    r = box.run("build", "eval", "--no-lib", "-j", "1", "--cache-dir", str(cache_dir))
    assert r.rc == 0, r.text
    nb = json.loads((box.build / "eval/pytorch/chapter_one/one.ipynb").read_text())
    outs = [[dict(o, text="".join(o.get("text", ""))) for o in c["outputs"]]
            for c in nb["cells"] if c["cell_type"] == "code"]
    assert outs[0][0]["text"] == "2\n"
    assert sum(len(o["text"]) for o in outs[1]) < 2300
    assert "more characters of output left out" in outs[1][-1]["text"]
    entries = list((cache_dir / "results").rglob("*.json"))
    assert len(entries) == 1
    entries[0].write_text('{"format": 1, "cells": "abc"}')
    r = box.run("build", "eval", "--no-lib", "-j", "1", "--cache-dir", str(cache_dir))
    assert r.rc == 0, r.text
    assert "pytorch/chapter_one/one: warning: corrupt eval cache entry" in r.text
    assert "Traceback" not in r.text
    r = box.run("build", "eval", "--no-lib", "-j", "1", "--cache-dir", str(cache_dir))
    assert r.rc == 0 and "warning: corrupt" not in r.text and "1 cached" in r.text, r.text


@pytest.mark.parametrize("text", ['[1, 2]', '{"version": "x"}', "{", "\x00\x01",
                                  '{"pages": [1], "version": "@V"}',
                                  '{"pages": {"a": 1}, "version": "@V"}',
                                  '{"images": {"a": [1]}, "version": "@V"}',
                                  '{"cites": {"a": 5}, "version": "@V"}'])
def test_damaged_html_state_means_a_full_build(box: Sandbox, text):
    from d2lbook.outputs.html.build import STATE_VERSION

    assert box.run("build", "html", "--no-search").rc == 0
    state = box.build / "html" / ".d2lbook-html.json"
    assert state.is_file()
    state.write_text(text.replace("@V", str(STATE_VERSION)))
    (box.build / "html" / "index.html").unlink()
    r = box.run_clean("build", "html", "--no-search")
    assert r.rc == 0 and "Traceback" not in r.text, r.text
    assert (box.build / "html" / "index.html").is_file()


@pytest.mark.parametrize("content", ['{"pytorch/a": "slow", "pytorch/b": 2, "c": true}',
                                     '["x"]', "not json"])
def test_damaged_timings(tmp_path, content):
    cache = cachemod.Cache(tmp_path)
    (tmp_path / "timings.json").write_text(content)
    t = cache.timings()
    assert all(isinstance(v, float) for v in t.values())
    cache.record_timing("pytorch/a", 1.5)
    assert cache.timings()["pytorch/a"] == 1.5


@pytest.mark.parametrize("fingerprint", ['"abc"', '{"python": 3}', "null"])
def test_damaged_environment_record_is_measured_again(tmp_path, fingerprint):
    import sys

    cachemod._env_memo.clear()
    fp = cachemod.env_fingerprint(sys.executable, tmp_path)
    record = next((tmp_path / "envs").glob("*.json"))
    data = json.loads(record.read_text())
    data["fingerprint"] = json.loads(fingerprint)
    record.write_text(json.dumps(data))
    cachemod._env_memo.clear()
    again = cachemod.env_fingerprint(sys.executable, tmp_path)
    assert again["hash"] == fp["hash"]


def test_large_declared_data_file_is_hashed_again_every_run(tmp_path):
    f = tmp_path / "big.bin"
    f.write_bytes(b"a" * (cachemod.SMALL_FILE + 10))
    st = f.stat()
    first = cachemod.FileHashes(tmp_path)
    h1 = first.hash(f, declared=True)
    first.save()
    f.write_bytes(b"b" * (cachemod.SMALL_FILE + 10))
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert cachemod.FileHashes(tmp_path).hash(f, declared=True) != h1


def test_damaged_file_hash_record_is_ignored(tmp_path):
    f = tmp_path / "big.bin"
    f.write_bytes(b"c" * (cachemod.SMALL_FILE + 1))
    st = f.stat()
    (tmp_path / "files.json").write_text(json.dumps(
        {str(f.resolve()): [[st.st_size, st.st_mtime_ns], 5]}))
    assert cachemod.FileHashes(tmp_path).hash(f) == cachemod.sha256_file(f)
    (tmp_path / "files.json").write_text("[1]")
    assert cachemod.FileHashes(tmp_path).hash(f) == cachemod.sha256_file(f)


def test_entry_schema_covers_every_entry_field():
    """The read-path validation knows every field an Entry stores (a new field must be
    added to the schema, or every stored entry would count as corrupt)."""
    import dataclasses

    assert set(cachemod._ENTRY_TYPES) == {f.name for f in dataclasses.fields(cachemod.Entry)}
