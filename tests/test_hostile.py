"""Hostile and broken returns: each costs only its own result, with one clear problem naming the file."""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import random
import struct
import time
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest

from lyreport.intake import precheck as precheck_module
from lyreport.intake import read as read_module
from lyreport.intake.discover import discover
from lyreport.intake.read import read_workbooks
from lyreport.models import SourceFile
from lyreport.problems import ERROR

TZ = ZoneInfo("Asia/Shanghai")


# ----------------------------------------------------------------- builders
def good_workbook(unit: str = "市发改委") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "落实情况"
    ws.append(["填报单位", unit])
    ws.append(["序号", "完成状态", "本周进展"])
    ws.append([1, "正常推进", "按计划推进"])
    ident = wb.create_sheet("_lyreport")
    ident.append(["unit", unit])
    ident.sheet_state = "hidden"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="落实情况" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"


def handmade_xlsx(sheet_rows: str | list[str], *, prolog: str = "", extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal valid .xlsx whose single sheet XML we write ourselves (streamed for big sheets)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write((prolog + _SHEET_HEAD.split("?>", 1)[1] if prolog else _SHEET_HEAD).encode())
            for piece in [sheet_rows] if isinstance(sheet_rows, str) else sheet_rows:
                sheet.write(piece.encode())
            sheet.write(_SHEET_TAIL.encode())
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def million_rows() -> list[str]:
    rows = 1_048_576
    step = 65_536
    return [
        "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(start, min(start + step, rows + 1)))
        for start in range(1, rows + 1, step)
    ]


def encrypted_ooxml() -> bytes:
    """What Excel writes for a password-protected .xlsx: an OLE2 compound file holding
    EncryptionInfo and EncryptedPackage streams (version 3, 512-byte sectors)."""
    sector = 512
    info, package = os.urandom(4096), os.urandom(8192)
    n_info, n_package = len(info) // sector, len(package) // sector
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    fat = [fat_sector, end]  # sector 0: FAT, sector 1: directory
    first_info = len(fat)
    fat += [first_info + i + 1 for i in range(n_info - 1)] + [end]
    first_package = len(fat)
    fat += [first_package + i + 1 for i in range(n_package - 1)] + [end]
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = (name.encode("utf-16-le") + b"\0\0") if name else b""
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", free, right, child)
            + b"\0" * 16
            + struct.pack("<I", 0)
            + b"\0" * 16
            + struct.pack("<IQ", start, size)
        )

    directory = (
        entry("Root Entry", 5, 1, free, end, 0)
        + entry("EncryptionInfo", 2, free, 2, first_info, len(info))
        + entry("EncryptedPackage", 2, free, free, first_package, len(package))
        + entry("", 0, free, free, 0, 0)
    )
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    assert len(header) == 512 and len(directory) == 512
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + info + package


def word_document() -> bytes:
    document = docx.Document()
    document.add_paragraph("关于落实情况的说明")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def empty_workbook() -> bytes:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


def zip_bomb_workbook() -> bytes:
    return handmade_xlsx('<row r="1"><c r="A1"><v>1</v></c></row>', extra={"xl/media/image1.png": b"\0" * (20 << 20)})


def entity_workbook() -> bytes:
    lol = '<!DOCTYPE x [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;">]>'
    return handmade_xlsx('<row r="1"><c r="A1" t="inlineStr"><is><t>&c;</t></is></c></row>', prolog=lol)


def slip_zip(member: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("../../evil.xlsx"), member)
    return buffer.getvalue()


