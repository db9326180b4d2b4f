"""Find every returned file in the inbox: plain files, e-mail attachments and zip members.

The inbox is only ever read. Anything unpacked goes to a numbered folder under `workdir`, under a
sanitised name; nothing is skipped without a problem saying so.
"""

from __future__ import annotations

import contextlib
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ..models import SourceFile, stat_signature
from ..problems import Problem, problem
from ..textsafe import shown
from .expand_mail import MailExpansion
from .expand_msg import MsgExpansion
from .safety import (
    ARROW,
    MAX_CONTAINER_BYTES,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_MEMBERS,
    MAX_RATIO,
    RATIO_MIN_BYTES,
    WORKBOOK_EXTS,
    Budget,
    BudgetExceeded,
    UnsafePathError,
    decode_member_name,
    human_size,
    ignore_reason,
    inside,
    kind_of,
    os_reason,
    sanitise_member,
    zip_entry_count,
)
from .sidecar import is_sidecar

CHUNK = 1024 * 1024
MAX_ENTRIES = 5 * MAX_MEMBERS  # directory entries included; checked before zipfile parses them


@dataclass
class Item:
    """A file to look at: where its bytes are, what staff call it, and where it came from."""

    path: Path
    display: str
    received_at: datetime
    origin: Path
    sender: str = ""
    depth: int = 0
    budget: Budget | None = None  # shared by everything unpacked from one inbox file
    ext: str = ""  # of the (sanitised) name; taken from display when empty
    subject: str = ""  # of the e-mail it came in
    received_from: str = "file"  # "mail" once a mail's Date set received_at
    via_mail: datetime | None = None  # Date of the mail this one was attached to (a forward)


# What content sniffing found, as staff call it.
_KIND_NAMES = {
    ".xlsx": "Excel 工作簿", ".xlsm": "Excel 工作簿", ".xls": "Excel 97-2003 工作簿", ".ods": "ODF 电子表格",
    ".zip": "ZIP 压缩包", ".pdf": "PDF 文档", ".png": "PNG 图片", ".jpg": "JPEG 图片", ".tif": "TIFF 图片",
}  # fmt: skip


def _own_ext(item: Item) -> str:
    """The extension of the file's own name (a zip member's, not the zip's: "材料.zip › 报表" has none)."""
    return item.ext or Path(item.display.rsplit(ARROW, 1)[-1]).suffix.lower()


def _sniffed(path: Path) -> str | None:
    """The extension the file's content shows (mail.sniff_ext: workbook, PDF, picture, zip), or None."""
    from .mail import sniff_ext

    try:
        with open(path, "rb") as handle:
            return sniff_ext(handle.read(MAX_FILE_BYTES + 1))
    except OSError:
        return None


def _named_kind(ext: str) -> bool:
    """Whether a name's extension says what the file is (letters: ".txt", ".bak"), rather than being none
    or a piece of the name itself ("报表1.7", "第3.1")."""
    return any(ch.isalpha() for ch in ext)


def discover(inbox: Path, workdir: Path, tz: ZoneInfo) -> tuple[list[SourceFile], list[Problem]]:
    """All workbooks and scans in the inbox (sorted, duplicates dropped) plus a problem for everything else."""
    inbox, workdir = Path(inbox), Path(workdir)
    if workdir.resolve().is_relative_to(inbox.resolve()):
        raise ValueError("workdir must not be inside the inbox")  # the inbox is never written to
    found = _Discovery(inbox, workdir, tz)
    if not inbox.is_dir():
        return [], [problem("file-unreadable", file=str(inbox), reason="收件箱文件夹不存在")]
    found.walk(inbox, "")
    return found.deduplicate(), found.problems


def discover_paths(paths: list[Path], workdir: Path, tz: ZoneInfo) -> tuple[list[SourceFile], list[Problem]]:
    """Like discover() over an inbox holding exactly these files and folders, read where they lie.

    `lyreport check a.xlsx 收到的文件/` used to copy its arguments into a temporary inbox; this names
    them the same way (a folder's files as "folder/name", a repeated name as "N/name") without copying.
    """
    found = _Discovery(Path(), Path(workdir), tz)
    entries: list[tuple[str, Path]] = []
    names: set[str] = set()
    for index, path in enumerate(paths):
        name = Path(path).resolve().name  # "." names the current folder, as the copy did
        top = shown(name) if name not in names else f"{index}/{shown(name)}"
        names.add(name)
        entries.append((top, Path(path).resolve() if Path(path).is_symlink() else Path(path)))
    for top, path in sorted(entries, key=lambda pair: pair[0]):
        found.entry(path, top, is_dir=path.is_dir())
    return found.deduplicate(), found.problems


