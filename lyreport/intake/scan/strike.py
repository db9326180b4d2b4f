"""Is a line of text struck through by pen? A thin stroke through the words that crosses the gaps between the
characters.

Printed characters stand apart: between two of them is a column of paper from top to bottom. A pen line through
the words crosses every such gap, leaving a little ink in the gap and nothing above or below it. The stroke may be
level or tilted (a slash from corner to corner), straight or gently bent, and may run through any height of the
words: it is followed as a path from column to column. Touching characters (a blurred or small print) leave no
gap and are never taken for struck. The stroke is looked for in the picture as scanned, before red ink is faded for
the OCR, so a red pen counts like any other.
"""

from __future__ import annotations

from typing import Any

MIN_GAPS = 2  # gaps between characters that must be crossed: a line of three characters at least
MAX_CHARS = 16  # a status cell's line; longer lines (progress text) are not looked at
COVERED = 0.9  # share of the words' columns the stroke must have ink in (a pen skips a little)


def struck_lines(image: Any, boxes: list[Any], seal: tuple[int, int, int, int] | None = None) -> list[bool]:
    """For each OCR text line (TextBox in the image's pixels), whether a pen stroke crosses it, at any tilt up to
    45°; `seal`: the box of a red seal on the page, whose ring runs through the words it is stamped over and is
    no stroke of a pen (red ink inside it is not looked at)."""
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
    return [_crossed(rgb, box) for box in boxes]


def _crossed(rgb: Any, box: Any) -> bool:
    words = sum(1 for c in box.text if c.isalnum())
    if not MIN_GAPS < words <= MAX_CHARS:
        return False
    import numpy as np

    height, width = rgb.shape[:2]
    x0, x1 = max(0, int(box.x0)), min(width, int(np.ceil(box.x1)))
    y0, y1 = max(0, int(box.y0)), min(height, int(np.ceil(box.y1)))
    if x1 - x0 < 16 or y1 - y0 < 8:
        return False
    patch = rgb[y0:y1, x0:x1].astype(np.int16)
    gray, colour = patch.mean(axis=2), patch.max(axis=2) - patch.min(axis=2)
    paper = float(np.percentile(gray, 90))
    ink = (gray < paper - 60) | ((colour > 60) & (gray < paper - 25))
    if ink.sum() < 8:
        return False
    pieces = _between_rules(ink)
    if pieces is not None:  # the OCR's box ran over a table rule into the next cell: each cell's part alone
        return any(_struck(gray[:, a:b], ink[:, a:b], paper, 0) for a, b in pieces)
    return _struck(gray, ink, paper, words - 1)


def _struck(gray: Any, ink: Any, paper: float, between: int) -> bool:
    """Whether a pen stroke runs through the words of this part of a line (`between`: gaps its text has)."""
    if _clean_gap(ink):
        return False
    return _runs_through(gray, ink, _inkiest_path(ink), paper, between)


def _clean_gap(ink: Any) -> bool:
    """Whether a column of clean paper stands between characters (columns with more ink than a stroke leaves):
    nothing runs through the words there, so the line is not struck (most lines end here, cheaply)."""
    import numpy as np

    counts = ink.sum(axis=0)
    tall = np.flatnonzero(counts >= _thin(ink.shape[0]))
    if tall.size < 2:
        return False
    return bool((counts[tall[0] : tall[-1]] == 0).any())


def _thin(rows: int) -> int:
    """The most rows a pen stroke's ink covers in one column of a line `rows` high."""
    return max(4, int(rows * 0.35))


def _between_rules(ink: Any) -> list[tuple[int, int]] | None:
    """The column ranges between the vertical table rules in a box (ink in almost every row of a column), each
    wide enough to hold three characters; None without a rule."""
    import numpy as np

    rows = ink.shape[0]
    rules = np.flatnonzero(ink.sum(axis=0) >= rows * 0.85)
    if not rules.size:
        return None
    edges = [-1, *rules.tolist(), ink.shape[1]]
    return [(a + 1, b) for a, b in zip(edges, edges[1:], strict=False) if b - a - 1 >= 2 * rows]


