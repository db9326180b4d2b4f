"""The fast paths give exactly what the straightforward code gave: same Word XML, same ledger styles,
same sheet extents from the pre-check, same files found by `check`, and a real `lyreport` process that
loads no renderer for `check` and leaves complete, byte-identical outputs after its fast exit."""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import random
import subprocess
import sys
import time
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from docx.table import Table
from lxml import etree
from openpyxl import Workbook

from lyreport.api import check_files, load_context
from lyreport.intake import precheck
from lyreport.render import docx_format as fmt
from lyreport.render import docx_tables as tables
from lyreport.render import xlsx_style as xs
from lyreport.render.templates import write_template
from lyreport.samples import fill_template, make_filling, set_received
from lyreport.weeks import deadline_on

REPO = Path(__file__).resolve().parent.parent
WEEK = date(2021, 1, 7)
WIDTHS = [10.0, 40.0, 25.0, 18.0]
ALIGNS = [fmt.CENTER, fmt.LEFT, fmt.LEFT, fmt.CENTER]
AWKWARD = [
    ["1", "普通文字", "", "正常推进"],
    ["2", "两行\n第二行", "  前后有空格  ", "已完成"],
    ["3", "制表\t符", "\n以换行开头", '=HYPERLINK("x")'],
    ["", "三\n\n行（中间空行）", "末尾换行\n", "进度滞后"],
]


# ----------------------------------------------------------------- Word paragraphs and tables
# The references build through python-docx's own API, one property at a time, as the renderers did before
# paragraphs became copies of prototypes: the only independent definition of the XML Word receives.
def _reference_text(container, text: str = "", **style) -> None:
    font, size, bold = style.get("font", fmt.FANGSONG), style.get("size", fmt.BODY_PT), style.get("bold", False)
    line, indent = style.get("line", fmt.LINE_PT), style.get("indent", True)
    paragraph = container.add_paragraph()
    fmt.format_paragraph(paragraph, align=style.get("align", fmt.JUSTIFY), indent_chars=2 if indent else 0,
                         size=size, line=line)  # fmt: skip
    if style.get("outline") is not None:
        fmt.insert_ordered(
            paragraph._p.get_or_add_pPr(), fmt.element("w:outlineLvl", val=str(style["outline"])), fmt._PPR_ORDER
        )
    if style.get("keep_next"):
        paragraph.paragraph_format.keep_with_next = True
    text = fmt.document_text(text)
    if text:
        fmt.style_run(paragraph.add_run(text), font, size, bold, style.get("latin", fmt.LATIN), style.get("color", ""))


def _reference_cell_text(cell, text: str, *, font=fmt.SONGTI, size=fmt.TABLE_PT, align=fmt.LEFT, bold=False) -> None:
    cell.vertical_alignment = tables.WD_CELL_VERTICAL_ALIGNMENT.CENTER
    lines = fmt.document_text(str(text)).split("\n") if text else [""]
    for index, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        fmt.format_paragraph(paragraph, align=align, size=size, line=round(size * 1.35, 1))
        if line:
            fmt.style_run(paragraph.add_run(line), font, size, bold)


TEXTS = ["普通文字", "  前后有空格  ", "\u3000全角空格开头", "制表\t符", "两行\n第二行", "回车\r换行", "末尾换行\n",
         "\t", "响铃\x07与\u202e方向控制", ""]  # fmt: skip
STYLES = [
    {},
    {"font": fmt.HEITI, "outline": 0, "keep_next": True},
    {"font": fmt.KAITI, "outline": 1, "keep_next": True},
    {"align": fmt.CENTER, "indent": False, "font": fmt.XIAOBIAOSONG, "size": fmt.TITLE_PT, "line": 35},
    {"size": 12, "line": None, "keep_next": True, "bold": True},
    {"size": fmt.SMALL_PT, "align": fmt.LEFT, "indent": False, "color": "FF0000", "latin": fmt.SONGTI},
]


