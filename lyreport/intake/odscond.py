"""The .ods half of condformats.py: conditional styles that can hide a cell's text or show another. An .ods says
them twice, or once: a cell style's <style:map style:condition="…" style:apply-style-name="…"/> (ODF), and
LibreOffice's <calcext:conditional-formats> after a table's rows (the range and the style of each condition; its
style named by display name). A condition's style whose font colour (fo:color) is the cell's background, whose
background is the cell's font colour, or whose data style hides or changes a text (odsunseen.ods_text_formats)
can hide the cell's status; the decision is condformats.how's, and the parser says it as for .xlsx.

Only what the condition's style sets itself (or through parents other than Default) is taken as the condition's:
what it leaves unset is the cell's own. Whether the condition holds is not evaluated.

Runs in the reader worker. An .ods without conditional styles (the usual case) costs three substring searches;
one with conditions that hide nothing, the parse of its styles.
"""

from __future__ import annotations

import bisect
import re

from .. import lazyre
from .cellrefs import cell_ref
from .condformats import Area, Style, area, how
from .marktools import MAX_INDEX, MAX_MARKS
from .marktools import attrs as _attrs
from .odsunseen import MAX_PARENTS, OdsStyles, head, ods_text_formats
from .odswalk import TablePlace, table_cells
from .xmltext import unescape
from .zipparts import ZipParts

_TABLE = lazyre.compile(rb"<table:table(?=[\s>])([^>]*)>")
_CALC_FORMAT = lazyre.compile(rb"<calcext:conditional-format\b([^>]*)>(.*?)</calcext:conditional-format>", re.S)
_CALC_RULE = lazyre.compile(rb"<calcext:(?:condition|date-is)\b([^>]*)>")
_QUOTED = lazyre.compile(r"'(?:[^']|'')*'")

Rule = tuple[str, list[Area], Style]  # the range as the message says it, its areas, the condition's style


def ods_conditional(parts: ZipParts) -> dict[str, dict[tuple[int, int], str]]:
    """Table name -> {(row, col): "<range>|<how>"} of the cells with content under a conditional style that can
    hide or change their text; {} when there is none (the usual case), or on any surprise."""
    try:
        content = parts.read("content.xml")
        styles = parts.read("styles.xml") if "styles.xml" in parts.infos else b""
        heads = (head(content), head(styles))
        calc = b"<calcext:conditional-format" in content
        if not calc and not any(b"cell-content" in h or b"is-true-formula" in h for h in heads):
            return {}
        known = _Conditions(
            OdsStyles(*heads), ods_text_formats(*heads) if any(b"number:text" in h for h in heads) else {}
        )
        ranges = _calc_rules(content, known) if calc else {}
        if not ranges and not known.any_mapped():
            return {}  # conditions that only colour (a red fill for 滞后): nothing hidden
        return _cells(content, known, ranges)
    except Exception:  # noqa: BLE001 - an extra: the values were read already
        return {}


class _Conditions:
    """The styles conditions apply, as what they change in a cell (condformats.Style), each resolved once."""

    def __init__(self, styles: OdsStyles, formats: dict[bytes, str]):
        self.styles = styles
        self.formats = formats
        self._styles: dict[bytes, Style | None] = {}
        self._maps: dict[bytes, list[Style]] = {}

    def style(self, name: bytes) -> Style | None:
        """What the named style sets (font colour, background, concealing format); None if none could hide."""
        if name not in self._styles:
            own = self.styles.own
            key = name if name in own else self.styles.names.get(name, name)
            font = fill = None
            data = b""
            for _ in range(MAX_PARENTS):
                if key not in own or key == b"Default":
                    break
                text, back, format_name, parent = own[key]
                font, fill, data = font or text, fill or back, data or format_name
                key = parent
            code = self.formats.get(data)
            self._styles[name] = (font, fill, code) if font or fill or code else None
        return self._styles[name]

    def mapped(self, cell_style: bytes) -> list[Style]:
        """The styles the <style:map> conditions of a cell style (or its parents) apply that could hide a text."""
        if cell_style not in self._maps:
            found: list[Style] = []
            key = cell_style
            for _ in range(MAX_PARENTS):
                for name in self.styles.maps.get(key, []):
                    if (style := self.style(name)) is not None:
                        found.append(style)
                key = self.styles.own.get(key, (None, None, b"", b""))[3]
                if not key:
                    break
            self._maps[cell_style] = found
        return self._maps[cell_style]

    def any_mapped(self) -> bool:
        return any(self.mapped(style) for style in self.styles.maps)


