"""What office staff edit by hand (措施清单, 单位名录, 配置.toml) and the history across such edits:
every change is read as Excel shows it, or said in a problem, never silently misread."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lyreport.master import MasterError, load_directory, load_master


def _edit(workspace: Path, name: str, edit) -> Path:
    path = workspace / "templates" / name
    wb = load_workbook(path)
    edit(wb)
    wb.save(path)
    return path


def _master_after(workspace: Path, directory, edit):
    return load_master(_edit(workspace, "措施清单.xlsx", lambda wb: edit(wb["措施清单"])), directory)


# ----------------------------------------------------------------- the master list as staff edit it
@pytest.mark.parametrize(
    "written",
    [
        "市卫健委（配合）、市医疗保障局（牵头）",
        "市卫健委、市医疗保障局（牵头）",
        "市卫健委配合、市医疗保障局牵头",
        "市卫健委（配合单位）、市医疗保障局",
        "市医疗保障局（牵头单位）、市卫健委",
    ],
)
def test_unit_marked_lead_leads_wherever_written(workspace, directory, written):
    master, _ = _master_after(workspace, directory, lambda ws: ws.__setitem__("D22", written))  # measure 21
    assert master.measure(21).units == ["市医疗保障局", "市卫健委"]
    assert master.measure(21).lead == "市医疗保障局"


def test_merged_node_dates_apply_to_every_measure_they_cover(workspace, directory):
    def merge(ws):  # measures 11 and 12 share one 节点日期 and one 时间节点 cell
        ws["F12"], ws["F13"], ws["E13"] = "2020-12-31", None, None
        ws.merge_cells("F12:F13")
        ws.merge_cells("E12:E13")

    master, notes = _master_after(workspace, directory, merge)
    assert master.measure(12).nodes == [date(2020, 12, 31)]
    merged = [n for n in notes if n.code == "master-merged-cell"]
    assert {n.cell for n in merged} == {"E12:E13", "F12:F13"}
    assert all("11、12" in n.message for n in merged)


def test_merged_responsible_unit_cell_is_read_for_each_measure(workspace, directory):
    def merge(ws):  # 29–33 are all 市应急管理局's: staff merge D30:D34
        for row in range(31, 35):
            ws[f"D{row}"] = None
        ws.merge_cells("D30:D34")

    master, notes = _master_after(workspace, directory, merge)
    assert [master.measure(no).units for no in range(29, 34)] == [["市应急管理局"]] * 5
    assert any(n.code == "master-merged-cell" and n.cell == "D30:D34" for n in notes)


def test_list_without_any_node_column_is_said(workspace, directory):
    def rename(ws):
        ws["E1"], ws["F1"] = "时间要求", "完成时限"

    master, notes = _master_after(workspace, directory, rename)
    assert not any(m.nodes for m in master.measures)
    found = [n for n in notes if n.code == "master-no-node-column"]
    assert found and found[0].severity == "warning" and "不判断逾期" in found[0].message


@pytest.mark.parametrize(("key", "value"), [("基准年份", "2021年"), ("基准年份：", 2021), ("基准年份", " 2021 ")])
def test_base_year_as_staff_write_it(workspace, directory, key, value):
    def info(wb):
        wb["清单信息"]["A4"], wb["清单信息"]["B4"] = key, value
        wb["措施清单"]["F9"] = None  # measure 8: 年底前启动前期工作, derived from the base year

    master, _ = load_master(_edit(workspace, "措施清单.xlsx", info), directory)
    assert master.base_year == 2021
    assert master.measure(8).nodes == [date(2021, 12, 31)]


def test_unreadable_base_year_is_refused_not_taken_as_2020(workspace, directory):
    path = _edit(workspace, "措施清单.xlsx", lambda wb: wb["清单信息"].__setitem__("B4", "二〇二一"))
    with pytest.raises(MasterError) as caught:
        load_master(path, directory)
    found = [p for p in caught.value.problems if p.code == "master-bad-base-year"]
    assert found and found[0].sheet == "清单信息" and found[0].cell == "B4"


def test_merged_contact_in_directory_is_read_for_both_units(workspace):
    def merge(wb):
        ws = wb["单位名录"]
        ws["D2"], ws["D3"] = "王伟", None
        ws.merge_cells("D2:D3")

    directory = load_directory(_edit(workspace, "单位名录.xlsx", merge))
    assert directory.get("市发改委").contact == directory.get("市工信局").contact == "王伟"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("fgw@ly.gov.cn；fgwbgs@163.com", "fgw@ly.gov.cn, fgwbgs@163.com"),
        ("fgw@ly.gov.cn\nfgwbgs@163.com", "fgw@ly.gov.cn, fgwbgs@163.com"),
        ("市发改委<fgw@ly.gov.cn>", "fgw@ly.gov.cn"),
        ("fgw＠ly.gov.cn", "fgw@ly.gov.cn"),
    ],
)
def test_directory_mail_cell_as_staff_type_it(workspace, typed, stored):
    directory = load_directory(_edit(workspace, "单位名录.xlsx", lambda wb: wb["单位名录"].__setitem__("F2", typed)))
    assert directory.get("市发改委").email == stored
    for address in stored.split(", "):
        assert directory.by_email(address.upper()).unit == "市发改委"
