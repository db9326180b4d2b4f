"""Weeks run out of order or re-run with new data: unique 期数, later weeks named as stale, honest outputs."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
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


# ----------------------------------------------------------------- restore keeps the issued 期数
def _inserted(root: Path) -> dict[date, int]:
    """W1, W3 run, then W2 inserted (第3期); the 期数 each week's outputs were issued with."""
    init_workspace(root)
    for week in (W1, W2, W3):
        make_returns(root, week)
    for week in (W1, W3, W2):
        api.run_week(root, week)
    return {week: _summary(root, week)["period"] for week in (W1, W2, W3)}


def _recorded(root: Path) -> dict[date, int]:
    with sqlite3.connect(root / "history" / "history.sqlite3") as conn:
        return {date.fromisoformat(w): p for w, p in conn.execute("SELECT week, period FROM weeks")}


def _printed(root: Path, week: date) -> str:
    """The 期 line of the week's 通报 as printed."""
    from docx import Document

    document = Document(str(root / "outbox" / week.isoformat() / f"督导情况通报-{week.isoformat()}.docx"))
    return next(p.text for p in document.paragraphs if "期）" in p.text)


def test_restore_keeps_the_period_each_week_was_issued_with(tmp_path):
    root = tmp_path / "ws"
    issued = _inserted(root)
    assert issued == {W1: 1, W3: 2, W2: 3}
    printed = {week: _printed(root, week) for week in issued}
    restored = cli(root, "restore")
    assert restored.returncode == 0, restored.stderr.decode()
    assert "现行规则" not in restored.stdout.decode()
    assert _recorded(root) == issued
    assert {week: _summary(root, week)["period"] for week in issued} == issued
    assert {week: _printed(root, week) for week in issued} == printed
    assert "（第3期）" in printed[W2]
    # The next new week follows the highest number issued.
    make_returns(root, W4)
    assert api.run_week(root, W4).result.period == 4


def _strip_periods(root: Path) -> None:
    """Manifests as a version before the 期数 was archived wrote them."""
    for manifest in (root / "history" / "archive").glob("*/*/manifest.json"):
        entries = json.loads(manifest.read_text(encoding="utf-8"))
        manifest.write_text(json.dumps([e for e in entries if "sha256" in e], indent=1) + "\n", encoding="utf-8")


def test_restore_from_manifests_without_periods_numbers_by_the_rule_and_says_they_may_differ(tmp_path):
    root = tmp_path / "ws"
    _inserted(root)
    _strip_periods(root)
    restored = cli(root, "restore")
    assert restored.returncode == 0, restored.stderr.decode()
    out = restored.stdout.decode()
    assert out.count("期数按现行规则推算，请与已发通报核对") == 3, out
    assert _recorded(root) == {W1: 1, W2: 2, W3: 3}
    said = [p["message"] for p in _summary(root, W2)["problems"] if p["code"] == "period-not-archived"]
    assert len(said) == 1 and "第2期" in said[0] and "可能与当初发出的通报期数不同" in said[0], said


def test_a_history_from_before_periods_were_archived_puts_them_in_the_manifests(tmp_path):
    """One run by this version on an older workspace is enough for a later restore to keep every 期数."""
    root = tmp_path / "ws"
    issued = _inserted(root)
    _strip_periods(root)
    with sqlite3.connect(root / "history" / "history.sqlite3") as conn:
        conn.execute("PRAGMA user_version=0")
    api.run_week(root, W3)
    assert cli(root, "restore").returncode == 0
    assert _recorded(root) == issued


@pytest.mark.parametrize("w4_killed_at", [None, "committed"])
def test_a_run_killed_after_archiving_does_not_lend_its_period_to_a_restore(tmp_path, w4_killed_at):
    """W3's run is killed after its files (and 第3期) were archived; W4 is then recorded as 第3期 (its own
    run maybe killed right after the commit). A restore gives W4 its 第3期 back and numbers W3, never
    issued, after it, saying so."""
    root = tmp_path / "ws"
    init_workspace(root)
    for week in (W1, W2, W3, W4):
        make_returns(root, week)
    for week in (W1, W2):
        api.run_week(root, week)
    killed = cli(root, "run", "--week", W3.isoformat(), "-q", env={"LYREPORT_KILL_AT": "before-commit"})
    assert killed.returncode == -9
    if w4_killed_at:
        run = cli(root, "run", "--week", W4.isoformat(), "-q", env={"LYREPORT_KILL_AT": w4_killed_at})
        assert run.returncode == -9
        assert _recorded(root)[W4] == 3
    else:
        assert api.run_week(root, W4).result.period == 3
    restored = cli(root, "restore")
    assert restored.returncode == 0, restored.stderr.decode()
    assert _recorded(root) == {W1: 1, W2: 2, W3: 4, W4: 3}
    assert any(p["code"] == "period-not-archived" for p in _summary(root, W3)["problems"])
    assert not any(p["code"] == "period-not-archived" for p in _summary(root, W4)["problems"])


