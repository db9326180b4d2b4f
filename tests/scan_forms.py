"""Scans of filled return forms, made in code: template → LibreOffice PDF → 200 dpi raster (+ QR mark, + seal)."""

from __future__ import annotations

import math
import subprocess
import tempfile
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from PIL import Image, ImageDraw, ImageFont

from lyreport.api import Context, load_context
from lyreport.cli import main
from lyreport.identity_mark import encode_mark
from lyreport.models import DONE, LAGGING, NOT_STARTED, ON_TRACK, MasterList
from lyreport.samples import Filling, standard_return

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def paper_workspace(root: Path, count: int) -> tuple[Context, list[str], dict[str, dict[int, str]]]:
    """A new workspace; its `count` units with the fewest measures; for each, a status per measure, the four
    statuses in turn (so that every status is read off paper somewhere)."""
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    context = load_context(root)
    master = context.master
    units = sorted(master.units, key=lambda u: (len(master.measures_of(u)), u))[:count]
    cycle = (DONE, ON_TRACK, LAGGING, NOT_STARTED)
    want = {u: {m.no: cycle[(i + k) % 4] for k, m in enumerate(master.measures_of(u))} for i, u in enumerate(units)}
    return context, units, want


def render_pages(workbooks: list[Path], outdir: Path) -> list[Image.Image]:
    """First page of each workbook as LibreOffice prints it, at 200 dpi (one soffice call for all)."""
    import pypdfium2 as pdfium

    profile = (outdir / "lo-profile").as_uri()
    cmd = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(outdir)]
    subprocess.run([*cmd, *map(str, workbooks)], capture_output=True, timeout=300, check=True)
    pages = []
    for book in workbooks:
        pdf = pdfium.PdfDocument(str(outdir / f"{book.stem}.pdf"))
        pages.append(pdf[0].render(scale=200 / 72).to_pil().convert("RGB"))
        pdf.close()
    return pages


def add_mark(page: Image.Image, list_id: str, unit: str, week: date) -> Image.Image:
    """The printed form's QR code in the top-right corner."""
    import segno

    qr = segno.make(encode_mark(list_id, unit, week, "1"), error="m", micro=False)
    with tempfile.TemporaryDirectory() as tmp:
        qr.save(f"{tmp}/qr.png", scale=5, border=2)
        code = Image.open(f"{tmp}/qr.png").convert("RGB")
        code.load()
    page.paste(code, (page.width - code.width - 60, 40))
    return page


def add_seal(page: Image.Image, text: str, centre: tuple[int, int] | None = None) -> Image.Image:
    """A red official seal (ring, star, ring text), 42 mm across, partly over the table."""
    draw = ImageDraw.Draw(page)
    cx, cy = centre or (page.width - 420, page.height - 380)
    radius = int(21 / 25.4 * 200)
    red = (205, 28, 36)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=red, width=10)
    draw.regular_polygon((cx, cy, radius // 3), 5, fill=red)
    font = ImageFont.truetype(FONT, 30)
    step = 220 / max(1, len(text) - 1)
    for index, char in enumerate(text):
        angle = math.radians(160 + index * step)
        x, y = cx + math.cos(angle) * (radius - 38), cy + math.sin(angle) * (radius - 38)
        draw.text((x - 15, y - 15), char, fill=red, font=font)
    return page


def scan_files(
    master: MasterList, directory, jobs: list[tuple[Filling, date, Path, bool, bool]], workdir: Path
) -> list[Path]:
    """jobs: (filling, form week, target .png/.pdf, stamped, with QR mark) → scan files written."""
    books = []
    for index, (filling, week, _, _, _) in enumerate(jobs):
        books.append(standard_return(master, directory, filling, week, workdir / f"form{index}.xlsx"))
    pages = render_pages(books, workdir)
    for page, (filling, week, target, stamped, marked) in zip(pages, jobs, strict=False):
        if marked:
            add_mark(page, master.list_id, filling.unit, week)
        if stamped:
            add_seal(page, f"洛阳{filling.unit}")
        target.parent.mkdir(parents=True, exist_ok=True)
        page.save(target, resolution=200.0)
    return [job[2] for job in jobs]


def self_made_form(
    unit: str, filled_on: str, rows: list[tuple[str, str, str, str]], *, width: int = 2339
) -> Image.Image:
    """A unit's own table drawn by hand (A4 landscape, 200 dpi): other column order, 第N条 numbers.

    rows: (序号 text, 完成状态, 措施内容, 工作进展).
    """
    height = int(width * 210 / 297)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    title, body = ImageFont.truetype(FONT, 44), ImageFont.truetype(FONT, 30)
    draw.text((width // 2 - 420, 90), "洛济深度融合三十三条落实情况", fill="black", font=title)
    draw.text((120, 200), f"填报单位：{unit}", fill="black", font=body)
    draw.text((1500, 200), f"填报日期：{filled_on}", fill="black", font=body)
    cols = [("序号", 120, 330), ("完成状态", 330, 590), ("措施内容", 590, 1300), ("工作进展", 1300, 2220)]
    top, line_h = 280, 110
    for label, x0, x1 in cols:
        draw.rectangle((x0, top, x1, top + line_h), outline="black", width=3)
        draw.text((x0 + 20, top + 35), label, fill="black", font=body)
    for index, cells in enumerate(rows, start=1):
        y = top + index * line_h
        for (_, x0, x1), text in zip(cols, cells, strict=True):
            draw.rectangle((x0, y, x1, y + line_h), outline="black", width=3)
            draw.text((x0 + 20, y + 35), text, fill="black", font=body)
    bottom = top + (len(rows) + 1) * line_h + 60
    draw.text((120, bottom), "联系人：王伟    联系电话：13937900001", fill="black", font=body)
    return page
