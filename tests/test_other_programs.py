"""Returns written by other programs than Excel: xlsxwriter (normal and constant_memory, formulas whose saved
result is its placeholder 0), pandas, openpyxl's write_only mode, LibreOffice round trips, and hand-crafted XML
in the way online spreadsheets export (no r=, inline strings, t="str"). Every measure's status, progress and
date must be read as written, or the cell said."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import xlsxwriter
from office import convert, needs_soffice
from openpyxl import Workbook

from lyreport.api import load_context
from lyreport.intake.pipeline import run_intake
from lyreport.merge import merge_week
from lyreport.models import DONE, LAGGING, NOT_STARTED, ON_TRACK, PreviousState, ReturnRow
from lyreport.problems import Problem
from lyreport.weeks import deadline_on
from lyreport.workspace import init_workspace

WEEK = date(2021, 1, 7)
TZ = ZoneInfo("Asia/Shanghai")
TRANSPORT = "市交通运输局"
STATUS = {10: DONE, 11: ON_TRACK, 12: LAGGING, 14: NOT_STARTED, 15: DONE}
EXPECTED = {10: date(2020, 12, 31), 11: date(2021, 6, 30), 12: date(2021, 9, 30), 15: date(2021, 1, 5)}
NO_BLOCK = {"contact-missing", "phone-missing"}
HEADER = ["序号", "措施内容", "责任类型", "完成状态", "本周进展", "存在问题", "下一步计划", "预计完成时间", "备注"]


def progress(no: int) -> str:
    return f"第{no}条本周已召开推进会，完成阶段任务。"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_workspace(tmp_path_factory.mktemp("ws") / "ws")[0].root


def _texts(workspace: Path) -> dict[int, str]:
    return {m.no: m.text for m in load_context(workspace).master.measures_of(TRANSPORT)}


def _read(workspace: Path, tmp: Path, name: str, data: bytes) -> tuple[dict[int, str | None], dict, list[Problem]]:
    """The unit's statuses as `run` merges them, its rows as read, and every problem."""
    inbox = tmp / "inbox"
    shutil.rmtree(inbox, ignore_errors=True)
    inbox.mkdir(parents=True)
    (inbox / name).write_bytes(data)
    stamp = datetime(2021, 1, 7, 9, 30, tzinfo=TZ).timestamp()
    os.utime(inbox / name, (stamp, stamp))
    ctx = load_context(workspace)
    work = tmp / "work"
    work.mkdir(exist_ok=True)
    intake = run_intake(inbox, work, ctx.master, ctx.directory, ctx.config, workers=0)
    result = merge_week(ctx.master, intake, deadline_on(WEEK, ctx.config), ctx.config, PreviousState(), 1)
    statuses = {}
    for week in result.measures:
        report = week.reports.get(TRANSPORT)
        if week.measure.no in STATUS:
            statuses[week.measure.no] = report.status if report is not None and not report.carried else None
    rows: dict[int, ReturnRow] = {r.measure_no: r for ret in intake.returns if ret.unit == TRANSPORT for r in ret.rows}
    return statuses, rows, list(dict.fromkeys(intake.problems + result.problems))


