"""The Thursday flow: fetch → run equals dropping the files by hand; status before noon; reminders by SMTP."""

from __future__ import annotations

import email
import email.policy
import json
import os
import random
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from mailservers import (
    NDRC,
    OFFICE,
    PASSWORDS,
    TrickleProxy,
    configure,
    mail,
    mailbox_config,
    require_dovecot,
    set_passwords,
)

from lyreport.api import load_context
from lyreport.cli import main
from lyreport.intake.discover import discover
from lyreport.mailbox.localserver import LocalImap, free_port
from lyreport.samples import fake_scan, make_filling, set_received, standard_return
from lyreport.status import week_status
from lyreport.weeks import current_deadline
from lyreport.workspace import bundled, write_directory_workbook

TZ = ZoneInfo("Asia/Shanghai")
W = date(2021, 1, 7)


def at(hour: int, minute: int = 0, second: int = 0, day: date = W) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=TZ)


def _files(ws: Path, week: date, units: list[str], seed: int = 7) -> dict[str, bytes]:
    """Each unit's return workbook and scan, built from the real templates."""
    context = load_context(ws)
    rng = random.Random(seed)
    out: dict[str, bytes] = {}
    tmp = ws / "built"
    for unit in units:
        filling = make_filling(context.master, unit, week, rng)
        out[f"{unit}.xlsx"] = standard_return(
            context.master, context.directory, filling, week, tmp / f"{unit}.xlsx"
        ).read_bytes()
        out[f"{unit}-扫描件.pdf"] = fake_scan(tmp / f"{unit}-扫描件.pdf", unit).read_bytes()
    return out


def _mails(ws: Path) -> tuple[list[str], list[tuple[str, str, dict[str, bytes], datetime, datetime, str]]]:
    """(units, mails): subject, Message-ID, attachments, Date header, server arrival, mailbox."""
    units = load_context(ws).master.units[:4]
    f = _files(ws, W, units)
    a, b, c, d = units
    return units, [
        (
            f"{a}报表",
            "<a@u>",
            {f"{a}.xlsx": f[f"{a}.xlsx"], f"{a}-扫描件.pdf": f[f"{a}-扫描件.pdf"]},
            at(9),
            at(9, 1),
            OFFICE,
        ),
        (
            f"{a}报表",
            "<a@u>",
            {f"{a}.xlsx": f[f"{a}.xlsx"], f"{a}-扫描件.pdf": f[f"{a}-扫描件.pdf"]},
            at(9),
            at(9, 0, 30),
            NDRC,
        ),
        (
            f"{b}报表",
            "<b@u>",
            {f"{b}.xlsx": f[f"{b}.xlsx"]},
            at(11, 50),
            at(12, 30),
            OFFICE,
        ),  # the sender's clock is slow
        (f"{c}扫描件", "<c@u>", {f"{c}-扫描件.pdf": f[f"{c}-扫描件.pdf"]}, at(10), at(10), NDRC),
        (f"{d}报表", "<d1@u>", {f"{d}.xlsx": f[f"{d}.xlsx"]}, at(11), at(11), OFFICE),
        (f"{d}扫描件", "<d2@u>", {f"{d}-扫描件.pdf": f[f"{d}-扫描件.pdf"]}, at(11, 30), at(11, 30), OFFICE),
    ]


def _units(ws: Path, week: date) -> list[tuple]:
    summary = json.loads((ws / "outbox" / week.isoformat() / "summary.json").read_text("utf-8"))
    return [(u["name"], u["state"], u["received_at"], u["scan_received"]) for u in summary["units"]]


@pytest.fixture
def server():
    require_dovecot()
    with LocalImap(dict(PASSWORDS)) as imap:
        yield imap


