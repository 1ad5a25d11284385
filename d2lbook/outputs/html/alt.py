"""Text alternatives for the plots that code cells draw.

A plot is an image in a cell's outputs; its ``alt`` is made from what the cell's code
says about it: the labels, legend and titles given to ``d2l.plot``, ``show_heatmaps``
and Matplotlib's ``xlabel``/``ylabel``/``legend``/``title``; a training run
(``.fit(...)``, ``train_*``) draws the training curves; ``show_trace*`` an optimiser's path; ``show_images`` a grid of images. Without any
of these the text says which code cell of the page drew the plot.
"""

from __future__ import annotations

import ast
import html
import re

from d2lbook.outputs.html.render import attr

_CELL_RE = re.compile(r'<div class="cell">(.*?)(?=<div class="cell">|\Z)', re.S)
_CODE_RE = re.compile(r'<pre class="highlight"><code>(.*?)</code></pre>', re.S)
_PLOT_RE = re.compile(r'(<div class="output image"><img [^>]*?)alt=""')
_MAGIC_RE = re.compile(r"^\s*[%!].*$", re.M)

# (positional index, kind) of the calls whose arguments label a plot
_POSITIONAL = {"plot": {2: "xlabel", 3: "ylabel"}, "show_heatmaps": {1: "xlabel", 2: "ylabel"},
               "xlabel": {0: "xlabel"}, "set_xlabel": {0: "xlabel"},
               "ylabel": {0: "ylabel"}, "set_ylabel": {0: "ylabel"},
               "legend": {0: "legend"}, "title": {0: "title"}, "set_title": {0: "title"},
               "suptitle": {0: "title"}}
_KEYWORDS = {"xlabel": "xlabel", "ylabel": "ylabel", "legend": "legend", "title": "title",
             "titles": "title"}


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [s for e in node.elts for s in _strings(e)]
    return []


def describe(code: str) -> tuple[dict[str, list[str]], set[str]]:
    """The labels a cell's code gives its plots ({kind: [text]}) and what else it draws
    ("training", "heatmap", "images")."""
    found: dict[str, list[str]] = {}
    kinds: set[str] = set()
    try:
        tree = ast.parse(_MAGIC_RE.sub("", code))
    except (SyntaxError, ValueError):
        return found, kinds
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) \
            else ""
        if name == "fit" or name.startswith("train_") and name not in ("train_2d",):
            kinds.add("training")  # trainer.fit, d2l.train_ch11, ...
        elif name.startswith("show_trace"):
            kinds.add("trace")  # the path of an optimiser over a function
        elif name == "show_heatmaps":
            kinds.add("heatmap")
        elif name == "show_images":
            kinds.add("images")
        if name not in _POSITIONAL and name not in ("show_images",):
            continue
        for i, kind in _POSITIONAL.get(name, {}).items():
            if i < len(node.args):
                found.setdefault(kind, []).extend(_strings(node.args[i]))
        for kw in node.keywords:
            if kw.arg in _KEYWORDS:
                found.setdefault(_KEYWORDS[kw.arg], []).extend(_strings(kw.value))
    return {k: [s for s in dict.fromkeys(v) if s.strip()] for k, v in found.items()
            if any(s.strip() for s in v)}, kinds


def alt_text(code: str, n: int, strings: dict[str, str]) -> str:
    """The alt text of a plot drawn by ``code``, the ``n``-th code cell of its page."""
    found, kinds = describe(code)
    names = {"title": strings["plot_title"], "xlabel": strings["plot_x"],
             "ylabel": strings["plot_y"], "legend": strings["plot_legend"]}
    parts = [f"{names[k]} {', '.join(found[k])}" for k in ("title", "xlabel", "ylabel", "legend")
             if found.get(k)]
    if "heatmap" in kinds:
        head = strings["plot_heatmap"]
    elif "images" in kinds:
        head = strings["plot_images"]
    elif "trace" in kinds and not parts:
        return strings["plot_trace"]
    elif "training" in kinds and not parts:
        return strings["plot_training"]
    else:
        head = strings["plot_alt"]
    if parts:
        return head + strings["plot_colon"] + strings["plot_sep"].join(parts)
    if head != strings["plot_alt"]:
        return head
    return strings["plot_alt_cell"].format(n=n)


def plot_alt(body: str, strings: dict[str, str]) -> str:
    """Give every plot in a page's cell outputs that has an empty ``alt`` a text
    alternative (see the module's description)."""
    if 'alt=""' not in body:
        return body
    counter = [0]

    def cell(m: re.Match) -> str:
        chunk = m.group(0)
        counter[0] += 1
        if 'class="output image"' not in chunk:
            return chunk
        code = "\n".join(html.unescape(re.sub(r"<[^>]+>", "", c))
                         for c in _CODE_RE.findall(chunk))
        text = alt_text(code, counter[0], strings)
        return _PLOT_RE.sub(lambda x: f'{x.group(1)}alt="{attr(text)}"', chunk)

    return _CELL_RE.sub(cell, body)


__all__ = ["plot_alt", "alt_text", "describe"]
