"""Shared openpyxl helpers for the workbooks we write: safe text cells, dates, fonts, widths, print setup."""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..textsafe import document_text

FONT_NAME = "宋体"
FONT = Font(name=FONT_NAME, size=11)
BOLD = Font(name=FONT_NAME, size=11, bold=True)
TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True)
NOTE_FONT = Font(name=FONT_NAME, size=11, color="404040")

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATETIME_SECONDS_FORMAT = "yyyy-mm-dd hh:mm:ss"  # a time with seconds: 12:00:30 is past a 12:00 deadline
DATETIME_FRACTION_FORMAT = "yyyy-mm-dd hh:mm:ss.0"  # 12:00:00.4 (a file time) is past it too

_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=False)


def fill(rgb: str) -> PatternFill:
    return PatternFill("solid", fgColor=rgb, bgColor=rgb)


HEADER_FILL = fill("DDEBF7")
INPUT_FILL = fill("FFF9E5")
# Traffic-light colours as staff know them from Excel's standard palette.
LIGHT_FILLS = {"red": fill("FF0000"), "yellow": fill("FFFF00"), "green": fill("00B050")}
STATE_FILLS = {
    "on_time": fill("C6EFCE"),
    "late": fill("FFEB9C"),
    "missing": fill("FFC7CE"),
    "invalid": fill("F8CBAD"),
}
WARN_FILL = fill("FFC7CE")

UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)

# Excel refuses longer cell texts; longer ones would make the whole file unreadable.
MAX_CELL_TEXT = 32767
CUT_MARK = "……（原文超过 Excel 单元格的 32767 字上限，以下从略）"


def clean_text(value: Any) -> str:
    """Text as it can be stored in a cell: control characters and bidi controls removed, length capped."""
    text = document_text("" if value is None else str(value))
    if len(text) > MAX_CELL_TEXT:  # said in the cell itself: a leader must not take the cut text for all of it
        return text[: MAX_CELL_TEXT - len(CUT_MARK)] + CUT_MARK
    return text


def set_text(cell: Cell, value: Any) -> Cell:
    """Write `value` as a plain string cell; text starting with "=" stays text, never a formula."""
    text = clean_text(value)
    cell.value = text if text else None
    if text:
        # openpyxl turns "=..." into a formula on assignment; force it back to a string cell.
        cell.data_type = "s"
    return cell


def set_date(cell: Cell, value: date | None, number_format: str = DATE_FORMAT) -> Cell:
    """Write a real date cell (or leave it empty) with a date number format."""
    if isinstance(value, datetime):
        value = value.date()
    cell.value = value
    cell.number_format = number_format
    return cell


