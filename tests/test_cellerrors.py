"""Spreadsheet error values (#REF!, #N/A, #SPILL!, LibreOffice's Err:502) in a read cell: an error naming the
cell and the value, never a value and never "not filled in" — in .xlsx, .xls, .ods and .csv alike."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path
from typing import Any

import pytest
from office import convert, needs_soffice
from openpyxl import Workbook
from test_handmade import FILLED, TRANSPORT, check, found, header, measure_row, parse, put

from lyreport.intake.errorvalues import error_value
from lyreport.models import MasterList

NOS = (10, 11, 12, 14, 15)


def _book(master: MasterList, path: Path, *, unit: Any = TRANSPORT, filled: Any = FILLED, **cells: Any) -> Path:
    """Transport's return; `cells` put values at A1 references afterwards (a "#REF!" text is an error cell)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    row = header(ws, unit, filled=filled)
    for offset, no in enumerate(NOS):
        put(ws, row + offset, measure_row(master, no, "已完成" if no == 10 else "正常推进"))
    for ref, value in cells.items():
        ws[ref] = value
    wb.save(path)
    return path


def _with_sheet_xml(path: Path, change: Any) -> Path:
    """Pass the first worksheet's XML through `change` (a formula with a saved error result, as Excel writes)."""
    data = {}
    with zipfile.ZipFile(path) as src:
        infos = src.infolist()
        data = {info.filename: src.read(info) for info in infos}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            raw = data[info.filename]
            dst.writestr(info, change(raw) if info.filename == "xl/worksheets/sheet1.xml" else raw)
    return path


def _errors(checked: Any) -> list[tuple[str, str]]:
    return [(p.cell, p.message) for p in checked.problems if p.code == "cell-error"]


def test_error_values_are_known_by_their_text() -> None:
    assert error_value("#REF!") == "#REF!"
    assert error_value(" #n/a ") == "#N/A"
    assert error_value("#SPILL!") == "#SPILL!"
    assert error_value("Err:502") == "Err:502"
    assert error_value("#1") is None
    assert error_value("已完成") is None
    assert error_value("#待定") is None


