"""Code highlighting with Pygments (classes only; colours live in the stylesheet)."""

from __future__ import annotations

import html
from functools import lru_cache

from pygments import highlight as _highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

_FORMATTER = HtmlFormatter(nowrap=True)

LANG_ALIASES = {"": "text", "py": "python", "python3": "python", "ipython": "python",
                "sh": "bash", "shell": "bash", "console": "console", "txt": "text"}


@lru_cache(maxsize=64)
def _lexer(lang: str):
    name = LANG_ALIASES.get(lang, lang)
    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@lru_cache(maxsize=8192)
def highlight(code: str, lang: str = "python") -> str:
    """HTML of ``code`` with Pygments token classes, without the wrapping ``<pre>``."""
    lexer = _lexer(lang.lower())
    if lexer is None or lexer.name == "Text only":
        return html.escape(code, quote=False)
    return _highlight(code, lexer, _FORMATTER)


def stylesheet() -> str:
    """Light and dark Pygments styles, scoped under ``.highlight``; dark follows
    ``data-theme="dark"`` or the system preference when no theme is chosen."""
    light = HtmlFormatter(style="friendly").get_style_defs(".highlight")
    dark_fmt = HtmlFormatter(style="monokai")
    dark_forced = dark_fmt.get_style_defs('html[data-theme="dark"] .highlight')
    dark_auto = dark_fmt.get_style_defs('html:not([data-theme="light"]) .highlight')
    return (
        "/* Pygments: friendly (light), monokai (dark) */\n"
        + _strip_bg(light) + "\n" + _strip_bg(dark_forced) + "\n"
        + "@media (prefers-color-scheme: dark) {\n" + _strip_bg(dark_auto) + "\n}\n"
    )


def _strip_bg(css: str) -> str:
    """Drop the styles' own background colours and line-number rules: the site's
    stylesheet sets the code background for both themes."""
    out = []
    for line in css.splitlines():
        if "background" in line and "{ background" in line:
            continue
        if "linenos" in line or "hll" in line:
            continue
        out.append(line)
    return "\n".join(out)
