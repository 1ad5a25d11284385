"""Numbers in prose, checked against the stored full-mode outputs (``d2lbook check``).

A number that the prose quotes from a section's output carries a marker right after it,
an HTML comment that no reader sees::

    训练 10 轮后，验证准确率约为 0.73<!--result: validation accuracy ±0.03-->。
    困惑度降到了 7.3 左右<!--result: validation perplexity ±8%-->。

The marker names a metric as the code prints it (``validation accuracy: 0.731``); the
check takes the last value printed after that name (``loss@2``: the second one, ``@1`` the
first) in the section's stored full-mode outputs (:mod:`d2lbook.store`, default tab unless ``tab=`` is given) and compares it with
the number just before the marker, within the tolerance (absolute, or relative with
``%``; default 5 %). A quoted percentage (``85%``) is compared as 0.85.

A marker whose section has no current stored result is listed in the summary of
``d2lbook check`` (the number cannot be checked until the section is run in full and
stored; pages of such sections say that their outputs come from quick mode); a metric that
the outputs do not print, or a number outside the tolerance, is an error at the
marker's ``file:line``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from d2lbook.source.model import RawInline, Text, block_inlines, plain_text, walk_blocks

MARKER = re.compile(r"<!--\s*result:\s*(?P<body>.*?)\s*-->", re.S)
TOL = re.compile(r"(?:±|\+-|\+/-)\s*(?P<tol>\d+(?:\.\d+)?)\s*(?P<pct>%?)\s*$")
TAB = re.compile(r"\btab=(?P<tab>[\w-]+)\s*")
NUMBER = re.compile(r"([-+]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*(%?)\s*$")
DEFAULT_REL = 0.05


@dataclass
class Marker:
    metric: str
    tol: float
    relative: bool
    tab: str | None
    quoted: float | None  # the number before the marker (None: none found)
    loc: object


def parse_marker(body: str) -> tuple[str, float, bool, str | None]:
    tab = None
    m = TAB.search(body)
    if m:
        tab = m.group("tab")
        body = body[:m.start()] + body[m.end():]
    m = TOL.search(body)
    if m:
        tol = float(m.group("tol"))
        relative = bool(m.group("pct"))
        if relative:
            tol /= 100
        body = body[:m.start()]
    else:
        tol, relative = DEFAULT_REL, True
    return body.strip(), tol, relative, tab


def _number_before(text: str) -> float | None:
    m = NUMBER.search(text)
    if not m:
        return None
    value = float(m.group(1).replace(",", ""))
    return value / 100 if m.group(2) else value


def markers(section) -> list[Marker]:
    """The result markers of one section, with the number each one follows."""
    out = []
    for block in walk_blocks(section.blocks):
        loc = getattr(block, "loc", None)
        for inlines in block_inlines(block):
            before = ""
            for node in inlines:
                if isinstance(node, Text):
                    before += node.text
                    continue
                if isinstance(node, RawInline):
                    m = MARKER.fullmatch(node.html.strip())
                    if m:
                        metric, tol, rel, tab = parse_marker(m.group("body"))
                        out.append(Marker(metric, tol, rel, tab, _number_before(before), loc))
                        continue
                before = plain_text([node])
    return out


def printed_value(outputs: dict[int, list[dict]], metric: str) -> float | None:
    """The value printed after ``metric`` in text outputs (streams, text/plain): the last
    one, or with ``name@k`` the k-th (1-based; negative counts from the end)."""
    which = -1
    m = re.fullmatch(r"(.*?)@(-?\d+)", metric.strip())
    if m and int(m.group(2)) != 0:
        metric, which = m.group(1).strip(), int(m.group(2))
        which = which - 1 if which > 0 else which
    pattern = re.compile(re.escape(metric) + r"\s*[:=]?\s*([-+]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?)")
    found: list[float] = []
    for index in sorted(outputs):
        for out in outputs[index]:
            texts = []
            if out.get("output_type") == "stream":
                texts.append(out.get("text", ""))
            data = out.get("data") or {}
            if "text/plain" in data:
                texts.append(data["text/plain"])
            for t in texts:
                t = "".join(t) if isinstance(t, list) else str(t)
                found.extend(float(v.group(1).replace(",", "")) for v in pattern.finditer(t))
    try:
        return found[which]
    except IndexError:
        return None


def check_numbers(book, diags, results: dict[str, dict]) -> tuple[int, list[str]]:
    """Check every marker of ``book`` against ``results`` (``{tab: {section: result}}``,
    as :func:`d2lbook.commands.current_results` gives them). Returns the number of markers
    checked and the ``file:line`` of those waiting for a stored full-mode result."""
    checked = 0
    unchecked: list[str] = []
    default = book.config.default_tab
    for section in book.ordered():
        for mk in markers(section):
            tab = mk.tab or default
            where = f"[{tab}] '{mk.metric}'"
            if mk.quoted is None:
                diags.error(mk.loc, f"result marker {where}: no number right before it")
                continue
            r = results.get(tab, {}).get(section.path)
            if r is None or getattr(r, "origin", "") != "store":
                unchecked.append(f"{mk.loc.file}:{mk.loc.line}" if mk.loc else section.file)
                continue
            value = printed_value(r.outputs, mk.metric)
            if value is None:
                diags.error(mk.loc, f"result marker {where}: the stored outputs of "
                                    f"{section.path} never print '{mk.metric}'")
                continue
            limit = mk.tol * abs(value) if mk.relative else mk.tol
            tol = f"±{mk.tol * 100:g}%" if mk.relative else f"±{mk.tol:g}"
            if abs(value - mk.quoted) > limit + 1e-12:
                diags.error(mk.loc, f"result marker {where}: the prose says {mk.quoted:g}, the "
                                    f"stored full run printed {value:g} (tolerance {tol})")
                continue
            checked += 1
    return checked, unchecked
