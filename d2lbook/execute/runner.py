"""Run one notebook in a fresh kernel of a given Python interpreter (nbclient).

:func:`run_notebook` starts ``<python> -m ipykernel_launcher`` (so each tab
can use its own environment; the interpreter needs ``ipykernel``), with the
given working directory and environment, executes every code cell in order
and returns a :class:`RunResult`: the executed notebook, the wall time, the
peak resident memory of the kernel's process tree, and on failure which cell
failed and how.

Failure kinds (``RunResult.status``):

``error``
    a cell raised and is not tagged ``raises-exception`` (the ``#@expect_error``
    mark); the traceback is the kernel's, without colour codes.
``timeout``
    a cell ran longer than the per-cell timeout.
``notebook-timeout``
    the whole notebook ran longer than the per-notebook timeout.
``dead``
    the kernel process died (crash, ``os._exit``, out of memory). A dead kernel
    is retried once in a fresh kernel; ``attempts`` says how many runs were made.
``startup``
    the kernel could not be started (missing interpreter or ``ipykernel``).

The call blocks; it runs its own event loop and is safe to call from several
threads at once (the scheduler does).
"""

from __future__ import annotations

import asyncio
import atexit
import copy
import os
import re
import signal
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

try:  # psutil gives the whole process tree; /proc alone gives the kernel process
    import psutil
except ImportError:  # pragma: no cover
    psutil = None

_ACTIVE: set[int] = set()  # pids of running kernels, for kill_active_kernels
_ACTIVE_LOCK = threading.Lock()

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