def test_first_week_changed_after_weeks_were_numbered_never_repeats_a_period(tmp_path):
    root = tmp_path / "ws"
    init_workspace(root)
    config = root / "templates" / "配置.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('first_week = ""', f'first_week = "{W1.isoformat()}"'),
        encoding="utf-8",
    )
    for week in (W1, W2):
        make_returns(root, week)
        api.run_week(root, week)
    config.write_text(
        config.read_text(encoding="utf-8").replace(W1.isoformat(), W2.isoformat()), encoding="utf-8"
    )  # staff move the first week: W3 would be 第2期 again
    make_returns(root, W3)
    report = api.run_week(root, W3)
    assert report.result.period == 3
    said = [p.message for p in report.result.problems if p.code == "period-taken"]
    assert len(said) == 1 and "第2期" in said[0] and W2.isoformat() in said[0], said


def _two_lists(root: Path) -> Path:
    """The main list and the second one, both run for W1 and W2."""
    init_workspace(root)
    seven = root / "templates" / "七大行动清单.xlsx"
    for week in (W1, W2):
        make_returns(root, week)
        api.run_week(root, week)
        api.run_week(root, week, master=seven)
    return seven


def _all_lists(root: Path) -> dict[tuple[str, str], int]:
    with sqlite3.connect(root / "history" / "history.sqlite3") as conn:
        return {(lst, w): p for lst, w, p in conn.execute("SELECT list_id, week, period FROM weeks")}


def test_restoring_one_list_keeps_the_other_lists_history(tmp_path):
    root = tmp_path / "ws"
    seven = _two_lists(root)
    before = _all_lists(root)
    assert len({lst for lst, _ in before}) == 2
    restored = cli(root, "restore", "--master", str(seven))
    assert restored.returncode == 0, restored.stderr.decode()
    assert _all_lists(root) == before
    make_returns(root, W3)
    assert api.run_week(root, W3).result.period == 3  # not 第1期 of a main list gone from the history


