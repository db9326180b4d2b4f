"""`lyreport fetch` against a real Dovecot: read-only, incremental, de-duplicated, interruptible, bounded."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from mailservers import (
    NDRC,
    OFFICE,
    PASSWORDS,
    NetEaseProxy,
    SilentServer,
    TrickleProxy,
    configure,
    mail,
    mailbox_config,
    require_dovecot,
    set_passwords,
)

from lyreport.cli import main
from lyreport.mailbox.fetch import FetchReport
from lyreport.mailbox.localserver import LocalImap, free_port
from lyreport.mailbox.service import fetch_mail

TZ = ZoneInfo("Asia/Shanghai")
SINCE = datetime(2021, 1, 1).date()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2021, 1, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def server():
    require_dovecot()
    with LocalImap(dict(PASSWORDS)) as imap:
        yield imap


@pytest.fixture
def ws(workspace: Path, server: LocalImap, monkeypatch) -> Path:
    configure(workspace, mailbox_config(server.port))
    set_passwords(monkeypatch)
    return workspace


def emls(ws: Path) -> list[Path]:
    return sorted((ws / "inbox").rglob("*.eml"))


def arrival(path: Path) -> datetime:
    return datetime.fromisoformat(json.loads(path.with_name(path.name + ".json").read_text("utf-8"))["received_at"])


def test_fetch_is_incremental_read_only_and_keeps_server_arrival_time(ws: Path, server: LocalImap) -> None:
    server.append(OFFICE, mail("市发改委报表", "<a@unit>", at(7, 9)), at(7, 9, 5))
    server.append(OFFICE, mail("市教育局报表", "<b@unit>", at(7, 11, 50)), at(7, 12, 30))  # sender's clock is slow
    first = fetch_mail(ws, since=SINCE)
    assert [p.code for p in first.problems] == []
    assert len(first.saved) == 2 and first.mailboxes_read == ["副中心办公室", "市发改委"]
    files = emls(ws)
    assert [f.parent.relative_to(ws / "inbox").as_posix() for f in files] == ["邮件/副中心办公室"] * 2
    assert sorted(arrival(f) for f in files) == [at(7, 9, 5), at(7, 12, 30)]
    assert files[1].read_bytes().replace(b"\r\n", b"\n").endswith(b"\n") and b"<b@unit>" in files[1].read_bytes()

    server.append(OFFICE, mail("市林业局报表", "<c@unit>", at(7, 10)), at(7, 10, 1))
    second = fetch_mail(ws, since=SINCE)
    assert [s.subject for s in second.saved] == ["市林业局报表"] and second.duplicates == 0
    assert len(emls(ws)) == 3
    assert fetch_mail(ws, since=SINCE).saved == []

    conn = server.connect(OFFICE)  # nothing was marked read, moved or deleted on the server
    conn.select("INBOX", readonly=True)
    typ, data = conn.fetch("1:*", "(FLAGS)")
    conn.logout()
    assert len(data) == 3 and all(b"\\Seen" not in line for line in data)


def test_since_skips_old_mail(ws: Path, server: LocalImap) -> None:
    server.append(
        OFFICE, mail("去年的报表", "<old@unit>", at(7, 9) - timedelta(days=400)), at(7, 9) - timedelta(days=400)
    )
    server.append(OFFICE, mail("本周报表", "<new@unit>", at(7, 9)), at(7, 9))
    assert [s.subject for s in fetch_mail(ws, since=SINCE).saved] == ["本周报表"]


def test_same_message_in_both_mailboxes_is_one_return_with_earliest_arrival(ws: Path, server: LocalImap) -> None:
    both = mail("市发改委报表（同时报送两个邮箱）", "<same@unit>", at(7, 11))
    server.append(OFFICE, both, at(7, 11, 2))
    server.append(NDRC, both, at(7, 11, 1))
    report = fetch_mail(ws, since=SINCE)
    assert len(report.saved) == 1 and report.duplicates == 1
    [only] = emls(ws)
    assert arrival(only) == at(7, 11, 1)  # the earlier of the two servers' arrival times


def test_a_correction_reusing_the_message_id_is_not_taken_for_a_copy(ws: Path, server: LocalImap) -> None:
    # A program that sends every mail under one Message-ID: the 11:40 correction was counted as "already kept"
    # (a copy of the 9:00 return) and never reached the inbox; the first version's statuses were reported.
    first = mail("市发改委报表", "<weekly@oa.example>", at(7, 9), {"市发改委.xlsx": b"PK\x03\x04first"})
    fixed = mail("市发改委报表（更正）", "<weekly@oa.example>", at(7, 11, 40), {"市发改委.xlsx": b"PK\x03\x04second"})
    # reply-all: both mailboxes; one mail gateway tags the subject of outside mail, the Date stays as sent
    tagged = mail("[外部邮件]市发改委报表", "<weekly@oa.example>", at(7, 9), {"市发改委.xlsx": b"PK\x03\x04first"})
    for office_copy, ndrc_copy, hour, minute in ((first, tagged, 9, 0), (fixed, fixed, 11, 40)):
        server.append(OFFICE, office_copy, at(7, hour, minute))
        server.append(NDRC, ndrc_copy, at(7, hour, minute + 1))
    report = fetch_mail(ws, since=SINCE)
    assert sorted(s.subject for s in report.saved) == ["市发改委报表", "市发改委报表（更正）"]
    assert report.duplicates == 2  # the other mailbox's copy of each
    [said] = report.problems
    assert said.code == "mail-id-reused" and "市发改委报表（更正）" in said.message and "已一并收取" in said.message
    import email

    attached = sorted(
        email.message_from_bytes(p.read_bytes()).get_payload()[1].get_payload(decode=True) for p in emls(ws)
    )
    assert attached == [b"PK\x03\x04first", b"PK\x03\x04second"]
    assert sorted(arrival(p) for p in emls(ws)) == [at(7, 9), at(7, 11, 40)]
    again = fetch_mail(ws, since=SINCE)
    assert again.saved == [] and again.problems == []


def test_a_correction_reusing_the_message_id_in_the_junk_folder_is_said(ws: Path, server: LocalImap) -> None:
    # The look at other folders left out every mail whose Message-ID was fetched: a correction sent under the
    # same Message-ID that the spam filter took was never mentioned, and the 9:00 version stood.
    first = mail("市发改委报表", "<weekly@oa.example>", at(7, 9), {"市发改委.xlsx": b"PK\x03\x04first"})
    fixed = mail("市发改委报表（更正）", "<weekly@oa.example>", at(7, 11, 40), {"市发改委.xlsx": b"PK\x03\x04second"})
    server.append(OFFICE, first, at(7, 9))
    server.append(OFFICE, first, at(7, 9), folder="垃圾邮件")  # the same mail twice: not said
    server.append(OFFICE, fixed, at(7, 11, 40), folder="垃圾邮件")
    report = fetch_mail(ws, since=SINCE)
    assert [s.subject for s in report.saved] == ["市发改委报表"]
    [junk] = [p for p in report.problems if p.code == "mail-other-folder"]
    assert "有 1 封可能是报表的邮件没有收取" in junk.message and "市发改委报表（更正）" in junk.message


def test_uidvalidity_change_rescans_without_duplicating(ws: Path, server: LocalImap) -> None:
    for n in range(3):
        server.append(OFFICE, mail(f"报表{n}", f"<m{n}@unit>", at(7, 9, n)), at(7, 9, n))
    server.append(OFFICE, mail("无 Message-ID 的邮件", None, at(7, 9, 9)), at(7, 9, 9))
    assert len(fetch_mail(ws, since=SINCE).saved) == 4
    server.recreate(OFFICE, "INBOX")
    server.append(OFFICE, mail("之后的新邮件", "<m9@unit>", at(7, 10)), at(7, 10))
    report = fetch_mail(ws, since=SINCE)
    assert [s.subject for s in report.saved] == ["之后的新邮件"] and report.duplicates == 4
    assert len(emls(ws)) == 5


class Crash(BaseException):
    """Stands for a kill mid-fetch (not an Exception, so nothing inside fetch may swallow it)."""


def test_interrupted_fetch_leaves_no_half_file_and_resumes(ws: Path, server: LocalImap) -> None:
    for n in range(3):
        server.append(OFFICE, mail(f"报表{n}", f"<k{n}@unit>", at(7, 9, n), {"a.xlsx": b"x" * 5000}), at(7, 9, n))
    calls = []

    def crash_on_second(stage: str, path: Path) -> None:
        calls.append(stage)
        if stage == "written" and calls.count("written") == 2:
            assert path.stat().st_size > 5000 and not path.is_relative_to(ws / "inbox")
            raise Crash

    with pytest.raises(Crash):
        fetch_mail(ws, since=SINCE, hook=crash_on_second)
    inbox_files = sorted(p.name for p in (ws / "inbox").rglob("*") if p.is_file())
    assert len(inbox_files) == 2 and inbox_files[0] + ".json" == inbox_files[1]  # one whole mail + its record
    assert not any((ws / "history" / "mailbox" / "partial").glob("*"))
    report = fetch_mail(ws, since=SINCE)
    assert [s.subject for s in report.saved] == ["报表1", "报表2"]
    assert len(emls(ws)) == 3


def test_wrong_password_is_explained_and_other_mailbox_still_fetched(ws: Path, server: LocalImap, monkeypatch) -> None:
    set_passwords(monkeypatch, {OFFICE: "web-password", NDRC: PASSWORDS[NDRC]})
    server.append(NDRC, mail("市发改委报表", "<n@unit>", at(7, 9)), at(7, 9))
    result = CliRunner().invoke(main, ["fetch", "--workspace", str(ws), "--since", "2021-01-01"])
    assert result.exit_code == 1, result.output
    assert "登录被拒绝" in result.output and "授权码" in result.output and "IMAP" in result.output
    assert "web-password" not in result.output and PASSWORDS[NDRC] not in result.output
    assert "新收邮件 1 封" in result.output and len(emls(ws)) == 1
    config = (ws / "templates" / "配置.toml").read_text("utf-8")
    assert PASSWORDS[NDRC] not in config and not any(
        PASSWORDS[NDRC].encode() in p.read_bytes() for p in (ws / "history").rglob("*") if p.is_file()
    )


def test_a_locked_account_is_said_in_the_servers_own_chinese_words_and_not_as_a_wrong_code(
    ws: Path, server: LocalImap
) -> None:
    # The server's reason came out as "\\xe8\\xb4\\xa6..." (imaplib's bytes through str()), followed by the
    # advice to make a new 授权码, which does not unlock an account.
    passwd = server.root / "passwd"
    line = f"{OFFICE}:{{PLAIN}}{PASSWORDS[OFFICE]}::::::"
    passwd.write_text(passwd.read_text().replace(line, line + "nologin=y reason=账号已被锁定，请联系管理员"))
    [locked] = fetch_mail(ws, since=SINCE).problems
    assert (
        locked.code == "mail-login" and "账号已被锁定，请联系管理员" in locked.message and "\\x" not in locked.message
    )
    assert "联系邮箱管理员" in locked.message and "授权码输错" in locked.message and "生成授权码" not in locked.message


def test_a_password_with_chinese_characters_is_said_without_showing_it(
    ws: Path, server: LocalImap, monkeypatch
) -> None:
    """imaplib can send ASCII only: its own error would quote a character of the password and its position."""
    set_passwords(monkeypatch, {OFFICE: "授权码abcd", NDRC: PASSWORDS[NDRC]})
    result = CliRunner().invoke(main, ["fetch", "--workspace", str(ws), "--since", "2021-01-01"])
    assert result.exit_code == 1, result.output
    assert "含有中文或全角字符" in result.output and "--save-password" in result.output
    assert "授权码abcd" not in result.output and "Traceback" not in result.output and "ascii" not in result.output
    assert "新收邮件" in result.output  # the other mailbox is still fetched


def test_missing_password_tells_how_to_save_it(ws: Path, monkeypatch) -> None:
    monkeypatch.delenv("LYREPORT_MAIL_PASSWORD_1")
    monkeypatch.setattr("lyreport.mailbox.credentials.SERVICE", "lyreport-test-nothing-stored")
    report = fetch_mail(ws, since=SINCE)
    [missing] = [p for p in report.problems if p.code == "mail-no-password"]
    assert "--save-password" in missing.message and "LYREPORT_MAIL_PASSWORD_1" in missing.message
    assert report.mailboxes_read == ["市发改委"]


@pytest.mark.parametrize("written", ["ABCDEFGHIJKLMNOP", "abcd efgh ijkl mnop", "s3cret-code!"])
def test_a_password_written_as_password_env_is_refused_and_never_shown(
    workspace: Path, monkeypatch, written: str
) -> None:
    # The error named the variable to set, i.e. printed the 授权码 staff had put there instead of a name.
    monkeypatch.setattr("lyreport.mailbox.credentials.SERVICE", "lyreport-test-nothing-stored")
    configure(workspace, mailbox_config(free_port(), users=(OFFICE,)) + f'password_env = "{written}"\n')
    result = CliRunner().invoke(main, ["fetch", "--workspace", str(workspace)])
    assert result.exit_code != 0
    assert "password_env 应填写环境变量名" in result.output and "而不是授权码本身" in result.output
    assert written not in result.output and written.split()[0] not in result.output


def test_a_password_env_name_is_still_named_when_nothing_is_set(workspace: Path, monkeypatch) -> None:
    monkeypatch.setattr("lyreport.mailbox.credentials.SERVICE", "lyreport-test-nothing-stored")
    monkeypatch.delenv("MY_MAIL_CODE", raising=False)
    configure(workspace, mailbox_config(free_port(), users=(OFFICE,)) + 'password_env = "MY_MAIL_CODE"\n')
    [missing] = fetch_mail(workspace, since=SINCE).problems
    assert missing.code == "mail-no-password" and "设置环境变量 MY_MAIL_CODE" in missing.message


def _fetch_through(
    workspace: Path, listener: SilentServer | TrickleProxy, within: float, **config: float
) -> FetchReport:
    """fetch_mail from the office mailbox behind a test server (closed after), which must end within `within`
    seconds: a read time-out of 1 s and the test's own [fetch] values."""
    try:
        configure(workspace, mailbox_config(listener.port, timeout=1, users=(OFFICE,), **config))
        started = datetime.now(UTC)
        report = fetch_mail(workspace, since=SINCE)
        assert (datetime.now(UTC) - started).total_seconds() < within
    finally:
        listener.close()
    return report


