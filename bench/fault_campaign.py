"""Fault campaign (not part of CI): many kills at named points and random moments, and many races.

    PYTHONPATH=. python bench/fault_campaign.py --kills 40 --races 10

Each kill re-runs a changed week in a real `lyreport` process and kills it, then checks: the week folder,
工作台账.xlsx and the history are each entirely old or entirely new (never mixed), no reader worker
outlives its parent, and the next run leaves no temp or staging file behind. Each race starts a re-run
of one week and the first run of the next together and checks the history against running them in turn.
Prints the figures the issue asks for.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fault_workspace import (  # noqa: E402
    UNITS,
    W1,
    W2,
    W3,
    build_base,
    cli,
    history,
    leftovers,
    make_returns,
    popen,
    processes_using,
    race,
    race_history,
    snapshot,
)

from lyreport import api  # noqa: E402

POINTS = ["locked", "reading", "archived", "before-commit", "committed", "week-switched", "ledger-switched"]


def wait_gone(root: Path, seconds: float = 5) -> list[int]:
    deadline = time.monotonic() + seconds
    while processes_using(root) and time.monotonic() < deadline:
        time.sleep(0.05)
    return processes_using(root)


def kills(base: Path, work: Path, count: int, rng: random.Random) -> dict[str, int]:
    figures = {"kills": 0, "leftovers": 0, "wrong_history": 0, "mixed_outputs": 0}
    ws = work / "kills"
    shutil.copytree(base, ws)
    folder, ledger = ws / "outbox" / W2.isoformat(), ws / "outbox" / "工作台账.xlsx"
    old = (snapshot(folder), ledger.read_bytes(), history(ws))
    make_returns(ws, W2, units=UNITS + 2, folder="late")
    reference = work / "reference"
    shutil.copytree(ws, reference)
    api.run_week(reference, W2)
    new = (snapshot(reference / "outbox" / W2.isoformat()), (reference / "outbox" / "工作台账.xlsx").read_bytes())
    new_history = history(reference)
    for n in range(count):
        env = {"LYREPORT_PLAIN_RENAME": "1"} if n % 3 == 0 else {}
        if n % 2 == 0:
            env["LYREPORT_KILL_AT"] = rng.choice(POINTS + ["week-moved-aside"] * bool(env))
            run = cli(ws, "run", "--week", W2.isoformat(), "-q", env=env)
            killed = run.returncode == -signal.SIGKILL
        else:  # a random moment, as a power cut would choose
            proc = popen(ws, "run", "--week", W2.isoformat(), "-q", env=env)
            time.sleep(rng.uniform(0.3, 3.0))
            killed = proc.poll() is None
            if killed:
                os.kill(proc.pid, signal.SIGKILL)
            proc.communicate()
        figures["kills"] += killed
        figures["leftovers"] += len(wait_gone(ws))
        aside = list((ws / "outbox").glob(f".~old-{W2.isoformat()}*"))
        week_files = snapshot(folder if folder.is_dir() else aside[0]) if folder.is_dir() or aside else {}
        figures["mixed_outputs"] += week_files not in (old[0], new[0]) or ledger.read_bytes() not in (old[1], new[1])
        figures["wrong_history"] += history(ws) not in (old[2], new_history)
        api.run_week(ws, W1)  # the next run repairs and cleans
        figures["leftovers"] += len(leftovers(ws))
        if n % 4 == 3:  # sometimes let the week finish; later kills then re-run an already new week
            api.run_week(ws, W2)
            figures["wrong_history"] += history(ws) != new_history
    return figures


def races(work: Path, count: int) -> dict[str, int]:
    """First runs of two new weeks started together (see tests/fault_workspace.race)."""
    base = build_base(work / "race-base", recorded=(W1,))
    reference = work / "race-reference"
    shutil.copytree(base, reference)
    api.run_week(reference, W2)
    api.run_week(reference, W3)
    expected = history(reference)
    figures = {"races": 0, "wrong_history": 0, "refused": 0, "refused_with_message": 0, "restored": 0}
    for n in range(count):
        copy = work / f"race{n}"
        shutil.copytree(base, copy)
        told = race(copy, (W2, W3))
        for key, value in told.items():
            figures[key] += value
        figures["races"] += 1
        figures["wrong_history"] += history(copy) != race_history(expected, told)
        shutil.rmtree(copy)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--races", type=int, default=10)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lyreport-faults-") as tmp:
        work = Path(tmp)
        base = build_base(work / "base")
        print("kills:", kills(base, work, args.kills, random.Random(args.seed)))
        print("races:", races(work, args.races))


if __name__ == "__main__":
    main()
