"""Statuses struck through (删除线): a unit that strikes out a printed 已完成 means "not done".

The fast reader sees values only; the strike is read from the file's own formatting (intake/strikemarks.py and odsstruck.py,
intake/xlsmarks.py). Each test builds its workbook in code (openpyxl, hand-written ODS XML, or LibreOffice's
conversion of an openpyxl book) and reads it as `lyreport check` and `lyreport run` do.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from office import convert, needs_soffice, write_ods
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Font
from test_cellerrors import NOS
from test_handmade import HEADERS, TRANSPORT, check, found

from lyreport.api import load_context, run_week
from lyreport.cli import main
from lyreport.intake.parse import parse_returns
from lyreport.intake.read import read_one
from lyreport.models import MasterList, SourceFile
from lyreport.samples import set_received
from lyreport.weeks import deadline_on

STRUCK = Font(strike=True)


def statuses(workspace: Path, path: Path) -> dict[int, str | None]:
    ctx = load_context(workspace)
    received = deadline_on(date(2021, 1, 7), ctx.config)
    book, _ = read_one(SourceFile(path, path.name, "workbook", received, "0" * 64))
    assert book is not None
    returns, _ = parse_returns(book, ctx.master, ctx.directory)
    return {r.measure_no: r.status for r in returns[0].rows}


def book(master: MasterList, status: dict[int, Any], *, numbers: dict[int, Any] | None = None) -> Workbook:
    """The transport bureau's return on sheet 落实情况: header block in row 1, table header in row 2, measures from
    row 3 (measure 10 in D3). `status` values may be openpyxl rich text; all others are 正常推进."""
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    head = ["填报单位", TRANSPORT, "联系人", "王五", "联系电话", "0379-63211234", "填报日期", date(2021, 1, 6)]
    for col, value in enumerate(head, 1):
        ws.cell(1, col, value)
    for col, label in enumerate(HEADERS, 1):
        ws.cell(2, col, label)
    for row, no in enumerate(NOS, 3):
        values = [(numbers or {}).get(no, no), master.measure(no).text, "牵头", status.get(no, "正常推进")]
        for col, value in enumerate([*values, f"第{no}条本周进展", "无", "继续", "2021-06-30"], 1):
            ws.cell(row, col, value)
    return wb


def struck_done(master: MasterList) -> Workbook:
    """Measure 10's printed 已完成 struck out (the whole cell's font)."""
    wb = book(master, {10: "已完成", 11: "已完成"})
    wb.active["D3"].font = STRUCK
    return wb


def partly_struck() -> CellRichText:
    return CellRichText([TextBlock(InlineFont(strike=True), "已完成"), TextBlock(InlineFont(), "进度滞后")])


def save(wb: Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def converted(source: Path, fmt: str, tmp_path: Path) -> Path:
    """`source` as LibreOffice saves it in another format (shared strings in .xlsx, BIFF fonts in .xls, ODS styles)."""
    out = tmp_path / fmt
    out.mkdir(exist_ok=True)
    convert(source, fmt, out)
    return out / f"{source.stem}.{fmt}"


# ----------------------------------------------------------------- the whole status struck
def test_struck_done_is_an_error_and_never_done(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    path = save(struck_done(master), tmp_path / "交通局.xlsx")
    assert statuses(workspace, path)[10] is None
    assert statuses(workspace, path)[11] == "已完成"  # the same word, not struck
    checked = check(workspace, path)
    assert found(checked) == [("status-struck", "D3")]
    (hit,) = checked.problems
    assert (hit.severity, hit.file, hit.sheet) == ("error", "交通局.xlsx", "落实情况")
    assert "完成状态“已完成”带有删除线" in hit.message


def struck_lags(master: MasterList) -> Workbook:
    """Measure 10's 进度滞后 struck (the cell's font), 11's 部分滞后 struck in its own text, 12 a struck 已完成."""
    wb = book(
        master, {10: "进度滞后", 11: CellRichText([TextBlock(InlineFont(strike=True), "部分滞后")]), 12: "已完成"}
    )
    wb.active["D3"].font = STRUCK
    wb.active["D5"].font = STRUCK
    return wb


