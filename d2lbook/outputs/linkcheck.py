"""``d2lbook build linkcheck``: every internal link and anchor of the built website.

Each ``href`` and ``src`` of every page is resolved against the page: a file that does
not exist, or a ``#fragment`` that names no ``id`` in the target page, is an error
naming the page. External links (``http(s)://``) are checked only with ``--external``
(a HEAD request each, falling back to GET; never in tests). Run after ``build html``
(in one call: ``d2lbook build html linkcheck``).
"""

from __future__ import annotations

import argparse
import posixpath
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from d2lbook.errors import Diagnostics


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[int, str]] = []  # (line, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if a.get(key):
                self.ids.add(str(a[key]))
        for key in ("href", "src"):
            v = a.get(key)
            if v and not (tag == "link" and a.get("rel") in ("preconnect", "dns-prefetch")):
                self.links.append((self.getpos()[0], v))


def read_page(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text(encoding="utf-8", errors="replace"))
    return p


def internal_problems(site: Path) -> Iterator[tuple[str, int, str]]:
    """(page, line, problem) for every broken internal link of the site at ``site``."""
    pages = {p.relative_to(site).as_posix(): read_page(p) for p in sorted(site.rglob("*.html"))}
    for name, page in pages.items():
        for line, url in page.links:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//") or url.startswith("data:"):
                continue
            path = unquote(parts.path)
            target = name if not path else posixpath.normpath(
                posixpath.join(posixpath.dirname(name), path))
            if target.startswith("../") or target == "..":
                yield name, line, f"link {url!r} leaves the site"
                continue
            fs = site / target
            if path.endswith("/") or fs.is_dir():
                target = posixpath.join(target, "index.html")
                fs = site / target
            if not fs.exists():
                yield name, line, f"link {url!r}: no such file {target}"
                continue
            frag = unquote(parts.fragment)
            if frag and target.endswith(".html"):
                ids = pages[target].ids if target in pages else read_page(fs).ids
                if frag not in ids:
                    yield name, line, f"link {url!r}: {target} has no anchor #{frag}"


def external_links(site: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in sorted(site.rglob("*.html")):
        for _, url in read_page(p).links:
            if urlsplit(url).scheme in ("http", "https"):
                out.setdefault(url.split("#")[0], []).append(p.relative_to(site).as_posix())
    return out


def check_external(urls: list[str], timeout: float = 15.0) -> dict[str, str]:
    """url -> problem, for the URLs that do not answer with a success."""
    import concurrent.futures
    import urllib.error
    import urllib.request

    def probe(url: str) -> str | None:
        for method in ("HEAD", "GET"):
            req = urllib.request.Request(url, method=method,
                                         headers={"User-Agent": "d2lbook-linkcheck"})
            try:
                with urllib.request.urlopen(req, timeout=timeout):
                    return None
            except urllib.error.HTTPError as e:
                if method == "HEAD" and e.code in (403, 405, 501):
                    continue
                return f"HTTP {e.code}"
            except Exception as e:  # network errors of every kind are a finding
                return f"{type(e).__name__}: {e}"
        return None

    bad: dict[str, str] = {}
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        for url, res in zip(urls, ex.map(probe, urls), strict=True):
            if res:
                bad[url] = res
    return bad


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--site", default=None,
                   help="the website to check (default: <output_dir>/html)")
    p.add_argument("--external", action="store_true",
                   help="also request every external link (slow; needs the network)")


def run(args: argparse.Namespace, book) -> int:
    site = Path(args.site).resolve() if getattr(args, "site", None) \
        else Path(book.config.output_dir) / "html"
    if not (site / "index.html").is_file():
        print(f"d2lbook: no website in {site}; run `d2lbook build html linkcheck`",
              file=sys.stderr)
        return 2
    diags = Diagnostics()
    n = 0
    for page, line, problem in internal_problems(site):
        diags.error(None, problem, file=f"{site.name}/{page}:{line}")
        n += 1
    n_ext = 0
    if getattr(args, "external", False):
        links = external_links(site)
        for url, problem in check_external(sorted(links)).items():
            diags.error(None, f"external link {url}: {problem}",
                        file=f"{site.name}/{links[url][0]}")
            n_ext += 1
    diags.report()
    pages = sum(1 for _ in site.rglob("*.html"))
    ext = f", {n_ext} broken external link(s)" if getattr(args, "external", False) else ""
    print(f"linkcheck: {pages} pages, {n} broken internal link(s){ext}", file=sys.stderr)
    return 1 if n or n_ext else 0
