"""Paper returns as other hands make them (red team, round 16): real OCR on a few pages built in code."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from PIL import Image, ImageDraw, ImageFont
from scan_forms import FONT, add_seal, self_made_form

from lyreport.api import check_files
from lyreport.cli import main
from lyreport.identity_mark import encode_mark
from lyreport.intake.scan.intake import _unit_groups
from lyreport.intake.scan.seal import find_seal
from lyreport.models import DONE, ON_TRACK
from lyreport.samples import make_filling, set_received
from lyreport.scansim import forms
from lyreport.scansim.build import WEEK, Spec, _content, default_lists

ROWS = [
    ("第1条", "正常推进", "石化产业基地规划", "已召开对接会，形成纪要"),
    ("第8条", "进度滞后", "呼南高铁前期工作", "审批尚未批复"),
]


def _pale_seal(page: Image.Image, ink: float) -> Image.Image:
    """The page with a seal pressed with little ink: the red seal blended into the paper, a light pink ring."""
    stamped = add_seal(page.copy(), "洛阳市发展和改革委员会", centre=(1700, 900))
    return Image.blend(page, stamped, ink)


def test_a_pale_pink_seal_is_a_seal(workspace: Path, tmp_path: Path):
    """A seal pressed with little ink (saturation about 60 of 255, plain to the eye) was not found: the paper
    was said to bear no seal (scan-unstamped), a false alarm on every such return."""
    page = _pale_seal(self_made_form("市发改委", "2021年1月7日", ROWS), 0.3)
    target = tmp_path / "发改委扫描件.png"
    page.save(target)
    [checked] = check_files([target], workspace)
    assert checked.unit == "市发改委" and checked.rows == 2, checked.problems
    assert "scan-unstamped" not in {p.code for p in checked.problems}, checked.problems


def test_red_writing_and_a_pink_tint_are_still_no_seal():
    """The paler second look keeps the shape tests: a signature in red ink, a pink-tinted sheet and a red
    underline are not a seal."""
    page = self_made_form("市发改委", "2021年1月7日", ROWS)
    draw = ImageDraw.Draw(page)
    draw.text((1500, 1000), "张建国", fill=(200, 25, 35), font=ImageFont.truetype(FONT, 60))
    draw.line((1480, 1080, 1800, 1070), fill=(200, 25, 35), width=5)
    assert not find_seal(page).found
    tinted = Image.blend(page, Image.new("RGB", page.size, (240, 170, 175)), 0.3)
    assert not find_seal(tinted).found


def _two_page_form(unit: str, week: date, statuses: dict[int, str], seed: int) -> list[Image.Image]:
    """The product's printed form over two pages (the QR code on the first only, 填报日期 on both), 150 dpi."""
    master, directory = default_lists()
    rng = random.Random(seed)
    filling = make_filling(master, unit, week, rng, statuses)
    content = _content(master, directory, Spec(kind="drawn", seed=seed, unit=unit, week=week), unit, filling, rng)
    return forms.draw_product(content, 150, pages=2).pages


def test_a_page_of_last_weeks_form_scanned_with_this_weeks_is_not_this_weeks(tmp_path: Path):
    """A unit scans page 1 of this week's signed form with page 2 of last week's (no QR code on page 2; its own
    填报日期 is last week's). Last week's 已完成 on page 2 were read as this week's, without a word."""
    root = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    unit = "市工信局"
    master, _ = default_lists()
    nos = [m.no for m in master.measures_of(unit)]
    now = _two_page_form(unit, WEEK, dict.fromkeys(nos, ON_TRACK), 1)
    old = _two_page_form(unit, WEEK - timedelta(days=7), dict.fromkeys(nos, DONE), 2)
    target = root / "inbox" / f"{unit}盖章扫描件.pdf"
    now[0].save(target, "PDF", save_all=True, append_images=[old[1]], resolution=150.0)
    set_received(target, datetime(2021, 1, 7, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
    result = CliRunner().invoke(main, ["run", "--workspace", str(root), "--week", WEEK.isoformat()])
    assert "summary.json" in result.output, result.output  # exit code 1: the page-2 measures are missing
    summary = json.loads((root / "outbox" / WEEK.isoformat() / "summary.json").read_text(encoding="utf-8"))
    statuses = {m["no"]: m["units"].get(unit) for m in summary["measures"] if unit in m["units"]}
    assert DONE not in statuses.values(), statuses
    first_page = {no for no, status in statuses.items() if status == ON_TRACK}
    assert first_page and len(first_page) < len(nos)  # page 1 is read; page 2's measures are not this week's
    (mixed,) = [p for p in summary["problems"] if p["code"] == "scan-weeks-mixed"]
    assert "第 2 页为 2020-12-31 这一周" in mixed["message"] and mixed["unit"] == unit
    assert any(p["code"] == "scan-page-missing" and p["unit"] == unit for p in summary["problems"])


def test_pages_of_one_form_dated_alike_stay_one_form():
    """Only pages dated in different weeks are told apart: a form dated the day after the deadline (its 填报日期
    in the next week on every page, its QR code this week's) stays one form; a page dated a week earlier than
    the pages before it is a form of its own."""
    master, _ = default_lists()
    mark = encode_mark(master.list_id, "市工信局", WEEK, "1")
    pages = [{"marks": [mark]}, {"marks": []}, {"marks": []}]
    late = [("市工信局", "2021-01-14")] * 3
    assert _unit_groups(pages, late) == [("市工信局", "2021-01-07", [1, 2, 3])]
    mixed = [("市工信局", "2021-01-07"), ("市工信局", ""), ("市工信局", "2020-12-31")]
    assert _unit_groups(pages, mixed) == [("市工信局", "2021-01-07", [1, 2]), ("市工信局", "2020-12-31", [3])]
    # A later date on a page without a QR code is a misread digit or a late signature, not another form...
    misread = [("市工信局", "2021-01-07"), ("市工信局", "2021-01-14"), ("市工信局", "2021-01-07")]
    assert _unit_groups(pages, misread) == [("市工信局", "2021-01-07", [1, 2, 3])]
    # ...unless it is the week of this week's form again, after an old page
    back = [("市工信局", "2021-01-07"), ("市工信局", "2020-12-31"), ("市工信局", "2021-01-07")]
    assert _unit_groups(pages, back) == [("市工信局", "2021-01-07", [1, 3]), ("市工信局", "2020-12-31", [2])]
