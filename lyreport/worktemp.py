"""The run's own temp folder inside the workspace (see workspace_temp); light, for `check` too."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .config import Workspace

TEMP_DIR = ".lyreport-tmp"


@contextlib.contextmanager
def workspace_temp(ws: Workspace, purpose: str, avoid: Path | None = None) -> Iterator[Path]:
    """A temp folder inside the workspace (not the system temp), named by our pid so leftovers are known.

    When the workspace lies inside `avoid` (an --inbox that holds the workspace), the system temp folder is
    used instead: extracted attachments must never land in the inbox being read.
    """
    root = ws.root / TEMP_DIR
    if avoid is not None and root.resolve().is_relative_to(Path(avoid).resolve()):
        root = Path(tempfile.gettempdir())
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-{purpose}-", dir=root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
