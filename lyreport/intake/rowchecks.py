"""A row's status checked against the other cells of the same row that also tell of it: a 是否完成 / 完成率 cell,
the 本周进展 and 存在问题 texts, and other columns that may hold this week's status (Table.other_status_cols).

Each check returns the status to read: the one written, 进度滞后 where a lag in either wins (said), or None where
the two disagree and which holds cannot be told (an error: the measure never closes on a contradicted 已完成).
"""

from __future__ import annotations

from typing import Any

from ..models import DONE, LAGGING, NOT_STARTED, ON_TRACK
from . import normalize as nz
from .attribution import Context
from .cellrefs import cell_ref
from .layout import Table
from .status_words import bare_status, text_denies_done, text_key, text_says_done, text_says_lag


def checked_against_done(ctx: Context, table: Table, index: int, raw: Any, status: str, no: int) -> str | None:
    """The status checked against a 是否完成 / 完成率 cell of the same row.

    已完成 beside 否 or 60%, or beside an answer that is neither yes nor no (待定), cannot be vouched for: an error,
    and not read (the measure does not close). Another status beside 是 or 100% is read as written (it never
    closes a measure) and said.
    """
    claim = nz.done_claim(raw)
    label = nz.text(table.labels[table.cols["done_check"]])
    if claim is None and status == DONE and not nz.is_blank(raw):  # "待定", "部分": no yes vouches for the done
        ctx.add(
            "status-done-check-unclear", cell=table.ref("status", index), no=no, label=label, value=_clip(raw),
            col=table.ref("done_check", index),
        )  # fmt: skip
        return None
    if claim is None or claim == (status == DONE):
        return status
    share = nz.done_share(raw) if isinstance(raw, float) and not label.startswith("是否") else None
    shown = f"{share:g}%" if share is not None else nz.text(raw)  # Excel's 1.05 is the 105% the unit sees
    fields = {"no": no, "status": status, "label": label, "value": shown, "col": table.ref("done_check", index)}
    if status == DONE:
        ctx.add("status-contradicted", cell=table.ref("status", index), **fields)
        return None
    ctx.add("status-done-elsewhere", cell=table.ref("status", index), **fields)
    return status


def checked_against_text(
    ctx: Context,
    table: Table,
    index: int,
    cells: dict[str, Any],
    status: str,
    no: int,
    skip: frozenset[tuple[int, int]] = frozenset(),
) -> str | None:
    """The status checked against the 本周进展, 存在问题, 备注 and 下一步计划 of the same row.

    A bare status word in 本周进展 ("进度滞后") other than the status read (the two columns filled the wrong way
    round, or two statuses given): a lag in either is read (said); otherwise it cannot be told which holds (an
    error, not read). Another status beside a text that says the whole work is done ("本项工作已全部完成并通过
    验收") is read as written, and said. A 已完成 beside a text saying 尚未完成, 未开工 or 滞后, or work still to finish (预计下月完成,
    正在施工, 已完成80%, 尚有扫尾工作, 待验收: status_words.text_denies_done) is not vouched for (an error, as a
    是否完成 of 否; in 下一步计划 a warning). Another status beside a text telling of a lag is read as written, and said.
    skip: cells not to check again (a continuation row's cells filled from a merge above, checked there).
    """
    progress = "" if (index, table.cols.get("progress")) in skip else text_key(cells.get("progress"))
    other = bare_status(progress)
    if other is not None and other != status:
        fields = {"no": no, "status": status, "other": other, "col": table.ref("progress", index)}
        if LAGGING in (status, other):
            ctx.add("status-progress-lag", cell=table.ref("status", index), **fields)
            return LAGGING
        ctx.add("status-progress-conflict", cell=table.ref("status", index), **fields)
        return None
    if other is not None:
        return status
    texts = [
        (table.cols[key], cells.get(key), progress if key == "progress" else None)
        for key in TEXT_CHECKED
        if key in table.cols and (index, table.cols[key]) not in skip
    ]
    return checked_against_sentences(ctx, table, index, texts, status, no)


# 下一步计划 looks ahead by nature ("争取早日投入使用" may follow a finished build): a 已完成 beside a plan in it
# is read and warned; beside 尚未开工 or 滞后 there, as in the other columns, it is an error.
TEXT_CHECKED = ("progress", "issues", "remark", "next_steps")
_PLAN = "next_steps"


