"""Blank return forms: layout, validation, protection, identity sheet, prefill, and LibreOffice opening them."""

from __future__ import annotations

import csv
import hashlib
import io
import random
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from office import convert, needs_soffice, to_csv
from openpyxl import load_workbook

from lyreport.identity_mark import decode_mark
from lyreport.intake.read import read_workbooks
from lyreport.master import load_directory, load_master
from lyreport.models import ReturnRow, SourceFile, Unit
from lyreport.render.templates import HEADERS, TEMPLATE_VERSION, template_filename, write_template, write_templates
from lyreport.samples import make_filling, standard_return
from lyreport.workspace import init_workspace

WEEK = date(2021, 1, 7)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory):
    ws, _ = init_workspace(tmp_path_factory.mktemp("ws"))
    directory = load_directory(ws.templates / "单位名录.xlsx")
    master, _ = load_master(ws.templates / "措施清单.xlsx", directory)
    return ws, directory, master


@pytest.fixture(scope="module")
def written(workspace, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    _, directory, master = workspace
    return write_templates(master, directory, WEEK, tmp_path_factory.mktemp("forms"))


def _sheet(path: Path, name: str = "落实情况"):
    return load_workbook(path)[name]


def _form_of(paths: list[Path], unit: str) -> Path:
    return next(p for p in paths if p.name == template_filename(unit, WEEK))


def test_one_form_per_unit_in_master_order(workspace, written):
    _, _, master = workspace
    assert len(written) == 15
    assert [p.name for p in written] == [f"{u}-落实情况报表-2021-01-07.xlsx" for u in master.units]
    assert written[0].name == "市发改委-落实情况报表-2021-01-07.xlsx"
    assert all(p.is_file() for p in written)


def test_seven_actions_list_works(workspace, tmp_path):
    ws, directory, _ = workspace
    master, _ = load_master(ws.templates / "七大行动清单.xlsx", directory)
    paths = write_templates(master, directory, WEEK, tmp_path)
    assert len(paths) == len(master.units) > 0
    sheet = _sheet(paths[0])
    assert sheet["A1"].value == f"{master.title}落实情况报表"
    assert load_workbook(paths[0])["_lyreport"]["B4"].value == master.list_id


def test_units_filter_accepts_aliases(workspace, tmp_path):
    _, directory, master = workspace
    paths = write_templates(master, directory, WEEK, tmp_path, units=["发改委", "市卫健委"])
    assert [p.name.split("-")[0] for p in paths] == ["市发改委", "市卫健委"]


def test_heading_and_header_labels(workspace, written):
    _, _, master = workspace
    sheet = _sheet(_form_of(written, "市发改委"))
    assert sheet["A1"].value == "洛阳济源同城一体深度融合三十三条落实情况报表"
    assert "A1:I1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A2"].value == "报送周：2021年1月7日（周四）12时前报送"
    assert [sheet.cell(3, c).value for c in (1, 3, 5, 7)] == ["填报单位", "联系人", "联系电话", "填报日期"]
    assert sheet["B3"].value == "市发改委"
    assert sheet["H3"].number_format == "yyyy-mm-dd"
    assert tuple(sheet.cell(4, c).value for c in range(1, 10)) == HEADERS
    assert sheet.freeze_panes == "A5"


def test_measure_rows_prefilled(workspace, written):
    _, _, master = workspace
    sheet = _sheet(_form_of(written, "市发改委"))
    mine = master.measures_of("市发改委")
    rows = [[sheet.cell(r, c).value for c in range(1, 4)] for r in range(5, 5 + len(mine))]
    assert rows == [[m.no, m.text, "牵头" if m.lead == "市发改委" else "配合"] for m in mine]
    assert sheet.cell(5 + len(mine), 1).value is None
    assert sheet.cell(5, 8).number_format == "yyyy-mm-dd"


def test_support_role_for_health_commission_measure_21(written):
    sheet = _sheet(_form_of(written, "市卫健委"))
    row = next(r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 1).value == 21)
    assert sheet.cell(row, 3).value == "配合"
    assert sheet.cell(row, 2).value.startswith("开辟济源来洛就医绿色通道")


def test_status_validation_has_exactly_the_four_statuses(written):
    sheet = _sheet(_form_of(written, "市工信局"))
    lists = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1
    dv = lists[0]
    assert dv.formula1 == '"已完成,正常推进,进度滞后,尚未启动"'
    assert str(dv.sqref) == "D5:D9"  # 市工信局 has five measures
    assert dv.showErrorMessage and dv.error and "已完成" in dv.error
    assert dv.showInputMessage and dv.prompt
    dates = [dv for dv in sheet.data_validations.dataValidation if dv.type == "date"]
    assert {"H3", "H5:H9"} <= set(str(dates[0].sqref).split())


