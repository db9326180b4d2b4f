"""The OCR engine behind one small function, so it can be swapped: read_page(image) -> list[TextBox].

rapidocr-onnxruntime ships the PP-OCRv4 Chinese detection and recognition models inside its wheel,
so it works offline; the engine is loaded once per worker process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

_ENGINE: Any = None
DET_SIDE = 1600  # detection runs on the page scaled to this longer side: 200 dpi A4 text stays legible


@dataclass
class TextBox:
    """One line of text found on a page; coordinates in pixels of the page image."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    score: float = 1.0
    angle: float = 0.0  # degrees the text line's baseline is tilted (a skewed scan or photo)
    struck: bool = False  # a pen stroke runs through the line (strike.py)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def as_tuple(self) -> tuple[str, float, float, float, float, float]:
        return (self.text, self.x0, self.y0, self.x1, self.y1, self.score)


def _engine() -> Any:
    global _ENGINE
    if _ENGINE is None:
        from rapidocr_onnxruntime import RapidOCR

        _limit_malloc_arenas()

        _ENGINE = RapidOCR(
            det_limit_side_len=DET_SIDE,
            det_limit_type="max",
            use_cls=False,
            print_verbose=False,
            intra_op_num_threads=2,
        )
    return _ENGINE


def read_page(image: Any) -> list[TextBox]:
    """Text lines of a page image (PIL RGB or numpy array), top to bottom."""
    import numpy as np

    array = np.asarray(image)
    result, _ = _engine()(array, use_cls=False)
    boxes = []
    for quad, text, score in result or []:
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
        (ax, ay), (bx, by) = quad[0], quad[1]
        angle = math.degrees(math.atan2(float(by) - float(ay), float(bx) - float(ax)))
        boxes.append(TextBox(str(text), min(xs), min(ys), max(xs), max(ys), float(score), angle))
    return sorted(boxes, key=lambda b: (b.cy, b.cx))


def deskew(boxes: list[TextBox], width: float, height: float) -> tuple[list[TextBox], float]:
    """Boxes rotated back by the page's skew (median tilt of long lines), so table rows are level again."""
    skew = page_skew(boxes)
    if abs(skew) < 0.3:
        return boxes, skew
    turn = math.radians(-skew)
    cos, sin, ox, oy = math.cos(turn), math.sin(turn), width / 2, height / 2
    level = []
    for b in boxes:
        cx, cy = b.cx - ox, b.cy - oy
        nx, ny = cx * cos - cy * sin + ox, cx * sin + cy * cos + oy
        # The quad's own extent is along the tilted line; its level size is about its length and line height.
        half_w = (b.x1 - b.x0) / 2 / max(0.5, abs(math.cos(math.radians(b.angle))))
        half_h = max(4.0, b.height / 2 - abs(math.sin(math.radians(b.angle))) * half_w)
        level.append(TextBox(b.text, nx - half_w, ny - half_h, nx + half_w, ny + half_h, b.score, 0.0, b.struck))
    return sorted(level, key=lambda b: (b.cy, b.cx)), skew


def page_skew(boxes: list[TextBox]) -> float:
    """The page's tilt in degrees: the median tilt of its long lines (0 with fewer than three)."""
    tilts = sorted(b.angle for b in boxes if (b.x1 - b.x0) > 3 * max(1.0, b.height) and abs(b.angle) < 15)
    return tilts[len(tilts) // 2] if len(tilts) >= 3 else 0.0


def _limit_malloc_arenas() -> None:
    """onnxruntime's threads would each get a glibc malloc arena that keeps freed memory: two are enough."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass  # not glibc (Windows, musl): nothing to tune


def release_memory() -> None:
    """Give freed page buffers back to the system between pages, so a worker's footprint stays flat."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
