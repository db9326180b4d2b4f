"""Which copy counts and when it came in (issue 11): formats that cannot be read, CSV, Outlook .msg, forwards,
zoneless mail dates, identical copies, corrections, files saved from mail after the deadline, year-less dates,
another unit's or last week's template. Every return is built here, in code.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from msgfile import Mail, msg_bytes
from office import convert, needs_soffice
from openpyxl import Workbook

from lyreport.api import check_files, run_week
from lyreport.faults import LyreportError
from lyreport.intake.discover import discover
from lyreport.intake.saved import with_saved_at
from lyreport.models import MasterList, SourceFile
from lyreport.samples import set_received

TZ = ZoneInfo("Asia/Shanghai")
WEEK = date(2021, 1, 7)
NOW = datetime(2021, 1, 8, 9, 0, tzinfo=TZ)
LABELS = ["序号", "措施内容", "责任类型", "完成状态", "本周进展", "存在问题", "下一步计划", "预计完成时间", "备注"]


def at(day: int, hour: int, minute: int = 0, month: int = 1, year: int = 2021) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def grid(master: MasterList, unit: str, filled: Any = date(2021, 1, 6), status: str = "正常推进") -> list[list[Any]]:
    rows: list[list[Any]] = [["洛济深度融合措施落实情况"]]
    rows.append(["填报单位", unit, "联系人", "王五", "联系电话", "0379-63211234", "填报日期", filled])
    rows.append(list(LABELS))
    for m in master.measures_of(unit):
        rows.append([m.no, m.text, m.role_of(unit), status, f"第{m.no}条进展", "无", "继续", "2021年6月30日"])
    return rows


def workbook(path: Path, rows: list[list[Any]], identity: dict[str, str] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    for r, line in enumerate(rows, 1):
        for c, value in enumerate(line, 1):
            ws.cell(r, c, value)
    if identity:
        hidden = wb.create_sheet("_lyreport")
        for r, (key, value) in enumerate(identity.items(), 1):
            hidden.cell(r, 1, key), hidden.cell(r, 2, value)
        hidden.sheet_state = "hidden"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def identity(unit: str, week: str = "2021-01-07") -> dict[str, str]:
    return {"tool": "lyreport", "unit": unit, "week": week, "list_id": "ly-jy-33", "template_version": "1"}


def put(path: Path, data: bytes, moment: datetime) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    set_received(path, moment)
    return path


def mail(sender: str, subject: str, date_header: str, files: list[tuple[str, bytes]]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "lyfzxcscdz@163.com", subject
    msg["Date"] = date_header
    msg.set_content("请查收。")
    for name, payload in files:
        msg.add_attachment(payload, maintype="application", subtype="octet-stream", filename=name)
    return msg


def run(workspace: Path, inbox: Path):
    return run_week(workspace, WEEK, inbox=inbox, now=NOW, workers=0).result


def codes(problems, file: str) -> list[str]:
    return [p.code for p in problems if p.file == file]


def only(problems, code: str):
    (hit,) = [p for p in problems if p.code == code]
    return hit


# ----------------------------------------------------------------- formats that cannot be read
def test_word_return_makes_its_unit_invalid_not_missing(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    inbox = tmp_path / "inbox"
    put(inbox / "市交通运输局落实情况报表.docx", b"PK\x03\x04word", at(7, 9))
    put(inbox / "本周材料.wps", b"\xd0\xcf\x11\xe0wps", at(7, 9))
    workbook(inbox / "市发改委.xlsx", grid(master, "市发改委"))
    set_received(inbox / "市发改委.xlsx", at(7, 9))
    put(inbox / "市发改委报送函.docx", b"PK\x03\x04letter", at(7, 9))

    checked = {c.name: c for c in check_files([inbox / "市交通运输局落实情况报表.docx"], workspace, workers=0)}
    word = checked["市交通运输局落实情况报表.docx"]
    assert word.unit == "市交通运输局" and word.kind == "foreign"
    p = only(word.problems, "format-unreadable")
    assert (p.severity, p.unit) == ("error", "市交通运输局")
    assert p.message == "已收到，但格式无法读取（Word 文档）——请对方发送电子表格（.xlsx/.xls/.et）"

    result = run(workspace, inbox)
    transport = result.unit("市交通运输局")
    assert transport.state == "invalid"  # 报送有误, not 未报送 with a reminder call
    assert transport.invalid_reason == "已收到，但格式无法读取（Word 文档）——请对方发送电子表格"
    assert not [p for p in result.problems if p.code == "unit-missing" and p.unit == "市交通运输局"]
    assert result.unit("市发改委").state == "on_time"
    letter = [p for p in result.problems if p.file == "市发改委报送函.docx"]
    assert [(p.code, p.severity) for p in letter] == [("format-unreadable-extra", "info")]
    both = {
        c.name: c for c in check_files([inbox / "市发改委.xlsx", inbox / "市发改委报送函.docx"], workspace, workers=0)
    }
    assert [p.code for p in both["市发改委报送函.docx"].problems] == ["format-unreadable-extra"]  # check agrees
    unknown = only(result.problems, "format-unreadable-unit")
    assert (unknown.file, unknown.severity) == ("本周材料.wps", "warning")
    assert "WPS 文字文档" in unknown.message


def _encrypted(members: dict[str, bytes]) -> bytes:
    """A zip whose members carry the "encrypted" flag (as `zip -P` writes them; the content is never read)."""
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    blob = bytearray(plain.getvalue())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = blob.find(signature)
        while at >= 0:
            blob[at + flag_at] |= 0x01
            at = blob.find(signature, at + 4)
    return bytes(blob)


@needs_soffice
def test_a_return_saved_as_flat_xml_spreadsheet_is_invalid_not_missing(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """Red-team finding: LibreOffice's flat XML spreadsheet (.fods) left its unit 未报送 with an unattributed
    warning, and the same file renamed .xls was called a web page (its <table:table> tags)."""
    flat = {}
    for unit in ("市交通运输局", "市教育局"):
        convert(workbook(tmp_path / "made" / f"{unit}.xlsx", grid(master, unit)), "fods", tmp_path / "made")
        flat[unit] = (tmp_path / "made" / f"{unit}.fods").read_bytes()
        assert b"<table:table " in flat[unit] and b"opendocument.spreadsheet" in flat[unit][:4096]
    inbox = tmp_path / "inbox"
    put(inbox / "市交通运输局.fods", flat["市交通运输局"], at(7, 9))
    put(inbox / "市教育局落实情况.xls", flat["市教育局"], at(7, 10))  # renamed by hand

    result = run(workspace, inbox)
    transport = result.unit("市交通运输局")
    assert transport.state == "invalid" and "ODF 平面 XML 电子表格" in transport.invalid_reason
    said = only([p for p in result.problems if p.file == "市交通运输局.fods"], "format-unreadable")
    assert said.unit == "市交通运输局" and said.severity == "error"
    education = result.unit("市教育局")
    assert education.state == "invalid", education
    renamed = [p for p in result.problems if p.file == "市教育局落实情况.xls" and p.severity == "error"]
    assert renamed and all("ODF 平面 XML 电子表格" in p.message and "网页" not in p.message for p in renamed), renamed


def test_a_zip_that_cannot_be_opened_makes_its_unit_invalid_not_missing(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """An encrypted or damaged zip named by its unit, or sent from its mailbox, was received: 报送有误 with the
    reason, never 未报送 (the notice and the reminder list would say the unit sent nothing)."""
    inbox = tmp_path / "inbox"
    put(inbox / "市交通运输局-第1周报表.zip", _encrypted({"落实情况.xlsx": b"x"}), at(7, 9))
    put(inbox / "市体育局报表.zip", b"PK\x03\x04 cut in transit", at(7, 10))
    forest = mail("someone@qq.com", "市林业局本周落实情况", "Thu, 07 Jan 2021 09:30:00 +0800", [("报表.zip", b"PK?")])
    put(inbox / "林业局来信.eml", forest.as_bytes(), at(7, 9))
    path = workbook(tmp_path / "t.xlsx", grid(master, "市发改委"))
    put(inbox / "市发改委.zip", _encrypted({"a.xlsx": b"y"}), at(7, 9))  # beside a usable return: still said
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(path, "市发改委.xlsx")
    put(inbox / "市发改委-可用.zip", zipped.getvalue(), at(7, 9))
    result = run(workspace, inbox)
    transport, sports = result.unit("市交通运输局"), result.unit("市体育局")
    assert (transport.state, sports.state, result.unit("市林业局").state) == ("invalid", "invalid", "invalid")
    assert transport.invalid_reason == "压缩包已加密，无法解压，请对方发送未加密的文件"
    assert sports.invalid_reason.startswith("压缩包已损坏或不完整，无法解压")
    corrupt = {p.file: p.unit for p in result.problems if p.code == "zip-corrupt"}
    assert corrupt == {"市体育局报表.zip": "市体育局", "林业局来信.eml › 报表.zip": "市林业局"}
    assert not [p for p in result.problems if p.code == "unit-missing" and p.unit in ("市交通运输局", "市体育局")]
    assert result.unit("市发改委").state == "on_time"
    locked = [p for p in result.problems if p.file == "市发改委.zip"]
    assert [(p.code, p.severity, p.unit) for p in locked] == [("zip-encrypted", "error", "市发改委")]


def _csv(rows: list[list[Any]], encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([[v.isoformat() if isinstance(v, date) else v for v in row] for row in rows])
    return out.getvalue().encode(encoding)


def test_csv_with_the_form_is_read_gbk_and_utf8_bom(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    gbk = put(tmp_path / "市生态环境局.csv", _csv(grid(master, "市生态环境局"), "gbk"), at(7, 9))
    bom = put(tmp_path / "市教育局.csv", _csv(grid(master, "市教育局", status="进度滞后"), "utf-8-sig"), at(7, 9))
    plain = put(tmp_path / "市林业局.csv", "名称,数量\n苗木,300\n".encode("gbk"), at(7, 9))
    wide = put(tmp_path / "市体育局.csv", _csv(grid(master, "市体育局"), "utf-16"), at(7, 9))
    checked = {c.name: c for c in check_files([gbk, bom, plain, wide], workspace, workers=0)}
    assert (checked["市体育局.csv"].unit, checked["市体育局.csv"].rows) == (
        "市体育局",
        len(master.measures_of("市体育局")),
    )
    water, education = checked["市生态环境局.csv"], checked["市教育局.csv"]
    assert (water.unit, water.week, water.rows) == ("市生态环境局", WEEK, len(master.measures_of("市生态环境局")))
    assert (education.unit, education.rows) == ("市教育局", len(master.measures_of("市教育局")))
    assert not [p for p in water.problems + education.problems if p.severity == "error"]
    forest = checked["市林业局.csv"]
    assert [p.code for p in forest.problems] == ["csv-no-form"]
    assert forest.unit == "市林业局"  # charged to its unit: 报送有误

    result = run(workspace, tmp_path)
    assert result.unit("市教育局").state == "on_time"
    statuses = {r.status for m in result.measures for u, r in m.reports.items() if u == "市教育局" and r}
    assert statuses == {"进度滞后"}
    assert result.unit("市林业局").state == "invalid"


# ----------------------------------------------------------------- Outlook .msg
def test_outlook_msg_is_read_as_a_mail_with_a_forward_inside(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    own = workbook(tmp_path / "x" / "发改委.xlsx", grid(master, "市发改委")).read_bytes()
    other = workbook(tmp_path / "x" / "交通局.xlsx", grid(master, "市交通运输局")).read_bytes()
    inner = Mail(
        "jtj@ly.gov.cn", "交通局报表", "Wed, 6 Jan 2021 16:30:00 +0800", at(6, 16, 30), [("交通局.xlsx", other)]
    )
    outer = Mail(
        "fgw@ly.gov.cn", "发改委落实情况", "Thu, 7 Jan 2021 14:00:00 +0800", at(7, 14), [("发改委.xlsx", own)], [inner]
    )
    inbox = tmp_path / "inbox"
    put(inbox / "发改委.msg", msg_bytes(outer), at(8, 9))
    put(inbox / "市林业局报表.msg", msg_bytes(outer)[:1500], at(7, 9))
    put(inbox / "假邮件.msg", b"not an outlook file at all", at(7, 9))

    files, problems = discover(inbox, tmp_path / "work", TZ)
    times = {f.display: (f.received_at, f.sender) for f in files if f.kind == "workbook"}
    assert {f.display for f in files if f.kind == "foreign"} == {"市林业局报表.msg", "假邮件.msg"}
    assert times == {
        "发改委.msg › 发改委.xlsx": (at(7, 14), "fgw@ly.gov.cn"),
        "发改委.msg › 交通局报表.msg › 交通局.xlsx": (at(6, 16, 30), "jtj@ly.gov.cn"),
    }
    note = only(problems, "mail-forwarded")
    assert note.message == "转发的邮件：收到时间按原邮件的发送时间 2021-01-06 16:30 计算（转发时间 2021-01-07 14:00）"
    broken = [(p.code, p.severity, p.message) for p in problems if p.file == "市林业局报表.msg"]
    assert broken == [
        ("msg-unreadable", "error", "Outlook 邮件（.msg）无法读取：文件已损坏、不完整或格式不受支持，请对方重新发送")
    ]
    fake = [(p.code, p.message) for p in problems if p.file == "假邮件.msg"]  # charged to no unit
    assert fake == [("msg-unreadable", "Outlook 邮件（.msg）无法读取：文件内容不是 Outlook 邮件格式")]

    result = run(workspace, inbox)
    assert result.unit("市发改委").state == "late"  # the mail's Date, not the file time
    assert result.unit("市交通运输局").state == "on_time"  # the forwarded mail's own Date
    forest = result.unit("市林业局")  # a damaged .msg named after its unit: received, unusable
    assert forest.state == "invalid" and forest.invalid_reason.startswith("Outlook 邮件（.msg）无法读取")
    assert sorted(p.unit for p in result.problems if p.code == "msg-unreadable") == ["", "市林业局"]


# ----------------------------------------------------------------- broken or foreign files outside the week
def test_broken_file_with_an_old_file_time_is_still_reported(tmp_path: Path, workspace: Path) -> None:
    inbox = tmp_path / "inbox"
    put(inbox / "市林业局落实情况.xlsx", b"PK\x03\x04 cut short", at(24, 9, month=12, year=2020))
    put(inbox / "市体育局.doc", b"\xd0\xcf\x11\xe0 old word", at(17, 9, month=12, year=2020))
    result = run(workspace, inbox)
    forest = [p for p in result.problems if p.file == "市林业局落实情况.xlsx"]
    assert [(p.code, p.severity, p.unit) for p in forest] == [("failed-other-week", "warning", "市林业局")]
    assert "2020-12-24 这一周" in forest[0].message and "如果是本周报送的，请与市林业局核实" in forest[0].message
    assert codes(result.problems, "市体育局.doc") == ["failed-other-week"]
    assert "格式无法读取（Word 文档）" in [p for p in result.problems if p.file == "市体育局.doc"][0].message


def test_broken_file_with_a_later_file_time_is_noted_not_dropped(tmp_path: Path, workspace: Path) -> None:
    """A week run again later, or a workspace copied (file times reset): an unusable file whose time falls after the
    week was set aside without a word, its unit shown 未报送 with nothing pointing at the file."""
    inbox = tmp_path / "inbox"
    put(inbox / "市林业局落实情况.xlsx", b"PK\x03\x04 cut short", at(14, 9))
    result = run(workspace, inbox)
    (note,) = [p for p in result.problems if p.file == "市林业局落实情况.xlsx"]
    assert (note.code, note.severity, note.unit) == ("failed-later-week", "info", "市林业局")
    assert "2021-01-14 这一周" in note.message and "2021年1月14日 09:00" in note.message
    assert "压缩结构损坏" in note.message
    assert result.unit("市林业局").state == "missing"


def test_a_recorded_week_rerun_with_file_times_lost_is_refused_not_made_late(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """A workspace copied without its file times: the same returns, byte for byte, now dated by the copy. Merged
    again from the inbox, every on-time unit became 迟报 at the copy's date with only a unit-late warning each."""
    inbox = tmp_path / "inbox"
    for n, unit in enumerate(("市发改委", "市卫健委", "市交通运输局")):
        path = workbook(inbox / f"{unit}.xlsx", grid(master, unit), identity(unit))
        set_received(path, at(7, 9 + n))
    first = run(workspace, inbox)
    assert [first.unit(u).state for u in ("市发改委", "市卫健委", "市交通运输局")] == ["on_time"] * 3
    history = workspace / "history" / "history.sqlite3"
    before = history.read_bytes()
    for path in inbox.iterdir():  # the copy: every file time is the day it was copied
        set_received(path, at(20, 15))
    with pytest.raises(LyreportError) as refused:
        run(workspace, inbox)
    message = str(refused.value)
    assert "市发改委（《市发改委.xlsx》存档记为2021-01-07 09:00收到，现为2021-01-20 15:00）" in message
    assert "与该周存档中的完全相同" in message and "--rebuild" in message
    assert history.read_bytes() == before  # nothing recorded
    rebuilt = run_week(workspace, WEEK, inbox=inbox, now=NOW, workers=0, rebuild=True).result
    assert rebuilt.unit("市发改委").state == "on_time"
    set_received(inbox / "市卫健委.xlsx", at(7, 10))
    (inbox / "市发改委.xlsx").unlink()
    (inbox / "市交通运输局.xlsx").unlink()
    with pytest.raises(LyreportError):  # units dropped: the older refusal, as before
        run(workspace, inbox)


