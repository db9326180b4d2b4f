"""Hidden rows and columns of an old Excel (.xls) workbook, which the fast reader does not report.

A unit that hides last week's prefilled row in an .xls would otherwise have it read as this week's data, and a
cell holding an error value (#REF!) is read as empty. xlrd reads the BIFF row/column records and cell types; without it (or on anything unexpected) there are no marks, as for other formats.
"""

from __future__ import annotations

from typing import Any

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_INDEX = 20_000  # rows/columns beyond the pre-check's limits are not data
MAX_ERRORS = 5_000  # per sheet, as sheetmarks.MAX_MARKS


def xls_marks(source: Any, marks_type: Any) -> dict[str, Any]:
    """Sheet name → marks_type(hidden_rows=…, hidden_cols=…) for an .xls file (a path, or the bytes already
    read as a file object); {} when it cannot be told."""
    try:
        if hasattr(source, "read"):
            source.seek(0)
            data = source.read()
        else:
            with open(source, "rb") as handle:
                data = handle.read()
        if data[:8] != OLE_MAGIC:
            return {}
        import xlrd  # only .xls needs it

        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception:  # noqa: BLE001 - marks are an extra; the values were read already
        return {}
    found = {}
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = {r for r, info in sheet.rowinfo_map.items() if info.hidden and r < MAX_INDEX}
            cols = {c for c, info in sheet.colinfo_map.items() if info.hidden and c < MAX_INDEX}
            errors = _errors(sheet, xlrd)
            if rows or cols or errors:
                found[sheet.name] = marks_type(hidden_rows=rows, hidden_cols=cols, errors=errors)
    except Exception:  # noqa: BLE001 - as above: no marks rather than no return
        return {}
    finally:
        book.release_resources()
    return found


def _errors(sheet: Any, xlrd: Any) -> dict[tuple[int, int], str]:
    """(row, col) → error value (#REF!, #N/A …) of the cells of type error."""
    found: dict[tuple[int, int], str] = {}
    for row in range(min(sheet.nrows, MAX_INDEX)):
        types = sheet.row_types(row)
        if xlrd.XL_CELL_ERROR not in types:
            continue
        for col, kind in enumerate(types):
            if kind == xlrd.XL_CELL_ERROR and len(found) < MAX_ERRORS:
                found[(row, col)] = xlrd.error_text_from_code.get(sheet.cell_value(row, col), "#VALUE!")
    return found
