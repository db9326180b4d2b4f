"""The IMAP conversation, read-only: connect, log in, IMAP ID, EXAMINE, UID SEARCH/FETCH with BODY.PEEK.

Every failure becomes MailboxError with a Chinese message staff can act on (授权码, IMAP 开关,
"Unsafe Login", certificates, time-outs). Nothing here stores, flags, moves or deletes mail.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import re
import socket
import ssl
from dataclasses import dataclass
from datetime import date, datetime
from email.parser import BytesHeaderParser

from .. import __version__, lazyre
from .deadline import Deadline
from .settings import Server

imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))  # RFC 2971; imaplib does not know it

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_INTERNALDATE = lazyre.compile(rb'INTERNALDATE "\s?(\d{1,2}-\w{3}-\d{4} \d\d:\d\d:\d\d [+-]\d{4})"')
_UID = lazyre.compile(rb"\bUID (\d+)")
_SIZE = lazyre.compile(rb"\bRFC822\.SIZE (\d+)")
_NEW_RECORD = lazyre.compile(rb"^\d+ \(")
NETEASE_HINT = (
    "网易（163/126）邮箱须使用“客户端授权码”而不是网页登录密码：请登录网页邮箱，在“设置 → POP3/SMTP/IMAP”中"
    "开启 IMAP/SMTP 服务并生成授权码，再运行“lyreport fetch --save-password”保存。"
)


class MailboxError(Exception):
    """This mailbox cannot be read now; `code` is a problems.CATALOGUE code, the text is Chinese."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


@dataclass
class Envelope:
    """What the first, cheap FETCH says of a message."""

    uid: int
    internaldate: datetime | None
    size: int
    message_id: str
    subject: str
    sender: str = ""  # the From header as written
    content_type: str = ""
    date: str = ""  # the Date header as written (the sender's clock)


def _watched(base: type[imaplib.IMAP4], deadline: Deadline | None) -> type[imaplib.IMAP4]:
    """`base` whose socket the deadline can shut down from the first byte (the greeting is read in __init__)."""
    if deadline is None:
        return base

    class Watched(base):  # type: ignore[valid-type, misc]
        def open(self, *args: object, **kwargs: object) -> None:
            super().open(*args, **kwargs)
            deadline.watch(self)

    return Watched


def connect(server: Server, password: str, timeout: float, deadline: Deadline | None = None) -> imaplib.IMAP4:
    """Open and log in (TLS unless the config asks otherwise); then identify ourselves (IMAP ID)."""
    context = tls_context(server) if server.security != "plain" else None
    try:
        if server.security == "tls":
            ssl_class = _watched(imaplib.IMAP4_SSL, deadline)
            conn: imaplib.IMAP4 = ssl_class(server.host, server.port, ssl_context=context, timeout=timeout)
        else:
            conn = _watched(imaplib.IMAP4, deadline)(server.host, server.port, timeout=timeout)
            if server.security == "starttls":
                conn.starttls(context)
                if deadline is not None:
                    deadline.watch(conn)  # its TLS socket from now on
    except TimeoutError:
        said = f"服务器 {server.host}:{server.port} 在 {timeout:g} 秒内没有响应"
        raise MailboxError("mail-timeout", said + _port_hint(server, quiet=True)) from None
    except ssl.SSLCertVerificationError as exc:
        raise MailboxError("mail-certificate", certificate_reason(server, exc)) from None
    except (ssl.SSLError, imaplib.IMAP4.abort, imaplib.IMAP4.error) as exc:
        said = f"与 {server.host}:{server.port} 的连接异常（{_short(exc)}）"
        raise MailboxError("mail-unreachable", said + _port_hint(server, quiet=False, exc=exc)) from None
    except OSError as exc:
        raise MailboxError("mail-unreachable", f"无法连接 {server.host}:{server.port}（{_os_reason(exc)}）") from None
    if not password.isascii():  # imaplib sends ASCII only; its error would quote part of the password
        _close(conn)
        raise MailboxError(
            "mail-login",
            f"账号 {server.user} 保存的密码（授权码）中含有中文或全角字符，无法登录（内容不在此显示）。"
            "请重新运行“lyreport fetch --save-password”，输入邮箱设置中的“客户端授权码”。",
        )
    try:
        conn.login(server.user, password)
    except TimeoutError:
        _close(conn)
        raise MailboxError("mail-timeout", f"服务器 {server.host} 登录时没有响应") from None
    except imaplib.IMAP4.error as exc:
        _close(conn)
        said = _short(exc)
        code = re.match(r"\[([A-Z-]+)", said)
        hint = _LOGIN_CODES.get(code.group(1) if code else "", "")
        if not hint:
            hint = (
                NETEASE_HINT if server.netease else "请检查账号和密码，必要时重新运行“lyreport fetch --save-password”。"
            )
        raise MailboxError("mail-login", f"账号 {server.user} 登录被拒绝（{said}）。{hint}") from None
    send_id(conn, server)
    return conn