def test_server_that_never_answers_times_out(workspace: Path, monkeypatch) -> None:
    set_passwords(monkeypatch)
    report = _fetch_through(workspace, SilentServer(), 10)
    [timeout] = report.problems
    assert timeout.code == "mail-timeout" and "没有响应" in timeout.message and "1 秒" in timeout.message


def test_a_greeting_that_trickles_on_is_stopped_at_the_time_set(workspace: Path, monkeypatch) -> None:
    """A server sending a byte every 0.2 s never trips the 1-second read time-out: fetch waited for ever."""
    set_passwords(monkeypatch)
    report = _fetch_through(workspace, TrickleProxy(None), 15, max_minutes=0.05)
    [slow] = report.problems
    assert slow.code == "mail-timeout" and "收取超过 0.05 分钟仍未完成" in slow.message
    assert "副中心办公室" in slow.file and report.mailboxes_read == []


def test_a_mailbox_that_slows_to_a_trickle_is_stopped_and_fetched_on_next_time(ws: Path, server: LocalImap) -> None:
    """Over a link that slows to a byte every 0.2 s once a mail's body is asked for, fetch stops at the time set,
    says so in Chinese, and leaves nothing half-saved; the next fetch (link well again) gets every mail once."""
    server.append(OFFICE, mail("市发改委报表", "<slow1@unit>", at(7, 9)), at(7, 9))
    server.append(OFFICE, mail("市工信局报表", "<slow2@unit>", at(7, 10)), at(7, 10))
    report = _fetch_through(ws, TrickleProxy(server.port), 15, max_minutes=0.05)
    [slow] = report.problems
    assert slow.code == "mail-timeout" and "收取超过 0.05 分钟仍未完成" in slow.message
    # the mail being downloaded is named, with what to raise if every fetch stops there
    assert "邮件“市发改委报表”" in slow.message and "未能收完" in slow.message and "调大 max_minutes" in slow.message
    assert "本次没有收到新邮件，下次运行会接着收取" in slow.message
    assert report.saved == [] and emls(ws) == []
    configure(ws, mailbox_config(server.port, users=(OFFICE,)))
    again = fetch_mail(ws, since=SINCE)
    assert again.problems == [] and len(again.saved) == 2 and len(emls(ws)) == 2


