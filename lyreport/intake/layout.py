"""Locate the parts of a return sheet by their labels: the measure table (the header block around it is read
in headblock.py).

Units rename sheets, add title rows and notes, merge cells and move columns, so nothing here relies on a
fixed address. Merged cells arrive as a value in the top-left cell and None elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..models import SheetData
from . import normalize as nz
from .cellrefs import cell_ref
from .headblock import is_label
from .rowkinds import BLANK_RUN_END, is_blank_row, is_footer
from .status_words import bare_status, text_key

IDENTITY_SHEET = "_lyreport"
REQUIRED = ("no", "status", "progress")
HEADER_SCAN_ROWS = 100  # units add title and note rows, but a header below row 100 is not a return form


def _at(row: Sequence[Any], col: int) -> Any:
    return row[col] if 0 <= col < len(row) else None


# ----------------------------------------------------------------- table
def map_columns(row: Sequence[Any]) -> dict[str, int]:
    """Field key → column index of a header row; 完成情况 only stands in where no stronger label exists."""
    try:
        found = _row_columns(tuple(row))
    except TypeError:  # a cell value that cannot be hashed: no cache
        return columns(row)[0]
    return dict(found) if found else {}  # a copy: the cached map is shared


@lru_cache(maxsize=256)  # every row is tried as a header; titles, headers, notes and footers recur in every return
def _row_columns(row: tuple[Any, ...]) -> dict[str, int]:
    return columns(row)[0]


# A header cell naming this week's or last week's column (本周完成状态 | 上周完成状态): rank 0, 1 plain, 2 last week.
_THIS_WEEK = ("本周", "本期", "本次", "当前", "最新", "本月")
_LAST_WEEK = ("上周", "上期", "上次", "上一周", "前期", "上月")
_WEEK_WORDS = frozenset(_THIS_WEEK + _LAST_WEEK)
# In a note, "完成状态（本周）": 前期 is left out, "（含前期工作）" says nothing about the week.
_NOTE_WEEKS = ((0, _THIS_WEEK), (2, ("上周", "上期", "上次", "上一周", "上月")))
_STATUS_ENDS = ("状态", "完成情况")
FIELD_NAMES = {"status": "完成状态", "progress": "本周进展"}
LAST_WEEK = 2


@lru_cache(maxsize=4096)
def week_label(value: Any) -> tuple[str, int] | None:
    """(field key, rank) of a header cell; rank 0 for this week's column, 2 for last week's, else 1."""
    if not isinstance(value, str):
        return None
    key = nz.label_key(value, strip_notes=True)
    for rank, prefixes in ((0, _THIS_WEEK), (2, _LAST_WEEK)):
        for prefix in prefixes:
            if key.startswith(prefix) and len(key) > len(prefix):
                found = nz.key_label(key[len(prefix) :]) or nz.key_label(key)
                if found:
                    return found, rank
    found = nz.header_label(value)
    if found:
        return found, _week_in(nz.label_notes(value), _NOTE_WEEKS)
    return _week_status(key)


def _week_in(text: str, weeks: tuple[tuple[int, tuple[str, ...]], ...]) -> int:
    """0 or 2 when the text names this week or last week (not both), else 1."""
    named = {rank for rank, words in weeks if any(word in text for word in words)}
    return named.pop() if len(named) == 1 else 1


def _week_status(key: str) -> tuple[str, int] | None:
    """ "截至本周完成状态", "本周更新状态": a status label of its own words that names the week it is for.

    Without a week word such a label ("调整后状态") is only status-like: see status_like.
    """
    if len(key) > 20 or not key.endswith(_STATUS_ENDS):
        return None
    rank = _week_in(key, ((0, _THIS_WEEK), (2, _LAST_WEEK)))
    return ("status", rank) if rank != 1 else None


@lru_cache(maxsize=1024)  # header labels recur in every return
def status_like(value: Any) -> bool:
    """A header cell that reads like a status column but names no field ("调整后状态", "1月7日完成状态")."""
    if not isinstance(value, str) or week_label(value) is not None:
        return False
    key = nz.label_key(value, strip_notes=True)
    return len(key) <= 20 and key.endswith(_STATUS_ENDS)


def is_this_week_word(value: Any) -> bool:
    """A header cell that is only 本周 (本期 …): it names a week, not a field."""
    return _is_week_word(value) and nz.label_key(value) in _THIS_WEEK


def _beside_last_week(row: Sequence[Any], col: int) -> tuple[str, int] | None:
    """(field, 0) of a bare 本周 cell right beside a last-week column: "上周完成状态 | 本周" splits one field."""
    if not is_this_week_word(_at(row, col)):
        return None
    for other in (col - 1, col + 1):
        found = week_label(_at(row, other)) if other >= 0 else None
        if found and found[1] == LAST_WEEK:
            return found[0], 0
    return None


def label_rank(labels: Sequence[Any], col: int) -> int:
    """The rank of a column read from a header row: as week_label, or 0 for a bare 本周 beside last week's."""
    found = week_label(_at(labels, col)) or _beside_last_week(labels, col)
    return found[1] if found else 1


