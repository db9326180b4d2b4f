"""Switch a week's outputs in as one unit: the whole week folder is renamed into place at once.

A run renders everything into outbox/.~staging-*/<week>/; once the history is committed, the old week
folder is moved aside, the new one renamed in, and only then is the main 工作台账.xlsx replaced. A kill
between the two renames leaves the old folder as .~old-<week>-*, put back by the next run; on Linux the
two folders are swapped in one system call (renameat2 RENAME_EXCHANGE), so there is no such moment. A marker
file says "recorded but outputs not written" until the switch is complete, so the next run can say so.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .faults import fault_point

UNFINISHED = ".~unfinished-"
PLAIN_RENAME_ENV = "LYREPORT_PLAIN_RENAME"  # tests: exercise the portable two-rename switch on Linux too
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


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one system call (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux") or os.environ.get(PLAIN_RENAME_ENV) == "1":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return done == 0  # EINVAL/ENOSYS (old kernel, odd filesystem): fall back to two renames


def switch_in(staged_week: Path, folder: Path, staged_ledger: Path | None, ledger: Path) -> None:
    """Rename the staged week folder into place (one rename), then the main ledger (another)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    aside = None
    if folder.is_dir() and _exchange(staged_week, folder):
        fault_point("week-switched")
        if staged_ledger is not None:
            os.replace(staged_ledger, ledger)
            fault_point("ledger-switched")
        shutil.rmtree(staged_week, ignore_errors=True)  # now holds the old outputs
        return
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