def _xlsxwriter_return(workspace: Path, status_cell=None, options: dict | None = None) -> bytes:
    """The return as a unit's own program writes it with xlsxwriter: header block, header row 4, one row a measure;
    `status_cell(book, sheet, row, no, status)` writes the status (plain text by default)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, **(options or {})})
    sheet = book.add_worksheet("落实情况")
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write(0, 0, "洛阳济源同城一体深度融合三十三条落实情况报表")
    sheet.write_row(2, 0, ["填报单位", TRANSPORT, "联系人", "王五", "联系电话", "0379-63211234", "填报日期"])
    sheet.write_datetime(2, 7, datetime(2021, 1, 6), day)
    sheet.write_row(3, 0, HEADER)
    texts = _texts(workspace)
    for row, no in enumerate(sorted(STATUS), 4):
        sheet.write_row(row, 0, [no, texts[no], "牵头"])
        if status_cell is None:
            sheet.write(row, 3, STATUS[no])
        else:
            status_cell(book, sheet, row, no, STATUS[no])
        sheet.write_row(row, 4, [progress(no), "无", "继续推进"])
        if no in EXPECTED:
            sheet.write_datetime(row, 7, datetime.combine(EXPECTED[no], datetime.min.time()), day)
    book.close()
    return out.getvalue()


def _formula_status(book, sheet, row: int, no: int, status: str) -> None:
    # No value given: xlsxwriter saves 0 as the result and asks Excel to recalculate on opening.
    sheet.write_formula(row, 3, f'=IF(A{row + 1}>0,"{status}","正常推进")')


def _read_right(statuses: dict, rows: dict, problems: list[Problem]) -> None:
    assert statuses == STATUS, [(p.code, p.cell, p.message) for p in problems]
    assert {no: rows[no].progress for no in STATUS} == {no: progress(no) for no in STATUS}
    assert {no: rows[no].expected for no in EXPECTED} == EXPECTED
    # The return's own problems (not the week's: absences, no scan); a bare pandas table has no contact block.
    loud = [p for p in problems if p.severity in ("error", "warning") and p.sheet and p.code not in NO_BLOCK]
    assert loud == [], [(p.code, p.cell, p.message) for p in loud]


# ------------------------------------------------------------------ formulas xlsxwriter never calculated
@pytest.mark.parametrize("options", [{}, {"constant_memory": True}], ids=["normal", "constant_memory"])
def test_xlsxwriter_formula_status_saved_as_placeholder_is_said_unread(
    workspace: Path, tmp_path: Path, options: dict
) -> None:
    # xlsxwriter saves 0 for a formula it cannot calculate: the status is not "0" the unit typed, it is unknown
    # until Excel/WPS calculates it; said as a formula without a saved result, at each cell, never read.
    data = _xlsxwriter_return(workspace, _formula_status, options)
    statuses, _rows, problems = _read(workspace, tmp_path, f"{TRANSPORT}-落实情况.xlsx", data)
    assert statuses == dict.fromkeys(STATUS)
    unread = sorted(p.cell for p in problems if p.code == "formula-no-value")
    assert unread == ["D5", "D6", "D7", "D8", "D9"], [(p.code, p.cell, p.message) for p in problems]
    assert all("Excel/WPS" in p.message for p in problems if p.code == "formula-no-value")
    assert not [p for p in problems if p.code == "status-unknown"]


def test_xlsxwriter_placeholder_in_progress_is_not_read_as_zero(workspace: Path, tmp_path: Path) -> None:
    # A 本周进展 formula (joining two cells) saved as xlsxwriter's 0 must not be reported as the progress "0".
    def status_and_formula(book, sheet, row: int, no: int, status: str) -> None:
        sheet.write(row, 3, status)

    data = _xlsxwriter_return(workspace, status_and_formula)
    book = zipfile.ZipFile(io.BytesIO(data))
    xml = book.read("xl/worksheets/sheet1.xml")
    # E5's text becomes a formula with xlsxwriter's own placeholder result (as write_formula writes it).
    start = xml.index(b'<c r="E5"')
    end = xml.index(b"</c>", start) + 4
    xml = xml[:start] + b'<c r="E5"><f>B5&amp;C5</f><v>0</v></c>' + xml[end:]
    statuses, rows, problems = _read(workspace, tmp_path, f"{TRANSPORT}.xlsx", _replace_part(data, xml))
    assert rows[10].progress != "0"
    assert [p.cell for p in problems if p.code == "formula-no-value"] == ["E5"]
    assert statuses[11] == ON_TRACK


def test_xlsxwriter_placeholder_merged_down_is_not_read_as_zero_below(workspace: Path, tmp_path: Path) -> None:
    # 本周进展 merged over two measures, its top a formula with xlsxwriter's placeholder: the merge gives the rows
    # below the top's value, and they must not get "0" without a word either.
    data = _xlsxwriter_return(workspace)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    start = xml.index(b'<c r="E5"')
    end = xml.index(b"</c>", start) + 4
    xml = xml[:start] + b'<c r="E5"><f>B5&amp;C5</f><v>0</v></c>' + xml[end:]
    start = xml.index(b'<c r="E6"')
    end = xml.index(b"</c>", start) + 4
    xml = xml[:start] + b'<c r="E6"/>' + xml[end:]
    xml = xml.replace(b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="E5:E6"/></mergeCells>')
    statuses, rows, problems = _read(workspace, tmp_path, f"{TRANSPORT}.xlsx", _replace_part(data, xml))
    second = sorted(STATUS)[1]
    assert rows[sorted(STATUS)[0]].progress != "0" and rows[second].progress != "0"
    assert sorted(p.cell for p in problems if p.code == "formula-no-value") == ["E5", "E6"], [
        (p.code, p.cell, p.message) for p in problems
    ]


def _replace_part(data: bytes, sheet: bytes, name: str = "xl/worksheets/sheet1.xml") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, sheet if item.filename == name else src.read(item))
    return out.getvalue()


def test_xlsxwriter_formula_with_given_result_is_read_and_said(workspace: Path, tmp_path: Path) -> None:
    # The writer gave the result itself (write_formula's value): Excel recalculates it on opening
    # (fullCalcOnLoad), so what it shows may differ; read as saved, said at each cell with the formula.
    def stale(book, sheet, row: int, no: int, status: str) -> None:
        sheet.write_formula(row, 3, f'=IF(A{row + 1}>100,"已完成","{status}")', None, "已完成")

    data = _xlsxwriter_return(workspace, stale)
    statuses, _rows, problems = _read(workspace, tmp_path, f"{TRANSPORT}-落实情况.xlsx", data)
    said = {p.cell: p for p in problems if p.code == "cell-recalc"}
    assert sorted(said) == ["D5", "D6", "D7", "D8", "D9"], [(p.code, p.cell, p.message) for p in problems]
    assert said["D8"].severity == "warning" and "已完成" in said["D8"].message and "A8>100" in said["D8"].message
    assert statuses[14] == DONE  # read as saved, but never without the warning above


def test_formula_results_saved_by_a_spreadsheet_are_not_said(workspace: Path, tmp_path: Path) -> None:
    # The same formulas with results, in a workbook that does not ask for recalculation (as Excel/LibreOffice save).
    def given(book, sheet, row: int, no: int, status: str) -> None:
        sheet.write_formula(row, 3, f'=IF(A{row + 1}>0,"{status}","正常推进")', None, status)

    data = _xlsxwriter_return(workspace, given)
    workbook = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml").replace(b' fullCalcOnLoad="1"', b"")
    data = _replace_part(data, workbook, "xl/workbook.xml")
    _read_right(*_read(workspace, tmp_path, f"{TRANSPORT}-落实情况.xlsx", data))


def test_results_a_recalculating_program_saved_are_read_without_a_word(workspace: Path, tmp_path: Path) -> None:
    # Apache POI and EPPlus also ask for recalculation on opening, but save the results they calculated, under
    # the calcId of the Excel that made the file: a 0 there is a result, not xlsxwriter's placeholder.
    def given(book, sheet, row: int, no: int, status: str) -> None:
        sheet.write_formula(row, 3, f'=IF(A{row + 1}>0,"{status}","正常推进")', None, status)
        sheet.write_formula(row, 8, f"=A{row + 1}-A{row + 1}", None, 0)  # a 完成率-like extra column: a real 0

    data = _xlsxwriter_return(workspace, given)
    workbook = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml").replace(b"124519", b"191029")
    data = _replace_part(data, workbook, "xl/workbook.xml")
    statuses, rows, problems = _read(workspace, tmp_path, f"{TRANSPORT}-落实情况.xlsx", data)
    assert statuses == STATUS
    assert not [p for p in problems if p.code in ("formula-no-value", "cell-recalc")]


# ------------------------------------------------------------------ programs that write the return right
def _frame(workspace: Path, *, with_time: bool = False) -> pd.DataFrame:
    texts = _texts(workspace)
    late = pd.Timedelta(hours=17, minutes=30) if with_time else pd.Timedelta(0)
    return pd.DataFrame(
        {
            "序号": sorted(STATUS),
            "措施内容": [texts[no] for no in sorted(STATUS)],
            "责任类型": "牵头",
            "完成状态": [STATUS[no] for no in sorted(STATUS)],
            "本周进展": [progress(no) for no in sorted(STATUS)],
            "存在问题": float("nan"),
            "下一步计划": "继续推进",
            "预计完成时间": [pd.Timestamp(EXPECTED[no]) + late if no in EXPECTED else pd.NaT for no in sorted(STATUS)],
            "备注": float("nan"),
        }
    )


@pytest.mark.parametrize("engine", ["openpyxl", "xlsxwriter"])
@pytest.mark.parametrize("shape", ["index", "no-index", "time", "multiindex"])
def test_pandas_to_excel_is_read_right(workspace: Path, tmp_path: Path, engine: str, shape: str) -> None:
    frame = _frame(workspace, with_time=shape == "time")
    if shape == "multiindex":
        frame.columns = pd.MultiIndex.from_tuples([("措施" if i < 3 else "本周情况", c) for i, c in enumerate(frame)])
    out = io.BytesIO()
    frame.to_excel(out, engine=engine, index=shape in ("index", "multiindex"), sheet_name="落实情况")
    _read_right(*_read(workspace, tmp_path, f"{TRANSPORT}-落实情况.xlsx", out.getvalue()))


@pytest.mark.parametrize("options", [{}, {"constant_memory": True}], ids=["normal", "constant_memory"])
def test_xlsxwriter_plain_return_is_read_right(workspace: Path, tmp_path: Path, options: dict) -> None:
    data = _xlsxwriter_return(workspace, options=options)
    _read_right(*_read(workspace, tmp_path, f"{TRANSPORT}-落实情况.xlsx", data))


def test_xlsxwriter_rich_string_status_is_read_right(workspace: Path, tmp_path: Path) -> None:
    def rich(book, sheet, row: int, no: int, status: str) -> None:
        sheet.write_rich_string(row, 3, book.add_format({"bold": True, "font_color": "red"}), status[:1], status[1:])

    data = _xlsxwriter_return(workspace, rich)
    _read_right(*_read(workspace, tmp_path, f"{TRANSPORT}-落实情况.xlsx", data))


def test_openpyxl_write_only_is_read_right(workspace: Path, tmp_path: Path) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("落实情况")
    sheet.append(["洛阳济源同城一体深度融合三十三条落实情况报表"])
    sheet.append([])
    sheet.append(["填报单位", TRANSPORT, "联系人", "王五", "联系电话", "0379-63211234", "填报日期", date(2021, 1, 6)])
    sheet.append(HEADER)
    texts = _texts(workspace)
    for no in sorted(STATUS):
        sheet.append([no, texts[no], "牵头", STATUS[no], progress(no), "无", "继续推进", EXPECTED.get(no)])
    out = io.BytesIO()
    book.save(out)
    _read_right(*_read(workspace, tmp_path, f"{TRANSPORT}-落实情况.xlsx", out.getvalue()))


@needs_soffice
@pytest.mark.parametrize("route", [["ods"], ["xls"], ["ods", "xlsx"]], ids=["ods", "xls", "ods-xlsx"])
def test_libreoffice_round_trips_of_xlsxwriter_return(workspace: Path, tmp_path: Path, route: list[str]) -> None:
    source = tmp_path / "conv" / "return.xlsx"
    source.parent.mkdir()
    source.write_bytes(_xlsxwriter_return(workspace))
    for step, fmt in enumerate(route):
        outdir = tmp_path / f"out{step}"
        outdir.mkdir()
        convert(source, "xlsx:Calc MS Excel 2007 XML" if fmt == "xlsx" else fmt, outdir)
        source = outdir / f"return.{fmt}"
    _read_right(*_read(workspace, tmp_path, f"{TRANSPORT}-落实情况.{route[-1]}", source.read_bytes()))


# ------------------------------------------------------------------ XML as online spreadsheets export it
# Google Sheets and Apple Numbers cannot be run here: their .xlsx spellings are crafted with zipfile (a sheet with
# no r= on cells or rows, inline strings, t="str" text without a formula, booleans, dates as serials under a
# custom 年月日 format or as text).
_NS = "http://schemas.openxmlformats.org/"
_PARTS = {
    "[Content_Types].xml": f'<Types xmlns="{_NS}package/2006/content-types">'
    f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    f'<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    f'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" '
    f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
    "_rels/.rels": f'<Relationships xmlns="{_NS}package/2006/relationships"><Relationship Id="rId1" '
    f'Type="{_NS}officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<workbook xmlns="{_NS}spreadsheetml/2006/main" xmlns:r="{_NS}officeDocument/2006/'
    f'relationships"><sheets><sheet name="落实情况" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_NS}package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_NS}officeDocument/2006/relationships/worksheet" '
    f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{_NS}officeDocument/2006/relationships/'
    f'styles" Target="styles.xml"/></Relationships>',
    "xl/styles.xml": f'<styleSheet xmlns="{_NS}spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" '
    'formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts><fonts count="1"><font><sz val="11"/>'
    '</font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1">'
    '<border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf/>'
    '<xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>',
}


def _cell(value: object, text: str) -> str:
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, date):
        return f'<c s="1"><v>{(value - date(1899, 12, 30)).days}</v></c>'
    if isinstance(value, int):
        return f"<c><v>{value}</v></c>"
    body = escape(str(value))
    return f'<c t="str"><v>{body}</v></c>' if text == "str" else f'<c t="inlineStr"><is><t>{body}</t></is></c>'


def _crafted(workspace: Path, text: str, expected) -> bytes:
    """The return as an online spreadsheet exports it: no r= anywhere, every text cell spelt as `text`."""
    texts = _texts(workspace)
    lines = [
        ["洛阳济源同城一体深度融合三十三条落实情况报表"],
        [],
        ["填报单位", TRANSPORT, "联系人", "王五", "联系电话", "0379-63211234", "填报日期", date(2021, 1, 6)],
        HEADER,
    ]
    for no in sorted(STATUS):
        lines.append([no, texts[no], "牵头", STATUS[no], progress(no), "无", "继续推进", expected(no)])
    rows = "".join("<row>" + "".join(_cell(v, text) for v in line if v is not None) + "</row>" for line in lines)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for name, xml in _PARTS.items():
            book.writestr(name, xml)
        book.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{_NS}spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>',
        )
    return out.getvalue()


_AS_DATE = {no: EXPECTED.get(no) for no in STATUS}


@pytest.mark.parametrize("text", ["inline", "str"])
@pytest.mark.parametrize(
    "expected",
    [
        lambda no: _AS_DATE[no],
        lambda no: _AS_DATE[no] and _AS_DATE[no].strftime("%Y年%-m月%-d日"),
        lambda no: _AS_DATE[no] and _AS_DATE[no].strftime("%Y.%-m.%-d"),
        lambda no: _AS_DATE[no] and f"{_AS_DATE[no].isoformat()}T00:00:00",
    ],
    ids=["serial", "年月日", "dots", "iso-time"],
)
def test_online_spreadsheet_exports_are_read_right(workspace: Path, tmp_path: Path, text: str, expected) -> None:
    data = _crafted(workspace, text, expected)
    _read_right(*_read(workspace, tmp_path, f"{TRANSPORT}-落实情况.xlsx", data))
