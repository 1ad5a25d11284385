"""Colab-ready copies of the notebooks: ``d2lbook build colab``.

For each tab that ``[colab] github_repo`` names, every section's notebook (with the
outputs of ``d2lbook build eval`` where they match) is written to
``<output_dir>/colab/<tab>/<section>.ipynb``, ready to be pushed to that repository:

* a first code cell installs what the notebook needs and Colab lacks: the ``[colab]
  libs`` entries whose import name the notebook imports, then the section's
  ``#required_libs(...)`` (after an optional markdown ``libs_header``);
* the kernel is the plain ``python3`` one Colab provides, and notebooks whose code
  mentions ``gpu_pattern`` (default ``gpu``) ask Colab for a GPU;
* images under the folder named by ``replace_svg_url`` link to where the website
  publishes them, since Colab sees the notebook alone.

The website's pages link each tab's copy on Colab (``html`` output).
"""

from __future__ import annotations

import ast
import copy
import json
import posixpath
import re
from pathlib import Path

import nbformat

from d2lbook.config import ColabConfig
from d2lbook.errors import Diagnostics
from d2lbook.results import fill_outputs
from d2lbook.source.aliases import mask_magics
from d2lbook.util import atomic_write

_IMAGE = re.compile(r"(!\[[^\]]*\]\()([^)\s]+)(\s*(?:\"[^\"]*\")?\))|(<img\b[^>]*?\bsrc=\")([^\"]+)(\")")


def imported_modules(nb) -> list[str]:
    """Top-level package names the notebook's code imports, in order of appearance."""
    seen: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(mask_magics(cell.source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for n in names:
                top = n.split(".")[0]
                if top not in seen:
                    seen.append(top)
    return seen


def colab_notebook(nb, tab: str, colab: ColabConfig, section_path: str):
    """The Colab-ready copy of one section's notebook (``nb`` is not changed)."""
    nb = copy.deepcopy(nb)
    meta = nb.metadata
    meta["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    code = [c for c in nb.cells if c.cell_type == "code"]
    if colab.gpu_pattern and any(colab.gpu_pattern in c.source for c in code):
        meta["accelerator"] = "GPU"
        meta.setdefault("colab", {})["gpuType"] = "T4"
    wanted = dict(colab.libs.get(tab, []))
    installs = [wanted[m] for m in imported_modules(nb) if m in wanted]
    installs += list(meta.get("d2lbook", {}).get("required_libs", []))
    if installs:
        cells = [nbformat.v4.new_code_cell(
            "\n".join(f"!pip install {spec}" for spec in dict.fromkeys(installs)))]
        if colab.libs_header:
            cells.insert(0, nbformat.v4.new_markdown_cell(colab.libs_header))
        for i, c in enumerate(cells):
            c["id"] = f"colab{i}"
        nb.cells[:0] = cells
    if colab.image_url:
        folder, url = colab.image_url
        here = posixpath.dirname(section_path)

        def link(path: str) -> str:
            if re.match(r"^[a-z][a-z0-9+.-]*:|^/|^#", path, re.I):
                return path
            target = posixpath.normpath(posixpath.join(here, path))
            if target == folder or target.startswith(folder + "/"):
                return url + target[len(folder):]
            return path

        def sub(m: re.Match) -> str:
            if m.group(1):
                return m.group(1) + link(m.group(2)) + m.group(3)
            return m.group(4) + link(m.group(5)) + m.group(6)

        for c in nb.cells:
            if c.cell_type == "markdown":
                c.source = _IMAGE.sub(sub, c.source)
    return nb


def build_colab(book, refs, tabs: list[str], diags: Diagnostics | None = None,
                results: dict[str, dict] | None = None) -> list[Path]:
    """Write the Colab copies for ``tabs`` (those with a repository); returns the paths.
    ``results``: ``{tab: {section path: SectionResult}}`` whose outputs the copies show."""
    from d2lbook.outputs.notebooks import has_code, section_notebook

    colab = book.config.colab
    if colab is None:
        return []
    paths = []
    out = book.config.output_dir / "colab"
    for tab in tabs:
        if tab not in colab.repos:
            continue
        tab_results = (results or {}).get(tab, {})
        for section in book.ordered():
            nb = section_notebook(book, section, tab, refs)
            if not has_code(nb):
                continue  # prose-only pages have nothing to run on Colab
            fill_outputs(nb, tab_results.get(section.path))
            nb = colab_notebook(nb, tab, colab, section.path)
            path = out / tab / (section.path + ".ipynb")
            text = json.dumps(nb, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
            if not (path.exists() and path.read_text(encoding="utf-8") == text):
                atomic_write(path, text)
            paths.append(path)
    return paths
