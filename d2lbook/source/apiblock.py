"""Which ``eval_rst`` blocks ask for the library's API page (see d2lbook/outputs/apidoc.py).

The parser turns such a block into ``Raw("d2l-api", ...)`` instead of warning that it
cannot map it; the API page step expands it into a table after parsing.
"""

from __future__ import annotations

import re

DIRECTIVE = re.compile(r"^\s*\.\.\s+(currentmodule|d2l-api|autoclass|autofunction)::\s*(\S*)")
OPTION = re.compile(r"^\s+:[\w-]+:.*$")


def is_api_block(text: str) -> bool:
    """True if an eval_rst block holds only these directives (and their option lines)."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return bool(lines) and bool(DIRECTIVE.match(lines[0])) and all(
        DIRECTIVE.match(ln) or OPTION.match(ln) for ln in lines)
