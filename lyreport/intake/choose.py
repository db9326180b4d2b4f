"""Which of the tables in one workbook are read, and as whose return.

Units keep a stale copy of the sheet in front, paste last week's table under this week's, put each measure on
its own sheet, or send two units' sheets in one file. Every table is looked at; the choice is made on content:

| the workbook holds                                   | read                                             |
|------------------------------------------------------|--------------------------------------------------|
| one table                                            | it                                               |
| tables naming different units (填报单位 / sheet name)  | each unit's tables as that unit's return         |
| tables of one unit with disjoint measures            | all of them, combined (one sheet per measure)    |
| tables of one unit with the same measures            | visible sheet first, then a 填报日期 in the week  |
|                                                      | the file answers (undated next, then dated in    |
|                                                      | another week or after arrival), then latest      |
|                                                      | 填报日期, then the most filled-in, then the later |
|                                                      | (an undated table named for a day, "1月6日", is  |
|                                                      | dated by its name when every table is dated)     |

What was chosen and what was skipped is always said (table-several for one sheet, table-chosen otherwise); a
choice made only by fullness or position over a table giving other statuses is a warning (table-chosen-unsure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..models import MasterList
from ..unitnames import UnitDirectory
from ..weeks import week_day_of
from . import normalize as nz
from .attribution import _GENERIC_SHEETS, Context, units_in_text, written_unit
from .cellrefs import cell_ref
from .headblock import Block, read_block
from .layout import FIELD_NAMES, LAST_WEEK, Table, is_this_week_word, label_rank, status_like

IN_WEEK, UNDATED, OTHER_WEEK = 2, 1, 0


@dataclass
class Candidate:
    """One table with what its content says about it."""

    table: Table
    block: Block
    unit: str | None  # the unit its own 填报单位 or sheet name names
    filled: date | None
    nos: set[int]
    statuses: int  # rows with a status written
    other_place: bool = False  # its 填报单位 names another place's body ("济源市交通运输局")
    # Measure → the status cell its table gives (the last row of a number wins, as rows.py reads it)
    status_cells: dict[int, Any] = field(default_factory=dict)
    fit: int = UNDATED  # how its 填报日期 fits the week the file answers (_week_fit)
    named: date | None = None  # without a 填报日期: the day its sheet is named for ("1月6日"), one sheet per week

    @property
    def day(self) -> date | None:
        return self.filled or self.named

    @property
    def where(self) -> str:
        return f"工作表“{self.table.sheet.name}”第 {self.table.header + 1} 行起的报表"


@dataclass
class Group:
    """The tables read as one unit's return: the first gives the header block, the rest add rows."""

    unit: str | None
    tables: list[Candidate] = field(default_factory=list)


def _candidate(table: Table, directory: UnitDirectory) -> Candidate:
    block = read_block(table)
    written = nz.text(block.value("unit"))
    unit = None
    other_place = False
    if written:
        match = written_unit(directory, written)
        unit, other_place = match.unit, bool(match.foreign)
    name = table.sheet.name.strip()
    if unit is None and not other_place and not _GENERIC_SHEETS.match(name):
        unit = units_in_text(directory, name).unit
    said: dict[int, Any] = {}
    statuses = 0
    for index in range(table.header + 1, table.end):
        cells = table.cells(index)
        no = nz.measure_no(cells.get("no"))
        if no is not None:
            said[no] = cells.get("status")
        statuses += not nz.is_blank(cells.get("status"))
    filled = nz.parse_day(block.value("filled"))
    return Candidate(table, block, unit, filled, set(said), statuses, other_place, said)


def choose_tables(
    ctx: Context,
    tables: list[Table],
    directory: UnitDirectory,
    main_unit: str | None,
    master: MasterList | None = None,
    *,
    week: date | None = None,
    weekday: int = 4,
) -> list[Group]:
    """Groups of tables to read, the main unit's first; problems say what was chosen and skipped.

    week: the deadline the file's template was made for, if known: the week its tables' 填报日期 should fall in."""
    if len(tables) == 1:  # the common case: nothing to choose, nothing to scan
        return [Group(main_unit, [Candidate(tables[0], read_block(tables[0]), None, None, set(), 0)])]
    every = [_candidate(t, directory) for t in tables]
    received = ctx.book.file.received_at
    arrived = received.date() if received else None
    for cand in every:
        cand.named = _named_day(cand.table.sheet.name, arrived) if cand.filled is None else None
    if any(cand.day is None for cand in every):  # sheet names tell the weeks apart only when every table is dated
        for cand in every:
            cand.named = None
    for cand in every:
        cand.fit = _week_fit(cand.day, week, weekday, arrived)
    # A visible table filled in by another place's body is read on its own (and attributed to no unit of ours),
    # never combined with or chosen over this unit's table.
    elsewhere = [Group(None, [c]) for c in every if c.other_place and not c.table.sheet.hidden]
    candidates = [c for c in every if not (c.other_place and not c.table.sheet.hidden)]
    if not candidates:
        return elsewhere
    # A hidden sheet naming another unit is an old copy, not that unit's return: only visible sheets split a file.
    named = {c.unit for c in candidates if c.unit and not c.table.sheet.hidden}
    main = main_unit if main_unit in named or not named else next(c.unit for c in candidates if c.unit)
    by_unit: dict[str | None, list[Candidate]] = {}
    for cand in candidates:
        key = cand.unit if cand.unit in named and len(named) > 1 else main
        by_unit.setdefault(key, []).append(cand)
    groups = [Group(main, by_unit.pop(main, []))] + [Group(u, cands) for u, cands in by_unit.items()]
    owned = {g.unit: {m.no for m in master.measures_of(g.unit)} for g in groups if master and g.unit}
    return [_pick(ctx, group, owned.get(group.unit, set())) for group in groups if group.tables] + elsewhere


