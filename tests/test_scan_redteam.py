"""Paper returns as other hands make them (red team, round 16): real OCR on a few pages built in code."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from scan_forms import FONT, add_seal, self_made_form

from lyreport.api import check_files
from lyreport.intake.scan.seal import find_seal

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
