"""The measure rows of one table: which measure each row is, what it says, and every doubt about it.

A measure may be written over several rows (序号 merged down, or left blank under the first row): those rows are
combined, the worst status wins and the texts are joined. Hidden rows are left out with a warning. Which measure
a row is: rowmeasure.py; cells that cannot be read as they stand (a formula without a saved result is not
readable, never empty): cellchecks.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from ..models import DONE, LAGGING, NOT_STARTED, ON_TRACK, MasterList, ReturnRow
from ..weeks import cn_date
from . import normalize as nz
from .attribution import Context
from .cellchecks import check_formula, error_row, formula_like, unreadable_fields, unreadable_no
from .layout import Table
from .rowchecks import (
    checked_against_done,
    checked_against_note,
    checked_against_other,
    checked_against_sentences,
    checked_against_text,
)
from .rowkinds import is_blank_row, is_heading, is_total, tells_progress
from .rowmeasure import Measures, measure_of_row, several_measure_nos
from .status_words import done_with_reservation

GROUP_AFTER = 3  # more measures of other units than this are reported in one line
TEXT_FIELDS = ("progress", "issues", "next_steps", "remark")
_WORST = {LAGGING: 0, NOT_STARTED: 1, ON_TRACK: 2, DONE: 3}


def read_rows(
    ctx: Context,
    table: Table,
    master: MasterList,
    unit: str | None,
    base_year: int | None,
    today: date | None,
) -> list[ReturnRow]:
    """Measure rows from below the header to the footer; rows of one measure written together are combined."""
    known = Measures(master)
    by_no: dict[int, ReturnRow] = {}
    parts: dict[int, list[int]] = {}  # measure → sheet rows combined into it
    ctx.not_assigned = []
    if table.sheet.struck_unknown:  # struck text exists but was not placed: the statuses may be struck
        ctx.add("strike-unplaced", cell=table.ref("status", table.header))
    last: ReturnRow | None = None  # the measure row just above, for rows that continue it
    last_text = ""
    for index in range(table.header + 1, table.end):
        cells = table.cells(index)
        line = table.sheet.rows[index]
        if _skipped(table, index, cells, line):
            if table.sheet.errors and is_blank_row(line) and error_row(table, index):
                unreadable_fields(ctx, table, index)  # a measure row of error values only is not blank: say them
            last = None if is_blank_row(line) else last
            continue
        if index in table.sheet.hidden_rows:
            ctx.add("row-hidden", cell=table.ref("no", index), row=index + 1, value=_gist(cells))
            continue
        how = None
        if last is not None and last.row == index and not unreadable_no(table, index):
            how = _continues(cells, last, last_text, known, unit)
        if how is not None:
            if how:  # a 序号 read as a sub-item only because of where the row is: said at the cell
                value = nz.no_shown(cells.get("no"))
                ctx.add(how, cell=table.ref("no", index), value=value, no=last.measure_no, row=last.row)
            part = _read_row(ctx, table, index, cells, known, unit, base_year, today, part_of=last, last_text=last_text)
            before = last.status
            _combine(last, part)
            if (
                part is not None
                and before
                and part.status
                and before != part.status
                and _repeats(table, index, cells, last, last_text)
            ):
                ctx.add(
                    "measure-duplicate-conflict",
                    cell=table.ref("no", index),
                    no=last.measure_no,
                    other_row=last.row,
                    first=before,
                    second=part.status,
                    status=last.status or "无法识别",
                )
            parts[last.measure_no].append(index + 1)
            last.row = index + 1  # adjacency is checked against the latest row of the measure
            continue
        several = _several(ctx, table, index, cells, known, unit)
        if several is not None and not several[1]:  # several measures, none of them the unit's (said as such)
            last = None
            continue
        number = several[1][0] if several else None
        row = _read_row(ctx, table, index, cells, known, unit, base_year, today, number=number)
        read = [row] + (_for_each(ctx, table, index, cells, row, *several) if several else [])
        for row in filter(None, read):
            if row.measure_no in by_no:
                row = _duplicate(ctx, table, index, by_no.pop(row.measure_no), row)
            by_no[row.measure_no] = row
            parts[row.measure_no] = [index + 1]
        last = read[0] if len(read) == 1 else None  # a row of several measures is continued by none
        last_text = nz.label_key(cells.get("text"))
    for no, rows in parts.items():
        if len(rows) > 1 and no in by_no:
            first = rows[0]
            by_no[no].row = first
            status = by_no[no].status or "无法识别"
            ctx.add("measure-rows-combined", cell=table.ref("no", first - 1), no=no, rows=rows, status=status)
    _report_not_assigned(ctx, ctx.not_assigned)
    _report_rows_after_end(ctx, table, known)
    return sorted(by_no.values(), key=lambda r: r.row)


def _several(
    ctx: Context, table: Table, index: int, cells: dict[str, Any], known: Measures, unit: str | None
) -> tuple[list[int], list[int]] | None:
    """A row whose 序号 names several measures ("10、11", "第8-9条"): (those measures, the unit's own among them; the
    others are said as not the unit's); None for any other row. Was read as one measure, the other 未填报."""
    nos = several_measure_nos(cells.get("no"))
    if nos is None or any(known.measure(no) is None for no in nos):
        return None
    ours = [no for no in nos if unit is None or unit in known.measure(no).units]  # type: ignore[union-attr]
    ctx.not_assigned += [(no, table.ref("no", index)) for no in nos if no not in ours]
    return nos, ours


def _for_each(
    ctx: Context,
    table: Table,
    index: int,
    cells: dict[str, Any],
    row: ReturnRow | None,
    nos: list[int],
    ours: list[int],
) -> list[ReturnRow]:
    """The row read for the first of the unit's measures, counted for the others too, and said at the cell."""
    if row is None:
        return []
    value, status = nz.text(cells.get("no")), row.status or "无法识别"
    ctx.add("measure-row-several", cell=table.ref("no", index), value=value, nos=nos, status=status)
    return [replace(row, measure_no=no) for no in ours[1:]]


def _report_rows_after_end(ctx: Context, table: Table, known: Measures) -> None:
    """Measure-like rows below the table's end (the 注/signature line): not read, and said so.

    A unit may paste last week's rows, or add a late row, under the seal line of the printed form.
    """
    rows = table.sheet.rows
    stop = len(rows) if table.stop is None else table.stop
    found = []
    for index in range(table.end + 1, stop):
        cells = table.cells(index)
        no = nz.measure_no(cells.get("no"))
        if no is not None and known.measure(no) is not None and not nz.is_blank(cells.get("status")):
            found.append(index + 1)
    if found:
        ctx.add("rows-after-table", cell=table.ref("no", found[0] - 1), rows="、".join(map(str, found)))
    _report_status_at_end(ctx, table)


def _report_status_at_end(ctx: Context, table: Table) -> None:
    """The line where the table ends (注：…, 填报人：…) with a status word in the status column: not read, said so.

    A correction written under the last measure's status can land on the note line (a scan's last row pulled
    down to the footnote, a typed 进度滞后 beside the 注); dropping it silently could leave the measure 已完成.
    """
    rows = table.sheet.rows
    if table.end >= (len(rows) if table.stop is None else table.stop) or "status" not in table.cols:
        return
    cells = table.cells(table.end)
    if nz.measure_no(cells.get("no")) is not None:
        return  # a measure row after the end: rows-after-table speaks for it
    value = cells.get("status")
    if not nz.is_blank(value) and nz.status(value) is not None:
        ctx.add("status-at-table-end", cell=table.ref("status", table.end), value=nz.text(value))


def _duplicate(ctx: Context, table: Table, index: int, earlier: ReturnRow, row: ReturnRow) -> ReturnRow:
    """A measure written twice: the later row counts, unless the two disagree on the status.

    Then the less favourable one is kept — last week's table pasted below must not turn a lag into 已完成.
    """
    cell, no = table.ref("no", index), row.measure_no
    if earlier.status == row.status or earlier.status is None or row.status is None:
        ctx.add("measure-duplicate", cell=cell, no=no, other_row=earlier.row)
        return row  # an unreadable later row stays unreadable (its own problem says so)
    kept = min((earlier, row), key=lambda r: _WORST[r.status or LAGGING])
    ctx.add(
        "measure-duplicate-conflict",
        cell=cell,
        no=no,
        other_row=earlier.row,
        first=earlier.status,
        second=row.status,
        status=kept.status,
    )
    return kept


def _skipped(table: Table, index: int, cells: dict[str, Any], line: list[Any]) -> bool:
    return (
        is_blank_row(line)
        or is_heading(cells, line)
        or table.is_header_row(index)
        or (is_total(line) and nz.measure_no(cells.get("no")) is None)
    )


def _gist(cells: dict[str, Any]) -> str:
    content = "，".join(nz.text(cells[k]) for k in ("no", "status", "progress") if not nz.is_blank(cells.get(k)))
    return content if len(content) <= 40 else content[:39] + "…"


def _continues(cells: dict[str, Any], last: ReturnRow, last_text: str, known: Measures, unit: str | None) -> str | None:
    """Whether the row right under a measure row belongs to it: None if not, "" if plainly (same 序号, merged or
    filled down, or none at all), else the code of the problem that says the 序号 was read as a sub-item.

    A row repeating another measure's text is that measure, whatever its 序号 says (numbers typed crosswise).
    """
    raw = cells.get("no")
    text = nz.label_key(cells.get("text"))
    if nz.is_blank(raw):  # a note telling of progress where the text goes is the measure's too (_part_checked)
        note = tells_progress(cells.get("text")) and known.by_text(cells.get("text")) is None
        return "" if not text or text == last_text or note else None
    if text and text != last_text and known.by_text(cells.get("text")) not in (None, last.measure_no):
        return None
    no, sub, month = nz.measure_no(raw), nz.sub_measure_no(raw), nz.date_sub_no(raw)
    if last.measure_no in (no, sub):
        return ""
    if month == last.measure_no:  # "10-2" typed, Excel made it 10月2日
        return "measure-no-date"
    # A sub-item numbered on its own ("(1)", "①", "其中"), no measure text, filled in: dropping it as an unknown or
    # another unit's measure would leave the measure above 已完成 whatever the sub-item says.
    # A plain number (34 after 33, another unit's 1) is an item of its own, said as such by measure_of_row.
    measure = known.measure(no)
    others = measure is None or (unit is not None and unit not in measure.units)
    item = no is None or nz.item_mark(raw)
    filled = any(not nz.is_blank(cells.get(key)) for key in ("status", *TEXT_FIELDS))
    if not text and others and item and sub is None and month is None and filled:
        return "measure-sub-guessed"
    return None


def _repeats(table: Table, index: int, cells: dict[str, Any], last: ReturnRow, last_text: str) -> bool:
    """The row right under a measure row is a copy of it, not a sub-item: its own 序号 typed again (not filled from
    a merge) and the same measure text. Two statuses in such rows are two versions (last week's row left in)."""
    text = nz.label_key(cells.get("text"))
    typed = (index, table.cols.get("no", -1)) not in table.sheet.merged_from
    return typed and bool(text) and text == last_text and nz.measure_no(cells.get("no")) == last.measure_no


def _combine(into: ReturnRow, part: ReturnRow | None) -> None:
    """Worst status wins (done only if every row is done); texts are joined; the later expected date counts."""
    if part is None:
        return
    statuses = [into.status, part.status]
    known = [s for s in statuses if s]
    if not known:
        into.status = None
    elif len(known) == 2 or DONE not in known:
        into.status = min(known, key=_WORST.__getitem__)
    else:  # one row done, the other unreadable or empty: not done
        into.status = None
    for key in TEXT_FIELDS:
        mine, theirs = getattr(into, key), getattr(part, key)
        if theirs and theirs not in mine:
            setattr(into, key, f"{mine}\n{theirs}" if mine else theirs)
    if part.expected and (into.expected is None or part.expected > into.expected):
        into.expected = part.expected


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
    known: Measures,
    unit: str | None,
    base_year: int | None,
    today: date | None,
    part_of: ReturnRow | None = None,
    number: int | None = None,
    last_text: str = "",
) -> ReturnRow | None:
    """One row → ReturnRow, or None when it cannot be tied to a measure of this unit.

    part_of: the measure row this one continues; its blank cells (merged in .ods) are not reported, except a
    blank status under 已完成 (see _blank_part_status). number: the measure, already told from the 序号 (_several).
    last_text: the measure text of the rows above (label_key), for a note written in a continuation row's text.
    """
    for key, value in cells.items():
        if formula_like(value):  # the cell reference only when there is something to say
            check_formula(ctx, value, table.ref(key, index))
    unreadable = unreadable_fields(ctx, table, index)
    if table.last_week("status"):  # only last week's statuses: never this week's (one error at the header)
        unreadable.add("status")
    no = part_of.measure_no if part_of else number
    if part_of is not None and "status" not in unreadable and nz.is_blank(cells.get("status")):
        _blank_part_status(ctx, table, index, part_of)
        unreadable.add("status")  # no status of its own: _combine keeps the other rows' unless they say done
    if no is None:
        if "no" in unreadable:  # said at its cell: the measure text alone may still tell which it is
            no = known.by_text(cells.get("text"))
        else:
            no = measure_of_row(ctx, table, index, cells, known, unit)
        if no is None:
            return None
        measure = known.measure(no)
        if unit is not None and measure is not None and unit not in measure.units:
            ctx.not_assigned.append((no, table.ref("no", index)))
            return None
    if table.sheet.struck:
        _struck_measure(ctx, table, index, cells, no)
    measure = known.measure(no)
    status_raw = cells.get("status")
    status = None if "status" in unreadable else _row_status(ctx, table, index, status_raw, no)
    if status is not None and "done_check" in table.cols:
        status = checked_against_done(ctx, table, index, cells.get("done_check"), status, no)
    if part_of is None and status is not None:
        status = checked_against_text(ctx, table, index, cells, status, no)
    elif part_of is not None:
        status = _part_checked(ctx, table, index, cells, status, part_of, last_text)
    for col in table.other_status_cols() if status is not None else ():
        status = checked_against_other(ctx, table, index, col, status, no)
        if status is None:
            break
    if status is not None and table.sheet.notes:
        status = checked_against_note(ctx, table, index, status, no)
    row = ReturnRow(
        measure_no=no,
        status=status,
        progress=nz.text(cells.get("progress")),
        issues=nz.text(cells.get("issues")),
        next_steps=nz.text(cells.get("next_steps")),
        expected=_row_date(ctx, table, index, cells.get("expected"), base_year, today),
        remark=nz.text(cells.get("remark")),
        role=measure.role_of(unit) if unit and measure else "",
        row=index + 1,
    )
    if row.status == DONE and row.expected and today and row.expected > today and part_of is None:
        # Done, yet finishing later: often a planned date left in (or prefilled) after finishing early, but the
        # one word on the form that says otherwise of a 已完成.
        ctx.add("status-done-expected-later", cell=table.ref("expected", index), no=no, day=cn_date(row.expected))
    top = table.sheet.merged_from.get((index, table.cols.get("status", -1)))
    if part_of is None and top is not None and row.status is not None:  # one status merged over two measures
        ctx.add("status-from-merge", cell=table.ref("status", index), no=no, top=top + 1, status=row.status)
    if not row.progress and row.status != DONE and "progress" not in unreadable and part_of is None:
        ctx.add("progress-empty", cell=table.ref("progress", index), no=no)
    return row


