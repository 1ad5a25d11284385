"""The one way the browser tests start Chromium: Debian's build (Playwright's own
download does not work offline), headless, a fresh profile, nothing in the background."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = os.environ.get("D2LBOOK_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-default-apps", "--disable-extensions"]


def available() -> bool:
    return Path(CHROMIUM).exists()


def launch(pw, profile: Path, **context_args):
    """A persistent browser context (its own user-data folder ``profile``)."""
    return pw.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=ARGS, **context_args)
