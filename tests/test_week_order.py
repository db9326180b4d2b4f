"""Weeks run out of order or re-run with new data: unique 期数, later weeks named as stale, honest outputs."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from fault_workspace import UNITS, W1, W2, W3, cli, make_returns

from lyreport import api
from lyreport.workspace import init_workspace

W4 = W3 + timedelta(days=7)


def _summary(root: Path, week: date) -> dict:
    return json.loads((root / "outbox" / week.isoformat() / "summary.json").read_text(encoding="utf-8"))


def test_week_before_the_first_gets_the_next_free_period_and_the_terminal_says_so(tmp_path):
    root = tmp_path / "ws"
    init_workspace(root)
    for week in (W2, W3):
        make_returns(root, week)
        api.run_week(root, week)
    done = cli(root, "run", "--week", W1.isoformat())  # nothing in the inbox for it: a typo'd date
    out = done.stdout.decode()
    assert "第3期" in out and f"{W2.isoformat()}、{W3.isoformat()} 已先于本周记录" in out, out
    assert f"lyreport run --week {W2.isoformat()} --rebuild" in out
    make_returns(root, W4)
    api.run_week(root, W4)
    periods = {week: _summary(root, week)["period"] for week in (W1, W2, W3, W4)}
    assert periods == {W2: 1, W3: 2, W1: 3, W4: 4}


def test_rerun_of_an_earlier_week_with_new_data_names_the_stale_later_weeks(tmp_path):
    root = tmp_path / "ws"
    init_workspace(root)
    for week in (W1, W2):
        make_returns(root, week, units=UNITS - 1)
    make_returns(root, W3)
    for week in (W1, W2, W3):
        api.run_week(root, week)
    main = root / "outbox" / "工作台账.xlsx"
    before = main.read_bytes()
    make_returns(root, W1)  # the last unit's week-1 return turns up
    out = cli(root, "run", "--week", W1.isoformat()).stdout.decode()
    assert f"{W2.isoformat()}、{W3.isoformat()} 的通报" in out, out
    assert f"lyreport run --week {W3.isoformat()} --rebuild" in out
    assert f"工作台账：{main}" not in out and "本次未改动" in out
    assert main.read_bytes() == before
    assert any(p["code"] == "later-weeks-stale" for p in _summary(root, W1)["problems"])
    # The same data again: nothing new to say, and from then on the week's outputs are byte-identical.
    folder = root / "outbox" / W1.isoformat()
    again = cli(root, "run", "--week", W1.isoformat()).stdout.decode()
    assert "的通报、summary.json" not in again
    second = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert cli(root, "run", "--week", W1.isoformat()).stdout.decode() == again
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == second
    # Following the advice refreshes the later weeks and, with the newest, the main ledger.
    for week in (W2, W3):
        assert cli(root, "run", "--week", week.isoformat(), "--rebuild").returncode in (0, 1)
    missed = {u["name"]: u["consecutive_missed"] for u in _summary(root, W2)["units"]}
    assert sorted(missed.values()) == [0] * (UNITS - 1) + [1] + [2] * (15 - UNITS)
    assert f"工作台账：{main}" in cli(root, "run", "--week", W3.isoformat()).stdout.decode()


def test_rerun_of_a_week_recorded_before_a_summary_field_existed_is_no_change(tmp_path):
    """A week recorded by an older version lacks fields added since (units[].corrected_at): re-running it
    with the same files must not call the later weeks stale."""
    root = tmp_path / "ws"
    init_workspace(root)
    for week in (W1, W2):
        make_returns(root, week)
        api.run_week(root, week)
    database = root / "history" / "history.sqlite3"
    with sqlite3.connect(database) as conn:
        (stored,) = conn.execute("SELECT summary FROM weeks WHERE week=?", (W1.isoformat(),)).fetchone()
        old = json.loads(stored)
        for unit in old["units"]:
            unit.pop("corrected_at")
        conn.execute("UPDATE weeks SET summary=? WHERE week=?", (json.dumps(old, ensure_ascii=False), W1.isoformat()))
    out = cli(root, "run", "--week", W1.isoformat()).stdout.decode()
    assert "的通报、summary.json" not in out, out
    assert not any(p["code"] == "later-weeks-stale" for p in _summary(root, W1)["problems"])