Note = tuple[str, int, list[int]]  # field, chosen column, the other columns with the same field


def columns(row: Sequence[Any], hidden: set[int] | frozenset[int] = frozenset()) -> tuple[dict[str, int], list[Note]]:
    """Column map plus notes where several columns name one field: this week's, then visible, then leftmost.

    A column labelled last week's comes after every other, hidden ones included: it is never this week's.
    """
    strong: dict[str, list[tuple[int, int]]] = {}
    weak: list[tuple[int, int, str]] = []
    bare: list[int] = []
    for col, value in enumerate(row):
        if type(value) is not str:  # hot path: every row of every sheet passes here
            continue
        found = _cell_label(value)
        if found is None:
            continue
        if found is _BARE:
            bare.append(col)
            continue
        if nz.is_weak_label(value):
            weak.append((_order(found[1], col in hidden), col, found[0]))
        else:
            strong.setdefault(found[0], []).append((_order(found[1], col in hidden), col))
    for col in bare:
        found = _beside_last_week(row, col)
        if found:
            strong.setdefault(found[0], []).append((_order(0, col in hidden), col))
    if not weak and all(len(cands) == 1 for cands in strong.values()):  # the common case, kept cheap
        return {key: cands[0][1] for key, cands in strong.items()}, []
    cols = {key: min(cands)[1] for key, cands in strong.items()}
    notes = [
        (key, cols[key], [c for _, c in cands if c != cols[key]]) for key, cands in strong.items() if len(cands) > 1
    ]
    for order, col, key in sorted(
        weak
    ):  # this week's first: "完成情况（上周）" is never taken before "完成情况（本周）"
        if key not in cols:
            cols[key] = col
        elif "progress" in cols and order < LAST_WEEK_ORDER <= min(strong.get(key, [(0, 0)]))[0]:
            # "完成情况 | 本周进展 | 上周状态": the only other status column is last week's, so 完成情况 is this week's
            notes = [note for note in notes if note[0] != key]
            notes.append((key, col, [c for _, c in strong[key]]))
            strong.pop(key)
            cols[key] = col
        elif "progress" not in cols:  # beside a real status column, 完成情况 describes the progress
            cols["progress"] = col
        else:  # beside both: kept, so that a status written there is checked against the one read (rows.py)
            cols.setdefault("status_also", col)
    return cols, [n for n in notes if n[0] in FIELD_NAMES]


_BARE = ("", 1)  # a cell that is only 本周 / 上周: a week, not a field


@lru_cache(maxsize=4096)  # one lookup per cell on the hot path, for a label and for a bare week word
def _cell_label(value: str) -> tuple[str, int] | None:
    found = week_label(value)
    return _BARE if found is None and _is_week_word(value) else found


LAST_WEEK_ORDER = 6  # _order of a column labelled last week's


def _order(rank: int, hidden: bool) -> int:
    """This week's, plain, hidden this week's, hidden plain, last week's, hidden last week's."""
    return rank + (3 if hidden else 0) + (6 if rank == LAST_WEEK else 0)


