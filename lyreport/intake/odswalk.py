"""A walk through the tables of an .ods content.xml that knows where it stands: which table, row and column each
cell is, and the default cell styles of its row and column, so that a cell's own style can be found. Shared by
the .ods marks readers that follow cell styles (odsstruck.py, odsunseen.py); runs in the reader worker."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from typing import TypeVar

from .. import lazyre
from .marktools import MAX_INDEX
from .marktools import attrs as _attrs
from .xmltext import unescape

_BODY_TAG = lazyre.compile(
    rb"<(/?)(table:table-row|table:table-column|table:table-cell|table:covered-table-cell|table:table)(?=[\s/>])"
    rb"([^>]*?)(/?)>"
)


class TablePlace:
    """Where the walk is in one table: the column default styles declared so far, the row and the column."""

    def __init__(self) -> None:
        self.starts: list[int] = []  # first column of each <table:table-column>
        self.styles: list[bytes] = []  # and its default cell style
        self.width = 0  # columns declared so far
        self.row = self.col = 0
        self.rows = 1  # repeats of the current row
        self.row_style = b""

    def cell_style(self, attrs: dict[bytes, bytes]) -> bytes:
        """The style a cell is shown in: its own, else its row's default, else its column's, else Default."""
        return attrs.get(b"table:style-name") or self.row_style or self._column_style() or b"Default"

    def _column_style(self) -> bytes:
        at = bisect.bisect_right(self.starts, self.col) - 1
        return self.styles[at] if at >= 0 and self.col < self.width else b""


Place = TypeVar("Place", bound=TablePlace)


def repeat(attrs: dict[bytes, bytes], key: bytes) -> int:
    """A number-…-repeated attribute: 1 when missing or not a positive number, at most MAX_INDEX."""
    value = attrs.get(key, b"1").strip()
    return min(int(value), MAX_INDEX) if value.isdigit() and int(value) > 0 else 1


def table_cells(
    xml: bytes, new_table: Callable[[], Place]
) -> Iterator[tuple[str, Place, re.Match[bytes], dict[bytes, bytes], int]]:
    """(table name, its place, the cell's tag, the cell's attributes, columns it stands for) of every cell with
    content (not covered, not empty, within MAX_INDEX rows); `new_table` makes each table's place, once per table."""
    table, name = new_table(), ""
    for hit in _BODY_TAG.finditer(xml, max(xml.find(b"<office:body"), 0)):
        closing, tag, empty = hit[1], hit[2], hit[4]
        if tag == b"table:table":
            if not closing:
                table = new_table()
                name = unescape(_attrs(hit[3]).get(b"table:name", b"").decode("utf-8", "replace"))
            continue
        if closing:
            table.row += table.rows if tag == b"table:table-row" else 0
            continue
        attrs = _attrs(hit[3])
        if tag == b"table:table-column":
            table.starts.append(table.width)
            table.styles.append(attrs.get(b"table:default-cell-style-name", b""))
            table.width += repeat(attrs, b"table:number-columns-repeated")
        elif tag == b"table:table-row":
            table.rows, table.col = repeat(attrs, b"table:number-rows-repeated"), 0
            table.row_style = attrs.get(b"table:default-cell-style-name", b"")
            table.row += table.rows if empty else 0
        else:
            columns = repeat(attrs, b"table:number-columns-repeated")
            if not empty and tag == b"table:table-cell" and table.row < MAX_INDEX:
                yield name, table, hit, attrs, columns
            table.col += columns
