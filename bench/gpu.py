"""The GPU checks of the CNN chapters, prepared here and run in one go on a lent GPU.

The GPU machine has PyTorch but no network and neither library's other needs, so:

    python -m bench gpu-prepare     (here, with PyPI reachable) fills .gpu/ with
                                    pure-Python wheels (IPython and friends for both
                                    libraries, d2l 1.0.3 for the reference),
                                    Fashion-MNIST and the code of the sections to run
    python -m bench gpu             (there; device tool: carry [".gpu"]) installs the
                                    wheels under /tmp, then
      1. throughput rows, ours vs the reference in alternating runs, training steps
         only: LeNet (28x28), ResNet-18 (96x96), AlexNet (224x224); ours as the
         sections train (fp32), with the AlexNet section's performance note (bf16
         autocast + channels-last), and with that plus the whole step in one CUDA graph;
      2. the full mode (D2L_QUICK=0) of the LeNet, ResNet and AlexNet sections, cell by
         cell in an IPython shell, output and per-cell times kept.
    Results go to $OUT (or bench/results/gpu): one JSON per row, SUMMARY.md, and
    sections-<name>.txt.

``python -m bench gpu --smoke`` runs the same on this CPU with a few steps and the
sections in quick mode, to catch mistakes before spending device time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GPU = ROOT / ".gpu"
SECTIONS = ["chapter_convolutional-neural-networks/lenet",
            "chapter_convolutional-modern/resnet",
            "chapter_convolutional-modern/alexnet"]
MODELS = ["lenet", "resnet18", "alexnet"]
# what both libraries import beyond PyTorch, NumPy, pandas, matplotlib and requests
# (all in the GPU machine's image); pure-Python wheels, same versions as our .venv
COMMON = ["ipython", "ipython-pygments-lexers", "matplotlib-inline", "traitlets", "decorator",
          "jedi", "parso", "pexpect", "ptyprocess", "prompt-toolkit", "wcwidth", "stack-data",
          "executing", "asttokens", "pure-eval"]
MODES = [("", "fp32, as the sections train"),
         ("fast", "bf16 autocast + channels-last (the AlexNet section's performance note)"),
         ("graphs", "bf16 + channels-last + the whole step in one CUDA graph (not yet in "
                    "the book)")]
FMNIST = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def _download(specs: list[str], dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                    "--only-binary=:all:", "--python-version", "3.12", "-d", str(dest), *specs],
                   check=True)


def prepare() -> Path:
    """Fill .gpu/ (ignored by git) with what the GPU run needs; returns the folder."""
    from d2lbook.errors import Diagnostics
    from d2lbook.outputs.notebooks import section_notebook
    from d2lbook.resolve import resolve
    from d2lbook.source.parse import load_book

    shutil.rmtree(GPU, ignore_errors=True)
    specs = []
    for name in COMMON:
        try:
            specs.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            specs.append(name)
    _download(specs, GPU / "whl" / "common")
    _download(["d2l==1.0.3"], GPU / "whl" / "ref")
    # Fashion-MNIST, gzip-compressed (decompressed there: torchvision wants raw files)
    from bench.__main__ import fashion_mnist_root

    raw = fashion_mnist_root() / "FashionMNIST" / "raw"
    (GPU / "data").mkdir(parents=True)
    for f in FMNIST:
        subprocess.run(["gzip", "-c", str(raw / f)], check=True,
                       stdout=(GPU / "data" / f"{f}.gz").open("wb"))
    # the sections' PyTorch code cells, as the notebooks hold them
    diags = Diagnostics()
    book = load_book(ROOT / "book", diags)
    refs = resolve(book, diags)
    (GPU / "sections").mkdir()
    for path in SECTIONS:
        section = next(s for s in book.ordered() if s.path == path)
        nb = section_notebook(book, section, "pytorch", refs)
        cells = [{"source": c.source, "line": c.metadata["d2lbook"]["line"]}
                 for c in nb.cells if c.cell_type == "code"]
        name = path.rsplit("/", 1)[-1]
        (GPU / "sections" / f"{name}.json").write_text(json.dumps(cells, ensure_ascii=False))
    size = sum(f.stat().st_size for f in GPU.rglob("*") if f.is_file())
    print(f"{GPU}: {size / 2**20:.1f} MiB; on the GPU machine: python3 -m bench gpu "
          "(device tool: carry ['.gpu'])")
    return GPU


def _install(tmp: Path) -> tuple[Path, Path]:
    common, ref = tmp / "common", tmp / "ref"
    for whl, target in ((GPU / "whl" / "common", common), (GPU / "whl" / "ref", ref)):
        if not target.exists():
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index",
                            "--no-deps", "--no-compile", "--target", str(target),
                            *map(str, sorted(whl.glob("*.whl")))], check=True)
    data = tmp / "data" / "FashionMNIST" / "raw"
    if not all((data / f).exists() for f in FMNIST):
        data.mkdir(parents=True, exist_ok=True)
        for f in FMNIST:
            with (data / f).open("wb") as out:
                subprocess.run(["gzip", "-dc", str(GPU / "data" / f"{f}.gz")], stdout=out,
                               check=True)
    (tmp / "run").mkdir(exist_ok=True)
    return common, ref


def run_cells(cells_file: Path) -> int:
    """Run a section's code cells in one IPython shell, as a notebook would; report each."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    cells = json.loads(cells_file.read_text(encoding="utf-8"))
    for i, cell in enumerate(cells):
        print(f"---- cell {i} (line {cell['line']})", flush=True)
        t0 = time.perf_counter()
        result = shell.run_cell(cell["source"], store_history=True)
        sys.stdout.flush()
        print(f"---- cell {i}: {time.perf_counter() - t0:.1f} s", flush=True)
        if not result.success:
            return 1
    return 0


