"""What the marks readers share (sheetmarks.py, strikemarks.py, xlsmarks.py): the one shape of a sheet's marks,
their limits, and the helpers of the raw-XML tag scans. Imports nothing of theirs, so each may import it."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import lazyre

if TYPE_CHECKING:
    from .zipparts import ZipParts

MAX_MARKS = 5_000  # per kind and sheet (hidden rows, struck cells, error cells); a return has a few hundred rows
MAX_INDEX = 20_000  # rows/columns beyond the pre-check's limits are not data

# One struck cell: (row, col, kept, struck, full), 0-based; kept is the text not struck ("" when all of it is),
# full the whole text as the file has it, to be checked against what calamine read.
Struck = tuple[int, int, str, str, str]


@dataclass
class Marks:
    """0-based hidden rows and columns, (row, col) of formula cells without a saved value, struck cells
            (Struck), whether some struck text could not be placed, and (row, col) of cells holding an error
            value (#REF!, Err:502) with that value; (row, col) of cells whose number format shows a text as something else,
            with that format, and the merged cells of an .ods (concealed.py); (row, col) of cells whose font colour is their
            background's, with why (invisible.py); (row, col) of cells typed text (t="str") without a formula, with the text
            the file holds where calamine reads none (sheetmarks.py); (row, col) of cells some runs of whose rich text are in
        their background's colour, with the text shown, the text hidden and why (runcolours.py); (row, col) of cells under a
    conditional format that can hide or change their text, with its range and how (condformats.py)."""

    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    uncached: set[tuple[int, int]] = field(default_factory=set)
    struck: list[Struck] = field(default_factory=list)
    struck_unknown: bool = False
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)  # .ods: calamine has none
    colours: dict[tuple[int, int], str] = field(default_factory=dict)
    unread: dict[tuple[int, int], str] = field(default_factory=dict)
    runs: dict[tuple[int, int], tuple[str, str, str]] = field(default_factory=dict)
    conditional: dict[tuple[int, int], str] = field(default_factory=dict)
    notes: dict[tuple[int, int], str] = field(default_factory=dict)  # comments on cells (cellnotes.py)
    # Formula cells whose saved value comes from another file, a program (DDE) or the web: (row, col) -> formula.
    linked: dict[tuple[int, int], str] = field(default_factory=dict)
    # Formula cells of a workbook that asks to be recalculated when opened (fullCalcOnLoad: xlsxwriter and other
    # writers that do not calculate): their saved value is the writer's, not a spreadsheet's. (row, col) -> formula.
    recalc: dict[tuple[int, int], str] = field(default_factory=dict)

    def answer(self, merged: list[tuple[int, int, int]], concealed: list[Any] | None = None) -> tuple[Any, ...]:
        """The marks as a worker's answer carries them (read._sheet_data unpacks this one shape); `concealed`:
        the cells the sheet does not show as they are (concealed.Concealed)."""
        notes = [(row, col, text) for (row, col), text in sorted(self.notes.items())]
        linked = [(row, col, text) for (row, col), text in sorted(self.linked.items())]
        recalc = [(row, col, text) for (row, col), text in sorted(self.recalc.items())]
        return (*self.as_tuple(), merged, self.error_list(), concealed or [], notes, linked, recalc)

    def as_tuple(self) -> tuple[list[int], list[int], list[tuple[int, int]], list[Struck], bool]:
        return (
            sorted(self.hidden_rows),
            sorted(self.hidden_cols),
            sorted(self.uncached),
            self.struck,
            self.struck_unknown,
        )

    def error_list(self) -> list[tuple[int, int, str]]:
        return [(row, col, value) for (row, col), value in sorted(self.errors.items())]


# XML allows either quote and spaces around "=": hidden='1' and hidden = "1" are hidden="1".
_ATTR = lazyre.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# The end of an .xlsx cell: its closing tag, never a "c>" inside its text or formula (IF(abc>0,…)).
CELL_END = lazyre.compile(rb"</(?:\w+:)?c\s*>")
# The opening tag of a cell holding an error value (<c r="D3" t="e">): marks and the reader's rewrite share it.
ERROR_CELL_TAG = rb"""<(?:\w+:)?c\s[^>]*?(?<=\s)t\s*=\s*["']e["'][^>]*>"""


# Where a formula's saved value may come from outside the file: another workbook ([1]Sheet1!A1, 'C:\[报表.xlsx]表'!A1),
# a program through DDE (cmd|'/C calc'!A0, MSEXCEL|…), the web or a live feed. String literals are left out first.
STRING_LITERAL = lazyre.compile(r'"(?:[^"]|"")*"')
_OUTSIDE = lazyre.compile(
    r"\[[^\]]*\][^!\[\]]*!|[A-Za-z][\w.]*\s*\|"
    r"|\b(?:_xlfn\.)?(?:WEBSERVICE|FILTERXML|RTD|CALL|REGISTER(?:\.ID)?|EXEC)\s*\(",
    re.IGNORECASE,
)
# In an .ods: a reference into another file (['file:///C:/报表.ods'#$Sheet1.A1]) and the DDE() function.
_OUTSIDE_ODS = lazyre.compile(r"'#\$|\bDDE\s*\(", re.IGNORECASE)


def from_outside(formula: str, ods: bool = False) -> bool:
    """Whether a formula's value comes from another file, a program (DDE) or the web."""
    bare = STRING_LITERAL.sub("", formula)
    return bool(_OUTSIDE.search(bare) or (ods and _OUTSIDE_ODS.search(bare)))


def attrs(tag: bytes) -> dict[bytes, bytes]:
    """A tag's attributes, name (as written, prefix and all) -> value."""
    return {key: double or single for key, double, single in _ATTR.findall(tag)}


def col_index(letters: bytes) -> int:
    """0-based column of upper-case column letters (A -> 0, AA -> 26)."""
    index = 0
    for ch in letters:
        index = index * 26 + ch - 64
    return index - 1


# The styles part of an .xlsx (xl/styles.xml) as the marks readers walk it: its fonts and its cell formats.
_FONTS = lazyre.compile(rb"<(?:\w+:)?fonts\b.*?</(?:\w+:)?fonts\s*>", re.S)
_FONT = lazyre.compile(rb"<(?:\w+:)?font\b[^>]*?(/?)>")
_FONT_END = lazyre.compile(rb"</(?:\w+:)?font\s*>")
_CELL_XFS = lazyre.compile(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs\s*>", re.S)
_XF = lazyre.compile(rb"<(?:\w+:)?xf\b[^>]*>")


def item_bodies(xml: bytes, item: re.Pattern[bytes], end: re.Pattern[bytes]) -> list[bytes]:
    """The bodies of a list's items (<font>…</font>), in order; b"" for an empty one (<font/>). `item` captures
    the "/" of an empty tag as its group 1."""
    found = []
    for hit in item.finditer(xml):
        if hit[1]:
            found.append(b"")
            continue
        close = end.search(xml, hit.end())
        found.append(xml[hit.end() : close.start() if close else hit.end()])
    return found


def style_fonts(styles: bytes) -> list[bytes] | None:
    """The bodies of the styles' fonts, indexed by fontId; None when the part has no font list."""
    part = _FONTS.search(styles)
    return None if part is None else item_bodies(part.group(), _FONT, _FONT_END)


def cell_formats(styles: bytes) -> list[bytes] | None:
    """The <xf> tags of the cell formats, indexed by a cell's s=; None when the part has no <cellXfs>."""
    part = _CELL_XFS.search(styles)
    return None if part is None else _XF.findall(part.group())


_ROW_OR_CELL = lazyre.compile(rb"<(?:\w+:)?(row|c)\b([^>]*?)(/?)>")
_REF = lazyre.compile(rb"([A-Z]{1,3})(\d{1,7})$")


def sheet_cells(xml: bytes) -> Iterator[tuple[int, int, dict[bytes, bytes], re.Match[bytes]]]:
    """Each cell tag of a worksheet with its 0-based (row, col) and attributes: from its r= (and its row's), else
    the one after the cell (row) before, as Excel reads a file that leaves r= out. The match's group 3 is "/" for an
    empty cell (<c …/>); the cell's content starts at its end."""
    row = col = -1
    for hit in _ROW_OR_CELL.finditer(xml):
        found = attrs(hit[2])
        if hit[1] == b"row":
            given = found.get(b"r", b"").strip()
            row, col = (int(given) - 1 if given.isdigit() else row + 1), -1
            continue
        ref = _REF.search(found.get(b"r", b"").strip().upper())
        col = col_index(ref[1]) if ref else col + 1
        if ref:
            row = int(ref[2]) - 1
        yield row, col, found, hit


class CellPlaces:
    """The 0-based (row, col) of a worksheet's cell from its tag's offset, for a cell written without r= (its place
    follows from the cells and rows before it): the sheet's cell tags are walked once, only when first asked."""

    def __init__(self, xml: bytes):
        self.xml = xml
        self.starts: list[int] = []
        self.places: list[tuple[int, int]] = []

    def at(self, offset: int) -> tuple[int, int] | None:
        """The place of the last cell tag starting at or before `offset`; None when there is none."""
        if not self.starts:
            for row, col, _, hit in sheet_cells(self.xml):
                self.starts.append(hit.start())
                self.places.append((row, col))
        index = bisect.bisect_right(self.starts, offset) - 1
        return self.places[index] if index >= 0 else None

    def start(self, offset: int) -> int:
        """Where the last cell tag at or before `offset` starts (-1: none)."""
        self.at(offset)
        index = bisect.bisect_right(self.starts, offset) - 1
        return self.starts[index] if index >= 0 else -1


def cell_place(tag: bytes, offset: int, places: CellPlaces) -> tuple[int, int] | None:
    """A cell's 0-based (row, col): from its r= when given (A1 style), else from where its tag (at `offset`) is."""
    given = attrs(tag).get(b"r")
    if given is not None:
        ref = _REF.fullmatch(given.strip().upper())
        return (int(ref[2]) - 1, col_index(ref[1])) if ref else None
    return places.at(offset)


def styled_cells(xml: bytes, styled: dict[bytes, str]) -> dict[tuple[int, int], str]:
    """(row, col) -> what `styled` says of the cell format (keyed by a cell's s= as written, without leading
    zeros), for the worksheet's cells of those formats that hold a value; a cell without s= has format 0."""
    found: dict[tuple[int, int], str] = {}
    for row, col, tag, hit in sheet_cells(xml):
        said = styled.get(tag.get(b"s", b"0").strip().lstrip(b"0") or b"0")
        if said is None or hit[3] or row >= MAX_INDEX or col >= MAX_INDEX:
            continue
        close = CELL_END.search(xml, hit.end())
        if close is None or close.start() == hit.end():
            continue
        found[(row, col)] = said
        if len(found) >= MAX_MARKS:
            break
    return found


def sheets_styled(
    parts: ZipParts, sheet_parts: dict[str, str], styled: dict[bytes, str]
) -> dict[str, dict[tuple[int, int], str]]:
    """styled_cells of every worksheet part, by sheet name; sheets without any left out."""
    found: dict[str, dict[tuple[int, int], str]] = {}
    for part, sheet in sheet_parts.items():
        if part in parts.infos and (cells := styled_cells(parts.read(part), styled)):
            found[sheet] = cells
    return found
