"""The 趋势 sheet (native charts over the recent weeks) and the four-week trend sentence, from real runs.

Weeks are run through the API; the workbook is read back as the zip Excel/WPS open (chart XML), and the
figures are checked against each week's own summary.json in the outbox.
"""

from __future__ import annotations

import json
import random
import re
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from docx import Document
from office import convert, needs_soffice
from openpyxl import load_workbook

from lyreport import api
from lyreport.cli import main
from lyreport.samples import make_filling, set_received, standard_return
from lyreport.workspace import init_workspace

WEEKS = [date(2020, 12, 10) + timedelta(weeks=n) for n in range(5)]
MISSING = {0: {"市体育局"}, 1: set(), 2: {"市体育局", "市林业局"}, 3: {"市体育局"}, 4: {"市林业局"}}
LATE = {1: {"市交通运输局"}, 3: {"市交通运输局", "市教育局"}}
NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
}
UNIT_SERIES = ["按时报送", "迟报", "未报送", "报送有误"]


def _week_inbox(root: Path, n: int) -> Path:
    context = api.load_context(root)
    master, tz, week = context.master, context.config.timezone, WEEKS[n]
    rng = random.Random(n)
    inbox = root / "周报" / week.isoformat()
    for index, unit in enumerate(master.units):
        if unit in MISSING[n]:
            continue
        # 市发改委 reports measure 8 lagging from the third week on: a red light that persists.
        own = {8: "进度滞后"} if unit == "市发改委" and n >= 2 else {}
        path = standard_return(master, context.directory, make_filling(master, unit, week, rng, own), week,
                               inbox / f"{unit}.xlsx")  # fmt: skip
        hour = 15 if unit in LATE.get(n, ()) else 9
        set_received(path, datetime(week.year, week.month, week.day, hour, index, tzinfo=tz))
    return inbox


def _run(root: Path, n: int):
    return api.run_week(root, WEEKS[n], inbox=root / "周报" / WEEKS[n].isoformat())


@pytest.fixture(scope="module")
def five_weeks(tmp_path_factory):
    root = tmp_path_factory.mktemp("trend") / "ws"
    init_workspace(root)
    for n in range(len(WEEKS)):
        _week_inbox(root, n)
        _run(root, n)
    return root


def _ledger(root: Path, week: date) -> Path:
    return root / "outbox" / week.isoformat() / f"工作台账-{week.isoformat()}.xlsx"


def charts_of(xlsx: Path) -> list[dict]:
    """Each chart of the workbook as written: title, plot types and series references, in sheet order."""
    charts = []
    with zipfile.ZipFile(xlsx) as z:
        names = sorted((n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)),
                       key=lambda n: int(re.findall(r"\d+", n)[0]))  # fmt: skip
        for name in names:
            root = ElementTree.fromstring(z.read(name))
            title = "".join(t.text or "" for t in root.findall("c:chart/c:title//a:t", NS))
            plots, series = [], []
            for plot in root.find("c:chart/c:plotArea", NS):
                tag = plot.tag.split("}")[1]
                if not tag.endswith("Chart"):
                    continue
                grouping = plot.find("c:grouping", NS)
                bar_dir = plot.find("c:barDir", NS)
                plots.append((tag, bar_dir.get("val") if bar_dir is not None else None,
                              grouping.get("val") if grouping is not None else None))  # fmt: skip
                for ser in plot.findall("c:ser", NS):
                    series.append(
                        {
                            "title": ser.findtext("c:tx/c:strRef/c:f", namespaces=NS),
                            "cat": ser.findtext("c:cat//c:f", namespaces=NS),
                            "val": ser.findtext("c:val/c:numRef/c:f", namespaces=NS),
                        }
                    )
            charts.append({"title": title, "plots": plots, "series": series})
    return charts


def _header_row(sheet, first: str) -> int:
    return next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == first)


def _expected_counts(root: Path, week: date) -> dict[str, int]:
    data = json.loads((root / "outbox" / week.isoformat() / "summary.json").read_text(encoding="utf-8"))
    units = [u["state"] for u in data["units"]]
    measures = data["measures"]
    return {
        "按时报送": units.count("on_time"), "迟报": units.count("late"), "未报送": units.count("missing"),
        "报送有误": units.count("invalid"), "红灯": sum(m["light"] == "red" for m in measures),
        "黄灯": sum(m["light"] == "yellow" for m in measures), "绿灯": sum(m["light"] == "green" for m in measures),
        "已销号": sum(m["closed"] for m in measures), "逾期未完成": sum(m["overdue"] for m in measures),
    }  # fmt: skip


