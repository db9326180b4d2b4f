"""Cells whose text their own style makes unreadable: a font colour equal (or nearly) to the cell's background
(white 已完成 on a white sheet, black on a black fill) in .xlsx/.xlsm, .xls and .ods, and in .ods a number format
that hides a text or shows another (the .xlsx/.xls formats are read in concealed.py; .ods in odsunseen.py).

calamine returns what the cell holds, whatever its colour: a unit (or whoever edited the return) can leave a
status nobody sees. The reader is told (Marks.colours, Marks.formats) and concealed.by_colour/by_format say it.

Only the cell's own style is read: the colours of rich-text runs (part of a cell's text coloured) and styles
applied by conditional formatting are not. Unknown colours (gradient or patterned fills, system colours other
than window text/background) are never taken as equal: the check only speaks when the text is surely unreadable.

Runs in the reader worker; a workbook whose styles have no font colour near any background colour of its own
(the usual case: black or coloured text on white or light fills) costs the parse of its font and fill lists,
once per distinct styles part in a worker.
"""

from __future__ import annotations

import colorsys
import re

from .. import lazyre
from .marktools import attrs as _attrs
from .marktools import cell_formats, item_bodies, sheets_styled, style_fonts
from .zipparts import ZipParts

RGB = tuple[int, int, int]
WHITE: RGB = (255, 255, 255)
BLACK: RGB = (0, 0, 0)

# "The same colour": no channel differs by more than this (of 255). FFFFFF on FFFFFF and F2F2F2 (Excel's
# "white, darker 5%") on white are unreadable and flagged; D9D9D9 (darker 15%) on white is pale but readable
# and is not. Conservative on purpose: a false alarm is an error the office must chase.
MAX_DIFFERENCE = 16

MAX_STYLE_BYTES = 4 * 1024 * 1024  # a theme or styles part larger than this is not read (no check)

# Excel's legacy palette, indexed colours 0-63 (8-15 repeat 0-7); 64 is the system foreground (window text,
# black), 65 the system background (window, white).
_PALETTE = "".join(
    (
        "000000 FFFFFF FF0000 00FF00 0000FF FFFF00 FF00FF 00FFFF "
        "000000 FFFFFF FF0000 00FF00 0000FF FFFF00 FF00FF 00FFFF "
        "800000 008000 000080 808000 800080 008080 C0C0C0 808080 "
        "9999FF 993366 FFFFCC CCFFFF 660066 FF8080 0066CC CCCCFF "
        "000080 FF00FF FFFF00 00FFFF 800080 800000 008080 0000FF "
        "00CCFF CCFFFF CCFFCC FFFF99 99CCFF FF99CC CC99FF FFCC99 "
        "3366FF 33CCCC 99CC00 FFCC00 FF9900 FF6600 666699 969696 "
        "003366 339966 003300 333300 993300 993366 333399 333333",
    )
).split()
SYSTEM_FOREGROUND, SYSTEM_BACKGROUND = 64, 65

# The Office theme's colours, in the order theme="n" counts them: Excel swaps the first two pairs, so 0 is lt1
# (window, white), 1 dk1 (window text, black), 2 lt2, 3 dk2, then accent1-6, hlink, folHlink. Used only when the
# workbook has no theme part.
_THEME_ORDER = ("lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4", "accent5", "accent6")
_THEME_ORDER += ("hlink", "folHlink")
_OFFICE_THEME = ("FFFFFF", "000000", "EEECE1", "1F497D", "4F81BD", "C0504D", "9BBB59", "8064A2", "4BACC6", "F79646")
_OFFICE_THEME += ("0000FF", "800080")


def near(a: RGB, b: RGB) -> bool:
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) <= MAX_DIFFERENCE


def hex_rgb(value: bytes | str) -> RGB | None:
    """RRGGBB, AARRGGBB (Excel ignores the alpha of a cell colour) or #RRGGBB; None if it is neither."""
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    text = text.strip().lstrip("#")
    if len(text) not in (6, 8) or any(ch not in "0123456789abcdefABCDEF" for ch in text):
        return None
    text = text[-6:]
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def tinted(rgb: RGB, tint: float) -> RGB:
    """Excel's tint: the colour's HLS lightness moved towards black (tint < 0) or white (tint > 0)."""
    if not tint:
        return rgb
    h, light, s = colorsys.rgb_to_hls(*(c / 255 for c in rgb))
    light = light * (1 + tint) if tint < 0 else light * (1 - tint) + tint
    return tuple(round(c * 255) for c in colorsys.hls_to_rgb(h, min(max(light, 0.0), 1.0), s))  # type: ignore[return-value]


