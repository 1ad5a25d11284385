"""The static website: one page per section, assets, math, search.

``build_html`` is a function of (book, refs, execution results). It keeps a
small state file in the output folder with, for every page, a key of all the
inputs the page depends on (its source, its numbers, the numbers and titles of
what it refers to, the table of contents, its execution results, the site's
code and settings); a page whose key has not changed is neither rendered nor
written again, which makes a rebuild after an edit cost one page.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader

from d2lbook.errors import Diagnostics
from d2lbook.outputs.html import katex as katex_mod
from d2lbook.outputs.html import search as search_mod
from d2lbook.outputs.html.alt import plot_alt
from d2lbook.outputs.html.bib import bibliography_html
from d2lbook.outputs.html.highlight import stylesheet as pygments_css
from d2lbook.outputs.html.i18n import strings as ui_strings
from d2lbook.outputs.html.i18n import tab_name
from d2lbook.outputs.html.render import (
    PageRenderer,
    PageResult,
    attr,
    esc,
    number_text,
    page_url,
    rel_prefix,
)
from d2lbook.source.model import (
    Bibliography,
    Book,
    Cite,
    CodeCell,
    Loc,
    Raw,
    Section,
    block_inlines,
    plain_text,
    walk_blocks,
    walk_inlines,
)
from d2lbook.util import atomic_write, book_files, book_path, check_write

HERE = Path(__file__).resolve().parent
SIDEBAR_WINDOW = 25  # a long sidebar list shows this many entries each side of the open one
STATE_FILE = ".d2lbook-html.json"
MATH_RE = re.compile("\x00(\\d+)\x00")
STATE_VERSION = 1


_HEADING_RE = re.compile(r'<h([23]) id="([^"]+)">(.*?)</h\1>', re.S)
_TAB_GROUP_RE = re.compile(r'<div class="tab-group" data-tabs="([^"]*)"')


def page_toc(body: str) -> list[dict]:
    """The page's table of contents: its level-2 and level-3 headings that have an id."""
    out = []
    for m in _HEADING_RE.finditer(body):
        text = search_mod.fragment_text(m.group(3))
        if text:
            out.append({"id": m.group(2), "text": text, "level": int(m.group(1))})
    return out


def page_tabs(body: str, tabs: list[str]) -> list[str]:
    """The tabs (in the site's order) that have code on a page with tab groups; [] when
    the page has no tab-specific code."""
    found: set[str] = set()
    for m in _TAB_GROUP_RE.finditer(body):
        found.update(m.group(1).split())
    return [t for t in tabs if t in found]


def _sha(*parts) -> str:
    h = hashlib.sha1()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


def code_version() -> str:
    """A hash of the code that computes a page: this package (code, templates, assets) and
    the modules whose results it shows (the resolve step, tab views and aliases, results),
    plus pygments' version. A change rebuilds every page."""
    from importlib.metadata import version

    from d2lbook.util import code_hash

    top = HERE.parent.parent
    return code_hash(HERE, top / "resolve.py", top / "results.py", top / "source" / "tabs.py",
                     top / "source" / "aliases.py", top / "source" / "model.py") + \
        version("pygments")


@dataclass
class BuildReport:
    written: list[Path] = field(default_factory=list)
    pages: int = 0
    rendered: int = 0
    rendered_pages: list[str] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    search: str = ""  # "built", "skipped", or why not
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _Page:
    path: str  # site path without .html ("chapter_x/y", "search", "bibliography")
    section: Section | None
    key: str = ""
    result: PageResult | None = None


