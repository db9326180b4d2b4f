"""Regressions found by the red-team zoo (bench/redteam.py): each was wrong without a word, or unquoted.

Every test fills the real template of 市交通运输局 (measures 10, 11, 12, 14, 15) in code, edits it the way a
unit did, and asserts the status read and the exact problem code at the cell.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from office import convert, needs_soffice
from openpyxl import load_workbook

from lyreport.api import check_files, load_context
from lyreport.intake import normalize as nz
from lyreport.intake.parse import parse_returns
from lyreport.intake.read import read_one
from lyreport.models import SourceFile
from lyreport.render.templates import write_templates
from lyreport.weeks import deadline_on

WEEK = date(2021, 1, 7)
TRANSPORT = "市交通运输局"
BASE = {10: "正常推进", 11: "正常推进", 12: "进度滞后", 14: "已完成", 15: "尚未启动"}


def filled_form(workspace: Path, tmp_path: Path, statuses: dict[int, Any]) -> Any:
    ctx = load_context(workspace)
    (path,) = write_templates(ctx.master, ctx.directory, WEEK, tmp_path / "tpl", units=[TRANSPORT])
    wb = load_workbook(path)
    ws = wb["落实情况"]
    ws["D3"], ws["F3"], ws["H3"] = "王五", "0379-63211234", date(2021, 1, 6)
    for r in range(5, 10):
        no = ws.cell(r, 1).value
        ws.cell(r, 4).value = statuses.get(no)
        ws.cell(r, 5).value = f"第{no}条本周进展"
    return wb


def parsed(workspace: Path, path: Path, today: date | None = None) -> tuple[Any, list[Any]]:
    """The one return of a file received at the week's deadline, and the problems found."""
    ctx = load_context(workspace)
    book, _ = read_one(SourceFile(path, path.name, "workbook", deadline_on(WEEK, ctx.config), "0" * 64))
    assert book is not None
    (ret,), problems = parse_returns(book, ctx.master, ctx.directory, today=today)
    return ret, problems


def read(workspace: Path, path: Path) -> tuple[dict[int, str | None], list[tuple[str, str]], list[Any]]:
    ret, problems = parsed(workspace, path)
    return {r.measure_no: r.status for r in ret.rows}, [(p.code, p.cell) for p in problems], problems


