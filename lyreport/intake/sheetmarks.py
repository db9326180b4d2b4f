"""What the fast reader does not say about a sheet, read from the raw XML: hidden rows and columns, formulas
without a saved result, struck-through text (strikemarks.py).

calamine returns values only. A row the unit hid or made 0 high (last week's prefilled line) would otherwise be
read as this week's data, and a formula written by a program that does not calculate (openpyxl, pandas) would look empty.
Runs inside the isolated reader after the pre-check has bounded the parts, on the parts the pre-check has
inflated already (zipparts.py); it only scans tags, never builds a tree, and gives up quietly (no marks) on
anything unexpected.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable

from .. import lazyre
from .cellnotes import ods_notes, xlsx_notes
from .concealed import xlsx_formats
from .condformats import xlsx_conditional
from .errorvalues import error_value
from .invisible import xlsx_colours
from .marktools import (
    CELL_END,
    ERROR_CELL_TAG,
    MAX_INDEX,
    MAX_MARKS,
    STRING_LITERAL,
    CellPlaces,
    Marks,
    cell_place,
    col_index,
    from_outside,
)
from .marktools import attrs as _attrs
from .odscond import ods_conditional
from .odsmarks import MIN_ROW_HEIGHT, ods_marks
from .odsstruck import ods_struck
from .odsunseen import ods_runs_hidden, ods_unseen
from .runcolours import xlsx_runs
from .strikemarks import ALL_SHEETS, Found, xlsx_struck
from .xlsmarks import xls_marks
from .xmltext import unescape
from .zipparts import ZipParts

__all__ = ["Marks", "marks_of", "sheet_marks"]  # Marks lives in marktools.py, shared with xlsmarks.py

MAX_SHEET_BYTES = 64 * 1024 * 1024  # the pre-check refuses larger parts already; this keeps memory bounded anyway


def sheet_marks(parts: ZipParts | None, source: bytes | str, sheet_parts: dict[str, str]) -> dict[str, Marks]:
    """Sheet name → Marks for .xlsx/.xlsm (`sheet_parts`: worksheet part → sheet name, as the pre-check
    read them from the workbook) and .ods (`parts`, from the pre-check), and for .xls (the file's bytes,
    or its path, in `source`); {} for other formats or on any surprise."""
    if parts is None:
        return xls_marks(io.BytesIO(source) if isinstance(source, bytes) else source)
    marks: dict[str, Marks] = {}
    xlsx = "xl/workbook.xml" in parts.infos
    if not xlsx and "content.xml" not in parts.infos:
        return marks
    marks = _xlsx(parts, sheet_parts) if xlsx else ods_marks(parts)
    _add_struck(marks, xlsx_struck(parts, sheet_parts) if xlsx else ods_struck(parts))  # never raises
    for name, notes in (xlsx_notes(parts, sheet_parts) if xlsx else ods_notes(parts)).items():  # never raises
        marks.setdefault(name, Marks()).notes = notes
    if xlsx:
        for name, cells in xlsx_formats(parts, sheet_parts).items():  # never raises
            marks.setdefault(name, Marks()).formats = cells
        for name, cells in xlsx_colours(parts, sheet_parts).items():  # never raises
            marks.setdefault(name, Marks()).colours = cells
        for name, runs in xlsx_runs(parts, sheet_parts).items():  # never raises
            marks.setdefault(name, Marks()).runs = runs
        for name, cells in xlsx_conditional(parts, sheet_parts).items():  # never raises
            marks.setdefault(name, Marks()).conditional = cells
    else:
        for name, (colours, formats) in ods_unseen(parts).items():  # never raises
            sheet = marks.setdefault(name, Marks())
            sheet.colours, sheet.formats = colours, formats
        for name, runs in ods_runs_hidden(parts).items():  # never raises
            marks.setdefault(name, Marks()).runs = runs
        for name, cells in ods_conditional(parts).items():  # never raises
            marks.setdefault(name, Marks()).conditional = cells
    return marks


def _add_struck(marks: dict[str, Marks], found: Found) -> None:
    for name, (cells, unknown) in found.items():
        sheet = marks.setdefault(name, Marks())
        sheet.struck, sheet.struck_unknown = cells, unknown


def marks_of(marks: dict[str, Marks], sheet: str) -> Marks:
    """The marks of one sheet, with what holds for every sheet of the file (a strike that could not be placed)."""
    found = marks.get(sheet, Marks())
    every = marks.get(ALL_SHEETS)
    if every is not None and every.struck_unknown:
        found.struck_unknown = True
    return found


# ----------------------------------------------------------------- xlsx
_ROW_TAG = lazyre.compile(rb"<(?:\w+:)?row\b[^>]*>")
_COL_TAG = lazyre.compile(rb"<(?:\w+:)?col\b[^>]*>")
# "hidden", or a row height / column width that could be below one (0, 0.5, .5, -0, 1E-3): only then are the
# tags read one by one. Each starts with a literal, so the scan is a fast substring search; right="0.7" (page
# margins) and fitToHeight="0" match too and are told apart by the byte before.
_SUSPECT_ROW = lazyre.compile(rb"""hidden|ht\s*=\s*["']\s*(?:[-+.0]|[^"'>]*[eE])""")
_SUSPECT_COL = lazyre.compile(rb"""hidden|width\s*=\s*["']\s*(?:[-+.0]|[^"'>]*[eE])""")
_FORMULA = lazyre.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_REF = lazyre.compile(rb' r="([A-Z]{1,3})(\d{1,7})"')
# A formula's text and its shared-formula index (<f t="shared" si="0">…</f>, or <f t="shared" si="0"/>).
_FORMULA_BODY = lazyre.compile(rb"<(?:\w+:)?f\b([^>]*?)(?:/>|>([^<]*)</(?:\w+:)?f\s*>)")
_SHARED_INDEX = lazyre.compile(rb"""\bsi\s*=\s*["'](\d+)["']""")
_VALUE = lazyre.compile(rb"<(?:\w+:)?v\s*>[^<]")
_TRUE = (b"1", b"true")
MIN_COL_WIDTH = 1.0  # characters: a column narrower than this shows no readable value


def _below(value: bytes | None, limit: float) -> bool:
    """Whether a size attribute is given and smaller than `limit` (unreadable sizes are not guessed at)."""
    if value is None:
        return False
    try:
        return float(value) < limit
    except ValueError:
        return False


def _xlsx(parts: ZipParts, sheet_parts: dict[str, str]) -> dict[str, Marks]:
    marks: dict[str, Marks] = {}
    outside = functools.cache(lambda: _outside_names(parts))  # workbook.xml is read only for a formula
    recalc = functools.cache(lambda: _recalc_on_load(parts))
    for part, name in sheet_parts.items():
        info = parts.infos.get(part)
        if info is not None and info.file_size <= MAX_SHEET_BYTES:
            try:
                marks[name] = _xlsx_sheet(parts.read(part), outside, recalc)
            except Exception:  # noqa: BLE001 - marks are an extra; the other sheets' stay
                continue
    return marks


# The workbook's names that stand for another file's cell, asked for only when a formula needs them.
Outside = Callable[[], "re.Pattern[str] | None"]
_DEFINED_NAME = lazyre.compile(rb"<(?:\w+:)?definedName\b([^>]*)>([^<]*)<")
_NAME_ATTR = lazyre.compile(rb"""\bname\s*=\s*["']([^"']+)["']""")


def _outside_names(parts: ZipParts) -> re.Pattern[str] | None:
    """The workbook's defined names that stand for a cell of another file, a DDE link or a web query (进度 =
    [1]Sheet1!$A$1), as a pattern finding them in a formula; None when there are none (the usual book)."""
    try:
        info = parts.infos.get("xl/workbook.xml")
        if info is None or info.file_size > MAX_SHEET_BYTES:
            return None
        xml = parts.read("xl/workbook.xml")
        if b"definedName" not in xml:
            return None
        names = []
        for hit in _DEFINED_NAME.finditer(xml):
            name = _NAME_ATTR.search(hit[1])
            if name and from_outside(unescape(hit[2].decode("utf-8", "replace"))):
                names.append(re.escape(unescape(name[1].decode("utf-8", "replace"))))
        if not names:
            return None
        return re.compile(r"(?<![\w.])(?:" + "|".join(names[:MAX_MARKS]) + r")(?![\w.(])", re.IGNORECASE)
    except Exception:  # noqa: BLE001 - marks are an extra
        return None


_CALC_PR = lazyre.compile(rb"<(?:\w+:)?calcPr\b[^>]*>")
_WRITER_CALC_ID = b"124519"


def _recalc_on_load(parts: ZipParts) -> bool:
    """Whether the workbook asks to be fully recalculated when opened (<calcPr fullCalcOnLoad="1"/>): written by
    a program that does not calculate (xlsxwriter, openpyxl), whose formulas' saved values are its own
    placeholders or guesses; Excel throws them away on opening. A spreadsheet saving the file drops the flag."""
    try:
        info = parts.infos.get("xl/workbook.xml")
        if info is None or info.file_size > MAX_SHEET_BYTES:
            return False
        tag = _CALC_PR.search(parts.read("xl/workbook.xml"))
        attrs = _attrs(tag.group()) if tag is not None else {}
        # calcId 124519 is what xlsxwriter (and openpyxl, whose formulas carry no value at all) write; other
        # programs that ask for recalculation (Apache POI, EPPlus) keep the results they calculated.
        return (
            attrs.get(b"fullCalcOnLoad", b"").strip().lower() in _TRUE
            and attrs.get(b"calcId", b"").strip() == _WRITER_CALC_ID
        )
    except Exception:  # noqa: BLE001 - marks are an extra
        return False


def _xlsx_sheet(xml: bytes, outside: Outside | None = None, recalc: Callable[[], bool] | None = None) -> Marks:
    """The marks of one worksheet. The common sheet (nothing hidden, no formula, no error cell) costs a few
    substring searches over <sheetData> only, where the cells are (formulas of drop-down lists, <firstHeader>
    and the like come after it)."""
    marks = Marks()
    data = xml.find(b"sheetData")
    start, end = (data, xml.rfind(b"sheetData")) if data >= 0 else (0, len(xml))
    # The cells' tags are written as <sheetData>'s is: <f>, or <x:f> in a file that prefixes them all.
    opening = xml.rfind(b"<", 0, data) if data >= 0 else -1
    prefix = xml[opening + 1 : data] if opening >= 0 and data - opening <= 16 else b""
    near = xml.find(b"<" + prefix + b"f", start, end)
    first = _FORMULA.search(xml, near, end) if near >= 0 else None  # <firstHeader>, <family> are not formulas
    if first:
        _uncached(xml, marks, first.start(), end, outside, bool(recalc and recalc()))
    # <cols> comes before <sheetData>: the column widths are in the sheet's first few hundred bytes.
    head = xml[: data if data >= 0 else len(xml)]
    if _suspect(_SUSPECT_COL, head):
        _invisible_cols(head, marks)
    if _suspect(_SUSPECT_ROW, xml, start, end):  # the common case: one scan that finds nothing
        _invisible_rows(xml, marks)
    # t="e" (or t='e'): a cell holding an error value; the common sheet has no "e" in quotes, nor any '.
    if xml.find(b'"e"', start, end) >= 0 or (xml.find(b"'", start, end) >= 0 and xml.find(b"'e'", start, end) >= 0):
        _error_cells(xml, marks)
    # t="str" is a formula's text result; typed in without a formula, its text written bare in the cell (no <v>)
    # reads as empty in calamine: kept, so that the cell is said rather than taken for blank.
    if xml.find(b'"str"', start, end) >= 0 or xml.find(b"'str'", start, end) >= 0:
        _str_cells(xml, marks, _STR_CELL, _str_text)
    # t="inlineStr" with a <v> (instead of its <is>, or beside it: some writers): calamine reads it as empty too.
    inline = xml.find(b"inlineStr", start, end)
    if inline >= 0 and _INLINE_V.search(xml, inline, end):
        _str_cells(xml, marks, _INLINE_CELL, _inline_text)
    return marks


_STR_CELL = lazyre.compile(rb"""<(?:\w+:)?c\s[^>]*?(?<=\s)t\s*=\s*["']str["'][^>]*>""")
_INLINE_CELL = lazyre.compile(rb"""<(?:\w+:)?c\s[^>]*?(?<=\s)t\s*=\s*["']inlineStr["'][^>]*>""")
# Both spellings in one scan: the <v> right after an inline string cell's tag, or after its </is>.
_INLINE_V = lazyre.compile(rb"""(?:is\s*|inlineStr["'][^>]*(?<!/))>\s*<(?:\w+:)?v\s*>""")
_ANY_TAG = lazyre.compile(rb"<[^>]*>")
_READ_BY_CALAMINE = lazyre.compile(rb"<(?:\w+:)?(?:f|v|is)[\s>/]")
_V_TAG = lazyre.compile(rb"<(?:\w+:)?v[\s>]")
_IS_BODY = lazyre.compile(rb"<(?:\w+:)?is\s*>(.*?)</(?:\w+:)?is\s*>", re.S)
_V_BODY = lazyre.compile(rb"<(?:\w+:)?v\s*>(.*?)</(?:\w+:)?v\s*>", re.S)


def _str_text(body: bytes) -> bytes | None:
    """A t="str" cell's text that calamine does not read: none if it has a formula, a <v> or an <is>."""
    return None if _READ_BY_CALAMINE.search(body) else body


def _inline_text(body: bytes) -> bytes | None:
    """A t="inlineStr" cell's text when it has a <v> (calamine then reads none): its <is>, else its <v>."""
    if not _V_TAG.search(body):
        return None
    held = _IS_BODY.search(body) or _V_BODY.search(body)
    return held[1] if held else None


def _str_cells(xml: bytes, marks: Marks, cell: re.Pattern[bytes], held: Callable[[bytes], bytes | None]) -> None:
    """Cells of a text type (`cell`: t="str", or t="inlineStr") whose text is not where calamine reads it (`held`:
    that text, from the cell's content, or None): what they hold, unread."""
    places = CellPlaces(xml)
    for hit in cell.finditer(xml):
        tag = hit.group()
        at = cell_place(tag, hit.start(), places)
        if tag.endswith(b"/>") or at is None or at[0] >= MAX_INDEX:
            continue
        close = CELL_END.search(xml, hit.end())
        body = xml[hit.end() : close.start() if close else hit.end()]
        raw = held(body)
        if raw is None:
            continue  # a formula, or a value where calamine reads it
        text = unescape(_ANY_TAG.sub(b"", raw).decode("utf-8", "replace")).strip()
        if text:
            marks.unread[at] = text
            if len(marks.unread) >= MAX_MARKS:
                return


_ERROR_CELL = lazyre.compile(ERROR_CELL_TAG)
_V_TEXT = lazyre.compile(rb"<(?:\w+:)?v\s*>([^<]*)<")
_REF = lazyre.compile(rb"([A-Za-z]{1,3})(\d{1,7})")


def _error_cells(xml: bytes, marks: Marks) -> None:
    """Cells of type "e" with their saved error value (#REF!, #SPILL! …), a formula's result or typed in.
    One without a saved value is a formula never calculated: _uncached marks it."""
    places = CellPlaces(xml)
    for count, hit in enumerate(_ERROR_CELL.finditer(xml)):
        if count >= MAX_MARKS:
            return
        tag = hit.group()
        at = cell_place(tag, hit.start(), places)
        if tag.endswith(b"/>") or at is None or at[0] >= MAX_INDEX:
            continue
        close = CELL_END.search(xml, hit.end())  # not a "c>" in the formula: IF(abc>0,…)
        value = _V_TEXT.search(xml, hit.end(), close.start() if close else len(xml))
        text = unescape(value[1].decode("utf-8", "replace")).strip() if value else ""
        if text:
            marks.errors[at] = error_value(text) or text[:20]


def _suspect(pattern: re.Pattern[bytes], xml: bytes, start: int = 0, end: int | None = None) -> bool:
    """Whether `xml` (from `start` to `end`) says "hidden" or has a size attribute (not right=, fitToHeight=)
    that may be below one."""
    return any(
        hit.group().startswith(b"hidden") or xml[hit.start() - 1 : hit.start()].isspace()
        for hit in pattern.finditer(xml, start, len(xml) if end is None else end)
    )


def _invisible_rows(xml: bytes, marks: Marks) -> None:
    """Rows hidden or too low to see. A row without r= is the one after the previous (r is optional)."""
    number = 0
    for count, hit in enumerate(_ROW_TAG.finditer(xml)):
        if count >= MAX_INDEX or len(marks.hidden_rows) >= MAX_MARKS:
            return
        attrs = _attrs(hit.group())
        given = attrs.get(b"r", b"").strip()
        number = int(given) if given.isdigit() else number + 1
        if number > MAX_INDEX:
            return
        if attrs.get(b"hidden", b"").strip().lower() in _TRUE or _below(attrs.get(b"ht"), MIN_ROW_HEIGHT):
            marks.hidden_rows.add(number - 1)


def _invisible_cols(head: bytes, marks: Marks) -> None:
    """Columns hidden or too narrow to see."""
    for tag in _COL_TAG.findall(head)[:MAX_MARKS]:
        attrs = _attrs(tag)
        if attrs.get(b"hidden", b"").strip().lower() in _TRUE or _below(attrs.get(b"width"), MIN_COL_WIDTH):
            low, high = attrs.get(b"min", b"").strip(), attrs.get(b"max", b"").strip()
            if low.isdigit() and high.isdigit():
                marks.hidden_cols.update(range(int(low) - 1, min(int(high), MAX_INDEX)))


def _linked(cell: bytes, at: tuple[int, int], marks: Marks, shared: dict[bytes, str], outside: Outside | None) -> None:
    """Keep a formula cell whose saved value comes from another file, a program (DDE) or the web: the value
    is what the unit's computer showed, not something typed in this file; opening it may show another."""
    body = _FORMULA_BODY.search(cell)
    if body is None:
        return
    index = _SHARED_INDEX.search(body[1])
    formula = unescape(body[2].decode("utf-8", "replace")) if body[2] else ""
    if formula:
        if not from_outside(formula) and not (
            (names := outside and outside()) and names.search(STRING_LITERAL.sub("", formula))
        ):
            return
        if index is not None:
            shared[index[1]] = formula
    elif index is None or (formula := shared.get(index[1], "")) == "":
        return
    marks.linked[at] = formula.strip()[:80]


def _placeholder(cell: bytes) -> bool:
    """Whether a numeric formula cell's saved value is 0 (or has none)."""
    value = _V_TEXT.search(cell)
    text = value[1].strip() if value else b""
    try:
        return float(text or b"0") == 0
    except ValueError:
        return False


def _formula_text(cell: bytes, texts: dict[bytes, str]) -> str:
    """A formula cell's formula; a shared formula's text is kept from its first cell for the cells after it."""
    body = _FORMULA_BODY.search(cell)
    formula = unescape(body[2].decode("utf-8", "replace")) if body and body[2] else ""
    index = _SHARED_INDEX.search(body[1]) if body else None
    if index is not None:
        formula = texts.setdefault(index[1], formula) if formula else texts.get(index[1], "")
    return formula.strip()[:80]


def _uncached(  # noqa: PLR0913 - the walk's bounds and the workbook's two facts
    xml: bytes,
    marks: Marks,
    first: int = 0,
    end: int | None = None,
    outside: Outside | None = None,
    recalc: bool = False,
) -> None:
    """Formula cells whose <v> is missing or empty: the program that wrote them never calculated.
    `first`: where the first formula tag is, if known; `end`: where the cells end (</sheetData>).
    Formulas with a saved value that comes from outside the file are kept too (_linked; `outside`: the
    workbook's names that stand for such a source). In a workbook to be recalculated on opening (`recalc`), a
    saved numeric 0 is the writer's placeholder (xlsxwriter's), no result; any other saved value is kept as the
    writer's (_recalc)."""
    shared: dict[bytes, str] = {}  # a shared formula's index -> its outside source, when it has one
    texts: dict[bytes, str] = {}  # a shared formula's index -> its text (recalc only)
    places = CellPlaces(xml)
    for count, hit in enumerate(_FORMULA.finditer(xml, first, len(xml) if end is None else end)):
        if count >= MAX_MARKS:
            return
        start = max(xml.rfind(b"<c ", 0, hit.start()), xml.rfind(b"<x:c ", 0, hit.start()))
        close = CELL_END.search(xml, hit.end())
        if close is None:
            continue
        if start < 0 or CELL_END.search(xml, start, hit.start()):  # <c\n r=…>, <ss:c …>: the cell tags walked
            start = places.start(hit.start())
            if start < 0:
                continue
        cell = xml[start : close.end()]
        head = cell[: cell.find(b">") + 1]
        ref = _CELL_REF.search(head)  # the common spelling, else any (r = 'D8', or none)
        at = (int(ref[2]) - 1, col_index(ref[1])) if ref else cell_place(head, start, places)
        if at is None:
            continue
        # t="str" with an empty <v> is a formula whose saved result is "" (Excel writes that); not missing.
        kind = _attrs(head).get(b"t", b"").strip()
        formula = _formula_text(cell, texts) if recalc else ""  # every cell: a shared formula's text is in its first
        if recalc and kind in (b"", b"n") and _placeholder(cell):
            marks.uncached.add(at)
        elif _VALUE.search(cell) or kind == b"str":
            _linked(cell, at, marks, shared, outside)
            if recalc and at not in marks.linked and len(marks.recalc) < MAX_MARKS:
                marks.recalc[at] = formula  # the writer's own value, read as saved and said (cell-recalc)
        else:
            marks.uncached.add(at)
