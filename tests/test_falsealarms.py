"""Red team 6: ordinary, correct returns that the newer checks read wrongly or flagged for nothing.

Each case is a return as units really fill it (a printed choice list with bracketed boxes, a 是否完成 column
with a remark, a Luoyang company whose name reads 洛阳城市…, the blank template kept beside the filled copy):
read right and without an alarm, while the doubtful variants next to them are still caught.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_redteam import BASE, filled_form, read, with_column

from lyreport.intake.normalize import done_claim
from lyreport.intake.status_words import read_status, status_choices
from lyreport.models import Unit
from lyreport.unitnames import UnitDirectory
from lyreport.workspace import bundled


# ----------------------------------------------------------------- printed choices with bracketed boxes
@pytest.mark.parametrize(
    ("written", "status"),
    [
        ("已完成（√） 正常推进（ ） 进度滞后（ ）", "已完成"),
        ("已完成( )正常推进(√)进度滞后( )", "正常推进"),
        ("已完成[ ] 正常推进[√] 进度滞后[ ]", "正常推进"),
        ("【√】已完成 【 】正常推进 【 】进度滞后", "已完成"),
        ("（ ）已完成 （ ）正常推进 （√）进度滞后", "进度滞后"),
    ],
)
def test_printed_choices_in_brackets_are_read_by_their_tick(written: str, status: str) -> None:
    # Was 进度滞后 for every one of them: no box beside a word, so the 滞后 of the printed list won.
    assert read_status(written) == (status, True)
    assert not status_choices(written)


@pytest.mark.parametrize(
    "written",
    [
        "已完成（ ）正常推进（ ）进度滞后（ ）",
        "已完成（√）正常推进（√）进度滞后（ ）",
        "已完成（x）正常推进（ ）进度滞后（ ）",
    ],
)
def test_printed_choices_in_brackets_without_one_tick_are_not_read(written: str) -> None:
    assert read_status(written) == (None, False)
    assert status_choices(written)


def test_a_bracketed_choice_list_in_a_return(workspace: Path, tmp_path: Path) -> None:
    choices = {
        14: "已完成（√） 正常推进（ ） 进度滞后（ ）",
        10: "已完成（ ） 正常推进（√） 进度滞后（ ）",
    }
    wb = filled_form(workspace, tmp_path, {**BASE, **choices})
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, _ = read(workspace, path)
    assert statuses == BASE
    assert ("status-interpreted", "D8") in found and ("status-interpreted", "D5") in found


# ----------------------------------------------------------------- a 是否完成 / 完成进度 column with a remark
@pytest.mark.parametrize(
    ("written", "claim"),
    [
        ("是（已销号）", True),
        ("是，已通过验收", True),
        ("已完成，详见附件", True),
        ("已完成，已于12月通过竣工验收并投入使用", True),
        ("否（待验收后销号）", False),
        ("是，部分完成", False),
        ("是（主体已完工，正在装修）", False),
        ("已完成，待验收", False),
        ("已完成90%", False),
        ("基本完成", False),
        ("正常推进", False),
        ("详见附件", None),
    ],
)
def test_a_completion_cell_with_a_remark_says_what_its_first_words_say(written: str, claim: bool | None) -> None:
    assert done_claim(written) is claim


@pytest.mark.parametrize(
    ("label", "values", "contradicted"),
    [
        ("是否完成", {14: "是（已销号）", 10: "否"}, False),
        ("完成进度", {14: "已完成，详见附件", 10: "60%"}, False),
        ("是否销号", {14: "否（待验收后销号）", 10: "否"}, True),
    ],
)
def test_done_beside_a_completion_cell_with_a_remark(
    workspace: Path, tmp_path: Path, label: str, values: dict[int, Any], contradicted: bool
) -> None:
    path = with_column(workspace, tmp_path, label, values)
    statuses, found, _ = read(workspace, path)
    assert statuses == {**BASE, 14: None} if contradicted else BASE
    assert (("status-contradicted", "D8") in found) is contradicted
    assert not [c for c in found if c[1] == "D5"]


# ----------------------------------------------------------------- a Luoyang company named 洛阳城市…
def test_a_luoyang_company_named_after_the_city_is_ours() -> None:
    units = [Unit(**u) for u in bundled("units.json")]
    units.append(Unit("市城发集团", "洛阳城市发展投资集团有限公司", ["城发集团", "洛阳城发集团"]))
    directory = UnitDirectory(units)
    for written in (
        "洛阳城市发展投资集团有限公司",
        "洛阳市城发集团",
        "河南省洛阳市城发集团",
        "市城发集团-落实情况.xlsx",
    ):
        found = directory.find_in_text(written)
        assert (found.unit, found.foreign) == ("市城发集团", []), written
    assert directory.find_in_text("济源市城发集团").foreign == ["市城发集团"]  # another city's still is not


# ----------------------------------------------------------------- the blank template kept beside the filled copy
@pytest.mark.parametrize("blank_first", [True, False])
def test_a_blank_template_sheet_beside_the_filled_one_is_no_doubt(
    workspace: Path, tmp_path: Path, blank_first: bool
) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    copy = wb.copy_worksheet(wb["落实情况"])
    copy.title = "落实情况（空白）"
    for r in range(5, 10):
        copy.cell(r, 4).value = copy.cell(r, 5).value = None
    if blank_first:
        wb.move_sheet(copy, offset=-1)
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    statuses, found, _ = read(workspace, path)
    assert statuses == BASE
    assert ("table-chosen", "") in found and not [c for c in found if c[0] == "table-chosen-unsure"]


def test_a_copy_that_leaves_a_status_blank_is_still_a_doubt(workspace: Path, tmp_path: Path) -> None:
    wb = filled_form(workspace, tmp_path, BASE)
    copy = wb.copy_worksheet(wb["落实情况"])
    copy.title = "Sheet2"
    copy.cell(8, 4).value = None  # the other sheet leaves 14's 已完成 out: which one is this week's?
    wb.move_sheet(copy, offset=-1)
    path = tmp_path / "交通局.xlsx"
    wb.save(path)
    _, found, _ = read(workspace, path)
    assert [c for c in found if c[0] == "table-chosen-unsure"]


# ----------------------------------------------------------------- 已完成 with its completion rate in the status cell
@pytest.mark.parametrize(
    ("written", "status"),
    [
        ("已完成，完成率100%", "已完成"),
        ("已完成（进度100%）", "已完成"),
        ("已完成，完成率达100%", "已完成"),
        ("已完成，完成率90%", "正常推进"),
        ("已完成，完成率100%，待验收", "正常推进"),
    ],
)
def test_done_with_a_full_completion_rate_is_done(written: str, status: str) -> None:
    assert read_status(written) == (status, True)  # was 正常推进 ("done with a reservation") for a 100% too
