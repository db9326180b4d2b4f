"""End to end: three consecutive weeks of realistic returns through the CLI, outputs read back."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook

from lyreport.api import load_context
from lyreport.cli import main
from lyreport.samples import (
    fake_scan,
    improvised_return,
    make_filling,
    set_received,
    standard_return,
    write_eml,
)

W1, W2, W3 = date(2020, 12, 24), date(2020, 12, 31), date(2021, 1, 7)


def _at(day: date, hour: int, minute: int, tz) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def _week_inbox(root: Path, week: date, *, missing=(), late=(), twice=(), statuses=None, seed=1) -> Path:
    """An inbox for one week: standard returns from every unit but `missing`, each with its scan."""
    context = load_context(root)
    master, directory, tz = context.master, context.directory, context.config.timezone
    rng = random.Random(seed)
    inbox = root / "周报" / week.isoformat()
    for index, unit in enumerate(master.units):
        if unit in missing:
            continue
        own = {no: s for (u, no), s in (statuses or {}).items() if u == unit}
        filling = make_filling(master, unit, week, rng, own)
        path = standard_return(master, directory, filling, week, inbox / f"{unit}.xlsx")
        received = _at(week, 15, 5, tz) if unit in late else _at(week, 9, index, tz)
        set_received(path, received)
        set_received(fake_scan(inbox / f"{unit}-扫描件.pdf", unit), received)
        if unit in twice:  # an earlier, superseded version
            filling.rows[next(iter(filling.rows))]["status"] = "尚未启动"
            older = standard_return(master, directory, filling, week, inbox / f"{unit}-初稿.xlsx")
            set_received(older, _at(week - timedelta(days=1), 17, 0, tz))
    return inbox


def _run(root: Path, week: date, inbox: Path, *extra: str):
    return CliRunner().invoke(
        main, ["run", "--workspace", str(root), "--week", week.isoformat(), "--inbox", str(inbox), *extra]
    )


def _summary(root: Path, week: date) -> dict:
    return json.loads((root / "outbox" / week.isoformat() / "summary.json").read_text(encoding="utf-8"))


def _rows_by_header(sheet, header_row: int = 2) -> list[dict]:
    headers = [c.value for c in sheet[header_row]]
    return [dict(zip(headers, (c.value for c in row), strict=False)) for row in sheet.iter_rows(min_row=header_row + 1)]


@pytest.fixture(scope="module")
def three_weeks(tmp_path_factory):
    """Runs W1, W2, W3 once for all the assertions below."""
    root = tmp_path_factory.mktemp("e2e") / "ws"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    inboxes = {
        W1: _week_inbox(root, W1, missing={"市体育局", "市林业局"}, seed=1),
        W2: _week_inbox(root, W2, missing={"市林业局"}, late={"市交通运输局"}, twice={"市工信局"}, seed=2),
        W3: _week_inbox(
            root,
            W3,
            missing={"市林业局", "市体育局"},
            statuses={("市交通运输局", 12): "已完成", ("市交通运输局", 10): "正常推进", ("市发改委", 8): "正常推进"},
            seed=3,
        ),
    }
    results = {week: _run(root, week, inbox) for week, inbox in inboxes.items()}
    return root, inboxes, results


def test_runs_succeed_and_print_paths(three_weeks):
    root, _, results = three_weeks
    for result in results.values():
        assert result.exit_code == 0, result.output
    assert "督导情况通报" in results[W3].output and "工作台账" in results[W3].output
    assert "未报送：市林业局、市体育局" in results[W3].output or "市体育局、市林业局" in results[W3].output


def test_unit_states_in_summary_json(three_weeks):
    root, _, _ = three_weeks
    w2 = {u["name"]: u for u in _summary(root, W2)["units"]}
    assert w2["市交通运输局"]["state"] == "late"
    assert w2["市交通运输局"]["received_at"] == "2020-12-31T15:05:00+08:00"
    assert w2["市林业局"]["state"] == "missing"
    assert w2["市发改委"]["state"] == "on_time" and w2["市发改委"]["scan_received"] is True
    assert w2["市工信局"]["files"] == ["市工信局.xlsx"] and w2["市工信局"]["superseded"] == ["市工信局-初稿.xlsx"]
    w3 = {u["name"]: u for u in _summary(root, W3)["units"]}
    assert w3["市林业局"]["consecutive_missed"] == 3
    assert w3["市体育局"]["consecutive_missed"] == 1
    assert _summary(root, W3)["week"] == "2021-01-07T12:00:00+08:00"


def test_measures_close_and_nodes_pass(three_weeks):
    root, _, _ = three_weeks
    w2 = {m["no"]: m for m in _summary(root, W2)["measures"]}
    w3 = {m["no"]: m for m in _summary(root, W3)["measures"]}
    assert w2[10]["days_to_next_node"] == 0 and not w2[10]["overdue"]  # node is that very day
    assert w3[10]["overdue"] and w3[10]["light"] == "red"  # 2020-12-31 has passed
    assert "newly_overdue" in w3[10]["changes"]
    assert w3[12]["closed"] and w3[12]["status"] == "已完成" and not w3[12]["overdue"]
    assert w3[27]["units"] == {"市林业局": None} and w3[27]["light"] in ("yellow", "red")
    assert w3[1]["units"].keys() == {"市发改委", "市工信局"}


def test_ledger_cells(three_weeks):
    root, _, _ = three_weeks
    wb = load_workbook(root / "outbox" / "工作台账.xlsx")
    assert wb.sheetnames == ["总览", "趋势", "措施进展", "报送情况", "问题清单", "历史记录"]
    measures = {r["序号"]: r for r in _rows_by_header(wb["措施进展"]) if r["序号"]}
    assert measures[10]["是否逾期"] == "是" and measures[10]["亮灯"] == "红灯"
    assert measures[12]["状态"] == "已完成（销号）"
    matrix = wb["报送情况"]
    header = [c.value for c in matrix[2]]
    rows = {r[0].value: [c.value for c in r] for r in matrix.iter_rows(min_row=3)}
    w2_col = header.index(W2.isoformat())
    assert rows["市交通运输局"][w2_col] == "迟报"
    assert rows["市林业局"][w2_col] == "未报"
    history = _rows_by_header(wb["历史记录"])
    assert {r["周次"].date() for r in history} == {W1, W2, W3}
    assert sum(1 for r in history if r["单位"] == "市林业局") == 0  # never reported
    assert (root / "outbox" / W3.isoformat() / f"工作台账-{W3.isoformat()}.xlsx").is_file()


def test_summary_docx_names_missing_units(three_weeks):
    root, _, _ = three_weeks
    doc = Document(str(root / "outbox" / W3.isoformat() / f"督导情况通报-{W3.isoformat()}.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "（第3期）" in text
    assert "市林业局" in text and "市体育局" in text
    assert "一、总体情况" in text and "五、下一步工作" in text


def test_rerun_is_same_and_leaves_other_weeks(three_weeks):
    root, inboxes, _ = three_weeks

    def outputs() -> dict[str, bytes]:
        return {
            str(p): p.read_bytes() for w in (W1, W2, W3) for p in sorted((root / "outbox" / w.isoformat()).iterdir())
        }

    before = outputs()
    assert _run(root, W2, inboxes[W2]).exit_code == 0
    after = outputs()
    assert after.keys() == before.keys()
    assert [name for name in after if after[name] != before[name]] == []  # byte-identical: docx, xlsx, eml
    main_ledger = load_workbook(root / "outbox" / "工作台账.xlsx")
    assert "2021年1月7日" in main_ledger["总览"]["A1"].value  # still the newest week
    import sqlite3

    conn = sqlite3.connect(root / "history" / "history.sqlite3")
    weeks = [w for (w,) in conn.execute("SELECT week FROM weeks ORDER BY week")]
    counts = conn.execute("SELECT week, count(*) FROM unit_weeks GROUP BY week").fetchall()
    conn.close()
    assert weeks == [W1.isoformat(), W2.isoformat(), W3.isoformat()]
    assert all(n == 15 for _, n in counts)


def test_rebuild_from_archive_matches(three_weeks):
    root, _, _ = three_weeks
    before = _summary(root, W2)
    result = CliRunner().invoke(main, ["run", "--workspace", str(root), "--week", W2.isoformat(), "--rebuild"])
    assert result.exit_code == 0, result.output
    rebuilt = _summary(root, W2)
    assert [u["state"] for u in rebuilt["units"]] == [u["state"] for u in before["units"]]
    assert rebuilt["measures"] == before["measures"]


def test_inbox_never_modified(tmp_path):
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    inbox = _week_inbox(root, W1, missing={"市体育局"})

    def snapshot() -> dict[str, tuple[str, float]]:
        return {
            str(p): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime)
            for p in sorted(inbox.rglob("*"))
            if p.is_file()
        }

    before = snapshot()
    assert _run(root, W1, inbox).exit_code == 0
    assert snapshot() == before


def _inbox_with_mail_from_education(tmp_path: Path, sheet_name: str, *, hour: int, with_scan: bool):
    """Every unit on time but 市教育局, whose return arrives by e-mail on the deadline day at `hour`."""
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    inbox = _week_inbox(root, W1, missing={"市教育局"})
    context = load_context(root)
    filling = make_filling(context.master, "市教育局", W1, random.Random(hour))
    attachments = [standard_return(context.master, context.directory, filling, W1, tmp_path / sheet_name)]
    if with_scan:
        attachments.append(fake_scan(tmp_path / "盖章件.pdf", "edu"))
    write_eml(inbox / "来信.eml", "someone@example.cn", _at(W1, hour, 30, context.config.timezone), "报表", attachments)
    return root, inbox


def test_json_output_and_late_email(tmp_path):
    root, inbox = _inbox_with_mail_from_education(tmp_path, "教育局报表.xlsx", hour=16, with_scan=False)
    result = _run(root, W1, inbox, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    edu = next(u for u in data["units"] if u["name"] == "市教育局")
    assert edu["state"] == "late" and edu["files"] == ["来信.eml › 教育局报表.xlsx"]
    assert edu["scan_received"] is False


def test_broken_master_exits_2_with_message(tmp_path):
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    wb = load_workbook(root / "templates" / "措施清单.xlsx")
    wb["措施清单"]["A4"] = 2
    wb.save(root / "templates" / "措施清单.xlsx")
    (root / "inbox").mkdir(exist_ok=True)
    result = CliRunner().invoke(main, ["run", "--workspace", str(root), "--week", "2021-01-07"])
    assert result.exit_code == 2
    assert "序号 2 重复" in result.output and "措施清单!A4" in result.output
    assert "Traceback" not in result.output


def test_not_a_workspace_exits_2(tmp_path):
    result = CliRunner().invoke(main, ["run", "--workspace", str(tmp_path)])
    assert result.exit_code == 2 and "lyreport init" in result.output


def test_scan_in_same_email_counts_for_that_unit(tmp_path):
    # Neither the sheet's nor the scan's file name says whose they are; the e-mail ties them together.
    root, inbox = _inbox_with_mail_from_education(tmp_path, "本周报表.xlsx", hour=10, with_scan=True)
    data = json.loads(_run(root, W1, inbox, "--json").output)
    edu = next(u for u in data["units"] if u["name"] == "市教育局")
    assert edu["state"] == "on_time" and edu["scan_received"] is True


def test_rerun_with_files_gone_refuses_instead_of_erasing(three_weeks, tmp_path):
    root, _, _ = three_weeks
    before = _summary(root, W1)
    empty = tmp_path / "空收件箱"
    empty.mkdir()
    result = _run(root, W1, empty)
    assert result.exit_code == 2 and "--rebuild" in result.output
    assert _summary(root, W1) == before
    rebuilt = CliRunner().invoke(main, ["run", "--workspace", str(root), "--week", W1.isoformat(), "--rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert _summary(root, W1)["period"] == 1  # periods are frozen once issued


def test_outputs_readable_by_the_office(three_weeks):
    root, _, _ = three_weeks
    mode = (root / "outbox" / W3.isoformat() / "summary.json").stat().st_mode & 0o777
    assert mode & 0o044 == 0o044


def test_last_weeks_file_sent_again_is_not_this_weeks_report(tmp_path):
    # A self-made return (no 填报日期, no template identity) counted for W2; in W3 the unit's reply mail
    # carries the very same file. It is not W3's report: warned, and the unit is missing that week.
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    context = load_context(root)
    tz = context.config.timezone
    filling = make_filling(context.master, "市教育局", W2, random.Random(3))
    first = improvised_return(context.master, filling, tmp_path / "w2" / "市教育局落实情况.xlsx")
    set_received(first, _at(W2, 9, 0, tz))
    assert _run(root, W2, first.parent).exit_code == 0
    later = tmp_path / "w3"
    write_eml(later / "回复.eml", "jyj@example.cn", _at(W3, 9, 0, tz), "Re: 落实情况", [first])
    result = _run(root, W3, later, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    edu = next(u for u in data["units"] if u["name"] == "市教育局")
    assert edu["state"] == "missing"
    resent = [p for p in data["problems"] if p["code"] == "file-already-archived"]
    assert len(resent) == 1 and "2020-12-31" in resent[0]["message"] and "市教育局落实情况.xlsx" in resent[0]["message"]
    # Re-running W2 itself: the file is archived for that very week, so it still counts.
    again = json.loads(_run(root, W2, first.parent, "--json").output)
    assert next(u for u in again["units"] if u["name"] == "市教育局")["state"] == "on_time"
    assert not [p for p in again["problems"] if p["code"] == "file-already-archived"]