def naive_local(moment: datetime | None, zone: tzinfo | None) -> datetime | None:
    """A datetime as naive local time, because xlsx cells cannot carry a time zone."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone) if zone is not None else moment
        moment = moment.replace(tzinfo=None)
    return moment.replace(microsecond=0)


def set_datetime(cell: Cell, value: datetime | None, zone: tzinfo | None) -> Cell:
    cell.value = naive_local(value, zone)
    if cell.value is not None and value is not None and not cell.value.second and value.microsecond:
        # 12:00:00.4 (a file time) is past a 12:00 deadline: kept to the tenth, at least .1, never shown as 12:00
        cell.value = cell.value.replace(microsecond=max(1, value.microsecond // 100_000) * 100_000)
        cell.number_format = DATETIME_FRACTION_FORMAT
        return cell
    cell.number_format = DATETIME_SECONDS_FORMAT if cell.value and cell.value.second else DATETIME_FORMAT
    return cell


@functools.lru_cache(maxsize=8192)  # the ledger measures the same unit names and statuses thousands of times
def display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters count double."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def text_lines(text: str, width: float) -> int:
    """How many lines a wrapped text needs in a column of `width` character units."""
    # Conservative: fonts substituted for 宋体 (WPS, LibreOffice) often set wider than Excel's width unit.
    usable = max(width * 0.85 - 1.5, 1.0)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in str(text).split("\n"))


def fit_row_height(
    sheet: Worksheet,
    row: int,
    *,
    ncols: int | None = None,
    min_lines: int = 1,
    slack: int = 0,
    line_height: float = 14.5,
) -> None:
    """Set a row height tall enough for its wrapped texts (openpyxl cannot auto-fit); `slack` pads wrapped rows."""
    merged = {
        col
        for rng in sheet.merged_cells.ranges
        if rng.min_row <= row <= rng.max_row
        for col in range(rng.min_col, rng.max_col + 1)
    }
    lines = min_lines
    # An explicit max_col: sheet[row] would rescan the whole sheet for its width on every call.
    for (cell,) in sheet.iter_cols(min_row=row, max_row=row, max_col=ncols or sheet.max_column):
        if cell.value is None or cell.column in merged:
            continue
        width = sheet.column_dimensions[cell.column_letter].width or 8.43
        text = cell.value if isinstance(cell.value, str) else "0000-00-00"
        needed = text_lines(text, width)
        lines = max(lines, needed + slack if needed > 1 else needed)
    # Excel's maximum row height is 409 points.
    sheet.row_dimensions[row].height = min(409.0, lines * line_height + 6)


def set_widths(sheet: Worksheet, widths: Sequence[float]) -> None:
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width


def write_title(
    sheet: Worksheet, row: int, text: str, ncols: int, *, font: Font = TITLE_FONT, height: float = 30
) -> None:
    """A title line merged across the table width."""
    cell = set_text(sheet.cell(row, 1), text)
    cell.font = font
    cell.alignment = CENTER if font is TITLE_FONT else Alignment(vertical="center", wrap_text=True)
    if ncols > 1:
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    sheet.row_dimensions[row].height = height


def write_header(sheet: Worksheet, row: int, labels: Iterable[str]) -> None:
    """A bold, shaded, bordered table header row."""
    for col, label in enumerate(labels, start=1):
        cell = set_text(sheet.cell(row, col), label)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = CENTER
    sheet.row_dimensions[row].height = 30


def style_body(sheet: Worksheet, first_row: int, last_row: int, ncols: int, *, centered: Iterable[int] = ()) -> None:
    """Font, border and wrapping for table body cells; `centered` are 1-based columns to centre."""
    centre = set(centered)
    rows = list(sheet.iter_rows(min_row=first_row, max_row=last_row, max_col=ncols))
    if not rows:
        return
    # Same effect as `cell.font = FONT` etc. on every cell, which hashes the style object each time:
    # the workbook's style indexes are looked up once, in the order those assignments would add them.
    book = sheet.parent
    font, border = book._fonts.add(FONT), book._borders.add(BORDER)
    aligns = [book._alignments.add(CENTER if col in centre else WRAP) for col in range(1, ncols + 1)]
    for row in rows:
        for cell in row:
            style = cell._style
            if not style:
                style = cell._style = StyleArray()
            style.fontId, style.borderId, style.alignmentId = font, border, aligns[cell.column - 1]


def fit_rows(sheet: Worksheet, first_row: int, last_row: int, *, slack: int = 0) -> None:
    """fit_row_height() for each row, with the merged ranges and column widths looked up once per sheet
    (the 问题清单 of a 1,000-return week has a thousand rows). Same heights, same cells: like iter_cols,
    it creates the empty cells of each row, and it reads a column's width at the same first moment."""
    ncols = sheet.max_column
    ranges = [(r.min_row, r.max_row, r.min_col, r.max_col) for r in sheet.merged_cells.ranges]
    cells, dimensions = sheet._cells, sheet.column_dimensions
    widths: dict[int, float] = {}
    for row in range(first_row, last_row + 1):
        merged = {col for low, high, left, right in ranges if low <= row <= high for col in range(left, right + 1)}
        lines = 1
        for col in range(1, ncols + 1):
            cell = cells.get((row, col)) or sheet.cell(row, col)
            if cell.value is None or col in merged:
                continue
            width = widths.get(col)
            if width is None:
                width = widths[col] = dimensions[cell.column_letter].width or 8.43
            needed = text_lines(cell.value if isinstance(cell.value, str) else "0000-00-00", width)
            lines = max(lines, needed + slack if needed > 1 else needed)
        sheet.row_dimensions[row].height = min(409.0, lines * 14.5 + 6)


def print_setup(sheet: Worksheet, *, title_rows: str | None = None, footer_note: str = "") -> None:
    """A4 landscape, fit to one page wide, header rows repeated, page numbers (after `footer_note`) in the footer."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    # Header and footer inside the margins: with openpyxl's 0.5" default LibreOffice clips the page numbers.
    sheet.page_margins.header = sheet.page_margins.footer = 0.25
    if title_rows:
        sheet.print_title_rows = title_rows
    note = footer_note.replace("&", "&&")  # "&" starts a field code in Excel's header/footer text
    sheet.oddFooter.center.text = f"{note}　第 &P 页，共 &N 页" if note else "第 &P 页，共 &N 页"


def table_sheet(sheet: Worksheet, header_row: int, last_row: int, ncols: int, *, freeze_col: int = 1) -> None:
    """Frozen header, auto filter and print titles for a sheet with a title row above its table."""
    last_col = get_column_letter(ncols)
    sheet.freeze_panes = sheet.cell(header_row + 1, freeze_col).coordinate
    sheet.auto_filter.ref = f"A{header_row}:{last_col}{max(last_row, header_row)}"
    print_setup(sheet, title_rows=f"1:{header_row}")
