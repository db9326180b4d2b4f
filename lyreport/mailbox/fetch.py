"""`lyreport fetch`: copy new messages from the office mailboxes into inbox/邮件/<mailbox>/ as .eml.

Read-only (EXAMINE, BODY.PEEK), incremental (UIDVALIDITY + last UID per folder in history/mailbox.sqlite),
one file per Message-ID across all mailboxes, the server's arrival time (INTERNALDATE) kept in a
sidecar `<name>.eml.json` that discover prefers to the sender-written Date header. A message is
written to a temporary file outside the inbox and renamed into place only when complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..atomic import atomic_write_bytes
from ..intake.safety import safe_basename
from ..intake.sidecar import SIDECAR_SUFFIX
from ..problems import Problem, problem
from .settings import MailSettings, Server
from .store import Store

if TYPE_CHECKING:
    from ..unitnames import UnitDirectory
    from .deadline import Deadline

MAIL_DIR = "邮件"
Hook = Callable[[str, Path], None]  # (stage, path): a test can stop a fetch half-way


@dataclass
class Saved:
    mailbox: str
    path: Path
    received_at: datetime
    subject: str


@dataclass
class FetchReport:
    saved: list[Saved] = field(default_factory=list)
    duplicates: int = 0  # already kept (same Message-ID from the other mailbox, or a re-scan)
    problems: list[Problem] = field(default_factory=list)
    mailboxes_read: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # mailbox -> why it could not be fetched (the message)


def fetch_all(
    settings: MailSettings,
    inbox: Path,
    state_dir: Path,
    tz: ZoneInfo,
    since: date | None,
    *,
    only: str | None = None,
    hook: Hook | None = None,
    directory: UnitDirectory | None = None,
) -> FetchReport:
    """Fetch every configured mailbox in turn; one failing mailbox does not stop the others. Then say what
    may be a return in the folders not read (垃圾邮件 and the like), unless it was fetched after all."""
    from . import elsewhere

    report = FetchReport()
    store = Store(state_dir)
    partial = state_dir / "partial"
    _clear(partial)
    others: dict[str, list[elsewhere.Found]] = {}
    try:
        for server in settings.mailboxes:
            if not only or server.name == only:
                job = _Job(server, None, store, inbox, partial, tz, settings, report, hook, directory)
                problem_found = _one_mailbox(job, since)
                if problem_found is None:
                    report.mailboxes_read.append(server.name)
                    if job.elsewhere is not None:  # looked at: what is recorded for it is replaced
                        others[server.name] = job.elsewhere
                else:
                    report.problems.append(problem_found)
                    report.failed[server.name] = problem_found.message
        for server in settings.mailboxes:
            if server.name in others:
                found = elsewhere.forget_kept(others[server.name], store)
                elsewhere.record(state_dir, server.name, found, server.folders)
                report.problems += elsewhere.problems(server.name, found, server.folders, tz)
    finally:
        store.close()
        _clear(partial)
    return report


def _one_mailbox(job: _Job, since: date | None) -> Problem | None:
    """Log in and fetch every folder of one mailbox, within the time set for it; the problem that stopped it,
    if any (what was fetched before is kept: the next fetch goes on from there)."""
    from .deadline import Deadline

    where = f"邮箱“{job.server.name}”（{job.server.user}）"
    saved_before = len(job.report.saved)
    deadline = Deadline(job.settings.max_seconds)
    try:
        stopped = _read_mailbox(job, since, where, deadline)
    finally:
        deadline.cancel()
    if stopped is not None and deadline.expired:  # the error is the deadline's shutting the connection
        return problem("mail-timeout", file=where, reason=_too_slow(job, len(job.report.saved) - saved_before))
    return stopped


def _too_slow(job: _Job, saved: int) -> str:
    """Why a mailbox's fetch stopped at [fetch] max_minutes. A mail still downloading is named: one too large for
    the time would stop every fetch at the same place, so staff are told what to raise."""
    minutes = f"{job.settings.max_seconds / 60:g}"
    said = f"收取超过 {minutes} 分钟仍未完成（服务器传输过慢），已停止"
    if job.downloading is not None:
        subject = _clean(job.downloading.subject) or "（无主题）"
        said += f"；邮件“{subject}”（约 {job.downloading.size / 1048576:.1f} MB）未能收完"
    said += f"；本次已收到的 {saved} 封邮件已保存" if saved else "；本次没有收到新邮件"
    said += "，下次运行会接着收取"
    if job.downloading is not None:
        said += "；如仍在同一封邮件处停止，请在配置.toml 的 [fetch] 中调大 max_minutes"
    return said


def _read_mailbox(job: _Job, since: date | None, where: str, deadline: Deadline) -> Problem | None:
    from . import imap
    from .credentials import CredentialError, get_password

    server = job.server
    try:
        job.conn = imap.connect(server, get_password(server), job.settings.timeout, deadline)
    except CredentialError as exc:
        return problem("mail-no-password", file=where, reason=str(exc))
    except imap.MailboxError as exc:
        return problem(exc.code, file=where, reason=exc.reason)
    try:
        for folder in server.folders:
            try:
                job.folder(folder, since)
            except imap.MailboxError as exc:
                if exc.code != "mail-folder":
                    raise
                # a folder name written wrong: said with the folders there are, the other folders still fetched
                job.report.problems.append(problem(exc.code, file=where, reason=exc.reason + _folders_there(job)))
        job.look_elsewhere(since)
    except imap.MailboxError as exc:
        return problem(exc.code, file=where, reason=exc.reason)
    except (TimeoutError, OSError, imap.imaplib.IMAP4.abort) as exc:
        reason = "服务器长时间没有响应" if isinstance(exc, TimeoutError) else f"连接中断（{type(exc).__name__}）"
        return problem("mail-timeout", file=where, reason=reason + "，下次运行会接着收取")
    except imap.imaplib.IMAP4.error as exc:  # a command the server refused (BAD/NO) mid-session
        return problem("mail-unreachable", file=where, reason=f"服务器拒绝了读取命令（{imap.short(exc)}）")
    finally:
        imap.close(job.conn)
    return None


def _folders_there(job: _Job) -> str:
    """ "；该邮箱中的文件夹有：INBOX、INBOX.周报" (names as the server writes them, its separator included)."""
    from . import imap

    try:
        names = [f.name for f in imap.folders(job.conn)]
    except (imap.MailboxError, imap.imaplib.IMAP4.error):
        return ""
    shown = "、".join(names[:30]) + ("等" if len(names) > 30 else "")
    return f"；该邮箱中的文件夹有：{shown}（收件箱写作 INBOX，子文件夹按上面的写法）" if names else ""


@dataclass
class _Job:
    server: Server
    conn: object
    store: Store
    inbox: Path
    partial: Path
    tz: ZoneInfo
    settings: MailSettings
    report: FetchReport
    hook: Hook | None
    directory: UnitDirectory | None = None
    elsewhere: list | None = None  # elsewhere.Found: may-be returns in the folders not read (None: not looked)
    downloading: Any = None  # the imap.Envelope whose body is being fetched, if any

    def look_elsewhere(self, since: date | None) -> None:
        """The account's other folders, read-only; a server that cannot list them loses nothing fetched."""
        from . import elsewhere, imap

        try:
            self.elsewhere = elsewhere.scan(self.conn, self.server, since, self.directory)
        except (imap.MailboxError, imap.imaplib.IMAP4.error) as exc:
            reason = exc.reason if isinstance(exc, imap.MailboxError) else imap.short(exc)
            self.report.problems.append(
                problem("mail-other-folders-unread", file=f"邮箱“{self.server.name}”", reason=reason)
            )

    def folder(self, folder: str, since: date | None) -> None:
        from . import imap

        uidvalidity = imap.examine(self.conn, self.server, folder)
        last = self.store.last_uid(self.server.name, folder, uidvalidity, since)
        if last == 0:
            self.store.start(self.server.name, folder, uidvalidity, since)
        uids = imap.search_new(self.conn, last, since)
        for envelope in imap.envelopes(self.conn, uids):
            self.message(folder, uidvalidity, envelope)

    def message(self, folder: str, uidvalidity: int, env: object) -> None:
        from . import imap

        assert isinstance(env, imap.Envelope)
        name, when = self.server.name, env.internaldate or datetime.now(self.tz)
        if env.size > self.settings.max_bytes:
            self._too_large(env, folder)
            self.store.advance(name, folder, uidvalidity, env.uid)
            return
        key, reused = self._key(env)
        if key and self._known(key, when):
            self.store.advance(name, folder, uidvalidity, env.uid)
            return
        self.downloading = env
        data = imap.body(self.conn, env.uid)
        self.downloading = None
        if data is None:  # deleted or moved meanwhile (a colleague tidying the web mailbox): said, the rest fetched
            self.report.problems.append(
                problem(
                    "mail-gone",
                    file=f"邮箱“{name}”/{folder}",
                    subject=_clean(env.subject) or "（无主题）",
                    received=when.astimezone(self.tz).strftime("%m-%d %H:%M"),
                )
            )
            self.store.advance(name, folder, uidvalidity, env.uid)
            return
        if len(data) > self.settings.max_bytes:
            self._too_large(env, folder)
            self.store.advance(name, folder, uidvalidity, env.uid)
            return
        key = key or "sha:" + hashlib.sha256(data).hexdigest()
        if self._known(key, when):
            self.store.advance(name, folder, uidvalidity, env.uid)
            return
        if not carries_files(data):  # notices, newsletters, "no change" notes: listed, kept out of the inbox
            self.report.problems.append(
                problem("mail-no-files", file=f"邮箱“{name}”/{folder}", subject=_clean(env.subject) or "（无主题）")
            )
            self.store.keep(key, "", when, name, folder, uidvalidity, env.uid, signature(env))
            return
        if reused:
            self.report.problems.append(
                problem(
                    "mail-id-reused",
                    file=f"邮箱“{name}”/{folder}",
                    subject=_clean(env.subject) or "（无主题）",
                    message_id=_clean(env.message_id),
                )
            )
        target = self._target(key, when)
        self._write(
            target,
            data,
            {
                "received_at": when.isoformat(),
                "mailbox": name,
                "folder": folder,
                "uidvalidity": uidvalidity,
                "uid": env.uid,
                "message_id": env.message_id,
            },
        )
        self.store.keep(
            key, target.relative_to(self.inbox).as_posix(), when, name, folder, uidvalidity, env.uid, signature(env)
        )
        self.report.saved.append(Saved(name, target, when.astimezone(self.tz), _clean(env.subject)))

    def _key(self, env: object) -> tuple[str, bool]:
        """The key a message is kept under ("" without a Message-ID: its content decides), and whether another
        message was kept under its Message-ID before. The same mail in both mailboxes (reply-all) has the same
        Date header; a program that reuses one Message-ID for every mail it sends (a correction at
        11:40 after the first at 9:00) does not, and that mail is kept too, not taken for a copy."""
        message_id = getattr(env, "message_id", "")
        if not message_id:
            return "", False
        key = f"mid:{message_id}"
        kept = self.store.kept(key)
        if kept is None:
            return key, False
        earlier = self.store.signature(key) or (kept.path and _file_signature(self.inbox / kept.path))
        mine = signature(env)
        if not earlier or earlier == mine:  # unknown (kept by an older version, file gone): a copy, as before
            return key, False
        return f"{key}#{mine}", self.store.kept(f"{key}#{mine}") is None

    def _known(self, key: str, when: datetime) -> bool:
        """Already kept; if this copy reached its mailbox earlier, the earlier arrival counts."""
        kept = self.store.kept(key)
        if kept is None:
            return False
        self.report.duplicates += 1
        if kept.path and when < kept.internaldate:
            sidecar = self.inbox / (kept.path + SIDECAR_SUFFIX)
            with contextlib.suppress(OSError, ValueError):
                record = json.loads(sidecar.read_text(encoding="utf-8"))
                record["received_at"] = when.isoformat()
                atomic_write_bytes(sidecar, _json(record))
                self.store.earlier(key, when)
        return True

    def _target(self, key: str, when: datetime) -> Path:
        """A name fixed by the message itself, so a resumed or repeated fetch writes the same file."""
        folder = self.inbox / MAIL_DIR / safe_basename(self.server.name)
        stamp = when.astimezone(self.tz).strftime("%Y%m%d-%H%M%S")
        return folder / f"{stamp}-{hashlib.sha256(key.encode()).hexdigest()[:10]}.eml"

    def _write(self, target: Path, data: bytes, record: dict) -> None:
        self.partial.mkdir(parents=True, exist_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.partial / target.name
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if self.hook:
            self.hook("written", tmp)
        # The arrival time goes first: an .eml never sits in the inbox without it.
        atomic_write_bytes(target.with_name(target.name + SIDECAR_SUFFIX), _json(record))
        try:
            os.replace(tmp, target)
        except OSError:  # inbox on another drive than history/: copy beside the target, then rename
            atomic_write_bytes(target, tmp.read_bytes())
            tmp.unlink(missing_ok=True)
        if self.hook:
            self.hook("renamed", target)

    def _too_large(self, env: object, folder: str) -> None:
        from ..intake.safety import human_size

        size = human_size(getattr(env, "size", 0))
        limit = human_size(self.settings.max_bytes)
        self.report.problems.append(
            problem(
                "mail-too-large",
                file=f"邮箱“{self.server.name}”/{folder}",
                subject=_clean(getattr(env, "subject", "")) or "（无主题）",
                size=size,
                limit=limit,
            )
        )


def carries_files(data: bytes) -> bool:
    """Does the message hold a workbook, scan, zip or e-mail attachment, or a download link to one in its
    text? Unreadable ones count as yes: discover will name what is wrong with them. Names only: no file
    part is decoded here (only the text of a mail that holds no file)."""
    import email

    from ..intake import mail, smime
    from ..intake.safety import kind_of

    try:
        message = email.message_from_bytes(data)  # the quick compat32 parser is enough for names and types
        for count, part in enumerate(message.walk()):
            if count > mail.MAX_PARTS:
                return True
            if part.get_content_type() == smime.PGP_ENCRYPTED or smime.is_wrapped(part):
                return True  # signed or encrypted whole (smime.p7m): discover opens it, or says it cannot
            if part.get_content_type() == "message/rfc822":
                inner = mail.forwarded_message(part)  # decoded anew when sent in base64 or quoted-printable
                if inner is not None and inner is not part.get_payload(0) and carries_files(inner.as_bytes()):
                    return True  # its files are not among the parts walked here
            if part.is_multipart():
                continue
            name = mail.attachment_name(part) or ""
            base = name.replace("\\", "/").rsplit("/", 1)[-1]  # ".xlsx": a name the client lost, extension kept
            ext = "." + base.rsplit(".", 1)[-1] if "." in base else ""
            ext = ext if name else mail.EXT_BY_TYPE.get(part.get_content_type(), "")
            if kind_of(ext) is not None or mail.EXT_BY_TYPE.get(part.get_content_type()) in (".zip", ".pdf"):
                return True
            typed = kind_of(mail.EXT_BY_TYPE.get(part.get_content_type(), ""))
            if typed is not None and part.get_content_disposition() == "attachment":
                return True  # "盖章件.jfif" sent as image/jpeg: an attached file of a type run reads (not a logo)
            if part.get_content_type() == "application/ms-tnef" or base.lower() == "winmail.dat":
                return True  # Outlook's winmail.dat: the return is packed inside; discover says so
            if not name and part.get_content_disposition() == "attachment":
                return True  # a file without a name: discover tells it by its content, or says it cannot
            if name and not re.fullmatch(r"\.[A-Za-z][A-Za-z0-9]{0,5}", ext):
                return True  # its extension lost ("报表", "报表1.7"): discover tells it by its content too
            if not name and mail.uuencoded_files(part, names_only=True):
                return True  # a file uuencoded into the mail text (old clients): discover takes it out
        # no file attached, but a download link in the text ("超大附件"): the unit sent its return so
        return mail.download_links(message) is not None
    except Exception:  # noqa: BLE001 - hostile structure: keep it for discover to report
        return True


def signature(env: object) -> str:
    """What tells two mails with one Message-ID apart: the Date header as the sender's client wrote it (the
    same in every mailbox the mail reached; gateways that tag the subject "[外部邮件]" leave it alone), or
    without one the Subject and From headers."""
    date_header = " ".join(str(getattr(env, "date", "") or "").split())
    parts = [date_header] if date_header else [getattr(env, name, "") or "" for name in ("subject", "sender")]
    text = "\n".join(" ".join(str(part).split()) for part in parts)
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _file_signature(path: Path) -> str:
    """signature() of a kept .eml (recorded by an older version without one); "" when it cannot be read."""
    from email.parser import BytesHeaderParser

    from .imap import Envelope

    try:
        with open(path, "rb") as handle:
            head = handle.read(256 * 1024).split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    except OSError:
        return ""
    headers = BytesHeaderParser().parsebytes(head)
    values = {
        k: str(headers.get(h, "") or "") for k, h in (("subject", "Subject"), ("sender", "From"), ("date", "Date"))
    }
    return signature(Envelope(0, None, 0, "", **values))


def default_since(latest_recorded: date | None, current: datetime, late_days: int) -> date:  # current: its deadline
    """The earliest week still open: the week after the last recorded one (at most the current week).

    Returns for a week arrive after the previous deadline (early ones up to `late_days` before);
    a day more covers servers that keep INTERNALDATE in another time zone.
    """
    week = current.date()
    if latest_recorded is not None and latest_recorded + timedelta(days=7) < week:
        week = latest_recorded + timedelta(days=7)
    return week - timedelta(days=7 + late_days + 1)


def _json(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def _clean(text: str) -> str:
    from email.header import decode_header, make_header

    with contextlib.suppress(Exception):  # a hostile subject stays as sent
        text = str(make_header(decode_header(text)))
    return "".join(ch for ch in text if ch >= " ")[:80]


def _clear(folder: Path) -> None:
    """Left-overs of an interrupted fetch: never in the inbox, removed before and after each fetch."""
    if folder.is_dir():
        for path in folder.iterdir():
            with contextlib.suppress(OSError):
                path.unlink()