def _ref(col: str, first: int, last: int | None = None) -> str:
    """A sheet reference as openpyxl writes it: a one-row range is a single cell."""
    return f"'趋势'!${col}${first}" + (f":${col}${last}" if last not in (None, first) else "")


def assert_trend_sheet(root: Path, xlsx: Path, weeks: list[date]) -> None:
    """Table rows = the weeks, figures = each week's summary.json, charts read exactly those rows."""
    book = load_workbook(xlsx)
    assert book.sheetnames[:2] == ["总览", "趋势"]
    sheet = book["趋势"]
    header = _header_row(sheet, "周次")
    labels = [c.value for c in sheet[header]][:10]
    assert labels == ["周次", *UNIT_SERIES, "红灯", "黄灯", "绿灯", "已销号", "逾期未完成"]
    first, last = header + 1, header + len(weeks)
    assert [sheet.cell(r, 1).value for r in range(first, last + 1)] == [w.isoformat() for w in weeks]
    assert sheet.cell(last + 1, 1).value is None
    for row, week in enumerate(weeks, start=first):
        table = {label: sheet.cell(row, col).value for col, label in enumerate(labels[1:], start=2)}
        assert table == _expected_counts(root, week), week
    charts = charts_of(xlsx)
    cat = _ref("A", first, last)
    units, lights, overdue = charts[:3]
    assert units["title"] == "各周报送情况" and units["plots"] == [("barChart", "col", "stacked")]
    assert [s["val"] for s in units["series"]] == [_ref(c, first, last) for c in "BCDE"]
    assert [s["title"] for s in units["series"]] == [f"'趋势'!{c}{header}" for c in "BCDE"]  # the header cells
    assert {s["cat"] for s in units["series"]} == {cat}
    assert lights["title"] == "各周措施亮灯及销号情况"
    assert lights["plots"] == [("barChart", "col", "stacked"), ("lineChart", None, "standard")]
    assert [s["val"] for s in lights["series"]] == [_ref(c, first, last) for c in "FGHI"]
    assert overdue["title"] == "各周逾期未完成措施" and overdue["plots"] == [("lineChart", None, "standard")]
    assert [(s["val"], s["cat"]) for s in overdue["series"]] == [(_ref("J", first, last), cat)]


def test_trend_sheet_follows_history(five_weeks):
    assert_trend_sheet(five_weeks, _ledger(five_weeks, WEEKS[-1]), WEEKS)
    # An older week's copy charts only the weeks up to it.
    assert_trend_sheet(five_weeks, _ledger(five_weeks, WEEKS[2]), WEEKS[:3])


def test_heat_map_puts_repeatedly_missing_units_first(five_weeks):
    sheet = load_workbook(_ledger(five_weeks, WEEKS[-1]))["趋势"]
    header = _header_row(sheet, "单位")
    assert [c.value for c in sheet[header]][: len(WEEKS) + 2] == ["单位", *(w.isoformat() for w in WEEKS), "未按时次数"]
    top = [[c.value for c in sheet[r]][: len(WEEKS) + 2] for r in (header + 1, header + 2, header + 3)]
    assert top[0] == ["市体育局", "未报", "按时", "未报", "未报", "按时", 3]
    assert top[1][0] == "市交通运输局" and top[1][-1] == 2 and top[1][2] == "迟报"
    assert top[2][0] == "市林业局" and top[2][-1] == 2
    rules = {str(r.sqref): [x.formula for x in r.rules] for r in sheet.conditional_formatting}
    states = f"B{header + 1}:{'BCDEF'[len(WEEKS) - 1]}{sheet.max_row}"
    assert sorted(f for fs in rules[states] for f in fs) == sorted(['"按时"', '"迟报"', '"未报"', '"有误"'])
    unit_chart = charts_of(_ledger(five_weeks, WEEKS[-1]))[3]
    assert unit_chart["plots"] == [("barChart", "bar", "clustered")]
    assert unit_chart["series"][0]["cat"].startswith(f"'趋势'!$A${header + 1}:")


def test_four_week_sentence_in_summary(five_weeks):
    def overview(week: date) -> str:
        doc = Document(str(five_weeks / "outbox" / week.isoformat() / f"督导情况通报-{week.isoformat()}.docx"))
        texts = [p.text for p in doc.paragraphs]
        start = texts.index("一、总体情况")
        return "\n".join(texts[start + 1 : texts.index("二、各领域进展")])

    counts = [_expected_counts(five_weeks, w) for w in WEEKS[1:]]
    on_time = "、".join(str(c["按时报送"]) for c in counts)
    red = "、".join(str(c["红灯"]) for c in counts)
    text = overview(WEEKS[-1])
    # One more sentence in the paragraph that compares with last week.
    assert text.splitlines()[-1].startswith("与上期相比")
    assert f"。从近四周看，按时报送单位数分别为{on_time}个，红灯措施分别为{red}条" in text.splitlines()[-1]
    assert "近四周" not in overview(WEEKS[2])  # three weeks of history: no trend sentence


