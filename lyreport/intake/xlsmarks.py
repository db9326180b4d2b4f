"""Hidden rows and columns, and struck-through text, of an old Excel (.xls) workbook, which the fast reader does
not report.

A unit that hides last week's prefilled row in an .xls would otherwise have it read as this week's data, and a
struck-out 已完成 would be read as done, and a cell holding an error value (#REF!) as empty. xlrd reads the BIFF
row/column records and cell types and, with the formatting it is opened with already, each cell's font and the
fonts of rich-text runs (struck, or in the cell's background colour: runcolours.hidden_runs decides); without it (or on anything unexpected before a strike is known) there are no marks, as for
other formats.
"""

from __future__ import annotations

from typing import Any

from .concealed import conceals
from .invisible import RGB, near, xls_colours, xls_invisible_xfs
from .marktools import MAX_INDEX, MAX_MARKS, Marks, Struck
from .runcolours import hidden_runs
from .strikemarks import ALL_SHEETS, struck_entry

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TEXT_CELL = 1  # xlrd.XL_CELL_TEXT
_BLANK_CELLS = (0, 6)  # xlrd.XL_CELL_EMPTY, XL_CELL_BLANK


def xls_marks(source: Any) -> dict[str, Marks]:
    """Sheet name → Marks for an .xls file (a path, or the bytes already read as a file object); {} when it
    cannot be told. A sheet that fails half-way keeps the marks of the sheets before it; when the workbook has a
    struck font, it and the sheets after it are marked struck_unknown (a strike may be there: said, never silent)."""
    try:
        if hasattr(source, "read"):
            source.seek(0)
            data = source.read()
        else:
            with open(source, "rb") as handle:
                data = handle.read()
        if data[:8] != OLE_MAGIC:
            return {}
        import xlrd  # only .xls needs it

        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception:  # noqa: BLE001 - marks are an extra; the values were read already
        return {}
    found: dict[str, Marks] = {}
    fonts: set[int] = set()
    concealing: dict[int, str] = {}
    invisible: dict[int, str] = {}
    palette: _Palette | None = None
    index = 0
    try:
        fonts = {number for number, font in enumerate(book.font_list) if font.struck_out}
        concealing = _concealing_xfs(book)
        invisible = _invisible_xfs(book)
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = {r for r, info in sheet.rowinfo_map.items() if info.hidden and r < MAX_INDEX}
            cols = {c for c, info in sheet.colinfo_map.items() if info.hidden and c < MAX_INDEX}
            struck, unknown = _struck_cells(book, sheet, fonts) if fonts else ([], False)
            errors = _errors(sheet, xlrd)
            formats = _formatted(sheet, concealing) if concealing else {}
            colours = _coloured(sheet, invisible) if invisible else {}
            runs: dict[tuple[int, int], tuple[str, str, str]] = {}
            if getattr(sheet, "rich_text_runlist_map", None):  # the usual sheet has no rich text at all
                palette = palette or _Palette(book)
                runs = _hidden_runs(sheet, palette) if palette.suspect else {}
            notes = _notes(sheet)
            if rows or cols or struck or unknown or errors or formats or colours or runs or notes:
                found[sheet.name] = Marks(
                    hidden_rows=rows, hidden_cols=cols, struck=struck, struck_unknown=unknown, errors=errors
                )
                found[sheet.name].formats, found[sheet.name].colours = formats, colours
                found[sheet.name].runs, found[sheet.name].notes = runs, notes
    except Exception:  # noqa: BLE001 - as above: no marks rather than no return; what was found stays
        if fonts:
            _unread(book, index, found)
    finally:
        book.release_resources()
    return found


def _notes(sheet: Any) -> dict[tuple[int, int], str]:
    """Notes (comments, 批注) on cells, as xlrd found them (cellnotes.py reads those of .xlsx and .ods)."""
    notes = {}
    for (row, col), note in list(getattr(sheet, "cell_note_map", {}).items())[:MAX_MARKS]:
        text = " ".join(str(getattr(note, "text", "") or "").split())
        if text and row < MAX_INDEX and col < MAX_INDEX:
            notes[(row, col)] = text
    return notes


def _unread(book: Any, first: int, found: dict[str, Marks]) -> None:
    """Sheets from `first` on were not read, in a workbook with a struck font: their strikes are unknown."""
    try:
        names = book.sheet_names()[first:]
    except Exception:  # noqa: BLE001 - which sheets is not known either: every sheet
        names = [ALL_SHEETS]
    for name in names:
        found.setdefault(name, Marks()).struck_unknown = True


def _struck_cells(book: Any, sheet: Any, fonts: set[int]) -> tuple[list[Struck], bool]:
    """(row, col, kept, struck, full) of the cells with struck text (see strikemarks.py), and whether some could
    not be placed: a strike is known to exist, so a failure here is said, never silent."""
    found: list[Struck] = []
    try:
        xfs = {index for index, xf in enumerate(book.xf_list) if xf.font_index in fonts}
        runs_of = sheet.rich_text_runlist_map
        for row in range(min(sheet.nrows, MAX_INDEX)):
            for col, cell in enumerate(sheet.row(row)[:MAX_INDEX]):
                if cell.ctype in _BLANK_CELLS:
                    continue
                base = sheet.cell_xf_index(row, col) in xfs
                runs = runs_of.get((row, col)) or []
                if not base and not any(font in fonts for _, font in runs):
                    continue
                if cell.ctype != _TEXT_CELL:  # a number, a date: struck whole, or not at all
                    entry = (row, col, "", "", "") if base else None
                else:
                    entry = struck_entry(row, col, _pieces(str(cell.value), base, runs, fonts))
                if entry is not None:
                    if len(found) >= MAX_MARKS:
                        return found, True
                    found.append(entry)
    except Exception:  # noqa: BLE001
        return found, True
    return found, False