_LOGIN_CODES = {  # RFC 5530 response codes that are not a wrong password: the 授权码 advice would mislead
    "CONTACTADMIN": "服务器要求联系管理员：账号可能已被锁定或停用，请联系邮箱管理员或信息技术人员（不是授权码输错）。",
    "EXPIRED": "密码（授权码）已过期，请在网页邮箱中重新生成后运行“lyreport fetch --save-password”。",
    "UNAVAILABLE": "服务器暂时不能登录（可能登录过于频繁而被暂时限制），请稍后再试。",
    "PRIVACYREQUIRED": '服务器要求加密连接，请在配置中该邮箱段改用 security = "tls"（端口 993）。',
    "LIMIT": "同时登录该邮箱的连接过多，请关闭其他邮件客户端后稍后再试。",
}


def tls_context(server: Server) -> ssl.SSLContext:
    """The server's TLS context; a ca_file that is missing or not a certificate is said as such, not as a
    server that cannot be reached."""
    try:
        return server.tls_context()
    except (OSError, ssl.SSLError, ValueError) as exc:
        missing = isinstance(exc, FileNotFoundError)
        raise MailboxError(
            "mail-ca-file",
            f"配置中该邮箱的 ca_file 所指的证书文件“{server.ca_file}”"
            + ("不存在" if missing else "无法读取或不是证书文件（应为 .pem/.crt 格式的证书）"),
        ) from None


_SELF_SIGNED = {18, 19, 20, 21}  # X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, SELF_SIGNED_CERT_IN_CHAIN, no issuer


def certificate_reason(server: Server, exc: ssl.SSLCertVerificationError) -> str:
    """Why a certificate was refused, in Chinese, and what staff can do about a self-signed one."""
    code = getattr(exc, "verify_code", None)
    if code in _SELF_SIGNED:
        which = "配置中 ca_file 所指的证书也不能验证它" if server.ca_file else "本机不认识签发它的机构"
        return (
            f"{server.host} 的安全证书无法验证：服务器使用的是自签名证书或内部机构签发的证书，{which}"
            f"（{exc.verify_message}）。单位内部的邮件服务器常是这样：请向信息技术人员索取该服务器的证书文件"
            '（.pem 或 .crt），在配置.toml 该邮箱段中写 ca_file = "证书文件的完整路径"，再运行 lyreport fetch'
        )
    said = {10: "证书已过期（或本机日期不对）", 9: "证书尚未生效（或本机日期不对）", 62: "证书上的名称与服务器地址不符"}
    detail = f"{said[code]}：{exc.verify_message}" if code in said else exc.verify_message
    return f"{server.host} 的安全证书无法验证（{detail}）"


def _port_hint(server: Server, *, quiet: bool, exc: BaseException | None = None) -> str:
    """What a port and `security` that do not match look like, said in words staff can act on: an encrypted
    port (993) read as plain waits for a greeting that never comes; a plain port (143) read with TLS
    answers with bytes that are not TLS (WRONG_VERSION_NUMBER)."""
    if quiet and server.security != "tls":
        return '；如果该端口是加密端口（IMAP 一般为 993），请在配置.toml 该邮箱段中写 security = "tls"'
    if server.security == "tls" and isinstance(exc, ssl.SSLError) and "WRONG_VERSION_NUMBER" in str(exc):
        return (
            f"；端口 {server.port} 不是加密（TLS）端口：IMAP 的加密端口一般为 993，请改正 port；"
            '服务器只在该端口提供加密时，写 security = "starttls"'
        )
    return ""


def send_id(conn: imaplib.IMAP4, server: Server) -> None:
    """RFC 2971 ID: NetEase answers EXAMINE with "Unsafe Login" to clients that do not send it."""
    if not server.netease and "ID" not in conn.capabilities:
        return
    fields = f'("name" "lyreport" "version" "{__version__}" "vendor" "lyreport" "contact" "{server.user}")'
    # A server without ID support answers BAD; EXAMINE will say if it mattered.
    with contextlib.suppress(imaplib.IMAP4.error):
        conn._simple_command("ID", fields)  # noqa: SLF001 - imaplib has no public ID call


