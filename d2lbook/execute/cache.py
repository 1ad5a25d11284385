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
  (:func:`d2lbook.execute.scheduler.library_data`);
* the device the kernel sees (:func:`device_signature`): the GPU models and
  ``CUDA_VISIBLE_DEVICES`` for a notebook that gets GPUs, else the CPU model
  and the math threads;
* the ``D2L_*`` environment variables the kernel inherits (:func:`d2l_settings`);
* the mode: ``quick`` (``D2L_QUICK=1``) or ``full``;
* the tab name and :data:`FORMAT`.

Layout of the cache folder (default ``$XDG_CACHE_HOME/d2lbook/eval``, else
``~/.cache/d2lbook/eval``)::

    results/<k[:2]>/<key>.json   one entry per executed notebook (see Entry)
    envs/<sha of interpreter path>.json   environment fingerprints
    files.json                   content hashes of data files by (size, mtime)
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
                and old.get("dir_mtimes") == _stat_mtimes(sorted(old.get("dir_mtimes", {})))
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


class FileHashes:
    """Content hashes of (data) files, remembered by (path, size, mtime)."""

    def __init__(self, cache_dir: Path):
        self.path = Path(cache_dir) / "files.json"
        self.known = read_json(self.path) or {}
        self.dirty = False
        self.lock = threading.Lock()

    def hash(self, path: Path) -> str:
        p = str(Path(path).resolve())
        st = os.stat(p)
        stamp = [st.st_size, st.st_mtime_ns]
        with self.lock:
            rec = self.known.get(p)
            if rec and rec[0] == stamp:
                return rec[1]
        digest = sha256_file(Path(p))
        with self.lock:
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
    """The ``D2L_*`` variables a kernel inherits (``D2L_QUICK`` is the mode, set per run)."""
    env = os.environ if env is None else env
    return {k: v for k, v in sorted(env.items()) if k.startswith("D2L_") and k != "D2L_QUICK"}


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
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            return None
        d = dict(d)
        d.pop("format")
        try:
            return cls(**d)
        except TypeError:
            return None


class Cache:
    """The result store in one cache folder. Safe to share between threads and processes."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else default_cache_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        self.files = FileHashes(self.root)
        self._timing_lock = threading.Lock()

    def entry_path(self, key: str) -> Path:
        return self.root / "results" / key[:2] / f"{key}.json"

    def get(self, key: str) -> Entry | None:
        entry = Entry.from_json(read_json(self.entry_path(key)))
        if entry is not None and entry.key != key:
            return None
        return entry

    def put(self, entry: Entry) -> None:
        atomic_write(
            self.entry_path(entry.key), json.dumps(entry.to_json(), ensure_ascii=False)
        )

    # run times of the last runs, used to start the longest notebooks first
    def timings(self) -> dict[str, float]:
        t = read_json(self.root / "timings.json")
        return t if isinstance(t, dict) else {}

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
