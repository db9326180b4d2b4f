"""Parse and validate one returned workbook: find the table, read the header block and rows, identify unit and week.

Layouts are located by their labels, never by fixed cell addresses: units add title rows, merge cells,
move columns and rename sheets. Every finding is a Problem pointing at the sheet and cell concerned.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from ..models import DONE, MasterList, ParsedReturn, ReturnRow, SheetData, WorkbookData
from ..prefill import IDENTITY_KEY as PREFILL_KEY
from ..prefill import fingerprint
from ..problems import Problem
from ..unitnames import UnitDirectory
from ..weeks import week_day_of
from . import normalize as nz
from .attribution import Context, identify_unit, named_around, own_name, settle_unnamed, units_in_text
from .cellchecks import check_formula
from .cellrefs import cell_index, cell_ref
from .choose import Group, choose_tables, report_columns
from .errorvalues import meaning as error_meaning
from .headblock import Block
from .layout import Table, find_all_tables, tick_columns
from .otherlist import other_list_of
from .rows import check_missing, read_rows

NO_ROWS_REASON = "表中没有读到任何有效的措施行"
BLANK_REASON = "报表未填写（完成状态和本周进展均为空）"
UNCHANGED_REASON = "报表与模板预填的上次报送内容完全相同，未更新本周情况"
TICK_REASON = "完成状态按每种状态一列打勾填写，未填写状态词"
BLOCK_FIELDS = {"unit": "填报单位", "contact": "联系人", "phone": "联系电话", "filled": "填报日期"}
NO_UNIT_WRITTEN = "表中未填写填报单位"
UNIT_UNREADABLE = "表中“填报单位”单元格无法读取"


def parse_workbook(
    book: WorkbookData,
    master: MasterList,
    directory: UnitDirectory,
    *,
    deadline_weekday: int = 4,
    today: date | None = None,
) -> tuple[ParsedReturn | None, list[Problem]]:
    """The workbook's main return plus every problem found; None if it holds no return table."""
    returns, problems = parse_returns(book, master, directory, deadline_weekday=deadline_weekday, today=today)
    return (returns[0] if returns else None), problems


def parse_returns(
    book: WorkbookData,
    master: MasterList,
    directory: UnitDirectory,
    *,
    deadline_weekday: int = 4,
    today: date | None = None,
) -> tuple[list[ParsedReturn], list[Problem]]:
    """Every return in one workbook (usually one; a second unit's sheet is that unit's return) and the problems."""
    ctx = Context(book)
    tables = find_all_tables(book.sheets)
    if not tables:
        ctx.add("no-table")
        return [], ctx.problems
    ctx.sheet = tables[0].sheet.name
    ident = str(book.identity.get("unit") or "").strip()
    known = directory.get(ident) if ident else None
    main_unit = known.name if known else (directory.match(ident).unit if ident else None)
    if main_unit is None and len(tables) > 1:  # the file name or sender says whose file it is, to choose by
        main_unit = (
            units_in_text(directory, own_name(book.file.display)).unit or directory.by_email(book.file.sender).unit
        )
        if main_unit is None and (around := named_around(directory, book.file)):
            main_unit = around[0]
    # The week the template was made for: the 填报日期 its sheets should bear (arrival alone is no such proof).
    made_for = _iso_date(str(book.identity.get("week") or ""))
    groups = choose_tables(ctx, tables, directory, main_unit, master, week=made_for, weekday=deadline_weekday)
    returns: list[ParsedReturn] = []
    found: list[Problem] = []
    for number, group in enumerate(groups):
        data = book
        if number and group.unit:  # this sheet was split off because it names another unit: that unit it is
            # What the template prefilled was the main unit's: it says nothing about this sheet.
            identity = {k: v for k, v in book.identity.items() if k != PREFILL_KEY}
            data = dataclasses.replace(book, identity={**identity, "unit": group.unit})
        parsed, more = _parse_group(data, group, master, directory, deadline_weekday, today)
        if number:
            # The file name and sender name the file's main unit; this sheet was split off for naming another.
            more = [p for p in more if p.code != "unit-conflict"]
            sheet = group.tables[0].table.sheet.name
            ctx.add("sheet-other-unit", sheet_name=sheet, other=parsed.unit or group.unit or "另一单位")
        returns.append(parsed)
        found += more
    main = returns[0].unit or ""
    return returns, [dataclasses.replace(p, unit=p.unit or main) for p in ctx.problems] + found


