"""A red official seal (公章) pressed onto a page: ring, star, the unit's full name along the arc.

Stamp ink is translucent: it darkens what lies under it (multiply), so black text under a seal stays
black, and the ink is uneven (lighter patches, a slightly faded edge).
"""

from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .fonts import font

SEAL_MM = 42.0  # the diameter of a unit's official seal
RED = np.array([212, 28, 36], dtype=np.float32)


def seal_mask(name: str, diameter: int, rng: random.Random) -> Image.Image:
    """Ink coverage (L, 0–255) of a round seal reading `name` along its upper arc."""
    size = diameter + 4
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    centre = size / 2
    radius = diameter / 2
    ring = max(2, round(diameter * 0.035))
    draw.ellipse((centre - radius, centre - radius, centre + radius, centre + radius), outline=255, width=ring)
    _star(draw, centre, centre, radius * 0.30)
    _arc_text(mask, name, centre, radius - ring - diameter * 0.085, round(diameter * 0.13))
    if rng.random() < 0.5:  # many seals carry a short line under the star
        face = font("sans-bold", round(diameter * 0.075))
        draw.text((centre, centre + radius * 0.55), rng.choice(["", "", "公章"]), font=face, fill=255, anchor="mm")
    return mask.rotate(rng.uniform(-25, 25), resample=Image.BICUBIC)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    points = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.38
        angle = -math.pi / 2 + k * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=255)


def _arc_text(mask: Image.Image, text: str, cx: float, radius: float, char_px: int) -> None:
    """Characters upright towards the centre, spread over the top 240° of the ring."""
    cy = mask.height / 2
    face = font("sans-bold", char_px)
    count = max(1, len(text))
    span = max(160.0, min(250.0, 30.0 * count))  # short names are spaced out
    for index, ch in enumerate(text):
        angle = -span / 2 + span * (index + 0.5) / count  # degrees from the top, clockwise
        theta = math.radians(angle - 90)
        x, y = cx + radius * math.cos(theta), cy + radius * math.sin(theta)
        glyph = Image.new("L", (char_px * 2, char_px * 2), 0)
        ImageDraw.Draw(glyph).text((char_px, char_px), ch, font=face, fill=255, anchor="mm")
        glyph = glyph.rotate(-angle, resample=Image.BICUBIC)
        mask.paste(255, (round(x - char_px), round(y - char_px)), glyph)


def stamp(page: Image.Image, name: str, centre: tuple[int, int], dpi: int, rng: random.Random) -> Image.Image:
    """The page with a seal of `name` pressed at `centre` (pixels)."""
    diameter = round(SEAL_MM / 25.4 * dpi * rng.uniform(0.95, 1.05))
    mask = seal_mask(name, diameter, rng).filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.0)))
    ink = np.asarray(mask, dtype=np.float32) / 255.0
    # Uneven ink: smooth random patches between ~55 % and 100 % strength.
    seed = rng.randrange(2**32)
    patches = np.random.default_rng(seed).random((8, 8)).astype(np.float32)
    patches = np.asarray(Image.fromarray((patches * 255).astype(np.uint8)).resize(mask.size, Image.BICUBIC))
    ink *= rng.uniform(0.7, 0.95) * (0.55 + 0.45 * patches.astype(np.float32) / 255.0)
    x0, y0 = centre[0] - mask.width // 2, centre[1] - mask.height // 2
    return _multiply(page, ink, (x0, y0))


def _multiply(page: Image.Image, ink: np.ndarray, origin: tuple[int, int]) -> Image.Image:
    canvas = np.asarray(page, dtype=np.float32).copy()
    h, w = ink.shape
    x0, y0 = origin
    px0, py0 = max(0, x0), max(0, y0)
    px1, py1 = min(canvas.shape[1], x0 + w), min(canvas.shape[0], y0 + h)
    if px1 <= px0 or py1 <= py0:
        return page
    part = ink[py0 - y0 : py1 - y0, px0 - x0 : px1 - x0][..., None]
    region = canvas[py0:py1, px0:px1]
    canvas[py0:py1, px0:px1] = region * (1 - part) + region * (RED / 255.0) * part
    return Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8), "RGB")
