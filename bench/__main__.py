"""Benchmarks against the reference implementations, side by side.

    python -m bench all                  every benchmark below
    python -m bench toolchain            parse + notebooks + library, generated 200-section book
    python -m bench html                 HTML build (full, and after one changed section)
    python -m bench softmax | lenet      one training epoch on Fashion-MNIST
    python -m bench jax-train            the same with d2l.jax (jax-softmax | jax-lenet: one)
    python -m bench eval                 quick-mode evaluation of the whole book (ours only)
    python -m bench smoke                a tiny run of the harness (used by the tests)
    python -m bench gpu-prepare          fill .gpu/ for the GPU checks (see bench/gpu.py)
    python -m bench gpu [--smoke]        the GPU checks, on a lent GPU (--smoke: on this CPU)
    python -m bench compat [...]         the public d2l notebooks on our library (bench/compat.py)

Options: --rounds N, --warmup N. The reference environments (.venv-ref: d2l 1.0.3,
d2lbook 1.0.3 and the same torch as ours; .venv-ref-jax: d2l 1.0.3 with the JAX, Flax and
TensorFlow versions that its jax.py runs on) are created on first use. Results go to
bench/results/<name>.json and bench/results/SUMMARY.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import Side, compare, write_row

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
OURS_PY = Path(sys.executable)
REF = ROOT / ".venv-ref"
REF_PY = REF / "bin" / "python"
# thread settings the CPU training benchmarks run under, one row each: "default" is what
# a reader gets (each library as it comes, all cores), a number pins that many math
# threads on both sides (the reference's data-loader workers get the same setting)
THREADS = [t.strip() for t in os.environ.get("BENCH_THREADS", "default,1").split(",") if t.strip()]
REF_JAX = ROOT / ".venv-ref-jax"
REF_JAX_PY = REF_JAX / "bin" / "python"
# d2l 1.0.3's jax.py annotates its TrainState with jax.random.PRNGKeyArray, which JAX 0.4.24
# removed, so the reference side runs on the last JAX before that (no shim), with the Flax,
# Optax and SciPy of its time (JAX 0.4.23 calls scipy.linalg.tril, gone in SciPy 1.13) and
# the TensorFlow that its data loader (tf.data, Keras' Fashion-MNIST) needs
# (and tensorflow-datasets 4.9.4 with the tensorflow-metadata of its time: newer ones need
# a newer protobuf than TensorFlow 2.15 allows)
REF_JAX_PACKAGES = ["jax[cpu]==0.4.23", "jaxlib==0.4.23", "flax==0.8.0", "optax==0.1.8",
                    "scipy<1.13", "numpy<2", "tensorflow-cpu==2.15.1",
                    "tensorflow-datasets==4.9.4", "tensorflow-metadata==1.14.0", "pandas",
                    "matplotlib", "matplotlib-inline", "ipython", "requests"]
FMNIST_SYSTEM = Path("/usr/share/datasets/fashion-mnist")
FMNIST_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def _pip(py: Path, *args: str) -> None:
    subprocess.run([str(py), "-m", "pip", "install", "-q", *args], check=True)


def ensure_reference() -> Path:
    """Create .venv-ref with d2l 1.0.3, d2lbook 1.0.3 and our torch version."""
    stamp = REF / ".bench-ready"
    if stamp.exists():
        return REF_PY
    import torch
    import torchvision

    tv = torch.__version__.split("+")[0]
    tvv = torchvision.__version__.split("+")[0]
    print(f"creating {REF} (d2l 1.0.3, d2lbook 1.0.3, torch {tv}) ...", file=sys.stderr)
    if not REF_PY.exists():
        subprocess.run([sys.executable, "-m", "venv", str(REF)], check=True)
    _pip(REF_PY, "--upgrade", "pip")
    # d2l 1.0.3 pins numpy 1.23.5, pandas 2.0.3, matplotlib 3.7.2, scipy 1.10.1;
    # d2lbook 1.0.3's notedown imports pkg_resources (setuptools<81) and
    # pybtex-apa-style breaks with pybtex 0.26
    _pip(REF_PY, f"torch=={tv}", f"torchvision=={tvv}", "d2l==1.0.3", "d2lbook==1.0.3",
         "setuptools<81", "pybtex==0.24.0")
    stamp.write_text("ok\n")
    return REF_PY


def ensure_reference_jax() -> Path:
    """Create .venv-ref-jax: d2l 1.0.3 (without its pins) and what its jax.py imports."""
    stamp = REF_JAX / ".bench-ready"
    if stamp.exists():
        return REF_JAX_PY
    print(f"creating {REF_JAX} (d2l 1.0.3, {', '.join(REF_JAX_PACKAGES[:4])}, "
          "tensorflow-cpu) ...", file=sys.stderr)
    if not REF_JAX_PY.exists():
        subprocess.run([sys.executable, "-m", "venv", str(REF_JAX)], check=True)
    _pip(REF_JAX_PY, "--upgrade", "pip")
    _pip(REF_JAX_PY, *REF_JAX_PACKAGES)
    # its pins (numpy 1.23.5, scipy 1.10.1, ...) are for the PyTorch side: not installed
    _pip(REF_JAX_PY, "--no-deps", "d2l==1.0.3")
    stamp.write_text("ok\n")
    return REF_JAX_PY


def fashion_mnist_root() -> Path:
    """A data root where both libraries find Fashion-MNIST without a network.

    Ours looks in <root>/fashion-mnist and <root>/FashionMNIST/raw; the reference
    (torchvision) needs the decompressed files in <root>/FashionMNIST/raw.
    """
    root = WORK / "data"
    raw = root / "FashionMNIST" / "raw"
    if all((raw / f).exists() for f in FMNIST_FILES):
        return root
    raw.mkdir(parents=True, exist_ok=True)
    sources = [Path(os.environ["D2L_DATA_DIR"])] if os.environ.get("D2L_DATA_DIR") else []
    sources += [FMNIST_SYSTEM]
    for f in FMNIST_FILES:
        for src in sources:
            for cand in (src / f, src / (f + ".gz"), src / "fashion-mnist" / (f + ".gz"),
                         src / "FashionMNIST" / "raw" / f):
                if cand.exists():
                    data = cand.read_bytes()
                    if cand.suffix == ".gz":
                        data = gzip.decompress(data)
                    (raw / f).write_bytes(data)
                    break
            if (raw / f).exists():
                break
        else:
            raise SystemExit("Fashion-MNIST not found: install Debian's dataset-fashion-mnist "
                             "or set D2L_DATA_DIR")
    return root


def keras_home() -> Path:
    """A home folder whose Keras cache holds Fashion-MNIST (gzip files, Keras' names).

    d2l 1.0.3's JAX FashionMNIST calls ``tf.keras.datasets.fashion_mnist.load_data()``,
    which reads ``~/.keras/datasets/fashion-mnist/*.gz`` and downloads what is missing; the
    reference side runs with HOME set to this folder so that nothing is downloaded and
    the user's own ~/.keras is left alone.
    """
    home = WORK / "ref-home"
    cache = home / ".keras" / "datasets" / "fashion-mnist"
    raw = fashion_mnist_root() / "FashionMNIST" / "raw"
    cache.mkdir(parents=True, exist_ok=True)
    for f in FMNIST_FILES:
        target = cache / (f + ".gz")
        if not target.exists():
            tmp = target.with_suffix(".gz.tmp")
            tmp.write_bytes(gzip.compress((raw / f).read_bytes(), compresslevel=1))
            tmp.replace(target)
    return home


def load_average() -> float:
    """The one-minute load average (what the JAX rows record about the machine's quiet)."""
    return os.getloadavg()[0]


def jax_threads() -> list[str]:
    """Thread settings of the JAX rows: BENCH_THREADS when set, else default threads only."""
    return THREADS if os.environ.get("BENCH_THREADS") else ["default"]


JAX_NOTE = {
    "softmax": "Why the ratio: ours compiles the whole training step (forward, gradient, Optax "
               "update, new dropout key) into one jit function and keeps the data set on the "
               "device, each minibatch cut out by one jit-compiled gather (TensorLoader) and "
               "scaled by a jit-compiled preprocess: three dispatches per step. The reference's "
               "training_step calls jax.value_and_grad on a jit-compiled loss outside jit, so "
               "every step re-linearizes and transposes the loss in Python (about two thirds "
               "of its epoch in a profile) and runs forward and backward as separate "
               "computations, then applies the Optax update op by op (apply_gradients, eager); "
               "its batches come from tf.data (batch, resize_with_pad, shuffle, tfds.as_numpy: "
               "about a fifth of its epoch). For a model this small, per-step overhead is "
               "nearly the whole epoch. Compilation (warm-up epoch minus measured epoch, in "
               "details) is larger on our side: more is compiled (the fused step, the gather "
               "and the preprocess, each for the full and the last partial batch) and the "
               "newer JAX/XLA compiles more slowly on this CPU.",
    "lenet": "The same differences as for softmax (see softmax-epoch-cpu-jax); LeNet's "
             "convolutions make the arithmetic a larger share of each step. On the reference "
             "side the per-step Python linearization of the jit-compiled loss and the separate "
             "forward and backward computations remain; ours runs the fused, compiled step.",
}


def bench_jax_train(model: str, rounds: int, warmup: int) -> list[dict]:
    """One epoch of ``model`` with our d2l.jax against d2l 1.0.3's, alternating."""
    ref_py = ensure_reference_jax()
    home = keras_home()  # also fills WORK/data, i.e. ../data seen from WORK/run
    run = WORK / "run"
    run.mkdir(parents=True, exist_ok=True)
    script = str(ROOT / "bench" / "workloads" / "train_jax.py")
    rows = []
    for threads in jax_threads():
        env: dict[str, str | None] = {
            "D2L_QUICK": "0", "D2L_DATA_DIR": "", "OMP_NUM_THREADS": None,
            "MKL_NUM_THREADS": None, "XLA_FLAGS": None, "JAX_PLATFORMS": "cpu",
            "TF_CPP_MIN_LOG_LEVEL": "2", "TF_NUM_INTRAOP_THREADS": None,
            "TF_NUM_INTEROP_THREADS": None}
        if threads == "default":
            name, how = f"{model}-epoch-cpu-jax", "each library with its default threads"
        else:
            n = int(threads)
            name, how = f"{model}-epoch-cpu-jax-{n}thread", f"{n} math thread(s) per side"
            env.update({"OMP_NUM_THREADS": str(n), "MKL_NUM_THREADS": str(n),
                        "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false "
                                     f"intra_op_parallelism_threads={n}",
                        "TF_NUM_INTRAOP_THREADS": str(n), "TF_NUM_INTEROP_THREADS": str(n)})
        ours = Side("ours", [str(OURS_PY), script, model],
                    env={**env, "PYTHONPATH": str(ROOT)}, cwd=run, metric="seconds")
        ref = Side("reference", [str(ref_py), script, model],
                   env={**env, "PYTHONPATH": "", "HOME": str(home)}, cwd=run, metric="seconds")
        load_before = load_average()
        row = compare(name, ours, ref, rounds=rounds, warmup=warmup,
                      note=f"one epoch of {model} on Fashion-MNIST with d2l.jax (fit incl. "
                           "validation; the first epoch of each process is the warm-up, "
                           "compilation reported apart), same model, batch size, learning "
                           f"rate, plotting off; {how}; vs d2l 1.0.3's jax.py. "
                           + JAX_NOTE[model])
        row["details"] = jax_details(ours.records, ref.records, warmup)
        row["machine"]["load_1min"] = {"before": round(load_before, 2),
                                       "after": round(load_average(), 2)}
        write_row(row)
        rows.append(row)
    return rows


def jax_details(ours: list[dict], ref: list[dict], warmup: int) -> dict:
    """Per-side medians of what train_jax.py reports besides the measured epoch."""
    import statistics

    out = {}
    for side, records in (("ours", ours[warmup:]), ("reference", ref[warmup:])):
        if not records:
            continue
        out[side] = {k: statistics.median(r[k] for r in records)
                     for k in ("warmup_seconds", "compile_seconds", "setup_seconds",
                               "data_seconds", "examples_per_s", "val_acc")}
        out[side].update({k: records[-1][k] for k in ("jax", "flax", "train_examples")})
    return out


def bench_train(model: str, rounds: int, warmup: int) -> list[dict]:
    ref_py = ensure_reference()
    fashion_mnist_root()  # WORK/data, which is ../data seen from WORK/run
    run = WORK / "run"
    run.mkdir(parents=True, exist_ok=True)
    script = str(ROOT / "bench" / "workloads" / "train.py")
    rows = []
    for threads in THREADS:
        env: dict[str, str | None] = {"D2L_QUICK": "0", "D2L_DATA_DIR": "",
                                      "OMP_NUM_THREADS": None, "MKL_NUM_THREADS": None}
        if threads == "default":
            name, how = f"{model}-epoch-cpu", "each library with its default threads (all cores)"
        else:
            n = int(threads)
            name, how = f"{model}-epoch-cpu-{n}thread", f"{n} math thread(s) per side"
            env.update({"OMP_NUM_THREADS": str(n), "MKL_NUM_THREADS": str(n)})
        ours = Side("ours", [str(OURS_PY), script, model],
                    env={**env, "PYTHONPATH": str(ROOT)}, cwd=run, metric="seconds")
        ref = Side("reference", [str(ref_py), script, model],
                   env={**env, "PYTHONPATH": ""}, cwd=run, metric="seconds")
        rows.append(compare(name, ours, ref, rounds=rounds, warmup=warmup,
                            note=f"one epoch of {model} on Fashion-MNIST (fit incl. validation), "
                                 "same model, batch size, learning rate; plotting off on both "
                                 f"sides; {how} (BENCH_THREADS)"))
    return rows


def gen_book(sections: int = 10, chapters: int = 20) -> Path:
    from bench.gen_book import generate

    return generate(WORK / "book200", chapters=chapters, sections=sections)


def bench_toolchain(rounds: int, warmup: int) -> list[dict]:
    book = gen_book()
    d2lbook = str(OURS_PY.parent / "d2lbook")
    rows = []

    def ours_inproc() -> float:
        """Parse + lib + notebooks in one process (the figure issue 2 asks for)."""
        r = subprocess.run([str(OURS_PY), "-c", (
            "import time; t=time.perf_counter()\n"
            "from pathlib import Path\n"
            "from d2lbook.errors import Diagnostics\n"
            "from d2lbook.source.parse import load_book\n"
            "from d2lbook.resolve import resolve\n"
            "from d2lbook.outputs.library import build_library, write_library\n"
            "from d2lbook.outputs.notebooks import build_notebooks\n"
            f"d=Diagnostics(); b=load_book(Path({str(book)!r}), d); r=resolve(b, d)\n"
            "write_library(build_library(b, d)); build_notebooks(b, r, b.config.tabs, d)\n"
            "print(time.perf_counter()-t)")], capture_output=True, text=True, check=True)
        return float(r.stdout.strip().splitlines()[-1])

    def clean() -> None:
        shutil.rmtree(book / "_build", ignore_errors=True)
        shutil.rmtree(book / "lib", ignore_errors=True)
        (book / "lib").mkdir()  # d2lbook 1.0.3 does not create the library's folder

    rows.append(compare("toolchain-parse-nb-lib-inprocess", Side("ours", func=ours_inproc,
                                                                 before=clean),
                        None, rounds=rounds, warmup=warmup,
                        note="parse + refs + library + notebooks of the 200-section book, "
                             "one process including imports (target < 2 s)"))
    ours = Side("ours", ["bash", "-c", f"{d2lbook} build lib && {d2lbook} build notebooks"],
                cwd=book, before=clean)
    ref = None
    if REF_PY.exists() or os.environ.get("BENCH_REFERENCE", "1") == "1":
        ref_bin = ensure_reference().parent
        ref = Side("reference", ["bash", "-c",
                                 f"{ref_bin / 'd2lbook'} build lib && "
                                 f"{ref_bin / 'd2lbook'} build eval"],
                   cwd=book, before=clean, env={"PATH": f"{ref_bin}:{os.environ['PATH']}"})
    rows.append(compare("toolchain-notebooks-and-lib", ours, ref, rounds=rounds, warmup=warmup,
                        note="`build lib` + notebooks of the generated 200-section book, "
                             "as commands (reference: d2lbook 1.0.3 `build lib` + "
                             "`build eval` with evaluation off)"))
    return rows


def bench_html(rounds: int, warmup: int) -> list[dict]:
    book = gen_book()
    d2lbook = str(OURS_PY.parent / "d2lbook")
    target = book / "chapter_3" / "section_4.md"
    original = target.read_text(encoding="utf-8")
    counter = {"n": 0}

    def clean() -> None:
        shutil.rmtree(book / "_build", ignore_errors=True)
        target.write_text(original, encoding="utf-8")

    def touch() -> None:
        counter["n"] += 1
        target.write_text(original + f"\n又一个句子 {counter['n']}。\n", encoding="utf-8")

    rows = [compare("html-full-200-sections",
                    Side("ours", [d2lbook, "build", "html", "--no-outputs"], cwd=book,
                         before=clean), None, rounds=rounds, warmup=warmup,
                    note="full website build of the generated 200-section book, search "
                         "index included (target < 10 s)")]
    if REF_PY.exists() or os.environ.get("BENCH_REFERENCE", "1") == "1":
        ref_bin = ensure_reference().parent

        def clean_ref() -> None:
            clean()
            shutil.rmtree(book / "lib", ignore_errors=True)
            (book / "lib").mkdir()  # d2lbook 1.0.3 does not create the library's folder

        # the reference (Sphinx) takes minutes: one pair, no warm-up
        rows.append(compare(
            "html-full-200-sections-vs-d2lbook",
            Side("ours", [d2lbook, "build", "html", "--no-outputs"], cwd=book, before=clean),
            Side("reference", ["bash", "-c", f"{ref_bin / 'd2lbook'} build html"], cwd=book,
                 before=clean_ref, env={"PATH": f"{ref_bin}:{os.environ['PATH']}"}),
            rounds=1, warmup=0,
            note="full website build of the generated 200-section book (ours: pages and "
                 "Pagefind index; reference: d2lbook 1.0.3 `build html`, i.e. notebooks, "
                 "reST and Sphinx with its search index); needs pandoc for the reference"))
    subprocess.run([d2lbook, "build", "html", "--no-outputs"], cwd=book, check=True,
                   capture_output=True)
    rows.append(compare("html-one-section-changed",
                        Side("ours", [d2lbook, "build", "html", "--no-outputs", "--no-search"],
                             cwd=book, before=touch), None, rounds=rounds, warmup=warmup,
                        note="rebuild after one section changed (target < 0.5 s; a command, "
                             "so interpreter start-up is included)"))
    target.write_text(original, encoding="utf-8")
    return rows


def bench_eval() -> dict:
    d2lbook = str(OURS_PY.parent / "d2lbook")
    t0 = time.perf_counter()
    subprocess.run([d2lbook, "build", "eval", "--quick", "--force", "--keep-going"],
                   cwd=ROOT / "book", check=False)
    wall = time.perf_counter() - t0
    report = json.loads((ROOT / "book" / "_build" / "eval" / "report.json").read_text())
    row = {"name": "book-eval-quick", "unit": "s", "rounds": 1, "warmup": 0,
           "higher_is_better": False, "ours": {"median": wall, "runs": [wall]},
           "note": "quick-mode evaluation of every section, executed afresh "
                   "(no reference; per-section times in book-eval-quick-sections.json)",
           "machine": {"cpus": os.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M:%S")}}
    from bench.harness import RESULTS, write_row

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "book-eval-quick-sections.json.txt").write_text(json.dumps(report, indent=1))
    write_row(row)
    return row


def bench_smoke() -> dict:
    """A tiny run of the harness: two trivial commands, two rounds."""
    py = str(OURS_PY)
    return compare("smoke", Side("ours", [py, "-c", "pass"]),
                   Side("reference", [py, "-c", "import time; time.sleep(0.05)"]),
                   rounds=2, warmup=1, note="harness self-test")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument("what", nargs="+",
                   choices=["all", "toolchain", "html", "softmax", "lenet", "eval", "smoke",
                            "gpu-prepare", "gpu", "jax-train", "jax-softmax", "jax-lenet"])
    p.add_argument("--rounds", type=int, default=None, help="default 5 (gpu: 2)")
    p.add_argument("--smoke", action="store_true", help="gpu: a few steps, quick mode, any device")
    p.add_argument("--part", action="append", choices=["bench", "sections"],
                   help="gpu: only this part (repeatable)")
    p.add_argument("--warmup", type=int, default=1)
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["compat"]:  # its own options: python -m bench compat --help
        from bench import compat

        return compat.main(argv[1:])
    a = p.parse_args(argv)
    if "gpu-prepare" in a.what or "gpu" in a.what:
        from bench import gpu

        if "gpu-prepare" in a.what:
            gpu.prepare()
        if "gpu" in a.what:
            return gpu.run(smoke=a.smoke, rounds=a.rounds or 2,
                           parts=tuple(a.part or ("bench", "sections")))
        return 0
    a.rounds = a.rounds or 5
    WORK.mkdir(parents=True, exist_ok=True)
    what = (["toolchain", "html", "softmax", "lenet", "jax-train", "eval"] if "all" in a.what
            else a.what)
    for w in what:
        if w == "toolchain":
            bench_toolchain(a.rounds, a.warmup)
        elif w == "html":
            bench_html(a.rounds, a.warmup)
        elif w in ("softmax", "lenet"):
            bench_train(w, a.rounds, a.warmup)
        elif w in ("jax-train", "jax-softmax", "jax-lenet"):
            for m in ("softmax", "lenet"):
                if w in ("jax-train", f"jax-{m}"):
                    bench_jax_train(m, a.rounds, a.warmup)
        elif w == "eval":
            bench_eval()
        elif w == "smoke":
            bench_smoke()
    print(f"summary: {ROOT / 'bench' / 'results' / 'SUMMARY.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
