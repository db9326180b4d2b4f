"""What scanners and phones do to a page, and the files they save: skew, blur, noise, perspective, light, JPEG."""

from __future__ import annotations

import io
import random
import time

import numpy as np
from PIL import Image, ImageFilter

FIXED_DATE = time.struct_time((2021, 1, 7, 10, 0, 0, 3, 7, 0))  # PDF dates: the same bytes for the same seed


def scanned(page: Image.Image, rng: random.Random, *, angle: float, noise: bool) -> Image.Image:
    """A flatbed colour scan: the sheet a little askew, slightly soft, with sensor noise, a grey paper tone and the
    scanner's not quite neutral white (each of its three sensors a little different)."""
    out = page.rotate(angle, resample=Image.BICUBIC, fillcolor=(255, 255, 255)) if angle else page
    if not noise:
        return out
    out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    pixels = np.asarray(out, dtype=np.float32)
    gen = np.random.default_rng(rng.randrange(2**32))
    tone = rng.uniform(0.93, 1.0)  # paper is rarely pure white on a scan
    pixels = pixels * tone + gen.normal(0, rng.uniform(2.0, 6.0), pixels.shape[:2])[..., None]
    white = np.array([1.0, gen.uniform(0.975, 0.995), gen.uniform(0.94, 0.97)], dtype=np.float32)  # a warm cast
    pixels = pixels * white + gen.normal(0, 1.5, pixels.shape).astype(np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _coefficients(source: list[tuple[float, float]], target: list[tuple[float, float]]) -> list[float]:
    """PIL PERSPECTIVE coefficients mapping output points `target` to input points `source`."""
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=np.float64)
    b = np.array([c for pt in source for c in pt], dtype=np.float64)
    return np.linalg.solve(a, b).tolist()


def photographed(page: Image.Image, rng: random.Random, *, angle: float) -> Image.Image:
    """A phone photo of the sheet on a desk: perspective, rotation, uneven light, warm cast, soft focus."""
    w, h = page.size
    margin = 0.06
    out_w, out_h = round(w * (1 + 2 * margin)), round(h * (1 + 2 * margin))

    def jitter(x: float, y: float) -> tuple[float, float]:
        return x + rng.uniform(-0.025, 0.025) * w, y + rng.uniform(-0.025, 0.025) * h

    corners = [
        jitter(margin * w, margin * h),
        jitter(out_w - margin * w, margin * h),
        jitter(out_w - margin * w, out_h - margin * h),
        jitter(margin * w, out_h - margin * h),
    ]
    source = [(0, 0), (w, 0), (w, h), (0, h)]
    sheet = page.convert("RGBA")
    coeffs = _coefficients(source, corners)
    warped = sheet.transform((out_w, out_h), Image.PERSPECTIVE, coeffs, Image.BICUBIC)
    desk = Image.new("RGBA", (out_w, out_h), tuple(rng.randint(70, 140) for _ in range(3)) + (255,))
    desk.alpha_composite(warped)
    photo = desk.convert("RGB").rotate(angle, resample=Image.BICUBIC, fillcolor=(90, 90, 90))
    pixels = np.asarray(photo, dtype=np.float32)
    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    cx, cy = rng.uniform(0.2, 0.8) * out_w, rng.uniform(0.2, 0.8) * out_h
    dist = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / max(out_w, out_h)
    light = 1.05 - rng.uniform(0.25, 0.45) * dist  # brighter near the lamp, darker at the far corner
    cast = np.array([1.0, rng.uniform(0.95, 0.99), rng.uniform(0.86, 0.95)], dtype=np.float32)
    pixels = pixels * light[..., None] * cast
    gen = np.random.default_rng(rng.randrange(2**32))
    pixels += gen.normal(0, 3.0, pixels.shape[:2])[..., None]
    photo = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    return photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.0)))


def encode(pages: list[Image.Image], fmt: str, dpi: int, rng: random.Random) -> bytes:
    """The file a scanner or phone saves: image-only PDF, JPEG, PNG or (multi-page) TIFF."""
    out = io.BytesIO()
    first, rest = pages[0], pages[1:]
    if fmt == "pdf":
        first.save(
            out,
            "PDF",
            save_all=True,
            append_images=rest,
            resolution=float(dpi),
            quality=rng.randint(75, 90),
            creationDate=FIXED_DATE,
            modDate=FIXED_DATE,
            producer="scanner",
        )
    elif fmt == "jpeg":
        first.save(out, "JPEG", quality=rng.randint(60, 80), dpi=(dpi, dpi))
    elif fmt == "png":
        first.save(out, "PNG", dpi=(dpi, dpi), compress_level=1)  # noisy pages barely compress anyway
    elif fmt == "tiff":
        # Colour scanners save JPEG-compressed TIFF; lossless deflate of a noisy page is slow and huge.
        options = {"compression": "jpeg", "quality": rng.randint(80, 92)}
        first.save(out, "TIFF", save_all=True, append_images=rest, dpi=(dpi, dpi), **options)
    else:
        raise ValueError(f"unknown scan format {fmt!r}")
    return out.getvalue()