def _pick(ctx: Context, group: Group, owned: set[int]) -> Group:
    cands = group.tables
    if len(cands) == 1:
        return group
    if _disjoint(cands, group.unit, owned):
        sheets = "、".join(dict.fromkeys(f"“{c.table.sheet.name}”" for c in cands))
        ctx.add(
            "table-chosen",
            chosen=f"工作表{sheets}中的全部 {len(cands)} 张报表",
            why="各表所填措施不重复，已合并",
            skipped="无",
        )
        return group
    best = max(range(len(cands)), key=lambda i: _score(cands[i], i, owned))
    chosen = cands[best]
    if len({c.table.sheet.name for c in cands}) == 1:  # several returns pasted into one sheet
        rows = "、".join(str(c.table.header + 1) for c in cands)
        why = _why(chosen, cands, owned)
        ctx.add("table-several", count=len(cands), rows=rows, row=chosen.table.header + 1, why=why)
    else:
        others = [c for c in cands if c is not chosen]
        skipped = "；".join(c.where for c in others)
        why = _why(chosen, cands, owned)
        # Chosen only for being fuller or further right, over a table that says otherwise: a guess, said as one.
        guessed = why not in (_HIDDEN, _OWN, _OTHER_WEEK, _OTHER_WEEK_NAMED) and not why.startswith(
            (_LATEST, _LATEST_NAMED)
        )
        rivals = _rivals(chosen, cands)  # a hidden sheet lost on being hidden: what it says is no doubt
        code = "table-chosen-unsure" if guessed and any(_disagree(chosen, c) for c in rivals) else "table-chosen"
        ctx.add(code, chosen=chosen.where, why=why, skipped=skipped)
    return Group(group.unit, [chosen])


def _statuses(cand: Candidate) -> dict[int, str]:
    """Measure → the status text its table gives."""
    return {no: nz.label_key(value) for no, value in cand.status_cells.items()}


def _disagree(one: Candidate, other: Candidate) -> bool:
    """Whether two tables give a different status for a measure both list. A table with no status filled in at
    all (the blank template kept beside the filled copy) says nothing against the other."""
    mine, theirs = _statuses(one), _statuses(other)
    if not any(mine.values()) or not any(theirs.values()):
        return False
    return any(mine[no] != theirs[no] for no in mine.keys() & theirs.keys())


def _disjoint(cands: list[Candidate], unit: str | None, owned: set[int]) -> bool:
    """Visible tables of this unit, each with measures of its own: one sheet per measure, to be combined."""
    if any(c.table.sheet.hidden or not c.nos or c.unit not in (None, unit) for c in cands):
        return False
    if owned and any(not c.nos & owned for c in cands):  # a table of someone else's measures is not a part
        return False
    return sum(len(c.nos) for c in cands) == len(set().union(*(c.nos for c in cands)))


def _week_fit(filled: date | None, week: date | None, weekday: int, received: date | None) -> int:
    """IN_WEEK: the 填报日期 falls in the week the file answers (or that week is unknown); OTHER_WEEK: another
    week's, or after the file arrived (last week's copy kept, next week's draft begun); UNDATED: none."""
    if filled is None:
        return UNDATED
    if received is not None and filled > received:
        return OTHER_WEEK
    if week is None:
        return IN_WEEK
    return IN_WEEK if week_day_of(filled, weekday) == week else OTHER_WEEK


NAMED_DAYS = 62  # a sheet named for a day longer ago than this is no week of this season's returns


def _named_day(name: str, received: date | None) -> date | None:
    """The day a sheet's whole name gives ("1月6日", "2021.1.6", "20210106"), in the two months before the file
    arrived; None for any other name ("落实情况", "1月6日(2)") or day ("1月8日" arriving 1月7日: a year ago?)."""
    if received is None:
        return None
    day = nz.parse_day(name.strip(), received.year, not_after=received)
    return day if day is not None and (received - day).days <= NAMED_DAYS else None


