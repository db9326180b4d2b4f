"""Struck-through text (删除线) in .xlsx/.xlsm and .ods, which the fast reader does not report.

A unit that strikes out a printed 已完成 means "not done"; read as plain text it would close the measure. calamine
returns values only, so the strike is read from the raw XML here: a cell whose font (style) is struck, and rich text
of which only some runs are struck ("已完成" struck, "进度滞后" not). Conditional formatting is not read.

Runs in the reader worker on the parts the pre-check inflated, scanning tags only. A workbook without any struck font
or style costs a substring search in its styles and shared strings, and in each sheet with inline strings. Once a
strike is known to exist, a failure to place it does not pass in silence: the sheets are marked `unknown` and the
parser says so.
"""

from __future__ import annotations

import bisect
import functools
import re

from .marktools import CELL_END, MAX_INDEX, MAX_MARKS, Struck, col_index
from .marktools import attrs as _attrs
from .xmltext import unescape
from .zipparts import ZipParts

__all__ = ["ALL_SHEETS", "Found", "Struck", "ods_struck", "struck_entry", "xlsx_struck"]

MAX_PARENTS = 20  # style inheritance depth (ODS)
MAX_QUICK = 64  # struck cell formats looked for by one pattern; more, and the cells are read one by one

Found = dict[str, tuple[list[Struck], bool]]  # sheet name -> (struck cells, whether some could not be placed)

_FALSE = (b"0", b"false", b"off")


def _text(raw: bytes) -> str:
    """Character data as the reader decodes it: references, and OOXML's _xHHHH_ escapes."""
    text = unescape(raw.decode("utf-8", "replace"))
    return _ESCAPE.sub(lambda m: chr(int(m[1], 16)), text) if "_x" in text else text


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def struck_entry(row: int, col: int, runs: list[tuple[str, bool]]) -> Struck | None:
    """The cell's entry when some visible text of it is struck; None otherwise."""
    struck = "".join(text for text, on in runs if on)
    if not struck.strip():
        return None
    kept = "".join(text for text, on in runs if not on)
    return row, col, kept, struck, "".join(text for text, _ in runs)


# ----------------------------------------------------------------- xlsx
_STRIKE = re.compile(rb"<(?:\w+:)?strike\b([^>]*)>")
_FONTS = re.compile(rb"<(?:\w+:)?fonts\b.*?</(?:\w+:)?fonts>", re.S)
_FONT = re.compile(rb"<(?:\w+:)?font\b[^>]*?(/?)>")
_FONT_END = re.compile(rb"</(?:\w+:)?font>")
_CELL_XFS = re.compile(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:\w+:)?xf\b[^>]*>")
_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*?)(/?)>")
_REF = re.compile(rb"([A-Z]{1,3})(\d{1,7})$")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_INLINE = re.compile(rb"<(?:\w+:)?is>(.*?)</(?:\w+:)?is>", re.S)
_SI = re.compile(rb"<(?:\w+:)?si\b[^>]*?(/?)>")
_SI_END = re.compile(rb"</(?:\w+:)?si>")
_PHONETIC = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>|<(?:\w+:)?phoneticPr\b[^>]*>", re.S)
_RUN = re.compile(rb"<(?:\w+:)?r>(.*?)</(?:\w+:)?r>", re.S)
_RPR = re.compile(rb"<(?:\w+:)?rPr\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?rPr>)", re.S)
_T = re.compile(rb"<(?:\w+:)?t\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?t>)", re.S)


def _struck_in(xml: bytes) -> bool:
    """Whether a font or run properties say strike: <strike/>, val="1"/"true"; val="0"/"false" does not.
    An unknown value counts as struck: a false alarm is an error to check, a missed strike a wrong 已完成."""
    hit = _STRIKE.search(xml)
    return hit is not None and _attrs(hit[1]).get(b"val", b"1").strip().lower() not in _FALSE


def _part(parts: ZipParts, name: str) -> str | None:
    """The part the reader opens under this name (calamine also finds xl/SharedStrings.xml)."""
    if name in parts.infos:
        return name
    return next((other for other in parts.infos if other.lower() == name), None)


