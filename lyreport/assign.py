"""Which of the week's files answer the report week, and which copy of each unit's counts.

A return answers the week it declares (its template identity, else its 填报日期) unless that lies after
its arrival, else the week it arrived in; last week's file sent again is not this week's. Among several
returns of one unit the rules of copies.py pick one; a unit's signed scans are judged here too.
Pure: no file system, no clock.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime

from . import copies
from .config import Config
from .models import FailedFile, IntakeResult, MasterList, ParsedReturn, Scan, SourceFile
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
    other_week: set[str] = field(default_factory=set)  # display names of returns and unusable files of other weeks

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


# How a return names its week, as said to staff (else its 填报日期).
_WEEK_SOURCES = {"template": "报表模板标识", "printed": "页脚印的报送周"}


def _week_source(ret: ParsedReturn) -> str:
    return _WEEK_SOURCES.get(ret.week_source, "填报日期")


def _claimed_week(ret: ParsedReturn, config: Config) -> date | None:
    """The week a return says it answers: its template identity (or the week printed on a scanned page without
    one), else its 填报日期."""
    if ret.week_source in _WEEK_SOURCES and ret.week:
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
        source=_week_source(ret),
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
    """Marked for another list by its template, or found to report another list's measures (otherlist.py)."""
    list_id = ret.identity.get("list_id", "")
    return bool(ret.other_list) or (bool(list_id) and list_id != master.list_id)


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
    other_week: set[str] = set()
    failed: dict[str, list[FailedFile]] = {}
    for fail in intake.failed:
        arrived = week_of_received(fail.file.received_at, config).date()
        if arrived != week:  # its content cannot say which week it answers: one note, never silence
            elsewhere.add(fail.file.display)
            other_week.add(fail.file.display)
            problems.append(_failed_elsewhere(fail, arrived, week, config))
        elif fail.unit:
            failed.setdefault(fail.unit, []).append(fail)
    for ret in intake.returns:
        answered = return_week(ret, config)
        if _other_list(ret, master) or answered != week:
            elsewhere.add(ret.file.display)
            if not _other_list(ret, master):
                problems.append(_other_week(ret, answered, week, config))
                other_week.add(ret.file.display)
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
    scans, more = _week_scans([s for s in intake.scans if not _other_list_scan(s, master)], week, config)
    problems += more
    assigned = Assigned(counted, elsewhere, superseded, failed, scans, other_week=other_week)
    _count_scan_only(assigned)
    return assigned, problems


def _other_list_scan(scan: Scan, master: MasterList) -> bool:
    """Another list's paper (its QR mark, or its measures): set aside like that list's workbook, said with its file."""
    return scan.parsed is not None and _other_list(scan.parsed, master)


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
                source = "二维码标识" if by_mark else _week_source(scan.parsed)  # type: ignore[arg-type]
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
        stamped: bool | None = bool(source.stamped)
        if source.seal_unknown:  # black-and-white: a seal would not show, so none is claimed either way
            stamped = None
            problems.append(_seal_unknown(source, unit))
        elif not stamped:
            problems.append(problem("scan-unstamped", file=source.file.display, unit=unit))
        return stamped, [], problems + [p for p in source.problems if p.code not in SCAN_FILE_CODES]
    stamped = any(s.stamped for s in scans)  # paper copy of an electronic return: any stamped copy will do
    latest = scans[-1]
    grey = [s for s in scans if s.seal_unknown]
    if all(s.stamped is None and not s.seal_unknown for s in scans):  # no scan could be looked at (timed out,
        stamped = None  # crashed): its own read problem says so; "no seal" would be a claim never checked
    elif not stamped and grey:  # a black-and-white copy may bear the seal unseen: it cannot be told
        stamped = None
        if latest.readable:
            problems.append(_seal_unknown(grey[-1], unit))
    elif not stamped and latest.readable:
        problems.append(problem("scan-unstamped", file=latest.file.display, unit=unit))
    readable = [s for s in scans if s.parsed is not None]
    if ret is None or not readable:
        return stamped, [], problems
    paper = readable[-1]
    written = {r.measure_no: r.status for r in paper.parsed.rows}  # type: ignore[union-attr]
    mismatches = []
    unread = [r.measure_no for r in ret.rows if r.status and r.measure_no in written and not written[r.measure_no]]
    if unread:  # a row found on the paper whose status could not be read (a tick unseen, blank, struck)
        problems.append(
            problem("scan-unchecked", file=paper.file.display, unit=unit, nos="、".join(map(str, sorted(unread))))
        )
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


def _seal_unknown(scan: Scan, unit: str) -> Problem:
    """scan-seal-unknown for a black-and-white scan without a seal found, at its colourless pages."""
    return problem("scan-seal-unknown", file=scan.file.display, cell=grey_pages_place(scan), unit=unit)


def grey_pages_place(scan: Scan) -> str:
    """The pages of a scan that hold no colour, as "第2页" or "第1、2页"."""
    return f"第{'、'.join(map(str, scan.grey_pages))}页" if scan.grey_pages else ""


def _failed_elsewhere(fail: FailedFile, arrived: date, week: date, config: Config) -> Problem:
    """An unusable file whose time falls in another week: a warning when earlier (this week's, sent early or with a
    wrong clock?), a note when later (mostly that week's own, seen when an earlier week is run again)."""
    return problem(
        "failed-other-week" if arrived < week else "failed-later-week",
        file=fail.file.display,
        unit=fail.unit or "",
        received=cn_datetime(fail.file.received_at, config),
        week=arrived.isoformat(),
        who=fail.unit or "报送单位",
        reason=fail.reason,
    )


def _other_week(ret: ParsedReturn, answered: date, week: date, config: Config) -> Problem:
    """A return set aside for another week: said loudly wherever it may be this week's after all."""
    arrived = week_of_received(ret.file.received_at, config).date()
    source = _week_source(ret)
    if _claimed_week(ret, config) == week:  # says this week, but "arrived" long before it (a sender's clock)
        return future_week_problem(ret, config)  # type: ignore[return-value]
    if arrived == week and answered < week:  # likely last week's form sent again
        return problem(
            "week-stale", file=ret.file.display, unit=ret.unit or "", source=source, week=answered.isoformat()
        )
    if arrived == week and answered > week:  # came in this week's late window marked for the next week
        received = cn_datetime(ret.file.received_at, config)
        return problem(
            "week-next", file=ret.file.display, unit=ret.unit or "", source=source,
            week=answered.isoformat(), received=received, days=config.late_days,
        )  # fmt: skip
    if (
        answered > week
        and declared_week(ret, config) is None
        and copies.saved_in_time(ret.file, deadline_on(week, config))
    ):  # only its file time puts it later: saved into the inbox days after it came, perhaps
        return problem(
            "week-saved-earlier", file=ret.file.display, unit=ret.unit or "", week=answered.isoformat(),
            received=cn_datetime(ret.file.received_at, config),
            saved=cn_datetime(ret.file.saved_at, config),  # type: ignore[arg-type]
        )  # fmt: skip
    return problem("week-other", file=ret.file.display, unit=ret.unit or "", week=answered.isoformat())
