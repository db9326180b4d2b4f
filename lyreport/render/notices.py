"""Follow-up outputs: the 催报名单 (Word + a .txt to paste into a message) and the .eml mail draft.

Nothing is sent: the .eml carries `X-Unsent: 1`, so Outlook opens it as a draft for staff to check and send.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from ..atomic import atomic_write_bytes
from ..config import Config
from ..models import UnitWeek, WeekResult
from ..unitnames import UnitDirectory
from ..weeks import cn_date, cn_datetime
from .wording import abridge, clean, mail_word, measure_nos, say, say_mail, short_time, summary_word

REMIND_STATES = ("missing", "invalid", "late", "on_time")  # on time: only while its paper return is owed
TABLE_WIDTHS = [9, 26, 18, 33, 20, 35, 15]  # mm, portrait type area is 156 mm wide
TABLE_ALIGNS = ["center", "left", "center", "center", "left", "left", "center"]  # names in docx_format
# Unfolded headers: folding splits a Chinese display name into two encoded-words, which some readers
# (Python's own parser among them) rejoin with a stray space; 998 is RFC 5322's hard line limit.
DRAFT_POLICY = policy.SMTP.clone(max_line_length=998)
MIME_TYPES = {
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".xls": ("application", "vnd.ms-excel"),
    ".doc": ("application", "msword"),
    ".pdf": ("application", "pdf"),
    ".txt": ("text", "plain"),
    ".zip": ("application", "zip"),
}


@dataclass
class Reminder:
    """One unit to chase: who to call and what it owes."""

    unit: str
    contact: str
    phone: str
    measures: str
    state: str
    weeks: int
    owes: bool = True


# ----------------------------------------------------------------- 催报名单
def reminders(result: WeekResult, config: Config, directory: UnitDirectory) -> list[Reminder]:
    """Units whose return is missing, late or invalid, and on-time ones the 通报 asks for the scan or the
    electronic copy they still owe (never “无需催报” beside a 通报 that says “请尽快补报”); list order kept."""
    chased = [u for u in result.units if u.state in REMIND_STATES and (u.state != "on_time" or _paper_owed(u))]
    chased.sort(key=lambda u: REMIND_STATES.index(u.state))  # most urgent first; stable keeps list order
    return [_reminder(u, config, directory) for u in chased]


def _paper_owed(u: UnitWeek) -> list[str]:
    """What a unit that reported still owes, as the 通报's 四、报送情况 says it: the scan, the electronic copy
    (only a scan came in) or a stamped scan."""
    if u.state not in ("on_time", "late"):
        return []
    if not u.scan_received:
        return ["reminder_no_scan"]
    owed = ["reminder_scan_only"] if u.source == "scan" else []
    return [*owed, "reminder_scan_unstamped"] if u.scan_stamped is False else owed


def _reminder(u: UnitWeek, config: Config, directory: UnitDirectory) -> Reminder:
    entry = directory.get(u.name)
    unknown = say_mail(config, "reminder_unknown")
    contact = clean(u.contact) or (clean(entry.contact) if entry else "") or unknown
    phone = clean(u.phone) or (clean(entry.phone) if entry else "") or unknown
    if u.state == "late":
        state = say_mail(config, "reminder_late", time=short_time(u.received_at, config))
        nos = u.missing_measures
    elif u.state == "invalid":
        state = say_mail(config, "reminder_invalid", reason=abridge(u.invalid_reason, 60).rstrip("。") or unknown)
        nos = u.missing_measures or u.measures
    elif u.state == "on_time":
        state = say_mail(config, "reminder_on_time")
        nos = []
    else:
        state = say_mail(config, "reminder_missing")
        nos = u.missing_measures or u.measures
    if u.state == "invalid" and not u.scan_received:
        state += say_mail(config, "reminder_no_scan")
    state += "".join(say_mail(config, key) for key in _paper_owed(u))
    measures = measure_nos(config, nos) if nos else say(config, "empty_cell")
    return Reminder(u.name, contact, phone, measures, state, u.consecutive_missed, bool(nos))


def reminder_text(result: WeekResult, config: Config, directory: UnitDirectory) -> list[str]:
    """The 催报名单 as plain lines: heading, intro, one line per unit, office contact."""
    lines = [
        _reminder_heading(config),
        say_mail(config, "reminder_subtitle", week_cn=cn_date(result.week), period=result.period),
    ]
    entries = reminders(result, config, directory)
    if not entries:
        return [*lines, say_mail(config, "reminder_none")]
    lines.append(_intro(result, config))
    for index, r in enumerate(entries, start=1):
        weeks = say_mail(config, "reminder_weeks", weeks=r.weeks) if r.weeks >= 2 else ""
        owed = say_mail(config, "reminder_measures", measures=r.measures) if r.owes else ""
        fields = {"index": index, "unit": r.unit, "contact": r.contact, "phone": r.phone, "state": r.state}
        lines.append(say_mail(config, "reminder_line", measures=owed, weeks=weeks, **fields))
    lines.append(_footer(config))
    return lines


def _reminder_heading(config: Config) -> str:
    return say_mail(config, "reminder_title")


def _intro(result: WeekResult, config: Config) -> str:
    return say_mail(
        config,
        "reminder_intro",
        deadline_cn=cn_datetime(result.deadline, config),
        week_cn=cn_date(result.week),
        list_title=result.list_title,
        office_email=config.office_email,
        office=config.office_name,
    )


def _footer(config: Config) -> str:
    return say_mail(config, "reminder_footer", office_phone=config.office_phone, office_email=config.office_email)


def render_reminders(result: WeekResult, config: Config, directory: UnitDirectory, target: Path) -> Path:
    """Write the 催报名单 as .docx at `target` and the same lines as a .txt beside it (UTF-8 with BOM for Notepad)."""
    # python-docx is imported here, not with the module: `run` writes the mail draft without it.
    from . import docx_format as fmt
    from . import docx_tables as tables

    aligns = [{"center": fmt.CENTER, "left": fmt.LEFT}[name] for name in TABLE_ALIGNS]
    document = fmt.new_document()
    section = document.sections[0]
    fmt.setup_page(section)
    fmt.page_number_footers(document, section)
    fmt.add_text(
        document,
        _reminder_heading(config),
        font=fmt.XIAOBIAOSONG,
        size=fmt.TITLE_PT,
        align=fmt.CENTER,
        indent=False,
        line=35,
    )
    subtitle = say_mail(config, "reminder_subtitle", week_cn=cn_date(result.week), period=result.period)
    fmt.add_text(document, subtitle, font=fmt.KAITI, align=fmt.CENTER, indent=False)
    entries = reminders(result, config, directory)
    if entries:
        fmt.add_text(document, _intro(result, config))
        table = tables.add_table(document, [str(h) for h in mail_word(config, "reminder_headers")], TABLE_WIDTHS)
        rows = [
            [
                str(index),
                r.unit,
                r.contact,
                r.phone,
                r.measures,
                r.state,
                str(r.weeks) if r.weeks else say(config, "empty_cell"),
            ]
            for index, r in enumerate(entries, start=1)
        ]
        tables.add_rows(table, rows, TABLE_WIDTHS, aligns)
        fmt.add_text(document, "", indent=False)
        fmt.add_text(document, _footer(config))
    else:
        fmt.add_text(document, say_mail(config, "reminder_none"))
    title = _reminder_heading(config) + subtitle
    fmt.set_core_properties(document, title, config.office_name, result.deadline)
    fmt.save_docx(document, target, result.deadline)
    text = "\r\n".join(reminder_text(result, config, directory)) + "\r\n"
    atomic_write_bytes(target.with_suffix(".txt"), text.encode("utf-8-sig"))
    return target


# ----------------------------------------------------------------- mail draft
def render_mail(result: WeekResult, config: Config, attachments: list[Path], target: Path) -> Path:
    """Write an unsent .eml draft to the report recipients with the given files attached; nothing is sent."""
    message = EmailMessage(policy=DRAFT_POLICY)
    week_cn = cn_date(result.week)
    title = "".join(str(summary_word(config, "title")).split())
    message["Subject"] = say_mail(config, "subject", title=title, period=result.period, week_cn=week_cn)
    sender = _address(config.office_name, str(mail_word(config, "sender") or config.office_email))
    if sender is not None:
        message["From"] = sender
    recipients = [a for r in config.recipients if (a := _address(r.name, r.email)) is not None]
    if recipients:
        message["To"] = recipients
    message["Date"] = format_datetime(result.deadline)
    message["X-Unsent"] = "1"
    body = say_mail(
        config, "body", week_cn=week_cn, office=config.office_name, date_cn=week_cn, period=result.period, title=title
    )
    message.set_content(body.replace("\r\n", "\n"), cte="base64")  # 7-bit clean file whatever the body
    for path in attachments:
        _attach(message, path)
    if message.is_multipart():
        # A fixed boundary keeps the draft byte-identical when the same week is rendered again.
        seed = f"{result.list_id}|{result.week.isoformat()}|{result.period}".encode()
        message.set_boundary(f"lyreport-{hashlib.sha256(seed).hexdigest()[:24]}")
    atomic_write_bytes(target, message.as_bytes())
    return target


def _address(name: str, email: str) -> Address | None:
    """A display-name address, or None when the configured e-mail is empty or malformed."""
    email = (email or "").strip()
    if not email or "@" not in email:
        return None
    user, _, domain = email.rpartition("@")
    try:
        return Address(display_name=clean(name), username=user, domain=domain)
    except (ValueError, TypeError):
        return None


def _attach(message: EmailMessage, path: Path) -> None:
    """Attach a file under its own (Chinese) name; the stdlib writes the name as RFC 2231 filename*=."""
    try:
        data = path.read_bytes()
    except OSError:
        return  # an output that failed to render is reported by its own stage; the draft still goes out
    maintype, subtype = MIME_TYPES.get(path.suffix.lower()) or _guess_type(path)
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)


def _guess_type(path: Path) -> tuple[str, str]:
    guessed, _ = mimetypes.guess_type(path.name)
    if not guessed or "/" not in guessed:
        return "application", "octet-stream"
    maintype, subtype = guessed.split("/", 1)
    return maintype, subtype
