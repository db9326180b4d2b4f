"""A workbook's own last-saved time (docProps/core.xml dcterms:modified, ODS meta.xml dc:date).

Staff often save attachments from the mail client into the inbox after the deadline: the file time is
then the time of saving, not of sending. The time the unit last saved the workbook tells them apart.
Read in the worker from the zip the pre-check has vetted (zipparts.py); small parts only, no XML parser.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from .. import lazyre
from ..models import SourceFile
from .zipparts import ZipParts

MAX_PART = 256 * 1024
_PARTS = (
    ("docProps/core.xml", lazyre.compile(rb"<dcterms:modified\b[^>]*>\s*([^<]{10,40}?)\s*</dcterms:modified>")),
    ("meta.xml", lazyre.compile(rb"<dc:date\b[^>]*>\s*([^<]{10,40}?)\s*</dc:date>")),
)


def saved_at(parts: ZipParts | None) -> str:
    """The saved time as ISO text ("" when unknown: not a zip, like .xls, or damaged); never raises."""
    if parts is None:
        return ""
    try:
        for name, pattern in _PARTS:
            info = parts.infos.get(name)
            if info is None:
                continue
            if info.file_size > MAX_PART:
                return ""
            found = pattern.search(parts.read(name))
            return found.group(1).decode("ascii", "replace").strip() if found else ""
    except Exception:  # damaged: the time is simply unknown
        return ""
    return ""


def with_saved_at(file: SourceFile, text: object) -> SourceFile:
    """The file with its saved time set, if the text is a plausible time."""
    if not isinstance(text, str) or not text:
        return file
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return file
    if value.tzinfo is None:  # LibreOffice's dc:date is the saving computer's clock, with no zone: local time
        value = value.replace(tzinfo=file.received_at.tzinfo)
    return replace(file, saved_at=value.astimezone(file.received_at.tzinfo))
