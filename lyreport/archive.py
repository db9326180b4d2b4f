"""The archive of every processed input: history/archive/<list>/<week>/, files named by SHA-256, and a
manifest.json per week, so that a week can be rebuilt (restore) even if the history database is lost.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .atomic import atomic_write_text, commit_files
from .faults import changed_during_run
from .intake.sidecar import SIDECAR_SUFFIX
from .models import stat_signature
from .textsafe import shown


@dataclass
class ArchivedInput:
    """An inbox file kept under history/archive/<list>/<week>/ so the week can be rebuilt."""

    sha256: str
    name: str  # path relative to the inbox
    archived: Path  # relative to the archive root
    received_at: datetime
    parts: tuple[tuple[str, str], ...] = ()  # of a mail or zip: (SHA-256, name shown) of each workbook in it


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class ArchiveError(Exception):
    """Archived inputs are missing or altered; the message names them, in Chinese."""


MANIFEST = "manifest.json"


def db_name(name: str) -> str | bytes:
    """A file name for the database: text, or its raw bytes when it is not valid UTF-8."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape")


def from_db_name(value: str | bytes) -> str:
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


def archived_file(archive_root: Path, list_id: str, week: date, sha256: str, name: str) -> Path:
    """Where an input lives in the archive: derived from its content, never from a stored absolute path,
    so a renamed or copied workspace reads its own archive."""
    return archive_root / list_id / week.isoformat() / f"{sha256[:16]}{Path(name).suffix.lower()}"


def archive_inputs(
    archive_root: Path,
    list_id: str,
    week: date,
    inbox: Path,
    originals: dict[Path, datetime],
    *,
    parts: dict[Path, tuple[tuple[str, str], ...]] | None = None,
    seen: dict[Path, tuple[int, int]] | None = None,
    period: int | None = None,
) -> list[ArchivedInput]:
    """Copy each inbox file (with its arrival time) into the week's archive folder, named by SHA-256;
    `parts`: the workbooks found inside an inbox mail or zip, (SHA-256, name shown), kept with it.

    A manifest.json beside them lists names and arrival times, and the week's 期数, so the history can be
    rebuilt from the archive alone if the database is lost, each week under the number it was issued with
    (the rebuild opens the mails and zips again). `seen`: (size, mtime_ns) of each file when it was read; a
    file changed since (overwritten while the run went on) stops the archive (LyreportError), since the copy
    kept would not be what the week's results were read from.
    """
    parts = parts or {}
    folder = archive_root / list_id / week.isoformat()
    kept = []
    pending: dict[Path, Path] = {}  # target -> its copy, renamed into place together once durable
    # The copies are made in one temp folder beside the targets (one mkdtemp, each file created once,
    # already with the office-readable mode): a temp file per copy cost ~0.3 ms each on a 1,000-file week.
    scratch: Path | None = None
    try:
        for original, received_at in sorted(originals.items()):
            digest = sha256_of(original)
            try:
                name = original.relative_to(inbox).as_posix()
            except ValueError:
                name = original.name
            target = archived_file(archive_root, list_id, week, digest, name)
            if target not in pending and (not target.exists() or sha256_of(target) != digest):
                if scratch is None:
                    folder.mkdir(parents=True, exist_ok=True)
                    scratch = Path(tempfile.mkdtemp(prefix=".~tmp-", dir=folder))
                pending[target] = scratch / target.name
                _copy_new(original, pending[target])
            _check_unchanged(original, name, (seen or {}).get(original))
            kept.append(
                ArchivedInput(digest, name, target.relative_to(archive_root), received_at, parts.get(original, ()))
            )
        commit_files([(tmp, target) for target, tmp in pending.items()])
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    # A week nobody answered is still a week to rebuild; a re-run that adds nothing leaves the file alone.
    entries = {e["sha256"]: e for e in read_manifest(folder)}
    for a in kept:
        entries[a.sha256] = {"sha256": a.sha256, "name": a.name, "received_at": a.received_at.isoformat()}
    write_manifest(folder, list(entries.values()), period if period is not None else manifest_period(folder))
    return kept


def _check_unchanged(original: Path, name: str, seen: tuple[int, int] | None) -> None:
    """After hashing and copying: the file is still the one read (size and modification time)."""
    if seen is None:
        return
    try:
        now: tuple[int, int] | None = stat_signature(original.stat())
    except OSError:
        now = None
    if now != seen:
        raise changed_during_run([name])


def write_manifest(folder: Path, entries: list[dict[str, str]], period: int | None) -> None:
    """The week's manifest.json: its files by SHA-256 and, first, {"period": N}, the 期数 it was issued
    with (an entry without "sha256", which versions that predate it skip). Written only if it changes."""
    listed: list[dict[str, Any]] = sorted(entries, key=lambda e: e["sha256"])
    if period is not None:
        listed.insert(0, {"period": period})
    text = json.dumps(listed, indent=1) + "\n"  # ASCII: any name survives
    try:
        if (folder / MANIFEST).read_text(encoding="utf-8") == text:
            return
    except (OSError, ValueError):
        pass
    atomic_write_text(folder / MANIFEST, text)


