"""History of weeks in an embedded sqlite database (the archive of the inputs themselves: archive.py).

Re-running a week replaces that week's records in one transaction; other weeks are untouched.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .archive import ArchivedInput, db_name, from_db_name, sha256_of
from .models import HistoryView, PreviousState, ReturnRow, SourceFile, WeekResult
from .placing import Placer, text_key

if TYPE_CHECKING:
    from .models import MasterList
    from .unitnames import UnitDirectory

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
CREATE TABLE IF NOT EXISTS measure_texts (
    list_id TEXT NOT NULL, week TEXT NOT NULL, no INTEGER NOT NULL, text TEXT NOT NULL, units TEXT NOT NULL,
    PRIMARY KEY (list_id, week, no));
CREATE TABLE IF NOT EXISTS inputs (
    list_id TEXT NOT NULL, week TEXT NOT NULL, sha256 TEXT NOT NULL, name TEXT NOT NULL,
    archived TEXT NOT NULL, received_at TEXT NOT NULL, PRIMARY KEY (list_id, week, sha256));
CREATE TABLE IF NOT EXISTS outputs_written (
    list_id TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (list_id, name));
CREATE TABLE IF NOT EXISTS input_parts (
    list_id TEXT NOT NULL, week TEXT NOT NULL, input_sha256 TEXT NOT NULL, sha256 TEXT NOT NULL, name TEXT NOT NULL,
    PRIMARY KEY (list_id, week, input_sha256, sha256));
"""


