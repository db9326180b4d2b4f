"""Parse and validate one returned workbook: find the table, read the header block and rows, identify unit and week.

Layouts are located by their labels, never by fixed cell addresses: units add title rows, merge cells,
move columns and rename sheets. Every finding is a Problem pointing at the sheet and cell concerned.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..master import UnitDirectory
from ..models import DONE, MasterList, ParsedReturn, ReturnRow, WorkbookData
from ..problems import Problem, problem
from . import normalize as nz
from .layout import Block, Table, find_table, is_blank_row, is_heading, read_block

NO_ROWS_REASON = "表中没有读到任何有效的措施行"
_SOURCE_LABELS = {"template": "模板标识", "block": "填报单位", "email": "发件人邮箱", "file": "文件名"}


@dataclass
class _Context:
    """Where problems point and who they concern, shared by the helpers of one parse."""

    book: WorkbookData
    sheet: str = ""
    problems: list[Problem] = field(default_factory=list)

    def add(self, code: str, cell: str = "", **fields: Any) -> None:
        self.problems.append(problem(code, file=self.book.file.display, sheet=self.sheet, cell=cell, **fields))


def parse_workbook(
    book: WorkbookData,
    master: MasterList,
    directory: UnitDirectory,
    *,
    deadline_weekday: int = 4,
    today: date | None = None,
) -> tuple[ParsedReturn | None, list[Problem]]:
    """Turn one workbook into a ParsedReturn plus every problem found; None if it holds no return table."""
    ctx = _Context(book)
    table = find_table(book.sheets)
    if table is None:
        ctx.add("no-table")
        return None, ctx.problems
    ctx.sheet = table.sheet.name
    block = read_block(table)
    unit, unit_reason = _identify_unit(ctx, block, directory)
    week, week_source, filled_on = _identify_week(ctx, block, master, deadline_weekday, today)
    contact, phone = _check_contact(ctx, block)
    base_year = week.year if week else (filled_on.year if filled_on else None)
    rows = _read_rows(ctx, table, master, unit, base_year, today)
    errors = []
    if unit is None:
        errors.append(unit_reason)
    if not rows:
        ctx.add("no-rows")
        errors.append(NO_ROWS_REASON)
    parsed = ParsedReturn(
        file=book.file,
        sheet=table.sheet.name,
        unit=unit,
        week=week,
        week_source=week_source,
        contact=contact,
        phone=phone,
        filled_on=filled_on,
        rows=rows,
        identity=dict(book.identity),
        errors=errors,
    )
    found = [dataclasses.replace(p, unit=p.unit or unit or "") for p in ctx.problems]
    return parsed, found


# ----------------------------------------------------------------- unit
def _identify_unit(ctx: _Context, block: Block, directory: UnitDirectory) -> tuple[str | None, str]:
    """First unit named by: template identity, 填报单位, sender address, file name; warns if they disagree."""
    said: list[tuple[str, str]] = []
    written = nz.text(block.value("unit"))
    ident = str(ctx.book.identity.get("unit") or "").strip()
    if ident:
        known = directory.get(ident)
        unit = known.name if known else directory.match(ident).unit
        if unit:
            said.append(("template", unit))
        else:
            ctx.add("template-unit-unknown", name=ident)
    block_note = _match_block_unit(ctx, block, directory, written, said)
    sender = (ctx.book.file.sender or "").strip()
    if sender and (unit := directory.by_email(sender).unit):
        said.append(("email", unit))
    if unit := directory.find_in_text(ctx.book.file.display).unit:
        said.append(("file", unit))
    if not said:
        reason = f"{block_note}，发件人和文件名中也找不到单位名录中的单位，请在表中“填报单位”处填写单位名称"
        ctx.add("unit-unknown", cell=block.cell("unit"), reason=reason)
        return None, reason
    chosen = said[0][1]
    if any(unit != chosen for _, unit in said):
        details = "；".join(f"{_SOURCE_LABELS[source]}为“{unit}”" for source, unit in said)
        ctx.add("unit-conflict", details=details, chosen=chosen)
    return chosen, ""


def _match_block_unit(
    ctx: _Context, block: Block, directory: UnitDirectory, written: str, said: list[tuple[str, str]]
) -> str:
    """Match the 填报单位 text; returns a phrase for the unit-unknown reason."""
    if not written:
        return "表中未填写填报单位"
    match = directory.match(written)
    if match.unit is None and not match.ambiguous:
        match = directory.find_in_text(written)  # "洛阳市交通运输局综合科", "市卫健委（盖章）"
    if match.unit:
        said.append(("block", match.unit))
        return ""
    if match.ambiguous:
        ctx.add("unit-ambiguous", cell=block.cell("unit"), name=written, candidates=match.candidates)
        return f"填报单位“{written}”可对应多个单位（{'、'.join(match.candidates)}）"
    ctx.add("unit-name-unknown", cell=block.cell("unit"), name=written)
    return f"填报单位“{written}”不在单位名录中"


# ----------------------------------------------------------------- week
def _identify_week(
    ctx: _Context, block: Block, master: MasterList, weekday: int, today: date | None
) -> tuple[date | None, str, date | None]:
    """(week, week_source, filled_on): template identity first, then 填报日期, else left to arrival time."""
    ident = ctx.book.identity
    list_id = str(ident.get("list_id") or "").strip()
    if list_id and list_id != master.list_id:
        ctx.add("template-other-list", list_id=list_id, expected=master.list_id)
    template_week = _iso_date(str(ident.get("week") or ""))
    raw = block.value("filled")
    base_year = template_week.year if template_week else None
    filled_on = nz.parse_date(raw, base_year, today)
    if filled_on is None and not nz.is_blank(raw):
        ctx.add("date-invalid", cell=block.cell("filled"), value=nz.text(raw))
    filled_week = filled_on + timedelta(days=(weekday - filled_on.isoweekday()) % 7) if filled_on else None
    if template_week:
        if filled_week and filled_week != template_week:
            details = f"模板标识为 {template_week.isoformat()} 这一周，填报日期 {filled_on} 属于 {filled_week} 这一周"
            ctx.add("week-conflict", cell=block.cell("filled"), details=details, chosen=template_week.isoformat())
        return template_week, "template", filled_on
    if filled_week:
        return filled_week, "填报日期", filled_on
    return None, "received", filled_on


def _iso_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


# ----------------------------------------------------------------- contact
def _check_contact(ctx: _Context, block: Block) -> tuple[str, str]:
    """联系人 and 联系电话, normalised; missing or malformed values are flagged at their cells."""
    contact = nz.text(block.value("contact"))
    if not contact:
        ctx.add("contact-missing", cell=block.cell("contact"))
    raw_phone = block.value("phone")
    phone, valid = nz.phone(raw_phone)
    if not phone:
        ctx.add("phone-missing", cell=block.cell("phone"))
    elif not valid:
        ctx.add("phone-invalid", cell=block.cell("phone"), value=nz.text(raw_phone))
    for key in ("unit", "contact", "phone", "filled"):
        _check_formula(ctx, block.value(key), block.cell(key))
    return contact, phone


def _check_formula(ctx: _Context, value: Any, cell: str) -> None:
    """Text that looks like a formula is kept literally; say so, since Excel would have shown something else."""
    if isinstance(value, str) and value.strip().startswith("="):
        shown = nz.text(value)
        ctx.add("formula-text", cell=cell, value=shown if len(shown) <= 60 else shown[:57] + "…")


# ----------------------------------------------------------------- rows
def _read_rows(
    ctx: _Context,
    table: Table,
    master: MasterList,
    unit: str | None,
    base_year: int | None,
    today: date | None,
) -> list[ReturnRow]:
    """Measure rows from below the header to the footer; later duplicates replace earlier ones."""
    by_no: dict[int, ReturnRow] = {}
    for index in range(table.header + 1, table.end):
        cells = table.cells(index)
        if (
            is_blank_row(table.sheet.rows[index])
            or is_heading(cells, table.sheet.rows[index])
            or table.is_header_row(index)
        ):
            continue
        row = _read_row(ctx, table, index, cells, master, unit, base_year, today)
        if row is None:
            continue
        if row.measure_no in by_no:
            earlier = by_no.pop(row.measure_no)
            ctx.add("measure-duplicate", cell=table.ref("no", index), no=row.measure_no, other_row=earlier.row)
        by_no[row.measure_no] = row
    if unit is not None:
        _check_missing(ctx, master, unit, by_no)
    return sorted(by_no.values(), key=lambda r: r.row)


def _read_row(
    ctx: _Context,
    table: Table,
    index: int,
    cells: dict[str, Any],
    master: MasterList,
    unit: str | None,
    base_year: int | None,
    today: date | None,
) -> ReturnRow | None:
    """One row → ReturnRow, or None when it cannot be tied to a measure of this unit."""
    for key, value in cells.items():
        _check_formula(ctx, value, table.ref(key, index))
    no = _measure_of_row(ctx, table, index, cells, master)
    if no is None:
        return None
    measure = master.measure(no)
    if unit is not None and measure is not None and unit not in measure.units:
        ctx.add("measure-not-assigned", cell=table.ref("no", index), no=no)
        return None
    row = ReturnRow(
        measure_no=no,
        status=_row_status(ctx, table, index, cells.get("status"), no),
        progress=nz.text(cells.get("progress")),
        issues=nz.text(cells.get("issues")),
        next_steps=nz.text(cells.get("next_steps")),
        expected=_row_date(ctx, table, index, cells.get("expected"), base_year, today),
        remark=nz.text(cells.get("remark")),
        role=measure.role_of(unit) if unit and measure else "",
        row=index + 1,
    )
    if not row.progress and row.status != DONE:
        ctx.add("progress-empty", cell=table.ref("progress", index), no=no)
    return row


def _measure_of_row(ctx: _Context, table: Table, index: int, cells: dict[str, Any], master: MasterList) -> int | None:
    """The master measure number of a row, from 序号 or, when 序号 is blank, from the measure text."""
    raw = cells.get("no")
    cell = table.ref("no", index)
    if nz.is_blank(raw):
        no = _measure_by_text(master, cells.get("text"))
        if no is not None:
            ctx.add("measure-no-inferred", cell=cell, no=no)
            return no
        content = next((nz.text(v) for v in cells.values() if not nz.is_blank(v)), "")
        ctx.add("measure-no-empty", cell=cell, value=content if len(content) <= 30 else content[:29] + "…")
        return None
    no = nz.measure_no(raw)
    if no is None or master.measure(no) is None:
        ctx.add("measure-unknown", cell=cell, value=nz.text(raw))
        return None
    return no


def _measure_by_text(master: MasterList, value: Any) -> int | None:
    """A measure whose text the cell repeats (possibly cut short); None unless exactly one fits."""
    key = nz.label_key(value)
    if len(key) < 8:
        return None
    hits = [m.no for m in master.measures if (other := nz.label_key(m.text)) and (key in other or other in key)]
    return hits[0] if len(hits) == 1 else None


def _row_status(ctx: _Context, table: Table, index: int, raw: Any, no: int) -> str | None:
    cell = table.ref("status", index)
    if nz.is_blank(raw):
        ctx.add("status-empty", cell=cell, no=no)
        return None
    found = nz.status(raw)
    if found is None:
        ctx.add("status-unknown", cell=cell, value=nz.text(raw))
    return found


def _row_date(
    ctx: _Context, table: Table, index: int, raw: Any, base_year: int | None, today: date | None
) -> date | None:
    if nz.is_blank(raw):
        return None
    found = nz.parse_date(raw, base_year, today)
    if found is None:
        ctx.add("date-invalid", cell=table.ref("expected", index), value=nz.text(raw))
    return found


def _check_missing(ctx: _Context, master: MasterList, unit: str, by_no: dict[int, ReturnRow]) -> None:
    missing = [m.no for m in master.measures_of(unit) if m.no not in by_no]
    if missing:
        ctx.add("measure-missing", nos=missing)
