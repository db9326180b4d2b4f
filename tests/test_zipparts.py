"""The reader worker opens a workbook's zip once (intake/zipparts.py): the marks and the saved time read the
parts the pre-check inflated. Whatever the zip looks like, a part must read exactly as zipfile reads it (same
bytes or same error), and the marks and saved time must be what reading the zip afresh gives."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from lyreport.intake import precheck
from lyreport.intake.read import read_path
from lyreport.intake.zipparts import ZipParts


def _workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    for row in range(1, 8):
        for col in range(1, 5):
            ws.cell(row, col, f"{row}-{col}")
    ws["D3"] = "=A1&B1"  # openpyxl saves no result: a formula without a value
    ws.row_dimensions[4].hidden = True
    ws.column_dimensions["B"].hidden = True
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _rezipped(data: bytes, victim: str, method: int) -> bytes:
    """The same workbook with one part compressed otherwise."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info), compress_type=method if info.filename == victim else None)
    return out.getvalue()


def _local_header(data: bytes, name: str) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.getinfo(name).header_offset


def _central_entry(data: bytes, name: str) -> int:
    raw = name.encode()
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        (length,) = struct.unpack_from("<H", data, at + 28)
        if data[at + 46 : at + 46 + length] == raw:
            return at
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError(name)


def _renamed_locally(data: bytes, name: str) -> bytes:
    """The local header names another part than the central directory does."""
    changed = bytearray(data)
    changed[_local_header(data, name) + 30] ^= 0x20  # "d" -> "D"
    return bytes(changed)


def _size_lie(data: bytes, name: str, delta: int) -> bytes:
    changed = bytearray(data)
    at = _central_entry(data, name)
    (size,) = struct.unpack_from("<I", changed, at + 24)
    struct.pack_into("<I", changed, at + 24, size + delta)
    return bytes(changed)


def _outcome(read, name: str):
    try:
        return ("ok", read(name))
    except KeyError:  # no such part (zipfile words it differently)
        return ("KeyError", "")
    except Exception as exc:  # noqa: BLE001 - the very error is what is compared
        return (type(exc).__name__, str(exc))


GOOD = _workbook()
VARIANTS = {
    "plain": GOOD,
    "bzip2 core": _rezipped(GOOD, "docProps/core.xml", zipfile.ZIP_BZIP2),
    "stored sheet": _rezipped(GOOD, "xl/worksheets/sheet1.xml", zipfile.ZIP_STORED),
    "renamed core": _renamed_locally(GOOD, "docProps/core.xml"),
    "core said shorter": _size_lie(GOOD, "docProps/core.xml", -3),
    "core said longer": _size_lie(GOOD, "docProps/core.xml", 5),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_parts_read_exactly_as_zipfile_reads_them(variant: str) -> None:
    data = VARIANTS[variant]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = ZipParts(data, archive.infolist())
        for name in [*archive.namelist(), "no/such.xml"]:
            assert _outcome(parts.read, name) == _outcome(archive.read, name), name


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_marks_and_saved_time_come_from_the_pre_checked_parts(tmp_path: Path, variant: str) -> None:
    path = tmp_path / "return.xlsx"
    path.write_bytes(VARIANTS[variant])
    answer = read_path(str(path))
    assert answer[0] == "ok"
    (name, _rows, _hidden, marks) = answer[1][0]
    assert name == "落实情况"
    assert marks[:3] == ([3], [1], [(2, 3)])  # hidden row 4, hidden column B, D3 never calculated
    saved = answer[4]["saved_at"]
    with zipfile.ZipFile(io.BytesIO(VARIANTS[variant])) as archive:
        try:
            core = archive.read("docProps/core.xml")
        except Exception:  # noqa: BLE001 - a damaged part: the saved time is unknown
            core = b""
    assert (saved != "") == (b"dcterms:modified" in core)


def test_pre_check_keeps_the_parts_it_inflated(tmp_path: Path) -> None:
    """The sheets are inflated once: reading them again gives the very bytes object the pre-check made."""
    path = tmp_path / "return.xlsx"
    path.write_bytes(GOOD)
    check = precheck.precheck(path)
    assert check.refusal is None and check.parts is not None
    sheet = "xl/worksheets/sheet1.xml"
    assert check.parts.read(sheet) is check.parts.read(sheet)
    with zipfile.ZipFile(path) as archive:
        assert check.parts.read(sheet) == archive.read(sheet)
