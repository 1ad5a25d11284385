"""Compatibility harness: run the public d2l books' notebooks on our library.

    python -m bench compat [--book en|zh|all] [--tab pytorch|jax] [--only GLOB]
                           [--timeout S] [--limit N]

For each public book (``/work/public/d2l-en`` volume 1, ``/work/public/d2l-zh`` up to the
attention chapter; override with ``D2L_EN_SRC`` / ``D2L_ZH_SRC``) the harness

1. copies the sources to a temporary folder (never the original), without the reference's
   own ``d2l`` package, so that ``from d2l import torch as d2l`` imports OUR library;
2. builds the notebooks of one tab with OUR toolchain (``d2lbook build notebooks --tab
   pytorch``, or ``--tab jax``: d2l-en's JAX notebooks, which import ``from d2l import jax
   as d2l``; d2l-zh has no JAX tab). Where our toolchain refuses the public sources, it patches the temporary copy
   and records each patch (see ``PATCHES`` in the results): today only reference errors of
   the public books themselves (a ``:numref:``/``:eqref:`` to a label that does not exist
   becomes plain text; a duplicated label gets a suffix; a ``:begin_tab:`` left open before
   the next one gets its ``:end_tab:``);
3. runs every notebook of the selected chapters in quick mode (``D2L_QUICK=1``), one at a
   time, with ``D2L_DATA_DIR`` pointing at the offline data, and classifies the outcome:
   ``pass``; ``no data`` (a download that cannot happen offline); ``no GPU``;
   ``reference code`` (the book's own code breaks on current packages, independent of the
   library: for JAX, an API that current JAX or Flax removed, raised in the notebook's own
   code, not in ``d2l``); ``no tensorflow`` (JAX tab only: the book's own cell imports
   TensorFlow for its data pipeline; our JAX library does not use it and our environment
   does not install it); ``toolchain`` (the built notebook kept a ``%%tab`` line, a bug of the
   notebook build); ``FAIL`` (anything else: a bug of ours until shown otherwise). A notebook that
   fails on an ``assert`` of its own (accuracy or loss after full training, which quick
   mode's smaller data cannot reach) is run again in full mode: ``pass (full mode)``.

Offline data: ``D2L_DATA_DIR`` (default ``../shared/data``), also copied into the notebooks'
``../data`` where the books' own download code looks; the Fashion-MNIST files
(found the way ``d2l.find_fashion_mnist_file`` does, e.g. Debian's package) are also
unpacked where torchvision looks for them (``<notebooks>/data/FashionMNIST/raw``), because
the books' own loader in the image-classification section uses torchvision.

The table goes to ``bench/results/compat-<book>.md`` (``compat-<book>-jax.md`` for the JAX
tab; and ``.json``), rewritten after every
notebook so that a long run can be watched. Not part of ``make test``: it needs the public
sources and takes a long time (one notebook at a time, on purpose: the CPU is shared; JAX
kernels get one XLA thread, like the other math libraries' ``threads=1``).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SOURCES = {
    "en": Path(os.environ.get("D2L_EN_SRC", "/work/public/d2l-en")),
    "zh": Path(os.environ.get("D2L_ZH_SRC", "/work/public/d2l-zh")),
}
# Volume 1 of d2l-en (its static/vol1/root-index.md) and d2l-zh up to attention
CHAPTERS = {
    "en": ["chapter_introduction", "chapter_preliminaries", "chapter_linear-regression",
           "chapter_linear-classification", "chapter_multilayer-perceptrons",
           "chapter_builders-guide", "chapter_convolutional-neural-networks",
           "chapter_convolutional-modern", "chapter_recurrent-neural-networks",
           "chapter_recurrent-modern", "chapter_attention-mechanisms-and-transformers"],
    "zh": ["chapter_introduction", "chapter_preliminaries", "chapter_linear-networks",
           "chapter_multilayer-perceptrons", "chapter_deep-learning-computation",
           "chapter_convolutional-neural-networks", "chapter_convolutional-modern",
           "chapter_recurrent-neural-networks", "chapter_recurrent-modern",
           "chapter_attention-mechanisms"],
}
# Known causes, shown next to the outcome (they do not change it)
NOTES = {
    ("zh", "chapter_recurrent-modern/seq2seq"):
        "API conflict between the references: d2l-zh 2.0's EncoderDecoder returns "
        "(output, state), d2l 1.0.3's (and ours, which follows 1.0) the output only; this "
        "notebook's own train_seq2seq unpacks two values, so it fails on d2l 1.0.3 too. "
        "d2l.train_seq2seq accepts both.",
    ("en", "chapter_attention-mechanisms-and-transformers/vision-transformer"):
        "quick mode's image shrink in d2l.FashionMNIST (96 -> 32, issue 22) meets a ViT "
        "whose positional embedding was sized for 96x96 in the notebook's own code; "
        "a quick-mode effect, not run in full mode here (too slow on this CPU).",
}
# The books that have each tab (d2l-zh has no JAX code)
TABS = {"pytorch": ("en", "zh"), "jax": ("en",)}
# The frameworks' packages whose removed APIs the books' own code may still call
_JAX_FAMILY = r"(?:jax|jax\.\w+|flax|flax\.\w+|optax|optax\.\w+)"
# What current JAX, Flax, Optax and Orbax no longer accept from code written for their 2023
# releases (d2l 1.0.3's JAX tab), matched against the error message
_JAX_GONE = [
    rf"module '{_JAX_FAMILY}' has no attribute",  # jax.tree_map, optax.additive_weight_decay
    r"Only scalar arrays can be converted to Python scalars",  # float() of a 1-element array
    # Flax's init returns a plain dict since 0.7.5, no longer a FrozenDict
    r"'dict' object has no attribute '(?:tree_flatten_with_keys|unfreeze|pretty_repr)'",
    # a jax.Array class attribute as a Flax field: arrays are unhashable, so Python's
    # dataclasses refuse it as a default
    r"mutable default <class '[\w.]*ArrayImpl'> for field \w+ is not allowed",
    r"Checkpoint path should be absolute",  # flax.training.checkpoints on Orbax
]
# ... and matched against the traceback: Flax 0.7.1 made RNN cells' initialize_carry an
# instance method taking (rng, input_shape); d2l-en calls nn.GRUCell.initialize_carry(rng,
# (batch_size,), num_hiddens) on the class
_JAX_GONE_TB = [r"in \w+Cell\.initialize_carry\(self, rng, input_shape\)"]
SKIP_DIRS = {"d2l", "graffle", ".git", "_build", "contrib", "static", "ci"}

_TAB_ERR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: :begin_tab: without :end_tab: "
                      r"before the next :begin_tab: on line (?P<next>\d+)")
_LABEL_ERR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: "
                        r"(?::(?P<role>\w+): to unknown label '(?P<ref>[^']+)'"
                        r"|duplicate label '(?P<dup>[^']+)')")


def copy_book(src: Path, dest: Path) -> None:
    def ignore(folder, names):
        return [n for n in names if Path(folder) == src and n in SKIP_DIRS]
    shutil.copytree(src, dest, ignore=ignore)


def patch_reference_errors(book: Path, log: str) -> list[str]:
    """Turn the public book's own broken references into plain text; return the patches."""
    patches = []
    for line in log.splitlines():
        t = _TAB_ERR.match(line)
        if t:  # close the unclosed tab block right before the next one opens
            path = book / t["file"]
            lines = path.read_text(encoding="utf-8").split("\n")
            lines.insert(int(t["next"]) - 1, ":end_tab:\n")
            path.write_text("\n".join(lines), encoding="utf-8")
            patches.append(f"{t['file']}:{t['line']}: unclosed :begin_tab: closed before "
                           f"line {t['next']}")
            continue
        m = _LABEL_ERR.match(line)
        if not m:
            continue
        path = book / m["file"]
        lines = path.read_text(encoding="utf-8").split("\n")
        i = int(m["line"]) - 1
        if m["ref"]:
            old = lines[i]
            lines[i] = old.replace(f":{m['role']}:`{m['ref']}`", f"`{m['ref']}`")
            what = f"{m['file']}:{m['line']}: :{m['role']}:`{m['ref']}` (unknown label) -> text"
        else:  # the label follows the block (an equation, a figure) that the line starts
            i = next((j for j in range(i, min(i + 4, len(lines)))
                      if f"`{m['dup']}`" in lines[j]), i)
            old = lines[i]
            lines[i] = old.replace(f"`{m['dup']}`", f"`{m['dup']}_dup{i}`", 1)
            what = f"{m['file']}:{i + 1}: duplicate label {m['dup']!r} renamed"
        if lines[i] != old:
            path.write_text("\n".join(lines), encoding="utf-8")
            patches.append(what)
    return patches


