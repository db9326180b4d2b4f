"""The product's form the real way: template filled with openpyxl, printed to PDF by LibreOffice, rasterised."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

from .canvas import TableBox
from .forms import Drawn


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(sources: list[Path], outdir: Path) -> list[Path]:
    """Print workbooks to PDF with one LibreOffice start (own profile, so parallel runs don't clash)."""
    program = soffice()
    if program is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    profile = (outdir / "lo-profile").as_uri()
    cmd = [program, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(outdir)]
    env = dict(os.environ, HOME=str(outdir))
    subprocess.run([*cmd, *map(str, sources)], check=True, capture_output=True, timeout=600, env=env)
    out = [outdir / f"{s.stem}.pdf" for s in sources]
    missing = [p.name for p in out if not p.is_file()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {missing}")
    return out


def _find(textpage, word: str):  # noqa: ANN001, ANN202 - pypdfium2 objects
    searcher = textpage.search(word)
    hit = searcher.get_next()
    if not hit:
        return None
    index, _count = hit
    return textpage.get_charbox(index)  # left, bottom, right, top in PDF points


def rasterise(pdf: Path, dpi: int) -> Drawn:
    """Pages of a printed form at `dpi`, with the seal line's spot and the status column found in its text."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        pages: list[Image.Image] = []
        spot, box = (0, 0), None
        scale = dpi / 72
        for page in doc:
            height = page.get_height()
            pages.append(page.render(scale=scale).to_pil().convert("RGB"))
            text = page.get_textpage()
            seal = _find(text, "盖章")
            if seal:
                left, bottom, _right, _top = seal
                spot = (round(left * scale) + round(dpi * 0.6), round((height - bottom) * scale))
            status, note = _find(text, "完成状态"), _find(text, "注：")
            if status and note:
                x0, x1 = round(status[0] * scale), round(status[2] * scale)
                y_end = round((height - note[3]) * scale)
                box = TableBox([x0 - dpi // 8, x1 + dpi // 8], [y_end - dpi, y_end - dpi // 10])
        return Drawn(pages, spot, box, 0)
    finally:
        doc.close()


def print_forms(workbooks: list[Path], dpis: list[int]) -> list[Drawn]:
    """Each filled workbook as scanned pages at its resolution (before stamping and scanner effects)."""
    with tempfile.TemporaryDirectory(prefix="lyreport-scansim-") as tmp:
        pdfs = to_pdf(workbooks, Path(tmp))
        return [rasterise(p, dpi) for p, dpi in zip(pdfs, dpis, strict=True)]