# ----------------------------------------------------------------- when it came in
def test_forward_as_attached_eml_counts_from_the_inner_date(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    xlsx = workbook(tmp_path / "x" / "市卫健委.xlsx", grid(master, "市卫健委")).read_bytes()
    inner = mail("wjw@ly.gov.cn", "卫健委报表", "Thu, 07 Jan 2021 10:00:00 +0800", [("市卫健委.xlsx", xlsx)])
    outer = mail("office@ly.gov.cn", "Fw: 卫健委报表", "Thu, 07 Jan 2021 15:00:00 +0800", [])
    outer.add_attachment(inner.as_bytes(), maintype="application", subtype="octet-stream", filename="原邮件.eml")
    inbox = tmp_path / "inbox"
    put(inbox / "转发.eml", outer.as_bytes(), at(7, 16))
    result = run(workspace, inbox)
    health = result.unit("市卫健委")
    assert (health.state, health.received_at) == ("on_time", at(7, 10))
    note = only(result.problems, "mail-forwarded")
    assert note.file == "转发.eml › 原邮件.eml" and note.severity == "info"
    assert "2021-01-07 10:00" in note.message and "转发时间 2021-01-07 15:00" in note.message


@pytest.mark.parametrize("stamped", [False, True])
def test_a_units_own_earlier_mail_forwarded_by_it_counts_from_the_forward(
    tmp_path: Path, workspace: Path, master: MasterList, stamped: bool
) -> None:
    """市卫健委 sent its return at 10:00 to a wrong address, then at 15:00 forwards that mail as an attachment. Only
    its own PC's clock says 10:00: it was 按时报送 with an info. Now 迟报 by the forward, with a warning quoting both
    times. An attached mail that a server stamped on its way keeps that server's time."""
    xlsx = workbook(tmp_path / "x" / "市卫健委.xlsx", grid(master, "市卫健委")).read_bytes()
    inner = mail("WJW@ly.gov.cn", "卫健委报表", "Thu, 07 Jan 2021 10:00:00 +0800", [("市卫健委.xlsx", xlsx)])
    raw = inner.as_bytes()
    if stamped:
        raw = b"Received: from mail.ly.gov.cn by mx.163.com; Thu, 07 Jan 2021 10:00:05 +0800\r\n" + raw
    outer = mail("wjw@ly.gov.cn", "Fw: 卫健委报表（上午发错邮箱了）", "Thu, 07 Jan 2021 15:00:00 +0800", [])
    outer.add_attachment(raw, maintype="application", subtype="octet-stream", filename="原邮件.eml")
    inbox = tmp_path / "inbox"
    put(inbox / "转发.eml", outer.as_bytes(), at(7, 16))
    result = run(workspace, inbox)
    health = result.unit("市卫健委")
    if stamped:
        assert (health.state, health.received_at) == ("on_time", at(7, 10).replace(second=5))
        assert only(result.problems, "mail-forwarded").severity == "info"
        return
    assert (health.state, health.received_at) == ("late", at(7, 15))
    note = only(result.problems, "mail-forwarded-own")
    assert note.file == "转发.eml › 原邮件.eml" and note.severity == "warning"
    assert "原邮件的发送时间 2021-01-07 10:00" in note.message and "按转发时间 2021-01-07 15:00" in note.message
    assert "mail-forwarded" not in {p.code for p in result.problems}


def test_mail_date_without_time_zone_is_beijing_time(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    xlsx = workbook(tmp_path / "x" / "市应急管理局.xlsx", grid(master, "市应急管理局")).read_bytes()
    inbox = tmp_path / "inbox"
    raw = mail("yjj@ly.gov.cn", "报表", "Thu, 07 Jan 2021 11:30:00", [("表.xlsx", xlsx)]).as_bytes()
    raw = raw.replace(b"11:30:00 -0000", b"11:30:00")  # the email package adds "-0000"; some clients write nothing
    put(inbox / "应急.eml", raw, at(7, 18))
    result = run(workspace, inbox)
    unit = result.unit("市应急管理局")
    assert (unit.state, unit.received_at) == ("on_time", at(7, 11, 30))  # read as UTC it would be 19:30, late
    note = only(result.problems, "mail-date-no-zone")
    assert (note.file, note.severity) == ("应急.eml", "info")
    assert note.message == "邮件发送时间“2021-01-07 11:30”未注明时区，按北京时间计算"


@pytest.mark.parametrize(
    "written",
    ["周四, 07 1月 2021 11:30:00 +0800", "2021年1月7日 11:30", "星期四, 2021年1月7日 11:30:00 +0800"],
)
def test_a_mail_date_written_in_chinese_is_read(
    tmp_path: Path, workspace: Path, master: MasterList, written: str
) -> None:
    """Date headers some Chinese clients write with Chinese month or weekday names: were unreadable, and the saved
    file's time (18:00, late) counted instead."""
    xlsx = workbook(tmp_path / "x" / "市应急管理局.xlsx", grid(master, "市应急管理局")).read_bytes()
    inbox = tmp_path / "inbox"
    raw = mail("yjj@ly.gov.cn", "报表", "Thu, 07 Jan 2021 11:30:00 +0800", [("表.xlsx", xlsx)]).as_bytes()
    raw = raw.replace(b"Thu, 07 Jan 2021 11:30:00 +0800", written.encode())
    put(inbox / "应急.eml", raw, at(7, 18))
    result = run(workspace, inbox)
    unit = result.unit("市应急管理局")
    assert (unit.state, unit.received_at) == ("on_time", at(7, 11, 30))
    assert not [p for p in result.problems if p.code == "mail-date-missing"]
    if written.startswith("周四"):  # a weekday that is not the date's: which is meant is not guessed
        put(inbox / "应急.eml", raw.replace("周四".encode(), "周五".encode()), at(7, 18))
        result = run(workspace, inbox)
        assert result.unit("市应急管理局").received_at == at(7, 18)
        assert only(result.problems, "mail-date-missing").file == "应急.eml"


@pytest.mark.parametrize("zone", ["CST", "China Standard Time", "(CST)"])
def test_mail_date_in_cst_is_china_standard_time(
    tmp_path: Path, workspace: Path, master: MasterList, zone: str
) -> None:
    xlsx = workbook(tmp_path / "x" / "市应急管理局.xlsx", grid(master, "市应急管理局")).read_bytes()
    inbox = tmp_path / "inbox"
    raw = mail("yjj@ly.gov.cn", "报表", "Thu, 07 Jan 2021 11:30:00", [("表.xlsx", xlsx)]).as_bytes()
    raw = raw.replace(b"11:30:00 -0000", b"11:30:00 " + zone.encode())
    put(inbox / "应急.eml", raw, at(7, 18))
    result = run(workspace, inbox)
    unit = result.unit("市应急管理局")
    assert (unit.state, unit.received_at) == ("on_time", at(7, 11, 30))  # as US Central: 01:30 next day, late
    note = only(result.problems, "mail-date-china-zone")
    assert (note.file, note.severity) == ("应急.eml", "info")
    assert note.message == (
        f"邮件发送时间“2021-01-07 11:30”的时区写作“{zone.strip('()')}”，按中国标准时间（北京时间，UTC+8）计算"
    )
    assert not [p for p in result.problems if p.code == "mail-date-no-zone"]


def test_mail_without_a_readable_date_says_the_file_time_counts(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    inbox = tmp_path / "inbox"
    for unit, header in (("市应急管理局", None), ("市卫健委", "本周四上午 11:30")):  # no day named
        xlsx = workbook(tmp_path / "x" / f"{unit}.xlsx", grid(master, unit)).read_bytes()
        msg = mail("a@ly.gov.cn", "报表", "Thu, 07 Jan 2021 11:30:00 +0800", [(f"{unit}.xlsx", xlsx)])
        del msg["Date"]
        raw = msg.as_bytes() if header is None else f"Date: {header}\n".encode() + msg.as_bytes()
        put(inbox / f"{unit}.eml", raw, at(8, 10))  # saved into the inbox the next morning
    result = run(workspace, inbox)
    for unit in ("市应急管理局", "市卫健委"):
        assert (result.unit(unit).state, result.unit(unit).received_at) == ("late", at(8, 10))
    notes = {p.file: (p.severity, p.message) for p in result.problems if p.code == "mail-date-missing"}
    assert notes == {
        "市应急管理局.eml": (
            "warning",
            "邮件没有可识别的发送时间（邮件没有 Date 头），收到时间按文件时间 2021-01-08 10:00 计算，"
            "可能晚于实际发送时间，请核实",
        ),
        "市卫健委.eml": (
            "warning",
            "邮件没有可识别的发送时间（Date：“本周四上午 11:30”），收到时间按文件时间 2021-01-08 10:00 计算，"
            "可能晚于实际发送时间，请核实",
        ),
    }


def test_mail_date_after_the_file_time_counts_the_file_time(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    xlsx = workbook(tmp_path / "x" / "市应急管理局.xlsx", grid(master, "市应急管理局")).read_bytes()
    inbox = tmp_path / "inbox"
    raw = mail("yjj@ly.gov.cn", "报表", "Thu, 07 Jan 2021 12:30:00 +0800", [("表.xlsx", xlsx)]).as_bytes()
    put(inbox / "应急.eml", raw, at(7, 11, 50))  # saved at 11:50: the sender's clock is fast
    result = run(workspace, inbox)
    unit = result.unit("市应急管理局")
    assert (unit.state, unit.received_at) == ("on_time", at(7, 11, 50))
    note = only(result.problems, "mail-date-impossible")
    assert (note.file, note.severity) == ("应急.eml", "warning")
    assert note.message == (
        "邮件的发送时间 2021-01-07 12:30 晚于文件时间 2021-01-07 11:50，不可能（发件方电脑时钟可能不准）；"
        "收到时间按文件时间计算，请核实"
    )


def test_forwarded_mail_dated_after_the_forward_counts_the_forward(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    xlsx = workbook(tmp_path / "x" / "市卫健委.xlsx", grid(master, "市卫健委")).read_bytes()
    inner = mail("wjw@ly.gov.cn", "卫健委报表", "Thu, 07 Jan 2021 13:00:00 +0800", [("市卫健委.xlsx", xlsx)])
    outer = mail("office@ly.gov.cn", "Fw: 卫健委报表", "Thu, 07 Jan 2021 11:00:00 +0800", [])
    outer.add_attachment(inner.as_bytes(), maintype="application", subtype="octet-stream", filename="原邮件.eml")
    inbox = tmp_path / "inbox"
    put(inbox / "转发.eml", outer.as_bytes(), at(7, 11, 5))
    (inbox / "转发.eml.json").write_text('{"received_at": "2021-01-07T11:00:05+08:00"}', encoding="utf-8")
    result = run(workspace, inbox)
    health = result.unit("市卫健委")
    assert (health.state, health.received_at) == ("on_time", datetime(2021, 1, 7, 11, 0, 5, tzinfo=TZ))
    assert [p.code for p in result.problems if p.code.startswith("mail-")] == ["mail-date-impossible"]
    note = only(result.problems, "mail-date-impossible")
    assert (note.file, note.severity) == ("转发.eml › 原邮件.eml", "warning")
    assert note.message.startswith("转发的原邮件的发送时间 2021-01-07 13:00 晚于转发时间 2021-01-07 11:00，")


def test_outlook_submit_time_beats_an_ambiguous_date_header(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    xlsx = workbook(tmp_path / "x" / "市卫健委.xlsx", grid(master, "市卫健委")).read_bytes()
    sent = Mail("wjw@ly.gov.cn", "报表", "Thu, 07 Jan 2021 11:30:00 CST", at(7, 11, 30), [("市卫健委.xlsx", xlsx)])
    inbox = tmp_path / "inbox"
    put(inbox / "卫健委.msg", msg_bytes(sent), at(8, 10))
    files, problems = discover(inbox, tmp_path / "work", TZ)
    assert [(f.display, f.received_at) for f in files] == [("卫健委.msg › 市卫健委.xlsx", at(7, 11, 30))]
    assert not [p for p in problems if p.code.startswith("mail-")]


def test_identical_copies_the_earliest_arrival_counts(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    inbox = tmp_path / "inbox"
    data = workbook(tmp_path / "x.xlsx", grid(master, "市金融工作局")).read_bytes()
    put(inbox / "a-市金融工作局.xlsx", data, at(7, 14))  # first by name, saved later
    put(inbox / "z-副本.xlsx", data, at(7, 9))
    files, problems = discover(inbox, tmp_path / "work", TZ)
    assert [f.display for f in files] == ["z-副本.xlsx"]
    assert [(p.code, p.file) for p in problems] == [("duplicate-file", "a-市金融工作局.xlsx")]
    result = run(workspace, inbox)
    assert result.unit("市金融工作局").state == "on_time"


def test_correction_supersedes_an_earlier_version_saved_later(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    inbox = tmp_path / "inbox"
    workbook(inbox / "市教育局落实情况.xlsx", grid(master, "市教育局", filled=date(2021, 1, 5), status="已完成"))
    set_received(inbox / "市教育局落实情况.xlsx", at(7, 11))  # the first version, saved into the inbox last
    workbook(inbox / "市教育局（更正）.xlsx", grid(master, "市教育局", filled=date(2021, 1, 6), status="进度滞后"))
    set_received(inbox / "市教育局（更正）.xlsx", at(7, 10))
    # Same 填报日期: the mail subject's 更正 decides, though the plain file was saved later.
    workbook(inbox / "市生态环境局.xlsx", grid(master, "市生态环境局", status="已完成"))
    set_received(inbox / "市生态环境局.xlsx", at(7, 11))
    fixed = workbook(
        tmp_path / "x" / "市生态环境局报表.xlsx", grid(master, "市生态环境局", status="正常推进")
    ).read_bytes()
    put(inbox / "生态.eml", mail("slj@ly.gov.cn", "市生态环境局报表（更正）", "Thu, 07 Jan 2021 10:30:00 +0800",
                                [("市生态环境局报表.xlsx", fixed)]).as_bytes(), at(7, 10, 30))  # fmt: skip

    result = run(workspace, inbox)
    education = result.unit("市教育局")
    assert education.files == ["市教育局（更正）.xlsx"] and education.superseded == ["市教育局落实情况.xlsx"]
    reported = {r.status for m in result.measures for u, r in m.reports.items() if u == "市教育局" and r}
    assert reported == {"进度滞后"}  # never the stale 已完成
    chosen = [p for p in result.problems if p.code == "version-chosen" and p.unit == "市教育局"][0]
    assert chosen.message == (
        "市教育局本周有 2 份报表，采用本份（填报日期 2021-01-06 晚于 2021-01-05，尽管采用的一份收到时间更早）；"
        "未采用：《市教育局落实情况.xlsx》"
    )
    water = result.unit("市生态环境局")
    assert water.files == ["生态.eml › 市生态环境局报表.xlsx"] and water.superseded == ["市生态环境局.xlsx"]
    old = [p for p in result.problems if p.code == "duplicate-return" and p.unit == "市生态环境局"][0]
    assert "文件名或邮件主题注明“更正”，尽管采用的一份收到时间更早" in old.message

    checked = {c.name: c for c in check_files([inbox], workspace, workers=0)}
    assert "version-chosen" in [p.code for p in checked["inbox/市教育局（更正）.xlsx"].problems]


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("回复：关于更新报表模板的通知", "市教育局报表"),  # the office's notice's words, in the unit's reply
        ("教育局报表及补充说明", "教育局报表"),  # 补充说明 tells of an explanation, not a correction
        ("教育局报表", "教育局报表（请以此为准）"),  # the later one says it is the one to take
    ],
)
def test_a_correction_word_that_is_not_the_units_mark_does_not_beat_a_later_version(
    tmp_path: Path, workspace: Path, master: MasterList, first: str, last: str
) -> None:
    """Red-team finding: the 09:00 version won over the 11:00 one because its reply subject held 更新 (or 补充
    in 补充说明), and a 进度滞后 measure was closed with an info only."""
    inbox = tmp_path / "inbox"
    early = workbook(tmp_path / "x" / "a.xlsx", grid(master, "市教育局", status="已完成")).read_bytes()
    final = workbook(tmp_path / "y" / "b.xlsx", grid(master, "市教育局", status="进度滞后")).read_bytes()
    put(inbox / "教育局1.eml", mail("jyj@ly.gov.cn", first, "Thu, 07 Jan 2021 09:00:00 +0800",
                                   [("市教育局报表.xlsx", early)]).as_bytes(), at(7, 9))  # fmt: skip
    put(inbox / "教育局2.eml", mail("jyj@ly.gov.cn", last, "Thu, 07 Jan 2021 11:00:00 +0800",
                                   [("市教育局报表.xlsx", final)]).as_bytes(), at(7, 11))  # fmt: skip
    result = run(workspace, inbox)
    assert result.unit("市教育局").files == ["教育局2.eml › 市教育局报表.xlsx"]
    reported = {r.status for m in result.measures for u, r in m.reports.items() if u == "市教育局" and r}
    assert reported == {"进度滞后"}
    assert not [p for p in result.problems if p.code == "version-chosen-earlier"]


def test_a_folder_named_for_corrections_marks_nothing_and_an_earlier_marked_copy_is_said(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """A folder staff sorted files into ("补充材料/") is no mark of the unit's; a correction mark that makes an
    earlier copy win over a later one is a warning, not an info."""
    inbox = tmp_path / "inbox"
    workbook(inbox / "补充材料" / "市教育局.xlsx", grid(master, "市教育局", status="已完成"))
    set_received(inbox / "补充材料" / "市教育局.xlsx", at(7, 9))
    workbook(inbox / "市教育局报表.xlsx", grid(master, "市教育局", status="进度滞后"))
    set_received(inbox / "市教育局报表.xlsx", at(7, 11))
    workbook(inbox / "市金融工作局（更正）.xlsx", grid(master, "市金融工作局", status="进度滞后"))
    set_received(inbox / "市金融工作局（更正）.xlsx", at(7, 9))
    workbook(inbox / "市金融工作局.xlsx", grid(master, "市金融工作局", status="已完成"))
    set_received(inbox / "市金融工作局.xlsx", at(7, 11))
    result = run(workspace, inbox)
    assert result.unit("市教育局").files == ["市教育局报表.xlsx"]
    assert result.unit("市金融工作局").files == ["市金融工作局（更正）.xlsx"]
    (said,) = [p for p in result.problems if p.code == "version-chosen-earlier"]
    assert said.severity == "warning" and said.unit == "市金融工作局"
    assert "《市金融工作局（更正）.xlsx》比《市金融工作局.xlsx》收到得早" in said.message and "“更正”" in said.message


@pytest.mark.parametrize(
    "name", ["市教育局落实情况（修改前）.xlsx", "市教育局落实情况（未修改）.xlsx", "市教育局-原稿.xlsx"]
)
def test_copy_before_the_revision_never_counts_as_the_correction(
    tmp_path: Path, workspace: Path, master: MasterList, name: str
) -> None:
    # Same 填报日期; the copy "before the revision" arrives first and would win as a 修改 without the fix.
    inbox = tmp_path / "inbox"
    workbook(inbox / name, grid(master, "市教育局", filled=date(2021, 1, 6), status="已完成"))
    set_received(inbox / name, at(7, 8))
    workbook(inbox / "市教育局落实情况.xlsx", grid(master, "市教育局", filled=date(2021, 1, 6), status="进度滞后"))
    set_received(inbox / "市教育局落实情况.xlsx", at(7, 9))
    # Even received last, the 修改前 copy loses against the plain one.
    workbook(inbox / "市金融工作局.xlsx", grid(master, "市金融工作局", filled=date(2021, 1, 6), status="进度滞后"))
    set_received(inbox / "市金融工作局.xlsx", at(7, 8))
    workbook(
        inbox / "市金融工作局（修改前对照）.xlsx",
        grid(master, "市金融工作局", filled=date(2021, 1, 6), status="已完成"),
    )
    set_received(inbox / "市金融工作局（修改前对照）.xlsx", at(7, 9))

    result = run(workspace, inbox)
    education = result.unit("市教育局")
    assert education.files == ["市教育局落实情况.xlsx"] and education.superseded == [name]
    finance = result.unit("市金融工作局")
    assert finance.files == ["市金融工作局.xlsx"] and finance.superseded == ["市金融工作局（修改前对照）.xlsx"]
    reported = {
        r.status for m in result.measures for u, r in m.reports.items() if u in ("市教育局", "市金融工作局") and r
    }
    assert reported == {"进度滞后"}  # never the stale 已完成
    old = [p for p in result.problems if p.code == "duplicate-return" and p.unit == "市金融工作局"][0]
    assert "《市金融工作局（修改前对照）.xlsx》的文件名或邮件主题注明“修改前”" in old.message


def _saved_at(path: Path, stamp: str) -> Path:
    """Rewrite docProps/core.xml's dcterms:modified as the unit's own program would have written it."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    core = parts["docProps/core.xml"].decode()
    core = re.sub(r"<dcterms:modified([^>]*)>[^<]*<", rf"<dcterms:modified\1>{stamp}<", core)
    parts["docProps/core.xml"] = core.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def _version(folder: Path, master: MasterList, name: str, unit: str, status: str, stamp: str) -> tuple[str, bytes]:
    """One version of a unit's return, as an attachment, with its own saved time."""
    path = workbook(folder / unit / name, grid(master, unit, status=status))
    return name, _saved_at(path, stamp).read_bytes()


def _mailed_together(inbox: Path, name: str, sender: str, versions: list[tuple[str, bytes]]) -> None:
    """Versions sent in one mail on Thursday 10:00, saved into the inbox at 11:00."""
    put(inbox / name, mail(sender, "报表", "Thu, 07 Jan 2021 10:00:00 +0800", versions).as_bytes(), at(7, 11))


def test_saved_from_mail_after_the_deadline_is_not_called_late(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    inbox = tmp_path / "inbox"
    path = _saved_at(
        workbook(inbox / "市文化广电和旅游局.xlsx", grid(master, "市文化广电和旅游局")), "2021-01-07T02:05:00Z"
    )
    set_received(path, at(7, 16, 40))
    late = _saved_at(workbook(inbox / "洛阳北郊机场.xlsx", grid(master, "洛阳北郊机场")), "2021-01-07T07:00:00Z")
    set_received(late, at(7, 16, 40))
    result = run(workspace, inbox)
    assert result.unit("市文化广电和旅游局").state == "on_time"
    warning = only(result.problems, "saved-before-deadline")
    assert (warning.file, warning.severity, warning.unit) == (
        "市文化广电和旅游局.xlsx",
        "warning",
        "市文化广电和旅游局",
    )
    assert warning.message == (
        "文件时间 2021年1月7日 16:40 已过截止时间，但表格自身的保存时间为 2021年1月7日 10:05（截止前），"
        "很可能是截止后才从邮件另存到收件箱；暂按按时报送处理，请以邮件实际收到时间核实"
    )
    assert result.unit("洛阳北郊机场").state == "late"  # saved at 15:00 too: really late
    checked = {c.name: c for c in check_files([path], workspace, workers=0)}
    assert "saved-before-deadline" in [p.code for p in checked["市文化广电和旅游局.xlsx"].problems]


@pytest.mark.parametrize("stamp", ["2021-01-07T11:30:00", "2021-01-07T11:30:00.000000000", "2021-01-07T03:30:00Z"])
def test_saved_time_without_a_zone_is_local_time(
    tmp_path: Path, workspace: Path, master: MasterList, stamp: str
) -> None:
    # LibreOffice writes the saving computer's clock with no zone (11:30 Beijing): as UTC it would be 19:30, late.
    inbox = tmp_path / "inbox"
    path = _saved_at(workbook(inbox / "市文化广电和旅游局.xlsx", grid(master, "市文化广电和旅游局")), stamp)
    set_received(path, at(7, 14))
    result = run(workspace, inbox)
    assert result.unit("市文化广电和旅游局").state == "on_time"
    warning = only(result.problems, "saved-before-deadline")
    assert "表格自身的保存时间为 2021年1月7日 11:30（截止前）" in warning.message


def test_ods_saved_time_without_a_zone_is_local_time() -> None:
    file = SourceFile(Path("x.ods"), "x.ods", "workbook", datetime(2021, 1, 7, 14, 0, tzinfo=TZ), "0" * 64)
    local = with_saved_at(file, "2021-01-07T11:30:00.000000000").saved_at
    assert local == datetime(2021, 1, 7, 11, 30, tzinfo=TZ) == with_saved_at(file, "2021-01-07T03:30:00Z").saved_at
    assert with_saved_at(file, "2021-01-07T11:30:00+08:00").saved_at == local


# ----------------------------------------------------------------- dates and templates
def test_versions_arriving_together_are_not_ordered_by_name(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    def version(name: str, unit: str, status: str, stamp: str) -> tuple[str, bytes]:
        return _version(tmp_path / "x", master, name, unit, status, stamp)

    inbox = tmp_path / "inbox"
    same = "2021-01-06T09:00:00Z"  # nothing orders them: same 填报日期, same mail, same saved time
    both = [
        version("市教育局.xlsx", "市教育局", "正常推进", same),
        version("市教育局-1.xlsx", "市教育局", "已完成", same),
    ]
    _mailed_together(inbox, "教育.eml", "jyj@ly.gov.cn", both)
    saved = [  # the draft sorts last by name but was saved first
        version("市卫健委.xlsx", "市卫健委", "已完成", "2021-01-06T09:00:00Z"),
        version("市卫健委-草稿.xlsx", "市卫健委", "正常推进", "2021-01-04T09:00:00Z"),
    ]
    _mailed_together(inbox, "卫健.eml", "wjw@ly.gov.cn", saved)
    result = run(workspace, inbox)

    unordered = only(result.problems, "versions-unordered")
    assert (unordered.severity, unordered.unit) == ("warning", "市教育局")
    assert "《教育.eml › 市教育局.xlsx》" in unordered.message and "《教育.eml › 市教育局-1.xlsx》" in unordered.message
    assert "无法判断哪份是最终版" in unordered.message and "请与市教育局核实以哪份为准" in unordered.message
    assert not [p for p in result.problems if "收到时间更晚" in p.message]  # both came in the one mail
    health = result.unit("市卫健委")
    assert health.files == ["卫健.eml › 市卫健委.xlsx"] and health.superseded == ["卫健.eml › 市卫健委-草稿.xlsx"]
    chosen = [p for p in result.problems if p.code == "version-chosen" and p.unit == "市卫健委"][0]
    assert "填报日期和收到时间相同，表格自身的保存时间 2021-01-06 17:00 晚于 2021-01-04 17:00" in chosen.message


def test_a_saved_time_after_arrival_orders_nothing_and_same_minute_times_show_seconds(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    def version(name: str, unit: str, status: str, stamp: str) -> tuple[str, bytes]:
        return _version(tmp_path / "x", master, name, unit, status, stamp)

    inbox = tmp_path / "inbox"
    later = [  # saved again after the mail came (opened and saved in the inbox): says nothing of the unit's order
        version("市教育局.xlsx", "市教育局", "正常推进", "2021-01-08T01:00:00Z"),
        version("市教育局-1.xlsx", "市教育局", "已完成", "2021-01-08T02:00:00Z"),
    ]
    _mailed_together(inbox, "教育.eml", "jyj@ly.gov.cn", later)
    seconds = [
        version("市卫健委.xlsx", "市卫健委", "已完成", "2021-01-06T09:00:40Z"),
        version("市卫健委-草稿.xlsx", "市卫健委", "正常推进", "2021-01-06T09:00:10Z"),
    ]
    _mailed_together(inbox, "卫健.eml", "wjw@ly.gov.cn", seconds)
    result = run(workspace, inbox)

    unordered = only(result.problems, "versions-unordered")
    assert unordered.unit == "市教育局"
    chosen = [p for p in result.problems if p.code == "version-chosen" and p.unit == "市卫健委"][0]
    assert "表格自身的保存时间 2021-01-06 17:00:40 晚于 2021-01-06 17:00:10" in chosen.message


def test_year_less_filled_date_takes_the_reporting_weeks_year(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    path = workbook(tmp_path / "市工信局.xlsx", grid(master, "市工信局", filled="1月6日"))
    set_received(path, at(7, 9))
    (checked,) = check_files([path], workspace, workers=0)
    assert (checked.unit, checked.week) == ("市工信局", WEEK)  # never the computer clock's year
    assert not [p for p in checked.problems if p.code.startswith("week")]


def test_another_units_template_is_read_as_the_unit_that_filled_it(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    path = workbook(tmp_path / "市教育局落实情况.xlsx", grid(master, "市教育局"), identity("市发改委"))
    (checked,) = check_files([path], workspace, workers=0)
    assert (checked.unit, checked.rows) == ("市教育局", len(master.measures_of("市教育局")))
    p = only(checked.problems, "unit-template-other")
    assert (p.severity, p.cell) == ("warning", "B2")
    assert p.message == "本表使用的是“市发改委”的报表模板，但填报单位、文件名均为“市教育局”，按“市教育局”处理，请核实"


def test_another_units_template_with_only_its_unit_and_measures_is_the_fillers(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """Nothing but 填报单位 names the filler, yet every measure is its own and none the template's: the filler's."""
    path = workbook(tmp_path / "落实情况.xlsx", grid(master, "市教育局"), identity("市林业局"))
    (checked,) = check_files([path], workspace, workers=0)
    assert (checked.unit, checked.rows) == ("市教育局", len(master.measures_of("市教育局")))
    p = only(checked.problems, "unit-template-other")
    assert "“市林业局”" in p.message and "填报单位、所填措施" in p.message


def test_last_weeks_template_with_this_weeks_date_is_not_stale(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    inbox = tmp_path / "inbox"
    workbook(inbox / "高新区管委会.xlsx", grid(master, "高新区管委会"), identity("高新区管委会", "2020-12-31"))
    set_received(inbox / "高新区管委会.xlsx", at(7, 9))
    result = run(workspace, inbox)
    assert result.unit("高新区管委会").state == "on_time"
    assert not [p for p in result.problems if p.code == "week-stale"]
    p = only(result.problems, "week-template-old")
    assert p.message == (
        "本表使用的是 2020-12-31 这一周的报表模板，但填报日期 2021-01-06 属于 2021-01-07 这一周，"
        "按填报日期计入 2021-01-07 这一周（可能沿用了往期表格），请核实"
    )


def test_hostile_msg_files_never_stop_the_run(tmp_path: Path) -> None:
    """Seeded mutations of a real .msg: each is read or reported, in its worker; discovery always finishes."""
    import random

    seed = msg_bytes(
        Mail("a@b.cn", "报表", "Thu, 7 Jan 2021 10:00:00 +0800", at(7, 10), [("市发改委.xlsx", b"x" * 5000)])
    )
    rng = random.Random(11)
    inbox = tmp_path / "inbox"
    for n in range(6):
        data = bytearray(seed)
        for _ in range(rng.randint(5, 60)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        put(inbox / f"{n}.msg", bytes(data), at(7, 9))
    files, problems = discover(inbox, tmp_path / "work", TZ)
    accounted = {f.display.split(" › ")[0] for f in files} | {p.file.split(" › ")[0] for p in problems}
    assert accounted == {f"{n}.msg" for n in range(6)}


def test_an_undated_version_is_not_newer_than_a_dated_one_that_came_with_it(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """A version without 填报日期, mailed with one dated 1月6日, is not "filled later": nothing orders them but
    the workbooks' own saved times, and where those say nothing either, the choice is a warned guess."""

    def version(name: str, unit: str, status: str, stamp: str, filled: Any = None) -> tuple[str, bytes]:
        path = workbook(tmp_path / "x" / unit / name, grid(master, unit, filled=filled, status=status))
        return name, _saved_at(path, stamp).read_bytes()

    inbox = tmp_path / "inbox"
    older = [  # the undated copy is the older draft: saved on Monday, the dated one on Wednesday
        version("市卫健委.xlsx", "市卫健委", "正常推进", "2021-01-06T09:00:00Z", filled=date(2021, 1, 6)),
        version("市卫健委-表.xlsx", "市卫健委", "已完成", "2021-01-04T09:00:00Z"),
    ]
    _mailed_together(inbox, "卫健.eml", "wjw@ly.gov.cn", older)
    unknown = [  # no saved time orders them: said, never passed off as "filled later"
        version("市教育局.xlsx", "市教育局", "正常推进", "2021-01-08T09:00:00Z", filled=date(2021, 1, 6)),
        version("市教育局-表.xlsx", "市教育局", "已完成", "2021-01-08T09:00:00Z"),
    ]
    _mailed_together(inbox, "教育.eml", "jyj@ly.gov.cn", unknown)
    result = run(workspace, inbox)

    health = result.unit("市卫健委")
    assert health.files == ["卫健.eml › 市卫健委.xlsx"]  # the dated, later saved version
    unordered = only(result.problems, "versions-unordered")
    assert unordered.unit == "市教育局"
    assert not [p for p in result.problems if "填报日期 2021-01-07" in p.message]  # no 填报日期 was written
    assert "有一份未填填报日期、同时收到" in unordered.message and "填报日期相同" not in unordered.message
