"""The import rules of the toolchain (architecture.md, "Imports flow one way"), checked by
walking every import statement of ``d2lbook/`` and ``d2l/``, deferred ones included."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BASE = {"errors", "util", "config"}
# layer -> the layers it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "util": set(),
    "config": {"errors", "util"},
    "source": BASE,
    "resolve": BASE | {"source"},
    "results": BASE | {"source"},
    "store": BASE | {"source", "results"},  # full-mode results committed with the book
    "execute": BASE | {"source", "resolve", "results", "store", "outputs.notebooks"},
    "outputs": BASE | {"source", "resolve", "results"},
    "face": {"*"},
}


def layer(module: str) -> str:
    """The layer of a ``d2lbook.*`` module name."""
    parts = module.split(".")[1:]
    if not parts or parts[0] in ("cli", "commands", "serve", "__main__"):
        return "face"
    if parts[0] == "outputs" and parts[1:2] == ["notebooks"]:
        return "outputs.notebooks"
    return parts[0]


def allowed(src: str, dst: str) -> bool:
    a, b = layer(src), layer(dst)
    for m, x in ((src, a), (dst, b)):
        assert x in ALLOWED or x == "outputs.notebooks", \
            f"{m}: a new top-level module; give it a layer in tests/test_imports.py ALLOWED"
    if a == "outputs.notebooks":
        a = "outputs"
    if a == b or (a == "outputs" and b == "outputs.notebooks"):
        return True
    rules = ALLOWED[a]
    return "*" in rules or b in rules or (b == "outputs.notebooks" and "outputs" in rules)


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[str, int]]:
    """Every module ``path`` imports (absolute names), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append((mod, node.lineno))
            # ``from d2lbook import x`` may name a module
            out += [(f"{mod}.{a.name}", node.lineno) for a in node.names
                    if (ROOT / (mod + "." + a.name).replace(".", "/")).exists()
                    or (ROOT / ((mod + "." + a.name).replace(".", "/") + ".py")).exists()]
    return out


def violations() -> list[str]:
    bad = []
    for path in sorted((ROOT / "d2lbook").rglob("*.py")):
        me = module_name(path)
        for mod, line in imports(path):
            # ``from d2lbook import x`` names the package itself (which imports nothing)
            if mod.split(".")[0] == "d2lbook" and mod != "d2lbook" and not allowed(me, mod):
                bad.append(f"{path.relative_to(ROOT)}:{line}: {layer(me)} imports {mod}")
    for path in sorted((ROOT / "d2l").glob("*.py")):
        for mod, line in imports(path):
            if mod.split(".")[0] == "d2lbook":
                bad.append(f"{path.relative_to(ROOT)}:{line}: the library imports {mod}")
    return bad


def test_imports_flow_one_way():
    assert violations() == []


def test_the_rules_catch_a_forbidden_import():
    assert not allowed("d2lbook.outputs.html.render", "d2lbook.execute")
    assert not allowed("d2lbook.outputs.colab", "d2lbook.cli")
    assert not allowed("d2lbook.execute.scheduler", "d2lbook.outputs.library")
    assert not allowed("d2lbook.errors", "d2lbook.source.model")
    assert not allowed("d2lbook.source.parse", "d2lbook.resolve")
    assert not allowed("d2lbook.resolve", "d2lbook.results")
    assert allowed("d2lbook.execute.scheduler", "d2lbook.outputs.notebooks")
    assert allowed("d2lbook.commands.html", "d2lbook.execute")
    assert allowed("d2lbook.outputs.colab", "d2lbook.outputs.notebooks")
    assert not allowed("d2lbook.outputs.html.build", "d2lbook.store")
    assert allowed("d2lbook.commands", "d2lbook.store")


def test_every_import_is_seen_including_deferred_and_relative_ones(tmp_path):
    names = [m for m, _ in imports(ROOT / "d2lbook" / "execute" / "scheduler.py")]
    assert "d2lbook.outputs.notebooks" in names  # imported inside a function
    assert "d2lbook.execute.cache" in names  # ``from d2lbook.execute import cache``
