"""The .ods half of invisible.py: cells whose style makes their text unreadable (font colour equal to the
background, invisible.near) or whose number format hides their text or shows another (a text format without
<number:text-content>, literal text in the format), found through the cell's, row's or column's style and its
parents. Runs in the reader worker, like the rest of the marks."""

from __future__ import annotations

import bisect
import re

from .invisible import BLACK, RGB, WHITE, hex_rgb, near, why
from .marktools import MAX_INDEX, MAX_MARKS
from .marktools import attrs as _attrs
from .xmltext import unescape
from .zipparts import ZipParts

_ODS_STYLE = re.compile(rb"<style:(style|default-style)(?=[\s/>])([^>]*?)(/?)>")
_ODS_FG = re.compile(rb"""<style:text-properties\b[^>]*?\sfo:color\s*=\s*["']([^"']*)["']""")
_ODS_BG = re.compile(rb"""<style:table-cell-properties\b[^>]*?\sfo:background-color\s*=\s*["']([^"']*)["']""")
_TEXT_STYLE = re.compile(rb"<number:text-style\b([^>]*?)(/?)>")
_TEXT_STYLE_END = b"</number:text-style>"
_TEXT_PIECE = re.compile(rb"<number:text-content\b[^>]*>|<number:text\b[^>]*?(?:/>|>(.*?)</number:text>)", re.S)
_ODS_BODY_TAG = re.compile(
    rb"<(/?)(table:table-row|table:table-column|table:table-cell|table:covered-table-cell|table:table)(?=[\s/>])"
    rb"([^>]*?)(/?)>"
)
MAX_PARENTS = 20


def _head(xml: bytes) -> bytes:
    body = xml.find(b"<office:body")
    return xml[: body if body >= 0 else len(xml)]


def ods_text_formats(*parts: bytes) -> dict[bytes, str]:
    """Data style name -> an Excel-like code of the text formats (number:text-style) that show a text other than
    itself: one without number:text-content hides it (";;;"), literal texts beside it add to it."""
    found: dict[bytes, str] = {}
    for xml in parts:
        for hit in _TEXT_STYLE.finditer(xml):
            style = _attrs(hit[1]).get(b"style:name", b"")
            if hit[2] or style in found:
                if hit[2] and style not in found:
                    found[style] = ";;;"
                continue
            end = xml.find(_TEXT_STYLE_END, hit.end())
            body = xml[hit.end() : end if end >= 0 else hit.end()]
            section, shows = "", False
            for piece in _TEXT_PIECE.finditer(body):
                if piece.group().startswith(b"<number:text-content"):
                    section, shows = section + "@", True
                else:
                    literal = unescape((piece[1] or b"").decode("utf-8", "replace"))
                    section += f'"{literal}"' if literal else ""
            if not shows or section != "@":
                found[style] = ";;;" + section
    return found


class _OdsStyles:
    """The table-cell styles of an .ods: each one's font colour, background and data style, through its parents."""

    def __init__(self, content: bytes, styles: bytes):
        self.own: dict[bytes, tuple[RGB | None, RGB | None, bytes, bytes]] = {}
        self.default: tuple[RGB | None, RGB | None] = (None, None)
        for xml in (content, styles):  # content.xml's automatic styles first: its names win
            self._collect(xml)
        self._resolved: dict[bytes, tuple[RGB, RGB, bytes]] = {}

    def _collect(self, xml: bytes) -> None:
        for hit in _ODS_STYLE.finditer(xml):
            attrs = _attrs(hit[2])
            if attrs.get(b"style:family", b"") != b"table-cell":
                continue
            end = xml.find(b"</style:" + hit[1] + b">", hit.end())
            props = b"" if hit[3] else xml[hit.end() : end if end >= 0 else hit.end()]
            fg, bg = _ODS_FG.search(props), _ODS_BG.search(props)
            text = hex_rgb(fg[1]) if fg else None
            back = (WHITE if bg[1].strip() == b"transparent" else hex_rgb(bg[1])) if bg else None
            if hit[1] == b"default-style":
                self.default = (text or self.default[0], back or self.default[1])
                continue
            style = attrs.get(b"style:name", b"")
            parent = attrs.get(b"style:parent-style-name", b"")
            self.own.setdefault(style, (text, back, attrs.get(b"style:data-style-name", b""), parent))

    def any_invisible(self) -> bool:
        return any(near(*self.cell(style)[:2]) for style in [*self.own, b"Default"])

    def cell(self, style: bytes, depth: int = 0) -> tuple[RGB, RGB, bytes]:
        """(font colour, background, data style) of a cell style; black on white where nothing says otherwise."""
        if style in self._resolved:
            return self._resolved[style]
        text, back, data, parent = self.own.get(style, (None, None, b"", b""))
        if parent and depth < MAX_PARENTS and (text is None or back is None or not data):
            up = self.cell(parent, depth + 1)
            text, back, data = text or up[0], back or up[1], data or up[2]
        resolved = (text or self.default[0] or BLACK, back or self.default[1] or WHITE, data)
        self._resolved[style] = resolved
        return resolved