def _part_checked(
    ctx: Context,
    table: Table,
    index: int,
    cells: dict[str, Any],
    status: str | None,
    part_of: ReturnRow,
    last_text: str,
) -> str | None:
    """A continuation row's texts checked as a measure row's are (二期尚未开工 under a merged 已完成 must not close
    the measure), against its own status or, when it has none, the rows' above. Cells filled from a merge above
    were checked there; a note written where the measure text goes ("（注：二期尚未完工）") is checked too."""
    if status is None and part_of.status == DONE:
        return None  # a blank status under 已完成: said already (status-empty-part), never done
    judged = status or part_of.status
    if judged is None:
        return status
    merged = frozenset((index, col) for col in table.cols.values() if (index, col) in table.sheet.merged_from)
    checked = checked_against_text(ctx, table, index, cells, judged, part_of.measure_no, merged)
    note = cells.get("text")
    if checked is not None and "text" in table.cols and not nz.is_blank(note) and nz.label_key(note) != last_text:
        where = [(table.cols["text"], note, None)]
        checked = checked_against_sentences(ctx, table, index, where, checked, part_of.measure_no)
    return None if status is None else checked  # no status of its own: the checks only speak


def _struck_measure(ctx: Context, table: Table, index: int, cells: dict[str, Any], no: int) -> None:
    """A 序号 (any of it) or the whole measure text struck through: the unit may have struck the measure out.
    Read, and said; a few words struck in the text are a correction of the text, not of the measure."""
    for key, label in (("no", "序号"), ("text", "措施内容")):
        struck = table.sheet.struck.get((index, table.cols.get(key, -1)))
        whole = struck is not None and not any(ch.isalnum() for ch in struck[0])
        if struck is not None and (key == "no" or whole) and not nz.is_blank(cells.get(key)):
            value = nz.text(cells.get(key))
            value = value if len(value) <= 30 else value[:29] + "…"
            ctx.add("measure-struck", cell=table.ref(key, index), no=no, label=label, value=value)
            return