@dataclass
class Table:
    """The measure table of a sheet: header row index (0-based), column map and the index after its last row."""

    sheet: SheetData
    header: int
    cols: dict[str, int]
    end: int = 0
    top: int = 0  # first row of its header block; above it lies an earlier table pasted into the same sheet
    stop: int | None = None  # where the next table's header block starts
    labels: list[Any] = field(default_factory=list)  # the header labels as read (two-level headers joined)
    notes: list[Note] = field(default_factory=list)  # fields named by several columns, and which was taken
    _last_week: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)
    _other_status: list[int] | None = field(default=None, repr=False, compare=False)

    def cells(self, index: int) -> dict[str, Any]:
        row = self.sheet.rows[index]
        width = len(row)
        return {key: row[col] if 0 <= col < width else None for key, col in self.cols.items()}  # _at, inlined

    def last_week(self, key: str) -> bool:
        """The column read for this field is labelled last week's: no column for this week was found."""
        found = self._last_week.get(key)
        if found is None:  # asked for every row read: the header does not change
            found = self._last_week[key] = key in self.cols and label_rank(self.labels, self.cols[key]) == LAST_WEEK
        return found

    def other_status_cols(self) -> list[int]:
        """Columns besides the one read that may hold this week's status too, so that each row is checked against
        them (rows.py): a 完成情况 kept beside 完成状态 and 本周进展, and the other columns of an ambiguous choice
        (several plain 完成状态 columns, none marked as this week's; those marked last week's or hidden aside)."""
        found = self._other_status
        if found is None:
            also = self.cols.get("status_also")
            found = [also] if also is not None and label_rank(self.labels, also) != LAST_WEEK else []
            chosen = self.cols.get("status")
            if chosen is not None:  # a column marked this week's is checked only against others marked so too
                hidden, rank = self.sheet.hidden_cols, label_rank(self.labels, chosen)
                for key, _, others in self.notes:
                    if key == "status":
                        found += [c for c in others if c not in hidden and _also_now(self.labels, c, rank)]
                found += [c for c in self._status_word_cols() if c not in found]
            self._other_status = found
        return found

    def _status_word_cols(self) -> list[int]:
        """Columns under some other label, or none, that hold bare status words in at least half their filled rows:
        a this-week column added beside the prefilled one ("本周", "1月7日"), or the statuses shifted under 责任类型
        by a deleted cell. The texts (本周进展 …) are checked as texts (rowchecks.TEXT_CHECKED)."""
        aside = {self.cols.get(key) for key in ("status", "no", "text", "progress", "issues", "remark", "next_steps")}
        aside |= set(self.sheet.hidden_cols)
        # Status columns the choice weighed already (a this-week one is checked only against others marked so).
        aside |= {col for key, _, others in self.notes if key == "status" for col in others}
        tally: dict[int, list[int]] = {}  # column -> [status words, filled cells]
        for index in range(self.header + 1, self.end):
            for col, value in enumerate(self.sheet.rows[index]):
                if col not in aside and not nz.is_blank(value):
                    counts = tally.setdefault(col, [0, 0])
                    counts[0] += isinstance(value, str) and bare_status(text_key(value)) is not None
                    counts[1] += 1
        return [
            col
            for col, (words, filled) in sorted(tally.items())
            if words and words * 2 >= filled and label_rank(self.labels, col) != LAST_WEEK
        ]

    def ref(self, key: str, index: int) -> str:
        return cell_ref(self.cols[key], index) if key in self.cols else ""

    def is_header_row(self, index: int) -> bool:
        """A repeated header (e.g. on a second printed page) inside the table."""
        return all(k in map_columns(self.sheet.rows[index]) for k in REQUIRED)


TICK_MIN_WORDS = 3  # a status, its progress and one more column all bare status words: no data row is like that


def tick_columns(table: Table) -> tuple[int, list[int]] | None:
    """(row, columns) of the labels of a form ticked per status: 完成状态 over 已完成 | 正常推进 | 进度滞后 | 尚未启动,
    a tick in one column of each row. Such a form is not read (rows.py reads one status column); without this
    each row would be said 未填写完成状态 or its tick an unknown status, and the labels' row an unknown measure.

    The labels' row is the header's own second row or the row under it: three or more different status words in
    consecutive cells from the status column on, and no measure number in the 序号 column."""
    status, no = table.cols.get("status"), table.cols.get("no")
    rows = table.sheet.rows
    for index in (table.header, table.header + 1):
        if status is None or index >= len(rows) or (no is not None and nz.measure_no(_at(rows[index], no))):
            continue
        row, words, col = rows[index], {}, status
        while col < len(row) and isinstance(row[col], str) and (word := bare_status(text_key(row[col]))):
            words[col] = word
            col += 1
        if len(set(words.values())) >= TICK_MIN_WORDS:
            return index, sorted(words)
    return None


