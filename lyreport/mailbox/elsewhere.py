"""Mail that may be a return but lies in a folder fetch does not read (垃圾邮件/Junk, a subfolder staff made).

After the configured folders, fetch lists the account's other folders and looks at their mail since the
fetch window, read-only (EXAMINE, BODY.PEEK), bounded in folders, mails and bytes. A mail that carries a
file, comes from a directory unit's address, or names a unit in its subject or file names is listed on
the terminal and recorded in history/mailbox/elsewhere.json, from which `run` and `status` repeat it for
the week it arrived in. Nothing is fetched into the inbox from there: staff move the mail to the inbox
(which also teaches the server's spam filter) or add the folder to the mailbox's `folders`.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from .. import lazyre
from ..problems import Problem, problem

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from ..config import Config
    from ..unitnames import UnitDirectory
    from .settings import Server
    from .store import Store

STATE_DIR = "mailbox"  # under history/: fetch's own state
RECORD = "elsewhere.json"  # under history/mailbox/
MAX_FOLDERS = 40  # other folders looked at per account
MAX_MAILS = 300  # newest mails looked at per account, over all its other folders
MAX_BODIES = 40  # mails downloaded (BODY.PEEK) to see whether they carry files
MAX_BODY_BYTES = 10 * 1024 * 1024  # larger mails are taken to carry files without downloading
MAX_LISTED = 5  # mails named in one problem
# Folders of the office's own mail, never returns: by the server's special-use flag or by a usual name.
_OWN_FLAGS = {"\\sent", "\\drafts"}
_OWN_NAMES = lazyre.compile(r"sent|draft|outbox|已发送|发件箱|草稿|已发邮件", re.IGNORECASE)


@dataclass
class Found:
    folder: str
    received_at: str  # ISO, the server's arrival time
    sender: str
    subject: str
    unit: str = ""  # the directory unit it names (sender's address, subject, file names), if any
    files: list[str] = field(default_factory=list)  # names of the files it carries, as far as known
    carries_files: bool = False
    message_id: str = ""
    signature: str = ""  # fetch.signature: tells a correction reusing a Message-ID from the mail fetched under it


def scan(conn: object, server: Server, since: date | None, directory: UnitDirectory | None) -> list[Found]:
    """The mails in the account's other folders that may be returns. MailboxError/imaplib errors pass up."""
    from . import imap
    from .fetch import signature

    configured = {f.casefold() for f in server.folders}
    others = [
        f
        for f in imap.folders(conn)  # type: ignore[arg-type]
        if f.name.casefold() not in configured
        and not (f.flags & _OWN_FLAGS)
        and not _OWN_NAMES.search(f.name)
        and f.name.upper() != "INBOX"
    ][:MAX_FOLDERS]
    found: list[Found] = []
    mails = bodies = 0
    for folder in others:
        if mails >= MAX_MAILS:
            break
        try:
            imap.examine(conn, server, folder.name)  # type: ignore[arg-type]
        except imap.MailboxError:
            continue  # a folder the server lists yet will not open holds nothing we could name
        uids = imap.search_since(conn, since)[-(MAX_MAILS - mails) :]  # type: ignore[arg-type]
        mails += len(uids)
        for env in imap.envelopes(conn, uids):  # type: ignore[arg-type]
            names: list[str] = []
            carries = False
            if env.size > MAX_BODY_BYTES:
                carries = True
            elif _may_carry(env.content_type) and bodies < MAX_BODIES:
                bodies += 1
                carries, names = _files(imap.body(conn, env.uid))  # type: ignore[arg-type]
            elif _may_carry(env.content_type):
                carries = True  # past the download cap: a multipart mail may carry one
            sender, subject = _clean(env.sender), _clean(env.subject)
            unit = _unit(directory, sender, subject, names)
            if not (carries or unit):
                continue
            when = env.internaldate.isoformat() if env.internaldate else ""
            mark = signature(env)
            found.append(Found(folder.name, when, sender, subject, unit, names, carries, env.message_id, mark))
    return found


