"""Is a red official seal on the page? A red mask (HSV) whose closed blobs are round and of a seal's size.
And could one show at all: a black-and-white or greyscale page (a grey scan, a fax, a grey photocopy scanned
as such) carries no colour, so a seal on the paper is as grey as the text on it (has_colour).

An official seal is a red ring about 40 mm across with a star and ring text. Red ink text, red
table lines and red underlines are thin or elongated: after closing they stay long and hollow-less,
so they fail the roundness test; a red-pen circle is round, but at its centre, where a seal has its solid star,
it is empty or holds a few pen lines (a tick, 同意 and a name). Photos shift colours, so the red test is on hue and saturation only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MIN_DIAMETER = 0.07  # of the page's shorter side: 42 mm on A4 is 0.2; a small scan margin either way
MAX_DIAMETER = 0.40
# A grey page's channels agree to the rounding (its JPEG too: the colour planes of a grey picture are flat);
# a colour scan or photo shows paper tint, coloured ink or sensor colour noise on far more than a few pixels.
GREY_CHROMA = 4  # of 255, max - min of a pixel's channels after averaging: still no colour
COLOUR_SHARE = 0.002  # share of the page's pixels with more than that: a page in colour
# HSV saturation (of 255) a pixel needs to count as red ink. A seal pressed with little ink, or an old pad,
# leaves a light pink ring (saturation 40–70) that any reader sees as a seal: when no seal shows at the
# full strength the page is looked at again with the paler bound, the same shape tests deciding.
RED_SATURATION = 70
PALE_SATURATION = 40
# Share of the disc within 0.2 of the radius that is red ink: a seal's solid star (or emblem) fills two thirds
# of it or more, pressed over text too; a red-pen circle drawn round a passage is empty there, and one round a
# tick or a handwritten 同意 and name holds a few pen lines (2–20 %).
CENTRE = 0.2
MIN_CENTRE_INK = 0.3


@dataclass
class Seal:
    found: bool
    score: float = 0.0  # roundness of the best candidate, 0..1
    box: tuple[int, int, int, int] | None = None  # x0, y0, x1, y1 in page pixels


def red_mask(image: Any, saturation: int = RED_SATURATION) -> Any:
    """uint8 mask (255 = red ink) of a PIL RGB image or numpy RGB array."""
    import cv2
    import numpy as np

    hsv = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2HSV)
    low = cv2.inRange(hsv, (0, saturation, 60), (10, 255, 255))
    high = cv2.inRange(hsv, (160, saturation, 60), (180, 255, 255))
    return cv2.bitwise_or(low, high)


def find_seal(image: Any) -> Seal:
    """The best round red seal on the page; a pale pink one when no seal shows in full red."""
    seal = _find_in(red_mask(image))
    return seal if seal.found else _find_in(red_mask(image, PALE_SATURATION))


def _find_in(mask: Any) -> Seal:
    import cv2
    import numpy as np

    height, width = mask.shape
    short = min(height, width)
    if cv2.countNonZero(mask) < short * 0.5:
        return Seal(False)
    mask = cv2.bitwise_and(mask, cv2.bitwise_not(_straight_lines(mask, short)))
    size = max(3, int(short * 0.012) | 1)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    best = Seal(False)
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        diameter = max(w, h)
        if not (MIN_DIAMETER * short <= diameter <= MAX_DIAMETER * short) or min(w, h) < 0.7 * diameter:
            continue
        (cx, cy), radius = cv2.minEnclosingCircle(contour)
        hull = cv2.convexHull(contour)
        roundness = float(cv2.contourArea(hull)) / (np.pi * radius * radius + 1e-6)
        ring = _ring_coverage(mask, cx, cy, radius)
        score = min(roundness, ring / 0.6)
        if (
            roundness > 0.7
            and ring > 0.45
            and score > best.score
            and _centre_ink(mask, cx, cy, radius) > MIN_CENTRE_INK
        ):
            best = Seal(True, round(score, 3), (x, y, x + w, y + h))
    return best


def has_colour(image: Any) -> bool:
    """Whether a PIL RGB page holds colour information, so that a red seal would show on it red.

    Measured on the page averaged down to about 400 px on its shorter side (a few ms), so isolated
    compression or sensor specks do not count."""
    import numpy as np

    factor = max(1, min(image.size) // 400)
    small = np.asarray(image.reduce(factor) if factor > 1 else image, dtype=np.int16)
    chroma = small.max(axis=2) - small.min(axis=2)
    return int(np.count_nonzero(chroma > GREY_CHROMA)) > COLOUR_SHARE * chroma.size


def _straight_lines(mask: Any, short: int) -> Any:
    """Long horizontal and vertical red strokes (table rules, underlines): never part of a seal."""
    import cv2
    import numpy as np

    length = max(10, int(short * 0.12))
    lines = cv2.bitwise_or(
        cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((1, length), np.uint8)),
        cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8)),
    )
    return cv2.dilate(lines, np.ones((5, 5), np.uint8))


def _ring_coverage(mask: Any, cx: float, cy: float, radius: float) -> float:
    """Share of angles around the centre where red ink lies near the rim: a seal's border is a full ring."""
    import numpy as np

    angles = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    height, width = mask.shape
    hits = 0
    for angle in angles:
        found = False
        for frac in np.linspace(0.80, 1.0, 6):
            x = int(cx + np.cos(angle) * radius * frac)
            y = int(cy + np.sin(angle) * radius * frac)
            if 0 <= x < width and 0 <= y < height and mask[y, x]:
                found = True
                break
        hits += found
    return hits / len(angles)


def _centre_ink(mask: Any, cx: float, cy: float, radius: float) -> float:
    """Share of red ink at the ring's centre (within CENTRE of the radius): the star or emblem a seal has there."""
    import cv2
    import numpy as np

    disc = np.zeros_like(mask)
    cv2.circle(disc, (round(cx), round(cy)), max(1, round(radius * CENTRE)), 255, -1)
    inside = cv2.countNonZero(disc)
    return cv2.countNonZero(cv2.bitwise_and(mask, disc)) / inside if inside else 0.0


def red_as_paper(image: Any) -> Any:
    """The page seen through its red channel: red seal ink turns pale while black text under it stays dark,
    so a seal stamped across cells does not garble the words beneath (whitening red pixels would cut them)."""
    import numpy as np

    red = np.asarray(image)[:, :, 0]
    return np.ascontiguousarray(np.stack([red, red, red], axis=2))
