"""When a saved e-mail arrived: its Date header in every form mail clients write it, the receiving
server's Received stamps, and the arrival time `lyreport fetch` recorded beside the file.

The Date is written by the sender's clock (and zone, or none); the server's stamps and fetch's record are
preferred where there are any (expand_mail.py decides and says which was used).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.message import Message
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .. import lazyre
from .mailnames import raw_text
from .sidecar import SIDECAR_SUFFIX


def received_at(message: Message, tz: ZoneInfo) -> datetime | None:
    """The Date header as an aware datetime in tz; None if missing or unreadable."""
    return read_date(message, tz)[0]


NO_ZONE = "none"  # Zone.kind: the Date named no time zone


@dataclass(frozen=True)
class Zone:
    """How read_date read the Date header's time zone.

    kind: "" a zone written the standard way (or the server's arrival time); NO_ZONE none written, local
    time assumed; "china" a China zone word ("CST", "北京时间"); "offset" an offset written another way
    ("GMT+8", "UTC+08:00", "+8"); "unknown" a zone word not known here, local time assumed.
    """

    kind: str = ""
    text: str = ""  # the zone as written
    offset: str = ""  # as read, "UTC+8"


# In this product's setting "CST" is China Standard Time (UTC+8), though email.utils reads it as US
# Central (-0600) and the other words below not at all.
_CHINA_WORD = lazyre.compile(
    r"CST|China\s+Standard\s+Time|Beijing(?:\s+Standard)?(?:\s+Time)?|BJT|北京时间|中国标准时间", re.IGNORECASE
)
_CHINA_TZ = timezone(timedelta(hours=8))
_TIME = lazyre.compile(r"\d{1,2}:\d{2}(?::\d{2})?(\.\d+)?")
# An offset written otherwise than RFC 5322's "+0800": email.utils drops "GMT+8", "UTC+08:00" and the
# "+0800" of "GMT +0800" (reading plain GMT), and reads "+8" as 8 minutes.
_OFFSET = lazyre.compile(r"(?:(?:GMT|UTC|UT|Z)\s*)?([+-])(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_RFC_ZONE = lazyre.compile(r"[+-]\d{4}|GMT|UTC?|Z|[ECMP][SD]T", re.IGNORECASE)  # what email.utils reads right


def raw_date(message: Message) -> str:
    """The Date header as written (8-bit bytes decoded as mailnames.raw_text does), to read and to quote; "" if none."""
    try:
        return " ".join(raw_text(v) for k, v in message.raw_items() if k.lower() == "date").strip()
    except Exception:  # malformed headers can raise deep inside the parser
        return ""


def read_date(message: Message, tz: ZoneInfo) -> tuple[datetime | None, Zone]:
    """(Date header in tz or None, how its zone was read).

    "-0000" is UTC with the sender's zone unknown (RFC 5322); a Date with no zone at all, as some
    Chinese mail clients and scripts write it ("2021-01-07 10:00:00" too), is local (Beijing) time.
    A bare "CST" (or "China Standard Time", "Beijing", "北京时间") is China Standard Time, UTC+8, not US
    Central. An offset written "GMT+8", "UTC+08:00", "GMT +0800" or "+8" is read as written (hours).
    """
    try:
        raw = raw_date(message)
        header = message["Date"]
        value = getattr(header, "datetime", None) if header is not None else None
    except Exception:  # malformed headers can raise deep inside the parser
        return None, Zone()
    if (clock := _clock_24(raw)) is not None:  # "2:00:00 PM +0800": email.utils reads 02:00 and zone "PM"
        if not clock:
            return None, Zone()
        raw, value = clock, _parsed(clock)
    before, zone = _zone_of(raw)
    value = value if isinstance(value, datetime) else None
    china = bool(_CHINA_WORD.fullmatch(zone))
    standard = _RFC_ZONE.fullmatch(zone) or re.match(r"[+-]\d{4}(?!\d)", zone)  # "+0800 GMT" too
    if value is not None and value.tzinfo is not None and standard and not china:
        return value.astimezone(tz), Zone()  # written the standard way
    base = value.replace(tzinfo=None) if value is not None else _naive(before)
    if base is None:
        return None, Zone()
    if china:
        return base.replace(tzinfo=_CHINA_TZ).astimezone(tz), Zone("china", zone)
    if offset := _OFFSET.fullmatch(zone):
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        if hours > 14 or minutes >= 60:
            return None, Zone()
        read = timezone((1 if sign == "+" else -1) * timedelta(hours=hours, minutes=minutes))
        if re.fullmatch(r"[+-]\d{4}", zone):  # the standard form ("-0000": UTC); only the date around it was not
            return base.replace(tzinfo=read).astimezone(tz), Zone()
        as_read = f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")
        return base.replace(tzinfo=read).astimezone(tz), Zone("offset", zone, as_read)
    if zone.upper() in ("GMT", "UT", "UTC", "Z"):
        return base.replace(tzinfo=UTC).astimezone(tz), Zone()
    return base.replace(tzinfo=tz), Zone("unknown", zone) if zone else Zone(NO_ZONE)


# A 12-hour clock: "2:00:00 PM", "下午2:00", "下午 2:00:00" (the first time in the header only).
_MERIDIEM = lazyre.compile(
    r"(?:(上午|下午)\s*)?(?<![\d:])(\d{1,2})(:\d{2}(?::\d{2})?(?:\.\d+)?)(?:\s*(上午|下午|[AP]\.?M\.?(?![A-Za-z])))?",
    re.IGNORECASE,
)


def _clock_24(raw: str) -> str | None:
    """The Date header with a 12-hour time written on a 24-hour clock ("2:00:00 PM" -> "14:00:00"; 12 AM is
    00, 12 PM is 12); None when it has no AM/PM (上午/下午), "" when hour and AM/PM disagree ("0:30 PM")."""
    found = _MERIDIEM.search(raw)
    if found is None or not (found.group(1) or found.group(4)):
        return None
    if found.group(1) and found.group(4):
        return ""  # 下午2:00 PM: written twice, read once, but not guessed
    mark = (found.group(1) or found.group(4)).upper().replace(".", "")
    hour = int(found.group(2))
    afternoon = mark in ("PM", "下午")
    if hour > 12 or hour == 0:  # a 24-hour time with a mark: fine when they agree ("14:00 PM", "0:30 AM")
        if (hour > 12) != afternoon or hour > 23:
            return ""
    elif hour == 12:
        hour = 12 if afternoon else 0
    elif afternoon:
        hour += 12
    return f"{raw[: found.start()]}{hour:02d}{found.group(3)}{raw[found.end() :]}".strip()


def _parsed(text: str) -> datetime | None:
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text)
    except (ValueError, TypeError, OverflowError, IndexError):
        return None


def _zone_of(raw: str) -> tuple[str, str]:
    """(the date up to its time, the zone written after the time).

    A zone only in a trailing comment ("10:00:00 (北京时间)") counts; "Thu Jan  7 10:00:00 CST 2021"
    (the Unix date command) has its year after the zone."""
    time = _TIME.search(raw)  # the first: an offset may be written "08:00" too
    if time is None:
        return raw.strip(), ""
    before, tail = raw[: time.end() - len(time.group(1) or "")], raw[time.end() :].strip()
    found = re.search(r"\(([^()]*)\)$", tail)
    if found:
        comment, tail = found.group(1).strip(), tail[: found.start()].strip()
        if not tail and (_CHINA_WORD.fullmatch(comment) or _OFFSET.fullmatch(comment)):
            tail = comment
    if year := re.search(r"(?:^|\s)(\d{4})$", tail):
        before, tail = f"{before} {year.group(1)}", tail[: year.start()].strip()
    return before, tail


def _naive(text: str) -> datetime | None:
    """The date and time of a Date header without its zone; None if unreadable."""
    from email.utils import parsedate_tz

    try:
        parts = parsedate_tz(text)
        if parts is not None:
            return datetime(*parts[:6])
    except (ValueError, TypeError, OverflowError):
        return None
    return _plain_date(text)


# Dates as some clients write the Date header: 2021-01-07 10:00[:00], 2021/1/7 10:00, 2021年1月7日 10:00, and the
# RFC order with Chinese month and weekday names ("周四, 07 1月 2021 10:00:00"). Each: year, month, day groups.
_PLAIN_DATES = (
    (lazyre.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T]+"), (1, 2, 3)),
    (lazyre.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]\s*"), (1, 2, 3)),
    (lazyre.compile(r"(\d{1,2})\s+(\d{1,2})月\s+(\d{4})\s+"), (3, 2, 1)),
)
_PLAIN_CLOCK = lazyre.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_CN_WEEKDAY = lazyre.compile(r"^(?:星期|周|礼拜)([一二三四五六日天])\s*[,，]?\s*")


def _plain_date(raw: str) -> datetime | None:
    """The date and time of a Date header written in one of _PLAIN_DATES' ways; naive. A weekday written before
    it that is not the date's makes it unreadable: which of the two is meant is not guessed."""
    text = raw.strip()
    weekday = _CN_WEEKDAY.match(text)
    text = text[weekday.end() :] if weekday else text
    for pattern, order in _PLAIN_DATES:
        day = pattern.match(text)
        clock = _PLAIN_CLOCK.fullmatch(text, day.end()) if day else None
        if day and clock:
            year, month, mday = (int(day.group(i)) for i in order)
            try:
                found = datetime(year, month, mday, *(int(g or 0) for g in clock.groups()))
            except ValueError:
                return None
            if weekday and found.isoweekday() != ("一二三四五六".find(weekday[1]) + 1 or 7):  # 日, 天: Sunday
                return None
            return found
    return None


# A receiving server stamps each mail it takes with a Received header on top of the others ("...; Thu, 7
# Jan 2021 10:00:05 +0800"): the first one is the last hop, the recipient's own server, on a synchronised
# clock, where the Date header is the sender's PC clock. Only a few are looked at.
_RECEIVED_LOOKED_AT = 3


def relayed_at(message: Message, tz: ZoneInfo) -> datetime | None:
    """When the receiving mail server took the mail: the date of the topmost Received header that has a
    readable one with a time zone; None when there is none (a mail saved from a Sent folder, a draft)."""
    try:
        values = [raw_text(v) for k, v in message.raw_items() if k.lower() == "received"]
    except Exception:  # malformed headers can raise deep inside the parser
        return None
    for value in values[:_RECEIVED_LOOKED_AT]:
        if ";" not in value:
            continue
        found = _stamped(re.sub(r"\s+", " ", value.rsplit(";", 1)[1]).strip())
        if found is not None:
            return found.astimezone(tz)
    return None


def _stamped(text: str) -> datetime | None:
    """A Received stamp's date with its zone; a bare "CST" (a Chinese server's clock, as in Date headers) is
    China Standard Time, which email.utils would read as US Central, 14 hours later."""
    found = _parsed(text)
    before, zone = _zone_of(text)
    if _CHINA_WORD.fullmatch(zone):
        base = found.replace(tzinfo=None) if found is not None else _naive(before)
        return base.replace(tzinfo=_CHINA_TZ) if base is not None else None
    return found if found is not None and found.tzinfo is not None else None


def dates_written(message: Message) -> list[str]:
    """Each Date header as written, when there are several (a mail tool that added its own); [] otherwise."""
    try:
        values = [raw_text(v).strip() for k, v in message.raw_items() if k.lower() == "date"]
    except Exception:  # malformed headers can raise deep inside the parser
        return []
    return values if len(set(values)) > 1 else []


# ----------------------------------------------------------------- arrival time recorded by `lyreport fetch`
def server_received_at(path: Path, tz: ZoneInfo) -> datetime | None:
    """The mail server's arrival time (IMAP INTERNALDATE) of a fetched .eml, if fetch recorded one.

    Preferred to the Date header, which the sender's clock writes.
    """
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    try:
        if sidecar.stat().st_size > 64 * 1024:
            return None
        value = datetime.fromisoformat(json.loads(sidecar.read_text(encoding="utf-8"))["received_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return value.astimezone(tz) if value.tzinfo else None


def fetched_arrival(
    message: Message, internal: datetime, tz: ZoneInfo, slack: timedelta
) -> tuple[datetime, str, datetime | None]:
    """(when a fetched mail came in, the note to make or "", the earlier time the note names), given INTERNALDATE.

    INTERNALDATE is when the message entered its folder: a mail moved, copied or uploaded into it later
    (dragged from a local folder, restored) has a later one. Then the receiving server's own Received stamp
    counts ("mail-date-moved-in"); with no Received at all (only a client puts a mail there without one)
    INTERNALDATE still counts, but a Date more than `slack` earlier is said ("mail-date-no-server-stamp").
    """
    relayed = relayed_at(message, tz)
    if relayed is not None:
        return (relayed, "mail-date-moved-in", relayed) if internal - relayed > slack else (internal, "", None)
    sent = read_date(message, tz)[0]
    if sent is not None and internal - sent > slack:
        return internal, "mail-date-no-server-stamp", sent
    return internal, "", None


# ----------------------------------------------------------------- a mail forwarded inline ("转发")
# A forward written into the text (not attached as message/rfc822): the client quotes the original's
# headers under a line such as QQ's "原始邮件", NetEase's "转发邮件信息", Outlook's "Original Message",
# Gmail's "Forwarded message", Apple's "Begin forwarded message" / "转发的邮件". QQ and Outlook write the
# same line in replies, so those count only under a forward subject ("Fw:", "转发：").
_FORWARD_SUBJECT = lazyre.compile(r"\s*(?:FWD?|转发|转)\s*[:：]", re.IGNORECASE)
_FORWARD_MARK = lazyre.compile(
    r"(转发邮件信息|Forwarded message|Begin forwarded message|转发的邮件)|原始邮件|Original Message|邮件原文",
    re.IGNORECASE,
)
_SENT_LABEL = lazyre.compile(
    r"(?:发送时间|发送日期|发件时间|发件日期|日期|时间|Sent|Date)[ \t]*[:：][ \t]*([^\r\n]{4,80})"
)
_QUOTED_NEAR = 600  # characters from the marker line to the original's date line
_MONTHS = {
    m: n
    for n, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
_CN_DAY = lazyre.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_NUM_DAY = lazyre.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_EN_DAY = lazyre.compile(r"([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})|(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})")
_QUOTED_CLOCK = lazyre.compile(
    r"(上午|下午|中午|晚上|凌晨)?\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?\s*([AaPp]\.?[Mm]\.?)?(?![A-Za-z])"
)


def quoted_original(subject: str, text: str, tz: ZoneInfo) -> tuple[datetime | None, str] | None:
    """For a mail forwarded inline: (the original's sent time as its quoted headers give it, in tz, or None
    when unreadable; the time as written). None when the mail is no inline forward or quotes no time.
    Quoted times carry no zone as a rule: the forwarding client wrote them in local time."""
    for mark in _FORWARD_MARK.finditer(text[:MAX_QUOTED_TEXT]):
        if not (mark.group(1) or _FORWARD_SUBJECT.match(subject)):
            return None  # a reply quoting the mail it answers, not a forward
        label = _SENT_LABEL.search(text, mark.end(), mark.end() + _QUOTED_NEAR)
        if label is not None:
            written = label.group(1).strip()
            return _quoted_time(written, tz), written
    return None


MAX_QUOTED_TEXT = 200_000


def _quoted_time(written: str, tz: ZoneInfo) -> datetime | None:
    day = _CN_DAY.search(written) or _NUM_DAY.search(written)
    if day is not None:
        year, month, mday = (int(g) for g in day.groups())
    elif (english := _EN_DAY.search(written)) is not None:
        groups = english.groups()
        name, mday, year = (groups[0], groups[1], groups[2]) if groups[0] else (groups[4], groups[3], groups[5])
        month = _MONTHS.get(name[:3].lower(), 0)
        mday, year = int(mday), int(year)
        day = english
    else:
        return None
    clock = _QUOTED_CLOCK.search(written, day.end())
    if clock is None:
        return None
    hour, minute, second = int(clock.group(2)), int(clock.group(3)), int(clock.group(4) or 0)
    mark = (clock.group(1) or clock.group(5) or "").upper().replace(".", "")
    if mark in ("下午", "晚上", "PM") and hour < 12:
        hour += 12
    elif mark in ("AM", "上午", "凌晨") and hour == 12:  # a 12-hour clock's 上午12:20 is 00:20, as in _clock_24
        hour = 0
    try:
        return datetime(year, month, mday, hour, minute, second, tzinfo=tz)
    except ValueError:
        return None


def msg_relayed(data: dict[str, Any], tz: ZoneInfo) -> datetime | None:
    """The receiving server's time from the Received headers Outlook keeps with a mail it received."""
    from . import mail

    received = [str(value) for value in data.get("received") or [] if isinstance(value, str)]
    if not received:
        return None
    text = "".join(f"Received: {value}\n" for value in received[:3]) + "From: x@x.x\n\n"
    return relayed_at(mail.parse(text.encode("utf-8", "replace")), tz)


def msg_date(data: dict[str, Any], tz: ZoneInfo) -> tuple[datetime | None, Zone]:
    """The mail's sent time from the .msg: the submit time Outlook stores in UTC when there is one (a
    copied Date header may name an ambiguous zone such as "CST"), else the Date header, a Date without a
    zone being local time."""
    from . import mail

    try:
        submitted = datetime.fromisoformat(str(data.get("date") or ""))
    except ValueError:
        submitted = None
    if submitted is not None and submitted.tzinfo is not None:
        return submitted.astimezone(tz), Zone()
    header = str(data.get("header_date") or "")
    if header:
        parsed = mail.parse(f"Date: {header}\nFrom: x@x.x\n\n".encode("utf-8", "replace"))
        found, zone = read_date(parsed, tz)
        if found is not None:
            return found, zone
    if submitted is None:
        return None, Zone()
    return submitted.replace(tzinfo=tz), Zone(NO_ZONE)  # no zone: local time