def test_fetch_then_run_equals_files_dropped_by_hand(tmp_path: Path, server: LocalImap, monkeypatch) -> None:
    runner = CliRunner()
    fetched, by_hand = tmp_path / "fetched", tmp_path / "by_hand"
    for root in (fetched, by_hand):
        assert runner.invoke(main, ["init", str(root)]).exit_code == 0
    configure(fetched, mailbox_config(server.port))
    set_passwords(monkeypatch)
    units, mails = _mails(fetched)
    arrivals: dict[str, datetime] = {}
    for subject, message_id, attachments, sent, arrived, user in mails:
        server.append(user, mail(subject, message_id, sent, attachments), arrived)
        arrivals[message_id] = min(arrivals.get(message_id, arrived), arrived)
        for name, data in attachments.items():  # by hand: saved with the real arrival time
            target = by_hand / "inbox" / name
            target.write_bytes(data)
            set_received(target, arrivals[message_id])

    result = runner.invoke(main, ["fetch", "--workspace", str(fetched), "--since", "2020-12-01"])
    assert result.exit_code == 0, result.output
    assert "新收邮件 5 封" in result.output
    for root in (fetched, by_hand):
        run = runner.invoke(main, ["run", "--workspace", str(root), "--week", W.isoformat()])
        assert run.exit_code in (0, 1), run.output

    got, expected = _units(fetched, W), _units(by_hand, W)
    assert got == expected
    rebuilt = runner.invoke(main, ["run", "--workspace", str(fetched), "--week", W.isoformat(), "--rebuild"])
    assert rebuilt.exit_code in (0, 1), rebuilt.output
    assert _units(fetched, W) == got  # the archived e-mails keep their server arrival times
    states = {name: (state, received, scan) for name, state, received, scan in got}
    a, b, c, d = units
    assert (
        states[a][0] == "on_time" and states[a][2] and states[a][1] == "2021-01-07T09:00:30+08:00"
    )  # the earlier mailbox
    assert (
        states[b][0] == "late" and states[b][1] == "2021-01-07T12:30:00+08:00"
    )  # server time, not the Date header's 11:50
    assert states[c][0] == "invalid" and states[c][2]  # scan only, and the fake scan cannot be read: 报送有误
    assert states[d][0] == "on_time" and states[d][2]


