"""The 趋势 sheet of the tracking workbook: native charts over the recent weeks, their data, a per-unit heat map.

Charts are openpyxl (DrawingML) charts, so they stay editable in Excel and WPS and render in LibreOffice. Every
chart reads its figures from the visible tables on the same sheet, so staff can check any bar against a cell.
Layout (top to bottom): four charts in two bands, 一、每周汇总 (the chart data), 二、各单位报送情况 (heat map).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.axis import ChartLines
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from ..models import UNIT_STATES, HistoryView, WeekResult
from . import xlsx_style as xs
from .trend_data import WeekTrend, trend_weeks, unit_states, week_trends

SHEET_NAME = "趋势"
DEFAULT_WEEKS = 26
STATE_SHORT = {"on_time": "按时", "late": "迟报", "missing": "未报", "invalid": "有误"}
WEEKLY_HEADERS = (
    ("week", "周次"), ("on_time", UNIT_STATES["on_time"]), ("late", UNIT_STATES["late"]),
    ("missing", UNIT_STATES["missing"]), ("invalid", UNIT_STATES["invalid"]), ("red", "红灯"), ("yellow", "黄灯"),
    ("green", "绿灯"), ("closed", "已销号"), ("overdue", "逾期未完成"),
)  # fmt: skip
# Strong colours for chart series (the pale cell fills of the tables would vanish in print).
SERIES_COLOURS = {
    "on_time": "00B050", "late": "FFC000", "missing": "FF0000", "invalid": "C55A11",
    "red": "FF0000", "yellow": "FFD700", "green": "00B050", "closed": "4472C4", "overdue": "C00000",
}  # fmt: skip
MISSED_HEADER = "未按时次数"
# Charts are anchored cell to cell (not by size): Excel, WPS and LibreOffice turn column widths into
# different centimetres, and only a two-cell anchor keeps the charts from overlapping in all of them.
BANDS = ((2, 18), (19, 35))  # 0-based rows of the two chart bands (rows 3–18 and 20–35)
GAP = 180000  # EMU (0.5 cm) between the left and the right chart
TABLE_ROW = 37
UNIT_CHART_LIMIT = 15
_SECTION_FONT = Font(name=xs.FONT_NAME, size=12, bold=True)
_STATE_RULE_FILLS = {short: xs.STATE_FILLS[key] for key, short in STATE_SHORT.items()}


@dataclass
class _Block:
    """Where a table landed: header row, first and last data row."""

    header: int
    first: int
    last: int


def write_trends(sheet: Worksheet, result: WeekResult, history: HistoryView, title: str, limit: int) -> None:
    """Fill `sheet` as the 趋势 sheet for the last `limit` weeks up to the report week."""
    sheet.title = SHEET_NAME
    trends = week_trends(result, history, limit)
    weeks = trend_weeks(result, history, limit)
    per_chart = chart_columns(len(weeks))
    span = max(2 * per_chart, 2 + len(weeks))
    xs.write_title(sheet, 1, title, span)
    xs.set_widths(sheet, [24, *(11 for _ in range(span - 1))])
    note = f"近{len(weeks)}周（{weeks[0].isoformat()} 至 {weeks[-1].isoformat()}），图表数据见下方两表"
    xs.write_title(sheet, 2, note, span, font=xs.NOTE_FONT, height=20)
    weekly = _weekly_table(sheet, trends, TABLE_ROW)
    units = _heat_map(sheet, result, history, weeks, weekly.last + 3)
    charts = [_units_chart(sheet, weekly), _lights_chart(sheet, weekly), _overdue_chart(sheet, weekly)]
    charts.append(_missed_chart(sheet, units, len(weeks)))
    for index, chart in enumerate(charts):
        if chart is not None:
            chart.anchor = _anchor(index, per_chart)
            sheet.add_chart(chart)
    xs.print_setup(sheet)
    sheet.row_breaks.append(Break(id=TABLE_ROW - 1))  # printed: the charts on a page of their own


def chart_columns(nweeks: int) -> int:
    """Columns (11 wide) per chart: 6 for a few weeks, up to 10 so that 26 weekly bars stay readable."""
    return min(10, max(6, nweeks // 3 + 2))


def _anchor(index: int, columns: int) -> TwoCellAnchor:
    """Chart `index` (0–3) in a 2 × 2 grid; the left one spans A (24 wide) plus columns-2 more columns."""
    first_row, last_row = BANDS[index // 2]
    left = index % 2 == 0
    start, end = (0, columns - 1) if left else (columns - 1, 2 * columns - 1)
    anchor = TwoCellAnchor()
    anchor._from = AnchorMarker(col=start, colOff=0 if left else GAP, row=first_row, rowOff=0)
    anchor.to = AnchorMarker(col=end, colOff=0, row=last_row, rowOff=0)
    return anchor


# ----------------------------------------------------------------- tables
def _section(sheet: Worksheet, row: int, text: str) -> None:
    xs.set_text(sheet.cell(row, 1), text).font = _SECTION_FONT
    sheet.row_dimensions[row].height = 22


def _weekly_table(sheet: Worksheet, trends: list[WeekTrend], top: int) -> _Block:
    _section(sheet, top, "一、每周汇总（单位数、措施项数；空白表示历史记录中没有该项数据）")
    header = top + 1
    xs.write_header(sheet, header, [label for _, label in WEEKLY_HEADERS])
    for row, trend in enumerate(trends, start=header + 1):
        xs.set_text(sheet.cell(row, 1), trend.week.isoformat())  # text, so charts get plain category labels
        for col, (key, _) in enumerate(WEEKLY_HEADERS[1:], start=2):
            sheet.cell(row, col).value = trend.figures()[key]
    block = _Block(header, header + 1, header + len(trends))
    xs.style_body(sheet, block.first, block.last, len(WEEKLY_HEADERS), centered=range(1, len(WEEKLY_HEADERS) + 1))
    return block


def _unit_rows(result: WeekResult, history: HistoryView, weeks: list[date]) -> list[tuple[str, list[str], int]]:
    """(unit, state per week, weeks not on time) — most often late or missing first, then in list order."""
    by_week = unit_states(result, history, weeks)
    per_week = [by_week[week] for week in weeks]
    names = [u.name for u in result.units]
    names += sorted({name for states in per_week for name in states} - set(names))
    rows = []
    for name in names:
        states = [states.get(name, "") for states in per_week]
        rows.append((name, states, sum(1 for s in states if s and s != "on_time")))
    order = {name: index for index, name in enumerate(names)}
    return sorted(rows, key=lambda r: (-r[2], order[r[0]]))


def _heat_map(sheet: Worksheet, result: WeekResult, history: HistoryView, weeks: list[date], top: int) -> _Block:
    _section(sheet, top, f"二、各单位报送情况（近{len(weeks)}周，未按时次数多的单位排在前面）")
    header = top + 1
    headers = ["单位", *(w.isoformat() for w in weeks), MISSED_HEADER]
    xs.write_header(sheet, header, headers)
    rows = _unit_rows(result, history, weeks)
    for row, (name, states, missed) in enumerate(rows, start=header + 1):
        xs.set_text(sheet.cell(row, 1), name)
        for col, state in enumerate(states, start=2):
            xs.set_text(sheet.cell(row, col), STATE_SHORT.get(state, ""))
        sheet.cell(row, len(headers)).value = missed
    block = _Block(header, header + 1, header + len(rows))
    if not rows:
        return block
    xs.style_body(sheet, block.first, block.last, len(headers), centered=range(2, len(headers) + 1))
    # Conditional formats rather than fixed fills: the colours follow if staff correct a cell by hand.
    states = f"B{block.first}:{get_column_letter(len(weeks) + 1)}{block.last}"
    for short, fill in _STATE_RULE_FILLS.items():
        sheet.conditional_formatting.add(states, CellIsRule(operator="equal", formula=[f'"{short}"'], fill=fill))
    count_col = get_column_letter(len(headers))
    scale = ColorScaleRule(start_type="num", start_value=0, start_color="FFFFFF", end_type="num",
                           end_value=max(len(weeks), 1), end_color="F8696B")  # fmt: skip
    sheet.conditional_formatting.add(f"{count_col}{block.first}:{count_col}{block.last}", scale)
    return block


# ----------------------------------------------------------------- charts
def _style(chart: BarChart | LineChart, title: str, y_title: str) -> None:
    chart.title = title
    chart.y_axis.title = y_title
    chart.x_axis.title = "周次"
    chart.legend.position = "b"
    # openpyxl ≥ 3.1 leaves axes marked deleted unless told; Excel then hides them.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.scaling.min = 0
    chart.y_axis.number_format = "0"
    chart.y_axis.majorGridlines = ChartLines()


def _columns(sheet: Worksheet, block: _Block, first_col: int, last_col: int) -> Reference:
    return Reference(sheet, min_col=first_col, max_col=last_col, min_row=block.header, max_row=block.last)


def _categories(sheet: Worksheet, block: _Block) -> Reference:
    return Reference(sheet, min_col=1, min_row=block.first, max_row=block.last)


def _colour_series(chart: BarChart | LineChart, keys: list[str], *, line: bool = False) -> None:
    for series, key in zip(chart.series, keys, strict=True):
        colour = SERIES_COLOURS[key]
        if line:
            series.graphicalProperties.line.solidFill = colour
            series.graphicalProperties.line.width = 28575  # 2.25 pt
            series.marker.symbol = "circle"  # a single week still shows as a point
            series.marker.size = 7
            series.marker.graphicalProperties.solidFill = colour
            series.marker.graphicalProperties.line.solidFill = colour
            series.smooth = False
        else:
            series.graphicalProperties.solidFill = colour
            series.graphicalProperties.line.solidFill = colour


def _stacked(sheet: Worksheet, block: _Block, first_col: int, last_col: int) -> BarChart:
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
    chart.gapWidth = 60
    chart.add_data(_columns(sheet, block, first_col, last_col), titles_from_data=True)
    chart.set_categories(_categories(sheet, block))
    keys = [key for key, _ in WEEKLY_HEADERS[first_col - 1 : last_col]]
    _colour_series(chart, keys)
    return chart


def _units_chart(sheet: Worksheet, block: _Block) -> BarChart:
    chart = _stacked(sheet, block, 2, 5)
    _style(chart, "各周报送情况", "单位数")
    return chart


def _lights_chart(sheet: Worksheet, block: _Block) -> BarChart:
    chart = _stacked(sheet, block, 6, 8)
    _style(chart, "各周措施亮灯及销号情况", "措施项数")
    closed = LineChart()
    closed.add_data(_columns(sheet, block, 9, 9), titles_from_data=True)
    closed.set_categories(_categories(sheet, block))
    _colour_series(closed, ["closed"], line=True)
    chart += closed  # shares the column chart's axes
    return chart


def _overdue_chart(sheet: Worksheet, block: _Block) -> LineChart:
    chart = LineChart()
    chart.add_data(_columns(sheet, block, 10, 10), titles_from_data=True)
    chart.set_categories(_categories(sheet, block))
    _colour_series(chart, ["overdue"], line=True)
    _style(chart, "各周逾期未完成措施", "措施项数")
    return chart


def _missed_chart(sheet: Worksheet, block: _Block, nweeks: int) -> BarChart | None:
    """Horizontal bars for the units most often late or missing; None when every unit was always on time."""
    count_col = nweeks + 2
    shown = [r for r in range(block.first, block.last + 1) if (sheet.cell(r, count_col).value or 0) > 0]
    if not shown:
        return None
    last = shown[min(len(shown), UNIT_CHART_LIMIT) - 1]
    chart = BarChart()
    chart.type = "bar"
    chart.add_data(Reference(sheet, min_col=count_col, min_row=block.header, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=block.first, max_row=last))
    _colour_series(chart, ["late"])
    _style(chart, f"近{nweeks}周未按时报送次数较多的单位", "周数")
    chart.x_axis.title = None
    chart.x_axis.scaling.orientation = "maxMin"  # the most often late unit on top, as in the table
    chart.y_axis.crosses = "max"  # keeps the value axis (and its title) at the bottom once categories run downwards
    chart.legend = None
    return chart
