"""Saved e-mails (.eml): sender, date and attachments, whatever the sending mail client did to the names.

Chinese mail clients write attachment names as RFC 2047 encoded words (often inside quotes, often
labelled gb2312 while holding GBK), as RFC 2231 parameters, or as raw GBK/UTF-8 bytes.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.header import decode_header
from email.message import EmailMessage, Message
from pathlib import Path
from zoneinfo import ZoneInfo

from .sidecar import SIDECAR_SUFFIX

MAX_PARTS = 2000

# Content types that identify an attachment without a name.
EXT_BY_TYPE = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": ".xlsm",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/zip": ".zip",
    "application/x-zip-compressed": ".zip",
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
}

_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030"}
_HEADER_NAMES = {"from", "to", "date", "subject", "content-type", "message-id", "received", "mime-version"}


class MailError(Exception):
    """The file is not a readable e-mail; the message is Chinese."""


@dataclass
class Attachment:
    name: str
    payload: bytes
    inline_image: bool  # a picture embedded in the mail body (signature logo), not a sent file
    message: Message | None = None  # a mail forwarded as an attachment (message/rfc822), already parsed
    unidentified: str = ""  # content type of an attachment with no name whose content is no file we know
    pasted: bool = False  # a picture in the mail body large enough to be a photo or scan: read as a scan


def parse(data: bytes) -> EmailMessage:
    """Parse a saved e-mail; MailError if it is not one."""
    if data.count(b"\n--") > 4 * MAX_PARTS:  # refuse before the parser builds an object per part
        raise MailError("邮件结构异常（部件过多）")
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:  # the parser is lenient; anything it raises means the file is not a mail
        raise MailError(f"邮件格式无法解析（{type(exc).__name__}）") from exc
    if not _HEADER_NAMES.intersection(key.lower() for key in message):
        raise MailError("文件内容不是邮件格式（找不到发件人、日期等邮件头）")
    return message  # type: ignore[return-value]


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
_CHINA_WORD = re.compile(
    r"CST|China\s+Standard\s+Time|Beijing(?:\s+Standard)?(?:\s+Time)?|BJT|北京时间|中国标准时间", re.IGNORECASE
)
_CHINA_TZ = timezone(timedelta(hours=8))
_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?(\.\d+)?")
# An offset written otherwise than RFC 5322's "+0800": email.utils drops "GMT+8", "UTC+08:00" and the
# "+0800" of "GMT +0800" (reading plain GMT), and reads "+8" as 8 minutes.
_OFFSET = re.compile(r"(?:(?:GMT|UTC|UT|Z)\s*)?([+-])(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_RFC_ZONE = re.compile(r"[+-]\d{4}|GMT|UTC?|Z|[ECMP][SD]T", re.IGNORECASE)  # what email.utils reads right


def raw_date(message: Message) -> str:
    """The Date header as written (8-bit bytes decoded as _raw_text does), to read and to quote; "" if none."""
    try:
        return " ".join(_raw_text(v) for k, v in message.raw_items() if k.lower() == "date").strip()
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
_MERIDIEM = re.compile(
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


def _plain_date(raw: str) -> datetime | None:
    """2021-01-07 10:00[:00] or 2021/1/7 10:00 as some clients write the Date header; naive."""
    found = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?", raw.strip())
    if not found:
        return None
    try:
        return datetime(*(int(g or 0) for g in found.groups()))  # type: ignore[misc]
    except ValueError:
        return None


# A receiving server stamps each mail it takes with a Received header on top of the others ("...; Thu, 7
# Jan 2021 10:00:05 +0800"): the first one is the last hop, the recipient's own server, on a synchronised
# clock, where the Date header is the sender's PC clock. Only a few are looked at.
_RECEIVED_LOOKED_AT = 3


def relayed_at(message: Message, tz: ZoneInfo) -> datetime | None:
    """When the receiving mail server took the mail: the date of the topmost Received header that has a
    readable one with a time zone; None when there is none (a mail saved from a Sent folder, a draft)."""
    try:
        values = [_raw_text(v) for k, v in message.raw_items() if k.lower() == "received"]
    except Exception:  # malformed headers can raise deep inside the parser
        return None
    for value in values[:_RECEIVED_LOOKED_AT]:
        if ";" not in value:
            continue
        found = _parsed(re.sub(r"\s+", " ", value.rsplit(";", 1)[1]).strip())
        if found is not None and found.tzinfo is not None:
            return found.astimezone(tz)
    return None


def dates_written(message: Message) -> list[str]:
    """Each Date header as written, when there are several (a mail tool that added its own); [] otherwise."""
    try:
        values = [_raw_text(v).strip() for k, v in message.raw_items() if k.lower() == "date"]
    except Exception:  # malformed headers can raise deep inside the parser
        return []
    return values if len(set(values)) > 1 else []


def subject(message: Message) -> str:
    """The Subject header as text; "" if missing or unreadable."""
    try:
        return str(message["Subject"] or "").strip()
    except Exception:
        return " ".join(_raw_text(v) for k, v in message.raw_items() if k.lower() == "subject").strip()


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


def sender(message: Message) -> str:
    """The From address, lower-case; "" if there is none."""
    try:
        header = message["From"]
        addresses = getattr(header, "addresses", ()) if header is not None else ()
        for address in addresses:
            if address.addr_spec and "@" in address.addr_spec:
                return address.addr_spec.strip().lower()
        text = str(header or "")
    except Exception:
        text = " ".join(str(v) for k, v in message.raw_items() if k.lower() == "from")
    found = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text)
    return found.group(0).lower() if found else ""


def _walk(message: Message) -> Iterator[Message]:
    """Parts in mail order like Message.walk(), but a forwarded mail (message/rfc822) is one part, not opened."""
    stack = [message]
    while stack:
        part = stack.pop()
        yield part
        if part.get_content_type() == "message/rfc822" and part is not message:
            continue
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend(reversed([p for p in payload if isinstance(p, Message)]))


def attachments(message: Message) -> Iterator[Attachment]:
    """Every part that is a file (named, or of a spreadsheet/zip/PDF/picture type), in mail order."""
    for count, part in enumerate(_walk(message), start=1):
        if count > MAX_PARTS:
            raise MailError("邮件结构异常（部件过多）")
        if part.get_content_type() == "message/rfc822" and part is not message:
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(inner, Message):
                title = re.sub(
                    r"\.eml$", "", attachment_name(part) or subject(inner) or f"转发的邮件{count}", flags=re.I
                )
                yield Attachment(title[:80] + ".eml", b"", False, inner)
            continue
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        name = attachment_name(part)
        disposition = part.get_content_disposition()
        if (
            name is None
            and content_type not in EXT_BY_TYPE
            and disposition != "attachment"
            and part.get_content_maintype() != "application"
        ):
            continue  # the mail text itself, an inline picture (a file without a name is told by its bytes)
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        inline = content_type.startswith("image/") and disposition != "attachment" and part["Content-ID"] is not None
        found = file_attachment(name, payload, content_type, count, inline=inline)
        if found.unidentified and disposition != "attachment":
            continue  # an application part of the mail's own, not a file sent with it
        yield found


# What the QQ, NetEase, Tencent Exmail and similar clients write in the mail text instead of attaching a
# file too large for an attachment ("超大附件", "云附件", "文件中转站"), with their download addresses.
_DOWNLOAD_LINK = re.compile(
    r"超大附件|云附件|大附件|文件中转站|ftnExs|ftn_handler|/ftn/|large-attachment|bigattach|dashi\.163\.com",
    re.IGNORECASE,
)
_LINKED_FILE = re.compile(
    r"[^\s<>\"'/\\|:*?（）()]{1,80}?\.(?:xlsx|xlsm|xls|et|ods|csv|zip|rar|7z|pdf|jpe?g|png|tiff?)(?![A-Za-z0-9])",
    re.IGNORECASE,
)
MAX_TEXT = _TEXT_LIMIT = 1_000_000  # bytes (characters) of mail text looked at


def download_links(message: Message) -> list[str] | None:
    """The file names a mail's text offers as download links instead of attachments ("超大附件"), [] when it
    offers some without a name we can find; None when its text offers none."""
    texts = []
    for count, part in enumerate(message.walk()):
        if count > MAX_PARTS or sum(len(t) for t in texts) > _TEXT_LIMIT:
            break
        if part.get_content_maintype() != "text" or part.is_multipart():
            continue
        try:
            data = part.get_payload(decode=True)
        except Exception:  # noqa: BLE001 - a damaged text part says nothing
            continue
        if isinstance(data, bytes):
            texts.append(_decoded_text(data[:_TEXT_LIMIT], part.get_content_charset()))
    text = re.sub(r"<[^>]*>", " ", "\n".join(texts))
    if not _DOWNLOAD_LINK.search(text):
        return None
    return list(dict.fromkeys(name.strip() for name in _LINKED_FILE.findall(text)))[:10]


def _decoded_text(data: bytes, charset: str | None) -> str:
    try:
        return data.decode(_charset(charset))
    except (LookupError, UnicodeDecodeError):
        return data.decode("gb18030", "replace")


TNEF_MAGIC = b"\x78\x9f\x3e\x22"


def is_tnef(attachment: Attachment) -> bool:
    """Outlook's winmail.dat (application/ms-tnef): the mail's real attachments packed in Outlook's own format."""
    return attachment.payload.startswith(TNEF_MAGIC) or attachment.name.strip().lower() == "winmail.dat"