def test_rerun_identical_and_weeks_configurable(five_weeks, tmp_path):
    ledger = _ledger(five_weeks, WEEKS[-1])
    before = ledger.read_bytes()
    _run(five_weeks, len(WEEKS) - 1)
    assert ledger.read_bytes() == before  # charts included
    config = five_weeks / "templates" / "配置.toml"
    original = config.read_text(encoding="utf-8")
    config.write_text(original.replace("trend_weeks = 26", "trend_weeks = 3"), encoding="utf-8")
    try:
        _run(five_weeks, len(WEEKS) - 1)
        assert_trend_sheet(five_weeks, ledger, WEEKS[-3:])
        config.write_text(original.replace("trend_weeks = 26", 'trend_weeks = "三"'), encoding="utf-8")
        with pytest.raises(api.LyreportError, match="trend_weeks"):
            _run(five_weeks, len(WEEKS) - 1)
    finally:
        config.write_text(original, encoding="utf-8")
        _run(five_weeks, len(WEEKS) - 1)
    assert ledger.read_bytes() == before


def test_one_week_of_history(tmp_path):
    root = tmp_path / "ws"
    init_workspace(root)
    _week_inbox(root, 1)  # everybody on time but one late
    _run(root, 1)
    xlsx = _ledger(root, WEEKS[1])
    assert_trend_sheet(root, xlsx, [WEEKS[1]])
    charts = charts_of(xlsx)
    assert len(charts) == 4 and charts[3]["title"] == "近1周未按时报送次数较多的单位"
    doc = Document(str(root / "outbox" / WEEKS[1].isoformat() / f"督导情况通报-{WEEKS[1].isoformat()}.docx"))
    assert not any("近四周" in p.text for p in doc.paragraphs)


def test_bare_command_in_and_outside_a_workspace(five_weeks, tmp_path, monkeypatch):
    monkeypatch.chdir(five_weeks / "outbox")  # anywhere inside the workspace
    out = CliRunner().invoke(main, []).output
    assert f"工作目录：{five_weeks}" in out and "本周报送截止时间：" in out and "（星期四）12:00" in out
    assert "lyreport run" in out and "lyreport status" in out
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(main, []).output
    assert out.startswith("用法：") and "命令：" in out


