"""Weekly merge: this week's returns + master list + earlier weeks → WeekResult.

Decides per unit (on time / late / missing / invalid), per measure (combined status, overdue,
warning light, change since last week); which files answer the week is assign.py's. Pure: no file
system, no clock.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from pathlib import PurePath

from . import copies
from .assign import Assigned, assign_week, scan_findings
from .config import Config
from .intake.safety import ARROW, FOREIGN_FORMATS
from .models import (
    DONE,
    LAGGING,
    NOT_STARTED,
    ON_TRACK,
    IntakeResult,
    MasterList,
    Measure,
    MeasureWeek,
    ParsedReturn,
    PreviousState,
    ReturnRow,
    UnitReport,
    UnitWeek,
    WeekResult,
)
from .problems import WARNING, Problem, problem
from .weeks import cn_datetime


def combine_status(statuses: list[str | None]) -> str | None:
    """Measure status from its units' statuses: done only when all are done; any lag makes it lag."""
    known = [s for s in statuses if s]
    if not known:
        return None
    if all(s == DONE for s in known) and len(known) == len(statuses):
        return DONE
    if LAGGING in known:
        return LAGGING
    if ON_TRACK in known or DONE in known:
        return ON_TRACK
    return NOT_STARTED


def _unit_week(
    unit: str,
    master: MasterList,
    assigned: Assigned,
    deadline: datetime,
    previous: PreviousState,
    findings: tuple[bool | None, list[int], list[Problem]],
) -> UnitWeek:
    owed = [m.no for m in master.measures_of(unit)]
    ret = assigned.counted.get(unit)
    state = UnitWeek(name=unit, state="missing", measures=owed, missing_measures=list(owed))
    state.scan_received = unit in assigned.scan_units
    state.superseded = [r.file.display for r in assigned.superseded.get(unit, [])]
    state.scan_stamped, state.scan_mismatches, _ = findings
    # A black-and-white scan (not one the reader could not look at or read no form from, such as a blank page:
    # that says nothing of a seal either way, and is said as not checked)
    grey = any(s.seal_unknown and s.readable for s in assigned.scans if s.unit == unit)
    state.scan_seal_unknown = state.scan_received and state.scan_stamped is None and grey
    if ret is not None:
        state.source = "scan" if unit in assigned.from_scan else "electronic"
        decisive = on_time_copy(unit, assigned, deadline)
        state.state = "on_time" if decisive else "late"
        first = decisive or _first_copy(unit, assigned)
        state.received_at = first.file.received_at
        if decisive is not None and decisive is not ret:  # on time, then corrected after the deadline
            state.first_file, state.corrected_at = decisive.file.display, ret.file.received_at
        elif first is not ret:  # late, then corrected later still: late since its first copy
            state.first_file, state.corrected_at = first.file.display, ret.file.received_at
        state.files = [ret.file.display]
        state.contact, state.phone = ret.contact, ret.phone
        reported = {row.measure_no for row in ret.rows}
        state.missing_measures = [no for no in owed if no not in reported]
    elif unit in assigned.failed:
        fails = assigned.failed[unit]
        state.state = "invalid"
        state.files = [f.file.display for f in fails]
        state.received_at = max(f.file.received_at for f in fails)
        state.invalid_reason = "；".join(f.reason for f in fails)
    state.consecutive_missed = _consecutive(unit, state.state, deadline.date(), previous)
    return state


def _in_time(ret: ParsedReturn, deadline: datetime) -> bool:
    return ret.file.received_at <= deadline or copies.saved_in_time(ret.file, deadline)


def on_time_copy(unit: str, assigned: Assigned, deadline: datetime) -> ParsedReturn | None:
    """The copy that makes the unit on time: the one that counts, else its earliest usable copy in time.

    A unit that returned its form before the deadline and a correction after it has reported on time; the
    correction still supplies the data. Only usable copies are candidates (superseded ones are): an unreadable
    or empty copy before the deadline (报送有误) does not make the unit on time.
    """
    ret = assigned.counted.get(unit)
    if ret is None or _in_time(ret, deadline):
        return ret
    earlier = sorted(
        (r for r in assigned.superseded.get(unit, []) if r.usable and _in_time(r, deadline)),
        key=lambda r: (r.file.received_at, r.file.display),
    )
    return earlier[0] if earlier else None


