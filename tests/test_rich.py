"""Text the sheet does not show, part 2: some runs of a cell's rich text in their background's colour
(intake/runcolours.py), conditional formats that can hide or rewrite a status (intake/condformats.py), and
t="inlineStr" cells whose text is in a <v> (sheetmarks.py). Each workbook is built here, by openpyxl or by
rewriting its XML as other writers spell it; a status nobody sees is never read, ordinary colouring says nothing.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from office import needs_soffice
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.formatting.rule import CellIsRule, Rule
from openpyxl.styles import Color, Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.styles.numbers import NumberFormat
from test_handmade import HEADERS, TRANSPORT, check, found
from test_struck import book, converted, ods, ods_row, rewrite, save, statuses

from lyreport.models import MasterList

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
WHITE = "FFFFFFFF"


def rich(*parts: str | tuple[str, str | Color]) -> CellRichText:
    """Rich text: a plain str is a run without properties, (text, colour) a run of that colour."""
    blocks: list[str | TextBlock] = []
    for part in parts:
        if isinstance(part, str):
            blocks.append(part)
        else:
            text, colour = part
            blocks.append(TextBlock(InlineFont(color=colour), text))
    return CellRichText(blocks)


def shared(path: Path, ref: str) -> Path:
    """`path` with the inline (rich) string of cell `ref` moved into a shared strings part, as Excel writes it."""
    with zipfile.ZipFile(path) as z:
        sheet = z.read(SHEET)
    cell = re.search(rb'<c r="' + ref.encode() + rb'"[^>]*t="inlineStr"[^>]*><is>(.*?)</is></c>', sheet, re.S)
    assert cell is not None
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strings = b'<sst xmlns="' + main + b'" count="1" uniqueCount="1"><si>' + cell[1] + b"</si></sst>"
    kind = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    rel = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    target = path.with_name(f"共享-{path.name}")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == SHEET:
                data = data.replace(cell[0], f'<c r="{ref}" t="s"><v>0</v></c>'.encode())
            elif info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + kind + b'"/></Types>'
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdS1" Type="' + rel + b'" Target="sharedStrings.xml"/></Relationships>',
                )
            dst.writestr(info, data)
        dst.writestr(STRINGS, strings)
    return target


def codes(path: Path, workspace: Path, prefix: str = "") -> list[tuple[str, str]]:
    return [hit for hit in found(check(workspace, path)) if hit[0].startswith(prefix)]


# ----------------------------------------------------------------- rich-text runs in the background's colour
@pytest.mark.parametrize(
    "text",
    [
        rich("正常推进", ("已完成", WHITE)),  # a white 已完成 after the visible status
        rich(("已完成", WHITE)),  # nothing visible at all, though the cell's own font is black
        rich(("进度滞后", "FF000000"), ("已完成", "FFFFFF")),  # RGB without alpha
        rich("正常推进", ("已完成", Color(theme=0))),  # theme 0 (lt1): white
        rich("正常推进", ("已完成", Color(indexed=9))),  # the legacy palette's white
        rich("正常推进", ("已完成", Color(theme=0, tint=-0.049989318521683403))),  # "white, darker 5%"
    ],
)
@pytest.mark.parametrize("where", ["inline", "shared"])
def test_status_with_a_hidden_run_is_not_read(
    tmp_path: Path, workspace: Path, master: MasterList, text: CellRichText, where: str
) -> None:
    path = save(book(master, {10: text, 11: "已完成"}), tmp_path / "交通局.xlsx")
    if where == "shared":
        path = shared(path, "D3")
    read = statuses(workspace, path)
    assert (read[10], read[11]) == (None, "已完成")
    checked = check(workspace, path)
    (hit,) = [p for p in checked.problems if p.code == "status-concealed"]
    assert (hit.cell, hit.severity) == ("D3", "error")
    assert "“已完成”在表上看不到（其中这部分文字的字体颜色" in hit.message


def test_hidden_run_on_a_dark_fill(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """The background is the cell's fill: a black run on black hides, a white run on it is what shows."""
    wb = book(master, {10: rich(("进度滞后", WHITE), ("已完成", "FF000000")), 11: rich(("已完成", WHITE))})
    for ref in ("D3", "D4"):
        wb.active[ref].fill = PatternFill("solid", fgColor="FF000000")
        wb.active[ref].font = Font(color=WHITE)
    path = save(wb, tmp_path / "交通局.xlsx")
    read = statuses(workspace, path)
    assert (read[10], read[11]) == (None, "已完成")
    assert codes(path, workspace, "status-concealed") == [("status-concealed", "D3")]