def ods_unseen(parts: ZipParts) -> dict[str, tuple[dict[tuple[int, int], str], dict[tuple[int, int], str]]]:
    """Table name -> ({(row, col): why} of the cells in their background's colour, {(row, col): format code} of
    the cells whose text format hides or changes their text); {} when no style can do either (the usual case:
    a few searches of the styles)."""
    try:
        content = parts.read("content.xml")
        styles = parts.read("styles.xml") if "styles.xml" in parts.infos else b""
    except Exception:  # noqa: BLE001 - nothing readable, nothing known
        return {}
    try:
        heads = (_head(content), _head(styles))
        formats = ods_text_formats(*heads) if any(b"number:text-style" in h for h in heads) else {}
        if not formats and not any(b"fo:color" in h or b"fo:background-color" in h for h in heads):
            return {}
        known = _OdsStyles(*heads)
        if not formats and not known.any_invisible():
            return {}  # coloured styles, none of them in its own background's colour
        return _ods_cells(content, known, formats)
    except Exception:  # noqa: BLE001 - an extra
        return {}


class _Table:
    def __init__(self) -> None:
        self.colours: dict[tuple[int, int], str] = {}
        self.formats: dict[tuple[int, int], str] = {}
        self.starts: list[int] = []
        self.styles: list[bytes] = []
        self.width = 0
        self.row = self.col = 0
        self.rows = 1
        self.row_style = b""

    def column_style(self) -> bytes:
        at = bisect.bisect_right(self.starts, self.col) - 1
        return self.styles[at] if at >= 0 and self.col < self.width else b""


def _repeat(attrs: dict[bytes, bytes], key: bytes) -> int:
    value = attrs.get(key, b"1").strip()
    return min(int(value), MAX_INDEX) if value.isdigit() and int(value) > 0 else 1


def _ods_cells(
    xml: bytes, styles: _OdsStyles, formats: dict[bytes, str]
) -> dict[str, tuple[dict[tuple[int, int], str], dict[tuple[int, int], str]]]:
    found: dict[str, tuple[dict[tuple[int, int], str], dict[tuple[int, int], str]]] = {}
    table, current = _Table(), ""
    for hit in _ODS_BODY_TAG.finditer(xml, max(xml.find(b"<office:body"), 0)):
        closing, tag, empty = hit[1], hit[2], hit[4]
        if tag == b"table:table":
            if not closing:
                table = _Table()
                current = unescape(_attrs(hit[3]).get(b"table:name", b"").decode("utf-8", "replace"))
                found[current] = (table.colours, table.formats)
            continue
        if closing:
            table.row += table.rows if tag == b"table:table-row" else 0
            continue
        attrs = _attrs(hit[3])
        if tag == b"table:table-column":
            table.starts.append(table.width)
            table.styles.append(attrs.get(b"table:default-cell-style-name", b""))
            table.width += _repeat(attrs, b"table:number-columns-repeated")
        elif tag == b"table:table-row":
            table.rows, table.col = _repeat(attrs, b"table:number-rows-repeated"), 0
            table.row_style = attrs.get(b"table:default-cell-style-name", b"")
            table.row += table.rows if empty else 0
        else:
            repeat = _repeat(attrs, b"table:number-columns-repeated")
            if not empty and tag == b"table:table-cell" and table.row < MAX_INDEX:
                style = attrs.get(b"table:style-name") or table.row_style or table.column_style() or b"Default"
                text, back, data = styles.cell(style)
                reason = why(text, back) if near(text, back) else None
                code = formats.get(data) if attrs.get(b"office:value-type", b"string") == b"string" else None
                if reason is not None or code is not None:
                    for r in range(table.row, min(table.row + table.rows, MAX_INDEX)):
                        for c in range(table.col, min(table.col + repeat, MAX_INDEX)):
                            if len(table.colours) + len(table.formats) >= MAX_MARKS:
                                break
                            if reason is not None:
                                table.colours[(r, c)] = reason
                            if code is not None:
                                table.formats[(r, c)] = code
            table.col += repeat
    return {name: entry for name, entry in found.items() if entry[0] or entry[1]}