@pytest.mark.parametrize("style", STYLES)
def test_add_text_builds_the_xml_python_docx_builds(style: dict) -> None:
    built = []
    for adder in (_reference_text, fmt.add_text):
        document = fmt.new_document()
        cell = document.add_table(rows=1, cols=1).rows[0].cells[0]
        for text in TEXTS:
            adder(document, text, **style)
            adder(cell, text, **style)
        built.append(etree.tostring(document.element.body, encoding="unicode"))
    assert built[0] == built[1]
    assert built[1].rindex("<w:p>") < built[1].index("<w:sectPr")  # added before the section properties
    assert 'xml:space="preserve"' in built[1] and "<w:tab/>" in built[1] and "<w:br/>" in built[1]


def test_add_text_returns_the_paragraph_it_placed() -> None:
    document = fmt.new_document()
    first = fmt.add_text(document, "第一段")
    fmt.side_indents(first, left_chars=2)  # changes that one paragraph only
    second = fmt.add_text(document, "第二段")
    assert [p.text for p in document.paragraphs] == ["第一段", "第二段"]
    assert document.paragraphs[0].paragraph_format.left_indent == fmt.Pt(fmt.BODY_PT * 2)
    assert second.paragraph_format.left_indent is None


def _reference_rows(table: Table, rows: list[list[str]], size: float) -> None:
    """How rows were built before add_rows: one python-docx add_row per row."""
    for values in rows:
        tables.add_row(table, values, WIDTHS, ALIGNS, size)


@pytest.mark.parametrize("size", [fmt.TABLE_PT, 12])
def test_add_rows_builds_the_same_xml_as_row_by_row(size: float, monkeypatch: pytest.MonkeyPatch) -> None:
    built = []
    awkward = AWKWARD + [[str(n), text, text[::-1], "已完成"] for n, text in enumerate(TEXTS)]
    for builder in (_reference_rows, lambda t, r, s: tables.add_rows(t, r, WIDTHS, ALIGNS, s)):
        document = fmt.new_document()
        with monkeypatch.context() as patched:
            if builder is _reference_rows:  # the header and every row cell by cell through python-docx
                patched.setattr(tables, "cell_text", _reference_cell_text)
            table = tables.add_table(document, ["序号", "措施", "问题", "状态"], WIDTHS, size=size)
            builder(table, awkward, size)
        built.append(etree.tostring(table._tbl, encoding="unicode"))
    assert built[0] == built[1]
    assert "前后有空格" in built[1] and 'xml:space="preserve"' in built[1] and "<w:tab/>" in built[1]


def test_add_rows_returns_rows_that_can_be_shaded() -> None:
    document = fmt.new_document()
    table = tables.add_table(document, ["序号", "措施", "问题", "状态"], WIDTHS)
    rows = tables.add_rows(table, AWKWARD, WIDTHS, ALIGNS)
    tables.shade(rows[1].cells[3], "FF0000")
    assert len(table.rows) == 1 + len(AWKWARD)
    assert table.rows[2].cells[1].text == "两行\n第二行"
    assert 'w:fill="FF0000"' in etree.tostring(table.rows[2].cells[3]._tc, encoding="unicode")
    assert tables.add_rows(table, [], WIDTHS, ALIGNS) == [] and len(table.rows) == 1 + len(AWKWARD)


# ----------------------------------------------------------------- ledger styles
def _reference_style_body(sheet, first_row: int, last_row: int, ncols: int, centered=()) -> None:
    """style_body as it was: assign the style objects cell by cell (kept as the reference)."""
    for row in sheet.iter_rows(min_row=first_row, max_row=last_row, max_col=ncols):
        for cell in row:
            cell.font = xs.FONT
            cell.border = xs.BORDER
            cell.alignment = xs.CENTER if cell.column in set(centered) else xs.WRAP


def _styled(styler) -> tuple:
    book = Workbook()
    sheet = book.active
    xs.write_header(sheet, 2, ["序号", "措施", "状态", "备注", "亮灯"])
    for row in range(3, 9):
        for col in range(1, 5):  # column 5 left empty: styling must create those cells too
            xs.set_text(sheet.cell(row, col), f"{row}-{col}")
    sheet.cell(4, 2).font = xs.TITLE_FONT  # a cell styled before: its other style parts must stay
    sheet.cell(5, 3).fill = xs.WARN_FILL
    styler(sheet, 3, 8, 5, centered=(1, 5))
    styler(sheet, 9, 8, 5, centered=(2,))  # an empty range adds nothing
    cells = [tuple(c._style or ()) for row in sheet.iter_rows(min_row=1, max_row=8, max_col=5) for c in row]
    return cells, list(book._fonts), list(book._borders), list(book._alignments), list(book._fills)


