"""Master list, unit directory and name matching."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lyreport.master import MasterError, derive_nodes, load_directory, load_master
from lyreport.models import Unit
from lyreport.nodes import read_timing
from lyreport.unitnames import UnitDirectory
from lyreport.workspace import init_workspace


def test_default_list_counts(master):
    assert master.list_id == "ly-jy-33"
    assert len(master.measures) == 33
    assert master.categories == [
        "一、产业项目共建",
        "二、交通体系共联",
        "三、文旅合作共融",
        "四、公共服务共享",
        "五、生态环境共保",
        "六、突发事件共防",
    ]
    assert len(master.units) == 15
    assert sum(len(m.units) for m in master.measures) == 36


def test_units_normalised_lead_first(master):
    assert master.measure(1).units == ["市发改委", "市工信局"]
    assert master.measure(21).units == ["市医疗保障局", "市卫健委"]
    assert master.measure(6).units == ["高新区管委会", "自贸区洛阳片区管委会"]
    assert master.measure(4).units == ["市工信局"]  # split across a page break in the notice
    assert master.measure(13).units == ["洛阳北郊机场"]
    assert master.measure(21).role_of("市卫健委") == "配合"


def test_full_text_transcribed(master):
    assert master.measure(1).text.startswith("将济源纳入《洛阳市高端石化产业基地总体发展规划》编制范围")
    assert master.measure(33).text.endswith("危险化学品事故应急救援任务。")
    assert "责任单位" not in "".join(m.text for m in master.measures)


def test_node_dates(master):
    assert master.measure(8).nodes == [date(2020, 12, 31)]
    assert master.measure(9).nodes == [date(2025, 12, 31)]
    assert master.measure(10).nodes == [date(2020, 12, 31), date(2021, 12, 31)]
    assert master.measure(11).nodes == [date(2020, 12, 31), date(2021, 6, 30)]
    assert master.measure(1).nodes == []


@pytest.mark.parametrize(
    ("wording", "expected"),
    [
        ("年底前建成通车", [date(2020, 12, 31)]),
        ("2021年上半年开工建设", [date(2021, 6, 30)]),
        ("2021年开工建设", [date(2021, 12, 31)]),
        ("力争在“十四五”落地实施", [date(2025, 12, 31)]),
        ("2021年6月底前完成", [date(2021, 6, 30)]),
        ("2021年3月15日前", [date(2021, 3, 15)]),
        ("长期坚持", []),
        ("9月底前完成", [date(2020, 9, 30)]),
        ("二〇二一年六月底", [date(2021, 6, 30)]),
        ("2021.6", [date(2021, 6, 30)]),
        ("2021-06-30", [date(2021, 6, 30)]),
        ("2021/6/30", [date(2021, 6, 30)]),
        ("2021年6月15", [date(2021, 6, 15)]),
        ("第四季度", [date(2020, 12, 31)]),
        ("Q1", [date(2020, 3, 31)]),
        ("明年3月底", [date(2021, 3, 31)]),
        ("2020年三季度完成", [date(2020, 9, 30)]),
        ("2021年一季度", [date(2021, 3, 31)]),
        ("2021年第二季度", [date(2021, 6, 30)]),
        ("2021年前三季度", [date(2021, 9, 30)]),
        ("2021年3-6月", [date(2021, 6, 30)]),
        ("2021年年中", [date(2021, 6, 30)]),
        ("2021年春节前", []),
        ("2021年初", []),
        ("S240力争年底前开工建设；G208争取2021年上半年开工建设", [date(2020, 12, 31), date(2021, 6, 30)]),
    ],
)
def test_derive_nodes(wording, expected):
    assert derive_nodes(wording, 2020) == expected


def test_second_list_loads_with_same_code(workspace, directory):
    seven, _ = load_master(workspace / "templates" / "七大行动清单.xlsx", directory)
    assert seven.list_id == "ly-dsq-7"
    assert len(seven.categories) == 7
    assert seven.categories[0] == "一、交通先导行动"
    assert all(m.units for m in seven.measures)


@pytest.mark.parametrize(
    ("written", "unit"),
    [
        ("洛阳市发展和改革委员会", "市发改委"),
        ("发改委", "市发改委"),
        ("洛阳市发改委", "市发改委"),
        ("市 工信局", "市工信局"),
        ("洛阳市工信局", "市工信局"),
        ("卫健委（盖章）", "市卫健委"),
        ("市文化广电和旅游局", "市文化广电和旅游局"),
        ("ＸＸ局", None),
    ],
)
def test_alias_matching(directory, written, unit):
    assert directory.match(written).unit == unit


def test_find_in_file_name_ambiguous(directory):
    assert directory.find_in_text("市医疗保障局-第3周.xlsx").unit == "市医疗保障局"
    found = directory.find_in_text("医保局 卫健委 合并报送.pdf")
    assert found.unit is None and found.candidates == ["市医疗保障局", "市卫健委"]


def _edit_master(workspace: Path, edit) -> Path:
    path = workspace / "templates" / "措施清单.xlsx"
    wb = load_workbook(path)
    edit(wb["措施清单"])
    wb.save(path)
    return path


@pytest.mark.parametrize(
    ("edit", "code", "cell"),
    [
        (lambda ws: ws.__setitem__("A4", 2), "master-duplicate-no", "A4"),
        (lambda ws: ws.__setitem__("D5", None), "master-no-unit", "D5"),
        (lambda ws: ws.__setitem__("F9", "2020年13月"), "master-bad-date", "F9"),
        (lambda ws: ws.__setitem__("D3", "市不存在局"), "master-unknown-unit", "D3"),
        (lambda ws: ws.__setitem__("A6", "五a"), "master-bad-no", "A6"),
    ],
)
def test_broken_master_refused(workspace, directory, edit, code, cell):
    path = _edit_master(workspace, edit)
    with pytest.raises(MasterError) as caught:
        load_master(path, directory)
    found = [p for p in caught.value.problems if p.code == code]
    assert found, caught.value.problems
    assert found[0].sheet == "措施清单" and found[0].cell == cell
    assert "措施清单.xlsx" in found[0].location


def test_missing_dates_derived_with_note(workspace, directory):
    path = _edit_master(workspace, lambda ws: ws.__setitem__("F13", None))  # measure 12, 争取年底前开工建设
    master, notes = load_master(path, directory)
    assert master.measure(12).nodes == [date(2020, 12, 31)] and master.measure(12).nodes_derived
    assert any(n.code == "master-derived-date" and "2020-12-31" in n.message for n in notes)


def test_directory_alias_clash_refused(tmp_path):
    ws_root = tmp_path / "w"
    init_workspace(ws_root)
    path = ws_root / "templates" / "单位名录.xlsx"
    wb = load_workbook(path)
    wb["单位名录"]["C3"] = "发改委"  # 市工信局 claims 市发改委's alias
    wb.save(path)
    with pytest.raises(MasterError) as caught:
        load_directory(path)
    assert caught.value.problems[0].code == "directory-alias-clash"


def test_init_never_overwrites(tmp_path):
    root = tmp_path / "w"
    _, created = init_workspace(root)
    assert len(created) == 4
    config = root / "templates" / "配置.toml"
    config.write_text("# 已修改\n", encoding="utf-8")
    _, again = init_workspace(root)
    assert again == [] and config.read_text(encoding="utf-8") == "# 已修改\n"


def test_repository_templates_match_bundled_defaults():
    """The repo's own templates/ (a ready workspace) holds the same lists init writes."""
    root = Path(__file__).resolve().parent.parent / "templates"
    directory = load_directory(root / "单位名录.xlsx")
    shipped, _ = load_master(root / "措施清单.xlsx", directory)
    assert len(shipped.measures) == 33 and len(shipped.units) == 15
    seven, _ = load_master(root / "七大行动清单.xlsx", directory)
    assert seven.list_id == "ly-dsq-7"


