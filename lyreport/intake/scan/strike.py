"""Is a line of text struck through by pen? A thin stroke along the middle of the words that crosses the gaps
between the characters.

Printed characters stand apart: between two of them is a column of paper from top to bottom. A pen line through
the words crosses every such gap at about the same height, leaving a little ink in the gap and nothing above or
below it. Touching characters (a blurred or small print) leave no gap and are never taken for struck. The stroke is
looked for in the picture as scanned, before red ink is faded for the OCR, so a red pen counts like any other.
"""

from __future__ import annotations

import math
from typing import Any

MIN_GAPS = 2  # gaps between characters that must be crossed: a line of three characters at least
MAX_CHARS = 16  # a status cell's line; longer lines (progress text) are not looked at


def struck_lines(
    image: Any, boxes: list[Any], skew: float = 0.0, seal: tuple[int, int, int, int] | None = None
) -> list[bool]:
    """For each OCR text line (TextBox in the image's pixels, with its tilt), whether a pen stroke crosses it;
    `skew`: the page's tilt in degrees (its lines' median); `seal`: the box of a red seal on the page, whose ring
    runs through the words it is stamped over and is no stroke of a pen (red ink inside it is not looked at)."""
    import numpy as np

    if not boxes:
        return []
    rgb = np.asarray(image)
    if seal is not None:
        x0, y0, x1, y1 = seal
        margin = (x1 - x0) // 10
        x0, y0, x1, y1 = max(0, x0 - margin), max(0, y0 - margin), x1 + margin, y1 + margin
        area = rgb[y0:y1, x0:x1].astype(np.int16)
        red = (area[:, :, 0] - np.maximum(area[:, :, 1], area[:, :, 2])) > 40
        rgb = rgb.copy()
        rgb[y0:y1, x0:x1][red] = 255  # as paper
    return [_crossed(rgb, box, skew) for box in boxes]


def _crossed(rgb: Any, box: Any, skew: float) -> bool:
    """Looked at along the page's tilt and along the OCR's tilt of the line (a stroke overhanging the words tilts
    the OCR's box). Only a line whose every gap between characters is crossed counts."""
    words = sum(1 for c in box.text if c.isalnum())
    if not MIN_GAPS < words <= MAX_CHARS:
        return False
    import numpy as np

    tilts = {math.tan(math.radians(a)) for a in (skew, box.angle) if abs(a) < 15}
    height, width = rgb.shape[:2]
    x0, x1 = max(0, int(box.x0)), min(width, int(math.ceil(box.x1)))
    y0, y1 = max(0, int(box.y0)), min(height, int(math.ceil(box.y1)))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return False
    patch = rgb[y0:y1, x0:x1].astype(np.int16)
    gray, colour = patch.mean(axis=2), patch.max(axis=2) - patch.min(axis=2)
    return any(_crossed_at(gray, colour, box, tilt, words - 1) for tilt in sorted(tilts))


def _crossed_at(gray: Any, colour: Any, box: Any, tilt: float, between: int) -> bool:
    import numpy as np

    line, span_x = gray.shape
    text_h = max(1.0, line - abs(tilt) * span_x)  # the box of a tilted line is taller than the line
    if text_h < 8 or span_x < 2 * text_h:
        return False
    patch = gray
    paper = float(np.percentile(patch, 90))
    ink = (patch < paper - 60) | ((colour > 60) & (patch < paper - 25))
    # Follow the line's tilt: each column is shifted so that the text's middle lies on one row.
    cols = np.arange(span_x)
    shift = np.round((cols - span_x / 2) * tilt).astype(int)
    rows = np.arange(int(round(text_h)))
    top = (line - text_h) / 2
    level = ink[np.clip((top + rows[:, None] + shift[None, :]).astype(int), 0, line - 1), cols[None, :]]
    thin = max(4, int(text_h * 0.35))
    counts = level.sum(axis=0)
    first = np.where(counts > 0, level.argmax(axis=0), -1)
    last = np.where(counts > 0, len(rows) - 1 - level[::-1].argmax(axis=0), -1)
    middle = (first >= text_h * 0.15) & (last <= text_h * 0.85)
    crossed = (counts > 0) & (last - first < thin) & middle  # a little ink, only along the middle
    blank = counts == 0
    # Gaps between characters: runs of columns that are blank or only crossed, with written columns either side.
    written = ~(blank | crossed)
    inside = np.flatnonzero(written)
    if inside.size < 2:
        return False
    gaps: list[tuple[int, int]] = []
    start = None
    for col in range(inside[0], inside[-1] + 1):
        if not written[col] and start is None:
            start = col
        elif written[col] and start is not None:
            if col - start >= 2:  # a one-pixel hole inside a character is no gap between two
                gaps.append((start, col))
            start = None
    if len(gaps) < max(MIN_GAPS, between * 0.6):
        return False  # most characters touch (a small or blurred print): no gaps to tell a stroke by
    levels = np.clip((top + rows[:, None] + shift[None, :]).astype(int), 0, line - 1)
    shade = patch[levels, cols[None, :]]
    text_ink = float(np.median(shade[level & written[None, :]])) if (level & written[None, :]).any() else 0.0
    heights = []
    for a, b in gaps:
        span = crossed[a:b]
        joined = np.maximum(first[a + 1 : b], first[a : b - 1]) <= np.minimum(last[a + 1 : b], last[a : b - 1]) + 1
        if not span.all() or not joined.all():
            return False  # a gap of clean paper, or specks: nothing runs through the words here
        stroke = shade[:, a:b][level[:, a:b]]
        if float(np.median(stroke)) > paper - 0.5 * (paper - text_ink):
            return False  # faint grey in the gaps (JPEG ringing, show-through), not ink
        heights.append(((a + b) / 2, float(np.median(first[a:b]))))
    # One straight stroke: the crossings lie on a line (a pen is rarely held level), not at random heights.
    xs, ys = np.array(heights).T
    slope, offset = np.polyfit(xs, ys, 1)
    if abs(slope) >= 0.15 or float(np.abs(ys - (slope * xs + offset)).max()) > max(2.0, text_h * 0.15):
        return False
    # ... and it runs on through the characters: ink at its height in (nearly) every column from first to last.
    span = np.arange(inside[0], inside[-1] + 1)
    at = np.round(slope * span + offset).astype(int)
    near = np.zeros(span.size, dtype=bool)
    for dy in range(-2, thin):
        near |= level[np.clip(at + dy, 0, level.shape[0] - 1), span]
    return float(near.mean()) >= 0.95
