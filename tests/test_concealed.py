"""Cells whose content the sheet does not show (intake/concealed.py): a value hidden under a merged cell, a number
format that hides a text (";;;") or shows another ('0;0;0;"已完成"'). A status nobody can see is never read."""

from __future__ import annotations

from pathlib import Path

import pytest
from office import needs_soffice
from test_handmade import check, found
from test_struck import book, converted, rewrite, save, statuses

from lyreport.intake.concealed import text_shown
from lyreport.models import MasterList

SHEET = "xl/worksheets/sheet1.xml"


def merged(path: Path, ref: str) -> Path:
    """`path` with a merged cell over `ref` added as a program writes it: the covered cells keep their values."""
    return rewrite(
        path,
        SHEET,
        b"</sheetData>",
        f'</sheetData><mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'.encode(),
    )


def test_status_hidden_under_a_vertical_merge_is_not_read(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """D3:D4 merged shows 正常推进 for measures 10 and 11; D4 still holds 已完成, which nobody sees."""
    path = merged(save(book(master, {10: "正常推进", 11: "已完成"}), tmp_path / "交通局.xlsx"), "D3:D4")
    read = statuses(workspace, path)
    assert (read[10], read[11], read[12]) == ("正常推进", None, "正常推进")
    checked = check(workspace, path)
    assert ("status-concealed", "D4") in found(checked)
    (hit,) = [p for p in checked.problems if p.code == "status-concealed"]
    assert hit.severity == "error"
    assert "“已完成”在表上看不到（被合并单元格 D3:D4 遮住，表上显示为“正常推进”）" in hit.message


def test_status_hidden_under_a_merge_across(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """C4:D4 merged shows 牵头 only: the 已完成 in D4 is not on the sheet."""
    path = merged(save(book(master, {11: "已完成"}), tmp_path / "交通局.xlsx"), "C4:D4")
    assert statuses(workspace, path)[11] is None
    (hit,) = [p for p in check(workspace, path).problems if p.code == "status-concealed"]
    assert (hit.cell, hit.severity) == ("D4", "error")
    assert "被合并单元格 C4:D4 遮住，表上此处为空白" in hit.message


def test_same_value_under_a_merge_is_no_problem(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """A program that wrote each row and merged the equal statuses: what is shown is what is held."""
    path = merged(save(book(master, {10: "正常推进", 11: "正常推进"}), tmp_path / "交通局.xlsx"), "D3:D4")
    assert statuses(workspace, path)[11] == "正常推进"
    assert "status-concealed" not in [code for code, _ in found(check(workspace, path))]


@pytest.mark.parametrize(
    ("fmt", "shows"),
    [(";;;", "使其不显示"), ('0;0;0;"已完成"', "显示为“已完成”"), ('@"（已完成）"', "显示为“进度滞后（已完成）”")],
)
def test_status_shown_otherwise_by_its_format(
    tmp_path: Path, workspace: Path, master: MasterList, fmt: str, shows: str
) -> None:
    wb = book(master, {10: "已完成", 11: "进度滞后"})
    wb.active["D3"].number_format = ";;;"  # 已完成 held, nothing shown
    wb.active["D4"].number_format = fmt
    path = save(wb, tmp_path / "交通局.xlsx")
    read = statuses(workspace, path)
    assert (read[10], read[11], read[12]) == (None, None, "正常推进")
    checked = check(workspace, path)
    assert [c for c in found(checked) if c[0] == "status-concealed"] == [
        ("status-concealed", "D3"),
        ("status-concealed", "D4"),
    ]
    assert shows in checked.problems[1].message


def test_formats_that_show_the_text_as_it_is_are_no_problem(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """Chinese Excel's date format with a text section, "@", 第0条 on the 序号 and a hidden zero leave texts as they are."""
    wb = book(master, {10: "已完成"})
    ws = wb.active
    ws["D3"].number_format = 'yyyy"年"m"月"d"日";@'
    ws["D4"].number_format = "@"
    ws["D5"].number_format = "0;-0;;@"
    ws["A3"].number_format = '"第"0"条"'
    path = save(wb, tmp_path / "交通局.xlsx")
    assert statuses(workspace, path)[10] == "已完成"
    assert not [p for p in check(workspace, path).problems if "concealed" in p.code]


def test_other_fields_hidden_are_read_and_said(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    wb = book(master, {})
    wb.active["E3"].number_format = ";;;"
    path = save(wb, tmp_path / "交通局.xlsx")
    assert statuses(workspace, path)[10] == "正常推进"
    (hit,) = [p for p in check(workspace, path).problems if p.code == "cell-concealed"]
    assert (hit.cell, hit.severity) == ("E3", "warning")
    assert hit.message.startswith("“本周进展”单元格中的“第10条本周进展”在表上看不到（单元格格式“;;;”使其不显示）")


@needs_soffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_hidden_under_a_merge_in_other_formats(tmp_path: Path, workspace: Path, master: MasterList, fmt: str) -> None:
    """LibreOffice's "keep the contents of the hidden cells" saves them in .ods; .xls keeps them too."""
    path = merged(save(book(master, {10: "正常推进", 11: "已完成"}), tmp_path / "交通局.xlsx"), "D3:D4")
    other = converted(path, fmt, tmp_path)
    assert statuses(workspace, other)[11] is None
    assert ("status-concealed", "D4") in found(check(workspace, other))


@needs_soffice
def test_status_hidden_by_its_format_in_xls(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    wb = book(master, {10: "已完成"})
    wb.active["D3"].number_format = ";;;"
    other = converted(save(wb, tmp_path / "交通局.xlsx"), "xls", tmp_path)
    assert statuses(workspace, other)[10] is None
    assert ("status-concealed", "D3") in found(check(workspace, other))


def test_text_shown() -> None:
    assert text_shown(";;;", "已完成") == ""
    assert text_shown('0;0;0;"已完成"', "进度滞后") == "已完成"
    assert text_shown('"状态："@', "已完成") == "状态：已完成"
    assert text_shown("@", "已完成") == "已完成"
    assert text_shown('yyyy"年"m"月"d"日";@', "已完成") == "已完成"
    assert text_shown("0.00", "已完成") is None
    assert text_shown('[Red]"注意"\\;@_)', "x") == "注意;x "
