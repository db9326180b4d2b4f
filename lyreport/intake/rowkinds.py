"""What a line of a return sheet is, besides a measure row: blank, a signature or note line, a totals line,
a category heading. Units add all of these under and inside the measure table."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from .. import lazyre
from . import normalize as nz
from .status_words import text_denies_done, text_key, text_says_lag

BLANK_RUN_END = 10  # this many blank rows in a row end the table (and the signature lines looked for under it)

_FOOTER = lazyre.compile(
    r"^(?:填报人|填表人|审核人|审批人|单位负责人|负责人|签发人|分管领导|主要领导|制表人|(?:注|说明)\d*[:：.])"
)


def is_blank_row(row: list[Any]) -> bool:
    return all(nz.is_blank(v) for v in row)


def is_footer(row: list[Any], no_value: Any) -> bool:
    """A signature or note line under the table (填报人：…, 注：…), not a measure row."""
    if nz.measure_no(no_value) is not None:
        return False
    first = next((v for v in row if not nz.is_blank(v)), None)
    return isinstance(first, str) and bool(_FOOTER.match(_squeezed(first)))


_TOTAL = lazyre.compile(r"^(?:合计|总计|小计|共计|汇总)")


def is_total(row: list[Any]) -> bool:
    """A totals line (合计 3 项 …) added under or inside the table: not a measure."""
    first = next((v for v in row if not nz.is_blank(v)), None)
    return isinstance(first, str) and bool(_TOTAL.match(_squeezed(first)))


@lru_cache(maxsize=256)  # the first text of a row (a note, a signature line) recurs in every return
def _squeezed(text: str) -> str:
    """NFKC without any whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def is_heading(cells: dict[str, Any], row: list[Any]) -> bool:
    """A category line inside the table (一、产业转型 …): no arabic 序号, and nothing reported or one lone text.

    A line telling of progress ("（注：二期尚未完工）", "尚有扫尾工作", "待验收") is a note on the measure above,
    never a category: dropped as a heading, it left the measure 已完成."""
    if _arabic_no(cells.get("no")):
        return False
    filled = [v for v in row if not nz.is_blank(v)]
    if any(tells_progress(v) for v in filled):
        return False
    reported = ("status", "progress", "issues", "next_steps", "expected", "remark")
    if all(nz.is_blank(cells.get(k)) for k in reported):
        return True
    # A merged heading spanning the row leaves its text in whichever column comes first.
    return len(filled) == 1 and nz.status(filled[0]) is None


def tells_progress(value: Any) -> bool:
    """A text saying the work is behind or not finished (滞后, 尚未完工, 待验收, 预计6月完成)."""
    if not isinstance(value, str):
        return False
    said = text_key(value)
    return text_denies_done(said) or text_says_lag(said)


def _arabic_no(value: Any) -> bool:
    """序号 holding a measure number in digits (21, "21、", "第21条"), unlike heading numerals such as 一."""
    if nz.measure_no(value) is None:
        return False
    return not isinstance(value, str) or any(ch.isdigit() for ch in value)
