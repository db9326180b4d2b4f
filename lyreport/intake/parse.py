"""Parse and validate one returned workbook: find the table, read the header block and rows, identify unit and week.

Layouts are located by their labels, never by fixed cell addresses: units add title rows, merge cells,
move columns and rename sheets. Every finding is a Problem pointing at the sheet and cell concerned.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from ..master import UnitDirectory
from ..models import MasterList, ParsedReturn, WorkbookData
from ..problems import Problem
from . import normalize as nz
from .attribution import Context, identify_unit, infer_unit
from .layout import Block, Table, find_tables, read_block
from .rows import check_formula, read_rows

NO_ROWS_REASON = "表中没有读到任何有效的措施行"


def parse_workbook(
    book: WorkbookData,
    master: MasterList,
    directory: UnitDirectory,
    *,
    deadline_weekday: int = 4,
    today: date | None = None,
) -> tuple[ParsedReturn | None, list[Problem]]:
    """Turn one workbook into a ParsedReturn plus every problem found; None if it holds no return table."""
    ctx = Context(book)
    tables = find_tables(book.sheets)
    if not tables:
        ctx.add("no-table")
        return None, ctx.problems
    ctx.sheet = tables[0].sheet.name
    table, block = _latest_table(ctx, tables)
    unit, unit_reason, _ = identify_unit(ctx, block, directory)
    week, week_source, filled_on = _identify_week(ctx, block, master, deadline_weekday, today)
    contact, phone = _check_contact(ctx, block)
    base_year = week.year if week else (filled_on.year if filled_on else None)
    if unit is None and not unit_reason.startswith("填报单位“"):
        # Nothing names a unit (a pandas export, an anonymous file): the measures reported may still say whose.
        dry = [r.measure_no for r in read_rows(Context(book, ctx.sheet), table, master, None, base_year, today)]
        unit = infer_unit(master, dry)
        if unit:
            ctx.add("unit-inferred", cell=block.cell("unit"), unit=unit, nos=sorted(set(dry)))
    if unit is None:
        ctx.add("unit-unknown", cell=block.cell("unit"), reason=unit_reason)
    rows = read_rows(ctx, table, master, unit, base_year, today)
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


def _latest_table(ctx: Context, tables: list[Table]) -> tuple[Table, Block]:
    """Of several returns pasted into one sheet, the one with the latest 填报日期 (the last one on a tie)."""
    blocks = [read_block(t) for t in tables]
    if len(tables) == 1:
        return tables[0], blocks[0]
    filled = [nz.parse_date(b.value("filled")) or date.min for b in blocks]
    chosen = max(range(len(tables)), key=lambda i: (filled[i], i))
    rows = "、".join(str(t.header + 1) for t in tables)
    ctx.add("table-several", count=len(tables), rows=rows, row=tables[chosen].header + 1)
    return tables[chosen], blocks[chosen]


# ----------------------------------------------------------------- week
def _identify_week(
    ctx: Context, block: Block, master: MasterList, weekday: int, today: date | None
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
def _check_contact(ctx: Context, block: Block) -> tuple[str, str]:
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
        check_formula(ctx, block.value(key), block.cell(key))
    return contact, phone