def _copy_new(source: Path, target: Path) -> None:
    """Copy into a file that must not exist yet, created readable by the office (as temp_beside does)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    with open(fd, "wb") as out, open(source, "rb") as src:
        shutil.copyfileobj(src, out, 1 << 20)


def manifest_readable(folder: Path) -> bool:
    """Whether the week's manifest.json is a JSON list (a damaged one would read as a week with no files)."""
    try:
        return isinstance(json.loads((folder / MANIFEST).read_text(encoding="utf-8")), list)
    except (OSError, ValueError):
        return False


def _manifest(folder: Path) -> list[Any]:
    try:
        entries = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return entries if isinstance(entries, list) else []


def read_manifest(folder: Path) -> list[dict[str, str]]:
    """The archived files of a week (name, SHA-256, arrival time)."""
    return [e for e in _manifest(folder) if isinstance(e, dict) and {"sha256", "name", "received_at"} <= e.keys()]


def manifest_period(folder: Path) -> int | None:
    """The 期数 the week was archived with; None for a manifest written before it was kept."""
    for e in _manifest(folder):
        if isinstance(e, dict) and "sha256" not in e:
            period = e.get("period")
            return period if isinstance(period, int) and not isinstance(period, bool) and period > 0 else None
    return None


def restore_inputs(conn: sqlite3.Connection, archive_root: Path, list_id: str, week: date, inbox: Path) -> int | None:
    """Lay the archived inputs of a week out as an inbox again, arrival times as file times.

    The number of files, 0 for an archived week nobody answered, None if the week was never archived.

    Each file is checked against its SHA-256 first; any missing or altered file stops the rebuild
    (ArchiveError naming them) rather than rebuilding the week from partial inputs.
    """
    folder = archive_root / list_id / week.isoformat()
    entries = {e["sha256"]: (e["name"], e["received_at"]) for e in read_manifest(folder)}
    known = (folder / MANIFEST).is_file()
    for sha, name, received_at in conn.execute(
        "SELECT sha256, name, received_at FROM inputs WHERE list_id=? AND week=?", (list_id, week.isoformat())
    ):
        entries[sha] = (from_db_name(name), received_at)
        known = True
    if not known:
        return None
    bad = []
    for sha, (name, _) in sorted(entries.items()):
        source = archived_file(archive_root, list_id, week, sha, name)
        if not source.is_file():
            bad.append(f"{source}（原文件《{shown(name)}》）：文件不存在")
        elif sha256_of(source) != sha:
            bad.append(f"{source}（原文件《{shown(name)}》）：内容已被改动（SHA-256 不符）")
    if bad:
        raise ArchiveError(
            "历史存档中以下文件缺失或已被改动，无法据此重建 " + week.isoformat() + " 这一周：\n  " + "\n  ".join(bad)
        )
    for sha, (name, received_at) in sorted(entries.items()):
        target = inbox / Path(name).name if ".." in Path(name).parts or Path(name).is_absolute() else inbox / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(archived_file(archive_root, list_id, week, sha, name), target)
        stamp = datetime.fromisoformat(received_at).timestamp()
        os.utime(target, (stamp, stamp))
        if target.suffix.lower() == ".eml":  # discover reads an e-mail's arrival time from its record, not mtime
            atomic_write_text(target.with_name(target.name + SIDECAR_SUFFIX), json.dumps({"received_at": received_at}))
    return len(entries)


def release_period(conn: sqlite3.Connection, archive_root: Path, list_id: str, week: date, period: int) -> None:
    """`week` was recorded as 第`period`期: an archived week that is not recorded (its run failed or was
    killed after archiving) no longer claims that number in its manifest, so a restore cannot take it for
    the week it was issued with. Reads only the manifests of such weeks (usually none)."""
    recorded = {w for (w,) in conn.execute("SELECT week FROM weeks WHERE list_id=?", (list_id,))}
    try:
        folders = [p for p in (archive_root / list_id).iterdir() if p.name not in recorded and p.is_dir()]
    except OSError:
        return
    for folder in folders:
        if folder.name != week.isoformat() and manifest_period(folder) == period:
            write_manifest(folder, read_manifest(folder), None)


# PRAGMA user_version once every recorded week's manifest carries its 期数 (see backfill_manifests).
_PERIODS_IN_MANIFESTS = 1


def backfill_manifests(conn: sqlite3.Connection, archive_root: Path) -> None:
    """Archives written before manifests existed get one from the database while it is still intact;
    once per database, manifests written before they kept the 期数 get it from the database too."""
    periods = {(lst, w): p for lst, w, p in conn.execute("SELECT list_id, week, period FROM weeks")}
    weeks = conn.execute("SELECT DISTINCT list_id, week FROM inputs").fetchall()
    for list_id, week in weeks:
        folder = archive_root / list_id / week
        if not folder.is_dir() or (folder / MANIFEST).exists():
            continue
        query = "SELECT sha256, name, received_at FROM inputs WHERE list_id=? AND week=? ORDER BY sha256"
        entries = [
            {"sha256": sha, "name": from_db_name(name), "received_at": at}
            for sha, name, at in conn.execute(query, (list_id, week))
        ]
        write_manifest(folder, entries, periods.get((list_id, week)))
    if conn.execute("PRAGMA user_version").fetchone()[0] >= _PERIODS_IN_MANIFESTS:
        return
    for (list_id, week), period in sorted(periods.items()):
        folder = archive_root / list_id / week
        if (folder / MANIFEST).is_file() and manifest_period(folder) != period:
            write_manifest(folder, read_manifest(folder), period)
    conn.execute(f"PRAGMA user_version={_PERIODS_IN_MANIFESTS}")
