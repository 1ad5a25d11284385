"""Content-addressed cache of notebook execution results.

A notebook's result is stored under a key that is the SHA-256 of everything
that can change what the notebook prints:

* the code cells, in order: their source and the tags that change how they run
  (``raises-exception``); prose, cell metadata and ``.md`` line numbers are not
  part of the key, so editing prose never re-runs anything;
* the library: the part of the tab's generated library file that the notebook
  uses (the ``d2l.<name>`` it mentions and, transitively, what those
  definitions mention, plus the file's imports and other statements), and the
  ``__init__.py`` of its package; where that analysis cannot be sure it takes
  the whole file. See :mod:`d2lbook.execute.deps`. A notebook whose code never
  mentions ``d2l`` does not depend on the library;
* the environment fingerprint of the tab's interpreter: Python version,
  platform and the list of installed distributions with versions
  (:func:`env_fingerprint`, computed once per interpreter and remembered while
  the interpreter and its site-packages folders keep their modification times);
* the data files declared in ``config.ini`` (``[eval] data = globs``, relative
  to the book), by content, and, for notebooks that use the library, every file
  in the folders the library looks data up in (``$D2L_DATA_DIR``, ``../data``
  from the notebook, the Debian Fashion-MNIST folder), by content
  (:func:`d2lbook.execute.scheduler.library_data`); declared and small files are
  hashed once every run, large ones again when their size or mtime changes
  (:class:`FileHashes`);
* the device the kernel sees (:func:`device_signature`): the GPU models and
  ``CUDA_VISIBLE_DEVICES`` for a notebook that gets GPUs, else the CPU model
  and the math threads;
* the ``D2L_*`` environment variables the kernel inherits (:func:`d2l_settings`;
  ``D2L_DATA_DIR`` through the files it holds);
* the mode: ``quick`` (``D2L_QUICK=1``) or ``full``;
* the tab name and :data:`FORMAT`.

Layout of the cache folder (default ``$XDG_CACHE_HOME/d2lbook/eval``, else
``~/.cache/d2lbook/eval``)::

    results/<k[:2]>/<key>.json   one entry per executed notebook (see Entry)
    envs/<sha of interpreter path>.json   environment fingerprints
    files.json                   content hashes of large data files by (size, mtime)
    timings.json                 last run time per "tab/section", for scheduling

Every file is written to a temporary file in the same folder and renamed into
place (:func:`atomic_write`), so a run killed at any moment (even ``kill -9``)
leaves either the old file or the new one; leftover temporary files are named
``.tmp-*`` and are ignored (and removed when older than a day). Failed runs
are never stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = 1  # bump when the entry layout or the key recipe changes

_FINGERPRINT_SCRIPT = r"""
import json, platform, sys, site, sysconfig
try:
    from importlib import metadata
    dists = sorted({(d.metadata["Name"] or "?").lower() + "==" + (d.version or "?")
                    for d in metadata.distributions()})
except Exception as e:  # pragma: no cover - very old interpreters
    dists = ["<error: %r>" % (e,)]
dirs = set()
for p in sys.path:
    if p and ("site-packages" in p or "dist-packages" in p):
        dirs.add(p)
for key in ("purelib", "platlib"):
    dirs.add(sysconfig.get_paths()[key])
print(json.dumps({
    "python": sys.version,
    "implementation": platform.python_implementation(),
    "platform": platform.platform(),
    "executable": sys.executable,
    "packages": dists,
    "site_dirs": sorted(dirs),
}))
"""


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "d2lbook" / "eval"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_json(path: Path):
    """The JSON in ``path``, or None when it is missing or unreadable."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


# ------------------------------------------------------------------ env fingerprint

_env_lock = threading.Lock()
_env_memo: dict[str, dict] = {}


def _stat_mtimes(paths: list[str]) -> dict[str, int]:
    out = {}
    for p in paths:
        try:
            out[p] = os.stat(p).st_mtime_ns
        except OSError:
            out[p] = -1
    return out


