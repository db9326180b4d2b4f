"""工作台账.xlsx: read back every sheet a user opens, and check LibreOffice opens the file."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from office import needs_soffice, to_csv
from openpyxl import load_workbook

from lyreport.master import load_directory, load_master
from lyreport.models import HistoryView, MasterList, MeasureWeek, UnitReport, UnitWeek, WeekResult
from lyreport.problems import problem
from lyreport.render.ledger import ledger_filename, write_ledger
from lyreport.workspace import init_workspace

TZ = ZoneInfo("Asia/Shanghai")
WEEK = date(2021, 1, 21)
WEEKS = [date(2021, 1, 7), date(2021, 1, 14), WEEK]
EVIL = '=HYPERLINK("http://evil","x")'
STATE_OF = {"市工信局": "late", "市教育局": "missing", "市林业局": "invalid"}


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> MasterList:
    ws, _ = init_workspace(tmp_path_factory.mktemp("ws"))
    directory = load_directory(ws.templates / "单位名录.xlsx")
    return load_master(ws.templates / "措施清单.xlsx", directory)[0]


def _measure_week(master: MasterList, no: int, states: dict[str, str]) -> MeasureWeek:
    """Measure 3 red and overdue, 5 closed, 21 with a support unit that typed a formula, the rest green."""
    measure = master.measure(no)
    reports: dict[str, UnitReport | None] = {}
    for unit in measure.units:
        if states.get(unit, "on_time") in ("missing", "invalid"):
            reports[unit] = None
            continue
        progress = EVIL if (no, unit) == (21, "市卫健委") else f"第{no}条本周进展"
        issues = "资金未到位" if no == 3 else ""
        reports[unit] = UnitReport(unit, measure.role_of(unit), "正常推进", progress, issues, "继续推进")
    status, light, overdue = "正常推进", "green", False
    if no == 3:
        status, light, overdue = "进度滞后", "red", True
    elif no == 5:
        status = "已完成"
    elif no == 7:
        status, light = None, "yellow"
    return MeasureWeek(
        measure, status, light, overdue, closed=no == 5, reports=reports,
        next_node=WEEK + timedelta(days=20) if no == 3 else None,
        days_to_next_node=20 if no == 3 else None,
    )  # fmt: skip


def build_result(master: MasterList) -> WeekResult:
    deadline = datetime(2021, 1, 21, 12, 0, tzinfo=TZ)
    units = [
        UnitWeek(
            name, STATE_OF.get(name, "on_time"),
            received_at=deadline - timedelta(hours=3) if name not in STATE_OF else None,
            measures=[m.no for m in master.measures_of(name)],
            consecutive_missed=3 if name == "市教育局" else 0,
            invalid_reason="找不到报表表头" if name == "市林业局" else "",
        )
        for name in master.units
    ]  # fmt: skip
    measures = [_measure_week(master, m.no, STATE_OF) for m in master.measures]
    problems = [
        problem("unit-missing", unit="市教育局"),
        problem("status-unknown", file="工信局.xlsx", sheet="落实情况", cell="D7", unit="市工信局", value="快完成了"),
        problem("formula-text", file="卫健委.xlsx", sheet="落实情况", cell="E5", unit="市卫健委", value=EVIL),
    ]
    return WeekResult("ly-jy-33", master.title, deadline, 3, units, measures, problems)


def build_history(master: MasterList) -> HistoryView:
    states = {(w, u): "on_time" for w in WEEKS for u in master.units}
    states[(date(2021, 1, 14), "市教育局")] = "missing"
    states |= {(WEEK, u): s for u, s in STATE_OF.items()}
    rows = [
        {
            "week": w, "unit": "市卫健委", "measure_no": 21, "role": "配合", "status": "正常推进",
            "progress": EVIL if w == WEEK else "对接中", "issues": "", "next_steps": "", "expected": date(2021, 6, 30),
            "remark": "", "file": "卫健委.xlsx", "received_at": datetime.combine(w, datetime.min.time(), TZ) + timedelta(hours=9),
        }
        for w in WEEKS
    ]  # fmt: skip
    rows.append(
        {"week": WEEK, "unit": "市发改委", "measure_no": 1, "role": "牵头", "status": "已完成", "expected": None}
    )
    return HistoryView(WEEKS, states, rows)


@pytest.fixture(scope="module")
def ledger(master: MasterList, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("out") / ledger_filename
    assert write_ledger(build_result(master), build_history(master), master, target) == target
    return target


@pytest.fixture(scope="module")
def wb(ledger: Path):
    return load_workbook(ledger)


def _row_of(sheet, col: int, value) -> int:
    return next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, col).value == value)


def _row_values(sheet, row: int) -> list:
    return [c.value for c in sheet[row]]


def test_file_name_and_sheets(ledger, wb):
    assert ledger.name == "工作台账.xlsx"
    assert wb.sheetnames == ["总览", "趋势", "措施进展", "报送情况", "问题清单", "历史记录"]
    assert not list(ledger.parent.glob(".~tmp-*"))


def test_every_sheet_is_a_printable_filtered_table(wb):
    for sheet in wb.worksheets:
        if sheet.title == "趋势":  # charts first, then two tables: see test_trends.py
            continue
        assert sheet.freeze_panes in ("A3", "B3"), sheet.title
        assert sheet.auto_filter.ref.startswith("A2:"), sheet.title
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$1:$2"
        assert "第3期" in sheet["A1"].value and "2021年1月21日" in sheet["A1"].value


def test_overview_figures_and_lists(wb):
    sheet = wb["总览"]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["应报单位"][2] == 15
    assert rows["按时报送"][2] == 12
    assert rows["迟报"][2:] == (1, "市工信局")
    assert rows["未报送"][2:] == (1, "市教育局")
    assert rows["报送有误"][3] == "市林业局（找不到报表表头）"
    assert rows["红灯"][2:] == (1, "第3条")
    assert rows["黄灯"][2:] == (1, "第7条")
    assert rows["绿灯"][2] == 31
    assert rows["进度滞后"][2:] == (1, "第3条")
    assert rows["未报"][2:] == (1, "第7条")
    assert rows["逾期未完成"][2:] == (1, "第3条")
    assert rows["错误"][2] == 1 and rows["警告"][2] == 1 and rows["提示"][2] == 1


def test_measure_row_light_overdue_and_units(wb):
    sheet = wb["措施进展"]
    assert [c.value for c in sheet[2]][:7] == ["序号", "类别", "措施内容", "责任单位", "节点日期", "状态", "亮灯"]
    assert sheet.max_row == 2 + 33
    red = _row_values(sheet, _row_of(sheet, 1, 3))
    assert red[5:7] == ["进度滞后", "红灯"]
    assert red[10:12] == ["是", 20]
    assert sheet.cell(_row_of(sheet, 1, 3), 7).fill.fgColor.rgb == "00FF0000"
    assert "【" in red[7] and "资金未到位" in red[8]
    green_row = _row_of(sheet, 1, 1)
    assert sheet.cell(green_row, 7).value == "绿灯"
    assert sheet.cell(green_row, 7).fill.fgColor.rgb == "0000B050"
    assert sheet.cell(green_row, 11).value == "否"
    assert sheet.cell(_row_of(sheet, 1, 5), 6).value == "已完成（销号）"
    shared = _row_values(sheet, _row_of(sheet, 1, 21))
    assert shared[3] == "市医疗保障局（牵头）、市卫健委"
    assert shared[7].splitlines() == ["【市医疗保障局】第21条本周进展", f"【市卫健委】{EVIL}"]


def test_missing_unit_noted_in_progress(wb, master):
    sheet = wb["措施进展"]
    no = master.measures_of("市教育局")[0].no
    assert "【市教育局】（本周未报送）" in sheet.cell(_row_of(sheet, 1, no), 8).value


def test_single_node_is_a_date_cell(wb, master):
    sheet = wb["措施进展"]
    single = next(m for m in master.measures if len(m.nodes) == 1)
    cell = sheet.cell(_row_of(sheet, 1, single.no), 5)
    assert cell.is_date and cell.value.date() == single.nodes[0]
    assert cell.number_format == "yyyy-mm-dd"


def test_submission_matrix(wb):
    sheet = wb["报送情况"]
    assert [c.value for c in sheet[2]] == ["单位", "2021-01-07", "2021-01-14", "2021-01-21", "连续未按时"]
    late = _row_values(sheet, _row_of(sheet, 1, "市工信局"))
    assert late[1:4] == ["按时", "按时", "迟报"]
    edu = _row_of(sheet, 1, "市教育局")
    assert _row_values(sheet, edu)[1:] == ["按时", "未报", "未报", 3]
    assert sheet.cell(edu, 4).fill.fgColor.rgb == "00FFC7CE"
    assert sheet.cell(_row_of(sheet, 1, "市林业局"), 4).value == "有误"
    assert sheet.freeze_panes == "B3"


def test_problem_rows_with_cells(wb):
    sheet = wb["问题清单"]
    assert [c.value for c in sheet[2]] == ["序号", "严重程度", "单位", "文件", "工作表", "单元格", "问题说明", "代码"]
    first = _row_values(sheet, 3)
    assert first[:6] == [1, "错误", "市工信局", "工信局.xlsx", "落实情况", "D7"]
    assert "快完成了" in first[6] and first[7] == "status-unknown"
    assert sheet.max_row == 5


def test_formula_injection_stays_text(wb):
    sheet = wb["措施进展"]
    cell = sheet.cell(_row_of(sheet, 1, 21), 8)
    assert cell.data_type == "s"
    history = wb["历史记录"]
    typed = history.cell(5, 6)
    assert typed.data_type == "s" and typed.value == EVIL
    assert all(c.data_type != "f" for s in wb.worksheets for row in s.iter_rows() for c in row)


def test_history_rows(wb):
    sheet = wb["历史记录"]
    assert [c.value for c in sheet[2]] == [
        "周次", "单位", "序号", "责任类型", "完成状态", "本周进展", "存在问题",
        "下一步计划", "预计完成时间", "备注", "来源文件", "收到时间",
    ]  # fmt: skip
    assert sheet.max_row - 2 == 4
    first = _row_values(sheet, 3)
    assert first[0] == datetime(2021, 1, 7) and sheet["A3"].number_format == "yyyy-mm-dd"
    assert first[1:6] == ["市卫健委", 21, "配合", "正常推进", "对接中"]
    assert first[8] == datetime(2021, 6, 30)
    assert first[11] == datetime(2021, 1, 7, 9, 0)  # naive Beijing time
    assert _row_values(sheet, 6)[8] is None


def test_received_time_converted_to_local(master, tmp_path):
    history = build_history(master)
    history.rows = [{**history.rows[0], "received_at": datetime(2021, 1, 7, 1, 30, tzinfo=ZoneInfo("UTC"))}]
    target = write_ledger(build_result(master), history, master, tmp_path / ledger_filename)
    assert load_workbook(target)["历史记录"]["L3"].value == datetime(2021, 1, 7, 9, 30)


def test_history_accepts_iso_text(master, tmp_path):
    history = build_history(master)
    history.rows = [{**history.rows[0], "week": "2021-01-07", "received_at": "2021-01-07T01:30:00+00:00"}]
    target = write_ledger(build_result(master), history, master, tmp_path / ledger_filename)
    sheet = load_workbook(target)["历史记录"]
    assert sheet["A3"].value == datetime(2021, 1, 7) and sheet["L3"].value == datetime(2021, 1, 7, 9, 30)


def test_no_problems_no_history(master, tmp_path):
    result = build_result(master)
    result.problems = []
    target = write_ledger(result, HistoryView([WEEK], {}, []), master, tmp_path / ledger_filename)
    book = load_workbook(target)
    assert book["问题清单"].max_row == 2 and book["历史记录"].max_row == 2
    assert _row_values(book["报送情况"], 3)[:2] == ["市发改委", "按时"]  # report week falls back to the result


@needs_soffice
def test_libreoffice_opens_ledger(ledger, tmp_path):
    outputs = to_csv(ledger, tmp_path, all_sheets=True)
    assert len(outputs) == 6
    text = {p.name: p.read_text(encoding="utf-8") for p in outputs}
    overview = next(t for name, t in text.items() if "总览" in name)
    assert any(row[1] == "应报单位" for row in csv.reader(overview.splitlines()) if len(row) > 1)
    measures = next(t for name, t in text.items() if "措施进展" in name)
    assert "红灯" in measures and "HYPERLINK" in measures