def test_last_weeks_table_pasted_below_never_turns_a_lag_into_done(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    ws.insert_rows(10, 8)  # pasted inside the table, above the printed form's 注 and seal lines
    ws["A12"] = "上周报送情况"
    for i, no in enumerate(BASE):
        ws.cell(13 + i, 1, no)
        ws.cell(13 + i, 4, "已完成")  # last week's (wrong) copy, pasted under this week's table
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, problems = read(workspace, path)
    assert statuses == BASE  # the less favourable of two disagreeing rows, never 已完成 over a lag
    assert ("measure-duplicate-conflict", "A15") in found
    (msg,) = [p.message for p in problems if p.cell == "A15"]
    assert msg == (
        "第 12 条措施重复填报且完成状态不一致（第 7 行“进度滞后”，本行“已完成”），已按较不利的“进度滞后”读取，请核对哪一行是本周内容"
    )
    assert ("measure-duplicate", "A17") not in found  # 14 is 已完成 twice: no conflict
    assert ("measure-duplicate", "A16") in found


def test_rows_pasted_under_the_seal_line_are_not_read_but_said(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    for i, no in enumerate(BASE):  # under the printed form's 注 (row 11) and seal (row 12) lines
        ws.cell(14 + i, 1, no)
        ws.cell(14 + i, 4, "已完成")
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, problems = read(workspace, path)
    assert statuses == BASE  # this week's table, never the rows under the seal line
    assert ("rows-after-table", "A14") in found
    (msg,) = [p.message for p in problems if p.code == "rows-after-table"]
    assert "第 14、15、16、17、18 行" in msg


def test_status_merged_over_two_measures_is_said(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, {**BASE, 11: None})
    wb["落实情况"].merge_cells("D5:D6")  # one 正常推进 typed for measures 10 and 11
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, _ = read(workspace, path)
    assert statuses[11] == "正常推进"
    assert ("status-from-merge", "D6") in found
    assert ("status-from-merge", "D5") not in found


def test_status_column_named_by_its_choices(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    ws["D4"], ws["E4"] = "进展情况（已完成/正常推进/滞后/未启动）", "工作进展"
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, _ = read(workspace, path)
    assert statuses == BASE
    assert not [code for code, _ in found if code.startswith("status")]


def test_remarks_beside_an_exact_word_are_quoted(workspace: Path, tmp_path: Path) -> None:
    written = {
        10: "正常推进\n（备注：资金未到位）",
        11: "正常推进，无滞后",
        12: "不能按期完成",
        14: "已完成（已销号）",
        15: "尚未启动",
    }
    wb = filled_form(workspace, tmp_path, written)
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    (checked,) = check_files([path], workspace, workers=0)
    assert [(p.code, p.cell) for p in checked.problems] == [
        ("status-interpreted", "D5"),
        ("status-interpreted", "D6"),
        ("status-interpreted", "D7"),
        ("status-interpreted", "D8"),
    ]
    assert "（备注：资金未到位）" in checked.problems[0].message


def test_numbers_typed_crosswise_are_read_by_text(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, {**BASE, 11: "已完成"})
    ws = wb["落实情况"]
    ws["A6"], ws["A7"] = 12, 11  # texts of 11 and 12 stay; the numbers were typed the wrong way round
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, _ = read(workspace, path)
    assert statuses == {**BASE, 11: "已完成"}  # never combined into one measure, never 12 missing
    assert [c for c in found if c[0].startswith("measure")] == [
        ("measure-no-mismatch", "A6"),
        ("measure-no-mismatch", "A7"),
    ]


@pytest.mark.parametrize("subs", [("10-1", "10-2"), ("10.1", "10.2"), ("10（1）", "10（2）")])
def test_sub_numbered_rows_of_one_measure_are_combined(workspace: Path, tmp_path: Path, subs: tuple) -> None:
    wb = filled_form(workspace, tmp_path, {**BASE, 10: "已完成"})
    ws = wb["落实情况"]
    ws.insert_rows(6)
    ws["A5"], ws["A6"], ws["B6"], ws["D6"], ws["E6"] = *subs, "其中：洛济快速通道段", "进度滞后", "征迁滞后"
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, _ = read(workspace, path)
    assert statuses == {**BASE, 10: "进度滞后"}  # the lagging sub-item wins; never 已完成, never measure 11
    assert ("measure-rows-combined", "A5") in found


def test_sub_item_with_a_blank_status_never_closes_the_measure(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, {**BASE, 10: "已完成"})
    ws = wb["落实情况"]
    ws.insert_rows(6)
    ws["A5"], ws["A6"], ws["B6"], ws["E6"] = "10-1", "10-2", "其中：二期工程", "二期尚未开工，待省里批复"
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, problems = read(workspace, path)
    assert statuses == {**BASE, 10: None}  # done beside a sub-item nobody assessed: not done, never 已完成
    (blank,) = [p for p in problems if p.code == "status-empty-part"]
    assert (blank.cell, blank.severity) == ("D6", "error")
    assert "第 10 条措施" in blank.message and "上方第 5 行为“已完成”" in blank.message
    assert ("measure-rows-combined", "A5") in found


def test_sub_item_with_a_blank_status_under_a_lag_stays_a_lag(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, {**BASE, 10: "进度滞后"})
    ws = wb["落实情况"]
    ws.insert_rows(6)
    ws["A5"], ws["A6"], ws["E6"] = "10-1", "10-2", "二期工程"
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, _ = read(workspace, path)
    assert statuses == {**BASE, 10: "进度滞后"}
    assert not [c for c in found if c[0].startswith("status")]  # the measure's status is the lag, as written


def test_status_merged_over_the_rows_of_one_measure_stays_done(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, {**BASE, 10: "已完成"})
    ws = wb["落实情况"]
    ws.insert_rows(6)
    ws["A5"], ws["A6"], ws["E6"] = "10-1", "10-2", "二期已通车"
    ws.merge_cells("D5:D6")  # a merge the reader knows: one 已完成 written for both sub-items
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, _ = read(workspace, path)
    assert statuses == {**BASE, 10: "已完成"}
    assert not [c for c in found if c[0].startswith("status")]


def test_crossed_out_or_questioned_done_is_an_error_at_its_cell(workspace: Path, tmp_path: Path) -> None:
    written = {10: "已完成？", 11: "☐已完成", 12: "已完成 ×", 14: "✓ 已完成", 15: "~~已完成~~"}
    wb = filled_form(workspace, tmp_path, written)
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, _, problems = read(workspace, path)
    assert statuses == {10: None, 11: None, 12: None, 14: "已完成", 15: None}  # only the ticked one is done
    marked = [(p.cell, p.severity) for p in problems if p.code == "status-marked"]
    assert marked == [("D5", "error"), ("D6", "error"), ("D7", "error"), ("D9", "error")]
    first = next(p for p in problems if p.code == "status-marked")
    assert "完成状态“已完成？”中有“？”" in first.message
    assert not [p for p in problems if p.code == "status-interpreted"]  # never “已按“已完成”处理”


@needs_soffice
def test_hidden_row_in_xls_is_not_read_as_this_week(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, {**BASE, 11: "已完成"})
    wb["落实情况"].row_dimensions[6].hidden = True  # last week's 已完成 for measure 11, hidden, sent as .xls
    source = tmp_path / "交通局.xlsx"
    wb.save(source)
    out = tmp_path / "xls"
    out.mkdir()
    convert(source, "xls", out)
    statuses, found, _ = read(workspace, out / "交通局.xls")
    assert 11 not in statuses  # never the hidden 已完成
    assert ("row-hidden", "A6") in found


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("不能按期完成", ("进度滞后", True)),
        ("无法按期完成", ("进度滞后", True)),
        ("难以按时完成", ("进度滞后", True)),
        ("✔已完成", ("已完成", False)),  # a tick beside the word: exact
        ("☑已完成", ("已完成", False)),
        ("已完成×", (None, False)),  # a cross beside the word: crossed out, never done
        ("❌已完成", (None, False)),
        ("已完成。", ("已完成", False)),
        ("正常推进（已完成80%）", ("正常推进", True)),
    ],
)
def test_status_words_found_by_the_zoo(value: str, expected: tuple[str, bool]) -> None:
    assert nz.read_status(value) == expected


# ----------------------------------------------------------------- last week's status column (B2)
def _beside_old_status(workspace: Path, tmp_path: Path, old: str, new: str) -> tuple[Path, dict[int, str]]:
    """The template's status column D relabelled `old` (every row 已完成), a column `new` inserted at E."""
    this_week = {10: "正常推进", 11: "正常推进", 12: "进度滞后", 14: "正常推进", 15: "尚未启动"}
    wb = filled_form(workspace, tmp_path, dict.fromkeys(BASE, "已完成"))
    ws = wb["落实情况"]
    ws["D4"] = old
    ws.insert_cols(5)
    ws["E4"] = new
    for r in range(5, 10):
        ws.cell(r, 5).value = this_week[ws.cell(r, 1).value]
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    return path, this_week


@pytest.mark.parametrize("new", ["本周", "本期"])
def test_bare_this_week_column_beside_last_weeks_is_read(workspace: Path, tmp_path: Path, new: str) -> None:
    path, this_week = _beside_old_status(workspace, tmp_path, "上周完成状态", new)
    statuses, found, _ = read(workspace, path)
    assert statuses == this_week  # 12 is 进度滞后 this week, never last week's 已完成
    assert found == [("column-chosen", "E4")]


def test_only_a_last_week_status_column_is_an_error_and_never_done(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, dict.fromkeys(BASE, "已完成"))
    wb["落实情况"]["D4"] = "上周完成状态"
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, problems = read(workspace, path)
    assert statuses == dict.fromkeys(BASE)  # not read: no measure of this unit is 已完成
    assert found == [("column-last-week", "D4")]
    (problem,) = problems
    assert problem.severity == "error"
    assert problem.message.startswith("只找到上周的完成状态列（D 列“上周完成状态”），未找到本周完成状态")


@pytest.mark.parametrize("new", ["截至本周完成状态", "本周更新状态", "完成状态（本周）", "完成状态(本期)"])
def test_new_status_column_labelled_this_week_wins(workspace: Path, tmp_path: Path, new: str) -> None:
    path, this_week = _beside_old_status(workspace, tmp_path, "完成状态", new)
    statuses, found, problems = read(workspace, path)
    assert statuses == this_week
    assert found == [("column-chosen", "E4")]
    assert "（该列标明为本周）" in problems[0].message


@pytest.mark.parametrize("new", ["调整后状态", "1月7日完成状态", "新完成状态", "本周"])
def test_unrecognised_status_like_column_beside_the_read_one_is_checked_row_by_row(
    workspace: Path, tmp_path: Path, new: str
) -> None:
    """D (every row 已完成) is read, said once, and each row checked against E: a lag in either wins, other
    differences are errors. Once only the warning was given, and four not-done measures read 已完成."""
    path, _ = _beside_old_status(workspace, tmp_path, "完成状态", new)
    statuses, found, problems = read(workspace, path)
    assert found[0] == ("column-status-other", "E4")
    assert problems[0].severity == "warning"
    assert f"“{new}”（E 列）" in problems[0].message and "“完成状态”（D 列）" in problems[0].message
    assert found[1:] == [("status-second-conflict", f"D{r}") for r in (5, 6)] + [("status-second-lag", "D7")] + [
        ("status-second-conflict", f"D{r}") for r in (8, 9)
    ]
    assert statuses == {10: None, 11: None, 12: "进度滞后", 14: None, 15: None}  # never a 已完成 E denies


def test_last_week_column_never_beats_a_hidden_this_week_one(workspace: Path, tmp_path: Path) -> None:
    path, this_week = _beside_old_status(workspace, tmp_path, "上周完成状态", "本周完成状态")
    wb = load_workbook(path)
    wb["落实情况"].column_dimensions["E"].hidden = True
    wb.save(path)
    statuses, found, _ = read(workspace, path)
    assert statuses == this_week
    assert ("column-hidden", "E4") in found


# ----------------------------------------------------------------- 序号 against the text (B3)
def test_own_number_with_another_units_measure_text_is_said(workspace: Path, tmp_path: Path) -> None:
    ctx = load_context(workspace)
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    assert ws["A8"].value == 14 and TRANSPORT not in ctx.master.measure(13).units
    ws["B8"] = ctx.master.measure(13).text  # 洛阳北郊机场's measure, typed beside 14
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, problems = read(workspace, path)
    assert statuses == BASE  # read by its number, with a warning naming both measures
    assert found == [("measure-text-other", "A8")]
    assert problems[0].message.startswith("所填措施内容是第 13 条措施（洛阳北郊机场负责）的内容，与序号“14”不符")


@pytest.mark.parametrize(("cell", "value"), [("A9", "（十五）"), ("A5", "10.1"), ("A5", "(十)")])
def test_unusual_number_agreeing_with_the_text_is_not_a_mismatch(
    workspace: Path, tmp_path: Path, cell: str, value: str
) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    wb["落实情况"][cell] = value
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, _ = read(workspace, path)
    assert statuses == BASE
    assert found == []


def test_status_on_the_note_line_is_not_dropped_silently(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    assert str(ws["A11"].value).startswith("注")  # the printed form's note line ends the table
    for merged in [m for m in ws.merged_cells.ranges if m.min_row <= 11 <= m.max_row]:
        ws.unmerge_cells(str(merged))
    ws["A11"] = "注：本表打印后手写更正"
    ws["D11"] = "进度滞后"  # a correction of the last measure's status, typed on the note line
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, problems = read(workspace, path)
    assert statuses == BASE
    assert ("status-at-table-end", "D11") in found
    (problem,) = [p for p in problems if p.code == "status-at-table-end"]
    assert problem.severity == "warning"
    assert "“进度滞后”，未读取" in problem.message


def with_column(workspace: Path, tmp_path: Path, label: str, values: dict[int, Any]) -> Path:
    """The filled form (statuses BASE) with a column `label` inserted as E, `values` by measure (D8 is 14's status)."""
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    ws.insert_cols(5)
    ws.cell(4, 5, label)
    for r in range(5, 10):
        ws.cell(r, 5, values.get(ws.cell(r, 1).value))
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    return path


def sheet_per_week(workspace: Path, sheets: list[tuple[str, dict[int, Any]]], hidden: tuple[str, ...] = ()) -> Any:
    """One unit's workbook with a sheet per week, undated, in the order given; `hidden` names hidden sheets."""
    from openpyxl import Workbook

    ctx = load_context(workspace)
    wb = Workbook()
    for index, (title, statuses) in enumerate(sheets):
        ws = wb.active if index == 0 else wb.create_sheet(title)
        ws.title = title
        ws.append(["填报单位", TRANSPORT, "联系人", "王五", "联系电话", "0379-63211234"])
        ws.append(["序号", "措施内容", "完成状态", "本周进展"])
        for no, status in statuses.items():
            ws.append([no, ctx.master.measure(no).text, status, "进展"])
        ws.sheet_state = "hidden" if title in hidden else "visible"
    return wb


# ----------------------------------------------------------------- round 5: what else units put beside a status
@pytest.mark.parametrize(
    ("label", "values", "shown"),
    [
        ("是否完成", {14: "否", 10: "否"}, "否"),
        ("完成率", {14: 0.6, 10: 0.3}, "60%"),
        ("完成进度", {14: "80%", 10: "30%"}, "80%"),
    ],
)
def test_done_contradicted_by_a_completion_column_is_not_done(
    workspace: Path, tmp_path: Path, label: str, values: dict[int, Any], shown: str
) -> None:
    path = with_column(workspace, tmp_path, label, values)
    statuses, found, problems = read(workspace, path)
    assert statuses == {**BASE, 14: None}  # 已完成 beside 否 / 60%: never closes the measure
    assert ("status-contradicted", "D8") in found
    (msg,) = [p.message for p in problems if p.code == "status-contradicted"]
    assert f"“{label}”（E8）填写“{shown}”" in msg
    assert not [c for c in found if c[1] == "D5"]  # 正常推进 beside 否 / 30% agrees


def test_not_done_beside_a_yes_in_a_completion_column_is_said(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    ws.insert_cols(5)
    ws.cell(4, 5, "是否完成")
    for r, value in zip(range(5, 10), ["是", "否", "否", "是", "否"], strict=True):
        ws.cell(r, 5, value)
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, _ = read(workspace, path)
    assert statuses == BASE  # read as written: a yes never closes a measure the status keeps open
    assert [c for c in found if c[0].startswith("status-")] == [("status-done-elsewhere", "D5")]


def test_done_struck_through_with_the_font_is_not_done(workspace: Path, tmp_path: Path) -> None:
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.styles import Font

    wb = filled_form(workspace, tmp_path, {**BASE, 10: "已完成", 12: "进度滞后"})
    ws = wb["落实情况"]
    ws["D8"].font = Font(strike=True)  # Ctrl+5 on last week's 已完成; the new status went into 备注
    ws["I8"] = "进度滞后"
    ws["D5"] = CellRichText(TextBlock(InlineFont(strike=True), "已完成"))  # struck in the cell's own text
    ws["D7"].font = Font(strike=True)  # a struck lag is still the least favourable reading
    ws["D6"].font = Font(bold=True)
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, problems = read(workspace, path)
    assert statuses == {**BASE, 10: None, 14: None}
    assert [c for c in found if c[0] == "status-struck"] == [("status-struck", "D5"), ("status-struck", "D8")]
    assert "完成状态“已完成”带有删除线" in problems[[p.cell for p in problems].index("D8")].message


def test_sheets_of_one_unit_that_disagree_without_dates_are_a_warning(workspace: Path, tmp_path: Path) -> None:
    old = {**BASE, 12: "正常推进", 15: "已完成"}
    wb = sheet_per_week(workspace, [("落实情况", BASE), ("落实情况 (2)", old)])  # the week's sheet put first
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    _, found, problems = read(workspace, path)
    assert ("table-chosen-unsure", "") in found  # which sheet is this week's cannot be told: said, not guessed
    (msg,) = [p.message for p in problems if p.code == "table-chosen-unsure"]
    assert "未计入：工作表“落实情况”" in msg
    wb["落实情况 (2)"]["C7"] = "尚未启动"
    wb["落实情况 (2)"]["C5"] = "进度滞后"
    wb.save(path)
    _, found, _ = read(workspace, path)
    assert ("table-chosen", "") in found and ("table-chosen-unsure", "") not in found  # same statuses: a note


@pytest.mark.parametrize("order", ["this week first", "this week last"])
def test_a_sheet_per_week_named_by_its_day_is_read_by_that_day(workspace: Path, tmp_path: Path, order: str) -> None:
    """A workbook kept over the weeks, a sheet per week named by its day, no 填报日期: last week's sheet was read
    because it came last (15 尚未启动 read 已完成), with a warning that the choice was a guess."""
    old = {**BASE, 12: "正常推进", 15: "已完成"}
    sheets = [("1月6日", BASE), ("12月30日", old)]
    wb = sheet_per_week(workspace, sheets if order == "this week first" else sheets[::-1])
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, problems = read(workspace, path)
    assert statuses == BASE
    (said,) = [p for p in problems if p.code.startswith("table-chosen")]
    assert said.code == "table-chosen"
    assert "已读取工作表“1月6日”" in said.message and "工作表名称所示日期最新（“1月6日”，即 2021-01-06" in said.message
    wb["1月6日"].title = "1月8日"  # a day after the file came (2021-01-07): not a day the names can be trusted for
    wb.save(path)
    _, _, problems = read(workspace, path)
    (said,) = [p for p in problems if p.code.startswith("table-chosen")]
    assert said.code == "table-chosen-unsure"  # as before: which sheet is this week's cannot be told


# ----------------------------------------------------------------- statuses checked against the row's own texts
def _with_texts(workspace: Path, tmp_path: Path, statuses: dict[int, Any], texts: dict[int, tuple[Any, Any]]) -> Path:
    """The form with its 本周进展 (column E) and 存在问题 (column F) set per measure."""
    wb = filled_form(workspace, tmp_path, statuses)
    ws = wb["落实情况"]
    for r in range(5, 10):
        progress, issues = texts.get(ws.cell(r, 1).value, ("召开推进会", "无"))
        ws.cell(r, 5).value, ws.cell(r, 6).value = progress, issues
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    return path


def test_status_and_progress_columns_filled_the_wrong_way_round(workspace: Path, tmp_path: Path) -> None:
    # The unit wrote its progress under 完成状态 and the status under 本周进展: the sentence reads 正常推进.
    sentence = "本周已召开推进会，完成阶段任务。"
    path = _with_texts(
        workspace, tmp_path, dict.fromkeys(BASE, sentence), {no: (status, "无") for no, status in BASE.items()}
    )
    statuses, found, problems = read(workspace, path)
    assert statuses == {10: "正常推进", 11: "正常推进", 12: "进度滞后", 14: None, 15: None}
    assert ("status-progress-lag", "D7") in found  # a lag in either column is read, and said
    assert ("status-progress-conflict", "D8") in found  # 已完成 under 进展: which holds cannot be told
    assert ("status-progress-conflict", "D9") in found
    (msg,) = [p.message for p in problems if p.cell == "D8" and p.code == "status-progress-conflict"]
    assert "本周进展（E8）只写了“已完成”" in msg


def test_done_denied_by_the_progress_or_issues_text_is_not_done(workspace: Path, tmp_path: Path) -> None:
    texts = {
        10: ("受疫情影响，进度滞后，目前正在追赶", "无"),
        11: ("已完成阶段任务，无滞后", "无"),  # a negated lag is no lag
        14: ("一期已建成通车", "二期工程尚未开工"),
    }
    path = _with_texts(workspace, tmp_path, BASE, texts)
    statuses, found, problems = read(workspace, path)
    assert statuses == {**BASE, 14: None}  # never 已完成 beside a text saying it is not
    assert ("status-denied-in-text", "D8") in found
    (msg,) = [p.message for p in problems if p.code == "status-denied-in-text"]
    assert "“存在问题”（F8）写有“二期工程尚未开工”" in msg
    assert ("status-lag-in-text", "D5") in found  # read as written, and said
    assert not any(cell == "D6" for _, cell in found)


def test_done_beside_an_ordinary_progress_text_is_done(workspace: Path, tmp_path: Path) -> None:
    texts = {14: ("已于2020年12月实现免费通行，正在办理移交", "无"), 10: ("正常推进，本周无新进展", "暂无")}
    path = _with_texts(workspace, tmp_path, BASE, texts)
    statuses, found, _ = read(workspace, path)
    assert statuses == BASE
    assert not [code for code, _ in found if code.startswith("status-")]


def test_a_second_status_column_that_disagrees_is_said(workspace: Path, tmp_path: Path) -> None:
    """完成情况 added beside 完成状态 and 本周进展 (so it cannot be the progress): a status written there that
    differs is never dropped in silence (it used to be ignored, and 已完成 beside 正常推进 closed the measure)."""
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    col = ws.max_column + 1
    ws.cell(4, col).value = "完成情况"
    second = {10: "已完成", 11: "进度滞后", 12: "进度滞后", 14: "正常推进", 15: "项目前期手续办理中，尚未开工"}
    for r in range(5, 10):
        ws.cell(r, col).value = second[ws.cell(r, 1).value]
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, problems = read(workspace, path)
    assert statuses == {10: None, 11: "进度滞后", 12: "进度滞后", 14: None, 15: "尚未启动"}
    letter = ws.cell(4, col).column_letter
    assert ("status-second-conflict", "D5") in found  # 正常推进 beside 已完成: which holds cannot be told
    assert ("status-second-lag", "D6") in found  # a lag in either column is read, and said
    assert ("status-second-conflict", "D8") in found  # the 已完成 beside 正常推进 does not close measure 14
    (msg,) = [p.message for p in problems if p.cell == "D8"]
    assert f"“完成情况”（{letter}8）填写“正常推进”" in msg
    assert not any(cell in ("D7", "D9") for _, cell in found)  # the same status, or a sentence that agrees


def test_a_second_status_column_with_a_sentence_denying_done(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    col = ws.max_column + 1
    ws.cell(4, col).value = "完成情况"
    for r in range(5, 10):
        ws.cell(r, col).value = "主体工程尚未完成" if ws.cell(r, 1).value == 14 else "详见本周进展"
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, _ = read(workspace, path)
    assert statuses == {**BASE, 14: None}
    assert ("status-denied-in-text", "D8") in found


# statusfuzz round: a 已完成 beside a 本周进展 that tells of work still to finish was read as done without a word
NOT_DONE_YET = [
    "正在推进，预计下月完成",
    "目前正在施工，计划1月底完工",
    "主体已完成，附属工程正在施工",
    "一期已完成，二期正在建设",
    "已完成80%",
    "完成进度90%",
    "剩余20%正在推进",
    "尚有部分扫尾工作",
    "还差最后一段",
    "本周完成招标，下周开工",
    "正在办理竣工验收",
    "待验收",
    "已完成土建，设备安装中",
    "施工进度迟缓",
]
DONE_INDEED = [
    "已按计划完成，待销号。",
    "已完成竣工验收，正式投入使用。",
    "项目已竣工，正在办理移交手续。",
    "年度投资完成95%，工程已完工。",
    "工程已竣工，完成率100%。",
    "已完成，下一步将组织开展总结评估。",
    "已于12月底完成，按计划推进后续运营。",
]


def test_done_beside_progress_telling_of_work_to_finish_is_not_done(workspace: Path, tmp_path: Path) -> None:
    texts = NOT_DONE_YET + DONE_INDEED
    for i in range(0, len(texts), 5):
        chunk = texts[i : i + 5]
        wb = filled_form(workspace, tmp_path, {no: "已完成" for no in BASE})
        ws = wb["落实情况"]
        for r, text in zip(range(5, 10), chunk, strict=False):
            ws.cell(r, 5).value = text
        path = tmp_path / f"交通局{i}.xlsx"
        wb.save(path)
        statuses, found, _ = read(workspace, path)
        for r, text in zip(range(5, 10), chunk, strict=False):
            no = ws.cell(r, 1).value
            denied = ("status-denied-in-text", f"D{r}") in found
            if text in NOT_DONE_YET:
                assert statuses[no] is None and denied, text
            else:
                assert statuses[no] == "已完成" and not denied, text


def test_on_track_beside_progress_saying_all_done_is_said(workspace: Path, tmp_path: Path) -> None:
    progress = {
        10: "本项工作已全部完成并通过验收",  # the whole work done: said, read as written (never closes)
        11: "项目已竣工并投入使用",
        12: "已完成方案初稿，正在征求相关部门意见。",  # a part done: nothing to say
        14: "一期工程：已完成；二期工程：正在施工",
        15: "已完成本周调度。",
    }
    wb = filled_form(workspace, tmp_path, {no: "正常推进" for no in BASE})
    ws = wb["落实情况"]
    for r in range(5, 10):
        ws.cell(r, 5).value = progress[ws.cell(r, 1).value]
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, problems = read(workspace, path)
    assert statuses == {no: "正常推进" for no in BASE}
    assert [c for c in found if c[0] == "status-done-in-text"] == [
        ("status-done-in-text", "D5"),
        ("status-done-in-text", "D6"),
    ]
    assert "本项工作已全部完成并通过验收" in problems[[c for c, _ in found].index("status-done-in-text")].message


def test_done_with_an_expected_date_after_the_week_is_said(workspace: Path, tmp_path: Path) -> None:
    """已完成 beside a 预计完成时间 still to come (a planned date left in, or prefilled, after finishing early — or a
    done that is not): read as written, and said at the date cell. A past date, the week's own, or none: nothing."""
    expected = {10: date(2021, 6, 30), 11: date(2021, 1, 5), 12: date(2021, 1, 7), 14: None, 15: date(2021, 3, 1)}
    wb = filled_form(workspace, tmp_path, {10: "已完成", 11: "已完成", 12: "已完成", 14: "已完成", 15: "正常推进"})
    ws = wb["落实情况"]
    for r in range(5, 10):
        ws.cell(r, 8).value = expected[ws.cell(r, 1).value]
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    ret, problems = parsed(workspace, path, WEEK)
    assert {r.measure_no: r.status for r in ret.rows}[10] == "已完成"
    rows = {ws.cell(r, 1).value: r for r in range(5, 10)}
    (said,) = [p for p in problems if p.code == "status-done-expected-later"]
    assert (said.severity, said.cell) == ("warning", f"H{rows[10]}")
    assert "第 10 条措施完成状态为“已完成”，但预计完成时间为2021年6月30日" in said.message


def test_printed_signature_line_is_not_the_unit_when_the_unit_cell_is_blank(workspace: Path, tmp_path: Path) -> None:
    # 填报单位 left blank and the identity sheet gone: the form's "填报单位（盖章）：  负责人（签字）：" line under
    # the table was read as a unit named "负责人（签字）：", which also kept the measures from naming the unit.
    wb = filled_form(workspace, tmp_path, BASE)
    wb["落实情况"]["B3"] = None
    del wb["_lyreport"]
    path = tmp_path / "副本(2).xlsx"
    wb.save(path)
    ret, problems = parsed(workspace, path)
    assert ret.unit == TRANSPORT
    assert "unit-inferred" in {p.code for p in problems}
    assert not any("负责人" in p.message for p in problems)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("济源产城融合示范区城市管理和交通运输综合执法支队", "unit-other-place-unlisted"),
        ("济源示范区发展改革和统计局", "unit-other-place-unlisted"),
        ("洛阳市统计局", "unit-name-unknown"),  # a Luoyang body not in the directory: the template's unit, warned
    ],
)
def test_another_places_body_not_in_the_directory_on_our_template_is_not_counted(
    workspace: Path, tmp_path: Path, written: str, code: str
) -> None:
    # Our template (identity 市交通运输局) filled in by a body of 济源 named in 填报单位: was counted as
    # 市交通运输局 on time with only "不在单位名录中".
    wb = filled_form(workspace, tmp_path, BASE)
    wb["落实情况"]["B3"] = written
    path = tmp_path / "报表.xlsx"
    wb.save(path)
    ret, problems = parsed(workspace, path)
    assert (code, "B3") in {(p.code, p.cell) for p in problems}
    assert ret.unit == (TRANSPORT if code == "unit-name-unknown" else None)