def file_attachment(
    name: str | None, payload: bytes, content_type: str, count: int, *, inline: bool = False
) -> Attachment:
    """A file sent with a mail (.eml or .msg) as an Attachment, named so its kind shows.

    A name without an extension we know ("报表", "报表1.7") gets the one its content type (EXT_BY_TYPE)
    or else its content (sniff_ext) shows; a file without a name is "附件N" with that extension, or,
    when neither tells, is `unidentified` (by its content type): said, never taken for "no attachment".
    `inline`: a picture in the mail body; a large one (pasted_scan) is read as a scan all the same.
    """
    from .safety import kind_of

    if inline and pasted_scan(payload):
        found = file_attachment(name, payload, content_type, count)
        found.pasted = not found.unidentified
        return found
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    if name and "." in base and kind_of("." + base.rsplit(".", 1)[-1]) is not None:
        return Attachment(name, payload, inline)
    ext = EXT_BY_TYPE.get(content_type) or sniff_ext(payload)
    if name:
        return Attachment(name + (ext or ""), payload, inline)
    if ext is None:
        return Attachment(f"附件{count}", payload, False, unidentified=content_type or "未注明")
    return Attachment(f"附件{count}{ext}", payload, inline)


# A picture in the mail body larger than this, or this long on its longer side, may be a photo or scan of
# the stamped form pasted into the text; a signature logo or icon is a few KB and a few hundred pixels.
PASTED_SCAN_BYTES = 200_000
PASTED_SCAN_SIDE = 1000


