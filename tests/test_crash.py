"""A run interrupted at any moment leaves the previous history and outputs intact."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from lyreport import api
from lyreport.samples import make_filling, set_received, standard_return
from lyreport.workspace import init_workspace

WEEK = date(2021, 1, 7)


@pytest.fixture
def processed(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    init_workspace(root)
    context = api.load_context(root)
    rng = random.Random(11)
    for index, unit in enumerate(context.master.units[:10]):
        filling = make_filling(context.master, unit, WEEK, rng)
        path = standard_return(context.master, context.directory, filling, WEEK, root / "inbox" / f"{unit}.xlsx")
        set_received(path, datetime(2021, 1, 7, 9, index, tzinfo=context.config.timezone))
    api.run_week(root, WEEK)
    return root


def _state(root: Path) -> dict[str, object]:
    conn = sqlite3.connect(root / "history" / "history.sqlite3")
    try:
        weeks = conn.execute("SELECT week, summary FROM weeks").fetchall()
        rows = conn.execute("SELECT count(*) FROM rows").fetchone()[0]
    finally:
        conn.close()
    folder = root / "outbox" / WEEK.isoformat()
    return {
        "weeks": weeks,
        "rows": rows,
        "json": (folder / "summary.json").read_bytes(),
        "ledger": (root / "outbox" / "工作台账.xlsx").read_bytes(),
    }


def test_interrupt_during_render_keeps_previous(processed, monkeypatch):
    before = _state(processed)
    # A unit's corrected return arrives, then the re-run is interrupted while writing the mail draft.
    (processed / "inbox" / "市体育局.xlsx").write_bytes((processed / "inbox" / "市发改委.xlsx").read_bytes())

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("lyreport.render.notices.render_mail", interrupted)
    with pytest.raises(KeyboardInterrupt):
        api.run_week(processed, WEEK)
    assert _state(processed) == before
    assert not list((processed / "outbox").glob(".~*")), "staging files left behind"


def test_killed_process_at_any_moment_loses_nothing(processed):
    before = _state(processed)
    old_summary = json.loads(before["json"])
    for delay in (0.2, 0.5, 0.8, 1.1, 1.4, 1.8, 2.2):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lyreport.cli",
                "run",
                "--workspace",
                str(processed),
                "--week",
                WEEK.isoformat(),
                "--quiet",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(delay)
        if proc.poll() is None:
            import os

            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        after = _state(processed)
        # Either untouched or fully replaced by an identical re-run; never half-written.
        assert [w for w, _ in after["weeks"]] == [WEEK.isoformat()]
        assert json.loads(after["json"]) == old_summary
        assert after["rows"] == before["rows"]
        with zipfile.ZipFile(processed / "outbox" / "工作台账.xlsx") as ledger:
            assert ledger.testzip() is None


def test_stale_temp_files_from_a_killed_run_are_cleaned(processed):
    import os

    stale = processed / "outbox" / ".~staging-old"
    stale.mkdir()
    (stale / "0.docx").write_bytes(b"half")
    half = processed / "outbox" / WEEK.isoformat() / ".~tmp-abc.xlsx"
    half.write_bytes(b"half")
    old = time.time() - 3600
    for path in (stale / "0.docx", stale, half):
        os.utime(path, (old, old))
    api.run_week(processed, WEEK)
    assert not stale.exists() and not half.exists()


def test_output_held_open_stops_before_anything_changes(processed, monkeypatch):
    before = _state(processed)
    ledger = processed / "outbox" / "工作台账.xlsx"
    real_open = open

    def locked(path, *args, **kwargs):  # what Windows does while Excel holds the file
        if str(path) == str(ledger) and args and "+" in args[0]:
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", locked)
    with pytest.raises(api.LyreportError, match="工作台账.xlsx"):
        api.run_week(processed, WEEK)
    monkeypatch.undo()
    assert _state(processed) == before
