"""The printed form's QR code → identity dict (see lyreport.identity_mark), decoded with zxing-cpp."""

from __future__ import annotations

from typing import Any

from ...identity_mark import decode_mark


def read_marks(image: Any) -> list[str]:
    """Texts of every QR code on the page (several tries: as is, then sharpened by binarisation)."""
    import zxingcpp

    texts = []
    for candidate in (image, image.convert("L").point(lambda v: 255 if v > 140 else 0)):
        try:
            found = zxingcpp.read_barcodes(candidate, formats=zxingcpp.BarcodeFormat.QRCode)
        except Exception:  # noqa: BLE001 - a decoder hiccup on a strange page means "no mark", not a failure
            found = []
        texts += [r.text for r in found if r.text]
        if texts:
            break
    return texts


def identity_of(texts: list[str]) -> dict[str, str]:
    """The first of the page's QR texts that is a lyreport mark, else {}."""
    for text in texts:
        decoded = decode_mark(text)
        if decoded:
            return decoded
    return {}
