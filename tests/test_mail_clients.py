"""Mails as real clients send them, found silently wrong by a seeded generator of mails with a known truth
(old clients' uuencoded files, forwards written inline, encoded words cut inside a character)."""

from __future__ import annotations

import binascii
from pathlib import Path

import pytest
from msgfile import Mail, msg_bytes
from test_copies import at, grid, mail, only, put, run, workbook

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


# ----------------------------------------------------------------- a forward written inline, files attached again
_QUOTED = {
    "qq": (
        "Fw: 应急局落实情况",
        "转给你<br><br>------------------&nbsp;原始邮件&nbsp;------------------<br>"
        '<b>发件人:</b> "联络员"&lt;yjj@ly.gov.cn&gt;;<br><b>发送时间:</b> 2021年1月7日(星期四) 上午10:05<br>'
        '<b>收件人:</b> "lyfzxcscdz"&lt;lyfzxcscdz@163.com&gt;;<br><b>主题:</b> 应急局落实情况<br>',
    ),
    "outlook": (
        "FW: 应急局落实情况",
        "转给你\n\n-----Original Message-----\nFrom: 联络员 <yjj@ly.gov.cn>\n"
        "Sent: Thursday, January 7, 2021 10:05 AM\nTo: lyfzxcscdz@163.com\nSubject: 应急局落实情况\n",
    ),
    "163": (
        "应急局落实情况",
        '转给你\n\n---------- 转发邮件信息 ----------\n发件人："联络员" <yjj@ly.gov.cn>\n'
        "发送日期：2021-01-07 10:05:12\n收件人：lyfzxcscdz@163.com\n主题：应急局落实情况\n",
    ),
}


def _forwarded_inline(xlsx: bytes, client: str) -> bytes:
    subject, text = _QUOTED[client]
    forward = mail("zhangky@163.com", subject, "Thu, 7 Jan 2021 14:30:00 +0800", [("应急局落实情况.xlsx", xlsx)])
    forward.get_body().set_content(text, subtype="html" if client == "qq" else "plain")
    return forward.as_bytes()


@pytest.mark.parametrize("client", sorted(_QUOTED))
def test_return_forwarded_inline_after_the_deadline_says_the_original_was_earlier(
    tmp_path: Path, workspace: Path, master: MasterList, client: str
) -> None:
    # A colleague forwards the unit's 10:05 mail at 14:30, attaching the return again: it came in at 14:30
    # (the file may not be the original's), but "迟报" with no word of the 10:05 original was silently wrong.
    xlsx = workbook(tmp_path / "x" / "应急.xlsx", grid(master, "市应急管理局")).read_bytes()
    inbox = tmp_path / "inbox"
    put(inbox / "转发.eml", _forwarded_inline(xlsx, client), at(7, 16))
    result = run(workspace, inbox)
    assert result.unit("市应急管理局").received_at == at(7, 14, 30)
    note = only(result.problems, "mail-forwarded-inline")
    assert (note.file, note.severity) == ("转发.eml", "warning")
    assert "原邮件的发送时间为 2021-01-07 10:05，收到时间按转发时间 2021-01-07 14:30 计算" in note.message


@pytest.mark.parametrize(
    ("written", "original"), [("上午12:20", "00:20"), ("中午12:20", "12:20"), ("下午12:20", "12:20")]
)
def test_quoted_time_on_a_12_hour_clock_at_twelve(
    tmp_path: Path, workspace: Path, master: MasterList, written: str, original: str
) -> None:
    # A client writing a 12-hour clock quotes 00:20 as 上午12:20 (as the Date header is read): was said as 12:20.
    xlsx = workbook(tmp_path / "x" / "应急.xlsx", grid(master, "市应急管理局")).read_bytes()
    subject, text = _QUOTED["qq"]
    forward = mail("zhangky@163.com", subject, "Thu, 7 Jan 2021 14:30:00 +0800", [("应急局落实情况.xlsx", xlsx)])
    forward.get_body().set_content(text.replace("上午10:05", written), subtype="html")
    inbox = tmp_path / "inbox"
    put(inbox / "转发.eml", forward.as_bytes(), at(7, 16))
    result = run(workspace, inbox)
    assert f"原邮件的发送时间为 2021-01-07 {original}" in only(result.problems, "mail-forwarded-inline").message