def _also_now(labels: list[Any], col: int, chosen_rank: int) -> bool:
    """Whether another status column may hold this week's status beside the chosen one of `chosen_rank`."""
    rank = label_rank(labels, col)
    return rank != LAST_WEEK and (chosen_rank != 0 or rank == 0)


def _ordered(sheets: list[SheetData]) -> list[SheetData]:
    usable = [s for s in sheets if s.name != IDENTITY_SHEET]
    return [s for s in usable if not s.hidden] + [s for s in usable if s.hidden]


def find_table(sheets: list[SheetData]) -> Table | None:
    """The first table (visible sheets first) whose header has 序号, 完成状态 and 本周进展 or their variants."""
    tables = find_tables(sheets)
    return tables[0] if tables else None


def find_tables(sheets: list[SheetData]) -> list[Table]:
    """Every table of the first sheet holding one: units paste last week's table above this week's."""
    for sheet in _ordered(sheets):
        tables = sheet_tables(sheet)
        if tables:
            return tables
    return []


def find_all_tables(sheets: list[SheetData]) -> list[Table]:
    """Every table of every sheet, visible sheets first: the choice among them is made on their content."""
    return [table for sheet in _ordered(sheets) for table in sheet_tables(sheet)]


def sheet_tables(sheet: SheetData) -> list[Table]:
    """The tables of one sheet, top to bottom."""
    rows = sheet.rows
    found = next((hit for i in range(min(len(rows), HEADER_SCAN_ROWS)) if (hit := _header_at(rows, i))), None)
    if found is None:
        return []
    tables = [_table(sheet, found)]
    index = found[0] + 1
    while index < min(len(rows), HEADER_SCAN_ROWS * 5):
        hit = _header_at(rows, index)
        top = _block_start(rows, tables[-1].header + 1, index) if hit else None
        if hit and top is None and _repeats(rows, tables[-1], index, hit[0]):
            top = index  # no header block, but the same measures again: last week's table pasted below
        if hit and top is not None:  # a new header block above it: another return, not a page break
            tables[-1].stop = top
            tables.append(_table(sheet, hit, top))
            index = hit[0]
        index += 1
    for table in tables:
        table.end = _table_end(table)
    return tables


def _repeats(rows: list[list[Any]], table: Table, start: int, header: int) -> bool:
    """A header inside a table followed by measure numbers already listed above it: a second table."""
    col = table.cols.get("no")
    if col is None:
        return False
    above = {nz.measure_no(_at(row, col)) for row in rows[table.header + 1 : start]} - {None}
    below = {nz.measure_no(_at(row, col)) for row in rows[header + 1 : header + 1 + HEADER_SCAN_ROWS]} - {None}
    return bool(above & below)


def _table(sheet: SheetData, hit: tuple[int, list[Any]], top: int = 0) -> Table:
    cols, notes = columns(hit[1], sheet.hidden_cols)
    return Table(sheet, hit[0], cols, top=top, labels=hit[1], notes=notes)


def _header_at(rows: list[list[Any]], index: int) -> tuple[int, list[Any]] | None:
    """(header row index, header labels) of a table header starting at index, one or two rows high."""
    upper = rows[index]
    if not map_columns(upper):  # most rows hold no header label at all
        return None
    lower = rows[index + 1] if index + 1 < len(rows) else None
    try:  # the same title, note and instruction lines come in every return
        height = _header_height(tuple(upper), None if lower is None else tuple(lower))
    except TypeError:  # a cell value that cannot be hashed: no cache
        height = _header_height.__wrapped__(upper, lower)
    if height is None:
        return None
    return (index, upper) if height == 1 else (index + 1, _stacked(upper, lower or []))


@lru_cache(maxsize=64)
def _header_height(upper: Sequence[Any], lower: Sequence[Any] | None) -> int | None:
    """1 or 2 when a table header starts at `upper` (`lower` is the row under it, None at the end), else None."""
    cols = columns(upper)[0]
    if not cols or lower is None:
        return 1 if all(k in cols for k in REQUIRED) else None
    split = any(_is_week_word(v) for v in lower)
    if not split and all(k in cols for k in REQUIRED):
        return 1
    # Two-level header: "完成情况" merged over "完成状态 | 本周进展", "序号" merged down two rows.
    cols = columns(_stacked(upper, lower))[0]
    return 2 if all(k in cols for k in REQUIRED) else None


