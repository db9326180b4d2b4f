"""The header block around a return's table: 填报单位, 联系人, 联系电话, 填报日期, each found by its label.

Units write a label in its own cell with the value to its right (often past merged or spacer cells), or
"填报单位：某某局" inside one cell, several to a line; signature lines under the table fill in what the
block above it left empty.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .. import lazyre
from . import normalize as nz
from .cellrefs import cell_ref
from .rowkinds import BLANK_RUN_END

if TYPE_CHECKING:
    from .layout import Table

# Header block labels (填报单位 …) → field key. Plain "单位" is left out: "单位：万元" is a common table note.
BLOCK_LABELS = {
    "unit": "填报单位 报送单位 填报单位名称 报送单位名称 单位名称",
    "contact": "联系人 填报人 填表人 经办人",
    "phone": "联系电话 电话 联系方式 手机 手机号码 办公电话 联系人电话",
    "filled": "填报日期 填报时间 报送日期 报送时间 日期",
}
_LABEL_INDEX = {word: key for key, words in BLOCK_LABELS.items() for word in words.split()}
_INLINE = lazyre.compile(
    r"(?:^|(?<=\s))(?P<label>" + "|".join(sorted(_LABEL_INDEX, key=len, reverse=True)) + r")(?:\([^()]*\))?\s*[:：]\s*"
)
_EMPTY_DATE = lazyre.compile(r"[年月日\s_]*")


@dataclass
class Block:
    """Header block values (填报单位, 联系人, 联系电话, 填报日期) with the cell each came from."""

    values: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)

    def value(self, key: str) -> Any:
        return self.values.get(key)

    def cell(self, key: str) -> str:
        return self.cells.get(key, "")

    def put(self, key: str, value: Any, cell: str) -> None:
        if key not in self.cells:  # the first occurrence counts
            if key == "filled" and isinstance(value, str) and _EMPTY_DATE.fullmatch(value):
                value = None  # the printed "    年  月  日" left unfilled
            self.values[key] = value
            self.cells[key] = cell


def _label_only(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 20:
        return None
    return _LABEL_INDEX.get(nz.label_key(value, strip_notes=True))


def _other_label(value: Any) -> bool:
    """A label of a field not read here, ending in a colon: the printed form's "负责人（签字）：" right of an
    empty "填报单位（盖章）：" is not the unit."""
    return isinstance(value, str) and value.rstrip().endswith((":", "："))


def is_label(value: Any) -> bool:
    return _label_only(value) is not None or (isinstance(value, str) and bool(_inline_labels(value)))


@lru_cache(maxsize=256)  # title, header-block and signature lines recur in every return
def _inline_labels(value: str) -> tuple[tuple[str, str], ...]:
    """(field key, the text after it up to the next label) of each "填报单位：…" written inside one cell."""
    text = unicodedata.normalize("NFKC", value)
    matches = list(_INLINE.finditer(text))
    stops = [m.start() for m in matches[1:]] + [len(text)] if matches else []
    return tuple(
        (_LABEL_INDEX[m.group("label")], text[m.end() : stop].strip()) for m, stop in zip(matches, stops, strict=True)
    )


def _value_right(row: list[Any], col: int, index: int) -> tuple[Any, str]:
    """The first non-empty cell right of a label (labels are often followed by merged or spacer cells)."""
    for right in range(col + 1, len(row)):
        value = row[right]
        if nz.is_blank(value):
            continue
        if is_label(value) or _other_label(value):
            break
        return value, cell_ref(right, index)
    return None, cell_ref(col + 1, index)


def _scan_row(block: Block, row: list[Any], index: int) -> None:
    for col, value in enumerate(row):
        if value is None:  # most cells of a header block are merged or empty
            continue
        key = _label_only(value)
        if key is not None:
            block.put(key, *_value_right(row, col, index))
            continue
        if not isinstance(value, str):
            continue
        found = _inline_labels(value)
        for number, (key, inline) in enumerate(found):
            if inline:
                block.put(key, inline, cell_ref(col, index))
            elif number + 1 == len(found):  # "填报单位：" with the value in a cell to the right
                block.put(key, *_value_right(row, col, index))
            else:
                block.put(key, None, cell_ref(col, index))


def block_of(rows: Sequence[list[Any]]) -> Block:
    """Header block values written in these rows (a scanned page's lines above its table)."""
    block = Block()
    for index, row in enumerate(rows):
        _scan_row(block, row, index)
    return block


def read_block(table: Table) -> Block:
    """Header block above the table; signature lines under it fill in a missing 联系人 or 联系电话."""
    block = Block()
    rows = table.sheet.rows
    for index in range(table.top, table.header):
        _scan_row(block, rows[index], index)
    footer = Block()
    last = len(rows) if table.stop is None else table.stop
    for index in range(table.end, min(last, table.end + BLANK_RUN_END)):
        _scan_row(footer, rows[index], index)
    for key, value in footer.values.items():
        if nz.is_blank(block.value(key)) and not nz.is_blank(value):
            block.values[key], block.cells[key] = value, footer.cells[key]
    return block
