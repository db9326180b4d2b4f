"""read_workbooks(): returned workbooks become grids of plain values, with the template identity."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from office import convert, needs_soffice

from lyreport.intake.read import ReadError, read_one, read_workbook, read_workbooks
from lyreport.models import SourceFile

TZ = ZoneInfo("Asia/Shanghai")
IDENTITY = {
    "tool": "lyreport",
    "unit": "市发改委",
    "week": "2024-06-06",
    "list_id": "luoyang-jiyuan-33",
    "template_version": "1",
}


def make_return(path: Path, *, unit: str = "市发改委", status: str = "正常推进") -> Path:
    """A return as a unit would send it: header block, table, a hidden notes sheet and the identity sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "落实情况"
    ws["A1"] = "洛阳济源同城一体深度融合措施落实情况"
    ws.append([])
    ws.append(["填报单位", unit, "联系人", "李四", "联系电话", "0379-63211234", "填报日期", date(2024, 6, 5)])
    ws.append(
        ["序号", "措施内容", "责任类型", "完成状态", "本周进展", "存在问题", "下一步计划", "预计完成时间", "备注"]
    )
    ws.append([1, "推进交通互联", "牵头", status, "完成可研批复", "", "开工", date(2024, 12, 31), ""])
    ws.append([2.5, "第二条", "配合", "已完成", 12345, True, None, datetime(2024, 6, 1, 8, 30), "备注"])
    notes = wb.create_sheet("填表说明")
    notes["A1"] = "说明"
    notes.sheet_state = "hidden"
    ident = wb.create_sheet("_lyreport")
    for row, (key, value) in enumerate({**IDENTITY, "unit": unit}.items(), start=1):
        ident.cell(row, 1, key)
        ident.cell(row, 2, value)
    ident.sheet_state = "hidden"
    wb.save(path)
    return path


def source(path: Path, display: str | None = None) -> SourceFile:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return SourceFile(path, display or path.name, "workbook", datetime(2024, 6, 6, 10, tzinfo=TZ), digest, origin=path)


def cell(book, sheet: str, ref: str):
    """Value at an Excel reference like "E5" (rows and columns keep their sheet positions)."""
    grid = next(s for s in book.sheets if s.name == sheet).rows
    col = ord(ref[0]) - ord("A")
    row = int(ref[1:]) - 1
    return grid[row][col] if row < len(grid) and col < len(grid[row]) else None


def test_normal_workbook_gives_identity_cells_and_hidden_flags(tmp_path: Path) -> None:
    books, problems = read_workbooks([source(make_return(tmp_path / "发改委.xlsx"))])
    assert problems == []
    [book] = books
    assert book.identity == IDENTITY
    assert [(s.name, s.hidden) for s in book.sheets] == [("落实情况", False), ("填表说明", True)]
    assert cell(book, "落实情况", "A1") == "洛阳济源同城一体深度融合措施落实情况"
    assert cell(book, "落实情况", "A2") is None  # empty row kept, so rows keep their sheet numbers
    assert cell(book, "落实情况", "B3") == "市发改委"
    assert cell(book, "落实情况", "H3") == date(2024, 6, 5)
    assert cell(book, "落实情况", "H5") == date(2024, 12, 31)
    assert cell(book, "落实情况", "D5") == "正常推进"
    assert cell(book, "落实情况", "A6") == 2.5
    assert cell(book, "落实情况", "E6") == 12345
    assert cell(book, "落实情况", "F6") is True
    assert cell(book, "落实情况", "H6") == datetime(2024, 6, 1, 8, 30)
    assert cell(book, "落实情况", "F5") is None  # "" written by openpyxl reads back as empty
    sheet = book.sheets[0]
    assert len(sheet.rows) == 6 and {len(r) for r in sheet.rows} == {9}  # trailing empties trimmed