def _pieces(text: str, base: bool, runs: list[tuple[int, int]], fonts: set[int]) -> list[tuple[str, bool]]:
    """(text, struck) pieces of a rich-text cell: before the first run the cell's own font applies."""
    starts = [(0, base), *((offset, font in fonts) for offset, font in runs)]
    return [(text[a:b], on) for (a, on), (b, _) in zip(starts, [*starts[1:], (len(text), False)], strict=True)]


def _concealing_xfs(book: Any) -> dict[int, str]:
    """Cell format index -> number format code, of the formats that show a text as something else."""
    try:
        codes = {key: fmt.format_str for key, fmt in book.format_map.items() if conceals(fmt.format_str or "")}
        if not codes:
            return {}
        return {index: codes[xf.format_key] for index, xf in enumerate(book.xf_list) if xf.format_key in codes}
    except Exception:  # noqa: BLE001 - an extra
        return {}


def _formatted(sheet: Any, concealing: dict[int, str]) -> dict[tuple[int, int], str]:
    """(row, col) -> format code of the text cells whose format shows them as something else."""
    found: dict[tuple[int, int], str] = {}
    for row in range(min(sheet.nrows, MAX_INDEX)):
        types = sheet.row_types(row)
        if _TEXT_CELL not in types:
            continue
        for col, kind in enumerate(types[:MAX_INDEX]):
            if kind == _TEXT_CELL and (code := concealing.get(sheet.cell_xf_index(row, col))) is not None:
                found[(row, col)] = code
                if len(found) >= MAX_MARKS:
                    return found
    return found


def _invisible_xfs(book: Any) -> dict[int, str]:
    """Cell format index -> why, of the formats whose font colour is their background's (invisible.py)."""
    try:
        return xls_invisible_xfs(book)
    except Exception:  # noqa: BLE001 - an extra
        return {}


def _coloured(sheet: Any, invisible: dict[int, str]) -> dict[tuple[int, int], str]:
    """(row, col) -> why of the cells with a value whose font colour is their background's."""
    found: dict[tuple[int, int], str] = {}
    for row in range(min(sheet.nrows, MAX_INDEX)):
        for col, kind in enumerate(sheet.row_types(row)[:MAX_INDEX]):
            if kind not in _BLANK_CELLS and (why := invisible.get(sheet.cell_xf_index(row, col))) is not None:
                found[(row, col)] = why
                if len(found) >= MAX_MARKS:
                    return found
    return found


class _Palette:
    """The font colours and cell formats' (font colour, background) of an .xls, and whether any font's colour is
    near any background (else no run can hide its text: the usual workbook)."""

    def __init__(self, book: Any):
        try:
            self.fonts, self.xfs = xls_colours(book)
        except Exception:  # noqa: BLE001 - an extra
            self.fonts, self.xfs = [], []
        backs = {back for _, back in self.xfs if back is not None}
        self.suspect = any(font is not None and near(font, back) for font in set(self.fonts) for back in backs)

    def font(self, index: int) -> RGB | None:
        return self.fonts[index] if 0 <= index < len(self.fonts) else None


def _hidden_runs(sheet: Any, palette: _Palette) -> dict[tuple[int, int], tuple[str, str, str]]:
    """(row, col) -> (text shown, text hidden, why) of the text cells some rich-text runs of which are in their
    background's colour (runcolours.hidden_runs decides, as for .xlsx and .ods)."""
    found: dict[tuple[int, int], tuple[str, str, str]] = {}
    try:
        for (row, col), runs in sorted(sheet.rich_text_runlist_map.items()):
            if row >= MAX_INDEX or col >= MAX_INDEX or sheet.cell_type(row, col) != _TEXT_CELL:
                continue
            xf = sheet.cell_xf_index(row, col)
            font, back = palette.xfs[xf] if 0 <= xf < len(palette.xfs) else (None, None)
            if back is None:
                continue  # a pattern or an unknown fill: not known to hide anything
            text = str(sheet.cell_value(row, col))
            starts = [(0, font), *((offset, palette.font(index)) for offset, index in runs)]
            ends = [offset for offset, _ in starts[1:]] + [len(text)]
            pieces = [(text[a:b], colour) for (a, colour), b in zip(starts, ends, strict=True)]
            entry = hidden_runs(pieces, font, back)
            if entry is not None:
                found[(row, col)] = entry
                if len(found) >= MAX_MARKS:
                    break
    except Exception:  # noqa: BLE001 - an extra: what was found stays
        return found
    return found


def _errors(sheet: Any, xlrd: Any) -> dict[tuple[int, int], str]:
    """(row, col) → error value (#REF!, #N/A …) of the cells of type error."""
    found: dict[tuple[int, int], str] = {}
    for row in range(min(sheet.nrows, MAX_INDEX)):
        types = sheet.row_types(row)
        if xlrd.XL_CELL_ERROR not in types:
            continue
        for col, kind in enumerate(types):
            if kind == xlrd.XL_CELL_ERROR and len(found) < MAX_MARKS:
                found[(row, col)] = xlrd.error_text_from_code.get(sheet.cell_value(row, col), "#VALUE!")
    return found
