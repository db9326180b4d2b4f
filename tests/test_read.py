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
    from lyreport.intake import odsmarks

    xml = b"""<office:document-content><office:automatic-styles>
<style:style style:name="ro1" style:family="table-row"><style:table-row-properties style:row-height=""/></style:style>
<style:style style:name="ro2" style:family="table-row"><style:table-row-properties style:row-height="0cm"/></style:style>
</office:automatic-styles><office:body><office:spreadsheet><table:table table:name="S">
<table:table-row table:style-name="ro1"><table:table-cell/></table:table-row>
<table:table-row table:visibility="collapse"><table:table-cell/></table:table-row>
<table:table-row table:style-name="ro2"><table:table-cell/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"""
    marks = odsmarks._ods(xml)
    assert marks["S"].hidden_rows == {1, 2}


# ----------------------------------------------------------------- marks: one failure does not take the rest
def _fail(*args: object) -> None:
    raise ValueError("unexpected XML")


def test_ods_error_cells_that_cannot_be_read_leave_the_hidden_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_struck import ods, ods_row

    from lyreport.intake import odsmarks, precheck, sheetmarks

    rows = [ods_row(["a"]), '<table:table-row table:visibility="collapse">' + ods_row(["old"])[15:]]
    path = ods(tmp_path / "return.ods", rows, "")
    check = precheck.precheck(path)
    assert sheetmarks.sheet_marks(check.parts, path.read_bytes(), check.sheet_parts)["落实情况"].hidden_rows == {1}
    monkeypatch.setattr(odsmarks, "_ods_errors", _fail)
    marks = sheetmarks.sheet_marks(check.parts, path.read_bytes(), check.sheet_parts)
    assert marks["落实情况"].hidden_rows == {1}


def test_xlsx_sheet_whose_marks_fail_leaves_the_other_sheets_marks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lyreport.intake import precheck, sheetmarks

    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.create_sheet("落实情况").row_dimensions[2].hidden = True
    path = tmp_path / "return.xlsx"
    wb.save(path)
    check = precheck.precheck(path)
    real = sheetmarks._xlsx_sheet
    monkeypatch.setattr(sheetmarks, "_xlsx_sheet", lambda xml, *rest: real(xml, *rest) if b"hidden" in xml else _fail())
    marks = sheetmarks.sheet_marks(check.parts, path.read_bytes(), check.sheet_parts)
    assert marks["落实情况"].hidden_rows == {1}


class _XlsSheet:
    def __init__(self, name: str, hidden_row: int) -> None:
        self.name = name
        self.rowinfo_map = {hidden_row: type("RowInfo", (), {"hidden": 1})()}
        self.colinfo_map: dict[int, object] = {}


class _XlsBook:
    """What xlsmarks asks of an xlrd book: a struck font, three sheets, the last two failing to read."""

    font_list = [type("Font", (), {"struck_out": 0})(), type("Font", (), {"struck_out": 1})()]
    nsheets = 3

    def sheet_by_index(self, index: int) -> _XlsSheet:
        return _XlsSheet(["落实情况", "附表", "说明"][index], 4)

    def sheet_names(self) -> list[str]:
        return ["落实情况", "附表", "说明"]

    def release_resources(self) -> None:
        pass


def test_xls_sheet_that_fails_keeps_the_marks_found_and_says_the_strikes_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hidden rows and strikes of the sheets read stay; a sheet not read, in a workbook with a struck font, may
    hold a strike: marked unknown (the parser says strike-unplaced), never dropped in silence."""
    import xlrd

    from lyreport.intake import sheetmarks, xlsmarks
    from lyreport.intake.xlsmarks import OLE_MAGIC

    done = (2, 3, "", "已完成", "已完成")
    monkeypatch.setattr(xlrd, "open_workbook", lambda **kwargs: _XlsBook())
    monkeypatch.setattr(xlsmarks, "_struck_cells", lambda book, sheet, fonts: ([done], False))
    monkeypatch.setattr(xlsmarks, "_errors", lambda sheet, xlrd: _fail() if sheet.name == "附表" else {})
    marks = sheetmarks.sheet_marks(None, OLE_MAGIC + b"\0" * 504, {})
    assert (marks["落实情况"].hidden_rows, marks["落实情况"].struck, marks["落实情况"].struck_unknown) == (
        {4},
        [done],
        False,
    )
    assert marks["附表"].struck_unknown and marks["说明"].struck_unknown
    assert sheetmarks.marks_of(marks, "附表").struck == []


@pytest.mark.parametrize("row", ["<table:table-row>", '<table:table-row table:style-name="ro1">'])
def test_ods_error_cell_is_placed_and_read_to_its_own_end(row: str) -> None:
    """A row tag without attributes ends at its own ">" (the first cell is counted), and a covered (merged-away)
    cell holding an error is read to its own end, not on into the next cell's text."""
    from lyreport.intake import odsmarks

    xml = f"""<office:document-content><office:body><office:spreadsheet><table:table table:name="S">
{row}<table:table-cell table:number-columns-spanned="2"><text:p>a</text:p></table:table-cell>
<table:covered-table-cell table:formula="of:=1/0" calcext:value-type="error"><text:p>#DIV/0!</text:p>
</table:covered-table-cell><table:table-cell office:value-type="string"><text:p>done</text:p></table:table-cell>
<table:table-cell table:formula="of:=A9" calcext:value-type="error"><text:p>Err:502</text:p></table:table-cell>
</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>""".encode()
    marks = odsmarks._ods_errors(xml, {})
    assert marks["S"].errors == {(0, 1): "#DIV/0!", (0, 3): "Err:502"}