def xlsx_struck(parts: ZipParts, sheet_parts: dict[str, str]) -> Found:
    """Sheet name -> struck cells of an .xlsx; {} when no font or run is struck, or the styles cannot be read."""
    try:
        styles_name, strings_name = _part(parts, "xl/styles.xml"), _part(parts, "xl/sharedstrings.xml")
        styles = parts.read(styles_name) if styles_name else b""
        strings = parts.read(strings_name) if strings_name else b""
        sheets = {part: parts.read(part) for part in sheet_parts if part in parts.infos}
    except Exception:  # noqa: BLE001 - the parts cannot be read: nothing known, as for a file without strike
        return {}
    try:
        fonts = _struck_xfs(styles) if b"strike" in styles else frozenset()
    except Exception:  # noqa: BLE001 - the styles speak of a strike that cannot be read: said, never silent
        return {name: ([], True) for name in sheet_parts.values()}
    # A sheet's own runs can strike only in its inline strings (t="inlineStr"); Excel writes none, and a sheet
    # with them is searched once here.
    inline = {part for part, xml in sheets.items() if b"inlineStr" in xml and b"strike" in xml}
    if not fonts and b"strike" not in strings and not inline:
        return {}  # the usual case: a few substring searches
    found: Found = {}
    table = _Strings(strings)
    for part, name in sheet_parts.items():
        try:
            found[name] = _xlsx_sheet(sheets[part], fonts, table, part in inline) if part in sheets else ([], False)
        except Exception:  # noqa: BLE001 - a strike exists, but where is not known: said, never silent
            found[name] = ([], True)
    return found


def _struck_xfs(styles: bytes) -> frozenset[int]:
    """Indices of the cell formats (the s= of a cell) whose font is struck."""
    fonts_part = _FONTS.search(styles)
    if fonts_part is None:
        return frozenset()
    fonts = fonts_part.group()
    struck: list[bool] = []
    for hit in _FONT.finditer(fonts):
        if hit[1]:  # <font/>
            struck.append(False)
            continue
        close = _FONT_END.search(fonts, hit.end())
        struck.append(_struck_in(fonts[hit.end() : close.start() if close else hit.end()]))
    if not any(struck):
        return frozenset()
    xfs_part = _CELL_XFS.search(styles)
    if xfs_part is None:
        return frozenset()
    found = set()
    for index, tag in enumerate(_XF.findall(xfs_part.group())):
        font = _attrs(tag).get(b"fontId", b"0").strip()
        number = int(font) if font.isdigit() else 0
        if struck[number] if number < len(struck) else struck[0]:
            found.add(index)
    return frozenset(found)


class _Strings:
    """The shared strings, split into items only when a struck cell needs one."""

    def __init__(self, xml: bytes):
        self.xml = xml
        self.struck = b"strike" in xml  # some run may be struck
        self._spans: list[tuple[int, int]] | None = None
        self.struck_items: set[int] | None = None

    def spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = []
            for hit in _SI.finditer(self.xml):
                if hit[1]:
                    self._spans.append((hit.end(), hit.end()))
                    continue
                end = _SI_END.search(self.xml, hit.end())
                self._spans.append((hit.end(), end.start() if end else hit.end()))
            self.struck_items = {i for i, (a, b) in enumerate(self._spans) if b"strike" in self.xml[a:b]}
        return self._spans

    def has_struck_runs(self, index: int) -> bool:
        self.spans()
        return index in (self.struck_items or ())

    def item(self, index: int) -> bytes | None:
        spans = self.spans()
        if not 0 <= index < len(spans):
            return None
        start, end = spans[index]
        return self.xml[start:end]


def _runs(item: bytes, base: bool) -> list[tuple[str, bool]]:
    """(text, struck) of a string item's runs. A run without properties takes the cell's font; a run with
    properties has its own font, as Excel (and LibreOffice's export) has it."""
    item = _PHONETIC.sub(b"", item)
    runs = _RUN.findall(item)
    if not runs:
        return [("".join(_text(t or b"") for t in _T.findall(item)), base)]
    found = []
    for run in runs:
        props = _RPR.search(run)
        struck = base if props is None else _struck_in(props.group())
        found.append(("".join(_text(t or b"") for t in _T.findall(run)), struck))
    return found


