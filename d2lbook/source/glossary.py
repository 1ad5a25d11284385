"""The book's glossary and the check that keeps its terms consistent.

``[build] glossary`` names a CSV file (relative to the book root) with the header
``term,english,variants``: the term the book uses, its English original, and the
translations the book should *not* use, separated by ``|``::

    term,english,variants
    汇聚层,pooling layer,池化层
    强制教学,teacher forcing,教师强制|老师强制

:func:`check_glossary` warns, with file and line, where the prose of a section uses a
variant. Code blocks, inline code and math are not prose and are skipped. A line that
also contains the term itself is accepted: that is how a section mentions another
common translation on purpose ("汇聚层（pooling layer，也常译作池化层）").
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from d2lbook.errors import Diagnostics
from d2lbook.source.model import Book, Loc

_FENCE = re.compile(r"^\s*(```+|~~~+)")
_INLINE = re.compile(r"``[^`]*``|`[^`]*`|\$\$[^$]*\$\$|\$[^$]*\$")


@dataclass(frozen=True)
class Term:
    term: str
    english: str
    variants: tuple[str, ...]
    line: int  # in the glossary file


def parse_glossary(text: str, file: str, diags: Diagnostics) -> list[Term]:
    """Terms of a glossary CSV; problems are errors naming ``file`` and the line."""
    terms: list[Term] = []
    reader = csv.reader(io.StringIO(text))
    rows = list(reader)
    if not rows or [c.strip() for c in rows[0]] != ["term", "english", "variants"]:
        diags.error(Loc(file, 1), "glossary: the first line must be 'term,english,variants'")
        return []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows[1:], 2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != 3:
            diags.error(Loc(file, n), f"glossary: expected 3 columns, found {len(row)}")
            continue
        term, english, raw = (c.strip() for c in row)
        variants = tuple(v.strip() for v in raw.split("|") if v.strip())
        if not term:
            diags.error(Loc(file, n), "glossary: empty term")
            continue
        if term in variants:
            diags.error(Loc(file, n), f"glossary: '{term}' is listed as its own variant")
            continue
        if term in seen:
            diags.error(Loc(file, n), f"glossary: '{term}' is already defined on line "
                                      f"{seen[term]}")
            continue
        seen[term] = n
        terms.append(Term(term, english, variants, n))
    preferred = {t.term: t for t in terms}
    for t in terms:
        for v in t.variants:
            if v in preferred:
                diags.error(Loc(file, t.line), f"glossary: variant '{v}' of '{t.term}' is "
                                               f"itself a term (line {preferred[v].line})")
    return terms


def load_glossary(book: Book, diags: Diagnostics) -> list[Term] | None:
    """The book's glossary, or None when ``[build] glossary`` is not set."""
    name = (book.config.get("build", "glossary", "") or "").strip()
    if not name:
        return None
    path = (book.root / name).resolve()
    if not path.is_relative_to(book.root.resolve()) or not path.is_file():
        diags.error(None, f"[build] glossary: {name} is not a file inside the book",
                    file="config.ini")
        return None
    return parse_glossary(path.read_text(encoding="utf-8"), name, diags)


def prose_lines(text: str):
    """(line number, prose) for each line outside code blocks, without inline code/math."""
    fence = None
    in_math = False
    for n, line in enumerate(text.splitlines(), 1):
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        if in_math:  # a display-math block ends at the line that holds the closing $$
            in_math = "$$" not in line
            continue
        if line.strip().startswith("$$"):
            in_math = line.strip().count("$$") == 1
            continue
        yield n, _INLINE.sub(" ", line)


def find_variants(text: str, terms: list[Term]):
    """(line, variant, term) for each variant used in the prose of ``text``."""
    for n, line in prose_lines(text):
        for t in terms:
            for v in t.variants:
                if v in line and t.term not in line:
                    yield n, v, t


def check_glossary(book: Book, diags: Diagnostics) -> int:
    """Warn where a section uses a glossary variant; return the number of warnings."""
    terms = load_glossary(book, diags)
    if not terms:
        return 0
    count = 0
    for sec in book.ordered():
        path = Path(book.root) / sec.file
        if not path.is_file():
            continue
        for line, v, t in find_variants(path.read_text(encoding="utf-8"), terms):
            diags.warning(Loc(sec.file, line),
                          f"'{v}': the glossary's term is '{t.term}' ({t.english})")
            count += 1
    return count
