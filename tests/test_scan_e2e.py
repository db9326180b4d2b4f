"""End to end with paper returns: scan-only units, a scan without seal, a scan that disagrees, last week's paper,
a black-and-white scan (its seal cannot be told)."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from office import needs_soffice
from openpyxl import load_workbook
from PIL import Image
from scan_forms import paper_workspace, scan_files

from lyreport.cli import main
from lyreport.models import LAGGING, ON_TRACK
from lyreport.samples import make_filling, set_received, standard_return

WEEK = date(2021, 1, 7)
SCAN_CODES = (
    "scan-unstamped",
    "scan-seal-unknown",
    "scan-mismatch",
    "scan-other-week",
    "scan-unreadable",
    "scan-low-confidence",
)


def _at(day: date, hour: int, tz) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=tz)


@pytest.fixture(scope="module")
def paper_week(tmp_path_factory):
    root = tmp_path_factory.mktemp("paper") / "ws"
    context, small, want = paper_workspace(root, 5)
    master, directory, tz = context.master, context.directory, context.config.timezone
    only_a, only_b, both, stale, grey = small
    rng = random.Random(7)
    inbox, work = root / "inbox", root.parent / "work"
    work.mkdir()
    fills = {u: make_filling(master, u, WEEK, rng, want[u]) for u in want}
    # The electronic return of `both` says something else than its signed paper for its first measure.
    paper_both = make_filling(master, both, WEEK, random.Random(8), want[both])
    first = master.measures_of(both)[0].no
    fills[both].rows[first]["status"] = ON_TRACK if want[both][first] != ON_TRACK else LAGGING
    last_week = WEEK - timedelta(days=7)
    old = make_filling(master, stale, last_week, random.Random(9))
    jobs = [
        (fills[only_a], WEEK, inbox / f"{only_a}-盖章扫描件.png", True, True),
        (fills[only_b], WEEK, inbox / "扫描件2.pdf", False, False),  # identified from its text alone
        (paper_both, WEEK, inbox / f"{both}扫描件.jpg", True, True),
        (old, last_week, inbox / f"{stale}扫描件.png", True, True),
        (fills[grey], WEEK, inbox / f"{grey}-黑白扫描件.png", True, True),  # stamped, then scanned in grey
    ]
    scans = scan_files(master, directory, jobs, work)
    Image.open(scans[-1]).convert("L").save(scans[-1])
    late = {inbox / "扫描件2.pdf"}
    for index, path in enumerate(scans):
        set_received(path, _at(WEEK, 15, tz) if path in late else _at(WEEK, 9 + index, tz))
    for unit in (both, stale):
        path = standard_return(master, directory, fills[unit], WEEK, inbox / f"{unit}.xlsx")
        set_received(path, _at(WEEK, 8, tz))
    result = CliRunner().invoke(main, ["run", "--workspace", str(root), "--week", WEEK.isoformat()])
    units = {"a": only_a, "b": only_b, "both": both, "stale": stale, "grey": grey}
    return root, result, units, want, first, fills


def _summary(root: Path) -> dict:
    return json.loads((root / "outbox" / WEEK.isoformat() / "summary.json").read_text(encoding="utf-8"))


@needs_soffice
def test_unit_states_and_sources(paper_week):
    root, result, units, _, first, _ = paper_week
    assert result.exit_code in (0, 1), result.output
    by_name = {u["name"]: u for u in _summary(root)["units"]}
    a, b, both, stale = (by_name[units[k]] for k in ("a", "b", "both", "stale"))
    assert (a["state"], a["source"], a["scan_stamped"]) == ("on_time", "scan", True)
    assert (b["state"], b["source"], b["scan_stamped"]) == ("late", "scan", False)
    assert (both["source"], both["scan_stamped"], both["scan_mismatches"]) == ("electronic", True, [first])
    assert (stale["source"], stale["scan_stamped"], stale["scan_received"]) == ("electronic", None, False)
    grey = by_name[units["grey"]]  # a seal on the paper, grey on the scan: neither stamped nor unstamped
    assert (grey["source"], grey["scan_stamped"], grey["scan_received"]) == ("scan", None, True)


@needs_soffice
def test_statuses_come_from_the_scans(paper_week):
    root, _, units, want, _, _ = paper_week
    measures = {m["no"]: m for m in _summary(root)["measures"]}
    for key in ("a", "b", "grey"):
        unit = units[key]
        for no, status in want[unit].items():
            assert measures[no]["units"][unit] == status, (unit, no)


@needs_soffice
def test_exactly_the_scan_warnings(paper_week):
    root, result, units, want, first, fills = paper_week
    found = sorted((p["code"], p["unit"]) for p in _summary(root)["problems"] if p["code"] in SCAN_CODES)
    assert found == sorted(
        [
            ("scan-unstamped", units["b"]),
            ("scan-seal-unknown", units["grey"]),
            ("scan-mismatch", units["both"]),
            ("scan-other-week", units["stale"]),
        ]
    )
    mismatch = next(p for p in _summary(root)["problems"] if p["code"] == "scan-mismatch")
    assert f"第 {first} 条" in mismatch["message"]
    assert want[units["both"]][first] in mismatch["message"]
    assert fills[units["both"]].rows[first]["status"] in mismatch["message"]
    assert "扫描件上未发现红色公章" in result.output and "不计为本周的扫描件" in result.output
    ledger = load_workbook(root / "outbox" / "工作台账.xlsx")
    listed = "\n".join(str(c.value) for row in ledger["问题清单"].iter_rows() for c in row if c.value)
    assert "扫描件上未发现红色公章" in listed and "盖章扫描件上的完成状态" in listed
    assert "扫描件为黑白或灰度图像，无法根据印章颜色判断是否盖章" in listed and "黑白或灰度" in result.output
    assert "（据扫描件）" in "\n".join(str(c.value) for row in ledger["措施进展"].iter_rows() for c in row if c.value)


@needs_soffice
def test_notice_marks_paper_returns(paper_week):
    root, _, units, _, first, _ = paper_week
    doc = Document(root / "outbox" / WEEK.isoformat() / f"督导情况通报-{WEEK.isoformat()}.docx")
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "只报送了盖章扫描件的单位3个" in text and units["a"] in text
    assert f"{units['both']}（第{first}条）" in text
    assert f"{units['a']}（据扫描件）" in cells
    assert "未见公章" in cells
    assert f"{units['grey']}的扫描件为黑白件，无法核验公章，请人工核实。" in text
    (unstamped,) = [t for t in text.split("。") if "扫描件上未发现公章的单位" in t]
    assert units["b"] in unstamped and units["grey"] not in unstamped
    assert "已收到（据扫描件）（黑白件，无法核验公章）" in cells


@needs_soffice
def test_rerun_reads_from_cache_and_is_identical(paper_week):
    root, _, _, _, _, _ = paper_week
    before = (root / "outbox" / WEEK.isoformat() / "summary.json").read_bytes()
    assert len(list((root / "history" / "scan-cache").glob("*.json"))) == 5
    again = CliRunner().invoke(main, ["run", "--workspace", str(root), "--week", WEEK.isoformat()])
    assert again.exit_code in (0, 1), again.output
    assert (root / "outbox" / WEEK.isoformat() / "summary.json").read_bytes() == before
