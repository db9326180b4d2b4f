"""Weekly merge: this week's returns + master list + earlier weeks → WeekResult.

Decides per unit (on time / late / missing / invalid), per measure (combined status, overdue,
warning light, change since last week). Pure: no file system, no clock.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import PurePath

from . import copies
from .config import Config
from .intake.safety import FOREIGN_FORMATS
from .models import (
    DONE,
    LAGGING,
    NOT_STARTED,
    ON_TRACK,
    FailedFile,
    IntakeResult,
    MasterList,
    Measure,
    MeasureWeek,
    ParsedReturn,
    PreviousState,
    ReturnRow,
    Scan,
    SourceFile,
    UnitReport,
    UnitWeek,
    WeekResult,
)
from .problems import SCAN_FILE_CODES, Problem, problem
from .weeks import cn_datetime, deadline_on, next_deadline, week_of_received


@dataclass
class Assigned:
    """Returns, failures and scans that answer the report week."""

    counted: dict[str, ParsedReturn]
    elsewhere: set[str]  # display names of files that belong to another week or list
    superseded: dict[str, list[ParsedReturn]]
    failed: dict[str, list[FailedFile]]
    scans: list[Scan]  # scans of this week from a known unit
    from_scan: set[str] = field(default_factory=set)  # units whose counted return was read from a scan

    @property
    def scan_units(self) -> set[str]:
        return {s.unit for s in self.scans if s.unit}

    @property
    def files(self) -> list[SourceFile]:
        """Every file that answers this week: counted, superseded, unusable, scans."""
        files = [r.file for r in self.counted.values()]
        files += [r.file for rets in self.superseded.values() for r in rets]
        files += [f.file for fails in self.failed.values() for f in fails]
        return files + [s.file for s in self.scans]


def _claimed_week(ret: ParsedReturn, config: Config) -> date | None:
    """The week a return says it answers: its template identity, else its 填报日期."""
    if ret.week_source == "template" and ret.week:
        return ret.week
    if ret.filled_on:
        filled = datetime.combine(ret.filled_on, datetime.min.time(), tzinfo=config.timezone)
        return week_of_received(filled, config).date()
    return None


def _future(ret: ParsedReturn, config: Config) -> date | None:
    """The claimed week when it lies after the week the return arrived in: impossible, so not believed."""
    claimed = _claimed_week(ret, config)
    if claimed is not None and claimed > next_deadline(ret.file.received_at, config).date():
        return claimed
    return None


def declared_week(ret: ParsedReturn, config: Config) -> date | None:
    """The week a return says it answers, unless that is a later week than it arrived in.

    A 填报日期 typed wrong (2021-01-13 on a return received 2021-01-07) or a template made for a later week
    would otherwise hide an on-time return from its week and count it on time weeks later.
    """
    return None if _future(ret, config) else _claimed_week(ret, config)


def future_week_problem(ret: ParsedReturn, config: Config) -> Problem | None:
    """The warning for a return claiming a week after its arrival (counted by arrival instead), else None."""
    claimed = _future(ret, config)
    if claimed is None:
        return None
    return problem(
        "week-future",
        file=ret.file.display,
        sheet=ret.sheet,
        unit=ret.unit or "",
        source="报表模板标识" if ret.week_source == "template" else "填报日期",
        week=claimed.isoformat(),
        received=cn_datetime(ret.file.received_at, config),
        arrived=week_of_received(ret.file.received_at, config).date().isoformat(),
    )


def return_week(ret: ParsedReturn, config: Config) -> date:
    """The deadline day a return answers: what it declares, else its arrival time."""
    return declared_week(ret, config) or week_of_received(ret.file.received_at, config).date()


def file_notes(returns: list[ParsedReturn], config: Config) -> list[Problem]:
    """What `check` says about copies without a report week: versions of one unit and week, saved-in-time files."""
    groups: dict[tuple[str, date], list[ParsedReturn]] = {}
    notes: list[Problem] = []
    for ret in returns:
        if future := future_week_problem(ret, config):
            notes.append(future)
        if not ret.usable:
            continue
        week = return_week(ret, config)
        groups.setdefault((ret.unit, week), []).append(ret)  # type: ignore[arg-type]
        if copies.saved_in_time(ret.file, deadline_on(week, config)):
            notes.append(copies.saved_in_time_problem(ret, config))
    for (unit, _), rets in groups.items():
        notes += copies.pick(unit, rets)[2]
    return notes


def _other_list(ret: ParsedReturn, master: MasterList) -> bool:
    list_id = ret.identity.get("list_id", "")
    return bool(list_id) and list_id != master.list_id


def resend_candidates(intake: IntakeResult, deadline: datetime, config: Config, master: MasterList) -> list[SourceFile]:
    """Files of returns arriving in the week that name no week of their own: only these can pass for this
    week's report when an earlier week's file is sent again (a stale template or 填报日期 is caught anyway)."""
    week = deadline.date()
    return [
        r.file
        for r in intake.returns
        if not _other_list(r, master)
        and declared_week(r, config) is None
        and week_of_received(r.file.received_at, config).date() == week
    ]


def assign_week(
    intake: IntakeResult,
    deadline: datetime,
    config: Config,
    master: MasterList,
    resent: dict[str, tuple[date, str]] | None = None,
) -> tuple[Assigned, list[Problem]]:
    """Pick what belongs to the report week; among several returns of a unit the latest received counts.

    `resent`: files byte-identical to one archived for an earlier week (display -> that week, its name);
    they are not this week's report.
    """
    week = deadline.date()
    resent = resent or {}
    problems: list[Problem] = []
    candidates: dict[str, list[ParsedReturn]] = {}
    elsewhere: set[str] = set()
    failed: dict[str, list[FailedFile]] = {}
    for fail in intake.failed:
        arrived = week_of_received(fail.file.received_at, config).date()
        if arrived != week:
            elsewhere.add(fail.file.display)
            if arrived < week:  # its content cannot say which week it answers: one warning, never silence
                problems.append(_failed_elsewhere(fail, arrived, config))
        elif fail.unit:
            failed.setdefault(fail.unit, []).append(fail)
    for ret in intake.returns:
        answered = return_week(ret, config)
        if _other_list(ret, master) or answered != week:
            elsewhere.add(ret.file.display)
            if not _other_list(ret, master):
                problems.append(_other_week(ret, answered, week, config))
            continue
        if earlier := resent.get(ret.file.display):
            elsewhere.add(ret.file.display)
            problems.append(
                problem(
                    "file-already-archived",
                    file=ret.file.display,
                    unit=ret.unit or "",
                    week=earlier[0].isoformat(),
                    other=earlier[1],
                )
            )
            continue
        if future := future_week_problem(ret, config):
            problems.append(future)
        if ret.unit is not None and ret.unit not in master.units:
            problems.append(
                problem("unit-not-responsible", file=ret.file.display, unit=ret.unit, list_title=master.title)
            )
        elif ret.unit is not None and not ret.usable:  # received but unusable: 报送有误, not 未报送
            reason = "；".join(ret.errors) or "无法识别为落实情况报表"
            failed.setdefault(ret.unit, []).append(FailedFile(ret.file, reason, ret.unit))
        elif ret.unit is not None:
            candidates.setdefault(ret.unit, []).append(ret)
    counted: dict[str, ParsedReturn] = {}
    superseded: dict[str, list[ParsedReturn]] = {}
    for unit, rets in candidates.items():
        counted[unit], superseded[unit], chosen_why = copies.pick(unit, rets)
        problems += chosen_why
    scans, more = _week_scans(intake.scans, week, config)
    problems += more
    assigned = Assigned(counted, elsewhere, superseded, failed, scans)
    _count_scan_only(assigned)
    return assigned, problems


def _week_scans(scans: list[Scan], week: date, config: Config) -> tuple[list[Scan], list[Problem]]:
    """Scans answering the week: what the paper declares (QR mark, 填报日期), else when it arrived."""
    kept, problems = [], []
    for scan in scans:
        if not scan.unit:
            continue
        arrived = week_of_received(scan.file.received_at, config).date()
        declared = declared_week(scan.parsed, config) if scan.parsed else _marked_week(scan, arrived)
        future = future_week_problem(scan.parsed, config) if scan.parsed and arrived == week else None
        if future:
            problems.append(dataclasses.replace(future, unit=scan.unit))
        if declared is not None and declared != week:
            if arrived == week:  # last week's paper sent again: it is not this week's signed copy
                by_mark = scan.parsed is None or scan.parsed.week_source == "template"  # None: an unreadable QR'd page
                source = "二维码标识" if by_mark else "填报日期"
                problems.append(
                    problem(
                        "scan-other-week", file=scan.file.display, unit=scan.unit,
                        week=declared.isoformat(), source=source,
                    )
                )  # fmt: skip
            continue
        if declared is None and arrived != week:
            continue
        kept.append(scan)
    return kept, problems


def _marked_week(scan: Scan, arrived: date) -> date | None:
    """The week an unreadable scan's QR code names, unless later than it arrived (as declared_week)."""
    return scan.marked_week if scan.marked_week is not None and scan.marked_week <= arrived else None


