"""Hostile text typed into returns, followed to what the leader and staff open (通报, 台账, 催报名单, summary)."""

from __future__ import annotations

import os
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from docx import Document
from office import write_ods
from openpyxl import load_workbook

from lyreport.api import CheckedFile, check_files, load_context
from lyreport.cli import main
from lyreport.render.templates import write_templates

WEEK = date(2021, 1, 7)
TZ = ZoneInfo("Asia/Shanghai")
TRANSPORT = "市交通运输局"
# What no output may carry: C0 controls but tab/newline, ESC sequences, bidi overrides and isolates.
UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    return root


def _return(workspace: Path, unit: str, cells: dict[tuple[int, int], str], status: str = "正常推进") -> Path:
    """`unit`'s own template, filled, with `cells` ((row, col) -> text) written as typed text."""
    context = load_context(workspace)
    paths = write_templates(context.master, context.directory, WEEK, workspace.parent / "tpl", units=[unit])
    book = load_workbook(paths[0])
    sheet = book["落实情况"]
    sheet.cell(3, 4, "王五")
    sheet.cell(3, 6, "0379-63211234")
    sheet.cell(3, 8, date(2021, 1, 6))
    for row in range(5, sheet.max_row + 1):
        if isinstance(sheet.cell(row, 1).value, int):
            sheet.cell(row, 4, status)
            sheet.cell(row, 5, "本周召开推进会")
    for (row, col), value in cells.items():
        sheet.cell(row, col).value = value
        sheet.cell(row, col).data_type = "s"  # typed text, never a formula
    target = workspace / "inbox" / f"{unit}-落实情况.xlsx"
    book.save(target)
    stamp = datetime(2021, 1, 7, 9, 0, tzinfo=TZ).timestamp()
    os.utime(target, (stamp, stamp))
    return target


def check_file(workspace: Path, path: Path) -> CheckedFile:
    (checked,) = [c for c in check_files([path], workspace, workers=0) if c.name == path.name]
    return checked


def _run(workspace: Path):
    return CliRunner().invoke(main, ["run", "--workspace", str(workspace), "--week", WEEK.isoformat()])


def _docx_text(path: Path) -> str:
    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _ledger_texts(path: Path) -> list[str]:
    book = load_workbook(path)
    return [c.value for s in book for row in s.iter_rows() for c in row if isinstance(c.value, str)]


def test_control_characters_and_bidi_in_cells_reach_no_output(workspace: Path) -> None:
    # Excel writes a control character typed (or pasted) into a cell as _x001B_; calamine decodes it.
    # The contact's ESC sequence would recolour a terminal showing the 催报名单 .txt; U+202E would show
    # "成完已" as "已完成" in Word.
    _return(
        workspace,
        TRANSPORT,
        {
            (3, 4): "王五_x001B_[31m_x0007_",
            (5, 5): "资金_x0001_到位\u202e成完已\u202c，推进中",
            (5, 6): "\u2066无\u2069_x000B_",
        },
    )
    (workspace / "inbox" / "市发改委.txt").write_text("报送函", encoding="utf-8")  # not a form: 市发改委 invalid
    result = _run(workspace)
    assert result.exit_code in (0, 1), result.output
    week_dir = workspace / "outbox" / WEEK.isoformat()
    for docx in week_dir.glob("*.docx"):
        assert not UNSHOWABLE.search(_docx_text(docx)), docx.name
    texts = _ledger_texts(workspace / "outbox" / "工作台账.xlsx")
    assert any("资金到位成完已，推进中" in t for t in texts)  # the text as read, in the order read
    assert not [t for t in texts if UNSHOWABLE.search(t)]
    reminders = (week_dir / f"催报名单-{WEEK.isoformat()}.txt").read_text(encoding="utf-8-sig")
    assert not UNSHOWABLE.search(reminders)


