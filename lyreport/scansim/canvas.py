"""Drawing a paper form with PIL: a page at a resolution, wrapped text, and bordered tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from .fonts import font

A4_LANDSCAPE_MM = (297.0, 210.0)
A4_PORTRAIT_MM = (210.0, 297.0)
INK = (20, 20, 20)
LINE = (90, 90, 90)


@dataclass
class Cell:
    text: str
    align: str = "left"  # left | center
    bold: bool = False
    fill: tuple[int, int, int] | None = None
    pt: float | None = None  # a smaller size where a label must fit a narrow column


@dataclass
class Canvas:
    """One page: millimetre geometry, pixel output."""

    dpi: int
    size_mm: tuple[float, float] = A4_LANDSCAPE_MM
    style: str = "serif"  # body font style (see fonts.py)
    image: Image.Image = field(init=False)
    draw: ImageDraw.ImageDraw = field(init=False)

    def __post_init__(self) -> None:
        self.image = Image.new("RGB", (self.px(self.size_mm[0]), self.px(self.size_mm[1])), "white")
        self.draw = ImageDraw.Draw(self.image)

    def px(self, mm: float) -> int:
        return round(mm / 25.4 * self.dpi)

    def font(self, pt: float, bold: bool = False):  # noqa: ANN201 - PIL font
        style = self.style + ("-bold" if bold else "")
        return font(style, round(pt / 72 * self.dpi))

    def text(self, x: int, y: int, text: str, pt: float, *, bold: bool = False, anchor: str = "la", fill=INK) -> None:  # noqa: ANN001
        self.draw.text((x, y), text, font=self.font(pt, bold), fill=fill, anchor=anchor)

    def width(self, text: str, pt: float, bold: bool = False) -> float:
        return self.font(pt, bold).getlength(text)

    def wrap(self, text: str, pt: float, width: int, bold: bool = False) -> list[str]:
        """Lines of `text` fitting `width` pixels, broken anywhere (Chinese has no spaces)."""
        face = self.font(pt, bold)
        lines: list[str] = []
        for part in text.split("\n"):
            line = ""
            for ch in part:
                if line and face.getlength(line + ch) > width:
                    lines.append(line)
                    line = ch
                else:
                    line += ch
            lines.append(line)
        return lines

    def line_height(self, pt: float) -> int:
        return round(pt / 72 * self.dpi * 1.35)


@dataclass
class TableBox:
    """Where a drawn table ended up: column edges, row edges (header first), in pixels."""

    xs: list[int]
    ys: list[int]

    def cell(self, row: int, col: int) -> tuple[int, int, int, int]:
        return self.xs[col], self.ys[row], self.xs[col + 1], self.ys[row + 1]


def draw_table(
    canvas: Canvas,
    x: int,
    y: int,
    widths: Sequence[int],
    rows: Sequence[Sequence[Cell]],
    pt: float,
    *,
    min_lines: Sequence[int] = (),
    pad: int | None = None,
) -> TableBox:
    """Draw bordered rows of cells from (x, y); `min_lines[i]` reserves height for row i."""
    pad = pad if pad is not None else max(2, canvas.px(0.8))
    xs = [x]
    for w in widths:
        xs.append(xs[-1] + w)
    ys = [y]
    step = canvas.line_height(pt)
    for index, row in enumerate(rows):
        wrapped = [
            canvas.wrap(c.text, c.pt or pt, max(w - 2 * pad, 10), c.bold) for c, w in zip(row, widths, strict=True)
        ]
        lines = max([len(w) for w in wrapped] + [min_lines[index] if index < len(min_lines) else 1])
        height = lines * step + 2 * pad
        top = ys[-1]
        for col, (cell, text_lines) in enumerate(zip(row, wrapped, strict=True)):
            if cell.fill:
                canvas.draw.rectangle((xs[col], top, xs[col + 1], top + height), fill=cell.fill)
            block = len(text_lines) * step
            ty = top + (height - block) // 2 + step // 2
            for line in text_lines:
                size = cell.pt or pt
                if cell.align == "center":
                    canvas.text((xs[col] + xs[col + 1]) // 2, ty, line, size, bold=cell.bold, anchor="mm")
                else:
                    canvas.text(xs[col] + pad, ty, line, size, bold=cell.bold, anchor="lm")
                ty += step
        ys.append(top + height)
    stroke = max(1, canvas.px(0.25))
    for edge in xs:
        canvas.draw.line((edge, ys[0], edge, ys[-1]), fill=LINE, width=stroke)
    for edge in ys:
        canvas.draw.line((xs[0], edge, xs[-1], edge), fill=LINE, width=stroke)
    return TableBox(xs, ys)


def scaled(widths: Sequence[float], total: int) -> list[int]:
    """Column widths in pixels, proportional to `widths`, summing to `total`."""
    whole = sum(widths)
    out = [round(w / whole * total) for w in widths]
    out[-1] += total - sum(out)
    return out