@dataclass
class RunResult:
    status: str  # "ok", "error", "timeout", "notebook-timeout", "dead", "startup"
    nb: object  # the executed (possibly partly executed) notebook
    run_time: float = 0.0
    peak_rss: int = 0  # bytes
    cell: int | None = None  # index into nb.cells of the failing cell
    message: str = ""  # one line
    traceback: str = ""
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class _OneSpecManager(KernelSpecManager):
    """A kernel spec manager that knows exactly one kernel: the given interpreter."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:  # noqa: ARG002
        return self._d2l_spec

    def find_kernel_specs(self) -> dict[str, str]:
        return {}


def _spec_manager(python: str) -> _OneSpecManager:
    mgr = _OneSpecManager()
    mgr._d2l_spec = KernelSpec(
        argv=[python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        display_name=f"Python ({python})",
        language="python",
        metadata={},
        env={},
        interrupt_mode="signal",
    )
    return mgr


def _tree_rss(pid: int) -> int:
    if psutil is not None:
        try:
            p = psutil.Process(pid)
            total = p.memory_info().rss
            for c in p.children(recursive=True):
                try:
                    total += c.memory_info().rss
                except psutil.Error:
                    pass
            return total
        except psutil.Error:
            return 0
    return _proc_status_kb(pid, "VmRSS") * 1024


def _proc_status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class _Memory:
    def __init__(self):
        self.pid: int | None = None
        self.peak = 0

    def sample(self) -> None:
        if self.pid:
            self.peak = max(
                self.peak, _tree_rss(self.pid), _proc_status_kb(self.pid, "VmHWM") * 1024
            )

    async def watch(self, interval: float = 0.2) -> None:
        while True:
            self.sample()
            await asyncio.sleep(interval)


def _error_text(cell) -> tuple[str, str]:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            tb = strip_ansi("\n".join(out.get("traceback", [])))
            return f"{out.get('ename', 'Error')}: {strip_ansi(out.get('evalue', ''))}", tb
    return "", ""


async def _run_once(nb, python, cwd, env, cell_timeout, notebook_timeout, startup_timeout):
    km = AsyncKernelManager(kernel_name="d2lbook", kernel_spec_manager=_spec_manager(python))
    mem = _Memory()
    current: dict = {"cell": None}

    def on_start(notebook=None):  # noqa: ARG001
        prov = getattr(km, "provisioner", None)
        mem.pid = getattr(prov, "pid", None)
        if mem.pid:
            with _ACTIVE_LOCK:
                _ACTIVE.add(mem.pid)

    def on_execute(cell=None, cell_index=None):  # noqa: ARG001
        current["cell"] = cell_index

    t0 = time.monotonic()
    deadline = t0 + notebook_timeout if notebook_timeout and notebook_timeout > 0 else None
    state = {"notebook_timeout": False}

    def timeout_of(cell):  # noqa: ARG001 - the per-cell limit, shortened by the notebook's
        limit = cell_timeout if cell_timeout and cell_timeout > 0 else None
        if deadline is not None:
            left = max(deadline - time.monotonic(), 0.1)
            if limit is None or left < limit:
                state["notebook_timeout"] = True
                return left
        state["notebook_timeout"] = False
        return limit

    # The kernel's own log (not cell output) goes to a file, shown when the kernel dies.
    log = tempfile.TemporaryFile(mode="w+b")
    client = NotebookClient(
        nb,
        km=km,
        timeout_func=timeout_of,
        startup_timeout=startup_timeout,
        allow_errors=False,
        record_timing=False,
        on_notebook_start=on_start,
        on_cell_execute=on_execute,
    )
    watcher = asyncio.ensure_future(mem.watch())
    result = RunResult("ok", nb)
    try:
        await client.async_execute(cwd=str(cwd), env=env, stderr=log)
    except CellTimeoutError:
        if state["notebook_timeout"]:
            result.status = "notebook-timeout"
            result.message = f"still running after {notebook_timeout:g} s (per-notebook limit)"
        else:
            result.status = "timeout"
            result.message = f"still running after {cell_timeout:g} s (per-cell limit)"
    except DeadKernelError:
        result.status = "dead"
        result.message = "the kernel process exited while this cell ran"
        result.traceback = _log_tail(log)
    except CellExecutionError:
        result.status = "error"
    except Exception as e:  # kernel start-up problems and the like
        if current["cell"] is None and mem.pid is None:
            result.status = "startup"
            result.message = f"cannot start a kernel with {python}: {type(e).__name__}: {e}"
            result.traceback = _log_tail(log)
        else:
            result.status = "dead" if not await _alive(km) else "error"
            result.message = f"{type(e).__name__}: {e}"
    finally:
        atexit.unregister(client._cleanup_kernel)  # nbclient's; we shut the kernel down here
        result.run_time = time.monotonic() - t0
        mem.sample()
        watcher.cancel()
        try:
            if client.kc is not None:
                client.kc.stop_channels()
        except Exception:
            pass
        try:
            if km.has_kernel:
                await km.shutdown_kernel(now=True)
        except Exception:
            pass
        log.close()
        with _ACTIVE_LOCK:
            _ACTIVE.discard(mem.pid)
    result.peak_rss = mem.peak
    if not result.ok:
        result.cell = current["cell"]
        if result.cell is not None:
            msg, tb = _error_text(nb.cells[result.cell])
            if result.status == "error" and msg:
                result.message = msg
            if tb:
                result.traceback = tb
    return result


def _log_tail(log, limit: int = 4000) -> str:
    try:
        log.flush()
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""
    lines = [ln for ln in text.splitlines() if "running over TCP without encryption" not in ln]
    text = "\n".join(lines).strip()
    return ("kernel log:\n" + text[-limit:]) if text else ""


async def _alive(km) -> bool:
    try:
        return bool(await km.is_alive())
    except Exception:
        return False


def run_notebook(
    nb,
    *,
    python: str,
    cwd: Path,
    env: dict[str, str],
    cell_timeout: float | None = 1200,
    notebook_timeout: float | None = None,
    startup_timeout: float = 120,
    retries_on_dead: int = 1,
    should_retry=None,
) -> RunResult:
    """Execute a copy of ``nb``; see the module docstring. ``nb`` itself is not changed.

    ``should_retry()`` (optional) is asked before a dead kernel is retried.
    """
    python = os.path.abspath(python)  # the kernel starts in cwd; keep venv symlinks
    attempts = 0
    while True:
        attempts += 1
        work = copy.deepcopy(nb)
        result = asyncio.run(
            _run_once(work, python, cwd, env, cell_timeout, notebook_timeout, startup_timeout)
        )
        result.attempts = attempts
        if result.status != "dead" or attempts > retries_on_dead:
            return result
        if should_retry is not None and not should_retry():
            return result


def kill_active_kernels() -> None:
    """Kill every kernel started by this process that is still running (on Ctrl-C)."""
    with _ACTIVE_LOCK:
        pids = list(_ACTIVE)
    for pid in pids:
        try:
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        except OSError:
            pass


def kernel_env(
    base: dict[str, str] | None = None,
    *,
    pythonpath: list[Path] = (),
    quick: bool = False,
    cuda_devices: list[int] | None = None,
    threads: int | None = None,
) -> dict[str, str]:
    """The environment for a kernel.

    ``pythonpath`` goes first on ``PYTHONPATH`` (so the book's generated library
    wins over any installed copy); ``D2L_QUICK=1`` is set in quick mode and
    removed otherwise; JAX preallocation is turned off and TensorFlow told to
    grow GPU memory, so that several kernels can share a GPU; when
    ``cuda_devices`` is a list, ``CUDA_VISIBLE_DEVICES`` is set to it (empty
    list: no GPU); ``threads`` caps the CPU threads of the math libraries
    (unless the user set them).
    """
    env = dict(os.environ if base is None else base)
    paths = [str(p) for p in pythonpath]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    if quick:
        env["D2L_QUICK"] = "1"
    else:
        env.pop("D2L_QUICK", None)
    env["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"
    env["TF_FORCE_GPU_ALLOW_GROWTH"] = "true"
    if cuda_devices is not None:
        env["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in cuda_devices)
    if threads:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env.setdefault(var, str(threads))
    env.pop("JPY_PARENT_PID", None)
    return env
