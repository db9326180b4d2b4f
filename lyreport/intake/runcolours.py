"""Rich text of which some runs are written in their cell's background colour: "正常推进" in black and "已完成" in
white, or the whole text white in runs of a cell whose own font is black. invisible.py reads the cell's own font;
this reads the runs of its shared or inline string (the walk of strikemarks.item_runs) with the colours resolved as
there (rgb, indexed, theme, tint). The parser compares what the sheet shows with what the cell holds
(cellchecks.py).

Runs in the reader worker. A workbook whose strings have no run colour near any background of its cell formats
(the usual case: black or coloured runs on white or light fills) costs a few substring searches and, when its
strings have coloured runs at all, one scan of their <color> tags.
"""

from __future__ import annotations

import re

from .. import lazyre
from .invisible import BLACK, COLOR_TAG, RGB, StyleColours, near, style_colours
from .invisible import name as colour_name
from .marktools import CELL_END, MAX_INDEX, MAX_MARKS, sheet_cells
from .strikemarks import Strings, item_runs
from .zipparts import ZipParts

# (row, col) -> (the text the sheet shows, the text it hides, "<hidden run's colour>/<background>")
Runs = dict[tuple[int, int], tuple[str, str, str]]

_VALUE = lazyre.compile(rb"<(?:\w+:)?v\s*>([^<]*)</(?:\w+:)?v\s*>")
_INLINE = lazyre.compile(rb"<(?:\w+:)?is\s*>(.*?)</(?:\w+:)?is\s*>", re.S)


def xlsx_runs(parts: ZipParts, sheet_parts: dict[str, str]) -> dict[str, Runs]:
    """Sheet name -> the cells some runs of whose text are in their background's colour; {} when no run can be
    (the usual case), or on any surprise."""
    try:
        name = next((n for n in parts.infos if n.lower() == "xl/sharedstrings.xml"), None)
        strings = parts.read(name) if name else b""
        sheets = {part: parts.read(part) for part in sheet_parts if part in parts.infos}
        inline = {part for part, xml in sheets.items() if b"inlineStr" in xml and b"rPr" in xml}
        if b"rPr" not in strings and not inline:
            return {}  # no run has properties of its own: every run is in its cell's font
        known = style_colours(parts)
        if known is None:
            return {}
        suspect = _Suspect(known, strings)
        items = suspect.items()
        if not items and not inline:
            return {}
        found: dict[str, Runs] = {}
        table = Strings(strings)
        for part, sheet in sheet_parts.items():
            if part in sheets and (items or part in inline):
                cells = _sheet(sheets[part], known, table, items, part in inline)
                if cells:
                    found[sheet] = cells
        return found
    except Exception:  # noqa: BLE001 - an extra: the values were read already
        return {}


class _Suspect:
    """Which run colours may hide a text: resolved once per distinct <color> tag."""

    def __init__(self, known: StyleColours, strings: bytes):
        self.known = known
        self.strings = strings
        self.backgrounds = known.backgrounds()
        self._colours: dict[bytes, RGB | None] = {}

    def colour(self, props: bytes) -> RGB | None:
        """A run's colour from its properties: its <color>, or automatic (black) without one."""
        tag = COLOR_TAG.search(props)
        key = tag.group() if tag else b""
        if key not in self._colours:
            self._colours[key] = self.known.colours.of(key or None, BLACK)
        return self._colours[key]

    def could_hide(self, tag: bytes) -> bool:
        colour = self.colour(tag)
        return colour is not None and any(near(colour, back) for back in self.backgrounds)

    def items(self) -> set[int]:
        """Indices of the shared strings with a run whose colour is near some background; none costs one scan of
        the <color> tags (and the automatic colour, for a run without one, when a background is dark)."""
        if b"rPr" not in self.strings:
            return set()
        tags = set(COLOR_TAG.findall(self.strings))
        dark = any(near(BLACK, back) for back in self.backgrounds)
        if not dark and not any(self.could_hide(tag) for tag in tags):
            return set()
        table = Strings(self.strings)
        found = set()
        for index, (start, end) in enumerate(table.spans()):
            item = self.strings[start:end]
            runs = item_runs(item, None, self.colour) if b"rPr" in item else []
            if any(colour is not None and any(near(colour, b) for b in self.backgrounds) for _, colour in runs):
                found.add(index)
        return found


def hidden_runs(runs: list[tuple[str, RGB | None]], font: RGB | None, back: RGB) -> tuple[str, str, str] | None:
    """The decision for one cell of any format: (the text shown, the text hidden, "<hidden run's colour>/<background>")
    when some runs (text, colour; None for an unknown colour) are in the background's colour `back`; None when none
    is, or when the whole cell is (its own font `font` in that colour: invisible.py says it)."""
    hidden = [(text, colour) for text, colour in runs if colour is not None and near(colour, back)]
    shown = "".join(text for text, colour in runs if colour is None or not near(colour, back))
    if not "".join(text for text, _ in hidden).strip():
        return None
    if font is not None and near(font, back) and not shown.strip():
        return None  # the whole cell in its background's colour: invisible.py says it
    first = next(colour for text, colour in hidden if text.strip())
    return shown, "".join(text for text, _ in hidden), f"{colour_name(first)}/{colour_name(back)}"


def _sheet(xml: bytes, known: StyleColours, strings: Strings, items: set[int], inline: bool) -> Runs:
    suspect = _Suspect(known, b"")
    found: Runs = {}
    for row, col, attrs, hit in sheet_cells(xml):
        kind = attrs.get(b"t", b"n").strip()
        if hit[3] or row >= MAX_INDEX or col >= MAX_INDEX or kind not in (b"s", b"inlineStr"):
            continue
        if kind == b"inlineStr" and not inline:
            continue
        end = CELL_END.search(xml, hit.end())
        body = xml[hit.end() : end.start() if end else len(xml)]
        if kind == b"s":
            value = _VALUE.search(body)
            index = int(value[1].strip()) if value and value[1].strip().isdigit() else -1
            item = strings.item(index) if index in items else None
        else:
            text = _INLINE.search(body)
            item = text[1] if text and b"rPr" in text[1] else None
        if item is None:
            continue
        font, back = known.of_cell(attrs.get(b"s", b"0").strip())
        if back is None:
            continue  # a pattern or an unknown fill: not known to hide anything
        entry = hidden_runs(item_runs(item, font, suspect.colour), font, back)
        if entry is None:
            continue
        found[(row, col)] = entry
        if len(found) >= MAX_MARKS:
            break
    return found