def _score(cand: Candidate, position: int, owned: set[int]) -> tuple[bool, int, date, int, int, int]:
    """Visible, then a 填报日期 (or, without one, the day the sheet is named for) in the week answered (undated
    next), then the latest, then most of the unit's own measures, then most statuses, then later. Newest alone
    chose last week's dated copy over this week's undated sheet, and a next week's draft over this week's form."""
    dated = cand.day if cand.fit == IN_WEEK else None
    return (not cand.table.sheet.hidden, cand.fit, dated or date.min, len(cand.nos & owned), cand.statuses, position)


_HIDDEN, _LATEST, _OWN = "其余在隐藏工作表中", "填报日期最新", "所填为本单位负责的措施"
_LATEST_NAMED = "工作表名称所示日期最新"
_OTHER_WEEK = "其余报表的填报日期属于其他周或晚于收到日期"
_OTHER_WEEK_NAMED = "其余报表的填报日期或工作表名称所示日期属于其他周或晚于收到日期"


def _rivals(chosen: Candidate, cands: list[Candidate]) -> list[Candidate]:
    """The other tables the chosen one won over on content: the visible ones, when it is visible itself."""
    others = [c for c in cands if c is not chosen]
    return others if chosen.table.sheet.hidden else [c for c in others if not c.table.sheet.hidden]


def _why(chosen: Candidate, cands: list[Candidate], owned: set[int]) -> str:
    """Why the chosen table won, over the tables it won against on content (a hidden one loses to a visible one
    on that alone: "其余在隐藏工作表中" only when every other table is hidden)."""
    others = _rivals(chosen, cands)
    if not others:
        return _HIDDEN
    if chosen.fit != OTHER_WEEK and all(c.fit == OTHER_WEEK for c in others):
        return _OTHER_WEEK_NAMED if any(c.named for c in [chosen, *others]) else _OTHER_WEEK
    if chosen.day and all((c.day or date.min) < chosen.day for c in others):
        if chosen.filled:
            return f"{_LATEST}（{chosen.filled.isoformat()}）"
        name = chosen.table.sheet.name.strip()
        return f"{_LATEST_NAMED}（“{name}”，即 {chosen.day.isoformat()}；该表未填写填报日期）"
    if all(len(c.nos & owned) < len(chosen.nos & owned) for c in others):
        return _OWN
    if all(c.statuses < chosen.statuses for c in others):
        return f"填写最完整（{chosen.statuses} 项填有完成状态）"
    return "各表内容相当，取最后一张"


def report_columns(ctx: Context, table: Table) -> None:
    """Say which column was read where several name one field, and when a column read is hidden or last week's."""
    hidden = table.sheet.hidden_cols
    for key, col, others in table.notes:
        label = nz.text(table.labels[col])
        rank = label_rank(table.labels, col)
        listed = "、".join(f"{_letter(c)} 列“{nz.text(table.labels[c])}”" for c in [col, *others])
        if rank == LAST_WEEK:  # every column of the field is last week's: said below
            continue
        stale = all(c in hidden or label_rank(table.labels, c) == LAST_WEEK for c in others)
        code = "column-chosen" if col not in hidden and (rank == 0 or stale) else "column-ambiguous"
        why = "该列标明为本周" if rank == 0 else "其余列标明为上周或已隐藏"
        cell = cell_ref(col, table.header)
        ctx.add(code, cell=cell, field=FIELD_NAMES[key], columns=listed, chosen=label, col=_letter(col), why=why)
    _report_last_week(ctx, table)
    _report_status_like(ctx, table)
    for key, col in table.cols.items():
        if col in hidden:
            letter = _letter(col)
            ctx.add(
                "column-hidden", cell=cell_ref(col, table.header), label=nz.text(table.labels[col]) or key, col=letter
            )


def _report_last_week(ctx: Context, table: Table) -> None:
    """A field found only in a column labelled last week's: statuses are not read (rows.py), progress is."""
    for key, name in FIELD_NAMES.items():
        if table.last_week(key):
            col = table.cols[key]
            code = "column-last-week" if key == "status" else "column-last-week-read"
            label = nz.text(table.labels[col])
            ctx.add(code, cell=cell_ref(col, table.header), field=name, col=_letter(col), label=label)


def _report_status_like(ctx: Context, table: Table) -> None:
    """Header cells that read like another status column ("调整后状态", or a bare 本周 beside 完成状态).

    The column read may be the old one: the unit's new column under a label of its own is never read silently.
    """
    col = table.cols.get("status")
    if col is None or table.last_week("status"):
        return
    for other, value in enumerate(table.labels):
        if other != col and (status_like(value) or (abs(other - col) == 1 and is_this_week_word(value))):
            ctx.add(
                "column-status-other",
                cell=cell_ref(other, table.header),
                label=nz.text(value),
                other=_letter(other),
                chosen=nz.text(table.labels[col]),
                col=_letter(col),
            )


def _letter(col: int) -> str:
    return cell_ref(col, 0)[:-1]
