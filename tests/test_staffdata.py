"""What office staff edit by hand (措施清单, 单位名录, 配置.toml) and the history across such edits:
every change is read as Excel shows it, or said in a problem, never silently misread."""

from __future__ import annotations

import json
import random
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from lyreport.api import load_context
from lyreport.cli import main
from lyreport.history import history_view, open_history
from lyreport.master import MasterError, load_directory, load_master
from lyreport.samples import make_filling, set_received, standard_return

TZ = ZoneInfo("Asia/Shanghai")
W1, W2, W3 = date(2020, 12, 24), date(2020, 12, 31), date(2021, 1, 7)


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


def test_time_node_merged_across_the_empty_node_date_stays_one_field(workspace, directory):
    """时间节点 merged over the empty 节点日期 beside it (E12:F12): the date is still worked out from the wording,
    as before merges were read; the wording copied into 节点日期 made the whole list refused (master-bad-date)."""

    def merge(ws):
        ws["E12"], ws["F12"] = "2021年6月底", None
        ws.merge_cells("E12:F12")

    master, _ = _master_after(workspace, directory, merge)
    assert master.measure(11).nodes == [date(2021, 6, 30)]


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


# ----------------------------------------------------------------- history across edits
OLD, NEW = "市文化广电和旅游局", "市文化和旅游局"


def _inbox(root: Path, week: date, skip: tuple[str, ...] = (), seed: int = 1) -> Path:
    context = load_context(root)
    rng = random.Random(seed)
    box = root / "周报" / week.isoformat()
    for i, unit in enumerate(context.master.units):
        if unit in skip:
            continue
        filling = make_filling(context.master, unit, week, rng)
        path = standard_return(context.master, context.directory, filling, week, box / f"{unit}.xlsx")
        set_received(path, datetime(week.year, week.month, week.day, 9, i, tzinfo=TZ))
    return box


def _run(root: Path, week: date, box: Path):
    result = CliRunner().invoke(
        main, ["run", "--workspace", str(root), "--week", week.isoformat(), "--inbox", str(box)]
    )
    assert result.exit_code in (0, 1), result.output
    return result


def _summary(root: Path, week: date) -> dict:
    return json.loads((root / "outbox" / week.isoformat() / "summary.json").read_text(encoding="utf-8"))


def _rename(root: Path, *, keep_old_as_alias: bool) -> None:
    def directory(wb):
        ws = wb["单位名录"]
        ws["A10"], ws["B10"] = NEW, "洛阳市文化和旅游局"
        ws["C10"] = (f"{OLD}、" if keep_old_as_alias else "") + "市文旅局、文旅局"

    def master(wb):
        for row in wb["措施清单"].iter_rows(min_col=4, max_col=4):
            if row[0].value == OLD:
                row[0].value = NEW

    _edit(root, "单位名录.xlsx", directory)
    _edit(root, "措施清单.xlsx", master)


@pytest.fixture
def renamed(tmp_path):
    """Two weeks recorded with 市文化广电和旅游局 (missing in the second), then renamed 市文化和旅游局."""

    def build(keep_old_as_alias: bool) -> Path:
        root = tmp_path / "ws"
        assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
        _run(root, W1, _inbox(root, W1, seed=1))
        _run(root, W2, _inbox(root, W2, skip=(OLD,), seed=2))
        _rename(root, keep_old_as_alias=keep_old_as_alias)
        _run(root, W3, _inbox(root, W3, skip=(NEW,), seed=3))
        return root

    return build


def test_unit_renamed_without_its_old_name_is_said(renamed):
    root = renamed(keep_old_as_alias=False)
    summary = _summary(root, W3)
    found = [p for p in summary["problems"] if p["code"] == "history-unit-unknown"]
    assert found and found[0]["severity"] == "warning"
    assert OLD in found[0]["message"] and "简称及别名" in found[0]["message"]


def test_unit_renamed_with_its_old_name_as_alias_is_one_unit_in_the_ledger(renamed):
    root = renamed(keep_old_as_alias=True)
    summary = _summary(root, W3)
    assert {u["name"]: u["consecutive_missed"] for u in summary["units"]}[NEW] == 2
    assert not [p for p in summary["problems"] if p["code"] == "history-unit-unknown"]
    context = load_context(root)
    conn = open_history(root / "history")
    try:
        view = history_view(conn, context.master.list_id, W3, context.master, context.directory)
    finally:
        conn.close()
    assert {u for _, u in view.unit_states} == set(context.master.units)
    assert [view.unit_states[(w, NEW)] for w in (W1, W2, W3)] == ["on_time", "missing", "missing"]
    assert OLD not in {row["unit"] for row in view.rows}
    sheet = load_workbook(root / "outbox" / "工作台账.xlsx")["报送情况"]
    names = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert NEW in names and OLD not in names


# ----------------------------------------------------------------- the deadline in 配置.toml changed
def _config(root: Path, pattern: str, replacement: str) -> None:
    path = root / "templates" / "配置.toml"
    text = path.read_text(encoding="utf-8")
    changed = re.sub(pattern, replacement, text, count=1, flags=re.M)
    assert changed != text
    path.write_text(changed, encoding="utf-8")


@pytest.fixture
def week_one(tmp_path) -> tuple[Path, Path]:
    """Week 2020-12-24 recorded with 市发改委's return received at 13:00 (late against 12:00)."""
    root = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    box = _inbox(root, W1)
    set_received(box / "市发改委.xlsx", datetime(2020, 12, 24, 13, 0, tzinfo=TZ))
    _run(root, W1, box)
    assert {u["name"]: u["state"] for u in _summary(root, W1)["units"]}["市发改委"] == "late"
    return root, box


def test_rerun_after_the_deadline_weekday_changed_keeps_the_recorded_week(week_one):
    root, box = week_one
    _config(root, r"^weekday = 4", "weekday = 5")
    result = _run(root, W1, box)
    assert "2020年12月24日" in result.output and "第1期" in result.output
    assert not (root / "outbox" / "2020-12-25").exists()
    assert {u["name"]: u["state"] for u in _summary(root, W1)["units"]}["市发改委"] == "late"


def test_first_week_after_the_deadline_weekday_moved_earlier_is_its_own_week(week_one):
    """Thursday to Wednesday: the new week 2020-12-30 must not be taken for the recorded Thursday 2020-12-24 that
    lies in its days (it was: that week was re-run and no 12-30 week came out)."""
    root, _ = week_one
    _config(root, r"^weekday = 4", "weekday = 3")
    new = date(2020, 12, 30)
    _run(root, new, _inbox(root, new, seed=2))
    summary = _summary(root, new)
    assert summary["week"].startswith("2020-12-30")
    assert {u["state"] for u in summary["units"]} == {"on_time"}
    assert {u["name"]: u["state"] for u in _summary(root, W1)["units"]}["市发改委"] == "late"  # left as recorded


def test_rerun_after_the_deadline_time_changed_says_so(week_one):
    root, box = week_one
    _config(root, r'^time = "12:00"', 'time = "14:00"')
    _run(root, W1, box)
    summary = _summary(root, W1)
    found = [p for p in summary["problems"] if p["code"] == "deadline-changed"]
    assert found and found[0]["severity"] == "warning"
    assert "2020年12月24日 12:00" in found[0]["message"] and "2020年12月24日 14:00" in found[0]["message"]


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