class Site:
    """Everything shared by the pages of one build."""

    def __init__(self, book: Book, refs, out_dir: Path, results, diags: Diagnostics):
        self.book = book
        if refs is None:
            from d2lbook.resolve import resolved

            refs = resolved(book)
        self.refs = refs
        self.out = out_dir
        self.diags = diags
        cfg = book.config
        self.config = cfg
        self.root = Path(book.root)
        self.tabs: list[str] = list(getattr(cfg, "tabs", None) or ["default"])
        self.lang = getattr(cfg, "lang", "en") or "en"
        self.strings = ui_strings(self.lang)
        index = book.sections.get(book.index)
        self.title = (getattr(cfg, "title", "") or (plain_text(index.title) if index else "")
                      or "Book")
        self.results = self._clean_results(results)
        # names of the pages the site adds, unless the book has sections of those names
        self.search_page = next(n for n in ("search", "_search", "_d2lbook_search")
                                if n not in book.sections)
        self.bib_name = next(n for n in ("bibliography", "_bibliography", "_d2lbook_bib")
                             if n not in book.sections)
        self.bib_page = self._find_bib_page()
        self._bib_html: str | None = None

    # ------------------------------------------------------------ helpers
    def warning(self, loc: Loc | None, msg: str, file: str | None = None) -> None:
        self.diags.warning(loc, msg, file=file)

    def _clean_results(self, results):
        if results is None:
            return None
        out = {}
        for tab in self.tabs:
            r = results.get(tab)
            if r:
                out[tab] = r
            elif self._has_code(tab):
                self.warning(None, f"no execution results for tab {tab!r}: its pages show "
                                   "code without outputs (run `d2lbook build eval`)",
                             file="html")
        return out

    def _has_code(self, tab: str) -> bool:
        default = self.tabs[0]
        return any(isinstance(b, CodeCell) and b.executable and not b.is_setup
                   and tab in (b.tabs or (default,))
                   for s in self.book.sections.values() for b in walk_blocks(s.blocks))

    def _find_bib_page(self) -> str | None:
        for s in self.book.ordered():
            for b in walk_blocks(s.blocks):
                if isinstance(b, Bibliography) or (
                        isinstance(b, Raw) and b.format == "rst-only-html"
                        and ".. bibliography::" in b.text):
                    return s.path
        refs = self.refs
        if refs is not None and getattr(refs, "cited", None):
            return self.bib_name
        return None

    def bibliography_html(self) -> str:
        if self._bib_html is None:
            self._bib_html = bibliography_html(
                self.refs, lambda m: self.warning(None, m, file="bibliography"))
        return self._bib_html