def _inkiest_path(ink: Any) -> Any:
    """The row, for each column, of the left-to-right path through the most ink that moves at most one row per
    column (a stroke up to 45°). Where a pen crosses the words, that is the stroke: it alone has ink in every
    column, the gaps between characters included."""
    import numpy as np

    rows, cols = ink.shape
    hits = ink.astype(np.int32)
    score = hits[:, 0].copy()
    came = np.zeros((rows, cols), dtype=np.int8)
    low = np.iinfo(np.int32).min // 2
    for col in range(1, cols):
        up = np.concatenate(([low], score[:-1]))  # from the row above
        down = np.concatenate((score[1:], [low]))  # from the row below
        best = np.maximum(score, np.maximum(up, down))
        came[:, col] = np.where(best == score, 0, np.where(best == up, -1, 1))
        score = best + hits[:, col]
    path = np.empty(cols, dtype=np.int64)
    path[-1] = int(np.argmax(score))
    for col in range(cols - 1, 0, -1):
        path[col - 1] = path[col] + came[path[col], col]
    return path


def _runs_through(gray: Any, ink: Any, path: Any, paper: float, between: int) -> bool:
    """Whether the path is a pen stroke through the words: its thin run of ink in each column taken away, the
    columns left blank are the gaps between characters, and the path has ink in every one of them, inside the
    height of the characters, as dark as a pen (not JPEG ringing or show-through)."""
    import numpy as np

    rows, cols = ink.shape
    span = np.arange(cols)
    on = ink[path, span]
    upper, lower = _run_around(ink, path, on)
    stroke = on & (lower - upper < _thin(rows))
    rest = ink.copy()
    grid = np.arange(rows)[:, None]
    rest &= ~(stroke[None, :] & (grid >= upper[None, :]) & (grid <= lower[None, :]))
    written = rest.any(axis=0)
    inside = np.flatnonzero(written)
    if inside.size < 2:
        return False
    first, last = int(inside[0]), int(inside[-1])
    if on[first : last + 1].mean() < COVERED:
        return False
    tall = np.flatnonzero(rest[:, written].any(axis=1))
    top, bottom = int(tall[0]), int(tall[-1])
    text_ink = float(np.median(gray[rest])) if rest.any() else 0.0
    crossed = 0
    for a, b in _gaps(written, first, last):
        if not on[a:b].all():
            return False  # a gap of clean paper: nothing runs through the words here
        middle = (upper[a:b] + lower[a:b]) / 2
        if middle.max() < top + 1 or middle.min() > bottom - 1:
            continue  # a steep stroke passing a gap above or below the characters: only where it runs through them
        if middle.min() < top + 1 or middle.max() > bottom - 1:
            return False  # along the top or bottom of the characters: an underline or a table rule, not a strike
        shade = [gray[upper[col] : lower[col] + 1, col].min() for col in range(a, b)]  # the run's darkest
        if float(np.median(shade)) > paper - 0.5 * (paper - text_ink):
            return False  # faint grey in the gaps, not ink
        crossed += 1
    # Too few gaps crossed: most characters touch (a small or blurred print), nothing to tell a stroke by.
    return crossed >= max(MIN_GAPS, between * 0.6)


def _run_around(ink: Any, path: Any, on: Any) -> tuple[Any, Any]:
    """For each column, the first and last row of the run of ink the path lies in (the path's row where it has
    no ink)."""
    import numpy as np

    rows, cols = ink.shape
    first = np.zeros((rows, cols), dtype=np.int64)  # per pixel: the first row of its run of ink
    last = np.full((rows, cols), rows - 1, dtype=np.int64)
    for row in range(1, rows):
        first[row] = np.where(ink[row] & ink[row - 1], first[row - 1], row)
    for row in range(rows - 2, -1, -1):
        last[row] = np.where(ink[row] & ink[row + 1], last[row + 1], row)
    span = np.arange(cols)
    return np.where(on, first[path, span], path), np.where(on, last[path, span], path)


def _gaps(written: Any, first: int, last: int) -> list[tuple[int, int]]:
    """Runs of columns without characters' ink, between the first and last written column: (start, end)."""
    gaps: list[tuple[int, int]] = []
    start = None
    for col in range(first, last + 1):
        if not written[col] and start is None:
            start = col
        elif written[col] and start is not None:
            gaps.append((start, col))
            start = None
    return gaps
