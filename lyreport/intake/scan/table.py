"""OCR text boxes of a scan's pages → the same grid (SheetData) that parse.py reads for workbooks.

The table is located by its labels: the header line is the band of boxes naming 序号, 完成状态,
本周进展 …; columns are the header boxes' positions; each measure row is anchored on its 序号 or its
status, and every other box joins the row and column it sits in. Every other line (title, 填报单位 …,
signatures under the table) is put above the header row, where parse.py reads the header block. Pages
are stacked in order; a page without a header continues the previous page's columns.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from statistics import median
from typing import Any

from ... import lazyre
from ...models import DONE, LAGGING, NOT_STARTED, ON_TRACK, STATUSES, SheetData
from .. import normalize as nz
from ..headblock import BLOCK_LABELS
from ..layout import REQUIRED
from ..rowkinds import is_footer
from ..status_words import STATUS_INDEX
from .ocr import TextBox

SHEET = "扫描件"
GUESSED = 0.5  # score given to a cell whose text was repaired by similarity: always shown for checking
_HEADERS = [
    label
    for label in [
        "序号",
        "条目",
        "措施内容",
        "责任类型",
        "完成状态",
        "本周进展",
        "存在问题",
        "下一步计划",
        "预计完成时间",
        "备注",
        "推进情况",
        "工作进展",
        "进展情况",
        "存在的问题",
        "下一步工作",
    ]
    if nz.header_label(label)
]
_NUMBER_START = lazyre.compile(r"^(?P<no>\d{1,3})[、.．]?(?P<rest>\D.*)$")
_LABELS = sorted((w for words in BLOCK_LABELS.values() for w in words.split()), key=len, reverse=True)
# "填报单位市发改委": OCR reads a label and the value in the next cell as one line. With a colon the text
# is left whole: parse.py reads "联系人：王伟 联系电话：139…" itself.
_GLUED = lazyre.compile(r"^(?P<label>" + "|".join(_LABELS) + r")(?:[（(][^）)]*[）)])?(?P<value>[^:：].*)$")


@dataclass
class RowPlace:
    """Where a grid row came from: page (1-based), data row ordinal on the page (0 = not a measure row)."""

    page: int
    ordinal: int = 0


@dataclass
class ScanGrid:
    sheet: SheetData
    places: list[RowPlace]  # one per grid row
    scores: dict[tuple[int, int], float] = field(default_factory=dict)  # (row, col) → lowest OCR score
    columns: list[str] = field(default_factory=list)  # header label per grid column, for messages
    # grid row → (the status words written side by side in its status cell, the least favourable one read)
    doubled: dict[int, tuple[list[str], str]] = field(default_factory=dict)


def build_grid(pages: list[list[TextBox]], numbers: list[int] | None = None) -> ScanGrid:
    """Header and signature lines of every page go above the table's header row (where parse.py reads the
    header block); the measure rows of all pages follow it in order. `numbers`: each page's real page number
    in the file (default 1, 2, …), for messages."""
    top, table = ScanGrid(SheetData(SHEET, []), []), ScanGrid(SheetData(SHEET, []), [])
    columns: list[tuple[str, float, float]] | None = None  # (label, left, right) of each header box
    for number, boxes in zip(numbers or range(1, len(pages) + 1), pages, strict=True):
        if not boxes:
            continue
        line = median(b.height for b in boxes) or 10.0
        header = _header_band(boxes, line)
        level = -1.0
        if header is not None:
            columns = [(b.text, b.x0, b.x1) for b in sorted(header, key=lambda b: b.cx)]
            level = max(b.y1 for b in header)
            _add_lines(top, [b for b in boxes if b.cy < min(h.cy for h in header) - line * 0.6], number)
            _add_row(table, [[b] for b in sorted(header, key=lambda b: b.cx)], RowPlace(number))
            table.columns = [c[0] for c in columns]
        if columns is None:
            _add_lines(top, boxes, number)
            continue
        below = [b for b in boxes if b.cy > level + line * 0.3]
        _add_table(table, top, below, columns, line, number, continued=header is None)
    grid = ScanGrid(SheetData(SHEET, top.sheet.rows + table.sheet.rows), top.places + table.places)
    grid.scores = dict(top.scores) | {(r + len(top.sheet.rows), c): v for (r, c), v in table.scores.items()}
    grid.sheet.struck = {(r + len(top.sheet.rows), c): v for (r, c), v in table.sheet.struck.items()}
    grid.doubled = {r + len(top.sheet.rows): v for r, v in table.doubled.items()}
    grid.columns = table.columns
    width = max((len(r) for r in grid.sheet.rows), default=0)
    grid.sheet.rows = [r + [None] * (width - len(r)) for r in grid.sheet.rows]
    return grid


def has_header(boxes: list[TextBox]) -> bool:
    """Whether a page's text holds a form's header line (the reader's test that a page was read the right way up)."""
    return header_band(boxes) is not None


def header_band(boxes: list[TextBox]) -> list[TextBox] | None:
    """The boxes of a page's table header line, None without one."""
    return _header_band(boxes, median(b.height for b in boxes) or 10.0) if boxes else None


def _header_band(boxes: list[TextBox], line: float) -> list[TextBox] | None:
    """The boxes of the first line that holds 序号, 完成状态 and 本周进展 (or their variants); a label
    garbled by a seal or a fold ("房成有") is taken for the known label it most resembles."""
    labelled = [b for b in boxes if nz.header_label(b.text)]
    for anchor in labelled:
        band = [_header_box(b) for b in boxes if abs(b.cy - anchor.cy) < line * 0.8]
        keys = {nz.header_label(b.text) for b in band}
        if all(k in keys for k in REQUIRED):
            return band
    return None


def _header_box(box: TextBox) -> TextBox:
    if nz.header_label(box.text) or len(box.text) < 2:
        return box
    close = difflib.get_close_matches(box.text, _HEADERS, n=1, cutoff=0.5)
    return TextBox(close[0], box.x0, box.y0, box.x1, box.y1, GUESSED) if close else box


def _lines(boxes: list[TextBox], line: float) -> list[list[TextBox]]:
    """Boxes grouped into text lines by their vertical centre, each line left to right."""
    out: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        if out and abs(box.cy - median(b.cy for b in out[-1])) < line * 0.6:
            out[-1].append(box)
        else:
            out.append([box])
    return [sorted(group, key=lambda b: b.x0) for group in out]


_PAGE_NO = lazyre.compile(r"^第?\s*\d+\s*页")


def _add_lines(grid: ScanGrid, boxes: list[TextBox], page: int) -> None:
    """Free text (titles, header block, signatures): one grid row per line, a label glued to its value split."""
    if not boxes:
        return
    line = median(b.height for b in boxes) or 10.0
    for group in _lines(boxes, line):
        if _PAGE_NO.match(group[0].text.strip()):
            continue
        cells: list[list[TextBox]] = []
        for box in group:
            glued = _GLUED.match(unicodedata.normalize("NFKC", box.text).strip())
            if glued and glued["label"] in _LABELS:
                cells += [[_part(box, glued["label"])], [_part(box, glued["value"])]]
            else:
                cells.append([box])
        _add_row(grid, cells, RowPlace(page))


def _part(box: TextBox, text: str) -> TextBox:
    return TextBox(text.strip(), box.x0, box.y0, box.x1, box.y1, box.score)


def _add_table(
    grid: ScanGrid,
    top: ScanGrid,
    boxes: list[TextBox],
    columns: list[tuple[str, float, float]],
    line: float,
    page: int,
    continued: bool,
) -> None:
    """Measure rows anchored on 序号 or status boxes; what lies below the last row is the footer."""
    keys = [nz.header_label(label) for label, _, _ in columns]
    # Headers are centred, cell text is mostly left-aligned: a column starts a little after the previous
    # header ends, well before its own header begins.
    bounds = [columns[i][2] + (columns[i + 1][1] - columns[i][2]) * 0.3 for i in range(len(columns) - 1)]

    def col_of(box: TextBox) -> int:
        return sum(box.cx > b for b in bounds)

    if "no" in keys:
        no_col = keys.index("no")
        boxes = [part for b in boxes for part in _split_number(b, columns[no_col][2], no_col, bounds)]
    if "status" in keys:
        boxes = _join_wrapped_status(boxes, [col_of(b) == keys.index("status") for b in boxes], keys, col_of, line)
    numbers = [b for b in boxes if keys[col_of(b)] == "no" and nz.measure_no(b.text) is not None]
    statuses = [b for b in boxes if keys[col_of(b)] == "status" and nz.read_status(b.text)[0] is not None]
    anchors = sorted(numbers + statuses, key=lambda b: b.cy) if numbers or not continued else []
    # A row stands on its 序号 or its status. A number that the placing finds to be a wrapped line of a wider
    # cell's text (read at the start of a measure text's line) is no 序号: the rows are laid out again without
    # it, so a wrapped cell is never cut into a row of its own with neither 序号 nor status. A status word is
    # always kept as an anchor: a correction written under a status must stay a row of its own.
    while True:
        if not anchors:
            _add_lines(top, boxes, page)
            return
        rows, footer, moved = _place(boxes, anchors, numbers, columns, col_of, line, bounds)
        if not moved:
            break
        anchors = [b for b in anchors if id(b) not in {id(m) for m in moved}]
    for ordinal, cells in enumerate(rows, start=1):
        if "status" in keys:
            cells[keys.index("status")] = _status_cell(cells[keys.index("status")])
            _note_struck(grid, cells[keys.index("status")], keys.index("status"))
            cells[keys.index("status")] = _two_statuses(grid, cells[keys.index("status")])
        _add_row(grid, cells, RowPlace(page, ordinal))
    _add_lines(top, footer, page)


def _place(
    boxes: list[TextBox],
    anchors: list[TextBox],
    numbers: list[TextBox],
    columns: list[tuple[str, float, float]],
    col_of: Any,
    line: float,
    bounds: list[float],
) -> tuple[list[list[list[TextBox]]], list[TextBox], list[TextBox]]:
    """Every box into the row of the nearest anchor and its column: (rows of cells, footer boxes, the number
    anchors that were placed as a wrapped line of another cell's text)."""
    centres: list[float] = []
    for y in (b.cy for b in anchors):
        if centres and y - centres[-1] < line * 0.9:
            continue
        centres.append(y)
    gaps = [b - a for a, b in zip(centres, centres[1:], strict=False)]
    reach = max(line * 2.5, (median(gaps) / 2) if gaps else line * 2.5)
    # The last row reaches down to the first note or signature line under it, never over it: a status
    # written under the last measure's (its own anchor) must not pull the 注：… line into the table.
    below = [b for b in boxes if b.cy > centres[-1] + line * 0.6]
    left = bounds[0] if bounds else float("inf")  # a note starts at the table's left edge, not inside a cell
    notes = [g[0].cy for g in _lines(below, line) if g[0].x0 < left and is_footer([g[0].text], None)]
    last_edge = min([centres[-1] + reach] + [y - line * 0.6 for y in notes[:1]])
    edges = [(a + b) / 2 for a, b in zip(centres, centres[1:], strict=False)] + [last_edge]
    rows: list[list[list[TextBox]]] = [[[] for _ in columns] for _ in centres]
    footer: list[TextBox] = []
    moved: list[TextBox] = []
    placed: list[list[tuple[TextBox, int]]] = [[] for _ in centres]
    anchored = {id(b) for b in anchors} & {id(b) for b in numbers}
    for box in sorted(boxes, key=lambda b: b.x0 - b.x1):  # widest first: wrapped lines follow their first line
        if box.cy > edges[-1]:
            footer.append(box)
            continue
        index = sum(box.cy > e for e in edges[:-1])
        col = next((c for wide, c in placed[index] if _continues(box, wide, line)), None)
        if col is None:
            col = col_of(box)
        elif col != col_of(box) and id(box) in anchored:
            moved.append(box)
        placed[index].append((box, col))
        rows[index][col].append(box)
    return rows, footer, moved


def _join_wrapped_status(
    boxes: list[TextBox], in_status: list[bool], keys: list[str | None], col_of: Any, line: float
) -> list[TextBox]:
    """The lines of one wrapped status cell ("□已完成 ☑正" / "常推进 □进度滞后") as one box, so the cell is read
    whole: each line alone may read as a status of its own and become a row. A line is the next line of the
    one above when it starts right under it, unless both are whole status words (a correction written under
    a printed status) or each has a 序号 beside it (two rows of a tight table)."""
    status = sorted((b for b, inside in zip(boxes, in_status, strict=True) if inside), key=lambda b: b.cy)
    if len(status) < 2:
        return boxes
    numbered = [b.cy for b in boxes if keys[col_of(b)] == "no" and nz.measure_no(b.text) is not None]

    def exact(box: TextBox) -> bool:
        found, interpreted = nz.read_status(box.text)
        return found is not None and not interpreted

    def has_number(box: TextBox) -> bool:
        return any(abs(y - box.cy) < line * 0.6 for y in numbered)

    joined: list[TextBox] = [status[0]]
    for box in status[1:]:
        above = joined[-1]
        follows = -line * 0.4 < box.y0 - above.y1 < line * 0.5 and box.x0 < above.x1 and above.x0 < box.x1
        if follows and not (exact(above) and exact(box)) and not (has_number(above) and has_number(box)):
            joined[-1] = TextBox(
                above.text + box.text, min(above.x0, box.x0), above.y0, max(above.x1, box.x1), box.y1,
                min(above.score, box.score), struck=above.struck or box.struck,
            )  # fmt: skip
        else:
            joined.append(box)
    if len(joined) == len(status):
        return boxes
    return [b for b, inside in zip(boxes, in_status, strict=True) if not inside] + joined


def _split_number(box: TextBox, header_right: float, col: int, bounds: list[float]) -> list[TextBox]:
    """ "24统一电话区号": OCR ran the 序号 into the next cell's text; give the number back to its column.

    Only a number at the start of a box that starts where a 序号 is written (left of the 序号 header's right
    end): a measure text's line starts right of it, and "…G208" or "5G基站…" on such a line is text."""
    right = bounds[col] if col < len(bounds) else float("inf")
    if not (box.x0 < right < box.x1 and box.x1 - right > box.height and box.x0 < right - box.height * 0.3):
        return [box]
    match = _NUMBER_START.match(box.text.strip())
    if not match or box.x0 >= header_right:
        return [box]
    no, rest = match["no"], match["rest"]
    width = right - box.x0
    return [
        TextBox(no, box.x0, box.y0, box.x0 + width * 0.9, box.y1, box.score),
        TextBox(rest, right, box.y0, box.x1, box.y1, box.score, struck=box.struck),
    ]


# "—已完成——": a pen stroke through a status that the OCR read as dashes where it runs past the word's ends.
_DASHED = lazyre.compile(r"^[—―‐\-－一_~～]+(?P<word>[^—―‐\-－一_~～]+)[—―‐\-－一_~～]+$")


def _note_struck(grid: ScanGrid, boxes: list[TextBox], col: int) -> None:
    """A status cell with a pen stroke through some of its lines, as parse.py knows struck text from a workbook:
    (text not struck, text struck, whole text) of the row about to be added."""
    if not any(b.struck for b in boxes):
        text = _join(b.text for b in boxes)
        dashed = _DASHED.match(unicodedata.normalize("NFKC", text))
        if dashed is None or nz.read_status(dashed["word"])[0] is None:
            return
        boxes = [replace(b, struck=True) for b in boxes]  # the OCR read the stroke itself, as dashes either side
    line = median(b.height for b in boxes) or 10.0
    ordered = [b for group in _lines(boxes, line) for b in group]
    kept = _join(b.text for b in ordered if not b.struck)
    gone = _join(b.text for b in ordered if b.struck)
    grid.sheet.struck[(len(grid.sheet.rows), col)] = (kept, gone, _join(b.text for b in ordered))


def _status_cell(boxes: list[TextBox]) -> list[TextBox]:
    """A status the OCR half-read ("正常进") is taken for the one it resembles, marked for checking."""
    text = _join(b.text for b in boxes)
    if any(b.struck for b in boxes):
        return boxes  # struck through by pen: read as struck (parse.py), never repaired into a status
    if not text or nz.read_status(text)[0] is not None or nz.status_mark(text) is not None:
        return boxes  # a crossed-out or questioned 已完成 is no half-read one: never repaired into a status
    close = difflib.get_close_matches(text, STATUSES, n=2, cutoff=0.6)
    if len(close) != 1 or (close[0] == DONE and _NEGATION.search(text)):
        return boxes  # 未完成 (or 末完成, as OCR reads 未) is two characters from 已完成: never repaired into it
    first = boxes[0]
    return [TextBox(close[0], first.x0, first.y0, boxes[-1].x1, boxes[-1].y1, min(GUESSED, *(b.score for b in boxes)))]


_NEGATION = lazyre.compile("[未末没不尚无非否]")

# Status words long enough not to occur inside a sentence by chance ("推进", "完成", "落实" do).
_WORD = "|".join(sorted((w for w in STATUS_INDEX if len(w) >= 3), key=len, reverse=True))
_WORDS_ONLY = lazyre.compile(f"(?:{_WORD})+")
_WORDS = lazyre.compile(_WORD)
_WORST = {LAGGING: 0, NOT_STARTED: 1, ON_TRACK: 2, DONE: 3}  # as rows.py merges the lines of one measure


def _two_statuses(grid: ScanGrid, boxes: list[TextBox]) -> list[TextBox]:
    """A status cell holding nothing but two different status words side by side ("尚未启动已完成"): on paper, a
    correction written beside or above a printed status whose pen stroke was not seen (or two boxes ticked by
    hand). Which one the unit meant cannot be told; read like a correction written under a status (rows.py: the
    least favourable) and said, never as a sentence ("已完成" with a reservation: 正常推进, which neither says).
    A lag among them is read as a lag already."""
    if not boxes or any(b.struck for b in boxes):
        return boxes
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", _join(b.text for b in boxes)))
    if not _WORDS_ONLY.fullmatch(key):
        return boxes
    words = _WORDS.findall(key)
    found = {STATUS_INDEX[w] for w in words}
    if len(found) < 2 or LAGGING in found:
        return boxes
    worst = min(found, key=_WORST.__getitem__)
    grid.doubled[len(grid.sheet.rows)] = (words, worst)
    first = boxes[0]
    score = min(b.score for b in boxes)  # the least sure word, so that scan-low-confidence still says it
    return [TextBox(worst, first.x0, first.y0, max(b.x1 for b in boxes), max(b.y1 for b in boxes), score)]


def _continues(box: TextBox, wide: TextBox, line: float) -> bool:
    """A short last line of a wrapped cell starts where the cell's first line starts."""
    return abs(box.x0 - wide.x0) < line and box.x1 <= wide.x1 + line and box.cy > wide.cy


def _add_row(grid: ScanGrid, cells: list[list[TextBox]], place: RowPlace) -> None:
    index = len(grid.sheet.rows)
    row: list[Any] = []
    for col, boxes in enumerate(cells):
        if not boxes:
            row.append(None)
            continue
        line = median(b.height for b in boxes) or 10.0
        row.append(_join(b.text for group in _lines(boxes, line) for b in group))
        grid.scores[(index, col)] = min(b.score for b in boxes)
    grid.sheet.rows.append(row)
    grid.places.append(place)


def _join(parts: Any) -> str:
    """Lines of one cell: Chinese text wraps without spaces; Latin words and numbers keep one."""
    out = ""
    for part in parts:
        part = part.strip()
        if out and out[-1].isascii() and out[-1].isalnum() and part[:1].isascii() and part[:1].isalnum():
            out += " "
        out += part
    return out