def pasted_scan(payload: bytes) -> bool:
    """Is this picture in the mail body large enough to be a pasted photo or scan (not a logo)? Only the
    image header is read (Pillow, with the scan reader's pixel limit: a bomb counts as large, for the scan
    reader to refuse and say so); a picture Pillow cannot tell is judged by its bytes alone."""
    if len(payload) > PASTED_SCAN_BYTES:
        return True
    import io
    import warnings

    from PIL import Image

    from .scan.raster import MAX_DECODE_PIXELS

    Image.MAX_IMAGE_PIXELS = MAX_DECODE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(payload)) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        return True
    except Exception:  # noqa: BLE001 - not a picture Pillow knows, or damaged: too small to be a scan anyway
        return False
    return max(width, height) >= PASTED_SCAN_SIDE


def sniff_ext(data: bytes) -> str | None:
    """The extension the content of an unnamed attachment shows (application/octet-stream), or None."""
    from .precheck import OLE_MAGIC, ZIP_MAGICS

    if data.startswith(OLE_MAGIC):
        return ".xls"  # OLE: an old Excel workbook (or a .doc, which the reader then says it is not)
    if data.startswith(ZIP_MAGICS):
        import io
        import zipfile

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
        except Exception:  # a damaged zip: the zip reader says so
            return ".zip"
        if "xl/workbook.xml" in names:
            return ".xlsm" if "xl/vbaProject.bin" in names else ".xlsx"
        return ".ods" if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet") else ".zip"
    for magic, ext in _MAGIC_EXT:
        if data.startswith(magic):
            return ext
    return None


