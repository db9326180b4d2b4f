"""What is written on a paper return, and how the product's form and units' own forms are drawn with PIL."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import segno
from PIL import Image

from ..models import DONE, LAGGING, NOT_STARTED, ON_TRACK
from ..render.templates import HEADERS, WIDTHS
from .canvas import A4_PORTRAIT_MM, Canvas, Cell, TableBox, draw_table, scaled

HEADER_FILL = (221, 235, 247)
BODY_PT = 7.5  # the template's 11 pt after fit-to-width on A4 landscape
INPUT_FILL = (255, 249, 229)
# Self-made forms: how units word the same columns and statuses (all readable by intake/normalize.py).
SYNONYMS = {
    "no": ["序号", "编号", "条目"],
    "status": ["完成状态", "状态", "进展状态", "完成情况", "推进状态"],
    "progress": ["本周进展", "进展情况", "工作进展", "推进情况", "落实情况"],
    "issues": ["存在问题", "存在的问题", "困难和问题"],
    "next_steps": ["下一步计划", "下步打算", "下一步工作"],
    "expected": ["预计完成时间", "计划完成时间", "完成时限"],
}
STATUS_WORDS = {
    DONE: ["已完成", "已办结", "已落实", "完成"],
    ON_TRACK: ["正常推进", "推进中", "进行中", "有序推进"],
    LAGGING: ["进度滞后", "滞后", "推进滞后"],
    NOT_STARTED: ["尚未启动", "未启动", "尚未开始"],
}


@dataclass
class FormRow:
    no: int
    text: str
    role: str
    status: str  # the canonical status (ground truth)
    written: str  # the status as written on the paper
    progress: str = ""
    issues: str = ""
    next_steps: str = ""
    expected: date | None = None


@dataclass
class FormContent:
    title: str
    unit: str  # canonical unit name
    unit_written: str  # as written on the form (short name, full name or an alias)
    full_name: str
    week: date
    list_id: str
    contact: str
    phone: str
    filled_on: date | None  # None: 填报日期 left empty (only the product's form draws it so)
    rows: list[FormRow] = field(default_factory=list)
    mark: str | None = None  # QR text, None on forms without one
    footer_week: bool = True  # the footer names the week (False: a form printed from an older template)


@dataclass
class Drawn:
    """The pages and where a seal goes: the seal line's spot, and the table cells on the last page."""

    pages: list[Image.Image]
    seal_spot: tuple[int, int]
    table: TableBox | None
    status_col: int | None


def qr_image(text: str, module_px: int) -> Image.Image:
    """The QR code of `text` (same settings as the printed template) at `module_px` pixels per module."""
    code = segno.make(text, error="m", micro=False, boost_error=False)
    matrix = np.array([list(row) for row in code.matrix], dtype=np.uint8)
    matrix = np.pad(matrix, 2)
    pixels = np.kron(matrix, np.ones((module_px, module_px), dtype=np.uint8))
    return Image.fromarray(((1 - pixels) * 255).astype(np.uint8), "L").convert("RGB")


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _expected(day: date | None) -> str:
    return day.isoformat() if day else ""


