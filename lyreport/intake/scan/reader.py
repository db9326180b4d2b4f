"""Worker side: one scan file → plain data (pages with QR texts, seal finding, text boxes). Runs isolated.

The answer is JSON-ready so it can be cached by the file's SHA-256 and cross the process boundary:
("ok", total_pages, [page]) or ("refused", code, fields); page = {"width", "height", "marks",
"seal", "seal_score", "grey", "source" ("ocr" | "text"), "skew", "turn", "boxes": [[text, x0, y0, x1, y1, score]],
"struck" (indexes of the boxes a pen stroke runs through), "skipped"}; "grey": no seal was found and the page holds
no colour (black-and-white or greyscale), so a red seal could not have shown on it;
"turn" is how many degrees (counter-clockwise) the page was turned to stand upright before it was read, and the
boxes are in the turned page's pixels.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .ocr import release_memory
from .raster import MAX_PAGES, Page, RasterError, load_pages

READER_VERSION = "11"  # bump when reading changes, so cached answers are read again
FILE_BUDGET = 90.0  # seconds of OCR per file; pages after that are reported as not read
FEW_LINES = 8  # text lines found on a page that was not blank: fewer, and it may lie sideways
MIN_TEXT_WORDS = 12  # a PDF text layer with fewer words is a scan, not an exported spreadsheet
# Exported PDFs (LibreOffice) draw a cell's text in runs out of reading order; until the words are
# rebuilt reliably from the characters, every page goes through OCR, which reads them right.
USE_TEXT_LAYER = False


def scan_path(path: str) -> tuple[Any, ...]:
    """Read one scan file; never raises for bad input."""
    try:
        pages, total = load_pages(Path(path))
        return ("ok", total, _read_pages(pages))
    except RasterError as exc:
        return ("refused", exc.code, exc.fields)
    except MemoryError:
        return ("refused", "read-crashed", {"reason": "内存不足"})
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001 - a malformed file may break any library in its own way
        return ("refused", "read-crashed", {"reason": f"读取组件内部错误 {type(exc).__name__}"})


def _read_pages(pages: list[Page]) -> list[dict[str, Any]]:
    started = time.monotonic()
    out = []
    for page in pages:
        if time.monotonic() - started > FILE_BUDGET:
            out.append({"skipped": True, "width": page.image.width, "height": page.image.height})
            continue
        out.append(read_one_page(page))
        page.image = None  # the next page need not share the memory with this one
        release_memory()
    return out


def read_one_page(page: Page) -> dict[str, Any]:
    from .mark import read_marks_turned
    from .ocr import TextBox, deskew, read_page
    from .seal import find_seal, has_colour, red_as_paper
    from .table import has_header

    image = page.image
    marks, turn = read_marks_turned(image)  # the QR code says how the page lies: read it upright
    if turn:
        image = image.rotate(turn, expand=True)
    seal = find_seal(image)
    if not marks and _nearly_blank(image):  # a blank, black or one-line page: nothing a form could hold
        boxes, skew, source = [], 0.0, "blank"
    elif USE_TEXT_LAYER and len(page.words) >= MIN_TEXT_WORDS:
        boxes, skew, source = [TextBox(t, x0, y0, x1, y1) for t, x0, y0, x1, y1 in page.words], 0.0, "text"
    else:
        raw = _strikes(image, read_page(red_as_paper(image) if seal.found else image), seal.box)
        boxes, skew = deskew(raw, image.width, image.height)
        source = "ocr"
        if not marks and not has_header(boxes):
            # No QR code said how the page lies and no form was read: it may be upside down or sideways.
            # Only then is it read again turned (an upright page costs nothing more).
            for retry in _retry_turns(raw):
                turned = image.rotate(retry, expand=True)
                again = read_page(red_as_paper(turned) if seal.found else turned)
                again = _strikes(turned, again, find_seal(turned).box if seal.found else None)
                level, tilt = deskew(again, turned.width, turned.height)
                if has_header(level):
                    boxes, skew, image, turn = level, tilt, turned, retry
                    break
    return {
        "width": image.width,
        "height": image.height,
        "marks": marks,
        "seal": seal.found,
        "seal_score": seal.score,
        "grey": not seal.found and not page.drawn and not has_colour(image),
        "source": source,
        "skew": round(skew, 2),
        "turn": turn,
        "boxes": [[round(v, 1) if isinstance(v, float) else v for v in b.as_tuple()] for b in boxes],
        "struck": [index for index, b in enumerate(boxes) if b.struck],
        "skipped": False,
    }


def _strikes(image: Any, boxes: list[Any], seal: tuple[int, int, int, int] | None) -> list[Any]:
    """The boxes, each marked where a pen stroke runs through it (looked for in the page as scanned: a red pen's
    stroke too, which the OCR's view of a stamped page fades; not the seal's red ring)."""
    from .strike import struck_lines

    for box, struck in zip(boxes, struck_lines(image, boxes, seal), strict=True):
        box.struck = struck
    return boxes


def _retry_turns(boxes: list[Any]) -> tuple[int, ...]:
    """Turns to try on a page read without a form: sideways text (most lines taller than wide) is tried both
    ways round, anything else upside down. A page that holds writing (it was not blank) yet gave hardly any
    line may be sideways too, its lines running down the page where the OCR's detector finds few: every turn."""
    sized = [b for b in boxes if max(b.x1 - b.x0, b.y1 - b.y0) > 20]
    tall = sum(1 for b in sized if (b.y1 - b.y0) > 1.5 * (b.x1 - b.x0))
    if sized and tall * 2 > len(sized):
        return (270, 90)
    if len(sized) < FEW_LINES:
        return (180, 270, 90)
    return (180,)


def _nearly_blank(image: Any) -> bool:
    """Fewer than three separate lines of writing, or almost all dark: no form is on the page, skip OCR.

    A row of pixels holds writing when it crosses several dark strokes; the dark table edge of a photo
    or a long ruled line crosses one or two, so they do not count. A page scanned sideways has its lines
    down the page (rows with writing run over much of its height): its columns are counted instead.
    """
    import numpy as np

    factor = max(1, min(image.size) // 800)  # keep about 800 px: thin strokes of a 150 dpi page stay visible
    gray = np.asarray(image.convert("L").reduce(factor)).astype(np.int16)
    dark = gray < min(128, int(np.median(gray) * 0.7))
    if dark.mean() > 0.9:
        return True
    lines, share = _lines_across(dark)
    if lines >= 3:
        return False
    return share < 0.2 or _lines_across(dark.T)[0] < 3


def _lines_across(dark: Any) -> tuple[int, float]:
    """(separate bands of rows that each cross several dark strokes, i.e. lines of writing; share of rows in them)."""
    import numpy as np

    strokes = np.count_nonzero(np.diff(dark.astype(np.int8), axis=1) == 1, axis=1)
    written = (strokes >= 4).astype(np.int8)
    return int(np.count_nonzero(np.diff(np.concatenate(([0], written))) == 1)), float(written.mean())


__all__ = ["READER_VERSION", "MAX_PAGES", "scan_path"]
