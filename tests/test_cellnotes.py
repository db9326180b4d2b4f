"""Notes (comments, 批注) on a status cell are read and checked against the status (intake/cellnotes.py).

A unit leaving 已完成 in the cell and writing "实际为滞后" in a note on it must not be read as done without a word.
"""

from __future__ import annotations

from pathlib import Path

from office import convert, needs_soffice
from openpyxl import Workbook
from openpyxl.comments import Comment
from test_handmade import TRANSPORT, check, found, header, measure_row, parse, put

from lyreport.models import MasterList


def _noted(master: MasterList, path: Path, notes: dict[int, str], statuses: dict[int, str] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    row = header(ws, TRANSPORT)
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(ws, row + offset, measure_row(master, no, (statuses or {}).get(no, "已完成")))
        if no in notes:
            ws.cell(row + offset, 4).comment = Comment(notes[no], "王五")
    wb.save(path)
    return path


NOTES = {10: "批注：实际为滞后", 11: "二期尚未开工", 12: "应为：正常推进", 14: "已于1月5日验收"}


def _statuses(workspace: Path, path: Path) -> dict[int, str | None]:
    returns, _ = parse(workspace, path)
    return {r.measure_no: r.status for r in returns[0].rows}


def test_note_on_a_done_status_is_checked(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    path = _noted(master, tmp_path / "交通局批注.xlsx", NOTES)
    assert _statuses(workspace, path) == {10: "进度滞后", 11: None, 12: None, 14: "已完成", 15: "已完成"}
    checked = check(workspace, path)
    assert found(checked) == [
        ("status-note-lag", "D3"),
        ("status-note-denies", "D4"),
        ("status-note-conflict", "D5"),
        ("status-note", "D6"),
    ]
    assert "实际为滞后" in checked.problems[0].message
    assert [p.severity for p in checked.problems] == ["warning", "error", "error", "info"]


def test_note_telling_of_a_lag_beside_another_status(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    path = _noted(master, tmp_path / "交通局批注2.xlsx", {10: "部分路段滞后"}, {10: "正常推进"})
    assert _statuses(workspace, path)[10] == "正常推进"
    assert found(check(workspace, path)) == [("status-note-lag", "D3")]


@needs_soffice
def test_note_in_ods(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    source = _noted(master, tmp_path / "交通局批注.xlsx", NOTES)
    convert(source, "ods", tmp_path)
    path = tmp_path / "交通局批注.ods"
    assert _statuses(workspace, path) == {10: "进度滞后", 11: None, 12: None, 14: "已完成", 15: "已完成"}


@needs_soffice
def test_note_in_xls_and_et(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    source = _noted(master, tmp_path / "交通局批注.xlsx", NOTES)
    convert(source, "xls", tmp_path)
    et = tmp_path / "交通局批注.et"
    et.write_bytes((tmp_path / "交通局批注.xls").read_bytes())  # WPS's .et is an OLE .xls under another name
    for path in (tmp_path / "交通局批注.xls", et):
        assert _statuses(workspace, path) == {10: "进度滞后", 11: None, 12: None, 14: "已完成", 15: "已完成"}
