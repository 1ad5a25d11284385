"""Shared fixtures for the d2lbook and library tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOKS = ROOT / "tests" / "books"


@pytest.fixture
def book_copy(tmp_path: Path):
    """Copy a test book from tests/books/<name> to a temporary folder."""

    def copy(name: str) -> Path:
        dest = tmp_path / name
        shutil.copytree(BOOKS / name, dest, ignore=shutil.ignore_patterns("_build", "lib"))
        return dest

    return copy


@pytest.fixture
def make_book(tmp_path: Path):
    """Write a small book from a dict of files; returns its folder."""

    def make(files: dict[str, str | bytes], config: str | None = None) -> Path:
        root = tmp_path / "book"
        root.mkdir(exist_ok=True)
        cfg = config if config is not None else (
            "[project]\nname = t\nlang = zh\n[build]\ntabs = pytorch, jax\n"
            "[library-pytorch]\nlib_file = lib/torch.py\nlib_name = torch\n")
        (root / "config.ini").write_text(cfg, encoding="utf-8")
        if "index.md" not in files:
            sections = [k[:-3] for k in files if k.endswith(".md")]
            toc = "\n".join(sections)
            (root / "index.md").write_text(f"# Book\n\n```toc\n:numbered:\n\n{toc}\n```\n",
                                           encoding="utf-8")
        for name, content in files.items():
            p = root / name
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                p.write_bytes(content)
            else:
                p.write_text(content, encoding="utf-8")
        return root

    return make
