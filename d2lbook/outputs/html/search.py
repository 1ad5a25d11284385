"""The site's search index: the searchable text of every page, cut at its headings.

Pagefind (used before) splits Chinese into words, so a query finds only pages where the
segmenter happened to cut the same word, and a query made of an unknown word matches
any page holding one of its characters. Readers expect "find this string": a page is a
hit when its text contains every word of the query. This index keeps, per page, the
text of each heading's section (code included, outputs and buttons excluded, math as
its TeX source); the search page scans it with plain substring search, which gives
exactly those pages and costs a few milliseconds for a book of this size.

The index is written as ``_static/search-index.js`` (a script that assigns a global), so the
search page also works when the site is opened from disk.

What is indexed: the text inside the element with ``data-pagefind-body`` (the page's
article), minus every element marked ``data-pagefind-ignore``; a KaTeX formula counts
as its TeX source (``<annotation encoding="application/x-tex">``), wrapped in
``MATH_OPEN``/``MATH_CLOSE`` so that excerpts can show it as math. Whitespace runs
collapse to one space.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from d2lbook.util import atomic_write

INDEX_DIR = "_static"
INDEX_FILE = "search-index.js"
STATE_FILE = ".d2lbook-html.json"
ENTRIES_FILE = ".d2lbook-search.json"  # per page: the key it was indexed at, its entry
MATH_OPEN = "\u0001"
MATH_CLOSE = "\u0002"
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "source", "track", "wbr"}
_WS = re.compile(r"\s+")


class _PageText(HTMLParser):
    """Collects (anchor, heading, text) pieces of one page's indexed body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []  # (tag, role) role: body|ignore|math|tex|h|""
        self.body_depth = 0
        self.ignore_depth = 0
        self.math_depth = 0
        self.tex: list[str] | None = None
        self.title = ""
        self._title_buf: list[str] | None = None
        self.sections: list[list] = [["", "", []]]  # [anchor, heading, [text parts]]
        self.heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        a = dict(attrs)
        role = ""
        if "data-pagefind-meta" in a and a.get("data-pagefind-meta") == "title":
            self._title_buf = []
            role = "title"
        elif "data-pagefind-body" in a:
            role = "body"
            self.body_depth += 1
        elif self.body_depth and "katex" in (a.get("class") or "").split() \
                and not self.math_depth and not self.ignore_depth:
            role = "math"
            self.math_depth += 1
            self.tex = []
        elif self.math_depth and tag == "annotation" \
                and a.get("encoding") == "application/x-tex":
            role = "tex"
        elif "data-pagefind-ignore" in a:
            role = "ignore"
            self.ignore_depth += 1
        elif self.body_depth and not self.ignore_depth and not self.math_depth \
                and re.fullmatch(r"h[1-6]", tag):
            ident = a.get("id") or ""
            if tag != "h1" and ident:
                self.sections.append([ident, "", []])
                self.heading = []
                role = "h"
        if tag not in _VOID:
            self.stack.append((tag, role))

    def handle_startendtag(self, tag, attrs) -> None:
        pass  # void elements carry no text

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        # tolerate unbalanced markup: pop to the matching tag
        while self.stack:
            t, role = self.stack.pop()
            self._close(role)
            if t == tag:
                break

    def _close(self, role: str) -> None:
        if role == "body":
            self.body_depth -= 1
        elif role == "ignore":
            self.ignore_depth -= 1
        elif role == "title" and self._title_buf is not None:
            self.title = _WS.sub(" ", "".join(self._title_buf)).strip()
            self._title_buf = None
        elif role == "math":
            self.math_depth -= 1
            tex = _WS.sub(" ", "".join(self.tex or [])).strip()
            self.tex = None
            if tex:
                self.sections[-1][2].append(MATH_OPEN + tex + MATH_CLOSE)
                if self.heading is not None:
                    self.heading.append(tex)
        elif role == "tex":
            pass
        elif role == "h" and self.heading is not None:
            head = "".join(self.heading).replace(MATH_OPEN, "").replace(MATH_CLOSE, "")
            self.sections[-1][1] = _WS.sub(" ", head).strip()
            self.heading = None

    def handle_data(self, data: str) -> None:
        if self._title_buf is not None:
            self._title_buf.append(data)
            return
        if not self.body_depth:
            return
        if self.math_depth:
            if self.tex is not None and self.stack and self.stack[-1][1] == "tex":
                self.tex.append(data)
            return
        if self.ignore_depth:
            return
        self.sections[-1][2].append(data)
        if self.heading is not None:
            self.heading.append(data)


