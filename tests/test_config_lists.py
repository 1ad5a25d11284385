"""``[build] resources`` and ``exclusions`` are file lists that real books write
space-separated (d2l-en: ``resources = img/ d2l/ d2l.bib setup.py``), as d2lbook 1.0.3 reads them."""
from __future__ import annotations

from pathlib import Path

from d2lbook.config import load_config
from d2lbook.errors import Diagnostics
from d2lbook.outputs.notebooks import _copy_resources


def _book(tmp_path: Path, build: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "index.md").write_text("# Book\n", encoding="utf-8")
    (tmp_path / "config.ini").write_text("[project]\nname = t\n\n[build]\n" + build,
                                         encoding="utf-8")
    return tmp_path


def test_space_comma_and_newline_separated_lists(tmp_path):
    root = _book(tmp_path, "resources = img/ d2l/ d2l.bib,setup.py\n  static/x/\n"
                           "exclusions = README.md */*_origin.md contrib/*md\n")
    cfg = load_config(root, Diagnostics())
    assert cfg.resources == ["img/", "d2l/", "d2l.bib", "setup.py", "static/x/"]
    assert cfg.exclusions == ["README.md", "*/*_origin.md", "contrib/*md"]


def test_every_space_separated_resource_is_copied(tmp_path):
    root = _book(tmp_path / "book", "resources = img/ d2l.bib\n")
    (root / "img").mkdir()
    (root / "img" / "a.svg").write_text("<svg/>", encoding="utf-8")
    (root / "d2l.bib").write_text("@misc{x}", encoding="utf-8")
    cfg = load_config(root, Diagnostics())

    class B:
        config = cfg
    B.root = root
    dest = tmp_path / "out"
    _copy_resources(B, dest)
    assert (dest / "img" / "a.svg").read_text(encoding="utf-8") == "<svg/>"
    assert (dest / "d2l.bib").is_file()
