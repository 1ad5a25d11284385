"""Code highlighting with Pygments (classes only; colours live in the stylesheet).

Results are kept in a content-addressed cache (:mod:`.cache`): Pygments' Python
lexer is the slowest step of rendering a page.
"""

from __future__ import annotations

import hashlib
import html
from functools import lru_cache
from importlib.metadata import version as _dist_version
from pathlib import Path

from d2lbook.outputs.html.cache import JsonCache, open_cache

LANG_ALIASES = {"": "text", "py": "python", "python3": "python", "ipython": "python",
                "sh": "bash", "shell": "bash", "txt": "text"}
PLAIN = {"text", "txt", "plain", "none", "output", ""}
_cache: JsonCache | None = None


def persistent_cache() -> JsonCache:
    global _cache
    if _cache is None:
        own = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:8]
        _cache = open_cache("highlight", f"{_dist_version('pygments')}-{own}")
    return _cache


@lru_cache(maxsize=64)
def _lexer(lang: str):
    """The Pygments lexer for ``lang`` (Pygments is imported only when a cache misses)."""
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    name = LANG_ALIASES.get(lang, lang)
    try:
        lexer = get_lexer_by_name(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None
    return None if lexer.name == "Text only" else lexer


@lru_cache(maxsize=1)
def _formatter():
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


def highlight(code: str, lang: str = "python") -> str:
    """HTML of ``code`` with Pygments token classes, without the wrapping ``<pre>``."""
    lang = lang.lower()
    if lang in PLAIN:
        return html.escape(code, quote=False)
    cache = persistent_cache()
    k = hashlib.sha1(f"{lang}\0{code}".encode()).hexdigest()
    out = cache.get(k)
    if out is None:
        lexer = _lexer(lang)
        if lexer is None:
            out = html.escape(code, quote=False)
        else:
            from pygments import highlight as _highlight

            out = _highlight(code, lexer, _formatter())
        cache.set(k, out)
    return out


def save() -> None:
    if _cache is not None:
        _cache.save()


def stylesheet() -> str:
    """Light and dark Pygments styles, scoped under ``.highlight``; dark follows
    ``data-theme="dark"`` or the system preference when no theme is chosen."""
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="xcode").get_style_defs(".highlight")
    dark_fmt = HtmlFormatter(style="lightbulb")
    dark_forced = dark_fmt.get_style_defs('html[data-theme="dark"] .highlight')
    dark_auto = dark_fmt.get_style_defs('html:not([data-theme="light"]) .highlight')
    return (
        "/* Pygments: xcode (light), lightbulb (dark); both keep 4.5:1 contrast */\n"
        + _strip_bg(light) + "\n" + _strip_bg(dark_forced) + "\n"
        + "@media (prefers-color-scheme: dark) {\n" + _strip_bg(dark_auto) + "\n}\n"
    )


def _strip_bg(css: str) -> str:
    """Drop the styles' own background colours, line-number and global ``pre`` rules: the
    site's stylesheet sets the code background for both themes."""
    out = []
    for line in css.splitlines():
        if "{ background" in line or "linenos" in line or "hll" in line \
                or line.startswith("pre "):
            continue
        out.append(line)
    return "\n".join(out)