def _count_scan_only(assigned: Assigned) -> None:
    """A unit that sent only its signed paper has reported: the latest readable scan is its return."""
    by_unit: dict[str, list[Scan]] = {}
    for scan in assigned.scans:
        by_unit.setdefault(scan.unit or "", []).append(scan)
    for unit, scans in by_unit.items():
        if unit in assigned.counted:
            continue
        readable = sorted((s for s in scans if s.parsed is not None and s.parsed.usable), key=_arrival)
        if readable:
            assigned.counted[unit] = readable[-1].parsed  # type: ignore[assignment]
            assigned.from_scan.add(unit)
        elif unit not in assigned.failed:  # received, but nothing could be read from it: 报送有误
            assigned.failed[unit] = [FailedFile(s.file, "扫描件无法识别", unit) for s in sorted(scans, key=_arrival)]


def _arrival(scan: Scan) -> tuple[datetime, str]:
    return scan.file.received_at, scan.file.display


def scan_findings(unit: str, assigned: Assigned) -> tuple[bool | None, list[int], list[Problem]]:
    """(stamped, measures where the scan disagrees, problems) for one unit's scans of the week."""
    scans = sorted((s for s in assigned.scans if s.unit == unit), key=_arrival)
    if not scans:
        return None, [], []
    problems: list[Problem] = []
    ret = assigned.counted.get(unit)
    if unit in assigned.from_scan:  # the scan is the data source: what was read from it, row by row
        # Its seal is judged on that very scan: a stamped Monday copy does not vouch for an unstamped
        # Thursday correction whose values are the ones reported.
        source = next(s for s in scans if s.parsed is ret)
        stamped = bool(source.stamped)
        if not stamped:
            problems.append(problem("scan-unstamped", file=source.file.display, unit=unit))
        return stamped, [], problems + [p for p in source.problems if p.code not in SCAN_FILE_CODES]
    stamped = any(s.stamped for s in scans)  # paper copy of an electronic return: any stamped copy will do
    latest = scans[-1]
    if not stamped and latest.readable:
        problems.append(problem("scan-unstamped", file=latest.file.display, unit=unit))
    readable = [s for s in scans if s.parsed is not None]
    if ret is None or not readable:
        return stamped, [], problems
    paper = readable[-1]
    written = {r.measure_no: r.status for r in paper.parsed.rows}  # type: ignore[union-attr]
    mismatches = []
    for row in ret.rows:
        on_paper = written.get(row.measure_no)
        if row.status and on_paper and on_paper != row.status:
            mismatches.append(row.measure_no)
            problems.append(
                problem(
                    "scan-mismatch", file=paper.file.display, unit=unit,
                    no=row.measure_no, scan=on_paper, electronic=row.status,
                )
            )  # fmt: skip
    return stamped, mismatches, problems


