"""Plan and run the evaluation of a book: which notebooks to execute, where, in what order.

:func:`plan` turns (book, tabs, ``--only`` patterns) into :class:`Job` objects:
the notebook of each section for each tab (from
:func:`d2lbook.outputs.notebooks.section_notebook`), its interpreter, working
directory (the section's folder), ``PYTHONPATH`` (the package root of the tab's
generated library, so ``from d2l import torch as d2l`` imports this book's
library) and its cache key (:mod:`d2lbook.execute.cache`; the library part of
the key covers only the library names the notebook uses, see
:mod:`d2lbook.execute.deps`).

:func:`execute` looks every key up in the cache and runs the missing ones in
``jobs`` worker threads, each driving one kernel (:mod:`d2lbook.execute.runner`),
longest first by the run times recorded in the cache (never-seen notebooks
first, in reading order). GPUs (``nvidia-smi -L``, restricted to
``CUDA_VISIBLE_DEVICES`` when that is set) are handed out through
``CUDA_VISIBLE_DEVICES``, at most ``[eval] notebooks_per_gpu`` (default 1)
notebooks per GPU; a notebook's need comes from ``[eval] gpus = glob=N, ...``,
else from its metadata (``metadata.d2lbook.gpus``), else it is detected
(:func:`gpu_need`). Without GPUs nothing is set, and CPU threads per kernel
are limited to ``cores // jobs``.

Each success is stored in the cache and written, grafted onto the *current*
notebook (so prose edits and new line numbers show up without re-running), to
``<output_dir>/eval/<tab>/<section>.ipynb``. A failure stops the scheduling of
new notebooks (running ones finish) unless ``keep_going``; its partly executed
notebook goes to ``<output_dir>/eval/failed/<tab>/<section>.ipynb``.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import nbformat

from d2lbook.execute import cache as cachemod
from d2lbook.execute import deps
from d2lbook.execute.runner import RunResult, kernel_env, kill_active_kernels, run_notebook
from d2lbook.util import check_write

DEFAULT_CELL_TIMEOUT = 1200.0
GPU_FRAMEWORK_TABS = {"jax", "tensorflow", "mxnet", "paddle"}  # use the GPU by default


@dataclass
class Options:
    tabs: list[str] | None = None  # None: every tab of the book
    jobs: int = 0  # 0: the number of usable cores
    quick: bool = False
    keep_going: bool = False
    only: list[str] = field(default_factory=list)
    cache_dir: Path | None = None
    cell_timeout: float | None = None  # None: [eval] timeout, else 1200 s
    notebook_timeout: float | None = None  # None: [eval] notebook_timeout, else no limit
    force: bool = False  # execute even when a cached result exists
    progress: TextIO | None = None  # default sys.stderr


@dataclass
class Job:
    tab: str
    section: str  # path relative to the book root, without ".md"
    nb: nbformat.NotebookNode  # the current notebook, not executed
    cwd: Path
    python: str
    pythonpath: list[Path]
    key: str
    library: dict[str, str]
    gpus: int = 0
    order: int = 0  # reading order, for stable scheduling and reports
    env: dict = field(default_factory=dict)  # python, version, env_hash of the tab
    max_output: int = cachemod.DEFAULT_MAX_OUTPUT  # characters kept per cell's outputs

    @property
    def name(self) -> str:
        return f"{self.tab}/{self.section}"

    @property
    def file(self) -> str:
        return self.nb.metadata.get("d2lbook", {}).get("file") or self.section + ".md"


@dataclass
class Outcome:
    job: Job
    status: str  # "cached", "ok", "skipped", or a RunResult failure status
    run_time: float = 0.0
    peak_rss: int = 0
    attempts: int = 0
    message: str = ""
    traceback: str = ""
    line: int | None = None  # .md line of the failing cell
    cell: int | None = None  # CodeCell.index of the failing cell
    quick: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status not in ("cached", "ok", "skipped")

    def describe(self) -> str:
        where = f"{self.job.file}:{self.line}" if self.line else self.job.file
        kind = {
            "error": "cell raised an exception",
            "timeout": "cell timed out",
            "notebook-timeout": "notebook timed out",
            "dead": "kernel died",
            "startup": "kernel did not start",
            "internal": "could not be run",
        }.get(self.status, self.status)
        text = f"{where}: error: [{self.job.tab}] {kind}"
        if self.message:
            text += f": {self.message}"
        if self.status == "dead" and self.attempts > 1:
            text += f" (also on retry; {self.attempts} attempts)"
        if self.traceback:
            text += "\n" + "\n".join("    " + ln for ln in self.traceback.splitlines())
        return text


# ----------------------------------------------------------------------------- planning


def interpreter(config, tab: str) -> str:
    """The Python of ``tab``: ``[eval] <tab> = path`` (relative to the book) or this one."""
    value = (config.get("eval", tab) or config.get("eval", "python") or "").strip()
    if not value:
        return sys.executable
    if os.sep not in value and "/" not in value:
        found = shutil.which(value)
        if found:
            return found
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = Path(config.root) / path
    return str(path)


def _float_option(config, key: str, default: float | None) -> float | None:
    value = config.get("eval", key)
    if value is None or not value.strip():
        return default
    try:
        return float(value)
    except ValueError as e:
        raise ValueError(f"config.ini: [eval] {key}: {value!r} is not a number") from e


def _mapping(value: str | None) -> list[tuple[str, int]]:
    out = []
    for item in re.split(r"[,\n]", value or ""):
        item = item.strip()
        if not item:
            continue
        pat, _, n = item.rpartition("=")
        try:
            out.append((pat.strip(), int(n)))
        except ValueError as e:
            raise ValueError(f"config.ini: [eval] gpus: cannot read {item!r} (glob=N)") from e
    return out


def matches(section: str, patterns: list[str]) -> bool:
    """``--only`` matching: a glob on the section path (with or without ``.md``);
    a pattern without wildcards also selects everything below that folder."""
    if not patterns:
        return True
    for pat in patterns:
        pat = pat.strip().removeprefix("./")
        if fnmatch.fnmatch(section, pat) or fnmatch.fnmatch(section + ".md", pat):
            return True
        if not any(c in pat for c in "*?[") and section.startswith(pat.rstrip("/") + "/"):
            return True
    return False


_ALL_GPUS = re.compile(r"try_all_gpus|num_gpus\(\)|device_count\(|jax\.devices\(|pmap\(")
_ONE_GPU = re.compile(
    r"try_gpu|\bgpu\(|num_gpus\s*=\s*[1-9]|\.cuda\b|torch\.cuda|['\"]cuda(:\d+)?['\"]"
    r"|\bTrainer\(")  # the library's Trainer moves work to the best device


def gpu_need(tab: str, nb) -> int:
    """Detected GPU need of a notebook: -1 means all GPUs, otherwise a count.

    All GPUs for code that asks for every device (``try_all_gpus``, ``num_gpus()``,
    ``jax.devices(``, ``pmap(``); one for code that names a GPU or trains with the
    library's ``Trainer`` and for any code of tabs whose framework puts everything
    on the default accelerator (JAX, TensorFlow, MXNet, Paddle); else none.
    """
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    if _ALL_GPUS.search(code):
        return -1
    if _ONE_GPU.search(code) or (tab in GPU_FRAMEWORK_TABS and code.strip()):
        return 1
    return 0


def detect_gpus() -> list[int]:
    """GPU ids usable here: from ``nvidia-smi -L``, limited by CUDA_VISIBLE_DEVICES."""
    if not shutil.which("nvidia-smi"):
        return []
    try:
        out = subprocess.run(
            ["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    ids = [i for i, ln in enumerate(ln for ln in out.splitlines() if ln.startswith("GPU "))]
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        wanted = [v.strip() for v in visible.split(",") if v.strip()]
        ids = [int(v) for v in wanted if v.isdigit() and int(v) in ids]
    return ids


def library_path(config, tab: str) -> tuple[Path | None, list[Path]]:
    """(the tab's library file, the PYTHONPATH entry that makes ``import d2l`` find it)."""
    lib = config.lib_file(tab) if hasattr(config, "lib_file") else None
    if lib is None:
        return None, []
    lib = Path(lib)
    return lib, [lib.parent.parent]


def notebook_code(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def data_files(config, files: cachemod.FileHashes) -> dict[str, str]:
    """Hashes of the files named by ``[eval] data`` (globs relative to the book)."""
    root = Path(config.root)
    out = {}
    for pat in re.split(r"[,\n]", config.get("eval", "data") or ""):
        pat = pat.strip()
        if not pat:
            continue
        found = sorted(p for p in root.glob(pat) if p.is_file())
        if not found:
            raise ValueError(f"config.ini: [eval] data: {pat!r} matches no file")
        for p in found:
            out[p.relative_to(root).as_posix()] = files.hash(p, declared=True)
    return out


# where the library looks for data files (d2l.data_dirs, d2l.find_fashion_mnist_file):
# each $D2L_DATA_DIR folder, then ../data seen from the notebook's folder, then the
# Debian/Ubuntu Fashion-MNIST package
SYSTEM_DATA_DIRS = [Path("/usr/share/datasets/fashion-mnist")]


def library_data(cwd: Path, files: cachemod.FileHashes,
                 memo: dict[Path, dict[str, str]] | None = None) -> dict[str, str]:
    """Content hashes of every file in the folders the library looks data up in, as a
    notebook running in ``cwd`` sees them. All of them, not only those a run will open:
    which it opens depends on what is there, and hashing is cheap once remembered by
    size and modification time (:class:`~d2lbook.execute.cache.FileHashes`)."""
    memo = {} if memo is None else memo
    env_dirs = [d for d in os.environ.get("D2L_DATA_DIR", "").split(os.pathsep) if d]
    # files are named by their place on the lookup path, not by absolute path, so that
    # the same data in another folder (another machine) gives the same key
    dirs = [(f"$D2L_DATA_DIR[{i}]", cwd / d) for i, d in enumerate(env_dirs)]
    dirs += [("../data", cwd.parent / "data")] + [(str(d), d) for d in SYSTEM_DATA_DIRS]
    out: dict[str, str] = {}
    for label, d in dirs:
        d = d.resolve()
        if d not in memo:
            found: dict[str, str] = {}
            if d.is_dir():
                for dirpath, dirnames, filenames in os.walk(d):
                    dirnames[:] = sorted(n for n in dirnames if not n.startswith("."))
                    for name in sorted(filenames):
                        if name.startswith(".") or name.endswith((".part", ".tmp")):
                            continue
                        p = Path(dirpath) / name
                        if p.is_file():
                            found[p.relative_to(d).as_posix()] = files.hash(p)
            memo[d] = found
        out.update({f"{label}/{rel}": h for rel, h in memo[d].items()})
    return out


def plan(book, opts: Options, cache: cachemod.Cache) -> tuple[list[Job], list[Job]]:
    """(jobs with code, sections without code) for the selected tabs and sections."""
    from d2lbook.outputs.notebooks import has_code, section_notebook

    config = book.config
    tabs = opts.tabs or list(config.tabs)
    unknown = [t for t in tabs if t not in config.tabs]
    if unknown:
        raise ValueError(f"unknown tab(s): {', '.join(unknown)} (book tabs: {config.tabs})")
    data = data_files(config, cache.files)
    gpu_rules = _mapping(config.get("eval", "gpus"))
    max_output = int(_float_option(config, "max_output", cachemod.DEFAULT_MAX_OUTPUT) or 1)
    gpus = cachemod.gpu_models()
    settings = cachemod.d2l_settings()
    data_memo: dict[Path, dict[str, str]] = {}
    jobs, empty = [], []
    order = 0
    for tab in tabs:
        python = interpreter(config, tab)
        try:
            fingerprint = cachemod.env_fingerprint(python, cache.root)
            env_hash = fingerprint["hash"]
            env_info = {"python": python, "version": fingerprint["python"].split()[0],
                        "env_hash": env_hash}
        except (OSError, RuntimeError) as e:
            raise ValueError(f"config.ini: [eval] interpreter of tab {tab!r}: {e}") from e
        lib_file, pythonpath = library_path(config, tab)
        for section in book.ordered():
            if not matches(section.path, opts.only):
                continue
            order += 1
            nb = section_notebook(book, section, tab)
            code = notebook_code(nb)
            lib = deps.library_dependency(lib_file, code)
            need = nb.metadata.get("d2lbook", {}).get("gpus")
            for pat, n in gpu_rules:
                if fnmatch.fnmatch(section.path, pat):
                    need = n
            if need is None:
                need = gpu_need(tab, nb)
            cwd = (Path(book.root) / section.path).parent
            nb_data = data
            if "d2l" in code:
                nb_data = {**data, **library_data(cwd, cache.files, data_memo)}
            key = cachemod.notebook_key(
                nb, tab=tab, quick=opts.quick, env_hash=env_hash, library=lib, data=nb_data,
                device=cachemod.device_signature(int(need) != 0, gpus), settings=settings,
            )
            job = Job(
                tab=tab,
                section=section.path,
                nb=nb,
                cwd=cwd,
                python=python,
                pythonpath=pythonpath,
                key=key,
                library=lib,
                gpus=int(need),
                order=order,
                env=env_info,
                max_output=max_output,
            )
            (jobs if has_code(nb) else empty).append(job)
    return jobs, empty


# --------------------------------------------------------------------------------- GPUs


class GPUPool:
    """Hands out GPU ids, at most ``per_gpu`` notebooks on each."""

    def __init__(self, devices: list[int], per_gpu: int = 1):
        self.devices = list(devices)
        self.free = {d: max(1, per_gpu) for d in devices}
        self.cond = threading.Condition()

    def acquire(self, need: int) -> list[int] | None:
        """GPU ids for a notebook needing ``need`` (-1: all); None when there are no GPUs."""
        if not self.devices:
            return None
        if need == 0:
            return []
        n = len(self.devices) if need < 0 else min(need, len(self.devices))
        with self.cond:
            while True:
                avail = sorted((d for d in self.devices if self.free[d] > 0),
                               key=lambda d: (-self.free[d], d))
                if len(avail) >= n:
                    got = sorted(avail[:n])
                    for d in got:
                        self.free[d] -= 1
                    return got
                self.cond.wait()

    def release(self, ids: list[int] | None) -> None:
        if not ids:
            return
        with self.cond:
            for d in ids:
                self.free[d] += 1
            self.cond.notify_all()


# ---------------------------------------------------------------------------- results


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def graft(nb, entry: cachemod.Entry, job: Job | None = None):
    """A copy of the (current) notebook ``nb`` with the stored outputs of ``entry``."""
    out = copy.deepcopy(nb)
    cells = code_cells(out)
    if len(cells) != len(entry.cells):
        raise ValueError("stored result does not match the notebook's code cells")
    limit = job.max_output if job else cachemod.DEFAULT_MAX_OUTPUT
    for cell, stored in zip(cells, entry.cells):
        cell.outputs = [nbformat.from_dict(o) for o in cachemod.cap_outputs(stored["outputs"],
                                                                           limit)]
        cell.execution_count = stored.get("execution_count")
    meta = out.metadata.setdefault("d2lbook", {})
    meta["eval"] = {
        "key": entry.key,
        "quick": entry.quick,
        "run_time": entry.run_time,
        "peak_rss": entry.peak_rss,
        "python": entry.python,
        "executed": entry.created,
        "library": job.library if job else {},
    }
    return out


def entry_of(job: Job, result: RunResult, quick: bool) -> cachemod.Entry:
    cells = [
        {
            "outputs": cachemod.cap_outputs([dict(o) for o in c.get("outputs", [])],
                                            job.max_output),
            "execution_count": c.get("execution_count"),
        }
        for c in code_cells(result.nb)
    ]
    return cachemod.Entry(
        key=job.key,
        tab=job.tab,
        section=job.section,
        quick=quick,
        run_time=round(result.run_time, 3),
        peak_rss=int(result.peak_rss),
        cells=json.loads(json.dumps(cells)),
        python=job.python,
    )


def eval_dir(config) -> Path:
    return Path(config.output_dir) / "eval"


def write_notebook(path: Path, nb) -> None:
    """Write ``nb`` atomically, leaving the file alone when it already holds the same text."""
    check_write(path)
    text = nbformat.writes(nb)
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    cachemod.atomic_write(path, text)


def write_result(outdir: Path, job: Job, entry: cachemod.Entry) -> None:
    """The executed notebook of ``job`` in the eval folder; drop an old failed copy."""
    write_notebook(outdir / job.tab / (job.section + ".ipynb"), graft(job.nb, entry, job))
    try:
        (outdir / "failed" / job.tab / (job.section + ".ipynb")).unlink()
    except FileNotFoundError:
        pass


# ---------------------------------------------------------------------------- running


class Progress:
    def __init__(self, total: int, stream: TextIO):
        self.total = total
        self.done = 0
        self.stream = stream
        self.lock = threading.Lock()

    def say(self, text: str) -> None:
        with self.lock:
            print(text, file=self.stream, flush=True)

    def started(self, job: Job, gpus: list[int] | None) -> None:
        extra = f" on GPU {','.join(map(str, gpus))}" if gpus else ""
        self.say(f"[{self.done:>3}/{self.total}] run     {job.name}{extra}")

    def finished(self, o: Outcome) -> None:
        with self.lock:
            self.done += 1
            done = self.done
        status = "ok" if o.status == "ok" else o.status.upper()
        self.say(
            f"[{done:>3}/{self.total}] {status:<7} {o.job.name}  {o.run_time:.1f}s"
            f"  {o.peak_rss / 2**20:.0f} MiB"
        )


def expect_error_warnings(job: Job, nb) -> list[str]:
    """Cells marked ``#@expect_error`` that raised nothing."""
    out = []
    for cell in code_cells(nb):
        if "raises-exception" not in cell.metadata.get("tags", []):
            continue
        if not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            line = cell.metadata.get("d2lbook", {}).get("line")
            where = f"{job.file}:{line}" if line else job.file
            out.append(f"{where}: warning: [{job.tab}] cell marked #@expect_error "
                       "raised no exception")
    return out


def _run_job(job, opts, cache, pool, progress, stop, threads, cell_timeout, nb_timeout, outdir):
    if stop.is_set():
        return Outcome(job, "skipped", quick=opts.quick)
    gpus = pool.acquire(job.gpus)
    try:
        if stop.is_set():
            return Outcome(job, "skipped", quick=opts.quick)
        progress.started(job, gpus)
        env = kernel_env(
            pythonpath=job.pythonpath, quick=opts.quick, cuda_devices=gpus, threads=threads
        )
        try:
            result = run_notebook(
                job.nb,
                python=job.python,
                cwd=job.cwd,
                env=env,
                cell_timeout=cell_timeout,
                notebook_timeout=nb_timeout,
                should_retry=lambda: not stop.is_set(),
            )
        except Exception as e:  # a bug or an environment problem, not the notebook's fault
            result = RunResult("internal", job.nb, message=f"{type(e).__name__}: {e}",
                               traceback=traceback.format_exc())
    finally:
        pool.release(gpus)
    o = Outcome(
        job,
        result.status,
        run_time=result.run_time,
        peak_rss=result.peak_rss,
        attempts=result.attempts,
        message=result.message,
        traceback=result.traceback,
        quick=opts.quick,
    )
    if result.ok:
        o.warnings = expect_error_warnings(job, result.nb)
        entry = entry_of(job, result, opts.quick)
        cache.put(entry)
        cache.record_timing(job.name, result.run_time)
        write_result(outdir, job, entry)
    else:
        if result.cell is not None:
            meta = result.nb.cells[result.cell].metadata.get("d2lbook", {})
            o.line = meta.get("line")
            o.cell = meta.get("cell")
        for c in code_cells(result.nb):
            c.outputs = [nbformat.from_dict(x) for x in cachemod.cap_outputs(
                [dict(x) for x in c.get("outputs", [])], job.max_output)]
        write_notebook(outdir / "failed" / job.tab / (job.section + ".ipynb"), result.nb)
        if not opts.keep_going:
            stop.set()
    progress.finished(o)
    return o


def execute(book, opts: Options) -> tuple[list[Outcome], dict]:
    """Run (or find in the cache) every selected notebook; returns (outcomes, report)."""
    t_start = time.time()
    stream = opts.progress or sys.stderr
    config = book.config
    cache = cachemod.Cache(opts.cache_dir)
    cache.sweep_temporaries()
    jobs, empty = plan(book, opts, cache)
    if opts.only and not jobs and not empty:
        raise ValueError(f"--only {' '.join(opts.only)}: no section matches")
    cell_timeout = opts.cell_timeout
    if cell_timeout is None:
        cell_timeout = _float_option(config, "timeout", DEFAULT_CELL_TIMEOUT)
    nb_timeout = opts.notebook_timeout
    if nb_timeout is None:
        nb_timeout = _float_option(config, "notebook_timeout", None)
    outdir = eval_dir(config)

    outcomes: dict[str, Outcome] = {}
    pending = []
    for job in jobs:
        entry = None if opts.force else cache.get(job.key, job.name, len(code_cells(job.nb)))
        if entry is None:
            pending.append(job)
            continue
        write_result(outdir, job, entry)
        outcomes[job.name] = Outcome(
            job, "cached", run_time=entry.run_time, peak_rss=entry.peak_rss, quick=entry.quick
        )
    cache.files.save()
    for w in cache.warnings:
        print(w, file=stream, flush=True)

    timings = cache.timings()
    pending.sort(key=lambda j: (-(timings.get(j.name, float("inf"))), j.order))
    n_workers = opts.jobs or len(os.sched_getaffinity(0))
    n_workers = max(1, min(n_workers, len(pending) or 1))
    cores = len(os.sched_getaffinity(0))
    threads = max(1, cores // n_workers) if n_workers > 1 else None
    pool = GPUPool(detect_gpus() if pending else [],
                   int(_float_option(config, "notebooks_per_gpu", 1) or 1))
    progress = Progress(len(pending), stream)
    print(
        f"eval: {len(jobs)} notebooks, {len(jobs) - len(pending)} cached, "
        f"{len(pending)} to run with {n_workers} worker(s)"
        + (" [quick mode]" if opts.quick else ""),
        file=stream,
        flush=True,
    )
    stop = threading.Event()
    if pending:
        args = (opts, cache, pool, progress, stop, threads, cell_timeout, nb_timeout, outdir)
        ex = ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="d2lbook-eval")
        futures = [ex.submit(_run_job, job, *args) for job in pending]
        try:
            for f in futures:
                o = f.result()
                outcomes[o.job.name] = o
        except KeyboardInterrupt:
            stop.set()
            kill_active_kernels()
            ex.shutdown(wait=True, cancel_futures=True)
            raise
        ex.shutdown(wait=True)
    ordered = [outcomes[j.name] for j in jobs if j.name in outcomes]
    report = make_report(ordered, opts, time.time() - t_start)
    cachemod.atomic_write(check_write(outdir / "report.json"), json.dumps(report, indent=1))
    return ordered, report


# ----------------------------------------------------------------------------- reports


def make_report(outcomes: list[Outcome], opts: Options, wall: float) -> dict:
    notebooks = []
    tabs: dict[str, dict] = {}
    for o in outcomes:
        notebooks.append({
            "tab": o.job.tab,
            "section": o.job.section,
            "file": o.job.file,
            "status": o.status,
            "run_time": round(o.run_time, 3),
            "peak_rss": o.peak_rss,
            "quick": o.quick,
            "attempts": o.attempts,
            "line": o.line,
            "message": o.message,
        })
        t = tabs.setdefault(o.job.tab, {
            "notebooks": 0, "executed": 0, "cached": 0, "failed": 0, "skipped": 0,
            "run_time": 0.0, "peak_rss": 0, **o.job.env,
        })
        t["notebooks"] += 1
        if o.status == "cached":
            t["cached"] += 1
        elif o.status == "skipped":
            t["skipped"] += 1
        else:
            t["executed"] += 1
            if o.failed:
                t["failed"] += 1
        t["run_time"] = round(t["run_time"] + o.run_time, 3)
        t["peak_rss"] = max(t["peak_rss"], o.peak_rss)
    return {
        "quick": opts.quick,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "wall_time": round(wall, 3),
        "notebooks": notebooks,
        "tabs": tabs,
    }


def format_table(report: dict) -> str:
    rows = [("tab", "section", "status", "time", "peak mem")]
    for n in report["notebooks"]:
        rows.append((
            n["tab"], n["section"], n["status"], f"{n['run_time']:.1f}s",
            f"{n['peak_rss'] / 2**20:.0f} MiB",
        ))
    lines = _columns(rows, right={3, 4})
    trows = [("tab", "notebooks", "executed", "cached", "failed", "time", "peak mem")]
    for tab, t in report["tabs"].items():
        trows.append((
            tab, str(t["notebooks"]), str(t["executed"]), str(t["cached"]), str(t["failed"]),
            f"{t['run_time']:.1f}s", f"{t['peak_rss'] / 2**20:.0f} MiB",
        ))
    lines += [""] + _columns(trows, right={1, 2, 3, 4, 5, 6})
    mode = "quick" if report["quick"] else "full"
    lines.append(f"({mode} mode; wall time {report['wall_time']:.1f}s; times of cached "
                 "notebooks are those recorded when they ran)")
    return "\n".join(lines)


def _columns(rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in
                 enumerate(zip(r, widths))]
        out.append("  ".join(cells).rstrip())
    return out