def test_two_units_in_a_file_name_are_ambiguous(directory):
    found = directory.find_in_text("市医疗保障局、市卫健委联合报送.xlsx")
    assert found.unit is None and found.candidates == ["市医疗保障局", "市卫健委"]
    assert directory.find_in_text("洛阳市卫生健康委员会-报表.xlsx").unit == "市卫健委"
    assert directory.find_in_text("自贸区洛阳片区管委会-落实情况.xlsx").unit == "自贸区洛阳片区管委会"


@pytest.mark.parametrize(
    "text",
    [
        "济源市交通运输局",
        "孟津县交通运输局",
        "郑州市交通运输局",
        "偃师市发改委",
        "济源高新区管委会",
        "西工区交通运输局",
        "瀍河回族区发改委",
        "济源市交通运输局-落实情况.xlsx",
        "关于报送济源市交通运输局第3期落实情况的函",
    ],
)
def test_name_after_another_place_is_that_place_s_body(directory, text):
    # "交通运输局" inside "济源市交通运输局" is Jiyuan's bureau, not Luoyang's: never matched silently.
    found = directory.find_in_text(text)
    assert found.unit is None and found.foreign and not found.ambiguous


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("洛阳市交通运输局", "市交通运输局"),
        ("市交通运输局", "市交通运输局"),
        ("河南省洛阳市交通运输局", "市交通运输局"),
        ("我市交通运输局", "市交通运输局"),
        ("0003-市交通运输局-落实情况.xlsx", "市交通运输局"),
        ("关于报送市交通运输局第3期落实情况的函", "市交通运输局"),
        ("填报单位：市交通运输局", "市交通运输局"),
        ("洛阳市交通运输局综合科（盖章）", "市交通运输局"),
        ("洛阳济源深度融合-市发改委.xlsx", "市发改委"),
        ("洛阳高新区管委会", "高新区管委会"),
        ("河南自贸区管委会", "自贸区洛阳片区管委会"),
    ],
)
def test_names_with_the_city_s_own_place_still_match(directory, text, unit):
    found = directory.find_in_text(text)
    assert (found.unit, found.foreign) == (unit, [])