def test_style_body_gives_the_same_styles_as_cell_by_cell_assignment() -> None:
    assert _styled(xs.style_body) == _styled(_reference_style_body)


def _reference_fit_rows(sheet, first_row: int, last_row: int, *, slack: int = 0) -> None:
    """How rows were fitted before fit_rows looked widths and merges up once (kept as the reference)."""
    ncols = sheet.max_column
    for row in range(first_row, last_row + 1):
        xs.fit_row_height(sheet, row, ncols=ncols, slack=slack)


def _fitted(fit, slack: int) -> tuple:
    wb = Workbook()
    sheet = wb.active
    xs.write_title(sheet, 1, "标题" * 30, 6)
    xs.set_widths(sheet, [6, 30, 12])  # columns 4-6 keep no width of their own: read (and created) on use
    rng = random.Random(3)
    words = ["", "短", "较长的一段问题说明" * 3, "两行\n第二行", "x" * 90, "市发改委、市工信局、市生态环境局"]
    for row in range(3, 40):
        for col in range(1, 7):
            if rng.random() < 0.25:
                continue  # a gap: the fitting creates the empty cell, as iter_cols did
            value = rng.choice([*words, 12, date(2021, 1, 7)])
            sheet.cell(row, col).value = value or None
    sheet.merge_cells("B10:C11")
    fit(sheet, 2, 42, slack=slack)  # past the last row written, too
    heights = {r: d.height for r, d in sheet.row_dimensions.items()}
    widths = [(k, d.width) for k, d in sheet.column_dimensions.items()]
    return heights, widths, list(sheet._cells)


@pytest.mark.parametrize("slack", [0, 1])
def test_fit_rows_gives_the_heights_and_cells_of_row_by_row_fitting(slack: int) -> None:
    assert _fitted(xs.fit_rows, slack) == _fitted(_reference_fit_rows, slack)


# ----------------------------------------------------------------- pre-check extents
def _extent_both_ways(sheet_xml: bytes) -> tuple[tuple[int, int], tuple[int, int]]:
    """(max_row, max_col) by the regex path where it applies, and tag by tag."""
    fast = precheck._XlsxScanner("s")
    fast.feed(sheet_xml)
    slow = precheck._XlsxScanner("s")
    slow._feed_tags(sheet_xml)
    return fast.extent, (slow.max_row, slow.max_col)


def _sheet_parts(path: Path) -> list[bytes]:
    with zipfile.ZipFile(path) as archive:
        return [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]


@pytest.mark.parametrize(
    "cells",
    [
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" s="2"/></row><row r="7"><c r="AB7"><v>1</v></c></row>',
        '<row r="1"><c r="A1"><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row><row><c><v>4</v></c></row>',
        "<row r='2'><c r='D2'><v>1</v></c></row>",
        '<row r="3"><c s="1" r="B3"><v>1</v></c><c r="XFD3" s="1"/></row>',
        '<x:row r="2"><x:c r="E2"><x:v>1</x:v></x:c></x:row>',
        '<row r="1"><c r="A1" t="inlineStr"><is><t>it\'s r="Z9"</t></is></c></row>',
        '<row r="5"><c r="$B$5"><v>1</v></c></row>',
        "",
    ],
)
def test_regex_extents_match_the_tag_by_tag_scan(cells: str) -> None:
    xml = f"<worksheet><sheetData>{cells}</sheetData></worksheet>".encode()
    fast, slow = _extent_both_ways(xml)
    assert fast == slow


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.85])
@pytest.mark.parametrize(("last", "oversized"), [("B19000", {}), ("ALL19000", {"s": (19000, 1000)})])
def test_an_extent_fed_in_pieces_is_the_tag_by_tag_extent(cut: float, last: str, oversized: dict) -> None:
    """The first piece of a sheet is only bounded (all cells, empty or not) until more follows: then it is
    measured after all, so a later piece adds to the real extent, not to the bound. Here the bound's column
    (an empty styled cell in SA1, column 495) with the later row 19000 would be over the cell limit."""
    cells = (
        '<row r="1"><c r="A1"><v>1</v></c><c r="SA1" s="1"/></row>'
        + "".join(f'<row r="{r}"><c r="B{r}"><v>{r}</v></c></row>' for r in range(2, 40))
        + f'<row r="19000"><c r="{last}"><v>1</v></c></row>'
    )
    xml = f"<worksheet><sheetData>{cells}</sheetData></worksheet>".encode()
    at = xml.index(b"<row", int(len(xml) * cut))
    pieces = precheck._XlsxScanner("s")
    for piece in (xml[:at], xml[at:], b""):
        pieces.feed(piece)
    slow = precheck._XlsxScanner("s")
    slow._feed_tags(xml)
    assert pieces.extent == (slow.max_row, slow.max_col)
    assert pieces.oversized == oversized