def test_restoring_one_list_keeps_the_other_lists_attachment_records(tmp_path):
    """input_parts (the workbooks inside an archived mail or zip) of another list survive a restore."""
    root = tmp_path / "ws"
    seven = _two_lists(root)
    other = api.load_context(root, seven).master.list_id
    database = root / "history" / "history.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute(
            "INSERT INTO input_parts VALUES (?,?,?,?,?)",
            (other, W1.isoformat(), "a" * 64, "b" * 64, "回复.eml → 表.xlsx"),
        )
        before = conn.execute("SELECT * FROM input_parts ORDER BY 1, 2, 3, 4").fetchall()
    assert cli(root, "restore").returncode == 0  # the main list only
    with sqlite3.connect(database) as conn:
        kept = conn.execute("SELECT * FROM input_parts WHERE list_id=? ORDER BY 1, 2, 3, 4", (other,)).fetchall()
    assert kept == [r for r in before if r[0] == other] and kept
    # Every table of the history is kept per list: one added later must be added to recovery._TABLES too.
    from lyreport.recovery import _TABLES

    with sqlite3.connect(database) as conn:
        tables = {t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == set(_TABLES)


def test_a_list_missing_from_the_history_is_refused_though_another_list_has_those_weeks(tmp_path):
    root = tmp_path / "ws"
    _two_lists(root)
    with sqlite3.connect(root / "history" / "history.sqlite3") as conn:
        main_list = api.load_context(root).master.list_id
        conn.execute("DELETE FROM weeks WHERE list_id=?", (main_list,))  # only the second list's weeks left
    make_returns(root, W3)
    run = cli(root, "run", "--week", W3.isoformat())
    assert run.returncode == 2, run.stdout.decode()
    message = run.stderr.decode()
    assert f"{W1.isoformat()}、{W2.isoformat()}" in message and "lyreport restore" in message, message


def _set_list_id(root: Path, list_id: str) -> None:
    import openpyxl

    path = api.load_context(root).master_path
    book = openpyxl.load_workbook(path)
    for row in book["清单信息"].iter_rows():
        if row[0].value == "清单编号":
            row[1].value = list_id
    book.save(path)


def _two_weeks_recorded(tmp_path):
    """A workspace with W1 and W2 recorded and W3's returns in the inbox."""
    root = tmp_path / "ws"
    init_workspace(root)
    for week in (W1, W2, W3):
        make_returns(root, week)
    for week in (W1, W2):
        api.run_week(root, week)
    return root


def test_a_changed_list_number_is_named_not_taken_for_a_lost_history(tmp_path):
    """清单编号 changed after W1, W2: the run and `restore` say so and how to go on, never "run restore"."""
    root = _two_weeks_recorded(tmp_path)
    old = api.load_context(root).master.list_id
    _set_list_id(root, "新编号")
    for command in (("run", "--week", W3.isoformat()), ("restore",)):
        refused = cli(root, *command)
        assert refused.returncode == 2, refused.stdout.decode()
        message = refused.stderr.decode()
        assert f"清单编号由“{old}”改为“新编号”" in message and f"改回“{old}”" in message, message
        assert f"{W1.isoformat()}、{W2.isoformat()}，共 2 周" in message and "lyreport restore" not in message, message
    # Put back, the list goes on where it was.
    _set_list_id(root, old)
    assert api.run_week(root, W3).result.period == 3
    # Weeks really missing from the history are still sent to `restore`.
    with sqlite3.connect(root / "history" / "history.sqlite3") as conn:
        conn.execute("DELETE FROM weeks WHERE week=?", (W3.isoformat(),))
    run = cli(root, "run", "--week", W3.isoformat())
    assert run.returncode == 2 and "lyreport restore" in run.stderr.decode(), run.stderr.decode()


def test_a_new_list_number_kept_on_purpose_starts_a_new_list_once_the_old_outputs_are_moved(tmp_path):
    root = _two_weeks_recorded(tmp_path)
    _set_list_id(root, "新编号")
    kept = tmp_path / "旧清单输出"
    shutil.move(root / "outbox", kept)  # as the message advises
    report = api.run_week(root, W3)
    assert report.result.list_id == "新编号" and report.result.period == 1


def test_a_lost_database_is_refused_when_only_the_archive_shows_past_weeks(tmp_path):
    """history.sqlite3 gone and the outbox emptied (or a new computer with history/archive copied over):
    the archive still shows the weeks, so a run must not start again at 第1期."""
    root = tmp_path / "ws"
    init_workspace(root)
    for week in (W1, W2):
        make_returns(root, week)
        api.run_week(root, week)
    for part in (root / "history").glob("history.sqlite3*"):
        part.unlink()
    shutil.rmtree(root / "outbox")
    make_returns(root, W3)
    run = cli(root, "run", "--week", W3.isoformat())
    assert run.returncode == 2, run.stdout.decode()
    message = run.stderr.decode()
    assert "历史存档" in message and f"{W1.isoformat()} 至 {W2.isoformat()}" in message, message
    assert "lyreport restore" in message
    assert cli(root, "restore").returncode == 0
    assert api.run_week(root, W3).result.period == 3


def test_a_restore_stopped_midway_never_keeps_a_guessed_period_as_issued(tmp_path):
    """Issued W2=1, W3=2, W1=3, manifests without 期数: a restore guesses W1 as 第1期 and is killed after
    recording it. The guess must not be written into W1's manifest, so the next restore warns again."""
    root = tmp_path / "ws"
    init_workspace(root)
    for week in (W1, W2, W3):
        make_returns(root, week)
    for week in (W2, W3, W1):
        api.run_week(root, week)
    assert _recorded(root) == {W2: 1, W3: 2, W1: 3}
    _strip_periods(root)
    killed = cli(root, "restore", env={"LYREPORT_KILL_AT": "committed"})
    assert killed.returncode == -9
    from lyreport.archive import manifest_period

    folders = [
        root / "history" / "archive" / api.load_context(root).master.list_id / w.isoformat() for w in (W1, W2, W3)
    ]
    assert [manifest_period(f) for f in folders] == [None, None, None]
    restored = cli(root, "restore")
    assert restored.returncode == 0, restored.stderr.decode()
    out = restored.stdout.decode()
    assert out.count("期数按现行规则推算，请与已发通报核对") == 3, out
    assert any(p["code"] == "period-not-archived" for p in _summary(root, W1)["problems"])
    assert [manifest_period(f) for f in folders] == [None, None, None]

    # An ordinary re-run of a restored week afterwards: the number stays a guess, said again, never archived.
    (root / "inbox").mkdir(exist_ok=True)
    rerun = cli(root, "run", "--week", W1.isoformat(), "--rebuild")
    assert rerun.returncode in (0, 1), rerun.stderr.decode()
    assert any(p["code"] == "period-not-archived" for p in _summary(root, W1)["problems"])
    assert [manifest_period(f) for f in folders] == [None, None, None]
    again = cli(root, "restore")
    assert again.returncode == 0, again.stderr.decode()
    assert again.stdout.decode().count("期数按现行规则推算，请与已发通报核对") == 3
