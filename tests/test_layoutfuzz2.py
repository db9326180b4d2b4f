"""Layout fuzzer, round 2: returns written by other programs and other hands (pandas, copied rows)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from test_handmade import TRANSPORT, check, found, header, measure_row, parse, put

from lyreport.models import MasterList


def test_adjacent_copy_of_a_row_with_another_status_is_a_warning(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """Row 10 copied right under itself (序号 and text typed again), the copy's status changed: two versions, not
    two sub-items. Read as the less favourable, as a copy further down is, and said (it was an info only)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    row = header(ws, TRANSPORT)
    put(ws, row, measure_row(master, 10, "正常推进"))
    for offset, no in enumerate((10, 11, 12, 14, 15), 1):
        put(ws, row + offset, measure_row(master, no, "已完成" if no == 10 else "正常推进"))
    path = tmp_path / "交通局重复行.xlsx"
    wb.save(path)
    returns, _ = parse(workspace, path)
    assert returns[0].rows[0].status == "正常推进"
    assert found(check(workspace, path)) == [("measure-duplicate-conflict", "A4"), ("measure-rows-combined", "A3")]


def test_pandas_repeated_status_label_is_a_second_status_column(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """pandas writes a repeated label as "完成状态.1": the same label, so two status columns that disagree."""
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    row = header(ws, TRANSPORT, labels=["序号", "措施内容", "完成状态", "完成状态.1", "本周进展"])
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(ws, row + offset, [no, master.measure(no).text, "尚未启动", "已完成", "本周推进"])
    path = tmp_path / "交通局两列.xlsx"
    wb.save(path)
    returns, _ = parse(workspace, path)
    assert all(r.status is None for r in returns[0].rows)
    codes = [code for code, _ in found(check(workspace, path))]
    assert codes == ["column-ambiguous"] + ["status-second-conflict"] * 5