def _blank_part_status(ctx: Context, table: Table, index: int, part_of: ReturnRow) -> None:
    """A sub-item row without a status, under rows that say 已完成: the measure is not done, and the cell is said.

    A merge the reader knows (.xlsx, .xls) was filled down already, so this cell is blank indeed; where merges are
    not known (.ods, .csv, scans) it may be a merged 已完成, but it may as well be a sub-item nobody assessed.
    Either way the measure must not close on it, and _combine reads done beside unknown as not done.
    """
    if part_of.status == DONE:
        cell = table.ref("status", index)
        ctx.add("status-empty-part", cell=cell, no=part_of.measure_no, above=part_of.row)


def _row_status(ctx: Context, table: Table, index: int, raw: Any, no: int) -> str | None:
    cell = table.ref("status", index)
    if nz.is_blank(raw):
        ctx.add("status-empty", cell=cell, no=no)
        return None
    struck = table.sheet.struck.get((index, table.cols["status"])) if table.sheet.struck else None
    if struck is not None:
        raw = _unstruck(ctx, cell, raw, struck)
        if raw is None:
            return None
    found, interpreted = nz.read_status(raw)
    mark = nz.status_mark(raw) if found is None else None
    if found is None and nz.status_choices(raw):  # "□已完成 ☑正常推进 □进度滞后" with no tick read, or several
        ctx.add("status-choices", cell=cell, value=nz.text(raw))
    elif mark is not None:  # crossed out, unticked or questioned: name the mark, the unit must correct it
        ctx.add("status-marked", cell=cell, value=nz.text(raw), mark=mark)
    elif found is None:
        ctx.add("status-unknown", cell=cell, value=nz.text(raw))
    elif interpreted and done_with_reservation(raw):
        ctx.add("status-done-reserved", cell=cell, value=nz.text(raw), status=found)
    elif interpreted:
        ctx.add("status-interpreted", cell=cell, value=nz.text(raw), status=found)
    return found