class Builder:
    def __init__(self, book: Book, refs, out_dir: Path, results=None,
                 diags: Diagnostics | None = None, search: bool = True,
                 notebooks_dir: Path | None = None):
        self.diags = diags if diags is not None else Diagnostics()
        self.out = Path(out_dir).resolve()
        self.site = Site(book, refs, self.out, results, self.diags)
        self.book = book
        self.refs = refs
        self.search = search
        cfg = book.config
        out_base = Path(getattr(cfg, "output_dir", book.root / "_build"))
        self.notebooks_dir = Path(notebooks_dir) if notebooks_dir else out_base / "notebooks"
        self.env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                               autoescape=True, trim_blocks=True, lstrip_blocks=True)
        self.template = self.env.get_template("page.html")
        self.report = BuildReport()
        self.state_path = self.out / STATE_FILE
        self.state = self._load_state()
        self.version = code_version()
        self._kdir: str | None = None

    # -------------------------------------------------------------- state
    def _load_state(self) -> dict:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("version") == STATE_VERSION \
                    and _state_ok(data):
                return data  # a state of another shape (a damaged file) means: build all
        except (OSError, ValueError):
            pass
        return {"version": STATE_VERSION, "pages": {}, "assets": ""}

    # ----------------------------------------------------- site structure
    def toc_signature(self) -> str:
        parts = []
        for s in self.book.ordered():
            parts.append((s.path, self.site.refs.section_number(s.path), plain_text(s.title), s.parent, tuple(s.children)))
        return _sha(repr(parts))

    def header_links(self) -> list[dict]:
        raw = self.book.config.get("html", "header_links", "") or ""
        items = [x.strip() for x in re.split(r"[,\n]", raw) if x.strip()]
        links = []
        for i in range(0, len(items) - len(items) % 3, 3):
            label, url, icon = items[i:i + 3]
            links.append({"label": label, "url": url, "icon": icon})
        if len(items) % 3:
            self.diags.warning(None, "[html] header_links: expected triples "
                                     "'label, url, icon'; the incomplete last one is ignored",
                               file="config.ini")
        return links

    def discussion_template(self) -> str:
        """The ``[html] discussion`` URL template ('' when unset or invalid).

        It names the project's own discussion place, e.g.
        ``https://github.com/org/repo/discussions?discussions_q={label}``; ``{label}``
        becomes the section's label (its path when it has none) and ``{path}`` its path,
        both URL-quoted. Every section page then ends with a link to it."""
        raw = (self.book.config.get("html", "discussion", "") or "").strip()
        if not raw:
            return ""
        problem = ""
        if not re.match(r"https?://[^\s/]+", raw):
            problem = "expected an http(s) URL"
        else:
            try:
                raw.format(label="x", path="x")
            except (KeyError, IndexError, ValueError) as e:
                problem = f"only {{label}} and {{path}} may be used ({type(e).__name__}: {e})"
        if problem:
            self.diags.warning(None, f"[html] discussion: {problem}; no discussion links "
                                     "are generated", file="config.ini")
            return ""
        return raw

    def discussion_url(self, sec: Section) -> str:
        if not self.discussion or sec.path == self.book.index:
            return ""
        return self.discussion.format(label=quote(sec.label or sec.path, safe=""),
                                      path=quote(sec.path, safe=""))

    def _html_config(self) -> str:
        """The ``[html]`` section of config.ini as written: every page's frame reads it."""
        raw = self.book.config.raw
        return repr(sorted(raw.items("html", raw=True))) if raw.has_section("html") else ""

    def colab_repos(self) -> dict[str, str]:
        colab = self.book.config.colab
        return dict(colab.repos) if colab else {}

    def static_files(self) -> dict[str, Path]:
        """Book files the site copies into _static (logo, favicon, extra css/js)."""
        cfg = self.book.config
        out: dict[str, Path] = {}
        for key in ("favicon", "html_logo"):
            v = (cfg.get("html", key, "") or "").strip()
            if v and not v.startswith("http"):
                p = book_path(self.site.root, v)  # never a file outside the book
                if p is not None and p.is_file():
                    out[key] = p
                else:
                    self.diags.warning(None, f"[html] {key}: {v} does not exist",
                                       file="config.ini")
        for key in ("include_css", "include_js"):
            v = cfg.get("html", key, "") or ""
            for i, item in enumerate(x.strip() for x in re.split(r"[,\n]", v) if x.strip()):
                p = book_path(self.site.root, item)
                if p is not None and p.is_file():
                    out[f"{key}{i}"] = p
                else:
                    self.diags.warning(None, f"[html] {key}: {item} does not exist",
                                       file="config.ini")
        return out

    # ------------------------------------------------------------- keys
    def _result_digest(self, path: str) -> str:
        res = self.site.results
        if res is None:
            return "-"
        parts = []
        for tab in self.site.tabs:
            r = res.get(tab, {}).get(path) if tab in res else None
            if r is None:
                parts.append((tab, tab in res))
                continue
            nb = getattr(r, "executed_notebook", None)
            try:
                st = os.stat(nb) if nb else None
            except OSError:
                st = None
            if st is not None:
                parts.append((tab, str(nb), st.st_mtime_ns, st.st_size, r.quick,
                              getattr(r, "why_quick", "")))
            else:
                parts.append((tab, _sha(json.dumps(r.outputs, sort_keys=True, default=str)),
                              r.quick))
        return _sha(repr(parts))

    def _targets_by_section(self) -> dict[str, list]:
        out: dict[str, list] = {}
        refs = self.refs
        if refs is None:
            return out
        for t in getattr(refs, "targets", {}).values():
            out.setdefault(t.section, []).append(t)
        return out

    def _target_sig(self, label: str):
        refs = self.refs
        t = refs.target(label) if refs is not None else None
        if t is None:
            return (label, None)
        return (label, t.kind, t.section, t.number, t.anchor, plain_text(t.title),
                refs.numref_text(label))

    def page_key(self, sec: Section, site_key: str, own: list, nb: str) -> str:
        refs = self.refs
        used = sorted(getattr(refs, "uses", {}).get(sec.path, ())) if refs is not None else []
        return _sha(site_key, sec.source_hash, sec.path, self.site.refs.section_number(sec.path),
                    self._code_sig(sec),
                    repr([self._target_sig(x) for x in used]),
                    repr([(t.label, t.number) for t in own]),
                    repr(self._cite_sig(sec)), self._result_digest(sec.path), nb)

    def _code_sig(self, sec: Section) -> str:
        """What the page's code reads from config.ini: each tab's library settings
        (aliases), for the pages with executable code only (remembered by source hash)."""
        memo = self.state.setdefault("code", {})
        hit = memo.get(sec.path)
        if hit and hit[0] == sec.source_hash:
            has_code = hit[1]
        else:
            has_code = any(isinstance(b, CodeCell) and b.executable
                           for b in walk_blocks(sec.blocks))
        self._code[sec.path] = [sec.source_hash, has_code]
        return self._lib_sig if has_code else ""

    def _cite_sig(self, sec: Section) -> list:
        """What the section's citations show (author, year): a fixed BibTeX entry re-renders
        the pages that cite it. The keys a section cites are remembered by source hash."""
        memo = self.state.setdefault("cites", {})
        hit = memo.get(sec.path)
        if hit and hit[0] == sec.source_hash:
            keys = hit[1]
        else:
            found: dict[str, None] = {}
            for b in walk_blocks(sec.blocks):
                for inl in block_inlines(b):
                    for n in walk_inlines(inl):
                        if isinstance(n, Cite):
                            found.update(dict.fromkeys(n.keys))
            keys = list(found)
            memo[sec.path] = [sec.source_hash, keys]
        self._cites[sec.path] = memo[sec.path]
        refs = self.refs
        if not keys or refs is None or getattr(refs, "bib", None) is None:
            return keys
        return [(k, refs.author_text(k), refs.year(k)) if k in refs.bib.entries else (k,)
                for k in keys]

    # ----------------------------------------------------------- notebooks
    def notebook_links(self, sec: Section) -> tuple[list[dict], list[dict], list[tuple]]:
        """Per tab: (download links, colab links, files to copy)."""
        downloads, colabs, copies = [], [], []
        repos = self._colab
        for tab in self.site.tabs:
            deck = self.notebooks_dir.parent / "slides" / tab / (sec.path + ".html")
            if deck.is_file():  # `build slides` (d2lbook.outputs.slides) made one
                rel = f"slides/{tab}/{sec.path}.html"
                copies.append((deck, self.out / rel))
                downloads.append({"tab": tab, "name": tab_name(tab), "slides": True,
                                  "url": rel_prefix(sec.path) + rel,
                                  "title": self.site.strings["slides_title"].format(
                                      tab=tab_name(tab))})
                assets = self.notebooks_dir.parent / "slides" / "_reveal"
                if not getattr(self, "_slide_assets", False) and assets.is_dir():
                    self._slide_assets = True
                    copies += [(f, self.out / "slides" / "_reveal" / f.relative_to(assets))
                               for f in assets.rglob("*") if f.is_file()]
            src = self.notebooks_dir / tab / (sec.path + ".ipynb")
            if not src.is_file():
                continue
            rel = f"notebooks/{tab}/{sec.path}.ipynb"
            copies.append((src, self.out / rel))
            downloads.append({"tab": tab, "name": tab_name(tab),
                              "url": rel_prefix(sec.path) + rel,
                              "title": self.site.strings["download_title"].format(
                                  tab=tab_name(tab))})
            repo = repos.get(tab)
            if repo:
                base, _, sub = repo.partition("#")
                nbpath = f"{sub}/{sec.path}" if sub else sec.path
                colabs.append({"tab": tab, "name": tab_name(tab),
                               "url": f"https://colab.research.google.com/github/{base}"
                                      f"/blob/master/{nbpath}.ipynb",
                               "title": self.site.strings["colab_title"].format(
                                   tab=tab_name(tab))})
        return downloads, colabs, copies

    # ------------------------------------------------------ site downloads
    def site_downloads(self) -> tuple[list[dict], list[tuple[Path, Path]]]:
        """The book-wide downloads that exist: each tab's notebook zip (``build pkg``)
        and each tab's PDF (``build pdf``), copied into ``_downloads/``."""
        from d2lbook.outputs.pkg import zip_name

        cfg = self.book.config
        out_base = Path(getattr(cfg, "output_dir", self.book.root / "_build"))
        s = self.site.strings
        items, copies = [], []
        for tab in self.site.tabs:
            name = zip_name(self.book, tab)
            src = out_base / "pkg" / name
            if src.is_file():
                copies.append((src, self.out / "_downloads" / name))
                items.append({"kind": "zip", "tab": tab, "url": "_downloads/" + name,
                              "text": s["download_notebooks"].format(tab=tab_name(tab)),
                              "size": src.stat().st_size})
        for tab in self.site.tabs:
            name = f"{cfg.name}.pdf" if tab == self.site.tabs[0] else f"{cfg.name}-{tab}.pdf"
            src = out_base / "pdf" / name
            if src.is_file():
                copies.append((src, self.out / "_downloads" / name))
                items.append({"kind": "pdf", "tab": tab, "url": "_downloads/" + name,
                              "text": f"{s['download_pdf']} ({tab_name(tab)})",
                              "size": src.stat().st_size})
        return items, copies

    # ------------------------------------------------------------- build
    def build(self) -> BuildReport:
        t0 = time.perf_counter()
        tm = self.report.timings
        site = self.site
        book = self.book
        self._colab = self.colab_repos()
        self.links = self.header_links()
        self.discussion = self.discussion_template()
        self.extra = self.static_files()
        self.downloads, dl_copies = self.site_downloads()
        statics_sig = _sha(*(f"{k}={p}:{p.stat().st_mtime_ns}" for k, p in
                             sorted(self.extra.items())))
        site_key = _sha(self.version, self.toc_signature(), site.tabs, site.lang, site.title,
                        repr(self.links), repr(sorted(self._colab.items())), statics_sig,
                        repr([d["url"] for d in self.downloads]),
                        self.discussion,
                        site.bib_page, self.book.index, self._html_config(),
                        katex_mod.katex_version(Path(self._katex_dir()) if self._katex_dir()
                                                else None))
        old_pages: dict = self.state.get("pages", {})
        own = self._targets_by_section()
        pages: list[_Page] = []
        copies: list[tuple[Path, Path]] = list(dl_copies)
        self._nb: dict[str, tuple] = {}
        self._cites: dict[str, list] = {}
        self._code: dict[str, list] = {}
        libs = book.config.libraries
        self._lib_sig = _sha(repr(sorted((t, repr(libs[t])) for t in libs if t in site.tabs)))
        for sec in book.ordered():
            dl, cl, cp = self.notebook_links(sec)
            self._nb[sec.path] = (dl, cl)
            copies += cp
            nb_sig = repr([d["url"] for d in dl]) + repr([c["url"] for c in cl])
            key = self.page_key(sec, site_key, own.get(sec.path, []), nb_sig)
            pages.append(_Page(sec.path, sec, key))
        bib_sig = ""
        if self.refs is not None and getattr(self.refs, "bib", None) is not None:
            bib_path = getattr(self.refs, "bib_path", None)
            bib_sig = _sha(repr(self.refs.cited),
                           bib_path.stat().st_mtime_ns if bib_path and bib_path.exists() else 0)
        for p in pages:
            if p.path == site.bib_page:
                p.key = _sha(p.key, bib_sig)
        self.has_index = self.search or (self.out / search_mod.INDEX_DIR
                                         / search_mod.INDEX_FILE).is_file()
        pages.append(_Page(site.search_page, None, _sha(site_key, "search", self.has_index)))
        if site.bib_page == site.bib_name:
            pages.append(_Page(site.bib_name, None, _sha(site_key, "bib", bib_sig)))
        self.report.pages = len(pages)
        tm["keys"] = time.perf_counter() - t0

        todo = [p for p in pages if old_pages.get(p.path) != p.key
                or not (self.out / page_url(p.path)).is_file()]
        # render bodies (math left as placeholders)
        t1 = time.perf_counter()
        files: set[str] = set()
        images: dict[str, bytes] = {}
        for p in todo:
            if p.section is not None:
                p.result = PageRenderer(site, p.section).render()
            elif p.path == site.bib_name:
                p.result = PageResult(f"<h1>{esc(site.strings['bibliography'])}</h1>\n"
                                      + site.bibliography_html())
            else:
                p.result = PageResult("")
            files |= p.result.files
            for im in p.result.images:
                images[im.name] = im.data
        tm["render"] = time.perf_counter() - t1

        # search entries from the bodies before KaTeX: formulas are still their TeX
        t1 = time.perf_counter()
        fresh: dict[str, dict | None] = {}
        for p in todo:
            if p.section is not None:
                tex = [t for t, _, _ in p.result.math]
                body = MATH_RE.sub(lambda m, tex=tex: search_mod.MATH_OPEN
                                   + esc(tex[int(m.group(1))]) + search_mod.MATH_CLOSE,
                                   p.result.body)
                fresh[p.path] = search_mod.entry_from_body(self.title_text(p.path), body)
        tm["search"] = time.perf_counter() - t1

        # math: one KaTeX run for every new equation
        t1 = time.perf_counter()
        self._math(todo)
        tm["math"] = time.perf_counter() - t1

        # pages
        t1 = time.perf_counter()
        self.out.mkdir(parents=True, exist_ok=True)
        self.sidebars: dict = {}
        self._sibling_index: dict[int, tuple[list[str], dict[str, int]]] = {}
        self._order = book.ordered()
        self._position = {x.path: k for k, x in enumerate(self._order)}
        new_state = {"version": STATE_VERSION, "pages": {}, "images": {},
                     "assets": self.state.get("assets"), "cites": self._cites,
                     "code": self._code}
        old_images = self.state.get("images", {})
        prune_images = True
        for p in pages:
            if p not in todo:
                new_state["pages"][p.path] = p.key
                if p.path in old_images:
                    new_state["images"][p.path] = old_images[p.path]
                else:
                    prune_images = False  # state from an older version: keep every image
        # file creation is slow on some file systems: writes overlap with rendering
        pool = ThreadPoolExecutor(4) if len(todo) > 8 else None
        futures = []

        def write(dest: Path, data: str | bytes) -> None:
            if pool is None:
                atomic_write(dest, data)
            else:
                futures.append(pool.submit(atomic_write, dest, data))
            self.report.written.append(dest)

        for p in todo:
            write(self.out / page_url(p.path), self.page_html(p, pages))
            new_state["pages"][p.path] = p.key
            new_state["images"][p.path] = sorted({im.name for im in p.result.images})
        self.report.rendered = len(todo)
        self.report.rendered_pages = [p.path for p in todo]
        tm["pages"] = time.perf_counter() - t1

        # files: images of outputs, book images, notebooks, assets
        t1 = time.perf_counter()
        for name, data in images.items():
            dest = self.out / "_images" / name
            if not dest.exists():
                write(dest, data)
        for f in sorted(files):
            if book_path(self.site.root, f) is None:  # checked when rendered; never copied
                continue
            if katex_mod.copy_if_changed(self.site.root / f, check_write(self.out / f, self.out)):
                self.report.written.append(self.out / f)
        for src, dst in copies:
            if katex_mod.copy_if_changed(src, dst):
                self.report.written.append(dst)
        assets_key = _sha(self.version, statics_sig, site.tabs, self._katex_dir())
        if self.state.get("assets") != assets_key or not (
                self.out / "_static" / "d2lbook.css").is_file():
            self.write_assets()
            new_state["assets"] = assets_key
        if pool is not None:
            pool.shutdown(wait=True)
            for f in futures:
                f.result()  # a failed write fails the build before the state is saved
        # pages of sections no longer in the book, and images no page shows
        for path in old_pages:
            if path not in new_state["pages"]:
                check_write(self.out / page_url(path), self.out).unlink(missing_ok=True)
                self.report.removed.append(self.out / page_url(path))
        if prune_images and (self.out / "_images").is_dir():
            keep = {n for names in new_state["images"].values() for n in names}
            for f in (self.out / "_images").iterdir():
                if f.name not in keep and not f.name.startswith("."):
                    f.unlink(missing_ok=True)
                    self.report.removed.append(f)
        tm["files"] = time.perf_counter() - t1

        # search index: a full build with anything new. The entries of the pages are kept
        # (by page key) so that an index needs only the pages rendered since
        t1 = time.perf_counter()
        old_entries = search_mod.load_entries(self.out)
        entries: dict[str, dict] = {}
        for p in pages:
            if p.section is None:
                continue
            if p.path in fresh:
                entries[p.path] = {"k": p.key, "e": fresh[p.path]}
            else:
                old = old_entries.get(p.path)
                if isinstance(old, dict) and old.get("k") == p.key:
                    entries[p.path] = old
        if entries != old_entries:
            search_mod.save_entries(self.out, entries)
        if not self.search:
            self.report.search = "skipped"
        elif todo or self.report.removed or not (
                self.out / search_mod.INDEX_DIR / search_mod.INDEX_FILE).is_file():
            self.report.search = search_mod.write_index_of(
                self.out, [(page_url(p.path), entries.get(p.path, {}).get("e"))
                           for p in pages if p.section is not None], self.diags)
        else:
            self.report.search = "up to date"
        tm["search"] += time.perf_counter() - t1
        from d2lbook.outputs.html import highlight

        highlight.save()
        atomic_write(self.state_path, json.dumps(new_state, ensure_ascii=False, indent=0))
        self.report.seconds = time.perf_counter() - t0
        return self.report

    # -------------------------------------------------------------- math
    def _katex_dir(self) -> str:
        if self._kdir is None:
            d = katex_mod.find_katex([self.site.root])
            self._kdir = str(d) if d else ""
        return self._kdir

    def _math(self, todo: list[_Page]) -> None:
        items = [(tex, disp) for p in todo for tex, disp, _ in p.result.math]
        if not items:
            return
        kdir = self._katex_dir()
        renderer = katex_mod.KatexRenderer(Path(kdir) if kdir else None)
        unavailable = False
        try:
            done = renderer.render_all(items)
        except katex_mod.KatexUnavailable as e:
            self.diags.error(None, f"math cannot be rendered: {e}", file="html")
            done = {katex_mod.key(t, d): {"error": str(e)} for t, d in items}
            unavailable = True
        renderer.save()
        strings = self.site.strings
        for p in todo:
            math = p.result.math
            if not math:
                continue
            out = []
            for tex, disp, loc in math:
                r = done[katex_mod.key(tex, disp)]
                if "html" in r:
                    # the search index gets the prose, not KaTeX's glyph soup
                    out.append(r["html"].replace('<span class="katex">',
                                                 '<span class="katex" data-pagefind-ignore>', 1))
                else:
                    msg = r.get("error", "unknown error")
                    if not unavailable:
                        d = "$$" if disp else "$"
                        self.diags.warning(loc, f"KaTeX cannot render {d}{tex.strip()[:80]}{d}: "
                                                f"{msg}")
                    cls = "math-error display" if disp else "math-error"
                    out.append(f'<code class="{cls}" title="{attr(strings["math_error"])}">'
                               f"{esc(tex)}</code>")
            p.result.body = MATH_RE.sub(lambda m, o=out: o[int(m.group(1))], p.result.body)

    # ------------------------------------------------------------- pages
    def _index(self, paths: list[str]) -> dict[str, int]:
        """Positions in a list of sibling sections (kept per list: pages share them)."""
        memo = self._sibling_index
        key = id(paths)
        if key not in memo or memo[key][0] is not paths:
            memo[key] = (paths, {p: i for i, p in enumerate(paths)})
        return memo[key][1]

    def sidebar(self, prefix: str, current: str | None) -> str:
        """The table of contents: every chapter, and the sections of the chapters on the
        way to ``current`` (the others open on their own pages), which keeps pages small."""
        book = self.book
        chain: list[str] = []
        p = current
        while p is not None and p in book.sections:
            chain.append(p)
            p = book.sections[p].parent
        top = chain[-2] if len(chain) >= 2 else None  # the top-level entry holding current
        # a long list (many sibling sections) shows a window around the open entry, so
        # that a page's size does not grow with the number of its siblings
        lists = [book.index, *chain[1:]]
        long = any(len(book.sections[q].children) > 2 * SIDEBAR_WINDOW + 1
                   for q in lists if q in book.sections)
        ck = (prefix, top, current if long else None)
        if ck not in self.sidebars:
            open_set = set(chain)

            def items(paths: list[str], depth: int) -> str:
                out = []
                before = after = 0
                if len(paths) > 2 * SIDEBAR_WINDOW + 1:
                    index = self._index(paths)
                    here = next((index[q] for q in chain if q in index), 0)
                    lo = max(0, min(here - SIDEBAR_WINDOW, len(paths) - 2 * SIDEBAR_WINDOW - 1))
                    before, after = lo, len(paths) - lo - 2 * SIDEBAR_WINDOW - 1
                    paths = paths[lo:lo + 2 * SIDEBAR_WINDOW + 1]
                if before:
                    out.append(f'<li class="leaf more">… ({before})</li>\n')
                for path in paths:
                    s = book.sections.get(path)
                    if s is None:
                        continue
                    snum = self.site.refs.section_number(path)
                    num = (f'<span class="secnum">{number_text(snum)}.</span> '
                           if snum else "")
                    kids = (items(s.children, depth + 1)
                            if s.children and path in open_set else "")
                    cls = "open" if kids else "closed" if s.children else "leaf"
                    out.append(f'<li class="{cls}"><a href="{attr(prefix + page_url(path))}">'
                               f'{num}{esc(plain_text(s.title) or path)}</a>{kids}</li>\n')
                if after:
                    out.append(f'<li class="leaf more">… ({after})</li>\n')
                return f'<ul class="toc-l{depth}">\n{"".join(out)}</ul>' if out else ""

            root = book.sections.get(book.index)
            self.sidebars[ck] = items(root.children, 1) if root else ""
        html = self.sidebars[ck]
        if current is not None:
            link = f'<a href="{attr(prefix + page_url(current))}">'
            html = html.replace(link, link[:-1] + ' class="current" aria-current="page">', 1)
        return html

    def page_html(self, p: _Page, pages: list[_Page]) -> str:
        site = self.site
        book = self.book
        s = site.strings
        sec = p.section
        prefix = rel_prefix(p.path)
        sidebar = self.sidebar(prefix, sec.path if sec is not None else None)
        crumbs = []
        prev = nxt = None
        downloads, colabs = [], []
        discuss = ""
        if sec is not None:
            anc = sec.parent
            chain = []
            while anc is not None and anc in book.sections:
                chain.append(anc)
                anc = book.sections[anc].parent
            for a in reversed(chain):
                if a == book.index:
                    continue
                crumbs.append({"url": prefix + page_url(a), "text": self.title_text(a)})
            order = self._order
            i = self._position[sec.path]
            if i > 0:
                prev = {"url": prefix + page_url(order[i - 1].path),
                        "text": self.title_text(order[i - 1].path)}
            if i + 1 < len(order):
                nxt = {"url": prefix + page_url(order[i + 1].path),
                       "text": self.title_text(order[i + 1].path)}
            downloads, colabs = self._nb.get(sec.path, ([], []))
            title = self.title_text(sec.path)
            discuss = self.discussion_url(sec)
        elif p.path == site.search_page:
            title = s["search"]
        else:
            title = s["bibliography"]
        extra_css = [prefix + "_static/" + f.name for k, f in sorted(self.extra.items())
                     if k.startswith("include_css")]
        extra_js = [prefix + "_static/" + f.name for k, f in sorted(self.extra.items())
                    if k.startswith("include_js")]
        logo = self.extra.get("html_logo")
        favicon = self.extra.get("favicon")
        is_home = sec is not None and sec.path == book.index
        body = plot_alt(p.result.body, s) if p.result else ""
        toc = page_toc(body) if sec is not None else []
        ptabs = page_tabs(body, site.tabs) if len(site.tabs) > 1 else []
        fallback_notes = []
        if ptabs:
            for t in site.tabs:
                if t not in ptabs:
                    fallback_notes.append({"tab": t, "text": s["tab_fallback"].format(
                        tab=tab_name(t), default=tab_name(ptabs[0]))})
        html = self.template.render(
            toc=toc, page_tabs=ptabs, fallback_notes=fallback_notes,
            site_downloads=[dict(d, url=prefix + d["url"]) for d in self.downloads],
            lang=site.lang, s=s, site_title=site.title, title=title, prefix=prefix,
            tabs=[{"id": t, "name": tab_name(t), "absent": bool(ptabs) and t not in ptabs,
                   "absent_title": s["tab_absent_title"].format(tab=tab_name(t))}
                  for t in site.tabs],
            default_tab=site.tabs[0], tab_css=self.tab_css(),
            header_links=self.links, sidebar=sidebar, crumbs=crumbs, prev=prev, next=nxt,
            # the discussion link is navigation: not part of the indexed text
            content=body + (
                f'<div data-pagefind-ignore><p class="discussion"><a href="{attr(discuss)}">'
                f'{esc(s["discuss"])}</a></p></div>' if discuss else ""),
            quick=p.result.quick if p.result else "",
            downloads=downloads, colabs=colabs, is_search=p.path == site.search_page,
            has_index=self.has_index,
            search_url=prefix + page_url(site.search_page),
            is_home=is_home, index_url=prefix + "index.html",
            logo=prefix + "_static/" + logo.name if logo else None,
            favicon=prefix + "_static/" + (favicon.name if favicon else "favicon.svg"),
            extra_css=extra_css, extra_js=extra_js, indexed=sec is not None,
            page_title_meta=title,
        )
        return html

    def title_text(self, path: str) -> str:
        sec = self.book.sections[path]
        t = plain_text(sec.title) or path
        snum = self.site.refs.section_number(path)
        return f"{number_text(snum)}. {t}" if snum else t

    def tab_css(self) -> str:
        rules = []
        for t in self.site.tabs:
            a = attr(t)
            rules.append(
                f'html[data-tab="{a}"] .tab-pane[data-tabs~="{a}"]{{display:block}}'
                f'html[data-tab="{a}"] .tab-inline[data-tabs~="{a}"]{{display:inline-flex}}'
                f'html[data-tab="{a}"] .tab-bar .tab-button[data-tab="{a}"],'
                f'html[data-tab-pref="{a}"] .framework-switch .tab-button[data-tab="{a}"]'
                f'{{color:var(--tab-active-fg);border-bottom-color:var(--accent)}}'
                f'html[data-tab-fallback="{a}"] .tab-fallback-note[data-for="{a}"]'
                f'{{display:block}}')
        return "".join(rules)

    # ------------------------------------------------------------ assets
    def write_assets(self) -> None:
        static = self.out / "_static"
        static.mkdir(parents=True, exist_ok=True)
        for f in (HERE / "static").iterdir():
            if f.is_file():
                if katex_mod.copy_if_changed(f, static / f.name):
                    self.report.written.append(static / f.name)
        atomic_write(static / "pygments.css", pygments_css())
        kdir = self._katex_dir()
        if kdir:
            katex_mod.KatexRenderer(Path(kdir)).copy_assets(static / "katex")
        for f in self.extra.values():
            katex_mod.copy_if_changed(f, static / f.name)
        refused: list[str] = []
        for res in getattr(self.book.config, "resources", []) or []:
            for f, rel in book_files(self.site.root, res, refused):  # links out: skipped
                katex_mod.copy_if_changed(f, check_write(self.out / rel, self.out))
        for rel in refused:
            self.diags.warning(None, f"{rel} is a symbolic link that leaves the book; not "
                                     "copied", file="config.ini: [build] resources")


