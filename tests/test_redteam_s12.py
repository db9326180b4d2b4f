"""Hand-made returns and mails from the twelfth red team: each case was read wrong without a word (or with a
misleading one) before; each test fails on that code."""

from __future__ import annotations

import base64
import email.policy
import os
import subprocess
import sys
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_redteam import BASE, filled_form, read

from lyreport.intake import mail
from lyreport.intake.discover import discover
from lyreport.mailbox.fetch import carries_files

TZ = ZoneInfo("Asia/Shanghai")


def _saved(wb, tmp_path: Path) -> Path:
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    return path


# ----------------------------------------------------------------- rows under a 已完成 measure (row 8 is 14)
@pytest.mark.parametrize(
    ("col", "note"),
    [("E", "二期工程未完成"), ("F", "尚有扫尾工作"), ("D", "待验收"), ("B", "（注：该项目二期尚未完工）")],
)
def test_a_lone_note_under_a_done_measure_is_no_category_heading(
    workspace: Path, tmp_path: Path, col: str, note: str
) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    ws.insert_rows(9)
    ws[f"{col}9"] = note
    statuses, found, _ = read(workspace, _saved(wb, tmp_path))
    assert statuses[14] is None  # was 已完成, the row dropped as a heading without a word
    assert any(cell.endswith("9") for _, cell in found)