def _xlsx_sheet(xml: bytes, fonts: frozenset[int], strings: _Strings, inline: bool) -> tuple[list[Struck], bool]:
    """Struck cells of one worksheet: cells of a struck format with a value, and strings with struck runs
    (`inline`: some inline string of the sheet may have struck runs)."""
    if not inline and not strings.struck and 0 not in fonts and len(fonts) <= MAX_QUICK:
        quick = _styled_cells(xml, fonts, strings)
        if quick is not None:
            return quick
    found: list[Struck] = []
    row = col = -1
    for hit in _ROW_OR_CELL.finditer(xml):
        attrs = _attrs(hit[2])
        if hit[1] == b"row":
            given = attrs.get(b"r", b"").strip()
            row, col = (int(given) - 1 if given.isdigit() else row + 1), -1
            continue
        ref = _REF.search(attrs.get(b"r", b"").strip())
        col = col_index(ref[1]) if ref else col + 1
        if ref:
            row = int(ref[2]) - 1
        if hit[3] or row >= MAX_INDEX or col >= MAX_INDEX:
            continue  # no value
        style = attrs.get(b"s", b"0").strip()
        base = (int(style) if style.isdigit() else 0) in fonts
        kind = attrs.get(b"t", b"n").strip()
        if not base and not ((kind == b"s" and strings.struck) or (kind == b"inlineStr" and inline)):
            continue  # neither its format nor any run of its text can be struck
        end = CELL_END.search(xml, hit.end())
        body = xml[hit.end() : end.start() if end else len(xml)]
        entry = _xlsx_cell(row, col, body, kind, base, strings, inline)
        if entry is not None:
            if len(found) >= MAX_MARKS:
                return found, True
            found.append(entry)
    return found, False


@functools.lru_cache(maxsize=64)
def _styled(fonts: frozenset[int]) -> re.Pattern[bytes]:
    numbers = b"|".join(str(n).encode() for n in sorted(fonts))
    return re.compile(rb"<(?:\w+:)?c(?=\s)[^>]*?\ss\s*=\s*[\"']\s*0*(?:" + numbers + rb")\s*[\"'][^>]*>")


def _styled_cells(xml: bytes, fonts: frozenset[int], strings: _Strings) -> tuple[list[Struck], bool] | None:
    """Only formats strike (no run does, and the default format does not): the cells of those formats, found by
    one pattern; None when one of them has no r= (its place is known only by counting: the full scan)."""
    found: list[Struck] = []
    for hit in _styled(fonts).finditer(xml):
        tag = hit.group()
        attrs = _attrs(tag)
        ref = _REF.search(attrs.get(b"r", b"").strip())
        if ref is None:
            return None
        row, col = int(ref[2]) - 1, col_index(ref[1])
        if tag.endswith(b"/>") or row >= MAX_INDEX or col >= MAX_INDEX:
            continue
        end = CELL_END.search(xml, hit.end())
        body = xml[hit.end() : end.start() if end else len(xml)]
        entry = _xlsx_cell(row, col, body, attrs.get(b"t", b"n").strip(), True, strings, False)
        if entry is not None:
            if len(found) >= MAX_MARKS:
                return found, True
            found.append(entry)
    return found, False


def _xlsx_cell(
    row: int, col: int, body: bytes, kind: bytes, base: bool, strings: _Strings, inline: bool
) -> Struck | None:
    if kind == b"inlineStr":
        text = _INLINE.search(body)
        if text is None or not (base or (inline and b"strike" in text[1])):
            return None
        return struck_entry(row, col, _runs(text[1], base))
    value = _VALUE.search(body)
    if value is None or not value[1].strip():
        return None  # no value: blank to the reader as well
    if kind != b"s":
        return struck_entry(row, col, [(_text(value[1]), True)])  # a number, a date, a formula's result: all of it
    index = int(value[1].strip()) if value[1].strip().isdigit() else -1
    if not base and not strings.has_struck_runs(index):
        return None
    item = strings.item(index)
    return None if item is None else struck_entry(row, col, _runs(item, base))