def toolchain_at(rev: str, dest: Path) -> Path:
    """A copy of d2lbook/ as of git revision ``rev`` (to build with a known-good toolchain)."""
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "d2lbook"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def result_stem(book_name: str, tab: str = "pytorch") -> str:
    """The name of a book's result files: compat-en (PyTorch), compat-en-jax, ..."""
    return f"compat-{book_name}" if tab == "pytorch" else f"compat-{book_name}-{tab}"


def build_notebooks(book: Path, toolchain: Path = ROOT,
                    tab: str = "pytorch") -> tuple[Path, list[str]]:
    env = dict(os.environ, PYTHONPATH=str(toolchain))
    patches: list[str] = []
    for _ in range(5):
        proc = subprocess.run([sys.executable, "-m", "d2lbook", "build", "notebooks",
                               "--tab", tab], cwd=book, env=env,
                              capture_output=True, text=True)
        if proc.returncode == 0:
            return book / "_build" / "notebooks" / tab, patches
        new = patch_reference_errors(book, proc.stdout + proc.stderr)
        if not new:
            raise RuntimeError("our toolchain cannot build the notebooks:\n"
                               + (proc.stdout + proc.stderr)[-3000:])
        patches += new
    raise RuntimeError("still failing after 5 rounds of patches")


def raised_in_library(traceback: str) -> bool:
    """Whether the innermost frame of a kernel traceback outside installed packages is ours.

    IPython names a notebook cell's frame ``Cell In[3], line 2`` and a file's frame
    ``File /path/to/d2l/jax.py:120, in fit(...)``; frames inside installed packages (JAX's
    own deprecation hooks, Flax) are skipped, so an error that the notebook's code or our
    ``d2l`` provoked inside a framework is charged to the one that called it.
    """
    frames = []
    for line in traceback.splitlines():
        m = re.match(r"\s*(?:Cell In\[\d+\]|File \"?(?P<file>[^\s\",]+?)\"?(?::\d+)?,)", line)
        if m:
            frames.append(m["file"] or "<cell>")
    own = [f for f in frames if not re.search(r"[/\\](?:site|dist)-packages[/\\]", f)]
    return bool(own) and re.search(r"(?:^|[/\\])d2l[/\\]\w+\.py$", own[-1]) is not None


