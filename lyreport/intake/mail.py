"""Saved e-mails (.eml): sender, subject and attachments (also those without a name, pasted into the body or
only linked), whatever the sending mail client did.

The names are decoded in mailnames.py, the dates read in maildates.py.
"""

from __future__ import annotations

import binascii
import email
import email.policy
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.errors import MissingHeaderBodySeparatorDefect
from email.message import EmailMessage, Message
from typing import Any

from .. import lazyre
from . import smime
from .mailnames import attachment_name, charset_of, decode_words, raw_text

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
    sealed: str = ""  # smime.ENCRYPTED or smime.DAMAGED: a signed or encrypted mail that cannot be opened here


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


def subject(message: Message) -> str:
    """The Subject header as text; "" if missing or unreadable."""
    try:
        text: str | None = str(message["Subject"] or "").strip()
    except Exception:
        text = None
    if text is not None and "\ufffd" not in text:
        return text
    raw = " ".join(raw_text(v) for k, v in message.raw_items() if k.lower() == "subject")
    # Encoded words cut inside a character (=?gb2312?B?...?= =?gb2312?B?...?=, as some clients split a long
    # subject): the parser decodes each word alone; joined as bytes first they read right. Only for a header of
    # encoded words and ASCII: raw 8-bit text beside them is the parser's to read.
    if "=?" in raw and raw.isascii():
        joined = decode_words(re.sub(r"\r?\n[ \t]+", " ", raw)).strip()
        if text is None or joined.count("\ufffd") < text.count("\ufffd"):
            return joined
    # Raw 8-bit text (a GBK subject written without encoded words, as old clients do): the parser shows it as
    # "\ufffd"s, raw_text reads its bytes as UTF-8 or GB18030. Its 更正/单位 words must not be lost.
    if text is None or raw.count("\ufffd") < text.count("\ufffd"):
        return raw.strip()
    return text


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


MAX_UNWRAPPED = 4  # signed mails inside signed mails (sign, encrypt, sign): a few at most


def _walk(message: Message) -> Iterator[Message]:
    """Parts in mail order like Message.walk(), but a forwarded mail (message/rfc822) is one part, not opened,
    and a mail wrapped whole in its S/MIME signature is replaced by the mail inside (smime.py)."""
    stack = [message]
    unwrapped = 0
    while stack:
        part = stack.pop()
        if smime.is_wrapped(part) and unwrapped < MAX_UNWRAPPED:
            inner, _ = smime.unwrap(part)
            if inner is not None:
                unwrapped += 1
                stack.append(email.message_from_bytes(inner, policy=email.policy.default))
                continue
        yield part
        if part.get_content_type() == "message/rfc822" and part is not message:
            continue
        if part.get_content_type() == smime.PGP_ENCRYPTED:
            continue  # its parts are the key version and the ciphertext: said as one (smime.sealed)
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend(reversed([p for p in payload if isinstance(p, Message)]))


def forwarded_message(part: Message) -> Message | None:
    """The mail a message/rfc822 part holds. Exchange and some phone clients encode that part in base64 or
    quoted-printable (RFC 2046 forbids it, but they do): the parser then reads the encoded text as a mail with
    no headers, so it is decoded and parsed again here."""
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else None
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if not isinstance(inner, Message) or encoding not in ("base64", "quoted-printable"):
        return inner if isinstance(inner, Message) else None
    try:  # quoted-printable keeps most header lines readable, so the parser took some: the whole text is decoded
        raw = inner.as_bytes(policy=email.policy.compat32)
    except Exception:  # noqa: BLE001 - a part the library cannot write back: read as it stands
        return inner
    if encoding == "quoted-printable" and any(isinstance(d, MissingHeaderBodySeparatorDefect) for d in inner.defects):
        # A soft line break ("=" at a line's end) ended the headers the parser saw; writing them back put a blank
        # line after them that the mail does not have, which would cut that header line in two once decoded.
        head, _, rest = raw.partition(b"\n\n")
        raw = head + b"\n" + rest
    try:
        data = binascii.a2b_base64(raw) if encoding == "base64" else quopri.decodestring(raw)
    except (binascii.Error, ValueError):
        return inner  # not decodable: read as it stands (said as a mail without files, if so)
    policy = getattr(part, "policy", email.policy.default)
    return email.message_from_bytes(data, policy=policy)


def attachments(message: Message) -> Iterator[Attachment]:
    """Every part that is a file (named, or of a spreadsheet/zip/PDF/picture type), in mail order."""
    for count, part in enumerate(_walk(message), start=1):
        if count > MAX_PARTS:
            raise MailError("邮件结构异常（部件过多）")
        if part.get_content_type() == "message/rfc822" and part is not message:
            inner = forwarded_message(part)
            if isinstance(inner, Message):
                title = re.sub(
                    r"\.eml$", "", attachment_name(part) or subject(inner) or f"转发的邮件{count}", flags=re.I
                )
                yield Attachment(title[:80] + ".eml", b"", False, inner)
            continue
        sealed = smime.sealed(part)
        if sealed:  # encrypted for the office's certificate, or damaged: there is a file, but it cannot be opened
            yield Attachment(attachment_name(part) or "加密邮件", b"", False, sealed=sealed)
            continue
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        if smime.is_signature(part):
            continue  # the signature of a signed mail (smime.p7s, signature.asc): no file sent
        name = attachment_name(part)
        disposition = part.get_content_disposition()
        if (
            name is None
            and content_type not in EXT_BY_TYPE
            and disposition != "attachment"
            and part.get_content_maintype() != "application"
        ):  # the mail text itself, an inline picture (a file without a name is told by its bytes)
            for uu_name, uu_data in uuencoded_files(part):  # files an old client wrote into the text
                yield file_attachment(uu_name, uu_data, "", count)
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        inline = content_type.startswith("image/") and disposition != "attachment" and part["Content-ID"] is not None
        found = file_attachment(name, payload, content_type, count, inline=inline)
        if found.unidentified and disposition != "attachment":
            continue  # an application part of the mail's own, not a file sent with it
        yield found