def env_fingerprint(python: str, cache_dir: Path | None = None) -> dict:
    """Describe the environment of interpreter ``python``.

    Returns ``{"hash": ..., "python": version, "packages": [...], ...}``. The
    result is remembered in ``<cache_dir>/envs/`` and reused while the
    interpreter file and every site-packages folder it uses keep their
    modification times (installing, removing or upgrading a package changes
    the folder's mtime), so the interpreter is asked only once.
    """
    exe = os.path.abspath(python)
    with _env_lock:
        if exe in _env_memo:
            return _env_memo[exe]
        try:
            exe_mtime = os.stat(exe).st_mtime_ns
        except OSError as e:
            raise FileNotFoundError(f"Python interpreter not found: {python}") from e
        entry_path = None
        if cache_dir is not None:
            entry_path = Path(cache_dir) / "envs" / (sha256_bytes(exe.encode()) + ".json")
            old = read_json(entry_path)
            if (
                isinstance(old, dict)
                and old.get("format") == FORMAT
                and old.get("exe") == exe
                and old.get("exe_mtime") == exe_mtime
                and isinstance(old.get("dir_mtimes"), dict)
                and old["dir_mtimes"] == _stat_mtimes(sorted(old["dir_mtimes"]))
                and isinstance(old.get("fingerprint"), dict)
                and isinstance(old["fingerprint"].get("hash"), str)
                and isinstance(old["fingerprint"].get("python"), str)
            ):
                _env_memo[exe] = old["fingerprint"]
                return old["fingerprint"]
        proc = subprocess.run(
            [exe, "-c", _FINGERPRINT_SCRIPT], capture_output=True, text=True, timeout=120
        )
        if proc.returncode != 0:
            raise RuntimeError(f"cannot run {exe} to fingerprint its environment:\n{proc.stderr}")
        info = json.loads(proc.stdout)
        site_dirs = info.pop("site_dirs")
        info.pop("executable", None)
        fp = dict(info)
        fp["hash"] = sha256_bytes(json.dumps(info, sort_keys=True).encode())
        if entry_path is not None:
            record = {
                "format": FORMAT,
                "exe": exe,
                "exe_mtime": exe_mtime,
                "dir_mtimes": _stat_mtimes(sorted(site_dirs)),
                "fingerprint": fp,
            }
            atomic_write(entry_path, json.dumps(record, indent=1))
        _env_memo[exe] = fp
        return fp


# --------------------------------------------------------------------- file hashes

SMALL_FILE = 1 << 20  # bytes; smaller data files are hashed by content once every run


class FileHashes:
    """Content hashes of data files.

    A file declared in ``[eval] data`` (``declared=True``) or of at most
    :data:`SMALL_FILE` bytes is read and hashed the first time a run (one
    ``FileHashes``) asks for it, whatever its size and modification time say: a file
    rewritten with the same size within one mtime tick, or with its mtime put back,
    would otherwise be taken for the old one. Other files (the large data sets in the
    folders the library looks data up in) are remembered in ``files.json`` by (path,
    size, mtime) and hashed again when either changes.

    Measured (SHA-256, warm page cache, this machine): hashing all of the offline data
    folder (``../shared/data``, 11 files, 3.3 MB) takes 4 ms, all of Fashion-MNIST (4
    files, 31 MB) 40-55 ms, a ``stat`` of them 0.02 ms; what this policy hashes every
    run (their 12 files under 1 MiB, 1.3 MB) takes 1.3 ms.
    """

    def __init__(self, cache_dir: Path):
        self.path = Path(cache_dir) / "files.json"
        known = read_json(self.path)
        self.known: dict = known if isinstance(known, dict) else {}
        self.fresh: dict[str, tuple[list[int], str]] = {}  # hashed in this run
        self.dirty = False
        self.lock = threading.Lock()

    def hash(self, path: Path, declared: bool = False) -> str:
        p = str(Path(path).resolve())
        st = os.stat(p)
        stamp = [st.st_size, st.st_mtime_ns]
        with self.lock:
            rec = self.fresh.get(p)
            if rec and rec[0] == stamp:
                return rec[1]
            if not declared and st.st_size > SMALL_FILE:
                rec = self.known.get(p)
                if (isinstance(rec, list) and len(rec) == 2 and rec[0] == stamp
                        and isinstance(rec[1], str)):
                    return rec[1]
        digest = sha256_file(Path(p))
        with self.lock:
            self.fresh[p] = (stamp, digest)
            self.known[p] = [stamp, digest]
            self.dirty = True
        return digest

    def save(self) -> None:
        with self.lock:
            if self.dirty:
                atomic_write(self.path, json.dumps(self.known))
                self.dirty = False


