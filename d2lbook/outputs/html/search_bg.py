"""The search index, updated in the background after a small change.

A full ``build html`` indexes the site with Pagefind before it returns. After an edit
that rewrote a few pages, ``build html`` returns as soon as the pages are written and a
detached process re-indexes the site: Pagefind writes into ``<site>/.pagefind-new``,
which then replaces ``<site>/pagefind`` (two renames), so a reader never sees a
half-written index; until then the previous index answers (the changed page's old
text). Runs are serialised by a lock file in the site; set ``D2LBOOK_SEARCH_SYNC=1``
to index before returning, always.

    python -m d2lbook.outputs.html.search_bg SITE PAGEFIND   (what the build starts)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

NEW = ".pagefind-new"
OLD = ".pagefind-old"
LOCK = ".pagefind.lock"


def pagefind_exe() -> str | None:
    try:
        from pagefind_bin_extended import get_executable

        return str(get_executable())
    except (ImportError, FileNotFoundError):
        return shutil.which("pagefind_extended") or shutil.which("pagefind")


def wanted(site_dir: Path, changed: int, total: int) -> bool:
    """Whether to index in the background: an index exists, few pages changed, and the
    user did not ask for a synchronous index."""
    return (not os.environ.get("D2LBOOK_SEARCH_SYNC")
            and (site_dir / "pagefind" / "pagefind.js").is_file()
            and changed <= max(3, total // 20))


def start(site_dir: Path) -> str:
    """Start the detached re-indexing process; returns the report's search status."""
    exe = pagefind_exe()
    if not exe:
        return "pagefind missing"
    subprocess.Popen([sys.executable, "-m", "d2lbook.outputs.html.search_bg", str(site_dir),
                      exe], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
    return "updating in the background"


def reindex(site_dir: Path, exe: str) -> int:
    import fcntl

    with open(site_dir / LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one indexer at a time; a later one waits
        new, old, cur = site_dir / NEW, site_dir / OLD, site_dir / "pagefind"
        shutil.rmtree(new, ignore_errors=True)
        proc = subprocess.run([exe, "--site", str(site_dir), "--output-subdir", NEW,
                               "--keep-index-url", "--quiet"], capture_output=True, check=False)
        if proc.returncode != 0 or not (new / "pagefind.js").is_file():
            shutil.rmtree(new, ignore_errors=True)
            return 1
        shutil.rmtree(old, ignore_errors=True)
        if cur.exists():
            os.rename(cur, old)
        os.rename(new, cur)
        shutil.rmtree(old, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(reindex(Path(sys.argv[1]), sys.argv[2]))
