"""Another place's body (北京市交通运输局, 黄冈市…, 延边朝鲜族自治州…, 巩义市…) is never taken for our 市交通运输局,
and none of Luoyang's own units — every name and alias in the bundled directory and the source documents'
责任单位 — is ever called another place's."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
from openpyxl import Workbook
from test_handmade import check, header, measure_row, put

from lyreport.api import load_context
from lyreport.intake.attribution import written_unit
from lyreport.models import Unit
from lyreport.unitnames import UnitDirectory, _gazetteer
from lyreport.workspace import bundled

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.fixture(scope="module")
def directory() -> UnitDirectory:
    return UnitDirectory([Unit(**u) for u in bundled("units.json")])


def _places() -> dict:
    return json.loads(resources.files("lyreport.data").joinpath("places.json").read_text(encoding="utf-8"))


def _all_names(directory: UnitDirectory) -> list[tuple[str, str]]:
    return [(u.name, written) for u in directory.units for written in (u.name, u.full_name, *u.aliases) if written]


def test_every_bundled_unit_name_is_found_and_is_ours(directory: UnitDirectory) -> None:
    for unit, written in _all_names(directory):
        for text in (written, f"洛阳市{written}", f"河南省洛阳市{written}", f"{written}-落实情况报表.xlsx"):
            if text.startswith("洛阳市洛阳") or text.startswith("河南省洛阳市洛阳"):
                continue
            found = directory.find_in_text(text)
            assert (found.unit, found.foreign) == (unit, []), text
        assert directory.match(written).unit == unit, written


def test_every_responsible_unit_of_the_lists_and_seeds_is_ours(directory: UnitDirectory) -> None:
    written = {u for name in ("measures_33.json", "measures_7actions.json") for m in bundled(name)["measures"]
               for u in m["units"]}  # fmt: skip
    if SEEDS.is_dir():  # the source documents, as published: "（责任单位：市发改委、工信局）"
        for seed in SEEDS.glob("*.txt"):
            for cell in re.findall(r"责任单位[：:]([^）)]*)[）)]", seed.read_text(encoding="utf-8"), re.DOTALL):
                written |= {part for part in re.split(r"[、，,]", re.sub(r"\s+", "", cell)) if part}
    assert len(written) >= 15
    for name in sorted(written):
        found = directory.find_in_text(name)
        assert found.foreign == [] and (found.unit or directory.match(name).unit), name


@pytest.mark.parametrize(
    ("name", "aliases"),
    [
        ("市城市管理局", ["市城管局", "城市管理局"]),
        ("市住房和城乡建设局", ["市城乡建设局", "市住建局", "城乡建设局"]),
        ("洛阳新区管委会", ["新区管委会"]),
        ("伊滨区管委会", ["伊滨区"]),
        ("市自然资源和规划局", ["市自然资源局"]),
        ("市市场监督管理局", ["市市场监管局"]),
    ],
)
def test_a_directory_of_other_luoyang_bodies_is_ours(directory: UnitDirectory, name: str, aliases: list[str]) -> None:
    units = [*directory.units, Unit(name, f"洛阳市{name.removeprefix('市').removeprefix('洛阳')}", aliases)]
    wider = UnitDirectory(units)
    for written in (name, *aliases, f"洛阳市{name.removeprefix('市')}"):
        found = wider.find_in_text(written)
        assert (found.unit, found.foreign) == (name, []), written
    assert wider.find_in_text("高新区").unit == "高新区管委会"


@pytest.mark.parametrize(
    "text",
    [
        "北京市交通运输局",
        "重庆市发展和改革委员会",
        "南阳市交通运输局",
        "西安市发展和改革委员会",
        "黄冈市交通运输局",
        "宝鸡市发改委",
        "鄂尔多斯市发改委",
        "锡林郭勒盟发改委",
        "大兴安岭地区交通运输局",
        "延边朝鲜族自治州交通运输局",
        "西双版纳傣族自治州交通运输局",
        "克孜勒苏柯尔克孜自治州发改委",
        "恩施州交通运输局",
        "仙桃市交通运输局",
        "东方市交通运输局",
        "襄樊市发改委",
        "巩义市交通运输局",
        "新郑市发改委",
        "长垣市交通运输局",
        "偃师区交通运输局",
        "达拉特旗交通运输局",
        "广西壮族自治区交通运输局",
        "深圳市卫健委",
        "县发改委",  # a county's, whichever county
        "区交通运输局",
    ],
)
def test_another_places_body_is_not_ours(directory: UnitDirectory, text: str) -> None:
    found = directory.find_in_text(text)
    assert found.unit is None and found.foreign, text


def test_places_list_is_complete_enough() -> None:
    places = _places()
    prefectures = places["prefectures"]
    assert set(prefectures) <= set(places["provinces"])
    assert len({name for names in prefectures.values() for name in names}) >= 330
    assert len(places["provinces"]) == 34
    assert "洛阳" in places["henan_cities"] and "偃师" in places["luoyang_districts_counties"]
    gazetteer = _gazetteer()
    assert len(gazetteer) == len(set(gazetteer))
    assert {"黄冈", "延边朝鲜族自治州", "锡林郭勒", "巩义", "长垣"} <= set(gazetteer)


def _transport_return(tmp_path: Path, workspace: Path, written: str) -> Path:
    """Transport's five measures (已完成), with `written` in 填报单位 and no identity sheet."""
    master = load_context(workspace).master
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    row = header(ws, written)
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(ws, row + offset, measure_row(master, no, "已完成"))
    path = tmp_path / "报表.xlsx"
    wb.save(path)
    return path