def classify(message: str, traceback: str) -> str:
    """The outcome of a failed notebook: 'no data', 'no GPU', 'reference code',
    'no tensorflow' or 'FAIL'."""
    text = message + "\n" + traceback
    if re.search(r"failed to download|urlopen error|Name or service not known|"
                 r"Temporary failure in name resolution|Network is unreachable", text):
        return "no data"
    if re.search(r"CUDA|cuda|NCCL|Torch not compiled with|no GPU|num_gpus\(\) *[<>]|"
                 r"Unknown backend:? '?gpu|[Bb]ackend '(?:gpu|cuda)' failed to initialize|"
                 r"platforms that are instances of gpu", text):
        return "no GPU"
    # the JAX tab's data cells use TensorFlow (tf.data, Keras' data sets); our library does not
    if re.search(r"No module named '(?:tensorflow|tensorflow_datasets)'", message):
        return "no tensorflow"
    # an API or a behaviour that current JAX/Flax/Optax removed, met by the notebook's own
    # code; raised inside d2l it is ours to fix
    if (any(re.search(p, message) for p in _JAX_GONE)
            or any(re.search(p, traceback) for p in _JAX_GONE_TB)) \
            and not raised_in_library(traceback):
        return "reference code"
    # d2l's house-price and pandas code average all columns, strings included, and turn
    # get_dummies' columns (bool since pandas 2.0) into an object array: pandas >= 2 refuses
    if re.search(r"could not convert string to float|"
                 r"Cannot perform reduction '\w+' with string dtype|"
                 r"can't convert np\.ndarray of type numpy\.object_", text) or (
            "TypeError" in text and "agg function failed" in text):
        return "reference code"
    return "FAIL"