def test_a_sheet_within_its_bound_is_not_measured_twice_and_a_far_value_is_still_caught() -> None:
    near = b'<worksheet><sheetData><row r="3"><c r="C3"><v>1</v></c></row></sheetData></worksheet>'
    far = near.replace(b'r="C3"', b'r="XFD1048576"').replace(b'r="3"', b'r="1048576"')
    scanner = precheck._XlsxScanner("s")
    assert scanner.feed(near) and scanner.feed(b"") and scanner.oversized == {}
    assert scanner.extent == (3, 3)
    scanner = precheck._XlsxScanner("s")
    assert not scanner.feed(far)
    assert scanner.oversized == {"s": (1048576, 16384)}


def test_regex_extents_match_on_real_returns(tmp_path: Path) -> None:
    root = _week(tmp_path, 6)
    parts = [part for path in sorted((root / "inbox").iterdir()) for part in _sheet_parts(path)]
    assert parts
    for part in parts:
        fast, slow = _extent_both_ways(part)
        assert fast == slow and fast[0] > 0


def test_precheck_reads_each_file_once_and_hands_the_reader_those_bytes(tmp_path: Path) -> None:
    root = _week(tmp_path, 1)
    path = next((root / "inbox").iterdir())
    checked = precheck.precheck(path)
    assert checked.refusal is None and checked.data == path.read_bytes()


def test_a_corrupt_part_the_reader_parses_is_still_caught(tmp_path: Path) -> None:
    root = _week(tmp_path, 1)
    good = next((root / "inbox").iterdir())
    buffer = io.BytesIO()
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
    data = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/styles.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF  # flip bits inside the deflated styles
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(bytes(data))
    assert precheck.precheck(bad).refusal.code == "read-corrupt"


# ----------------------------------------------------------------- check reads in place
def test_check_reads_its_arguments_in_place_with_the_names_staff_gave(tmp_path: Path) -> None:
    root = _week(tmp_path, 4)
    inbox = root / "inbox"
    first, second, third, fourth = sorted(inbox.iterdir())
    other = tmp_path / "另一处"
    other.mkdir()
    twin = fourth.rename(other / first.name)  # the same file name in another folder, other content
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in [*inbox.rglob("*"), twin]}
    pair = check_files([first, twin], root, workers=1)
    assert [c.name for c in pair] == [first.name, f"1/{first.name}"]
    assert [c.unit for c in pair] == [c.unit for c in check_files([first], root)] + [
        c.unit for c in check_files([twin], root)
    ]
    folder = check_files([inbox], root, workers=1)
    assert [c.name for c in folder] == [f"inbox/{p.name}" for p in (first, second, third)]
    assert all(c.unit and c.week == WEEK for c in pair) and not any(c.problems for c in folder)
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in [*inbox.rglob("*"), twin]} == before
    assert sorted(p.name for p in inbox.iterdir()) == [first.name, second.name, third.name]


