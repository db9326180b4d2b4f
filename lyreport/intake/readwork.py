"""The reader worker's side of read.py: pre-check one file and read it with python-calamine into plain data
(grids, the sheets' marks, the template identity, the file's saved time and size), which crosses the process
boundary as it is. Runs in the isolated workers (pool.py); read.py turns the answers into WorkbookData."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from .. import lazyre
from ..models import stat_signature
from . import precheck as checks
from .concealed import by_colour, by_condition, by_format, by_runs, under_merges, unread
from .csvread import read_csv
from .errorvalues import CALAMINE_KNOWN
from .marktools import ERROR_CELL_TAG
from .saved import saved_at
from .sheetmarks import marks_of, sheet_marks

IDENTITY_SHEET = "_lyreport"


def read_path(path: str) -> tuple[Any, ...]:
    """Pre-check and read one file; the answer is plain data so it can cross a process boundary.

    ("ok", [(sheet, rows, hidden, (hidden_rows, hidden_cols, uncached, struck, struck_unknown, merge fills,
    errors))], identity, notes, meta)
    or ("refused", code, fields, sheet); notes are sheets left out: (code, sheet, fields);
    meta holds the file's own saved time (ISO text) and its (size, mtime_ns) taken before it was read.
    A CSV's sheet carries marks only when it has error values (otherwise a 3-item sheet: (sheet, rows, hidden)).
    """
    try:
        file = Path(path)
        seen = stat_signature(os.stat(path))  # before reading: a later change shows in the archive's comparison
        if file.suffix.lower() == ".csv":
            answer = read_csv(path)
            return (*answer[:4], {**answer[4], "seen": seen}) if answer[0] == "ok" else answer
        check = checks.precheck(file)
        if check.refusal is not None:
            return ("refused", check.refusal.code, check.refusal.fields, check.refusal.sheet)
        source = check.data if check.data is not None else path
        try:
            answer = _read_calamine(source, check)
        except Exception as exc:
            if "unsupported cell error value" not in str(exc).lower() or check.parts is None:
                raise
            # A newer error value (#SPILL!, #CALC!) in an .xlsx: calamine refuses the whole file. Read it with those
            # cells as #VALUE!; the marks, taken from the file as it is, name the real error value of each.
            answer = _read_calamine(_known_errors_only(source, check.sheet_parts), check)
        return (*answer, {"saved_at": saved_at(check.parts), "seen": seen})
    except (KeyboardInterrupt, SystemExit):
        raise
    except MemoryError:
        return ("refused", "read-crashed", {"reason": "内存不足"}, "")
    except Exception as exc:  # calamine's own errors and anything unexpected in a malformed file
        return _calamine_error(exc)
    except BaseException as exc:  # noqa: BLE001 - a Rust panic arrives as PanicException(BaseException)
        return ("refused", "read-crashed", {"reason": f"读取组件内部错误 {type(exc).__name__}"}, "")


def _read_calamine(source: str | bytes, check: checks.Precheck) -> tuple[Any, ...]:
    """Read the bytes the pre-check saw (not the file again: it could have changed in between)."""
    oversized = check.oversized
    with io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb") as handle:
        workbook = CalamineWorkbook.from_filelike(handle)  # sniffs the content, whatever the extension says
    metas = workbook.sheets_metadata
    unknown = [name for name in oversized if name not in {m.name for m in metas}]
    if unknown:  # cannot tell which sheet to leave out, so leave out the file
        rows, cols = oversized[unknown[0]]
        return ("refused", "read-too-many-rows", {"sheet_name": unknown[0], "rows": rows, "cols": cols}, unknown[0])
    sheets: list[tuple[str, list[list[Any]], bool, Any]] = []
    marks = sheet_marks(check.parts, source, check.sheet_parts)
    identity: dict[str, str] = {}
    notes: list[tuple[str, str, dict[str, Any]]] = []
    for index, meta in enumerate(metas):
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        if meta.name in oversized:
            rows, cols = oversized[meta.name]
            notes.append(("read-too-many-rows", meta.name, {"sheet_name": meta.name, "rows": rows, "cols": cols}))
            continue
        sheet = workbook.get_sheet_by_index(index)
        end = sheet.end
        if end is not None and checks.too_big(end[0] + 1, end[1] + 1):  # second line for .xls/.et
            notes.append(
                ("read-too-many-rows", meta.name, {"sheet_name": meta.name, "rows": end[0] + 1, "cols": end[1] + 1})
            )
            continue
        merged: list[tuple[int, int, int]] = []
        concealed: list[Any] = []
        if end is not None:
            grid = _clean(_fill_vertical_merges(sheet.to_python(skip_empty_area=False), sheet, merged, concealed))
        else:
            grid = []
        if meta.name.strip().lower() == IDENTITY_SHEET:
            identity = _identity(grid)
        else:
            mark = marks_of(marks, meta.name)
            # Text the sheet does not show, each kind where the marks found any (most sheets: none at all)
            for found, hidden in (
                (mark.formats, by_format), (mark.merges, under_merges), (mark.colours, by_colour),
                (mark.conditional, by_condition), (mark.runs, by_runs), (mark.unread, unread),
            ):  # fmt: skip
                if found:
                    concealed.extend(hidden(grid, found))
            marked = mark.answer(merged, concealed)
            sheets.append((meta.name, grid, meta.visible != SheetVisibleEnum.Visible, marked))
    return ("ok", sheets, identity, notes)


# An error cell's saved value: <c … t="e">, an optional formula (<f …/> or <f>…</f>), then <v>value</v>.
_ERROR_VALUE = lazyre.compile(
    ERROR_CELL_TAG + rb"""[^<]*"""
    rb"""(?:<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f\s*>)[^<]*)?"""
    rb"""<(?:\w+:)?v\s*>([^<]*)<"""
)


def _known_errors_only(source: str | bytes, sheet_parts: dict[str, str]) -> bytes:
    """The .xlsx with every error value calamine cannot read replaced by #VALUE! (only ever read, never saved)."""

    def known(hit: re.Match[bytes]) -> bytes:
        if hit[1].strip().decode("utf-8", "replace") in CALAMINE_KNOWN:
            return hit[0]
        return hit[0][: hit.start(1) - hit.start()] + b"#VALUE!<"

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout,
    ):
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, _ERROR_VALUE.sub(known, data) if info.filename in sheet_parts else data)
    return out.getvalue()