def _with_saved_results(path: Path, results: dict[str, str]) -> None:
    """Give formula cells (coordinate -> text) the saved result a spreadsheet program would have written."""
    with zipfile.ZipFile(path) as src:
        parts = [(item, src.read(item)) for item in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item, body in parts:
            if item.filename == "xl/worksheets/sheet1.xml":
                for coord, value in results.items():
                    pattern = rb'(<c r="' + coord.encode() + rb'"[^>]*?)(?: t="\w+")?>(<f>.*?</f>)<v\s*/?>(?:</v>)?'
                    body, count = re.subn(pattern, rb'\1 t="str">\2<v>' + value.encode() + rb"</v>", body)
                    assert count == 1, coord
            dst.writestr(item, body)


@pytest.mark.parametrize(
    "formula",
    ["='[1]进度'!D5", "=[2]Sheet1!$A$1", "=cmd|'/C calc'!A0", '=WEBSERVICE("http://example.com/s")'],
)
def test_status_taken_from_another_file_or_program_is_said(workspace: Path, formula: str) -> None:
    # The saved "已完成" came from another workbook, a DDE program or the web, not from the unit's typing.
    path = _return(workspace, TRANSPORT, {})
    book = load_workbook(path)
    book["落实情况"]["D5"] = formula
    book.save(path)
    _with_saved_results(path, {"D5": "已完成"})
    checked = check_file(workspace, path)
    linked = [p for p in checked.problems if p.code == "cell-linked"]
    assert [p.cell for p in linked] == ["D5"], [(p.code, p.message) for p in checked.problems]
    assert "已完成" in linked[0].message and formula[1:12] in linked[0].message


def test_formula_within_the_return_is_not_said(workspace: Path) -> None:
    path = _return(workspace, TRANSPORT, {})
    book = load_workbook(path)
    book["落实情况"]["D5"] = '=IF(E5="","正常推进","已完成")'
    book["落实情况"]["E6"] = '="a|b"&"[1]x!"'  # a bar and brackets inside text are not links
    book.save(path)
    _with_saved_results(path, {"D5": "正常推进", "E6": "a|b[1]x!"})
    checked = check_file(workspace, path)
    assert not [p for p in checked.problems if p.code == "cell-linked"]


def test_text_longer_than_a_cell_holds_is_cut_visibly(workspace: Path) -> None:
    # Excel cannot hold more than 32,767 characters in a cell, but a CSV field can.
    master = load_context(workspace).master
    long = "资金缺口较大" * 7000  # 42,000 characters
    lines = ["填报单位,市交通运输局,联系人,王五,联系电话,0379-63211234,填报日期,2021-01-06"]
    lines.append("序号,措施内容,责任类型,完成状态,本周进展,存在问题,下一步计划,预计完成时间,备注")
    lines += [f"{m.no},{m.text},牵头,正常推进,召开协调会,{long},继续推进,," for m in master.measures_of(TRANSPORT)]
    path = workspace / "inbox" / f"{TRANSPORT}.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8-sig")
    stamp = datetime(2021, 1, 7, 9, 0, tzinfo=TZ).timestamp()
    os.utime(path, (stamp, stamp))
    assert _run(workspace).exit_code in (0, 1)
    texts = [t for t in _ledger_texts(workspace / "outbox" / "工作台账.xlsx") if t.startswith("资金缺口较大资金")]
    assert texts
    for text in texts:
        assert len(text) <= 32767
        assert text.endswith("以下从略）")