# Foxmail 6, Outlook Express and some mail gateways put files into the mail text itself, uuencoded
# ("begin 644 报表.xlsx", lines of uuencode, "end") instead of as a MIME part.
_UU_BEGIN = lazyre.compile(rb"^begin [0-7]{3,4} ([^\r\n]*\S)[ \t]*\r?$", re.MULTILINE)


def uuencoded_files(part: Message, *, names_only: bool = False) -> list[tuple[str, bytes]]:
    """(name, bytes) of each file of a kind read here (by its extension) uuencoded into a text/plain part; a
    block cut short or damaged gives what it holds (the reader then says the file is damaged), never nothing.
    `names_only`: bytes left empty."""
    if part.get_content_type() != "text/plain":
        return []
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - a damaged text part holds nothing we can take
        return []
    if not isinstance(data, bytes) or b"begin " not in data:
        return []
    from .safety import kind_of

    found = []
    for begin in _UU_BEGIN.finditer(data):
        if len(found) >= 20:
            break
        name = _decoded_text(begin.group(1), part.get_content_charset()).strip()
        if kind_of("." + name.rsplit(".", 1)[-1]) is None:
            continue  # "begin 2021 年工作" in a sentence, or a file of no kind read here
        found.append((name, b"" if names_only else _uudecode(data, begin.end())))
    return found


def _uudecode(data: bytes, start: int) -> bytes:
    import binascii

    out = bytearray()
    for line in data[start:].splitlines()[1:]:
        line = line.rstrip(b" \t\r")
        if line == b"end" or not line:
            if line == b"end":
                break
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:  # encoders that pad lines otherwise (what the old uu module forgave)
            length = (((line[0] - 32) & 63) * 4 + 5) // 3
            try:
                out += binascii.a2b_uu(line[:length])
            except binascii.Error:
                break
    return bytes(out)


# What the QQ, NetEase, Tencent Exmail and similar clients write in the mail text instead of attaching a
# file too large for an attachment ("超大附件", "云附件", "文件中转站"), with their download addresses.
_DOWNLOAD_LINK = lazyre.compile(
    r"超大附件|云附件|大附件|文件中转站|ftnExs|ftn_handler|/ftn/|large-attachment|bigattach|dashi\.163\.com",
    re.IGNORECASE,
)
_LINKED_FILE = lazyre.compile(
    r"[^\s<>\"'/\\|:*?（）()]{1,80}?\.(?:xlsx|xlsm|xls|et|ods|csv|zip|rar|7z|pdf|jpe?g|png|tiff?)(?![A-Za-z0-9])",
    re.IGNORECASE,
)
MAX_TEXT = _TEXT_LIMIT = 1_000_000  # bytes (characters) of mail text looked at


def download_links(message: Message) -> list[str] | None:
    """The file names a mail's text offers as download links instead of attachments ("超大附件"), [] when it
    offers some without a name we can find; None when its text offers none."""
    text = re.sub(r"<[^>]*>", " ", _texts(message))
    if not _DOWNLOAD_LINK.search(text):
        return None
    return list(dict.fromkeys(name.strip() for name in _LINKED_FILE.findall(text)))[:10]


def _texts(message: Message, *, nested: bool = True) -> str:
    """The mail's text parts (plain and HTML as written), decoded, up to _TEXT_LIMIT characters; `nested`:
    with those of mails forwarded as attachments."""
    texts: list[str] = []
    for count, part in enumerate(message.walk() if nested else _walk(message)):
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
    return "\n".join(texts)


def plain_text(message: Message) -> str:
    """The mail's own text as a reader sees it (not that of mails forwarded as attachments): HTML tags
    dropped, a <br> or block end a line break."""
    import html

    text = re.sub(r"<(?:br|/p|/div|/tr)\b[^>]*>", "\n", _texts(message, nested=False), flags=re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]*>", " ", text)).replace("\xa0", " ")


def _decoded_text(data: bytes, charset: str | None) -> str:
    try:
        return data.decode(charset_of(charset))
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
        if "OFD.xml" in names:
            return ".ofd"  # a fixed-layout document (GB/T 33190), read as a scan
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


def msg_download_links(data: dict[str, Any]) -> list[str] | None:
    """Download links ("超大附件") in a .msg's text, as download_links."""
    from email.message import EmailMessage

    body = data.get("body")
    if not isinstance(body, str) or not body:
        return None
    text = EmailMessage()
    text.set_content(body[:MAX_TEXT])
    return download_links(text)
