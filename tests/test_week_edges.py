"""Which week a return answers and whether it was on time, at the edges (red-team round on weeks, dates
and times): a return set aside for another week must never leave its unit 未报送 with no more than a note.
Every return is built here, in code.
"""

from __future__ import annotations

from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path

from test_copies import _saved_at, at, grid, identity, put, workbook

from lyreport.api import run_week
from lyreport.models import MasterList
from lyreport.samples import set_received

WEEK = date(2021, 1, 7)
TRANSPORT = "市交通运输局"


def _run(workspace: Path, inbox: Path, now: datetime, week: date | None = WEEK):
    return run_week(workspace, week, inbox=inbox, now=now, workers=0).result


def _unit(result, name: str = TRANSPORT):
    return next(u for u in result.units if u.name == name)


def _said(result, file: str) -> list[tuple[str, str]]:
    return [(p.code, p.severity) for p in result.problems if p.file == file]


def test_next_weeks_form_arriving_in_this_weeks_late_window_is_said(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    # Friday after the deadline, on the template made for the next week: an early return, or this week's late one.
    inbox = tmp_path / "inbox"
    path = workbook(tmp_path / "src.xlsx", grid(master, TRANSPORT, date(2021, 1, 8)), identity(TRANSPORT, "2021-01-14"))
    put(inbox / "交通局.xlsx", path.read_bytes(), at(8, 9))
    result = _run(workspace, inbox, at(8, 10))
    assert _unit(result).state == "missing"  # counted for the week it is marked for, never twice
    assert ("week-next", "warning") in _said(result, "交通局.xlsx")
    (said,) = [p.message for p in result.problems if p.code == "week-next"]
    assert "2021-01-14" in said and "2021年1月8日 09:00" in said


def test_a_file_saved_into_the_inbox_days_later_is_said_when_the_workbook_was_saved_this_week(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    # No template mark, no 填报日期: only the file time (Monday, when staff saved it) places it in the next week.
    inbox = tmp_path / "inbox"
    path = _saved_at(workbook(tmp_path / "src.xlsx", grid(master, TRANSPORT, None)), "2021-01-06T02:00:00Z")
    put(inbox / "交通局.xlsx", path.read_bytes(), at(11, 9))
    result = _run(workspace, inbox, at(11, 10))
    assert _unit(result).state == "missing"
    assert ("week-saved-earlier", "warning") in _said(result, "交通局.xlsx")


def test_this_weeks_form_with_a_mail_date_years_back_is_said_not_noted(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    # The sender's PC clock said 2012 (no Received stamps): the mail "arrived" nine years before its template.
    inbox = tmp_path / "inbox"
    path = workbook(tmp_path / "src.xlsx", grid(master, TRANSPORT, None), identity(TRANSPORT))
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "jtj@ly.gov.cn", "lyfzxcscdz@163.com", "市交通运输局报表"
    msg.set_content("请查收。")
    msg.add_attachment(path.read_bytes(), maintype="application", subtype="octet-stream", filename="交通局.xlsx")
    put(inbox / "来信.eml", b"Date: Sat, 07 Jan 2012 11:00:00 +0800\n" + bytes(msg), at(8, 9))
    result = _run(workspace, inbox, at(8, 10))
    assert ("week-future", "warning") in _said(result, "来信.eml › 交通局.xlsx")
    assert ("week-other", "info") not in _said(result, "来信.eml › 交通局.xlsx")


def test_a_late_return_that_came_after_its_week_was_recorded_is_said_in_the_next_run(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first = _run(workspace, inbox, at(31, 15, month=12, year=2020), date(2020, 12, 31))
    assert _unit(first).state == "missing"  # run on Thursday afternoon, before the late return came
    late = workbook(tmp_path / "a.xlsx", grid(master, TRANSPORT, date(2021, 1, 1)), identity(TRANSPORT, "2020-12-31"))
    put(inbox / "上周-交通局.xlsx", late.read_bytes(), at(1, 10))  # Friday: late for 2020-12-31
    this = workbook(tmp_path / "b.xlsx", grid(master, TRANSPORT), identity(TRANSPORT))
    put(inbox / "交通局.xlsx", this.read_bytes(), at(7, 9))
    result = _run(workspace, inbox, at(7, 15))
    assert _unit(result).state == "on_time"
    assert _said(result, "上周-交通局.xlsx") == [("week-recorded-without", "warning")]
    (said,) = [p.message for p in result.problems if p.code == "week-recorded-without"]
    assert "2020-12-31" in said and "记为“未报送”" in said and "lyreport run --week 2020-12-31" in said
    # Once that week is run again it holds the file, and the next run only notes it.
    _run(workspace, inbox, at(7, 16), date(2020, 12, 31))
    again = _run(workspace, inbox, at(7, 17))
    assert _said(again, "上周-交通局.xlsx") == [("week-other", "info")]


def test_a_monday_run_without_week_is_for_the_week_just_passed(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _run(workspace, inbox, at(31, 15, month=12, year=2020), date(2020, 12, 31))
    this = workbook(tmp_path / "b.xlsx", grid(master, TRANSPORT), identity(TRANSPORT))
    put(inbox / "交通局.xlsx", this.read_bytes(), at(7, 9))
    result = _run(workspace, inbox, at(11, 9), None)  # Monday, no --week: the 2021-01-07 week, not 01-14's
    assert result.week == WEEK and _unit(result).state == "on_time"
    assert [p.code for p in result.problems if p.code.startswith("week-")] == ["week-default-previous"]


def test_a_week_run_before_its_deadline_is_said(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    # A first run ever on a Monday, and a --week typed as the Friday of "1月4日—1月8日": both the week of
    # 2021-01-14, not due yet; every unit 未报送 there is not final, and last week is not recorded.
    inbox = tmp_path / "inbox"
    this = workbook(tmp_path / "b.xlsx", grid(master, TRANSPORT), identity(TRANSPORT))
    put(inbox / "交通局.xlsx", this.read_bytes(), at(7, 9))
    result = _run(workspace, inbox, at(11, 9), date(2021, 1, 8))
    assert result.week == date(2021, 1, 14)
    found = {p.code: p.message for p in result.problems if p.code.startswith("week-")}
    assert set(found) == {"week-arg-resolved", "week-not-due", "week-other", "week-none-answered"}
    assert "星期五" in found["week-arg-resolved"] and "2021-01-14" in found["week-arg-resolved"]
    assert found["week-not-due"].endswith("请运行 lyreport run --week 2021-01-07")
    assert next(p for p in result.problems if p.code == "week-not-due").severity == "warning"


def test_a_recorded_week_is_not_rerun_from_an_inbox_that_lost_its_returns(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """The advice of week-recorded-without, followed with an inbox that no longer holds the week's returns (cleared,
    or a folder per week), re-recorded every unit of that week but the late one as 未报送 without a word."""
    import pytest

    from lyreport.faults import LyreportError

    old = tmp_path / "old"
    old.mkdir()
    education = workbook(
        tmp_path / "e.xlsx", grid(master, "市教育局", date(2020, 12, 30)), identity("市教育局", "2020-12-31")
    )
    put(old / "教育局.xlsx", education.read_bytes(), at(30, 9, month=12, year=2020))
    assert (
        _unit(_run(workspace, old, at(31, 15, month=12, year=2020), date(2020, 12, 31)), "市教育局").state == "on_time"
    )
    new = tmp_path / "new"
    new.mkdir()
    late = workbook(tmp_path / "a.xlsx", grid(master, TRANSPORT, date(2021, 1, 1)), identity(TRANSPORT, "2020-12-31"))
    put(new / "上周-交通局.xlsx", late.read_bytes(), at(1, 10))
    with pytest.raises(LyreportError, match="已记有市教育局的报送"):
        _run(workspace, new, at(7, 16), date(2020, 12, 31))
    put(new / "教育局.xlsx", education.read_bytes(), at(30, 9, month=12, year=2020))  # the week's files back
    again = _run(workspace, new, at(7, 16), date(2020, 12, 31))
    assert (_unit(again, "市教育局").state, _unit(again).state) == ("on_time", "late")


def test_refusing_a_rerun_names_the_units_files_still_in_the_inbox_and_why_they_no_longer_count(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """A workspace copied without its file times: the re-run is refused (the unit's broken file now dates from
    today), and the refusal said to put back files that were in the inbox all along. It names them now."""
    import pytest

    from lyreport.faults import LyreportError

    inbox = tmp_path / "inbox"
    broken = put(inbox / "市教育局落实情况.xlsx", b"PK\x03\x04 cut short", at(7, 9))
    transport = workbook(tmp_path / "t.xlsx", grid(master, TRANSPORT), identity(TRANSPORT))
    put(inbox / "交通局.xlsx", transport.read_bytes(), at(7, 10))
    assert _unit(_run(workspace, inbox, at(7, 16)), "市教育局").state == "invalid"
    set_received(broken, at(24, 9))  # copied: the file time is the day of the copy
    with pytest.raises(LyreportError) as refused:
        _run(workspace, inbox, at(25, 16))
    said = str(refused.value)
    assert "已记有市教育局的报送" in said and "《市教育局落实情况.xlsx》" in said
    assert "按文件时间（2021年1月24日 09:00）属于 2021-01-21 这一周" in said