def test_protected_without_password_inputs_unlocked(written):
    sheet = _sheet(_form_of(written, "市发改委"))
    assert sheet.protection.sheet is True
    assert not sheet.protection.password
    for coord in ("D3", "F3", "H3", "D5", "E5", "F5", "G5", "H5", "I5"):
        assert sheet[coord].protection.locked is False, coord
    for coord in ("A1", "A3", "B3", "C3", "A4", "D4", "A5", "B5", "C5"):
        assert sheet[coord].protection.locked is True, coord


def test_help_sheet_visible_identity_hidden(written):
    wb = load_workbook(_form_of(written, "市卫健委"))
    assert wb.sheetnames == ["落实情况", "填表说明", "_lyreport"]
    assert wb["填表说明"].sheet_state == "visible"
    help_text = "\n".join(str(c.value) for row in wb["填表说明"].iter_rows() for c in row if c.value)
    for words in ("进度滞后", "12时前", "扫描件", "副中心办公室", "市发改委"):
        assert words in help_text
    identity = wb["_lyreport"]
    assert identity.sheet_state == "hidden"
    assert {r[0]: r[1] for r in identity.iter_rows(values_only=True)} == {
        "tool": "lyreport",
        "unit": "市卫健委",
        "week": "2021-01-07",
        "list_id": "ly-jy-33",
        "template_version": "2",
    }


def test_contact_prefilled_from_directory(workspace, tmp_path):
    _, directory, master = workspace
    unit = directory.get("市发改委")
    unit.contact, unit.phone = "张三", "13800000000"
    try:
        path = write_template(master, unit, WEEK, tmp_path / "f.xlsx")
    finally:
        unit.contact = unit.phone = ""
    sheet = _sheet(path)
    assert (sheet["D3"].value, sheet["F3"].value) == ("张三", "13800000000")
    assert sheet["F3"].data_type == "s"


def test_prefill_from_previous_week(workspace, tmp_path):
    _, directory, master = workspace
    last = {
        8: ReturnRow(8, "进度滞后", "已上报省发改委", "用地指标未落实", "继续对接", date(2021, 6, 30)),
        1: ReturnRow(1, "正常推进", '=HYPERLINK("http://evil","x")'),
    }
    paths = write_templates(master, directory, WEEK, tmp_path, units=["市发改委"], previous={"市发改委": last})
    sheet = _sheet(paths[0])
    row = next(r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 1).value == 8)
    values = [sheet.cell(row, c).value for c in range(4, 9)]
    assert values[:4] == ["进度滞后", "已上报省发改委", "用地指标未落实", "继续对接"]
    assert values[4].date() == date(2021, 6, 30)
    first = next(r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 1).value == 1)
    assert sheet.cell(first, 5).data_type == "s"
    assert sheet.cell(first, 5).value == '=HYPERLINK("http://evil","x")'
    untouched = next(r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 1).value not in (1, 8))
    assert sheet.cell(untouched, 4).value is None
    # What was prefilled is fingerprinted in the identity sheet, the same on every run (a form sent back unchanged
    # is told from a report by it); a form with nothing prefilled has no fingerprint.
    identity = {r[0]: r[1] for r in load_workbook(paths[0])["_lyreport"].iter_rows(values_only=True)}
    again = write_templates(
        master, directory, WEEK, tmp_path / "again", units=["市发改委"], previous={"市发改委": last}
    )
    assert re.fullmatch("[0-9a-f]{16}", identity["prefill"])
    assert {r[0]: r[1] for r in load_workbook(again[0])["_lyreport"].iter_rows(values_only=True)} == identity


def test_print_setup(written):
    sheet = _sheet(_form_of(written, "市发改委"))
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == "$3:$4"  # 填报单位 line and table header on every page
    # every page names its week (the QR code is on the first only): a stale page scanned with it is told apart
    assert sheet.oddFooter.center.text == "报送周：2021年1月7日　第 &P 页，共 &N 页"
    assert sheet.column_dimensions["B"].width == 38 and sheet.column_dimensions["E"].width == 34
    assert sheet["B5"].alignment.wrap_text
    assert sheet["B5"].font.name == "宋体"


@needs_soffice
def test_libreoffice_opens_template(written, tmp_path):
    (out,) = to_csv(_form_of(written, "市卫健委"), tmp_path)
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[2][0] == "填报单位" and rows[2][1] == "市卫健委"
    assert tuple(rows[3][:9]) == HEADERS
    assert any(r[0] == "21" and r[2] == "配合" for r in rows[4:])


