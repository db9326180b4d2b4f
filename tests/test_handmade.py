"""Returns as civil servants really fill, copy and hide them: every value read right, or a problem pointing at it.

Each test builds its workbook in code with openpyxl (and, where the format matters, converts it to .ods with
LibreOffice), reads it exactly as `lyreport check` does and asserts the reading and the exact problem codes.
"""

from __future__ import annotations

import html
import re
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from office import convert, needs_soffice, write_ods
from openpyxl import Workbook

from lyreport.api import CheckedFile, check_files, load_context
from lyreport.cli import main
from lyreport.intake.parse import parse_returns
from lyreport.intake.read import read_one
from lyreport.models import MasterList, SourceFile
from lyreport.weeks import deadline_on

HEADERS = ["序号", "措施内容", "责任类型", "完成状态", "本周进展", "存在问题", "下一步计划", "预计完成时间"]
FILLED = date(2021, 1, 6)
TRANSPORT = "市交通运输局"  # measures 10, 11, 12, 14, 15
EDUCATION = "市教育局"  # measures 22, 23


@pytest.fixture
def master(workspace: Path) -> MasterList:
    return load_context(workspace).master


def check(workspace: Path, path: Path) -> CheckedFile:
    (checked,) = [c for c in check_files([path], workspace, workers=0) if c.name == path.name]
    return checked


def found(checked: CheckedFile) -> list[tuple[str, str]]:
    return [(p.code, p.cell) for p in checked.problems]


def message(checked: CheckedFile, code: str) -> str:
    (hit,) = [p.message for p in checked.problems if p.code == code]
    return hit


def parse(workspace: Path, path: Path):  # -> (returns, problems)
    ctx = load_context(workspace)
    received = deadline_on(date(2021, 1, 7), ctx.config)
    book, _ = read_one(SourceFile(path, path.name, "workbook", received, "0" * 64))
    assert book is not None
    return parse_returns(book, ctx.master, ctx.directory)


def header(ws: Any, unit: str, *, top: int = 1, filled: Any = FILLED, labels: list[str] | None = None) -> int:
    """Header block and table header from row `top`; returns the first measure row."""
    for col, value in enumerate(
        ["填报单位", unit, "联系人", "王五", "联系电话", "0379-63211234", "填报日期", filled], 1
    ):
        ws.cell(top, col, value)
    for col, label in enumerate(labels or HEADERS, 1):
        ws.cell(top + 1, col, label)
    return top + 2


def put(ws: Any, row: int, values: list[Any]) -> None:
    for col, value in enumerate(values, 1):
        ws.cell(row, col, value)


def measure_row(master: MasterList, no: int, status: Any, progress: str = "") -> list[Any]:
    return [no, master.measure(no).text, "牵头", status, progress or f"第{no}条本周进展", "无", "继续", "2021-06-30"]


def transport(
    tmp_path: Path, master: MasterList, statuses: dict[int, Any], name: str = "交通局.xlsx", **kw: Any
) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    row = header(ws, TRANSPORT, **kw)
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(ws, row + offset, measure_row(master, no, statuses.get(no, "正常推进")))
    path = tmp_path / name
    wb.save(path)
    return path


