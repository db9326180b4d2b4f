"""The mailbox commands' library surface: fetch_mail(), save_passwords(); the CLI only prints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from ..api import LyreportError, load_context
from ..config import ConfigError
from ..history import DB_NAME, latest_week
from ..lock import WorkspaceBusy, workspace_lock
from ..weeks import current_deadline
from . import lastfetch
from .elsewhere import STATE_DIR
from .fetch import FetchReport, Hook, default_since, fetch_all
from .settings import MailSettings, Server, load_mail_settings


def mail_settings(workspace: Path | None = None) -> tuple[object, MailSettings]:
    """The loaded workspace and its mail settings, or LyreportError."""
    context = load_context(workspace)
    try:
        settings = load_mail_settings(context.workspace.config_path)
    except ConfigError as exc:
        raise LyreportError(str(exc)) from None
    return context, settings


def fetch_mail(
    workspace: Path | None = None,
    *,
    since: date | None = None,
    only: str | None = None,
    now: datetime | None = None,
    hook: Hook | None = None,
) -> FetchReport:
    """Fetch new messages of every configured mailbox into inbox/邮件/."""
    context, settings = mail_settings(workspace)
    ws, config = context.workspace, context.config  # type: ignore[attr-defined]
    if not settings.mailboxes:
        raise LyreportError(f"配置文件 {ws.config_path} 中还没有填写邮箱（[[mailbox]] 段），请参照其中的示例填写。")
    if only and only not in {m.name for m in settings.mailboxes}:
        raise LyreportError(f"配置中没有名为“{only}”的邮箱。")
    if since is None:
        since = settings.since or default_since(
            _latest_recorded(ws.history, context.master.list_id),  # type: ignore[attr-defined]
            current_deadline(now or datetime.now(config.timezone), config),
            config.late_days,
        )
    ws.inbox.mkdir(parents=True, exist_ok=True)
    state_dir = ws.history / STATE_DIR
    state_dir.mkdir(parents=True, exist_ok=True)
    busy = (
        "另一个 lyreport fetch 正在收取本工作目录的邮件（{holder}），请等它结束后再运行；收到的邮件不会因此重复或丢失。"
    )
    try:
        # Two fetches at once cleared each other's half-written messages and both ended "连接中断".
        with workspace_lock(state_dir, busy):
            report = fetch_all(
                settings,
                ws.inbox,
                state_dir,
                config.timezone,
                since,
                only=only,
                hook=hook,
                directory=context.directory,  # type: ignore[attr-defined]
            )
            tried = [m.name for m in settings.mailboxes if not only or m.name == only]
            lastfetch.record(state_dir, tried, report.failed, now or datetime.now(config.timezone))
            return report
    except WorkspaceBusy as exc:
        raise LyreportError(str(exc)) from None


def save_passwords(
    workspace: Path | None, ask: Callable[[Server], str], *, only: str | None = None, smtp: bool = True
) -> list[Server]:
    """Ask for each account's password (授权码) and keep it in the system credential store."""
    from .credentials import CredentialError, save_password

    _, settings = mail_settings(workspace)
    servers = [m for m in settings.mailboxes if not only or m.name == only]
    if smtp and settings.smtp and not only and settings.smtp.user not in {m.user for m in servers}:
        servers.append(settings.smtp)
    if not servers:
        raise LyreportError("配置中没有需要保存密码的邮箱（[[mailbox]] 或 [smtp]）。")
    for server in servers:
        try:
            save_password(server, ask(server))
        except CredentialError as exc:
            raise LyreportError(str(exc)) from None
    return servers


def _latest_recorded(history: Path, list_id: str) -> date | None:
    import sqlite3

    path = history / DB_NAME
    if not path.is_file():
        return None
    conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
    try:
        return latest_week(conn, list_id)
    except sqlite3.Error:
        return None
    finally:
        conn.close()
