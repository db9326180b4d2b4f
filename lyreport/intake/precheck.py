"""Cheap checks of a returned workbook before calamine touches it.

calamine is fast but trusts its input: it allocates the dense used range of a sheet (one cell at
XFD1048576 in a 2 KB file aborts the process), inflates whatever the zip says, and cannot tell a Word
document from a broken workbook. These checks read the file once, check every part's declared size
from the zip directory, inflate (bounded, CRC-checked) only the parts the reader will parse, scan
them for entity declarations and sheet extents (extent.py), and answer with a problem code the staff
can act on. The reader then gets the very bytes that were checked, and the parts inflated here
(zipparts.py), so that the marks and the saved time need not open the zip again.
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import lazyre
from .extent import MAX_CELLS, MAX_COLS, MAX_ROWS, too_big  # noqa: F401 - read.py and callers use them from here
from .extent import OdsScanner as _OdsScanner
from .extent import Scanner as _Scanner
from .extent import XlsxScanner as _XlsxScanner
from .safety import MAX_FILE_BYTES, MB, human_size, zip_entry_count
from .xmltext import unescape
from .zipparts import OverBudget, ZipParts, inflate

MAX_UNCOMPRESSED = 200 * MB  # all parts of one workbook, as declared and as actually inflated
MAX_PART_RATIO = 200  # one part's uncompressed / compressed size ...
PART_RATIO_MIN = 10 * MB  # ... checked only for parts above this size
MAX_PARTS = 10_000
MAX_TAG_BYTES = 1 * MB  # one XML start tag; longer is not a spreadsheet

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


@dataclass
class Refusal:
    """Why a file cannot be read: a problem code with its message fields."""

    code: str
    fields: dict[str, object] = field(default_factory=dict)
    sheet: str = ""


@dataclass
class Precheck:
    """Outcome of the checks: a refusal of the whole file, or sheets to leave out (name -> (rows, cols))."""

    refusal: Refusal | None = None
    oversized: dict[str, tuple[int, int]] = field(default_factory=dict)
    data: bytes | None = None  # the file as checked, so that the reader does not read it again
    parts: ZipParts | None = None  # a zip's directory and the parts inflated here, for the reader to reuse
    sheet_parts: dict[str, str] = field(default_factory=dict)  # .xlsx worksheet part -> sheet name


class _Refused(Exception):
    def __init__(self, refusal: Refusal):
        self.refusal = refusal


def precheck(path: Path) -> Precheck:
    """Check one workbook file; never raises for bad content. The bytes checked come back in `data`."""
    try:
        return _precheck(path)
    except _Refused as refused:
        return Precheck(refused.refusal)
    except OverBudget:  # the parts inflate to more than any workbook needs
        return Precheck(Refusal("read-bomb"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as exc:
        return Precheck(Refusal("read-corrupt", {"reason": _zip_reason(exc)}))
    except PermissionError:
        return Precheck(Refusal("read-corrupt", {"reason": "没有读取权限（文件可能正被其他程序占用）"}))
    except OSError:
        return Precheck(Refusal("read-corrupt", {"reason": "文件无法打开（可能已被移走或损坏）"}))
    except Exception as exc:  # a checker bug must not stop the run either
        return Precheck(Refusal("read-corrupt", {"reason": f"文件结构异常（{type(exc).__name__}）"}))


def _precheck(path: Path) -> Precheck:
    size = path.stat().st_size
    if size == 0:
        raise _Refused(Refusal("read-corrupt", {"reason": "文件为空（0 字节）"}))
    if size > MAX_FILE_BYTES:
        raise _Refused(Refusal("file-too-large", {"size": human_size(size), "limit": human_size(MAX_FILE_BYTES)}))
    with open(path, "rb") as handle:  # read once, bounded: the checks and the reader share these bytes
        # Ask for the size just seen: read(n) allocates n bytes up front, and 50 MB for a 12 KB file costs.
        data = handle.read(size + 1)
        if len(data) > size:  # it grew since: read on, up to the same bound
            data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    if len(data) > MAX_FILE_BYTES:
        raise _Refused(Refusal("file-too-large", {"size": human_size(len(data)), "limit": human_size(MAX_FILE_BYTES)}))
    head = data[:4096]
    if head.startswith(OLE_MAGIC):
        _check_ole(data)
        return Precheck(data=data)
    if head.startswith(ZIP_MAGICS):
        return replace(_check_zip(data), data=data)
    actual = sniff_other(head)
    if actual:
        raise _Refused(Refusal("read-wrong-type", {"actual": actual}))
    raise _Refused(Refusal("read-corrupt", {"reason": "无法识别的文件格式（不是 Excel、WPS 或 ODS 表格）"}))


# ----------------------------------------------------------------- OLE2 (.xls, .et, encrypted OOXML)
def _ole_entry(name: str) -> re.Pattern[bytes]:
    """A directory entry: the UTF-16LE name, zero padding to 64 bytes, then the name length in bytes."""
    raw = name.encode("utf-16-le") + b"\x00\x00"
    return re.compile(re.escape(raw.ljust(64, b"\x00") + struct.pack("<H", len(raw))))


_OLE_ENCRYPTED = _ole_entry("EncryptedPackage")
_OLE_WORD = _ole_entry("WordDocument")
_OLE_POWERPOINT = _ole_entry("PowerPoint Document")


def _check_ole(data: bytes) -> None:
    """Password-protected .xlsx files are OLE2 containers with an EncryptedPackage stream."""
    if _OLE_ENCRYPTED.search(data):
        raise _Refused(Refusal("read-encrypted"))
    if _OLE_WORD.search(data):
        raise _Refused(Refusal("read-wrong-type", {"actual": "Word 文档"}))
    if _OLE_POWERPOINT.search(data):
        raise _Refused(Refusal("read-wrong-type", {"actual": "PowerPoint 演示文稿"}))


# ----------------------------------------------------------------- other content under a spreadsheet name
_TEXT_KINDS = (
    (
        lazyre.compile(rb"^\s*<(\?xml[^>]*>\s*)?<\?mso-application[^>]*Excel", re.I),
        "Excel 2003 XML 表格（需另存为 .xlsx）",
    ),
    (lazyre.compile(rb"urn:schemas-microsoft-com:office:spreadsheet", re.I), "Excel 2003 XML 表格（需另存为 .xlsx）"),
    (
        lazyre.compile(rb"<office:document\b[^>]*opendocument\.spreadsheet"),
        "ODF 平面 XML 电子表格（.fods，需另存为 .xlsx）",
    ),
    (lazyre.compile(rb"<office:document\b"), "ODF 平面 XML 文档（需另存为 .xlsx）"),
    # A tag's name ends at a space, ">" or "/": "<table:table" (ODF) is not HTML's <table>.
    (
        lazyre.compile(rb"<(!doctype\s+html|html|table|meta|head|body)(?=[\s>/])", re.I),
        "网页（HTML）文件（需另存为 .xlsx）",
    ),
)
_MAGICS = (
    (b"%PDF", "PDF 文档"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"II*\x00", "TIFF 图片"),
    (b"MM\x00*", "TIFF 图片"),
    (b"BM", "BMP 图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"{\\rtf", "RTF 文档"),
)


def sniff_other(head: bytes) -> str | None:
    """Chinese name of what non-spreadsheet content really is, or None if unknown."""
    for magic, actual in _MAGICS:
        if head.startswith(magic):
            return actual
    text = head.lstrip(b"\xef\xbb\xbf")
    for pattern, actual in _TEXT_KINDS:
        if pattern.search(text[:4096]):
            return actual
    if _looks_like_text(text):
        return "文本文件（如 CSV，需另存为 .xlsx）"
    return None


def _looks_like_text(data: bytes) -> bool:
    if not data or b"\x00" in data:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(data) - 4:  # cut in the middle of a character
                return True
    return False


# ----------------------------------------------------------------- zip-based workbooks (.xlsx, .xlsm, .ods)
def _check_zip(data: bytes) -> Precheck:
    if (zip_entry_count(data) or 0) > MAX_PARTS:
        raise _Refused(Refusal("read-bomb"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        parts = ZipParts(data, infos)
        names = set(parts.infos)
        _check_zip_shape(infos, names, archive)
        _check_zip_sizes(infos)  # declared sizes of every part, from the central directory
        ods = "content.xml" in names and "xl/workbook.xml" not in names
        sheet_names, linked = ({}, set()) if ods else _xlsx_sheet_names(archive, names, parts)
        oversized: dict[str, tuple[int, int]] = {}
        budget = [MAX_UNCOMPRESSED]
        for info in infos:
            if not _reader_parses(info.filename, ods, sheet_names, linked) or info.filename in _READ_ALREADY:
                continue  # calamine never inflates it (theme, docProps, media …): its declared size was enough
            if ods and info.filename == "content.xml":
                scanner: _Scanner = _OdsScanner()
            elif not ods and (info.filename in sheet_names or _is_worksheet_part(info.filename.lower())):
                scanner = _XlsxScanner(sheet_names.get(info.filename, info.filename))
            else:
                scanner = _Scanner()
            _scan_part(parts.keeping(info, inflate(data, info, budget)), scanner)
            oversized.update(scanner.oversized)
    return Precheck(None, oversized, parts=parts, sheet_parts=sheet_names)


# Parts calamine opens in an .xlsx besides the worksheets and the targets of the workbook's relationships
# (compared in lower case: calamine also finds "xl/SharedStrings.xml").
_XLSX_PARTS = frozenset(
    {"[content_types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedstrings.xml", "xl/styles.xml"}
)
_READ_ALREADY = frozenset({"xl/workbook.xml", "xl/_rels/workbook.xml.rels"})  # by _xlsx_sheet_names
_ODS_PARTS = frozenset({"content.xml", "styles.xml", "meta-inf/manifest.xml"})


def _reader_parses(name: str, ods: bool, sheet_names: dict[str, str], linked: set[str]) -> bool:
    """Whether the reader will inflate and parse this part (so it must be inflated and scanned here)."""
    lower = name.lower()
    if not lower.endswith((".xml", ".rels", ".vml")):
        return False
    if ods:
        return lower in _ODS_PARTS
    return lower in _XLSX_PARTS or name in sheet_names or name in linked or lower.startswith("xl/worksheets/")


def _is_worksheet_part(lower: str) -> bool:
    return lower.startswith("xl/worksheets/") and lower.count("/") == 2


def _check_zip_shape(infos: list[zipfile.ZipInfo], names: set[str], archive: zipfile.ZipFile) -> None:
    if "EncryptionInfo" in names or "EncryptedPackage" in names or any(i.flag_bits & 0x1 for i in infos):
        raise _Refused(Refusal("read-encrypted"))
    tops = {name.split("/", 1)[0].lower() for name in names if "/" in name}
    if "xl" in tops:
        return
    if "mimetype" in names and "content.xml" in names:
        if archive.getinfo("mimetype").file_size > 200:
            raise _Refused(Refusal("read-corrupt", {"reason": "文件结构异常"}))
        mimetype = archive.read("mimetype")
        if b"spreadsheet" in mimetype:
            _check_ods_encryption(archive, names)
            return
        kind = "OpenDocument 文本文档" if b"text" in mimetype else "OpenDocument 文档（非表格）"
        raise _Refused(Refusal("read-wrong-type", {"actual": kind}))
    if "word" in tops:
        raise _Refused(Refusal("read-wrong-type", {"actual": "Word 文档"}))
    if "ppt" in tops:
        raise _Refused(Refusal("read-wrong-type", {"actual": "PowerPoint 演示文稿"}))
    if "[Content_Types].xml" in names:
        raise _Refused(Refusal("read-corrupt", {"reason": "缺少工作簿内容（xl/ 目录）"}))
    raise _Refused(Refusal("read-wrong-type", {"actual": "ZIP 压缩包"}))


def _check_ods_encryption(archive: zipfile.ZipFile, names: set[str]) -> None:
    """A password-protected .ods keeps its manifest readable and marks the encrypted parts in it."""
    manifest = "META-INF/manifest.xml"
    small = manifest in names and archive.getinfo(manifest).file_size <= MB
    if small and b"encryption-data" in archive.read(manifest):
        raise _Refused(Refusal("read-encrypted"))


def _check_zip_sizes(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_PARTS or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        raise _Refused(Refusal("read-bomb"))
    for info in infos:
        if info.file_size > PART_RATIO_MIN and info.file_size > MAX_PART_RATIO * max(info.compress_size, 1):
            raise _Refused(Refusal("read-bomb"))


_SHEET_TAG = lazyre.compile(r"<(?:\w+:)?sheet\b([^>]*)>")
_REL_TAG = lazyre.compile(r"<(?:\w+:)?Relationship\b([^>]*)>")


_ATTRS: dict[str, re.Pattern[str]] = {}


def _attr(attrs: str, name: str) -> str | None:
    pattern = _ATTRS.get(name)
    if pattern is None:
        pattern = _ATTRS[name] = re.compile(r"(?:^|\s)" + name + r"\s*=\s*([\"'])(.*?)\1", re.S)
    match = pattern.search(attrs)
    return unescape(match.group(2)) if match else None


def _xlsx_sheet_names(archive: zipfile.ZipFile, names: set[str], parts: ZipParts) -> tuple[dict[str, str], set[str]]:
    """Worksheet part name -> sheet name as shown in Excel, for messages and for skipping; and every
    other part the workbook links to (shared strings, styles …) but its theme, which no reader parses."""
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}, set()
    for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        if archive.getinfo(part).file_size > 16 * MB:
            raise _Refused(Refusal("read-bomb"))
    workbook = parts.read("xl/workbook.xml").decode("utf-8", "replace")  # as archive.read(part)
    rels = parts.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    if _DOCTYPE_TEXT.search(workbook) or _DOCTYPE_TEXT.search(rels):
        raise _Refused(Refusal("read-xml-entity"))
    targets = {}
    linked = set()
    for match in _REL_TAG.finditer(rels):
        relationship = _relationship(match.group(1))
        if relationship is not None:
            rel_id, part, theme = relationship
            targets[rel_id] = part
            if not theme:
                linked.add(part)
    result = {}
    for match in _SHEET_TAG.finditer(workbook):
        name, rel_id = _sheet_entry(match.group(1))
        if name and rel_id in targets:
            result[targets[rel_id]] = name
    return result, linked


# Returns made from one template repeat the same <sheet> and <Relationship> tags, file after file in the same
# reader process: their attributes are parsed once (short tags only, so the caches stay small).
CACHED_TAG = 512


def _relationship(attrs: str) -> tuple[str, str, bool] | None:
    """(id, part name, whether it is the theme) of one workbook relationship; None without id or target."""
    return _cached_relationship(attrs) if len(attrs) <= CACHED_TAG else _parse_relationship(attrs)


def _parse_relationship(attrs: str) -> tuple[str, str, bool] | None:
    rel_id, target = _attr(attrs, "Id"), _attr(attrs, "Target")
    if not (rel_id and target):
        return None
    part = target[1:] if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    return rel_id, part, (_attr(attrs, "Type") or "").endswith("/theme")


def _sheet_entry(attrs: str) -> tuple[str | None, str | None]:
    """(name, relationship id) of one <sheet> of the workbook."""
    return _cached_sheet_entry(attrs) if len(attrs) <= CACHED_TAG else _parse_sheet_entry(attrs)


def _parse_sheet_entry(attrs: str) -> tuple[str | None, str | None]:
    return _attr(attrs, "name"), _attr(attrs, r"[\w]+:id")


_cached_relationship = functools.lru_cache(maxsize=256)(_parse_relationship)
_cached_sheet_entry = functools.lru_cache(maxsize=256)(_parse_sheet_entry)


# ----------------------------------------------------------------- streaming XML scan
_DOCTYPE = lazyre.compile(
    rb"<!(?:DOCTYPE|ENTITY)"
    rb"|<\x00!\x00(?:D\x00O\x00C\x00T\x00Y\x00P\x00E|E\x00N\x00T\x00I\x00T\x00Y)"
    rb"|\x00<\x00!\x00(?:D\x00O\x00C\x00T\x00Y\x00P\x00E|E\x00N\x00T\x00I\x00T\x00Y)",
    re.I,
)
_DOCTYPE_TEXT = lazyre.compile(r"<!(?:DOCTYPE|ENTITY)", re.I)


def _scan_part(chunks: Iterable[bytes], scanner: _Scanner) -> None:
    """Feed whole tags of an inflated part to the scanner; stop early once it has seen enough."""
    carry = b""
    for chunk in chunks:
        data = carry + chunk if carry else chunk
        if _may_declare(data) and _DOCTYPE.search(data):
            raise _Refused(Refusal("read-xml-entity"))
        lt, gt = data.rfind(b"<"), data.rfind(b">")
        segment, carry = (data[:lt], data[lt:]) if lt > gt else (data, b"")
        if len(carry) > MAX_TAG_BYTES:
            raise _Refused(Refusal("read-corrupt", {"reason": "XML 结构异常"}))
        if not scanner.feed(segment):
            return
    scanner.feed(carry)


def _may_declare(data: bytes) -> bool:
    """Cheap pre-filter before the case-insensitive regex: no "<!" means no declaration. "!" alone is
    rare in XML and found at memchr speed, unlike "<", which starts every tag."""
    return b"!" in data and (b"<!" in data or b"<\x00!" in data)


def _zip_reason(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, zlib.error) or (isinstance(exc, zipfile.BadZipFile) and "CRC" in text):
        return "压缩数据校验失败（文件可能在传输中损坏）"
    if isinstance(exc, zipfile.BadZipFile | EOFError):
        return "压缩结构损坏（文件可能不完整或已截断）"
    if isinstance(exc, NotImplementedError):
        return "使用了不支持的压缩方式"
    return f"文件结构异常（{type(exc).__name__}）"