def examine(conn: imaplib.IMAP4, server: Server, folder: str) -> int:
    """Open a folder read-only (EXAMINE); its UIDVALIDITY."""
    typ, data = conn.select(_quote(folder), readonly=True)
    if typ != "OK":
        text = _short(data)
        if "unsafe" in text.lower():
            raise MailboxError(
                "mail-unsafe-login",
                f"服务器拒绝读取文件夹“{folder}”（Unsafe Login）。网易邮箱要求客户端先发送 IMAP ID 标识，"
                "本程序已发送；如仍出现，请在网页邮箱“设置 → 客户端授权密码”中确认已开启 IMAP 并使用授权码，"
                "或在网页邮箱的安全提醒中允许本次登录。",
            )
        raise MailboxError("mail-folder", f"无法打开文件夹“{folder}”（{text}），请检查配置中的 folders")
    values = conn.untagged_responses.get("UIDVALIDITY") or [b"0"]
    return int(values[-1])


def search_new(conn: imaplib.IMAP4, after_uid: int, since: date | None) -> list[int]:
    """UIDs above `after_uid` (and on/after `since`), ascending."""
    criteria = [f"UID {after_uid + 1}:*"]
    if since is not None:
        criteria += ["SINCE", f"{since.day}-{_MONTHS[since.month - 1]}-{since.year}"]
    typ, data = conn.uid("SEARCH", *criteria)
    if typ != "OK":
        raise MailboxError("mail-unreachable", f"服务器拒绝了搜索命令（{_short(data)}）")
    uids = sorted({int(x) for chunk in data if chunk for x in chunk.split()})
    return [u for u in uids if u > after_uid]  # "n:*" always includes the highest UID


def envelopes(conn: imaplib.IMAP4, uids: list[int]) -> list[Envelope]:
    """INTERNALDATE, size and Message-ID of each UID, without downloading (or marking) the bodies."""
    found: list[Envelope] = []
    for start in range(0, len(uids), 200):
        chunk = ",".join(str(u) for u in uids[start : start + 200])
        typ, data = conn.uid(
            "FETCH",
            chunk,
            "(UID INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID SUBJECT FROM CONTENT-TYPE DATE)])",
        )
        if typ != "OK":
            raise MailboxError("mail-unreachable", f"服务器拒绝了读取命令（{_short(data)}）")
        found += [_envelope(meta, literal) for meta, literal in _records(data)]
    return sorted((e for e in found if e.uid), key=lambda e: e.uid)


def body(conn: imaplib.IMAP4, uid: int) -> bytes | None:
    """The whole message as stored (BODY.PEEK[] leaves it unread); None when the server answers OK without it
    (deleted or moved to another folder since the SEARCH)."""
    typ, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if typ != "OK":
        raise MailboxError("mail-unreachable", f"服务器没有返回第 {uid} 封邮件的内容（{_short(data)}）")
    records = [(meta, literal) for meta, literal in _records(data) if literal is not None]
    mine = [literal for meta, literal in records if (found := _UID.search(meta)) and int(found.group(1)) == uid]
    return (mine or [literal for _, literal in records] or [None])[0]


def search_since(conn: imaplib.IMAP4, since: date | None) -> list[int]:
    """UIDs of the messages that arrived on/after `since` (all when None), ascending."""
    criteria = ["SINCE", f"{since.day}-{_MONTHS[since.month - 1]}-{since.year}"] if since else ["ALL"]
    typ, data = conn.uid("SEARCH", *criteria)
    if typ != "OK":
        raise MailboxError("mail-unreachable", f"服务器拒绝了搜索命令（{_short(data)}）")
    return sorted({int(x) for chunk in data if chunk for x in chunk.split() if x.isdigit()})


@dataclass
class Folder:
    name: str  # decoded (modified UTF-7 undone): "垃圾邮件"
    flags: frozenset[str]  # lower-case: "\\junk", "\\noselect", ...


_LIST_LINE = lazyre.compile(rb'^\((?P<flags>[^)]*)\)\s+(?:"(?:[^"\\]|\\.)*"|NIL)\s+(?P<name>.*)$', re.IGNORECASE)


