"""Struck-through text (删除线) in .xlsx/.xlsm (and, in odsstruck.py, .ods), which the fast reader does not report.

A unit that strikes out a printed 已完成 means "not done"; read as plain text it would close the measure. calamine
returns values only, so the strike is read from the raw XML here: a cell whose font (style) is struck, and rich text
of which only some runs are struck ("已完成" struck, "进度滞后" not). Conditional formatting is not read.

Runs in the reader worker on the parts the pre-check inflated, scanning tags only. A workbook without any struck font
or style costs a substring search in its styles and shared strings, and in each sheet with inline strings. Once a
strike is known to exist, a failure to place it does not pass in silence: the sheets are marked `unknown` and the
parser says so.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TypeVar

from .. import lazyre
from .marktools import CELL_END, MAX_INDEX, MAX_MARKS, Struck, cell_formats, col_index, sheet_cells, style_fonts
from .marktools import attrs as _attrs
from .xmltext import unescape
from .zipparts import ZipParts

__all__ = ["ALL_SHEETS", "Found", "Strings", "Struck", "item_runs", "struck_entry", "xlsx_struck", "xml_text"]

MAX_QUICK = 64  # struck cell formats looked for by one pattern; more, and the cells are read one by one

ALL_SHEETS = "\0all"  # key of a mark that holds for every sheet of the file
Found = dict[str, tuple[list[Struck], bool]]  # sheet name -> (struck cells, whether some could not be placed)

_FALSE = (b"0", b"false", b"off")


def xml_text(raw: bytes) -> str:
    """Character data as the reader decodes it: references, and OOXML's _xHHHH_ escapes; a CDATA section's
    text as it stands (<t><![CDATA[已完成]]></t>: some writers)."""
    if b"<![CDATA[" in raw:
        pieces = _CDATA.split(raw)  # outside, inside, outside …
        text = "".join(
            unescape(p.decode("utf-8", "replace")) if i % 2 == 0 else p.decode("utf-8", "replace")
            for i, p in enumerate(pieces)
        )
    else:
        text = unescape(raw.decode("utf-8", "replace"))
    return _ESCAPE.sub(lambda m: chr(int(m[1], 16)), text) if "_x" in text else text


_ESCAPE = lazyre.compile(r"_x([0-9A-Fa-f]{4})_")
_CDATA = lazyre.compile(rb"<!\[CDATA\[(.*?)\]\]>", re.S)


def struck_entry(row: int, col: int, runs: list[tuple[str, bool]]) -> Struck | None:
    """The cell's entry when some visible text of it is struck; None otherwise."""
    struck = "".join(text for text, on in runs if on)
    if not struck.strip():
        return None
    kept = "".join(text for text, on in runs if not on)
    return row, col, kept, struck, "".join(text for text, _ in runs)


# ----------------------------------------------------------------- xlsx
_STRIKE = lazyre.compile(rb"<(?:\w+:)?strike\b([^>]*)>")
_REF = lazyre.compile(rb"([A-Z]{1,3})(\d{1,7})$")
_VALUE = lazyre.compile(rb"<(?:\w+:)?v\s*>([^<]*)</(?:\w+:)?v\s*>")
_INLINE = lazyre.compile(rb"<(?:\w+:)?is\s*>(.*?)</(?:\w+:)?is\s*>", re.S)
_SI = lazyre.compile(rb"<(?:\w+:)?si\b[^>]*?(/?)>")
_SI_END = lazyre.compile(rb"</(?:\w+:)?si\s*>")
_PHONETIC = lazyre.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh\s*>|<(?:\w+:)?phoneticPr\b[^>]*>", re.S)
_RUN = lazyre.compile(rb"<(?:\w+:)?r\s*>(.*?)</(?:\w+:)?r\s*>", re.S)
_RPR = lazyre.compile(rb"<(?:\w+:)?rPr\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?rPr\s*>)", re.S)
_T = lazyre.compile(rb"<(?:\w+:)?t\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?t\s*>)", re.S)


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
    table = Strings(strings)
    for part, name in sheet_parts.items():
        try:
            found[name] = _xlsx_sheet(sheets[part], fonts, table, part in inline) if part in sheets else ([], False)
        except Exception:  # noqa: BLE001 - a strike exists, but where is not known: said, never silent
            found[name] = ([], True)
    return found


def _struck_xfs(styles: bytes) -> frozenset[int]:
    """Indices of the cell formats (the s= of a cell) whose font is struck."""
    fonts = style_fonts(styles)
    struck = [_struck_in(body) for body in fonts or []]
    if not any(struck):
        return frozenset()
    found = set()
    for index, tag in enumerate(cell_formats(styles) or []):
        font = _attrs(tag).get(b"fontId", b"0").strip()
        number = int(font) if font.isdigit() else 0
        if struck[number] if number < len(struck) else struck[0]:
            found.add(index)
    return frozenset(found)


class Strings:
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
    """(text, struck) of a string item's runs."""
    return item_runs(item, base, _struck_in)


State = TypeVar("State")


def item_runs(item: bytes, base: State, state: Callable[[bytes], State]) -> list[tuple[str, State]]:
    """(text, state) of a string item's (<si>, <is>) runs, `state` reading a run's properties (<rPr>…</rPr>). A run
    without properties takes the cell's font (`base`); a run with properties has its own font, as Excel (and
    LibreOffice's export) has it. Phonetic guides are not the cell's text."""
    item = _PHONETIC.sub(b"", item)
    runs = _RUN.findall(item)
    if not runs:
        return [("".join(xml_text(t or b"") for t in _T.findall(item)), base)]
    found = []
    for run in runs:
        props = _RPR.search(run)
        found.append(
            ("".join(xml_text(t or b"") for t in _T.findall(run)), base if props is None else state(props.group()))
        )
    return found


def _xlsx_sheet(xml: bytes, fonts: frozenset[int], strings: Strings, inline: bool) -> tuple[list[Struck], bool]:
    """Struck cells of one worksheet: cells of a struck format with a value, and strings with struck runs
    (`inline`: some inline string of the sheet may have struck runs)."""
    if not inline and not strings.struck and 0 not in fonts and len(fonts) <= MAX_QUICK:
        quick = _styled_cells(xml, fonts, strings)
        if quick is not None:
            return quick
    found: list[Struck] = []
    for row, col, attrs, hit in sheet_cells(xml):
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


def _styled_cells(xml: bytes, fonts: frozenset[int], strings: Strings) -> tuple[list[Struck], bool] | None:
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
    row: int, col: int, body: bytes, kind: bytes, base: bool, strings: Strings, inline: bool
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
        return struck_entry(row, col, [(xml_text(value[1]), True)])  # a number, a date, a formula's result: all of it
    index = int(value[1].strip()) if value[1].strip().isdigit() else -1
    if not base and not strings.has_struck_runs(index):
        return None
    item = strings.item(index)
    return None if item is None else struck_entry(row, col, _runs(item, base))
