"""History of weeks in an embedded sqlite database, plus an archive of every processed input.

Re-running a week replaces that week's records in one transaction; other weeks are untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .atomic import commit_files, temp_beside
from .models import HistoryView, PreviousState, ReturnRow, WeekResult

DB_NAME = "history.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS weeks (
    list_id TEXT NOT NULL, week TEXT NOT NULL, deadline TEXT NOT NULL, period INTEGER NOT NULL,
    summary TEXT NOT NULL, PRIMARY KEY (list_id, week));
CREATE TABLE IF NOT EXISTS unit_weeks (
    list_id TEXT NOT NULL, week TEXT NOT NULL, unit TEXT NOT NULL, state TEXT NOT NULL,
    received_at TEXT, contact TEXT, phone TEXT, PRIMARY KEY (list_id, week, unit));
CREATE TABLE IF NOT EXISTS measure_weeks (
    list_id TEXT NOT NULL, week TEXT NOT NULL, no INTEGER NOT NULL, status TEXT, light TEXT NOT NULL,
    overdue INTEGER NOT NULL, closed INTEGER NOT NULL, PRIMARY KEY (list_id, week, no));
CREATE TABLE IF NOT EXISTS rows (
    list_id TEXT NOT NULL, week TEXT NOT NULL, unit TEXT NOT NULL, measure_no INTEGER NOT NULL,
    role TEXT, status TEXT, progress TEXT, issues TEXT, next_steps TEXT, expected TEXT, remark TEXT,
    file TEXT, received_at TEXT);
CREATE INDEX IF NOT EXISTS rows_week ON rows (list_id, week);
CREATE TABLE IF NOT EXISTS inputs (
    list_id TEXT NOT NULL, week TEXT NOT NULL, sha256 TEXT NOT NULL, name TEXT NOT NULL,
    archived TEXT NOT NULL, received_at TEXT NOT NULL, PRIMARY KEY (list_id, week, sha256));
"""


@dataclass
class ArchivedInput:
    """An inbox file kept under history/archive/<list>/<week>/ so the week can be rebuilt."""

    sha256: str
    name: str  # path relative to the inbox
    archived: Path
    received_at: datetime


