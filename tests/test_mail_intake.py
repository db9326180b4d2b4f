"""Mail intake cases that used to be silently wrong: how a Date header's zone is read, unnamed .msg
attachments, last week's workbook sent again inside a mail or zip."""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from msgfile import Mail, msg_bytes
from test_copies import TZ, at, grid, mail, only, put, run, workbook

from lyreport.api import load_context, run_week
from lyreport.cli import main
from lyreport.models import MasterList
from lyreport.samples import improvised_return, make_filling, set_received, write_eml
from lyreport.status import week_status


def _dated_mail(tmp_path: Path, master: MasterList, unit: str, date_header: str) -> bytes:
    xlsx = workbook(tmp_path / "x" / f"{unit}.xlsx", grid(master, unit)).read_bytes()
    raw = mail("yjj@ly.gov.cn", "报表", "Thu, 07 Jan 2021 11:30:00 +0800", [("表.xlsx", xlsx)]).as_bytes()
    return raw.replace(b"Thu, 07 Jan 2021 11:30:00 +0800", date_header.encode())


# ----------------------------------------------------------------- the Date header's time zone
@pytest.mark.parametrize(
    ("header", "offset"),
    [
        ("Thu, 07 Jan 2021 11:30:00 GMT+8", "UTC+8"),
        ("Thu, 07 Jan 2021 11:30:00 UTC+08:00", "UTC+8"),
        ("Thu, 07 Jan 2021 11:30:00 GMT+0800", "UTC+8"),
        ("Thu, 07 Jan 2021 11:30:00 GMT +0800", "UTC+8"),  # email.utils: plain GMT, 19:30, late
        ("Thu, 07 Jan 2021 11:30:00 +8", "UTC+8"),  # email.utils: 8 minutes, 19:22, late
        ("Thu Jan 07 2021 11:30:00 GMT+0800 (中国标准时间)", "UTC+8"),
    ],
)
def test_mail_date_offset_written_otherwise_is_read_and_said(
    tmp_path: Path, workspace: Path, master: MasterList, header: str, offset: str
) -> None:
    inbox = tmp_path / "inbox"
    put(inbox / "应急.eml", _dated_mail(tmp_path, master, "市应急管理局", header), at(7, 18))
    result = run(workspace, inbox)
    unit = result.unit("市应急管理局")
    assert (unit.state, unit.received_at) == ("on_time", at(7, 11, 30))
    note = only(result.problems, "mail-date-offset")
    assert (note.file, note.severity) == ("应急.eml", "info")
    assert note.message == f"邮件发送时间写作“{header}”，时区按 {offset} 计算，即北京时间 2021-01-07 11:30"
    assert not [p for p in result.problems if p.code == "mail-date-no-zone"]  # it named one


@pytest.mark.parametrize(
    ("header", "when"),
    [
        ("Thu, 7 Jan 2021 2:00:00 PM +0800", (7, 14)),  # read 02:00 "zone PM +0800": a late return on time
        ("Thu, 7 Jan 2021 8:30:00 PM +0800", (7, 20, 30)),
        ("Thu, 07 Jan 2021 12:30:00 AM +0800", (7, 0, 30)),
        ("Thu, 07 Jan 2021 12:30:00 PM +0800", (7, 12, 30)),
        ("Thu, 7 Jan 2021 2:00:00 pm GMT+8", (7, 14)),
        ("2021-01-07 下午2:00:00", (7, 14)),
        ("2021-01-07 上午 9:15", (7, 9, 15)),
    ],
)
def test_mail_date_on_a_12_hour_clock_is_read(
    tmp_path: Path, workspace: Path, master: MasterList, header: str, when: tuple[int, ...]
) -> None:
    inbox = tmp_path / "inbox"
    put(inbox / "应急.eml", _dated_mail(tmp_path, master, "市应急管理局", header), at(8, 9))
    result = run(workspace, inbox)
    assert result.unit("市应急管理局").received_at == at(*when)
    assert not [p for p in result.problems if p.code in ("mail-date-zone-unknown", "mail-date-missing")]


