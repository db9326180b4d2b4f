"""The rendering helpers of `lyreport run` (render/forked.py): the program's outputs are the bytes an
in-process run writes, a helper's failure is raised in the parent as the call's own exception, and no
helper outlives its parent."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest

from lyreport import api, lean
from lyreport.render import forked
from lyreport.samples import fill_template, make_filling, set_received
from lyreport.weeks import deadline_on

REPO = Path(__file__).resolve().parent.parent
WEEK = date(2021, 1, 7)


@pytest.fixture
def program(monkeypatch: pytest.MonkeyPatch) -> None:
    """This test process counts as the `lyreport` program, which may fork helpers."""
    monkeypatch.setattr(lean, "_program", True)


def _started() -> forked.Helper:
    helper = forked.Helper.start(lambda: None)
    if helper is None:  # pragma: no cover - another thread is running in this test process
        pytest.skip("helpers are only forked from a single-threaded process")
    return helper


def test_outside_the_program_nothing_is_forked() -> None:
    assert forked.Helper.start(lambda: None) is None
    assert not forked.Renderers()


def test_a_helper_runs_the_calls_in_order(program: None, tmp_path: Path) -> None:
    helper = _started()
    target = tmp_path / "a" / "b"
    outcome = helper.begin([("os", "makedirs", (str(target),), {}), ("os", "rmdir", (str(target),), {})])
    assert outcome.wait() is None
    assert (tmp_path / "a").is_dir() and not target.exists()


def test_the_first_failing_call_comes_back_as_its_own_exception(program: None, tmp_path: Path) -> None:
    helper = _started()
    missing = tmp_path / "nowhere" / "file"
    outcome = helper.begin([("os", "rmdir", (str(missing),), {}), ("os", "makedirs", (str(tmp_path / "x"),), {})])
    index, error = outcome.wait()
    assert index == 0 and isinstance(error, FileNotFoundError)
    assert error.filename == str(missing)  # the message staff would read names the same path
    assert not (tmp_path / "x").exists()  # nothing after the failure ran


def test_a_helper_that_dies_is_reported_not_awaited_forever(program: None) -> None:
    helper = _started()
    index, error = helper.begin([("os", "_exit", (3,), {})]).wait()
    assert index == 0 and isinstance(error, forked.HelperDied) and "意外退出" in str(error)


def test_calls_that_cannot_be_sent_run_in_this_process(program: None, tmp_path: Path) -> None:
    helper = _started()
    unpicklable = (lambda: None,)
    outcome = helper.begin([("os", "makedirs", (str(tmp_path / "here"),), {"exist_ok": True, "x": unpicklable})])
    index, error = outcome.wait()  # run here: makedirs refuses the unknown argument, as it would in-process
    assert index == 0 and isinstance(error, TypeError)
    assert helper.pid is None  # the helper was stopped


def test_no_helper_outlives_a_killed_parent(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import os, signal
        from lyreport import lean
        from lyreport.render import forked
        lean.as_program()
        helper = forked.Helper.start(lambda: None)
        print(helper.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL
    pid = int(done.stdout.split()[0])
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_program_writes_the_bytes_an_in_process_run_writes(tmp_path: Path) -> None:
    """`lyreport run` (helpers) against api.run_week in this process (everything in turn), same inbox."""
    first = _week(tmp_path / "one", 6)
    second = tmp_path / "two"
    shutil.copytree(first, second)
    api.run_week(first, WEEK)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    argv = [sys.executable, "-m", "lyreport", "run", "--week", WEEK.isoformat(), "--workspace", ".", "-q"]
    done = subprocess.run(argv, cwd=second, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode in (0, 1), done.stderr
    assert _digests(first) == _digests(second)
    assert len(_digests(second)) >= 7


def _digests(root: Path) -> dict[Path, str]:
    outbox = root / "outbox"
    return {p.relative_to(outbox): hashlib.sha256(p.read_bytes()).hexdigest() for p in outbox.rglob("*") if p.is_file()}


def _week(root: Path, n: int) -> Path:
    from lyreport.render.templates import write_template
    from lyreport.workspace import init_workspace

    init_workspace(root)
    context = api.load_context(root)
    master, directory = context.master, context.directory
    rng = random.Random(n)
    deadline = deadline_on(WEEK, context.config)
    for index in range(n):
        unit = master.units[index % len(master.units)]
        blank = write_template(master, directory.get(unit), WEEK, root.parent / "blank" / f"{unit}.xlsx")
        path = fill_template(blank, make_filling(master, unit, WEEK, rng), root / "inbox" / f"{index:02d}-{unit}.xlsx")
        set_received(path, deadline.replace(hour=9))
    return root


def test_with_helpers_a_refused_archive_stops_the_run_with_the_same_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The helpers render while the inputs are archived; the archive's failure still comes first."""
    messages = []
    for name, as_program in (("in-turn", False), ("helpers", True)):
        root = _week(tmp_path / name, 3)
        list_id = api.load_context(root).master.list_id
        (root / "history" / "archive").mkdir(parents=True)
        (root / "history" / "archive" / list_id).write_text("不是文件夹")  # the week's folder cannot be made
        monkeypatch.setattr(lean, "_program", as_program)
        with pytest.raises(api.LyreportError) as caught:
            api.run_week(root, WEEK)
        messages.append(str(caught.value).replace(str(root), "<ws>"))
        assert not (root / "outbox" / WEEK.isoformat()).exists()
        assert not [p for p in (root / "outbox").iterdir() if p.name.startswith(".~")]
    assert messages[0] == messages[1] and "<ws>" in messages[0]


def test_a_failed_run_stops_its_helpers_before_it_removes_the_staging_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A helper still writing while the staging folder is removed would leave a half-deleted .~staging
    folder in the outbox (seen on a slow machine): the helpers are stopped first, at once."""
    root = _week(tmp_path / "ws", 2)
    list_id = api.load_context(root).master.list_id
    (root / "history" / "archive").mkdir(parents=True)
    (root / "history" / "archive" / list_id).write_text("不是文件夹")
    monkeypatch.setattr(lean, "_program", True)
    monkeypatch.setenv("LYREPORT_PAUSE_AT", "helper-call:30")  # each helper holds its call, as a slow disk would
    started: list[forked.Renderers] = []

    class Recorded(forked.Renderers):
        def __init__(self) -> None:
            super().__init__()
            started.append(self)

    alive_at_removal: list[bool] = []
    remove = shutil.rmtree

    def watched(path: Path, *args: object, **kwargs: object) -> None:
        if Path(path).name.startswith(".~staging"):
            alive_at_removal.extend(h.pid is not None for r in started for h in (r.ledger, r.documents) if h)
        remove(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "Renderers", Recorded)
    monkeypatch.setattr(shutil, "rmtree", watched)
    begun = time.monotonic()
    with pytest.raises(api.LyreportError):
        api.run_week(root, WEEK)
    if not started or not started[0]:  # pragma: no cover - another thread is running in this test process
        pytest.skip("helpers are only forked from a single-threaded process")
    assert alive_at_removal == [False, False]
    assert time.monotonic() - begun < 20  # stopped, not waited for
    assert not [p for p in (root / "outbox").iterdir() if p.name.startswith(".~")]
