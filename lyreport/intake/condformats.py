"""Conditional formats that can hide a cell's text or show another: a rule whose style (dxf) sets a font colour
equal (or nearly) to the cell's background, a fill equal to the cell's font colour, or a number format that hides
a text (";;;") or shows another ('"已完成"'). Whether the condition holds is not evaluated (it may depend on other
cells, dates, formulas): the parser says that the status may not be what the sheet shows, and does not read a
已完成 under such a rule (cellchecks.py). Ordinary conditional colouring (a red fill for 进度滞后, green text for
已完成) hides nothing and is not said.

Runs in the reader worker. A sheet without conditional formats costs one substring search from the end of its
cells (the rules come after <sheetData>); one with rules that hide nothing, the parse of those rules.
"""

from __future__ import annotations

import re

from .. import lazyre
from .concealed import conceals
from .invisible import COLOR_TAG, FG_TAG, PATTERN_TAG, RGB, StyleColours, near, style_colours
from .invisible import name as colour_name
from .marktools import MAX_INDEX, MAX_MARKS, col_index, sheet_cells
from .marktools import attrs as _attrs
from .xmltext import unescape
from .zipparts import ZipParts

_BLOCK = lazyre.compile(rb"<(?:\w+:)?conditionalFormatting\b([^>]*)>(.*?)</(?:\w+:)?conditionalFormatting\s*>", re.S)
_RULE = lazyre.compile(rb"<(?:\w+:)?cfRule\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?cfRule\s*>)", re.S)
_SQREF = lazyre.compile(rb"<(?:\w+:)?sqref\s*>([^<]*)</(?:\w+:)?sqref\s*>")
_INLINE_DXF = lazyre.compile(rb"<(?:\w+:)?dxf\s*>(.*?)</(?:\w+:)?dxf\s*>", re.S)
_FONT = lazyre.compile(rb"<(?:\w+:)?font\b[^>]*>(.*?)</(?:\w+:)?font\s*>", re.S)
_FILL = lazyre.compile(rb"<(?:\w+:)?fill\b[^>]*>(.*?)</(?:\w+:)?fill\s*>", re.S)
_BG = lazyre.compile(rb"<(?:\w+:)?bgColor\b[^>]*>")
_NUM_FMT = lazyre.compile(rb"<(?:\w+:)?numFmt\b[^>]*>")
_RANGE = lazyre.compile(rb"\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?")

# One rule's style as it can change a cell: (font colour, fill colour, concealing number format), each None if
# the rule does not set it.
Style = tuple[RGB | None, RGB | None, str | None]
Area = tuple[int, int, int, int]  # top, left, bottom, right: 0-based, inclusive


def xlsx_conditional(parts: ZipParts, sheet_parts: dict[str, str]) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name -> {(row, col): "<range>|<how>"} of the cells with a value under a conditional format that can
    hide or change their text; {} when no sheet has one (the usual case), or on any surprise."""
    found: dict[str, dict[tuple[int, int], str]] = {}
    try:
        known: StyleColours | None = None
        for part, sheet in sheet_parts.items():
            if part not in parts.infos:
                continue
            xml = parts.read(part)
            if xml.find(b"onditionalFormatting", max(xml.rfind(b"sheetData"), 0)) < 0:
                continue  # the usual sheet
            known = known or style_colours(parts)
            if known is None:
                return {}
            rules = _hiding_rules(xml, known)
            if rules:
                cells = _cells(xml, known, rules)
                if cells:
                    found[sheet] = cells
    except Exception:  # noqa: BLE001 - an extra: the values were read already
        return found
    return found


def _hiding_rules(xml: bytes, known: StyleColours) -> list[tuple[str, list[Area], Style]]:
    """(the range as written, its areas, the rule's style) of the rules that set a colour or a concealing format."""
    found = []
    for block in _BLOCK.finditer(xml, max(xml.rfind(b"sheetData"), 0)):
        sqref = _attrs(block[1]).get(b"sqref") or (m[1] if (m := _SQREF.search(block[2])) else b"")
        ranges = sqref.decode("ascii", "replace").split()
        areas = [place for text in ranges if (place := area(text)) is not None]
        if not areas:
            continue
        for rule in _RULE.finditer(block[2]):
            style = _rule_style(rule, known)
            if style is not None:
                found.append((" ".join(ranges), areas, style))
    return found


def area(text: str) -> Area | None:
    hit = _RANGE.fullmatch(text.encode())
    if hit is None:
        return None
    top, left = int(hit[2]) - 1, col_index(hit[1].upper())
    bottom, right = (int(hit[4]) - 1, col_index(hit[3].upper())) if hit[3] else (top, left)
    return min(top, bottom), min(left, right), max(top, bottom), max(left, right)


def _rule_style(rule: re.Match[bytes], known: StyleColours) -> Style | None:
    """The rule's style (its dxfId in the styles, or its own <dxf> in an x14 rule); None if it sets nothing that
    could hide a text."""
    ident = _attrs(rule[1]).get(b"dxfId", b"").strip()
    if ident.isdigit():
        body = known.dxfs[int(ident)] if int(ident) < len(known.dxfs) else b""
    else:
        inline = _INLINE_DXF.search(rule[2] or b"")
        body = inline[1] if inline else b""
    if not body:
        return None
    font_part, fill_part = _FONT.search(body), _FILL.search(body)
    colour = COLOR_TAG.search(font_part[1]) if font_part else None
    font = known.colours.of(colour.group(), None) if colour else None
    fill = None
    if fill_part:
        pattern = PATTERN_TAG.search(fill_part[1])
        kind = _attrs(pattern[1]).get(b"patternType", b"solid").strip() if pattern else b"solid"
        tag = _BG.search(fill_part[1]) or FG_TAG.search(fill_part[1])  # a dxf's solid fill is its bgColor
        fill = known.colours.of(tag.group(), None) if tag and kind == b"solid" else None
    code = None
    for tag in _NUM_FMT.findall(body):
        written = _attrs(tag).get(b"formatCode")
        text = unescape(written.decode("utf-8", "replace")) if written is not None else ""
        if text and conceals(text):
            code = text
    return (font, fill, code) if font or fill or code else None


def _cells(xml: bytes, known: StyleColours, rules: list[tuple[str, list[Area], Style]]) -> dict[tuple[int, int], str]:
    found: dict[tuple[int, int], str] = {}
    top = min(area[0] for _, areas, _ in rules for area in areas)
    for row, col, attrs, hit in sheet_cells(xml):
        if hit[3] or row < top or row >= MAX_INDEX or col >= MAX_INDEX:
            continue
        for ranges, areas, style in rules:
            if not any(a <= row <= c and b <= col <= d for a, b, c, d in areas):
                continue
            hides = how(known.of_cell(attrs.get(b"s", b"0").strip()), style)
            if hides is not None:
                found[(row, col)] = f"{ranges}|{hides}"
                break
        if len(found) >= MAX_MARKS:
            break
    return found


def how(cell: tuple[RGB | None, RGB | None], style: Style) -> str | None:
    """How the rule can hide the cell's text ("colour:<font>/<background>", "format:<code>"); None if it cannot."""
    font, fill, code = style
    if code is not None:
        return f"format:{code}"
    text, back = font or cell[0], fill or cell[1]
    if text is not None and back is not None and near(text, back):
        return f"colour:{colour_name(text)}/{colour_name(back)}"
    return None