def run(smoke: bool = False, rounds: int = 2, parts: tuple[str, ...] = ("bench", "sections"),
        ) -> int:
    out = Path(os.environ.get("OUT") or ROOT / "bench" / "results" / "gpu")
    out.mkdir(parents=True, exist_ok=True)
    from bench import harness

    harness.RESULTS = out
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / "d2l-gpu"
    common, ref = _install(tmp)
    py = sys.executable
    base = {"D2L_QUICK": "1" if smoke else "0", "D2L_DATA_DIR": "", "PYTHONUNBUFFERED": "1",
            "MPLBACKEND": "Agg"}
    ours_env = {**base, "PYTHONPATH": f"{ROOT}:{common}"}
    ref_env = {**base, "PYTHONPATH": f"{ref}:{common}"}
    status = 0
    if "bench" in parts:
        script = str(ROOT / "bench" / "workloads" / "steps.py")
        steps = ["--steps", "3", "--warmup", "1"] if smoke else []
        for model in MODELS:
            ref_side = harness.Side("reference", [py, script, model, *steps], env=ref_env,
                                    cwd=tmp / "run", metric="examples_per_s")
            for mode, how in MODES:
                ours = harness.Side("ours", [py, script, model, *steps,
                                             *([f"--{mode}"] if mode else [])],
                                    env=ours_env, cwd=tmp / "run", metric="examples_per_s")
                try:
                    harness.compare(f"{model}-steps-gpu{'-' + mode if mode else ''}", ours,
                                    ref_side, rounds=1 if smoke else rounds, warmup=0,
                                    higher_is_better=True, unit="examples/s",
                                    note=f"{model}, batch 128, training steps only; ours: "
                                         f"{how}; reference: d2l 1.0.3 fp32")
                except RuntimeError as e:
                    print(e, file=sys.stderr)
                    status = 1
    if "sections" in parts:
        for cells in sorted((GPU / "sections").glob("*.json")):
            t0 = time.perf_counter()
            log = out / f"sections-{cells.stem}.txt"
            with log.open("w", encoding="utf-8") as f:
                r = subprocess.run([py, "-m", "bench.gpu", "cells", str(cells)],
                                   cwd=tmp / "run", stdout=f, stderr=subprocess.STDOUT,
                                   env={**os.environ, **ours_env})
            took = time.perf_counter() - t0
            print(f"section {cells.stem}: rc {r.returncode}, {took:.0f} s -> {log}", flush=True)
            status = status or r.returncode
    return status


if __name__ == "__main__":  # python -m bench.gpu cells FILE (used by run())
    if len(sys.argv) == 3 and sys.argv[1] == "cells":
        raise SystemExit(run_cells(Path(sys.argv[2])))
    raise SystemExit("usage: python -m bench.gpu cells CELLS.json")
