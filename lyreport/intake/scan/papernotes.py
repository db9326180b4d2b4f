"""Notes on a scanned table's cells, said where staff find them on paper (page and table row, never a workbook
cell): cells the OCR was unsure of, two status words side by side, a bare 完成 or 启动 that may have lost its
未 or 尚未."""

from __future__ import annotations

import dataclasses

from ... import lazyre
from ...models import LAGGING, NOT_STARTED, ON_TRACK, ParsedReturn, SourceFile
from ...problems import Problem, problem
from ..cellrefs import cell_ref
from ..normalize import header_label, read_status
from ..status_words import DONE, STATUS_INDEX
from .table import ScanGrid

LOW_CONFIDENCE = 0.85
_CELL = lazyre.compile(r"^([A-Z]+)(\d+)$")


def place_of(grid: ScanGrid, cell: str) -> tuple[str, int | None, int | None]:
    """("第2页 第3行（完成状态）", row index, col index) for a grid cell reference."""
    match = _CELL.match(cell or "")
    if not match:
        return "", None, None
    letters, number = match.groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    col, index = col - 1, int(number) - 1
    if not 0 <= index < len(grid.places):
        return "", None, None
    place = grid.places[index]
    label = grid.columns[col] if 0 <= col < len(grid.columns) else ""
    where = f"第{place.page}页 " + (f"表格第{place.ordinal}行" if place.ordinal else "表头")
    return where + (f"（{label}）" if label and place.ordinal else ""), index, col


# A workbook's cell or column named inside a message ("“本周进展”（E8）", "（D 列）"): nothing on paper is called so.
_CELL_IN_TEXT = lazyre.compile(r"（[A-Z]{1,2}\d+）")
_COLUMN_IN_TEXT = lazyre.compile(r"(?<![A-Za-z0-9])([A-Z]{1,2}) ?列")


def relocate(found: Problem, grid: ScanGrid, unit: str | None) -> Problem:
    """Grid cell references mean nothing on paper: say page and table row instead (in the message too, where a
    column of the grid is the table's N-th column and a cell of the same row is named by its column label)."""
    where, _, _ = place_of(grid, found.cell)
    # Only the message's own words: text quoted from the paper (“完成 B 列车采购”) stays as written.
    pieces = _QUOTED.split(found.message)
    message = "".join(piece if piece.startswith("“") else _unreferenced(piece) for piece in pieces)
    return dataclasses.replace(found, sheet="", cell=where or "", unit=found.unit or unit or "", message=message)


_QUOTED = lazyre.compile(r"(“[^”]*”)")


def _unreferenced(text: str) -> str:
    text = _CELL_IN_TEXT.sub("", text)
    return _COLUMN_IN_TEXT.sub(lambda m: f"表格第{_column_number(m[1])}列", text)


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def doubled(grid: ScanGrid, parsed: ParsedReturn, unit: str | None, file: SourceFile) -> list[Problem]:
    """Status cells holding two different status words side by side (table._two_statuses): read as the least
    favourable, and said where."""
    out = []
    numbers = {row.row - 1: row.measure_no for row in parsed.rows}
    for index, (words, worst) in sorted(grid.doubled.items()):
        keys = [header_label(label) for label in grid.columns]
        col = keys.index("status") if "status" in keys else 0
        where, _, _ = place_of(grid, cell_ref(col, index))
        no = numbers.get(index)
        out.append(
            problem(
                "scan-status-two", file=file.display, cell=where, unit=unit or "",
                measure=f"第 {no} 条措施" if no is not None else "该行",
                words="”“".join(dict.fromkeys(words)), status=worst,
            )
        )  # fmt: skip
    return out


def low_confidence(grid: ScanGrid, parsed: ParsedReturn, unit: str | None, file: SourceFile) -> list[Problem]:
    """序号 and 完成状态 cells the OCR was unsure of: staff check these against the paper."""
    out = []
    for row in parsed.rows:
        index = row.row - 1
        for col, value in enumerate(grid.sheet.rows[index] if 0 <= index < len(grid.sheet.rows) else []):
            score = grid.scores.get((index, col))
            label = grid.columns[col] if col < len(grid.columns) else ""
            if score is None or score >= LOW_CONFIDENCE or label not in ("序号", "完成状态"):
                continue
            where, _, _ = place_of(grid, cell_ref(col, index))
            out.append(
                problem(
                    "scan-low-confidence", file=file.display, cell=where, unit=unit or "",
                    no=row.measure_no, field=label, value=str(value), score=f"{score:.2f}",
                )
            )  # fmt: skip
    return out


def bare_done(grid: ScanGrid, parsed: ParsedReturn, unit: str | None, file: SourceFile) -> list[Problem]:
    """A status cell read as nothing but a done word without 已 (完成, 落实, 办结, 全部完成): on paper the 未 or 尚未
    before it may be lost under a seal, a pen stroke or the scanner's edge, and 未完成 read as 已完成 is the worst
    mistake. Read as written, and said."""
    out = []
    col = _status_col(grid)
    for row in parsed.rows:
        index = row.row - 1
        cells = grid.sheet.rows[index] if 0 <= index < len(grid.sheet.rows) else []
        text = _BARE_SPACE.sub("", str(cells[col] or "")) if col < len(cells) else ""
        if row.status == DONE and "已" not in text and STATUS_INDEX.get(text) == DONE:
            where, _, _ = place_of(grid, cell_ref(col, index))
            out.append(
                problem("scan-done-bare", file=file.display, cell=where, unit=unit or "", no=row.measure_no, text=text)
            )
        elif row.status == ON_TRACK and (hidden := _hidden_not(text)) is not None:
            where, _, _ = place_of(grid, cell_ref(col, index))
            out.append(
                problem(
                    "scan-start-bare", file=file.display, cell=where, unit=unit or "", no=row.measure_no, text=text,
                    maybe=f"尚未{text}" + ("" if hidden == f"尚未{text}" else f"”，即“{hidden}"),
                )
            )  # fmt: skip
    return out


def _hidden_not(text: str) -> str | None:
    """What a status cell read as 正常推进 from a bare 启动, 开工, 实施 or 开展 would read with 尚未 before it
    (尚未启动, or 进度滞后 for 推进), when that is worse; None for a word that says it is under way itself
    (已启动, 正常推进, 正在实施, 推进中)."""
    if not text or any(word in text for word in ("已", "正常", "在", "中")):
        return None
    hidden, _ = read_status("尚未" + text)
    return hidden if hidden in (NOT_STARTED, LAGGING) else None


_BARE_SPACE = lazyre.compile(r"[\s\W_]+")


def _status_col(grid: ScanGrid) -> int:
    keys = [header_label(label) for label in grid.columns]
    return keys.index("status") if "status" in keys else 0
