"""Shared fixtures: a fresh workspace with the default lists, loaded master and directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from lyreport.master import load_directory, load_master
from lyreport.workspace import init_workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    init_workspace(root)
    return root


@pytest.fixture
def directory(workspace: Path):
    return load_directory(workspace / "templates" / "单位名录.xlsx")


@pytest.fixture
def master(workspace: Path, directory):
    loaded, _ = load_master(workspace / "templates" / "措施清单.xlsx", directory)
    return loaded