def test_status_error_value_is_an_error_not_an_empty_status(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    path = _book(master, tmp_path / "交通局.xlsx", D3="#REF!", H4="#N/A")  # 10's status, 11's expected date
    checked = check(workspace, path)
    assert [(c, m.split("（")[0]) for c, m in _errors(checked)] == [
        ("D3", "“完成状态”单元格为 Excel 错误值 #REF!"),
        ("H4", "“预计完成时间”单元格为 Excel 错误值 #N/A"),
    ]
    assert "公式引用失效" in _errors(checked)[0][1]
    assert ("status-empty", "D3") not in found(checked)
    assert all(p.severity == "error" for p in checked.problems if p.code == "cell-error")
    returns, _ = parse(workspace, path)
    rows = {r.measure_no: r for r in returns[0].rows}
    assert rows[10].status is None  # never the 已完成 the row had before the formula broke
    assert rows[11].expected is None and rows[11].status == "正常推进"


def test_error_in_a_completion_rate_column_is_a_warning_and_the_status_stands(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """完成率 = 完成量/计划量 with a zero plan: #DIV/0! in a column that only cross-checks the status is said,
    but the return is not made 报送有误 for it, and 已完成 beside it is read."""
    path = _book(master, tmp_path / "交通局.xlsx", J2="完成率", J3="#DIV/0!", J4=0.5)
    checked = check(workspace, path)
    said = [p for p in checked.problems if p.code == "cell-error"]
    assert [(p.cell, p.severity) for p in said] == [("J3", "warning")]
    assert "“完成率”单元格为 Excel 错误值 #DIV/0!" in said[0].message
    assert not [p for p in checked.problems if p.severity == "error"]
    returns, _ = parse(workspace, path)
    assert {r.measure_no: r.status for r in returns[0].rows}[10] == "已完成"


def test_header_error_values_are_not_read_as_missing(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    path = _book(master, tmp_path / "交通局.xlsx", D1="#NAME?", F1="#VALUE!", H1="#DIV/0!")
    checked = check(workspace, path)
    assert [c for c, _ in _errors(checked)] == ["D1", "F1", "H1"]
    codes = {p.code for p in checked.problems}
    assert not codes & {"contact-missing", "phone-missing", "date-missing"}
    assert "“填报日期”单元格为 Excel 错误值 #DIV/0!" in _errors(checked)[2][1]


def test_unit_error_value_is_said_as_unreadable(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    path = _book(master, tmp_path / "报表.xlsx", B1="#REF!")
    checked = check(workspace, path)
    assert [c for c, _ in _errors(checked)] == ["B1"]
    assert "“填报单位”" in _errors(checked)[0][1]


def test_header_error_right_of_a_merged_label(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """填报日期 over G1:H1 and its value in I1: the error is found in I1, not said as an empty H1."""
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    row = header(ws, TRANSPORT, filled=None)
    ws["I1"] = "#REF!"
    for offset, no in enumerate(NOS):
        put(ws, row + offset, measure_row(master, no, "正常推进"))
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    checked = check(workspace, path)
    assert [c for c, _ in _errors(checked)] == ["I1"]
    assert "date-missing" not in {p.code for p in checked.problems}


def test_cached_error_result_of_a_formula(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    path = _book(master, tmp_path / "交通局.xlsx", D3="#N/A")
    _with_sheet_xml(path, lambda xml: xml.replace(b"<v>#N/A</v>", b"<f>VLOOKUP(A3,Sheet2!A:B,2,0)</f><v>#N/A</v>"))
    checked = check(workspace, path)
    assert [(c, "#N/A" in m) for c, m in _errors(checked)] == [("D3", True)]
    assert "formula-no-value" not in {p.code for p in checked.problems}


def test_formula_text_with_c_and_greater_than_does_not_end_the_cell(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """IF(abc>0,…): the "c>" in the formula is not the cell's closing tag; the saved error after it is read."""
    path = _book(master, tmp_path / "交通局.xlsx", D3="#NAME?")
    _with_sheet_xml(path, lambda xml: xml.replace(b"<v>#NAME?</v>", b'<f>IF(abc>0,"x",1)</f><v>#NAME?</v>'))
    checked = check(workspace, path)
    assert [(c, "#NAME?" in m) for c, m in _errors(checked)] == [("D3", True)]
    assert ("status-empty", "D3") not in found(checked)


@pytest.mark.parametrize("value", ["#SPILL!", "#CALC!", "#GETTING_DATA", "#BUSY!"])
def test_newer_error_values_do_not_refuse_the_file(
    tmp_path: Path, workspace: Path, master: MasterList, value: str
) -> None:
    """The reader refuses a whole .xlsx over these; the return is read with the cell said, not called corrupt."""
    path = _book(master, tmp_path / "交通局.xlsx", D4="#N/A")
    _with_sheet_xml(path, lambda xml: xml.replace(b"<v>#N/A</v>", f"<f>A1:B2</f><v>{value}</v>".encode()))
    checked = check(workspace, path)
    assert "read-corrupt" not in {p.code for p in checked.problems}
    assert [(c, value in m) for c, m in _errors(checked)] == [("D4", True)]
    returns, _ = parse(workspace, path)
    assert {r.measure_no: r.status for r in returns[0].rows}[11] is None


def test_error_measure_number_is_not_part_of_the_row_above(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """序号 =A3+1 turned #REF! with no measure text: not a continuation of measure 10 (its 滞后 is not 10's)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    row = header(ws, TRANSPORT)
    put(ws, row, measure_row(master, 10, "已完成"))
    put(ws, row + 1, ["#REF!", None, "牵头", "进度滞后", "某段滞后", "无", "继续", "2021-06-30"])
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    checked = check(workspace, path)
    assert [c for c, _ in _errors(checked)] == ["A4"]
    assert "measure-rows-combined" not in {p.code for p in checked.problems}
    returns, _ = parse(workspace, path)
    assert [(r.measure_no, r.status) for r in returns[0].rows] == [(10, "已完成")]


def test_uncached_measure_number_is_not_part_of_the_row_above(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    row = header(ws, TRANSPORT)
    put(ws, row, measure_row(master, 10, "已完成"))
    put(ws, row + 1, ["=A3+1", None, "牵头", "进度滞后", "某段滞后", "无", "继续", "2021-06-30"])
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    checked = check(workspace, path)
    assert ("formula-no-value", "A4") in found(checked)
    assert "measure-rows-combined" not in {p.code for p in checked.problems}


def test_error_measure_number_with_its_text_is_that_measure(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    path = _book(master, tmp_path / "交通局.xlsx", A4="#REF!")  # 11's number broken, its text still there
    checked = check(workspace, path)
    assert [c for c, _ in _errors(checked)] == ["A4"]
    assert not {"measure-no-empty", "measure-no-inferred"} & {p.code for p in checked.problems}
    returns, _ = parse(workspace, path)
    assert [r.measure_no for r in returns[0].rows] == list(NOS)


def test_csv_error_text_is_an_error(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    rows = [["填报单位", TRANSPORT, "联系人", "王五", "联系电话", "#N/A", "填报日期", "2021-01-06"]]
    rows.append(["序号", "措施内容", "完成状态", "本周进展"])
    for no in NOS:
        status = "#REF!" if no == 10 else ("Err:502" if no == 11 else "正常推进")
        rows.append([str(no), master.measure(no).text, status, f"第{no}条本周进展"])
    path = tmp_path / "交通局.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    checked = check(workspace, path)
    assert [(c, m.split("（")[0]) for c, m in _errors(checked)] == [
        ("F1", "“联系电话”单元格为 Excel 错误值 #N/A"),
        ("C3", "“完成状态”单元格为 Excel 错误值 #REF!"),
        ("C4", "“完成状态”单元格为 Excel 错误值 Err:502"),
    ]
    assert not {"status-unknown", "phone-invalid"} & {p.code for p in checked.problems}


@needs_soffice
@pytest.mark.parametrize("target", ["ods", "xls"])
def test_error_values_in_files_libreoffice_calculated(
    tmp_path: Path, workspace: Path, master: MasterList, target: str
) -> None:
    """Formulas LibreOffice calculated to errors (#DIV/0!, Err:502, #N/A): its .ods and .xls say each one."""
    source = _book(
        master,
        tmp_path / "交通局.xlsx",
        D3="=1/0",
        D4="=SQRT(-1)",
        H5="=NA()",
        F1='="0379"+"x"',
        D6='=IF(1,"进度滞后")',
    )
    convert(source, target, tmp_path)
    checked = check(workspace, tmp_path / f"交通局.{target}")
    errors = [(c, m.split("（")[0].split("值 ")[-1]) for c, m in _errors(checked)]
    assert [c for c, _ in errors] == ["F1", "D3", "D4", "H5"]
    assert errors[0][1] == "#VALUE!" and errors[1][1] == "#DIV/0!" and errors[3][1] == "#N/A"
    assert errors[2][1] in ("Err:502", "#NUM!", "#VALUE!")
    returns, _ = parse(workspace, tmp_path / f"交通局.{target}")
    statuses = {r.measure_no: r.status for r in returns[0].rows}
    assert statuses[10] is None and statuses[11] is None and statuses[14] == "进度滞后"
