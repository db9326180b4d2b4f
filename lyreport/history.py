"""History of weeks in an embedded sqlite database, plus an archive of every processed input.

Re-running a week replaces that week's records in one transaction; other weeks are untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .atomic import atomic_write_text, commit_files
from .faults import changed_during_run
from .intake.sidecar import SIDECAR_SUFFIX
from .models import HistoryView, PreviousState, ReturnRow, SourceFile, WeekResult, stat_signature
from .textsafe import shown

if TYPE_CHECKING:
    from .master import UnitDirectory
    from .models import MasterList

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
CREATE TABLE IF NOT EXISTS input_parts (
    list_id TEXT NOT NULL, week TEXT NOT NULL, input_sha256 TEXT NOT NULL, sha256 TEXT NOT NULL, name TEXT NOT NULL,
    PRIMARY KEY (list_id, week, input_sha256, sha256));
"""


@dataclass
class ArchivedInput:
    """An inbox file kept under history/archive/<list>/<week>/ so the week can be rebuilt."""

    sha256: str
    name: str  # path relative to the inbox
    archived: Path  # relative to the archive root
    received_at: datetime
    parts: tuple[tuple[str, str], ...] = ()  # of a mail or zip: (SHA-256, name shown) of each workbook in it


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
    place = _Placer(conn, list_id, week, master, directory)
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
    state.history_differs = sorted(place.differs - set(place.moved))
    state.history_moved = dict(sorted(place.moved.items()))
    return state


def text_key(text: str) -> str:
    """A measure's text for comparing weeks: width, spaces and line breaks do not count."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


class _Placer:
    """Where a history record of (week, measure no) belongs in the current master list, if anywhere."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        list_id: str,
        week: date,
        master: MasterList | None,
        directory: UnitDirectory | None,
    ) -> None:
        self.master, self.directory = master, directory
        self.texts: dict[str, dict[int, str]] = {}
        self.responsible: dict[str, dict[int, frozenset[str]]] = {}  # week -> no -> its units then
        self.reporters: dict[tuple[str, int], set[str]] = {}
        self.differs: set[int] = set()  # current numbers whose history was another measure's
        self.moved: dict[int, int] = {}  # current number -> its number in the latest week it moved from
        self._units: dict[str, str] = {}
        self._weeks: dict[str, dict[int, int]] = {}
        self._placed: dict[tuple[str, int], int | None] = {}
        if master is None:
            return
        try:  # history written before measure texts were recorded (or read-only and older) has none
            found = conn.execute(
                "SELECT week, no, text, units FROM measure_texts WHERE list_id=? AND week<?",
                (list_id, week.isoformat()),
            ).fetchall()
        except sqlite3.OperationalError:
            found = []
        for w, no, text, units in found:
            self.texts.setdefault(w, {})[no] = text
            self.responsible.setdefault(w, {})[no] = frozenset(self.unit(u) for u in units.split("、") if u)
        self.by_text: dict[str, list[int]] = {}
        for m in master.measures:
            self.by_text.setdefault(text_key(m.text), []).append(m.no)

    def unit(self, name: str) -> str:
        """A unit name as recorded then, as the directory names it now (an alias is that unit)."""
        if self.directory is None or (self.master is not None and name in self.master.units):
            return name
        if name not in self._units:
            self._units[name] = self.directory.match(name).unit or name
        return self._units[name]

    def saw(self, week: str, unit: str, no: int) -> None:
        self.reporters.setdefault((week, no), set()).add(unit)

    def measure(self, week: str, no: int) -> int | None:
        if self.master is None:
            return no
        if (week, no) not in self._placed:
            self._placed[(week, no)] = self._place(week, no)
        return self._placed[(week, no)]

    def _place(self, week: str, no: int) -> int | None:
        texts = self.texts.get(week)
        if texts and no in texts:
            if week not in self._weeks:
                self._weeks[week] = self._place_week(week)
            return self._weeks[week].get(no)
        current = self.master.measure(no) if self.master else None
        if current is None:
            return None
        # No recorded text (older history): the units that reported it then must still be responsible.
        if not self.reporters.get((week, no), set()) <= set(current.units):
            self.differs.add(no)
            return None
        return no

    def _place_week(self, week: str) -> dict[int, int]:
        """Every measure recorded that week with its text, placed at once so that no two land on one
        current measure: the same number with the same text stays; one whose text is now under another
        number moves there (among several with that text, the one with the units it had then), unless
        that measure already has its own history that week or another measure of the week moves there too
        (a text pasted twice in an old list, corrected since): then neither is carried."""
        assert self.master is not None
        texts, responsible = self.texts[week], self.responsible.get(week, {})
        places: dict[int, int] = {}
        for no, text in texts.items():
            current = self.master.measure(no)
            if current is None or text_key(current.text) != text:
                continue
            # A text several current measures share is told apart by the units responsible then.
            if len(self.by_text[text]) == 1 or not responsible.get(no) or set(current.units) == responsible[no]:
                places[no] = no
        kept = set(places.values())
        heading: dict[int, list[int]] = {}
        for no, text in texts.items():
            if no in places:
                continue
            if self.master.measure(no) is not None:
                self.differs.add(no)
            same = [n for n in self.by_text.get(text, []) if n not in kept]
            if len(same) > 1 and responsible.get(no):
                same = [n for n in same if set(self.master.measure(n).units) == responsible[no]]  # type: ignore[union-attr]
            if len(same) == 1:
                heading.setdefault(same[0], []).append(no)
        for target, sources in heading.items():
            if len(sources) == 1:
                places[sources[0]] = target
                self.moved[target] = sources[0]
            else:
                self.differs.add(target)
        return places


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
            earlier[sha] = (date.fromisoformat(seen), _from_db_name(name))  # the latest week wins
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
        (date.fromisoformat(w), sha, _from_db_name(name)) for w, sha, name in found if _container(_from_db_name(name))
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
        [(list_id, week.isoformat(), input_sha256, sha, _db_name(text)) for sha, text in rows],
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
        [(*key, a.sha256, _db_name(a.name), a.archived.as_posix(), a.received_at.isoformat()) for a in inputs],
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
    measure_weeks = {
        (date.fromisoformat(w), no): (light, bool(overdue), bool(closed))
        for w, no, light, overdue, closed in conn.execute(
            "SELECT week, no, light, overdue, closed FROM measure_weeks WHERE list_id=? AND week<=?", week_filter
        )
    }
    return HistoryView(weeks, states, rows, measure_weeks)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class ArchiveError(Exception):
    """Archived inputs are missing or altered; the message names them, in Chinese."""


MANIFEST = "manifest.json"


def _db_name(name: str) -> str | bytes:
    """A file name for the database: text, or its raw bytes when it is not valid UTF-8."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape")


def _from_db_name(value: str | bytes) -> str:
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
        entries[sha] = (_from_db_name(name), received_at)
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
            {"sha256": sha, "name": _from_db_name(name), "received_at": at}
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