def open_history(folder: Path) -> sqlite3.Connection:
    """Open (creating if needed) the history database; callers manage transactions."""
    folder.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(folder / DB_NAME, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.executescript(_SCHEMA)
    return conn


def previous_state(
    conn: sqlite3.Connection,
    list_id: str,
    week: date,
    master: MasterList | None = None,
    directory: UnitDirectory | None = None,
) -> PreviousState:
    """What earlier weeks (strictly before `week`) say: last statuses, last rows, unit states.

    With the current master list and unit directory, the history is read in today's terms: a unit name
    that is now an alias is that unit, and a measure's history applies only to the same measure (same
    text as recorded that week, found by text if it was renumbered); what no longer fits is not carried
    and is listed in `history_differs`.
    """
    state = PreviousState()
    last = conn.execute(
        "SELECT max(week) FROM weeks WHERE list_id=? AND week<?", (list_id, week.isoformat())
    ).fetchone()[0]
    if last is None:
        return state
    state.week = date.fromisoformat(last)
    place = Placer(conn, list_id, week, master, directory)
    records = conn.execute(
        "SELECT week, unit, measure_no, status, progress, issues, next_steps, expected, remark, role FROM rows "
        "WHERE list_id=? AND week<? ORDER BY week",
        (list_id, week.isoformat()),
    ).fetchall()
    for w, unit, no, *_ in records:
        place.saw(w, place.unit(unit), no)
    for w, unit, no, status, progress, issues, next_steps, expected, remark, role in records:
        now = place.measure(w, no)
        if now is None:
            continue
        state.last_rows[(place.unit(unit), now)] = ReturnRow(
            now,
            status,
            progress or "",
            issues or "",
            next_steps or "",
            date.fromisoformat(expected) if expected else None,
            remark or "",
            role or "",
        )
    for no, status, overdue in conn.execute(
        "SELECT no, status, overdue FROM measure_weeks WHERE list_id=? AND week=?", (list_id, last)
    ):
        now = place.measure(last, no)
        if now is not None:
            state.measure_status[now] = status
            state.measure_overdue[now] = bool(overdue)
    state.unit_states = [
        (date.fromisoformat(w), place.unit(u), s)
        for w, u, s in conn.execute(
            "SELECT week, unit, state FROM unit_weeks WHERE list_id=? AND week<? ORDER BY week",
            (list_id, week.isoformat()),
        )
    ]
    state.history_unknown_units = place.unknown_units(u for w, u, _ in state.unit_states if w == state.week)
    state.history_differs = sorted(place.differs - set(place.moved))
    state.history_moved = dict(sorted(place.moved.items()))
    return state


def latest_week(conn: sqlite3.Connection, list_id: str) -> date | None:
    last = conn.execute("SELECT max(week) FROM weeks WHERE list_id=?", (list_id,)).fetchone()[0]
    return date.fromisoformat(last) if last else None


def recorded_summary(conn: sqlite3.Connection, list_id: str, week: date) -> dict[str, Any] | None:
    """The summary recorded for a week (summary.json's content), None if the week is not recorded or unreadable."""
    found = conn.execute("SELECT summary FROM weeks WHERE list_id=? AND week=?", (list_id, week.isoformat())).fetchone()
    try:
        summary = json.loads(found[0]) if found else None
    except (TypeError, ValueError):
        return None
    return summary if isinstance(summary, dict) else None


def recorded_period(conn: sqlite3.Connection, list_id: str, week: date) -> int | None:
    found = conn.execute("SELECT period FROM weeks WHERE list_id=? AND week=?", (list_id, week.isoformat())).fetchone()
    return found[0] if found else None


def units_dropped(conn: sqlite3.Connection, list_id: str, week: date, result: WeekResult) -> list[str]:
    """Units a recorded week has as reported (on time, late, or with an invalid return) that `result`, the week
    merged again, has as missing: their files are gone from the inbox (cleared, or a run per week's folder)."""
    query = "SELECT unit, state FROM unit_weeks WHERE list_id=? AND week=?"
    recorded = {unit: state for unit, state in conn.execute(query, (list_id, week.isoformat()))}
    now = {unit.name: unit.state for unit in result.units}
    return sorted(u for u, state in recorded.items() if state != "missing" and now.get(u) == "missing")


def week_inputs(conn: sqlite3.Connection, list_id: str, week: date) -> list[str]:
    """SHA-256 of the archived inputs of a recorded week."""
    query = "SELECT sha256 FROM inputs WHERE list_id=? AND week=?"
    return [sha for (sha,) in conn.execute(query, (list_id, week.isoformat()))]


def archived_before(
    conn: sqlite3.Connection,
    list_id: str,
    week: date,
    files: list[SourceFile],
    opened: Iterable[OpenedContainer] = (),
) -> dict[str, tuple[date, str]]:
    """Files byte-identical to an input archived for an earlier week of the list, or to a workbook inside
    one (a mail's attachment, a zip's member: see input_parts, or `opened`, the parts of archived mails and
    zips opened but not recorded, as `lyreport status` does): display -> (latest such week, the archived
    file's name). Hashes only the files given, and only when an earlier week exists."""
    key = (list_id, week.isoformat())
    if not files or not earlier_inputs(conn, list_id, week):
        return {}
    digests = {f.display: f.sha256 or sha256_of(f.path) for f in files}
    hashed = set(digests.values())
    wanted = sorted(hashed)
    # A history opened read-only (`lyreport status`) may predate the table.
    parts = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='input_parts'").fetchone()
    earlier: dict[str, tuple[date, str]] = {}
    for start in range(0, len(wanted), 400):
        chunk = wanted[start : start + 400]
        marks = ",".join("?" * len(chunk))
        query = f"SELECT sha256, week, name FROM inputs WHERE list_id=? AND week<? AND sha256 IN ({marks})"
        values: tuple[str, ...] = (*key, *chunk)
        if parts:
            query += (
                " UNION ALL SELECT sha256, week, name FROM input_parts WHERE list_id=? AND week<? "
                f"AND sha256 IN ({marks}) AND sha256 != input_sha256"
            )
            values += (*key, *chunk)
        for sha, seen, name in conn.execute(query + " ORDER BY week", values):
            earlier[sha] = (date.fromisoformat(seen), from_db_name(name))  # the latest week wins
    for container in opened:
        for sha, name in container.parts:
            later = sha not in earlier or earlier[sha][0] <= container.week
            if sha != container.sha256 and sha in hashed and container.week < week and later:
                earlier[sha] = (container.week, name)
    return {display: earlier[sha] for display, sha in digests.items() if sha in earlier}


def earlier_inputs(conn: sqlite3.Connection, list_id: str, week: date) -> bool:
    """Has any earlier week of the list archived inputs?"""
    query = "SELECT 1 FROM inputs WHERE list_id=? AND week<? LIMIT 1"
    return conn.execute(query, (list_id, week.isoformat())).fetchone() is not None


def unopened_containers(conn: sqlite3.Connection, list_id: str, week: date) -> list[tuple[date, str, str]]:
    """Mails and zips archived for earlier weeks before their workbooks were recorded (input_parts holds
    no row of theirs): (week, SHA-256, name) each, to open once from the archive."""
    query = (
        "SELECT week, sha256, name FROM inputs i WHERE list_id=? AND week<? AND NOT EXISTS (SELECT 1 FROM "
        "input_parts p WHERE p.list_id=i.list_id AND p.week=i.week AND p.input_sha256=i.sha256) ORDER BY week, sha256"
    )
    # A history opened read-only (`lyreport status`) may predate the table: none of its containers was opened.
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='input_parts'").fetchone():
        query = "SELECT week, sha256, name FROM inputs WHERE list_id=? AND week<? ORDER BY week, sha256"
    found = conn.execute(query, (list_id, week.isoformat())).fetchall()
    return [
        (date.fromisoformat(w), sha, from_db_name(name)) for w, sha, name in found if _container(from_db_name(name))
    ]


@dataclass(frozen=True)
class OpenedContainer:
    """A mail or zip archived for an earlier week, opened from the archive: the workbooks it holds."""

    week: date
    sha256: str
    name: str
    parts: tuple[tuple[str, str], ...]  # (SHA-256, name shown) of each workbook in it


def record_parts(
    conn: sqlite3.Connection, list_id: str, week: date, input_sha256: str, name: str, parts: tuple[tuple[str, str], ...]
) -> None:
    """Note the workbooks inside an archived mail or zip, and (a row naming the input itself) that it was
    opened, so it is not opened again."""
    rows = [(input_sha256, name), *((sha, shown_name) for sha, shown_name in parts if sha != input_sha256)]
    conn.executemany(
        "INSERT OR IGNORE INTO input_parts VALUES (?,?,?,?,?)",
        [(list_id, week.isoformat(), input_sha256, sha, db_name(text)) for sha, text in rows],
    )


def period_rank(conn: sqlite3.Connection, list_id: str, week: date) -> int:
    """第N期 of a week not yet recorded: its 1-based position among the recorded weeks; but a week
    earlier than the latest recorded one gets the next free number, so no two 通报 share a 期数
    (the later weeks keep the numbers they were issued with) and none is skipped."""
    earlier, used = conn.execute(
        "SELECT count(CASE WHEN week<? THEN 1 END), max(period) FROM weeks WHERE list_id=?",
        (week.isoformat(), list_id),
    ).fetchone()
    return max(earlier + 1, (used or 0) + 1)


def replace_week(
    conn: sqlite3.Connection, result: WeekResult, summary: dict[str, Any], inputs: list[ArchivedInput]
) -> None:
    """Replace every record of the result's week; the caller wraps this in a transaction."""
    key = (result.list_id, result.week.isoformat())
    for table in ("weeks", "unit_weeks", "measure_weeks", "rows", "measure_texts"):
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
    conn.executemany(
        "INSERT INTO measure_texts VALUES (?,?,?,?,?)",
        [(*key, m.no, text_key(m.measure.text), "、".join(m.measure.units)) for m in result.measures],
    )
    conn.executemany("INSERT INTO rows VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", list(_row_records(result)))
    record_inputs(conn, result, inputs)


def record_inputs(conn: sqlite3.Connection, result: WeekResult, inputs: list[ArchivedInput]) -> None:
    """Note the week's archived inputs (part of replace_week; also called alone once they are copied)."""
    key = (result.list_id, result.week.isoformat())
    # Inputs accumulate: a file archived for this week stays referenced even if it left the inbox.
    conn.executemany(
        "INSERT OR REPLACE INTO inputs VALUES (?,?,?,?,?,?)",
        [(*key, a.sha256, db_name(a.name), a.archived.as_posix(), a.received_at.isoformat()) for a in inputs],
    )
    for a in inputs:
        if a.parts or _container(a.name):  # a mail or zip: what it held (maybe nothing), noted as opened
            record_parts(conn, result.list_id, result.week, a.sha256, a.name, a.parts)


def _container(name: str) -> bool:
    from .intake.safety import kind_of

    return kind_of(Path(name).suffix) == "container"


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


def history_view(
    conn: sqlite3.Connection,
    list_id: str,
    up_to: date,
    master: MasterList | None = None,
    directory: UnitDirectory | None = None,
) -> HistoryView:
    """All weeks up to and including `up_to`, shaped for the ledger; with the master list and directory,
    a unit recorded under a name that is now its alias is shown under today's name (one row, not two)."""
    week_filter = (list_id, up_to.isoformat())
    weeks = [
        date.fromisoformat(w)
        for (w,) in conn.execute("SELECT week FROM weeks WHERE list_id=? AND week<=? ORDER BY week", week_filter)
    ]
    place = Placer(conn, list_id, up_to, None, directory)
    place.master = master  # names only: measures stay as recorded
    states: dict[tuple[date, str], str] = {}
    for w, u, s in conn.execute(
        "SELECT week, unit, state FROM unit_weeks WHERE list_id=? AND week<=? ORDER BY unit", week_filter
    ):
        now = place.unit(u)
        if now == u or (date.fromisoformat(w), now) not in states:  # a unit recorded under its own name wins
            states[(date.fromisoformat(w), now)] = s
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
        item["unit"] = place.unit(item["unit"])
        item["week"] = date.fromisoformat(item["week"])
        item["expected"] = date.fromisoformat(item["expected"]) if item["expected"] else None
        item["received_at"] = datetime.fromisoformat(item["received_at"]) if item["received_at"] else None
        rows.append(item)
    measure_weeks = {
        (date.fromisoformat(w), no): (light, bool(overdue), bool(closed))
        for w, no, light, overdue, closed in conn.execute(
            "SELECT week, no, light, overdue, closed FROM measure_weeks WHERE list_id=? AND week<=?", week_filter
        )
    }
    return HistoryView(weeks, states, rows, measure_weeks)