# ----------------------------------------------------------------- the real program
def _program(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_process_loads_no_renderer(tmp_path: Path) -> None:
    root = _week(tmp_path, 2)
    done = _program("-X", "importtime", "-m", "lyreport", "check", "inbox", "--workspace", ".", cwd=root)
    assert done.returncode in (0, 1), done.stderr
    assert "填报措施" in done.stdout  # the report was printed in full before the fast exit
    loaded = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "lyreport.intake.read" in loaded
    assert not {m.split(".")[0] for m in loaded} & {"openpyxl", "docx", "lxml", "numpy", "pandas", "email"}
    assert not loaded & {
        "lyreport.api",
        "lyreport.history",
        "lyreport.archive",
        "lyreport.render.forked",
        "sqlite3",
    }  # records nothing


def test_run_process_outputs_are_complete_and_identical_on_rerun(tmp_path: Path) -> None:
    root = _week(tmp_path, 15)
    digests = []
    for _ in range(2):
        done = _program("-m", "lyreport", "run", "--week", WEEK.isoformat(), "--workspace", ".", "-q", cwd=root)
        assert done.returncode in (0, 1), done.stderr
        assert len(done.stdout.splitlines()) == 5  # every output path printed
        outputs = sorted(p for p in (root / "outbox").rglob("*") if p.is_file())
        for path in outputs:
            if path.suffix in (".docx", ".xlsx"):
                with zipfile.ZipFile(path) as archive:
                    assert archive.testzip() is None
        digests.append({p.relative_to(root): hashlib.sha256(p.read_bytes()).hexdigest() for p in outputs})
    assert digests[0] == digests[1] and len(digests[0]) >= 7


# ----------------------------------------------------------------- helpers
def _week(tmp_path: Path, n: int) -> Path:
    """A workspace whose inbox holds n standard returns for WEEK, received before the deadline."""
    from lyreport.workspace import init_workspace

    root = tmp_path / "ws"
    init_workspace(root)
    context = load_context(root)
    master, directory = context.master, context.directory
    rng = random.Random(n)
    deadline = deadline_on(WEEK, context.config)
    for index in range(n):
        unit = master.units[index % len(master.units)]
        blank = write_template(master, directory.get(unit), WEEK, tmp_path / "blank" / f"{unit}.xlsx")
        path = fill_template(blank, make_filling(master, unit, WEEK, rng), root / "inbox" / f"{index:02d}-{unit}.xlsx")
        set_received(path, deadline.replace(hour=9))
    return root


def test_archive_copies_a_batch_with_one_flush_and_leaves_no_temp_files(tmp_path: Path) -> None:
    from datetime import datetime

    from lyreport.archive import archive_inputs

    inbox = tmp_path / "inbox"
    (inbox / "子目录").mkdir(parents=True)
    files = {inbox / f"{n}.xlsx": f"return {n}".encode() for n in range(6)}
    files[inbox / "子目录" / "same.XLSX"] = b"return 0"  # same bytes as 0.xlsx: one archived copy
    for path, data in files.items():
        path.write_bytes(data)
    when = datetime(2021, 1, 7, 9, tzinfo=UTC)
    kept = archive_inputs(tmp_path / "archive", "ly", WEEK, inbox, dict.fromkeys(files, when))
    folder = tmp_path / "archive" / "ly" / WEEK.isoformat()
    assert sorted(p.name for p in folder.iterdir()) == sorted({k.archived.name for k in kept} | {"manifest.json"})
    assert len(list(folder.iterdir())) == 6 + 1  # six distinct contents and the manifest
    assert {k.name: (tmp_path / "archive" / k.archived).read_bytes() for k in kept} == {
        p.relative_to(inbox).as_posix(): d for p, d in files.items()
    }
    again = archive_inputs(tmp_path / "archive", "ly", WEEK, inbox, dict.fromkeys(files, when))
    assert [k.archived for k in again] == [k.archived for k in kept] and len(list(folder.iterdir())) == 6 + 1


# ----------------------------------------------------------------- saving once
WHEN = datetime(2021, 1, 7, 12, 0)


def test_save_docx_writes_the_bytes_save_then_restamp_wrote(tmp_path: Path) -> None:
    from lyreport.atomic import restamp_zip

    document = fmt.new_document()
    fmt.add_text(document, "关于落实情况的通报")
    tables.add_rows(tables.add_table(document, ["序号", "措施", "问题", "状态"], WIDTHS), AWKWARD, WIDTHS, ALIGNS)
    fmt.set_core_properties(document, "标题", "洛阳市", WHEN)
    buffer = io.BytesIO()
    document.save(buffer)  # the reference: save, then rewrite every entry with the report time
    expected = restamp_zip(buffer.getvalue(), WHEN)
    fmt.save_docx(document, tmp_path / "a.docx", WHEN)
    assert (tmp_path / "a.docx").read_bytes() == expected


def test_save_workbook_writes_the_bytes_save_then_restamp_wrote(tmp_path: Path) -> None:
    import re

    from lyreport.atomic import restamp_zip, save_workbook

    book = Workbook()
    xs.write_header(book.active, 1, ["序号", "措施"])
    xs.set_text(book.active.cell(2, 2), "=不是公式")
    book.create_sheet("第二张").cell(1, 1).value = 3.5
    save_workbook(book, tmp_path / "a.xlsx", when=WHEN)
    book.properties.created = WHEN
    buffer = io.BytesIO()
    book.save(buffer)  # the reference: openpyxl's own save, then the same restamping and patch
    stamp = WHEN.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    core = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
    patch = {"docProps/core.xml": lambda data: core.sub(rb"\g<1>" + stamp + rb"\g<2>", data)}
    assert (tmp_path / "a.xlsx").read_bytes() == restamp_zip(buffer.getvalue(), WHEN, patch)


def test_a_part_the_workbook_links_to_is_scanned_wherever_it_lies(tmp_path: Path) -> None:
    root = _week(tmp_path, 1)
    good = next((root / "inbox").iterdir())
    entity = b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "x">]><sst><si><t>&a;</t></si></sst>'
    link = (
        b'<Relationship Id="rId99" Target="parts/strings.xml" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", link + b"</Relationships>")
            target.writestr(info, data)
        target.writestr("xl/parts/strings.xml", entity)
    bad = tmp_path / "linked.xlsx"
    bad.write_bytes(buffer.getvalue())
    assert precheck.precheck(good).refusal is None
    assert precheck.precheck(bad).refusal.code == "read-xml-entity"


def test_check_reads_while_it_loads_the_lists_and_a_broken_list_stops_it_cleanly(tmp_path: Path) -> None:
    """check starts the readers before it loads the master list: a broken list is still the message (before
    a missing file, as always), and no reader is left running."""
    import multiprocessing

    from lyreport.faults import LyreportError

    root = _week(tmp_path, 4)
    checked = check_files([root / "inbox"], root)
    assert len(checked) == 4 and all(c.unit and c.rows for c in checked)
    (root / "templates" / "措施清单.xlsx").write_bytes(b"not a workbook")
    for paths in ([root / "inbox"], [root / "inbox", root / "没有这个文件.xlsx"]):
        with pytest.raises(LyreportError, match="措施清单"):
            check_files(paths, root)
        assert not multiprocessing.active_children()


# ----------------------------------------------------------------- check reads ahead of discover
def _awkward_inbox(root: Path) -> Path:
    """A week's returns plus what discover leaves out or adds: copies (one named with a leading "."), a lock
    file, a folder, a zip."""
    inbox = root / "inbox"
    first, second, third, fourth = sorted(inbox.iterdir())
    (inbox / "副本.xlsx").write_bytes(first.read_bytes())  # the same bytes: discover keeps one
    (inbox / "~$锁定.xlsx").write_bytes(b"lock")
    (inbox / ".隐藏.xlsx").write_bytes(second.read_bytes())
    (inbox / "子目录").mkdir()
    third.rename(inbox / "子目录" / third.name)
    with zipfile.ZipFile(inbox / "打包.zip", "w") as archive:
        archive.writestr("压缩包里的表.xlsx", fourth.read_bytes())  # a member: found by discover only
    fourth.unlink()
    (inbox / "说明.txt").write_text("不是报表", encoding="utf-8")
    return inbox


@pytest.mark.parametrize("relative", [False, True])
def test_reading_ahead_delivers_exactly_the_workbooks_discover_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relative: bool
) -> None:
    """The readers begin on guessed paths before discover runs; the answers passed on are those of discover's
    workbooks, each once: a guessed copy it drops is not, a zip member it adds is (read after)."""
    from zoneinfo import ZoneInfo

    from lyreport.intake.discover import discover_paths
    from lyreport.intake.read import Reading, guess_workbooks, workbooks_of

    root = _week(tmp_path, 4)
    inbox = _awkward_inbox(root)
    if relative:  # `lyreport check .` from inside the inbox: paths are named as "x.xlsx", not "./x.xlsx"
        monkeypatch.chdir(inbox)
        inbox = Path(".")
    guessed = guess_workbooks([inbox])
    assert not [g for g in guessed if "锁定" in g or g.endswith((".txt", ".zip"))]
    assert [g for g in guessed if "隐藏" in g]  # a leading "." hides nothing on Windows: read like any name
    work = tmp_path / "work"
    work.mkdir()
    files, problems = discover_paths([inbox], work, ZoneInfo("Asia/Shanghai"))
    workbooks = workbooks_of(files)
    assert "duplicate-file" in {p.code for p in problems}
    on_disk = {str(f.path) for f in workbooks if f.origin == f.path}
    # every one guessed, plus the two copies discover drops (副本 of the first, .隐藏 or the second it copies)
    assert on_disk <= set(guessed) and len(guessed) == len(on_disk) + 2
    with Reading.ahead(guessed, workers=2) as reading:
        reading.adopt(workbooks)
        seen: list[str] = []
        books, read_problems = reading.finish(lambda file, book, found: seen.append(file.display))
    assert sorted(seen) == sorted(f.display for f in workbooks) and len(seen) == len(set(seen)) == 4
    assert any(s.endswith("打包.zip › 压缩包里的表.xlsx") for s in seen) and read_problems == []
    assert not multiprocessing.active_children()