def name(rgb: RGB) -> str:
    """A colour as the message says it."""
    return {WHITE: "白色", BLACK: "黑色"}.get(rgb, "#{:02X}{:02X}{:02X}".format(*rgb))


def why(font: RGB, back: RGB) -> str:
    """The `why` of a concealed.Concealed entry: "colour:<font>/<background>"."""
    return f"colour:{name(font)}/{name(back)}"


# ----------------------------------------------------------------- xlsx
_FILLS = lazyre.compile(rb"<(?:\w+:)?fills\b.*?</(?:\w+:)?fills\s*>", re.S)
_FILL = lazyre.compile(rb"<(?:\w+:)?fill\b[^>]*?(/?)>")
_FILL_END = lazyre.compile(rb"</(?:\w+:)?fill\s*>")
PATTERN_TAG = lazyre.compile(rb"<(?:\w+:)?patternFill\b([^>]*)>")
FG_TAG = lazyre.compile(rb"<(?:\w+:)?fgColor\b[^>]*>")
COLOR_TAG = lazyre.compile(rb"<(?:\w+:)?color\b[^>]*>")
_INDEXED = lazyre.compile(rb"<(?:\w+:)?indexedColors\b.*?</(?:\w+:)?indexedColors\s*>", re.S)
_RGB_COLOR = lazyre.compile(rb"<(?:\w+:)?rgbColor\b[^>]*>")
_SCHEME = lazyre.compile(rb"<(?:\w+:)?(dk1|lt1|dk2|lt2|accent[1-6]|hlink|folHlink)\b[^>]*>(.*?)</(?:\w+:)?\1\s*>", re.S)
_SRGB = lazyre.compile(rb"""<(?:\w+:)?srgbClr\b[^>]*?\sval\s*=\s*["']([0-9A-Fa-f]{6})["']""")
_SYS = lazyre.compile(rb"""<(?:\w+:)?sysClr\b[^>]*?\slastClr\s*=\s*["']([0-9A-Fa-f]{6})["']""")
_THEME_REL = lazyre.compile(rb"<(?:\w+:)?Relationship\b[^>]*?/theme[\"'][^>]*>")
_TRUE = (b"1", b"true")
_DXFS = lazyre.compile(rb"<(?:\w+:)?dxfs\b.*?</(?:\w+:)?dxfs\s*>", re.S)
_DXF = lazyre.compile(rb"<(?:\w+:)?dxf\b[^>]*?(/?)>")
_DXF_END = lazyre.compile(rb"</(?:\w+:)?dxf\s*>")


def theme_colours(xml: bytes | None) -> tuple[RGB | None, ...]:
    """The theme's colours by theme index (lt1, dk1, lt2, dk2 …, see _THEME_ORDER); the Office theme's without
    a theme part. A colour the part does not give plainly (a system colour without lastClr) is None."""
    if xml is None:
        return tuple(hex_rgb(c) for c in _OFFICE_THEME)
    found: dict[str, RGB | None] = {}
    for hit in _SCHEME.finditer(xml):
        key = hit[1].decode()
        if key in found:
            continue
        colour = _SRGB.search(hit[2]) or _SYS.search(hit[2])
        found[key] = hex_rgb(colour[1]) if colour else None
    return tuple(found.get(key) for key in _THEME_ORDER)