# ----------------------------------------------------------------- the hostile inbox
def hostile_inbox(folder: Path) -> dict[str, tuple[str, str]]:
    """Write every hostile case plus good files; returns display -> (expected code, text in message)."""
    good = good_workbook()
    rng = random.Random(7)
    cases: dict[str, tuple[bytes, str, str]] = {
        "corrupt.xlsx": (bytes(rng.randrange(256) for _ in range(5000)), "read-corrupt", ""),
        "truncated.xlsx": (good[: len(good) // 2], "read-corrupt", "不完整"),
        "password.xlsx": (encrypted_ooxml(), "read-encrypted", "密码"),
        "word.xlsx": (word_document(), "read-wrong-type", "Word 文档"),
        "scan.xlsx": (b"%PDF-1.7\n" + bytes(200), "read-wrong-type", "PDF 文档"),
        "web.xls": (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "read-wrong-type", "HTML"),
        "empty.xlsx": (empty_workbook(), "read-empty", ""),
        "far.xlsx": (
            handmade_xlsx(
                '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
            ),
            "read-too-many-rows",
            "1048576 行 × 16384 列",
        ),
        "million.xlsx": (handmade_xlsx(million_rows()), "read-too-many-rows", "落实情况"),
        "bomb.xlsx": (zip_bomb_workbook(), "read-bomb", ""),
        "entity.xlsx": (entity_workbook(), "read-xml-entity", ""),
        "slip.zip": (slip_zip(good_workbook("市住建局")), "unsafe-name", "../../evil.xlsx"),
    }
    for name, (data, _, _) in cases.items():
        (folder / name).write_bytes(data)
    (folder / "a-good.xlsx").write_bytes(good)
    (folder / "z-good.xlsx").write_bytes(good_workbook("市教育局"))
    expected = {name: (code, text) for name, (_, code, text) in cases.items()}
    expected["slip.zip › evil.xlsx"] = expected.pop("slip.zip")
    return expected


def test_each_hostile_file_costs_only_itself(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    expected = hostile_inbox(inbox)
    files, found = discover(inbox, tmp_path / "work", TZ)
    started = time.monotonic()
    books, problems = read_workbooks(files, workers=2, timeout=30)
    assert time.monotonic() - started < 30
    problems = found + problems
    for display, (code, text) in expected.items():
        mine = [p for p in problems if p.file == display]
        assert [p.code for p in mine] == [code], display
        assert text in mine[0].message, (display, mine[0].message)
    read = {b.file.display: b for b in books}
    assert sorted(read) == ["a-good.xlsx", "slip.zip › evil.xlsx", "z-good.xlsx"]
    assert read["z-good.xlsx"].identity == {"unit": "市教育局"}
    assert read["a-good.xlsx"].sheets[0].rows[2] == [1, "正常推进", "按计划推进"]
    assert {p.file for p in problems} == set(expected)


def _mutate(data: bytearray, rng: random.Random) -> None:
    kind = rng.randrange(5)
    if kind == 0:  # flip bits
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif kind == 1:  # truncate
        del data[rng.randrange(1, len(data)) :]
    elif kind == 2:  # insert random bytes
        at = rng.randrange(len(data))
        data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    elif kind == 3:  # overwrite a run with zeros
        at = rng.randrange(len(data))
        data[at : at + rng.randint(1, 200)] = b"\0" * len(data[at : at + 200])
    else:  # duplicate a slice somewhere else
        at, to = rng.randrange(len(data)), rng.randrange(len(data))
        data[to:to] = data[at : at + rng.randint(1, 300)]


def _mutate_part(good: bytes, rng: random.Random) -> bytes:
    """Mutate one XML part and zip it again with valid checksums, so the damage reaches the parsers."""
    source = zipfile.ZipFile(io.BytesIO(good))
    names = [n for n in source.namelist() if n.endswith((".xml", ".rels"))]
    victim = rng.choice(names)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            data = bytearray(source.read(name))
            if name == victim:
                _mutate(data, rng)
            archive.writestr(name, bytes(data))
    return buffer.getvalue()


def test_fuzzed_workbooks_never_escape(tmp_path: Path) -> None:
    """200 seeded mutations of a valid workbook (of the file, or of an XML part inside it): every one
    yields data or an error naming it, and the batch ends."""
    good = good_workbook()
    rng = random.Random(20240606)
    files = []
    for n in range(200):
        if n % 2:
            data = _mutate_part(good, rng)
        else:
            mutated = bytearray(good)
            _mutate(mutated, rng)
            data = bytes(mutated)
        path = tmp_path / f"fuzz-{n:03d}.xlsx"
        path.write_bytes(data)
        files.append(_source(path))
    started = time.monotonic()
    books, problems = read_workbooks(files, workers=2, timeout=20)
    assert time.monotonic() - started < 120
    read = {b.file.display for b in books}
    errors = {p.file for p in problems if p.severity == ERROR}
    assert read | errors == {f.display for f in files}
    assert not read & errors
    assert all(p.file for p in problems)
    assert errors and read  # the mutations broke some files and spared others
    assert [b.file.display for b in books] == sorted(read)  # input order kept


# ----------------------------------------------------------------- worker failures
def _source(path: Path) -> SourceFile:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return SourceFile(path, path.name, "workbook", datetime(2024, 6, 6, tzinfo=TZ), digest, origin=path)


def _batch(tmp_path: Path, names: list[str]) -> list[SourceFile]:
    good = good_workbook()
    files = []
    for name in names:
        path = tmp_path / name
        path.write_bytes(good)
        files.append(_source(path))
    return files


class _Panic(BaseException):
    """Stands in for pyo3's PanicException, which derives from BaseException."""


def _misbehaving_reader(real):
    def reader(path: str):
        name = Path(path).name
        if name.startswith("abort"):
            os.abort()
        if name.startswith("exit"):
            os._exit(3)
        if name.startswith("panic"):
            raise _Panic("rust panicked")
        if name.startswith("hog"):
            hoard = bytearray(4 << 30)  # beyond the worker's memory ceiling
            return hoard[:1]
        if name.startswith("slow"):
            time.sleep(60)
        return real(path)

    return reader


def test_worker_crashes_cost_only_their_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_module, "read_path", _misbehaving_reader(read_module.read_path))
    names = ["1.xlsx", "abort.xlsx", "2.xlsx", "exit.xlsx", "3.xlsx", "panic.xlsx", "hog.xlsx", "4.xlsx"]
    books, problems = read_workbooks(_batch(tmp_path, names), workers=2, memory_mb=256)
    assert [b.file.display for b in books] == ["1.xlsx", "2.xlsx", "3.xlsx", "4.xlsx"]
    got = {p.file: p for p in problems}
    assert set(got) == {"abort.xlsx", "exit.xlsx", "panic.xlsx", "hog.xlsx"}
    assert all(p.code == "read-crashed" for p in problems)
    assert "SIGABRT" in got["abort.xlsx"].message
    assert "退出码 3" in got["exit.xlsx"].message
    assert "_Panic" in got["panic.xlsx"].message
    assert "内存不足" in got["hog.xlsx"].message


def test_slow_file_times_out_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_module, "read_path", _misbehaving_reader(read_module.read_path))
    started = time.monotonic()
    books, problems = read_workbooks(_batch(tmp_path, ["1.xlsx", "slow.xlsx", "2.xlsx", "3.xlsx"]), timeout=1.5)
    assert time.monotonic() - started < 10
    assert [b.file.display for b in books] == ["1.xlsx", "2.xlsx", "3.xlsx"]
    [late] = problems
    assert late.code == "read-timeout" and late.file == "slow.xlsx" and "1.5 秒" in late.message


def test_real_calamine_abort_without_prechecks_is_contained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the extent check calamine aborts the process on a far cell; the pool still saves the run."""
    monkeypatch.setattr(precheck_module, "precheck", lambda path: precheck_module.Precheck())
    far = tmp_path / "far.xlsx"
    far.write_bytes(
        handmade_xlsx('<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    )
    files = _batch(tmp_path, ["a.xlsx"]) + [_source(far)] + _batch(tmp_path, ["b.xlsx"])
    books, problems = read_workbooks(files, workers=1)
    assert [b.file.display for b in books] == ["a.xlsx", "b.xlsx"]
    [crash] = problems
    assert crash.code == "read-crashed" and crash.file == "far.xlsx" and "SIGABRT" in crash.message


# ----------------------------------------------------------------- OpenDocument and partial refusals
def handmade_ods(rows_xml: str, *, encrypted: bool = False) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="落实情况">'
        + rows_xml
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    secret = '<manifest:encryption-data manifest:checksum-type="SHA1/1K"/>' if encrypted else ""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{secret}'
        "</manifest:file-entry></manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
    return buffer.getvalue()


ODS_CELL = '<table:table-cell office:value-type="string"><text:p>进展</text:p></table:table-cell>'


def test_ods_repeats_count_only_when_they_hold_values(tmp_path: Path) -> None:
    """LibreOffice writes a million repeated empty rows in every file: fine. Repeated values: refused."""
    empty_tail = '<table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    cases = {
        "normal.ods": f"<table:table-row>{ODS_CELL}</table:table-row>{empty_tail}",
        "rows.ods": f'<table:table-row table:number-rows-repeated="1000000">{ODS_CELL}</table:table-row>',
        "cols.ods": '<table:table-row><table:table-cell table:number-columns-repeated="16000" '
        'office:value-type="float" office:value="1"/></table:table-row>',
    }
    files = []
    for name, rows in cases.items():
        (tmp_path / name).write_bytes(handmade_ods(rows))
        files.append(_source(tmp_path / name))
    (tmp_path / "locked.ods").write_bytes(
        handmade_ods(f"<table:table-row>{ODS_CELL}</table:table-row>", encrypted=True)
    )
    files.append(_source(tmp_path / "locked.ods"))
    books, problems = read_workbooks(files)
    assert [(b.file.display, b.sheets[0].rows) for b in books] == [("normal.ods", [["进展"]])]
    got = {p.file: p for p in problems}
    assert got["rows.ods"].code == "read-too-many-rows" and "1000000 行 × 1 列" in got["rows.ods"].message
    assert got["rows.ods"].sheet == "落实情况"
    assert got["cols.ods"].code == "read-too-many-rows" and "16000 列" in got["cols.ods"].message
    assert got["locked.ods"].code == "read-encrypted"
    assert len(problems) == 3


def test_oversized_extra_sheet_is_left_out_with_a_warning(tmp_path: Path) -> None:
    """A huge extra sheet costs only itself when the return sheet is fine."""
    wb = openpyxl.Workbook()
    wb.active.title = "落实情况"
    wb.active["A1"] = "序号"
    wb.create_sheet("附表")["A1"] = "x"
    buffer = io.BytesIO()
    wb.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            part = source.read(name)
            if name == "xl/worksheets/sheet2.xml":
                part = part.replace(b"</sheetData>", b'<row r="50000"><c r="A50000"><v>1</v></c></row></sheetData>')
            archive.writestr(name, part)
    (tmp_path / "extra.xlsx").write_bytes(out.getvalue())
    [book], [warning] = read_workbooks([_source(tmp_path / "extra.xlsx")])
    assert [s.name for s in book.sheets] == ["落实情况"] and book.sheets[0].rows == [["序号"]]
    assert warning.code == "read-too-many-rows" and warning.severity == "warning"
    assert warning.sheet == "附表" and "50000 行" in warning.message


def test_no_new_processes_means_honest_failures_not_a_hang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lyreport.intake import pool

    monkeypatch.setattr(read_module, "read_path", _misbehaving_reader(read_module.read_path))
    monkeypatch.setattr(pool._Pool, "_spawn", lambda self: None)  # the system refuses new processes
    books, problems = read_workbooks(_batch(tmp_path, ["1.xlsx", "abort.xlsx", "2.xlsx"]), workers=1)
    assert [b.file.display for b in books] == ["1.xlsx"]
    assert [(p.code, p.file) for p in problems] == [("read-crashed", "abort.xlsx"), ("read-crashed", "2.xlsx")]
    assert "无法启动读取进程" in problems[1].message


def test_without_any_worker_the_files_are_read_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lyreport.intake import pool

    def refuse(*args, **kwargs):
        raise OSError("fork refused")

    monkeypatch.setattr(pool, "_Worker", refuse)
    books, problems = read_workbooks(_batch(tmp_path, ["1.xlsx", "2.xlsx"]))
    assert [b.file.display for b in books] == ["1.xlsx", "2.xlsx"] and problems == []


def test_inputs_queued_behind_a_crash_are_read_by_the_next_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker holds a few paths at once; a crash, two crashes in a row or a time-out still costs one file."""
    monkeypatch.setattr(read_module, "read_path", _misbehaving_reader(read_module.read_path))
    names = ["1.xlsx", "abort1.xlsx", "2.xlsx", "3.xlsx", "exit1.xlsx", "abort2.xlsx", "4.xlsx", "slow1.xlsx"]
    names += ["5.xlsx", "6.xlsx", "exit2.xlsx", "7.xlsx", "8.xlsx"]
    books, problems = read_workbooks(_batch(tmp_path, names), workers=1, timeout=3)
    assert [b.file.display for b in books] == [f"{n}.xlsx" for n in range(1, 9)]
    assert sorted((p.file, p.code) for p in problems) == sorted(
        [(n, "read-crashed") for n in ("abort1.xlsx", "exit1.xlsx", "abort2.xlsx", "exit2.xlsx")]
        + [("slow1.xlsx", "read-timeout")]
    )


def _hang_on_demand(item: str) -> str:
    if item == "hang":
        time.sleep(60)
    return item


def test_a_queued_input_is_timed_from_when_it_began_not_from_when_the_parent_looked() -> None:
    """The parent may be busy with an earlier answer while a queued input hangs: the hang's time limit has
    already run by then, so it is charged at once rather than given the parent's delay on top."""
    from lyreport.intake.pool import Failure, isolated_map

    started = time.monotonic()
    seen: dict[int, float] = {}

    def busy_parent(index: int, result: object) -> None:
        seen[index] = time.monotonic() - started
        if index == 0:
            time.sleep(4)  # parsing a large return, say

    results = isolated_map(_hang_on_demand, ["a", "b", "hang"], workers=1, timeout=2, depth=4, on_result=busy_parent)
    assert results[:2] == ["a", "b"] and results[2] == Failure("timeout")
    assert seen[2] < 5.5  # charged when the parent looked again (~4 s), not 2 s after that


def test_a_reading_begun_ahead_still_costs_a_crash_only_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reading begun ahead queues many files at each worker before anyone waits for them (check loads its lists
    meanwhile): crashes among the queued files still cost only themselves, answers keep their order."""
    from lyreport.intake.read import Reading

    monkeypatch.setattr(read_module, "read_path", _misbehaving_reader(read_module.read_path))
    names = ["1.xlsx", "abort1.xlsx", "2.xlsx", "3.xlsx", "exit1.xlsx", "4.xlsx", "5.xlsx", "abort2.xlsx", "6.xlsx"]
    reading = Reading(_batch(tmp_path, names), workers=2, head_start=8)
    time.sleep(0.5)  # the parent is busy elsewhere while the workers run through their queues
    books, problems = reading.finish()
    assert [b.file.display for b in books] == [f"{n}.xlsx" for n in range(1, 7)]
    assert sorted((p.file, p.code) for p in problems) == sorted(
        (n, "read-crashed") for n in ("abort1.xlsx", "exit1.xlsx", "abort2.xlsx")
    )
    assert not multiprocessing.active_children()


def test_a_reading_abandoned_before_its_answers_leaves_no_worker(tmp_path: Path) -> None:
    from lyreport.intake.read import Reading

    with Reading(_batch(tmp_path, [f"{n}.xlsx" for n in range(12)]), workers=2, head_start=8) as reading:
        assert reading.mapping is not None and len(reading.mapping.pool.workers) == 2
        pids = [w.process.pid for w in reading.mapping.pool.workers]
    assert not multiprocessing.active_children()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_inputs_dropped_before_they_are_sent_are_never_read_and_added_ones_are() -> None:
    """check begins reading on guessed paths: the guesses discover does not keep are dropped (those not
    yet sent are never read, answers to the others not passed on), the files it adds are read after."""
    from lyreport.intake.pool import IsolatedMap

    mapping = IsolatedMap(str.upper, ["a", "b", "c", "e"], workers=1, depth=1, head_start=2)
    mapping.drop([1, 2])  # "b" is already queued at the worker, "c" is not
    assert mapping.add(["d"]) == [4]
    seen: list[tuple[int, str]] = []
    results = mapping.finish(lambda index, answer: seen.append((index, answer)))
    assert seen == [(0, "A"), (3, "E"), (4, "D")]
    assert results[2] is None  # never sent
    assert not multiprocessing.active_children()


def _exit_on_x(arg: str) -> str:
    if arg == "x":
        os._exit(3)
    return arg.upper()


def test_inputs_dropped_while_queued_at_a_worker_that_dies_are_not_sent_again() -> None:
    """The inputs queued behind a crash go to a new worker, but not those dropped meanwhile."""
    from lyreport.intake.pool import IsolatedMap

    mapping = IsolatedMap(_exit_on_x, ["x", "b", "c", "d"], workers=1, depth=4, head_start=4)
    mapping.drop([2])  # "c" is queued at the worker that is about to die
    seen: list[tuple[int, str]] = []
    results = mapping.finish(lambda index, answer: seen.append((index, answer)))
    assert [i for i, _ in seen] == [0, 1, 3] and seen[1:] == [(1, "B"), (3, "D")]
    assert results[2] is None  # never read again
    assert not multiprocessing.active_children()


def test_a_head_start_spreads_a_few_inputs_over_every_worker() -> None:
    from lyreport.intake.pool import IsolatedMap

    mapping = IsolatedMap(str.upper, list("abcdef"), workers=3, depth=4, head_start=24)
    try:
        assert [len(w.pending) for w in mapping.pool.workers] == [2, 2, 2]
    finally:
        mapping.close()


def test_closing_a_reading_still_at_work_kills_its_readers_at_once() -> None:
    """A run that fails early (a busy workspace, a wrong --week) closes the reading begun ahead: its readers
    are not left to finish their queued files first."""
    from lyreport.intake.pool import IsolatedMap

    mapping = IsolatedMap(time.sleep, [30] * 6, workers=2, depth=1, head_start=3, timeout=120)
    time.sleep(0.2)
    started = time.monotonic()
    mapping.close()
    assert time.monotonic() - started < 0.8  # politely stopping each would wait 1 s per reader
    assert not multiprocessing.active_children()
