"""The .ods half of invisible.py: cells whose style makes their text unreadable (font colour equal to the
background, invisible.near) or whose number format hides their text or shows another (a text format without
<number:text-content>, literal text in the format), found through the cell's, row's or column's style and its
parents. Runs in the reader worker, like the rest of the marks."""

from __future__ import annotations

import re

from .. import lazyre
from .invisible import BLACK, RGB, WHITE, hex_rgb, near, why
from .marktools import MAX_INDEX, MAX_MARKS
from .marktools import attrs as _attrs
from .odsstruck import ods_runs
from .odswalk import TablePlace, table_cells
from .runcolours import hidden_runs
from .xmltext import unescape
from .zipparts import ZipParts

_ODS_STYLE = lazyre.compile(rb"<style:(style|default-style)(?=[\s/>])([^>]*?)(/?)>")
_ODS_FG = lazyre.compile(rb"""<style:text-properties\b[^>]*?\sfo:color\s*=\s*["']([^"']*)["']""")
_ODS_BG = lazyre.compile(rb"""<style:table-cell-properties\b[^>]*?\sfo:background-color\s*=\s*["']([^"']*)["']""")
_ODS_MAP = lazyre.compile(rb"<style:map\b[^>]*>")
_TEXT_STYLE = lazyre.compile(rb"<number:text-style\b([^>]*?)(/?)>")
_TEXT_STYLE_END = b"</number:text-style>"
_TEXT_PIECE = lazyre.compile(rb"<number:text-content\b[^>]*>|<number:text\b[^>]*?(?:/>|>(.*?)</number:text>)", re.S)
MAX_PARENTS = 20


def head(xml: bytes) -> bytes:
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


class OdsStyles:
    """The table-cell styles of an .ods: each one's font colour, background and data style, through its parents."""

    def __init__(self, content: bytes, styles: bytes):
        self.own: dict[bytes, tuple[RGB | None, RGB | None, bytes, bytes]] = {}
        self.maps: dict[bytes, list[bytes]] = {}  # style -> the styles its conditions (<style:map>) apply
        self.names: dict[bytes, bytes] = {}  # display name -> name (LibreOffice's conditions use display names)
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
            if b"<style:map" in props:
                applied = [_attrs(tag).get(b"style:apply-style-name", b"") for tag in _ODS_MAP.findall(props)]
                self.maps.setdefault(style, [name for name in applied if name])
            if b"style:display-name" in attrs:
                self.names.setdefault(attrs[b"style:display-name"], style)

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
        heads = (head(content), head(styles))
        formats = ods_text_formats(*heads) if any(b"number:text-style" in h for h in heads) else {}
        if not formats and not any(b"fo:color" in h or b"fo:background-color" in h for h in heads):
            return {}
        known = OdsStyles(*heads)
        if not formats and not known.any_invisible():
            return {}  # coloured styles, none of them in its own background's colour
        return _ods_cells(content, known, formats)
    except Exception:  # noqa: BLE001 - an extra
        return {}


class _Table(TablePlace):
    """Where the walk is in one table, and its cells in their background's colour or under a concealing format."""

    def __init__(self) -> None:
        super().__init__()
        self.colours: dict[tuple[int, int], str] = {}
        self.formats: dict[tuple[int, int], str] = {}


def _ods_cells(
    xml: bytes, styles: OdsStyles, formats: dict[bytes, str]
) -> dict[str, tuple[dict[tuple[int, int], str], dict[tuple[int, int], str]]]:
    found: dict[str, tuple[dict[tuple[int, int], str], dict[tuple[int, int], str]]] = {}
    for name, table, _, attrs, columns in table_cells(xml, _Table):
        text, back, data = styles.cell(table.cell_style(attrs))
        reason = why(text, back) if near(text, back) else None
        code = formats.get(data) if attrs.get(b"office:value-type", b"string") == b"string" else None
        if reason is None and code is None:
            continue
        found[name] = (table.colours, table.formats)
        for r in range(table.row, min(table.row + table.rows, MAX_INDEX)):
            for c in range(table.col, min(table.col + columns, MAX_INDEX)):
                if len(table.colours) + len(table.formats) >= MAX_MARKS:
                    break
                if reason is not None:
                    table.colours[(r, c)] = reason
                if code is not None:
                    table.formats[(r, c)] = code
    return {name: entry for name, entry in found.items() if entry[0] or entry[1]}


# ----------------------------------------------------------------- runs (<text:span>) in the background's colour
_TEXT_STYLE_TAG = lazyre.compile(rb"<style:style(?=[\s/>])([^>]*?)(/?)>")


class _SpanColours:
    """The font colours of the text and paragraph styles of an .ods (own colour only; a span without one keeps
    the colour of the text around it)."""

    def __init__(self, *heads: bytes):
        self.own: dict[bytes, RGB] = {}
        for xml in heads:
            for hit in _TEXT_STYLE_TAG.finditer(xml):
                attrs = _attrs(hit[1])
                if hit[2] or attrs.get(b"style:family", b"") not in (b"text", b"paragraph"):
                    continue
                end = xml.find(b"</style:style>", hit.end())
                colour = _ODS_FG.search(xml, hit.end(), end if end >= 0 else hit.end())
                rgb = hex_rgb(colour[1]) if colour else None
                if rgb is not None:
                    self.own.setdefault(attrs.get(b"style:name", b""), rgb)

    def span(self, name: bytes, current: RGB | None) -> RGB | None:
        return self.own.get(name, current)


class _RunTable(TablePlace):
    def __init__(self) -> None:
        super().__init__()
        self.runs: dict[tuple[int, int], tuple[str, str, str]] = {}


def ods_runs_hidden(parts: ZipParts) -> dict[str, dict[tuple[int, int], tuple[str, str, str]]]:
    """Table name -> {(row, col): (text shown, text hidden, why)} of the cells some spans of whose text are in the
    cell's background colour; {} when no span style can be (the usual case: a few substring searches)."""
    try:
        content = parts.read("content.xml")
        if b"<text:span" not in content:
            return {}
        styles = parts.read("styles.xml") if "styles.xml" in parts.infos else b""
        heads = (head(content), head(styles))
        spans = _SpanColours(*heads)
        if not spans.own:
            return {}
        cells = OdsStyles(*heads)
        backgrounds = {cells.cell(style)[1] for style in [*cells.own, b"Default"]}
        if not any(near(colour, back) for colour in spans.own.values() for back in backgrounds):
            return {}
        return _ods_run_cells(content, cells, spans)
    except Exception:  # noqa: BLE001 - an extra
        return {}


def _ods_run_cells(
    xml: bytes, cells: OdsStyles, spans: _SpanColours
) -> dict[str, dict[tuple[int, int], tuple[str, str, str]]]:
    found: dict[str, dict[tuple[int, int], tuple[str, str, str]]] = {}
    for name, table, hit, attrs, columns in table_cells(xml, _RunTable):
        end = xml.find(b"</table:table-cell>", hit.end())
        body = xml[hit.end() : end if end >= 0 else len(xml)]
        if b"<text:span" not in body:
            continue
        text, back, _ = cells.cell(table.cell_style(attrs))
        entry = hidden_runs(ods_runs(body, spans, text, None), text, back)
        if entry is None:
            continue  # nothing hidden, or the whole cell in its background's colour (said by ods_unseen)
        found[name] = table.runs
        for r in range(table.row, min(table.row + table.rows, MAX_INDEX)):
            for c in range(table.col, min(table.col + columns, MAX_INDEX)):
                if len(table.runs) < MAX_MARKS:
                    table.runs[(r, c)] = entry
    return found
