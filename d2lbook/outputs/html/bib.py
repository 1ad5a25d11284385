"""The bibliography page, formatted with pybtex."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from d2lbook.outputs.html.render import BIB_ID, id_safe


def _clean(s: str) -> str:
    return s.replace("{", "").replace("}", "")


def _fallback(entry) -> str:
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = ", ".join(_clean(str(p)) for p in persons)
    title = _clean(entry.fields.get("title", ""))
    year = entry.fields.get("year", "")
    venue = _clean(entry.fields.get("journal", "") or entry.fields.get("booktitle", "")
                   or entry.fields.get("publisher", ""))
    parts = [p for p in (names, title, venue, year) if p]
    return html.escape(". ".join(parts) + ".")


def bibliography_html(refs, warn: Callable[[str], None]) -> str:
    """An ordered list of the cited entries (author, year, title order), each with the
    id ``bib-<key>`` that citations link to."""
    if refs is None or refs.bib is None or not refs.cited:
        return ""
    from pybtex.plugin import find_plugin

    style = find_plugin("pybtex.style.formatting", "plain")(sorting_style="author_year_title")
    backend = find_plugin("pybtex.backends", "html")()
    entries = [refs.bib.entries[k] for k in refs.cited if k in refs.bib.entries]
    try:
        entries = style.sort(entries)
    except Exception:  # noqa: BLE001 - sorting needs fields some entries may lack
        entries.sort(key=lambda e: (refs.author_text(e.key), refs.year(e.key)))
    items = []
    for entry in entries:
        try:
            text = style.format_entry("", entry).text.render(backend)
        except Exception as e:  # noqa: BLE001 - pybtex raises many kinds on odd entries
            warn(f"bibliography entry {entry.key!r} cannot be formatted ({e}); "
                 "shown in a simple form")
            text = _fallback(entry)
        label = html.escape(f"{refs.author_text(entry.key)}, {refs.year(entry.key)}")
        text = re.sub(r"\s+", " ", text)
        items.append(f'<li id="{BIB_ID}{html.escape(id_safe(entry.key))}">'
                     f'<span class="bib-label">{label}</span> {text}</li>\n')
    return f'<ol class="bibliography">\n{"".join(items)}</ol>\n'
