"""A return overwritten in the inbox while the run reads it: never read one way and archived another."""

from __future__ import annotations

import os
import random
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest

from lyreport import api
from lyreport.faults import LyreportError
from lyreport.intake.discover import discover
from lyreport.intake.read import read_one
from lyreport.samples import make_filling, set_received, standard_return
from lyreport.workspace import init_workspace

WEEK = date(2021, 1, 7)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    init_workspace(root)
    context = api.load_context(root)
    rng = random.Random(5)
    for index, unit in enumerate(context.master.units[:4]):
        filling = make_filling(context.master, unit, WEEK, rng)
        path = standard_return(context.master, context.directory, filling, WEEK, root / "inbox" / f"{unit}.xlsx")
        set_received(path, datetime(2021, 1, 7, 9, index, tzinfo=context.config.timezone))
    return root


def _overwrite(path: Path, source: Path) -> None:
    """Another user saves a different version over the file (a new modification time, as any save gives)."""
    before = path.stat()
    path.write_bytes(source.read_bytes())
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))


def test_file_changed_between_discover_and_read_is_not_used(workspace, tmp_path):
    inbox = workspace / "inbox"
    files, _ = discover(inbox, tmp_path / "work", api.load_context(workspace).config.timezone)
    target = next(f for f in files if f.path.name == "市发改委.xlsx")
    _overwrite(target.path, inbox / "市工信局.xlsx")

    book, problems = read_one(target)

    assert book is None
    assert [(p.code, p.file) for p in problems] == [("file-changed-during-run", "市发改委.xlsx")]
    assert "被改动" in problems[0].message


def test_unchanged_file_reads(workspace, tmp_path):
    files, _ = discover(workspace / "inbox", tmp_path / "work", api.load_context(workspace).config.timezone)
    book, problems = read_one(next(f for f in files if f.path.name == "市发改委.xlsx"))
    assert book is not None
    assert not [p for p in problems if p.code == "file-changed-during-run"]


def test_run_stops_when_a_file_changes_before_it_is_archived(workspace, monkeypatch):
    inbox = workspace / "inbox"
    real_archive = api.archive_inputs

    def overwritten_meanwhile(*args, **kwargs):
        _overwrite(inbox / "市发改委.xlsx", inbox / "市工信局.xlsx")
        return real_archive(*args, **kwargs)

    monkeypatch.setattr(api, "archive_inputs", overwritten_meanwhile)
    with pytest.raises(LyreportError, match="市发改委.xlsx.*被改动"):
        api.run_week(workspace, WEEK)

    # Nothing recorded, nothing written: the week is not kept from bytes the inbox no longer holds.
    conn = sqlite3.connect(workspace / "history" / "history.sqlite3")
    try:
        assert conn.execute("SELECT count(*) FROM weeks").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM inputs").fetchone()[0] == 0
    finally:
        conn.close()
    assert not (workspace / "outbox" / WEEK.isoformat() / "summary.json").exists()

    monkeypatch.setattr(api, "archive_inputs", real_archive)  # the file is saved now: run again
    report = api.run_week(workspace, WEEK)
    assert report.outputs.folder.joinpath("summary.json").exists()