def test_unreachable_server_is_explained(workspace: Path, monkeypatch) -> None:
    configure(workspace, mailbox_config(free_port(), users=(OFFICE,)))  # nothing listens there
    set_passwords(monkeypatch)
    [refused] = fetch_mail(workspace, since=SINCE).problems
    assert refused.code == "mail-unreachable" and "连接被拒绝" in refused.message


def test_netease_id_command_is_sent_before_examine(ws: Path, server: LocalImap) -> None:
    proxy = NetEaseProxy(server.port)
    try:
        configure(ws, mailbox_config(proxy.port, users=(OFFICE,)))
        server.append(OFFICE, mail("市发改委报表", "<id@unit>", at(7, 9)), at(7, 9))
        report = fetch_mail(ws, since=SINCE)
    finally:
        proxy.close()
    assert report.problems == [] and len(report.saved) == 1
    assert proxy.id_seen == 1 and proxy.refused == 0


def test_unsafe_login_is_explained_in_chinese(ws: Path, server: LocalImap) -> None:
    proxy = NetEaseProxy(server.port, always_refuse=True)
    try:
        configure(ws, mailbox_config(proxy.port, users=(OFFICE,)))
        [refused] = fetch_mail(ws, since=SINCE).problems
    finally:
        proxy.close()
    assert refused.code == "mail-unsafe-login"
    assert "Unsafe Login" in refused.message and "IMAP ID" in refused.message and "授权码" in refused.message