# --------------------------------------------------------------------------- keys


def code_signature(nb) -> list:
    """What of a notebook's code cells changes execution: sources and run-relevant tags."""
    sig = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        tags = sorted(t for t in cell.get("metadata", {}).get("tags", []) if t == "raises-exception")
        sig.append([cell.get("source", ""), tags])
    return sig


def cpu_signature() -> str:
    """The CPU a kernel computes on: model, architecture and math threads (the user's
    ``OMP_NUM_THREADS``/``MKL_NUM_THREADS``, else the cores this process may use)."""
    import platform

    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith(("model name", "Model", "cpu model")):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    model = model or platform.processor() or "unknown"
    threads = (os.environ.get("OMP_NUM_THREADS") or os.environ.get("MKL_NUM_THREADS")
               or str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count()))
    return f"cpu:{model}:{platform.machine()}:threads={threads}"


def gpu_models() -> list[str]:
    """The models of the GPUs visible here (``nvidia-smi -L``, limited by
    ``CUDA_VISIBLE_DEVICES``), in order; empty without GPUs."""
    import shutil

    if not shutil.which("nvidia-smi"):
        return []
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    names = [ln.split(":", 1)[1].split("(UUID")[0].strip()
             for ln in out.splitlines() if ln.startswith("GPU ") and ":" in ln]
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        ids = [int(v) for v in visible.split(",") if v.strip().isdigit()]
        names = [names[i] for i in ids if i < len(names)]
    return names


def device_signature(gets_gpu: bool, gpus: list[str]) -> str:
    """The device a notebook's kernel computes on: the GPUs (models and
    ``CUDA_VISIBLE_DEVICES``) when it gets any, else the CPU (:func:`cpu_signature`)."""
    if gets_gpu and gpus:
        visible = os.environ.get("CUDA_VISIBLE_DEVICES", "")
        return f"gpu:{','.join(gpus)}:CUDA_VISIBLE_DEVICES={visible}"
    return cpu_signature()


def d2l_settings(env: dict[str, str] | None = None) -> dict[str, str]:
    """The ``D2L_*`` variables a kernel inherits. ``D2L_QUICK`` is the mode (set per run);
    ``D2L_DATA_DIR`` counts by what it holds (the data files are part of the key), so the
    same data in another folder gives the same key."""
    env = os.environ if env is None else env
    return {k: v for k, v in sorted(env.items())
            if k.startswith("D2L_") and k not in ("D2L_QUICK", "D2L_DATA_DIR")}


def notebook_key(
    nb,
    *,
    tab: str,
    quick: bool,
    env_hash: str,
    library: dict[str, str],
    data: dict[str, str],
    device: str,
    settings: dict[str, str],
) -> str:
    """The cache key of one notebook (see the module docstring for the recipe).

    ``library`` and ``data`` map file names to content hashes
    (:func:`d2lbook.execute.deps.library_dependency` makes ``library``); ``device`` is
    :func:`device_signature`, ``settings`` :func:`d2l_settings`.
    """
    doc = {
        "format": FORMAT,
        "tab": tab,
        "mode": "quick" if quick else "full",
        "env": env_hash,
        "library": library,
        "data": data,
        "device": device,
        "settings": settings,
        "code": code_signature(nb),
    }
    return sha256_bytes(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode())