def _parse_group(
    book: WorkbookData,
    group: Group,
    master: MasterList,
    directory: UnitDirectory,
    weekday: int,
    today: date | None,
) -> tuple[ParsedReturn, list[Problem]]:
    """One unit's return from its chosen table(s): header block of the first, rows of all."""
    first = group.tables[0]
    table, block = first.table, first.block
    ctx = Context(book, table.sheet.name)
    if table.sheet.hidden:  # only a hidden sheet holds a table: read it, but never silently
        ctx.add("sheet-hidden-read", sheet_name=table.sheet.name)

    other = None
    if str(book.identity.get("list_id") or master.list_id).strip() == master.list_id:  # else said by its mark
        other = other_list_of([c.table for c in group.tables], master)

    def measures(base_year: int | None = None) -> list[int]:
        """The measure numbers the tables report, read without the unit (its problems are not kept)."""
        if other is not None:  # another list's numbers say nothing of whose return this is here
            return []
        return [
            r.measure_no
            for c in group.tables
            for r in read_rows(Context(book, ctx.sheet), c.table, master, None, base_year, today)
        ]

    cant_read = _unreadable_fields(table.sheet, block)
    unit, unit_reason, _ = identify_unit(ctx, block, directory, master, measures)
    if "unit" in cant_read and unit_reason.startswith(NO_UNIT_WRITTEN):
        unit_reason = UNIT_UNREADABLE + unit_reason[len(NO_UNIT_WRITTEN) :]
    week, week_source, filled_on = _identify_week(ctx, block, master, weekday, today)
    contact, phone = _check_contact(ctx, block, cant_read)
    for key in ("unit", "contact", "phone", "filled"):  # =TODAY() written by a program: no value saved
        if key in cant_read:
            cell, error = cant_read[key]
            if error is None:
                ctx.add("formula-no-value", cell=cell)
            else:
                ctx.add("cell-error", cell=cell, field=BLOCK_FIELDS[key], value=error, meaning=error_meaning(error))
        elif key == "filled" and block.cell(key) and nz.is_blank(block.value(key)):
            # The form has the field and it was left empty: said, like a missing 联系人, since the week then
            # rests on the template or the arrival time alone. Self-made tables without it are not told to add one.
            ctx.add("date-missing", cell=block.cell(key))
    base_year = week.year if week else (filled_on.year if filled_on else None)
    other_place = any(p.code in ("unit-other-place", "unit-other-place-unlisted") for p in ctx.problems)
    if unit is None and not other_place:
        # Nothing on the form names a unit (a pandas export, an anonymous file): the mail or folder it came in,
        # or the measures reported, may still say whose. A file named for another place's body
        # ("济源市交通运输局.xlsx") is not anonymous: no guessing then; nor is a 填报单位 we cannot match.
        guess = not unit_reason.startswith("填报单位“")
        unit = settle_unnamed(ctx, block.cell("unit"), directory, master, measures(base_year), guess=guess)
    if unit is None:
        ctx.add("unit-unknown", cell=block.cell("unit"), reason=unit_reason)
    rows = []
    for cand in group.tables if other is None else []:  # another list's return: no status is read
        ctx.sheet = cand.table.sheet.name
        report_columns(ctx, cand.table)
        rows += read_rows(ctx, cand.table, master, unit, base_year, today)
    ctx.sheet = table.sheet.name
    if other is not None:
        ctx.add("return-other-list", cell=other.cell, other=other.title, evidence=other.evidence, expected=master.title)
    elif unit is not None:
        check_missing(ctx, master, unit, {r.measure_no for r in rows})
    errors = []
    if unit is None:
        errors.append(unit_reason)
    if other is not None:
        pass  # set aside for this list, like a template marked for another list (assign.py)
    elif ticked := _ticked(group):
        _said_ticked(ctx, *ticked)
        errors.append(TICK_REASON)
    elif not rows:
        ctx.add("no-rows")
        errors.append(NO_ROWS_REASON)
    elif all(r.status is None and not r.progress for r in rows):
        # A blank template sent back: one clear error instead of an empty-cell note per measure.
        ctx.problems = [p for p in ctx.problems if p.code not in ("status-empty", "progress-empty")]
        ctx.add("return-blank")
        errors.append(BLANK_REASON)
    elif _sent_back_unchanged(book, rows, filled_on):
        ctx.add("return-unchanged")
        errors.append(UNCHANGED_REASON)
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
        other_list=other.title if other else "",
    )
    return parsed, [dataclasses.replace(p, unit=p.unit or unit or "") for p in ctx.problems]


def _ticked(group: Group) -> tuple[Table, int, list[int]] | None:
    """The first of the group's tables ticked per status column, with its labels' row and columns."""
    for cand in group.tables:
        if found := tick_columns(cand.table):
            return cand.table, *found
    return None


