"""The tracking workbook (工作台账.xlsx): overview, measure progress, submissions, problems and history."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.styles.fills import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from ..atomic import save_workbook
from ..models import LIGHTS, STATUSES, UNIT_STATES, HistoryView, MasterList, Measure, MeasureWeek, UnitWeek, WeekResult
from ..problems import ERROR, INFO, SEVERITY_LABELS, WARNING, Problem
from ..weeks import cn_date
from . import xlsx_style as xs
from .ledger_charts import DEFAULT_WEEKS, write_trends

ledger_filename = "工作台账.xlsx"

NOT_REPORTED = "未报"
CLOSED_LABEL = "已完成（销号）"
# Short labels for the units × weeks matrix, where the full UNIT_STATES labels are too wide.
STATE_SHORT = {"on_time": "按时", "late": "迟报", "missing": "未报", "invalid": "有误"}
HEADER_ROW = 2
FIRST_ROW = 3

OVERVIEW_HEADERS = ("类别", "项目", "数量", "明细")
MEASURE_HEADERS = (
    "序号", "类别", "措施内容", "责任单位", "节点日期", "状态", "亮灯",
    "本周进展", "存在问题", "下一步计划", "是否逾期", "距下一节点天数",
)  # fmt: skip
PROBLEM_HEADERS = ("序号", "严重程度", "单位", "文件", "工作表", "单元格", "问题说明", "代码")
HISTORY_FIELDS = (
    ("week", "周次"), ("unit", "单位"), ("measure_no", "序号"), ("role", "责任类型"), ("status", "完成状态"),
    ("progress", "本周进展"), ("issues", "存在问题"), ("next_steps", "下一步计划"), ("expected", "预计完成时间"),
    ("remark", "备注"), ("file", "来源文件"), ("received_at", "收到时间"),
)  # fmt: skip
_LIGHT_FONT = {"red": Font(name=xs.FONT_NAME, size=11, bold=True, color="FFFFFF"),
               "green": Font(name=xs.FONT_NAME, size=11, bold=True, color="FFFFFF"),
               "yellow": Font(name=xs.FONT_NAME, size=11, bold=True)}  # fmt: skip
_SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


def write_ledger(
    result: WeekResult, history: HistoryView, master: MasterList, target: Path, *, trend_weeks: int = DEFAULT_WEEKS
) -> Path:
    """Write 工作台账.xlsx for the report week atomically; returns `target`."""
    wb = Workbook()
    _overview(wb.active, result)
    write_trends(wb.create_sheet(), result, history, _title(result, "趋势"), trend_weeks)
    _measures(wb.create_sheet("措施进展"), result, master)
    _submissions(wb.create_sheet("报送情况"), result, history)
    _problems(wb.create_sheet("问题清单"), result.problems, _title(result, "问题清单"))
    _history(wb.create_sheet("历史记录"), history, _title(result, "历史记录"), result.deadline.tzinfo)
    wb.properties.creator = "lyreport"
    wb.properties.title = _title(result, "工作台账")
    save_workbook(wb, target, when=result.deadline.replace(tzinfo=None))
    return target


def _title(result: WeekResult, part: str) -> str:
    return f"{result.list_title}工作台账·{part}（第{result.period}期，截至{cn_date(result.week)}）"


def _start(sheet: Worksheet, name: str, title: str, headers: tuple[str, ...], widths: Iterable[float]) -> None:
    sheet.title = name
    xs.write_title(sheet, 1, title, len(headers))
    xs.write_header(sheet, HEADER_ROW, headers)
    xs.set_widths(sheet, list(widths))


def _finish(sheet: Worksheet, ncols: int, *, centered: Iterable[int] = (), freeze_col: int = 1, slack: int = 0) -> None:
    """Body style, row heights, frozen header, filter and print setup, after all values are in."""
    last = max(sheet.max_row, FIRST_ROW - 1)
    xs.style_body(sheet, FIRST_ROW, last, ncols, centered=centered)
    xs.fit_rows(sheet, FIRST_ROW, last, slack=slack)
    xs.table_sheet(sheet, HEADER_ROW, last, ncols, freeze_col=freeze_col)


def _numbers(nos: Iterable[int]) -> str:
    """第1、5、12条"""
    nos = sorted(nos)
    return f"第{'、'.join(str(n) for n in nos)}条" if nos else ""


def _put(sheet: Worksheet, row: int, col: int, value: Any) -> None:
    """Write one value: text always as a string cell, dates as date cells, numbers as numbers."""
    cell = sheet.cell(row, col)
    if isinstance(value, datetime):
        xs.set_datetime(cell, value, None)
    elif isinstance(value, date):
        xs.set_date(cell, value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
    else:
        xs.set_text(cell, value)


# ----------------------------------------------------------------- 总览
def _overview_rows(result: WeekResult) -> list[tuple[str, str, int, str]]:
    rows: list[tuple[str, str, int, str]] = [("报送情况", "应报单位", len(result.units), "")]
    for state, label in UNIT_STATES.items():
        units = [u for u in result.units if u.state == state]
        names = [_overview_name(u, result) for u in units]
        rows.append(("报送情况", label, len(units), "、".join(names)))
    for light, label in (("red", "红灯"), ("yellow", "黄灯"), ("green", "绿灯")):
        nos = [m.no for m in result.measures if m.light == light]
        rows.append(("亮灯情况", label, len(nos), _numbers(nos)))
    for status in (*STATUSES, None):
        nos = [m.no for m in result.measures if m.status == status]
        rows.append(("完成状态", status or NOT_REPORTED, len(nos), _numbers(nos)))
    closed = [m.no for m in result.measures if m.closed]
    rows.append(("完成状态", "其中已销号", len(closed), _numbers(closed)))
    overdue = [m.no for m in result.measures if m.overdue]
    rows.append(("节点情况", "逾期未完成", len(overdue), _numbers(overdue)))
    for severity in (ERROR, WARNING, INFO):
        count = sum(1 for p in result.problems if p.severity == severity)
        rows.append(("问题清单", SEVERITY_LABELS[severity], count, "详见“问题清单”工作表" if count else ""))
    return rows


def _overview_name(u: UnitWeek, result: WeekResult) -> str:
    if u.invalid_reason:
        return f"{u.name}（{u.invalid_reason}）"
    if u.corrected_at is not None:  # on time by an earlier copy; the data is a correction received later
        at = u.corrected_at.astimezone(result.deadline.tzinfo)
        return f"{u.name}（{at.month}月{at.day}日 {at:%H:%M} 收到更正，采用更正件）"
    return u.name


def _overview(sheet: Worksheet, result: WeekResult) -> None:
    _start(sheet, "总览", _title(result, "总览"), OVERVIEW_HEADERS, (12, 14, 8, 90))
    fills = {"迟报": xs.STATE_FILLS["late"], "未报送": xs.STATE_FILLS["missing"], "报送有误": xs.STATE_FILLS["invalid"]}
    fills |= {"逾期未完成": xs.WARN_FILL}
    for row, (group, item, count, detail) in enumerate(_overview_rows(result), start=FIRST_ROW):
        for col, value in enumerate((group, item, count, detail), start=1):
            _put(sheet, row, col, value)
    # Long number lists (第1、2、4…条) break unpredictably in WPS/LibreOffice: give wrapped rows a spare line.
    _finish(sheet, len(OVERVIEW_HEADERS), centered=(1, 2, 3), slack=1)
    for row in range(FIRST_ROW, sheet.max_row + 1):
        item, count = sheet.cell(row, 2).value, sheet.cell(row, 3).value
        light = {"红灯": "red", "黄灯": "yellow", "绿灯": "green"}.get(item)
        fill = xs.LIGHT_FILLS[light] if light else fills.get(item)
        if fill is not None and count:
            sheet.cell(row, 2).fill = fill


# ----------------------------------------------------------------- 措施进展
def _units_text(measure: Measure) -> str:
    return "、".join(f"{u}（牵头）" if i == 0 else u for i, u in enumerate(measure.units))


def _nodes_value(measure: Measure) -> date | str:
    """A single node as a real date; several (or only wording) as text."""
    if len(measure.nodes) == 1:
        return measure.nodes[0]
    if measure.nodes:
        return "；".join(d.isoformat() for d in measure.nodes)
    return measure.timing


def _report_lines(mw: MeasureWeek, field: str, *, note_missing: bool = False) -> str:
    """Per-unit lines “【市发改委】…”, lead first."""
    lines = []
    for unit in mw.measure.units:
        report = mw.reports.get(unit)
        text = getattr(report, field, "") if report is not None else ""
        if text:
            source = "（据扫描件）" if report is not None and report.from_scan else ""
            lines.append(f"【{unit}{source}】{text}")
        elif note_missing and report is None:
            lines.append(f"【{unit}】（本周未报送）")
    return "\n".join(lines)


def _status_text(mw: MeasureWeek | None) -> str:
    if mw is None:
        return NOT_REPORTED
    if mw.closed:
        return CLOSED_LABEL
    return mw.status or NOT_REPORTED


def _measure_row(measure: Measure, mw: MeasureWeek | None) -> list[Any]:
    base = [measure.no, measure.category, measure.text, _units_text(measure), _nodes_value(measure)]
    if mw is None:
        return [*base, NOT_REPORTED, "", "", "", "", "", None]
    return [
        *base,
        _status_text(mw),
        LIGHTS.get(mw.light, ""),
        _report_lines(mw, "progress", note_missing=not mw.closed),
        _report_lines(mw, "issues"),
        _report_lines(mw, "next_steps"),
        "是" if mw.overdue else "否",
        mw.days_to_next_node,
    ]


def _measures(sheet: Worksheet, result: WeekResult, master: MasterList) -> None:
    widths = (6, 14, 45, 22, 12, 14, 8, 45, 28, 28, 8, 10)
    _start(sheet, "措施进展", _title(result, "措施进展"), MEASURE_HEADERS, widths)
    known = {m.no for m in master.measures}
    measures = [*master.measures, *(mw.measure for mw in result.measures if mw.no not in known)]
    lights: dict[int, str] = {}
    for row, measure in enumerate(measures, start=FIRST_ROW):
        mw = result.measure(measure.no)
        for col, value in enumerate(_measure_row(measure, mw), start=1):
            _put(sheet, row, col, value)
        if mw is not None:
            lights[row] = mw.light
    _finish(sheet, len(MEASURE_HEADERS), centered=(1, 5, 6, 7, 11, 12))
    for row, light in lights.items():
        _paint(sheet.cell(row, 7), xs.LIGHT_FILLS.get(light), _LIGHT_FONT.get(light))
        if sheet.cell(row, 11).value == "是":
            sheet.cell(row, 11).fill = xs.WARN_FILL


def _paint(cell: Any, fill: PatternFill | None, font: Font | None = None) -> None:
    if fill is not None:
        cell.fill = fill
    if font is not None:
        cell.font = font


# ----------------------------------------------------------------- 报送情况
def _submissions(sheet: Worksheet, result: WeekResult, history: HistoryView) -> None:
    weeks = sorted(set(history.weeks) | {result.week})
    headers = ("单位", *(w.isoformat() for w in weeks), "连续未按时")
    _start(sheet, "报送情况", _title(result, "报送情况"), headers, (22, *(11 for _ in weeks), 11))
    names = [u.name for u in result.units]
    names += sorted({unit for (_, unit) in history.unit_states} - set(names))
    for row, name in enumerate(names, start=FIRST_ROW):
        _put(sheet, row, 1, name)
        for col, week in enumerate(weeks, start=2):
            state = _state_of(result, history, week, name)
            _put(sheet, row, col, STATE_SHORT.get(state or "", ""))
        unit = result.unit(name)
        _put(sheet, row, len(headers), unit.consecutive_missed if unit else None)
    _finish(sheet, len(headers), centered=range(2, len(headers) + 1), freeze_col=2)
    for row in range(FIRST_ROW, sheet.max_row + 1):
        for col, week in enumerate(weeks, start=2):
            _paint(sheet.cell(row, col), xs.STATE_FILLS.get(_state_of(result, history, week, sheet.cell(row, 1).value)))
        missed = sheet.cell(row, len(headers))
        if isinstance(missed.value, int) and missed.value >= 2:
            missed.fill = xs.WARN_FILL


def _state_of(result: WeekResult, history: HistoryView, week: date, name: str) -> str | None:
    state = history.unit_states.get((week, name))
    if state is None and week == result.week and (unit := result.unit(name)) is not None:
        state = unit.state
    return state


# ----------------------------------------------------------------- 问题清单
def _problems(sheet: Worksheet, problems: list[Problem], title: str) -> None:
    _start(sheet, "问题清单", title, PROBLEM_HEADERS, (6, 9, 16, 30, 12, 9, 60, 20))
    ordered = sorted(problems, key=lambda p: _SEVERITY_ORDER.get(p.severity, 3))
    for row, p in enumerate(ordered, start=FIRST_ROW):
        values = (row - FIRST_ROW + 1, p.severity_label, p.unit, p.file, p.sheet, p.cell, p.message, p.code)
        for col, value in enumerate(values, start=1):
            _put(sheet, row, col, value)
    _finish(sheet, len(PROBLEM_HEADERS), centered=(1, 2, 6))
    for row in range(FIRST_ROW, sheet.max_row + 1):
        if sheet.cell(row, 2).value == SEVERITY_LABELS[ERROR]:
            sheet.cell(row, 2).fill = xs.WARN_FILL


# ----------------------------------------------------------------- 历史记录
def _history(sheet: Worksheet, history: HistoryView, title: str, zone: tzinfo | None) -> None:
    headers = tuple(label for _, label in HISTORY_FIELDS)
    _start(sheet, "历史记录", title, headers, (11, 18, 6, 8, 10, 45, 28, 28, 12, 14, 28, 16))
    convert: dict[str, Callable[[Any], Any]] = {
        "week": _as_date,
        "expected": _as_date,
        "received_at": lambda v: xs.naive_local(_as_datetime(v), zone),
    }
    for row, record in enumerate(history.rows, start=FIRST_ROW):
        for col, (key, _) in enumerate(HISTORY_FIELDS, start=1):
            value = record.get(key)
            _put(sheet, row, col, convert[key](value) if key in convert else value)
    _finish(sheet, len(headers), centered=(1, 3, 4, 5, 9, 12))


def _as_date(value: Any) -> Any:
    """ISO text from the history store as a real date; anything else unchanged."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return value
    return value


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return None
