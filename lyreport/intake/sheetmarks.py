"""What the fast reader does not say about a sheet, read from the raw XML: hidden rows and columns, formulas
without a saved result.

calamine returns values only. A row the unit hid (last week's prefilled line) would otherwise be read as this
week's data, and a formula written by a program that does not calculate (openpyxl, pandas) would look empty.
Runs inside the isolated reader after the pre-check has bounded the parts, on the parts the pre-check has
inflated already (zipparts.py); it only scans tags, never builds a tree, and gives up quietly (no marks) on
anything unexpected.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from .xlsmarks import xls_marks
from .xmltext import unescape
from .zipparts import ZipParts

MAX_MARKS = 5_000  # per kind and sheet; a return has a few hundred rows
MAX_INDEX = 20_000  # rows/columns beyond the pre-check's limits are not data
MAX_SHEET_BYTES = 64 * 1024 * 1024  # the pre-check refuses larger parts already; this keeps memory bounded anyway


@dataclass
class Marks:
    """0-based hidden rows and columns, and (row, col) of formula cells without a saved value."""

    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    uncached: set[tuple[int, int]] = field(default_factory=set)

    def as_tuple(self) -> tuple[list[int], list[int], list[tuple[int, int]]]:
        return sorted(self.hidden_rows), sorted(self.hidden_cols), sorted(self.uncached)


def sheet_marks(parts: ZipParts | None, source: bytes | str, sheet_parts: dict[str, str]) -> dict[str, Marks]:
    """Sheet name → Marks for .xlsx/.xlsm (`sheet_parts`: worksheet part → sheet name, as the pre-check
    read them from the workbook) and .ods (`parts`, from the pre-check), and for .xls (the file's bytes,
    or its path, in `source`); {} for other formats or on any surprise."""
    if parts is None:
        return xls_marks(io.BytesIO(source) if isinstance(source, bytes) else source, Marks)
    try:
        if "xl/workbook.xml" in parts.infos:
            return _xlsx(parts, sheet_parts)
        if "content.xml" in parts.infos:
            return _ods(parts.read("content.xml"))
    except Exception:  # noqa: BLE001 - marks are an extra; the values were read already
        return {}
    return {}


# ----------------------------------------------------------------- xlsx
_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*"([^"]*)"')
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*\bhidden="(?:1|true)"[^>]*>')
_HIDDEN_COL = re.compile(rb'<(?:\w+:)?col\b[^>]*\bhidden="(?:1|true)"[^>]*>')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d{1,7})"')
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]")


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {key.split(b":")[-1] if key.startswith(b"r:") else key: value for key, value in _ATTR.findall(tag)}


def _xlsx(parts: ZipParts, sheet_parts: dict[str, str]) -> dict[str, Marks]:
    marks: dict[str, Marks] = {}
    for part, name in sheet_parts.items():
        info = parts.infos.get(part)
        if info is not None and info.file_size <= MAX_SHEET_BYTES:
            marks[name] = _xlsx_sheet(parts.read(part))
    return marks


def _col_index(letters: bytes) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ch - 64
    return index - 1


def _xlsx_sheet(xml: bytes) -> Marks:
    marks = Marks()
    # Formulas: one pattern scan that usually finds nothing (<formula1> of a drop-down list, <firstHeader> are
    # not formulas); the byte test that used to come first is kept as a condition, so the marks stay the same.
    first = _FORMULA.search(xml)
    if first and (xml.startswith(b"<f", first.start()) or b"<f" in xml or b":f>" in xml):
        _uncached(xml, marks, first.start())
    if b"hidden=" not in xml:  # the common case: one byte search, no pattern scan
        return marks
    for tag in _HIDDEN_ROW.findall(xml)[:MAX_MARKS]:
        number = _attrs(tag).get(b"r", b"")
        if number.isdigit() and 0 < int(number) <= MAX_INDEX:
            marks.hidden_rows.add(int(number) - 1)
    for tag in _HIDDEN_COL.findall(xml)[:MAX_MARKS]:
        attrs = _attrs(tag)
        low, high = attrs.get(b"min", b""), attrs.get(b"max", b"")
        if low.isdigit() and high.isdigit():
            marks.hidden_cols.update(range(int(low) - 1, min(int(high), MAX_INDEX)))
    return marks


def _uncached(xml: bytes, marks: Marks, first: int = 0) -> None:
    """Formula cells whose <v> is missing or empty: the program that wrote them never calculated.
    `first`: where the first formula tag is, if known."""
    for count, hit in enumerate(_FORMULA.finditer(xml, first)):
        if count >= MAX_MARKS:
            return
        start = max(xml.rfind(b"<c ", 0, hit.start()), xml.rfind(b"<x:c ", 0, hit.start()))
        end = xml.find(b"</", hit.end())
        close = xml.find(b"c>", end)
        if start < 0 or close < 0:
            continue
        cell = xml[start : close + 2]
        head = cell[: cell.find(b">") + 1]
        ref = _CELL_REF.search(head)
        # t="str" with an empty <v> is a formula whose saved result is "" (Excel writes that); not missing.
        if ref is None or _VALUE.search(cell) or b't="str"' in head:
            continue
        marks.uncached.add((int(ref[2]) - 1, _col_index(ref[1])))


# ----------------------------------------------------------------- ods
_ODS_TAG = re.compile(
    rb"<table:table-row[\s/>][^>]*>|<table:table-column[\s/>][^>]*>|<table:table[\s>][^>]*>|</table:table>"
)


def _ods(xml: bytes) -> dict[str, Marks]:
    if b"table:visibility" not in xml:  # nothing hidden: the common case costs one search
        return {}
    marks: dict[str, Marks] = {}
    current: Marks | None = None
    row = col = 0
    for hit in _ODS_TAG.finditer(xml):
        tag = hit.group()
        if tag.startswith(b"</"):
            current = None
            continue
        attrs = _attrs(tag)
        if tag.startswith(b"<table:table-row"):
            repeat = min(int(attrs.get(b"table:number-rows-repeated", b"1") or 1), MAX_INDEX)
            if current is not None and attrs.get(b"table:visibility", b"visible") != b"visible":
                current.hidden_rows.update(range(row, min(row + repeat, MAX_INDEX)))
            row += repeat
        elif tag.startswith(b"<table:table-column"):
            repeat = min(int(attrs.get(b"table:number-columns-repeated", b"1") or 1), MAX_INDEX)
            if current is not None and attrs.get(b"table:visibility", b"visible") != b"visible":
                current.hidden_cols.update(range(col, min(col + repeat, MAX_INDEX)))
            col += repeat
        else:
            name = unescape(attrs.get(b"table:name", b"").decode("utf-8", "replace"))
            current = marks.setdefault(name, Marks())
            row = col = 0
    return marks
