"""Review of the red team 6 rules: three ways the new status rules were silently wrong.

A printed choice list whose tick belongs to another option, a 完成率 / 是否完成 value saying "not done" that was
not understood (or 105% read as 1.05%), and a hidden sheet that made a guess between two visible sheets pass as
a sure choice.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_redteam import BASE, filled_form, read, sheet_per_week

from lyreport.intake.normalize import done_claim
from lyreport.intake.status_words import read_status, status_choices


# ----------------------------------------------------------------- a hidden sheet beside two visible ones
@pytest.mark.parametrize("with_hidden", [False, True])
def test_a_hidden_sheet_does_not_make_a_guess_between_visible_sheets_sure(
    workspace: Path, tmp_path: Path, with_hidden: bool
) -> None:
    old = {**BASE, 12: "正常推进", 15: "已完成"}
    sheets = [("落实情况", BASE), ("落实情况 (2)", old)] + (
        [("旧", dict.fromkeys(BASE, "尚未启动"))] if with_hidden else []
    )
    wb = sheet_per_week(workspace, sheets, hidden=("旧",))
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    _, found, problems = read(workspace, path)
    # Was an info table-chosen "其余在隐藏工作表中" once the hidden sheet was there: the visible 1月6日 it beat
    # only by position is not hidden.
    (said,) = [p for p in problems if p.code.startswith("table-chosen")]
    assert said.code == "table-chosen-unsure"
    assert "其余在隐藏工作表中" not in said.message
    if with_hidden:  # only the hidden sheet beaten: that is the reason, and sure
        del wb["落实情况"]
        wb.save(path)
        _, _, problems = read(workspace, path)
        (said,) = [p for p in problems if p.code.startswith("table-chosen")]
        assert said.code == "table-chosen" and "其余在隐藏工作表中" in said.message


# ----------------------------------------------------------------- a 完成率 / 是否完成 value saying "not done"
@pytest.mark.parametrize(
    ("written", "claim"),
    [
        ("约80%", False),
        ("60%，待验收", False),
        ("80%（预计6月完成）", False),
        ("完成率80%", False),
        ("80%以上", False),
        ("0.8", False),  # every CSV value is text
        ("80", False),
        ("0", False),
        ("1", True),
        ("100", True),
        ("1.05", True),
        (1.05, True),  # Excel's 105%, no 1.05%
        (1.5, True),
        (0.6, False),
        (80, False),
        (105, True),
        (3000, None),  # a quantity, not a share
        ("100%（已验收）", True),
        ("完成率100%", True),
        ("100%，待验收", False),
        # statusfuzz round: these were None (unclear), so a 已完成 beside them stood without a word
        ("9/10", False),  # nine of ten parts
        ("10/10", True),
        ("剩余扫尾", False),
        ("正在施工", False),
        ("九成", False),
        ("大部分", False),
        ("预计下月完工", False),
        ("已建成投用", True),
        ("是，按计划完成", True),
    ],
)
def test_a_completion_share_says_done_only_at_100_percent(written: object, claim: bool | None) -> None:
    assert done_claim(written) is claim


@pytest.mark.parametrize(
    ("value", "contradicted", "shown"),
    [
        ("约80%", True, "约80%"),
        ("60%，待验收", True, "60%，待验收"),
        ("0.8", True, "0.8"),
        (0.8, True, "80%"),
        (1.05, False, None),  # 105%: done, no contradiction (was read as 1.05% and said as "1.05")
        (1, False, None),
    ],
)
def test_done_beside_a_completion_rate_that_is_short(
    workspace: Path, tmp_path: Path, value: object, contradicted: bool, shown: str | None
) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    ws.insert_cols(5)
    ws.cell(4, 5, "完成率")
    for r in range(5, 10):
        ws.cell(r, 5, value if ws.cell(r, 1).value == 14 else 0.5)
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, problems = read(workspace, path)
    assert statuses == ({**BASE, 14: None} if contradicted else BASE)
    said = [p.message for p in problems if p.code == "status-contradicted"]
    assert [f"填写“{shown}”" in m for m in said] == ([True] if contradicted else [])


def test_a_rate_over_100_percent_is_said_as_a_percentage(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    ws = wb["落实情况"]
    ws.insert_cols(5)
    ws.cell(4, 5, "完成率")
    for r in range(5, 10):
        ws.cell(r, 5, 1.05)  # 105% beside 正常推进: done elsewhere, said as the unit sees it
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    _, _, problems = read(workspace, path)
    said = [p.message for p in problems if p.code == "status-done-elsewhere"]
    assert said and all("填写“105%”" in m for m in said)


# ----------------------------------------------------------------- a tick that belongs to another option
@pytest.mark.parametrize(
    ("written", "status"),
    [
        # every option boxed on one side: the one ticked (unchanged)
        ("□已完成 ☑正常推进 □进度滞后", "正常推进"),
        ("已完成□ 正常推进√ 进度滞后□", "正常推进"),
        ("已完成（√） 正常推进（ ） 进度滞后（ ）", "已完成"),
        ("【√】已完成 【 】正常推进 【 】进度滞后", "已完成"),
        ("已完成[ ] 正常推进[√] 进度滞后[ ]", "正常推进"),
        ("口已完成√正常推进口进度滞后", "正常推进"),
        # no list: a box or tick beside one option only is a sentence (were all 已完成)
        ("一期已完成√，二期正常推进", "正常推进"),
        ("√已完成 正常推进", "正常推进"),
        ("出口已完成备案，项目正常推进", "正常推进"),  # 口 of 出口 is no box (was status-choices)
        # a remark beside the list: read with the ticked option, a lag written there wins (was 已完成)
        ("☑已完成 □正常推进 □进度滞后（部分路段滞后）", "进度滞后"),
        ("□已完成 □正常推进（部分路段滞后）", "进度滞后"),
        ("☑已完成 □正常推进（部分路段未完工）", "正常推进"),
        ("☑正常推进 □进度滞后（资金已到位）", "正常推进"),
        ("☑已完成 □正常推进（已验收）", "已完成"),
    ],
)
def test_a_tick_is_read_only_where_every_option_has_its_box(written: str, status: str) -> None:
    assert read_status(written) == (status, True)
    assert not status_choices(written)


@pytest.mark.parametrize(
    "written",
    [
        "已完成 ☑正常推进 □进度滞后",  # 已完成's box lost, or 进度滞后's: whose is the tick? (was 已完成)
        "口已完成正常推进口进度滞后",
        "已完成（x）正常推进（ ）进度滞后（ ）",
        "☑已完成 □正常推进？",
        "□已完成☑正常推进□",  # boxes on both sides, ticks differing
        "完成口正常推进口进度滞后",  # a scanned list whose first box and letter the pen tick took (was 进度滞后)
        "常推进口进度滞后完成口正常推进口进度滞后",  # pieces of a wrapped list, read out of order
        "口已完成正常推进进度滞后尚未启动",  # a scanned list's lines run together, boxes and tick lost (was 进度滞后)
        "已完成正常推进进度滞后尚未启动",
        # Red-team finding: an unticked list clipped by the row's height leaves pieces with one box between them
        # (was 正常推进, with an info only)
        "常推进口进度",
        "常推进 □进度",
        "滞后 □尚未启",
        "正常推进口进度滞后",
    ],
)
def test_a_list_whose_tick_cannot_be_placed_is_not_read(written: str) -> None:
    assert read_status(written) == (None, False)
    assert status_choices(written)


def test_a_tick_beside_another_option_is_never_done_in_a_return(workspace: Path, tmp_path: Path) -> None:
    written = {
        14: "已完成 ☑正常推进 □进度滞后",
        10: "一期已完成√，二期正常推进",
        12: "☑已完成 □正常推进 □进度滞后（部分路段滞后）",
        11: "出口已完成备案，项目正常推进",
    }
    wb = filled_form(workspace, tmp_path, {**BASE, **written})
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, _ = read(workspace, path)
    assert statuses == {**BASE, 14: None}
    codes = {cell: code for code, cell in found if code.startswith("status-")}
    assert codes["D8"] == "status-choices"
    # a done with a reservation, said as one (出口已完成备案 is a sentence, no status-choices)
    assert codes["D5"] == codes["D6"] == codes["D7"] == "status-done-reserved"
