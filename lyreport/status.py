"""`lyreport status`: who is in so far this week, at any time, recording nothing.

Reads the inbox exactly as `run` does (discover → read → parse → merge) into a temporary folder and
opens the history read-only; no output, history or archive is written.
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .api import load_context, resolve_deadline
from .assign import resend_candidates
from .context import Context
from .history import DB_NAME, previous_state
from .intake.pipeline import run_intake
from .merge import merge_week
from .models import PreviousState, SourceFile, UnitWeek
from .problems import Problem, problem
from .resends import resent_files
from .weeks import cn_datetime

ELECTRONIC_STATES = ("on_time", "late", "invalid")  # an electronic return arrived (usable or not)


@dataclass
class UnitStatus:
    """One unit's standing so far."""

    name: str
    state: str  # UNIT_STATES key; "missing" before the deadline means "not yet in"
    electronic: bool
    scan: bool
    received_at: datetime | None
    contact: str
    phone: str
    email: str
    invalid_reason: str = ""

    @property
    def missing(self) -> str:
        """What is still owed: "", "电子版", "扫描件" or "电子版及盖章扫描件"."""
        owed = not (self.state in ("on_time", "late") and self.electronic)
        # Received but unusable: ask for one that can be used.
        what = "符合要求的电子版" if self.state == "invalid" and self.electronic else "电子版"
        if owed:
            return what if self.scan else f"{what}及盖章扫描件"
        return "" if self.scan else "盖章扫描件"


@dataclass
class WeekStatus:
    week: date
    deadline: datetime
    now: datetime
    list_title: str
    units: list[UnitStatus]
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # about the standing itself: printed with it

    @property
    def seconds_left(self) -> int:
        return int((self.deadline - self.now).total_seconds())

    @property
    def time_left(self) -> str:
        """“还剩 1小时05分” or “已截止 2小时10分”."""
        seconds = self.seconds_left
        days, rest = divmod(abs(seconds), 86400)
        hours, rest = divmod(rest, 3600)
        text = (f"{days}天" if days else "") + f"{hours}小时{rest // 60:02d}分"
        return f"还剩 {text}" if seconds > 0 else f"已截止 {text}"

    def in_(self) -> list[UnitStatus]:
        return [u for u in self.units if u.electronic or u.scan]

    def owing(self) -> list[UnitStatus]:
        return [u for u in self.units if u.missing]

    def to_dict(self, config: Any) -> dict[str, Any]:
        return {
            "week": self.week.isoformat(),
            "deadline": self.deadline.isoformat(),
            "now": self.now.isoformat(),
            "seconds_left": self.seconds_left,
            "time_left": self.time_left,
            "units": [
                {
                    "unit": u.name,
                    "state": u.state,
                    "electronic": u.electronic,
                    "scan": u.scan,
                    "received_at": u.received_at.isoformat() if u.received_at else None,
                    "received_cn": cn_datetime(u.received_at, config) if u.received_at else "",
                    "missing": u.missing,
                    "contact": u.contact,
                    "phone": u.phone,
                    "email": u.email,
                    "invalid_reason": u.invalid_reason,
                }
                for u in self.units
            ],
            "problems": [p.to_dict() for p in self.problems],
        }


def _electronic(unit: UnitWeek, scan_files: set[str]) -> bool:
    """An electronic return arrived (usable or not): a paper-only unit has not sent its spreadsheet."""
    if unit.state in ("on_time", "late"):
        return unit.source != "scan"
    return unit.state in ELECTRONIC_STATES and any(f not in scan_files for f in unit.files)


def week_status(
    workspace: Path | None = None, week: date | None = None, *, now: datetime | None = None, inbox: Path | None = None
) -> WeekStatus:
    """The report week as it stands now (default: the current week)."""
    context = load_context(workspace)
    config = context.config
    now = now or datetime.now(config.timezone)
    deadline = resolve_deadline(context, week, now)
    previous = _previous(context.workspace.history / DB_NAME, context, deadline.date())
    from .mailbox import elsewhere, lastfetch

    history = context.workspace.history
    notes: list[Problem] = lastfetch.week_notes(history, deadline, now) + elsewhere.week_notes(
        history, deadline, config
    )
    with tempfile.TemporaryDirectory(prefix="lyreport-status-") as tmp:
        source = inbox or context.workspace.inbox
        intake = run_intake(source, Path(tmp), context.master, context.directory, config) if source.is_dir() else None
        if intake is not None:  # last week's file sent again has not answered this week (as `run` says)
            candidates = resend_candidates(intake, deadline, config, context.master)
            path = context.workspace.history / DB_NAME
            previous.resent, resent = _resent(path, context, deadline.date(), candidates, Path(tmp) / "parts")
            notes += resent
    if intake is None:
        from .models import IntakeResult

        intake = IntakeResult()
    result = merge_week(context.master, intake, deadline, config, previous, 0)
    result.problems += notes
    scan_files = {s.file.display for s in intake.scans}
    units = []
    for u in result.units:
        entry = context.directory.get(u.name)
        units.append(
            UnitStatus(
                name=u.name,
                state=u.state,
                electronic=_electronic(u, scan_files),
                scan=u.scan_received,
                received_at=u.received_at,
                contact=u.contact or (entry.contact if entry else ""),
                phone=u.phone or (entry.phone if entry else ""),
                email=entry.email if entry else "",
                invalid_reason=u.invalid_reason,
            )
        )
    return WeekStatus(deadline.date(), deadline, now, context.master.title, units, result.problems, notes)


def _resent(
    path: Path, context: Context, week: date, candidates: list[SourceFile], tmp: Path
) -> tuple[dict[str, tuple[date, str]], list[Problem]]:
    """run's archived_before on the history opened read-only, with the archived mails and zips an older
    history never opened opened here in memory (run records them; status records nothing). When the history
    cannot be read (locked while a run commits) that is said: the standing may count a resent file."""
    if not candidates or not path.is_file():
        return {}, []
    try:
        conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return {}, [problem("resend-check-failed", reason=_why(exc))]
    try:
        resent, _, said = resent_files(context, conn, week, candidates, tmp)  # opened, never recorded here
        return resent, said
    except (sqlite3.Error, OSError) as exc:
        return {}, [problem("resend-check-failed", reason=_why(exc))]
    finally:
        conn.close()


def _why(exc: BaseException) -> str:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return "正被占用"
    return f"{type(exc).__name__}"


def _previous(path: Path, context: Context, week: date) -> PreviousState:
    """History read-only (and not created when there is none): status records nothing."""
    if not path.is_file():
        return PreviousState()
    conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
    try:
        return previous_state(conn, context.master.list_id, week, context.master, context.directory)
    except sqlite3.Error:
        return PreviousState()
    finally:
        conn.close()
