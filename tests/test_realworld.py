"""Returns as other hands and other programs write them, read exactly as `lyreport check` reads them.

Each test builds its file in code the way a person typing from scratch, pandas, WPS or a mail client would,
then asserts the unit, week, rows and the exact problems with their cells.
"""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import UTC, date, datetime
from email.header import Header
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from lyreport.api import CheckedFile, check_files, load_context
from lyreport.intake import normalize as nz
from lyreport.intake.parse import parse_workbook
from lyreport.intake.read import read_one
from lyreport.models import MasterList, SourceFile

HEADERS = ["序号", "措施内容", "责任类型", "完成状态", "本周进展", "存在问题", "下一步计划", "预计完成时间", "备注"]
FILLED = date(2021, 1, 6)
WEEK = date(2021, 1, 7)


@pytest.fixture
def lists(workspace: Path) -> MasterList:
    return load_context(workspace).master


def check(workspace: Path, *paths: Path) -> dict[str, CheckedFile]:
    return {c.name: c for c in check_files(list(paths), workspace, workers=0)}


def found(checked: CheckedFile) -> list[tuple[str, str]]:
    return [(p.code, p.cell) for p in checked.problems]


def message(checked: CheckedFile, code: str) -> str:
    (hit,) = [p.message for p in checked.problems if p.code == code]
    return hit


def standard_sheet(ws: Any, master: MasterList, unit: str, nos: list[int], *, top: int = 1, **kw: Any) -> int:
    """Title, header block and table from row `top`; returns the row after the table."""
    ws.cell(top, 1, "洛济深度融合措施落实情况")
    block = ["填报单位", unit, "联系人", "王五", "联系电话", "0379-63211234", "填报日期", kw.get("filled", FILLED)]
    for col, value in enumerate(block, 1):
        ws.cell(top + 1, col, value)
    for col, label in enumerate(HEADERS, 1):
        ws.cell(top + 2, col, label)
    row = top + 3
    for no in nos:
        values = [no, master.measure(no).text, "牵头", kw.get("status", "正常推进"), f"第{no}条进展", "无", "继续"]
        for col, value in enumerate([*values, date(2021, 6, 30)], 1):
            ws.cell(row, col, value)
        row += 1
    return row


