"""The measure rows of one table: which measure each row is, what it says, and every doubt about it.

A measure may be written over several rows (序号 merged down, or left blank under the first row): those rows are
combined, the worst status wins and the texts are joined. Hidden rows are left out with a warning. A formula cell
without a saved result is not readable, never empty. Rows numbered by the unit itself are matched by their text,
and a match that is only similar is a warning, never a silent remap.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from ..master import MasterList
from ..models import DONE, LAGGING, NOT_STARTED, ON_TRACK, Measure, ReturnRow
from ..problems import ERROR, WARNING
from . import normalize as nz
from .attribution import Context
from .errorvalues import meaning as error_meaning
from .layout import Table
from .rowkinds import is_blank_row, is_heading, is_total
from .status_words import done_with_reservation

GROUP_AFTER = 3  # more measures of other units than this are reported in one line
TEXT_FIELDS = ("progress", "issues", "next_steps", "remark")
_WORST = {LAGGING: 0, NOT_STARTED: 1, ON_TRACK: 2, DONE: 3}
SIMILAR = 0.5  # share of the row text's character pairs found in a measure text to call it "similar"
DIFFERENT = 0.2  # below this, the text does not describe the numbered measure


class Measures:
    """The master list as rows are matched against it: by number, and by text as compared.

    Built once per table read; looking a number up in MasterList walks the whole list, for every row.
    """

    def __init__(self, master: MasterList):
        self.master = master
        self._by_no: dict[int, Measure] = {}
        for measure in master.measures:
            self._by_no.setdefault(measure.no, measure)  # the first one, as MasterList.measure gives
        self._by_text = _text_match(tuple((m.no, m.text) for m in master.measures))

    def measure(self, no: int | None) -> Measure | None:
        return self._by_no.get(no) if no is not None else None

    def by_text(self, value: Any) -> int | None:
        """A measure whose text the cell repeats (possibly cut short); None unless exactly one fits."""
        key = nz.label_key(value)
        return self._by_text(key) if len(key) >= 8 else None


class _TextMatch:
    """Which measure a text names, for one list of measure texts; every return repeats the same texts."""

    def __init__(self, measures: tuple[tuple[int, str], ...]):
        self._keys = [(no, nz.label_key(text)) for no, text in measures]
        self._found: dict[str, int | None] = {}

    def __call__(self, key: str) -> int | None:
        if key not in self._found:
            if len(self._found) >= 4096:  # bounded: hand-typed texts differ
                self._found.clear()
            hits = [no for no, other in self._keys if other and (key in other or other in key)]
            self._found[key] = hits[0] if len(hits) == 1 else None
        return self._found[key]


@lru_cache(maxsize=8)  # keyed by the (number, text) pairs themselves: a changed list is a new entry
def _text_match(measures: tuple[tuple[int, str], ...]) -> _TextMatch:
    return _TextMatch(measures)


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
            if table.sheet.errors and is_blank_row(line) and _error_row(table, index):
                _unreadable(ctx, table, index)  # a measure row of error values only is not blank: say them
            last = None if is_blank_row(line) else last
            continue
        if index in table.sheet.hidden_rows:
            ctx.add("row-hidden", cell=table.ref("no", index), row=index + 1, value=_gist(cells))
            continue
        if (
            last is not None
            and last.row == index
            and not _unreadable_no(table, index)
            and _continues(cells, last, last_text, known)
        ):
            part = _read_row(ctx, table, index, cells, known, unit, base_year, today, part_of=last)
            _combine(last, part)
            parts[last.measure_no].append(index + 1)
            last.row = index + 1  # adjacency is checked against the latest row of the measure
            continue
        row = _read_row(ctx, table, index, cells, known, unit, base_year, today)
        if row is None:
            last = None
            continue
        if row.measure_no in by_no:
            row = _duplicate(ctx, table, index, by_no.pop(row.measure_no), row)
        by_no[row.measure_no] = row
        parts[row.measure_no] = [index + 1]
        last, last_text = row, nz.label_key(cells.get("text"))
    for no, rows in parts.items():
        if len(rows) > 1 and no in by_no:
            first = rows[0]
            by_no[no].row = first
            status = by_no[no].status or "无法识别"
            ctx.add("measure-rows-combined", cell=table.ref("no", first - 1), no=no, rows=rows, status=status)
    _report_not_assigned(ctx, ctx.not_assigned)
    _report_rows_after_end(ctx, table, known)
    return sorted(by_no.values(), key=lambda r: r.row)


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


def _continues(cells: dict[str, Any], last: ReturnRow, last_text: str, known: Measures) -> bool:
    """The row right under a measure row belongs to it: same 序号 (merged, filled down) or none at all.

    A row repeating another measure's text is that measure, whatever its 序号 says (numbers typed crosswise).
    """
    raw = cells.get("no")
    text = nz.label_key(cells.get("text"))
    if nz.is_blank(raw):
        return not text or text == last_text
    if text and text != last_text and known.by_text(cells.get("text")) not in (None, last.measure_no):
        return False
    return last.measure_no in (nz.measure_no(raw), nz.sub_measure_no(raw))


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
) -> ReturnRow | None:
    """One row → ReturnRow, or None when it cannot be tied to a measure of this unit.

    part_of: the measure row this one continues; its blank cells (merged in .ods) are not reported, except a
    blank status under 已完成 (see _blank_part_status).
    """
    for key, value in cells.items():
        if _formula_like(value):  # the cell reference only when there is something to say
            check_formula(ctx, value, table.ref(key, index))
    unreadable = _unreadable(ctx, table, index)
    if table.last_week("status"):  # only last week's statuses: never this week's (one error at the header)
        unreadable.add("status")
    no = part_of.measure_no if part_of else None
    if part_of is not None and "status" not in unreadable and nz.is_blank(cells.get("status")):
        _blank_part_status(ctx, table, index, part_of)
        unreadable.add("status")  # no status of its own: _combine keeps the other rows' unless they say done
    if no is None:
        if "no" in unreadable:  # said at its cell: the measure text alone may still tell which it is
            no = known.by_text(cells.get("text"))
        else:
            no = _measure_of_row(ctx, table, index, cells, known, unit)
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
        status = _checked_against(ctx, table, index, cells.get("done_check"), status, no)
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
    top = table.sheet.merged_from.get((index, table.cols.get("status", -1)))
    if part_of is None and top is not None and row.status is not None:  # one status merged over two measures
        ctx.add("status-from-merge", cell=table.ref("status", index), no=no, top=top + 1, status=row.status)
    if not row.progress and row.status != DONE and "progress" not in unreadable and part_of is None:
        ctx.add("progress-empty", cell=table.ref("progress", index), no=no)
    return row


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


def _unreadable(ctx: Context, table: Table, index: int) -> set[str]:
    """Fields of this row whose cell is a formula without a saved result or holds an error value (#REF!):
    reported, never read as empty."""
    found: set[str] = set()
    sheet = table.sheet
    if sheet.concealed:
        _concealed(ctx, table, index, found)
    if not sheet.uncached and not sheet.errors:  # the usual case: every formula has its saved value
        return found
    for key, col in table.cols.items():
        if (index, col) in sheet.uncached:
            found.add(key)
            ctx.add("formula-no-value", cell=table.ref(key, index))
        elif (error := sheet.errors.get((index, col))) is not None:
            found.add(key)
            label = nz.text(table.labels[col]) if col < len(table.labels) else ""
            # A 完成率 formula dividing by a zero plan only cross-checks the status: said, not an error of the return.
            severity = WARNING if key == "done_check" else ERROR
            ctx.add(
                "cell-error",
                cell=table.ref(key, index),
                field=label or key,
                value=error,
                meaning=error_meaning(error),
                severity=severity,
            )
    return found


def _concealed(ctx: Context, table: Table, index: int, found: set[str]) -> None:
    """Cells of this row that hold something the sheet does not show (hidden under a merged cell, or shown as
    something else by their number format): a status nobody can see is not read; other fields are read and said."""
    for key, col in table.cols.items():
        hit = table.sheet.concealed.get((index, col))
        if hit is None:
            continue
        value, shown, why = hit
        kind, _, detail = why.partition(":")
        if kind == "markup":  # held in a form the reader reads as empty: what a spreadsheet shows is not known
            if key == "status":
                found.add(key)
                ctx.add("status-unread", cell=table.ref(key, index), value=_clip(value))
            else:
                label = nz.text(table.labels[col]) if col < len(table.labels) else ""
                ctx.add("cell-unread", cell=table.ref(key, index), field=label or key, value=_clip(value))
            continue
        if kind == "merge":
            shows = f"表上显示为“{_clip(shown)}”" if shown.strip() else "表上此处为空白"
            how = f"被合并单元格 {detail} 遮住，{shows}"
        elif kind == "colour":
            text, _, back = detail.partition("/")
            how = f"字体颜色（{text}）与单元格底色（{back}）相同或几乎相同"
        else:
            how = f"单元格格式“{detail}”使其" + (f"显示为“{_clip(shown)}”" if shown.strip() else "不显示")
        fields = {"value": _clip(value), "how": how}
        if key == "status":
            found.add(key)
            ctx.add("status-concealed", cell=table.ref(key, index), **fields)
        else:
            label = nz.text(table.labels[col]) if col < len(table.labels) else ""
            ctx.add("cell-concealed", cell=table.ref(key, index), field=label or key, **fields)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 30 else text[:29] + "…"


def _error_row(table: Table, index: int) -> bool:
    """Whether an otherwise empty row has an error value as its 序号 or status (a formula dragged down the date
    column alone, below the measures, makes no measure row)."""
    return any((index, table.cols.get(key, -1)) in table.sheet.errors for key in ("no", "status"))


def _unreadable_no(table: Table, index: int) -> bool:
    """Whether the row's 序号 is a formula without a value or an error value: not blank, so the row does not
    continue the measure above (=A5+1 turned #REF! is a measure of its own)."""
    sheet = table.sheet
    if not sheet.uncached and not sheet.errors:
        return False
    return sheet.unreadable(index, table.cols.get("no", -1))


def _formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.strip().startswith("=")


def check_formula(ctx: Context, value: Any, cell: str) -> None:
    """Text that looks like a formula is kept literally; say so, since Excel would have shown something else."""
    if _formula_like(value):
        shown = nz.text(value)
        ctx.add("formula-text", cell=cell, value=shown if len(shown) <= 60 else shown[:57] + "…")


def _measure_of_row(
    ctx: Context, table: Table, index: int, cells: dict[str, Any], known: Measures, unit: str | None
) -> int | None:
    """The master measure number of a row, from 序号; the measure text wins when it names another of the unit's."""
    raw = cells.get("no")
    cell = table.ref("no", index)
    by_text = known.by_text(cells.get("text"))
    if nz.is_blank(raw):
        no = by_text
        if no is not None:
            ctx.add("measure-no-inferred", cell=cell, no=no)
            return no
        content = next((nz.text(v) for v in cells.values() if not nz.is_blank(v)), "")
        ctx.add("measure-no-empty", cell=cell, value=content if len(content) <= 30 else content[:29] + "…")
        return None
    no = nz.measure_no(raw)
    if no is None and by_text is not None and by_text == _loose_no(raw):
        return by_text  # "（十五）", or "10.1" with no row of 10 above: the text says which, and agrees
    named = known.measure(by_text)
    # People typing a return from scratch number their own rows 1, 2, 3 … while pasting the measure text.
    if named is not None and by_text != no and (unit is None or unit in named.units):
        ctx.add("measure-no-mismatch", cell=cell, value=nz.text(raw), no=by_text)
        return by_text
    if by_text is None:
        return _weak_match(ctx, cell, raw, no, cells.get("text"), known, unit)
    numbered = known.measure(no)
    if numbered is None:
        ctx.add("measure-unknown", cell=cell, value=nz.text(raw))
        return None
    if named is not None and by_text != no and unit in numbered.units:
        # The text is another unit's measure: the number is read, never silently (the text may be the slip).
        owner = "、".join(named.units)
        ctx.add("measure-text-other", cell=cell, value=nz.text(raw), no=no, other=by_text, owner=owner)
    return no


def _loose_no(raw: Any) -> int | None:
    """A 序号 measure_no leaves alone as unsure: "10.1" (maybe a decimal), "（十五）" (maybe a heading)."""
    found = nz.cn_number(nz.label_key(raw)) if isinstance(raw, str) else None
    return found or nz.sub_measure_no(raw)


def _weak_match(
    ctx: Context, cell: str, raw: Any, no: int | None, text: Any, known: Measures, unit: str | None
) -> int | None:
    """序号 whose text is not a copy of any measure: compare by similarity and say what was decided."""
    key = nz.label_key(text)
    numbered = known.measure(no)
    master = known.master
    if len(key) < 8:  # no text worth comparing ("措施内容略"): the number stands
        if numbered is None:
            ctx.add("measure-unknown", cell=cell, value=nz.text(raw))
        return numbered.no if numbered else None
    pool = master.measures_of(unit) if unit else master.measures
    scored = sorted(((_similarity(key, m.text), m.no) for m in pool), reverse=True)
    best_score, best = scored[0] if scored else (0.0, None)
    own = _similarity(key, numbered.text) if numbered else 0.0
    if best is not None and best != no and best_score >= SIMILAR and best_score - own >= DIFFERENT:
        percent = f"{best_score:.0%}"
        ctx.add("measure-no-weak", cell=cell, value=nz.text(raw), no=best, share=percent)
        return best
    if numbered is None:
        ctx.add("measure-unknown", cell=cell, value=nz.text(raw))
        return None
    if own < DIFFERENT:
        ctx.add("measure-text-differs", cell=cell, no=no)
    return numbered.no


def _similarity(key: str, measure_text: str) -> float:
    """Share of the row text's character pairs that occur in the measure text (abbreviations stay high)."""
    mine = _pairs(key)
    return len(mine & _pairs(nz.label_key(measure_text))) / len(mine) if mine else 0.0


@lru_cache(maxsize=4096)
def _pairs(key: str) -> frozenset[str]:
    return frozenset(key[i : i + 2] for i in range(len(key) - 1))


def measure_by_text(master: MasterList, value: Any) -> int | None:
    """A measure whose text the cell repeats (possibly cut short); None unless exactly one fits."""
    return Measures(master).by_text(value)


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


def _checked_against(ctx: Context, table: Table, index: int, raw: Any, status: str, no: int) -> str | None:
    """The status checked against a 是否完成 / 完成率 cell of the same row.

    已完成 beside 否 or 60% cannot be vouched for: an error, and not read (the measure does not close). Another
    status beside 是 or 100% is read as written (it never closes a measure) and said.
    """
    claim = nz.done_claim(raw)
    if claim is None or claim == (status == DONE):
        return status
    label = nz.text(table.labels[table.cols["done_check"]])
    share = nz.done_share(raw) if isinstance(raw, float) and not label.startswith("是否") else None
    shown = f"{share:g}%" if share is not None else nz.text(raw)  # Excel's 1.05 is the 105% the unit sees
    fields = {"no": no, "status": status, "label": label, "value": shown, "col": table.ref("done_check", index)}
    if status == DONE:
        ctx.add("status-contradicted", cell=table.ref("status", index), **fields)
        return None
    ctx.add("status-done-elsewhere", cell=table.ref("status", index), **fields)
    return status


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
