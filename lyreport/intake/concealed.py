"""Cells whose content the sheet does not show: text hidden under a merged cell, or shown as something else by
a number format (";;;" hides it, '0;0;0;"已完成"' shows 已完成 whatever the cell holds).

calamine returns what the cell holds; the unit (and whoever prints the return) sees what the sheet shows. A
program that writes every row and then merges, LibreOffice's "keep the contents of the hidden cells", or a
format copied from elsewhere make the two differ: the parser is told (models.SheetData.concealed) and says so,
never reading a status nobody can see.

Text in its background's colour, and the .ods number formats, are found in invisible.py; a text the reader
reads as empty though the file holds it (a t="str" cell without formula or <v>) in sheetmarks.py: all reach the
parser the same way.

Runs in the reader worker. The formats are read from the raw styles (a substring search when there is no
custom format with a text section, the usual case); the merges come from calamine.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from .. import lazyre
from .cellrefs import cell_ref
from .marktools import MAX_INDEX, MAX_MARKS, cell_formats, sheets_styled
from .marktools import attrs as _attrs
from .xmltext import unescape
from .zipparts import ZipParts

# One concealed cell: (row, col, what it holds, what the sheet shows, why) — 0-based; `why` is "merge:D5:D6"
# (the merged range that covers it), "format:<code>", "colour:<font colour>/<background>" (invisible.py) or
# "markup:str" (a text the reader could not read: not concealed by the sheet, but not known either); "runs:<font
# colour>/<background>" when only some runs of the text are in that colour (runcolours.py): what it holds is then
# the hidden text, what the sheet shows the rest; "cond:<range>|<how>" for a conditional format that can hide or
# change the text when its condition holds (condformats.py; `how` as "colour:…" or "format:…" above).
Concealed = tuple[int, int, str, str, str]

_NUM_FMT = lazyre.compile(rb"<(?:\w+:)?numFmt\b[^>]*>")


def _sections(code: str) -> list[str]:
    """A format code split at the ";" that separate its sections (not inside quotes, brackets or after "\\")."""
    sections, current, quoted, bracket, escaped = [], [], False, False, False
    for ch in code:
        if escaped:
            escaped = False
        elif quoted:
            quoted = ch != '"'
        elif bracket:
            bracket = ch != "]"
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = True
        elif ch == "[":
            bracket = True
        elif ch == ";":
            sections.append("".join(current))
            current = []
            continue
        current.append(ch)
    sections.append("".join(current))
    return sections


def _has_at(section: str) -> bool:
    return "@" in re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", section)


def text_shown(code: str, value: str) -> str | None:
    """What Excel shows for the text `value` under the number format `code`; None when it shows the text as is.

    The text section is the fourth, or (with fewer) the one that holds "@"; without one, text shows as is.
    """
    sections = _sections(code)
    if len(sections) >= 4:
        section = sections[3]
    else:
        section = next((s for s in sections if _has_at(s)), None)
        if section is None:
            return None
    out: list[str] = []
    i = 0
    while i < len(section):
        ch = section[i]
        if ch == '"':
            end = section.find('"', i + 1)
            end = len(section) if end < 0 else end
            out.append(section[i + 1 : end])
            i = end + 1
            continue
        if ch == "\\" and i + 1 < len(section):
            out.append(section[i + 1])
        elif ch == "_" and i + 1 < len(section):
            out.append(" ")  # the width of the next character
        elif ch == "*" and i + 1 < len(section):
            pass  # fill with the next character: as wide as the cell, nothing readable
        elif ch == "[":
            end = section.find("]", i)
            i = len(section) if end < 0 else end + 1
            continue
        elif ch == "@":
            out.append(value)
            i += 1
            continue
        else:
            out.append(ch)
            i += 1
            continue
        i += 2
    return "".join(out)


@functools.lru_cache(maxsize=512)  # the same few formats in every file of a program or template
def conceals(code: str) -> bool:
    """Whether the format shows a text other than the text itself."""
    probe = "甲乙"
    shown = text_shown(code, probe)
    return shown is not None and shown.strip() != probe


def xlsx_formats(parts: ZipParts, sheet_parts: dict[str, str]) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name -> {(row, col): format code} of the cells whose number format shows a text as something else;
    {} when no custom format does (the usual case), or on any surprise."""
    try:
        name = next((n for n in parts.infos if n.lower() == "xl/styles.xml"), None)
        styles = parts.read(name) if name else b""
        styled = _cached_styles(styles) if len(styles) <= _CACHED_STYLES_BYTES else _concealing_styles(styles)
        return sheets_styled(parts, sheet_parts, styled) if styled else {}
    except Exception:  # noqa: BLE001 - an extra: the values were read already
        return {}