def _calc_rules(xml: bytes, known: _Conditions) -> dict[str, list[Rule]]:
    """Table name -> the <calcext:conditional-format> rules in it whose style could hide a text."""
    tables = [(hit.start(), _attrs(hit[1]).get(b"table:name", b"")) for hit in _TABLE.finditer(xml)]
    starts = [start for start, _ in tables]
    found: dict[str, list[Rule]] = {}
    for block in _CALC_FORMAT.finditer(xml):
        at = bisect.bisect_right(starts, block.start()) - 1
        if at < 0:
            continue
        styles = []
        for rule in _CALC_RULE.finditer(block[2]):
            attrs = _attrs(rule[1])
            name = attrs.get(b"calcext:apply-style-name") or attrs.get(b"calcext:style") or b""
            if (style := known.style(name)) is not None:
                styles.append(style)
        if not styles:
            continue
        address = unescape(_attrs(block[1]).get(b"calcext:target-range-address", b"").decode("utf-8", "replace"))
        refs = [_ref(token) for token in _QUOTED.sub("", address).split()]
        areas = [place for ref in refs if (place := area(ref)) is not None]
        if areas:
            table = unescape(tables[at][1].decode("utf-8", "replace"))
            found.setdefault(table, []).extend((" ".join(refs), areas, style) for style in styles)
    return found


def _ref(token: str) -> str:
    """A cell range of an ODF address without its table names and "$": "Sheet1.$D$3:.D8" -> "D3:D8"."""
    return ":".join(part.rsplit(".", 1)[-1].replace("$", "") for part in token.split(":"))


def _span(cells: list[tuple[int, int]]) -> str:
    """The range the cells of one conditional cell style span, as the message says it ("D3:D8")."""
    top, left = min(r for r, _ in cells), min(c for _, c in cells)
    bottom, right = max(r for r, _ in cells), max(c for _, c in cells)
    first, last = cell_ref(left, top), cell_ref(right, bottom)
    return first if first == last else f"{first}:{last}"


class _Table(TablePlace):
    def __init__(self) -> None:
        super().__init__()
        self.found: dict[tuple[int, int], str] = {}
        self.mapped: dict[bytes, dict[tuple[int, int], str]] = {}  # cell style -> its cells -> how (no range yet)


def _cells(xml: bytes, known: _Conditions, ranges: dict[str, list[Rule]]) -> dict[str, dict[tuple[int, int], str]]:
    tables: dict[str, _Table] = {}
    for name, table, _, attrs, columns in table_cells(xml, _Table):
        rules = ranges.get(name, [])
        style = table.cell_style(attrs)
        mapped = known.mapped(style)
        if not rules and not mapped:
            continue
        tables[name] = table
        cell = known.styles.cell(style)[:2]
        for r in range(table.row, min(table.row + table.rows, MAX_INDEX)):
            for c in range(table.col, min(table.col + columns, MAX_INDEX)):
                if len(table.found) + len(table.mapped.get(style, ())) >= MAX_MARKS:
                    break
                for ranged, areas, rule in rules:
                    if any(a <= r <= e and b <= c <= d for a, b, e, d in areas) and (hides := how(cell, rule)):
                        table.found[(r, c)] = f"{ranged}|{hides}"
                        break
                else:
                    hides = next((h for rule in mapped if (h := how(cell, rule)) is not None), None)
                    if hides is not None:
                        table.mapped.setdefault(style, {})[(r, c)] = hides
    found: dict[str, dict[tuple[int, int], str]] = {}
    for name, table in tables.items():
        for cells in table.mapped.values():
            ranged = _span(list(cells))
            for key, hides in cells.items():
                table.found.setdefault(key, f"{ranged}|{hides}")
        if table.found:
            found[name] = table.found
    return found