def _fill_vertical_merges(
    rows: list[list[Any]], sheet: Any, filled: list[tuple[int, int, int]], concealed: list[Any]
) -> list[list[Any]]:
    """A value merged down one column (same 存在问题 for two measures, a 类别 spanning rows) applies to each row.

    Each filled cell is listed in `filled` as (row, col, top row), so a status merged over two measures is said;
    each covered cell that holds a value of its own (hidden under the merge) in `concealed` (concealed.Concealed).
    """
    try:
        merged = sheet.merged_cell_ranges or []
    except Exception:  # noqa: BLE001 - not every format reports merges; then there is nothing to fill
        return rows
    for (top, col), (bottom, right) in merged:
        if col != right or bottom <= top or top >= len(rows) or col >= len(rows[top]):
            continue
        value = rows[top][col]
        for index, row in enumerate(rows[top + 1 : bottom + 1], top + 1):
            if col < len(row) and row[col] in ("", None):
                row[col] = value
                filled.append((index, col, top))
    if merged:
        concealed.extend(under_merges(rows, merged))
    return rows


def _clean(rows: list[list[Any]]) -> list[list[Any]]:
    """Empty cells become None; trailing empty rows and columns go. Positions stay (row 1 is rows[0])."""
    grid = [[None if value == "" else value for value in row] for row in rows]
    while grid and all(value is None for value in grid[-1]):
        grid.pop()
    width = 0
    for row in grid:
        for col in range(len(row) - 1, width - 1, -1):
            if row[col] is not None:
                width = col + 1
                break
    return [row[:width] for row in grid]


def _identity(grid: list[list[Any]]) -> dict[str, str]:
    """Key in column A, value in column B; values as text however the spreadsheet program stored them."""
    identity: dict[str, str] = {}
    for row in grid:
        if len(row) >= 2 and row[0] is not None:
            key = _identity_text(row[0])
            if key:
                identity[key] = _identity_text(row[1])
    return identity


def _identity_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _calamine_error(exc: Exception) -> tuple[Any, ...]:
    name = type(exc).__name__
    text = str(exc).lower()
    if name == "PasswordError" or "password" in text or "encrypt" in text:
        return ("refused", "read-encrypted", {}, "")
    if name == "XmlError" or "xml" in text:
        reason = "表格内部 XML 内容损坏"
    elif name == "ZipError" or "zip" in text:
        reason = "压缩结构损坏（文件可能不完整或已截断）"
    elif "detect file format" in text:
        reason = "文件结构不完整或已损坏，无法识别为表格"
    elif "cfb" in text or "ole" in text:
        reason = "旧版 Excel（.xls）文件结构损坏"
    else:
        reason = "文件内容无法解析"
    return ("refused", "read-corrupt", {"reason": reason}, "")


# ----------------------------------------------------------------- parent side
