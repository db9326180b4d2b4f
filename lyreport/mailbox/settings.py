"""The [fetch], [[mailbox]], [smtp] and [remind] sections of 配置.toml (passwords never live there)."""

from __future__ import annotations

import re
import ssl
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .. import lazyre
from ..config import ConfigError

SECURITY = ("tls", "starttls", "plain")
DEFAULT_PORTS = {
    "imap": {"tls": 993, "starttls": 143, "plain": 143},
    "smtp": {"tls": 465, "starttls": 587, "plain": 25},
}


@dataclass
class Server:
    """One IMAP mailbox or the SMTP server: where and as whom; the password comes from credentials.py."""

    name: str
    host: str
    user: str
    port: int
    security: str = "tls"
    folders: list[str] = field(default_factory=lambda: ["INBOX"])
    password_env: str = ""  # environment variable holding the password / 授权码
    ca_file: str = ""  # extra trusted certificate (an in-house server's own CA); checks stay on

    def tls_context(self) -> ssl.SSLContext:
        """Certificates are always verified: against the system's store, plus ca_file when configured."""
        return ssl.create_default_context(cafile=self.ca_file or None)

    @property
    def netease(self) -> bool:
        """163/126/yeah.net: authorisation code instead of the web password, IMAP ID before SELECT."""
        netease = r"(^|[.@])(163|126|yeah)\.(com|net)$"
        return bool(re.search(netease, self.host.lower()) or re.search(netease, self.user.lower()))


@dataclass
class MailSettings:
    mailboxes: list[Server]
    smtp: Server | None
    since: date | None  # None: the earliest week still open
    max_bytes: int
    timeout: float
    remind: dict[str, Any]
    max_seconds: float = 600.0  # a whole mailbox's fetch, however slowly the server sends


_ENV_NAME = lazyre.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def env_name(value: object) -> bool:
    """Does `value` look like an environment variable name (not a password written in its place)? A long
    word without an underscore is taken for a password too: a 163/126 or QQ 授权码 is 16 letters."""
    if not isinstance(value, str) or _ENV_NAME.fullmatch(value) is None:
        return False
    return "_" in value or len(value) < 12


def load_mail_settings(config_path: Path) -> MailSettings:
    """Read the mail sections of the workspace config; ConfigError (Chinese) when they are wrong."""
    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        raise ConfigError(f"配置文件 {config_path} 无法读取或格式有误，请先运行 lyreport check 查看。") from None
    fetch = raw.get("fetch", {})
    try:
        since_text = str(fetch.get("since", "") or "").strip()
        since = date.fromisoformat(since_text) if since_text else None
    except ValueError:
        raise ConfigError(f'[fetch] since 应写成 "2021-01-01" 这样的日期，现为“{fetch.get("since")}”') from None
    boxes = raw.get("mailbox", [])
    if not isinstance(boxes, list):
        raise ConfigError("邮箱应写成 [[mailbox]] 段（两个方括号），每个邮箱一段")
    mailboxes = [_server(box, "imap", n) for n, box in enumerate(boxes, start=1)]
    names = [m.name for m in mailboxes]
    if len(set(names)) != len(names):
        raise ConfigError("[[mailbox]] 的 name 不能重复（收到的邮件按 name 分文件夹保存）")
    smtp_raw = raw.get("smtp", {})
    smtp = _server(smtp_raw, "smtp", 0) if smtp_raw.get("host") else None
    return MailSettings(
        mailboxes=mailboxes,
        smtp=smtp,
        since=since,
        max_bytes=int(float(fetch.get("max_mb", 50)) * 1024 * 1024),
        timeout=float(fetch.get("timeout", 30)),
        remind=dict(raw.get("remind", {})),
        max_seconds=_minutes(fetch.get("max_minutes", 10)) * 60,
    )


MAX_MINUTES = 1440  # a day: longer is no limit, and a timer of weeks overflows on Windows


def _minutes(value: object) -> float:
    """[fetch] max_minutes: a number of minutes above 0 and at most a day (true/false and "inf" are refused)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= MAX_MINUTES
    if not ok:
        raise ConfigError(f"[fetch] max_minutes 应为大于 0、不超过 {MAX_MINUTES} 的分钟数，如 10，现为“{value}”")
    return float(value)  # type: ignore[arg-type]


def _server(raw: dict[str, Any], kind: str, index: int) -> Server:
    where = f"第 {index} 个 [[mailbox]]" if kind == "imap" else "[smtp]"
    host, user = str(raw.get("host", "")).strip(), str(raw.get("user", "")).strip()
    if not host or not user:
        raise ConfigError(f"{where} 须填写 host（服务器地址）和 user（邮箱账号）")
    security = str(raw.get("security", "tls")).strip().lower()
    if security not in SECURITY:
        raise ConfigError(f"{where} 的 security 只能是 tls、starttls 或 plain，现为“{security}”")
    port = raw.get("port") or DEFAULT_PORTS[kind][security]
    if not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError(f"{where} 的 port 应为端口号数字，现为“{port}”")
    folders = raw.get("folders", ["INBOX"])
    if isinstance(folders, str):
        folders = [folders]
    default_env = f"LYREPORT_MAIL_PASSWORD_{index}" if kind == "imap" else "LYREPORT_SMTP_PASSWORD"
    password_env = raw.get("password_env", "") or default_env
    if not env_name(password_env):  # staff may have put the 授权码 itself there: never shown again
        raise ConfigError(
            f"{where} 的 password_env 应填写环境变量名（由字母、数字和下划线组成，如 {default_env}），"
            "而不是授权码本身（所填内容不在此显示）。授权码不能写在配置文件中：请删除 password_env 这一行（或改为环境变量名），"
            "用“lyreport fetch --save-password”保存授权码；授权码已写进配置文件或被他人看到的，请在网页邮箱中重新生成。"
        )
    return Server(
        name=str(raw.get("name", "") or user).strip(),
        host=host,
        user=user,
        port=port,
        security=security,
        folders=[str(f) for f in folders] or ["INBOX"],
        password_env=password_env,
        ca_file=str(raw.get("ca_file", "") or ""),
    )