def _block_start(rows: list[list[Any]], start: int, stop: int) -> int | None:
    """The first row between start and stop holding a header block label (填报单位 …), if any."""
    return next((i for i in range(start, stop) if any(is_label(v) for v in rows[i])), None)


WEEK_WORD_LEN = 6


def _is_week_word(value: Any) -> bool:
    """A bare 上周 / 本周 under a merged label: the label is split into last week's and this week's column."""
    return isinstance(value, str) and len(value) <= WEEK_WORD_LEN and nz.label_key(value) in _WEEK_WORDS


def _stacked(upper: Sequence[Any], lower: Sequence[Any]) -> list[Any]:
    """One header row from two: the lower label where it is one, else the (merged) upper label.

    "完成状态" merged over "上周 | 本周" gives "上周完成状态 | 本周完成状态", so this week's column can be told.
    """
    width = max(len(upper), len(lower))
    out: list[Any] = []
    parent: Any = None
    start = -1
    bands: dict[int, tuple[Any, int]] = {}  # column -> the upper label over a lower label, and where it starts
    for col in range(width):
        above, below = _at(upper, col), _at(lower, col)
        if not nz.is_blank(above):
            parent, start = above, col
        if week_label(below) is not None:  # a label, also one naming its week ("本周完成状态")
            out.append(below)
            bands[col] = (parent, start)
        elif isinstance(parent, str) and _is_week_word(below):
            out.append(nz.label_key(below) + parent)
        else:
            out.append(above)
    return _banded(out, bands)


def _band_rank(band: Any) -> int:
    """0 or 2 for a band that names this week or last week ("本周情况", "上周报送情况"), else 1."""
    if not isinstance(band, str) or len(band) > 20 or nz.header_label(band) is not None:
        return 1
    key = nz.label_key(band, strip_notes=True)
    named = {rank for rank, words in ((0, _THIS_WEEK), (2, _LAST_WEEK)) for word in words if key.startswith(word)}
    return named.pop() if len(named) == 1 else 1


_PLAIN_LABELS = {"status": "完成状态", "progress": "进展情况"}  # naming no week ("本周进展" names this week)


def _banded(out: list[Any], bands: dict[int, tuple[Any, int]]) -> list[Any]:
    """Where a status or progress column is repeated under bands naming weeks ("本周情况 | 上周情况" merged over
    "完成状态 | 本周进展" each), the band says which is this week's: "完成状态（上周）". A label that names the other
    week than its band ("本周完成状态" under "上周情况", copied with last week's columns) is taken as naming none.

    Only bands that tell the columns apart decide: the repeated columns under different band cells, at most one of
    them naming this week. One band over both (a blank upper cell looks like a merged one), or two bands both
    saying 本周, tell nothing: the columns stay as labelled and each row is checked against the other (rows.py)."""
    fields: dict[str, list[int]] = {}
    for col in bands:
        found = week_label(out[col])
        if found and found[0] in FIELD_NAMES:
            fields.setdefault(found[0], []).append(col)
    for key, cols in fields.items():
        ranks = {col: _band_rank(bands[col][0]) for col in cols}
        if len({bands[col][1] for col in cols}) < 2 or list(ranks.values()).count(0) > 1:
            continue
        for col in cols:
            rank = ranks[col]
            if rank == 1:
                continue
            own = label_rank(out, col)
            if own == 1:
                out[col] = f"{out[col]}（{'本周' if rank == 0 else '上周'}）"
            elif own != rank:
                out[col] = _PLAIN_LABELS[key]
    return out


def _table_end(table: Table) -> int:
    """Index after the last table row: at a footer line or after a long run of blank rows."""
    rows = table.sheet.rows
    blanks = 0
    last = len(rows) if table.stop is None else table.stop
    for index in range(table.header + 1, last):
        if is_blank_row(rows[index]):
            blanks += 1
            if blanks >= BLANK_RUN_END:
                return index - blanks + 1
            continue
        blanks = 0
        if is_footer(rows[index], _at(rows[index], table.cols["no"])):
            return index
    return last