def _ods(path: Path, rows: list[list[tuple[str, str]]]) -> Path:
    """A one-sheet .ods; each cell is (text, formula or "")."""

    def cell(text: str, formula: str) -> str:
        attr = f' table:formula="{escape(formula, {chr(34): "&quot;"})}"' if formula else ""
        return (
            f'<table:table-cell{attr} office:value-type="string" office:string-value="{escape(text)}">'
            f"<text:p>{escape(text)}</text:p></table:table-cell>"
        )

    body = "".join("<table:table-row>" + "".join(cell(*c) for c in row) + "</table:table-row>" for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="落实情况">{body}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    return write_ods(path, content)


@pytest.mark.parametrize(
    "formula",
    ["of:=['file:///C:/报表/进度.ods'#$Sheet1.D5]", 'of:=DDE("soffice";"C:\\进度.ods";"A1")', "of:=cmd|'/c calc'!a0"],
)
def test_ods_status_taken_from_another_file_or_program_is_said(workspace: Path, formula: str) -> None:
    master = load_context(workspace).master
    head = ["填报单位", TRANSPORT, "联系人", "王五", "联系电话", "0379-63211234", "填报日期", "2021-01-06"]
    rows = [[(v, "") for v in head], [(v, "") for v in ["序号", "措施内容", "责任类型", "完成状态", "本周进展"]]]
    for index, measure in enumerate(master.measures_of(TRANSPORT)):
        status = ("已完成", formula) if index == 0 else ("正常推进", 'of:=[.F3]&""')  # an own-cell formula
        rows.append([(str(measure.no), ""), (measure.text, ""), ("牵头", ""), status, ("召开协调会", "")])
    path = _ods(workspace / "inbox" / f"{TRANSPORT}.ods", rows)
    checked = check_file(workspace, path)
    linked = [p for p in checked.problems if p.code == "cell-linked"]
    assert [p.cell for p in linked] == ["D3"], [(p.code, p.message) for p in checked.problems]


def test_status_through_a_name_that_stands_for_another_file_is_said(workspace: Path) -> None:
    # =本周进度 looks like a formula within the return; the workbook's name 本周进度 is a cell of another file.
    path = _return(workspace, TRANSPORT, {})
    book = load_workbook(path)
    book["落实情况"]["D5"] = "=本周进度"
    book["落实情况"]["D6"] = '=IF(本周进度x="","正常推进","正常推进")'  # another name, not the linked one
    book.save(path)
    _with_saved_results(path, {"D5": "已完成", "D6": "正常推进"})
    with zipfile.ZipFile(path) as src:
        parts = [(item, src.read(item)) for item in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item, body in parts:
            if item.filename == "xl/workbook.xml":
                names = "<definedNames><definedName name=\"本周进度\">'[1]汇总'!$D$5</definedName></definedNames>"
                body = body.replace(b"</sheets>", b"</sheets>" + names.encode())
            dst.writestr(item, body)
    checked = check_file(workspace, path)
    linked = [p for p in checked.problems if p.code == "cell-linked"]
    assert [p.cell for p in linked] == ["D5"], [(p.code, p.message) for p in checked.problems]


def _csv_return(workspace: Path, unit: str, tail: list[str], status: str = "正常推进") -> Path:
    master = load_context(workspace).master
    lines = [f"填报单位,{unit},联系人,王五,联系电话,0379-63211234,填报日期,2021-01-06"]
    lines.append("序号,措施内容,责任类型,完成状态,本周进展,存在问题,下一步计划,预计完成时间,备注")
    lines += [f'{m.no},"{m.text}",牵头,{status},召开协调会,无,继续推进,,' for m in master.measures_of(unit)]
    path = workspace / "inbox" / f"{unit}.csv"
    path.write_text("\r\n".join(lines + tail), encoding="utf-8-sig")
    return path


@pytest.mark.parametrize("tail", [[",,,,,,,,"] * 30_000, [","] * 40, ["," * 700] * 3], ids=["rows", "few", "wide"])
def test_csv_exported_down_to_a_formatted_range_is_read(workspace: Path, tail: list[str]) -> None:
    # Excel's "save as CSV" writes empty cells down to (and across) the used range of formatted cells.
    path = _csv_return(workspace, TRANSPORT, tail)
    checked = check_file(workspace, path)
    assert checked.unit == TRANSPORT and checked.rows == 5, [(p.code, p.message) for p in checked.problems]
    assert not [p for p in checked.problems if p.severity == "error"], [(p.code, p.message) for p in checked.problems]


def test_csv_with_a_table_below_a_long_empty_stretch_is_still_refused(workspace: Path) -> None:
    path = _csv_return(workspace, TRANSPORT, [",,,,,,,,"] * 30_000 + ["10,措施,牵头,已完成,,,,,"])
    checked = check_file(workspace, path)
    assert [p.code for p in checked.problems] == ["read-too-many-rows"]


@pytest.mark.parametrize("name", ["con.tar.xlsx", "NUL.old.xlsx", "COM1 .xlsx", "lpt\u00b9.xlsx", "CONOUT$.xlsx"])
def test_attachment_named_as_a_windows_device_is_renamed(name: str) -> None:
    # Windows opens the device for "CON.tar.xlsx" as for "CON.xlsx": the extracted copy would never be a file.
    from lyreport.intake.safety import safe_basename

    safe = safe_basename(name)
    assert safe.startswith("_") and safe.endswith(".xlsx"), safe
