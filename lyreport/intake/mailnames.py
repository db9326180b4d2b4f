"""Header text of saved e-mails as the sender meant it: attachment names and raw 8-bit headers.

Chinese mail clients write attachment names as RFC 2047 encoded words (often inside quotes, often labelled
gb2312 while holding GBK), as RFC 2231 parameters (split anywhere, even inside a character), or as raw
GBK/UTF-8 bytes; the standard parser gets several of these wrong, so the raw header is read again here.
"""

from __future__ import annotations

import re
import urllib.parse
from email.header import decode_header
from email.message import Message

_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030"}


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
        text = re.sub(r"\r?\n[ \t]+", " ", raw_text(value))
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
            return decode_words(value).strip() or None
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
        return data.decode(charset_of(charset)).strip()
    except (LookupError, UnicodeDecodeError):
        return data.decode("gb18030", "replace").strip()


def raw_text(value: object) -> str:
    """Header text with raw 8-bit bytes (kept as surrogates by the parser) decoded as UTF-8 or GB18030."""
    text = str(value)
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", "replace")


def charset_of(name: str | None) -> str:
    name = (name or "utf-8").lower()
    return _CHARSET_ALIASES.get(name, name)


def _percent_decode(text: str, charset: str) -> str:
    data = urllib.parse.unquote_to_bytes(text)
    try:
        return data.decode(charset_of(charset))
    except (LookupError, UnicodeDecodeError):
        return data.decode("gb18030", "replace")


def decode_words(text: str) -> str:
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
            out.append(chunk.decode(charset_of(charset)))
        except (LookupError, UnicodeDecodeError):
            out.append(chunk.decode("gb18030", "replace"))
    return "".join(out)