def _failed_elsewhere(fail: FailedFile, arrived: date, config: Config) -> Problem:
    return problem(
        "failed-other-week",
        file=fail.file.display,
        unit=fail.unit or "",
        received=cn_datetime(fail.file.received_at, config),
        week=arrived.isoformat(),
        who=fail.unit or "报送单位",
        reason=fail.reason,
    )


def _other_week(ret: ParsedReturn, answered: date, week: date, config: Config) -> Problem:
    """Arrived this week but declares an earlier one: likely last week's form sent again — say so loudly."""
    arrived = week_of_received(ret.file.received_at, config).date()
    if arrived == week and answered < week:
        source = "报表模板标识" if ret.week_source == "template" else "填报日期"
        return problem(
            "week-stale", file=ret.file.display, unit=ret.unit or "", source=source, week=answered.isoformat()
        )
    return problem("week-other", file=ret.file.display, unit=ret.unit or "", week=answered.isoformat())


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
    if ret is not None:
        state.source = "scan" if unit in assigned.from_scan else "electronic"
        decisive = on_time_copy(unit, assigned, deadline)
        state.state = "on_time" if decisive else "late"
        state.received_at = (decisive or ret).file.received_at
        if decisive is not None and decisive is not ret:  # on time, then corrected after the deadline
            state.on_time_file, state.corrected_at = decisive.file.display, ret.file.received_at
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


def _consecutive(unit: str, state: str, week: date, previous: PreviousState) -> int:
    """Weeks in a row, ending with the report week, the unit did not report on time."""
    if state == "on_time":
        return 0
    by_week = {w: s for w, u, s in previous.unit_states if u == unit}
    count, cursor = 1, week - timedelta(days=7)
    while by_week.get(cursor) not in (None, "on_time"):
        count += 1
        cursor -= timedelta(days=7)
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
    elif current.status and before and current.status != before:
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
                    file=u.files[0],
                    unit=u.name,
                    received=cn_datetime(u.received_at, config),
                    deadline=cn_datetime(deadline, config),
                )
            )
        if u.corrected_at is not None and u.received_at:
            problems.append(
                problem(
                    "unit-corrected-late",
                    file=u.files[0],
                    unit=u.name,
                    first=u.on_time_file,
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
    own = [p for p in intake.problems if p.file not in assigned.elsewhere or p.code == "template-other-list"]
    own = [beside_return(p, assigned.counted) for p in own]
    # The saved-in-time rule is worth a warning where it decided on time: the counted copy or an earlier one.
    decisive = [on_time_copy(u, assigned, deadline) for u in assigned.counted]
    timing = [
        copies.saved_in_time_problem(r, config)
        for r in decisive
        if r is not None and copies.saved_in_time(r.file, deadline)
    ]
    problems = own + problems + timing + _unit_problems(units, deadline, config)
    problems += [p for u in master.units for p in findings[u][2]]
    problems += [problem("master-history-differs", no=no) for no in previous.history_differs]
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