class _Discovery(MailExpansion, MsgExpansion):
    def __init__(self, inbox: Path, workdir: Path, tz: ZoneInfo):
        self.inbox, self.workdir, self.tz = inbox, workdir, tz
        self.files: list[SourceFile] = []
        self.problems: list[Problem] = []
        self._slots = 0
        self._displays: set[str] = set()
        self._sizes: dict[str, int] = {}  # display -> size, for the files taken
        self._seen: dict[Path, tuple[int, int]] = {}  # inbox file -> (size, mtime_ns) when looked at

    def add(self, code: str, display: str, **fields: object) -> None:
        self.problems.append(problem(code, file=display, **fields))

    # ------------------------------------------------------------- the inbox folder
    def walk(self, folder: Path, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            self.add("file-unreadable", prefix.rstrip("/") or str(folder), reason=os_reason(exc))
            return
        for entry in entries:
            is_dir, link = entry.is_dir(follow_symlinks=False), entry.is_symlink()  # no system call on most systems
            self.entry(Path(entry.path), prefix + shown(entry.name), is_dir=is_dir, link=link)

    def entry(self, path: Path, display: str, *, is_dir: bool, link: bool | None = None) -> None:
        """One file or folder of the inbox, shown to staff as `display` (`link`: whether it is a symbolic
        link, when the folder listing already said)."""
        reason = ignore_reason(display.rsplit("/", 1)[-1], is_dir=is_dir)
        if reason is None and (path.is_symlink() if link is None else link) and path.is_dir():
            reason = "指向其他位置的文件夹链接，未展开"
        if reason is None and not is_dir and is_sidecar(path):
            return  # fetch's arrival-time record, read with its .eml
        if reason:
            self.add("file-ignored", display, reason=reason)
            return
        if is_dir:
            self.walk(path, display + "/")
            return
        try:  # one stat for the kind, the time and the size (a thousand returns took five each)
            found = path.stat()
        except (OSError, ValueError):
            found = None
        if found is not None and stat.S_ISREG(found.st_mode):
            self._seen[path] = stat_signature(found)
            self.take(Item(path, display, self._mtime(found), origin=path), found.st_size)
        else:
            self.add("file-ignored", display, reason="不是普通文件")

    def _mtime(self, found: os.stat_result) -> datetime:
        try:
            return datetime.fromtimestamp(found.st_mtime, self.tz)
        except (OSError, ValueError, OverflowError):
            return datetime.now(self.tz)

    # ------------------------------------------------------------- one file, wherever it came from
    def take(self, item: Item, size: int | None = None) -> bool:
        """Look at one file (of `size` bytes, if known); True if it yielded at least one workbook or scan."""
        ext = _own_ext(item)
        kind = kind_of(ext)
        if kind is None and not _named_kind(ext):
            ext = self._ext_by_content(item) or ext
            kind = kind_of(ext)
        if kind is None:
            self.add("file-unsupported", item.display, ext=ext or "无")
            return False
        try:
            size = item.path.stat().st_size if size is None else size
        except OSError as exc:
            self.add("file-unreadable", item.display, reason=os_reason(exc))
            return False
        limit = MAX_CONTAINER_BYTES if kind == "container" else MAX_FILE_BYTES
        if size > limit:
            self.add("file-too-large", item.display, size=human_size(size), limit=human_size(limit))
            return False
        if kind != "container":
            return self._add_file(item, kind, size)
        if item.depth >= MAX_DEPTH:
            self.add("nested-too-deep", item.display)
            return False
        if ext == ".zip":
            return self._expand_zip(item)
        return self._expand_msg(item) if ext == ".msg" else self._expand_eml(item)

    def _add_file(self, item: Item, kind: str, size: int | None = None) -> bool:
        try:  # can it be opened at all? Its bytes are hashed later, and only where needed (deduplicate)
            with open(item.path, "rb") as handle:
                head = handle.read(8) if kind == "scan" else b""
            size = item.path.stat().st_size if size is None else size
        except OSError as exc:
            self.add("file-unreadable", item.display, reason=os_reason(exc))
            return False
        display = self._unique(item.display)
        if kind == "scan" and head.startswith((b"\xd0\xcf\x11\xe0", b"PK\x03\x04", b"PK\x05\x06")):  # OLE, zip
            kind = self._workbook_named_scan(item, display) or kind
        self.files.append(
            SourceFile(
                item.path,
                display,
                kind,
                item.received_at,
                "",
                item.sender,
                item.origin,
                subject=item.subject,
                received_from=item.received_from,
                seen=self._seen.get(item.origin),
            )
        )
        self._sizes[display] = size
        return True

    def _ext_by_content(self, item: Item) -> str | None:
        """The extension a file without one ("报表", a zip member; "报表1.7") shows by its content, said; else None.

        Only a name with no extension of letters is read this way: "说明.txt.bak" stays the backup it says it is."""
        found = _sniffed(item.path)
        if found is not None:
            self.add("file-content-sniffed", item.display, actual=_KIND_NAMES.get(found, found))
        return found

    def _workbook_named_scan(self, item: Item, display: str) -> str | None:
        """ "workbook" for a spreadsheet saved or sent under a scan's name ("报表.pdf" that is an .xlsx): the
        workbook reader goes by the content, so it is read as the workbook it is, and said."""
        found = _sniffed(item.path)
        if found not in WORKBOOK_EXTS:
            return None
        self.add("file-content-workbook", display, ext=_own_ext(item) or "无", actual=_KIND_NAMES[found])
        return "workbook"

    def _unique(self, display: str) -> str:
        """Two attachments may share a name; staff must still be able to tell them apart."""
        candidate, n = display, 1
        while candidate in self._displays:
            n += 1
            stem, dot, ext = display.rpartition(".")
            candidate = f"{stem}（{n}）.{ext}" if dot and ARROW not in ext else f"{display}（{n}）"
        self._displays.add(candidate)
        return candidate

    def _slot(self) -> Path:
        """A fresh numbered folder under workdir for one unpacked file."""
        self._slots += 1
        folder = inside(self.workdir, f"{self._slots:05d}")
        folder.mkdir(parents=True, exist_ok=False)
        return folder

    def _child(self, parent: Item, member: str, *, attached: bool = False) -> tuple[Item, str] | None:
        """Display name and work path for a member/attachment name; None if it is to be ignored.

        `attached`: a mail attachment, whose name hides nothing (".xlsx": the client lost the name, not a dot-file)."""
        display_path, base, unsafe = sanitise_member(member)
        display = parent.display + ARROW + shown(display_path)
        if unsafe:
            self.add("unsafe-name", display, name=shown(member), safe=base)
        parts = display_path.split("/")
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            reason = ignore_reason(part, is_dir=not last, hidden=not (attached and last))
            if reason:
                self.add("file-ignored", parent.display + ARROW + "/".join(parts[: depth + 1]), reason=reason)
                return None
        child = replace(parent, path=Path(), display=display, depth=parent.depth + 1, ext=Path(base).suffix.lower())
        return child, base

    # ------------------------------------------------------------- zip archives
    def _expand_zip(self, item: Item) -> bool:
        files_before, problems_before = len(self.files), len(self.problems)
        budget = item.budget or Budget()
        item = replace(item, budget=budget)
        try:
            if (zip_entry_count(item.path) or 0) > MAX_ENTRIES:
                raise BudgetExceeded
            with zipfile.ZipFile(item.path) as archive:
                return self._zip_members(archive, item, budget)
        except BudgetExceeded:
            del self.files[files_before:], self.problems[problems_before:]
            self.add("zip-bomb", item.display)
            return self._unopened_zip(item)
        except UnsafePathError:
            raise  # a bug in sanitising, not bad input
        except OSError as exc:
            self.add("file-unreadable", item.display, reason=os_reason(exc))
        except Exception as exc:  # zipfile raises many kinds of errors on hostile archives
            self.add("zip-corrupt", item.display, reason=_zip_reason(exc))
            return self._unopened_zip(item)
        return False

    def _unopened_zip(self, item: Item) -> bool:
        """A zip that yields no file (damaged, encrypted, a bomb) was still received: the unit it names reported,
        wrongly (报送有误, with the reason just said), not "未报送"."""
        return self._add_file(item, "foreign")

    def _zip_members(self, archive: zipfile.ZipFile, item: Item, budget: Budget) -> bool:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        _check_declared(infos, budget)
        named = sorted(((decode_member_name(i), i) for i in infos), key=lambda pair: pair[0])
        ignored_folders: set[str] = set()
        encrypted = usable = False
        for name, info in named:
            if info.flag_bits & 0x1:
                encrypted = True
                continue
            usable |= self._zip_member(archive, info, name, item, budget, ignored_folders)
        if encrypted:
            self.add("zip-encrypted", item.display)
            if not usable:
                return self._unopened_zip(item)
        return usable

    def _zip_member(
        self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, item: Item, budget: Budget, seen: set[str]
    ) -> bool:
        parts = name.replace("\\", "/").split("/")
        hidden = next((n for n, part in enumerate(parts[:-1]) if ignore_reason(part, is_dir=True)), None)
        if hidden is not None:  # one note per ignored folder (__MACOSX holds a twin of every file)
            folder = "/".join(parts[: hidden + 1])
            if folder in seen:
                return False
            seen.add(folder)
        found = self._child(item, name)
        if found is None:
            return False
        child, base = found
        kind = kind_of(Path(base).suffix)
        if kind is None and _named_kind(Path(base).suffix):
            return self.take(child)  # reports it as unsupported
        limit = MAX_CONTAINER_BYTES if kind == "container" else MAX_FILE_BYTES
        if info.file_size > limit:
            self.add("file-too-large", child.display, size=human_size(info.file_size), limit=human_size(limit))
            return False
        budget.take_file()
        target = inside(self._slot(), base)
        try:
            _extract(archive, info, target, budget, limit)
        except (BudgetExceeded, UnsafePathError):
            target.unlink(missing_ok=True)
            raise
        except Exception as exc:  # this member is damaged; the others may be fine
            target.unlink(missing_ok=True)
            self.add("zip-corrupt", child.display, reason=_zip_reason(exc))
            return False
        child.path = target
        return self.take(child)

    # ------------------------------------------------------------- duplicates
    def deduplicate(self) -> list[SourceFile]:
        """Of files with identical bytes keep the earliest arrival, whatever the names; note the others.

        Only files that share their size with another can be identical, so only those are hashed, and
        scans and foreign files, which are few (the scan cache is keyed by the hash). Hashing every
        return cost a read of each file before the readers could start (~15 ms for 1,000 returns).
        """
        sizes = [self._sizes[file.display] for file in self.files]  # not files a refused zip took back
        by_size: dict[int, int] = {}
        for size in sizes:
            by_size[size] = by_size.get(size, 0) + 1
        for index, (file, size) in enumerate(zip(self.files, sizes, strict=True)):
            if by_size[size] > 1 or file.kind != "workbook":
                with contextlib.suppress(OSError):  # gone or locked since it was opened: the reader will say so
                    self.files[index] = replace(file, sha256=_sha256(file.path))
        first: dict[str, SourceFile] = {}
        for file in sorted(self.files, key=lambda f: (f.received_at, f.display)):
            if file.sha256:
                first.setdefault(file.sha256, file)
        kept = []
        for file in self.files:  # walk order, so the output order does not depend on file times
            earlier = first.get(file.sha256, file)
            if earlier is file:
                kept.append(file)
            else:
                self.add("duplicate-file", file.display, other=earlier.display)
        return kept


def _check_declared(infos: list[zipfile.ZipInfo], budget: Budget) -> None:
    """Refuse a zip bomb from its directory alone, before inflating anything."""
    if len(infos) > budget.files_left or sum(i.file_size for i in infos) > budget.bytes_left:
        raise BudgetExceeded
    for info in infos:
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise BudgetExceeded


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: Budget, limit: int) -> None:
    """Stream one member to target, enforcing the limits on the bytes actually inflated."""
    written = 0
    with archive.open(info) as source, open(target, "xb") as sink:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            budget.take_bytes(len(chunk))
            if written > limit:
                raise BudgetExceeded
            sink.write(chunk)


def _sha256(path: Path) -> str:
    import hashlib  # here: loading OpenSSL costs ~3 ms, and most runs hash only a few files

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _zip_reason(exc: BaseException) -> str:
    text = str(exc)
    if "CRC" in text:
        return "数据校验失败（文件可能在传输中损坏）"
    if isinstance(exc, NotImplementedError) or "compression" in text.lower():
        return "使用了不支持的压缩方式，请用常规 ZIP 格式重新压缩"
    if isinstance(exc, zlib.error):
        return "压缩数据损坏（文件可能在传输中损坏）"
    return "文件不完整或不是有效的 ZIP 压缩包"
