"""`lyreport remind`: one reminder e-mail per unit still owing this week's return.

Drafts (.eml, `X-Unsent: 1`) are always written; sending goes through the configured SMTP server only
when staff ask for it (`--send`) and confirm the list. Wording comes from 配置.toml [remind].
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import atomic_write_bytes
from ..intake.safety import safe_basename
from ..problems import Problem, problem
from ..render.notices import DRAFT_POLICY
from ..status import WeekStatus, week_status
from ..weeks import cn_date, cn_datetime
from .service import mail_settings
from .settings import Server

if TYPE_CHECKING:
    from .deadline import Deadline

DEFAULT_SUBJECT = "【催报】{list_title}落实情况（{week_cn}）"
DEFAULT_BODY = """{unit}：

按照要求，各责任单位应于{deadline_cn}前报送{list_title}落实情况（电子版及盖章扫描件）。截至{now_cn}，我办尚未收到贵单位的{missing}，请抓紧报送至{office_email}。

联系电话：{office_phone}

{office}
{date_cn}"""


@dataclass
class Draft:
    unit: str
    to: str
    missing: str
    subject: str
    body: str
    message: EmailMessage
    path: Path | None = None


@dataclass
class RemindResult:
    status: WeekStatus
    drafts: list[Draft]
    folder: Path
    problems: list[Problem] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)


def prepare_reminders(
    workspace: Path | None = None, week: date | None = None, *, now: datetime | None = None
) -> RemindResult:
    """Write one draft per unit still owing something in the week (default: this week); nothing is sent."""
    context, settings = mail_settings(workspace)
    config = context.config  # type: ignore[attr-defined]
    status = week_status(workspace, week, now=now)
    wording = {"subject": DEFAULT_SUBJECT, "body": DEFAULT_BODY, **settings.remind}
    sender = str(settings.smtp.user if settings.smtp else config.mail.get("sender", "") or config.office_email)
    folder = context.workspace.outbox / status.week.isoformat() / "催报邮件"  # type: ignore[attr-defined]
    result = RemindResult(status, [], folder)
    for index, unit in enumerate(status.owing(), start=1):
        values = {
            "unit": unit.name,
            "missing": unit.missing,
            "list_title": status.list_title,
            "week_cn": f"{cn_date(status.week)}当周",
            "deadline_cn": cn_datetime(status.deadline, config),
            "now_cn": cn_datetime(status.now, config),
            "office": config.office_name,
            "office_email": config.office_email,
            "office_phone": config.office_phone,
            "date_cn": cn_date(status.now.date()),
        }
        subject = _fill(str(wording["subject"]), values)
        body = _fill(str(wording["body"]), values)
        draft = Draft(
            unit.name, unit.email, unit.missing, subject, body, _message(sender, unit.email, subject, body, status.now)
        )
        if not unit.email:
            result.problems.append(problem("remind-no-email", unit=unit.name))
        draft.path = folder / safe_basename(f"{index:02d}-{unit.name}.eml")
        atomic_write_bytes(draft.path, draft.message.as_bytes(policy=DRAFT_POLICY))
        result.drafts.append(draft)
    _drop_stale(folder, {d.path for d in result.drafts if d.path})
    return result


def _drop_stale(folder: Path, current: set[Path]) -> None:
    """Drafts from an earlier `remind` for units that have since sent their return must not be sent."""
    if folder.is_dir():
        for path in folder.glob("*.eml"):
            if path not in current:
                path.unlink(missing_ok=True)


def send_reminders(workspace: Path | None, result: RemindResult, *, timeout: float | None = None) -> RemindResult:
    """Send the drafts that have an address through the configured SMTP server."""
    from ..api import LyreportError
    from .credentials import CredentialError, get_password
    from .deadline import Deadline

    _, settings = mail_settings(workspace)
    if settings.smtp is None:
        raise LyreportError("配置文件中没有填写发信服务器（[smtp] 段），无法发送。催报邮件草稿已生成，可手工发送。")
    try:
        password = get_password(settings.smtp)
    except CredentialError as exc:
        raise LyreportError(str(exc)) from None
    ready = [d for d in result.drafts if d.to]
    deadline = Deadline(settings.max_seconds)  # a server sending a byte at a time must not hold the office
    try:
        return _send(settings.smtp, password, ready, result, timeout or settings.timeout, deadline)
    finally:
        deadline.cancel()


def _send(
    server: Server, password: str, ready: list[Draft], result: RemindResult, timeout: float, deadline: Deadline
) -> RemindResult:
    from ..api import LyreportError

    too_slow = f"发信超过 {deadline.seconds / 60:g} 分钟仍未完成（服务器传输过慢），已停止"
    try:
        client = _connect(server, password, timeout, deadline)
    except Exception as exc:  # noqa: BLE001 - every SMTP/socket failure becomes one Chinese line
        import ssl

        from .imap import MailboxError, certificate_reason

        if deadline.expired:
            reason = too_slow
        elif isinstance(exc, ssl.SSLCertVerificationError):
            reason = certificate_reason(server, exc) + "（在配置.toml 的 [smtp] 段中写 ca_file）"
        else:
            reason = exc.reason if isinstance(exc, MailboxError) else _reason(exc)
        raise LyreportError(f"无法登录发信服务器 {server.host}：{reason}。邮件均未发出。") from None
    try:
        for draft in ready:
            message = draft.message
            del message["X-Unsent"]
            try:
                client.send_message(message)
                result.sent.append(draft.unit)
            except Exception as exc:  # noqa: BLE001 - one refused address must not stop the others
                reason = too_slow if deadline.expired else _reason(exc)
                result.problems.append(problem("remind-send-failed", unit=draft.unit, reason=reason))
    finally:
        with contextlib.suppress(Exception):  # the mails are out; closing politely is optional
            client.quit()
    return result


def _connect(server: Server, password: str, timeout: float, deadline: Deadline):  # noqa: ANN202 - smtplib.SMTP
    import smtplib

    from .imap import tls_context

    base = smtplib.SMTP_SSL if server.security == "tls" else smtplib.SMTP

    class Watched(base):  # type: ignore[valid-type, misc]
        def _get_socket(self, *args: Any) -> Any:  # the greeting is read before the constructor returns
            sock = super()._get_socket(*args)
            deadline.watch(sock)
            return sock

    if server.security == "tls":
        client = Watched(server.host, server.port, timeout=timeout, context=tls_context(server))
    else:
        client = Watched(server.host, server.port, timeout=timeout)
        if server.security == "starttls":
            client.starttls(context=tls_context(server))
    deadline.watch(client)  # its socket from now on (STARTTLS replaced the first)
    if password:
        client.login(server.user, password)
    return client


def _message(sender: str, to: str, subject: str, body: str, now: datetime) -> EmailMessage:
    message = EmailMessage(policy=DRAFT_POLICY)
    if sender:
        message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    # Fixed by content, so the same reminder written twice is the same file.
    digest = hashlib.sha256("\n".join((to, subject, body)).encode("utf-8")).hexdigest()[:24]
    message["Message-ID"] = f"<{digest}@lyreport.local>"
    message["X-Unsent"] = "1"  # Outlook opens it as a draft to check and send
    message.set_content(body)
    return message


def _fill(template: str, values: dict[str, str]) -> str:
    text = template
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def _reason(exc: BaseException) -> str:
    import smtplib

    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "账号或授权码不正确（网易邮箱须使用客户端授权码）"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "收件地址被服务器拒绝"
    if isinstance(exc, TimeoutError):
        return "服务器长时间没有响应"
    if isinstance(exc, ConnectionRefusedError):
        return "连接被拒绝，请检查服务器地址和端口"
    return f"{type(exc).__name__}"
