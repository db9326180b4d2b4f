"""Atomic output: write to a temporary file beside the target, then rename over it.

A crash or Ctrl-C mid-write leaves the previous file intact and at most a stray temp file.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temp path in the target's folder; on success it replaces the target."""
    tmp = temp_beside(target)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def temp_beside(target: Path) -> Path:
    """A new empty temp file in the target's folder (created if need be), readable by the office."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".~tmp-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are for the whole office
    return tmp


def commit_files(pairs: list[tuple[Path, Path]]) -> None:
    """Make every written temp file durable, then rename each over its target.

    One filesystem flush for the batch where the system offers it (Linux syncfs) instead of one fsync
    per file: the first archive of a 1,000-return week spent seconds in fsync. The folders' entries
    are flushed once per folder after the renames.
    """
    if not pairs:
        return
    temps = [tmp for tmp, _ in pairs]
    if len(temps) < 4 or not _syncfs(temps[0].parent):
        for tmp in temps:
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
    for tmp, target in pairs:
        os.replace(tmp, target)
    for folder in sorted({target.parent for _, target in pairs}):
        _fsync_folder(folder)


def _syncfs(folder: Path) -> bool:
    """Flush the filesystem holding `folder` (Linux); False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(folder, os.O_RDONLY)
        try:
            return libc.syncfs(fd) == 0
        finally:
            os.close(fd)
    except (OSError, AttributeError):
        return False


def _fsync_folder(folder: Path) -> None:
    """Persist a folder's entries (renames); folders cannot be opened for this on Windows."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(target: Path, text: str) -> None:
    atomic_write_bytes(target, text.encode("utf-8"))


def save_workbook(workbook: Any, target: Path, when: datetime | None = None) -> None:
    """Save an openpyxl Workbook atomically; with `when`, byte-identical for the same content."""
    if when is None:
        with atomic_path(target) as tmp:
            workbook.save(tmp)
        return
    from openpyxl.writer.excel import ExcelWriter

    workbook.properties.created = when
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    core = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
    patch = {"docProps/core.xml": lambda data: core.sub(rb"\g<1>" + stamp + rb"\g<2>", data)}
    buffer = io.BytesIO()
    # openpyxl stamps "modified" with the clock; the patch puts the report time back. The zip dates each
    # entry as it is written: the same bytes as saving and then restamp_zip(), without deflating twice.
    workbook.properties.modified = when  # what Workbook.save() does with the clock; patched anyway
    ExcelWriter(workbook, _StampedZip(buffer, when, patch)).save()  # closes the zip
    atomic_write_bytes(target, buffer.getvalue())


class _StampedZip(zipfile.ZipFile):
    """A zip being written whose entries are all dated `when` (see stamped_entry), some transformed."""

    def __init__(self, file: Any, when: datetime, patch: dict[str, Any]):
        super().__init__(file, "w", zipfile.ZIP_DEFLATED)
        self.when, self.patch = when, patch

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        data = data.encode("utf-8") if isinstance(data, str) else data
        if name in self.patch:
            data = self.patch[name](data)
        super().writestr(stamped_entry(name, self.when), data)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        with open(filename, "rb") as handle:
            self.writestr(arcname if arcname is not None else os.path.basename(filename), handle.read())


def stamped_entry(name: str, when: datetime) -> zipfile.ZipInfo:
    """A deflated zip entry dated `when`, readable by everyone: how every docx/xlsx entry we write looks."""
    entry = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = 0o644 << 16
    return entry


def restamp_zip(data: bytes, when: datetime, patch: dict[str, Any] | None = None) -> bytes:
    """Rewrite a zip (docx/xlsx) with every entry dated `when`, optionally transforming some entries."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = stamped_entry(info.filename, when)
            content = src.read(info.filename)
            if patch and info.filename in patch:
                content = patch[info.filename](content)
            dst.writestr(entry, content)
    return out.getvalue()


def save_document(document: Any, target: Path) -> None:
    """Save a python-docx Document atomically."""
    with atomic_path(target) as tmp:
        document.save(str(tmp))


def remove_stale_temps(folder: Path, max_age_seconds: float = 600) -> None:
    """Delete temp files/folders a killed run left behind (older than a run could take)."""
    if not folder.is_dir():
        return
    cutoff = time.time() - max_age_seconds
    for pattern in (".~tmp-*", ".~staging-*"):
        for path in folder.rglob(pattern):
            with contextlib.suppress(OSError):
                if path.lstat().st_mtime < cutoff:
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
