"""Hidden rows and columns, error cells and merged cells of an .ods file, read from content.xml's tags (the
.ods part of sheetmarks.py): calamine says none of them for .ods."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from .. import lazyre
from .errorvalues import error_value
from .marktools import MAX_INDEX, MAX_MARKS, Marks, from_outside
from .marktools import attrs as _attrs
from .xmltext import unescape
from .zipparts import ZipParts

MIN_ROW_HEIGHT = 1.0  # points: a row lower than this shows nothing (Excel's own "hide" is height 0)


def ods_marks(parts: ZipParts) -> dict[str, Marks]:
    """Sheet name → Marks from content.xml; what was found so far on any surprise."""
    marks: dict[str, Marks] = {}
    try:
        content = parts.read("content.xml")
        marks = _ods(content)
    except Exception:  # noqa: BLE001 - marks are an extra; the values were read already
        return marks
    # Apart, so that an error cell that cannot be read does not take the hidden rows found with it.
    with contextlib.suppress(Exception):  # as above; the error cells found so far are kept
        _ods_errors(content, marks)
    with contextlib.suppress(Exception):  # as above
        if _ODS_COVERED_TEXT.search(content):
            _ods_merges(content, marks)
    with contextlib.suppress(Exception):  # as above
        if _ODS_OUTSIDE_HINT.search(content):
            _ods_linked(content, marks)
    return marks


# (?=…): a tag without attributes (<table:table-row>) ends at its own ">", not at the next tag's.
_ODS_TAG = lazyre.compile(
    rb"<table:table-row(?=[\s/>])[^>]*>|<table:table-column(?=[\s/>])[^>]*>|<table:table(?=[\s>])[^>]*>"
    rb"|</table:table>"
)


_ODS_STYLE = lazyre.compile(rb"<style:style\b[^>]*>")
_ODS_SIZE = lazyre.compile(rb"""style:(row-height|column-width)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# A style's size that could be small (0cm, 0.02in, .5pt): only then are the styles read one by one.
_ODS_LOW = lazyre.compile(rb"""(?:row-height|column-width)\s*=\s*["']\s*(?:[-+.0]|[^"'>]*[eE])""")
_ODS_NUMBER = lazyre.compile(rb"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(cm|mm|in|pt|pc|px)?\s*")
_POINTS = {b"cm": 72 / 2.54, b"mm": 72 / 25.4, b"in": 72.0, b"pt": 1.0, b"pc": 12.0, b"px": 0.75, None: 1.0}
_ODS_MIN = {b"row-height": MIN_ROW_HEIGHT, b"column-width": 5.0}  # points; 5 points is about one character


def _ods_invisible_styles(xml: bytes) -> set[tuple[bytes, bytes]]:
    """(row-height | column-width, name) of the styles too low or too narrow to show anything: a row of height 0
    is hidden in all but name. The automatic styles come before the body and are few."""
    body = xml.find(b"<office:body")
    styles = xml[: body if body >= 0 else len(xml)]
    if not _ODS_LOW.search(styles):
        return set()
    found = set()
    for hit in _ODS_STYLE.finditer(styles):
        end = styles.find(b"</style:style>", hit.end())
        size = None if hit.group().endswith(b"/>") else _ODS_SIZE.search(styles, hit.end(), max(end, hit.end()))
        value = (size[2] if size[2] is not None else size[3]) if size else None  # an empty "" is a value too
        number = _ODS_NUMBER.fullmatch(value) if value is not None else None
        if size and number and float(number[1]) * _POINTS[number[2]] < _ODS_MIN[size[1]]:
            found.add((size[1], _attrs(hit.group()).get(b"style:name", b"")))
    return found


def _ods(xml: bytes) -> dict[str, Marks]:
    invisible = _ods_invisible_styles(xml)
    if not invisible and b"table:visibility" not in xml:  # nothing hidden: the common case costs two searches
        return {}
    marks: dict[str, Marks] = {}
    current: Marks | None = None
    row = col = 0
    for hit in _ODS_TAG.finditer(xml):
        tag = hit.group()
        if tag.startswith(b"</"):
            current = None
            continue
        attrs = _attrs(tag)
        if tag.startswith(b"<table:table-row"):
            repeat = min(int(attrs.get(b"table:number-rows-repeated", b"1") or 1), MAX_INDEX)
            if current is not None and _ods_hidden(attrs, invisible, b"row-height"):
                current.hidden_rows.update(range(row, min(row + repeat, MAX_INDEX)))
            row += repeat
        elif tag.startswith(b"<table:table-column"):
            repeat = min(int(attrs.get(b"table:number-columns-repeated", b"1") or 1), MAX_INDEX)
            if current is not None and _ods_hidden(attrs, invisible, b"column-width"):
                current.hidden_cols.update(range(col, min(col + repeat, MAX_INDEX)))
            col += repeat
        else:
            name = unescape(attrs.get(b"table:name", b"").decode("utf-8", "replace"))
            current = marks.setdefault(name, Marks())
            row = col = 0
    return marks


def _ods_hidden(attrs: dict[bytes, bytes], invisible: set[tuple[bytes, bytes]], size: bytes) -> bool:
    """Collapsed or filtered away, or of a style too small to see."""
    return (
        attrs.get(b"table:visibility", b"visible").strip() != b"visible"
        or (size, attrs.get(b"table:style-name", b"")) in invisible
    )


