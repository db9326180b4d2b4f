"""Limits and name handling for untrusted input: safe file names, zip member names, extraction budgets.

Everything staff drop in the inbox, and everything inside those files, comes from outside the office.
"""

from __future__ import annotations

import io
import struct
import unicodedata
import zlib
from pathlib import Path
from zipfile import ZipInfo

from .. import lazyre

MB = 1024 * 1024

MAX_FILE_BYTES = 50 * MB  # one workbook, scan, attachment or zip member
MAX_CONTAINER_BYTES = 100 * MB  # one .eml or .zip as found in the inbox
MAX_EXTRACT_BYTES = 200 * MB  # everything extracted from one inbox file, all nesting levels together
MAX_MEMBERS = 1000  # files extracted from one inbox file, all nesting levels together
MAX_RATIO = 200  # uncompressed / compressed size of one member ...
RATIO_MIN_BYTES = 1 * MB  # ... checked only above this size (tiny members compress absurdly well)
MAX_DEPTH = 3  # levels of zip/eml nesting below the inbox file

WORKBOOK_EXTS = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".et", ".csv", ".xltx", ".xltm", ".xlt", ".ett", ".ots"})
# .jfif and .jpe are JPEGs too: Windows browsers save pictures as .jfif.
SCAN_EXTS = frozenset({".pdf", ".jpg", ".jpeg", ".jfif", ".jpe", ".png", ".tif", ".tiff", ".ofd"})
CONTAINER_EXTS = frozenset({".zip", ".eml", ".msg"})
# Formats a unit may send its return in that cannot be read as one: the unit did report, wrongly.
FOREIGN_FORMATS = {
    ".doc": "Word 文档",
    ".docx": "Word 文档",
    ".docm": "Word 文档",
    ".dot": "Word 模板",
    ".dotx": "Word 模板",
    ".wps": "WPS 文字文档",
    ".wpt": "WPS 文字模板",
    ".rtf": "RTF 文档",
    ".odt": "ODF 文字文档",
    ".txt": "纯文本文件",
    ".htm": "网页文件",
    ".html": "网页文件",
    ".mht": "网页存档文件",
    ".mhtml": "网页存档文件",
    ".xlsb": "Excel 二进制工作簿（.xlsb）",
    ".fods": "ODF 平面 XML 电子表格（.fods）",
    ".fodt": "ODF 平面 XML 文字文档（.fodt）",
    ".numbers": "Numbers 表格",
    ".pages": "Pages 文稿",
    ".ppt": "PowerPoint 演示文稿",
    ".pptx": "PowerPoint 演示文稿",
    ".dps": "WPS 演示文稿",
    ".rar": "RAR 压缩包",
    ".7z": "7z 压缩包",
}

ARROW = " › "  # joins a container's display name and a member's name

# Device names Windows opens whatever follows them after a dot or spaces ("CON.xlsx", "nul.tar.xlsx", "COM1 .xls"):
# writing an attachment so named would reach the console (whose reading then waits for a keyboard) or nothing.
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", "conin$", "conout$"} | {
    f"{p}{i}" for p in ("com", "lpt") for i in ("0123456789\u00b9\u00b2\u00b3")
}
_BAD_CHARS = lazyre.compile(r'[\x00-\x1f\x7f<>:"|?*\\/]')
_DRIVE = lazyre.compile(r"^[A-Za-z]:")
_CONTROL = lazyre.compile(r"[\x00-\x1f\x7f]")
_MAX_NAME_BYTES = 180


class UnsafePathError(Exception):
    """A computed output path would leave the work folder; never expected after sanitising."""


class BudgetExceeded(Exception):
    """An archive extracts to more bytes or files than allowed (a zip bomb)."""


class Budget:
    """Bytes and files extracted so far from one inbox file, shared by all nesting levels."""

    def __init__(self, max_bytes: int = MAX_EXTRACT_BYTES, max_files: int = MAX_MEMBERS):
        self.bytes_left = max_bytes
        self.files_left = max_files

    def take_bytes(self, n: int) -> None:
        self.bytes_left -= n
        if self.bytes_left < 0:
            raise BudgetExceeded

    def take_file(self) -> None:
        self.files_left -= 1
        if self.files_left < 0:
            raise BudgetExceeded


def kind_of(ext: str) -> str | None:
    """Kind of file for an extension like ".xlsx": "workbook", "scan", "container", "foreign" or None."""
    ext = ext.lower()
    if ext in WORKBOOK_EXTS:
        return "workbook"
    if ext in SCAN_EXTS:
        return "scan"
    if ext in CONTAINER_EXTS:
        return "container"
    if ext in FOREIGN_FORMATS:
        return "foreign"
    return None


def ignore_reason(name: str, *, is_dir: bool = False, hidden: bool = True) -> str | None:
    """Why a file or folder name is ignored (Chinese), or None if it should be looked at.

    `hidden=False`: not even a tool's own dot-name is ignored (a mail attachment: ".gitignore" sent is a file sent).
    """
    lower = name.lower()
    if name.startswith("~$"):
        return "Office 打开文件时自动生成的临时锁定文件（~$ 开头）"
    if lower == "thumbs.db":
        return "Windows 缩略图缓存文件（Thumbs.db）"
    if lower == "desktop.ini":
        return "Windows 文件夹配置文件（desktop.ini）"
    if lower == ".ds_store":
        return "macOS 文件夹配置文件（.DS_Store）"
    if lower == "__macosx" and is_dir:
        return "macOS 压缩时附带的资源文件夹（__MACOSX）"
    if name.startswith("._"):
        return "macOS 资源文件（._ 开头）"
    if name.startswith(".~"):  # ".~lock.报表.xlsx#", and this program's own files being written (atomic.py)
        return "正在写入或打开文件时自动生成的临时文件（.~ 开头）"
    if name.startswith(".") and hidden and (lower in _TOOL_DOTFILES or (is_dir and lower in _TOOL_DOTDIRS)):
        return "版本管理或系统自动生成的文件夹" if is_dir else "版本管理或系统自动生成的文件"
    # Any other leading "." hides nothing on Windows, where staff work: ".xlsx" is an attachment whose name
    # was lost, ".教育局" a folder someone named so. Read like any other name (said if not a return).
    return None


