"""What a page's layout says about how it was scanned: a form cut off by the page's edge (the scanner lost the
bottom rows or the right columns), and two pages (or two forms) printed side by side on one sheet (2-up)."""

from __future__ import annotations

import math
import unicodedata
from statistics import median
from typing import Any

from ...models import MasterList, SourceFile
from ...problems import Problem, problem
from ..normalize import header_label
from ..normalize import measure_no as nz_measure_no
from .mark import identity_of
from .ocr import TextBox
from .pages import _FOOTER
from .table import _PAGE_NO, ScanGrid, header_band


def _raw(box: TextBox, skew: float, width: float, height: float) -> tuple[float, float]:
    """The box's centre in the page as scanned (the boxes are levelled by the page's skew about its centre)."""
    if not skew:
        return box.cx, box.cy
    turn = math.radians(skew)
    cx, cy = box.cx - width / 2, box.cy - height / 2
    return cx * math.cos(turn) - cy * math.sin(turn) + width / 2, cx * math.sin(turn) + cy * math.cos(turn) + height / 2


def cut_edges(page: dict[str, Any], boxes: list[TextBox], table_top: float | None) -> list[str]:
    """The edges ("bottom", "right") where a line of the table's text runs into the page's edge: the sheet
    went on beyond the scan. `table_top`: the level of the table's header line on the page (None: the page
    holds no header; its text is a continued table when the form's header was on an earlier page).

    A printed form keeps a margin round its text; a line of text that touches the edge (within a third of a
    line) was cut by it. Only lines of two characters or more, read with fair confidence, count (a scanner's
    dark border is read as stray marks, not words), and a page number in the margin does not."""
    width, height = float(page.get("width") or 0), float(page.get("height") or 0)
    words = [b for b in boxes if len(b.text.strip()) >= 2 and b.score >= 0.5 and not _page_number(b.text)]
    if not words or not width or not height:
        return []
    line = median(b.height for b in words) or 10.0
    skew = float(page.get("skew") or 0.0)
    near = max(3.0, line * 0.35)
    top = table_top if table_top is not None else -1.0
    edges: list[str] = []
    bottom = right = False
    for box in words:
        if box.cy <= top:
            continue
        rx, ry = _raw(box, skew, width, height)
        half_w = (box.x1 - box.x0) / 2
        half_h = box.height / 2
        # Levelled and as scanned: the sheet may have been cut before it was scanned askew, or by the scanner.
        if box.y1 >= height - near or ry + half_h >= height - near:
            bottom = True
        if box.x1 >= width - near or rx + half_w >= width - near:
            right = True
    if table_top is not None and not any(b.cy > top for b in words) and height - table_top < 3 * line:
        bottom = True  # the header line, then the page's end: the rows' remains were too little to read
    if bottom:
        edges.append("bottom")
    if right:
        edges.append("right")
    return edges


def _page_number(text: str) -> bool:
    """A page footer ("第 1 页，共 2 页", "第1页"): printed in the margin, close to the sheet's edge."""
    text = unicodedata.normalize("NFKC", text).strip()
    return bool(_FOOTER.search(text) or _PAGE_NO.match(text))


def side_by_side(boxes: list[TextBox], width: float, marks: int = 0) -> bool:
    """Two copies of a form on one page side by side (2-up printing, two pages or two units' forms shrunk
    onto one sheet): two of the form's QR codes (`marks`: how many different ones the page holds), or column
    labels each appearing twice, once in either half of the page (序号 and another, or three others: a form
    may repeat its status and progress columns for last week, not three), or two page footers
    ("第 1 页，共 2 页") side by side."""
    if marks >= 2:
        return True
    if not width:
        return False
    half = width / 2

    def split(xs: list[float]) -> bool:
        return any(x < half * 0.95 for x in xs) and any(x > half * 1.05 for x in xs)

    doubled = set()
    labels: dict[str, list[float]] = {}
    for box in boxes:
        key = header_label(box.text) if len(box.text) <= 8 else None
        if key:
            labels.setdefault(key, []).append(box.cx)
    doubled = {key for key, xs in labels.items() if split(xs)}
    if ("no" in doubled and len(doubled) >= 2) or len(doubled) >= 3:
        return True
    footers = [b.cx for b in boxes if "页" in b.text and _FOOTER.search(unicodedata.normalize("NFKC", b.text))]
    return split(footers)


EDGE_NAMES = {"bottom": "下", "right": "右"}


def cut_pages(
    file: SourceFile,
    unit: str | None,
    usable: list[tuple[int, dict[str, Any]]],
    boxes: list[list[TextBox]],
    grid: ScanGrid,
    read: set[int],
    master: MasterList,
) -> list[Problem]:
    """A page of the table whose text runs into the page's bottom or right edge (the sheet went on beyond the
    scan): said with the measures the unit owes that were not read after that page's last row (bottom), or the
    last column read (right)."""
    keys = [header_label(label) for label in grid.columns]
    no_col = keys.index("no") if "no" in keys else None
    order = [m.no for m in master.measures_of(unit)] if unit else []
    out = []
    for bxs, (number, page) in zip(boxes, usable, strict=True):
        rows = [i for i, place in enumerate(grid.places) if place.page == number and place.ordinal]
        band = header_band(bxs)
        if not rows and band is None:
            continue  # no table on this page (a cover letter, the signatures)
        edges = cut_edges(page, bxs, max(b.y1 for b in band) if band else None)
        if not edges:
            continue
        lost = []
        if "bottom" in edges:
            nos = [nz_measure_no(grid.sheet.rows[i][no_col]) for i in rows] if no_col is not None else []
            last = max((order.index(n) for n in nos if n in order), default=None)
            later = [n for n in order[(last + 1 if last is not None else 0) :] if n not in read]
            lost.append(
                f"表格下方的内容未扫入（第 {'、'.join(map(str, later))} 条措施未能读取）；"
                if later
                else "表格下方可能还有未扫入的内容；"
            )
        if "right" in edges:
            last_col = f"（读到的最后一列为“{grid.columns[-1]}”）" if grid.columns else ""
            lost.append(f"表格右侧的列未扫入{last_col}；")
        out.append(
            problem("scan-page-cut", file=file.display, unit=unit or "", cell=f"第{number}页", page=number,
                    edge="、".join(EDGE_NAMES[e] for e in edges), lost="".join(lost))
        )  # fmt: skip
    return out


def forms_on(page: dict[str, Any]) -> int:
    """How many different forms of this product a page's QR codes name (one printed form bears one)."""
    return len({text for text in page.get("marks", []) or [] if identity_of([text])})
