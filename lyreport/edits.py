"""Outputs staff changed by hand are kept, never overwritten: a re-run puts the changed file beside the new one.

Staff add notes to 工作台账.xlsx during the week and polish a 通报 before sending it; a re-run (a late return
at 15:00, next Thursday's week) writes new files under the same names. Each run records the SHA-256 of what
it wrote. Before the next run replaces a file, one whose bytes are no longer what was written (or, with no
record, not what this run writes) is copied beside it as <name>-修改稿-<saved time>, and the run says so.
The copy is named by the file's own modification time, so running again keeps it once, not twice.
"""

from __future__ import annotations

import shutil
import sqlite3
import zipfile
from datetime import datetime
from pathlib import Path

from .archive import sha256_of
from .atomic import atomic_path
from .faults import LyreportError, os_message
from .problems import Problem, problem


def keep_edited(conn: sqlite3.Connection, list_id: str, outbox: Path, staged: dict[Path, Path]) -> list[Problem]:
    """Copy every output about to be replaced that staff may have changed; one warning per copy.

    A changed file that cannot be copied stops the run before anything is replaced."""
    said: list[Problem] = []
    for final, new in staged.items():
        try:
            if not final.is_file():
                continue
            now = sha256_of(final)
            written = _recorded(conn, list_id, _key(final, outbox))
            if now == written or (written is None and _same_content(final, new)):
                continue
            kept = _keep(final, now)
        except OSError as exc:
            raise LyreportError(
                f"《{final.name}》在上次生成后可能被修改过，本应先另存一份，但未能另存：{os_message(exc, final)}"
                "为免修改丢失，本次未做任何改动。"
            ) from None
        code = "output-edited-kept" if written is not None else "output-differs-kept"
        saved = _saved(final)
        said.append(problem(code, file=final.name, kept=kept.name, saved=f"{saved.month}月{saved.day}日{saved:%H:%M}"))
    return said


def record_written(conn: sqlite3.Connection, list_id: str, outbox: Path, staged: dict[Path, Path]) -> None:
    """Remember the bytes of each file this run writes (inside the run's transaction)."""
    conn.executemany(
        "INSERT OR REPLACE INTO outputs_written (list_id, name, sha256) VALUES (?, ?, ?)",
        [(list_id, _key(final, outbox), sha256_of(new)) for final, new in staged.items()],
    )


def _key(final: Path, outbox: Path) -> str:
    try:
        return final.relative_to(outbox).as_posix()
    except ValueError:
        return final.as_posix()


def _recorded(conn: sqlite3.Connection, list_id: str, key: str) -> str | None:
    row = conn.execute("SELECT sha256 FROM outputs_written WHERE list_id = ? AND name = ?", (list_id, key)).fetchone()
    return row[0] if row else None


def _same_content(old: Path, new: Path) -> bool:
    """The same bytes, or the same workbook/document saved at another time: every part of the two packages
    alike but the saving time in docProps/core.xml (forms are stamped with the time they were written)."""
    if sha256_of(old) == sha256_of(new):
        return True
    try:
        with zipfile.ZipFile(old) as a, zipfile.ZipFile(new) as b:
            names = a.namelist()
            if names != b.namelist() or len(names) > 200:
                return False
            return all(
                name == _CORE or (a.getinfo(name).file_size <= _PART_LIMIT and a.read(name) == b.read(name))
                for name in names
            )
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError, RuntimeError):
        return False


_CORE = "docProps/core.xml"
_PART_LIMIT = 32 * 1024 * 1024  # a file a person put there may be anything: never inflate it without bound


def _saved(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime)


def _keep(final: Path, digest: str) -> Path:
    """Copy `final` beside itself as <stem>-修改稿-<saved>; the same bytes already kept are not copied again."""
    stem = f"{final.stem}-修改稿-{_saved(final):%Y%m%d-%H%M}"
    for n in range(1, 100):
        kept = final.with_name(f"{stem}{'' if n == 1 else f'-{n}'}{final.suffix}")
        if not kept.exists():
            with atomic_path(kept) as tmp:
                shutil.copy2(final, tmp)
            return kept
        if sha256_of(kept) == digest:
            return kept
    raise OSError(0, "同名的修改稿已有 99 份")