def test_too_large_message_is_listed_not_downloaded(workspace: Path, server: LocalImap, monkeypatch) -> None:
    configure(workspace, mailbox_config(server.port, max_mb=0.05, users=(OFFICE,)))
    set_passwords(monkeypatch)
    server.append(OFFICE, mail("超大附件", "<big@unit>", at(7, 9), {"scan.pdf": b"%PDF" + b"0" * 100_000}), at(7, 9))
    server.append(OFFICE, mail("正常报表", "<small@unit>", at(7, 9, 1)), at(7, 9, 1))
    report = fetch_mail(workspace, since=SINCE)
    assert [s.subject for s in report.saved] == ["正常报表"]
    [big] = report.problems
    assert big.code == "mail-too-large" and "超大附件" in big.message and "未下载" in big.message


@pytest.fixture
def tls_server():
    require_dovecot()
    with LocalImap(dict(PASSWORDS), tls=True) as imap:
        yield imap


def test_tls_certificate_is_checked(workspace: Path, tls_server: LocalImap, monkeypatch) -> None:
    configure(workspace, mailbox_config(tls_server.port, users=(OFFICE,), security="tls"))
    set_passwords(monkeypatch)
    [untrusted] = fetch_mail(workspace, since=SINCE).problems
    assert untrusted.code == "mail-certificate" and "安全证书无法验证" in untrusted.message

    configure(workspace, mailbox_config(tls_server.port, users=(OFFICE,), security="tls", ca_file=tls_server.cert))
    tls_server.append(OFFICE, mail("加密连接收到的报表", "<tls@unit>", at(7, 9)), at(7, 9))
    report = fetch_mail(workspace, since=SINCE)
    assert report.problems == [] and [s.subject for s in report.saved] == ["加密连接收到的报表"]

    port = tls_server.starttls_port  # the same server through STARTTLS on its plain port
    configure(workspace, mailbox_config(port, users=(OFFICE,), security="starttls", ca_file=tls_server.cert))
    tls_server.append(OFFICE, mail("STARTTLS 收到的报表", "<starttls@unit>", at(7, 9, 1)), at(7, 9, 1))
    report = fetch_mail(workspace, since=SINCE)
    assert report.problems == [] and [s.subject for s in report.saved] == ["STARTTLS 收到的报表"]