def _may_carry(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind.startswith(("multipart/mixed", "multipart/related", "application/", "image/")) or kind in (
        "multipart/report",
        "message/rfc822",
    )


def _files(data: bytes) -> tuple[bool, list[str]]:
    """(does the mail carry a file as fetch would keep it, the names of its named attachments)."""
    import email

    from ..intake import mail
    from .fetch import carries_files

    names: list[str] = []
    with contextlib.suppress(Exception):  # hostile structure: the names we have
        for count, part in enumerate(email.message_from_bytes(data).walk()):
            if count > mail.MAX_PARTS or len(names) >= 10:
                break
            if not part.is_multipart() and (name := mail.attachment_name(part)):
                names.append(_clean(name))
    return carries_files(data), names


def _unit(directory: UnitDirectory | None, sender: str, subject: str, names: list[str]) -> str:
    if directory is None:
        return ""
    address = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", sender)
    if address and (unit := directory.by_email(address.group(0).lower()).unit):
        return unit
    for text in (subject, *names):
        if text and (unit := directory.find_in_text(text).unit):
            return unit
    return ""


def _clean(text: str) -> str:
    from email.header import decode_header, make_header

    with contextlib.suppress(Exception):  # a hostile header stays as sent
        text = str(make_header(decode_header(text)))
    return "".join(ch for ch in text if ch >= " ")[:80].strip()


# ----------------------------------------------------------------- said on the terminal and in the week
def problems(mailbox: str, found: list[Found], folders: list[str], tz: ZoneInfo) -> list[Problem]:
    """One warning per folder: how many, whose (arrival in `tz`), and what to do."""
    said: list[Problem] = []
    for folder in dict.fromkeys(f.folder for f in found):
        mails = [f for f in found if f.folder == folder]
        listed = "；".join(_described(f, tz) for f in mails[:MAX_LISTED]) + ("等" if len(mails) > MAX_LISTED else "")
        units = list(dict.fromkeys(f.unit for f in mails if f.unit))
        said.append(
            problem(
                "mail-other-folder",
                file=f"邮箱“{mailbox}”/{folder}",
                unit=units[0] if len(units) == 1 else "",
                folder=folder,
                count=len(mails),
                mails=listed,
                configured="、".join(folders),
            )
        )
    return said


def _described(found: Found, tz: ZoneInfo) -> str:
    when = ""
    with contextlib.suppress(ValueError):
        when = f"{datetime.fromisoformat(found.received_at).astimezone(tz):%m-%d %H:%M}" if found.received_at else ""
    files = f"，附件 {'、'.join(found.files[:3])}" if found.files else ("，带附件" if found.carries_files else "")
    return f"{when} {found.sender or '（无发件人）'}“{found.subject or '（无主题）'}”{files}".strip()


def record(state_dir: Path, mailbox: str, found: list[Found], folders: list[str]) -> None:
    """Replace what was recorded for this mailbox (it was just looked at)."""
    from ..atomic import atomic_write_bytes

    path = state_dir / RECORD
    data = _load(path)
    data[mailbox] = {"folders": folders, "found": [asdict(f) for f in found]}
    atomic_write_bytes(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def forget_kept(found: list[Found], store: Store) -> list[Found]:
    """Leave out mail already fetched (the same Message-ID reached a configured folder of either mailbox).
    A mail that only reuses a fetched mail's Message-ID (another Date: a correction) is not that mail."""
    return [f for f in found if not _fetched(f, store)]


def _fetched(found: Found, store: Store) -> bool:
    if not found.message_id:
        return False
    key = f"mid:{found.message_id}"
    if store.kept(key) is None:
        return False
    earlier = store.signature(key)
    if not found.signature or not earlier or earlier == found.signature:
        return True  # the same mail (or unknown: kept by an older version), as fetch itself decides
    return store.kept(f"{key}#{found.signature}") is not None


def week_notes(history: Path, deadline: datetime, config: Config) -> list[Problem]:
    """What the last fetch found in other folders that arrived for this week (from the previous deadline, a
    day's slack for the server's zone, to the late days after this one)."""
    path = history / STATE_DIR / RECORD
    if not path.is_file():
        return []
    start = deadline - timedelta(days=7 + 1)
    end = deadline + timedelta(days=config.late_days)
    said: list[Problem] = []
    for mailbox, entry in _load(path).items():
        with contextlib.suppress(TypeError, ValueError, KeyError, AttributeError):
            found = [Found(**f) for f in entry["found"]]
            week = [f for f in found if f.received_at and start <= datetime.fromisoformat(f.received_at) <= end]
            said += problems(str(mailbox), week, [str(f) for f in entry["folders"]], config.timezone)
    return said


def _load(path: Path) -> dict:
    try:
        if path.stat().st_size > 4 * 1024 * 1024:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