def test_a_second_row_of_a_done_measure_is_checked_against_its_text(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    ws.insert_rows(9)
    ws["D9"], ws["E9"] = "已完成", "二期工程尚未开工，预计6月底完工"
    statuses, found, _ = read(workspace, _saved(wb, tmp_path))
    assert statuses[14] is None
    assert ("status-denied-in-text", "D9") in found


@pytest.mark.parametrize(
    ("cell", "text", "status", "code"),
    [
        ("I8", "实际进度滞后，二期尚未开工", None, "status-denied-in-text"),
        ("G8", "二期工程尚未开工，预计6月底前完工", None, "status-denied-in-text"),
        ("G8", "争取早日投入使用", "已完成", "status-denied-in-plan"),  # a plan: read, and warned
    ],
)
def test_remark_and_plan_are_checked_against_done(
    workspace: Path, tmp_path: Path, cell: str, text: str, status: str | None, code: str
) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    wb["落实情况"][cell] = text
    statuses, found, _ = read(workspace, _saved(wb, tmp_path))
    assert statuses[14] == status
    assert (code, "D8") in found


@pytest.mark.parametrize(
    ("label", "value", "code"),
    [
        ("是否完成", "未", "status-contradicted"),
        ("是否完成", "FALSE", "status-contradicted"),
        ("是否完成", "待定", "status-done-check-unclear"),
        ("是否竣工", "否", "status-contradicted"),
        ("完成情况（是/否）", "否", "status-contradicted"),
        ("形象进度", "80%", "status-contradicted"),
        ("进度（%）", 80, "status-contradicted"),
    ],
)
def test_yes_no_and_share_columns_deny_a_done(
    workspace: Path, tmp_path: Path, label: str, value: object, code: str
) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    ws["J4"], ws["J8"] = label, value
    statuses, found, _ = read(workspace, _saved(wb, tmp_path))
    assert statuses[14] is None
    assert (code, "D8") in found


@pytest.mark.parametrize("label", ["1月7日", "本周情况", None])
def test_an_added_column_of_status_words_is_checked_row_by_row(
    workspace: Path, tmp_path: Path, label: str | None
) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    ws["J4"] = label
    for r, status in zip(range(5, 10), BASE.values(), strict=True):
        ws[f"J{r}"] = status
    ws["J8"] = "进度滞后"  # this week's change, beside the prefilled 已完成
    statuses, found, _ = read(workspace, _saved(wb, tmp_path))
    assert statuses[14] == "进度滞后"
    assert ("status-second-lag", "D8") in found


def test_statuses_shifted_under_the_role_column_are_not_lost(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    for r in range(5, 10):  # 删除单元格，右侧单元格左移: C holds the status, D the progress sentence
        ws[f"C{r}"], ws[f"D{r}"], ws[f"E{r}"] = ws[f"D{r}"].value, "本周按计划推进", None
    statuses, found, _ = read(workspace, _saved(wb, tmp_path))
    assert statuses[14] is None and statuses[12] == "进度滞后"
    assert ("status-second-conflict", "D8") in found


# ----------------------------------------------------------------- sheets of other weeks
@pytest.mark.parametrize(("this", "other"), [(None, date(2020, 12, 30)), (date(2021, 1, 6), date(2021, 1, 13))])
def test_another_weeks_sheet_does_not_win_on_its_date(
    workspace: Path, tmp_path: Path, this: date | None, other: date
) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    copy = wb.copy_worksheet(ws)
    copy.title = "其他周"
    ws["H3"], copy["H3"] = this, other
    for r in range(5, 10):
        copy[f"D{r}"] = "已完成"
    statuses, found, _ = read(workspace, _saved(wb, tmp_path))
    assert statuses == BASE
    assert ("table-chosen", "") in found


# ----------------------------------------------------------------- mail
def _unit_mail() -> EmailMessage:
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "jyj@ly.gov.cn", "教育局报表"
    inner["Date"] = "Thu, 07 Jan 2021 11:30:00 +0800"
    inner.set_content("请查收")
    inner.add_attachment(b"PK\x03\x04 workbook", maintype="application", subtype="octet-stream", filename="报表.xlsx")
    return inner


@pytest.mark.parametrize("encoding", ["base64", "quoted-printable"])
def test_a_forward_encoded_in_base64_or_quoted_printable_is_opened(encoding: str) -> None:
    """Exchange sends message/rfc822 in base64: read as a mail without headers, its return was lost. In
    quoted-printable, the encoded boundary and a soft line break inside a header did the same."""
    import quopri

    stamped = b"Received: from mail.ly.gov.cn by mx.163.com; Thu, 07 Jan 2021 11:30:04 +0800 (CST)\r\n"
    encode = base64.encodebytes if encoding == "base64" else quopri.encodestring
    inner = encode(stamped + _unit_mail().as_bytes()).decode()
    raw = (
        "From: office@ly.gov.cn\nSubject: Fw\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
        "--B\nContent-Type: text/plain\n\nfw\n--B\nContent-Type: message/rfc822\n"
        f"Content-Transfer-Encoding: {encoding}\n\n{inner}\n--B--\n"
    ).encode()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    (forwarded,) = mail.attachments(message)
    assert forwarded.message is not None and forwarded.message["Date"] == "Thu, 07 Jan 2021 11:30:00 +0800"
    assert "11:30:04" in str(forwarded.message["Received"])
    assert [a.name for a in mail.attachments(forwarded.message)] == ["报表.xlsx"]
    assert carries_files(raw)


def test_fetch_keeps_a_scan_sent_as_jfif() -> None:
    message = EmailMessage()
    message["From"], message["Subject"] = "wjw@ly.gov.cn", "盖章件"
    message.set_content("见附件")
    message.add_attachment(b"\xff\xd8\xff\xe0 jpeg", maintype="image", subtype="jpeg", filename="盖章件.jfif")
    assert carries_files(message.as_bytes())


@pytest.mark.parametrize("kind", ["eml", "msg"])
def test_a_saved_mails_server_stamp_counts_over_the_file_time(tmp_path: Path, kind: str) -> None:
    """The office PC's clock is slow: the file says 11:58, the receiving server 12:03:04 (late)."""
    from msgfile import Mail, msg_bytes

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = inbox / f"教育局.{kind}"
    stamp = "from mail.ly.gov.cn by mx.163.com; Thu, 07 Jan 2021 12:03:04 +0800"
    if kind == "eml":
        path.write_bytes(f"Received: {stamp}\n".encode() + _unit_mail().as_bytes())
    else:
        sent = datetime(2021, 1, 7, 11, 30, tzinfo=TZ)
        files = [("报表.xlsx", b"PK\x03\x04 workbook")]
        path.write_bytes(
            msg_bytes(
                Mail("jyj@ly.gov.cn", "教育局报表", "Thu, 07 Jan 2021 11:30:00 +0800", sent, files, received=stamp)
            )
        )
    saved = datetime(2021, 1, 7, 11, 58, tzinfo=TZ).timestamp()
    os.utime(path, (saved, saved))
    files, problems = discover(inbox, tmp_path / "work", TZ)
    (found,) = files
    assert found.received_at == datetime(2021, 1, 7, 12, 3, 4, tzinfo=TZ)
    assert "mail-date-file-earlier" in [p.code for p in problems]


def test_output_piped_into_a_closed_reader_ends_quietly(workspace: Path, tmp_path: Path) -> None:
    """`lyreport check … | head -1` with head gone before the first line: was "运行出错（程序内部错误）：
    [Errno 32] Broken pipe", exit 2 ("无法运行")."""
    (tmp_path / "说明.txt").write_text("x")
    cmd = [sys.executable, "-m", "lyreport", "check", str(tmp_path / "说明.txt"), "--workspace", str(workspace)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.close()  # the reader is gone before the program writes a line
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141
    assert err.decode("utf-8", "replace") == ""