def _state_ok(data: dict) -> bool:
    """Whether a build state read back has the shape :meth:`Builder.build` writes."""
    def strs(v) -> bool:
        return isinstance(v, list) and all(isinstance(x, str) for x in v)

    pages, images, cites = data.get("pages", {}), data.get("images", {}), data.get("cites", {})
    return (isinstance(pages, dict) and all(isinstance(v, str) for v in pages.values())
            and isinstance(images, dict) and all(strs(v) for v in images.values())
            and isinstance(cites, dict)
            and all(isinstance(v, list) and len(v) == 2 and strs(v[1]) for v in cites.values())
            and isinstance(data.get("assets", ""), str | None))


def build_html(book: Book, refs, out_dir: Path | str, results=None,
               diags: Diagnostics | None = None, changed=None, search: bool | None = None,
               notebooks_dir: Path | None = None) -> BuildReport:
    """Write the website for ``book`` into ``out_dir``.

    ``results``: ``{tab: {section path: SectionResult}}`` from the eval step, or None.
    ``changed``: the section paths the caller knows changed (a live preview); only a hint:
    every page is checked by its key. When given, the search index is not rebuilt unless
    ``search`` is True. The index is updated before returning: only the pages rendered in
    this build are read again (see :mod:`.search`). Returns a :class:`BuildReport` (``.written`` lists written files).
    """
    if search is None:
        search = changed is None
    b = Builder(book, refs, Path(out_dir), results=results, diags=diags, search=search,
                notebooks_dir=notebooks_dir)
    return b.build()


__all__ = ["build_html", "BuildReport"]
