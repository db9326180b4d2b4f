"""Mails as real clients send them, found silently wrong by a seeded generator of mails with a known truth
(old clients' uuencoded files, forwards written inline, encoded words cut inside a character)."""

from __future__ import annotations

import binascii
from pathlib import Path

from test_copies import at, grid, only, put, run, workbook

from lyreport.models import MasterList


def _uuencoded(name: str, data: bytes) -> str:
    lines = [f"begin 644 {name}"]
    lines += [binascii.b2a_uu(data[i : i + 45]).decode().rstrip("\n") for i in range(0, len(data), 45)]
    return "\r\n".join([*lines, "`", "end"])


def _foxmail6(xlsx: bytes, name: str = "市应急管理局落实情况报表.xlsx") -> bytes:
    """Foxmail 6 (and Outlook Express) with uuencode chosen: no MIME parts, the file in the mail text."""
    text = "附件是本单位本周落实情况，请查收。\r\n\r\n" + _uuencoded(name, xlsx) + "\r\n"
    return (
        "Received: from unit (unknown [10.0.0.2]) by mx.163.com; Thu, 07 Jan 2021 10:00:05 +0800 (CST)\r\n"
        "Date: Thu, 7 Jan 2021 10:00:00 +0800\r\nFrom: yjj@ly.gov.cn\r\nTo: lyfzxcscdz@163.com\r\n"
        "Subject: =?gb2312?B?wuTKtcfpv/Y=?=\r\nX-Mailer: Foxmail 6, 15, 201, 26 [cn]\r\nMime-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="gb2312"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n' + text
    ).encode("gb18030")


def test_file_uuencoded_into_the_mail_text_is_read(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    # Was "邮件中没有附件" and the unit 未报送 (and `fetch` did not even keep the mail).
    from lyreport.mailbox.fetch import carries_files

    xlsx = workbook(tmp_path / "x" / "应急.xlsx", grid(master, "市应急管理局")).read_bytes()
    raw = _foxmail6(xlsx)
    assert carries_files(raw)
    inbox = tmp_path / "inbox"
    put(inbox / "应急.eml", raw, at(7, 16))
    result = run(workspace, inbox)
    unit = result.unit("市应急管理局")
    assert (unit.state, unit.received_at) == ("on_time", at(7, 10, 0).replace(second=5))
    assert not [p for p in result.problems if p.code == "eml-no-attachment"]


def test_uuencoded_file_cut_short_is_said_damaged_not_missing(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    xlsx = workbook(tmp_path / "x" / "应急.xlsx", grid(master, "市应急管理局")).read_bytes()
    raw = _foxmail6(xlsx)
    raw = raw[: raw.index(b"\r\n", len(raw) // 2)]  # the mail saved half-way
    inbox = tmp_path / "inbox"
    put(inbox / "应急.eml", raw, at(7, 16))
    result = run(workspace, inbox)
    assert result.unit("市应急管理局").state == "invalid"
    assert only(result.problems, "read-corrupt").file.startswith("应急.eml")


def test_plain_mail_text_beginning_a_line_with_begin_is_no_file() -> None:
    from lyreport.mailbox.fetch import carries_files

    raw = b"From: yjj@ly.gov.cn\r\nSubject: x\r\nDate: Thu, 7 Jan 2021 10:00:00 +0800\r\n\r\nbegin the meeting\r\n"
    assert not carries_files(raw + b"begin 2021 plan\r\n")
    assert carries_files(raw + b"begin 644 report.xlsx\r\n`\r\nend\r\n")
