"""The project's own promises: README's commands are the ones CI and make run, the
library in d2l/ matches the book, and the book itself has no errors."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from d2lbook.cli import main

ROOT = Path(__file__).resolve().parent.parent


def readme_test_command() -> str:
    out = subprocess.run(
        ["awk", r"/<!-- test-command -->/{f=1; next} f && /^```/{if (b) exit; b=1; next} f && b",
         str(ROOT / "README.md")], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_ci_runs_the_readme_test_command():
    cmd = readme_test_command()
    assert cmd == "make test"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in ci and 'bash -c "$cmd"' in ci
    make = (ROOT / "Makefile").read_text()
    test_target = re.search(r"^test:.*\n((?:\t.*\n)+)", make, re.M).group(1)
    assert "ruff check" in test_target and "pytest" in test_target


def test_readme_names_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "\nmake book\n" in readme and "\nmake test\n" in readme
    make = (ROOT / "Makefile").read_text()
    assert re.search(r"^book:", make, re.M) and re.search(r"^test:", make, re.M)


def test_book_has_no_errors(capsys):
    assert main(["check", "--book", str(ROOT / "book")]) == 0, capsys.readouterr().err


def test_library_matches_the_book(capsys):
    rc = main(["build", "lib", "--check", "--book", str(ROOT / "book")])
    assert rc == 0, capsys.readouterr().out[-3000:]
