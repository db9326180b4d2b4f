"""Real OCR on a few pages (slow: about 2-10 s a page): a photographed self-made form, `check` on a scan."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from PIL import Image
from scan_forms import add_seal, self_made_form

from lyreport.api import check_files
from lyreport.cli import main
from lyreport.samples import fake_scan

ROWS = [
    ("第1条", "正常推进", "石化产业基地规划", "已召开对接会，形成纪要"),
    ("第8条", "进度滞后", "呼南高铁前期工作", "审批尚未批复"),
    ("第9条", "已完成", "焦济洛城际铁路", "已完成可研批复"),
    ("第16条", "尚未启动", "石化物流产业园", "正在研究方案"),
]


def test_photographed_self_made_form_with_seal_across_cells(workspace: Path, tmp_path: Path):
    page = self_made_form("市发改委", "2021年1月7日", ROWS)
    page = add_seal(page, "洛阳市发展和改革委员会", centre=(700, 560))  # over the status and text columns
    photo = page.rotate(-2, expand=True, fillcolor=(228, 224, 214), resample=Image.BICUBIC)
    target = tmp_path / "发改委报表照片.jpg"
    photo.save(target, quality=80)
    [checked] = check_files([target], workspace)
    assert checked.kind == "scan" and checked.unit == "市发改委"
    assert checked.week is not None and checked.week.isoformat() == "2021-01-07"
    codes = {p.code for p in checked.problems}
    assert "scan-unreadable" not in codes and "scan-low-confidence" not in codes, checked.problems
    assert "scan-unstamped" not in codes  # the seal across the cells is found
    assert checked.rows == 4


def test_check_command_on_scans(workspace: Path, tmp_path: Path):
    """A colour scan without a seal: not stamped. The same page in black and white (pure black on white, as a grey
    scanner gives it; this test expected 未发现红色公章 for it before): a red seal could not show, so it cannot
    be told and says so."""
    from PIL import ImageChops

    page = self_made_form("市工信局", "2021年1月7日", [("2", "正常推进", "轴承钢应用", "已对接")])
    pdf = tmp_path / "工信局扫描件.pdf"
    ImageChops.multiply(page, Image.new("RGB", page.size, (250, 244, 230))).save(pdf, resolution=200.0)  # warm paper
    grey = tmp_path / "工信局黑白扫描件.pdf"
    page.convert("L").save(grey, resolution=200.0)
    blank = fake_scan(tmp_path / "空白扫描件.pdf", "空白")
    result = CliRunner().invoke(main, ["check", "--workspace", str(workspace), str(pdf), str(grey), str(blank)])
    assert "工信局扫描件.pdf" in result.output and "市工信局" in result.output, result.output
    said = dict(part.split("》", 1) for part in result.output.split("《")[1:])  # file -> what is said of it
    assert "扫描件上未发现红色公章" in said["工信局扫描件.pdf"]  # staff checking a paper return learn it is not stamped
    assert "扫描件为黑白或灰度图像，无法根据印章颜色判断是否盖章" in said["工信局黑白扫描件.pdf"], result.output
    assert "未发现红色公章" not in said["工信局黑白扫描件.pdf"] and "黑白" not in said["工信局扫描件.pdf"]
    assert "扫描件无法识别" in said["空白扫描件.pdf"]


def test_runs_without_scans_do_not_load_the_ocr_stack(workspace: Path, tmp_path: Path):
    import random
    from datetime import date

    from lyreport.api import load_context
    from lyreport.samples import make_filling, standard_return

    context = load_context(workspace)
    week = date(2021, 1, 7)
    filling = make_filling(context.master, "市发改委", week, random.Random(1))
    book = standard_return(context.master, context.directory, filling, week, tmp_path / "市发改委.xlsx")
    code = (
        "import sys; from pathlib import Path; from lyreport.api import check_files;"
        f"check_files([Path({str(book)!r})], Path({str(workspace)!r}));"
        "print(sorted(m for m in ('onnxruntime', 'cv2', 'rapidocr_onnxruntime', 'pypdfium2') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr


def test_self_made_form_scanned_upside_down_is_read_turned(workspace: Path, tmp_path: Path):
    """No QR code says how the page lies: the first reading finds no table, the page is read again turned 180°."""
    page = self_made_form("市发改委", "2021年1月7日", ROWS[:2]).rotate(180)
    target = tmp_path / "发改委倒置.png"
    page.save(target)
    [checked] = check_files([target], workspace)
    assert checked.unit == "市发改委" and checked.rows == 2, checked.problems
    (turned,) = [p for p in checked.problems if p.code == "scan-page-turned"]
    assert "第 1 页为倒置扫描" in turned.message


def test_a_status_struck_through_in_red_pen_on_a_stamped_page_is_not_done(workspace: Path, tmp_path: Path):
    """The seal makes the OCR look through the red channel, where a red pen's stroke vanishes too: the stroke is
    looked for in the page as scanned. Was read as 已完成, without a word."""
    from PIL import ImageDraw

    page = self_made_form("市发改委", "2021年1月7日", ROWS[:3])
    ImageDraw.Draw(page).line([(338, 664), (440, 661), (520, 658)], fill=(200, 30, 40), width=4)  # 第9条's 已完成
    page = add_seal(page, "洛阳市发展和改革委员会")
    target = tmp_path / "发改委扫描件.png"
    page.save(target)
    [checked] = check_files([target], workspace)
    assert checked.unit == "市发改委" and checked.rows == 3
    (struck,) = [p for p in checked.problems if p.code == "status-struck"]
    assert struck.cell.startswith("第1页 表格第3行") and "已完成" in struck.message