def page_text(html: str) -> tuple[str, list[tuple[str, str, str]]]:
    """(title, [(anchor, heading, text)]) of one page; the text of the sections, joined,
    is the page's searchable text. Pages without an indexed body give no sections."""
    p = _PageText()
    p.feed(html)
    p.close()
    out = []
    for anchor, heading, parts in p.sections:
        text = _WS.sub(" ", "".join(parts))
        if not out and not anchor and not text.strip():
            continue
        out.append((anchor, heading, text))
    if out and not any(t.strip() for _, _, t in out):
        out = []
    return p.title, out


def fragment_text(html: str) -> str:
    """The searchable text of an HTML fragment (math as TeX, ignored parts left out)."""
    _, sections = page_text("<div data-pagefind-body>" + html + "</div>")
    text = "".join(t for _, _, t in sections)
    return " ".join(text.replace(MATH_OPEN, "").replace(MATH_CLOSE, "").split())


def entry_from_body(title: str, body: str) -> dict | None:
    """The index entry of a page from its rendered body, where each formula is still
    ``MATH_OPEN + escaped TeX + MATH_CLOSE`` (the HTML builder's form before KaTeX):
    much less to parse than the finished page."""
    _, sections = page_text("<div data-pagefind-body>" + body + "</div>")
    return {"t": title, "s": [list(x) for x in sections]} if sections else None


def entry_from_file(path: Path) -> dict | None:
    """The index entry of a finished page (its KaTeX output counts as the TeX source)."""
    try:
        html = path.read_text(encoding="utf-8")
    except OSError:
        return None
    title, sections = page_text(html)
    return {"t": title, "s": [list(x) for x in sections]} if sections else None


def load_entries(site: Path) -> dict:
    """The entries the HTML builder kept for each page ({page path: {"k": key, ...}})."""
    try:
        data = json.loads((site / ENTRIES_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save_entries(site: Path, entries: dict) -> None:
    atomic_write(site / ENTRIES_FILE, json.dumps(entries, ensure_ascii=False,
                                                 separators=(",", ":")))


def write_index(site: Path, pages: list[tuple[str, dict | None]]) -> Path:
    """Write ``_static/search-index.js`` from ``(url, entry)`` pairs in book order (an
    entry of None is read from the page's file); returns its path."""
    out = []
    for url, entry in pages:
        if entry is None:
            entry = entry_from_file(site / url)
        if entry and entry.get("s"):
            out.append({"u": url, "t": entry.get("t") or url, "s": entry["s"]})
    data = {"version": 1, "math": [MATH_OPEN, MATH_CLOSE], "pages": out}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # the JSON is embedded in a script: "</script>" and U+2028/9 must not end it early
    text = text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029",
                                                                          "\\u2029")
    dest = site / INDEX_DIR / INDEX_FILE
    atomic_write(dest, "window.D2LBOOK_SEARCH=" + text + ";\n")
    return dest


def write_index_of(site: Path, pages: list[tuple[str, dict | None]], diags=None) -> str:
    """``write_index`` for the build report: "built", or "failed" with a warning."""
    try:
        write_index(site, pages)
    except OSError as e:
        if diags is not None:
            diags.warning(None, f"search index not written: {e}", file="html")
        return "failed"
    return "built"


def index_site(site: Path, diags=None) -> str:
    """Index the built site ``site`` from the entries the HTML builder kept (in book
    order); without them, from its pages. Returns a status word for the build report."""
    entries = load_entries(site)
    if entries:
        pages = [(path + ".html", e.get("e") if isinstance(e, dict) else None)
                 for path, e in entries.items()]
    else:
        try:
            order = list(json.loads((site / STATE_FILE).read_text(encoding="utf-8"))["pages"])
        except (OSError, ValueError, KeyError, TypeError):
            order = sorted(p.relative_to(site).with_suffix("").as_posix()
                           for p in site.rglob("*.html"))
        pages = [(path + ".html", None) for path in order]
    return write_index_of(site, pages, diags)


__all__ = ["index_site", "write_index_of", "write_index", "page_text", "fragment_text",
           "entry_from_body", "entry_from_file", "load_entries", "save_entries",
           "INDEX_DIR", "INDEX_FILE", "MATH_OPEN", "MATH_CLOSE"]