def toolchain_left_magic(nb, cell: int | None) -> bool:
    """Whether the failing cell still starts with a %%tab mark (a notebook-build bug)."""
    if cell is None or not 0 <= cell < len(nb.cells):
        return False
    return nb.cells[cell].source.lstrip().startswith("%%tab")


def write_table(book_name: str, rows: list[dict], patches: list[str], started: float,
                tab: str = "pytorch") -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    order = {ch: i for i, ch in enumerate(CHAPTERS[book_name])}
    rows = sorted(rows, key=lambda r: (order.get(r["notebook"].split("/")[0], 99),
                                       r["notebook"]))
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    stem = result_stem(book_name, tab)
    framework = {"pytorch": "PyTorch", "jax": "JAX"}.get(tab, tab)
    (RESULTS / f"{stem}.json").write_text(json.dumps(
        {"book": book_name, "tab": tab, "source": str(SOURCES[book_name]), "counts": counts,
         "patches": patches, "notebooks": rows}, indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8")
    out = [f"# Compatibility: d2l-{book_name} {framework} notebooks on our library",
           "",
           f"Built with our toolchain, run in quick mode (`D2L_QUICK=1`), one at a time, "
           f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}; "
           f"`python -m bench compat --book {book_name}"
           + ("`." if tab == "pytorch" else f" --tab {tab}`."),
           "",
           "Totals: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
           "",
           "Outcomes: `pass`; `pass (full mode)`: an `assert` of the notebook's own on "
           "full-training numbers failed in quick mode and the notebook passed in full mode; "
           "`no data`: a download that cannot happen offline; `no GPU`; `reference code`: the "
           "book's own code fails on current packages, whatever the library; "
           + ("`no tensorflow`: the book's own cell imports TensorFlow (its data pipeline), "
              "which our JAX library does not use and our environment does not install; "
              if tab == "jax" else "")
           + "`toolchain`: our "
           "notebook build left a `%%tab` line in a cell; `FAIL`: anything else.",
           "",
           "Patches to the temporary copy of the public sources: "
           + ("none" if not patches else ""), ""]
    out += [f"- {p}" for p in patches]
    out += ["", "| notebook | outcome | seconds | reason |", "| --- | --- | --- | --- |"]
    for r in rows:
        reason = r["reason"].replace("|", "\\|").replace("\n", " ")[:200]
        note = NOTES.get((book_name if tab == "pytorch" else f"{book_name}-{tab}",
                          r["notebook"]))
        if note:
            reason = f"{reason} ({note})" if reason else note
        out.append(f"| {r['notebook']} | {r['status']} | {r['seconds']:.0f} | {reason} |")
    (RESULTS / f"{stem}.md").write_text("\n".join(out) + "\n", encoding="utf-8")


def provide_fashion_mnist(data: Path) -> None:
    """Unpack the offline Fashion-MNIST files where torchvision's loader looks for them."""
    import gzip

    from d2l import torch as d2l

    raw = data / "FashionMNIST" / "raw"
    for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]:
        src = d2l.find_fashion_mnist_file(name, str(data))
        if src is None:
            return
        raw.mkdir(parents=True, exist_ok=True)
        opener = gzip.open if src.endswith(".gz") else open
        with opener(src, "rb") as f:
            (raw / name).write_bytes(f.read())


def _matches(name: str, only: str) -> bool:
    """Whether a notebook path matches one of the comma-separated globs of --only."""
    return any(fnmatch.fnmatch(name, g.strip()) for g in only.split(",") if g.strip())


def previous_rows(book_name: str, tab: str = "pytorch") -> list[dict]:
    path = RESULTS / f"{result_stem(book_name, tab)}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))["notebooks"]
    except (OSError, ValueError, KeyError):
        return []


