"""Bordered tables for the Word outputs: repeated header row, fixed widths, compact CJK cell text."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.table import Table, _Cell, _Row

from ..textsafe import document_text
from .docx_format import CENTER, HEITI, LEFT, SONGTI, TABLE_PT, element, insert_ordered, put_text, styled_paragraph

_TCPR_ORDER = [
    "w:cnfStyle",
    "w:tcW",
    "w:gridSpan",
    "w:hMerge",
    "w:vMerge",
    "w:tcBorders",
    "w:shd",
    "w:noWrap",
    "w:tcMar",
    "w:textDirection",
    "w:tcFitText",
    "w:vAlign",
    "w:hideMark",
]
_TRPR_ORDER = [
    "w:cnfStyle",
    "w:divId",
    "w:gridBefore",
    "w:gridAfter",
    "w:wBefore",
    "w:wAfter",
    "w:cantSplit",
    "w:trHeight",
    "w:tblHeader",
    "w:tblCellSpacing",
    "w:jc",
    "w:hidden",
]
_TBLPR_ORDER = [
    "w:tblStyle",
    "w:tblpPr",
    "w:tblOverlap",
    "w:bidiVisual",
    "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize",
    "w:tblW",
    "w:jc",
    "w:tblCellSpacing",
    "w:tblInd",
    "w:tblBorders",
    "w:shd",
    "w:tblLayout",
    "w:tblCellMar",
    "w:tblLook",
    "w:tblCaption",
    "w:tblDescription",
]


def add_table(container: Any, headers: list[str], widths_mm: list[float], size: float = TABLE_PT) -> Table:
    """A bordered, fixed-width table whose header row repeats on every page."""
    table = container.add_table(rows=1, cols=len(headers))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _table_borders(table)
    row = table.rows[0]
    trpr = row._tr.get_or_add_trPr()
    trpr.append(element("w:tblHeader"))
    trpr.insert(0, element("w:cantSplit"))
    for cell, header in zip(row.cells, headers, strict=False):
        cell_text(cell, header, font=HEITI, size=size, align=CENTER)
        shade(cell, "E7E6E6")
    set_widths(table, widths_mm)
    return table


def add_row(table: Table, values: list[str], widths_mm: list[float], aligns: list[Any], size: float = TABLE_PT) -> Any:
    row = table.add_row()
    # A row stays on one page (GB/T 9704 tables: a row is never split across pages).
    insert_ordered(row._tr.get_or_add_trPr(), element("w:cantSplit"), _TRPR_ORDER)
    for cell, value, width, align in zip(row.cells, values, widths_mm, aligns, strict=False):
        cell.width = Mm(width)
        cell_text(cell, value, font=SONGTI, size=size, align=align)
    return row


def add_rows(
    table: Table, rows: list[list[str]], widths_mm: list[float], aligns: list[Any], size: float = TABLE_PT
) -> list[_Row]:
    """Many rows at once, the same XML add_row() would build row by row, about ten times faster.

    One prototype row is built through python-docx (so its formatting code stays the only definition),
    then every row is a copy of it with its own text: copying lxml elements costs far less than
    python-docx's per-property element lookups.
    """
    if not rows:
        return []
    prototype = add_row(table, ["X"] * len(widths_mm), widths_mm, aligns, size)._tr
    table._tbl.remove(prototype)
    with_run = [tc.find(qn("w:p")) for tc in prototype.findall(qn("w:tc"))]
    without_run = [deepcopy(p) for p in with_run]
    for p in without_run:
        p.remove(p.find(qn("w:r")))
    added = []
    for values in rows:
        tr = deepcopy(prototype)
        for index, (tc, value) in enumerate(zip(tr.findall(qn("w:tc")), values, strict=False)):
            for p in tc.findall(qn("w:p")):
                tc.remove(p)
            for line in document_text(str(value)).split("\n") if value else [""]:
                p = deepcopy(with_run[index] if line else without_run[index])
                if line:
                    put_text(p.find(qn("w:r")), line)
                tc.append(p)
        table._tbl.append(tr)
        added.append(_Row(tr, table))
    return added


def set_widths(table: Table, widths_mm: list[float]) -> None:
    for column, width in zip(table.columns, widths_mm, strict=False):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(width)


def cell_text(
    cell: _Cell, text: str, *, font: str = SONGTI, size: float = TABLE_PT, align: Any = LEFT, bold: bool = False
) -> None:
    """Write text into a cell; "\\n" starts a new paragraph. Single spacing, off the page grid."""
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    lines = document_text(str(text)).split("\n") if text else [""]
    for index, line in enumerate(lines):
        placed = cell.paragraphs[0]._p if index == 0 else cell.add_paragraph()._p
        # Exact spacing keeps rows compact whatever CJK font the reader substitutes.
        p = styled_paragraph(
            line, font=font, size=size, bold=bold, align=align, indent=False, line=round(size * 1.35, 1)
        )
        placed.getparent().replace(placed, p)


def shade(cell: _Cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = element("w:shd", val="clear", color="auto", fill=fill)
    insert_ordered(tcpr, shd, _TCPR_ORDER)


def _table_borders(table: Table) -> None:
    tblpr = table._tbl.tblPr
    borders = element("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(element(f"w:{side}", val="single", sz="4", space="0", color="000000"))
    insert_ordered(tblpr, borders, _TBLPR_ORDER)
