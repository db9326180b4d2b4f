"""Returns saved as .csv (Excel "另存为 CSV", WPS, scripts): GBK or UTF-8, with or without a BOM.

The grid goes through the same parse as a workbook's first sheet; whether it is a return at all is
decided there, by the form's labels.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from .. import lazyre
from .errorvalues import error_value
from .marktools import Marks  # the one shape of marks in an answer
from .precheck import MAX_COLS, MAX_ROWS, too_big
from .safety import MAX_FILE_BYTES

MAX_CSV_BYTES = min(MAX_FILE_BYTES, 20 * 1024 * 1024)
MAX_FIELD = 100_000  # one cell; a longer one is not a return


def read_csv(path: str) -> tuple[Any, ...]:
    """Worker side, same answer shape as read.read_path: ("ok", [(sheet, rows, hidden[, marks])], {}, [], {}) or
    ("refused", code, fields, ""). A sheet carries marks (marktools.Marks.answer) only when some cell holds an
    error value; read_path adds the file's "seen" to the last item."""
    data = Path(path).read_bytes()[: MAX_CSV_BYTES + 1]
    if len(data) > MAX_CSV_BYTES:
        return ("refused", "file-too-large", {"size": "超过 20 MB", "limit": "20 MB"}, "")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text" export: UTF-16 with a BOM
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return ("refused", "read-corrupt", {"reason": "CSV 文件的文字编码无法识别（应为 GBK 或 UTF-8）"}, "")
    if b"\x00" in data[:4096]:
        return ("refused", "read-corrupt", {"reason": "扩展名为 .csv，但内容不是文本表格"}, "")
    text = decode(data)
    if text is None:
        return ("refused", "read-corrupt", {"reason": "CSV 文件的文字编码无法识别（应为 GBK 或 UTF-8）"}, "")
    csv.field_size_limit(MAX_FIELD)
    text, dialect = _dialect(text)
    rows: list[list[Any]] = []
    # Empty lines not yet followed by content: Excel exports ",,,," down to its used range (a column formatted
    # to the bottom), which is no part of the table. Held up to the row limit, past it only counted.
    blank: list[list[Any]] = []
    skipped = 0
    try:
        for line in csv.reader(io.StringIO(text, newline=""), dialect):
            row = [_excel_text(cell.strip()) or None for cell in line]
            while len(row) > MAX_COLS and row[-1] is None:  # empty cells to the right widen no table either
                row.pop()
            if all(v is None for v in row):
                if len(rows) + len(blank) < MAX_ROWS:
                    blank.append(row)
                else:
                    skipped += 1
                continue
            rows.extend(blank)
            blank.clear()
            rows.append(row)
            if len(rows) + skipped > MAX_ROWS or len(row) > MAX_COLS:
                return (
                    "refused",
                    "read-too-many-rows",
                    {"sheet_name": "CSV", "rows": len(rows) + skipped, "cols": len(line)},
                    "",
                )
    except csv.Error:
        return ("refused", "read-corrupt", {"reason": "CSV 文件格式错误（引号不配对或单元格过长）"}, "")
    width = max((len(r) for r in rows), default=0)
    if too_big(len(rows), width):
        return ("refused", "read-too-many-rows", {"sheet_name": "CSV", "rows": len(rows), "cols": width}, "")
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    errors = _error_values(rows) if "#" in text or "Err:" in text else []
    if errors:  # marks as a workbook's: no hidden rows, columns, formulas or merges in a CSV
        marks = Marks(errors={(row, col): value for row, col, value in errors})
        return ("ok", [(Path(path).stem, rows, False, marks.answer([]))], {}, [], {})
    return ("ok", [(Path(path).stem, rows, False)], {}, [], {})


_TEXT_FORMULA = lazyre.compile(r'="((?:[^"]|"")*)"')  # ="00123": how exports keep a text as it is in Excel


def _excel_text(cell: str) -> str:
    """A cell written as ="text" is the text: Excel opens the CSV showing it so (a system's export keeps 序号 "010"
    or a status that way)."""
    if cell[:2] != '="':
        return cell
    hit = _TEXT_FORMULA.fullmatch(cell)
    return hit[1].replace('""', '"').strip() if hit else cell


_SEP_LINE = lazyre.compile(r"\ufeff?sep=(.)\r?\n")  # Excel's hint line: "sep=;" says the separator
_DELIMITERS = (",", "\t", ";", "|")
# Labels of the form's header: the separator that keeps them whole cells is the file's.
_LABELS = frozenset({"序号", "完成状态", "本周进展", "措施内容", "存在问题", "下一步计划", "填报单位", "填报日期"})


def _dialect(text: str) -> tuple[str, Any]:
    """The text without Excel's "sep=" line, and how its cells are separated: the separator named by that line,
    else the one (comma, tab, semicolon, bar) under which most of the form's labels stand as cells of their own
    (a measure text holds commas, so counting separators alone picks the comma for a tab-separated export), else
    what csv.Sniffer says."""
    hint = _SEP_LINE.match(text)
    if hint:
        return text[hint.end() :], _with_delimiter(hint[1])
    sample = text[:8192]
    lines = sample.splitlines()[:40]
    best, score = None, 0
    for delimiter in _DELIMITERS:
        if delimiter not in sample:
            continue
        found = sum(1 for line in lines for cell in line.split(delimiter) if cell.strip().strip('"').strip() in _LABELS)
        if found > score:
            best, score = delimiter, found
    if best is not None and score >= 2:
        return text, _with_delimiter(best)
    try:
        return text, csv.Sniffer().sniff(sample, delimiters=",\t;") if sample.strip() else csv.excel
    except csv.Error:
        return text, csv.excel


def _with_delimiter(delimiter: str) -> type[csv.Dialect]:
    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


def _error_values(rows: list[list[Any]]) -> list[tuple[int, int, str]]:
    """Cells whose text is an error value (Excel and WPS save #REF! as its text, LibreOffice Err:502): taken out
    of the grid and listed, as a workbook's error cells are."""
    found = []
    for index, row in enumerate(rows):
        for col, value in enumerate(row):
            if value is not None and value[0] in "#Ee" and (error := error_value(value)) is not None:
                found.append((index, col, error))
                row[col] = None
    return found


def decode(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK, what Chinese Excel writes)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