def test_leading_blank_area_is_kept_and_trailing_is_trimmed(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["C4"] = "x"
    wb.active["D4"] = None
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    [book], _ = read_workbooks([source(path)], workers=0)
    assert book.sheets[0].rows == [[None] * 3, [None] * 3, [None] * 3, [None, None, "x"]]
    assert book.identity == {}


def test_results_come_back_in_input_order_in_both_modes(tmp_path: Path) -> None:
    files = [source(make_return(tmp_path / f"{n:02d}.xlsx", unit=f"单位{n}")) for n in range(12)]
    pooled, p1 = read_workbooks(files, workers=2)
    local, p2 = read_workbooks(files, workers=0)
    assert p1 == p2 == []
    assert [b.identity["unit"] for b in pooled] == [f"单位{n}" for n in range(12)]
    assert [b.file for b in pooled] == files
    assert [b.sheets for b in pooled] == [b.sheets for b in local]


def test_read_workbook_raises_read_error_with_problem(tmp_path: Path) -> None:
    good = source(make_return(tmp_path / "good.xlsx"))
    assert read_workbook(good).identity["unit"] == "市发改委"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook at all, just words")
    with pytest.raises(ReadError) as caught:
        read_workbook(source(bad, "信.eml › bad.xlsx"))
    [found] = caught.value.problems
    assert found.code == "read-wrong-type" and found.file == "信.eml › bad.xlsx"
    assert read_one(source(bad))[0] is None


def test_renamed_formats_are_read_by_content(tmp_path: Path) -> None:
    """A real .xlsx saved under .xls or .et (WPS) is still read: the content decides, not the name."""
    original = make_return(tmp_path / "orig.xlsx")
    for name in ("renamed.xls", "wps.et"):
        shutil.copy(original, tmp_path / name)
    books, problems = read_workbooks([source(tmp_path / "renamed.xls"), source(tmp_path / "wps.et")])
    assert problems == [] and [b.identity for b in books] == [IDENTITY, IDENTITY]


def test_real_template_identity_survives(tmp_path: Path, master, directory) -> None:
    from lyreport.render.templates import write_template

    unit = directory.get(master.units[0])
    path = write_template(master, unit, date(2024, 6, 6), tmp_path / "form.xlsx")
    [book], problems = read_workbooks([source(path)])
    assert problems == []
    assert book.identity["tool"] == "lyreport" and book.identity["unit"] == unit.name
    assert book.identity["week"] == "2024-06-06" and book.identity["list_id"] == master.list_id
    assert "_lyreport" not in [s.name for s in book.sheets]


# ----------------------------------------------------------------- other spreadsheet programs
def _soffice_convert(source_path: Path, fmt: str, out: Path) -> Path:
    convert(source_path, fmt, out)
    converted = out / f"{source_path.stem}.{fmt}"
    assert converted.exists(), f"soffice did not write {converted.name}"
    return converted


def _plain(value):
    """Compare across programs: numbers by value (1 == 1.0 == True), dates without a zero time."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    return value


@needs_soffice
@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_libreoffice_formats_read_to_the_same_values(tmp_path: Path, fmt: str) -> None:
    original = make_return(tmp_path / "return.xlsx")
    converted = _soffice_convert(original, fmt, tmp_path / "out")
    books, problems = read_workbooks([source(original), source(converted)])
    assert problems == []
    xlsx, other = books
    assert other.identity == xlsx.identity == IDENTITY
    assert [(s.name, s.hidden) for s in other.sheets] == [(s.name, s.hidden) for s in xlsx.sheets]
    for mine, theirs in zip(xlsx.sheets, other.sheets, strict=True):
        assert [[_plain(v) for v in row] for row in theirs.rows] == [[_plain(v) for v in row] for row in mine.rows]


def test_an_ods_row_style_with_an_empty_height_does_not_hide_the_other_marks() -> None:
    """style:row-height="" beside a zero-height style: the empty one is no size, the others still count."""
    from lyreport.intake import sheetmarks

    xml = b"""<office:document-content><office:automatic-styles>
<style:style style:name="ro1" style:family="table-row"><style:table-row-properties style:row-height=""/></style:style>
<style:style style:name="ro2" style:family="table-row"><style:table-row-properties style:row-height="0cm"/></style:style>
</office:automatic-styles><office:body><office:spreadsheet><table:table table:name="S">
<table:table-row table:style-name="ro1"><table:table-cell/></table:table-row>
<table:table-row table:visibility="collapse"><table:table-cell/></table:table-row>
<table:table-row table:style-name="ro2"><table:table-cell/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"""
    marks = sheetmarks._ods(xml)
    assert marks["S"].hidden_rows == {1, 2}
