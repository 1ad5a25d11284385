"""Rules of book-style.md that a reader-facing cell must keep: quick mode is the library's
business (no reader cell tests it), and every figure the book shows exists."""

from __future__ import annotations

import re
from pathlib import Path

BOOK = Path(__file__).resolve().parents[1] / "book"
CELL = re.compile(r"^```\{\.python \.input\}\n(.*?)^```", re.S | re.M)


def code_cells(book: Path = BOOK):
    for md in sorted(book.glob("chapter_*/*.md")):
        text = md.read_text(encoding="utf-8")
        for m in CELL.finditer(text):
            yield md, text.count("\n", 0, m.start()) + 1, m.group(1)


def quick_mode_offenders(book: Path = BOOK) -> list[str]:
    """Cells that mention quick mode without being library (#@save) cells."""
    return [f"{md.relative_to(book)}:{line}" for md, line, code in code_cells(book)
            if re.search(r"\bQUICK\b|quick_cap", code) and "#@save" not in code]


def test_only_library_cells_know_about_quick_mode(tmp_path):
    assert quick_mode_offenders() == []
    chapter = tmp_path / "chapter_x"
    chapter.mkdir()
    (chapter / "s.md").write_text(
        "# s\n\n```{.python .input}\n%%tab pytorch\nn = 5 if d2l.QUICK else 500\n```\n\n"
        "```{.python .input}\n%%tab pytorch\ndef cap(n):  #@save\n    return d2l.quick_cap(n, 2)\n```\n",
        encoding="utf-8")
    assert quick_mode_offenders(tmp_path) == ["chapter_x/s.md:3"]


def test_every_shown_figure_exists():
    missing = []
    for md in sorted(BOOK.glob("chapter_*/*.md")):
        for n, line in enumerate(md.read_text(encoding="utf-8").splitlines(), 1):
            for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", line):
                if not target.startswith("http") and not (md.parent / target).is_file():
                    missing.append(f"{md.relative_to(BOOK)}:{n}: {target}")
    assert missing == []