def test_an_on_time_forward_quoting_an_earlier_mail_is_only_a_note(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """A unit forwards the office's notice back with its form attached, on time: warned every week as if its time
    were in doubt (review finding). The forward's time makes it on time anyway: a note."""
    xlsx = workbook(tmp_path / "x" / "应急.xlsx", grid(master, "市应急管理局")).read_bytes()
    subject, text = _QUOTED["outlook"]
    forward = mail("yjj@ly.gov.cn", subject, "Thu, 7 Jan 2021 11:00:00 +0800", [("应急局落实情况.xlsx", xlsx)])
    forward.get_body().set_content(text.replace("January 7, 2021 10:05", "January 4, 2021 09:00"))
    inbox = tmp_path / "inbox"
    put(inbox / "转发.eml", forward.as_bytes(), at(7, 16))
    result = run(workspace, inbox)
    assert result.unit("市应急管理局").state == "on_time"
    assert only(result.problems, "mail-forwarded-inline").severity == "info"


def test_outlook_msg_forwarded_inline_is_said_too(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    xlsx = workbook(tmp_path / "x" / "应急.xlsx", grid(master, "市应急管理局")).read_bytes()
    subject, text = _QUOTED["outlook"]
    forward = Mail("zhangky@163.com", subject, "Thu, 7 Jan 2021 14:30:00 +0800", at(7, 14, 30), [("应急.xlsx", xlsx)])
    forward.body = text
    inbox = tmp_path / "inbox"
    put(inbox / "转发.msg", msg_bytes(forward), at(7, 16))
    result = run(workspace, inbox)
    assert "原邮件的发送时间为 2021-01-07 10:05" in only(result.problems, "mail-forwarded-inline").message


def test_a_reply_quoting_the_notice_is_no_forward(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    xlsx = workbook(tmp_path / "x" / "应急.xlsx", grid(master, "市应急管理局")).read_bytes()
    reply = mail(
        "yjj@ly.gov.cn", "回复：关于报送落实情况的通知", "Thu, 7 Jan 2021 10:30:00 +0800", [("应急.xlsx", xlsx)]
    )
    reply.get_body().set_content(
        "见附件。\n\n------------------ 原始邮件 ------------------\n发件人: 副中心办公室\n"
        "发送时间: 2021年1月4日(星期一) 上午9:00\n主题: 关于报送落实情况的通知\n"
    )
    inbox = tmp_path / "inbox"
    put(inbox / "回复.eml", reply.as_bytes(), at(7, 16))
    result = run(workspace, inbox)
    assert result.unit("市应急管理局").state == "on_time"
    assert not [p for p in result.problems if p.code.startswith("mail-forwarded-inline")]


# ----------------------------------------------------------------- encoded words cut inside a character
def test_subject_in_encoded_words_cut_inside_a_character_names_the_unit(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    # Only the subject names the unit; cut inside “金” it read garbled: the unit unknown, 未报送.
    import base64

    rows = grid(master, "市金融工作局")
    rows[1][1] = ""  # 填报单位 left blank, file "报表.xlsx", a personal address
    xlsx = workbook(tmp_path / "x" / "报表.xlsx", rows).read_bytes()
    raw = mail("12345678@qq.com", "SUBJECT", "Thu, 7 Jan 2021 10:00:00 +0800", [("报表.xlsx", xlsx)]).as_bytes()
    data = "报送市金融工作局落实情况".encode("gbk")
    words = " ".join(f"=?gb2312?B?{base64.b64encode(half).decode()}?=" for half in (data[:7], data[7:]))
    inbox = tmp_path / "inbox"
    put(inbox / "邮件.eml", raw.replace(b"Subject: SUBJECT", f"Subject: {words}".encode()), at(7, 16))
    result = run(workspace, inbox)
    assert result.unit("市金融工作局").state == "on_time"


def test_subjects_beside_raw_text_are_not_garbled_by_the_split_word_repair() -> None:
    """The repair of split encoded words read the whole raw header again: raw UTF-8 with one bad byte came out as
    GB18030 mojibake, raw text beside encoded words as \\u escapes (review finding). Only all-ASCII headers of
    encoded words are repaired; the rest is the parser's reading, as before."""
    import base64

    from lyreport.intake import mail

    full = "市发改委落实情况报表".encode("gb2312")
    words = " ".join(f"=?gb2312?B?{base64.b64encode(part).decode()}?=" for part in (full[:5], full[5:]))
    cases = {
        b"Subject: \xe5\xb8\x82\xe5\x8f\x91 \xff": "市发",
        b"Subject: Re: " + words.encode(): "Re: 市发改委落实情况报表",
        "Subject: 转发：".encode() + words.encode(): "转发：",
    }
    for header, start in cases.items():
        read = mail.subject(mail.parse(header + b"\r\nFrom: a@b.c\r\n\r\nx"))
        assert read.startswith(start) and "\\u" not in read, read