def _chunks(rows: list[FormRow], pages: int) -> list[list[FormRow]]:
    pages = max(1, min(pages, len(rows)))
    size = -(-len(rows) // pages)
    return [rows[i : i + size] for i in range(0, len(rows), size)]


# ----------------------------------------------------------------- the product's own form
def draw_product(content: FormContent, dpi: int, pages: int = 1, style: str = "serif") -> Drawn:
    """The printed template as LibreOffice prints it (A4 landscape), filled in, with its QR code."""
    out, box, spot = [], None, (0, 0)
    chunks = _chunks(content.rows, pages)
    for number, chunk in enumerate(chunks):
        canvas = Canvas(dpi, style=style)
        left, width = canvas.px(10), canvas.px(277)
        y = canvas.px(16)
        if number == 0:
            canvas.text(canvas.px(148.5), canvas.px(22), f"{content.title}落实情况报表", 13, bold=True, anchor="mm")
            if content.mark:
                module = max(3, round(0.7 / 25.4 * dpi))
                code = qr_image(content.mark, module)
                canvas.image.paste(code, (left + width - code.width - canvas.px(8), canvas.px(14)))
            week_line = f"报送周：{_cn(content.week)}（周四）12时前报送"
            canvas.text(left, canvas.px(44), week_line, 8, anchor="lb", fill=(64, 64, 64))
            y = canvas.px(45)
        widths = scaled(WIDTHS, width)
        info = _info_row(content)
        info_widths = widths[:7] + [widths[7] + widths[8]]
        y = draw_table(canvas, left, y, info_widths, [info], BODY_PT).ys[-1]
        header = [Cell(h, "center", True, HEADER_FILL) for h in HEADERS]
        body = [_product_row(r) for r in chunk]
        box = draw_table(canvas, left, y, widths, [header, *body], BODY_PT, min_lines=[2] + [3] * len(body))
        y = box.ys[-1]
        if number == len(chunks) - 1:
            spot = _seal_lines(canvas, left, y, widths)
        footer = f"第 {number + 1} 页，共 {len(chunks)} 页"
        if content.footer_week:  # as the template prints it since the footer names the week
            footer = f"报送周：{_cn(content.week)}　{footer}"
        canvas.text(canvas.px(148.5), canvas.px(203), footer, 8, anchor="mm")
        out.append(canvas.image)
    return Drawn(out, spot, box, HEADERS.index("完成状态"))


def _info_row(content: FormContent) -> list[Cell]:
    values = ["填报单位", content.unit_written, "联系人", content.contact, "联系电话", content.phone, "填报日期"]
    cells = [Cell(v, "center" if i % 2 == 0 else "left", i % 2 == 0) for i, v in enumerate(values)]
    cells[0].pt = BODY_PT * 0.85  # 填报单位 in the narrow 序号 column
    return [*cells, Cell(content.filled_on.isoformat() if content.filled_on else "", "center")]


def _product_row(row: FormRow) -> list[Cell]:
    values = [str(row.no), row.text, row.role, row.written, row.progress, row.issues, row.next_steps]
    cells = [Cell(v, "center" if i in (0, 2, 3) else "left") for i, v in enumerate(values)]
    return [*cells, Cell(_expected(row.expected), "center"), Cell("")]


def _seal_lines(canvas: Canvas, left: int, y: int, widths: list[int]) -> tuple[int, int]:
    """The note and the 盖章/签字/日期 line under the table; returns where the seal is stamped."""
    note = "注：本表打印后须经单位负责人签字并加盖单位公章，扫描件与电子版一并报送。"
    canvas.text(left, y + canvas.px(4), note, 8, anchor="lt")
    line_y = y + canvas.px(10)
    canvas.text(left, line_y, "填报单位（盖章）：", 8, bold=True, anchor="lt")
    canvas.text(left + sum(widths[:4]), line_y, "负责人（签字）：", 8, bold=True, anchor="lt")
    canvas.text(left + sum(widths[:6]), line_y, "日期：　　　　年　　月　　日", 8, bold=True, anchor="lt")
    return left + sum(widths[:2]) - canvas.px(10), line_y + canvas.px(8)


# ----------------------------------------------------------------- units' own forms
def draw_selfmade(content: FormContent, dpi: int, rng: random.Random, pages: int = 1) -> Drawn:
    """A unit's own layout: portrait, typed 填报单位/报送日期 lines, other column order and wording, no QR."""
    extras = ["issues", "next_steps", "expected"]
    rng.shuffle(extras)
    columns = ["status", "progress", *extras[: rng.choice((1, 2, 3))]]
    rng.shuffle(columns)
    keys = ["no", *columns]
    labels = [rng.choice(SYNONYMS[k]) for k in keys]
    numbering = rng.choice(["{}", "第{}条", "{}、"])
    share = {"no": 1.1, "status": 1.6, "progress": 4.0, "issues": 2.6, "next_steps": 2.6, "expected": 1.8}
    style = rng.choice(["serif", "sans"])
    chunks = _chunks(content.rows, pages)
    out, box, spot = [], None, (0, 0)
    for number, chunk in enumerate(chunks):
        canvas = Canvas(dpi, A4_PORTRAIT_MM, style=style)
        left, width = canvas.px(18), canvas.px(174)
        y = canvas.px(22)
        if number == 0:
            title = rng.choice(
                [
                    f"{content.unit_written}洛济深度融合措施落实情况",
                    "洛阳济源同城一体深度融合工作进展情况表",
                    f"关于报送洛济融合重点工作推进情况的报告（{_cn(content.week)}）",
                ]
            )
            for line in canvas.wrap(title, 14, width, True):
                canvas.text(canvas.px(105), y, line, 14, bold=True, anchor="mt")
                y += canvas.line_height(14)
            y += canvas.px(6)
            sent = content.week if rng.random() < 0.6 else content.filled_on
            canvas.text(left, y, f"填报单位：{content.unit_written}", 10.5, anchor="lt")
            canvas.text(left + width, y, f"报送日期：{_cn(sent)}", 10.5, anchor="rt")
            y += canvas.px(9)
        widths = scaled([share[k] for k in keys], width)
        header = [Cell(lab, "center", True) for lab in labels]
        body = [[_own_cell(k, r, numbering) for k in keys] for r in chunk]
        box = draw_table(canvas, left, y, widths, [header, *body], 9.5, min_lines=[1] + [2] * len(body))
        if number == len(chunks) - 1:
            y = box.ys[-1] + canvas.px(8)
            canvas.text(left, y, f"联系人：{content.contact}　　联系电话：{content.phone}", 10.5, anchor="lt")
            canvas.text(left + width, y + canvas.px(14), f"{content.unit_written}", 10.5, anchor="rt")
            canvas.text(left + width, y + canvas.px(22), _cn(content.filled_on), 10.5, anchor="rt")
            spot = (left + width - canvas.px(28), y + canvas.px(18))
        out.append(canvas.image)
    return Drawn(out, spot, box, keys.index("status"))


def _own_cell(key: str, row: FormRow, numbering: str) -> Cell:
    if key == "no":
        return Cell(numbering.format(row.no), "center")
    if key == "status":
        return Cell(row.written, "center")
    if key == "expected":
        return Cell(_cn(row.expected) if row.expected else "", "center")
    return Cell(getattr(row, key))