def test_a_self_signed_certificate_tells_staff_what_to_do_and_a_wrong_ca_file_is_named(
    workspace: Path, tls_server: LocalImap, monkeypatch, tmp_path: Path
) -> None:
    # An in-house server's own certificate was said only as "（self-signed certificate）" with advice about
    # proxies; a ca_file that did not exist was said as "无法连接 …（No such file or directory）".
    set_passwords(monkeypatch)
    configure(workspace, mailbox_config(tls_server.port, users=(OFFICE,), security="tls"))
    [untrusted] = fetch_mail(workspace, since=SINCE).problems
    assert untrusted.code == "mail-certificate" and "自签名证书" in untrusted.message
    assert 'ca_file = "证书文件的完整路径"' in untrusted.message and "请勿关闭证书检查" in untrusted.message

    missing = tmp_path / "没有的证书.pem"
    configure(workspace, mailbox_config(tls_server.port, users=(OFFICE,), security="tls", ca_file=missing))
    [said] = fetch_mail(workspace, since=SINCE).problems
    assert said.code == "mail-ca-file" and f"“{missing}”不存在" in said.message and "无法连接" not in said.message

    not_a_certificate = tmp_path / "证书.pem"
    not_a_certificate.write_text("这不是证书", encoding="utf-8")
    configure(workspace, mailbox_config(tls_server.port, users=(OFFICE,), security="tls", ca_file=not_a_certificate))
    [said] = fetch_mail(workspace, since=SINCE).problems
    assert said.code == "mail-ca-file" and "不是证书文件" in said.message


def test_a_port_that_does_not_match_the_security_setting_is_said_so(
    workspace: Path, tls_server: LocalImap, monkeypatch
) -> None:
    """TLS asked of the plain port showed only OpenSSL's English WRONG_VERSION_NUMBER; plain asked of the TLS
    port only "没有响应". Both now say which setting or port to change."""
    set_passwords(monkeypatch)
    port = tls_server.starttls_port
    configure(workspace, mailbox_config(port, users=(OFFICE,), security="tls", ca_file=tls_server.cert))
    [said] = fetch_mail(workspace, since=SINCE).problems
    assert said.code == "mail-unreachable" and f"端口 {port} 不是加密（TLS）端口" in said.message
    assert 'security = "starttls"' in said.message

    configure(workspace, mailbox_config(tls_server.port, users=(OFFICE,), security="plain", timeout=2))
    [said] = fetch_mail(workspace, since=SINCE).problems
    assert (
        said.code == "mail-timeout"
        and '加密端口（IMAP 一般为 993），请在配置.toml 该邮箱段中写 security = "tls"' in said.message
    )


def test_chinese_folders_are_read_and_a_missing_one_is_named(workspace: Path, server: LocalImap, monkeypatch) -> None:
    text = mailbox_config(server.port, users=(OFFICE,)) + 'folders = ["INBOX", "报表", "不存在"]\n'
    configure(workspace, text)
    set_passwords(monkeypatch)
    server.append(OFFICE, mail("收件箱中的报表", "<f1@unit>", at(7, 9)), at(7, 9))
    server.append(OFFICE, mail("已归入“报表”文件夹", "<f2@unit>", at(7, 9, 5)), at(7, 9, 5), folder="报表")
    report = fetch_mail(workspace, since=SINCE)
    [missing] = report.problems
    assert missing.code == "mail-folder" and "“不存在”" in missing.message and "folders" in missing.message
    assert sorted(s.subject for s in report.saved) == ["已归入“报表”文件夹", "收件箱中的报表"]


