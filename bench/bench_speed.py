"""Benchmark: whole `lyreport` processes against the plain pandas + openpyxl script, paired in one run.

    python bench/bench_speed.py                      # 15, 200 and 1,000 returns, 3 repeats
    python bench/bench_speed.py --n 200 --repeat 5
    python bench/bench_speed.py --baseline ../old-checkout   # the same rounds with older code too

For each size it builds a seeded workspace (not timed), then, `--repeat` times in turn:
  plain   `python -c <read every return with pandas.read_excel(engine="openpyxl") and concat>`
  check   `lyreport check inbox` (exit code 1 is fine: returns may carry errors)
  run     `lyreport run --week …` on a workspace with no history (first run)
  rerun   the same command again (the week is already recorded)
Each is a fresh process, timed wall-clock from spawn to exit; peak memory is the largest resident set
of the process and its children (wait4). The ratio column divides by the plain script's time measured
in the same round, so a busy machine slows both sides; the table shows min and median over rounds.
CPU seconds (user + system, the process and its reader workers) are shown too: on a shared machine
they move far less than wall time, and on an idle 2-core machine wall time is close to them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_intake import WEEK, build_inbox  # noqa: E402

REPO = HERE.parent
PLAIN = """
import sys
from pathlib import Path
import pandas as pd
files = sorted(Path(sys.argv[1]).iterdir())
frames = [pd.read_excel(p, sheet_name=0, header=None, engine="openpyxl") for p in files]
print(len(pd.concat(frames, ignore_index=True)))
"""
LYREPORT = "from lyreport.cli import main; main()"


def timed(argv: list[str], ok: tuple[int, ...] = (0,), code: Path = REPO) -> tuple[float, float, float]:
    """Seconds from spawn to exit, CPU seconds and peak RSS (MB) of the process tree, for one fresh process."""
    env = dict(os.environ, PYTHONPATH=str(code))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # see compile_code()
    start = time.perf_counter()
    # cwd away from any checkout: `python -c` puts the current folder first on sys.path.
    proc = subprocess.Popen(argv, env=env, cwd=tempfile.gettempdir(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode not in ok:
        raise SystemExit(f"{argv} exited {proc.returncode}:\n{err}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def compile_code(*checkouts: Path) -> None:
    """Byte-compile lyreport as pip does when it installs a package. Without it, a machine that sets
    PYTHONDONTWRITEBYTECODE (this one does) recompiles every module on every start (~0.2 s), while the
    plain script's pandas and openpyxl come precompiled from site-packages."""
    for code in checkouts:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(code / "lyreport")], check=True)


def fresh_run(root: Path) -> list[str]:
    """Forget the recorded week so the next `run` is a first run."""
    shutil.rmtree(root / "history", ignore_errors=True)
    shutil.rmtree(root / "outbox", ignore_errors=True)
    (root / "outbox").mkdir()
    return lyreport(root, "run")


def lyreport(root: Path, command: str) -> list[str]:
    if command == "check":
        return [sys.executable, "-c", LYREPORT, "check", str(root / "inbox"), "--workspace", str(root)]
    return [sys.executable, "-c", LYREPORT, "run", "--week", WEEK.isoformat(), "--workspace", str(root), "-q"]


Round = tuple[float, float, float, float, float]


def one_size(n: int, repeat: int, baseline: Path | None) -> dict[str, list[Round]]:
    """(seconds, ratio to plain in the same round, CPU seconds, CPU ratio, peak MB) per round, per kind."""
    codes = {"": REPO} | ({"old ": baseline} if baseline else {})
    compile_code(*codes.values())
    rows: dict[str, list[Round]] = {"plain": []}
    for prefix in codes:
        rows |= {f"{prefix}{kind}": [] for kind in ("check", "run", "rerun")}
    with tempfile.TemporaryDirectory() as tmp:
        root = build_inbox(Path(tmp) / "ws", n)
        timed(lyreport(root, "check"), ok=(0, 1))  # warm the page cache and .pyc files, not counted
        for _ in range(repeat):
            plain, plain_cpu, plain_mb = timed([sys.executable, "-c", PLAIN, str(root / "inbox")])
            rows["plain"].append((plain, 1.0, plain_cpu, 1.0, plain_mb))
            for prefix, code in codes.items():
                for kind, argv in (
                    ("check", lyreport(root, "check")),
                    ("run", fresh_run(root)),
                    ("rerun", lyreport(root, "run")),
                ):
                    seconds, cpu, mb = timed(argv, ok=(0, 1), code=code)
                    rows[prefix + kind].append((seconds, seconds / plain, cpu, cpu / plain_cpu, mb))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="lyreport whole-process benchmark")
    parser.add_argument("--n", type=int, nargs="+", default=[15, 200, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout of lyreport, timed in the same rounds (old …)")
    args = parser.parse_args()
    print(
        f"{'N':>5} {'command':<10} {'min s':>7} {'median s':>9} {'ratio min':>10} {'ratio med':>10} "
        f"{'cpu s':>7} {'cpu ratio':>10} {'peak MB':>8}"
    )
    for n in args.n:
        for kind, rounds in one_size(n, args.repeat, args.baseline).items():
            secs = [r[0] for r in rounds]
            ratios = [r[1] for r in rounds]
            print(
                f"{n:>5} {kind:<10} {min(secs):>7.3f} {statistics.median(secs):>9.3f} "
                f"{min(ratios):>10.3f} {statistics.median(ratios):>10.3f} "
                f"{statistics.median(r[2] for r in rounds):>7.3f} {statistics.median(r[3] for r in rounds):>10.3f} "
                f"{max(r[4] for r in rounds):>8.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