class _Colours:
    """Resolves <color>/<fgColor> tags of one workbook: rgb, indexed (its own palette if it has one), theme, tint."""

    def __init__(self, styles: bytes, theme: tuple[RGB | None, ...]):
        palette = _INDEXED.search(styles)
        own = [hex_rgb(_attrs(tag).get(b"rgb", b"")) for tag in _RGB_COLOR.findall(palette.group())] if palette else []
        self.palette = own or [hex_rgb(c) for c in _PALETTE]
        self.theme = theme

    def of(self, tag: bytes | None, automatic: RGB | None) -> RGB | None:
        """The colour a tag gives; `automatic` for none or auto="1" (black text; an unknown fill)."""
        if tag is None:
            return automatic
        attrs = _attrs(tag)
        rgb: RGB | None
        if attrs.get(b"auto", b"").strip().lower() in _TRUE:
            return automatic
        if (value := attrs.get(b"rgb")) is not None:
            rgb = hex_rgb(value)
        elif (value := attrs.get(b"indexed")) is not None:
            rgb = self.indexed(value)
        elif (value := attrs.get(b"theme")) is not None:
            index = int(value) if value.strip().isdigit() else -1
            rgb = self.theme[index] if 0 <= index < len(self.theme) else None
        else:
            return automatic
        try:
            tint = float(attrs.get(b"tint", b"0") or 0)
        except ValueError:
            return None
        return None if rgb is None or not -1 <= tint <= 1 else tinted(rgb, tint)

    def indexed(self, value: bytes) -> RGB | None:
        index = int(value) if value.strip().isdigit() else -1
        if index == SYSTEM_FOREGROUND:
            return BLACK
        if index == SYSTEM_BACKGROUND:
            return WHITE
        return self.palette[index] if 0 <= index < len(self.palette) else None


class StyleColours:
    """The colours of one styles part: each cell format's (font colour, background), None where not known (a
    pattern or gradient fill, an unknown colour), the resolver of its <color> tags, and the formats whose font
    colour is their background's (`invisible`: s= as written -> why)."""

    def __init__(self, styles: bytes, theme: bytes | None):
        self.xfs: list[tuple[RGB | None, RGB | None]] = []
        self.invisible: dict[bytes, str] = {}
        self.colours = _Colours(styles, theme_colours(theme))
        dxfs = _DXFS.search(styles) if b"dxf" in styles else None
        self.dxfs = item_bodies(dxfs.group(), _DXF, _DXF_END) if dxfs else []  # conditional formats' styles
        font_bodies, formats, fills_part = style_fonts(styles), cell_formats(styles), _FILLS.search(styles)
        if font_bodies is None or formats is None:
            return
        fonts = [self.colours.of(_first(COLOR_TAG, body), BLACK) for body in font_bodies]
        fills: list[RGB | None] = []
        for body in item_bodies(fills_part.group(), _FILL, _FILL_END) if fills_part else []:
            pattern = PATTERN_TAG.search(body)
            kind = _attrs(pattern[1]).get(b"patternType", b"none").strip() if pattern else b"gradient"
            if kind == b"none":
                fills.append(WHITE)
            elif kind == b"solid":
                # Without a colour (openpyxl leaves out fgColor="000000") or "auto", Excel and LibreOffice
                # paint a solid fill in the system foreground colour: black.
                fills.append(self.colours.of(_first(FG_TAG, body), BLACK))
            else:
                fills.append(None)  # a pattern or a gradient mixes colours: not known to hide anything
        for index, tag in enumerate(formats):
            attrs = _attrs(tag)
            font = _number(attrs.get(b"fontId", b"0"))
            fill = _number(attrs.get(b"fillId", b"0"))
            text = fonts[font] if 0 <= font < len(fonts) else None
            back = (fills[fill] if 0 <= fill < len(fills) else None) if fills else WHITE
            self.xfs.append((text, back))
            if text is not None and back is not None and near(text, back):
                self.invisible[str(index).encode()] = why(text, back)

    def of_cell(self, style: bytes) -> tuple[RGB | None, RGB | None]:
        """(font colour, background) of a cell's s= as written (format 0 without one); black on white when the
        styles have no cell formats, (None, None) for a format they do not have."""
        if not self.xfs:
            return BLACK, WHITE
        number = _number(style or b"0")
        return self.xfs[number] if 0 <= number < len(self.xfs) else (None, None)

    def backgrounds(self) -> set[RGB]:
        """The backgrounds some cell format has (white without any)."""
        return {back for _, back in self.xfs if back is not None} or {WHITE}


def invisible_xfs(styles: bytes, theme: bytes | None) -> dict[bytes, str]:
    """Cell format index (the s= of a cell, as written) -> why (see `why`), of the formats whose font colour is the
    background's: the fill's colour when solid, white (the window) when there is none."""
    return StyleColours(styles, theme).invisible


def _first(pattern: re.Pattern[bytes], body: bytes) -> bytes | None:
    hit = pattern.search(body)
    return hit.group() if hit else None


def _number(value: bytes) -> int:
    value = value.strip()
    return int(value) if value.isdigit() else -1


def _find_part(parts: ZipParts, lower: str) -> str | None:
    if lower in parts.infos:
        return lower
    return next((n for n in parts.infos if n.lower() == lower), None)