def test_a_folder_written_as_the_web_mail_shows_it_names_the_real_ones_and_the_rest_is_fetched(
    workspace: Path, server: LocalImap, monkeypatch
) -> None:
    # "收件箱/周报" as the web mail shows it: the server (separator ".") refused it and fetch gave up on the whole
    # mailbox, INBOX listed after it included, without saying how the server names its folders.
    configure(workspace, mailbox_config(server.port, users=(OFFICE,)) + 'folders = ["收件箱/周报", "INBOX"]\n')
    set_passwords(monkeypatch)
    server.append(OFFICE, mail("收件箱中的报表", "<w1@unit>", at(7, 9)), at(7, 9))
    server.append(OFFICE, mail("市林业局报表", "<w2@unit>", at(7, 9, 5)), at(7, 9, 5), folder="INBOX.周报")
    report = fetch_mail(workspace, since=SINCE)
    assert [s.subject for s in report.saved] == ["收件箱中的报表"] and report.mailboxes_read == ["副中心办公室"]
    said = {p.code: p for p in report.problems}
    assert set(said) == {"mail-folder", "mail-other-folder"}
    assert "“收件箱/周报”" in said["mail-folder"].message
    assert "该邮箱中的文件夹有：" in said["mail-folder"].message and "INBOX.周报" in said["mail-folder"].message
    assert said["mail-other-folder"].file == "邮箱“副中心办公室”/INBOX.周报"  # the return there is not lost silently


