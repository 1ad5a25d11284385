"""The hostile-input suite: bad books, bad settings and bad requests, each asserting the
clean outcome (an error naming ``file:line`` or the config key, a non-zero exit, and
nothing outside the build folder written, changed or deleted).

Every test works in a sandbox folder under pytest's tmp_path::

    sandbox/book/      the book (its build folder is book/_build)
    sandbox/outside/   files a hostile book would like to read, overwrite or delete
    sandbox/cache/     XDG_CACHE_HOME for the run (the parse and eval caches)

:meth:`Sandbox.snapshot` records every path under the sandbox except the build folder
and the caches (type, content hash, link target) so that a test can assert that a
command touched nothing else.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

SECTION = """# 第一节
:label:`sec_one`

正文。

```{.python .input}
#@save
def add_one(x):
    return x + 1
```

```{.python .input}
print(add_one(1))
```
"""
INDEX = "# 书\n\n```toc\n:numbered:\n\nchapter_one/one\n```\n"
CONFIG = "[project]\nname = hostile\nlang = zh\n\n[build]\ntabs = pytorch\n"


@dataclass
class Result:
    rc: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


class Sandbox:
    def __init__(self, tmp: Path, monkeypatch: pytest.MonkeyPatch):
        self.root = tmp / "sandbox"
        self.book = self.root / "book"
        self.outside = self.root / "outside"
        self.cache = self.root / "cache"
        for d in (self.book, self.outside, self.cache):
            d.mkdir(parents=True)
        (self.outside / "secret.txt").write_text("do not copy or delete\n")
        (self.outside / "page.md").write_text("# 外部\n\n外部的文件。\n")
        (self.outside / "page.ipynb").write_text('{"precious": true}\n')
        (self.outside / "page.html").write_text("<p>precious</p>\n")
        (self.outside / "keep").mkdir()
        (self.outside / "keep" / "a.txt").write_text("a\n")
        monkeypatch.setenv("XDG_CACHE_HOME", str(self.cache))
        monkeypatch.setenv("D2LBOOK_NO_PARSE_CACHE", "1")
        monkeypatch.chdir(self.root)
        self.write({"index.md": INDEX, "chapter_one/one.md": SECTION}, CONFIG)

    @property
    def build(self) -> Path:
        return self.book / "_build"

    def write(self, files: dict[str, str | bytes], config: str | None = None) -> Path:
        if config is not None:
            (self.book / "config.ini").write_text(config, encoding="utf-8")
        for name, content in files.items():
            p = self.book / name
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                p.write_bytes(content)
            else:
                p.write_text(content, encoding="utf-8")
        return self.book

    def config(self, extra: str) -> None:
        """Add ``[section]`` lines to config.ini, merged into a section already there."""
        path = self.book / "config.ini"
        lines = path.read_text(encoding="utf-8").splitlines()
        section = None
        for line in extra.splitlines():
            if line.startswith("["):
                section = line.strip()
                if section not in lines:
                    lines += ["", section]
                continue
            start = lines.index(section) + 1 if section in lines else len(lines)
            end = next((i for i in range(start, len(lines)) if lines[i].startswith("[")),
                       len(lines))
            key = line.split("=")[0].strip()
            lines[start:end] = [ln for ln in lines[start:end]
                                if ln.split("=")[0].strip() != key or not key]
            lines.insert(start, line)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def run(self, *argv: str) -> Result:
        """``d2lbook ARGV --book BOOK`` in this process; an exception escaping it is a
        traceback and fails the test. argparse's own exit (status 2) is returned."""
        from d2lbook.cli import main

        out, err = io.StringIO(), io.StringIO()
        args = [*argv]
        if "--book" not in args:
            args += ["--book", str(self.book)]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(args)
            except SystemExit as e:  # argparse: bad arguments
                rc = e.code if isinstance(e.code, int) else 2
        return Result(rc, out.getvalue(), err.getvalue())

    def run_clean(self, *argv: str) -> Result:
        """:meth:`run`, asserting that nothing outside the build folder changed."""
        before = self.snapshot()
        result = self.run(*argv)
        after = self.snapshot()
        changed = sorted(k for k in before.keys() | after.keys()
                         if before.get(k) != after.get(k))
        assert not changed, (changed, result.text)
        return result

    def snapshot(self, skip: tuple[Path, ...] = ()) -> dict[str, tuple]:
        """Every path under the sandbox but the build folder, the caches and ``skip``."""
        skipped = [self.build, self.cache, *skip]
        snap: dict[str, tuple] = {}
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=False):
            d = Path(dirpath)
            dirnames[:] = [n for n in dirnames if d / n not in skipped]
            for name in dirnames + filenames:
                p = d / name
                if p in skipped:
                    continue
                rel = p.relative_to(self.root).as_posix()
                if p.is_symlink():
                    snap[rel] = ("link", os.readlink(p))
                elif p.is_dir():
                    snap[rel] = ("dir",)
                else:
                    st = p.stat()
                    digest = hashlib.sha256(p.read_bytes()).hexdigest()
                    snap[rel] = ("file", digest, st.st_mtime_ns, st.st_mode)
        return snap

    def outside_files(self) -> dict[str, str]:
        return {p.relative_to(self.outside).as_posix(): p.read_text()
                for p in sorted(self.outside.rglob("*")) if p.is_file()}


def assert_refused(result: Result, *needles: str) -> None:
    """A clean failure: non-zero exit, every ``needle`` in the message, no traceback."""
    assert result.rc != 0, result.text
    assert "Traceback" not in result.text, result.text
    for n in needles:
        assert n in result.text, (n, result.text)
