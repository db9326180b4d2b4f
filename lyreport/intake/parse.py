"""Parse and validate one returned workbook: find the table, read the header block and rows, identify unit and week.

Layouts are located by their labels, never by fixed cell addresses: units add title rows, merge cells,
move columns and rename sheets. Every finding is a Problem pointing at the sheet and cell concerned.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

from ..master import UnitDirectory
from ..models import DONE, MasterList, ParsedReturn, ReturnRow, WorkbookData
from ..problems import Problem
from . import normalize as nz
from .attribution import Context, identify_unit, infer_unit
from .layout import Block, Table, find_tables, is_blank_row, is_heading, is_total, read_block

NO_ROWS_REASON = "表中没有读到任何有效的措施行"
GROUP_AFTER = 3  # more measures of other units than this are reported in one line


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
        dry = [r.measure_no for r in _read_rows(Context(book, ctx.sheet), table, master, None, base_year, today)]
        unit = infer_unit(master, dry)
        if unit:
            ctx.add("unit-inferred", cell=block.cell("unit"), unit=unit, nos=sorted(set(dry)))
    if unit is None:
        ctx.add("unit-unknown", cell=block.cell("unit"), reason=unit_reason)
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
    if template_week and filled_week and filled_week > template_week and _arrived_in(ctx, filled_week):
        # Last week's form reused with this week's 填报日期, and it arrived that week: two visible sources agree.
        ctx.add(
            "week-template-old",
            cell=block.cell("filled"),
            template_week=template_week.isoformat(),
            filled=filled_on,
            week=filled_week.isoformat(),
        )
        return filled_week, "填报日期", filled_on
    if template_week:
        if filled_week and filled_week != template_week:
            details = f"模板标识为 {template_week.isoformat()} 这一周，填报日期 {filled_on} 属于 {filled_week} 这一周"
            ctx.add("week-conflict", cell=block.cell("filled"), details=details, chosen=template_week.isoformat())
        return template_week, "template", filled_on
    if filled_week:
        return filled_week, "填报日期", filled_on
    return None, "received", filled_on


def _arrived_in(ctx: Context, week: date) -> bool:
    """Whether the file arrived after the previous deadline day and at most three days after this one (late)."""
    received = ctx.book.file.received_at.date()
    return week - timedelta(days=7) < received <= week + timedelta(days=3)


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
        _check_formula(ctx, block.value(key), block.cell(key))
    return contact, phone


def _check_formula(ctx: Context, value: Any, cell: str) -> None:
    """Text that looks like a formula is kept literally; say so, since Excel would have shown something else."""
    if isinstance(value, str) and value.strip().startswith("="):
        shown = nz.text(value)
        ctx.add("formula-text", cell=cell, value=shown if len(shown) <= 60 else shown[:57] + "…")


# ----------------------------------------------------------------- rows
def _read_rows(
    ctx: Context,
    table: Table,
    master: MasterList,
    unit: str | None,
    base_year: int | None,
    today: date | None,
) -> list[ReturnRow]:
    """Measure rows from below the header to the footer; later duplicates replace earlier ones."""
    by_no: dict[int, ReturnRow] = {}
    ctx.not_assigned = []
    for index in range(table.header + 1, table.end):
        cells = table.cells(index)
        line = table.sheet.rows[index]
        if (
            is_blank_row(line)
            or is_heading(cells, line)
            or table.is_header_row(index)
            or (is_total(line) and nz.measure_no(cells.get("no")) is None)
        ):
            continue
        row = _read_row(ctx, table, index, cells, master, unit, base_year, today)
        if row is None:
            continue
        if row.measure_no in by_no:
            earlier = by_no.pop(row.measure_no)
            ctx.add("measure-duplicate", cell=table.ref("no", index), no=row.measure_no, other_row=earlier.row)
        by_no[row.measure_no] = row
    _report_not_assigned(ctx, ctx.not_assigned)
    if unit is not None:
        _check_missing(ctx, master, unit, by_no)
    return sorted(by_no.values(), key=lambda r: r.row)


def _report_not_assigned(ctx: Context, found: list[tuple[int, str]]) -> None:
    """A unit that pasted the whole list gets one line about the other units' measures, not thirty."""
    if len(found) > GROUP_AFTER:
        ctx.add("measure-not-assigned", cell=found[0][1], no=[no for no, _ in found])
        return
    for no, cell in found:
        ctx.add("measure-not-assigned", cell=cell, no=no)


def _read_row(
    ctx: Context,
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
    no = _measure_of_row(ctx, table, index, cells, master, unit)
    if no is None:
        return None
    measure = master.measure(no)
    if unit is not None and measure is not None and unit not in measure.units:
        ctx.not_assigned.append((no, table.ref("no", index)))
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


def _measure_of_row(
    ctx: Context, table: Table, index: int, cells: dict[str, Any], master: MasterList, unit: str | None
) -> int | None:
    """The master measure number of a row, from 序号; the measure text wins when it names another of the unit's."""
    raw = cells.get("no")
    cell = table.ref("no", index)
    by_text = _measure_by_text(master, cells.get("text"))
    if nz.is_blank(raw):
        no = by_text
        if no is not None:
            ctx.add("measure-no-inferred", cell=cell, no=no)
            return no
        content = next((nz.text(v) for v in cells.values() if not nz.is_blank(v)), "")
        ctx.add("measure-no-empty", cell=cell, value=content if len(content) <= 30 else content[:29] + "…")
        return None
    no = nz.measure_no(raw)
    # People typing a return from scratch number their own rows 1, 2, 3 … while pasting the measure text.
    if by_text is not None and by_text != no and (unit is None or unit in master.measure(by_text).units):  # type: ignore[union-attr]
        ctx.add("measure-no-mismatch", cell=cell, value=nz.text(raw), no=by_text)
        return by_text
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


def _row_status(ctx: Context, table: Table, index: int, raw: Any, no: int) -> str | None:
    cell = table.ref("status", index)
    if nz.is_blank(raw):
        ctx.add("status-empty", cell=cell, no=no)
        return None
    found, interpreted = nz.read_status(raw)
    if found is None:
        ctx.add("status-unknown", cell=cell, value=nz.text(raw))
    elif interpreted:
        ctx.add("status-interpreted", cell=cell, value=nz.text(raw), status=found)
    return found


def _row_date(
    ctx: Context, table: Table, index: int, raw: Any, base_year: int | None, today: date | None
) -> date | None:
    if nz.is_blank(raw):
        return None
    found = nz.parse_date(raw, base_year, today)
    if found is None and not nz.is_no_date_word(raw):
        ctx.add("date-invalid", cell=table.ref("expected", index), value=nz.text(raw))
    return found


def _check_missing(ctx: Context, master: MasterList, unit: str, by_no: dict[int, ReturnRow]) -> None:
    missing = [m.no for m in master.measures_of(unit) if m.no not in by_no]
    if missing:
        ctx.add("measure-missing", nos=missing)
