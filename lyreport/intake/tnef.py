"""Outlook's winmail.dat (TNEF, application/ms-tnef): the files packed inside, read with every length checked.

Outlook sending in RTF packs a mail's attachments into one TNEF stream ([MS-OXTNEF]): a signature, a key,
then attributes, each `level(1) id(4) length(4) data(length) checksum(2)`. attAttachRendData starts an
attachment, attAttachTitle (8-bit, in the message's code page) or PR_ATTACH_LONG_FILENAME in the MAPI
properties of attAttachment names it, attAttachData holds its bytes. Nothing here trusts a length: an
attribute that runs past the end, or whose checksum is wrong, ends the reading (`damaged`); the files
completed before it are kept. Embedded mails and OLE objects are not unpacked.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SIGNATURE = b"\x78\x9f\x3e\x22"
MAX_FILES = 100
MAX_ATTRIBUTES = 10_000
MAX_PROPERTIES = 1_000

LEVEL_MESSAGE, LEVEL_ATTACHMENT = 1, 2
ATT_OEM_CODEPAGE = 0x00069007
ATT_ATTACH_REND_DATA = 0x00069002
ATT_ATTACH_TITLE = 0x00018010
ATT_ATTACH_DATA = 0x0006800F
ATT_ATTACHMENT = 0x00069005
PR_ATTACH_LONG_FILENAME = 0x3707
PR_DISPLAY_NAME = 0x3001
PT_STRING8, PT_UNICODE = 0x001E, 0x001F

# Fixed sizes of MAPI property types in a TNEF property list (2-byte ones are padded to 4).
_FIXED = {0x0002: 4, 0x0003: 4, 0x0004: 4, 0x0005: 8, 0x0006: 8, 0x0007: 8, 0x000A: 4, 0x000B: 4, 0x0014: 8,
          0x0040: 8, 0x0048: 16, 0x0001: 0}  # fmt: skip
_VARIABLE = {0x001E, 0x001F, 0x0102, 0x000D}


class TnefError(Exception):
    """A structure that cannot be TNEF as written."""


@dataclass
class PackedFile:
    name: str  # "" when the stream names none
    data: bytes


@dataclass
class Unpacked:
    files: list[PackedFile] = field(default_factory=list)
    damaged: str = ""  # why the reading stopped early ("" when the whole stream was read)
    skipped: int = 0  # attachments beyond MAX_FILES


@dataclass
class _Pending:
    title: str = ""
    long_name: str = ""
    data: bytes | None = None


def unpack(stream: bytes) -> Unpacked:
    """The files in a TNEF stream (in order); never raises."""
    result = Unpacked()
    if not stream.startswith(SIGNATURE) or len(stream) < 6:
        result.damaged = "不是 TNEF 格式"
        return result
    codepage, pending, pos = "cp1252", None, 6
    count = 0
    try:
        while pos < len(stream):
            count += 1
            if count > MAX_ATTRIBUTES:
                raise TnefError("结构异常（属性过多）")
            if pos + 9 > len(stream):
                raise TnefError("文件不完整")
            level = stream[pos]
            attribute, length = struct.unpack_from("<II", stream, pos + 1)
            start = pos + 9
            end = start + length
            if level not in (LEVEL_MESSAGE, LEVEL_ATTACHMENT) or end + 2 > len(stream):
                raise TnefError("文件不完整或已损坏")
            data = stream[start:end]
            (checksum,) = struct.unpack_from("<H", stream, end)
            if sum(data) & 0xFFFF != checksum:
                raise TnefError("校验和不符，文件已损坏")
            pos = end + 2
            if attribute == ATT_OEM_CODEPAGE and len(data) >= 4:
                codepage = _codepage(struct.unpack_from("<I", data)[0])
            elif attribute == ATT_ATTACH_REND_DATA:
                _finish(result, pending)
                pending = _Pending()
            elif level == LEVEL_ATTACHMENT and pending is not None:
                if attribute == ATT_ATTACH_TITLE:
                    pending.title = _text8(data, codepage)
                elif attribute == ATT_ATTACH_DATA:
                    pending.data = data
                elif attribute == ATT_ATTACHMENT:
                    pending.long_name = _long_name(data, codepage)
        _finish(result, pending)
    except TnefError as exc:
        result.damaged = str(exc)
    except (struct.error, ValueError, IndexError):
        result.damaged = "结构异常"
    return result


def _finish(result: Unpacked, pending: _Pending | None) -> None:
    if pending is None or pending.data is None:
        return  # an attachment without bytes (an embedded mail or OLE object): nothing to hand on
    if len(result.files) >= MAX_FILES:
        result.skipped += 1
        return
    result.files.append(PackedFile(pending.long_name or pending.title, pending.data))


def _codepage(number: int) -> str:
    name = {936: "gb18030", 54936: "gb18030", 65001: "utf-8", 950: "big5"}.get(number, f"cp{number}")
    try:
        "".encode(name)
    except LookupError:
        return "gb18030"
    return name


def _text8(data: bytes, codepage: str) -> str:
    raw = data.split(b"\x00", 1)[0]
    try:
        return raw.decode(codepage).strip()
    except UnicodeDecodeError:
        return raw.decode("gb18030", "replace").strip()


def _long_name(data: bytes, codepage: str) -> str:
    """PR_ATTACH_LONG_FILENAME (else PR_DISPLAY_NAME) from a MAPI property list; "" when absent or unreadable."""
    found: dict[int, str] = {}
    try:
        (count,) = struct.unpack_from("<I", data, 0)
        pos = 4
        for _ in range(min(count, MAX_PROPERTIES)):
            kind, ident = struct.unpack_from("<HH", data, pos)
            pos += 4
            if ident >= 0x8000:  # a named property: GUID, then a number or a name
                (named_kind,) = struct.unpack_from("<I", data, pos + 16)
                pos += 20
                if named_kind == 0:
                    pos += 4
                else:
                    (size,) = struct.unpack_from("<I", data, pos)
                    pos += 4 + _padded(size)
            base, multi = kind & 0x0FFF, bool(kind & 0x1000)
            if base in _VARIABLE or multi:
                (values,) = struct.unpack_from("<I", data, pos)
                pos += 4
                if values > 1024:
                    raise ValueError
                for _ in range(values):
                    if base in _VARIABLE:
                        (size,) = struct.unpack_from("<I", data, pos)
                        value = data[pos + 4 : pos + 4 + size]
                        if len(value) != size:
                            raise ValueError
                        pos += 4 + _padded(size)
                        if ident in (PR_ATTACH_LONG_FILENAME, PR_DISPLAY_NAME) and base in (PT_STRING8, PT_UNICODE):
                            found[ident] = _mapi_text(value, base, codepage)
                    elif base in _FIXED:
                        pos += _FIXED[base]
                    else:
                        raise ValueError
            elif base in _FIXED:
                pos += _FIXED[base]
            else:
                raise ValueError  # a type not known here: the rest cannot be walked
            if pos > len(data):
                raise ValueError
    except (struct.error, ValueError):
        pass  # what was read so far stands
    return found.get(PR_ATTACH_LONG_FILENAME) or found.get(PR_DISPLAY_NAME) or ""


def _padded(size: int) -> int:
    return (size + 3) & ~3


def _mapi_text(value: bytes, kind: int, codepage: str) -> str:
    if kind == PT_UNICODE:
        return value.decode("utf-16-le", "replace").split("\x00", 1)[0].strip()
    return _text8(value, codepage)
