"""The return form as it goes to paper: QR identity mark, seal and signature area, print area.

The form is printed, signed, stamped and scanned back; the scan reader decodes the QR code first,
so the mark must survive printing at office-printer quality and scanning at 150 dpi.
"""

from __future__ import annotations

import io

import segno
from openpyxl.drawing.image import Image
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.utils.units import pixels_to_EMU
from openpyxl.worksheet.worksheet import Worksheet

from . import xlsx_style as xs

# Display size of the QR code on the sheet, in screen pixels (96 per inch) before fit-to-width scaling:
# about 23 mm on A4 landscape, i.e. ≥ 3 px per module at 150 dpi for a version-5 code.
QR_PIXELS = 140
# Pixels per module in the embedded PNG: sharp at the office printer's resolution.
QR_SCALE = 8
QR_QUIET = 2  # modules of white border; the cell background around it is white too

SEAL_NOTE = "注：本表打印后须经单位负责人签字并加盖单位公章，扫描件与电子版一并报送。"
SEAL_PARTS = ("填报单位（盖章）：", "负责人（签字）：", "日期：　　　　年　　月　　日")
SEAL_ROW_HEIGHT = 84  # room for a 42 mm round seal stamped over the line, as offices do
_TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)


def qr_png(text: str) -> bytes:
    """The QR code of `text` (error correction M) as a black-on-white PNG."""
    code = segno.make(text, error="m", micro=False, boost_error=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=QR_SCALE, border=QR_QUIET)
    return out.getvalue()


def column_pixels(sheet: Worksheet, col: int) -> int:
    """Approximate on-screen width of a 1-based column, as Excel converts character widths."""
    width = sheet.column_dimensions[get_column_letter(col)].width or 8.43
    return int(width * 7 + 5)


def add_mark(sheet: Worksheet, text: str, *, last_col: int, top_pixels: int = 4) -> Image:
    """Anchor the QR code of `text` at the top right of the sheet, ending at column `last_col`."""
    image = Image(io.BytesIO(qr_png(text)))
    image.width = image.height = QR_PIXELS
    # Walk left from the right edge until the code fits, so it never overhangs the table.
    col, room = last_col, 0
    while col > 1 and room + column_pixels(sheet, col) < QR_PIXELS + 6:
        room += column_pixels(sheet, col)
        col -= 1
    offset = column_pixels(sheet, col) + room - QR_PIXELS - 6
    size = XDRPositiveSize2D(pixels_to_EMU(QR_PIXELS), pixels_to_EMU(QR_PIXELS))
    marker = AnchorMarker(col=col - 1, colOff=pixels_to_EMU(max(offset, 0)), row=0, rowOff=pixels_to_EMU(top_pixels))
    image.anchor = OneCellAnchor(_from=marker, ext=size)
    sheet.add_image(image)
    return image


def write_seal_area(sheet: Worksheet, first_row: int, ncols: int) -> int:
    """A note and the 盖章/签字/日期 line under the table, from `first_row`; returns the last row written."""
    sheet.row_dimensions[first_row].height = 8  # a little air under the table
    note_row = first_row + 1
    xs.write_title(sheet, note_row, SEAL_NOTE, ncols, font=xs.FONT, height=22)
    seal_row = note_row + 1
    # Three blocks over the width: unit and seal on the left (the widest), signature, date.
    spans = _thirds(sheet, ncols)
    for text, (start, end) in zip(SEAL_PARTS, spans, strict=True):
        cell = xs.set_text(sheet.cell(seal_row, start), text)
        cell.font, cell.alignment = xs.BOLD, _TOP_LEFT
        if end > start:
            sheet.merge_cells(start_row=seal_row, start_column=start, end_row=seal_row, end_column=end)
    sheet.row_dimensions[seal_row].height = SEAL_ROW_HEIGHT
    return seal_row


def _thirds(sheet: Worksheet, ncols: int) -> list[tuple[int, int]]:
    """Split columns 1..ncols into three runs of roughly 40 %, 30 % and 30 % of the width."""
    widths = [column_pixels(sheet, c) for c in range(1, ncols + 1)]
    total = sum(widths)
    bounds, run, start = [], 0, 1
    targets = (0.35 * total, 0.65 * total)
    for col, width in enumerate(widths, start=1):
        run += width
        if len(bounds) < 2 and run >= targets[len(bounds)] and col < ncols:
            bounds.append((start, col))
            start = col + 1
    bounds.append((start, ncols))
    while len(bounds) < 3:  # very narrow sheets: let the last blocks share a column
        bounds.append((ncols, ncols))
    return bounds[:3]


def print_form_only(form: Worksheet, last_row: int, ncols: int, others: list[Worksheet]) -> None:
    """Print the form from its title to the seal line; the other sheets print nothing.

    Excel and WPS print the active sheet (the form) by default; LibreOffice prints every sheet, so the other
    sheets get a print area on one empty cell, which LibreOffice skips as an empty page.
    """
    form.print_area = f"A1:{get_column_letter(ncols)}{last_row}"
    for sheet in others:
        spare = get_column_letter(sheet.max_column + 1)
        sheet.print_area = f"{spare}1:{spare}1"