# -------------------------------------------------------------------------- entries


@dataclass
class Entry:
    """One stored result: the outputs of every code cell of a notebook, in order."""

    key: str
    tab: str
    section: str
    quick: bool
    run_time: float
    peak_rss: int  # bytes, kernel process tree
    cells: list[dict]  # per code cell: {"outputs": [...], "execution_count": n}
    created: float = field(default_factory=time.time)
    python: str = ""

    def to_json(self) -> dict:
        return {"format": FORMAT, **self.__dict__}

    @classmethod
    def from_json(cls, d: dict) -> Entry | None:
        """The entry stored as ``d``, or None unless ``d`` has exactly the entry's layout
        (see :func:`entry_problem`)."""
        if entry_problem(d) is not None:
            return None
        d = dict(d)
        d.pop("format")
        return cls(**d)


_ENTRY_TYPES: dict[str, tuple[type, ...]] = {
    "key": (str,), "tab": (str,), "section": (str,), "quick": (bool,),
    "run_time": (int, float), "peak_rss": (int,), "cells": (list,),
    "created": (int, float), "python": (str,),
}


def entry_problem(d, key: str | None = None, n_cells: int | None = None) -> str | None:
    """What is wrong with a stored entry ``d`` (its schema, its key, its number of code
    cells), or None when it can be used."""
    if not isinstance(d, dict):
        return "not a JSON object"
    if d.get("format") != FORMAT:
        return f"format {d.get('format')!r}, expected {FORMAT}"
    fields = set(d) - {"format"}
    if fields != set(_ENTRY_TYPES):
        return f"fields {sorted(fields)} differ from {sorted(_ENTRY_TYPES)}"
    for name, types in _ENTRY_TYPES.items():
        value = d[name]
        if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
            return f"field {name!r} is a {type(value).__name__}"
    if key is not None and d["key"] != key:
        return "it is stored under another key"
    for i, cell in enumerate(d["cells"]):
        if not isinstance(cell, dict) or not isinstance(cell.get("outputs"), list):
            return f"code cell {i + 1} has no list of outputs"
        count = cell.get("execution_count")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
            return f"code cell {i + 1}: execution_count {count!r}"
        for out in cell["outputs"]:
            if not isinstance(out, dict) or not _output_ok(out):
                kind = out.get("output_type") if isinstance(out, dict) else None
                return f"code cell {i + 1} has a malformed output ({kind!r})"
    if n_cells is not None and len(d["cells"]) != n_cells:
        return f"{len(d['cells'])} code cells stored, the notebook has {n_cells}"
    return None


def _text(v) -> bool:
    return isinstance(v, str) or (isinstance(v, list) and all(isinstance(s, str) for s in v))


def _output_ok(out: dict) -> bool:
    """The fields of a notebook output (nbformat 4) that the toolchain reads, checked by
    hand: the schema validator costs ~0.4 ms an output, every cached run."""
    kind = out.get("output_type")
    if kind == "stream":
        return isinstance(out.get("name"), str) and _text(out.get("text"))
    if kind in ("execute_result", "display_data"):
        data = out.get("data")
        return (isinstance(data, dict) and all(isinstance(k, str) for k in data)
                and all(_text(v) or isinstance(v, dict | list) for v in data.values())
                and isinstance(out.get("metadata", {}), dict))
    if kind == "error":
        return (isinstance(out.get("ename"), str) and isinstance(out.get("evalue"), str)
                and _text(out.get("traceback")))
    return False


DEFAULT_MAX_OUTPUT = 2_000_000  # characters of output kept per code cell ([eval] max_output)