def test_return_of_another_citys_bureau_is_not_counted(tmp_path: Path, workspace: Path) -> None:
    path = _transport_return(tmp_path, workspace, "黄冈市交通运输局")
    checked = check(workspace, path)
    assert "unit-other-place" in {p.code for p in checked.problems}
    assert checked.unit in (None, "")


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("发改委（济源）", None),
        ("市发改委（济源市）", None),
        ("交通运输局(济源示范区)", None),
        ("市卫健委 郑州", None),
        ("市发改委（洛阳）", "市发改委"),
        ("洛阳市交通运输局洛龙分局", "市交通运输局"),  # a branch of ours
        ("市发改委济源对接组", "市发改委"),
        ("市发改委 张伟 2021年1月6日", "市发改委"),
        ("市交通运输局（盖章）", "市交通运输局"),
    ],
)
def test_a_place_written_after_the_unit_in_the_unit_cell(directory: UnitDirectory, text: str, unit: str | None) -> None:
    found = written_unit(directory, text)
    assert found.unit == unit, text
    assert bool(found.foreign) == (unit is None), text
    # a file name or subject going on with 济源 (the measures' subject) still names our unit
    assert directory.find_in_text("市发改委济源合作周报.xlsx").unit == "市发改委"


@pytest.mark.parametrize(
    ("written", "code", "quoted"),
    [
        ("市交通运输局济源分局", "unit-place-after", "济源"),  # a branch of ours, or 济源's bureau
        ("洛阳、济源两市交通运输局", "unit-place-after", "济源"),  # a joint return of the two cities
        ("市交通运输局等单位", "unit-joint", "等"),
        ("洛济两地交通运输局", "unit-joint", "两地"),
        ("市交通运输局（牵头）会同市财政局", "unit-joint", "会同"),
        ("洛阳市交通运输局（盖章） 王五 2021年1月6日", None, ""),
    ],
)
def test_more_than_the_unit_in_the_unit_cell_is_counted_and_said(
    tmp_path: Path, workspace: Path, written: str, code: str | None, quoted: str
) -> None:
    # Was 市交通运输局 on time without a word: the return may be another place's body's or several units'.
    path = _transport_return(tmp_path, workspace, written)
    checked = check(workspace, path)
    assert checked.unit == "市交通运输局"
    said = [p for p in checked.problems if p.code in ("unit-place-after", "unit-joint")]
    if code is None:
        assert said == []
    else:
        assert [p.code for p in said] == [code] and f"“{quoted}”" in said[0].message and said[0].cell


@pytest.mark.parametrize("written", ["县交通运输局", "交通运输局（济源示范区）"])
def test_return_of_a_bureau_placed_by_a_bare_level_or_a_trailing_place_is_not_counted(
    tmp_path: Path, workspace: Path, written: str
) -> None:
    path = _transport_return(tmp_path, workspace, written)
    checked = check(workspace, path)
    (said,) = [p for p in checked.problems if p.code == "unit-other-place"]
    assert ("后面" if written.endswith("）") else "前面") in said.message
    assert checked.unit in (None, "")


@pytest.mark.parametrize("mark", ["\u200b", "\u00ad", "\u2060", "\ufeff", "\u200e"])
def test_invisible_characters_inside_a_unit_name(directory: UnitDirectory, mark: str) -> None:
    # Pasted from a web page or a chat: was "不在单位名录中" and, with nothing else naming the unit, not counted.
    assert directory.match(f"市交通{mark}运输局").unit == "市交通运输局"
    assert written_unit(directory, f"{mark}洛阳市交通运输局（盖章）").unit == "市交通运输局"


@pytest.mark.parametrize(
    ("written", "unit"),
    [
        ("中国（河南）自由贸易试验区洛阳片区管委会", "自贸区洛阳片区管委会"),  # 管理委员会 as 管委会: was no unit
        ("中国（河南）自由贸易试验区洛阳片区", "自贸区洛阳片区管委会"),  # the zone, its 管理委员会 left off
        ("自贸区管理委员会", "自贸区洛阳片区管委会"),
        ("洛阳高新技术产业开发区", "高新区管委会"),
        ("高新区管理委员会", "高新区管委会"),
    ],
)
def test_a_management_committee_is_found_however_its_organ_is_written(
    directory: UnitDirectory, written: str, unit: str
) -> None:
    assert directory.match(written).unit == unit
    found = directory.find_in_text(f"{written}落实情况报表.xlsx")
    assert (found.unit, found.foreign) == (unit, [])
    assert written_unit(directory, written).unit == unit


def test_a_short_zone_name_is_not_made_an_alias_by_leaving_its_organ_off(directory: UnitDirectory) -> None:
    """自贸区管委会 is an alias; 自贸区 alone (three characters) is not made one: measure texts say 洛阳自贸区 too."""
    assert directory.match("自贸区").unit is None
