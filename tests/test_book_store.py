"""The book's results store (book/_results) is consistent with the book: every stored
full-mode result was produced by the code the book has now, unless the section is listed
in ``[eval] store_pending`` as waiting for a re-run."""

from __future__ import annotations

from pathlib import Path

from d2lbook import store
from d2lbook.commands import globs_of
from d2lbook.execute import code_key
from d2lbook.execute.scheduler import matches
from d2lbook.source.parse import load_book

ROOT = Path(__file__).resolve().parent.parent


def test_stored_results_match_the_current_code():
    book = load_book(ROOT / "book")
    pending = globs_of(book, "store_pending")
    stale, orphans = [], []
    for tab in book.config.tabs:
        for path in store.stored_sections(book.config, tab):
            section = book.sections.get(path)
            if section is None:
                orphans.append(f"{tab}/{path}")
                continue
            entry = store.read_entry(book.config, path, tab)
            if entry is None:
                stale.append(f"{tab}/{path} (unreadable entry or missing image)")
            elif entry.key != code_key(book, section, tab) and not (
                    pending and matches(path, pending)):
                stale.append(f"{tab}/{path}")
    assert not orphans, f"stored results of sections the book no longer has: {orphans}"
    assert not stale, (
        "stored full-mode results whose code changed; re-run them with `d2lbook build eval "
        f"--store --only ...` or list them in [eval] store_pending: {stale}")


def test_store_has_no_unreferenced_images():
    book = load_book(ROOT / "book")
    img = store.store_dir(book.config) / "img"
    if not img.is_dir():
        return
    referenced = set()
    for p in store.store_dir(book.config).rglob("*.json"):
        text = p.read_text(encoding="utf-8")
        referenced.update(part.split('"', 1)[0] for part in text.split('"file": "img/')[1:])
    assert {f.name for f in img.iterdir()} <= referenced