def test_files_found_beyond_the_guess_get_more_readers(tmp_path: Path) -> None:
    """A single guessed file starts one reader; the members of a zip adopted later are spread over more."""
    from lyreport.intake.read import Reading

    root = _week(tmp_path, 4)
    paths = sorted((root / "inbox").iterdir())
    files = [_source_file(path, f"{n}.xlsx") for n, path in enumerate(paths)]
    with Reading.ahead([str(paths[0])], workers=2) as reading:
        assert reading.mapping is not None and len(reading.mapping.pool.workers) == 1
        reading.adopt(files)
        assert len(reading.mapping.pool.workers) == 2
        books, problems = reading.finish()
    assert [b.file.display for b in books] == [f.display for f in files] and problems == []


def _source_file(path: Path, display: str):
    from lyreport.models import SourceFile

    return SourceFile(path, display, "workbook", datetime(2021, 1, 7, 9, tzinfo=UTC), "")


def test_a_guessed_path_that_is_no_regular_file_does_not_hold_the_check(tmp_path: Path) -> None:
    """A pipe named like a workbook blocks whoever opens it: it is not guessed (discover ignores it, and a
    reader waiting on it would hold the check until its time limit)."""
    from lyreport.intake.read import guess_workbooks

    root = _week(tmp_path, 1)
    pipe = tmp_path / "管道.csv"
    os.mkfifo(pipe)
    (root / "inbox" / "管道.xlsx").symlink_to(pipe)
    assert guess_workbooks([pipe]) == [] and not any("管道" in g for g in guess_workbooks([root / "inbox"]))
    started = time.monotonic()
    checked = check_files([pipe, root / "inbox"], root)
    assert time.monotonic() - started < 10
    assert any(c.name == "管道.csv" and c.problems for c in checked)