# ----------------------------------------------------------------- the form on paper
def _mark_of(sheet) -> str:
    import zxingcpp
    from PIL import Image

    [image] = sheet._images
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(image._data())))[0].text


def test_paper_form_prints_form_and_seal_line_only(written):
    wb = load_workbook(_form_of(written, "市发改委"))
    sheet = wb["落实情况"]
    last = sheet.max_row
    assert sheet.print_area == f"'落实情况'!$A$1:$I${last}"
    assert sheet.cell(last - 1, 1).value.startswith("注：本表打印后须经单位负责人签字并加盖单位公章")
    assert [sheet.cell(last, c).value for c in (1, 5, 7)] == [
        "填报单位（盖章）：",
        "负责人（签字）：",
        "日期：　　　　年　　月　　日",
    ]
    assert sheet.row_dimensions[last].height >= 80  # room for the seal
    assert last == 5 + 4 + 2  # four measures, a spacer row, the note, the seal line
    help_area = wb["填表说明"].print_area
    assert help_area == "'填表说明'!$C$1" and wb["填表说明"]["C1"].value is None


def test_paper_form_carries_the_identity_as_qr_code(written):
    pytest.importorskip("zxingcpp")
    sheet = load_workbook(_form_of(written, "市卫健委"))["落实情况"]
    assert decode_mark(_mark_of(sheet)) == {
        "tool": "lyreport",
        "list_id": "ly-jy-33",
        "unit": "市卫健委",
        "week": "2021-01-07",
        "template_version": TEMPLATE_VERSION,
    }
    anchor = sheet._images[0].anchor._from
    assert (anchor.row, anchor.col) == (0, 7)  # top right, above 预计完成时间/备注


def test_filled_form_keeps_its_qr_code(workspace, tmp_path):
    pytest.importorskip("zxingcpp")
    _, directory, master = workspace
    filling = make_filling(master, "市教育局", WEEK, random.Random(1))
    path = standard_return(master, directory, filling, WEEK, tmp_path / "filled.xlsx")
    assert decode_mark(_mark_of(load_workbook(path)["落实情况"]))["unit"] == "市教育局"


@needs_soffice
def test_libreoffice_prints_one_page_with_a_readable_qr_code(written, tmp_path):
    """Printed as LibreOffice prints it, rasterised at 150 dpi like a scan: one page, the code decodes."""
    pdfium = pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    form = _form_of(written, "自贸区洛阳片区管委会")  # the longest unit name: the densest code
    convert(form, "pdf", tmp_path)
    doc = pdfium.PdfDocument(str(tmp_path / f"{form.stem}.pdf"))
    assert len(doc) == 1  # the 填表说明 sheet is not printed
    text = doc[0].get_textpage().get_text_range()
    assert "填报单位（盖章）" in text and "负责人（签字）" in text and "报送时间" not in text
    assert re.search(r"报送周：2021年1月7日\s*第 1 页，共 1 页", text)  # the footer, as the scan reader reads it
    image = doc[0].render(scale=150 / 72).to_pil()
    assert image.width > image.height  # landscape
    [code] = zxingcpp.read_barcodes(image)
    assert decode_mark(code.text)["unit"] == "自贸区洛阳片区管委会"
    module = (code.position.top_right.x - code.position.top_left.x) / 37  # a version-5 code
    assert module >= 3  # pixels per module at 150 dpi: survives a scan


@needs_soffice
@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_other_formats_keep_the_identity(written, tmp_path, fmt):
    form = _form_of(written, "市卫健委")
    convert(form, fmt, tmp_path)
    other = tmp_path / f"{form.stem}.{fmt}"
    received = datetime(2021, 1, 7, 10, tzinfo=UTC)
    digest = hashlib.sha256(other.read_bytes()).hexdigest()
    [book], problems = read_workbooks([SourceFile(other, other.name, "workbook", received, digest, origin=other)])
    assert problems == []
    assert book.identity["unit"] == "市卫健委" and book.identity["template_version"] == TEMPLATE_VERSION
    assert [s.name for s in book.sheets] == ["落实情况", "填表说明"]


def test_name_unfit_for_the_qr_code_leaves_it_out(workspace, tmp_path):
    _, _, master = workspace
    path = write_template(master, Unit("市发改委|旧称"), WEEK, tmp_path / "f.xlsx")
    sheet = load_workbook(path)["落实情况"]
    assert sheet._images == [] and sheet["B3"].value == "市发改委|旧称"
