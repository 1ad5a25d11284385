"""Rewrite the framework-neutral ``d2l.<alias>`` calls of a code cell for one tab.

Books written for several frameworks call ``d2l.reshape(x, s)``, ``d2l.ones(3)`` and the
like in ``#@tab all`` cells; ``config.ini`` maps them per tab (``[library-<tab>]``):

* ``simple_alias = ones, concat -> cat``: ``d2l.ones`` becomes ``<lib_name>.ones`` and
  ``d2l.concat`` becomes ``<lib_name>.cat`` (any use, not only calls);
* ``fluent_alias = reshape, numpy -> detach().numpy``: ``d2l.reshape(x, s)`` becomes
  ``x.reshape(s)`` (the first argument becomes the receiver, in parentheses where needed);
* ``reverse_alias = text -> replacement`` (one per line): plain text replacements, made
  first;
* ``args_alias = f(a_x, axis=None) -> lib.g(a_x, dim=axis)``: ``d2l.f(u, axis=1)`` becomes
  ``lib.g(u, dim=1)``; parameters named ``a_*`` are positional, the others keywords,
  and keywords of the target whose value is an unused parameter are dropped.

The notebooks, the website and the PDF show the rewritten code, so that each tab reads
as plain code of its framework; the library keeps the aliases themselves (appended from
the same config), so code that still says ``d2l.reshape`` runs too. The rewrite works
on the syntax tree and splices text, so the cell keeps its layout and comments; a cell
that is not valid Python (say, one with shell escapes inside an expression) gets only
the simple aliases, by a word-bounded text match.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass

from d2lbook.config import LibConfig

_MAGIC = re.compile(r"^\s*[%!]")
_PRIMARY = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.List, ast.Tuple, ast.Dict,
            ast.Set, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
            ast.JoinedStr)


@dataclass(frozen=True)
class _ArgsAlias:
    positional: tuple[str, ...]
    keywords: tuple[str, ...]
    target: str


def _args_aliases(lib: LibConfig) -> dict[str, _ArgsAlias]:
    out = {}
    for sig, target in lib.args_alias:
        try:
            call = ast.parse(sig, mode="eval").body
        except SyntaxError:
            continue
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
            continue
        pos = tuple(a.id for a in call.args if isinstance(a, ast.Name))
        kws = tuple(k.arg for k in call.keywords if k.arg)
        out[call.func.id] = _ArgsAlias(pos, kws, target)
    return out


def rewrite_aliases(source: str, lib: LibConfig | None) -> str:
    """``source`` with the ``d2l.<alias>`` uses that ``lib`` maps rewritten."""
    if lib is None:
        return source
    for old, new in lib.reverse_alias:
        source = source.replace(old, new)
    if "d2l." not in source:
        return source
    simple = dict(lib.simple_alias) if lib.lib_name else {}
    fluent = dict(lib.fluent_alias) if lib.lib_name else {}
    args = _args_aliases(lib)
    used = _uses_regex(tuple(simple) + tuple(fluent) + tuple(args))
    if used is None or not used.search(source):
        return source  # the common case: no alias in this cell, no parsing
    masked = mask_magics(source)
    try:
        ast.parse(masked)
    except SyntaxError:
        return _simple_by_text(source, simple, lib.lib_name)
    text = source
    for _ in range(1000):  # one call per pass, innermost first; nested calls are rare
        edit = _next_edit(text, masked, simple, fluent, args, lib.lib_name)
        if edit is None:
            return text
        start, end, new = edit
        text = text[:start] + new + text[end:]
        masked = masked[:start] + new + masked[end:]
    return text


def mask_magics(source: str) -> str:
    """``source`` with IPython magics and shell escapes (``%...``, ``!...`` lines), which
    are not Python, turned into comments of the same length, so that ``ast`` can parse
    the rest and its positions still index ``source``."""
    return "\n".join(_MAGIC.sub(lambda m: m.group(0)[:-1] + "#", ln)
                      for ln in source.split("\n"))


@functools.lru_cache(maxsize=64)
def _uses_regex(names: tuple[str, ...]) -> re.Pattern | None:
    if not names:
        return None
    alternatives = "|".join(sorted(map(re.escape, set(names)), key=len, reverse=True))
    return re.compile(rf"\bd2l\.({alternatives})\b")


def _simple_by_text(source: str, simple: dict[str, str], lib_name: str | None) -> str:
    if not simple:
        return source
    names = "|".join(sorted(map(re.escape, simple), key=len, reverse=True))
    return re.sub(rf"\bd2l\.({names})\b", lambda m: f"{lib_name}.{simple[m.group(1)]}",
                  source)


def _offsets(text: str) -> list[int]:
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    return starts


def _span(node: ast.AST, starts: list[int], text: str) -> tuple[int, int]:
    # ast columns count UTF-8 bytes; convert per line
    def pos(line: int, col: int) -> int:
        row = text[starts[line - 1]: starts[line] - 1] if line < len(starts) else ""
        return starts[line - 1] + len(row.encode("utf-8")[:col].decode("utf-8", "ignore"))

    return pos(node.lineno, node.col_offset), pos(node.end_lineno, node.end_col_offset)


def _is_d2l(node: ast.AST, names: dict) -> bool:
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "d2l" and node.attr in names)


def _next_edit(text, masked, simple, fluent, args, lib_name):
    """The first rewrite to make, as (start, end, replacement); innermost calls first."""
    tree = ast.parse(masked)
    starts = _offsets(masked)
    candidates = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (_is_d2l(node.func, fluent) and node.args
                                           and not isinstance(node.args[0], ast.Starred)):
            candidates.append(("fluent", node))
        elif isinstance(node, ast.Call) and _is_d2l(node.func, args):
            candidates.append(("args", node))
        elif _is_d2l(node, simple):
            candidates.append(("simple", node))
    # smallest first: a call whose arguments hold another alias waits until that one is
    # rewritten (an argument alias that cannot be applied is passed over)
    spans = sorted(((_span(n, starts, masked), kind, n) for kind, n in candidates),
                   key=lambda x: x[0][1] - x[0][0])

    def seg(n: ast.AST) -> str:
        return text[slice(*_span(n, starts, masked))]

    for (s, e), kind, node in spans:
        if kind == "simple":
            return s, e, f"{lib_name}.{simple[node.attr]}"
        if kind == "fluent":
            recv = node.args[0]
            recv_src = seg(recv) if isinstance(recv, _PRIMARY) else f"({seg(recv)})"
            rest = [seg(a) for a in node.args[1:]] + [
                (f"{k.arg}={seg(k.value)}" if k.arg else f"**{seg(k.value)}")
                for k in node.keywords]
            return s, e, f"{recv_src}.{fluent[node.func.attr]}({', '.join(rest)})"
        new = _apply_args_alias(node, args[node.func.attr], seg)
        if new is not None:
            return s, e, new
    return None


def _apply_args_alias(node: ast.Call, alias: _ArgsAlias, seg) -> str | None:
    if len(node.args) != len(alias.positional) or any(
            k.arg not in alias.keywords for k in node.keywords):
        return None  # a call shape the mapping does not describe: left as it is
    values = {p: seg(a) for p, a in zip(alias.positional, node.args)}
    values.update({k.arg: seg(k.value) for k in node.keywords})
    try:
        target = ast.parse(alias.target, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(target, ast.Call):  # drop keywords that pass a parameter not given
        target.keywords = [k for k in target.keywords if not (
            isinstance(k.value, ast.Name) and k.value.id in alias.keywords
            and k.value.id not in values)]
    out = ast.unparse(target)
    tree = ast.parse(out, mode="eval")
    as_argument = set()  # names passed as call arguments need no parentheses
    for n in ast.walk(tree):
        if isinstance(n, ast.Call):
            as_argument.update(id(a) for a in n.args)
            as_argument.update(id(k.value) for k in n.keywords)
    names = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in values),
                   key=lambda n: n.col_offset, reverse=True)
    for n in names:  # ast.unparse wrote one line: columns are offsets
        value = values[n.id]
        if id(n) not in as_argument and not _is_primary_source(value):
            value = f"({value})"
        out = out[:n.col_offset] + value + out[n.end_col_offset:]
    return out


def _is_primary_source(src: str) -> bool:
    try:
        return isinstance(ast.parse(src.strip(), mode="eval").body, _PRIMARY)
    except SyntaxError:
        return False