def test_readers_left_with_only_unwanted_inputs_are_not_waited_for(tmp_path: Path) -> None:
    """A guess dropped while a reader is stuck on it (a file that hangs) costs nothing: finish does not wait
    for it and close kills that reader at once."""
    from lyreport.intake.pool import IsolatedMap

    mapping = IsolatedMap(time.sleep, [60, 0.01], workers=2, depth=1, timeout=120)
    mapping.drop([0])
    started = time.monotonic()
    seen: list[int] = []
    mapping.finish(lambda index, answer: seen.append(index))
    assert seen == [1] and time.monotonic() - started < 5
    assert not multiprocessing.active_children()


def test_a_path_dropped_and_wanted_again_is_read_by_a_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lyreport.intake import read as read_module
    from lyreport.intake.read import Reading

    root = _week(tmp_path, 2)
    paths = sorted((root / "inbox").iterdir())
    files = [_source_file(path, path.name) for path in paths]
    parent = os.getpid()
    in_parent: list[str] = []
    real = read_module.read_path

    def spy(path: str):
        if os.getpid() == parent:
            in_parent.append(path)
        return real(path)

    monkeypatch.setattr(read_module, "read_path", spy)
    with Reading.ahead([str(p) for p in paths], workers=2) as reading:
        reading.adopt(files[:1])
        reading.adopt(files)
        books, problems = reading.finish()
    assert [b.file.display for b in books] == [f.display for f in files] and problems == []
    assert in_parent == []  # never read in this process, outside the readers' limits
