"""Paper returns as other hands make them (red team, round 16): real OCR on a few pages built in code."""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from office import needs_soffice
from PIL import Image, ImageDraw, ImageFont
from scan_forms import FONT, add_seal, self_made_form

from lyreport.api import check_files
from lyreport.cli import main
from lyreport.identity_mark import encode_mark
from lyreport.intake.scan.intake import PageHead, _unit_groups, _written_heads, page_boxes
from lyreport.intake.scan.ocr import TextBox
from lyreport.intake.scan.pages import printed_week
from lyreport.intake.scan.reader import scan_path
from lyreport.intake.scan.seal import find_seal
from lyreport.models import DONE, ON_TRACK, SourceFile
from lyreport.samples import make_filling, set_received
from lyreport.scansim import forms, make_scan
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


def test_a_red_pen_circle_the_size_of_a_seal_is_no_seal(workspace: Path, tmp_path: Path):
    """A reviewer's red-pen circle round a passage, as large as a seal, passed the round-shape tests: the unsealed
    form was reported stamped, without a word. A seal has its star inside the ring; the circle is empty. A seal
    pressed over the same passage is still found."""
    page = self_made_form("市发改委", "2021年1月7日", ROWS)
    ImageDraw.Draw(page).ellipse((1500, 700, 1830, 1030), outline=(200, 25, 35), width=6)  # 42 mm at 200 dpi
    assert not find_seal(page).found
    target = tmp_path / "发改委扫描件.png"
    page.save(target)
    [checked] = check_files([target], workspace)
    assert checked.unit == "市发改委" and "scan-unstamped" in {p.code for p in checked.problems}
    assert find_seal(add_seal(page.copy(), "洛阳市发展和改革委员会", centre=(1665, 865))).found


def _two_page_form(
    unit: str, week: date, statuses: dict[int, str], seed: int, *, dated: bool = True, footer_week: bool = True
) -> list[Image.Image]:
    """The product's printed form over two pages (the QR code on the first only, 填报日期 on both, left empty
    unless `dated`; the week in every page's footer unless printed from an older template), 150 dpi."""
    master, directory = default_lists()
    rng = random.Random(seed)
    filling = make_filling(master, unit, week, rng, statuses)
    content = _content(master, directory, Spec(kind="drawn", seed=seed, unit=unit, week=week), unit, filling, rng)
    content = dataclasses.replace(content, filled_on=content.filled_on if dated else None, footer_week=footer_week)
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

    def filled(*weeks: str) -> list[PageHead]:
        return [PageHead("市工信局", filled=week, rows=True) for week in weeks]

    late = filled("2021-01-14", "2021-01-14", "2021-01-14")
    assert _unit_groups(pages, late) == [("市工信局", "2021-01-07", [1, 2, 3])]
    mixed = filled("2021-01-07", "", "2020-12-31")
    assert _unit_groups(pages, mixed) == [("市工信局", "2021-01-07", [1, 2]), ("市工信局", "2020-12-31", [3])]
    # A later date on a page without a QR code is a misread digit or a late signature, not another form...
    misread = filled("2021-01-07", "2021-01-14", "2021-01-07")
    assert _unit_groups(pages, misread) == [("市工信局", "2021-01-07", [1, 2, 3])]
    # ...unless it is the week of this week's form again, after an old page
    back = filled("2021-01-07", "2020-12-31", "2021-01-07")
    assert _unit_groups(pages, back) == [("市工信局", "2021-01-07", [1, 3]), ("市工信局", "2020-12-31", [2])]