def open_history(folder: Path) -> sqlite3.Connection:
    """Open (creating if needed) the history database; callers manage transactions."""
    folder.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(folder / DB_NAME, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.executescript(_SCHEMA)
    return conn


def previous_state(conn: sqlite3.Connection, list_id: str, week: date) -> PreviousState:
    """What earlier weeks (strictly before `week`) say: last statuses, last rows, unit states."""
    state = PreviousState()
    last = conn.execute(
        "SELECT max(week) FROM weeks WHERE list_id=? AND week<?", (list_id, week.isoformat())
    ).fetchone()[0]
    if last is None:
        return state
    state.week = date.fromisoformat(last)
    for no, status, overdue in conn.execute(
        "SELECT no, status, overdue FROM measure_weeks WHERE list_id=? AND week=?", (list_id, last)
    ):
        state.measure_status[no] = status
        state.measure_overdue[no] = bool(overdue)
    for row in conn.execute(
        "SELECT unit, measure_no, status, progress, issues, next_steps, expected, remark, role FROM rows "
        "WHERE list_id=? AND week<? ORDER BY week",
        (list_id, week.isoformat()),
    ):
        unit, no, status, progress, issues, next_steps, expected, remark, role = row
        state.last_rows[(unit, no)] = ReturnRow(
            no,
            status,
            progress or "",
            issues or "",
            next_steps or "",
            date.fromisoformat(expected) if expected else None,
            remark or "",
            role or "",
        )
    state.unit_states = [
        (date.fromisoformat(w), u, s)
        for w, u, s in conn.execute(
            "SELECT week, unit, state FROM unit_weeks WHERE list_id=? AND week<? ORDER BY week",
            (list_id, week.isoformat()),
        )
    ]
    return state


def latest_week(conn: sqlite3.Connection, list_id: str) -> date | None:
    last = conn.execute("SELECT max(week) FROM weeks WHERE list_id=?", (list_id,)).fetchone()[0]
    return date.fromisoformat(last) if last else None


def recorded_period(conn: sqlite3.Connection, list_id: str, week: date) -> int | None:
    found = conn.execute("SELECT period FROM weeks WHERE list_id=? AND week=?", (list_id, week.isoformat())).fetchone()
    return found[0] if found else None


def week_inputs(conn: sqlite3.Connection, list_id: str, week: date) -> list[str]:
    """SHA-256 of the archived inputs of a recorded week."""
    query = "SELECT sha256 FROM inputs WHERE list_id=? AND week=?"
    return [sha for (sha,) in conn.execute(query, (list_id, week.isoformat()))]


def period_rank(conn: sqlite3.Connection, list_id: str, week: date) -> int:
    """1-based position of `week` among the recorded weeks (counting it even if not yet recorded)."""
    earlier = conn.execute(
        "SELECT count(*) FROM weeks WHERE list_id=? AND week<?", (list_id, week.isoformat())
    ).fetchone()[0]
    return earlier + 1


def replace_week(
    conn: sqlite3.Connection, result: WeekResult, summary: dict[str, Any], inputs: list[ArchivedInput]
) -> None:
    """Replace every record of the result's week; the caller wraps this in a transaction."""
    key = (result.list_id, result.week.isoformat())
    for table in ("weeks", "unit_weeks", "measure_weeks", "rows"):
        conn.execute(f"DELETE FROM {table} WHERE list_id=? AND week=?", key)
    conn.execute(
        "INSERT INTO weeks VALUES (?,?,?,?,?)",
        (*key, result.deadline.isoformat(), result.period, json.dumps(summary, ensure_ascii=False)),
    )
    conn.executemany(
        "INSERT INTO unit_weeks VALUES (?,?,?,?,?,?,?)",
        [(*key, u.name, u.state, _iso(u.received_at), u.contact, u.phone) for u in result.units],
    )
    conn.executemany(
        "INSERT INTO measure_weeks VALUES (?,?,?,?,?,?,?)",
        [(*key, m.no, m.status, m.light, int(m.overdue), int(m.closed)) for m in result.measures],
    )
    conn.executemany("INSERT INTO rows VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", list(_row_records(result)))
    # Inputs accumulate: a file archived for this week stays referenced even if it left the inbox.
    conn.executemany(
        "INSERT OR REPLACE INTO inputs VALUES (?,?,?,?,?,?)",
        [(*key, a.sha256, a.name, str(a.archived), a.received_at.isoformat()) for a in inputs],
    )


def _row_records(result: WeekResult):
    key = (result.list_id, result.week.isoformat())
    for ret in result.returns:
        for row in ret.rows:
            measure = next((m for m in result.measures if m.no == row.measure_no), None)
            role = measure.measure.role_of(ret.unit) if measure and ret.unit else row.role
            yield (
                *key,
                ret.unit,
                row.measure_no,
                role,
                row.status,
                row.progress,
                row.issues,
                row.next_steps,
                _iso(row.expected),
                row.remark,
                ret.file.display,
                _iso(ret.file.received_at),
            )


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def history_view(conn: sqlite3.Connection, list_id: str, up_to: date) -> HistoryView:
    """All weeks up to and including `up_to`, shaped for the ledger."""
    week_filter = (list_id, up_to.isoformat())
    weeks = [
        date.fromisoformat(w)
        for (w,) in conn.execute("SELECT week FROM weeks WHERE list_id=? AND week<=? ORDER BY week", week_filter)
    ]
    states = {
        (date.fromisoformat(w), u): s
        for w, u, s in conn.execute("SELECT week, unit, state FROM unit_weeks WHERE list_id=? AND week<=?", week_filter)
    }
    columns = [
        "week",
        "unit",
        "measure_no",
        "role",
        "status",
        "progress",
        "issues",
        "next_steps",
        "expected",
        "remark",
        "file",
        "received_at",
    ]
    rows = []
    for record in conn.execute(
        f"SELECT {', '.join(columns)} FROM rows WHERE list_id=? AND week<=? ORDER BY week, unit, measure_no",
        week_filter,
    ):
        item = dict(zip(columns, record, strict=True))
        item["week"] = date.fromisoformat(item["week"])
        item["expected"] = date.fromisoformat(item["expected"]) if item["expected"] else None
        item["received_at"] = datetime.fromisoformat(item["received_at"]) if item["received_at"] else None
        rows.append(item)
    return HistoryView(weeks, states, rows)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def archive_inputs(
    archive_root: Path, list_id: str, week: date, inbox: Path, originals: dict[Path, datetime]
) -> list[ArchivedInput]:
    """Copy each inbox file (with its arrival time) into the week's archive folder, named by SHA-256."""
    folder = archive_root / list_id / week.isoformat()
    kept = []
    pending: dict[Path, Path] = {}  # target -> its copy, renamed into place together once durable
    try:
        for original, received_at in sorted(originals.items()):
            digest = sha256_of(original)
            target = folder / f"{digest[:16]}{original.suffix.lower()}"
            if target not in pending and not target.exists():
                pending[target] = temp_beside(target)
                shutil.copyfile(original, pending[target])
            try:
                name = original.relative_to(inbox).as_posix()
            except ValueError:
                name = original.name
            kept.append(ArchivedInput(digest, name, target, received_at))
        commit_files([(tmp, target) for target, tmp in pending.items()])
    finally:
        for tmp in pending.values():
            tmp.unlink(missing_ok=True)
    return kept


def restore_inputs(conn: sqlite3.Connection, list_id: str, week: date, inbox: Path) -> int:
    """Lay the archived inputs of a week out as an inbox again, arrival times as file times."""
    count = 0
    for name, archived, received_at in conn.execute(
        "SELECT name, archived, received_at FROM inputs WHERE list_id=? AND week=?", (list_id, week.isoformat())
    ):
        target = inbox / Path(name).name if ".." in Path(name).parts else inbox / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(archived, target)
        stamp = datetime.fromisoformat(received_at).timestamp()
        os.utime(target, (stamp, stamp))
        count += 1
    return count
