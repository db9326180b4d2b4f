"""Switch a week's outputs in as one unit: the whole week folder is renamed into place at once.

A run renders everything into outbox/.~staging-*/<week>/; once the history is committed, the old week
folder is moved aside, the new one renamed in, and only then is the main 工作台账.xlsx replaced. A kill
between the two renames leaves the old folder as .~old-<week>-*, put back by the next run. A marker
file says "recorded but outputs not written" until the switch is complete, so the next run can say so.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from .faults import fault_point

UNFINISHED = ".~unfinished-"
OLD = ".~old-"


def marker(base: Path, week: str) -> Path:
    return base / f"{UNFINISHED}{week}"


def unfinished_weeks(base: Path) -> list[str]:
    try:
        return sorted(p.name[len(UNFINISHED) :] for p in base.glob(UNFINISHED + "*"))
    except OSError:
        return []


def repair(base: Path) -> None:
    """Undo a switch that a kill interrupted: put an old week folder back if the new one never arrived."""
    if not base.is_dir():
        return
    for old in sorted(base.glob(OLD + "*")):
        week = old.name[len(OLD) :].split("#", 1)[0]
        with contextlib.suppress(OSError):
            if (base / week).exists():
                shutil.rmtree(old)
            else:
                old.rename(base / week)


def new_staging(outbox: Path) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".~staging-", dir=outbox))


def carry_over(folder: Path, staged_week: Path) -> None:
    """Things in the week folder this run does not write (e.g. templates/) move with it."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        target = staged_week / entry.name
        if target.exists() or entry.name.startswith(".~"):
            continue
        if entry.is_dir():
            shutil.copytree(entry, target)
        else:
            shutil.copy2(entry, target)


def switch_in(staged_week: Path, folder: Path, staged_ledger: Path | None, ledger: Path) -> None:
    """Rename the staged week folder into place (one rename), then the main ledger (another)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    aside = None
    if folder.exists():
        aside = folder.with_name(f"{OLD}{folder.name}#{os.getpid()}")
        folder.rename(aside)
        fault_point("week-moved-aside")
    try:
        staged_week.rename(folder)
    except OSError:
        if aside is not None:
            aside.rename(folder)  # the old outputs stay complete
        raise
    fault_point("week-switched")
    if staged_ledger is not None:
        os.replace(staged_ledger, ledger)
        fault_point("ledger-switched")
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