def test_status_before_the_deadline_lists_who_is_not_in(tmp_path: Path, server: LocalImap, monkeypatch) -> None:
    ws = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(ws)]).exit_code == 0
    configure(ws, mailbox_config(server.port))
    set_passwords(monkeypatch)
    units, mails = _mails(ws)
    for subject, message_id, attachments, sent, arrived, user in mails:
        if arrived <= at(11):  # what has arrived by 11:00 on Thursday
            server.append(user, mail(subject, message_id, sent, attachments), arrived)
    assert CliRunner().invoke(main, ["fetch", "--workspace", str(ws), "--since", "2020-12-01"]).exit_code == 0
    before = sorted(p.relative_to(ws).as_posix() for p in ws.rglob("*") if "inbox" not in p.parts)

    status = week_status(ws, W, now=at(11))
    a, b, c, d = units
    got = {u.name: u for u in status.units}
    assert status.time_left == "还剩 1小时00分"
    assert (got[a].electronic, got[a].scan, got[a].state) == (True, True, "on_time") and got[a].missing == ""
    assert (got[c].electronic, got[c].scan, got[c].missing) == (False, True, "电子版")
    assert (got[d].electronic, got[d].scan, got[d].missing) == (True, False, "盖章扫描件")
    assert got[b].missing == "电子版及盖章扫描件"
    waiting = {u.name for u in status.units if not (u.electronic or u.scan)}
    assert b in waiting and a not in waiting and len(waiting) == len(status.units) - 3

    result = CliRunner().invoke(main, ["status", "--workspace", str(ws), "--week", W.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["week"] == "2021-01-07" and data["seconds_left"] < 0 and data["time_left"].startswith("已截止")
    assert {u["unit"]: u["missing"] for u in data["units"]}[c] == "电子版"
    text = CliRunner().invoke(main, ["status", "--workspace", str(ws), "--week", W.isoformat()]).output
    assert f"{b}　联系人：" in text and "尚未收到" in text
    after = sorted(p.relative_to(ws).as_posix() for p in ws.rglob("*") if "inbox" not in p.parts)
    assert after == before  # status records nothing


def test_sidecar_arrival_time_beats_date_header_and_is_not_a_return(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    eml = inbox / "x.eml"
    eml.write_bytes(mail("报表", "<s@u>", at(11, 50), {"市发改委.xlsx": b"PK\x03\x04"}))
    (inbox / "x.eml.json").write_text(json.dumps({"received_at": at(12, 30).isoformat()}), "utf-8")
    (inbox / "orphan.eml.json").write_text("{}", "utf-8")  # no .eml beside it: reported like any file
    files, problems = discover(inbox, tmp_path / "work", TZ)
    assert [(f.display, f.received_at) for f in files] == [("x.eml › 市发改委.xlsx", at(12, 30))]
    # A test mail carries no Received header (a delivered one always does): the earlier Date is said, not used
    assert [(p.file, p.code) for p in problems] == [
        ("orphan.eml.json", "file-unsupported"),
        ("x.eml", "mail-date-no-server-stamp"),
    ]


# ----------------------------------------------------------------- reminders through a real SMTP server
class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"office@163.com",
        b"smtp-code",
    )
    return AuthResult(success=ok)


def test_remind_send_reaches_each_missing_unit(workspace: Path, monkeypatch) -> None:
    from aiosmtpd.controller import Controller

    units = bundled("units.json")
    for n, unit in enumerate(units):
        unit["email"] = f"unit{n}@example.org"
    write_directory_workbook(units, workspace / "templates" / "单位名录.xlsx")
    context = load_context(workspace)
    week = current_deadline(datetime.now(TZ), context.config).date()
    names = context.master.units
    files = _files(workspace, week, names[:2])
    for name in (f"{names[0]}.xlsx", f"{names[0]}-扫描件.pdf", f"{names[1]}.xlsx"):
        (workspace / "inbox" / name).write_bytes(files[name])

    handler, port = _Inbox(), free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=_authenticate, auth_require_tls=False
    )
    configure(workspace, f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nuser = "office@163.com"\nsecurity = "plain"\n')
    monkeypatch.setenv("LYREPORT_SMTP_PASSWORD", "smtp-code")
    controller.start()
    try:
        result = CliRunner().invoke(main, ["remind", "--workspace", str(workspace), "--send", "--yes"])
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    owing = names[1:]
    assert len(handler.messages) == len(owing) and f"已发送 {len(owing)} 封" in result.output
    email_of = {u["name"]: u["email"] for u in units}
    by_to = {}
    for rcpts, raw in handler.messages:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert rcpts == [str(message["To"])] and message["X-Unsent"] is None
        by_to[str(message["To"])] = message
    for name in owing:
        message = by_to[email_of[name]]
        body = message.get_content()
        assert (
            message["Subject"].startswith("【催报】")
            and f"{week.year}年{week.month}月{week.day}日" in message["Subject"]
        )
        assert body.startswith(f"{name}：") and "12:00" in body
        assert ("尚未收到贵单位的盖章扫描件" in body) if name == names[1] else ("电子版及盖章扫描件" in body)
    drafts = sorted((workspace / "outbox" / week.isoformat() / "催报邮件").glob("*.eml"))
    assert len(drafts) == len(owing) and b"X-Unsent: 1" in drafts[0].read_bytes()

    (workspace / "inbox" / f"{names[1]}-扫描件.pdf").write_bytes(files[f"{names[1]}-扫描件.pdf"])
    again = CliRunner().invoke(main, ["remind", "--workspace", str(workspace)])
    assert again.exit_code == 0 and f"{names[1]}：" not in again.output
    drafts = sorted((workspace / "outbox" / week.isoformat() / "催报邮件").glob("*.eml"))
    assert len(drafts) == len(owing) - 1  # the unit now complete has no draft left to send by mistake


def test_remind_stops_at_the_time_set_when_the_mail_server_trickles(workspace: Path, monkeypatch) -> None:
    """An SMTP server whose greeting comes a byte every 0.2 s never trips the read time-out: `remind --send`
    waited for ever. It stops at [fetch] max_minutes and says, in Chinese, that nothing was sent."""
    units = bundled("units.json")
    for n, unit in enumerate(units):
        unit["email"] = f"unit{n}@example.org"
    write_directory_workbook(units, workspace / "templates" / "单位名录.xlsx")
    trickle = TrickleProxy(None)
    configure(
        workspace,
        f'\n[fetch]\ntimeout = 1\nmax_minutes = 0.05\n\n[smtp]\nhost = "127.0.0.1"\nport = {trickle.port}\n'
        'user = "office@163.com"\nsecurity = "plain"\n',
    )
    monkeypatch.setenv("LYREPORT_SMTP_PASSWORD", "smtp-code")
    started = datetime.now(TZ)
    try:
        result = CliRunner().invoke(main, ["remind", "--workspace", str(workspace), "--send", "--yes"])
    finally:
        trickle.close()
    assert (datetime.now(TZ) - started).total_seconds() < 15
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "发信超过 0.05 分钟仍未完成" in result.output and "邮件均未发出" in result.output, result.output


def test_remind_asks_before_sending_and_sends_nothing_on_no(workspace: Path) -> None:
    units = bundled("units.json")
    units[0]["email"] = "fgw@example.org"
    write_directory_workbook(units, workspace / "templates" / "单位名录.xlsx")
    result = CliRunner().invoke(main, ["remind", "--workspace", str(workspace), "--send"], input="n\n")
    assert result.exit_code == 0, result.output
    assert "确认向以上 1 个单位发送催报邮件？" in result.output and "未发送" in result.output
    assert f"{units[0]['name']}：缺电子版及盖章扫描件　收件人：fgw@example.org" in result.output
    assert "（名录中无邮箱）" in result.output  # the others are listed too, to be called instead


# ----------------------------------------------------------------- credentials and imports
def test_save_password_goes_to_the_credential_store_only(workspace: Path, monkeypatch) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1
        store: dict = {}

        def get_password(self, service, username):
            return self.store.get((service, username))

        def set_password(self, service, username, password):
            self.store[(service, username)] = password

        def delete_password(self, service, username):
            self.store.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        configure(workspace, mailbox_config(1, users=(OFFICE,)))
        result = CliRunner().invoke(
            main, ["fetch", "--workspace", str(workspace), "--save-password"], input="s3cret-code\n"
        )
        assert result.exit_code == 0, result.output
        assert "s3cret-code" not in result.output and "office@163.com" in result.output
        assert Memory.store == {("lyreport-mail", OFFICE): "s3cret-code"}
        from lyreport.mailbox.credentials import get_password
        from lyreport.mailbox.settings import load_mail_settings

        monkeypatch.delenv("LYREPORT_MAIL_PASSWORD_1", raising=False)
        server = load_mail_settings(workspace / "templates" / "配置.toml").mailboxes[0]
        assert get_password(server) == "s3cret-code"
    finally:
        keyring.set_keyring(previous)
    assert not any(b"s3cret-code" in p.read_bytes() for p in workspace.rglob("*") if p.is_file())


def test_run_and_check_do_not_load_network_or_keyring_modules(workspace: Path) -> None:
    code = (
        "import sys, atexit\n"
        "atexit.register(lambda: print('LOADED', sorted(m for m in ('imaplib', 'smtplib', 'keyring', 'aiosmtpd')"
        " if m in sys.modules)))\n"
        "from lyreport.cli import main\n"
        # Arguments given explicitly: the program's fast exit (os._exit) would skip the atexit report.
        f"main(['run', '--workspace', {str(workspace)!r}, '--week', '2021-01-07'])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert "LOADED []" in out.stdout, out.stdout + out.stderr


def test_default_since_is_the_earliest_open_week() -> None:
    from lyreport.mailbox.fetch import default_since

    thursday = datetime(2021, 1, 7, 12, tzinfo=TZ)
    assert default_since(None, thursday, 3) == date(2020, 12, 27)
    assert default_since(date(2020, 12, 24), thursday, 3) == date(2020, 12, 20)  # 12-31 not yet recorded
    assert default_since(date(2020, 12, 31), thursday, 3) == date(2020, 12, 27)
    assert default_since(date(2021, 1, 7), thursday, 3) == date(2020, 12, 27)  # re-fetching a recorded week


def test_mailbox_config_mistakes_are_explained(workspace: Path) -> None:
    configure(
        workspace, '\n[[mailbox]]\nname = "副中心办公室"\nhost = "imap.163.com"\nuser = "a@163.com"\nsecurity = "ssl"\n'
    )
    result = CliRunner().invoke(main, ["fetch", "--workspace", str(workspace)])
    assert result.exit_code == 2 and "security 只能是 tls、starttls 或 plain" in result.output
    configure(workspace, "\n")
    result = CliRunner().invoke(main, ["fetch", "--workspace", str(workspace)])
    assert result.exit_code == 2 and "还没有填写邮箱" in result.output
    for wrong in ('"十分钟"', "0", "inf", "true", "100000"):  # inf: a timer thread's traceback, no limit at all
        configure(workspace, f"\n[fetch]\nmax_minutes = {wrong}\n")
        result = CliRunner().invoke(main, ["fetch", "--workspace", str(workspace)])
        said = "[fetch] max_minutes 应为大于 0、不超过 1440 的分钟数"
        assert result.exit_code == 2 and said in result.output and "Traceback" not in result.output, result.output


def test_run_says_a_mailbox_fetch_could_not_read_or_read_before_the_deadline(
    tmp_path: Path, server: LocalImap, monkeypatch
) -> None:
    """A return that sits in a mailbox `run` never saw (fetched at 11:00, or the NDRC login refused) is not
    said "未报送" without a word: run and status say which mailbox and since when."""
    from lyreport.api import run_week
    from lyreport.mailbox.service import fetch_mail

    ws = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(ws)]).exit_code == 0
    configure(ws, mailbox_config(server.port))
    set_passwords(monkeypatch)
    units, mails = _mails(ws)
    a, b = units[0], units[1]
    for subject, message_id, attachments, sent, arrived, user in mails[:2]:  # a's reply-all, before 11:00
        server.append(user, mail(subject, message_id, sent, attachments), arrived)
    fetch_mail(ws, since=date(2020, 12, 1), now=at(11))
    late_mail = mail(f"{b}报表", "<b-ndrc@u>", at(11, 40), {f"{b}.xlsx": mails[2][2][f"{b}.xlsx"]})
    server.append(NDRC, late_mail, at(11, 40))  # on time, after the 11:00 fetch, to the NDRC mailbox only

    def said(code: str, moment: datetime) -> dict[str, str]:
        report = run_week(ws, W, now=moment)
        states = {u.name: u.state for u in report.result.units}
        assert states[a] == "on_time" and states[b] == "missing"
        return {p.file: p.message for p in report.result.problems if p.code == code}

    early = said("mail-fetch-early", at(15))
    assert set(early) == {"邮箱“副中心办公室”", "邮箱“市发改委”"}
    assert "1月7日11:00，早于本周截止时间 1月7日12:00" in early["邮箱“市发改委”"]
    assert "mail-fetch-early" in {p.code for p in week_status(ws, W, now=at(15)).problems}
    assert not [p for p in week_status(ws, W, now=at(11, 30)).problems if p.code.startswith("mail-fetch")]

    set_passwords(monkeypatch, {OFFICE: PASSWORDS[OFFICE], NDRC: "a-code-made-last-month"})
    fetch_mail(ws, since=date(2020, 12, 1), now=at(15, 5))  # the office's is read; NDRC refuses the login
    failed = said("mail-fetch-failed", at(15, 10))
    assert list(failed) == ["邮箱“市发改委”"]
    assert (
        "最近一次收取邮件（1月7日15:05）未能收取该邮箱（未收取：账号 ndrc@126.com 登录被拒绝"
        in failed["邮箱“市发改委”"]
    )
    assert "该邮箱在 1月7日11:00之后收到的报表未计入" in failed["邮箱“市发改委”"]
    assert not said("mail-fetch-early", at(15, 10))  # the office's mailbox was read after the deadline

    set_passwords(monkeypatch)
    fetch_mail(ws, since=date(2020, 12, 1), now=at(15, 20))
    report = run_week(ws, W, now=at(15, 25))
    assert {u.name: u.state for u in report.result.units}[b] == "on_time"
    assert not [p for p in report.result.problems if p.code.startswith("mail-fetch")]