# A cell LibreOffice calculated to an error: calcext:value-type="error" (older files: a formula showing Err:5xx / #…)
_ODS_CELL_TAGS = lazyre.compile(
    rb"<table:table-row(?=[\s/>])[^>]*>|</table:table-row>|<table:(?:covered-)?table-cell\b[^>]*>"
    rb"|<table:table(?=[\s>])[^>]*>|</table:table>"
)
_ODS_TEXT_TAG = lazyre.compile(rb"<[^>]*>")


def _ods_cells(
    xml: bytes, marks: dict[str, Marks]
) -> Iterator[tuple[Marks, re.Match[bytes], dict[bytes, bytes], int, int, int, int]]:
    """Each cell tag of each table, with the table's marks, the tag's match and attributes, its (row, col) and
    how many rows and columns it stands for (number-rows/columns-repeated): the walk both .ods marks share."""
    current: Marks | None = None
    row = col = 0
    rows_repeated = 1
    for hit in _ODS_CELL_TAGS.finditer(xml):
        tag = hit.group()
        if tag.startswith(b"</table:table-row"):
            row += rows_repeated
        elif tag.startswith(b"</"):
            current = None
        elif tag.startswith(b"<table:table-row"):
            rows_repeated = min(int(_attrs(tag).get(b"table:number-rows-repeated", b"1") or 1), MAX_INDEX)
            col = 0
            if tag.endswith(b"/>"):
                row += rows_repeated
        elif tag.startswith(b"<table:table-cell") or tag.startswith(b"<table:covered"):
            attrs = _attrs(tag)
            repeat = min(int(attrs.get(b"table:number-columns-repeated", b"1") or 1), MAX_INDEX)
            if current is not None:
                yield current, hit, attrs, row, col, rows_repeated, repeat
            col += repeat
        else:
            name = unescape(_attrs(tag).get(b"table:name", b"").decode("utf-8", "replace"))
            current = marks.setdefault(name, Marks())
            row = col = 0


def _ods_errors(xml: bytes, marks: dict[str, Marks]) -> dict[str, Marks]:
    """Add the error cells of each table to `marks`; two substring searches when there are none."""
    if b'value-type="error"' not in xml and not (b"table:formula" in xml and (b">Err:" in xml or b">#" in xml)):
        return marks
    for sheet, hit, attrs, row, col, rows, cols in _ods_cells(xml, marks):
        tag = hit.group()
        if not tag.endswith(b"/>") and (b"error" in tag or b"table:formula" in tag):
            close = b"</table:covered-table-cell>" if tag.startswith(b"<table:covered") else b"</table:table-cell>"
            end = xml.find(close, hit.end())  # its own closing tag, not the next cell's
            text = _ODS_TEXT_TAG.sub(b"", xml[hit.end() : end if end >= 0 else hit.end()])
            shown = unescape(text.decode("utf-8", "replace")).strip()
            value = error_value(shown)
            if value or attrs.get(b"calcext:value-type") == b"error":
                _mark_error(sheet, row, col, rows, cols, value or shown[:20] or "错误值")
    return marks


# A formula that may take its value from outside the file: a bar (DDE), a quoted file before #$, a function;
# the common .ods (no such formula) costs one search.
_ODS_OUTSIDE_HINT = lazyre.compile(
    rb"""table:formula\s*=\s*["'][^"']*?(?:\||&apos;#\$|'#\$|\]|(?:webservice|filterxml|rtd|dde|call|register)\s*\()""",
    re.IGNORECASE,
)


def _ods_linked(xml: bytes, marks: dict[str, Marks]) -> None:
    """Add the cells whose formula takes its value from another file, a program (DDE) or the web."""
    for sheet, _, attrs, row, col, rows, cols in _ods_cells(xml, marks):
        raw = attrs.get(b"table:formula")
        if raw is None:
            continue
        formula = unescape(raw.decode("utf-8", "replace"))
        formula = formula.split(":", 1)[1] if formula[:3].lower() == "of:" else formula
        if not from_outside(formula, ods=True):
            continue
        for r in range(row, min(row + rows, MAX_INDEX)):
            for c in range(col, min(col + cols, MAX_INDEX)):
                if len(sheet.linked) >= MAX_MARKS:
                    return
                sheet.linked[(r, c)] = formula.lstrip("=").strip()[:80]


# A covered cell (under a merged one) with content: LibreOffice's "keep the contents of the hidden cells".
_ODS_COVERED_TEXT = lazyre.compile(rb"<table:covered-table-cell\b[^>]*(?<!/)>\s*<text:")


def _ods_merges(xml: bytes, marks: dict[str, Marks]) -> dict[str, Marks]:
    """Add each table's merged cells ((top, left), (bottom, right)), so that the reader can tell covered cells
    that hold something the sheet does not show (concealed.under_merges): calamine does not say them for .ods."""
    for sheet, _, attrs, row, col, _, _ in _ods_cells(xml, marks):
        down = int(attrs.get(b"table:number-rows-spanned", b"1") or 1)
        across = int(attrs.get(b"table:number-columns-spanned", b"1") or 1)
        if (down > 1 or across > 1) and len(sheet.merges) < MAX_MARKS:
            sheet.merges.append(((row, col), (min(row + down - 1, MAX_INDEX), min(col + across - 1, MAX_INDEX))))
    return marks


def _mark_error(marks: Marks, row: int, col: int, rows: int, cols: int, value: str) -> None:
    """An error cell, repeated over `rows` rows and `cols` columns; at most MAX_MARKS per sheet."""
    for r in range(row, min(row + rows, MAX_INDEX)):
        for c in range(col, min(col + cols, MAX_INDEX)):
            if len(marks.errors) >= MAX_MARKS:
                return
            marks.errors[(r, c)] = value