def test_mail_date_whose_hour_and_pm_disagree_is_not_guessed(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    inbox = tmp_path / "inbox"
    put(inbox / "应急.eml", _dated_mail(tmp_path, master, "市应急管理局", "Thu, 7 Jan 2021 0:30:00 PM +0800"), at(8, 9))
    result = run(workspace, inbox)
    assert result.unit("市应急管理局").received_at == at(8, 9)  # the file's arrival, and said
    assert only(result.problems, "mail-date-missing").file == "应急.eml"


def test_mail_date_in_another_offset_is_not_taken_for_beijing_time(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    # 11:30 at UTC-5 is 00:30 Beijing time the next day: late, not 11:30 "with no zone".
    inbox = tmp_path / "inbox"
    put(inbox / "应急.eml", _dated_mail(tmp_path, master, "市应急管理局", "Thu, 07 Jan 2021 11:30:00 GMT-5"), at(8, 9))
    result = run(workspace, inbox)
    unit = result.unit("市应急管理局")
    assert (unit.state, unit.received_at) == ("late", at(8, 0, 30))
    assert "时区按 UTC-5 计算，即北京时间 2021-01-08 00:30" in only(result.problems, "mail-date-offset").message


def test_mail_date_with_an_unknown_zone_word_says_it_assumed_beijing_time(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    inbox = tmp_path / "inbox"
    put(inbox / "应急.eml", _dated_mail(tmp_path, master, "市应急管理局", "Thu, 07 Jan 2021 11:30:00 JST"), at(7, 18))
    result = run(workspace, inbox)
    assert result.unit("市应急管理局").received_at == at(7, 11, 30)
    note = only(result.problems, "mail-date-zone-unknown")
    assert note.severity == "warning"
    assert note.message == (
        "邮件发送时间写作“Thu, 07 Jan 2021 11:30:00 JST”，其中的时区“JST”无法识别，"
        "暂按北京时间计算（2021-01-07 11:30），请核实"
    )
    assert not [p for p in result.problems if p.code == "mail-date-no-zone"]  # a zone was written


@pytest.mark.parametrize(
    "header",
    [
        "Thu Jan  7 11:30:00 CST 2021",  # the Unix date command: email.utils reads US Central, 01:30 next day
        "Thu, 07 Jan 2021 11:30:00 (北京时间)",
        "Thu, 07 Jan 2021 11:30:00 中国标准时间",
    ],
)
def test_mail_date_china_zone_words_in_other_places(
    tmp_path: Path, workspace: Path, master: MasterList, header: str
) -> None:
    inbox = tmp_path / "inbox"
    put(inbox / "应急.eml", _dated_mail(tmp_path, master, "市应急管理局", header), at(7, 18))
    result = run(workspace, inbox)
    assert (result.unit("市应急管理局").state, result.unit("市应急管理局").received_at) == ("on_time", at(7, 11, 30))
    assert only(result.problems, "mail-date-china-zone").severity == "info"
    assert not [p for p in result.problems if p.code == "mail-date-no-zone"]


@pytest.mark.parametrize("header", ["2021-01-07 11:30:00 +0800", "Thu, 07 Jan 2021 11:30:00.250 +0800"])
def test_mail_date_with_a_standard_offset_after_an_unusual_date_is_read(
    tmp_path: Path, workspace: Path, master: MasterList, header: str
) -> None:
    # email.utils cannot read these at all: the file's time (the next morning, late) used to count.
    inbox = tmp_path / "inbox"
    put(inbox / "应急.eml", _dated_mail(tmp_path, master, "市应急管理局", header), at(8, 9))
    result = run(workspace, inbox)
    assert (result.unit("市应急管理局").state, result.unit("市应急管理局").received_at) == ("on_time", at(7, 11, 30))
    assert not [p for p in result.problems if p.code.startswith("mail-date")]


# ----------------------------------------------------------------- Outlook .msg attachments without a name
def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 12), (200, 0, 0)).save(out, "PNG")
    return out.getvalue()


def test_msg_attachment_without_a_name_is_told_by_its_content(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    xlsx = workbook(tmp_path / "x" / "市发改委.xlsx", grid(master, "市发改委")).read_bytes()
    inbox = tmp_path / "inbox"
    sent = Mail("fgw@ly.gov.cn", "市发改委报表", "Thu, 7 Jan 2021 10:00:00 +0800", at(7, 10), [("", xlsx)])
    put(inbox / "发改委.msg", msg_bytes(sent), at(7, 18))
    junk = Mail("jtj@ly.gov.cn", "市交通运输局报表", "Thu, 7 Jan 2021 10:00:00 +0800", at(7, 10), [("", b"\x00" * 64)])
    put(inbox / "交通局.msg", msg_bytes(junk), at(7, 18))
    result = run(workspace, inbox)
    fgw = result.unit("市发改委")
    assert (fgw.state, fgw.received_at, fgw.files) == ("on_time", at(7, 10), ["发改委.msg › 附件1.xlsx"])
    assert [p.code for p in result.problems if p.file.startswith("发改委.msg")] == ["scan-missing"]
    said = [(p.code, p.severity, p.message) for p in result.problems if p.file == "交通局.msg"]
    assert said == [
        (
            "eml-attachment-unidentified",
            "warning",
            "邮件中有一个没有文件名的附件（类型 未注明），无法从内容识别为电子表格、扫描件或压缩包，未处理；请打开邮件查看",
        )
    ]  # not "邮件中没有电子表格或扫描件附件"


def test_msg_picture_in_the_mail_text_is_not_a_scan(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    # Outlook keeps a signature logo as a hidden attachment; it is no signed scan of the return.
    xlsx = workbook(tmp_path / "x" / "市发改委.xlsx", grid(master, "市发改委")).read_bytes()
    sent = Mail(
        "fgw@ly.gov.cn", "市发改委报表", "Thu, 7 Jan 2021 10:00:00 +0800", at(7, 10),
        [("市发改委.xlsx", xlsx)], pictures=[("image001.png", _png())],
    )  # fmt: skip
    inbox = tmp_path / "inbox"
    put(inbox / "发改委.msg", msg_bytes(sent), at(7, 18))
    result = run(workspace, inbox)
    fgw = result.unit("市发改委")
    assert (fgw.state, fgw.scan_received) == ("on_time", False)
    ignored = only(result.problems, "file-ignored")
    assert ignored.file == "发改委.msg › image001.png" and "内嵌图片" in ignored.message


def _picture(size: tuple[int, int], noisy: bool = False) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    if noisy:
        Image.frombytes("RGB", size, random.Random(5).randbytes(size[0] * size[1] * 3)).save(out, "PNG")
    else:
        Image.new("RGB", size, (250, 250, 250)).save(out, "PNG")
    return out.getvalue()


def _inline_eml(name: str, payload: bytes) -> bytes:
    """A mail as Foxmail or the 163 web mail sends a picture pasted into its text: multipart/related, the
    picture inline with a Content-ID the HTML text points at."""
    message = mail("fgw@ly.gov.cn", "市发改委报表", "Thu, 07 Jan 2021 10:00:00 +0800", [])
    message.add_alternative('<p>请查收。</p><img src="cid:p0">', "html")
    message.get_body(("html",)).add_related(payload, "image", "png", cid="<p0>", filename=name, disposition="inline")
    return message.as_bytes()


def _pasted(inbox: Path, kind: str, payload: bytes) -> None:
    if kind == "msg":
        sent = Mail(
            "fgw@ly.gov.cn", "报表", "Thu, 7 Jan 2021 10:00:00 +0800", at(7, 10), pictures=[("image001.png", payload)]
        )
        put(inbox / "发改委.msg", msg_bytes(sent), at(7, 18))
    else:
        put(inbox / "发改委.eml", _inline_eml("image001.png", payload), at(7, 18))


@pytest.mark.parametrize("kind", ["msg", "eml"])
@pytest.mark.parametrize("picture", ["long side", "bytes"])
def test_photo_of_the_form_pasted_into_the_mail_text_is_read_as_a_scan(tmp_path: Path, kind: str, picture: str) -> None:
    # Outlook hides it as a signature logo, the .eml marks it inline with a Content-ID: it used to be
    # ignored with "邮件中没有电子表格或扫描件附件", the unit 未报送.
    from lyreport.intake.discover import discover_paths

    payload = _picture((1240, 1754)) if picture == "long side" else _picture((400, 300), noisy=True)
    assert picture == "long side" or len(payload) > 200_000
    inbox = tmp_path / "inbox"
    _pasted(inbox, kind, payload)
    files, problems = discover_paths(sorted(inbox.iterdir()), tmp_path / "work", TZ)
    shown = f"发改委.{kind} › image001.png"
    assert [(f.display, f.kind) for f in files] == [(shown, "scan")]
    assert [(p.code, p.file) for p in problems] == [("mail-inline-scan", shown)]


def test_stamped_form_pasted_into_an_outlook_mail_counts_as_the_units_scan(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    from lyreport.scansim import make_scan

    scan = make_scan("drawn", seed=4, unit="市发改委", angle=0.0, noise=False, fmt="jpeg", dpi=150)
    xlsx = workbook(tmp_path / "x" / "市发改委.xlsx", grid(master, "市发改委")).read_bytes()
    sent = Mail(
        "fgw@ly.gov.cn", "市发改委报表", "Thu, 7 Jan 2021 10:00:00 +0800", at(7, 10),
        [("市发改委.xlsx", xlsx)], pictures=[("image001.jpg", scan.data)],
    )  # fmt: skip
    inbox = tmp_path / "inbox"
    put(inbox / "发改委.msg", msg_bytes(sent), at(7, 18))
    result = run(workspace, inbox)
    fgw = result.unit("市发改委")
    assert (fgw.state, fgw.scan_received) == ("on_time", True)
    assert not [p for p in result.problems if p.code in ("file-ignored", "scan-missing")]


@pytest.mark.parametrize("kind", ["msg", "eml"])
def test_small_picture_in_the_mail_text_is_ignored_and_said_to_be_perhaps_a_scan(tmp_path: Path, kind: str) -> None:
    from lyreport.intake.discover import discover_paths

    inbox = tmp_path / "inbox"
    _pasted(inbox, kind, _picture((120, 40)))
    files, problems = discover_paths(sorted(inbox.iterdir()), tmp_path / "work", TZ)
    assert not files
    assert [p.code for p in problems] == ["file-ignored", "eml-inline-image-only"]
    assert "邮件正文中有图片，可能是扫描件" in problems[1].message


def test_mail_attachment_named_without_a_known_extension_is_told_by_its_content(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    # "报表1.7": the date was the extension; sent as application/octet-stream.
    xlsx = workbook(tmp_path / "x" / "市发改委.xlsx", grid(master, "市发改委")).read_bytes()
    inbox = tmp_path / "inbox"
    put(
        inbox / "发改委.eml",
        mail("fgw@ly.gov.cn", "报表", "Thu, 07 Jan 2021 10:00:00 +0800", [("市发改委报表1.7", xlsx)]).as_bytes(),
        at(7, 18),
    )
    sent = Mail("fgw@ly.gov.cn", "报表", "Thu, 7 Jan 2021 10:00:00 +0800", at(7, 10), [("市发改委报表", xlsx)])
    put(inbox / "发改委.msg", msg_bytes(sent), at(7, 18))
    result = run(workspace, inbox)
    fgw = result.unit("市发改委")
    assert fgw.state == "on_time"
    assert set(fgw.files) | set(fgw.superseded) <= {
        "发改委.eml › 市发改委报表1.7.xlsx",
        "发改委.msg › 市发改委报表.xlsx",
    }
    assert not [p for p in result.problems if p.code == "file-unsupported"]


# ----------------------------------------------------------------- last week's workbook sent again in a mail
W2, W3 = date(2020, 12, 31), date(2021, 1, 7)


def _cli(root: Path, week: date, inbox: Path) -> dict:
    result = CliRunner().invoke(
        main, ["run", "--workspace", str(root), "--week", week.isoformat(), "--inbox", str(inbox), "--json"]
    )
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def _state(data: dict, unit: str) -> str:
    return next(u["state"] for u in data["units"] if u["name"] == unit)


def _resent(data: dict) -> list[dict]:
    return [p for p in data["problems"] if p["code"] == "file-already-archived"]


def _self_made(root: Path, folder: Path) -> Path:
    """A unit's own layout, no 填报日期 and no template mark: only its arrival tells its week."""
    context = load_context(root)
    filling = make_filling(context.master, "市教育局", W2, random.Random(3))
    return improvised_return(context.master, filling, folder / "市教育局落实情况.xlsx")


def _packed(kind: str, workbook_file: Path, folder: Path, moment: datetime) -> Path:
    """The workbook as it came in W2: in a mail, a zip, a mail inside a zip, or a forwarded mail."""
    if kind in ("eml", "eml-in-zip", "forwarded"):
        sent = write_eml(folder / "x" / "教育局报表.eml", "jyj@example.cn", moment, "落实情况", [workbook_file])
        if kind == "forwarded":
            sent = write_eml(folder / "x" / "转发.eml", "office@example.cn", moment, "Fw: 落实情况", [sent])
        if kind == "eml":
            return sent
        workbook_file = sent
    target = folder / ("教育局.zip" if kind != "forwarded" else "转发.eml")
    target.parent.mkdir(parents=True, exist_ok=True)
    if kind == "forwarded":
        target.write_bytes(workbook_file.read_bytes())
    else:
        with zipfile.ZipFile(target, "w") as archive:
            archive.write(workbook_file, workbook_file.name)
    set_received(target, moment)
    return target


@pytest.mark.parametrize("kind", ["eml", "zip", "eml-in-zip", "forwarded"])
def test_last_weeks_attachment_sent_again_in_a_mail_is_not_this_weeks_report(tmp_path: Path, kind: str) -> None:
    # W2's return came inside a mail or zip (the archive keeps that, not the workbook); in W3 the unit's
    # reply mail carries the very same workbook: not W3's report.
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    tz = load_context(root).config.timezone
    first = _self_made(root, tmp_path / "x2")
    inbox2 = tmp_path / "w2"
    _packed(kind, first, inbox2, datetime(2020, 12, 31, 9, 0, tzinfo=tz))
    assert _state(_cli(root, W2, inbox2), "市教育局") == "on_time"
    inbox3 = tmp_path / "w3"
    write_eml(inbox3 / "回复.eml", "jyj@example.cn", datetime(2021, 1, 7, 9, 0, tzinfo=tz), "Re: 落实情况", [first])
    status = week_status(root, W3, now=datetime(2021, 1, 7, 18, 0, tzinfo=tz), inbox=inbox3)  # before the run
    assert next(u.state for u in status.units if u.name == "市教育局") == "missing"
    data = _cli(root, W3, inbox3)
    assert _state(data, "市教育局") == "missing"
    (resent,) = _resent(data)
    assert resent["file"] == "回复.eml › 市教育局落实情况.xlsx" and resent["unit"] == "市教育局"
    assert "与 2020-12-31 这一周已收到的《" in resent["message"] and "市教育局落实情况.xlsx》" in resent["message"]
    # Re-running either week: W3 says the same, W2's own file still counts for W2.
    assert _resent(_cli(root, W3, inbox3)) == [resent]
    again = _cli(root, W2, inbox2)
    assert _state(again, "市教育局") == "on_time" and not _resent(again)


def _older_history_and_a_reply(tmp_path: Path) -> tuple[Path, Path, Path]:
    """W2's mail recorded as a version before input_parts left it (the mail's hash only), and a W3 inbox whose
    reply carries W2's attachment again: (workspace, history database, W3 inbox)."""
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    tz = load_context(root).config.timezone
    first = _self_made(root, tmp_path / "x2")
    inbox2 = tmp_path / "w2"
    write_eml(inbox2 / "教育局报表.eml", "jyj@example.cn", datetime(2020, 12, 31, 9, 0, tzinfo=tz), "落实", [first])
    _cli(root, W2, inbox2)
    database = root / "history" / "history.sqlite3"
    with contextlib.closing(sqlite3.connect(database)) as conn, conn:  # closed: nothing left in the journal
        conn.execute("DELETE FROM input_parts")  # as the older version left it
    inbox3 = tmp_path / "w3"
    write_eml(inbox3 / "回复.eml", "jyj@example.cn", datetime(2021, 1, 7, 9, 0, tzinfo=tz), "Re: 落实", [first])
    return root, database, inbox3


def test_history_without_attachment_records_opens_the_archived_mail(tmp_path: Path) -> None:
    # W2 recorded by a version that kept only the mail's hash: W3 opens W2's archived mail once. With the
    # archived mail gone or altered it cannot know, and says so (it used to skip the check silently).
    root, database, inbox3 = _older_history_and_a_reply(tmp_path)
    tz = load_context(root).config.timezone
    data = _cli(root, W3, inbox3)
    assert _state(data, "市教育局") == "missing"
    assert "《教育局报表.eml › 市教育局落实情况.xlsx》" in _resent(data)[0]["message"]
    with sqlite3.connect(database) as conn:
        conn.execute("DELETE FROM input_parts")
    (archived,) = (root / "history" / "archive").rglob("*.eml")
    archived.write_bytes(archived.read_bytes() + b"\n")
    altered = _cli(root, W3, inbox3)
    assert _state(altered, "市教育局") == "on_time" and not _resent(altered)
    (note,) = [p for p in altered["problems"] if p["code"] == "archived-container-unreadable"]
    assert note["severity"] == "warning" and note["file"].endswith(".eml") and note["file"].startswith("history/")
    assert note["message"].startswith("历史存档中 2020-12-31 这一周收到的《教育局报表.eml》内容已被改动，无法核对")
    archived.unlink()
    gone = _cli(root, W3, inbox3)
    assert _state(gone, "市教育局") == "on_time" and not _resent(gone)
    (note,) = [p for p in gone["problems"] if p["code"] == "archived-container-unreadable"]
    assert "《教育局报表.eml》文件已缺失" in note["message"]
    status = week_status(root, W3, now=datetime(2021, 1, 7, 18, 0, tzinfo=tz), inbox=inbox3)
    assert "文件已缺失" in only(status.notes, "archived-container-unreadable").message


def test_status_opens_the_archived_mail_of_an_older_history_without_recording(tmp_path: Path) -> None:
    # status said 已报送 where run says the reply carries W2's attachment again: it never opened W2's archived
    # mail. It opens it in memory only: the history stays as it was.
    root, database, inbox3 = _older_history_and_a_reply(tmp_path)
    tz = load_context(root).config.timezone
    before = database.read_bytes()
    status = week_status(root, W3, now=datetime(2021, 1, 7, 18, 0, tzinfo=tz), inbox=inbox3)
    assert next(u.state for u in status.units if u.name == "市教育局") == "missing"
    assert "《教育局报表.eml › 市教育局落实情况.xlsx》" in only(status.problems, "file-already-archived").message
    assert database.read_bytes() == before  # nothing recorded
    assert _state(_cli(root, W3, inbox3), "市教育局") == "missing"  # as run says


def test_status_says_when_the_resend_check_could_not_be_done(tmp_path: Path) -> None:
    # The history locked (a run committing): status said nothing and counted the resent file as this week's.
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    tz = load_context(root).config.timezone
    first = _self_made(root, tmp_path / "x2")
    inbox2 = tmp_path / "w2"
    write_eml(inbox2 / "教育局报表.eml", "jyj@example.cn", datetime(2020, 12, 31, 9, 0, tzinfo=tz), "落实", [first])
    _cli(root, W2, inbox2)
    inbox3 = tmp_path / "w3"
    write_eml(inbox3 / "回复.eml", "jyj@example.cn", datetime(2021, 1, 7, 9, 0, tzinfo=tz), "Re: 落实", [first])
    from lyreport import status as status_module

    def locked(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(status_module, "resent_files", locked)
        status = week_status(root, W3, now=datetime(2021, 1, 7, 18, 0, tzinfo=tz), inbox=inbox3)
        (root / "inbox" / "回复.eml").write_bytes((inbox3 / "回复.eml").read_bytes())
        printed = CliRunner().invoke(main, ["status", "--workspace", str(root), "--week", W3.isoformat()])
    note = only(status.problems, "resend-check-failed")
    assert "未能核对" in note.message and "正被占用" in note.message and note.severity == "warning"
    assert note in status.notes
    assert printed.exit_code == 0 and f"注意：{note}" in printed.output


def test_fetch_keeps_a_mail_whose_attachment_lost_its_extension() -> None:
    # Said "no return attached, not stored" before, while discover reads the workbook from its content.
    from lyreport.mailbox.fetch import carries_files

    def sent(name: str) -> bytes:
        return mail("fgw@ly.gov.cn", "报表", "Thu, 07 Jan 2021 10:00:00 +0800", [(name, b"PK\x03\x04")]).as_bytes()

    assert carries_files(sent("市发改委报表1.7")) and carries_files(sent("市发改委报表"))
    assert not carries_files(sent("邀请.ics"))  # a file of a kind we know is none of ours


# ----------------------------------------------------------------- the receiving server's time (Received)
def _received(when: str) -> bytes:
    return f"Received: from mail.ly.gov.cn (unknown [10.1.2.3])\r\n\tby mx.163.com (Coremail) with SMTP id x1;\r\n\t{when}\r\n".encode()


@pytest.mark.parametrize(
    ("date_header", "server", "state", "arrived", "gap"),
    [
        # the sender's PC clock a day behind: the mail reached the office on Friday, late, not "on time"
        ("Thu, 07 Jan 2021 10:00:00 +0800", "Fri, 8 Jan 2021 10:00:05 +0800 (CST)", "late", at(8, 10), "1 天"),
        # the sender's clock ahead: sent and received at 10:00, not late at 14:00
        (
            "Thu, 07 Jan 2021 14:00:00 +0800",
            "Thu, 7 Jan 2021 10:00:05 +0800 (CST)",
            "on_time",
            at(7, 10),
            "3 小时 59 分钟",
        ),
        # a PC clock reset to last year: this week's return, not last year's
        ("Tue, 07 Jan 2020 10:00:00 +0800", "Thu, 7 Jan 2021 02:00:05 +0000", "on_time", at(7, 10), "366 天"),
    ],
)
def test_saved_mail_counts_the_receiving_servers_time_not_the_senders_clock(
    tmp_path: Path,
    workspace: Path,
    master: MasterList,
    date_header: str,
    server: str,
    state: str,
    arrived: datetime,
    gap: str,
) -> None:
    inbox = tmp_path / "inbox"
    put(inbox / "应急.eml", _received(server) + _dated_mail(tmp_path, master, "市应急管理局", date_header), at(8, 11))
    result = run(workspace, inbox)
    unit = result.unit("市应急管理局")
    assert (unit.state, unit.received_at.replace(second=0)) == (state, arrived)
    note = only(result.problems, "mail-date-server")
    assert (note.file, note.severity) == ("应急.eml", "warning")
    assert f"相差 {gap}；收到时间按邮件服务器的时间计算" in note.message


def test_saved_mail_within_minutes_of_the_server_time_says_nothing_more(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    inbox = tmp_path / "inbox"
    raw = _dated_mail(tmp_path, master, "市应急管理局", "Thu, 07 Jan 2021 11:58:00 +0800")
    put(inbox / "应急.eml", _received("Thu, 7 Jan 2021 11:59:10 +0800") + raw, at(8, 11))
    result = run(workspace, inbox)
    unit = result.unit("市应急管理局")
    assert (unit.state, unit.received_at) == ("on_time", at(7, 11, 59).replace(second=10))
    assert not [p for p in result.problems if p.code.startswith("mail-date")]


@pytest.mark.parametrize("stamp", ["Thu, 7 Jan 2021 11:59:10 CST", "Thu, 7 Jan 2021 11:59:10 +0800 (CST)"])
def test_a_server_stamp_in_cst_is_china_time_not_us_central(
    tmp_path: Path, workspace: Path, master: MasterList, stamp: str
) -> None:
    # email.utils reads a bare "CST" as US Central: 11:59 became 01:59 on Friday, late, the Date outvoted.
    inbox = tmp_path / "inbox"
    raw = _dated_mail(tmp_path, master, "市应急管理局", "Thu, 07 Jan 2021 11:58:00 +0800")
    put(inbox / "应急.eml", _received(stamp) + raw, at(8, 11))
    result = run(workspace, inbox)
    unit = result.unit("市应急管理局")
    assert (unit.state, unit.received_at) == ("on_time", at(7, 11, 59).replace(second=10))
    assert not [p for p in result.problems if p.code.startswith("mail-date")]


def test_saved_mail_without_a_date_takes_the_server_time_not_the_file_time(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    inbox = tmp_path / "inbox"
    raw = _dated_mail(tmp_path, master, "市应急管理局", "X").replace(b"Date: X\n", b"")
    put(inbox / "应急.eml", _received("Thu, 7 Jan 2021 10:00:00 +0800") + raw, at(7, 15))
    result = run(workspace, inbox)
    assert (result.unit("市应急管理局").state, result.unit("市应急管理局").received_at) == ("on_time", at(7, 10))
    note = only(result.problems, "mail-date-server-only")
    assert (note.severity, note.message) == (
        "info",
        "邮件没有可识别的发送时间（邮件没有 Date 头），收到时间按收件邮件服务器记录的时间 2021-01-07 10:00 计算",
    )


def test_mail_with_two_different_date_headers_takes_the_later_and_says_so(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    inbox = tmp_path / "inbox"
    raw = _dated_mail(tmp_path, master, "市应急管理局", "Thu, 07 Jan 2021 10:00:00 +0800")
    put(inbox / "应急.eml", raw.replace(b"Date:", b"Date: Thu, 07 Jan 2021 14:00:00 +0800\nDate:", 1), at(7, 15))
    result = run(workspace, inbox)
    assert (result.unit("市应急管理局").state, result.unit("市应急管理局").received_at) == ("late", at(7, 14))
    note = only(result.problems, "mail-date-twice")
    assert note.severity == "warning"
    assert "暂按最晚的 2021-01-07 14:00 计算" in note.message


def test_outlook_msg_counts_the_receiving_servers_time(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    xlsx = workbook(tmp_path / "x" / "应急.xlsx", grid(master, "市应急管理局")).read_bytes()
    received = "from mail.ly.gov.cn by mx.163.com with SMTP id x1; Fri, 8 Jan 2021 09:30:00 +0800"
    sent = at(7, 10)
    data = msg_bytes(
        Mail("yjj@ly.gov.cn", "报表", "Thu, 7 Jan 2021 10:00:00 +0800", sent, [("表.xlsx", xlsx)], received=received)
    )
    inbox = tmp_path / "inbox"
    put(inbox / "应急.msg", data, at(8, 11))
    result = run(workspace, inbox)
    assert (result.unit("市应急管理局").state, result.unit("市应急管理局").received_at) == ("late", at(8, 9, 30))
    assert only(result.problems, "mail-date-server").file == "应急.msg"


# ----------------------------------------------------------------- a download link instead of an attachment
QQ_LINK = (
    "您好，附件为本单位本周报表，请查收。\n\n从QQ邮箱发来的超大附件\n\n"
    "市应急管理局落实情况报表.xlsx (12.1M, 2021年01月21日 10:00 到期)\n"
    "进入下载页面：https://mail.qq.com/cgi-bin/ftnExs_download?k=0a1b2c&t=exs_ftn_download\n"
)
NETEASE_LINK = (
    "<div>附件请查收</div><div>从网易163邮箱发来的云附件</div>"
    "<a href='https://mail.163.com/large-attachment-download/index.html?p=X'>市应急管理局落实情况报表.xlsx</a>"
    "<span>(15.2M, 2021年1月22日 10:00 到期)</span>"
)


def _linked(body: str, html: bool = False) -> bytes:
    msg = mail("12345678@qq.com", "报表", "Thu, 07 Jan 2021 10:00:00 +0800", [])
    msg.set_content(body, subtype="html" if html else "plain", cte="base64")
    return msg.as_bytes()


@pytest.mark.parametrize("kind", ["qq", "netease", "msg"])
def test_mail_with_a_download_link_instead_of_the_return_is_received_not_missing(
    tmp_path: Path, workspace: Path, kind: str
) -> None:
    # The unit believes it sent its return (a "超大附件" link): said, and 报送有误 (not 未报送 with no word of it).
    inbox = tmp_path / "inbox"
    if kind == "msg":
        put(inbox / "报表.msg", msg_bytes(Mail("12345678@qq.com", "报表", "", at(7, 10), body=QQ_LINK)), at(7, 15))
    else:
        put(inbox / "报表.eml", _linked(QQ_LINK) if kind == "qq" else _linked(NETEASE_LINK, html=True), at(7, 15))
    result = run(workspace, inbox)
    unit = result.unit("市应急管理局")
    assert (unit.state, unit.received_at) == ("invalid", at(7, 10))
    note = only(result.problems, "eml-download-link")
    assert (note.severity, note.unit) == ("error", "市应急管理局")
    assert "超大附件（云附件）的下载链接（市应急管理局落实情况报表.xlsx）" in note.message
    assert "请按本邮件的收到时间 2021-01-07 10:00 核实" in note.message
    assert not [p for p in result.problems if p.code == "eml-no-attachment"]


def test_fetch_keeps_a_mail_with_a_download_link() -> None:
    from lyreport.mailbox.fetch import carries_files

    assert carries_files(_linked(QQ_LINK)) and carries_files(_linked(NETEASE_LINK, html=True))
    assert not carries_files(_linked("收到，谢谢。附件已转交。"))  # a reply's text is no link


def _winmail(xlsx: bytes, packed: bytes | None = None) -> bytes:
    msg = mail("yjj@ly.gov.cn", "报表", "Thu, 07 Jan 2021 10:00:00 +0800", [])
    if packed is None:  # TNEF signature, key, then an attribute that runs past the end: nothing readable
        packed = b"\x78\x9f\x3e\x22\x01\x00" + b"\x02\x90\x06\x00" + xlsx
    msg.add_attachment(packed, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    return msg.as_bytes()


def _tnef_attribute(level: int, attribute: int, data: bytes, *, checksum: int | None = None) -> bytes:
    import struct

    total = sum(data) & 0xFFFF if checksum is None else checksum
    return struct.pack("<BII", level, attribute, len(data)) + data + struct.pack("<H", total)


def _mapi_long_name(name: str) -> bytes:
    """attAttachment's MAPI properties: PR_ATTACH_METHOD (PT_LONG), then PR_ATTACH_LONG_FILENAME (PT_UNICODE)."""
    import struct

    text = name.encode("utf-16-le") + b"\x00\x00"
    padded = text + b"\x00" * (-len(text) % 4)
    return (
        struct.pack("<I", 2)
        + struct.pack("<HHI", 0x0003, 0x3705, 1)
        + struct.pack("<HHII", 0x001F, 0x3707, 1, len(text))
        + padded
    )


def tnef_stream(files: list[tuple[str, bytes]], *, long_names: bool = True, damage_last: bool = False) -> bytes:
    """winmail.dat as Outlook writes it: message attributes (code page 936), then per file attAttachRendData,
    attAttachTitle (8.3 name in GBK), attAttachData and attAttachment with the long name."""
    import struct

    out = b"\x78\x9f\x3e\x22" + struct.pack("<H", 0x1234)
    out += _tnef_attribute(1, 0x00089006, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += _tnef_attribute(1, 0x00069007, struct.pack("<II", 936, 0))  # attOemCodepage
    out += _tnef_attribute(1, 0x00018004, "报表".encode("gbk") + b"\x00")  # attSubject
    for number, (name, data) in enumerate(files):
        last = number == len(files) - 1
        short = ("报表~1" + name[name.rfind(".") :]) if long_names else name
        out += _tnef_attribute(2, 0x00069002, b"\x01\x00" + b"\xff" * 4 + b"\x00" * 8)  # attAttachRendData
        out += _tnef_attribute(2, 0x00018010, short.encode("gbk") + b"\x00")  # attAttachTitle
        out += _tnef_attribute(2, 0x0006800F, data, checksum=1 if damage_last and last else None)  # attAttachData
        if long_names:
            out += _tnef_attribute(2, 0x00069005, _mapi_long_name(name))  # attAttachment
    return out


def test_outlook_winmail_dat_is_said_and_counts_as_received_not_missing(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    # Outlook in RTF mode packs the attachments into winmail.dat: "no attachment" was said, the unit left 未报送.
    inbox = tmp_path / "inbox"
    xlsx = workbook(tmp_path / "x" / "应急.xlsx", grid(master, "市应急管理局")).read_bytes()
    put(inbox / "市应急管理局报表.eml", _winmail(xlsx), at(7, 15))
    result = run(workspace, inbox)
    unit = result.unit("市应急管理局")
    assert (unit.state, unit.received_at) == ("invalid", at(7, 10))
    note = only(result.problems, "eml-tnef")
    assert (note.severity, note.unit, note.file) == ("error", "市应急管理局", "市应急管理局报表.eml")
    assert "附件“winmail.dat”是 Outlook 以 RTF 格式发信时生成的打包文件（TNEF）" in note.message
    assert not [p for p in result.problems if p.code in ("eml-no-attachment", "file-unsupported")]

    from lyreport.mailbox.fetch import carries_files

    assert carries_files(_winmail(xlsx))  # fetch keeps it for the run to say so


@pytest.mark.parametrize(
    "where", ["Content-Disposition: attachment;\n filename", "Content-Type: application/octet-stream;\n name"]
)
def test_gbk_file_name_split_into_rfc2231_pieces_inside_a_character_is_read(where: str) -> None:
    # filename*0*=gbk''…; filename*1*=…: the standard parser decodes each piece alone and garbles the name
    import urllib.parse

    from lyreport.intake import mail as mailparse

    quoted = urllib.parse.quote("市交通运输局落实情况报表.xlsx".encode("gbk"))
    cut = quoted.index("%", 7 * 3)  # after 7 bytes: inside the 4th character
    head, param = where.split(";")
    raw = (
        "From: a@qq.com\nSubject: x\nDate: Thu, 07 Jan 2021 10:00:00 +0800\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="B"\n\n--B\nContent-Type: text/plain\n\nhi\n--B\n'
        + ("Content-Type: application/octet-stream\n" if "Disposition" in head else "Content-Disposition: attachment\n")
        + f"{head};{param}*0*=gbk''{quoted[:cut]};\n {param.strip()}*1*={quoted[cut:]}\n"
        + "Content-Transfer-Encoding: base64\n\nUEsDBA==\n--B--\n"
    )
    (found,) = list(mailparse.attachments(mailparse.parse(raw.encode())))
    assert found.name == "市交通运输局落实情况报表.xlsx"


def test_files_inside_outlook_winmail_dat_are_read_like_attachments(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    # Outlook in RTF mode packs the return into winmail.dat: it was charged to the unit as 报送有误 (eml-tnef).
    inbox = tmp_path / "inbox"
    xlsx = workbook(tmp_path / "x" / "应急.xlsx", grid(master, "市应急管理局")).read_bytes()
    packed = tnef_stream([("市应急管理局落实情况报表.xlsx", xlsx)])
    put(inbox / "应急.eml", _winmail(xlsx, packed), at(7, 15))
    result = run(workspace, inbox)
    unit = result.unit("市应急管理局")
    assert (unit.state, unit.received_at) == ("on_time", at(7, 10))
    note = only(result.problems, "eml-tnef-read")
    assert (note.severity, note.file) == ("info", "应急.eml")
    assert "已从中取出 1 个文件" in note.message
    assert not [p for p in result.problems if p.code in ("eml-tnef", "eml-tnef-damaged", "eml-no-attachment")]


def test_winmail_dat_names_come_from_the_title_when_there_is_no_long_name() -> None:
    from lyreport.intake import tnef

    found = tnef.unpack(
        tnef_stream([("市交通运输局.xlsx", b"PK\x03\x04a"), ("扫描件.pdf", b"%PDF-1.4")], long_names=False)
    )
    assert [(f.name, f.data) for f in found.files] == [
        ("市交通运输局.xlsx", b"PK\x03\x04a"),
        ("扫描件.pdf", b"%PDF-1.4"),
    ]
    assert not found.damaged
    long = tnef.unpack(tnef_stream([("市交通运输局落实情况报表.xlsx", b"PK\x03\x04a")]))
    assert [f.name for f in long.files] == ["市交通运输局落实情况报表.xlsx"]


def test_winmail_dat_lengths_and_checksums_are_never_trusted() -> None:
    import struct

    from lyreport.intake import tnef

    good = tnef_stream([("甲.xlsx", b"PK\x03\x04a"), ("乙.xlsx", b"PK\x03\x04b")])
    damaged = tnef.unpack(tnef_stream([("甲.xlsx", b"PK\x03\x04a"), ("乙.xlsx", b"PK\x03\x04b")], damage_last=True))
    assert [f.name for f in damaged.files] == ["甲.xlsx"] and "校验和" in damaged.damaged
    for cut in range(6, len(good), 7):  # cut anywhere: never raises, never returns a file cut short
        found = tnef.unpack(good[:cut])
        assert all(f.data in (b"PK\x03\x04a", b"PK\x03\x04b") for f in found.files)
    huge = good[:6] + struct.pack("<BII", 2, 0x0006800F, 0xFFFFFFF0) + b"x" * 20
    assert tnef.unpack(huge).files == [] and tnef.unpack(huge).damaged
    many = tnef_stream([(f"{n}.xlsx", b"PK") for n in range(tnef.MAX_FILES + 3)])
    assert (len(tnef.unpack(many).files), tnef.unpack(many).skipped) == (tnef.MAX_FILES, 3)


def test_a_damaged_winmail_dat_gives_what_it_holds_and_says_the_rest_may_be_missing(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    inbox = tmp_path / "inbox"
    xlsx = workbook(tmp_path / "x" / "应急.xlsx", grid(master, "市应急管理局")).read_bytes()
    packed = tnef_stream([("应急.xlsx", xlsx), ("说明.pdf", b"%PDF-1.4 x")], damage_last=True)
    put(inbox / "应急.eml", _winmail(xlsx, packed), at(7, 15))
    result = run(workspace, inbox)
    assert result.unit("市应急管理局").state == "on_time"
    note = only(result.problems, "eml-tnef-damaged")
    assert note.severity == "warning" and "只取出了其中 1 个文件" in note.message


# ----------------------------------------------------------------- the office's own mail coming back
def _blank_templates(tmp_path: Path, workspace: Path, master: MasterList, *units: str) -> list[tuple[str, bytes]]:
    from lyreport.render.templates import write_template

    directory = load_context(workspace).directory
    return [
        (
            f"{unit}落实情况报表.xlsx",
            write_template(master, directory.get(unit), date(2021, 1, 7), tmp_path / "t" / f"{unit}.xlsx").read_bytes(),
        )
        for unit in units
    ]


def _wrapped(outer_sender: str, inner: bytes, subject: str = "退信") -> bytes:
    """A mail carrying another as message/rfc822: a bounce, or staff forwarding "as attachment"."""
    import email
    import email.policy

    msg = mail(outer_sender, subject, "Thu, 07 Jan 2021 10:30:00 +0800", [])
    msg.add_attachment(email.message_from_bytes(inner, policy=email.policy.default))
    return msg.as_bytes()


@pytest.mark.parametrize("how", ["copy", "bounce", "both"])
def test_the_offices_own_notice_with_blank_templates_charges_no_unit(
    tmp_path: Path, workspace: Path, master: MasterList, how: str
) -> None:
    # The office copies itself on the notice (or it bounces): each blank template was read as that unit's
    # return, and the unit made 报送有误 ("空白模板被直接发回") instead of 未报送.
    inbox = tmp_path / "inbox"
    blanks = _blank_templates(tmp_path, workspace, master, "市应急管理局", "市交通运输局")
    notice = mail(
        "副中心办公室 <LYFZXCSCDZ@163.com>", "关于报送落实情况的通知", "Mon, 04 Jan 2021 09:00:00 +0800", blanks
    )
    if how != "bounce":
        put(inbox / "通知抄送.eml", notice.as_bytes(), at(4, 9))
    if how != "copy":
        put(inbox / "退信.eml", _wrapped("MAILER-DAEMON@163.com", notice.as_bytes()), at(4, 9))
    result = run(workspace, inbox)
    for unit in ("市应急管理局", "市交通运输局"):
        assert result.unit(unit).state == "missing"
    notes = [p for p in result.problems if p.code == "mail-office-own"]
    assert len(notes) == 2 and {p.severity for p in notes} == {"info"}  # "both": the second copies are duplicates
    assert {p.unit for p in notes} == {""}
    assert "本办邮箱 lyfzxcscdz@163.com 自己发出的邮件" in notes[0].message
    assert not [p for p in result.problems if p.code in ("return-blank", "return-unchanged")]


def test_a_units_return_forwarded_between_the_office_mailboxes_still_counts(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    inbox = tmp_path / "inbox"
    filled = workbook(tmp_path / "x" / "应急.xlsx", grid(master, "市应急管理局")).read_bytes()
    forward = mail("lysfgwesk@126.com", "转发：应急局报表", "Thu, 07 Jan 2021 10:00:00 +0800", [("应急.xlsx", filled)])
    put(inbox / "转发1.eml", forward.as_bytes(), at(7, 10))
    # the unit sent its blank template back; staff forwarded the unit's mail as an attachment
    (blank,) = _blank_templates(tmp_path, workspace, master, "市交通运输局")
    theirs = mail("jtj@ly.gov.cn", "交通局报表", "Thu, 07 Jan 2021 09:00:00 +0800", [blank]).as_bytes()
    put(inbox / "转发2.eml", _wrapped("lyfzxcscdz@163.com", theirs, "转发：交通局报表"), at(7, 11))
    result = run(workspace, inbox)
    assert result.unit("市应急管理局").state == "on_time"
    assert result.unit("市交通运输局").state == "invalid"
    assert only(result.problems, "return-blank").unit == "市交通运输局"
    assert not [p for p in result.problems if p.code == "mail-office-own"]


def test_a_blank_template_from_a_unit_is_still_its_error(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    inbox = tmp_path / "inbox"
    (blank,) = _blank_templates(tmp_path, workspace, master, "市交通运输局")
    put(
        inbox / "交通.eml",
        mail("jtj@ly.gov.cn", "报表", "Thu, 07 Jan 2021 09:00:00 +0800", [blank]).as_bytes(),
        at(7, 9),
    )
    result = run(workspace, inbox)
    assert result.unit("市交通运输局").state == "invalid"
    assert not [p for p in result.problems if p.code == "mail-office-own"]


def test_other_units_blank_templates_in_a_units_forward_of_the_notice_charge_no_unit(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """Red-team finding: 市教育局 forwarded the notice with every unit's blank template and its own filled return;
    the four units that sent nothing became 报送有误 ("空白模板被直接发回")."""
    inbox = tmp_path / "inbox"
    own = (
        "市教育局落实情况报表（已填）.xlsx",
        workbook(tmp_path / "x" / "教育.xlsx", grid(master, "市教育局")).read_bytes(),
    )
    blanks = _blank_templates(tmp_path, workspace, master, "市交通运输局", "市卫健委")
    sent = mail(
        "市教育局 <jyj@ly.gov.cn>", "转发: 关于报送落实情况的通知", "Thu, 07 Jan 2021 10:00:00 +0800", [own, *blanks]
    )
    put(inbox / "教育局转发通知.eml", sent.as_bytes(), at(7, 10))
    result = run(workspace, inbox)
    assert result.unit("市教育局").state == "on_time"
    for unit in ("市交通运输局", "市卫健委"):
        assert result.unit(unit).state == "missing"
    notes = [p for p in result.problems if p.code == "mail-others-blank"]
    assert {(p.unit, p.severity) for p in notes} == {("市交通运输局", "info"), ("市卫健委", "info")}
    assert "市教育局发来的邮件附带的是市卫健委未填写" in [p.message for p in notes if p.unit == "市卫健委"][0]
    assert not [p for p in result.problems if p.code in ("return-blank", "return-unchanged")]


def test_the_offices_own_ledger_in_a_units_reply_is_no_return(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """Red-team finding: a unit replied 收到 to last week's bulletin mail with the office's 工作台账.xlsx still
    attached; it was counted 按时报送 with last week's merged statuses."""
    last = tmp_path / "last"
    workbook(last / "市卫健委.xlsx", grid(master, "市卫健委", filled=date(2020, 12, 30), status="已完成"))
    set_received(last / "市卫健委.xlsx", at(31, 9, month=12, year=2020))
    ledger = run_week(workspace, date(2020, 12, 31), inbox=last, now=at(31, 15, month=12, year=2020), workers=0)
    inbox = tmp_path / "inbox"
    reply = mail("wjw@ly.gov.cn", "回复: 督导通报（第1期）", "Thu, 07 Jan 2021 10:00:00 +0800",
                 [("工作台账.xlsx", Path(ledger.outputs.ledger).read_bytes())])  # fmt: skip
    put(inbox / "卫健委回复.eml", reply.as_bytes(), at(7, 10))
    result = run(workspace, inbox)
    assert result.unit("市卫健委").state == "missing"
    said = only(result.problems, "office-ledger")
    assert said.severity == "warning" and said.file == "卫健委回复.eml › 工作台账.xlsx" and said.unit == "市卫健委"


def test_winmail_dat_kept_inside_an_outlook_msg_is_read_as_in_an_eml(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    # A .msg holding winmail.dat (saved by a client that did not unpack it): "not a return (.dat)" and "no
    # attachment" were said and the unit left 未报送, where the same mail as .eml was read.
    inbox = tmp_path / "inbox"
    xlsx = workbook(tmp_path / "x" / "应急.xlsx", grid(master, "市应急管理局")).read_bytes()
    packed = tnef_stream([("市应急管理局落实情况报表.xlsx", xlsx)])
    put(
        inbox / "应急.msg",
        msg_bytes(Mail("a@qq.com", "报表", "", at(7, 10), files=[("winmail.dat", packed)])),
        at(7, 15),
    )
    broken = b"\x78\x9f\x3e\x22\x01\x00" + b"\x02\x90\x06\x00" + xlsx
    put(
        inbox / "交通.msg",
        msg_bytes(Mail("b@qq.com", "市交通运输局报表", "", at(7, 10), files=[("winmail.dat", broken)])),
        at(7, 15),
    )
    result = run(workspace, inbox)
    unit = result.unit("市应急管理局")
    assert (unit.state, unit.received_at) == ("on_time", at(7, 10))
    assert only(result.problems, "eml-tnef-read").file == "应急.msg"
    transport = result.unit("市交通运输局")  # nothing readable inside: 报送有误, as for .eml
    assert transport.state == "invalid"
    note = only(result.problems, "eml-tnef")
    assert (note.severity, note.file) == ("error", "交通.msg")
    assert not [p for p in result.problems if p.code in ("eml-no-attachment", "file-unsupported")]