def folders(conn: imaplib.IMAP4) -> list[Folder]:
    """Every folder of the account (LIST "" "*"), names decoded; folders that cannot be opened are left out."""
    typ, data = conn.list('""', "*")
    if typ != "OK":
        raise MailboxError("mail-unreachable", f"服务器拒绝了列出文件夹的命令（{_short(data)}）")
    found: list[Folder] = []
    for item in data or []:
        if isinstance(item, tuple):  # the name sent as a literal: {n} then the bytes
            line, literal = item[0], item[1]
        elif isinstance(item, bytes):
            line, literal = item, None
        else:
            continue
        match = _LIST_LINE.match(line.strip())
        if match is None:
            continue
        raw = literal if literal is not None else match.group("name").strip()
        if literal is None and raw.startswith(b'"') and raw.endswith(b'"') and len(raw) >= 2:
            raw = re.sub(rb"\\(.)", rb"\1", raw[1:-1])
        flags = frozenset(f.lower() for f in match.group("flags").decode("ascii", "replace").split())
        if flags & {"\\noselect", "\\nonexistent"}:
            continue
        found.append(Folder(utf7_decode(raw.decode("ascii", "replace")), flags))
    return found


def utf7_decode(name: str) -> str:
    """A folder name from IMAP's modified UTF-7 (RFC 3501 5.1.3): "&V4NXPpCuTvY-" is 垃圾邮件. A piece that
    does not decode stays as written."""

    def piece(found: re.Match) -> str:
        body = found.group(1)
        if not body:
            return "&"
        try:
            data = base64.b64decode(body.replace(",", "/") + "=" * (-len(body) % 4))
            return data.decode("utf-16-be")
        except (ValueError, UnicodeDecodeError):
            return found.group(0)

    return re.sub(r"&([A-Za-z0-9+,]*)-", piece, name)


def close(conn: imaplib.IMAP4) -> None:
    _close(conn)


def _records(data: list) -> list[tuple[bytes, bytes | None]]:
    """imaplib's FETCH answer as (metadata, literal) per message; UID may follow the literal."""
    records: list[list] = []
    for item in data:
        if isinstance(item, tuple):
            records.append([item[0], item[1]])
        elif isinstance(item, bytes) and records and not _NEW_RECORD.match(item):
            records[-1][0] += b" " + item
        elif isinstance(item, bytes):
            records.append([item, None])
    return [(meta, literal) for meta, literal in records]


def _envelope(meta: bytes, literal: bytes | None) -> Envelope:
    uid = _UID.search(meta)
    size = _SIZE.search(meta)
    when = _INTERNALDATE.search(meta)
    moment = None
    if when:
        try:
            moment = datetime.strptime(when.group(1).decode(), "%d-%b-%Y %H:%M:%S %z")
        except ValueError:
            moment = None
    headers = BytesHeaderParser().parsebytes(literal or b"")
    message_id = str(headers.get("Message-ID", "") or "").strip()
    return Envelope(
        int(uid.group(1)) if uid else 0,
        moment,
        int(size.group(1)) if size else 0,
        message_id,
        str(headers.get("Subject", "") or ""),
        str(headers.get("From", "") or ""),
        str(headers.get("Content-Type", "") or ""),
        str(headers.get("Date", "") or ""),
    )


def _quote(folder: str) -> str:
    if folder.upper() == "INBOX":
        return "INBOX"
    name = utf7(folder)
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def utf7(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3): Chinese folder names such as 报表."""
    out, pending = [], []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + encoded.replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if " " <= ch <= "~":
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def _close(conn: imaplib.IMAP4) -> None:
    with contextlib.suppress(Exception):  # already gone; nothing to tidy for a read-only session
        conn.logout()


def short(value: object) -> str:
    """A server's answer or an error as one short printable line."""
    return _short(value)


def _short(value: object) -> str:
    if isinstance(value, list):
        value = b" ".join(v if isinstance(v, bytes) else str(v).encode() for v in value)
    if isinstance(value, BaseException):  # imaplib raises with the server's bytes: str() would show \xe8...
        value = value.args[0] if len(value.args) == 1 and isinstance(value.args[0], bytes) else str(value)
    if isinstance(value, bytes):
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:  # Coremail and other Chinese servers may answer in GBK
            text = value.decode("gb18030", "replace")
    else:
        text = str(value)
    text = re.sub(r"^b'|'$", "", text.strip())
    return re.sub(r"[\x00-\x1f]", " ", text)[:160] or "无详细信息"


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "连接被拒绝，请检查服务器地址和端口"
    if isinstance(exc, socket.gaierror):
        return "找不到该服务器，请检查网络连接和服务器地址"
    return exc.strerror or type(exc).__name__