def _theme_part(parts: ZipParts) -> str | None:
    """The workbook's theme part (the one its relationships name when there are several); None without one."""
    themes = [n for n in parts.infos if n.lower().startswith("xl/theme/") and n.lower().endswith(".xml")]
    if len(themes) > 1:
        rels = parts.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in parts.infos else b""
        hit = _THEME_REL.search(rels)
        target = _attrs(hit.group()).get(b"Target", b"").decode("utf-8", "replace") if hit else ""
        target = target[1:] if target.startswith("/") else f"xl/{target}"
        themes = [n for n in themes if n.lower() == target.lower()]
    return themes[0] if len(themes) == 1 else None


# Styles part (CRC, size), theme part (CRC, size) -> (the styles part, its colours). Returns made from one
# template share both parts: the styles are compared byte for byte (cheaper than hashing them), the theme, which
# the pre-check never inflates, is told by its CRC and size alone (inflating it costs more than the rest).
_CACHE: dict[tuple[int, int, int, int], tuple[bytes, StyleColours]] = {}
_CACHE_SIZE = 32


def style_colours(parts: ZipParts) -> StyleColours | None:
    """The colours of the workbook's styles part (cached per worker); None without one, or one too large."""
    name = _find_part(parts, "xl/styles.xml")
    if name is None or parts.infos[name].file_size > MAX_STYLE_BYTES:
        return None
    styles = parts.read(name)
    theme = _theme_part(parts) if b"theme=" in styles else None
    info = parts.infos[name]
    theme_info = parts.infos[theme] if theme else None
    if theme_info is not None and theme_info.file_size > MAX_STYLE_BYTES:
        return None
    key = (info.CRC, len(styles), *((theme_info.CRC, theme_info.file_size) if theme_info else (0, -1)))
    cached = _CACHE.get(key)
    if cached is not None and cached[0] == styles:
        return cached[1]
    found = StyleColours(styles, parts.read(theme) if theme else None)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.clear()
    _CACHE[key] = (styles, found)
    return found


def xlsx_colours(parts: ZipParts, sheet_parts: dict[str, str]) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name -> {(row, col): why} of the cells with a value whose font colour is their background's;
    {} when no cell format has one (the usual case), or on any surprise."""
    try:
        known = style_colours(parts)
        return sheets_styled(parts, sheet_parts, known.invisible) if known and known.invisible else {}
    except Exception:  # noqa: BLE001 - an extra: the values were read already
        return {}


# ----------------------------------------------------------------- xls
_XLS_AUTOMATIC = (0x7FFF, SYSTEM_FOREGROUND, 0x08)  # font colour "automatic" (window text), black


def xls_colours(book: object) -> tuple[list[RGB | None], list[tuple[RGB | None, RGB | None]]]:
    """The colours of an .xls (xlrd, formatting_info): each font's colour, and each cell format's (XF's) (font
    colour, background), None where not known (a pattern fill, a colour not in the palette)."""
    colour_map = book.colour_map  # type: ignore[attr-defined]
    fonts: list[RGB | None] = []
    for font in book.font_list:  # type: ignore[attr-defined]
        index = font.colour_index
        rgb = colour_map.get(index)
        fonts.append(tuple(rgb) if rgb else (BLACK if index in _XLS_AUTOMATIC else None))  # type: ignore[arg-type]
    xfs: list[tuple[RGB | None, RGB | None]] = []
    for xf in book.xf_list:  # type: ignore[attr-defined]
        text = fonts[xf.font_index] if xf.font_index < len(fonts) else None
        pattern = xf.background.fill_pattern
        if pattern == 0:
            back: RGB | None = WHITE
        elif pattern == 1:
            index = xf.background.pattern_colour_index
            rgb = colour_map.get(index)
            back = tuple(rgb) if rgb else {SYSTEM_FOREGROUND: BLACK, SYSTEM_BACKGROUND: WHITE}.get(index)  # type: ignore[assignment]
        else:
            back = None
        xfs.append((text, back))
    return fonts, xfs


def xls_invisible_xfs(book: object) -> dict[int, str]:
    """XF index -> why of an .xls's cell formats whose font colour is the background's (xlrd, formatting_info)."""
    _, xfs = xls_colours(book)
    return {
        number: why(text, back)
        for number, (text, back) in enumerate(xfs)
        if text is not None and back is not None and near(text, back)
    }
