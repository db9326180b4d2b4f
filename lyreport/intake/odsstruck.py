"""The .ods half of strikemarks.py: struck-through text read from content.xml and the styles (cell, parent, row
and column styles, and <text:span> runs inside a cell), through style inheritance. Runs in the reader worker."""

from __future__ import annotations

from typing import Protocol, TypeVar

from .. import lazyre
from .marktools import MAX_INDEX, MAX_MARKS, Struck
from .marktools import attrs as _attrs
from .odswalk import TablePlace, table_cells
from .strikemarks import ALL_SHEETS, Found, struck_entry, xml_text
from .zipparts import ZipParts

MAX_PARENTS = 20  # style inheritance depth
State = TypeVar("State")

_ODS_STYLE = lazyre.compile(rb"<style:(style|default-style)(?=[\s/>])([^>]*?)(/?)>")
_LINE_THROUGH = lazyre.compile(rb"""style:text-line-through-(?:style|type)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_FAMILIES = (b"table-cell", b"text", b"paragraph")
_ODS_TEXT_TAG = lazyre.compile(
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


class _OdsTable(TablePlace):
    """Where the scan is in one table, and its struck cells."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[Struck] = []
        self.full = False


def _ods_cells(xml: bytes, styles: _OdsStyles) -> Found:
    found: Found = {}
    for name, table, hit, attrs, columns in table_cells(xml, _OdsTable):
        if not table.full:
            _ods_cell(xml, hit.end(), attrs, table, styles, columns)
            found[name] = (table.cells, table.full)
    return {name: entry for name, entry in found.items() if entry[0] or entry[1]}


def _ods_cell(
    xml: bytes, start: int, attrs: dict[bytes, bytes], table: _OdsTable, styles: _OdsStyles, repeat: int
) -> None:
    base = styles.cell(table.cell_style(attrs))
    end = xml.find(b"</table:table-cell>", start)
    body = xml[start : end if end >= 0 else len(xml)]
    if not base and b"style-name" not in body:
        return  # neither the cell nor any span in it has a style that could strike
    runs = ods_runs(body, styles, base, False)
    for r in range(table.row, min(table.row + table.rows, MAX_INDEX)):
        for c in range(table.col, min(table.col + repeat, MAX_INDEX)):
            entry = struck_entry(r, c, runs)
            if entry is None:
                return
            if len(table.cells) >= MAX_MARKS:
                table.full = True
                return
            table.cells.append(entry)


class Spans(Protocol[State]):
    def span(self, name: bytes, current: State) -> State: ...


def ods_runs(body: bytes, styles: Spans[State], base: State, newline: State) -> list[tuple[str, State]]:
    """(text, state) pieces of a cell's paragraphs (joined by line breaks, as the reader joins them, each in the
    state `newline`); spans and paragraph styles change the state of their text (`styles.span`: struck or not in
    this module, a colour in odsunseen.py); comments (office:annotation) are not the cell's text."""
    runs: list[tuple[str, State]] = []
    stack = [base]
    position = 0
    hidden = 0  # inside a comment
    paragraphs = 0
    for hit in _ODS_TEXT_TAG.finditer(body):
        if not hidden:
            runs.append((xml_text(body[position : hit.start()]), stack[-1]))
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
                runs.append(("\n" if paragraphs else "", newline))
                paragraphs += 1
            style = _attrs(hit[3]).get(b"text:style-name")
            stack.append(styles.span(style, stack[-1]) if style else stack[-1])
    if not hidden:
        runs.append((xml_text(body[position:]), stack[-1]))
    return [(text, struck) for text, struck in runs if text]
