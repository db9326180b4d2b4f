"""Cells whose content the sheet does not show (intake/concealed.py): a value hidden under a merged cell, a number
format that hides a text (";;;") or shows another ('0;0;0;"已完成"'). A status nobody can see is never read."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from office import needs_soffice
from openpyxl.styles import Color, Font, PatternFill
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


# ----------------------------------------------------------------- text in its background's colour (invisible.py)
WHITE_TEXT = Font(color="FFFFFFFF")


@pytest.mark.parametrize(
    ("font", "fill"),
    [
        (Font(color="FFFFFFFF"), None),  # ARGB white on no fill (the window's white)
        (Font(color="FFFFFF"), None),  # RGB without alpha
        (Font(color=Color(indexed=9)), None),  # the legacy palette's white
        (Font(color=Color(theme=0)), None),  # theme 0 is lt1 (white in the Office theme)
        (Font(color=Color(theme=0, tint=-0.049989318521683403)), None),  # "white, darker 5%": F2F2F2
        (Font(color="FF1F497D"), PatternFill("solid", fgColor=Color(theme=3))),  # dk2 text on a dk2 fill
        (Font(color=Color(indexed=64)), PatternFill("solid", fgColor="FF000000")),  # system text on black
        (Font(), PatternFill("solid", fgColor="FF000000")),  # automatic (black) text on black
        (Font(), PatternFill("solid", fgColor="000000")),  # openpyxl writes it without fgColor: still black
        (Font(), PatternFill("solid")),  # a solid fill with no colour is painted black
    ],
)
def test_status_in_its_background_colour_is_not_read(
    tmp_path: Path, workspace: Path, master: MasterList, font: Font, fill: PatternFill | None
) -> None:
    wb = book(master, {10: "已完成", 11: "已完成"})
    wb.active["D3"].font = font
    if fill is not None:
        wb.active["D3"].fill = fill
    path = save(wb, tmp_path / "交通局.xlsx")
    read = statuses(workspace, path)
    assert (read[10], read[11]) == (None, "已完成")
    (hit,) = [p for p in check(workspace, path).problems if p.code == "status-concealed"]
    assert (hit.cell, hit.severity) == ("D3", "error")
    assert "字体颜色" in hit.message and "与单元格底色" in hit.message and "相同或几乎相同" in hit.message


@pytest.mark.parametrize(
    ("font", "fill"),
    [
        (Font(color="FFD9D9D9"), None),  # pale grey on white: readable
        (Font(color=Color(theme=0, tint=-0.14999847407452621)), None),  # "white, darker 15%"
        (Font(color=Color(theme=1)), None),  # dk1: black
        (Font(color="FFFFFFFF"), PatternFill("solid", fgColor="FF1F497D")),  # white on dark blue (a header)
        (Font(color="FFFFFFFF"), PatternFill("darkGrid", fgColor="FFFFFFFF")),  # a pattern: not known to hide
        (Font(color="FFFFFFFF"), PatternFill("solid")),  # white on a colourless solid fill (black): readable
        (Font(color="FFFF0000"), None),
    ],
)
def test_readable_colours_are_no_problem(
    tmp_path: Path, workspace: Path, master: MasterList, font: Font, fill: PatternFill | None
) -> None:
    wb = book(master, {10: "已完成"})
    wb.active["D3"].font = font
    if fill is not None:
        wb.active["D3"].fill = fill
    path = save(wb, tmp_path / "交通局.xlsx")
    assert statuses(workspace, path)[10] == "已完成"
    assert not [p for p in check(workspace, path).problems if "concealed" in p.code]


THEME = "xl/theme/theme1.xml"


def test_theme_colours_come_from_the_workbook_theme(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """A theme whose dk1 is white (a "dark" theme): theme="1" text on no fill is unreadable; theme="0" (its lt1,
    made black) is not. The theme part is read, not assumed (the default font, theme="1" too, hides the rest)."""
    wb = book(master, {10: "已完成", 11: "已完成"})
    wb.active["D3"].font = Font(color=Color(theme=1))
    wb.active["D4"].font = Font(color=Color(theme=0))
    path = save(wb, tmp_path / "交通局.xlsx")
    with zipfile.ZipFile(path) as z:
        theme = z.read(THEME)
    start = theme.index(b"<a:dk1>")
    end = theme.index(b"</a:lt1>") + len(b"</a:lt1>")
    dark = b'<a:dk1><a:srgbClr val="FFFFFF"/></a:dk1><a:lt1><a:srgbClr val="000000"/></a:lt1>'
    path = rewrite(path, THEME, theme[start:end], dark)
    read = statuses(workspace, path)
    assert (read[10], read[11]) == (None, "已完成")
    hits = found(check(workspace, path))
    assert ("status-concealed", "D3") in hits
    assert ("status-concealed", "D4") not in hits


def test_other_fields_in_white_are_read_and_said(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    wb = book(master, {})
    wb.active["E3"].font = WHITE_TEXT
    path = save(wb, tmp_path / "交通局.xlsx")
    (hit,) = [p for p in check(workspace, path).problems if p.code == "cell-concealed"]
    assert (hit.cell, hit.severity) == ("E3", "warning")
    assert "在表上看不到（字体颜色（白色）与单元格底色（白色）相同或几乎相同）" in hit.message


@needs_soffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_white_on_white_in_other_formats(tmp_path: Path, workspace: Path, master: MasterList, fmt: str) -> None:
    """LibreOffice keeps the colours: BIFF font and XF colours in .xls, fo:color / fo:background-color in .ods."""
    wb = book(master, {10: "已完成", 11: "已完成", 12: "已完成"})
    wb.active["D3"].font = WHITE_TEXT
    wb.active["D4"].font = Font(color="FF000000")
    wb.active["D4"].fill = PatternFill("solid", fgColor="FF000000")
    wb.active["D5"].font = Font(color="FF0000FF")  # blue: readable
    other = converted(save(wb, tmp_path / "交通局.xlsx"), fmt, tmp_path)
    read = statuses(workspace, other)
    assert (read[10], read[11], read[12]) == (None, None, "已完成")
    hits = [c for c in found(check(workspace, other)) if c[0] == "status-concealed"]
    assert hits == [("status-concealed", "D3"), ("status-concealed", "D4")]


@needs_soffice
@pytest.mark.parametrize(("fmt", "shows"), [(";;;", "不显示"), ('0;0;0;"已完成"', "显示为“已完成”")])
def test_status_hidden_by_its_format_in_ods(
    tmp_path: Path, workspace: Path, master: MasterList, fmt: str, shows: str
) -> None:
    """LibreOffice saves ";;;" as a number:text-style without number:text-content (data style of the cell style)."""
    wb = book(master, {10: "已完成" if fmt == ";;;" else "进度滞后", 11: "进度滞后"})
    wb.active["D3"].number_format = fmt
    wb.active["D4"].number_format = "@"
    other = converted(save(wb, tmp_path / "交通局.xlsx"), "ods", tmp_path)
    read = statuses(workspace, other)
    assert (read[10], read[11]) == (None, "进度滞后")
    checked = check(workspace, other)
    (hit,) = [p for p in checked.problems if p.code == "status-concealed"]
    assert hit.cell == "D3" and shows in hit.message


# ----------------------------------------------------------------- a text typed t="str" without a formula
def test_text_cell_without_formula_is_said_not_taken_for_blank(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """<c t="str">已完成</c> (a program's text cell: no formula, no <v>) reads as empty in calamine: the status is
    said unreadable, never "未填写完成状态"; another field is read as blank and said."""
    path = save(book(master, {10: "已完成"}), tmp_path / "交通局.xlsx")
    inline = b'<c r="D3" t="inlineStr"><is><t>&#24050;&#23436;&#25104;</t></is></c>'
    path = rewrite(path, SHEET, inline, b'<c r="D3" t="str">&#24050;&#23436;&#25104;</c>')
    progress = b'<c r="E4" t="inlineStr"><is><t>&#31532;11&#26465;&#26412;&#21608;&#36827;&#23637;</t></is></c>'
    path = rewrite(path, SHEET, progress, b"<c r='E4' t='str'>&#31532;11&#26465;</c>")
    assert statuses(workspace, path)[10] is None
    checked = check(workspace, path)
    codes = found(checked)
    assert ("status-unread", "D3") in codes and ("cell-unread", "E4") in codes
    assert "status-empty" not in [code for code, _ in codes]
    (hit,) = [p for p in checked.problems if p.code == "status-unread"]
    assert hit.severity == "error" and "文件中记有“已完成”" in hit.message


def test_text_cells_calamine_reads_are_no_problem(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """t="str" with its text in <v> (with or without a formula) is read as it is."""
    path = save(book(master, {10: "已完成"}), tmp_path / "交通局.xlsx")
    inline = b'<c r="D3" t="inlineStr"><is><t>&#24050;&#23436;&#25104;</t></is></c>'
    path = rewrite(path, SHEET, inline, b'<c r="D3" t="str"><v>&#24050;&#23436;&#25104;</v></c>')
    assert statuses(workspace, path)[10] == "已完成"
    assert not [p for p in check(workspace, path).problems if "unread" in p.code]
