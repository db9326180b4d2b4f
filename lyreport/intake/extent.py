"""Sheet extents from streamed sheet XML: the dense grid calamine would allocate, before it does.

calamine builds rows × columns of the used range in memory, so one value at XFD1048576 in a 2 KB file
would abort the reader. These scanners are fed whole tags by the pre-check (precheck.py) and record
sheets whose extent is over the limits.
"""

from __future__ import annotations

from .. import lazyre
from .xmltext import unescape

MAX_ROWS = 20_000  # legitimate returns have < 200 rows
MAX_COLS = 500
MAX_CELLS = 1_000_000  # rows x columns of the dense range calamine would build


class Scanner:
    """Base scanner: tracks nothing (the pre-check itself looks for DOCTYPE/ENTITY); subclasses track extents."""

    def __init__(self) -> None:
        self.oversized: dict[str, tuple[int, int]] = {}

    def feed(self, segment: bytes) -> bool:
        """Process complete tags; return False to stop reading this part."""
        return True


def too_big(rows: int, cols: int) -> bool:
    return rows > MAX_ROWS or cols > MAX_COLS or rows * cols > MAX_CELLS


_XLSX_TOKEN = lazyre.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)\b([^>]*)>")
_R_ATTR = lazyre.compile(rb"(?:^|\s)r\s*=\s*[\"']([^\"']*)[\"']")
_CELL_REF = lazyre.compile(rb"^\$?([A-Za-z]{1,10})\$?(\d{0,12})$")


class XlsxScanner(Scanner):
    """Largest row and column of cells that hold something, as calamine will lay them out.

    Self-closing cells (`<c r="XFD1" s="1"/>`) carry no value and calamine ignores them, so they do not
    count; neither does <dimension>, which calamine does not use either.
    """

    def __init__(self, sheet: str):
        super().__init__()
        self.sheet = sheet
        self.row = self.col = self.max_row = self.max_col = 0
        self._fed = False
        self._pending: bytes | None = None  # a first segment known to be within the limits, not yet measured

    def feed(self, segment: bytes) -> bool:
        if not segment:  # nothing to measure (the pre-check ends every part with what is left over)
            return True
        if self._pending is not None:
            self._measure(self._pending)
        elif not self._fed:
            self._fed = True
            bound = _upper_bound(segment)
            if bound is not None and not too_big(*bound):  # the usual sheet, whole in one segment
                self._pending = segment  # measured only if more follows, or if asked (extent)
                return True
        return self._measure(segment)

    @property
    def extent(self) -> tuple[int, int]:
        """(max_row, max_col) of the cells fed so far that hold something."""
        if self._pending is not None:
            self._measure(self._pending)
        return self.max_row, self.max_col

    def _measure(self, segment: bytes) -> bool:
        self._pending = None
        if not self._feed_fast(segment):
            self._feed_tags(segment)
        if too_big(self.max_row, self.max_col):
            self.oversized[self.sheet] = (self.max_row, self.max_col)
            return False
        return True

    def _feed_fast(self, segment: bytes) -> bool:
        """The usual case, without a Python loop over cells: every cell and row says where it is.

        Applies only when every <c> has a plain r="A1" reference, every <row> an r="1", and no attribute
        is single-quoted (so no r="…" can hide inside another attribute's value); else False.
        """
        if b"'" in segment or _PREFIXED.search(segment):
            return False
        if self._feed_r_first(segment):
            return True
        refs = _REF_CELL.findall(segment)  # (column letters, row number, "/" if it holds no value)
        if len(_ANY_CELL.findall(segment)) != len(refs):
            return False
        full = [(col, row) for col, row, empty in refs if not empty]
        rows = _ROW_REF.findall(segment)
        if len(rows) != len(_ANY_ROW.findall(segment)):
            return False
        if full:
            self.max_row = max(self.max_row, max(map(int, (row for _, row in full))))
            self.max_col = max(self.max_col, max(map(column_number, {col for col, _ in full})))
        if rows:  # where the slow path would go on from, should a later segment need it
            self.row, self.col = int(rows[-1]), 0
        last = _LAST_CELL.findall(segment[segment.rfind(b"<row") :]) if rows else []
        if last:
            self.col = column_number(last[-1])
        return True

    def _feed_r_first(self, segment: bytes) -> bool:
        """_feed_fast when every cell and row tag starts with its reference (`<c r="B7" …>`, `<row r="7" …>`),
        as every spreadsheet program writes them: one pattern finds each tag whole, with no search for r=
        inside it. Same result as the general patterns; False (nothing recorded) if any tag is otherwise."""
        cells = _R_FIRST_CELL.findall(segment)  # (column letters or "" if r is not first, row, rest of the tag)
        rows = _R_FIRST_ROW.findall(segment)  # row number, or "" if r is not first
        if b"" in rows or (cells and b"" in next(zip(*cells, strict=True))):
            return False
        full = [(col, row) for col, row, rest in cells if not rest.endswith(b"/")]  # a cell "<c …/>" holds nothing
        if full:
            cols, numbers = zip(*full, strict=True)
            self.max_row = max(self.max_row, max(map(int, set(numbers))))
            self.max_col = max(self.max_col, widest_column(set(cols)))
        if rows:
            self.row, self.col = int(rows[-1]), 0
            last = _LAST_CELL.findall(segment[segment.rfind(b"<row") :])
            if last:
                self.col = column_number(last[-1])
        return True

    def _feed_tags(self, segment: bytes) -> None:
        """Tag by tag, as calamine lays cells out: a cell without a reference goes right of the previous one."""
        for match in _XLSX_TOKEN.finditer(segment):
            tag, attrs = match.groups()
            ref = _R_ATTR.search(attrs)
            if tag == b"row":
                self.row = int(ref.group(1)) if ref and ref.group(1).isdigit() else self.row + 1
                self.col = 0
                continue
            row = self.row
            cell = _CELL_REF.match(ref.group(1)) if ref else None
            if cell:
                self.col = column_number(cell.group(1))
                row = int(cell.group(2)) if cell.group(2) else row
            else:
                self.col += 1
            if not attrs.endswith(b"/"):
                self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, self.col)
                if too_big(self.max_row, self.max_col):
                    return