def _said_ticked(ctx: Context, table: Table, index: int, cols: list[int]) -> None:
    """One error for a form ticked per status column, in place of what reading it as a status column said: each
    row 未填写完成状态 or its tick an unknown status, the labels' row an unknown measure."""
    labels = table.sheet.rows[index]

    def misread(p: Problem) -> bool:
        at = cell_index(p.cell) if p.sheet == table.sheet.name else None
        return at is not None and (p.code.startswith("status-") or at[0] == index)

    ctx.problems = [p for p in ctx.problems if not misread(p)]
    sheet, ctx.sheet = ctx.sheet, table.sheet.name
    cells = f"{cell_ref(cols[0], index)}:{cell_ref(cols[-1], index)}"
    ctx.add("status-tick-columns", cell=cells, words="、".join(str(labels[c]).strip() for c in cols))
    ctx.sheet = sheet


def _sent_back_unchanged(book: WorkbookData, rows: list[ReturnRow], filled_on: date | None) -> bool:
    """The office's prefilled form (last report's statuses and texts) sent back without a change: not this week's
    report. Only a unit whose every measure was done already may confirm it unchanged, by dating the form."""
    prefilled = str(book.identity.get(PREFILL_KEY) or "").strip()
    if not prefilled or fingerprint(rows) != prefilled:
        return False
    return filled_on is None or any(r.status != DONE for r in rows)


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
    # A scan without a readable QR code: the week printed on its pages stands for the template's identity.
    source, named = ("printed", "页面印的报送周") if ident.get("week_from") == "printed" else ("template", "模板标识")
    raw = block.value("filled")
    base_year = template_week.year if template_week else None
    # A return cannot be filled in after it arrived: "12月30日" received 2021-01-07 is 2020-12-30.
    received = ctx.book.file.received_at  # None where a grid is read on its own (a scan's pages in tests)
    filled_on = nz.parse_day(raw, base_year, today, not_after=received.date() if received else None)
    if filled_on is None and nz.parse_date(raw, base_year, today) is not None:
        # "2021年1月" names a month: taking its last day would put the return weeks after it arrived.
        ctx.add("date-not-day", cell=block.cell("filled"), value=nz.text(raw))
    elif filled_on is None and not nz.is_blank(raw):
        ctx.add("date-invalid", cell=block.cell("filled"), value=nz.text(raw))
    filled_week = week_day_of(filled_on, weekday) if filled_on else None
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
            details = f"{named}为 {template_week.isoformat()} 这一周，填报日期 {filled_on} 属于 {filled_week} 这一周"
            ctx.add("week-conflict", cell=block.cell("filled"), details=details, chosen=template_week.isoformat())
        return template_week, source, filled_on
    if filled_week:
        return filled_week, "填报日期", filled_on
    return None, "received", filled_on


def _arrived_in(ctx: Context, week: date) -> bool:
    """Whether the file arrived after the previous deadline day and at most three days after this one (late)."""
    if ctx.book.file.received_at is None:  # a grid read on its own (a scan's pages in tests)
        return False
    received = ctx.book.file.received_at.date()
    return week - timedelta(days=7) < received <= week + timedelta(days=3)


def _iso_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _unreadable_fields(sheet: SheetData, block: Block) -> dict[str, tuple[str, str | None]]:
    """Header fields whose cell cannot be read: key → (cell, error value, or None for a formula never calculated).

    Such a cell is empty in the grid, so the block took the cell right of the label (or the next one holding
    something); the first unreadable cell before any value is the field's.
    """
    found: dict[str, tuple[str, str | None]] = {}
    if not sheet.uncached and not sheet.errors:  # the usual case
        return found
    for key in ("unit", "contact", "phone", "filled"):
        at = cell_index(block.cell(key))
        if at is None or not nz.is_blank(block.value(key)):
            continue
        row, first = at
        line = sheet.rows[row] if row < len(sheet.rows) else []
        for col in range(first, max(len(line), first) + 1):
            if sheet.unreadable(row, col):
                found[key] = (cell_ref(col, row), sheet.errors.get((row, col)))
                break
            if col < len(line) and line[col] is not None:
                break
    return found


# ----------------------------------------------------------------- contact
def _check_contact(ctx: Context, block: Block, cant_read: dict[str, tuple[str, str | None]]) -> tuple[str, str]:
    """联系人 and 联系电话, normalised; missing or malformed values are flagged at their cells (an unreadable
    cell is said by the caller, not as missing)."""
    contact = nz.text(block.value("contact"))
    if not contact and "contact" not in cant_read:
        ctx.add("contact-missing", cell=block.cell("contact"))
    raw_phone = block.value("phone")
    phone, valid = nz.phone(raw_phone)
    if "phone" in cant_read:
        pass
    elif not phone:
        ctx.add("phone-missing", cell=block.cell("phone"))
    elif not valid:
        ctx.add("phone-invalid", cell=block.cell("phone"), value=nz.text(raw_phone))
    for key in ("unit", "contact", "phone", "filled"):
        check_formula(ctx, block.value(key), block.cell(key))
    return contact, phone