def test_an_old_page_is_told_apart_wherever_it_lies_and_whatever_page_one_shows():
    """Reviewer's cases: last week's page scanned before this week's page 1; page 1's own week unread (only its
    QR code says it); a 填报日期 typed a week early on every page, with one footer unread, stays one form."""
    master, _ = default_lists()
    mark = encode_mark(master.list_id, "市工信局", WEEK, "1")
    unit = "市工信局"
    first_old = [PageHead(unit, printed="2020-12-31", rows=True), PageHead(unit, rows=True)]
    assert _unit_groups([{"marks": []}, {"marks": [mark]}], first_old) == [
        (unit, "2020-12-31", [1]),
        (unit, "2021-01-07", [2]),
    ]
    unread_first = [PageHead(unit, rows=True), PageHead(unit, printed="2020-12-31", rows=True)]
    assert _unit_groups([{"marks": [mark]}, {"marks": []}], unread_first) == [
        (unit, "2021-01-07", [1]),
        (unit, "2020-12-31", [2]),
    ]
    typed_early = [
        PageHead(unit, printed="2021-01-07", filled="2020-12-31", rows=True),
        PageHead(unit, filled="2020-12-31", rows=True),  # its footer unread
        PageHead(unit, printed="2021-01-07", filled="2020-12-31", rows=True),
    ]
    pages = [{"marks": [mark]}, {"marks": []}, {"marks": []}]
    assert _unit_groups(pages, typed_early) == [(unit, "2021-01-07", [1, 2, 3])]


