"""The printed form's QR code → identity dict (see lyreport.identity_mark), decoded with zxing-cpp."""

from __future__ import annotations

from typing import Any

from ...identity_mark import decode_mark


def read_marks(image: Any) -> list[str]:
    """Texts of every QR code on the page (several tries: as is, then sharpened by binarisation)."""
    return read_marks_turned(image)[0]


def read_marks_turned(image: Any) -> tuple[list[str], int]:
    """(texts of every QR code on the page, degrees the page must be turned counter-clockwise to stand upright:
    0, 90, 180 or 270), the turn read from the first lyreport mark's orientation (0 without one)."""
    import zxingcpp

    texts: list[str] = []
    turn = 0
    for candidate in (image, image.convert("L").point(lambda v: 255 if v > 140 else 0)):
        try:
            found = zxingcpp.read_barcodes(candidate, formats=zxingcpp.BarcodeFormat.QRCode)
        except Exception:  # noqa: BLE001 - a decoder hiccup on a strange page means "no mark", not a failure
            found = []
        texts += [r.text for r in found if r.text]
        ours = [r for r in found if r.text and decode_mark(r.text)]
        if ours:
            # zxing's orientation is the code's clockwise rotation on the page; PIL turns counter-clockwise.
            turn = round(int(ours[0].orientation) / 90) * 90 % 360
        if texts:
            break
    return texts, turn


def identity_of(texts: list[str]) -> dict[str, str]:
    """The first of the page's QR texts that is a lyreport mark, else {}."""
    for text in texts:
        decoded = decode_mark(text)
        if decoded:
            return decoded
    return {}