def _unstruck(ctx: Context, cell: str, raw: Any, struck: tuple[str, str, str]) -> str | None:
    """The part of a status the unit did not strike through, to be read; None (an error said) when nothing is left.

    A struck 已完成 means "not done": never read as done. A text only partly struck ("已完成" struck, "进度滞后" not)
    is read by what stands, and said. If the text found beside the strike is not the text read, it cannot be told
    which part is struck: the whole is an error. A struck 进度滞后 stays one, as "~~进度滞后~~" in text does: it is
    the least favourable reading already (said, so the unit can correct it).
    """
    kept, gone, full = struck
    shown = nz.text(raw)
    if not any(ch.isalnum() for ch in kept) or "".join(full.split()) != "".join(shown.split()):
        if nz.read_status(shown)[0] == LAGGING:
            ctx.add("status-struck-lag", cell=cell, value=shown)
            return shown
        ctx.add("status-struck", cell=cell, value=shown)
        return None
    ctx.add("status-struck-part", cell=cell, value=shown, struck=gone.strip(), kept=kept.strip())
    return kept.strip()


def _row_date(
    ctx: Context, table: Table, index: int, raw: Any, base_year: int | None, today: date | None
) -> date | None:
    if nz.is_blank(raw):
        return None
    found = nz.parse_date(raw, base_year, today)
    if found is None and not nz.is_no_date_word(raw):
        ctx.add("date-invalid", cell=table.ref("expected", index), value=nz.text(raw))
    elif found is not None and (other := nz.lost_trailing_zero(raw)):
        ctx.add("date-ambiguous", cell=table.ref("expected", index), value=nz.text(raw), read=found, other=other)
    return found


def check_missing(ctx: Context, master: MasterList, unit: str, reported: set[int]) -> None:
    """One error listing the unit's measures that no row reported."""
    missing = [m.no for m in master.measures_of(unit) if m.no not in reported]
    if missing:
        ctx.add("measure-missing", nos=missing)