def run_book(book_name: str, only: str | None, timeout: float, limit: int | None,
             toolchain_rev: str | None = None, tab: str = "pytorch") -> list[dict]:
    import nbformat

    from d2lbook.execute.runner import kernel_env, run_notebook

    started = time.time()
    with tempfile.TemporaryDirectory(prefix=f"{result_stem(book_name, tab)}-") as tmp:
        book = Path(tmp) / "book"
        copy_book(SOURCES[book_name], book)
        toolchain = (toolchain_at(toolchain_rev, Path(tmp) / "toolchain") if toolchain_rev
                     else ROOT)
        nb_root, patches = build_notebooks(book, toolchain, tab)
        if toolchain_rev:
            patches = [f"notebooks built with d2lbook/ as of {toolchain_rev}"] + patches
        notebooks = [p for ch in CHAPTERS[book_name]
                     for p in sorted((nb_root / ch).glob("*.ipynb"))]
        if only:
            notebooks = [p for p in notebooks if _matches(str(p.relative_to(nb_root)), only)]
        notebooks = notebooks[:limit] if limit else notebooks
        data = os.environ.get("D2L_DATA_DIR", str(ROOT.parent / "shared" / "data"))
        # the books' own download code looks in ../data: give it the offline files there
        if Path(data).is_dir():
            shutil.copytree(data, nb_root / "data", dirs_exist_ok=True)
        provide_fashion_mnist(nb_root / "data")
        base = dict(os.environ, D2L_DATA_DIR=data, MPLBACKEND="Agg")
        if tab == "jax":  # one XLA thread and no accelerator search, unless the user set them
            base.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                                         "intra_op_parallelism_threads=1")
            base.setdefault("JAX_PLATFORMS", "cpu")
        env = kernel_env(base, pythonpath=[ROOT], quick=True, cuda_devices=[], threads=1)
        full_env = kernel_env(base, pythonpath=[ROOT], quick=False, cuda_devices=[], threads=1)
        # with --only, the other notebooks keep their previous rows
        rows = [r for r in previous_rows(book_name, tab)
                if only and not _matches(r["notebook"] + ".ipynb", only)]
        for path in notebooks:
            name = str(path.relative_to(nb_root).with_suffix(""))
            nb = nbformat.read(path, as_version=4)
            res = run_notebook(nb, python=sys.executable, cwd=path.parent, env=env,
                               cell_timeout=timeout, notebook_timeout=2 * timeout)
            seconds = res.run_time
            if not res.ok and res.message.startswith("AssertionError"):
                first = res.message
                res = run_notebook(nb, python=sys.executable, cwd=path.parent, env=full_env,
                                   cell_timeout=timeout, notebook_timeout=2 * timeout)
                seconds += res.run_time
                if res.ok:
                    res.message = f"quick mode: {first}"
            if res.ok:
                status = "pass" if not res.message.startswith("quick mode") else "pass (full mode)"
                reason = res.message if status != "pass" else ""
            elif res.status in ("timeout", "notebook-timeout"):
                status, reason = "FAIL", f"timeout ({res.message})"
            elif toolchain_left_magic(nb, res.cell):
                status = "toolchain"
                reason = "the built notebook kept a %%tab line that the kernel cannot run"
            else:
                status, reason = classify(res.message, res.traceback), res.message
            rows.append({"notebook": name, "status": status, "seconds": seconds,
                         "reason": reason, "cell": res.cell})
            print(f"{name}: {status} {reason[:120]}", flush=True)
            write_table(book_name, rows, patches, started, tab)
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench compat", description=__doc__.split("\n\n")[0])
    p.add_argument("--book", choices=["en", "zh", "all"], default="all")
    p.add_argument("--tab", choices=sorted(TABS), default="pytorch",
                   help="which framework's notebooks (jax: d2l-en only)")
    p.add_argument("--only", help="globs (comma-separated) over chapter/notebook names, e.g. "
                        "'chapter_linear*/*'; the other notebooks keep their previous rows")
    p.add_argument("--timeout", type=float, default=600, help="seconds per cell")
    p.add_argument("--limit", type=int, help="run at most N notebooks per book")
    p.add_argument("--toolchain", metavar="REV",
                   help="build the notebooks with d2lbook/ as of this git revision "
                        "(default: the working tree)")
    a = p.parse_args(argv)
    books = ["zh", "en"] if a.book == "all" else [a.book]
    failed = 0
    for b in books:
        if b not in TABS[a.tab]:
            print(f"d2l-{b} has no {a.tab} tab; skipping it", file=sys.stderr)
            continue
        if not SOURCES[b].is_dir():
            print(f"{SOURCES[b]}: not found; skipping d2l-{b}", file=sys.stderr)
            continue
        rows = run_book(b, a.only, a.timeout, a.limit, a.toolchain, a.tab)
        failed += sum(r["status"] == "FAIL" for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
