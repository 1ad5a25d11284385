"""Fixtures of the hostile-input suite (see hostile.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile import Sandbox


@pytest.fixture
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    return Sandbox(tmp_path, monkeypatch)