_MAGIC_EXT = (
    (b"%PDF", ".pdf"),
    (b"\x89PNG", ".png"),
    (b"\xff\xd8\xff", ".jpg"),
    (b"II*\x00", ".tif"),
    (b"MM\x00*", ".tif"),
)


def attachment_name(part: Message) -> str | None:
    """The decoded file name of a MIME part, or None."""
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name and not _garbled(name):
        return name.strip() or None
    raw = _raw_param(part, "content-disposition", "filename") or _raw_param(part, "content-type", "name")
    if raw:
        return raw
    return name.strip() if name and name.strip() else None


def _garbled(text: str) -> bool:
    return "\ufffd" in text or "=?" in text or any("\udc80" <= ch <= "\udcff" for ch in text)


def _raw_param(part: Message, header: str, param: str) -> str | None:
    """Find a header parameter in the raw header text, for names the standard parser gets wrong."""
    for key, value in part.raw_items():
        if key.lower() != header:
            continue
        text = re.sub(r"\r?\n[ \t]+", " ", _raw_text(value))
        if (pieces := _continued(text, param)) is not None:
            return pieces or None
        extended = re.search(param + r"\*=\s*([\w-]*)'[^']*'([^;\s]+)", text, re.I)
        if extended:
            return _percent_decode(extended.group(2), extended.group(1)) or None
        plain = re.search(r"(?:^|;)\s*" + param + r"\s*=\s*(\"(?:[^\"\\]|\\.)*\"|[^;]+)", text, re.I)
        if plain:
            value = plain.group(1).strip()
            if value.startswith('"') and value.endswith('"') and len(value) >= 2:
                value = value[1:-1].replace('\\"', '"')
            return _decode_words(value).strip() or None
    return None


def _continued(text: str, param: str) -> str | None:
    """An RFC 2231 parameter split into numbered pieces (filename*0*=gbk''%CA%D0; filename*1*=%BD%BB...),
    joined as bytes before decoding: clients split a GBK name anywhere, even inside a character, and the
    standard parser decodes each piece on its own. None when the parameter is not split."""
    found = re.findall(param + r"\*(\d{1,3})(\*?)\s*=\s*(\"[^\"]*\"|[^;\s]+)", text, re.I)
    if not found:
        return None
    pieces = sorted((int(n), star, value.strip('"')) for n, star, value in found)
    charset, data = "utf-8", b""
    for index, (number, star, value) in enumerate(pieces):
        if number != index:
            return None  # a piece missing: leave it to the standard parser
        if index == 0 and star and value.count("'") >= 2:
            charset, _, value = value.split("'", 2)
        data += urllib.parse.unquote_to_bytes(value) if star else value.encode("utf-8", "replace")
    try:
        return data.decode(_charset(charset)).strip()
    except (LookupError, UnicodeDecodeError):
        return data.decode("gb18030", "replace").strip()


def _raw_text(value: object) -> str:
    """Header text with raw 8-bit bytes (kept as surrogates by the parser) decoded as UTF-8 or GB18030."""
    text = str(value)
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", "replace")


def _charset(name: str | None) -> str:
    name = (name or "utf-8").lower()
    return _CHARSET_ALIASES.get(name, name)


def _percent_decode(text: str, charset: str) -> str:
    data = urllib.parse.unquote_to_bytes(text)
    try:
        return data.decode(_charset(charset))
    except (LookupError, UnicodeDecodeError):
        return data.decode("gb18030", "replace")


def _decode_words(text: str) -> str:
    """RFC 2047 encoded words (also when wrongly quoted or unquoted) to text."""
    if "=?" not in text:
        return text
    try:
        pieces = decode_header(text)
    except Exception:
        return text
    out = []
    for chunk, charset in pieces:
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        try:
            out.append(chunk.decode(_charset(charset)))
        except (LookupError, UnicodeDecodeError):
            out.append(chunk.decode("gb18030", "replace"))
    return "".join(out)