# ----------------------------------------------------------------- typed from scratch
def test_hand_typed_two_level_header_local_numbers_and_loose_wording(
    tmp_path: Path, workspace: Path, lists: MasterList
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.merge_cells("A1:H1")
    ws["A1"] = "洛阳市应急管理局落实洛济深度融合工作进展情况"
    ws["A2"] = "填报单位（盖章）：洛阳市应急管理局"
    ws["E2"] = "填报时间：2021年1月6日"
    for ref, label in {"A3": "序  号", "B3": "措施\n内容", "C3": "完成情况", "E3": "存在的困难\n和问题"}.items():
        ws[ref] = label
    ws["F3"], ws["G3"], ws["H3"] = "下步工作\n打算", "预计完成\n时间", "备  注"
    for refs in ("A3:A4", "B3:B4", "C3:D3", "E3:E4", "F3:F4", "G3:G4", "H3:H4"):
        ws.merge_cells(refs)
    ws["C4"], ws["D4"] = "完成状态", "本周\n进展"
    typed = [
        ("１", "正常推进（已完成80%）", "2021.6"),
        ("2、", "基本完成", "6月底前"),
        ("（3）", "已完成90%", "2021年第二季度"),
        ("4.", "持续推进", "长期"),
        ("5", "正常推进", "2021.13.5"),
    ]
    for offset, (no, status, expected) in enumerate(typed):
        line = [no, lists.measure(29 + offset).text, status, f"进展{offset}", "无", "继续", expected]
        for col, value in enumerate(line, 1):
            ws.cell(5 + offset, col, value)
    ws["A11"] = "填报人：李四    联系电话：13912345678"
    path = tmp_path / "应急局手填.xlsx"
    wb.save(path)

    checked = check(workspace, path)["应急局手填.xlsx"]
    assert (checked.unit, checked.week, checked.rows) == ("市应急管理局", WEEK, 5)
    assert found(checked) == [
        ("measure-no-mismatch", "A5"),
        ("status-interpreted", "C5"),  # 正常推进（已完成80%）: the remark is noted
        ("measure-no-mismatch", "A6"),
        ("status-done-reserved", "C6"),  # 基本完成: not closed, and said so
        ("measure-no-mismatch", "A7"),
        ("status-done-reserved", "C7"),  # 已完成90%
        ("measure-no-mismatch", "A8"),
        ("measure-no-mismatch", "A9"),
        ("date-invalid", "G9"),  # 2021.13.5 is a slip; 长期 is an answer
    ]
    assert "序号“１”与措施内容不符，已按措施内容识别为第 29 条措施" in checked.problems[0].message
    assert message(checked, "date-invalid") == "日期“2021.13.5”无法识别"


def test_loose_statuses_and_dates() -> None:
    assert nz.read_status("正常推进（已完成80%）") == ("正常推进", True)
    assert nz.read_status("正常推进，已完成80%") == ("正常推进", True)
    assert nz.read_status("基本完成") == ("正常推进", True)
    assert nz.read_status("已完成90%") == ("正常推进", True)
    assert nz.read_status("已完成100%") == ("已完成", True)
    assert nz.read_status("持续推进") == ("正常推进", False)
    assert nz.read_status("未完成") == (None, False)
    assert nz.parse_date("2021年第二季度") == date(2021, 6, 30)
    assert nz.parse_date("第三季度", 2021) == date(2021, 9, 30)
    assert nz.parse_date("二〇二一年六月底") == date(2021, 6, 30)
    assert nz.parse_date("六月底前完成", 2021) == date(2021, 6, 30)
    assert nz.parse_date("2021年12月31日前完成") == date(2021, 12, 31)
    assert nz.parse_date("2021年6-7月") == date(2021, 7, 31)
    assert [nz.is_no_date_word(v) for v in ("长期", "持续推进", "“十四五”期间", "过段时间", "2021.13.5")] == [
        True,
        True,
        True,
        False,
        False,
    ]


# ----------------------------------------------------------------- other programs
def test_pandas_export_identified_by_file_name_sheet_name_or_measures(
    tmp_path: Path, workspace: Path, lists: MasterList
) -> None:
    nos = [10, 11, 12, 14, 15]
    frame = pd.DataFrame(
        {
            "序号": nos,
            "措施内容": [lists.measure(n).text for n in nos],
            "完成状态": ["正常推进", "已完成", "进度滞后", "正常推进", "尚未启动"],
            "本周进展": [f"进展{n}" for n in nos],
            "存在问题": ["无", None, "资金", "", None],
            "预计完成时间": [pd.Timestamp("2021-06-30"), None, "2021年底", None, None],
        }
    )
    frame.to_excel(tmp_path / "交通运输局_落实情况.xlsx")  # index column in A, header in row 1
    frame.to_excel(tmp_path / "副本.xlsx", sheet_name="交通局", index=False)
    frame.to_excel(tmp_path / "output.xlsx", index=False)
    checked = check(workspace, *(tmp_path / n for n in ("交通运输局_落实情况.xlsx", "副本.xlsx", "output.xlsx")))
    assert {c.name: (c.unit, c.rows) for c in checked.values()} == {
        "交通运输局_落实情况.xlsx": ("市交通运输局", 5),
        "副本.xlsx": ("市交通运输局", 5),
        "output.xlsx": ("市交通运输局", 5),
    }
    # Three versions of one unit's return: check also says which one a run would count (issue 11).
    versions = ("duplicate-return", "version-chosen")
    assert [f for f in found(checked["副本.xlsx"]) if f[0] not in versions] == [
        ("contact-missing", ""),
        ("phone-missing", ""),
    ]
    assert sum(f[0] == "version-chosen" for c in checked.values() for f in found(c)) == 1
    anonymous = checked["output.xlsx"]
    assert message(anonymous, "unit-inferred").startswith(
        "表中、文件名和发件人均未写明报送单位，已按所填措施（第 10、11、12、14、15 条）推断为“市交通运输局”"
    )


def test_rows_shared_by_two_units_do_not_name_one(tmp_path: Path, workspace: Path, lists: MasterList) -> None:
    frame = pd.DataFrame({"序号": [21], "完成状态": ["正常推进"], "本周进展": ["已开通绿色通道"]})
    frame.to_excel(tmp_path / "output.xlsx", index=False)
    checked = check(workspace, tmp_path / "output.xlsx")["output.xlsx"]
    assert checked.unit is None and "unit-unknown" in [c for c, _ in found(checked)]


def _inline_xlsx(path: Path) -> None:
    """A workbook as some exporters write it: inline rich-text strings, no sharedStrings part, no styles."""
    rows = [
        ["填报单位", "市林业局", "联系人", "赵六", "联系电话", "13700001111", "填报日期", "2021-01-06"],
        ["序号", "措施内容", "完成状态", "本周进展", "存在问题", "下一步计划", "预计完成时间"],
        [27, "共同做好王屋山—黛眉山世界地质公园复审工作。", "正常推进", "已提交复审材料", "无", "迎检", "2021年6月"],
    ]
    cells = []
    for r, line in enumerate(rows, 1):
        cells.append(f'<row r="{r}">')
        for c, v in enumerate(line):
            ref = f"{chr(65 + c)}{r}"
            if isinstance(v, int):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                runs = f"<r><rPr><b/></rPr><t>{escape(v[:2])}</t></r><r><t>{escape(v[2:])}</t></r>"
                cells.append(f'<c r="{ref}" t="inlineStr"><is>{runs}</is></c>')
        cells.append("</row>")
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
        '<sheet name="落实情况" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData>{"".join(cells)}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)


def test_inline_rich_strings(tmp_path: Path, workspace: Path) -> None:
    _inline_xlsx(tmp_path / "林业局.xlsx")
    checked = check(workspace, tmp_path / "林业局.xlsx")["林业局.xlsx"]
    assert (checked.unit, checked.week, checked.rows, checked.problems) == ("市林业局", WEEK, 1, [])


# ----------------------------------------------------------------- what units do to the sheet
def test_table_pasted_twice_reads_the_latest(tmp_path: Path, workspace: Path, lists: MasterList) -> None:
    wb = Workbook()
    ws = wb.active
    end = standard_sheet(ws, lists, "市教育局", [22, 23], filled=date(2020, 12, 30), status="尚未启动")
    ws.cell(end + 1, 1, "本周：")
    standard_sheet(ws, lists, "市教育局", [22, 23], top=end + 2)
    wb.save(tmp_path / "教育局.xlsx")
    checked = check(workspace, tmp_path / "教育局.xlsx")["教育局.xlsx"]
    assert (checked.unit, checked.week, checked.rows) == ("市教育局", WEEK, 2)
    assert found(checked) == [("table-several", "")]
    assert (
        "（表头在第 3、10 行），已读取表头在第 10 行的一张（填报日期最新（2021-01-06））" in checked.problems[0].message
    )
    ctx = load_context(workspace)
    path = tmp_path / "教育局.xlsx"
    book, _ = read_one(SourceFile(path, path.name, "workbook", datetime(2021, 1, 6, tzinfo=UTC), "0" * 64))
    assert book is not None
    parsed, _ = parse_workbook(book, ctx.master, ctx.directory)
    assert parsed is not None and parsed.filled_on == FILLED
    assert [(r.row, r.status) for r in parsed.rows] == [(11, "正常推进"), (12, "正常推进")]


def test_totals_row_cover_sheet_and_rich_text(tmp_path: Path, workspace: Path, lists: MasterList) -> None:
    wb = Workbook()
    end = standard_sheet(wb.active, lists, "市文化广电和旅游局", [17, 18, 19])
    wb.active.cell(end, 1, "合计")
    wb.active.cell(end, 4, "3项")
    wb.active.cell(end, 5, "已完成0项，正常推进3项")
    wb.save(tmp_path / "文旅局.xlsx")

    wb = Workbook()
    wb.active.title = "封面"
    wb.active["B5"] = "洛阳市体育局"
    wb.active["B6"] = "关于洛济深度融合工作落实情况的报告"
    ws = wb.create_sheet("明细")
    standard_sheet(ws, lists, "市体育局", [25])
    ws["D4"] = CellRichText([TextBlock(InlineFont(color="FF0000"), "正常"), "推进"])
    ws["E4"] = CellRichText([TextBlock(InlineFont(b=True), "重点："), "已对接协作区秘书处"])
    wb.save(tmp_path / "体育局报告.xlsx")

    checked = check(workspace, tmp_path / "文旅局.xlsx", tmp_path / "体育局报告.xlsx")
    assert (checked["文旅局.xlsx"].rows, checked["文旅局.xlsx"].problems) == (3, [])
    sport = checked["体育局报告.xlsx"]
    assert (sport.unit, sport.rows, sport.problems) == ("市体育局", 1, [])


def test_whole_list_pasted_with_long_texts(tmp_path: Path, workspace: Path, lists: MasterList) -> None:
    wb = Workbook()
    ws = wb.active
    end = standard_sheet(ws, lists, "市应急管理局", list(range(1, 34)))
    for offset in range(7):  # the unit's own extra items
        ws.cell(end + offset, 1, 34 + offset)
        ws.cell(end + offset, 4, "正常推进")
    for line in ws.iter_rows(min_row=4, max_row=end + 6):
        line[4].value = ("应急救援体系建设持续推进，" * 250)[:3000]
    wb.save(tmp_path / "应急局.xlsx")
    checked = check(workspace, tmp_path / "应急局.xlsx")["应急局.xlsx"]
    assert (checked.unit, checked.rows) == ("市应急管理局", 5)
    assert found(checked) == [*(("measure-unknown", f"A{37 + i}") for i in range(7)), ("measure-not-assigned", "A4")]
    assert message(checked, "measure-not-assigned") == (
        f"第 {'、'.join(str(n) for n in range(1, 29))} 条措施不是本单位的责任事项"
    )


def test_joint_return_is_ambiguous_and_name_conflict_is_reported(
    tmp_path: Path, workspace: Path, lists: MasterList
) -> None:
    wb = Workbook()
    standard_sheet(wb.active, lists, "市医疗保障局、市卫健委", [20, 21])
    wb.save(tmp_path / "联合报送.xlsx")
    wb = Workbook()
    standard_sheet(wb.active, lists, "洛阳市卫生健康委员会", [20, 21])
    wb.save(tmp_path / "医保局落实情况.xlsx")
    checked = check(workspace, tmp_path / "联合报送.xlsx", tmp_path / "医保局落实情况.xlsx")
    joint = checked["联合报送.xlsx"]
    assert joint.unit is None
    assert found(joint) == [("unit-ambiguous", "B2"), ("unit-unknown", "B2")]
    assert message(joint, "unit-ambiguous") == "填报单位“市医疗保障局、市卫健委”可对应多个单位：市医疗保障局、市卫健委"
    named = checked["医保局落实情况.xlsx"]
    assert named.unit == "市卫健委"
    assert message(named, "unit-conflict") == (
        "报送单位判断不一致：填报单位为“市卫健委”；文件名为“市医疗保障局”；按“市卫健委”处理"
    )


# ----------------------------------------------------------------- mail clients
def _b64_lines(data: bytes) -> str:
    text = base64.b64encode(data).decode()
    return "\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def _outlook_mail(attachment: bytes, name: str) -> str:
    """As Outlook saves it: gb2312 encoded words split over lines, application/vnd.ms-excel, CRLF."""
    words = Header(name, "gb2312", maxlinelen=40).encode(maxlinelen=40).replace("eucgb2312_cn", "gb2312")
    sender = base64.b64encode("卫健委".encode("gb2312")).decode()
    boundary = "----=_NextPart_000_0001_01D6E3C1.12345670"
    text = (
        f"From: =?gb2312?B?{sender}?= <wjw@ly.gov.cn>\nTo: <lyfzxcscdz@163.com>\nSubject: report\n"
        f'Date: Wed, 6 Jan 2021 16:30:00 +0800\nMIME-Version: 1.0\nContent-Type: multipart/mixed;\n\tboundary="{boundary}"\n'
        f"\nThis is a multi-part message in MIME format.\n\n--{boundary}\n"
        'Content-Type: text/plain;\n\tcharset="gb2312"\nContent-Transfer-Encoding: base64\n\n'
        f"{base64.b64encode('请查收。'.encode('gb2312')).decode()}\n\n--{boundary}\n"
        f'Content-Type: application/vnd.ms-excel;\n\tname="{words}"\nContent-Transfer-Encoding: base64\n'
        f'Content-Disposition: attachment;\n\tfilename="{words}"\n\n{_b64_lines(attachment)}\n\n--{boundary}--\n'
    )
    return text.replace("\n", "\r\n")


def test_outlook_forwarded_and_foxmail_mails(tmp_path: Path, workspace: Path, lists: MasterList) -> None:
    wb = Workbook()
    standard_sheet(wb.active, lists, "市卫健委", [20, 21])
    buffer = io.BytesIO()
    wb.save(buffer)
    name = "洛阳市卫生健康委员会落实情况报表（第1周）.xlsx"
    outlook = _outlook_mail(buffer.getvalue(), name)
    (tmp_path / "outlook.eml").write_text(outlook, encoding="ascii")
    forwarded = (
        "From: office@ly.gov.cn\r\nTo: lyfzxcscdz@163.com\r\nSubject: Fw\r\nDate: Thu, 7 Jan 2021 09:00:00 +0800\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="XYZ"\r\n\r\n--XYZ\r\n'
        "Content-Type: text/plain; charset=utf-8\r\n\r\nfw\r\n--XYZ\r\nContent-Type: message/rfc822\r\n\r\n"
        f"{outlook}\r\n--XYZ--\r\n"
    )
    (tmp_path / "转发.eml").write_text(forwarded, encoding="ascii")
    wb = Workbook()
    standard_sheet(wb.active, lists, "市教育局", [22, 23])
    packed = io.BytesIO()
    sheet = io.BytesIO()
    wb.save(sheet)
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("教育局报表.xlsx", sheet.getvalue())
    foxmail = (
        'From: "教育局" <jyj@ly.gov.cn>\r\nTo: x@163.com\r\nSubject: 教育局报表\r\nDate: Wed, 6 Jan 2021 10:00:00 +0800\r\n'
        'X-Mailer: Foxmail 7.2\r\nMime-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="----=_001"\r\n\r\n'
        '------=_001\r\nContent-Type: text/plain; charset="GB18030"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        "附件为本周报表，请查收！\r\n"
        '------=_001\r\nContent-Type: application/octet-stream; name="教育局报表.zip"\r\n'
        'Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="教育局报表.zip"\r\n\r\n'
        f"{_b64_lines(packed.getvalue())}\r\n------=_001--\r\n"
    )
    (tmp_path / "foxmail.eml").write_bytes(foxmail.encode("gb18030"))

    alone = check(workspace, tmp_path / "转发.eml")
    # The forwarded mail is opened as a mail of its own: its Date is when the unit sent it (issue 11).
    assert {n: (c.unit, c.rows) for n, c in alone.items()} == {
        f"转发.eml › report.eml › {name}": ("市卫健委", 2),
        "转发.eml › report.eml": (None, 0),
    }
    (note,) = alone["转发.eml › report.eml"].problems
    assert note.code == "mail-forwarded"
    assert note.message == "转发的邮件：收到时间按原邮件的发送时间 2021-01-06 16:30 计算（转发时间 2021-01-07 09:00）"
    checked = check(workspace, tmp_path / "outlook.eml", tmp_path / "foxmail.eml")
    assert {n: (c.unit, c.week, c.rows) for n, c in checked.items()} == {
        f"outlook.eml › {name}": ("市卫健委", WEEK, 2),
        "foxmail.eml › 教育局报表.zip › 教育局报表.xlsx": ("市教育局", WEEK, 2),
    }


def test_value_merged_down_applies_to_each_row(tmp_path, master, directory):
    """A unit merges 存在问题 across two measures: both rows carry it, no false 'empty' problems."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from openpyxl import Workbook

    from lyreport.intake.parse import parse_workbook
    from lyreport.intake.read import read_workbooks
    from lyreport.models import SourceFile

    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    ws.append(["填报单位", "市教育局", "联系人", "王芳", "联系电话", "13812345678"])
    ws.append(["序号", "措施内容", "完成状态", "本周进展", "存在问题"])
    ws.append([22, "支持洛阳高等院校……", "正常推进", "已与济源对接", "资金不足"])
    ws.append([23, "推动两市职教园区深度合作……", None, None, None])
    ws.merge_cells("C3:C4")
    ws.merge_cells("D3:D4")
    ws.merge_cells("E3:E4")
    path = tmp_path / "教育局.xlsx"
    wb.save(path)
    file = SourceFile(path, path.name, "workbook", datetime(2021, 1, 7, 9, tzinfo=ZoneInfo("Asia/Shanghai")), "x")
    [book], problems = read_workbooks([file], workers=0)
    parsed, found = parse_workbook(book, master, directory)
    rows = {r.measure_no: r for r in parsed.rows}
    assert rows[23].status == "正常推进" and rows[23].issues == "资金不足" and rows[23].progress == "已与济源对接"
    assert not [p for p in found if p.code in ("status-empty", "progress-empty")]