def test_a_partner_city_s_units_in_the_directory_match_exactly():
    # A directory that also lists Jiyuan's bureau: its names match it, Luoyang's names match Luoyang's.
    directory = UnitDirectory(
        [
            Unit("市交通运输局", "洛阳市交通运输局", ["交通运输局", "交通局"]),
            Unit("济源市交通运输局", "济源市交通运输局", ["济源交通局"]),
            Unit("市发改委", "洛阳市发展和改革委员会", ["发改委"]),
        ]
    )
    assert directory.match("济源市交通运输局").unit == "济源市交通运输局"
    assert directory.find_in_text("济源市交通运输局-落实情况.xlsx").unit == "济源市交通运输局"
    assert directory.find_in_text("济源交通局报表.xlsx").unit == "济源市交通运输局"
    assert directory.find_in_text("洛阳市交通运输局-落实情况.xlsx").unit == "市交通运输局"
    assert directory.find_in_text("市交通运输局-落实情况.xlsx").unit == "市交通运输局"
    # Jiyuan's 发改委 is not in this directory: Luoyang's must not stand in for it.
    assert directory.find_in_text("济源市发改委").foreign == ["市发改委"]


@pytest.mark.parametrize(
    ("wording", "unread"),
    [
        ("2021年春节前完成", ["2021年春节前完成"]),
        ("年底前开工；2021年春节前完工", ["2021年春节前完工"]),
        ("一年内完成", ["一年内完成"]),
        ("长期坚持", []),
        ("力争在“十四五”落地实施", []),
        ("年底前启动前期工作", []),
    ],
)
def test_time_wording_that_gives_no_date_is_reported(wording, unread):
    assert read_timing(wording, 2020).unread == unread


@pytest.mark.parametrize(
    ("wording", "dates", "undated"),
    [
        ("9月底前完成", "2020-09-30", False),
        ("2021年春节前完成", None, True),
        ("争取2021年初开工", None, True),
    ],
)
def test_blank_dates_never_silently_missing(workspace, directory, wording, dates, undated):
    def edit(ws):
        ws["E13"], ws["F13"] = wording, None  # measure 12

    master, notes = load_master(_edit_master(workspace, edit), directory)
    derived = [n for n in notes if n.code == "master-derived-date" and "第 12 条" in n.message]
    warned = [n for n in notes if n.code == "master-undated-timing" and "第 12 条" in n.message]
    if dates:
        assert derived and dates in derived[0].message and "未写年份的按 2020 年计" in derived[0].message
    else:
        assert not derived and master.measure(12).nodes == []
    assert bool(warned) == undated
    if undated:
        assert warned[0].severity == "warning" and warned[0].cell == "F13" and wording in warned[0].message


@pytest.mark.parametrize(
    ("written", "dates"),
    [
        ("2021/6/30", [date(2021, 6, 30)]),  # was refused: "/" split it into three parts
        ("2021/6/30/2021/12/31", [date(2021, 6, 30), date(2021, 12, 31)]),
        ("2021-06-30；2021-12-31", [date(2021, 6, 30), date(2021, 12, 31)]),
        ("2021年6月30日\n2021.12.31", [date(2021, 6, 30), date(2021, 12, 31)]),
        ("2021-06-30 2021-12-31", [date(2021, 6, 30), date(2021, 12, 31)]),
        ("2021-06", None),  # no day: refused, the cell is named
        ("2021-6-30前", None),
        ("2021/6/31", None),
        ("44377", None),
    ],
)
def test_node_date_cell_as_staff_type_it(written: str, dates: list[date] | None) -> None:
    from lyreport.nodes import parse_node_cell

    assert parse_node_cell(written) == dates
