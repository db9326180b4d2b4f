"""Weekly merge: unit states, duplicates, combined status, overdue, lights, changes, consecutive misses."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from lyreport.assign import file_notes, resend_candidates, return_week
from lyreport.config import load_config
from lyreport.merge import combine_status, merge_week
from lyreport.models import FailedFile, IntakeResult, ParsedReturn, PreviousState, ReturnRow, Scan, SourceFile
from lyreport.weeks import deadline_on

CONFIG = load_config()
TZ = CONFIG.timezone
WEEK = date(2021, 1, 7)
DEADLINE = deadline_on(WEEK, CONFIG)


def _file(name: str, received: datetime, kind: str = "workbook") -> SourceFile:
    return SourceFile(Path(name), name, kind, received, sha256=name)


def _return(
    master,
    unit: str,
    received: datetime,
    status: str = "正常推进",
    name: str | None = None,
    week: date | None = WEEK,
    **overrides: str,
) -> ParsedReturn:
    rows = [
        ReturnRow(m.no, overrides.get(str(m.no), status), progress=f"{unit}第{m.no}条进展")
        for m in master.measures_of(unit)
    ]
    return ParsedReturn(
        _file(name or f"{unit}.xlsx", received),
        "落实情况",
        unit,
        week,
        "template" if week else "received",
        contact="张伟",
        phone="13800000000",
        rows=rows,
    )


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def _all_on_time(master, **exclude) -> IntakeResult:
    intake = IntakeResult()
    for unit in master.units:
        if unit not in exclude:
            intake.returns.append(_return(master, unit, _at(WEEK, 9)))
            intake.scans.append(
                Scan(_file(f"{unit}.pdf", _at(WEEK, 9), "scan"), unit, None, True, True)
            )  # a stamped one
    return intake


def test_states_on_time_late_missing_invalid(master):
    intake = _all_on_time(master, 市交通运输局=1, 市体育局=1, 市金融工作局=1)
    intake.returns.append(_return(master, "市交通运输局", _at(WEEK, 15, 20)))
    intake.failed.append(FailedFile(_file("市金融工作局.xlsx", _at(WEEK, 11)), "文件已损坏", "市金融工作局"))
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    assert result.unit("市发改委").state == "on_time"
    late = result.unit("市交通运输局")
    assert late.state == "late" and late.received_at == _at(WEEK, 15, 20)
    assert result.unit("市体育局").state == "missing"
    invalid = result.unit("市金融工作局")
    assert invalid.state == "invalid" and "损坏" in invalid.invalid_reason
    assert any(p.code == "unit-late" and p.unit == "市交通运输局" for p in result.problems)


def test_latest_return_counts_and_older_is_superseded(master):
    intake = _all_on_time(master, 市工信局=1)
    intake.returns.append(
        _return(master, "市工信局", _at(WEEK - timedelta(days=1), 16), status="尚未启动", name="旧.xlsx")
    )
    intake.returns.append(_return(master, "市工信局", _at(WEEK, 10), status="正常推进", name="新.xlsx"))
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    unit = result.unit("市工信局")
    assert unit.files == ["新.xlsx"] and unit.superseded == ["旧.xlsx"]
    assert result.measure(2).status == "正常推进"
    assert any(p.code == "duplicate-return" and p.file == "旧.xlsx" for p in result.problems)


def test_undated_return_received_after_deadline_is_late_not_next_week(master):
    intake = _all_on_time(master, 市教育局=1)
    intake.returns.append(_return(master, "市教育局", _at(WEEK + timedelta(days=1), 9), week=None))
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    assert result.unit("市教育局").state == "late"
    following = merge_week(master, intake, DEADLINE + timedelta(days=7), CONFIG, PreviousState(), 2)
    assert following.unit("市教育局").state == "missing"


def test_return_for_next_week_sent_after_the_deadline_not_counted(master):
    # Sent the day after this week's deadline on next week's template: early for next week, not late for this.
    intake = _all_on_time(master, 市教育局=1)
    intake.returns.append(_return(master, "市教育局", _at(WEEK + timedelta(days=1), 9), week=WEEK + timedelta(days=7)))
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    assert result.unit("市教育局").state == "missing"
    assert any(p.code == "week-next" for p in result.problems)
    following = merge_week(master, intake, DEADLINE + timedelta(days=7), CONFIG, PreviousState(), 2)
    assert following.unit("市教育局").state == "on_time"
    assert not any(p.code == "week-future" for p in following.problems)


def test_return_claiming_a_week_after_it_arrived_counts_for_its_arrival_week(master):
    # Received before this week's deadline, yet its template says a later week: impossible, so the arrival decides.
    intake = _all_on_time(master, 市教育局=1)
    intake.returns.append(_return(master, "市教育局", _at(WEEK, 9), week=WEEK + timedelta(days=21)))
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    assert result.unit("市教育局").state == "on_time"
    future = [p for p in result.problems if p.code == "week-future"]
    assert len(future) == 1 and future[0].unit == "市教育局" and "报表模板标识" in future[0].message
    assert WEEK.isoformat() in future[0].message and (WEEK + timedelta(days=21)).isoformat() in future[0].message
    later = merge_week(master, intake, DEADLINE + timedelta(days=21), CONFIG, PreviousState(), 4)
    assert later.unit("市教育局").state == "missing"  # never on time weeks later from a file received earlier


def test_filled_date_after_arrival_counts_for_arrival_week(master):
    # 填报日期 typed 2021-01-13 on a return received 2021-01-07 09:00.
    intake = _all_on_time(master, 市教育局=1)
    ret = _return(master, "市教育局", _at(WEEK, 9), week=None)
    intake.returns.append(dataclasses.replace(ret, week_source="填报日期", filled_on=WEEK + timedelta(days=6)))
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    assert result.unit("市教育局").state == "on_time"
    assert any(p.code == "week-future" and "填报日期" in p.message for p in result.problems)
    following = merge_week(master, intake, DEADLINE + timedelta(days=7), CONFIG, PreviousState(), 2)
    assert following.unit("市教育局").state == "missing"


def test_filled_date_after_arrival_does_not_make_a_version_newer(master):
    # The first file carries a mistyped future 填报日期; the correction sent the next morning must count.
    intake = _all_on_time(master, 市教育局=1)
    typo = _return(master, "市教育局", _at(WEEK - timedelta(days=1), 9), status="尚未启动", name="旧.xlsx", week=None)
    fixed = _return(master, "市教育局", _at(WEEK, 9), status="正常推进", name="新.xlsx", week=None)
    intake.returns.append(dataclasses.replace(typo, filled_on=WEEK + timedelta(days=6)))
    intake.returns.append(dataclasses.replace(fixed, filled_on=WEEK))
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    assert result.unit("市教育局").files == ["新.xlsx"]


def test_last_week_form_sent_this_week_is_flagged_not_counted(master):
    intake = _all_on_time(master, 市教育局=1)
    intake.returns.append(_return(master, "市教育局", _at(WEEK, 9), week=WEEK - timedelta(days=7)))
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    assert result.unit("市教育局").state == "missing"
    stale = [p for p in result.problems if p.code == "week-stale"]
    assert stale and stale[0].severity == "warning" and "2020-12-31" in stale[0].message


def test_unusable_return_from_a_known_unit_is_invalid_not_missing(master):
    intake = _all_on_time(master, 市教育局=1)
    bad = _return(master, "市教育局", _at(WEEK, 9))
    bad.rows, bad.errors = [], ["表中没有读到任何有效的措施行"]
    intake.returns.append(bad)
    unit = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1).unit("市教育局")
    assert unit.state == "invalid" and unit.files == ["市教育局.xlsx"] and "有效的措施行" in unit.invalid_reason


def test_return_made_for_another_list_is_set_aside(master):
    intake = _all_on_time(master, 市教育局=1)
    other = _return(master, "市教育局", _at(WEEK, 9))
    other.identity = {"list_id": "ly-dsq-7"}
    intake.returns.append(other)
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    assert result.unit("市教育局").state == "missing"


def test_failed_file_of_an_earlier_week_does_not_leak(master):
    intake = _all_on_time(master)
    old = _file("旧的坏文件.xlsx", _at(WEEK - timedelta(days=7), 9))
    intake.failed.append(FailedFile(old, "文件已损坏", "市教育局"))
    from lyreport.problems import problem

    intake.problems.append(problem("read-corrupt", file=old.display, reason="截断"))
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    # Its own findings stay with its week; this week gets one warning so it is never dropped silently (issue 11).
    (note,) = [p for p in result.problems if p.file == "旧的坏文件.xlsx"]
    assert (note.code, note.severity, note.unit) == ("failed-other-week", "warning", "市教育局")
    assert "文件已损坏" in note.message and "2020-12-31 这一周" in note.message
    assert result.unit("市教育局").state == "on_time"


def test_failed_file_of_a_later_week_is_not_charged_to_this_week(master):
    intake = _all_on_time(master, 市教育局=1)
    later = _file("新的坏文件.xlsx", _at(WEEK + timedelta(days=7), 9))
    intake.failed.append(FailedFile(later, "文件已损坏", "市教育局"))
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    assert result.unit("市教育局").state == "missing"  # its week is the next one, not this one
    # Not charged to this week, but never dropped without a word either: a note names the file and its week.
    (note,) = [p for p in result.problems if p.file == "新的坏文件.xlsx"]
    assert (note.code, note.severity, note.unit) == ("failed-later-week", "info", "市教育局")
    assert "文件已损坏" in note.message and "2021-01-14 这一周" in note.message


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["已完成", "已完成"], "已完成"),
        (["已完成", "正常推进"], "正常推进"),
        (["已完成", None], "正常推进"),  # a unit with no report at all: done only when every unit says so
        (["正常推进", "进度滞后"], "进度滞后"),
        (["尚未启动", None], "尚未启动"),
        ([None, None], None),
    ],
)
def test_combine_status(statuses, expected):
    assert combine_status(statuses) == expected


def test_overdue_and_lights(master):
    intake = _all_on_time(master, 市体育局=1)
    intake.returns = [r for r in intake.returns if r.unit != "市交通运输局"]
    intake.returns.append(_return(master, "市交通运输局", _at(WEEK, 9), **{"14": "进度滞后", "12": "已完成"}))
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    m10 = result.measure(10)  # node 2020-12-31 passed, not done
    assert m10.overdue and m10.light == "red" and m10.overdue_nodes == [date(2020, 12, 31)]
    assert m10.next_node == date(2021, 12, 31) and m10.days_to_next_node == 358
    m12 = result.measure(12)  # node passed but done: closed, no longer overdue
    assert m12.closed and not m12.overdue and m12.light == "green"
    assert result.measure(14).light == "red"  # 进度滞后
    assert result.measure(25).light == "yellow"  # 市体育局 did not report
    assert result.measure(25).reports == {"市体育局": None}
    assert result.measure(2).light == "green"


def test_node_within_warning_days_is_yellow(master):
    intake = _all_on_time(master)
    deadline = deadline_on(date(2021, 6, 10), CONFIG)
    for r in intake.returns:
        r.week = deadline.date()
        r.file.received_at = deadline - timedelta(hours=3)
    for s in intake.scans:
        s.file.received_at = deadline - timedelta(hours=3)
    result = merge_week(master, intake, deadline, CONFIG, PreviousState(), 1)
    m11 = result.measure(11)  # 2021-06-30 node, 20 days away; 2020-12-31 passed → red wins
    assert m11.light == "red" and m11.days_to_next_node == 20


def test_changes_and_consecutive_misses(master):
    previous = PreviousState(
        week=WEEK - timedelta(days=7),
        measure_status={2: "正常推进", 3: "正常推进"},
        measure_overdue={10: False},
        unit_states=[
            (WEEK - timedelta(days=14), "市体育局", "missing"),
            (WEEK - timedelta(days=7), "市体育局", "late"),
        ],
    )
    intake = _all_on_time(master, 市体育局=1, 市工信局=1)
    intake.returns.append(_return(master, "市工信局", _at(WEEK, 9), status="已完成"))
    result = merge_week(master, intake, DEADLINE, CONFIG, previous, 3)
    assert "newly_completed" in result.measure(2).changes
    assert "newly_overdue" in result.measure(10).changes
    assert result.unit("市体育局").consecutive_missed == 3
    assert result.unit("市发改委").consecutive_missed == 0


def test_carried_status_when_unit_silent(master):
    previous = PreviousState(week=WEEK - timedelta(days=7), last_rows={("市体育局", 25): ReturnRow(25, "进度滞后")})
    result = merge_week(master, _all_on_time(master, 市体育局=1), DEADLINE, CONFIG, previous, 2)
    assert result.measure(25).status == "进度滞后" and result.measure(25).light == "red"


def test_unreadable_status_this_week_never_closes_on_an_earlier_done(master):
    previous = PreviousState(
        week=WEEK - timedelta(days=7),
        measure_status={25: "已完成"},
        last_rows={("市体育局", 25): ReturnRow(25, "已完成")},
    )
    # This week the unit reports measure 25 with a blank / unreadable status (an error is at the cell).
    intake = _all_on_time(master, 市体育局=1)
    intake.returns.append(_return(master, "市体育局", _at(WEEK, 9), **{"25": None}))
    m25 = merge_week(master, intake, DEADLINE, CONFIG, previous, 2).measure(25)
    assert m25.status != "已完成" and not m25.closed and m25.light != "green"
    # Closed in an earlier week and not reported this week: still closed (documented behaviour).
    silent = merge_week(master, _all_on_time(master, 市体育局=1), DEADLINE, CONFIG, previous, 2).measure(25)
    assert silent.closed and silent.light == "green"


def test_scan_missing_flagged(master):
    intake = _all_on_time(master)
    intake.scans = [s for s in intake.scans if s.unit != "市应急管理局"]
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    assert not result.unit("市应急管理局").scan_received
    assert any(p.code == "scan-missing" and p.unit == "市应急管理局" for p in result.problems)


def test_counted_scan_judged_for_its_own_seal(master):
    """A stamped Monday scan, then an unstamped corrected one whose values are used: scan-unstamped for it."""
    unit = "市金融工作局"
    intake = _all_on_time(master)
    intake.returns = [r for r in intake.returns if r.unit != unit]
    intake.scans = [s for s in intake.scans if s.unit != unit]
    monday, thursday = _at(WEEK - timedelta(days=3), 9), _at(WEEK, 9)
    first = _return(master, unit, monday, name="周一.pdf")
    second = _return(master, unit, thursday, status="已完成", name="周四.pdf")
    for ret in (first, second):
        ret.source = "scan"
    intake.scans += [
        Scan(_file("周一.pdf", monday, "scan"), unit, first, True, True),
        Scan(_file("周四.pdf", thursday, "scan"), unit, second, False, True),
    ]
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    state = result.unit(unit)
    assert state.source == "scan" and state.scan_stamped is False
    assert any(p.code == "scan-unstamped" and p.unit == unit and p.file == "周四.pdf" for p in result.problems)
    # The other way round (unstamped first, stamped correction counted): no warning.
    intake.scans[-2].stamped, intake.scans[-1].stamped = False, True
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    assert result.unit(unit).scan_stamped is True
    assert not any(p.code == "scan-unstamped" and p.unit == unit for p in result.problems)


def test_return_from_unit_outside_the_list_is_reported(master):
    intake = _all_on_time(master)
    stray = _return(master, "市发改委", _at(WEEK, 9), name="科技局.xlsx")
    stray.unit = "市科技局"
    intake.returns.append(stray)
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    found = [p for p in result.problems if p.code == "unit-not-responsible"]
    assert found and found[0].file == "科技局.xlsx" and "市科技局" in found[0].message
    assert result.unit("市科技局") is None


def test_unreadable_status_is_never_greener_than_not_reported(master):
    """正在研究 / 同上 could not be read: the light is that of a unit that sent nothing (yellow), not green."""
    unit = master.measure(2).units[0]
    intake = _all_on_time(master)
    intake.returns = [r for r in intake.returns if r.unit != unit]
    unreadable = _return(master, unit, _at(WEEK, 9))
    for row in unreadable.rows:
        if row.measure_no == 2:
            row.status = None  # the parser found 正在研究 and reported status-unknown
    intake.returns.append(unreadable)
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    assert result.measure(2).light == "yellow"
    silent = _all_on_time(master, **{unit: 1})
    assert merge_week(master, silent, DEADLINE, CONFIG, PreviousState(), 1).measure(2).light == "yellow"


def test_check_shows_the_arrival_week_for_a_future_claim(master):
    # `check` (file_notes, return_week): the week shown is the arrival week, with the warning beside it.
    ret = dataclasses.replace(
        _return(master, "市交通运输局", _at(WEEK, 9), week=None), week_source="填报日期", filled_on=date(2021, 1, 31)
    )
    assert return_week(ret, CONFIG) == WEEK
    assert [p.code for p in file_notes([ret], CONFIG)] == ["week-future"]


def _corrected(master, first: ParsedReturn | FailedFile | None = None) -> tuple[IntakeResult, object]:
    """市教育局: `first` before the deadline, then a correction at 15:00 the same Thursday."""
    intake = _all_on_time(master, 市教育局=1)
    if isinstance(first, FailedFile):
        intake.failed.append(first)
    elif first is not None:
        intake.returns.append(first)
    intake.returns.append(_return(master, "市教育局", _at(WEEK, 15), status="进度滞后", name="市教育局（更正）.xlsx"))
    return intake, merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)


def test_on_time_return_corrected_after_the_deadline_is_on_time(master):
    from lyreport.render.ledger import _overview_rows
    from lyreport.render.summary_json import summary_dict
    from lyreport.render.summary_text import unit_row

    _, result = _corrected(master, _return(master, "市教育局", _at(WEEK, 10), name="市教育局.xlsx"))
    unit = result.unit("市教育局")
    assert (unit.state, unit.received_at, unit.consecutive_missed) == ("on_time", _at(WEEK, 10), 0)
    assert unit.files == ["市教育局（更正）.xlsx"] and unit.superseded == ["市教育局.xlsx"]
    assert unit.corrected_at == _at(WEEK, 15) and unit.first_file == "市教育局.xlsx"
    assert result.measure(22).reports["市教育局"].status == "进度滞后"  # the data is the correction's
    assert not [p for p in result.problems if p.code == "unit-late"]
    note = next(p for p in result.problems if p.code == "unit-corrected-late")
    assert note.unit == "市教育局" and note.file == "市教育局（更正）.xlsx"
    assert "1月7日 10:00" in note.message and "1月7日 15:00" in note.message and "《市教育局.xlsx》" in note.message
    shown = next(u for u in summary_dict(result)["units"] if u["name"] == "市教育局")
    assert (shown["state"], shown["received_at"]) == ("on_time", "2021-01-07T10:00:00+08:00")
    assert shown["corrected_at"] == "2021-01-07T15:00:00+08:00"
    cell = unit_row(unit, CONFIG)[2]  # 附件2 收到时间
    assert cell.startswith("1月7日 10:00") and "15:00收到更正" in cell
    on_time = next(r for r in _overview_rows(result) if r[1] == "按时报送")
    assert "市教育局（1月7日 15:00 收到更正" in on_time[3]


@pytest.mark.parametrize("kind", ["unusable", "unreadable"])
def test_an_unusable_copy_before_the_deadline_does_not_make_a_late_correction_on_time(master, kind):
    if kind == "unusable":  # read, but no usable rows: 报送有误
        first = _return(master, "市教育局", _at(WEEK, 10), name="市教育局.xlsx")
        first.rows, first.errors = [], ["表中没有读到任何有效的措施行"]
    else:
        first = FailedFile(_file("市教育局.xlsx", _at(WEEK, 10)), "文件已损坏", "市教育局")
    _, result = _corrected(master, first)
    unit = result.unit("市教育局")
    assert (unit.state, unit.received_at, unit.corrected_at) == ("late", _at(WEEK, 15), None)
    assert any(p.code == "unit-late" and p.unit == "市教育局" for p in result.problems)
    assert not [p for p in result.problems if p.code == "unit-corrected-late"]


def test_copies_all_after_the_deadline_stay_late(master):
    """Late since its first usable copy (13:00), not since the correction that supplies the data (15:00)."""
    _, result = _corrected(master, _return(master, "市教育局", _at(WEEK, 13), name="市教育局.xlsx"))
    unit = result.unit("市教育局")
    assert (unit.state, unit.received_at, unit.corrected_at) == ("late", _at(WEEK, 13), _at(WEEK, 15))
    assert unit.first_file == "市教育局.xlsx"
    assert [p.code for p in result.problems if p.unit == "市教育局" and "late" in p.code] == [
        "unit-late",
        "unit-late-corrected",
    ]


def test_earlier_copy_saved_before_the_deadline_is_on_time_with_both_warnings(master):
    first = _return(master, "市教育局", _at(WEEK, 13), name="市教育局.xlsx")
    first.file.saved_at = _at(WEEK, 11)  # saved from the mail after the deadline; the workbook says 11:00
    _, result = _corrected(master, first)
    unit = result.unit("市教育局")
    assert (unit.state, unit.received_at, unit.corrected_at) == ("on_time", _at(WEEK, 13), _at(WEEK, 15))
    codes = {p.code for p in result.problems if p.unit == "市教育局"}
    assert {"saved-before-deadline", "unit-corrected-late"} <= codes


def _record(conn, master, intake, week: date, previous: PreviousState, period: int):
    from lyreport.history import replace_week

    result = merge_week(master, intake, deadline_on(week, CONFIG), CONFIG, previous, period)
    conn.execute("BEGIN")
    replace_week(conn, result, {}, [])
    conn.execute("COMMIT")
    return result


def _all_on_time_in(master, week: date, **exclude) -> IntakeResult:
    intake = IntakeResult()
    for unit in master.units:
        if unit not in exclude:
            intake.returns.append(_return(master, unit, _at(week - timedelta(days=1), 9), week=week))
            scan = _file(f"{unit}.pdf", _at(week - timedelta(days=1), 9), "scan")
            intake.scans.append(Scan(scan, unit, None, True, True))  # stamped
    return intake


def test_renumbered_master_does_not_carry_history_to_another_measure(master, directory, tmp_path):
    from lyreport.history import open_history, previous_state

    before = WEEK - timedelta(days=7)
    conn = open_history(tmp_path / "history")
    intake = _all_on_time_in(master, before)
    intake.returns = [r for r in intake.returns if r.unit != "市交通运输局"]
    intake.returns.append(
        _return(master, "市交通运输局", _at(before - timedelta(days=1), 9), week=before, **{"10": "已完成"})
    )
    assert _record(conn, master, intake, before, PreviousState(), 1).measure(10).closed
    # Staff insert a new measure as No. 10 and shift the rest; the unit does not report this week.
    old10 = master.measure(10)
    new10 = dataclasses.replace(old10, no=10, text="新增：推进洛阳至济源快速通道改造提升工程。")
    shifted = [m if m.no < 10 else dataclasses.replace(m, no=m.no + 1) for m in master.measures]
    renumbered = dataclasses.replace(master, measures=sorted([*shifted, new10], key=lambda m: m.no))
    previous = previous_state(conn, master.list_id, WEEK, renumbered, directory)
    result = merge_week(renumbered, _all_on_time(renumbered, 市交通运输局=1), DEADLINE, CONFIG, previous, 2)
    assert not result.measure(10).closed and result.measure(10).status is None
    assert result.measure(10).light != "green"
    assert result.measure(11).closed  # the old measure 10, found by its text
    differs = [p for p in result.problems if p.code == "master-history-differs"]
    assert len(differs) == 1 and "第 10 条" in differs[0].message


def test_a_text_pasted_twice_in_an_old_list_does_not_carry_the_copy_s_status(master, directory, tmp_path):
    """Measure 11 of an old list held measure 10's text by mistake (corrected since) and was reported
    已完成: that 已完成 belongs to neither current measure, and measure 10 must not be closed by it."""
    from lyreport.history import open_history, previous_state

    before = WEEK - timedelta(days=7)
    conn = open_history(tmp_path / "history")
    pasted = [dataclasses.replace(m, text=master.measure(10).text) if m.no == 11 else m for m in master.measures]
    old = dataclasses.replace(master, measures=pasted)
    intake = _all_on_time_in(old, before, 市交通运输局=1)
    intake.returns.append(
        _return(old, "市交通运输局", _at(before - timedelta(days=1), 9), week=before, **{"11": "已完成"})
    )
    _record(conn, old, intake, before, PreviousState(), 1)
    previous = previous_state(conn, master.list_id, WEEK, master, directory)
    result = merge_week(master, _all_on_time(master, 市交通运输局=1), DEADLINE, CONFIG, previous, 2)
    assert result.measure(10).status == "正常推进" and not result.measure(10).closed
    assert result.measure(11).status is None and not result.measure(11).closed
    differs = [p.message for p in result.problems if p.code == "master-history-differs"]
    assert any("第 11 条" in m for m in differs), differs


def test_measures_sharing_a_text_are_told_apart_by_their_units(master, directory, tmp_path):
    """Two measures with one text (units differ) swap numbers: each keeps its own history, by its units."""
    from lyreport.history import open_history, previous_state

    before = WEEK - timedelta(days=7)
    conn = open_history(tmp_path / "history")
    text = "加强两地金融与交通领域合作。"
    old = dataclasses.replace(
        master, measures=[dataclasses.replace(m, text=text) if m.no in (7, 8) else m for m in master.measures]
    )
    intake = _all_on_time_in(old, before, 市金融工作局=1)
    intake.returns.append(
        _return(old, "市金融工作局", _at(before - timedelta(days=1), 9), week=before, **{"7": "已完成"})
    )
    _record(conn, old, intake, before, PreviousState(), 1)
    swapped = [
        dataclasses.replace(m, no=15 - m.no) if m.no in (7, 8) else m for m in old.measures
    ]  # 7 <-> 8, with their units
    current = dataclasses.replace(old, measures=sorted(swapped, key=lambda m: m.no))
    assert current.measure(8).units == ["市金融工作局"]
    previous = previous_state(conn, master.list_id, WEEK, current, directory)
    result = merge_week(current, _all_on_time(current, 市金融工作局=1, 市发改委=1), DEADLINE, CONFIG, previous, 2)
    assert result.measure(8).status == "已完成" and result.measure(8).closed
    assert result.measure(7).status == "正常推进" and not result.measure(7).closed
    assert previous.history_moved == {7: 8, 8: 7}


def test_history_without_measure_texts_still_loads(master, directory, tmp_path):
    from lyreport.history import open_history, previous_state

    before = WEEK - timedelta(days=7)
    conn = open_history(tmp_path / "history")
    intake = _all_on_time_in(master, before)
    _record(conn, master, intake, before, PreviousState(), 1)
    conn.execute("DROP TABLE measure_texts")  # a history file written before measure texts were kept
    assert previous_state(conn, master.list_id, WEEK, master, directory).last_rows
    conn.close()
    conn = open_history(tmp_path / "history")  # opening migrates: the table is created, old weeks still read
    previous = previous_state(conn, master.list_id, WEEK, master, directory)
    assert previous.last_rows and not previous.history_differs


def test_renamed_unit_keeps_its_history_through_the_alias(master, directory, tmp_path):
    from lyreport.history import open_history, previous_state
    from lyreport.unitnames import UnitDirectory

    conn = open_history(tmp_path / "history")
    first, second = WEEK - timedelta(days=14), WEEK - timedelta(days=7)
    intake = _all_on_time_in(master, first)
    intake.returns = [r for r in intake.returns if r.unit != "市卫健委"]
    intake.returns.append(
        _return(master, "市卫健委", _at(first - timedelta(days=1), 9), week=first, **{"20": "已完成"})
    )
    assert _record(conn, master, intake, first, PreviousState(), 1).measure(20).closed
    previous = previous_state(conn, master.list_id, second, master, directory)
    _record(conn, master, _all_on_time_in(master, second, 市卫健委=1), second, previous, 2)
    # Staff rename the unit, keeping the old name as an alias.
    new = "市卫生健康委"
    units = [
        dataclasses.replace(u, name=new, aliases=["市卫健委", *u.aliases]) if u.name == "市卫健委" else u
        for u in directory.units
    ]
    renamed_dir = UnitDirectory(units)
    measures = [dataclasses.replace(m, units=[new if u == "市卫健委" else u for u in m.units]) for m in master.measures]
    renamed = dataclasses.replace(master, measures=measures)
    previous = previous_state(conn, master.list_id, WEEK, renamed, renamed_dir)
    result = merge_week(renamed, _all_on_time(renamed, **{new: 1}), DEADLINE, CONFIG, previous, 3)
    assert result.unit(new).consecutive_missed == 2
    assert result.measure(20).closed and result.measure(20).status == "已完成"


def test_file_archived_for_an_earlier_week_is_not_counted(master):
    intake = _all_on_time(master, 市交通运输局=1)
    resent = _return(master, "市交通运输局", _at(WEEK, 9), name="回复.eml › 交通.xlsx", week=None)
    intake.returns.append(resent)
    # Only returns naming no week of their own are looked up in the archive.
    assert resend_candidates(intake, DEADLINE, CONFIG, master) == [resent.file]
    previous = PreviousState(resent={resent.file.display: (WEEK - timedelta(days=7), "交通.xlsx")})
    result = merge_week(master, intake, DEADLINE, CONFIG, previous, 2)
    assert result.unit("市交通运输局").state == "missing"
    assert resent.file not in result.answered
    (found,) = [p for p in result.problems if p.code == "file-already-archived"]
    assert found.file == resent.file.display and "2020-12-31" in found.message and "《交通.xlsx》" in found.message


# ----------------------------------------------------------------- black-and-white scans: the seal cannot be told
def _grey_scan(name: str, unit: str, ret: ParsedReturn | None, pages: list[int] | None = None) -> Scan:
    """A scan without a seal found whose pages hold no colour (what the reader says of a grey or fax scan)."""
    return Scan(_file(name, _at(WEEK, 10), "scan"), unit, ret, None, True, grey_pages=pages or [1])


def test_black_and_white_scan_alone_is_neither_stamped_nor_unstamped(master):
    """The unit sent only a greyscale scan: a red seal cannot show on it, so scan-seal-unknown (at its page),
    scan_stamped null, and no 未盖章 anywhere (was scan-unstamped and scan_stamped false: a silent guess)."""
    from lyreport.render.scan_text import scan_cell
    from lyreport.render.summary_json import summary_dict
    from lyreport.render.summary_text import reporting

    unit = "市金融工作局"
    intake = _all_on_time(master)
    intake.returns = [r for r in intake.returns if r.unit != unit]
    intake.scans = [s for s in intake.scans if s.unit != unit]
    paper = _return(master, unit, _at(WEEK, 10), name="黑白扫描件.pdf")
    paper.source = "scan"
    intake.scans.append(_grey_scan("黑白扫描件.pdf", unit, paper, [1, 2]))
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    state = result.unit(unit)
    assert state.source == "scan" and state.scan_received
    assert state.scan_stamped is None and state.scan_seal_unknown
    codes = [(p.code, p.file, p.cell) for p in result.problems if p.unit == unit and p.code.startswith("scan-s")]
    assert codes == [("scan-seal-unknown", "黑白扫描件.pdf", "第1、2页")]
    (unknown,) = [p for p in result.problems if p.code == "scan-seal-unknown"]
    assert "黑白或灰度" in unknown.message and "无法" in unknown.message
    assert next(u for u in summary_dict(result)["units"] if u["name"] == unit)["scan_stamped"] is None
    cell = scan_cell(state, CONFIG)
    assert "黑白件" in cell and "未见公章" not in cell
    said = "".join(b.text for b in reporting(result, CONFIG))
    assert f"{unit}的扫描件为黑白件，无法核验公章，请人工核实。" in said
    assert "未发现公章" not in said and "均按时报送了电子版及盖章扫描件" not in said


def test_black_and_white_copy_of_an_electronic_return(master):
    """The electronic return plus a grey paper copy: cannot be told; a stamped colour copy besides it settles it;
    an unstamped colour copy besides it does not (the grey one may bear the seal). A colour copy alone without
    a seal stays scan-unstamped."""
    unit = "市金融工作局"

    def run(*scans: Scan):
        intake = _all_on_time(master)
        intake.scans = [s for s in intake.scans if s.unit != unit] + list(scans)
        result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
        found = sorted(p.code for p in result.problems if p.unit == unit and p.code.startswith("scan-"))
        return result.unit(unit), found

    grey = _grey_scan("黑白.pdf", unit, None)
    colour = Scan(_file("彩色.pdf", _at(WEEK, 11), "scan"), unit, None, False, True)
    stamped = Scan(_file("盖章.pdf", _at(WEEK, 11), "scan"), unit, None, True, True)
    state, found = run(grey)
    assert (state.source, state.scan_stamped, state.scan_seal_unknown, found) == (
        "electronic", None, True, ["scan-seal-unknown"]
    )  # fmt: skip
    state, found = run(grey, colour)
    assert (state.scan_stamped, state.scan_seal_unknown, found) == (None, True, ["scan-seal-unknown"])
    state, found = run(grey, stamped)
    assert (state.scan_stamped, state.scan_seal_unknown, found) == (True, False, [])
    state, found = run(colour)
    assert (state.scan_stamped, state.scan_seal_unknown, found) == (False, False, ["scan-unstamped"])


def test_a_scan_never_looked_at_is_not_called_unstamped(master):
    """The unit's only paper copy timed out or crashed in the reader (stamped None, no grey pages): its seal was
    never looked at, so scan_stamped is null and 附件2 says nothing of a seal (was false: "未见公章", unchecked)."""
    from lyreport.render.scan_text import scan_cell

    unit = "市金融工作局"
    intake = _all_on_time(master)
    crashed = Scan(_file("扫描件.pdf", _at(WEEK, 10), "scan"), unit, None, None, False)
    intake.scans = [s for s in intake.scans if s.unit != unit] + [crashed]
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    state = result.unit(unit)
    assert state.scan_received and state.scan_stamped is None and not state.scan_seal_unknown
    assert "未见公章" not in scan_cell(state, CONFIG)
    assert not [p for p in result.problems if p.unit == unit and p.code == "scan-unstamped"]


def test_all_on_time_is_not_all_stamped_when_a_scan_bears_no_seal(master):
    """Every unit on time with its scan, one scan without a seal: the 通报 said "均按时报送了电子版及盖章扫描件" and
    dropped the paper sentences, so the unstamped (or only-scanned) unit went unsaid."""
    from lyreport.render.summary_text import reporting

    unit = "市金融工作局"
    intake = _all_on_time(master)
    intake.scans = [s for s in intake.scans if s.unit != unit]
    intake.scans.append(Scan(_file("彩色.pdf", _at(WEEK, 11), "scan"), unit, None, False, True))
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    said = "".join(b.text for b in reporting(result, CONFIG))
    assert f"扫描件上未发现公章的单位1个：{unit}" in said and "均按时报送了电子版及盖章扫描件" not in said
    everyone = merge_week(master, _all_on_time(master), DEADLINE, CONFIG, PreviousState(), 1)
    assert "".join(b.text for b in reporting(everyone, CONFIG)) == "本期各单位均按时报送了电子版及盖章扫描件。"


def test_all_on_time_is_not_all_stamped_when_a_scan_could_not_be_read(master):
    """A scan received that no form could be read from (a blank page, a damaged PDF, a time-out): its seal was never
    looked at. The 通报 said "均按时报送了电子版及盖章扫描件" while 附件2 said "黑白件" for a blank page (oracle2)."""
    from lyreport.render.scan_text import scan_cell
    from lyreport.render.summary_text import reporting

    units = ["市金融工作局", "市林业局"]
    intake = _all_on_time(master)
    intake.scans = [s for s in intake.scans if s.unit not in units]
    intake.scans.append(Scan(_file("空白.png", _at(WEEK, 10), "scan"), units[0], None, None, False, grey_pages=[1]))
    intake.scans.append(Scan(_file("损坏.pdf", _at(WEEK, 10), "scan"), units[1], None, None, False))
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    said = "".join(b.text for b in reporting(result, CONFIG))
    assert "均按时报送了电子版及盖章扫描件" not in said and "黑白件" not in said
    assert "市金融工作局、市林业局的扫描件未能识别，是否盖章未经核验，请人工核实。" in said
    for unit in units:
        assert scan_cell(result.unit(unit), CONFIG) == "已收到（未能识别，未核验公章）"


def test_an_inbox_with_no_file_of_the_week_is_said_loudly(master):
    """Every file of the inbox answers last week (the new returns not yet saved, or the wrong --week): every unit
    was 未报送 with no more than a note per file."""
    intake = _all_on_time_in(master, WEEK - timedelta(days=7))
    result = merge_week(master, intake, DEADLINE, CONFIG, PreviousState(), 1)
    assert {u.state for u in result.units} == {"missing"}
    (said,) = [p for p in result.problems if p.code == "week-none-answered"]
    assert said.severity == "warning" and "2021-01-07 这一周" in said.message and "15 个文件属于其他周" in said.message
    ordinary = merge_week(master, _all_on_time(master), DEADLINE, CONFIG, PreviousState(), 1)
    assert "week-none-answered" not in {p.code for p in ordinary.problems}
    # This week's file that fits no unit (no unit found, another list …) is not another week's: nothing claimed.
    stray = IntakeResult()
    stray.failed.append(FailedFile(_file("附件1.xlsx", _at(WEEK, 9)), "文件已损坏", None))
    result = merge_week(master, stray, DEADLINE, CONFIG, PreviousState(), 1)
    assert "week-none-answered" not in {p.code for p in result.problems}