def _first_copy(unit: str, assigned: Assigned) -> ParsedReturn:
    """A late unit's earliest usable copy of the week: it was late by that much, not by its last correction's."""
    ret = assigned.counted[unit]
    usable = [r for r in assigned.superseded.get(unit, []) if r.usable]
    return min([ret, *usable], key=lambda r: (r.file.received_at, r is not ret, r.file.display))


def _consecutive(unit: str, state: str, week: date, previous: PreviousState) -> int:
    """Weeks in a row, ending with the report week, the unit did not report on time."""
    if state == "on_time":
        return 0
    by_week = {w: s for w, u, s in previous.unit_states if u == unit}
    count, cursor = 1, week
    # the recorded week before is the week before even when the deadline weekday was moved in between
    # (Thursday then Friday: 8 days); a whole week without a record breaks the run
    for recorded in sorted({w for w, _, _ in previous.unit_states if w < week}, reverse=True):
        if cursor - recorded >= timedelta(days=14) or by_week.get(recorded) in (None, "on_time"):
            break
        count, cursor = count + 1, recorded
    return count


def _report(unit: str, measure: Measure, ret: ParsedReturn | None) -> UnitReport | None:
    row = next((r for r in ret.rows if r.measure_no == measure.no), None) if ret else None
    if row is None:
        return None
    return UnitReport(
        unit, measure.role_of(unit), row.status, row.progress, row.issues, row.next_steps, row.expected,
        from_scan=ret is not None and ret.source == "scan",
    )  # fmt: skip


def _carried(unit: str, measure: Measure, previous: PreviousState) -> str | None:
    row: ReturnRow | None = previous.last_rows.get((unit, measure.no))
    return row.status if row else None


def _unit_status(unit: str, report: UnitReport | None, measure: Measure, previous: PreviousState) -> str | None:
    """A unit's status this week; one it did not report is carried from its last report.

    A row it reported this week with a blank or unreadable status (an error at the cell) is not done this
    week: an earlier 已完成 is never carried into it, so the measure is not closed on the strength of it.
    """
    if report is not None and report.status:
        return report.status
    carried = _carried(unit, measure, previous)
    if report is not None and carried == DONE:
        return None
    return carried


def _measure_week(
    measure: Measure, assigned: Assigned, week: date, config: Config, previous: PreviousState
) -> MeasureWeek:
    reports = {u: _report(u, measure, assigned.counted.get(u)) for u in measure.units}
    statuses = [_unit_status(u, r, measure, previous) for u, r in reports.items()]
    status = combine_status(statuses)
    closed = status == DONE
    passed = [n for n in measure.nodes if n < week]
    upcoming = sorted(n for n in measure.nodes if n >= week)
    overdue = bool(passed) and not closed
    next_node = upcoming[0] if upcoming else None
    days = (next_node - week).days if next_node else None
    if closed:
        light = "green"
    elif overdue or status == LAGGING:
        light = "red"
    # A status nobody could read counts as not reported: never greener than for a unit that sent nothing.
    elif (days is not None and days <= config.warn_days) or any(r is None or not r.status for r in reports.values()):
        light = "yellow"
    else:
        light = "green"
    result = MeasureWeek(
        measure,
        status,
        light,
        overdue,
        closed,
        reports,
        passed if overdue else [],
        next_node,
        days,
        previous.measure_status.get(measure.no),
    )
    result.changes = _changes(result, previous)
    return result


def _changes(current: MeasureWeek, previous: PreviousState) -> list[str]:
    if previous.week is None:
        return []
    changes = []
    before = previous.measure_status.get(current.no)
    if current.status == DONE and before != DONE:
        changes.append("newly_completed")
    # 暂无报送 is a status of the 通报 too: a measure nobody had reported (recorded so last week) that is reported
    # now has changed, and so has one whose status cannot be read this week (an error at the cell says why).
    # One the history does not hold (new, or its text changed: said apart) is not compared.
    elif current.status != before and (before is not None or current.no in previous.measure_status):
        changes.append("status_changed")
    if current.overdue and not previous.measure_overdue.get(current.no, False):
        changes.append("newly_overdue")
    return changes