def _size(v) -> int:
    if isinstance(v, str):
        return len(v)
    if isinstance(v, dict):
        return sum(_size(x) for x in v.values())
    if isinstance(v, list):
        return sum(_size(x) for x in v)
    return 8


def _cut(text, room: int) -> str:
    text = "".join(text) if isinstance(text, list) else str(text)
    return text[:max(room, 0)]


def cap_outputs(outputs: list[dict], limit: int) -> list[dict]:
    """The outputs of one code cell, at most about ``limit`` characters in all: text is
    cut where the budget ends, later outputs are left out, and a note (a stderr stream)
    says how much was elided. Outputs within the budget are returned unchanged."""
    if sum(_size(o) for o in outputs) <= limit:
        return outputs
    kept: list[dict] = []
    used = dropped = 0
    for o in outputs:
        size = _size(o)
        room = limit - used
        if size <= room:
            kept.append(o)
            used += size
            continue
        kind = o.get("output_type")
        text = (o.get("text") if kind == "stream"
                else (o.get("data") or {}).get("text/plain")
                if kind in ("execute_result", "display_data") else None)
        if text is not None and room > 0:
            cut = _cut(text, room)
            if kind == "stream":
                kept.append({**o, "text": cut})
            else:  # keep only the plain text form, cut
                kept.append({**o, "data": {"text/plain": cut}})
            used += len(cut)
            dropped += size - len(cut)
        else:
            dropped += size
    kept.append({"output_type": "stream", "name": "stderr",
                 "text": f"\n[d2lbook: {dropped:,} more characters of output left out "
                         f"(at most {limit:,} per cell: [eval] max_output)]\n"})
    return kept


class Cache:
    """The result store in one cache folder. Safe to share between threads and processes."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else default_cache_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        self.files = FileHashes(self.root)
        self._timing_lock = threading.Lock()
        self.warnings: list[str] = []  # corrupt entries met by get()

    def entry_path(self, key: str) -> Path:
        return self.root / "results" / key[:2] / f"{key}.json"

    def get(self, key: str, section: str | None = None,
            n_cells: int | None = None) -> Entry | None:
        """The entry stored under ``key``, or None. An entry that exists but cannot be
        used (unreadable JSON, another layout, another key, ``n_cells`` not matching) is a
        miss, with a warning naming ``section`` in :attr:`warnings`; the next run that
        executes the notebook replaces it."""
        path = self.entry_path(key)
        if not path.exists():
            return None
        data = read_json(path)
        problem = "unreadable JSON" if data is None else entry_problem(data, key, n_cells)
        if problem is not None:
            with self._timing_lock:
                self.warnings.append(f"{section or key}: warning: corrupt eval cache entry "
                                     f"{path} ({problem}); running the notebook again")
            return None
        return Entry.from_json(data)

    def put(self, entry: Entry) -> None:
        atomic_write(
            self.entry_path(entry.key), json.dumps(entry.to_json(), ensure_ascii=False)
        )

    # run times of the last runs, used to start the longest notebooks first
    def timings(self) -> dict[str, float]:
        t = read_json(self.root / "timings.json")
        if not isinstance(t, dict):
            return {}
        return {k: float(v) for k, v in t.items()
                if isinstance(v, int | float) and not isinstance(v, bool) and v == v}

    def record_timing(self, name: str, seconds: float) -> None:
        with self._timing_lock:
            t = self.timings()
            t[name] = round(seconds, 3)
            atomic_write(self.root / "timings.json", json.dumps(t, indent=0, sort_keys=True))

    def sweep_temporaries(self, max_age: float = 86400.0) -> None:
        """Remove ``.tmp-*`` files left by killed runs that are older than ``max_age`` seconds."""
        now = time.time()
        for tmp in self.root.rglob(".tmp-*"):
            try:
                if now - tmp.stat().st_mtime > max_age:
                    tmp.unlink()
            except OSError:
                pass


def python_of(exe: str | None) -> str:
    return exe or sys.executable