def _run_scan(root: Path, pages: list[Image.Image], unit: str) -> dict:
    """`lyreport run` on one signed scan of `pages`, received on the deadline morning; summary.json back."""
    target = root / "inbox" / f"{unit}盖章扫描件.pdf"
    pages[0].save(target, "PDF", save_all=True, append_images=pages[1:], resolution=150.0)
    set_received(target, datetime(2021, 1, 7, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
    result = CliRunner().invoke(main, ["run", "--workspace", str(root), "--week", WEEK.isoformat()])
    assert "summary.json" in result.output, result.output
    return json.loads((root / "outbox" / WEEK.isoformat() / "summary.json").read_text(encoding="utf-8"))


def test_a_stale_page_with_no_date_is_told_apart_by_the_week_in_its_footer(tmp_path: Path):
    """Last week's page 2 scanned with this week's page 1, 填报日期 left empty on both: before the footer named the
    week, nothing on page 2 said it was last week's and its 已完成 were read as this week's. The template now
    prints the week in every page's footer, and the scan reader reads it."""
    root = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    unit = "市工信局"
    nos = [m.no for m in default_lists()[0].measures_of(unit)]
    now = _two_page_form(unit, WEEK, dict.fromkeys(nos, ON_TRACK), 3, dated=False)
    old = _two_page_form(unit, WEEK - timedelta(days=7), dict.fromkeys(nos, DONE), 4, dated=False)
    summary = _run_scan(root, [now[0], old[1]], unit)
    statuses = {m["no"]: m["units"].get(unit) for m in summary["measures"] if unit in m["units"]}
    assert DONE not in statuses.values(), statuses
    (mixed,) = [p for p in summary["problems"] if p["code"] == "scan-weeks-mixed"]
    assert "第 2 页为 2020-12-31 这一周" in mixed["message"]
    assert not [p for p in summary["problems"] if p["code"] == "scan-page-week-unknown"]


def test_a_page_whose_week_cannot_be_read_is_said(tmp_path: Path):
    """A form printed from an older template (no week in the footer) with 填报日期 left empty: page 2 carries no
    sign of its week, so it is read as this form's page, and said to be unconfirmed, at its page."""
    root = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    unit = "市工信局"
    nos = [m.no for m in default_lists()[0].measures_of(unit)]
    pages = _two_page_form(unit, WEEK, dict.fromkeys(nos, ON_TRACK), 5, dated=False, footer_week=False)
    summary = _run_scan(root, pages, unit)
    (unknown,) = [p for p in summary["problems"] if p["code"] == "scan-page-week-unknown"]
    assert unknown["unit"] == unit and unknown["cell"] == "第2页" and "第 2 页" in unknown["message"]
    assert unknown["severity"] == "warning"
    assert not [p for p in summary["problems"] if p["code"] == "scan-weeks-mixed"]


def test_pages_whose_week_is_printed_or_dated_are_not_said(tmp_path: Path):
    """The usual two-page form (week in the footer) and an older one with 填报日期 filled in: no doubt is said."""
    root = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    unit = "市工信局"
    nos = [m.no for m in default_lists()[0].measures_of(unit)]
    for footer_week, dated in ((True, False), (False, True)):
        pages = _two_page_form(unit, WEEK, dict.fromkeys(nos, ON_TRACK), 6, dated=dated, footer_week=footer_week)
        summary = _run_scan(root, pages, unit)
        codes = {p["code"] for p in summary["problems"]}
        assert not codes & {"scan-page-week-unknown", "scan-weeks-mixed", "scan-page-missing"}, codes
        statuses = {m["units"].get(unit) for m in summary["measures"] if unit in m["units"]}
        assert statuses == {ON_TRACK}, statuses


@needs_soffice
def test_the_week_printed_in_the_footer_by_libreoffice_is_read_back(tmp_path: Path):
    """The real template printed by LibreOffice and scanned: OCR reads the week from the page's footer line (not
    only from the heading, which is on the first page alone)."""
    scan = make_scan("office", seed=3, unit="市交通运输局", stamped=True, fmt="pdf")
    target = tmp_path / "scan.pdf"
    target.write_bytes(scan.data)
    status, _, [page] = scan_path(str(target))
    assert status == "ok"
    boxes = page_boxes(page)
    footer = [b for b in boxes if "页" in b.text and "共" in b.text]
    assert footer and printed_week(footer, 4) == WEEK, [b.text for b in footer]


def test_printed_week_is_read_from_one_line_only_when_it_is_a_real_day():
    def line(*texts: str, y: float = 1200) -> list[TextBox]:
        return [TextBox(t, 300 + 400 * i, y, 300 + 400 * i + 380, y + 20) for i, t in enumerate(texts)]

    assert printed_week(line("报送周：2021年1月7日　第 2 页，共 3 页"), 4) == date(2021, 1, 7)
    assert printed_week(line("报送周", "2021年1月7日", "第2页，共3页"), 4) == date(2021, 1, 7)  # OCR cut the line
    assert printed_week(line("报送周:2021 年 1 月 14 日"), 4) == date(2021, 1, 14)  # NFKC colon, spaces
    assert printed_week(line("报送周：2021年2月30日"), 4) is None  # no such day
    assert printed_week(line("报送周：2021年1月4日"), 4) is None  # a Monday: a misread deadline day
    assert printed_week(line("报送周") + line("2021年1月7日", y=1600), 4) is None  # not on the same line
    assert printed_week(line("填报日期", "2021年1月7日"), 4) is None  # a date, not the printed week


def test_a_printed_week_off_the_deadline_weekday_is_a_misread_and_not_believed():
    """The footer prints the deadline day: "2021年1月4日" (a Monday) is a misread "1月7日" (or "1月14日"), and
    rounding it to a Thursday would set a correct page apart as another week's; it counts as unread."""

    def box(text: str, x: int, y: int) -> list:
        return [text, x, y, x + 30 * len(text), y + 24, 0.99]

    def page(footer: str) -> dict:
        lines = [("填报单位", 100, 200), ("市工信局", 300, 200), ("序号", 100, 300), ("措施内容", 250, 300),
                 ("完成状态", 800, 300), ("本周进展", 1100, 300), ("1", 100, 400), ("推进石化产业基地建设", 250, 400),
                 ("正常推进", 800, 400), ("已召开对接会", 1100, 400), (footer, 600, 1600)]  # fmt: skip
        return {"boxes": [box(*line) for line in lines], "marks": []}

    received = datetime(2021, 1, 7, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    file = SourceFile(Path("扫描件.pdf"), "扫描件.pdf", "scan", received, "0")
    pages = [page("报送周：2021年1月7日　第 1 页，共 2 页"), page("报送周：2021年1月4日　第 2 页，共 2 页")]
    heads = _written_heads(file, pages, default_lists()[1], 4)
    assert [(h.unit, h.printed, h.rows) for h in heads] == [("市工信局", "2021-01-07", True), ("市工信局", "", True)]