def test_struck_lag_stays_lagging(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """A wholly struck 进度滞后 is read as 进度滞后, the least favourable reading (as "~~进度滞后~~" in text), and
    said; it is never an error that would hide the lag."""
    path = save(struck_lags(master), tmp_path / "交通局.xlsx")
    read = statuses(workspace, path)
    assert (read[10], read[11], read[12]) == ("进度滞后", "进度滞后", None)
    checked = check(workspace, path)
    assert [f for f in found(checked) if f[0].startswith("status-struck")] == [
        ("status-struck-lag", "D3"),
        ("status-struck-lag", "D4"),
        ("status-struck", "D5"),
    ]
    lag = checked.problems[0]
    assert lag.severity == "warning"
    assert lag.message.startswith("完成状态“进度滞后”带有删除线（被划掉），仍按最不利的“进度滞后”读取")


@needs_soffice
@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_struck_lag_stays_lagging_in_other_formats(
    tmp_path: Path, workspace: Path, master: MasterList, fmt: str
) -> None:
    path = converted(save(struck_lags(master), tmp_path / "交通局.xlsx"), fmt, tmp_path)
    read = statuses(workspace, path)
    assert (read[10], read[11], read[12]) == ("进度滞后", "进度滞后", None)
    assert [f for f in found(check(workspace, path)) if f[0].startswith("status-struck")] == [
        ("status-struck-lag", "D3"),
        ("status-struck-lag", "D4"),
        ("status-struck", "D5"),
    ]


@needs_soffice
@pytest.mark.parametrize("fmt", ["xlsx", "ods", "xls"])
def test_struck_done_as_other_programs_save_it(tmp_path: Path, workspace: Path, master: MasterList, fmt: str) -> None:
    """LibreOffice's own files: shared strings and styles.xml fonts, ODS cell styles, BIFF fonts of .xls."""
    wb = struck_done(master)
    wb.active["D4"] = partly_struck()  # measure 11
    source = save(wb, tmp_path / "交通局.xlsx")
    path = converted(source, fmt, tmp_path)
    read = statuses(workspace, path)
    assert (read[10], read[11], read[12]) == (None, "进度滞后", "正常推进")
    checked = check(workspace, path)
    assert found(checked) == [("status-struck", "D3"), ("status-struck-part", "D4")]
    assert all(p.sheet == "落实情况" and p.file == path.name for p in checked.problems)


@pytest.mark.parametrize(
    "written",
    [b"<strike/>", b'<strike val="true"/>', b"<strike val='1' />", b'<strike val = "on"/>'],
    ids=["bare", "true", "single-quotes", "on"],
)
def test_strike_found_however_the_styles_write_it(
    tmp_path: Path, workspace: Path, master: MasterList, written: bytes
) -> None:
    path = rewrite(save(struck_done(master), tmp_path / "交通局.xlsx"), "xl/styles.xml", b'<strike val="1"/>', written)
    assert statuses(workspace, path)[10] is None
    assert found(check(workspace, path)) == [("status-struck", "D3")]


def test_struck_cell_without_its_reference(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """r= is optional: a cell without it is the one after the cell before it."""
    path = save(struck_done(master), tmp_path / "交通局.xlsx")
    path = rewrite(path, "xl/worksheets/sheet1.xml", b'<c r="D3" s="2"', b'<c s="2"')
    assert statuses(workspace, path)[10] is None
    assert found(check(workspace, path)) == [("status-struck", "D3")]


@pytest.mark.parametrize("written", [b'<strike val="0"/>', b'<strike val="false"/>'], ids=["0", "false"])
def test_a_font_saying_not_struck_leaves_done_done(
    tmp_path: Path, workspace: Path, master: MasterList, written: bytes
) -> None:
    wb = book(master, {10: "已完成"})
    wb.active["D3"].font = Font(strike=False, bold=True)  # openpyxl writes <strike val="0"/>
    path = rewrite(save(wb, tmp_path / "交通局.xlsx"), "xl/styles.xml", b'<strike val="0"/>', written)
    assert statuses(workspace, path)[10] == "已完成"
    assert found(check(workspace, path)) == []


def rewrite(path: Path, part: str, old: bytes, new: bytes) -> Path:
    """`path` with `old` replaced by `new` in one part (other writers' spellings)."""
    target = path.with_name(f"改写-{path.name}")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == part:
                assert old in data
                data = data.replace(old, new)
            dst.writestr(info, data)
    return target


def test_struck_number_and_merged_status(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """A struck 序号 is said; a struck 已完成 merged over two measures is struck for both."""
    wb = book(master, {11: "已完成", 12: None})
    ws = wb.active
    ws["A3"].font = STRUCK  # the unit struck measure 10 out
    ws["D4"].font = STRUCK
    ws.merge_cells("D4:D5")
    text = master.measure(14).text  # a word struck in the measure text corrects the text, not the measure
    ws["B6"] = CellRichText([TextBlock(InlineFont(), text), TextBlock(InlineFont(strike=True), "（旧）")])
    path = save(wb, tmp_path / "交通局.xlsx")
    read = statuses(workspace, path)
    assert (read[10], read[11], read[12], read[14]) == ("正常推进", None, None, "正常推进")
    checked = check(workspace, path)
    assert found(checked) == [("measure-struck", "A3"), ("status-struck", "D4"), ("status-struck", "D5")]
    assert checked.problems[0].message.startswith("第 10 条措施的序号“10”带有删除线（被划掉），仍按第 10 条措施读取")


# ----------------------------------------------------------------- part of the text struck
def test_partly_struck_status_is_read_by_what_stands(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    rest_unreadable = CellRichText([TextBlock(InlineFont(strike=True), "已完成"), TextBlock(InlineFont(), "待定")])
    nothing_left = CellRichText([TextBlock(InlineFont(strike=True), "已完成"), TextBlock(InlineFont(), "。")])
    corrected = CellRichText([TextBlock(InlineFont(strike=True), "进度滞后"), TextBlock(InlineFont(), " 已完成")])
    status = {10: partly_struck(), 11: rest_unreadable, 12: nothing_left, 14: corrected}
    path = save(book(master, status), tmp_path / "交通局.xlsx")
    assert statuses(workspace, path) == {10: "进度滞后", 11: None, 12: None, 14: "已完成", 15: "正常推进"}
    checked = check(workspace, path)
    assert found(checked) == [
        ("status-struck-part", "D3"),
        ("status-struck-part", "D4"),
        ("status-unknown", "D4"),
        ("status-struck", "D5"),
        ("status-struck-part", "D6"),
    ]
    first = checked.problems[0]
    assert first.severity == "warning"
    assert (
        first.message == "完成状态“已完成进度滞后”中的“已完成”带有删除线（被划掉），已按未划掉的“进度滞后”读取，请核对"
    )


def test_unstruck_run_properties_leave_done_done(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """Rich text whose runs say strike off (val="0", or no strike at all) is plain text."""
    plain = CellRichText([TextBlock(InlineFont(strike=False), "已"), TextBlock(InlineFont(b=True), "完成")])
    path = save(book(master, {10: plain}), tmp_path / "交通局.xlsx")
    assert statuses(workspace, path)[10] == "已完成"
    assert found(check(workspace, path)) == []


def test_struck_sub_item_row_keeps_the_measure_open(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """10-1 已完成, 10-2 已完成 struck out: measure 10 is not done, and the sub-item's cell is named."""
    wb = book(master, {10: "已完成"}, numbers={10: "10-1"})
    ws = wb.active
    ws.insert_rows(4)
    for col, value in enumerate(["10-2", "", "", "已完成", "乙段"], 1):
        ws.cell(4, col, value)
    ws["D4"].font = STRUCK
    path = save(wb, tmp_path / "交通局.xlsx")
    assert statuses(workspace, path)[10] is None
    assert ("status-struck", "D4") in found(check(workspace, path))


# ----------------------------------------------------------------- .ods written by hand
def ods(path: Path, rows: list[str], automatic: str, named: str = "") -> Path:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:automatic-styles>{automatic}</office:automatic-styles><office:body><office:spreadsheet>"
        f'<table:table table:name="落实情况">{"".join(rows)}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    styles = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-styles '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" office:version="1.2">'
        f"<office:styles>{named}</office:styles></office:document-styles>"
    )
    return write_ods(path, content, styles)


def ods_row(values: list[Any], status: str = "", style: str = "") -> str:
    """One row; the status (4th) cell is given as raw ODS (`status`), with a cell style (`style`)."""
    cells = [f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>' for v in values]
    if status:
        styled = f' table:style-name="{style}"' if style else ""
        cells[3] = f'<table:table-cell{styled} office:value-type="string"><text:p>{status}</text:p></table:table-cell>'
    return f"<table:table-row>{''.join(cells)}</table:table-row>"


def test_ods_struck_cell_styles_and_spans(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """A cell style struck through its parent (a named style in styles.xml), a struck span in plain text, a span
    that lifts the strike, and a comment beside the status that is not the cell's text."""
    head = ["填报单位", TRANSPORT, "联系人", "王五", "联系电话", "0379-63211234", "填报日期", "2021-01-06"]

    def row(no: int) -> list[Any]:
        return [no, master.measure(no).text, "牵头", "正常推进", f"第{no}条本周进展", "无", "继续", "2021-06-30"]

    comment = "<office:annotation><text:p>已完成</text:p></office:annotation>"
    rows = [ods_row(head), ods_row(HEADERS)]
    rows.append(ods_row(row(10), "已完成", "ce1"))  # struck by its parent style
    rows.append(ods_row(row(11), '<text:span text:style-name="T1">已完成</text:span>进度滞后'))
    rows.append(ods_row(row(12), f'<text:span text:style-name="T2">已完成</text:span>{comment}', "ce1"))
    rows.append(ods_row(row(14), "已完成", "ce2"))  # a style that says none
    rows.append(ods_row(row(15), f"{comment}已完成"))
    automatic = (
        '<style:style style:name="ce1" style:family="table-cell" style:parent-style-name="作废"/>'
        '<style:style style:name="ce2" style:family="table-cell">'
        '<style:text-properties style:text-line-through-style="none"/></style:style>'
        '<style:style style:name="T1" style:family="text">'
        '<style:text-properties style:text-line-through-type="single"/></style:style>'
        '<style:style style:name="T2" style:family="text">'
        '<style:text-properties style:text-line-through-type="none"/></style:style>'
    )
    named = (
        '<style:style style:name="作废" style:family="table-cell"><style:text-properties '
        "style:text-line-through-style='solid' style:text-line-through-type='single'/></style:style>"
    )
    path = ods(tmp_path / "交通局.ods", rows, automatic, named)
    assert statuses(workspace, path) == {10: None, 11: "进度滞后", 12: "已完成", 14: "已完成", 15: "已完成"}
    checked = check(workspace, path)
    assert found(checked) == [("status-struck", "D3"), ("status-struck-part", "D4")]
    assert all(p.sheet == "落实情况" and p.file == "交通局.ods" for p in checked.problems)


def test_ods_column_default_style_strikes_unstyled_cells(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """The status column's default cell style is struck (the unit struck the whole column): no status stands."""
    head = ["填报单位", TRANSPORT, "联系人", "王五", "联系电话", "0379-63211234", "填报日期", "2021-01-06"]
    rows = [ods_row(head), ods_row(HEADERS)]
    for no in NOS:
        rows.append(ods_row([no, master.measure(no).text, "牵头", "已完成", "进展", "无", "继续", "2021-06-30"]))
    columns = (
        '<table:table-column table:number-columns-repeated="3"/>'
        '<table:table-column table:default-cell-style-name="ce1"/>'
        '<table:table-column table:number-columns-repeated="4"/>'
    )
    automatic = (
        '<style:style style:name="ce1" style:family="table-cell">'
        '<style:text-properties style:text-line-through-style="solid"/></style:style>'
    )
    path = ods(tmp_path / "交通局.ods", [columns, *rows], automatic)
    assert set(statuses(workspace, path).values()) == {None}
    assert [code for code, _ in found(check(workspace, path))] == ["status-struck"] * 5


# ----------------------------------------------------------------- never silent
@pytest.mark.parametrize("failing", ["_struck_xfs", "_xlsx_sheet"])
def test_a_strike_that_cannot_be_placed_is_said(
    tmp_path: Path, workspace: Path, master: MasterList, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """The styles or the sheet speak of a strike, and reading them fails unexpectedly: a warning, not silence."""
    from lyreport.intake import strikemarks

    def broken(*args: Any) -> Any:
        raise ValueError("unexpected XML")

    monkeypatch.setattr(strikemarks, failing, broken)
    path = save(struck_done(master), tmp_path / "交通局.xlsx")
    assert found(check(workspace, path)) == [("strike-unplaced", "D2")]


def test_check_and_run_never_close_a_struck_done(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    folder = tmp_path / "收件"
    folder.mkdir()
    save(struck_done(master), folder / "交通局.xlsx")
    result = CliRunner().invoke(main, ["check", "--workspace", str(workspace), str(folder)])
    assert result.exit_code == 1, result.output
    assert "落实情况!D3" in result.output and "完成状态“已完成”带有删除线" in result.output

    inbox = workspace / "inbox"
    path = save(struck_done(master), inbox / "交通局.xlsx")
    deadline = deadline_on(date(2021, 1, 7), load_context(workspace).config)
    set_received(path, deadline.replace(hour=9))
    report = run_week(workspace, date(2021, 1, 7), now=datetime(2021, 1, 8, tzinfo=deadline.tzinfo), workers=0)
    measure = report.result.measure(10)
    assert measure.reports[TRANSPORT].status is None
    assert measure.status != "已完成" and not measure.closed
    assert report.result.measure(11).reports[TRANSPORT].status == "已完成"
    (hit,) = [p for p in report.result.problems if p.code == "status-struck"]
    assert (hit.file, hit.sheet, hit.cell) == ("交通局.xlsx", "落实情况", "D3")


def test_an_ods_strike_that_cannot_be_placed_is_said(
    tmp_path: Path, workspace: Path, master: MasterList, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lyreport.intake import odsstruck

    def broken(*args: Any) -> Any:
        raise ValueError("unexpected XML")

    monkeypatch.setattr(odsstruck, "_ods_cells", broken)
    head = ["填报单位", TRANSPORT, "联系人", "王五", "联系电话", "0379-63211234", "填报日期", "2021-01-06"]
    rows = [ods_row(head), ods_row(HEADERS)]
    for no in NOS:
        values = [no, master.measure(no).text, "牵头", "正常推进", "进展", "无", "继续", "2021-06-30"]
        rows.append(ods_row(values, "已完成", "ce1" if no == 10 else ""))
    automatic = (
        '<style:style style:name="ce1" style:family="table-cell">'
        '<style:text-properties style:text-line-through-style="solid"/></style:style>'
    )
    path = ods(tmp_path / "交通局.ods", rows, automatic)
    assert found(check(workspace, path)) == [("strike-unplaced", "D2")]