@pytest.mark.parametrize(
    "text",
    [
        rich(("已", "FFFF0000"), ("完成", "FF00B050")),  # coloured runs: red and green on white
        rich(("已完成", Color(theme=1))),  # Excel's own run colour: dk1, black
        rich("已", ("完成", "FFD9D9D9")),  # pale grey: readable
    ],
)
def test_readable_runs_are_no_problem(tmp_path: Path, workspace: Path, master: MasterList, text: CellRichText) -> None:
    path = shared(save(book(master, {10: text}), tmp_path / "交通局.xlsx"), "D3")
    assert statuses(workspace, path)[10] == "已完成"
    assert not [p for p in check(workspace, path).problems if "concealed" in p.code]


def test_hidden_run_that_changes_nothing_is_a_warning(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """A white note after a visible 进度滞后 reads the same either way: read, and said; another field likewise."""
    wb = book(master, {10: rich("进度滞后", ("（内部）", WHITE))})
    wb.active["E4"] = rich("第11条本周进展", ("（草稿）", WHITE))
    path = save(wb, tmp_path / "交通局.xlsx")
    assert statuses(workspace, path)[10] == "进度滞后"
    checked = check(workspace, path)
    hits = [(p.code, p.cell, p.severity) for p in checked.problems if "concealed" in p.code]
    assert hits == [("cell-concealed", "D3", "warning"), ("cell-concealed", "E4", "warning")]
    assert "“（草稿）”在表上看不到（其中这部分文字的字体颜色（白色）与单元格底色（白色）相同或几乎相同" in (
        checked.problems[-1].message
    )


@needs_soffice
def test_hidden_run_in_ods(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """LibreOffice saves a run's colour as a text style (fo:color) on a <text:span>."""
    wb = book(master, {10: rich("正常推进", ("已完成", WHITE)), 11: rich(("已", "FFFF0000"), "完成")})
    other = converted(save(wb, tmp_path / "交通局.xlsx"), "ods", tmp_path)
    read = statuses(workspace, other)
    assert (read[10], read[11]) == (None, "已完成")
    assert codes(other, workspace, "status-concealed") == [("status-concealed", "D3")]


def test_hidden_span_in_hand_written_ods(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """A white span on the default white background, a black span on a black cell fill, a red span: only the
    first two hide their text."""
    head = ["填报单位", TRANSPORT, "联系人", "王五", "联系电话", "0379-63211234", "填报日期", "2021-01-06"]

    def row(no: int) -> list[str | int]:
        return [no, master.measure(no).text, "牵头", "正常推进", f"第{no}条本周进展", "无", "继续", "2021-06-30"]

    rows = [ods_row(head), ods_row(HEADERS)]
    rows.append(ods_row(row(10), '正常推进<text:span text:style-name="T1">已完成</text:span>'))
    rows.append(
        ods_row(
            row(11),
            '<text:span text:style-name="T1">进度滞后</text:span><text:span text:style-name="T3">已完成</text:span>',
            "ce1",
        )
    )
    rows.append(ods_row(row(12), '<text:span text:style-name="T2">已完成</text:span>'))
    automatic = (
        '<style:style style:name="ce1" style:family="table-cell"><style:table-cell-properties '
        'fo:background-color="#000000"/><style:text-properties fo:color="#ffffff"/></style:style>'
        '<style:style style:name="T1" style:family="text"><style:text-properties fo:color="#ffffff"/></style:style>'
        '<style:style style:name="T2" style:family="text"><style:text-properties fo:color="#ff0000"/></style:style>'
        '<style:style style:name="T3" style:family="text"><style:text-properties fo:color="#000000"/></style:style>'
    )
    path = ods(tmp_path / "交通局.ods", rows, automatic)
    assert statuses(workspace, path) == {10: None, 11: None, 12: "已完成"}
    assert codes(path, workspace, "status-concealed") == [("status-concealed", "D3"), ("status-concealed", "D4")]


# ----------------------------------------------------------------- t="inlineStr" with its text in <v>
INLINE_DONE = b'<c r="D3" t="inlineStr"><is><t>&#24050;&#23436;&#25104;</t></is></c>'


def test_inline_string_in_a_v_is_said_not_taken_for_blank(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """<c t="inlineStr"><v>已完成</v></c>: the reader reads nothing; what a spreadsheet shows is not known."""
    path = save(book(master, {10: "已完成"}), tmp_path / "交通局.xlsx")
    path = rewrite(path, SHEET, INLINE_DONE, b'<c r="D3" t="inlineStr"><v>&#24050;&#23436;&#25104;</v></c>')
    progress = b'<c r="E4" t="inlineStr"><is><t>&#31532;11&#26465;&#26412;&#21608;&#36827;&#23637;</t></is></c>'
    path = rewrite(path, SHEET, progress, b"<c r='E4' t='inlineStr'><v>&#31532;11&#26465;</v></c>")
    assert statuses(workspace, path)[10] is None
    hits = codes(path, workspace)
    assert ("status-unread", "D3") in hits and ("cell-unread", "E4") in hits
    assert "status-empty" not in [code for code, _ in hits]


def test_inline_string_with_is_and_v_is_said(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """Both an <is> and a <v>: calamine reads nothing; the <is> (what a spreadsheet would show) is said."""
    path = save(book(master, {10: "已完成"}), tmp_path / "交通局.xlsx")
    both = b'<c r="D3" t="inlineStr"><is><t>&#24050;&#23436;&#25104;</t></is><v>&#24050;&#23436;&#25104;</v></c>'
    path = rewrite(path, SHEET, INLINE_DONE, both)
    assert statuses(workspace, path)[10] is None
    checked = check(workspace, path)
    assert ("status-unread", "D3") in found(checked)
    assert "文件中记有“已完成”" in checked.problems[0].message


# ----------------------------------------------------------------- conditional formats
def _cf_book(master: MasterList, rule: Rule, ref: str = "D3:D8"):  # -> Workbook
    wb = book(master, {10: "已完成", 11: "进度滞后"})
    wb.active.conditional_formatting.add(ref, rule)
    return wb


@pytest.mark.parametrize(
    "rule",
    [
        CellIsRule(operator="equal", formula=['"已完成"'], font=Font(color=WHITE)),  # white text on white
        CellIsRule(operator="notEqual", formula=['""'], fill=PatternFill(bgColor="FF000000")),  # black fill
        Rule(type="expression", formula=["TRUE"], dxf=DifferentialStyle(numFmt=NumberFormat(164, ";;;"))),
        Rule(
            type="expression", formula=['$E3<>""'], dxf=DifferentialStyle(numFmt=NumberFormat(165, '0;0;0;"正常推进"'))
        ),
    ],
)
def test_conditional_format_that_can_hide_a_done(
    tmp_path: Path, workspace: Path, master: MasterList, rule: Rule
) -> None:
    """A 已完成 under a conditional format that can hide or rewrite it is not read (an error); the other statuses
    are read, and the range is said once."""
    path = save(_cf_book(master, rule), tmp_path / "交通局.xlsx")
    read = statuses(workspace, path)
    assert (read[10], read[11], read[12]) == (None, "进度滞后", "正常推进")
    checked = check(workspace, path)
    hits = [(p.code, p.cell, p.severity) for p in checked.problems if "conditional" in p.code]
    assert hits == [("status-conditional", "D3", "error"), ("conditional-may-hide", "D4", "warning")]
    assert "D3:D8" in checked.problems[-1].message


@pytest.mark.parametrize(
    "rules",
    [
        [  # the usual office template: red fill for a lag, green text for a done
            CellIsRule(operator="equal", formula=['"进度滞后"'], fill=PatternFill(bgColor="FFFF0000")),
            CellIsRule(operator="equal", formula=['"已完成"'], font=Font(color="FF00B050")),
        ],
        [Rule(type="expression", formula=["TRUE"], dxf=DifferentialStyle(font=Font(bold=True)))],
        [Rule(type="expression", formula=["TRUE"], dxf=DifferentialStyle(numFmt=NumberFormat(166, '"第"0"条"')))],
        [
            CellIsRule(
                operator="equal", formula=['"已完成"'], font=Font(color=WHITE), fill=PatternFill(bgColor="FF00B050")
            )
        ],
    ],
)
def test_ordinary_conditional_colouring_is_no_problem(
    tmp_path: Path, workspace: Path, master: MasterList, rules: list[Rule]
) -> None:
    wb = book(master, {10: "已完成", 11: "进度滞后"})
    for rule in rules:
        wb.active.conditional_formatting.add("D3:D8", rule)
    path = save(wb, tmp_path / "交通局.xlsx")
    read = statuses(workspace, path)
    assert (read[10], read[11]) == ("已完成", "进度滞后")
    assert not [p for p in check(workspace, path).problems if "conditional" in p.code or "concealed" in p.code]


def test_conditional_format_elsewhere_is_no_problem(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """White text on the 备注 column only: the statuses are not under it."""
    rule = CellIsRule(operator="equal", formula=['"无"'], font=Font(color=WHITE))
    path = save(_cf_book(master, rule, "F3:F8"), tmp_path / "交通局.xlsx")
    assert statuses(workspace, path)[10] == "已完成"
    assert not [p for p in check(workspace, path).problems if "conditional" in p.code]


# ----------------------------------------------------------------- .xls (BIFF) rich-text runs
@needs_soffice
def test_hidden_run_in_xls(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """LibreOffice saves a run's colour as a BIFF font of the shared string's run list: a white 已完成 after a
    black 正常推进 is not read, a note in white after 进度滞后 is read and said, red and green runs say nothing."""
    wb = book(
        master,
        {
            10: rich("正常推进", ("已完成", WHITE)),
            11: rich(("已", "FFFF0000"), ("完成", "FF00B050")),
            12: rich("进度滞后", ("（内部）", WHITE)),
        },
    )
    wb.active["D6"].fill = PatternFill("solid", fgColor="FF000000")  # measure 14: black run on a black fill
    wb.active["D6"].font = Font(color=WHITE)
    wb.active["D6"] = rich(("进度滞后", WHITE), ("已完成", "FF000000"))
    other = converted(save(wb, tmp_path / "交通局.xlsx"), "xls", tmp_path)
    read = statuses(workspace, other)
    assert (read[10], read[11], read[12], read[14]) == (None, "已完成", "进度滞后", None)
    checked = check(workspace, other)
    hits = [(p.code, p.cell, p.severity) for p in checked.problems if "concealed" in p.code]
    assert hits == [
        ("status-concealed", "D3", "error"),
        ("cell-concealed", "D5", "warning"),
        ("status-concealed", "D6", "error"),
    ]
    assert "“已完成”在表上看不到（其中这部分文字的字体颜色（白色）与单元格底色（白色）" in checked.problems[0].message


@needs_soffice
def test_xls_without_hiding_runs_is_no_problem(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """Coloured runs, a pale grey run, and a white cell font on a black fill with a black run: nothing hidden."""
    wb = book(master, {10: rich(("已", "FFFF0000"), "完成"), 11: rich("正常", ("推进", "FFD9D9D9"))})
    other = converted(save(wb, tmp_path / "交通局.xlsx"), "xls", tmp_path)
    read = statuses(workspace, other)
    assert (read[10], read[11]) == ("已完成", "正常推进")
    assert not [p for p in check(workspace, other).problems if "concealed" in p.code]


# ----------------------------------------------------------------- .ods conditional styles, x14 rules
HIDING_RULES = [
    CellIsRule(operator="equal", formula=['"已完成"'], font=Font(color=WHITE)),  # white text on white
    CellIsRule(operator="notEqual", formula=['""'], fill=PatternFill(bgColor="FF000000")),  # black fill
    Rule(type="expression", formula=["TRUE"], dxf=DifferentialStyle(numFmt=NumberFormat(164, ";;;"))),
]


@needs_soffice
@pytest.mark.parametrize("rule", HIDING_RULES, ids=["white-text", "black-fill", "format"])
def test_conditional_style_that_can_hide_a_done_in_ods(
    tmp_path: Path, workspace: Path, master: MasterList, rule: Rule
) -> None:
    """LibreOffice writes the rule twice: a <style:map> in the cell's style and a <calcext:conditional-format>
    with the range; the conditional style (its display name) sets the white text, the black fill or a text format
    without the text. As for .xlsx: the 已完成 is not read, the other statuses are, the range said once."""
    other = converted(save(_cf_book(master, rule), tmp_path / "交通局.xlsx"), "ods", tmp_path)
    read = statuses(workspace, other)
    assert (read[10], read[11], read[12]) == (None, "进度滞后", "正常推进")
    checked = check(workspace, other)
    hits = [(p.code, p.cell, p.severity) for p in checked.problems if "conditional" in p.code]
    assert hits == [("status-conditional", "D3", "error"), ("conditional-may-hide", "D4", "warning")]
    assert "D3:D8" in checked.problems[-1].message


@needs_soffice
def test_ordinary_conditional_colouring_in_ods_is_no_problem(
    tmp_path: Path, workspace: Path, master: MasterList
) -> None:
    """Red fill for a lag, green text for a done, white text on a green fill, bold: readable, nothing said."""
    wb = book(master, {10: "已完成", 11: "进度滞后"})
    for rule in [
        CellIsRule(operator="equal", formula=['"进度滞后"'], fill=PatternFill(bgColor="FFFF0000")),
        CellIsRule(operator="equal", formula=['"已完成"'], font=Font(color="FF00B050")),
        CellIsRule(
            operator="equal", formula=['"正常推进"'], font=Font(color=WHITE), fill=PatternFill(bgColor="FF00B050")
        ),
        Rule(type="expression", formula=["TRUE"], dxf=DifferentialStyle(font=Font(bold=True))),
    ]:
        wb.active.conditional_formatting.add("D3:D8", rule)
    other = converted(save(wb, tmp_path / "交通局.xlsx"), "ods", tmp_path)
    read = statuses(workspace, other)
    assert (read[10], read[11]) == ("已完成", "进度滞后")
    assert not [p for p in check(workspace, other).problems if "conditional" in p.code or "concealed" in p.code]


def test_conditional_style_in_hand_written_ods(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """ODF's own <style:map> only (no calcext): a white-text condition on the style of D3:D4, a red-fill one on
    D5's, a black-fill condition through a named parent style on D6's (the cell's font is black)."""
    head = ["填报单位", TRANSPORT, "联系人", "王五", "联系电话", "0379-63211234", "填报日期", "2021-01-06"]

    def row(no: int) -> list[str | int]:
        return [no, master.measure(no).text, "牵头", "正常推进", f"第{no}条本周进展", "无", "继续", "2021-06-30"]

    rows = [ods_row(head), ods_row(HEADERS)]
    rows.append(ods_row(row(10), "已完成", "ce1"))
    rows.append(ods_row(row(11), "进度滞后", "ce1"))
    rows.append(ods_row(row(12), "已完成", "ce2"))
    rows.append(ods_row(row(14), "已完成", "ce3"))
    condition = 'style:condition="cell-content()=&quot;已完成&quot;"'
    automatic = (
        f'<style:style style:name="ce1" style:family="table-cell"><style:map {condition} '
        'style:apply-style-name="隐藏" style:base-cell-address="落实情况.D3"/></style:style>'
        f'<style:style style:name="ce2" style:family="table-cell"><style:map {condition} '
        'style:apply-style-name="标红"/></style:style>'
        '<style:style style:name="ce3" style:family="table-cell"><style:map style:condition="is-true-formula(1)" '
        'style:apply-style-name="黑底"/></style:style>'
    )
    named = (
        '<style:style style:name="隐藏" style:family="table-cell"><style:text-properties fo:color="#fefefe"/>'
        "</style:style>"
        '<style:style style:name="标红" style:family="table-cell"><style:table-cell-properties '
        'fo:background-color="#ff0000"/></style:style>'
        '<style:style style:name="深色" style:family="table-cell"><style:table-cell-properties '
        'fo:background-color="#000000"/></style:style>'
        '<style:style style:name="黑底" style:family="table-cell" style:parent-style-name="深色"/>'
    )
    path = ods(tmp_path / "交通局.ods", rows, automatic, named)
    assert statuses(workspace, path) == {10: None, 11: "进度滞后", 12: "已完成", 14: None}
    checked = check(workspace, path)
    hits = [(p.code, p.cell, p.severity) for p in checked.problems if "conditional" in p.code]
    assert hits == [
        ("status-conditional", "D3", "error"),
        ("conditional-may-hide", "D4", "warning"),
        ("status-conditional", "D6", "error"),
    ]
    assert "D3:D4，字体颜色（#FEFEFE）与底色（白色）相同或几乎相同" in checked.problems[0].message


def test_x14_conditional_rule_with_its_own_dxf(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """Excel 2010's rules in the sheet's extension list: <x14:conditionalFormatting> with the range in
    <xm:sqref> and the style in the rule's own <x14:dxf>, not in the styles part."""
    path = save(book(master, {10: "已完成", 11: "进度滞后"}), tmp_path / "交通局.xlsx")
    ext = (
        '<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        "<x14:conditionalFormattings><x14:conditionalFormatting "
        'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        '<x14:cfRule type="expression" priority="1" id="{00000000-0000-0000-0000-000000000001}">'
        '<xm:f>TRUE</xm:f><x14:dxf><font><color rgb="FFFFFFFF"/></font></x14:dxf></x14:cfRule>'
        "<xm:sqref>D3:D8</xm:sqref></x14:conditionalFormatting></x14:conditionalFormattings></ext></extLst>"
    )
    with zipfile.ZipFile(path) as z:
        sheet = z.read(SHEET)
    end = sheet.rindex(b"</worksheet>")
    path = rewrite(path, SHEET, sheet[end:], ext.encode() + b"</worksheet>")
    read = statuses(workspace, path)
    assert (read[10], read[11]) == (None, "进度滞后")
    checked = check(workspace, path)
    hits = [(p.code, p.cell) for p in checked.problems if "conditional" in p.code]
    assert hits == [("status-conditional", "D3"), ("conditional-may-hide", "D4")]
    assert "D3:D8，字体颜色（白色）与底色（白色）" in checked.problems[0].message
