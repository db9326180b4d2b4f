"""Shared by the workspace fault tests: a workspace with recorded weeks, real CLI runs, what to compare."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from lyreport import api
from lyreport.faults import PAUSE_ENV
from lyreport.samples import make_filling, set_received, standard_return
from lyreport.workspace import init_workspace

W1, W2, W3 = date(2021, 1, 7), date(2021, 1, 14), date(2021, 1, 21)
UNITS = 6  # of 15: the other nine miss every week, so their consecutive-miss counts climb 1, 2, 3


def make_returns(root: Path, week: date, units: int = UNITS, folder: str = "") -> None:
    context = api.load_context(root)
    rng = random.Random(week.toordinal())
    for index, unit in enumerate(context.master.units[:units]):
        filling = make_filling(context.master, unit, week, rng)
        target = root / "inbox" / folder / f"{unit}-{week.isoformat()}.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        path = standard_return(context.master, context.directory, filling, week, target)
        set_received(path, datetime(week.year, week.month, week.day, 9, index, tzinfo=context.config.timezone))


def cli(root: Path, *args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent), **(env or {})}
    command = [sys.executable, "-m", "lyreport.cli", *args, "--workspace", str(root)]
    return subprocess.run(command, capture_output=True, env=full_env, timeout=120, **kwargs)


def popen(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    full_env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent), **(env or {})}
    command = [sys.executable, "-m", "lyreport.cli", *args, "--workspace", str(root)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env)


def history(root: Path) -> list[tuple[str, int, dict[str, int]]]:
    """(week, 期, consecutive misses per unit) as recorded."""
    conn = sqlite3.connect(root / "history" / "history.sqlite3")
    try:
        weeks = conn.execute("SELECT week, period, summary FROM weeks ORDER BY week").fetchall()
    finally:
        conn.close()
    return [(w, p, {u["name"]: u["consecutive_missed"] for u in json.loads(s)["units"]}) for w, p, s in weeks]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()} if folder.is_dir() else {}


def processes_using(root: Path) -> list[int]:
    """Live processes whose command line names the workspace (reader workers inherit it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(root).encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def leftovers(root: Path) -> list[str]:
    found = [str(p) for p in (root / "outbox").rglob(".~*") if not p.name.startswith(".~unfinished-")]
    found += [str(p) for p in (root / "history").rglob(".~tmp-*")]
    temp = root / ".lyreport-tmp"
    found += [str(p) for p in temp.iterdir()] if temp.is_dir() else []
    return found


def build_base(root: Path, recorded: tuple[date, ...] = (W1, W2)) -> Path:
    """A workspace with the `recorded` weeks run and the returns of W1, W2 and W3 in the inbox."""
    init_workspace(root)
    for week in (W1, W2, W3):
        make_returns(root, week)
    for week in recorded:
        api.run_week(root, week)
    return root


def out_of_order(root: Path, week: date) -> bool:
    """Did the week's run warn that a later week had been recorded before it?"""
    summary = json.loads((root / "outbox" / week.isoformat() / "summary.json").read_text(encoding="utf-8"))
    return any(p["code"] == "weeks-out-of-order" for p in summary["problems"])


def race(root: Path, weeks: tuple[date, ...]) -> dict[str, int]:
    """Start a run for each week at once; retry those refused (busy), as staff would, oldest first;
    follow a weeks-out-of-order warning with `lyreport restore`, as it says."""
    # Whoever takes the workspace first holds it a while: on a busy machine one run could otherwise finish
    # before the other starts, and then there is no race to test.
    hold = {PAUSE_ENV: "locked:1.5"}
    procs = {week: popen(root, "run", "--week", week.isoformat(), "-q", env=hold) for week in weeks}
    errors = {week: proc.communicate()[1].decode() for week, proc in procs.items()}
    told = {"refused": 0, "refused_with_message": 0, "restored": 0}
    for week in weeks:
        if procs[week].returncode == 2:
            told["refused"] += 1
            told["refused_with_message"] += "正在被" in errors[week] and errors[week].count("\n") == 1
            assert cli(root, "run", "--week", week.isoformat(), "-q").returncode in (0, 1)
        else:
            assert procs[week].returncode in (0, 1), errors[week]
    if any(out_of_order(root, week) for week in weeks):
        assert cli(root, "restore").returncode == 0
        told["restored"] += 1
    return told


def race_history(expected: list[tuple[str, int, dict[str, int]]], told: dict[str, int]) -> list:
    """What a race of W2 and W3 must leave: the history of running them in order, except that when W3 got
    in first (and `restore` then put the weeks in order) each keeps the 期 it was issued with."""
    if not told["restored"]:
        return expected
    return [(w, {W2.isoformat(): 3, W3.isoformat(): 2}.get(w, p), m) for w, p, m in expected]