# ----------------------------------------------------------------- ods
ALL_SHEETS = "\0all"  # key of a mark that holds for every sheet of the file
_ODS_STYLE = re.compile(rb"<style:(style|default-style)(?=[\s/>])([^>]*?)(/?)>")
_LINE_THROUGH = re.compile(rb"""style:text-line-through-(?:style|type)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_FAMILIES = (b"table-cell", b"text", b"paragraph")
_ODS_BODY_TAG = re.compile(
    rb"<(/?)(table:table-row|table:table-column|table:table-cell|table:covered-table-cell|table:table)(?=[\s/>])"
    rb"([^>]*?)(/?)>"
)
_ODS_TEXT_TAG = re.compile(
    rb"<(/?)(text:p|text:h|text:span|text:a|text:s|text:tab|text:line-break|office:annotation)(?=[\s/>])"
    rb"([^>]*?)(/?)>"
)


class _OdsStyles:
    """Styles of the families that can strike text in a cell, and whether each strikes (through its parents)."""

    def __init__(self, *parts: bytes):
        self.own: dict[tuple[bytes, bytes], tuple[bool | None, bytes]] = {}
        self.default = False  # the default cell style strikes
        for xml in parts:  # content.xml (automatic styles) first: its names win over styles.xml's
            self._collect(xml)
        self._resolved: dict[tuple[bytes, bytes], bool | None] = {}

    def _collect(self, xml: bytes) -> None:
        body = xml.find(b"<office:body")
        xml = xml[: body if body >= 0 else len(xml)]
        for hit in _ODS_STYLE.finditer(xml):
            attrs = _attrs(hit[2])
            family = attrs.get(b"style:family", b"")
            if family not in _FAMILIES:
                continue
            end = xml.find(b"</style:" + hit[1] + b">", hit.end())
            props = b"" if hit[3] else xml[hit.end() : end if end >= 0 else hit.end()]
            values = [m[1] if m[1] is not None else m[2] for m in _LINE_THROUGH.finditer(props)]
            # LibreOffice writes a strike as text-line-through-type="single" alone, and "none" to lift one.
            state = None if not values else any(v.strip() != b"none" for v in values)
            if hit[1] == b"default-style":
                self.default = self.default or (family == b"table-cell" and bool(state))
            else:
                key = (family, attrs.get(b"style:name", b""))
                self.own.setdefault(key, (state, attrs.get(b"style:parent-style-name", b"")))

    def _specified(self, family: bytes, name: bytes, depth: int = 0) -> bool | None:
        """Whether the style or one of its parents says strike (True) or not (False); None if none says."""
        key = (family, name)
        if key not in self._resolved:
            state, parent = self.own.get(key, (None, b""))
            if state is None and parent and depth < MAX_PARENTS:
                state = self._specified(family, parent, depth + 1)
            self._resolved[key] = state
        return self._resolved[key]

    def any_struck(self) -> bool:
        return self.default or any(self._specified(*key) for key in self.own)

    def cell(self, name: bytes) -> bool:
        state = self._specified(b"table-cell", name)
        return self.default if state is None else state

    def span(self, name: bytes, current: bool) -> bool:
        """A span (or paragraph) style changes the strike only where it says so."""
        for family in (b"text", b"paragraph"):
            if (family, name) in self.own:
                state = self._specified(family, name)
                return current if state is None else state
        return current


def ods_struck(parts: ZipParts) -> Found:
    """Table name -> struck cells of an .ods; {} when no cell or text style strikes."""
    try:
        content = parts.read("content.xml")
        styles = parts.read("styles.xml") if "styles.xml" in parts.infos else b""
    except Exception:  # noqa: BLE001 - nothing readable, nothing known
        return {}
    if b"line-through" not in content and b"line-through" not in styles:
        return {}  # the usual case
    try:
        known = _OdsStyles(content, styles)
        if not known.any_struck():
            return {}
    except Exception:  # noqa: BLE001 - the styles cannot be read: nothing is known
        return {}
    try:
        return _ods_cells(content, known)
    except Exception:  # noqa: BLE001 - struck styles exist but could not be placed: said, never silent
        return {ALL_SHEETS: ([], True)}


class _OdsTable:
    """Where the scan is in one table: its struck cells, the column default styles, the row and column."""

    def __init__(self) -> None:
        self.cells: list[Struck] = []
        self.full = False
        self.starts: list[int] = []  # first column of each <table:table-column>
        self.styles: list[bytes] = []  # and its default cell style
        self.width = 0  # columns declared so far
        self.row = self.col = 0
        self.rows = 1  # repeats of the current row
        self.row_style = b""

    def column(self, attrs: dict[bytes, bytes]) -> None:
        self.starts.append(self.width)
        self.styles.append(attrs.get(b"table:default-cell-style-name", b""))
        self.width += _repeat(attrs, b"table:number-columns-repeated")

    def column_style(self) -> bytes:
        at = bisect.bisect_right(self.starts, self.col) - 1
        return self.styles[at] if at >= 0 and self.col < self.width else b""


def _ods_cells(xml: bytes, styles: _OdsStyles) -> Found:
    found: Found = {}
    table, current = _OdsTable(), ""
    for hit in _ODS_BODY_TAG.finditer(xml, max(xml.find(b"<office:body"), 0)):
        closing, name, empty = hit[1], hit[2], hit[4]
        if name == b"table:table":
            if not closing:
                table = _OdsTable()
                current = unescape(_attrs(hit[3]).get(b"table:name", b"").decode("utf-8", "replace"))
                found[current] = (table.cells, False)
            continue
        if closing:
            table.row += table.rows if name == b"table:table-row" else 0
            continue
        attrs = _attrs(hit[3])
        if name == b"table:table-column":
            table.column(attrs)
        elif name == b"table:table-row":
            table.rows, table.col = _repeat(attrs, b"table:number-rows-repeated"), 0
            table.row_style = attrs.get(b"table:default-cell-style-name", b"")
            table.row += table.rows if empty else 0
        else:
            repeat = _repeat(attrs, b"table:number-columns-repeated")
            if not empty and name == b"table:table-cell" and table.row < MAX_INDEX and not table.full:
                _ods_cell(xml, hit.end(), attrs, table, styles, repeat)
                if table.full:
                    found[current] = (table.cells, True)
            table.col += repeat
    return {name: entry for name, entry in found.items() if entry[0] or entry[1]}


def _ods_cell(
    xml: bytes, start: int, attrs: dict[bytes, bytes], table: _OdsTable, styles: _OdsStyles, repeat: int
) -> None:
    style = attrs.get(b"table:style-name") or table.row_style or table.column_style() or b"Default"
    base = styles.cell(style)
    end = xml.find(b"</table:table-cell>", start)
    body = xml[start : end if end >= 0 else len(xml)]
    if not base and b"style-name" not in body:
        return  # neither the cell nor any span in it has a style that could strike
    runs = _ods_runs(body, styles, base)
    for r in range(table.row, min(table.row + table.rows, MAX_INDEX)):
        for c in range(table.col, min(table.col + repeat, MAX_INDEX)):
            entry = struck_entry(r, c, runs)
            if entry is None:
                return
            if len(table.cells) >= MAX_MARKS:
                table.full = True
                return
            table.cells.append(entry)


def _repeat(attrs: dict[bytes, bytes], key: bytes) -> int:
    value = attrs.get(key, b"1").strip()
    return min(int(value), MAX_INDEX) if value.isdigit() and int(value) > 0 else 1


def _ods_runs(body: bytes, styles: _OdsStyles, base: bool) -> list[tuple[str, bool]]:
    """(text, struck) pieces of a cell's paragraphs (joined by line breaks, as the reader joins them); spans and
    paragraph styles strike or lift the strike of their text; comments (office:annotation) are not the cell's text."""
    runs: list[tuple[str, bool]] = []
    stack = [base]
    position = 0
    hidden = 0  # inside a comment
    paragraphs = 0
    for hit in _ODS_TEXT_TAG.finditer(body):
        if not hidden:
            runs.append((_text(body[position : hit.start()]), stack[-1]))
        position = hit.end()
        closing, name, empty = hit[1], hit[2], hit[4]
        if name == b"office:annotation":
            hidden = max(hidden + (0 if empty else (-1 if closing else 1)), 0)
        elif hidden:
            continue
        elif name in (b"text:s", b"text:tab", b"text:line-break"):
            count = _attrs(hit[3]).get(b"text:c", b"1").strip()
            runs.append((" " * min(int(count) if count.isdigit() else 1, 100), stack[-1]))
        elif closing:
            if len(stack) > 1:
                stack.pop()
        elif not empty:
            if name in (b"text:p", b"text:h"):
                runs.append(("\n" if paragraphs else "", False))
                paragraphs += 1
            style = _attrs(hit[3]).get(b"text:style-name")
            stack.append(styles.span(style, stack[-1]) if style else stack[-1])
    if not hidden:
        runs.append((_text(body[position:]), stack[-1]))
    return [(text, struck) for text, struck in runs if text]