_TOOL_DOTFILES = frozenset({".gitkeep", ".gitignore", ".gitattributes", ".keep", ".localized", ".directory"})
_TOOL_DOTDIRS = frozenset(
    {
        ".git",
        ".svn",
        ".hg",
        ".idea",
        ".vscode",
        ".trash",
        ".trashes",
        ".fseventsd",
        ".spotlight-v100",
        ".temporaryitems",
    }
)


def sanitise_member(name: str) -> tuple[str, str, bool]:
    """Split an attachment or zip member name into (display path, safe basename, was_unsafe).

    Backslashes count as folder separators (Windows zip tools write them); "..", absolute
    paths, drive letters and control characters make the name unsafe: only its last part is kept.
    """
    text = unicodedata.normalize("NFC", name).replace("\\", "/")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    unsafe = text.startswith("/") or bool(_DRIVE.match(text)) or ".." in parts or bool(_CONTROL.search(text))
    kept = [p for p in parts if p != ".."]
    base = safe_basename(kept[-1] if kept else "")
    if unsafe:
        return base, base, True
    return "/".join(kept), base, False


def safe_basename(name: str) -> str:
    """A file name that is valid on Windows and Linux and keeps its extension."""
    name = name.replace("\x00", "")
    name = _BAD_CHARS.sub("_", name).strip().rstrip(".")
    if not name:
        return "未命名"
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.split(".", 1)[0].rstrip(" ").lower() in _WINDOWS_RESERVED or not stem:
        stem = f"_{stem}"
    ext = ext[:16]
    # File systems limit names to 255 bytes; a Chinese character is 3 bytes in UTF-8.
    while len(stem.encode("utf-8")) + len(ext.encode("utf-8")) + 1 > _MAX_NAME_BYTES:
        stem = stem[:-1]
    return f"{stem}.{ext}" if ext else stem


def inside(root: Path, *parts: str) -> Path:
    """root/parts..., refusing anything that resolves outside root (belt and braces after sanitising)."""
    base = root.resolve()
    target = base.joinpath(*parts).resolve()
    if target != base and not target.is_relative_to(base):
        raise UnsafePathError(str(target))
    return target


def decode_member_name(info: ZipInfo) -> str:
    """The real name of a zip member: UTF-8 flag, Info-ZIP Unicode extra field, UTF-8, GB18030, cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    unicode_name = _unicode_path_extra(info)
    if unicode_name:
        return unicode_name
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:  # zipfile already decoded it some other way
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _unicode_path_extra(info: ZipInfo) -> str | None:
    """Info-ZIP Unicode Path extra field (0x7075): version, CRC of the raw name, UTF-8 name."""
    extra, pos = info.extra, 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + size]
        pos += 4 + size
        if tag != 0x7075 or len(body) < 5 or body[0] != 1:
            continue
        try:
            raw = info.filename.encode("cp437")
        except UnicodeEncodeError:
            return None
        if struct.unpack_from("<I", body, 1)[0] != zlib.crc32(raw):
            return None  # the name was changed after the extra field was written
        try:
            return body[5:].decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


def zip_entry_count(source: Path | bytes) -> int | None:
    """Entries a zip file declares, read from its end record without parsing the directory; None if unclear.

    zipfile builds an object per entry, so a small archive declaring millions of entries would cost
    memory before any other check could run. `source` is the file or its bytes already read.
    """
    try:
        with open(source, "rb") if isinstance(source, Path) else io.BytesIO(source) as handle:
            size = handle.seek(0, 2)
            start = max(0, size - (65536 + 22))
            handle.seek(start)
            tail = handle.read()
            at = tail.rfind(b"PK\x05\x06")
            if at < 0 or at + 22 > len(tail):
                return None
            count = struct.unpack_from("<H", tail, at + 10)[0]
            if count != 0xFFFF or at < 20 or tail[at - 20 : at - 16] != b"PK\x06\x07":
                return count
            offset = struct.unpack_from("<Q", tail, at - 12)[0]  # Zip64 end record
            handle.seek(offset)
            record = handle.read(56)
            if len(record) < 40 or record[:4] != b"PK\x06\x06":
                return None
            return struct.unpack_from("<Q", record, 32)[0]
    except (OSError, struct.error, ValueError, OverflowError):
        return None


def human_size(n: int) -> str:
    """1536 -> '1.5 KB', for messages."""
    value = float(n)
    for unit in ("字节", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "字节" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} 字节"


def os_reason(exc: OSError) -> str:
    """Why the system refused a file, in words staff understand."""
    if isinstance(exc, PermissionError):
        return "没有读取权限（文件可能正被其他程序占用）"
    if isinstance(exc, FileNotFoundError):
        return "文件已不存在（可能在处理过程中被移走）"
    return f"系统错误：{exc.strerror or type(exc).__name__}"
