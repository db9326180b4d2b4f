"""CSV files other programs write: a system's export separated by tabs, semicolons or bars (measure texts hold
commas, so the comma must not win by count), Excel's "sep=" line, cells kept as text with ="…"."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_handmade import HEADERS, TRANSPORT, check
from test_struck import statuses

from lyreport.models import MasterList

STATUSES = {10: "正常推进", 11: "已完成", 12: "进度滞后", 14: "已完成", 15: "尚未启动"}


def lines(master: MasterList, sep: str, wrap=lambda text: text) -> list[str]:
    """The form as a system exports it: header block, the template's columns, measure texts with their commas."""
    found = [sep.join(["填报单位", TRANSPORT, "填报日期", "2021-01-06"])]  # rows of unequal length: no sniffing
    found.append(sep.join(HEADERS))
    for no, status in STATUSES.items():
        text = master.measure(no).text
        text = f'"{text}"' if sep == "," else text
        found.append(sep.join([str(no), text, "牵头", wrap(status), f"第{no}条本周进展", "无", "继续推进", ""]))
    return found


@pytest.mark.parametrize("sep", ["\t", ";", "|"])
def test_other_separators(tmp_path: Path, workspace: Path, master: MasterList, sep: str) -> None:
    path = tmp_path / "交通局.csv"
    path.write_bytes("\r\n".join(lines(master, sep)).encode("gb18030"))
    assert statuses(workspace, path) == STATUSES
    assert not [p for p in check(workspace, path).problems if p.severity == "error"]


def test_excel_sep_line(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    path = tmp_path / "交通局.csv"
    path.write_text("\n".join(["sep=;", *lines(master, ";")]), encoding="utf-8-sig")
    assert statuses(workspace, path) == STATUSES


def test_text_kept_as_formula(tmp_path: Path, workspace: Path, master: MasterList) -> None:
    """="已完成" is what Excel shows as 已完成 on opening the CSV: read so, not as a status with a stray "="."""
    path = tmp_path / "交通局.csv"
    path.write_text("\n".join(lines(master, ",", lambda s: f'"=""{s}"""')), encoding="utf-8")
    assert statuses(workspace, path) == STATUSES
    assert not [p for p in check(workspace, path).problems if p.severity == "error"]
