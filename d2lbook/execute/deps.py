"""What part of the generated library a notebook's result depends on.

Granularity: **the library names a notebook uses, and what they use in turn**.
The library file is split into top-level definitions (``def``, ``class``,
assignments; ``add_to_class`` methods are already merged into their class by
``d2lbook build lib``) and everything else (imports, other statements), the
*header*. A notebook that writes ``d2l.Trainer`` and ``d2l.plot`` depends on
the header, on those definitions, and on every library name they mention
(``Trainer`` mentions ``HyperParameters`` through its bases, ``plot`` mentions
``set_axes`` through ``d2l.set_axes`` ...), transitively. Editing a ``#@save``
definition therefore re-runs exactly the notebooks whose closure contains it.

Where this analysis cannot see every use it falls back to **the whole library
file** (always correct): when the notebook uses ``d2l`` other than as
``d2l.name`` after the usual ``from d2l import <lib> as d2l`` (for example
``getattr(d2l, ...)``, ``from d2l.torch import *``, ``d2l.__dict__``), when a
used definition reaches ``getattr``/``globals``/``vars`` on the library
module, or when the library file does not parse. Notebooks whose code never
mentions ``d2l`` do not depend on the library at all.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path

_IMPORT_LINE = re.compile(r"^[ \t]*(from[ \t]+d2l[ \t]+import[ \t]+\w+[ \t]+as[ \t]+d2l"
                          r"|import[ \t]+d2l)[ \t]*(#.*)?$", re.M)
_FROM_D2L = re.compile(r"\bfrom[ \t]+d2l[ \t]+import[ \t]+(\w+)")
_OTHER_IMPORT = re.compile(r"\b(from|import)\s+d2l\b")
_D2L = re.compile(r"\bd2l\b")
_USE = re.compile(r"\bd2l\.([A-Za-z_]\w*)")
_REFLECT = {"getattr", "setattr", "hasattr", "delattr", "vars", "dir"}


@dataclass
class Library:
    """A parsed library file."""

    whole: str  # sha256 of the file
    header: str  # sha256 of the statements that are not named definitions
    sources: dict[str, str]  # name -> source of its definition(s)
    refs: dict[str, set[str]]  # name -> library names it mentions
    dynamic: set[str]  # names whose definition uses getattr/globals/...


_memo: dict[str, Library] = {}  # by sha256 of the file
_lock = threading.Lock()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _is_module(node: ast.AST) -> bool:
    """``d2l`` or ``sys.modules[...]``: the library module itself."""
    if isinstance(node, ast.Name):
        return node.id == "d2l"
    return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
        and node.value.attr == "modules"


def _names(node: ast.AST) -> tuple[set[str], bool]:
    """(names mentioned, whether the library namespace is accessed by reflection)."""
    found, dynamic = set(), False
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            found.add(n.id)
        elif isinstance(n, ast.Attribute):
            found.add(n.attr)  # d2l.x, and (harmlessly, conservatively) other attributes
            dynamic |= n.attr == "__dict__" and _is_module(n.value)
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
            f = n.func.id
            if f in ("globals", "locals", "eval", "exec"):
                dynamic = True
            elif f in _REFLECT and (not n.args or _is_module(n.args[0])):
                dynamic = True
    return found, dynamic


def _defined(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.Assign):
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        return names if len(names) == len(node.targets) else []
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def parse_library(path: Path) -> Library | None:
    """The parsed library at ``path`` (remembered by content), None if it is missing."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        return None
    whole = _sha(text)
    with _lock:
        hit = _memo.get(whole)
    if hit is not None:
        return hit
    try:
        tree = ast.parse(text)
    except SyntaxError:
        lib = Library(whole, whole, {}, {}, set())
    else:
        header, sources, refs, dynamic = [], {}, {}, set()
        lines = text.splitlines(keepends=True)
        for node in tree.body:
            # slicing the lines once is linear; ast.get_source_segment per node is quadratic
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            seg = "".join(lines[first - 1: node.end_lineno]) or ast.dump(node)
            names = _defined(node)
            if not names:
                header.append(seg)
                continue
            used, dyn = _names(node)
            for name in names:
                sources[name] = sources.get(name, "") + seg + "\n"
                refs.setdefault(name, set()).update(used - {name})
                if dyn:
                    dynamic.add(name)
        for name in refs:
            refs[name] &= sources.keys()
        lib = Library(whole, _sha("\n".join(header)), sources, refs, dynamic)
    with _lock:
        _memo[whole] = lib
    return lib


def used_names(code: str) -> set[str] | None:
    """Library names used as ``d2l.name`` in ``code``; None when other uses make it unclear."""
    rest = _IMPORT_LINE.sub("", code)
    if _OTHER_IMPORT.search(rest):
        return None  # import d2l.torch, from d2l.torch import x, ...
    names = set(_USE.findall(rest))
    if len(_D2L.findall(rest)) != len(_USE.findall(rest)):
        return None  # d2l used otherwise: getattr(d2l, ...), from d2l.torch import ...
    if any(n.startswith("__") for n in names):
        return None
    return names


def library_dependency(lib_file: Path | None, code: str) -> dict[str, str]:
    """The library part of a notebook's cache key: file name -> hash of what it depends on.

    ``{}`` when the code never mentions ``d2l``; ``{"torch.py": <sha of the file>}`` when
    the whole file counts; ``{"torch.py": "names:<sha>"}`` for the names closure. The
    package's ``__init__.py`` always counts as a whole.
    """
    if lib_file is None or not _D2L.search(code):
        return {}
    lib_file = Path(lib_file)
    out = {}
    init = lib_file.parent / "__init__.py"
    out[init.name] = _file_sha(init)
    for module in set(_FROM_D2L.findall(code)) - {lib_file.stem}:  # another tab's library
        out[module + ".py"] = _file_sha(lib_file.parent / f"{module}.py")
    lib = parse_library(lib_file)
    if lib is None:
        out[lib_file.name] = "missing"
        return out
    names = used_names(code)
    closure = None if names is None else _closure(lib, names)
    if closure is None:
        out[lib_file.name] = lib.whole
        return out
    doc = {"header": lib.header,
           "defs": {n: (_sha(lib.sources[n]) if n in lib.sources else None)
                    for n in sorted(closure)}}
    out[lib_file.name] = "names:" + _sha(json.dumps(doc, sort_keys=True))
    return out


def _closure(lib: Library, names: set[str]) -> set[str] | None:
    seen, todo = set(), list(names)
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        if n in lib.dynamic:
            return None
        todo.extend(lib.refs.get(n, ()))
    return seen


def _file_sha(path: Path) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "missing"
