"""Notes (comments, 批注) on cells, read from the raw XML: the values reader does not see them.

A unit may leave 已完成 in the status cell and write "实际为滞后" in a note on it: read alone, the cell says done.
The parser checks the note of each status cell against the status (rowchecks.checked_against_note).
.xlsx: the legacy comments part each worksheet's relationships name (Excel writes one for threaded comments too);
.ods: the <office:annotation> inside a cell. Runs in the reader worker; scans tags only, never builds a tree,
and gives up quietly (no notes) on anything unexpected. .xls/.et notes come from xlrd (xlsmarks.py).
"""

from __future__ import annotations

import contextlib
import posixpath
import re

from .. import lazyre
from .marktools import MAX_INDEX, MAX_MARKS, col_index
from .marktools import attrs as _attrs
from .odswalk import TablePlace, table_cells
from .xmltext import unescape
from .zipparts import ZipParts

Notes = dict[tuple[int, int], str]
MAX_NOTES_BYTES = 4 * 1024 * 1024
_REL = lazyre.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_COMMENT = lazyre.compile(rb"<(?:\w+:)?comment\b([^>]*)>(.*?)</(?:\w+:)?comment\s*>", re.S)
_TEXT = lazyre.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t\s*>")
_REF = lazyre.compile(rb"\s*([A-Za-z]{1,3})(\d{1,7})\s*")
_ANNOTATION = lazyre.compile(rb"<office:annotation\b[^>]*>(.*?)</office:annotation>", re.S)
_PARAGRAPH = lazyre.compile(rb"<text:p\b[^>]*>(.*?)</text:p>|<text:p\b[^>]*/>", re.S)
_TAG = lazyre.compile(rb"<[^>]*>")
_META = lazyre.compile(rb"<dc:(?:creator|date)\b[^>]*>.*?</dc:(?:creator|date)>", re.S)


def _clean(text: str) -> str:
    return " ".join(text.split())


def xlsx_notes(parts: ZipParts, sheet_parts: dict[str, str]) -> dict[str, Notes]:
    """Sheet name → {(row, col): note text}, 0-based; {} when the file has no comments part."""
    found: dict[str, Notes] = {}
    if not any("comments" in name.lower() for name in parts.infos):  # the common file: no note at all
        return found
    for part, name in sheet_parts.items():
        with contextlib.suppress(Exception):  # notes are an extra; the other sheets' stay
            target = _comments_part(parts, part)
            info = parts.infos.get(target) if target else None
            if info is not None and info.file_size <= MAX_NOTES_BYTES:
                notes = _xlsx_comments(parts.read(target))
                if notes:
                    found[name] = notes
    return found


def _comments_part(parts: ZipParts, sheet_part: str) -> str | None:
    folder, base = posixpath.split(sheet_part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    info = parts.infos.get(rels)
    if info is None or info.file_size > MAX_NOTES_BYTES:
        return None
    for hit in _REL.finditer(parts.read(rels)):
        attrs = _attrs(hit.group())
        if attrs.get(b"Type", b"").rstrip().endswith(b"/comments"):
            target = unescape(attrs.get(b"Target", b"").decode("utf-8", "replace")).strip()
            path = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            return path if path in parts.infos else next((n for n in parts.infos if n.lower() == path.lower()), None)
    return None


def _xlsx_comments(xml: bytes) -> Notes:
    notes: Notes = {}
    for hit in _COMMENT.finditer(xml):
        ref = _REF.fullmatch(_attrs(b"<c " + hit[1] + b">").get(b"ref", b""))
        if ref is None or int(ref[2]) > MAX_INDEX:
            continue
        text = _clean(unescape(b"".join(_TEXT.findall(hit[2])).decode("utf-8", "replace")))
        if text:
            notes[(int(ref[2]) - 1, col_index(ref[1].upper()))] = text
            if len(notes) >= MAX_MARKS:
                break
    return notes


def ods_notes(parts: ZipParts) -> dict[str, Notes]:
    """Sheet name → {(row, col): note text} from content.xml's annotations; {} without any."""
    found: dict[str, Notes] = {}
    with contextlib.suppress(Exception):  # notes are an extra
        xml = parts.read("content.xml")
        if b"<office:annotation" not in xml:
            return found
        for name, place, hit, _, _ in table_cells(xml, TablePlace):
            end = xml.find(b"</table:table-cell>", hit.end())
            body = xml[hit.end() : end if end >= 0 else hit.end()]
            note = _ANNOTATION.search(body)
            if note is None:
                continue
            inner = _META.sub(b"", note[1])
            lines = [_TAG.sub(b"", p[1] or b"") for p in _PARAGRAPH.finditer(inner)]
            text = _clean(unescape(b" ".join(lines).decode("utf-8", "replace")))
            if text:
                notes = found.setdefault(name, {})
                notes[(place.row, place.col)] = text
                if len(notes) >= MAX_MARKS:
                    break
    return found
