"""Review of the red team 6 rules: three ways the new status rules were silently wrong.

A printed choice list whose tick belongs to another option, a 完成率 / 是否完成 value saying "not done" that was
not understood (or 105% read as 1.05%), and a hidden sheet that made a guess between two visible sheets pass as
a sure choice.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_redteam import BASE, TRANSPORT, read

from lyreport.api import load_context


# ----------------------------------------------------------------- a hidden sheet beside two visible ones
@pytest.mark.parametrize("with_hidden", [False, True])
def test_a_hidden_sheet_does_not_make_a_guess_between_visible_sheets_sure(
    workspace: Path, tmp_path: Path, with_hidden: bool
) -> None:
    from openpyxl import Workbook

    ctx = load_context(workspace)
    wb = Workbook()
    old = {**BASE, 12: "正常推进", 15: "已完成"}
    sheets = [("1月6日", BASE), ("12月30日", old)] + ([("旧", dict.fromkeys(BASE, "尚未启动"))] if with_hidden else [])
    for title, statuses in sheets:
        ws = wb.active if title == "1月6日" else wb.create_sheet(title)
        ws.title = title
        ws.append(["填报单位", TRANSPORT, "联系人", "王五", "联系电话", "0379-63211234"])
        ws.append(["序号", "措施内容", "完成状态", "本周进展"])
        for no, status in statuses.items():
            ws.append([no, ctx.master.measure(no).text, status, "进展"])
        ws.sheet_state = "hidden" if title == "旧" else "visible"
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    _, found, problems = read(workspace, path)
    # Was an info table-chosen "其余在隐藏工作表中" once the hidden sheet was there: the visible 1月6日 it beat
    # only by position is not hidden.
    (said,) = [p for p in problems if p.code.startswith("table-chosen")]
    assert said.code == "table-chosen-unsure"
    assert "其余在隐藏工作表中" not in said.message
    if with_hidden:  # only the hidden sheet beaten: that is the reason, and sure
        del wb["1月6日"]
        wb.save(path)
        _, _, problems = read(workspace, path)
        (said,) = [p for p in problems if p.code.startswith("table-chosen")]
        assert said.code == "table-chosen" and "其余在隐藏工作表中" in said.message