# `b":c" in segment or b":row" in segment`, several times faster: the pattern is looked for from its rare first byte.
_PREFIXED = lazyre.compile(rb":(?:c|row)")
_R_FIRST_CELL = lazyre.compile(rb'<c(?=[\s/>])(?: r="([A-Z]{1,3})([0-9]{1,7})")?([^>]*)>')
_R_FIRST_ROW = lazyre.compile(rb'<row(?=[\s/>])(?: r="([0-9]{1,7})")?')
_ANY_CELL = lazyre.compile(rb"<c[\s/>]")
_REF_CELL = lazyre.compile(rb'<c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(/?)>')
_LAST_CELL = lazyre.compile(rb'<c\s[^>]*?\br="([A-Z]{1,3})[0-9]{1,7}"')
_ANY_ROW = lazyre.compile(rb"<row[\s/>]")
_ROW_REF = lazyre.compile(rb'<row\s[^>]*?\br="([0-9]{1,7})"')


_ANY_CELL_REF = lazyre.compile(rb'<c(?=[\s/>])(?: r="([A-Z]{1,3})([0-9]{1,7})")?')


def _upper_bound(segment: bytes) -> tuple[int, int] | None:
    """Largest row and column of every cell, empty or not, when each cell tag starts with its reference;
    else None. Never smaller than the extent, so within the limits means the extent is too: one pattern scan
    instead of telling empty cells from full ones."""
    if b"'" in segment or _PREFIXED.search(segment):
        return None
    refs = _ANY_CELL_REF.findall(segment)  # (column letters, row) of each cell; ("", "") if r is not first
    if not refs:
        return 0, 0
    letters, numbers = zip(*refs, strict=True)
    if b"" in letters:
        return None
    return max(map(int, set(numbers))), widest_column(set(letters))


def widest_column(letters: set[bytes]) -> int:
    """max(map(column_number, letters)) for references of 1-3 capitals: among names of one length the
    alphabetical order is the column order, so only the greatest name of the greatest length is converted."""
    longest = max(map(len, letters))
    return column_number(max(name for name in letters if len(name) == longest))


def column_number(letters: bytes) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number


_ODS_TOKEN = lazyre.compile(rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)\b([^>]*)>")
_ROWS_REPEATED = lazyre.compile(rb"number-rows-repeated\s*=\s*[\"'](\d{1,12})[\"']")
_COLS_REPEATED = lazyre.compile(rb"number-columns-repeated\s*=\s*[\"'](\d{1,12})[\"']")
_TABLE_NAME = lazyre.compile(rb"table:name\s*=\s*[\"']([^\"']*)[\"']")


class OdsScanner(Scanner):
    """Per table: rows and columns spanned by cells with content, counting *-repeated attributes.

    LibreOffice writes a million repeated *empty* rows in every file; only repeats of cells with a
    value (or with text inside) make calamine allocate.
    """

    def __init__(self) -> None:
        super().__init__()
        self.sheet = ""
        self._reset_table()

    def _reset_table(self) -> None:
        self.row = self.max_row = self.max_col = 0
        self.row_start = self.row_repeat = self.col = 0
        self.row_has_content = False

    def feed(self, segment: bytes) -> bool:
        for match in _ODS_TOKEN.finditer(segment):
            closing, tag, attrs = match.groups()
            if tag == b"table":
                self._table(closing, attrs)
            elif tag == b"table-row":
                self._row(closing, attrs)
            else:
                self._cell(attrs)
            if too_big(self.max_row, self.max_col):
                self.oversized[self.sheet] = (self.max_row, self.max_col)
                return False
        return True

    def _table(self, closing: bytes, attrs: bytes) -> None:
        if not closing:
            name = _TABLE_NAME.search(attrs)
            self.sheet = unescape(name.group(1).decode("utf-8", "replace")) if name else ""
            self._reset_table()

    def _row(self, closing: bytes, attrs: bytes) -> None:
        if closing:
            if self.row_has_content:
                self.max_row = max(self.max_row, self.row_start + self.row_repeat)
            self.row = self.row_start + self.row_repeat
            return
        repeat = _ROWS_REPEATED.search(attrs)
        self.row_start, self.row_repeat = self.row, int(repeat.group(1)) if repeat else 1
        self.col, self.row_has_content = 0, False
        if attrs.endswith(b"/"):
            self.row = self.row_start + self.row_repeat

    def _cell(self, attrs: bytes) -> None:
        repeat = _COLS_REPEATED.search(attrs)
        self.col += int(repeat.group(1)) if repeat else 1
        if not attrs.endswith(b"/") or b"value-type" in attrs:
            self.row_has_content = True
            self.max_col = max(self.max_col, self.col)
