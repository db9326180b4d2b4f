"""A return saved as a template (Excel .xltx/.xltm/.xlt, WPS .ett, LibreOffice .ots: 另存为 picked the template
type) holds the same workbook as .xlsx/.xls/.ods: read by its content, not left aside as an unknown file."""

from __future__ import annotations

from pathlib import Path

import pytest
from office import needs_soffice
from test_handmade import check
from test_struck import book, converted, save, statuses

from lyreport.models import MasterList


def test_excel_template_is_read(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    wb = book(master, {10: "已完成", 11: "进度滞后"})
    wb.template = True  # the template content type, as Excel writes an .xltx
    path = save(wb, tmp_path / "交通局.xltx")
    assert statuses(workspace, path)[10] == "已完成"
    checked = check(workspace, path)
    assert "file-unsupported" not in {p.code for p in checked.problems}
    assert checked.unit == "市交通运输局"


@pytest.mark.parametrize("ext", [".ett", ".xltm"])
def test_wps_template_is_read(tmp_path: Path, workspace: Path, master: MasterList, ext: str) -> None:
    path = save(book(master, {10: "已完成"}), tmp_path / "交通局.xlsx")
    renamed = path.rename(path.with_suffix(ext))
    assert statuses(workspace, renamed)[10] == "已完成"
    assert "file-unsupported" not in {p.code for p in check(workspace, renamed).problems}


@needs_soffice
@pytest.mark.parametrize("fmt", ["xlt", "ots"])
def test_old_and_open_templates_are_read(tmp_path: Path, workspace: Path, master: MasterList, fmt: str) -> None:
    other = converted(save(book(master, {10: "已完成"}), tmp_path / "交通局.xlsx"), fmt, tmp_path)
    assert statuses(workspace, other)[10] == "已完成"
    assert "file-unsupported" not in {p.code for p in check(workspace, other).problems}