def test_check_outside_a_workspace_uses_bundled_lists(five_weeks, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sample = five_weeks / "周报" / WEEKS[0].isoformat() / "市发改委.xlsx"
    result = CliRunner().invoke(main, ["check", str(sample)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "当前目录不是 lyreport 工作目录，按内置的默认措施清单和单位名录检查。"
    assert "报送单位：市发改委" in result.output
    assert list(tmp_path.iterdir()) == []  # nothing written where it was run


# ----------------------------------------------------------------- the demo, and a real office program
@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory) -> tuple[Path, Path]:
    from lyreport.demo import build_demo

    ws, week = build_demo(tmp_path_factory.mktemp("demo") / "演示")
    api.run_week(ws, week)
    return ws, ws / "outbox" / "工作台账.xlsx"


def test_demo_shows_three_weeks_of_trend(demo_ledger):
    root, xlsx = demo_ledger
    weeks = sorted(date.fromisoformat(p.name) for p in (root / "outbox").iterdir() if p.is_dir())
    assert len(weeks) == 3
    assert_trend_sheet(root, xlsx, weeks)


@needs_soffice
def test_libreoffice_loads_and_draws_the_charts(demo_ledger, tmp_path):
    _, xlsx = demo_ledger
    sheet = load_workbook(xlsx)["趋势"]
    header = _header_row(sheet, "周次")
    first, last = header + 1, header + 3
    # As LibreOffice reads them: four embedded chart objects on the data ranges of the table.
    convert(xlsx, "ods", tmp_path)
    with zipfile.ZipFile(tmp_path / "工作台账.ods") as z:
        objects = [z.read(n).decode() for n in z.namelist() if re.fullmatch(r"Object \d+/content\.xml", n)]
    loaded = {
        re.search(r"<chart:title[^>]*><text:p>([^<]+)</text:p>", o)[1]: re.findall(r'values-cell-range-address="([^"]+)"', o)
        for o in objects
    }  # fmt: skip
    assert set(loaded) == {
        "各周报送情况",
        "各周措施亮灯及销号情况",
        "各周逾期未完成措施",
        "近3周未按时报送次数较多的单位",
    }
    assert loaded["各周报送情况"] == [f"趋势.{c}{first}:趋势.{c}{last}" for c in "BCDE"]
    assert loaded["各周措施亮灯及销号情况"] == [f"趋势.{c}{first}:趋势.{c}{last}" for c in "FGHI"]
    assert loaded["各周逾期未完成措施"] == [f"趋势.J{first}:趋势.J{last}"]
    # As LibreOffice prints them: the charts' page carries their titles, axis titles, legends and labels,
    # and the bars are drawn in the traffic-light colours.
    convert(xlsx, "pdf", tmp_path)
    pdf = pdfium.PdfDocument(tmp_path / "工作台账.pdf")
    page = next(p for p in pdf if "各周报送情况" in p.get_textpage().get_text_range())
    # LibreOffice spaces digits from CJK (“近 3 周”) and stacks vertical axis titles one character a line.
    text = re.sub(r"\s+", "", page.get_textpage().get_text_range())
    for words in (*loaded, "单位数", "措施项数", "按时报送", "未报送", "红灯", "已销号", "逾期未完成"):
        assert words in text, words
    # The tables print on the next page, so every word above came from the drawn charts.
    assert "每周汇总" not in text and text.count("周次") == 3  # the three weekly charts' category axes
    image = page.render(scale=1).to_pil().convert("RGB")
    colours = {rgb for _, rgb in image.getcolors(maxcolors=1 << 20)}
    assert (0, 176, 80) in colours and (255, 0, 0) in colours and (255, 192, 0) in colours
    pdf.close()


def test_charts_sit_in_a_grid_above_the_tables(five_weeks):
    xlsx = _ledger(five_weeks, WEEKS[-1])
    with zipfile.ZipFile(xlsx) as z:
        drawing = ElementTree.fromstring(z.read("xl/drawings/drawing1.xml"))
    ns = {"xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"}
    anchors = drawing.findall("xdr:twoCellAnchor", ns)
    assert len(anchors) == 4 and not drawing.findall("xdr:oneCellAnchor", ns)

    def box(anchor) -> tuple[int, int, int, int]:
        return tuple(int(anchor.findtext(f"xdr:{end}/xdr:{axis}", namespaces=ns))
                     for end in ("from", "to") for axis in ("col", "row"))  # fmt: skip

    (c0, r0, c1, r1), (c2, r2, c3, r3), (c4, r4, _, r5), _ = (box(a) for a in anchors)
    assert c1 <= c2 and r0 == r2 and r1 < r4 and c4 == c0  # left/right, then the second band
    table_header = _header_row(load_workbook(xlsx)["趋势"], "周次")
    assert r5 < table_header - 1  # the charts end above the 一、每周汇总 table (rows are 0-based here)


def test_trend_sentence_needs_four_consecutive_weeks():
    from lyreport.config import load_config
    from lyreport.render.summary_text import trend_sentence
    from lyreport.render.trend_data import WeekTrend

    config = load_config()
    weeks = [date(2021, 1, 7) + timedelta(weeks=n) for n in range(5)]
    trends = [WeekTrend(w, on_time=10 + n, red=n, overdue=1) for n, w in enumerate(weeks)]
    assert trend_sentence(trends, config) == (
        "从近四周看，按时报送单位数分别为11、12、13、14个，红灯措施分别为1、2、3、4条，逾期未完成措施分别为1、1、1、1条。"
    )
    assert trend_sentence(trends[:3], config) == ""
    assert trend_sentence([trends[0], *trends[2:]], config) == ""  # a skipped week: not “近四周”
    trends[2].red = None  # history without the figure: shown as unknown, never as 0
    assert "红灯措施分别为1、—、3、4条" in trend_sentence(trends, config)


def test_glance_after_the_run(five_weeks):
    last = WEEKS[-1]
    tz = api.load_context(five_weeks).config.timezone
    before = api.week_glance(
        five_weeks / "inbox", now=datetime(last.year, last.month, last.day, 9, tzinfo=tz) - timedelta(1)
    )
    assert before.deadline.date() == last and not before.passed and before.recorded
    after_next = api.week_glance(
        five_weeks, now=datetime(last.year, last.month, last.day, 13, tzinfo=tz) + timedelta(7)
    )
    assert after_next.passed and not after_next.recorded and after_next.last_recorded == last


def test_bare_command_with_a_broken_config(tmp_path, monkeypatch):
    root = tmp_path / "ws"
    init_workspace(root)
    (root / "templates" / "配置.toml").write_text("[deadline\n", encoding="utf-8")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, [])
    assert result.exit_code == 2
    assert "无法运行：配置文件" in result.output and "格式有误" in result.output