def test_killed_fetch_leaves_no_half_file_and_resumes(ws: Path, server: LocalImap) -> None:
    """A real kill (SIGKILL: no clean-up code runs) right after the second message was written to disk."""
    for n in range(3):
        server.append(OFFICE, mail(f"报表{n}", f"<z{n}@unit>", at(7, 9, n), {"a.xlsx": b"y" * 5000}), at(7, 9, n))
    script = (
        "import os, signal, sys\n"
        "from datetime import date\nfrom pathlib import Path\n"
        "from lyreport.mailbox.service import fetch_mail\n"
        "seen = []\n"
        "def hook(stage, path):\n"
        "    seen.append(stage)\n"
        "    if seen.count('written') == 2:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "fetch_mail(Path(sys.argv[1]), since=date(2021, 1, 1), hook=hook)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    killed = subprocess.run([sys.executable, "-c", script, str(ws)], env=env, capture_output=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert [p.name for p in (ws / "history" / "mailbox" / "partial").iterdir()]  # the half message, outside inbox
    assert len(emls(ws)) == 1 and all(arrival(p) for p in emls(ws))
    report = fetch_mail(ws, since=SINCE)
    assert [s.subject for s in report.saved] == ["报表1", "报表2"] and len(emls(ws)) == 3
    assert not any((ws / "history" / "mailbox" / "partial").iterdir())


def test_an_earlier_since_reaches_back_to_older_mail(ws: Path, server: LocalImap) -> None:
    server.append(
        OFFICE, mail("上个月的报表", "<dec@unit>", at(7, 9) - timedelta(days=30)), at(7, 9) - timedelta(days=30)
    )
    server.append(OFFICE, mail("本周报表", "<jan@unit>", at(7, 9)), at(7, 9))
    assert [s.subject for s in fetch_mail(ws, since=SINCE).saved] == ["本周报表"]
    assert fetch_mail(ws, since=SINCE).saved == []
    older = fetch_mail(ws, since=SINCE - timedelta(days=60))
    assert [s.subject for s in older.saved] == ["上个月的报表"] and older.duplicates == 1
    assert fetch_mail(ws, since=SINCE).saved == [] and len(emls(ws)) == 2


def test_mail_without_files_is_listed_not_put_in_the_inbox(ws: Path, server: LocalImap) -> None:
    server.append(OFFICE, mail("关于召开周例会的通知", "<notice@city>", at(7, 8), {}), at(7, 8))
    server.append(OFFICE, mail("市体育局报表", "<ret@unit>", at(7, 9)), at(7, 9))
    report = fetch_mail(ws, since=SINCE)
    assert [s.subject for s in report.saved] == ["市体育局报表"] and len(emls(ws)) == 1
    [note] = report.problems
    assert note.code == "mail-no-files" and "关于召开周例会的通知" in note.message and note.severity == "info"
    again = fetch_mail(ws, since=SINCE)
    assert again.problems == [] and again.saved == []  # looked at once, not listed every time


def _flags(server: LocalImap, user: str, folder: str) -> list[bytes]:
    from lyreport.mailbox.imap import utf7

    conn = server.connect(user)
    conn.select(f'"{utf7(folder)}"', readonly=True)
    typ, data = conn.fetch("1:*", "(FLAGS)")
    conn.logout()
    return [line for line in data if isinstance(line, bytes)]


def test_returns_filed_in_other_folders_are_said_not_silently_missed(ws: Path, server: LocalImap) -> None:
    # The server filed a unit's return under 垃圾邮件 (or staff moved it to a subfolder): fetch read INBOX
    # only, and the unit showed as 未报送 without a word.
    from lyreport.status import week_status

    server.append(OFFICE, mail("收件箱中的报表", "<in@unit>", at(7, 9)), at(7, 9))
    server.append(OFFICE, mail("市应急管理局落实情况", "<junk1@unit>", at(7, 10)), at(7, 10), folder="垃圾邮件")
    server.append(
        OFFICE, mail("周报", "<junk2@unit>", at(7, 10, 5), {"交通局.xls": b"\xd0\xcf"}), at(7, 10, 5), "垃圾邮件"
    )
    server.append(
        OFFICE, mail("发票", "<spam@x>", at(7, 10, 6), {}, sender="ad@spam.example"), at(7, 10, 6), "垃圾邮件"
    )
    server.append(OFFICE, mail("市林业局报表", "<sub@unit>", at(7, 11)), at(7, 11), folder="各单位.林业局")
    server.append(OFFICE, mail("关于报送的通知", "<sent@office>", at(4, 9), sender=OFFICE), at(4, 9), folder="已发送")
    both = mail("市教育局报表（同时报送两个邮箱）", "<both@unit>", at(7, 9, 30))
    server.append(OFFICE, both, at(7, 9, 30), folder="垃圾邮件")  # the other mailbox took it into its INBOX
    server.append(NDRC, both, at(7, 9, 31))
    report = fetch_mail(ws, since=SINCE)
    assert sorted(s.subject for s in report.saved) == ["市教育局报表（同时报送两个邮箱）", "收件箱中的报表"]
    said = {p.file: p for p in report.problems if p.code == "mail-other-folder"}
    assert set(said) == {"邮箱“副中心办公室”/垃圾邮件", "邮箱“副中心办公室”/各单位.林业局"}
    junk = said["邮箱“副中心办公室”/垃圾邮件"]
    assert junk.severity == "warning" and "“垃圾邮件”文件夹中有 2 封可能是报表的邮件没有收取" in junk.message
    assert "01-07 10:00 unit@example.org“市应急管理局落实情况”" in junk.message and "发票" not in junk.message
    assert "“周报”，附件 交通局.xls" in junk.message
    assert "移到收件箱" in junk.message and "folders 中加上“垃圾邮件”" in junk.message
    assert said["邮箱“副中心办公室”/各单位.林业局"].unit == "市林业局"
    assert all(b"\\Seen" not in line for line in _flags(server, OFFICE, "垃圾邮件"))  # read-only: nothing marked

    # the week's problems repeat it (status here; run reads the same record)
    status = week_status(ws, at(7, 12).date(), now=at(7, 11))
    assert {p.file for p in status.notes if p.code == "mail-other-folder"} == set(said)
    assert {p.file for p in week_status(ws, at(21, 12).date(), now=at(21, 11)).notes} == set()  # another week
    from lyreport.api import run_week

    week = run_week(ws, at(7, 12).date(), now=at(8, 9), workers=0).result
    assert {p.file for p in week.problems if p.code == "mail-other-folder"} == set(said)

    # moved to the inbox by staff: fetched, and no longer said
    server.append(OFFICE, mail("市应急管理局落实情况", "<junk1@unit>", at(7, 10)), at(7, 10))
    again = fetch_mail(ws, since=SINCE)
    [junk] = [p for p in again.problems if p.file == "邮箱“副中心办公室”/垃圾邮件"]
    assert "有 1 封" in junk.message and "市应急管理局落实情况”" not in junk.message  # fetched now


def test_junk_added_to_folders_is_fetched_and_no_longer_said(workspace: Path, server: LocalImap, monkeypatch) -> None:
    configure(workspace, mailbox_config(server.port, users=(OFFICE,)) + 'folders = ["INBOX", "垃圾邮件"]\n')
    set_passwords(monkeypatch)
    server.append(OFFICE, mail("市应急管理局落实情况", "<j@unit>", at(7, 10)), at(7, 10), folder="垃圾邮件")
    report = fetch_mail(workspace, since=SINCE)
    assert report.problems == [] and [s.subject for s in report.saved] == ["市应急管理局落实情况"]


def test_mail_moved_into_the_folder_later_counts_from_the_server_stamp_and_says_so(
    ws: Path, server: LocalImap, master, tmp_path: Path
) -> None:
    # INTERNALDATE is when a message entered the folder: a mail received at 10:00, then moved (or dragged back
    # from a local folder) into the inbox at 15:00 was counted late from 15:00, with no word of it.
    from email.utils import format_datetime

    from test_copies import grid, workbook

    from lyreport.api import run_week

    def unit_mail(unit: str, message_id: str, received: datetime | None) -> bytes:
        xlsx = workbook(tmp_path / f"{unit}.xlsx", grid(master, unit)).read_bytes()
        raw = mail(f"{unit}报表", message_id, at(7, 9, 59), {f"{unit}.xlsx": xlsx})
        return (
            f"Received: from mx.qq.com by mx.163.com; {format_datetime(received)}\r\n".encode() if received else b""
        ) + raw

    server.append(OFFICE, unit_mail("市应急管理局", "<moved@unit>", at(7, 10)), at(7, 15))
    server.append(OFFICE, unit_mail("市交通运输局", "<dragged@unit>", None), at(7, 15))  # no Received at all
    server.append(OFFICE, unit_mail("市发改委", "<fine@unit>", at(7, 10)), at(7, 10, 1))
    fetch_mail(ws, since=SINCE)
    result = run_week(ws, datetime(2021, 1, 7).date(), now=at(9, 9), workers=0).result

    moved = result.unit("市应急管理局")
    assert (moved.state, moved.received_at) == ("on_time", at(7, 10))
    (note,) = [p for p in result.problems if p.code == "mail-date-moved-in"]
    assert note.severity == "warning" and note.file.startswith("邮件/副中心办公室/")
    assert "收到时间（INTERNALDATE）为 2021-01-07 15:00" in note.message
    assert "（Received）为 2021-01-07 10:00，早 5 小时" in note.message

    dragged = result.unit("市交通运输局")  # INTERNALDATE still counts (README), but never without a word
    assert (dragged.state, dragged.received_at) == ("late", at(7, 15))
    (said,) = [p for p in result.problems if p.code == "mail-date-no-server-stamp"]
    assert "邮件头的发送时间为 2021-01-07 09:59，早 5 小时 1 分钟" in said.message

    assert result.unit("市发改委").received_at == at(7, 10, 1)  # a minute's transit: INTERNALDATE, no word


def test_a_second_fetch_at_the_same_time_is_refused_with_a_chinese_message(ws: Path, server: LocalImap) -> None:
    # Two staff ran fetch at once: each cleared the other's half-written messages and both ended with
    # "连接中断（FileNotFoundError）", each claiming mails the other had saved.
    server.append(OFFICE, mail("市发改委报表", "<busy@unit>", at(7, 9)), at(7, 9))
    holder = (
        "import sys, time\nfrom pathlib import Path\nfrom lyreport.lock import workspace_lock\n"
        "with workspace_lock(Path(sys.argv[1])):\n    print('held', flush=True)\n    time.sleep(60)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    state = ws / "history" / "mailbox"
    state.mkdir(parents=True, exist_ok=True)
    other = subprocess.Popen([sys.executable, "-c", holder, str(state)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "held"
        result = CliRunner().invoke(main, ["fetch", "--workspace", str(ws), "--since", "2021-01-01"])
    finally:
        other.kill()
        other.wait()
    assert result.exit_code == 2 and "另一个 lyreport fetch 正在收取" in result.output, result.output
    assert f"进程 {other.pid}" in result.output and "Traceback" not in result.output and emls(ws) == []
    assert [s.subject for s in fetch_mail(ws, since=SINCE).saved] == ["市发改委报表"]  # its turn, once free


def test_a_mail_deleted_by_a_colleague_during_the_fetch_is_named_and_the_rest_still_fetched(
    ws: Path, server: LocalImap
) -> None:
    # The colleague tidying the web mailbox deleted one mail after fetch had listed it: fetch stopped the whole
    # mailbox with "服务器没有返回……请检查网络连接", the mails after it waiting for another run.
    for n in range(4):
        server.append(OFFICE, mail(f"报表{n}", f"<gone{n}@unit>", at(7, 9, n)), at(7, 9, n))
    deleted = []

    def colleague(stage: str, path: Path) -> None:
        if stage == "written" and not deleted:
            conn = server.connect(OFFICE)
            conn.select("INBOX")
            conn.store("2", "+FLAGS", "\\Deleted")  # 报表1, listed but not yet downloaded
            conn.expunge()
            conn.logout()
            deleted.append(1)

    report = fetch_mail(ws, since=SINCE, hook=colleague)
    assert [s.subject for s in report.saved] == ["报表0", "报表2", "报表3"]
    assert report.mailboxes_read == ["副中心办公室", "市发改委"]
    [gone] = report.problems
    assert gone.code == "mail-gone" and gone.severity == "warning" and "“报表1”（01-07 09:01 收到）" in gone.message
    assert "被删除或移到了其他文件夹" in gone.message and gone.file == "邮箱“副中心办公室”/INBOX"
    assert fetch_mail(ws, since=SINCE).problems == [] and len(emls(ws)) == 3
