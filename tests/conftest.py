"""Fixtures shared by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from workspace_lib.config import Workspace

DATA_DIR = Path(__file__).parent / "data"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """An empty workspace folder in the test's temporary folder."""
    return Workspace.locate(tmp_path / "espace").ensure()


@pytest.fixture
def valid_dir() -> Path:
    """The small valid data set (employers, agents, absences, trainings of 2024)."""
    return DATA_DIR / "valid"
