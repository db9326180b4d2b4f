"""Parsing returned workbooks: locating the table by its labels, unit and week identification, every problem code."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from lyreport.intake.parse import parse_returns, parse_workbook
from lyreport.master import load_directory, load_master
from lyreport.models import MasterList, ParsedReturn, SheetData, SourceFile, Unit, WorkbookData
from lyreport.problems import ERROR, INFO, WARNING, Problem
from lyreport.unitnames import UnitDirectory
from lyreport.workspace import init_workspace

HEADERS = ["序号", "措施内容", "责任类型", "完成状态", "本周进展", "存在问题", "下一步计划", "预计完成时间", "备注"]
WEEK = "2021-01-07"  # a Thursday deadline
TRANSPORT = "市交通运输局"  # measures 10, 11, 12, 14, 15
HEALTH = "市卫健委"  # measure 20 lead, 21 support
INSURANCE = "市医疗保障局"  # measure 21 lead


@pytest.fixture(scope="module")
def lists(tmp_path_factory: pytest.TempPathFactory) -> tuple[MasterList, UnitDirectory]:
    ws, _ = init_workspace(tmp_path_factory.mktemp("ws"))
    directory = load_directory(ws.templates / "单位名录.xlsx")
    master, _ = load_master(ws.templates / "措施清单.xlsx", directory)
    return master, directory


# ----------------------------------------------------------------- building inputs
def source(display: str = "报表.xlsx", sender: str = "") -> SourceFile:
    received = datetime(2021, 1, 7, 2, 0, tzinfo=UTC)
    return SourceFile(Path("/nonexistent") / "x.xlsx", display, "workbook", received, "0" * 64, sender=sender)


def identity(unit: str, week: str = WEEK, list_id: str = "ly-jy-33") -> dict[str, str]:
    return {"tool": "lyreport", "unit": unit, "week": week, "list_id": list_id, "template_version": "1"}


def row(no: Any, status: Any = "正常推进", progress: Any = "按计划推进中", **extra: Any) -> list[Any]:
    values = {"issues": "无", "next_steps": "继续推进", "expected": date(2021, 12, 31), "remark": None} | extra
    return [no, "措施内容略", "", status, progress, *values.values()]


def standard_grid(
    unit: Any,
    rows: list[list[Any]],
    contact: Any = "张三",
    phone: Any = "13800000000",
    filled: Any = date(2021, 1, 6),
) -> list[list[Any]]:
    """The standard form: title, note, header block on row 3, table header on row 4, measures from row 5."""
    pad = [None] * 8
    return [
        ["洛阳济源同城一体深度融合三十三条落实情况报表", *pad],
        ["报送周：2021年1月7日（周四）12时前报送", *pad],
        ["填报单位", unit, "联系人", contact, "联系电话", phone, "填报日期", filled, None],
        list(HEADERS),
        *rows,
    ]


def transport_rows() -> list[list[Any]]:
    return [row(10), row(11), row(12), row(14), row(15, "已完成", "")]


def book(
    grid: list[list[Any]],
    ident: dict[str, str] | None = None,
    display: str = "报表.xlsx",
    sender: str = "",
    extra: list[SheetData] | None = None,
) -> WorkbookData:
    return WorkbookData(source(display, sender), [*(extra or []), SheetData("落实情况", grid)], ident or {})


def run(
    lists: tuple[MasterList, UnitDirectory], data: WorkbookData, **kwargs: Any
) -> tuple[ParsedReturn | None, list[Problem]]:
    master, directory = lists
    return parse_workbook(data, master, directory, **kwargs)


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def only(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, f"{code}: {[str(p) for p in problems]}"
    return found[0]


def read_back(path: Path, display: str) -> WorkbookData:
    """Read a saved workbook the way the read stage does: calamine values, hidden flags, identity sheet."""
    wb = CalamineWorkbook.from_path(str(path))
    sheets, ident = [], {}
    for meta in wb.sheets_metadata:
        rows = wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        sheets.append(SheetData(meta.name, rows, hidden=meta.visible != SheetVisibleEnum.Visible))
        if meta.name == "_lyreport":
            ident = {str(r[0]): str(r[1]) for r in rows if len(r) >= 2}
    return WorkbookData(source(display), sheets, ident)


def add_identity(wb: Workbook, unit: str) -> None:
    hidden = wb.create_sheet("_lyreport")
    for key, value in identity(unit).items():
        hidden.append([key, value])
    hidden.sheet_state = "hidden"


# ----------------------------------------------------------------- standard template, end to end
def test_standard_template_round_trip(tmp_path: Path, lists: tuple[MasterList, UnitDirectory]) -> None:
    wb = Workbook()
    sheet = wb.active
    sheet.title = "落实情况"
    for line in standard_grid(
        HEALTH,
        [
            [
                20,
                "加快建设洛阳国家区域医疗中心",
                "牵头",
                "正常推进",
                "已完成选址\n正在编制方案",
                "",
                "报批",
                "2021年6月底",
                "",
            ],
            [21, "开辟济源来洛就医绿色通道", "牵头", "已完成", "", "", "", date(2021, 3, 31), "已办结"],
        ],
        phone=13800000000,
    ):
        sheet.append(line)
    sheet.merge_cells("A1:I1")
    sheet.merge_cells("A2:I2")
    add_identity(wb, HEALTH)
    wb.save(tmp_path / "卫健委.xlsx")

    parsed, problems = run(lists, read_back(tmp_path / "卫健委.xlsx", "卫健委.xlsx"))

    assert problems == []
    assert parsed is not None and parsed.usable
    assert (parsed.unit, parsed.sheet, parsed.week, parsed.week_source) == (
        HEALTH,
        "落实情况",
        date(2021, 1, 7),
        "template",
    )
    assert (parsed.contact, parsed.phone, parsed.filled_on) == ("张三", "13800000000", date(2021, 1, 6))
    assert [(r.measure_no, r.role, r.status, r.row) for r in parsed.rows] == [
        (20, "牵头", "正常推进", 5),
        (21, "配合", "已完成", 6),  # the unit typed 牵头; the master says 配合
    ]
    assert parsed.rows[0].progress == "已完成选址\n正在编制方案"
    assert parsed.rows[0].expected == date(2021, 6, 30)
    assert parsed.rows[1].expected == date(2021, 3, 31)
    assert parsed.rows[1].remark == "已办结"
    assert parsed.identity["unit"] == HEALTH


def test_generated_template_is_read_back(tmp_path: Path, lists: tuple[MasterList, UnitDirectory]) -> None:
    """The form written by render/templates.py, filled in by a unit, is read without complaint."""
    templates = pytest.importorskip("lyreport.render.templates")
    from openpyxl import load_workbook

    master, directory = lists
    unit = directory.get(INSURANCE)
    assert unit is not None
    path = templates.write_template(master, unit, date(2021, 1, 7), tmp_path / "医保局.xlsx")
    wb = load_workbook(path)
    sheet = wb["落实情况"]
    labels = {sheet.cell(r, c).value: (r, c) for r in range(1, 5) for c in range(1, 10)}
    for label, value in (("联系人", "李四"), ("联系电话", "0379-63926916"), ("填报日期", date(2021, 1, 7))):
        r, c = labels[label]
        sheet.cell(r, c + 1).value = value
    r, c = labels["完成状态"]
    sheet.cell(r + 1, c).value = "正常推进"
    sheet.cell(r + 1, c + 1).value = "已召开协调会"
    wb.save(path)

    parsed, problems = run(lists, read_back(path, path.name))

    assert problems == []
    assert parsed is not None and parsed.unit == INSURANCE and parsed.week == date(2021, 1, 7)
    assert [(r.measure_no, r.role, r.status) for r in parsed.rows] == [(21, "牵头", "正常推进")]


# ----------------------------------------------------------------- improvised layout, end to end
def test_improvised_layout(tmp_path: Path, lists: tuple[MasterList, UnitDirectory]) -> None:
    wb = Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["填报说明：请于每周四12时前报送。序号、完成状态、本周进展均为必填项。"])
    notes.append(["完成状态只能填写：已完成、正常推进、进度滞后、尚未启动"])
    sheet = wb.create_sheet("交通局第1周")
    sheet.append([])
    sheet.append(["市交通运输局关于落实三十三条措施的进展情况"])
    sheet.merge_cells("A2:H2")
    sheet.append([])
    sheet.append(["填报单位：市交通运输局", None, None, "联系人", None, "王五", "电话", "0379 6392 6916"])
    sheet.append(["填报日期：2021年1月5日"])
    sheet.append([])
    sheet.append(["状态", "序  号", "重点工作", "进展情况", "下步打算", "存在的问题", "完成时限", "责任单位"])
    sheet.append(["一、交通互联", None, None, None, None, None, None, None])  # category heading
    sheet.merge_cells("A8:H8")
    sheet.append(["推进中", "第10条", "洛济快速通道", "路基完成80%", "继续施工", "", "年底前", "市交通运输局"])
    sheet.append(["滞后", "11、", "S240", "手续办理中", "加快报批", "用地指标不足", "2021年上半年", "市交通运输局"])
    sheet.append([])
    sheet.append(["已完成√", "（一）12", "G208", "", "", "", 44377, "市交通运输局"])
    sheet.append(["进行中", "十四", "公交一体化", "方案已编制", "征求意见", "", "2021.6.30", ""])
    sheet.append(["未启动", 15.0, "客运班线", "", "", "", None, ""])
    sheet.append([])
    sheet.append(["填报人：王五", None, "审核人：赵六"])
    sheet.append(["注：本表一式两份"])
    sheet.append([None, 33, "这一行在表尾之后，不是措施", "", "", "", "", ""])
    wb.save(tmp_path / "improvised.xlsx")

    parsed, problems = run(lists, read_back(tmp_path / "improvised.xlsx", "进展情况.xlsx"))

    assert parsed is not None and parsed.usable
    assert parsed.sheet == "交通局第1周"
    assert parsed.unit == TRANSPORT
    assert (parsed.contact, parsed.phone) == ("王五", "0379-63926916")
    assert (parsed.filled_on, parsed.week, parsed.week_source) == (date(2021, 1, 5), date(2021, 1, 7), "填报日期")
    got = [(r.measure_no, r.status, r.row, r.role) for r in parsed.rows]
    assert got == [
        (10, "正常推进", 9, "牵头"),
        (11, "进度滞后", 10, "牵头"),
        (12, "已完成", 12, "牵头"),
        (14, "正常推进", 13, "牵头"),
        (15, "尚未启动", 14, "牵头"),
    ]
    first, second, third, fourth, _ = parsed.rows
    assert (first.progress, first.next_steps, first.expected) == ("路基完成80%", "继续施工", date(2021, 12, 31))
    assert (second.issues, second.expected) == ("用地指标不足", date(2021, 6, 30))
    assert third.expected == date(2021, 6, 30)
    assert fourth.expected == date(2021, 6, 30)
    # Only measure 15 (not started, no progress) deserves a remark; nothing beyond the footer is read.
    assert codes(problems) == ["progress-empty"]
    assert problems[0].cell == "D14"


def test_variant_labels_and_weak_status_column(lists: tuple[MasterList, UnitDirectory]) -> None:
    grid = [
        ["填报单位", None, "市医保局"],
        ["联系人", "赵六", None, "联系电话", "13900001111"],
        ["编号", "工作任务", "完成情况", "工作进展", "困难问题", "下一步工作计划", "计划完成时间"],
        ["21", "绿色通道", "已办结", "已上线", "", "", "2021/3/31"],
    ]
    parsed, problems = run(lists, book(grid))
    assert problems == []
    assert parsed is not None and parsed.unit == INSURANCE
    assert [(r.measure_no, r.status, r.progress, r.role, r.expected) for r in parsed.rows] == [
        (21, "已完成", "已上线", "牵头", date(2021, 3, 31))
    ]


def test_visible_sheet_preferred_over_hidden(lists: tuple[MasterList, UnitDirectory]) -> None:
    hidden = SheetData("旧表", standard_grid(HEALTH, [row(20, "进度滞后"), row(21, "进度滞后")]), hidden=True)
    data = book(standard_grid(HEALTH, [row(20), row(21)]), identity(HEALTH), extra=[hidden])
    parsed, _ = run(lists, data)
    assert parsed is not None and parsed.sheet == "落实情况"
    assert {r.status for r in parsed.rows} == {"正常推进"}


def test_repeated_header_and_blank_run(lists: tuple[MasterList, UnitDirectory]) -> None:
    rows = [row(10), row(11), list(HEADERS), row(12), row(14)] + [[None] * 9] * 10 + [row(15)]
    parsed, problems = run(lists, book(standard_grid(TRANSPORT, rows), identity(TRANSPORT)))
    assert parsed is not None
    assert [r.measure_no for r in parsed.rows] == [10, 11, 12, 14]
    assert only(problems, "measure-missing").message == "本单位负责的第 15 条措施未填报"


def test_blank_sub_item_status_where_merges_are_not_known(lists: tuple[MasterList, UnitDirectory]) -> None:
    # .ods and .csv do not tell merges: a blank cell under 已完成 may be a merged 已完成 or a sub-item nobody
    # assessed. Either way the measure must not close on it, and the cell is named.
    rows = [row(10, "已完成", "一期已通车"), row(None, None, "二期尚未开工"), row(11), row(12), row(14), row(15)]
    parsed, problems = run(lists, book(standard_grid(TRANSPORT, rows), identity(TRANSPORT)))
    assert parsed is not None
    assert {r.measure_no: r.status for r in parsed.rows}[10] is None
    found = only(problems, "status-empty-part")
    assert (found.cell, found.severity) == ("D6", ERROR)
    assert found.message == (
        "第 10 条措施分多行填写，上方第 5 行为“已完成”，本行未填写完成状态，该措施不按“已完成”（销号）处理；"
        "如确已全部完成，请在本行也填写“已完成”"
    )


def test_blank_sub_item_status_under_progress_is_not_reported(lists: tuple[MasterList, UnitDirectory]) -> None:
    rows = [row(10, "正常推进", "甲段"), row(None, None, "乙段"), row(11), row(12), row(14), row(15)]
    parsed, problems = run(lists, book(standard_grid(TRANSPORT, rows), identity(TRANSPORT)))
    assert parsed is not None
    assert {r.measure_no: r.status for r in parsed.rows}[10] == "正常推进"
    assert not [p for p in problems if p.code.startswith("status")]


# ----------------------------------------------------------------- problems, with their cells
def test_problems_point_at_their_cells(lists: tuple[MasterList, UnitDirectory]) -> None:
    rows = [
        row(10, "正常推进", "顺利"),  # row 5
        row(11, "", "顺利"),  # row 6: status-empty D6
        row(12, "差不多吧", "顺利"),  # row 7: status-unknown D7
        row(14, "进度滞后", "  ", expected="过段时间"),  # row 8: progress-empty E8, date-invalid H8
        row(99, "正常推进", "x"),  # row 9: measure-unknown A9
        row(20, "正常推进", "x"),  # row 10: measure-not-assigned A10
        row(None, "正常推进", "没写序号"),  # row 11: measure-no-empty A11
        row(10, "已完成", "", remark='=HYPERLINK("http://x","点我")'),  # row 12: duplicate of row 5, formula I12
    ]
    data = book(standard_grid("市交通运输局", rows, contact=None, phone="12345"), identity(TRANSPORT))
    parsed, problems = run(lists, data)
    assert parsed is not None and parsed.usable

    def at(code: str) -> tuple[str, str, str]:
        p = only(problems, code)
        return p.cell, p.severity, p.message

    assert at("status-empty") == ("D6", ERROR, "第 11 条措施未填写完成状态")
    assert at("status-unknown") == (
        "D7",
        ERROR,
        "完成状态“差不多吧”无法识别，应为：已完成、正常推进、进度滞后、尚未启动",
    )
    assert at("progress-empty") == ("E8", WARNING, "第 14 条措施未完成，但本周进展为空")
    assert at("date-invalid") == ("H8", WARNING, "日期“过段时间”无法识别")
    assert at("measure-unknown") == ("A9", ERROR, "序号“99”不在措施清单中")
    assert at("measure-not-assigned") == ("A10", WARNING, "第 20 条措施不是本单位的责任事项")
    assert at("measure-no-empty")[0:2] == ("A11", ERROR)
    assert at("measure-duplicate-conflict") == (
        "A12",
        WARNING,
        "第 10 条措施重复填报且完成状态不一致（第 5 行“正常推进”，本行“已完成”），已按较不利的“正常推进”读取，"
        "请核对哪一行是本周内容",
    )
    assert at("formula-text")[0:2] == ("I12", INFO)
    assert at("contact-missing") == ("D3", WARNING, "未填写联系人")
    assert at("phone-invalid")[0:2] == ("F3", WARNING)
    assert at("measure-missing") == ("", ERROR, "本单位负责的第 15 条措施未填报")
    # Every problem names the file, the sheet and the unit, and status-unknown reads as staff would see it.
    assert all(p.file == "报表.xlsx" and p.sheet == "落实情况" and p.unit == TRANSPORT for p in problems)
    assert str(only(problems, "status-unknown")).startswith("[错误] 《报表.xlsx》 落实情况!D7：完成状态“差不多吧”")

    by_no = {r.measure_no: r for r in parsed.rows}
    assert sorted(by_no) == [10, 11, 12, 14]
    # Two rows disagree: the less favourable counts, so a second copy never turns a measure 已完成.
    assert by_no[10].row == 5 and by_no[10].status == "正常推进"
    assert by_no[11].status is None and by_no[12].status is None  # kept, without a guessed status
    assert by_no[14].expected is None


def test_done_measure_may_have_empty_progress(lists: tuple[MasterList, UnitDirectory]) -> None:
    parsed, problems = run(lists, book(standard_grid(TRANSPORT, transport_rows()), identity(TRANSPORT)))
    assert problems == []
    assert parsed is not None and parsed.rows[-1].status == "已完成"


def test_phone_missing_and_filled_date_invalid(lists: tuple[MasterList, UnitDirectory]) -> None:
    grid = standard_grid(TRANSPORT, transport_rows(), phone=None, filled="下周")
    parsed, problems = run(lists, book(grid, identity(TRANSPORT)))
    assert only(problems, "phone-missing").cell == "F3"
    assert only(problems, "date-invalid").cell == "H3"
    assert parsed is not None and parsed.filled_on is None and parsed.week == date(2021, 1, 7)


def test_formula_text_in_header_block(lists: tuple[MasterList, UnitDirectory]) -> None:
    grid = standard_grid(TRANSPORT, transport_rows(), contact="=A1")
    parsed, problems = run(lists, book(grid, identity(TRANSPORT)))
    p = only(problems, "formula-text")
    assert (p.cell, p.severity) == ("D3", INFO)
    assert "=A1" in p.message
    assert parsed is not None and parsed.contact == "=A1"


def test_no_table(lists: tuple[MasterList, UnitDirectory]) -> None:
    data = book([["会议纪要"], ["序号", "内容"], [1, "x"]])
    parsed, problems = run(lists, data)
    assert parsed is None
    assert codes(problems) == ["no-table"]
    assert problems[0].severity == ERROR and problems[0].file == "报表.xlsx"


def test_no_readable_rows_is_an_error(lists: tuple[MasterList, UnitDirectory]) -> None:
    parsed, problems = run(lists, book(standard_grid(HEALTH, [row(1), row(2)]), identity(HEALTH)))
    assert parsed is not None and not parsed.usable
    assert parsed.errors == ["表中没有读到任何有效的措施行"]
    assert "no-rows" in codes(problems)
    assert codes(problems).count("measure-not-assigned") == 2


def test_measure_number_inferred_from_text(lists: tuple[MasterList, UnitDirectory]) -> None:
    master, _ = lists
    text = master.measure(20).text
    rows = [[None, text, "牵头", "正常推进", "推进中", "", "", None, None], row(21)]
    parsed, problems = run(lists, book(standard_grid(HEALTH, rows), identity(HEALTH)))
    assert parsed is not None and [r.measure_no for r in parsed.rows] == [20, 21]
    assert only(problems, "measure-no-inferred").cell == "A5"


@pytest.mark.parametrize("written", ["21", 21.0, "第21条", "二十一", "21、", "（六）21", "第二十一条"])
def test_measure_number_forms(lists: tuple[MasterList, UnitDirectory], written: Any) -> None:
    parsed, problems = run(lists, book(standard_grid(INSURANCE, [row(written)]), identity(INSURANCE)))
    assert problems == []
    assert parsed is not None and [(r.measure_no, r.role) for r in parsed.rows] == [(21, "牵头")]


# ----------------------------------------------------------------- unit identification
def directory_with_email(directory: UnitDirectory, unit: str, email: str) -> UnitDirectory:
    units = [dataclasses.replace(u, email=email) if u.name == unit else u for u in directory.units]
    return UnitDirectory(units)


def test_unit_from_each_source_alone(lists: tuple[MasterList, UnitDirectory]) -> None:
    master, directory = lists
    rows = [row(20), row(21)]
    # 1. template identity only
    parsed, _ = run(lists, book(standard_grid(None, rows), identity(HEALTH)))
    assert parsed is not None and parsed.unit == HEALTH
    # 2. 填报单位 only, written with an alias
    parsed, _ = run(lists, book(standard_grid("卫健委", rows)))
    assert parsed is not None and parsed.unit == HEALTH
    parsed, problems = run(lists, book(standard_grid("洛阳市卫生健康委员会办公室（盖章）", rows)))
    assert parsed is not None and parsed.unit == HEALTH and problems == []
    # 3. e-mail sender only
    emails = directory_with_email(directory, HEALTH, "wjw@ly.gov.cn")
    parsed, _ = parse_workbook(book(standard_grid(None, rows), sender="WJW@ly.gov.cn"), master, emails)
    assert parsed is not None and parsed.unit == HEALTH
    # 4. file name only
    parsed, problems = run(lists, book(standard_grid(None, rows), display="市卫生健康委-第1周.xlsx"))
    assert parsed is not None and parsed.unit == HEALTH and parsed.usable
    assert "unit-conflict" not in codes(problems)


def test_unit_order_and_conflict(lists: tuple[MasterList, UnitDirectory]) -> None:
    master, directory = lists
    emails = directory_with_email(directory, INSURANCE, "ybj@ly.gov.cn")
    data = book(
        standard_grid("市卫健委", [row(21)]), identity(HEALTH), display="医保局报表.xlsx", sender="ybj@ly.gov.cn"
    )
    parsed, problems = parse_workbook(data, master, emails)
    assert parsed is not None and parsed.unit == HEALTH
    p = only(problems, "unit-conflict")
    assert p.severity == WARNING
    assert p.message == (
        "报送单位判断不一致：模板标识为“市卫健委”；填报单位为“市卫健委”；发件人邮箱为“市医疗保障局”；"
        "文件名为“市医疗保障局”；按“市卫健委”处理"
    )
    assert parsed.rows[0].role == "配合"  # role follows the chosen unit

    # Without the identity, the 填报单位 cell comes next and the sender still disagrees.
    data = book(standard_grid("市医保局", [row(21)]), display="卫健委.xlsx", sender="ybj@ly.gov.cn")
    parsed, problems = parse_workbook(data, master, emails)
    assert parsed is not None and parsed.unit == INSURANCE and parsed.rows[0].role == "牵头"
    assert only(problems, "unit-conflict").message.endswith("按“市医疗保障局”处理")


def test_measures_decide_between_sender_and_file_name_when_the_form_names_no_unit(
    lists: tuple[MasterList, UnitDirectory],
) -> None:
    """One unit mails its own return and another unit's (no 填报单位, file named for the other): the
    measures, all the other unit's, decide; the sender's unit owning none of them is not credited."""
    master, directory = lists
    emails = directory_with_email(directory, INSURANCE, "ybj@ly.gov.cn")
    data = book(standard_grid(None, [row(20)]), display="卫健委.xlsx", sender="ybj@ly.gov.cn")
    parsed, problems = parse_workbook(data, master, emails)
    assert parsed is not None and parsed.unit == HEALTH
    assert only(problems, "unit-conflict").message == (
        "报送单位判断不一致：发件人邮箱为“市医疗保障局”；文件名为“市卫健委”；所填措施为“市卫健委”；按“市卫健委”处理"
    )
    # A measure both units share: the measures cannot tell, the sender (first source) stays, and is said.
    data = book(standard_grid(None, [row(21)]), display="卫健委.xlsx", sender="ybj@ly.gov.cn")
    parsed, problems = parse_workbook(data, master, emails)
    assert parsed is not None and parsed.unit == INSURANCE
    assert only(problems, "unit-conflict").message.endswith("按“市医疗保障局”处理")
    # 填报单位 written: the measures do not overrule what the unit wrote.
    data = book(standard_grid(INSURANCE, [row(20)]), display="卫健委.xlsx", sender="ybj@ly.gov.cn")
    parsed, _ = parse_workbook(data, master, emails)
    assert parsed is not None and parsed.unit == INSURANCE


def test_measures_decide_when_the_other_unit_shares_some_of_them(lists: tuple[MasterList, UnitDirectory]) -> None:
    """市医疗保障局 mails 市卫健委's return (20 and the shared 21), file named 卫健委: was charged to 医保局 (its
    shared 21 taken as 医保局's status, and 医保局's own return superseded by it), with only unit-conflict."""
    master, directory = lists
    emails = directory_with_email(directory, INSURANCE, "ybj@ly.gov.cn")
    data = book(standard_grid(None, [row(20), row(21)]), display="卫健委.xlsx", sender="ybj@ly.gov.cn")
    parsed, problems = parse_workbook(data, master, emails)
    assert parsed is not None and parsed.unit == HEALTH
    assert only(problems, "unit-conflict").message.endswith("所填措施为“市卫健委”；按“市卫健委”处理")


def test_unit_name_unknown_falls_back_to_file_name(lists: tuple[MasterList, UnitDirectory]) -> None:
    parsed, problems = run(lists, book(standard_grid("某某办公室", [row(20), row(21)]), display="卫健委.xlsx"))
    assert parsed is not None and parsed.unit == HEALTH
    p = only(problems, "unit-name-unknown")
    assert (p.cell, p.message) == ("B3", "填报单位“某某办公室”不在单位名录中")


@pytest.mark.parametrize(
    "written", ["济源市交通运输局", "孟津县交通运输局", "郑州市交通运输局", "济源市交通运输局（盖章）"]
)
def test_unit_of_another_place_is_not_counted_as_ours(lists: tuple[MasterList, UnitDirectory], written: str) -> None:
    # Another place's bureau filled in the form (even on our bureau's template, in a file named for ours).
    for ident, display in [(None, f"{written}-落实情况.xlsx"), (identity(TRANSPORT), "市交通运输局-落实情况.xlsx")]:
        parsed, problems = run(lists, book(standard_grid(written, transport_rows()), ident, display=display))
        assert parsed is not None and parsed.unit is None and not parsed.usable
        other = only(problems, "unit-other-place")
        assert other.cell == "B3" and written in other.message and "市交通运输局" in other.message
        assert only(problems, "unit-unknown").severity == ERROR
        assert "unit-inferred" not in codes(problems)


def test_file_named_for_another_place_is_not_evidence(lists: tuple[MasterList, UnitDirectory]) -> None:
    # Nothing but the file name names a unit, and it names Jiyuan's bureau: no unit, and no guess from measures.
    parsed, problems = run(lists, book(standard_grid(None, transport_rows()), display="济源市交通运输局-落实情况.xlsx"))
    assert parsed is not None and parsed.unit is None
    assert "济源市交通运输局" in only(problems, "unit-other-place").message
    assert "unit-inferred" not in codes(problems)
    # Our own bureau's name in the cell still counts; the file name's other place is reported, not used.
    parsed, problems = run(
        lists, book(standard_grid("洛阳市交通运输局", transport_rows()), display="济源市交通运输局-落实情况.xlsx")
    )
    assert parsed is not None and parsed.unit == TRANSPORT
    assert only(problems, "unit-other-place").severity == WARNING


def test_sheet_of_another_place_is_never_read_as_ours(lists: tuple[MasterList, UnitDirectory]) -> None:
    # One workbook: our bureau's sheet and the Jiyuan counterpart's sheet with the same measures, later dated.
    ours = SheetData("洛阳", standard_grid(TRANSPORT, transport_rows()))
    theirs = SheetData("济源", standard_grid("济源市交通运输局", transport_rows(), filled=date(2021, 1, 7)))
    data = WorkbookData(source("市交通运输局-落实情况.xlsx"), [ours, theirs], {})
    master, directory = lists
    returns, problems = parse_returns(data, master, directory)
    assert [(r.sheet, r.unit) for r in returns] == [("洛阳", TRANSPORT), ("济源", None)]
    assert not returns[1].usable and "unit-other-place" in codes(problems)


def test_unit_ambiguous(lists: tuple[MasterList, UnitDirectory]) -> None:
    master, directory = lists
    crowded = UnitDirectory([*directory.units, Unit("市交通运输管理处", aliases=["交通局"])])
    parsed, problems = parse_workbook(book(standard_grid("交通局", transport_rows())), master, crowded)
    assert only(problems, "unit-ambiguous").cell == "B3"
    assert parsed is not None and parsed.unit is None
    assert "可对应多个单位" in parsed.errors[0]


def test_unknown_unit(lists: tuple[MasterList, UnitDirectory]) -> None:
    # Measures 20 and 29 have no responsible unit in common, so the rows do not say whose return it is either.
    parsed, problems = run(lists, book(standard_grid(None, [row(20), row(29)]), display="第1周报表.xlsx"))
    assert parsed is not None and parsed.unit is None and not parsed.usable
    p = only(problems, "unit-unknown")
    assert p.severity == ERROR and p.cell == "B3"
    assert parsed.errors == [p.message.removeprefix("无法确定报送单位：")]
    assert "未填写填报单位" in parsed.errors[0]
    assert all(r.role == "" for r in parsed.rows)


def test_template_unit_not_in_directory(lists: tuple[MasterList, UnitDirectory]) -> None:
    parsed, problems = run(lists, book(standard_grid("市卫健委", [row(20), row(21)]), identity("市撤并局")))
    assert parsed is not None and parsed.unit == HEALTH
    assert "template-unit-unknown" in codes(problems)


# ----------------------------------------------------------------- week
def test_week_from_filled_date(lists: tuple[MasterList, UnitDirectory]) -> None:
    for filled, expected in [
        (date(2021, 1, 7), date(2021, 1, 7)),  # Thursday itself
        (date(2021, 1, 4), date(2021, 1, 7)),
        ("2021年1月8日", date(2021, 1, 14)),  # a Friday belongs to the next deadline
    ]:
        parsed, _ = run(lists, book(standard_grid(HEALTH, [row(20), row(21)], filled=filled)))
        assert parsed is not None and (parsed.week, parsed.week_source) == (expected, "填报日期")
    parsed, _ = run(lists, book(standard_grid(HEALTH, [row(20), row(21)], filled=date(2021, 1, 4))), deadline_weekday=5)
    assert parsed is not None and parsed.week == date(2021, 1, 8)


def test_filled_month_is_no_day_for_the_week(lists: tuple[MasterList, UnitDirectory]) -> None:
    # "2021年1月" would be 1月31日, three weeks after the return arrived: it is said, not used for the week.
    parsed, problems = run(lists, book(standard_grid(HEALTH, [row(20), row(21)], filled="2021年1月")))
    assert parsed is not None and (parsed.filled_on, parsed.week, parsed.week_source) == (None, None, "received")
    p = only(problems, "date-not-day")
    assert (p.severity, p.cell) == (WARNING, "H3") and "2021年1月" in p.message


def test_filled_day_without_year_is_never_after_arrival(lists: tuple[MasterList, UnitDirectory]) -> None:
    # Received 2021-01-07: "12月30日" is last December's, not 2021-12-30.
    parsed, _ = run(lists, book(standard_grid(HEALTH, [row(20), row(21)], filled="12月30日")), today=date(2021, 1, 7))
    assert parsed is not None and parsed.filled_on == date(2020, 12, 30)
    parsed, _ = run(lists, book(standard_grid(HEALTH, [row(20), row(21)], filled="1月6日")), today=date(2021, 1, 7))
    assert parsed is not None and parsed.filled_on == date(2021, 1, 6)


def test_filled_day_without_year_late_over_new_year(lists: tuple[MasterList, UnitDirectory]) -> None:
    # Week 2020-12-31, returned late on 2021-01-02 with "1月2日": this year's day, not 2020-01-02.
    data = book(standard_grid(HEALTH, [row(20), row(21)], filled="1月2日"))
    received = datetime(2021, 1, 2, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    data = dataclasses.replace(data, file=dataclasses.replace(data.file, received_at=received))
    parsed, problems = run(lists, data, today=date(2020, 12, 31))
    assert parsed is not None and parsed.filled_on == date(2021, 1, 2) and parsed.week == date(2021, 1, 7)
    # With the template's week 2020-12-31 as the base year too.
    data = dataclasses.replace(data, identity=identity(HEALTH, week="2020-12-31"))
    parsed, _ = run(lists, data, today=date(2020, 12, 31))
    assert parsed is not None and parsed.filled_on == date(2021, 1, 2)


def test_week_left_to_arrival_time(lists: tuple[MasterList, UnitDirectory]) -> None:
    parsed, problems = run(lists, book(standard_grid(HEALTH, [row(20), row(21)], filled=None)))
    assert parsed is not None and (parsed.week, parsed.week_source) == (None, "received")
    # The form's 填报日期 left empty is said, like a missing 联系人: the week rests on the arrival time alone.
    assert [(p.code, p.cell, p.severity, p.message) for p in problems] == [
        ("date-missing", "H3", WARNING, "未填写填报日期")
    ]


def test_week_conflict_and_other_list(lists: tuple[MasterList, UnitDirectory]) -> None:
    grid = standard_grid(HEALTH, [row(20), row(21)], filled=date(2021, 1, 12))
    parsed, problems = run(lists, book(grid, identity(HEALTH, list_id="ly-7actions")))
    assert parsed is not None and parsed.week == date(2021, 1, 7) and parsed.week_source == "template"
    assert only(problems, "week-conflict").severity == WARNING
    assert "2021-01-14" in only(problems, "week-conflict").message
    other = only(problems, "template-other-list")
    assert other.message == "本表由其他措施清单（ly-7actions）生成，与当前清单（ly-jy-33）不一致"
    assert parsed.usable


def test_expected_relative_dates_use_the_report_year(lists: tuple[MasterList, UnitDirectory]) -> None:
    rows = [row(20, expected="年底前"), row(21, expected="6月底")]
    parsed, _ = run(lists, book(standard_grid(HEALTH, rows), identity(HEALTH)), today=date(2030, 1, 1))
    assert parsed is not None
    assert [r.expected for r in parsed.rows] == [date(2021, 12, 31), date(2021, 6, 30)]


def test_expected_number_that_may_have_lost_a_zero_is_flagged(lists: tuple[MasterList, UnitDirectory]) -> None:
    rows = [row(10, expected=2021.1), row(11, expected=2021.6), row(12), row(14), row(15, "已完成", "")]
    parsed, problems = run(lists, book(standard_grid(TRANSPORT, rows), identity(TRANSPORT)))
    found = only(problems, "date-ambiguous")
    assert found.cell == "H5" and found.severity == WARNING
    assert "2021.1" in found.message and "2021.10" in found.message and "2021-01-31" in found.message
    assert parsed is not None and parsed.rows[0].expected == date(2021, 1, 31)
    assert parsed.rows[1].expected == date(2021, 6, 30)


# ----------------------------------------------------------------- where the workbook came from (red team 2e)
FETCHED = "邮件/市发改委/20210107-110000-abcdef0123.eml › 落实情况报表.xlsx"  # fetch's folder for 市发改委's mailbox


def mailed(data: WorkbookData, subject: str = "", sender: str = "") -> WorkbookData:
    return dataclasses.replace(data, file=dataclasses.replace(data.file, subject=subject, sender=sender))


def test_mailbox_folder_is_not_the_file_name(lists: tuple[MasterList, UnitDirectory]) -> None:
    # fetch saves mail under 邮件/<mailbox name>/, and one mailbox is 市发改委's: that names the receiver.
    parsed, problems = run(lists, book(standard_grid(TRANSPORT, transport_rows()), identity(TRANSPORT), FETCHED))
    assert parsed is not None and parsed.unit == TRANSPORT
    assert "unit-conflict" not in codes(problems)
    # A self-made form, 填报单位 blank, from a personal address: the measures say whose, not the mailbox.
    parsed, problems = run(lists, mailed(book(standard_grid(None, transport_rows()), display=FETCHED), "报表"))
    assert parsed is not None and parsed.unit == TRANSPORT and parsed.usable
    assert only(problems, "unit-inferred").severity == WARNING
    assert "measure-not-assigned" not in codes(problems)


def test_names_around_the_workbook_are_weaker_than_the_workbook(lists: tuple[MasterList, UnitDirectory]) -> None:
    reply = "Re: 市发改委关于报送落实情况的通知"
    display = "市发改委/Re 市发改委关于报送落实情况的通知.eml › 落实情况报表.xlsx"  # a staff folder, a saved mail
    parsed, problems = run(lists, mailed(book(standard_grid(TRANSPORT, transport_rows()), display=display), reply))
    assert parsed is not None and parsed.unit == TRANSPORT
    assert "unit-conflict" not in codes(problems)
    # Nothing on the form names a unit: the reply's subject does not beat the measures reported, but is said.
    parsed, problems = run(lists, mailed(book(standard_grid(None, transport_rows()), display=display), reply))
    assert parsed is not None and parsed.unit == TRANSPORT
    assert only(problems, "unit-conflict").message == (
        "报送单位判断不一致：所在邮件、压缩包或文件夹名为“市发改委”；所填措施为“市交通运输局”；按“市交通运输局”处理"
    )
    # A subject naming the unit counts when nothing else names one, even where the measures say too little.
    fetched = "邮件/副中心办公室/20210107-110000-abcdef0123.eml › 落实情况报表.xlsx"
    data = mailed(book(standard_grid(None, [row(21)]), display=fetched), "市医保局落实情况报表")
    parsed, problems = run(lists, data)
    assert parsed is not None and parsed.unit == INSURANCE
    assert not {"unit-inferred", "unit-unknown", "unit-conflict"} & set(codes(problems))


def test_unreadable_file_is_not_charged_to_the_mailbox(lists: tuple[MasterList, UnitDirectory]) -> None:
    from lyreport.intake.pipeline import attribute

    _, directory = lists
    file = dataclasses.replace(source("邮件/市发改委/20210107-110000-abcdef0123.eml › 报表.docx"), kind="foreign")
    assert attribute(file, directory) is None
    assert attribute(dataclasses.replace(file, subject="市交通运输局落实情况"), directory) == TRANSPORT
    assert attribute(dataclasses.replace(file, display="市发改委报表.eml › 交通局.docx"), directory) == TRANSPORT


def test_mail_folder_name_matches_fetch() -> None:
    from lyreport.intake.sidecar import MAIL_DIR
    from lyreport.mailbox.fetch import MAIL_DIR as FETCH_DIR

    assert MAIL_DIR == FETCH_DIR


@pytest.mark.parametrize("around", ["济源市交通运输局.zip › 报表.xlsx", "济源示范区交通运输局/报表.xlsx"])
def test_zip_or_folder_named_for_another_place_is_not_guessed_from(
    lists: tuple[MasterList, UnitDirectory], around: str
) -> None:
    # Nothing on the form names the unit; the zip or folder it came in names 济源's bureau: was guessed from the
    # measures as 市交通运输局 (unit-inferred), not saying what the zip or folder said.
    parsed, problems = run(lists, book(standard_grid(None, transport_rows()), display=around))
    assert parsed is not None and parsed.unit is None
    assert "济源" in only(problems, "unit-other-place").message
    assert "unit-inferred" not in codes(problems)