def checked_against_sentences(
    ctx: Context, table: Table, index: int, texts: list[tuple[int, Any, str | None]], status: str, no: int
) -> str | None:
    """The status checked against free texts of the row, given as (column, value, its text_key or None)."""
    if status == LAGGING:  # a lag told in the text adds nothing to a lag
        return status
    for col, value, said in texts:
        if nz.is_blank(value):
            continue
        said = said if said is not None else text_key(value)
        fields = {"no": no, "label": _label(table, col), "col": cell_ref(col, index), "value": _clip(value)}
        plan = table.cols.get(_PLAN) == col
        if status == DONE and plan and text_denies_done(said) and not text_denies_done(said, plans=False):
            ctx.add("status-denied-in-plan", cell=table.ref("status", index), **fields)
            continue
        if status == DONE and text_denies_done(said):
            ctx.add("status-denied-in-text", cell=table.ref("status", index), **fields)
            return None
        if status in (ON_TRACK, NOT_STARTED) and text_says_lag(said):
            ctx.add("status-lag-in-text", cell=table.ref("status", index), status=status, **fields)
            return status
        if status in (ON_TRACK, NOT_STARTED) and text_says_done(said):  # read as written: it never closes
            ctx.add("status-done-in-text", cell=table.ref("status", index), status=status, **fields)
            return status
    return status


def checked_against_note(ctx: Context, table: Table, index: int, status: str, no: int) -> str | None:
    """The status checked against a note (comment, 批注) on its own cell, which the sheet shows only on hover.

    A note naming another status ("实际为滞后", "进度滞后"): a lag in either is read (said); otherwise it cannot be
    told which holds (an error, not read); one repeating the status says nothing. A note denying a 已完成 (尚未完成, 未开工, 滞后) is an error, as the same
    words in 存在问题 are; one telling of a lag beside another status is said. Any other note is shown (info).
    """
    note = table.sheet.notes.get((index, table.cols["status"]))
    if not note:
        return status
    cell = table.ref("status", index)
    said = text_key(note)
    fields = {"no": no, "status": status, "note": _clip(note)}
    other = bare_status(said) or _note_status(said)
    if other == status:  # the note repeats the status: nothing to say
        return status
    if other is not None:
        if LAGGING in (status, other):
            ctx.add("status-note-lag", cell=cell, read=LAGGING, **fields)
            return LAGGING
        ctx.add("status-note-conflict", cell=cell, other=other, **fields)
        return None
    if other is None and status == DONE and text_denies_done(said):
        ctx.add("status-note-denies", cell=cell, **fields)
        return None
    if other is None and status in (ON_TRACK, NOT_STARTED) and text_says_lag(said):
        ctx.add("status-note-lag", cell=cell, read=status, **fields)
        return status
    ctx.add("status-note", cell=cell, **fields)
    return status


def _note_status(said: str) -> str | None:
    """The status a short note gives after a lead-in ("实际为滞后", "应为：已完成", "实际：正常推进"), else None."""
    for lead in ("实际为", "实际是", "实际上", "实际", "应为", "应是", "改为", "更正为", "批注"):
        at = said.find(lead)
        if at >= 0:
            found = bare_status(said[at + len(lead) :].lstrip(":：，, "))
            if found is not None:
                return found
    return None


def checked_against_other(ctx: Context, table: Table, index: int, col: int, status: str, no: int) -> str | None:
    """The status checked against another column that may hold it (Table.other_status_cols).

    Another status word there: a lag in either is read (said); otherwise it cannot be told which holds (an error,
    not read). A sentence there is checked as 存在问题 is: it may deny a 已完成 or tell of a lag.
    """
    row = table.sheet.rows[index]
    raw = row[col] if col < len(row) else None
    said = text_key(raw)
    other = bare_status(said)
    if other is None or other == status:
        return checked_against_sentences(ctx, table, index, [(col, raw, said)], status, no)
    fields = {"no": no, "status": status, "label": _label(table, col), "col": cell_ref(col, index)}
    fields["value"] = _clip(raw)
    if LAGGING in (status, other):
        ctx.add("status-second-lag", cell=table.ref("status", index), **fields)
        return LAGGING
    ctx.add("status-second-conflict", cell=table.ref("status", index), **fields)
    return None


UNLABELLED = "表头未写列名的一列"  # how a message names a column the unit added without a header


def _label(table: Table, col: int) -> str:
    return (nz.text(table.labels[col]) if col < len(table.labels) else "") or UNLABELLED


def _clip(value: Any, size: int = 40) -> str:
    text = nz.text(value)
    return text if len(text) <= size else text[: size - 1] + "…"