def _unit_problems(units: list[UnitWeek], deadline: datetime, config: Config) -> list[Problem]:
    problems = []
    for u in units:
        if u.state == "missing":
            problems.append(problem("unit-missing", unit=u.name))
        elif u.state == "late" and u.received_at:
            problems.append(
                problem(
                    "unit-late",
                    file=u.first_file or u.files[0],
                    unit=u.name,
                    received=cn_datetime(u.received_at, config),
                    deadline=cn_datetime(deadline, config),
                )
            )
        if u.corrected_at is not None and u.received_at:
            problems.append(
                problem(
                    "unit-corrected-late" if u.state == "on_time" else "unit-late-corrected",
                    file=u.files[0],
                    unit=u.name,
                    first=u.first_file,
                    received=cn_datetime(u.received_at, config),
                    deadline=cn_datetime(deadline, config),
                    used=u.files[0],
                    corrected=cn_datetime(u.corrected_at, config),
                )
            )
        if u.state in ("on_time", "late") and not u.scan_received:
            problems.append(problem("scan-missing", file=u.files[0], unit=u.name))
        if u.source == "scan":
            problems.append(problem("scan-only", file=u.files[0], unit=u.name))
    return problems


def beside_return(found: Problem, units: set[str] | dict[str, ParsedReturn]) -> Problem:
    """A Word file next to a usable return of the same unit is a cover letter, not a failed return."""
    if found.code != "format-unreadable" or found.unit not in units:
        return found
    name = FOREIGN_FORMATS.get(PurePath(found.file).suffix.lower(), "该文件")
    return problem("format-unreadable-extra", file=found.file, unit=found.unit, format=name)


OTHER_LIST_CODES = ("template-other-list", "return-other-list")  # said in every list's run it was filed in


def _forwards_of_late(found: list[Problem], units: list[UnitWeek]) -> list[Problem]:
    """A mail forwarded inline whose quoted original was sent earlier, or a unit's own earlier mail forwarded by
    it, is noted (info); where its unit is late by the forward's time, that may be wrong, and it is a warning."""
    late = {name for u in units if u.state == "late" for name in u.files}

    def of_late(p: Problem) -> bool:
        return any(name == p.file or name.startswith(p.file + ARROW) for name in late)

    forwards = ("mail-forwarded-inline", "mail-forwarded-inline-unread", "mail-forwarded-own")
    return [dataclasses.replace(p, severity=WARNING) if p.code in forwards and of_late(p) else p for p in found]


def merge_week(
    master: MasterList,
    intake: IntakeResult,
    deadline: datetime,
    config: Config,
    previous: PreviousState,
    period: int,
) -> WeekResult:
    """Put the week's returns against the master list and the weeks before."""
    assigned, problems = assign_week(intake, deadline, config, master, previous.resent)
    findings = {u: scan_findings(u, assigned) for u in master.units}
    units = [_unit_week(u, master, assigned, deadline, previous, findings[u]) for u in master.units]
    measures = [_measure_week(m, assigned, deadline.date(), config, previous) for m in master.measures]
    # Findings about files that answer another week belong to that week's report, not this one.
    own = [p for p in intake.problems if p.file not in assigned.elsewhere or p.code in OTHER_LIST_CODES]
    own = [beside_return(p, assigned.counted) for p in own]
    # The saved-in-time rule is worth a warning where it decided on time: the counted copy or an earlier one.
    decisive = [on_time_copy(u, assigned, deadline) for u in assigned.counted]
    timing = [
        copies.saved_in_time_problem(r, config)
        for r in decisive
        if r is not None and copies.saved_in_time(r.file, deadline)
    ]
    problems = _forwards_of_late(own, units) + problems + timing + _unit_problems(units, deadline, config)
    problems += [p for u in master.units for p in findings[u][2]]
    problems += [problem("master-history-differs", no=no) for no in previous.history_differs]
    problems += [
        problem("history-unit-unknown", name=name, week=previous.week.isoformat() if previous.week else "")
        for name in previous.history_unknown_units
    ]
    if not assigned.files and assigned.other_week:  # files of other weeks only: never a quiet 未报送 all round
        problems.append(problem("week-none-answered", count=len(assigned.other_week), week=deadline.date().isoformat()))
    if previous.history_moved:
        moved = [f"第 {no} 条（往期第 {old} 条）" for no, old in previous.history_moved.items()]
        problems.append(problem("master-history-moved", moved=moved))
    return WeekResult(
        list_id=master.list_id,
        list_title=master.title,
        deadline=deadline,
        period=period,
        units=units,
        measures=measures,
        problems=problems,
        returns=list(assigned.counted.values()),
        answered=assigned.files,
        previous_week=previous.week,
    )
