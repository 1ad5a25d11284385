"""Prose characters per chapter against d2l-zh, and the book's figure count.

    python -m bench.book_depth [--ref /work/public/d2l-zh] [--sections]

For every section of ``book/`` that d2l-zh also has (same file name, or a rename listed
in ``RENAMES``), count the prose characters of both books: non-whitespace characters
outside code blocks and display math, leaving out directive lines (``:label:``, images,
tables of contents) and the prose of framework tabs other than PyTorch (d2l-zh carries
MXNet, TensorFlow and Paddle notes that our book does not have). The table lists each
chapter's shared sections, our characters, d2l-zh's, and the ratio; ``--sections`` lists
every shared section. Figures are the distinct files under ``book/img`` that the book's
Markdown shows with ``![...](...)``.

The reference book is only read, to compare amounts of text; nothing of it is copied.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
REF = Path("/work/public/d2l-zh")

# our section -> d2l-zh sections covering the same material (others match by file name)
RENAMES: dict[str, tuple[str, ...]] = {
    "chapter_attention-mechanisms-and-transformers/attention-pooling":
        ("chapter_attention-mechanisms/nadaraya-waston",),
    "chapter_attention-mechanisms-and-transformers/queries-keys-values":
        ("chapter_attention-mechanisms/attention-cues",),
    "chapter_attention-mechanisms-and-transformers/index": ("chapter_attention-mechanisms/index",),
    "chapter_builders-guide/lazy-init": ("chapter_deep-learning-computation/deferred-init",),
    "chapter_builders-guide/index": ("chapter_deep-learning-computation/index",),
    "chapter_linear-regression/generalization":
        ("chapter_multilayer-perceptrons/underfit-overfit",),
    "chapter_linear-regression/index": ("chapter_linear-networks/index",),
    "chapter_linear-classification/environment-and-distribution-shift":
        ("chapter_multilayer-perceptrons/environment",),
    "chapter_multilayer-perceptrons/mlp-implementation":
        ("chapter_multilayer-perceptrons/mlp-scratch", "chapter_multilayer-perceptrons/mlp-concise"),
    "chapter_recurrent-neural-networks/text-sequence":
        ("chapter_recurrent-neural-networks/text-preprocessing",),
    "chapter_recurrent-neural-networks/language-model":
        ("chapter_recurrent-neural-networks/language-models-and-dataset",),
}

_FENCE = re.compile(r"^\s*(```+|~~~+)")
_TAB = re.compile(r"^:begin_tab:`([^`]*)`")
# a line that is only a directive (":label:`x`", ":width:`400px`"), an image, a bare link
# or raw HTML; prose lines that start with a role (":numref:`x` 表明……") are prose
_DIRECTIVE = re.compile(r"^\s*(:[a-z_]+:(`[^`]*`)?\s*$|!\[|\[[^\]]*\]\(https?://[^)]*\)\s*$|<)")


def prose_chars(text: str) -> int:
    """Non-whitespace characters of the prose of one Markdown file."""
    n = 0
    fence = None
    in_math = False
    skip_tab = False
    for line in text.splitlines():
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        stripped = line.strip()
        t = _TAB.match(stripped)
        if t:
            tabs = {x.strip() for x in t.group(1).split(",")}
            skip_tab = not ({"pytorch", "all"} & tabs)
            continue
        if stripped.startswith(":end_tab:"):
            skip_tab = False
            continue
        if skip_tab:
            continue
        if in_math:  # a display-math block ends at the line that holds the closing $$
            in_math = "$$" not in line
            continue
        if stripped.startswith("$$"):
            in_math = stripped.count("$$") == 1
            continue
        if _DIRECTIVE.match(line):
            continue
        n += len(re.sub(r"\s", "", line))
    return n


@dataclass
class Row:
    section: str  # ours, without .md
    ref: tuple[str, ...]
    ours: int
    theirs: int


def sections(book: Path) -> list[str]:
    return sorted(str(p.relative_to(book).with_suffix("")) for p in book.glob("chapter_*/*.md")
                  if not p.stem.endswith("_origin"))


def shared_rows(book: Path = BOOK, ref: Path = REF) -> list[Row]:
    by_name: dict[str, list[str]] = {}
    for s in sections(ref):
        by_name.setdefault(s.split("/", 1)[1], []).append(s)
    rows = []
    for s in sections(book):
        chapter, name = s.split("/", 1)
        if s in RENAMES:
            refs = RENAMES[s]
        elif (ref / f"{s}.md").exists():
            refs = (s,)
        elif name != "index" and len(by_name.get(name, [])) == 1:
            refs = tuple(by_name[name])
        else:
            continue
        refs = tuple(r for r in refs if (ref / f"{r}.md").exists())
        if not refs:
            continue
        ours = prose_chars((book / f"{s}.md").read_text(encoding="utf-8"))
        theirs = sum(prose_chars((ref / f"{r}.md").read_text(encoding="utf-8")) for r in refs)
        rows.append(Row(s, refs, ours, theirs))
    return rows


def figures(book: Path = BOOK) -> set[str]:
    """Distinct image files under book/img shown by the book's Markdown."""
    found = set()
    for p in book.glob("**/*.md"):
        if "_build" in p.parts:
            continue
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", p.read_text(encoding="utf-8")):
            f = (p.parent / target).resolve()
            if f.is_file() and f.is_relative_to((book / "img").resolve()):
                found.add(f.name)
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", type=Path, default=REF, help="the d2l-zh checkout")
    ap.add_argument("--sections", action="store_true", help="list every shared section")
    args = ap.parse_args(argv)
    if not args.ref.is_dir():
        ap.error(f"{args.ref} is not a folder (a checkout of d2l-zh is needed)")
    rows = shared_rows(BOOK, args.ref)
    chapters: dict[str, list[Row]] = {}
    for r in rows:
        chapters.setdefault(r.section.split("/")[0], []).append(r)
    print(f"{'chapter':46} {'shared':>6} {'ours':>8} {'d2l-zh':>8} {'ratio':>6}")
    for ch, rs in chapters.items():
        o, t = sum(r.ours for r in rs), sum(r.theirs for r in rs)
        print(f"{ch:46} {len(rs):6d} {o:8d} {t:8d} {o / max(t, 1):6.0%}")
        if args.sections:
            for r in rs:
                print(f"  {r.section.split('/', 1)[1]:44} {'':6} {r.ours:8d} {r.theirs:8d} "
                      f"{r.ours / max(r.theirs, 1):6.0%}")
    o, t = sum(r.ours for r in rows), sum(r.theirs for r in rows)
    print(f"{'all shared sections':46} {len(rows):6d} {o:8d} {t:8d} {o / max(t, 1):6.0%}")
    print(f"figures (distinct files in book/img shown by the book): {len(figures(BOOK))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
