"""Cells of a row that cannot be read as they stand: a formula without a saved result, an error value (#REF!),
text the sheet does not show (concealed.py), text typed as a formula. Each is said at its cell; a status among
them is not read at all (rows.py reads the rest of the row)."""

from __future__ import annotations

from typing import Any

from ..models import DONE
from ..problems import ERROR, WARNING
from . import normalize as nz
from .attribution import Context
from .errorvalues import meaning as error_meaning
from .layout import Table


def unreadable_fields(ctx: Context, table: Table, index: int) -> set[str]:
    """Fields of this row whose cell is a formula without a saved result or holds an error value (#REF!):
    reported, never read as empty."""
    found: set[str] = set()
    sheet = table.sheet
    if sheet.concealed:
        _concealed(ctx, table, index, found)
    if sheet.linked:
        _formula_cells(ctx, table, index, "cell-linked", sheet.linked)
    if sheet.recalc:
        _formula_cells(ctx, table, index, "cell-recalc", sheet.recalc)
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


def _formula_cells(ctx: Context, table: Table, index: int, code: str, formulas: dict[tuple[int, int], str]) -> None:
    """Cells of this row whose formula's saved value is read as saved, and said with the formula: "cell-linked"
    (the value comes from another file, a program (DDE) or the web, never typed into this return) or
    "cell-recalc" (put there uncalculated by a writer that asks Excel/WPS to recalculate on opening)."""
    for key, col in table.cols.items():
        formula = formulas.get((index, col))
        if formula is None or table.sheet.unreadable(index, col):  # no value read: said as such already
            continue
        row = table.sheet.rows[index] if index < len(table.sheet.rows) else []
        value = nz.text(row[col]) if col < len(row) else ""
        label = nz.text(table.labels[col]) if col < len(table.labels) else ""
        ctx.add(
            code,
            cell=table.ref(key, index),
            field=label or key,
            formula=formula if len(formula) <= 60 else formula[:57] + "…",
            value=value if len(value) <= 40 else value[:37] + "…",
        )


def _concealed(ctx: Context, table: Table, index: int, found: set[str]) -> None:
    """Cells of this row that hold something the sheet does not show (hidden under a merged cell, or shown as
    something else by their number format): a status nobody can see is not read; other fields are read and said."""
    for key, col in table.cols.items():
        hit = table.sheet.concealed.get((index, col))
        if hit is None:
            continue
        value, shown, why = hit
        kind, _, detail = why.partition(":")
        if kind == "cond":
            if key == "status":
                _conditional(ctx, table, index, value, detail, found)
            continue
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
        elif kind == "runs":
            text, _, back = detail.partition("/")
            shows = f"表上只显示“{_clip(shown)}”" if shown.strip() else "表上此处为空白"
            how = f"其中这部分文字的字体颜色（{text}）与单元格底色（{back}）相同或几乎相同，{shows}"
        else:
            how = f"单元格格式“{detail}”使其" + (f"显示为“{_clip(shown)}”" if shown.strip() else "不显示")
        fields = {"value": _clip(value), "how": how}
        if key == "status" and (kind != "runs" or _hidden_part_matters(table.sheet.rows[index][col], shown, value)):
            found.add(key)
            ctx.add("status-concealed", cell=table.ref(key, index), **fields)
        else:
            label = nz.text(table.labels[col]) if col < len(table.labels) else ""
            ctx.add("cell-concealed", cell=table.ref(key, index), field=label or key, **fields)


def _conditional(ctx: Context, table: Table, index: int, value: str, detail: str, found: set[str]) -> None:
    """A status under a conditional format that can hide or change it: a 已完成 is not read (the one reading that
    closes a measure must be what the sheet shows); another status is read, and the range said once per sheet."""
    ranges, _, why = detail.partition("|")
    kind, _, what = why.partition(":")
    if kind == "colour":
        text, _, back = what.partition("/")
        how = f"字体颜色（{text}）与底色（{back}）相同或几乎相同"
    else:
        how = f"单元格格式“{what}”"
    cell = table.ref("status", index)
    if nz.read_status(value)[0] == DONE:
        found.add("status")
        ctx.add("status-conditional", cell=cell, value=_clip(value), range=ranges, how=how)
    elif not any(
        p.code == "conditional-may-hide" and p.sheet == ctx.sheet and ranges in p.message for p in ctx.problems
    ):
        ctx.add("conditional-may-hide", cell=cell, range=ranges, how=how)


def _hidden_part_matters(full: Any, shown: str, hidden: str) -> bool:
    """Whether the status runs the sheet does not show change its reading: nothing shown, the whole text read
    otherwise than the part shown, or a hidden part that reads as a status of its own (a white 已完成 after a
    visible 正常推进). A hidden note that changes nothing is read, and said."""
    if not shown.strip():
        return True
    seen = nz.read_status(shown)[0]
    held = nz.read_status(hidden)[0]
    return nz.read_status(full)[0] != seen or (held is not None and held != seen)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 30 else text[:29] + "…"


def error_row(table: Table, index: int) -> bool:
    """Whether an otherwise empty row has an error value as its 序号 or status (a formula dragged down the date
    column alone, below the measures, makes no measure row)."""
    return any((index, table.cols.get(key, -1)) in table.sheet.errors for key in ("no", "status"))


def unreadable_no(table: Table, index: int) -> bool:
    """Whether the row's 序号 is a formula without a value or an error value: not blank, so the row does not
    continue the measure above (=A5+1 turned #REF! is a measure of its own)."""
    sheet = table.sheet
    if not sheet.uncached and not sheet.errors:
        return False
    return sheet.unreadable(index, table.cols.get("no", -1))


def formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.strip().startswith("=")


def check_formula(ctx: Context, value: Any, cell: str) -> None:
    """Text that looks like a formula is kept literally; say so, since Excel would have shown something else."""
    if formula_like(value):
        shown = nz.text(value)
        ctx.add("formula-text", cell=cell, value=shown if len(shown) <= 60 else shown[:57] + "…")