# ----------------------------------------------------------------- statuses written in words
def test_status_sentences_are_read_for_their_meaning(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    statuses = {
        10: "推进中，部分工作滞后",
        11: "已完成；某段尚未开工",
        12: "已完成（已销号）",
        14: "正在研究",
        15: "同上",
    }
    checked = check(workspace, transport(tmp_path, master, statuses))
    returns, _ = parse(workspace, tmp_path / "交通局.xlsx")
    assert {r.measure_no: r.status for r in returns[0].rows} == {
        10: "进度滞后",
        11: "正常推进",
        12: "已完成",
        14: None,
        15: None,
    }
    assert found(checked) == [
        ("status-interpreted", "D3"),
        ("status-done-reserved", "D4"),
        ("status-interpreted", "D5"),  # 已完成（已销号）: done, and the remark is quoted
        ("status-unknown", "D6"),
        ("status-unknown", "D7"),
    ]
    assert checked.problems[0].message == "完成状态“推进中，部分工作滞后”已按“进度滞后”处理"
    assert "已完成；某段尚未开工" in message(checked, "status-done-reserved")
    assert all(p.severity == "error" for p in checked.problems if p.code == "status-unknown")


# ----------------------------------------------------------------- blank template
def test_blank_template_sent_back_is_an_error(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    wb = Workbook()
    ws = wb.active
    row = header(ws, TRANSPORT)
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(ws, row + offset, [no, master.measure(no).text, "牵头"])
    path = tmp_path / "交通局空表.xlsx"
    wb.save(path)
    checked = check(workspace, path)
    assert found(checked) == [("return-blank", "")]
    returns, _ = parse(workspace, path)
    assert not returns[0].usable  # → 报送有误 in merge, not 按时报送


# ----------------------------------------------------------------- a status column per status, ticked
TICKED = {10: "正常推进", 11: "正常推进", 12: "进度滞后", 14: "已完成", 15: "尚未启动"}
OPTIONS = ["已完成", "正常推进", "进度滞后", "尚未启动"]


@pytest.mark.parametrize("tick", ["√", "✔"])
def test_a_form_ticked_per_status_column_is_one_error_not_a_row_of_wrong_ones(
    tmp_path: Path, workspace: Path, master: MasterList, tick: str
) -> None:
    """完成状态 merged over 已完成 | 正常推进 | 进度滞后 | 尚未启动, a tick in one of them per measure (a common Chinese
    form): was said 序号“序号”不在措施清单中 (the merged 序号 filled down), 未填写完成状态 for each measure ticked
    elsewhere and “√”无法识别 for the one ticked under 已完成."""
    wb = Workbook()
    ws = wb.active
    header(ws, TRANSPORT, labels=["序号", "措施内容", "责任类型", "完成状态", None, None, None, "本周进展"])
    put(ws, 3, [None, None, None, *OPTIONS])
    ws.merge_cells("D2:G2")
    for col in (1, 2, 3, 8):
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    for offset, (no, status) in enumerate(TICKED.items()):
        ticks = [tick if option == status else None for option in OPTIONS]
        put(ws, 4 + offset, [no, master.measure(no).text, "牵头", *ticks, f"第{no}条本周进展"])
    path = tmp_path / "交通局勾选.xlsx"
    wb.save(path)
    checked = check(workspace, path)
    assert found(checked) == [("status-tick-columns", "D3:G3")]
    assert "（已完成、正常推进、进度滞后、尚未启动）" in message(checked, "status-tick-columns")
    returns, _ = parse(workspace, path)
    assert not returns[0].usable  # → 报送有误 in merge: no status of it reaches the notice
    assert {r.status for r in returns[0].rows} == {None}


def test_status_words_across_a_measure_row_are_no_tick_columns(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """The first measure right under the header, its progress and problem written as bare status words: a measure
    row (it has its 序号), read as one (and said of as such), not the labels of tick columns."""
    wb = Workbook()
    ws = wb.active
    row = header(ws, TRANSPORT)
    put(ws, row, [10, master.measure(10).text, "牵头", "已完成", "正常推进", "进度滞后", "继续", "2021-06-30"])
    for offset, no in enumerate((11, 12, 14, 15), 1):
        put(ws, row + offset, measure_row(master, no, "正常推进"))
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    returns, problems = parse(workspace, path)
    assert "status-tick-columns" not in {p.code for p in problems}
    assert returns[0].usable and [r.status for r in returns[0].rows[1:]] == ["正常推进"] * 4


# ----------------------------------------------------------------- prefilled template sent back
LAST_WEEK = {  # 市交通运输局's last report, as the office's template prefills it
    10: ("正常推进", "本周进展"),
    11: ("正常推进", "本周进展"),
    12: ("进度滞后", "征地未完成"),
    14: ("已完成", "已通车"),
    15: ("尚未启动", "前期对接"),
}


def _prefilled_form(workspace: Path, path: Path, last: dict[int, tuple[str, str]] = LAST_WEEK) -> Path:
    """The form `lyreport template --week 2021-01-14` writes for 市交通运输局 after last week's report."""
    from lyreport.models import ReturnRow
    from lyreport.render.templates import write_template

    ctx = load_context(workspace)
    previous = {no: ReturnRow(no, status, progress) for no, (status, progress) in last.items()}
    return write_template(ctx.master, ctx.directory.get(TRANSPORT), date(2021, 1, 14), path, previous=previous)


def test_prefilled_form_sent_back_unchanged_is_an_error(tmp_path: Path, workspace: Path) -> None:
    """Untouched, it would read as an on-time report with last week's statuses, 已完成 included."""
    path = _prefilled_form(workspace, tmp_path / "市交通运输局-落实情况报表-2021-01-14.xlsx")
    checked = check(workspace, path)
    assert ("date-missing", "H3") in found(checked)
    problem = next(p for p in checked.problems if p.code == "return-unchanged")
    assert problem.severity == "error" and problem.sheet == "落实情况"
    assert "与模板预填的上次报送内容完全相同" in problem.message
    returns, _ = parse(workspace, path)
    assert not returns[0].usable  # → 报送有误 in merge, not 按时报送


def test_prefilled_form_with_this_weeks_situation_is_read(tmp_path: Path, workspace: Path) -> None:
    from openpyxl import load_workbook

    path = _prefilled_form(workspace, tmp_path / "市交通运输局-落实情况报表-2021-01-14.xlsx")
    wb = load_workbook(path)
    ws = wb["落实情况"]
    ws["D3"], ws["F3"], ws["H3"] = "王五", "0379-63211234", date(2021, 1, 13)
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == 10)
    ws.cell(row, 5).value = "本周完成路基施工"  # one measure's progress updated, the rest kept
    wb.save(path)
    checked = check(workspace, path)
    assert found(checked) == []
    returns, _ = parse(workspace, path)
    assert returns[0].usable and {r.measure_no: r.status for r in returns[0].rows}[14] == "已完成"


def test_prefilled_form_of_finished_measures_confirmed_by_date(tmp_path: Path, workspace: Path) -> None:
    """Every measure done already: dating the unchanged form confirms it; undated, it is still not a report."""
    from openpyxl import load_workbook

    done = {no: ("已完成", "已完成") for no in LAST_WEEK}
    path = _prefilled_form(workspace, tmp_path / "市交通运输局-落实情况报表-2021-01-14.xlsx", done)
    assert "return-unchanged" in [p.code for p in check(workspace, path).problems]
    wb = load_workbook(path)
    wb["落实情况"]["H3"] = date(2021, 1, 13)
    wb.save(path)
    assert "return-unchanged" not in [p.code for p in check(workspace, path).problems]
    returns, _ = parse(workspace, path)
    assert returns[0].usable


# ----------------------------------------------------------------- hidden rows and columns
def _hidden_row_book(master: MasterList, path: Path) -> Path:
    """Last week's prefilled row 10 hidden above this week's row 10."""
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    row = header(ws, TRANSPORT)
    put(ws, row, measure_row(master, 10, "已完成", "上周预填"))
    ws.row_dimensions[row].hidden = True
    for offset, no in enumerate((10, 11, 12, 14, 15), 1):
        put(ws, row + offset, measure_row(master, no, "进度滞后" if no == 10 else "正常推进"))
    wb.save(path)
    return path


def test_hidden_prefilled_row_is_not_read_as_this_week(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    path = _hidden_row_book(master, tmp_path / "交通局隐藏行.xlsx")
    checked = check(workspace, path)
    assert found(checked) == [("row-hidden", "A3")]
    returns, _ = parse(workspace, path)
    assert [(r.measure_no, r.status, r.row) for r in returns[0].rows][0] == (10, "进度滞后", 4)


@needs_soffice
def test_hidden_row_and_merged_number_in_ods(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    source = _hidden_row_book(master, tmp_path / "交通局隐藏行.xlsx")
    merged = _merged_rows_book(master, tmp_path / "交通局合并.xlsx")
    convert(source, "ods", tmp_path)
    convert(merged, "ods", tmp_path)
    checked = check(workspace, tmp_path / "交通局隐藏行.ods")
    assert found(checked) == [("row-hidden", "A3")]
    returns, problems = parse(workspace, tmp_path / "交通局合并.ods")
    first = returns[0].rows[0]
    assert (first.measure_no, first.status, first.row) == (10, "进度滞后", 3)
    assert first.progress == "甲路段正常\n乙路段滞后"
    assert [(p.code, p.cell) for p in problems] == [("measure-rows-combined", "A3")]


def _rewrite_sheet(source: Path, path: Path, change: Any) -> Path:
    """A copy of `source` with its first worksheet's XML passed through `change` (other writers' spellings)."""
    import zipfile

    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, change(data) if info.filename == "xl/worksheets/sheet1.xml" else data)
    return path


@pytest.mark.parametrize(
    "written",
    [
        b"<row r='3' hidden='1'>",  # single quotes
        b'<row r = "3" hidden = "1" >',  # spaces around =
        b'<row r="3" hidden="true">',
        b'<row r="3" ht="0" customHeight="1">',  # zero height: as hidden as hidden gets
        b'<row r="3" ht=\'0.0\' customHeight="1">',
        b'<row hidden="1">',  # r is optional: the row after row 2
    ],
    ids=["single-quotes", "spaces", "true", "zero-height", "zero-height-quoted", "no-r"],
)
def test_hidden_row_found_however_the_sheet_xml_writes_it(
    tmp_path: Path, workspace: Path, master: MasterList, written: bytes
) -> None:
    """Last week's 已完成 in an invisible row is never read as this week's, whatever the XML spelling."""
    plain = _hidden_row_book(master, tmp_path / "plain.xlsx")

    def change(xml: bytes) -> bytes:
        assert b'<row r="3" hidden="1">' in xml
        return xml.replace(b'<row r="3" hidden="1">', written)

    path = _rewrite_sheet(plain, tmp_path / "交通局隐藏行（另一种写法）.xlsx", change)
    checked = check(workspace, path)
    assert found(checked) == [("row-hidden", "A3")]
    returns, _ = parse(workspace, path)
    assert [(r.measure_no, r.status, r.row) for r in returns[0].rows][0] == (10, "进度滞后", 4)


@pytest.mark.parametrize(
    "cols",
    [
        b"<cols><col min='4' max='4' hidden='1'/></cols>",
        b'<cols><col min="4" max="4" width="0" customWidth="1"/></cols>',
    ],
    ids=["single-quotes", "zero-width"],
)
def test_invisible_status_column_is_said_however_written(
    tmp_path: Path, workspace: Path, master: MasterList, cols: bytes
) -> None:
    plain = transport(tmp_path, master, {})
    path = _rewrite_sheet(
        plain, tmp_path / "交通局隐藏列.xlsx", lambda xml: xml.replace(b"<sheetData>", cols + b"<sheetData>")
    )
    checked = check(workspace, path)
    assert found(checked) == [("column-hidden", "D2")]


def _marked_done(master: MasterList, path: Path, mark: str) -> Path:
    """交通局's table with 14's 已完成 (D6) struck, white on white, hidden by ";;;" or by a conditional format,
    or an uncached formula or an error value in its place."""
    from openpyxl import load_workbook
    from openpyxl.formatting.rule import Rule
    from openpyxl.styles import Font
    from openpyxl.styles.differential import DifferentialStyle

    wb = load_workbook(transport(path.parent, master, {14: "已完成"}, name=path.name))
    ws = wb.active
    if mark == "struck":
        ws["D6"].font = Font(strike=True)
    elif mark == "white":
        ws["D6"].font = Font(color="FFFFFFFF")
    elif mark == "format":
        ws["D6"].number_format = ";;;"
    elif mark == "conditional":
        rule = Rule(type="expression", formula=["TRUE"], dxf=DifferentialStyle(font=Font(color="FFFFFFFF")))
        ws.conditional_formatting.add("D3:D7", rule)
    elif mark == "formula":
        ws["D6"] = '=IF(1,"已完成","")'
    else:
        ws["D6"] = "#N/A"
    wb.save(path)
    return path


_SPELLINGS = {
    # </c >, </font >: a closing tag may end in spaces
    "closing-space": lambda xml: re.sub(rb"</([\w:]+)>", rb"</\1 >", xml),
    # <c r="D6" s="1" >, <v >, <is >: so may an opening one
    "opening-space": lambda xml: re.sub(rb"<([\w:]+)((?:\s[^>]*?)?)(/?)>", rb"<\1\2 \3>", xml),
    # <c\n\tr = 'D6'\n\ts = '1'>: attributes on lines of their own, either quote, spaces around =
    "attributes-apart": lambda xml: re.sub(
        rb"<(\w+) ", rb"<\1\n\t", re.sub(rb'(\w+)="([^"\']*)"', rb"\1 = '\2'\n", xml)
    ),
    # <c s="1" t="s">: r= left out, each cell the one after the one before (every row here starts at A)
    "cells-without-r": lambda xml: re.sub(rb'(<c) r="[A-Z]+\d+"', rb"\1", xml),
}


@pytest.mark.parametrize("spelling", list(_SPELLINGS))
@pytest.mark.parametrize("mark", ["struck", "white", "format", "conditional", "formula", "error"])
def test_cell_marks_found_however_the_xml_spells_the_tags(
    tmp_path: Path, workspace: Path, master: MasterList, mark: str, spelling: str
) -> None:
    """The same workbook, its tags written as other programs write them: the same problem at the same cell.
    A struck, white or concealed 已完成 is never read as done without a word."""
    import zipfile

    plain = _marked_done(master, tmp_path / "交通局.xlsx", mark)
    expected = found(check(workspace, plain))
    assert any(cell == "D6" for _, cell in expected), expected
    path = tmp_path / "交通局（另一种写法）.xlsx"
    change = _SPELLINGS[spelling]
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            mine = info.filename.startswith("xl/") and info.filename.endswith(".xml")
            dst.writestr(info, change(data) if mine and "theme" not in info.filename else data)
    assert found(check(workspace, path)) == expected
    returns, _ = parse(workspace, path)
    assert {r.measure_no: r.status for r in returns[0].rows}[14] is None


def test_rich_text_runs_in_cdata_keep_their_colour(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """<t><![CDATA[已完成]]></t> is the same text as <t>已完成</t>: a white run after a black 正常推进 still hides it."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    wb = load_workbook(transport(tmp_path, master, {}))
    wb.active["D7"] = CellRichText(
        [TextBlock(InlineFont(), "正常推进"), TextBlock(InlineFont(color="FFFFFFFF"), "已完成")]
    )
    plain = tmp_path / "交通局.xlsx"
    wb.save(plain)
    expected = found(check(workspace, plain))
    assert expected == [("status-concealed", "D7")]
    path = tmp_path / "交通局（CDATA）.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/") and b"<t>" in data:
                data = re.sub(
                    rb"<t>([^<]+)</t>",
                    lambda m: b"<t><![CDATA[" + html.unescape(m[1].decode()).encode() + b"]]></t>",
                    data,
                )
            dst.writestr(info, data)
    with zipfile.ZipFile(path) as written:
        assert b"<![CDATA[" in b"".join(written.read(name) for name in written.namelist())
    assert found(check(workspace, path)) == expected


def test_low_rows_and_page_margins_are_not_hidden(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """A short but visible row, page margins (right="0.7") and fitToHeight="0" hide nothing."""
    plain = transport(tmp_path, master, {})

    def change(xml: bytes) -> bytes:
        xml = xml.replace(b'<row r="3">', b'<row r="3" ht="9" customHeight="1">')
        return xml.replace(b"<pageMargins", b'<pageSetup fitToHeight="0"/><pageMargins')

    path = _rewrite_sheet(plain, tmp_path / "交通局（矮行）.xlsx", change)
    checked = check(workspace, path)
    assert found(checked) == []


def test_ods_rows_hidden_however_written(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """.ods: visibility in single quotes, and a row style of height 0, hide rows just as LibreOffice's own does."""

    def cells(values: list[Any]) -> str:
        return "".join(
            f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>' for v in values
        )

    head = ["填报单位", TRANSPORT, "联系人", "王五", "联系电话", "0379-63211234", "填报日期", "2021-01-06"]
    rows = [f"<table:table-row>{cells(head)}</table:table-row>", f"<table:table-row>{cells(HEADERS)}</table:table-row>"]
    rows.append(
        f"<table:table-row table:visibility='collapse'>{cells(measure_row(master, 10, '已完成'))}</table:table-row>"
    )
    rows.append(f'<table:table-row table:style-name="ro2">{cells(measure_row(master, 11, "已完成"))}</table:table-row>')
    for no in (10, 11, 12, 14, 15):
        rows.append(
            f'<table:table-row table:style-name="ro1">{cells(measure_row(master, no, "正常推进"))}</table:table-row>'
        )
    styles = (
        '<office:automatic-styles><style:style style:name="ro1" style:family="table-row">'
        '<style:table-row-properties style:row-height="0.452cm"/></style:style>'
        '<style:style style:name="ro2" style:family="table-row">'
        "<style:table-row-properties style:row-height='0cm'/></style:style></office:automatic-styles>"
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'{styles}<office:body><office:spreadsheet><table:table table:name="落实情况">{"".join(rows)}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    path = write_ods(tmp_path / "交通局隐藏行.ods", content)
    checked = check(workspace, path)
    assert found(checked) == [("row-hidden", "A3"), ("row-hidden", "A4")]
    returns, _ = parse(workspace, path)
    assert {r.status for r in returns[0].rows} == {"正常推进"}


def test_hidden_last_week_column_beside_a_plain_one(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    wb = Workbook()
    ws = wb.active
    row = header(ws, TRANSPORT, labels=["序号", "措施内容", "完成状态", "完成状态", "本周进展"])
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(ws, row + offset, [no, master.measure(no).text, "已完成", "正常推进", "进展"])
    ws.column_dimensions["C"].hidden = True
    path = tmp_path / "交通局隐藏列.xlsx"
    wb.save(path)
    checked = check(workspace, path)
    assert found(checked) == [("column-chosen", "D2")]
    assert "（其余列标明为上周或已隐藏）" in message(checked, "column-chosen")
    returns, _ = parse(workspace, path)
    assert {r.status for r in returns[0].rows} == {"正常推进"}


def test_two_plain_status_columns_are_a_warning(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """Which column is this week's cannot be told: said once; where the two agree, the status is read."""
    wb = Workbook()
    ws = wb.active
    row = header(ws, TRANSPORT, labels=["序号", "措施内容", "完成状态", "完成状态", "本周进展"])
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(ws, row + offset, [no, master.measure(no).text, "正常推进", "正常推进", "进展"])
    path = tmp_path / "交通局两列同名.xlsx"
    wb.save(path)
    checked = check(workspace, path)
    assert found(checked) == [("column-ambiguous", "C2")]
    returns, _ = parse(workspace, path)
    assert {r.status for r in returns[0].rows} == {"正常推进"}


def test_two_plain_status_columns_that_disagree_are_not_read(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """已完成 in one, 正常推进 in the other: the leftmost used to be read (a warning on the header only), and the
    measures closed. Now each row whose columns disagree is an error and its status is not read; a lag wins."""
    wb = Workbook()
    ws = wb.active
    row = header(ws, TRANSPORT, labels=["序号", "措施内容", "完成状态", "状态", "本周进展"])
    second = {10: "正常推进", 11: "已完成", 12: "进度滞后", 14: "已完成", 15: "已完成"}
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(ws, row + offset, [no, master.measure(no).text, "已完成", second[no], "进展"])
    path = tmp_path / "交通局两列状态.xlsx"
    wb.save(path)
    checked = check(workspace, path)
    assert found(checked) == [
        ("column-ambiguous", "C2"),
        ("status-second-conflict", "C3"),
        ("status-second-lag", "C5"),
    ]
    assert "同一行“状态”（D3）填写“正常推进”" in message(checked, "status-second-conflict")
    returns, _ = parse(workspace, path)
    statuses = {r.measure_no: r.status for r in returns[0].rows}
    assert statuses == {10: None, 11: "已完成", 12: "进度滞后", 14: "已完成", 15: "已完成"}


def test_hidden_status_column_is_said(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    path = transport(tmp_path, master, {})
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.active.column_dimensions["D"].hidden = True
    wb.save(path)
    checked = check(workspace, path)
    assert found(checked) == [("column-hidden", "D2")]


# ----------------------------------------------------------------- two status columns
def test_inserted_this_week_status_column_wins(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    wb = Workbook()
    ws = wb.active
    labels = ["序号", "措施内容", "责任类型", "完成状态", "本周完成状态", "本周进展", "存在问题"]
    row = header(ws, TRANSPORT, labels=labels)
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(ws, row + offset, [no, master.measure(no).text, "牵头", "已完成", "进度滞后", "进展", "无"])
    path = tmp_path / "交通局两列.xlsx"
    wb.save(path)
    checked = check(workspace, path)
    assert found(checked) == [("column-chosen", "E2")]
    assert "已按“本周完成状态”（E 列）读取（该列标明为本周）" in message(checked, "column-chosen")
    returns, _ = parse(workspace, path)
    assert {r.status for r in returns[0].rows} == {"进度滞后"}


def test_status_split_into_last_and_this_week(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    wb = Workbook()
    ws = wb.active
    header(ws, TRANSPORT)
    for col, label in enumerate(["序号", "措施内容", "完成状态", None, "本周进展"], 1):
        ws.cell(2, col, label)
    ws.merge_cells("C2:D2")
    for col in (1, 2, 5):
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    ws["C3"], ws["D3"] = "上周", "本周"
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(ws, 4 + offset, [no, master.measure(no).text, "已完成", "正常推进", "进展"])
    path = tmp_path / "交通局上周本周.xlsx"
    wb.save(path)
    checked = check(workspace, path)
    assert found(checked) == [("column-chosen", "D3")]
    returns, _ = parse(workspace, path)
    assert {r.status for r in returns[0].rows} == {"正常推进"}


def _week_bands_book(master: MasterList, path: Path, bands: tuple[str, str], labels: tuple[str, str]) -> Path:
    """Last week's pair of columns kept beside this week's, a band over each pair names its week (layout fuzzer)."""
    wb = Workbook()
    ws = wb.active
    header(ws, TRANSPORT)
    for col, label in enumerate(["序号", "措施内容", bands[0], None, bands[1], None], 1):
        ws.cell(2, col, label)
    for col, label in enumerate(labels * 2, 3):
        ws.cell(3, col, label)
    ws.merge_cells("C2:D2")
    ws.merge_cells("E2:F2")
    for col in (1, 2):
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    last, this = ("已完成", "不再写"), ("进度滞后", "资金未到位，进度滞后")
    first, second = (last, this) if bands[0].startswith("上周") else (this, last)
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(ws, 4 + offset, [no, master.measure(no).text, *first, *second])
    wb.save(path)
    return path


@pytest.mark.parametrize(
    "bands, labels",
    [
        (("上周情况", "本周情况"), ("完成状态", "进展情况")),  # read last week's column, with a warning only
        (("上周情况", "本周情况"), ("本周完成状态", "本周进展")),  # read last week's with a note only: silent
        (("本周情况", "上周情况"), ("完成情况", "本周进展")),  # 完成情况 (a weak label) twice
        (("上周报送情况", "本周报送情况"), ("完成情况", "工作进展")),
    ],
)
def test_week_bands_over_column_pairs_say_which_is_this_week(
    tmp_path: Path, workspace: Path, master: MasterList, bands: tuple[str, str], labels: tuple[str, str]
) -> None:
    path = _week_bands_book(master, tmp_path / "交通局两周.xlsx", bands, labels)
    checked = check(workspace, path)
    assert {code for code, _ in found(checked)} <= {"column-chosen"}
    returns, _ = parse(workspace, path)
    assert {r.status for r in returns[0].rows} == {"进度滞后"}
    assert {r.progress for r in returns[0].rows} == {"资金未到位，进度滞后"}


def _two_pairs_book(
    master: MasterList, path: Path, upper: list[Any], merges: list[str], labels: tuple[str, str]
) -> Path:
    """Two 完成状态 | 本周进展 pairs, last week's copy (已完成) on the left, this week's (正常推进) on the right."""
    wb = Workbook()
    ws = wb.active
    header(ws, TRANSPORT)
    for col, label in enumerate(["序号", "措施内容", *upper, None, None], 1):
        ws.cell(2, col).value = label  # over header()'s own label row
    for col, label in enumerate(labels * 2, 3):
        ws.cell(3, col, label)
    for cells in ["A2:A3", "B2:B3", *merges]:
        ws.merge_cells(cells)
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(ws, 4 + offset, [no, master.measure(no).text, "已完成", "上周进展", "正常推进", "本周进展"])
    wb.save(path)
    return path


@pytest.mark.parametrize(
    "upper, merges, labels",
    [
        (["本周情况", None, None, None], ["C2:F2"], ("完成状态", "本周进展")),  # one band over both pairs
        (["本周情况", None, None, None], [], ("完成状态", "本周进展")),  # the same, not merged
        (["本周情况", None, "本周情况", None], ["C2:D2", "E2:F2"], ("完成状态", "本周进展")),  # both say 本周
        ([None, None, None, None], [], ("本周完成状态", "本周进展")),  # both columns say 本周 themselves
    ],
)
def test_bands_or_labels_that_do_not_tell_the_pairs_apart_are_checked_row_by_row(
    tmp_path: Path, workspace: Path, master: MasterList, upper: list[Any], merges: list[str], labels: tuple[str, str]
) -> None:
    """A band over both pairs was taken as naming each column this week's, and the leftmost (last week's 已完成)
    was read with only a note: every measure closed (review finding). Nothing there tells which is this week's."""
    path = _two_pairs_book(master, tmp_path / "交通局两列.xlsx", upper, merges, labels)
    returns, _ = parse(workspace, path)
    assert "已完成" not in {r.status for r in returns[0].rows}
    checked = check(workspace, path)
    assert {code for code, _ in found(checked)} >= {"status-second-conflict"}


def test_weak_status_label_beside_last_weeks_status(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """完成情况 | 本周进展 | 上周状态: the plain 完成情况 is this week's status, not last week's (layout fuzzer)."""
    wb = Workbook()
    ws = wb.active
    first = header(ws, TRANSPORT, labels=["序号", "措施内容", "完成情况", "本周进展", "上周状态"])
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(ws, first + offset, [no, master.measure(no).text, "进度滞后", "资金未到位", "正常推进"])
    path = tmp_path / "交通局上周状态.xlsx"
    wb.save(path)
    checked = check(workspace, path)
    assert found(checked) == [("column-chosen", "C2")]
    returns, _ = parse(workspace, path)
    assert {r.status for r in returns[0].rows} == {"进度滞后"}


# ----------------------------------------------------------------- one measure over several rows
def _merged_rows_book(master: MasterList, path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    row = header(ws, TRANSPORT)
    put(ws, row, measure_row(master, 10, "正常推进", "甲路段正常"))
    put(ws, row + 1, [None, None, None, "进度滞后", "乙路段滞后"])
    ws.merge_cells(start_row=row, start_column=1, end_row=row + 1, end_column=1)
    ws.merge_cells(start_row=row, start_column=2, end_row=row + 1, end_column=2)
    for offset, no in enumerate((11, 12, 14, 15), 2):
        put(ws, row + offset, measure_row(master, no, "正常推进"))
    wb.save(path)
    return path


def test_measure_over_merged_rows_is_combined(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    path = _merged_rows_book(master, tmp_path / "交通局合并.xlsx")
    checked = check(workspace, path)
    assert found(checked) == [("measure-rows-combined", "A3")]
    assert "第 10 条措施分多行填写（第 3、4 行）" in message(checked, "measure-rows-combined")
    returns, _ = parse(workspace, path)
    first = returns[0].rows[0]
    assert (first.status, first.progress) == ("进度滞后", "甲路段正常\n乙路段滞后")


# ----------------------------------------------------------------- self-numbered rows
def test_self_numbered_rows_with_paraphrased_text(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    wb = Workbook()
    ws = wb.active
    row = header(ws, EDUCATION)
    text_23 = master.measure(23).text
    # Row 1: the text of measure 23 reworded (not a copy); row 2: a text that is no measure at all.
    reworded = text_23[len(text_23) // 3 :][:-4] + "等相关工作"
    put(ws, row, [1, reworded, "牵头", "正常推进", "进展"])
    put(ws, row + 1, [22, "本单位自行安排的其他重点工作事项", "牵头", "正常推进", "进展"])
    path = tmp_path / "教育局自编号.xlsx"
    wb.save(path)
    checked = check(workspace, path)
    assert found(checked) == [("measure-no-weak", "A3"), ("measure-text-differs", "A4")]
    returns, _ = parse(workspace, path)
    assert [r.measure_no for r in returns[0].rows] == [23, 22]


# ----------------------------------------------------------------- formulas without a saved result
def test_formula_without_cached_value_is_not_empty(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    path = transport(tmp_path, master, {10: '=IF(1>0,"正常推进","")'})
    checked = check(workspace, path)
    assert found(checked) == [("formula-no-value", "D3")]
    assert checked.problems[0].severity == "error"
    returns, _ = parse(workspace, path)
    assert returns[0].rows[0].status is None


def test_filled_date_formula_without_value(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    path = transport(tmp_path, master, {}, filled="=TODAY()")
    checked = check(workspace, path)
    assert found(checked) == [("formula-no-value", "H1")]


# ----------------------------------------------------------------- several tables in one workbook
def test_stale_copy_first_and_second_units_sheet(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    wb = Workbook()
    stale = wb.active
    stale.title = "落实情况 (2)"
    row = header(stale, TRANSPORT, filled=date(2020, 12, 30))
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(stale, row + offset, measure_row(master, no, "已完成"))
    current = wb.create_sheet("落实情况")
    row = header(current, TRANSPORT)
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(current, row + offset, measure_row(master, no, "正常推进"))
    other = wb.create_sheet("教育局")
    row = header(other, EDUCATION)
    for offset, no in enumerate((22, 23)):
        put(other, row + offset, measure_row(master, no, "进度滞后"))
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    returns, problems = parse(workspace, path)
    assert [(r.unit, r.sheet, {x.status for x in r.rows}) for r in returns] == [
        (TRANSPORT, "落实情况", {"正常推进"}),
        (EDUCATION, "教育局", {"进度滞后"}),
    ]
    codes = [p.code for p in problems]
    assert codes == ["table-chosen", "sheet-other-unit"]
    assert "填报日期最新（2021-01-06）" in problems[0].message and "落实情况 (2)" in problems[0].message
    checked = check(workspace, path)
    assert checked.unit == f"{TRANSPORT}、{EDUCATION}" and checked.rows == 7


def test_one_sheet_per_measure_is_combined(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for no in (10, 11, 12, 14, 15):
        ws = wb.create_sheet(f"第{no}条")
        put(ws, header(ws, TRANSPORT), measure_row(master, no, "正常推进"))
    path = tmp_path / "交通局分表.xlsx"
    wb.save(path)
    checked = check(workspace, path)
    assert checked.rows == 5
    assert found(checked) == [("table-chosen", "")]
    assert "各表所填措施不重复，已合并" in message(checked, "table-chosen")


# ----------------------------------------------------------------- what a staff member sees
def test_check_prints_what_to_act_on(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    transport(folder, master, {14: "正在研究"}, name="交通局.xlsx")
    _hidden_row_book(master, folder / "交通局隐藏行.xlsx")
    shutil.copy(transport(tmp_path, master, {10: "=1+1"}, name="交通局公式.xlsx"), folder)
    result = CliRunner().invoke(main, ["check", "--workspace", str(workspace), str(folder)])
    assert result.exit_code == 1, result.output
    assert "落实情况!D6" in result.output and "完成状态“正在研究”无法识别" in result.output
    assert "第 3 行被隐藏" in result.output
    assert "单元格是公式，但文件中没有保存计算结果" in result.output
    assert "Traceback" not in result.output


# ----------------------------------------------------------------- through the weekly run
def test_run_counts_second_units_sheet_and_blank_template_is_invalid(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    from datetime import datetime

    from lyreport.api import run_week
    from lyreport.samples import set_received

    inbox = workspace / "inbox"
    wb = Workbook()
    put(wb.active, header(wb.active, TRANSPORT), measure_row(master, 10, "正常推进"))
    other = wb.create_sheet("教育局")
    row = header(other, EDUCATION)
    for offset, no in enumerate((22, 23)):
        put(other, row + offset, measure_row(master, no, "进度滞后"))
    wb.save(inbox / "交通局.xlsx")
    blank = Workbook()
    row = header(blank.active, "市卫健委")
    put(blank.active, row, [20, master.measure(20).text, "牵头"])
    put(blank.active, row + 1, [21, master.measure(21).text, "配合"])
    blank.save(inbox / "卫健委.xlsx")
    ctx = load_context(workspace)
    deadline = deadline_on(date(2021, 1, 7), ctx.config)
    for path in inbox.iterdir():
        set_received(path, deadline.replace(hour=9))
    report = run_week(workspace, date(2021, 1, 7), now=datetime(2021, 1, 8, tzinfo=deadline.tzinfo), workers=0)
    result = report.result
    assert result.unit(TRANSPORT).state == "on_time"
    assert result.unit(EDUCATION).state == "on_time"
    assert result.measure(22).reports[EDUCATION].status == "进度滞后"
    assert result.unit("市卫健委").state == "invalid"
    assert "报表未填写" in result.unit("市卫健委").invalid_reason


def test_copy_of_another_units_measures_first_is_skipped(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """A first sheet holding measures of another unit (an old copy, no unit named) is skipped for the unit's own."""
    wb = Workbook()
    copy = wb.active
    copy.title = "Sheet1"
    for col, label in enumerate(HEADERS, 1):
        copy.cell(1, col, label)
    for offset, no in enumerate((22, 23)):
        put(copy, 2 + offset, measure_row(master, no, "已完成"))
    own = wb.create_sheet("Sheet2")
    for col, label in enumerate(HEADERS, 1):
        own.cell(1, col, label)
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(own, 2 + offset, measure_row(master, no, "正常推进"))
    path = tmp_path / "市交通运输局.xlsx"
    wb.save(path)
    returns, problems = parse(workspace, path)
    assert returns[0].unit == TRANSPORT and returns[0].sheet == "Sheet2"
    chosen = [p for p in problems if p.code == "table-chosen"]
    assert len(chosen) == 1 and "所填为本单位负责的措施" in chosen[0].message


def test_last_weeks_table_pasted_below_without_its_header_block(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    row = header(ws, TRANSPORT)
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(ws, row + offset, measure_row(master, no, "进度滞后"))
    for col, label in enumerate(HEADERS, 1):  # "上周报表" pasted under it: header row and rows, no block
        ws.cell(row + 7, col, label)
    for offset, no in enumerate((10, 11, 12, 14, 15)):
        put(ws, row + 8 + offset, measure_row(master, no, "已完成"))
    path = tmp_path / "交通局贴上周.xlsx"
    wb.save(path)
    checked = check(workspace, path)
    assert found(checked) == [("table-several", "")]
    assert "已读取表头在第 2 行的一张（填报日期最新（2021-01-06））" in checked.problems[0].message
    returns, _ = parse(workspace, path)
    assert {r.status for r in returns[0].rows} == {"进度滞后"}


def test_table_only_on_a_hidden_sheet_is_read_with_a_warning(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    path = transport(tmp_path, master, {})
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.create_sheet("封面")["A1"] = "交通局报表"
    wb["落实情况"].sheet_state = "hidden"
    wb.active = 1
    wb.save(path)
    checked = check(workspace, path)
    assert found(checked) == [("sheet-hidden-read", "")]
    assert checked.rows == 5


def test_second_units_sheet_named_only_by_its_sheet_name(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    wb = Workbook()
    put(wb.active, header(wb.active, TRANSPORT), measure_row(master, 10, "正常推进"))
    other = wb.create_sheet("市教育局")
    row = header(other, "")
    for offset, no in enumerate((22, 23)):
        put(other, row + offset, measure_row(master, no, "进度滞后"))
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    returns, problems = parse(workspace, path)
    assert [(r.unit, r.sheet) for r in returns] == [(TRANSPORT, "Sheet"), (EDUCATION, "市教育局")]
    assert [r.role for r in returns[1].rows] == ["牵头", "牵头"]
    assert "sheet-other-unit" in [p.code for p in problems]


@pytest.mark.parametrize(
    "written",
    [
        "".join(f"&#{ord(ch)};" for ch in "落实情况").encode(),  # a Chinese name as &#33853;…
        "落实情况'".encode(),  # single-quoted attributes: name='落实情况' r:id='rId1'
    ],
    ids=["character-references", "single-quotes"],
)
def test_hidden_row_found_however_the_workbook_writes_the_sheet_name(
    tmp_path: Path, workspace: Path, master: MasterList, written: bytes
) -> None:
    """Writers spell workbook.xml differently; the hidden rows of the sheet still count."""
    import re
    import zipfile

    plain = _hidden_row_book(master, tmp_path / "plain.xlsx")
    path = tmp_path / "交通局隐藏行（另一种写法）.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                assert '"落实情况"'.encode() in data
                if written.endswith(b"'"):
                    data = re.sub(rb"(<sheet [^>]*?)/>", lambda m: m.group(1).replace(b'"', b"'") + b"/>", data)
                    assert b"name='" in data
                else:
                    data = data.replace("落实情况".encode(), written)
            dst.writestr(info, data)
    checked = check(workspace, path)
    assert found(checked) == [("row-hidden", "A3")]
    returns, _ = parse(workspace, path)
    assert [(r.measure_no, r.status) for r in returns[0].rows][0] == (10, "进度滞后")


def test_self_made_labels_no_and_luoshi_zhuangtai_are_read(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """“No.” for 序号 and “落实状态” for the status (self-made forms): the return was refused as having no table,
    its unit 报送有误 (layout fuzzer finding)."""
    labels = ["No.", "措施内容", "责任类型", "落实状态", "本周进展", "存在问题", "下一步计划", "预计完成时间"]
    path = transport(tmp_path, master, {10: "进度滞后", 11: "已完成"}, labels=labels)
    checked = check(workspace, path)
    assert checked.unit == TRANSPORT and not [p for p in checked.problems if p.severity == "error"]
    returns, _ = parse(workspace, path)
    assert {r.measure_no: r.status for r in returns[0].rows} == {
        10: "进度滞后", 11: "已完成", 12: "正常推进", 14: "正常推进", 15: "正常推进"
    }  # fmt: skip


# ----------------------------------------------------------------- sub-items numbered the way Excel and people do
def _transport_book(tmp_path: Path, master: MasterList, lines: list[Any]) -> Path:
    """Transport's return with `lines` under the header: a measure number (that measure, 正常推进) or a whole row.
    A date in 序号 is shown as Excel shows a typed "10-2" it turned into a date (10月2日)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    row = header(ws, TRANSPORT)
    for offset, line in enumerate(lines):
        put(ws, row + offset, measure_row(master, line, "正常推进") if isinstance(line, int) else line)
        if isinstance(ws.cell(row + offset, 1).value, datetime):
            ws.cell(row + offset, 1).number_format = "m月d日"
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    return path


def _sub_item(no: Any, status: str, text: str = "", progress: str = "分项进展") -> list[Any]:
    return [no, text, "牵头", status, progress, "无", "继续", "2021-06-30"]


def _sub_item_book(tmp_path: Path, master: MasterList, lines: list[list[Any]]) -> Path:
    """Transport's five measures (正常推进), with `lines` (序号, 措施内容, 完成状态) put right under measure 10 (已完成)."""
    subs = [_sub_item(no, status, text) for no, text, status in lines]
    return _transport_book(tmp_path, master, [measure_row(master, 10, "已完成"), *subs, 11, 12, 14, 15])


@pytest.mark.parametrize(
    ("no", "code"),
    [
        (datetime(2021, 10, 2), "measure-no-date"),  # "10-2" typed, Excel made it 10月2日
        (10.2, None),  # "10.2" typed in a general cell: the number 10.2
        ("（1）", "measure-sub-guessed"),
        ("①", "measure-sub-guessed"),
        ("其中：", "measure-sub-guessed"),
    ],
)
def test_sub_item_under_done_never_leaves_the_measure_done(
    tmp_path: Path, workspace: Path, master: MasterList, no: Any, code: str | None
) -> None:
    """A sub-item row under 已完成 saying 正常推进, numbered as Excel turned it (a date, a number) or as a list item
    without measure text: it was an unknown or another unit's measure, and measure 10 stayed 已完成."""
    path = _sub_item_book(tmp_path, master, [[no, "", "正常推进"]])
    checked = check(workspace, path)
    returns, _ = parse(workspace, path)
    assert {r.measure_no: r.status for r in returns[0].rows}[10] == "正常推进"
    assert [c for c in found(checked) if c[0].startswith("measure")] == [
        *([(code, "A4")] if code else []),
        ("measure-rows-combined", "A3"),
    ]
    if code == "measure-no-date":
        assert "序号是日期“10月2日”" in message(checked, code)


def test_sub_item_apart_from_its_measure_is_read_as_it(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """“10.2” typed under measure 12, not under 10: it was an unknown 序号 and measure 10 stayed 已完成."""
    lines = [measure_row(master, 10, "已完成"), 11, 12, _sub_item("10.2", "进度滞后"), 14, 15]
    path = _transport_book(tmp_path, master, lines)
    checked = check(workspace, path)
    returns, _ = parse(workspace, path)
    assert {r.measure_no: r.status for r in returns[0].rows}[10] == "进度滞后"
    assert [c for c in found(checked) if c[0].startswith("measure")] == [
        ("measure-sub-apart", "A6"),
        ("measure-duplicate-conflict", "A6"),
    ]


def test_first_row_typed_as_a_date_is_read_with_a_warning(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """“10-1” as the first sub-item, made 10月1日 by Excel: read as measure 10 and said as a date (was
    “可能是按本单位顺序自行编号”, which sends the unit looking for the wrong mistake)."""
    first = [datetime(2021, 10, 1), *measure_row(master, 10, "已完成")[1:]]
    path = _transport_book(tmp_path, master, [first, _sub_item(datetime(2021, 10, 2), "进度滞后"), 11, 12, 14, 15])
    checked = check(workspace, path)
    returns, _ = parse(workspace, path)
    assert {r.measure_no: r.status for r in returns[0].rows}[10] == "进度滞后"
    assert [c for c in found(checked) if c[0].startswith("measure")] == [
        ("measure-no-date", "A3"),
        ("measure-no-date", "A4"),
        ("measure-rows-combined", "A3"),
    ]


@pytest.mark.parametrize("no", ["10、11", "第10-11条", "10,11", "10和11"])
def test_row_for_two_measures_counts_for_both(tmp_path: Path, workspace: Path, master: MasterList, no: str) -> None:
    """One row for measures 10 and 11 with one status: it was read as one of them (or none) and the other
    measure 未填报 (an error the unit could not make sense of). Both now get the row, with a warning."""
    path = _transport_book(tmp_path, master, [_sub_item(no, "进度滞后", progress="两项合并推进"), 12, 14, 15])
    checked = check(workspace, path)
    returns, _ = parse(workspace, path)
    statuses = {r.measure_no: r.status for r in returns[0].rows}
    assert statuses == {10: "进度滞后", 11: "进度滞后", 12: "正常推进", 14: "正常推进", 15: "正常推进"}
    assert [c for c in found(checked) if c[0].startswith("measure")] == [("measure-row-several", "A3")]
    assert "第 10、11 条措施，已按同一完成状态（进度滞后）分别计入" in message(checked, "measure-row-several")


def test_row_for_a_measure_of_another_unit_too(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """“1、10”: measure 1 is not the unit's; the row counts for 10 and measure 1 is said as not the unit's."""
    path = _transport_book(tmp_path, master, [_sub_item("1、10", "已完成", progress="完成"), 11, 12, 14, 15])
    checked = check(workspace, path)
    returns, _ = parse(workspace, path)
    assert {r.measure_no: r.status for r in returns[0].rows}[10] == "已完成"
    assert 1 not in {r.measure_no for r in returns[0].rows}
    codes = [c for c in found(checked) if c[0].startswith("measure")]
    assert ("measure-row-several", "A3") in codes and ("measure-not-assigned", "A3") in codes
