"""Scans to bounded RGB pages: image-only or text PDFs (pypdfium2), JPEG/PNG/TIFF/BMP (Pillow, multi-page too),
OFD (ofd.py).

Every input is untrusted: page count, page size and pixel count are capped before anything big is
allocated, and huge pictures are decoded small (JPEG draft mode) or refused.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_PAGES = 10
PDF_DPI = 200
MAX_SIDE = 3000  # pixels of the longer side handed to OCR; a phone photo at 4000 px is scaled down
MAX_DECODE_PIXELS = 80_000_000  # what Pillow may decode at all (after draft reduction)
# The largest page PDF allows (200 inches). A phone photo saved as PDF at 72 dpi makes a page of its own pixel
# size, 4032 pt and more; it is rendered to MAX_SIDE pixels like any picture.
MAX_PDF_POINTS = 14_400


class RasterError(Exception):
    """The file cannot be turned into pages; `code`/`fields` name the problem for the catalogue."""

    def __init__(self, code: str, **fields: Any):
        self.code, self.fields = code, fields
        super().__init__(code)


@dataclass
class Page:
    image: Any  # PIL.Image.Image, RGB
    words: list[tuple[str, float, float, float, float]] = field(default_factory=list)  # PDF text layer, pixels
    # Drawn from a document's own text and rules (an exported OFD), not scanned: its colours are the document's,
    # so a page with no colour has no seal, rather than a seal a black-and-white scanner lost.
    drawn: bool = False


def load_pages(path: Path) -> tuple[list[Page], int]:
    """(pages, total page count in the file); raises RasterError for anything unusable."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"%PDF"):
        return _pdf_pages(path)
    if head.startswith(b"PK") and path.suffix.lower() == ".ofd":
        from .ofd import ofd_pages

        return ofd_pages(path)
    return _image_pages(path)


def _pdf_pages(path: Path) -> tuple[list[Page], int]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise RasterError("scan-encrypted") from None
        raise RasterError("scan-corrupt", reason="PDF 文件结构损坏") from None
    try:
        total = len(pdf)
        if total == 0:
            raise RasterError("scan-corrupt", reason="PDF 中没有任何页面")
        pages = []
        for index in range(min(total, MAX_PAGES)):
            page = pdf[index]
            width, height = page.get_size()
            if width <= 0 or height <= 0 or max(width, height) > MAX_PDF_POINTS:
                raise RasterError("scan-page-too-large", page=index + 1)
            scale = min(PDF_DPI / 72, MAX_SIDE / max(width, height))
            image = page.render(scale=scale).to_pil().convert("RGB")
            pages.append(Page(image, _text_layer(page, scale, height)))
        return pages, total
    finally:
        pdf.close()


def _text_layer(page: Any, scale: float, height: float) -> list[tuple[str, float, float, float, float]]:
    """Words of an exported (not scanned) PDF with pixel boxes: exact text, no OCR needed.

    Characters are joined into words while they follow each other on one line with no wide gap:
    exporters draw each cell's text in one go, so a gap or a jump means the next cell.
    """
    textpage = page.get_textpage()
    words: list[tuple[str, float, float, float, float]] = []
    current: list[Any] = []  # [text, left, bottom, right, top]
    try:
        for index in range(min(textpage.count_chars(), 20000)):
            char = textpage.get_text_range(index, 1)
            if not char.strip():
                if current and char == " ":
                    current[0] += " "
                continue
            left, bottom, right, top = textpage.get_charbox(index)
            size = max(1.0, top - bottom)
            if current and abs(bottom - current[2]) < size * 0.5 and -size * 0.3 < left - current[3] < size * 0.9:
                current[0] += char
                current[3], current[4] = right, max(current[4], top)
                continue
            if current:
                words.append(_word(current, scale, height))
            current = [char, left, bottom, right, top]
        if current:
            words.append(_word(current, scale, height))
    finally:
        textpage.close()
    return words


def _word(raw: list[Any], scale: float, height: float) -> tuple[str, float, float, float, float]:
    text, left, bottom, right, top = raw
    return (text.strip(), left * scale, (height - top) * scale, right * scale, (height - bottom) * scale)


def _image_pages(path: Path) -> tuple[list[Page], int]:
    from PIL import Image

    with _pillow_refusals():
        image = Image.open(path)
        total = getattr(image, "n_frames", 1)
        pages = []
        for index in range(min(total, MAX_PAGES)):
            image.seek(index)
            pages.append(Page(_bounded(image, index)))
        return pages, total


def bounded_picture(source: Any) -> Any:
    """One picture (a file object) decoded within the pixel limits, its mode kept (a seal's transparency)."""
    from PIL import Image

    with _pillow_refusals():
        return _decoded(Image.open(source))


@contextlib.contextmanager
def _pillow_refusals() -> Iterator[None]:
    """Pillow's complaints about a picture, as the refusals staff read."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_DECODE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RasterError("scan-too-many-pixels") from None
    except UnidentifiedImageError:
        raise RasterError("scan-corrupt", reason="不是可识别的图片或 PDF") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise RasterError("scan-corrupt", reason=f"图片数据损坏（{type(exc).__name__}）") from None


def _decoded(image: Any) -> Any:
    width, height = image.size
    if width * height > MAX_DECODE_PIXELS * 4:
        raise RasterError("scan-too-many-pixels")
    if image.format == "JPEG" and max(width, height) > MAX_SIDE:
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at 1/2, 1/4 or 1/8 size: a 20000 px JPEG stays small
    if image.size[0] * image.size[1] > MAX_DECODE_PIXELS:
        raise RasterError("scan-too-many-pixels")
    image.load()
    return image


def _bounded(image: Any, index: int) -> Any:
    from PIL import Image, ImageOps

    image = _decoded(image)
    if index == 0:
        image = ImageOps.exif_transpose(image)  # phone photos are stored sideways with an orientation tag
    rgb = _on_paper(image)
    if max(rgb.size) > MAX_SIDE:
        ratio = MAX_SIDE / max(rgb.size)
        rgb = rgb.resize((max(1, int(rgb.width * ratio)), max(1, int(rgb.height * ratio))), Image.LANCZOS)
    return rgb


def _on_paper(image: Any) -> Any:
    """RGB of the picture as it would print: a PNG saved with transparent paper (an export, a screenshot) has
    its transparent pixels black underneath, which would hide the black writing; they are white paper."""
    from PIL import Image

    image = _eight_bit(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode in ("P", "L", "RGB") and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    return image.convert("RGB")


_DEEP_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})


def _eight_bit(image: Any) -> Any:
    """A 16-bit or 32-bit grey picture (a scanner's 16-bit greyscale PNG or TIFF) as 8-bit grey, its tones kept.

    Pillow's convert() clips such values instead of scaling them: every grey above 255 of 65535 became white,
    and only pure black writing was left."""
    if image.mode not in _DEEP_MODES:
        return image
    import numpy as np
    from PIL import Image

    values = np.asarray(image)
    if image.mode.startswith("I;16"):  # the whole 16-bit range, as scanners write it; integers keep memory low
        return Image.fromarray((values // 257).astype(np.uint8), "L")
    values = np.nan_to_num(values.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0).clip(min=0)
    top = float(values.max(initial=0.0))
    # Floating-point tones from 0 to 1; else 8-bit or 16-bit values widened to 32 bits, or a range of their own.
    ranges = (1.0, 255.0, 65535.0) if image.mode == "F" else (255.0, 65535.0)
    full = next((bound for bound in ranges if top <= bound), top)
    return Image.fromarray((values * (255.0 / full)).round().clip(0, 255).astype(np.uint8), "L")