def _concealing_styles(styles: bytes) -> dict[bytes, str]:
    """Cell style index (as written in s="…") -> format code, for the styles whose format conceals a text."""
    if b"formatCode" not in styles:
        return {}
    codes = {}
    for tag in _NUM_FMT.findall(styles):
        attrs = _attrs(tag)
        ident, code = attrs.get(b"numFmtId", b"").strip(), attrs.get(b"formatCode")
        if ident.isdigit() and code is not None:
            text = unescape(code.decode("utf-8", "replace"))
            if conceals(text):
                codes[int(ident)] = text
    if not codes:
        return {}
    styled: dict[bytes, str] = {}
    for index, tag in enumerate(cell_formats(styles) or []):
        number = _attrs(tag).get(b"numFmtId", b"0").strip()
        if number.isdigit() and int(number) in codes:
            styled[str(index).encode()] = codes[int(number)]
    return styled


# Returns made from one template or by one program share their styles part byte for byte: it is analysed once
# per worker (small parts only, so that the cache stays a few MB at most).
_CACHED_STYLES_BYTES = 256 * 1024
_cached_styles = functools.lru_cache(maxsize=16)(_concealing_styles)


def by_format(rows: list[list[Any]], cells: dict[tuple[int, int], str]) -> list[Concealed]:
    """The texts of the grid that their format shows as something else."""
    found: list[Concealed] = []
    for (row, col), code in sorted(cells.items()):
        value = rows[row][col] if row < len(rows) and col < len(rows[row]) else None
        if not isinstance(value, str):
            continue  # a number shown as a word is not a status word: read as the number, and said
        shown = text_shown(code, value)
        if shown is not None and shown.strip() != value.strip():
            found.append((row, col, value, shown.strip(), f"format:{code}"))
    return found


def by_colour(rows: list[list[Any]], cells: dict[tuple[int, int], str]) -> list[Concealed]:
    """The values of the grid written in their background's colour (invisible.py; `cells`: (row, col) -> why)."""
    found: list[Concealed] = []
    for (row, col), why in sorted(cells.items()):
        value = rows[row][col] if row < len(rows) and col < len(rows[row]) else None
        if value is not None and _plain(value).strip():
            found.append((row, col, _plain(value), "", why))
    return found


def by_runs(rows: list[list[Any]], cells: dict[tuple[int, int], tuple[str, str, str]]) -> list[Concealed]:
    """The texts of the grid some runs of which are in their background's colour (runcolours.py; `cells`: (row, col)
    -> (text shown, text hidden, why)): "runs:<font colour>/<background>", with the hidden text as the value."""
    found: list[Concealed] = []
    for (row, col), (shown, hidden, why) in sorted(cells.items()):
        value = rows[row][col] if row < len(rows) and col < len(rows[row]) else None
        if isinstance(value, str) and value.strip():
            found.append((row, col, hidden, shown, f"runs:{why}"))
    return found


def by_condition(rows: list[list[Any]], cells: dict[tuple[int, int], str]) -> list[Concealed]:
    """The values of the grid under a conditional format that can hide or change them (condformats.py; `cells`:
    (row, col) -> "<range>|<how>"): "cond:<range>|<how>"."""
    found: list[Concealed] = []
    for (row, col), why in sorted(cells.items()):
        value = rows[row][col] if row < len(rows) and col < len(rows[row]) else None
        if value is not None and _plain(value).strip():
            found.append((row, col, _plain(value), "", f"cond:{why}"))
    return found


def unread(rows: list[list[Any]], cells: dict[tuple[int, int], str]) -> list[Concealed]:
    """Texts the file holds in a form the reader reads as empty (`cells`: (row, col) -> that text): "markup:str"."""
    found: list[Concealed] = []
    for (row, col), text in sorted(cells.items()):
        value = rows[row][col] if row < len(rows) and col < len(rows[row]) else None
        if value is None or value == "":
            found.append((row, col, text, "", "markup:str"))
    return found


def under_merges(rows: list[list[Any]], merges: list[tuple[tuple[int, int], tuple[int, int]]]) -> list[Concealed]:
    """Cells covered by a merged cell (not its top-left one) that hold something else than the merge shows.

    A cell filled down from a vertical merge (read.py) holds the merge's value already; one that held a value of
    its own kept it. The merge shows its top-left cell's value over its whole area."""
    found: list[Concealed] = []
    for (top, left), (bottom, right) in merges:
        if bottom >= MAX_INDEX or right >= MAX_INDEX or top >= len(rows):
            continue
        first = rows[top][left] if left < len(rows[top]) else None
        for index in range(top, min(bottom + 1, len(rows))):
            line = rows[index]
            covered = line[left + (index == top) : right + 1]
            if covered.count("") + covered.count(None) == len(covered):
                continue  # the usual merge: nothing under it (a C-speed test before the cell-by-cell loop)
            for col in range(left, min(right + 1, len(line))):
                value = line[col]
                if (index, col) == (top, left) or value in (None, ""):
                    continue
                shown = first if col == left else None  # beside the top-left column the merge shows nothing there
                if value != shown:
                    text = _plain(value)
                    where = f"merge:{cell_ref(left, top)}:{cell_ref(right, bottom)}"
                    found.append((index, col, text, _plain(first) if col == left else "", where))
                    if len(found) >= MAX_MARKS:
                        return found
    return found


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
