"""Benchmark: the reader worker's CPU per file, in this process, and the parent's cost of taking its answer.

    python bench/bench_read_worker.py /tmp/bws/w1000/inbox          # a folder of returns
    python bench/bench_read_worker.py --n 200                       # build a seeded inbox first (not timed)
    python bench/bench_read_worker.py --n 200 --baseline ../old     # the same rounds with older code too

Times `lyreport.intake.read.read_path` (pre-check, calamine, marks, saved time: everything a worker does
per file), the pickling of its answer in the worker and the `_DataUnpickler` load in the parent, with
time.process_time so that other processes on a shared machine move the figures little. Each round runs
in a fresh interpreter; with --baseline the rounds alternate between the two checkouts. Best of rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

ROUND = """
import json, pickle, sys, time
from pathlib import Path
from lyreport.intake import read
from lyreport.intake.pool import _loads
paths = sorted(str(p) for p in Path(sys.argv[1]).iterdir() if p.is_file())
for path in paths[:20]:
    read.read_path(path)
start = time.process_time()
answers = [read.read_path(path) for path in paths]
worker = time.process_time() - start
start = time.process_time()
payloads = [pickle.dumps((i, "ok", a), protocol=pickle.HIGHEST_PROTOCOL) for i, a in enumerate(answers)]
dumps = time.process_time() - start
start = time.process_time()
for payload in payloads:
    _loads(payload)
loads = time.process_time() - start
n = len(paths)
print(json.dumps({"read_path_ms": worker / n * 1e3, "dumps_us": dumps / n * 1e6, "loads_us": loads / n * 1e6,
                  "bytes": sum(map(len, payloads)) / n, "files": n}))
"""


def one_round(code: Path, inbox: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    # cwd too: "python -c" puts the current folder first on sys.path
    command = [sys.executable, "-c", ROUND, str(inbox.resolve())]
    out = subprocess.run(command, env=env, cwd=code, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inbox", nargs="?", type=Path)
    parser.add_argument("--n", type=int, default=200, help="returns in a built inbox (when no folder is given)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout to time in the same rounds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        inbox = args.inbox
        if inbox is None:
            sys.path.insert(0, str(HERE))
            from bench_intake import build_inbox

            inbox = build_inbox(Path(scratch) / "workspace", args.n) / "inbox"
        codes = {"this": REPO} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
        best: dict[str, dict[str, float]] = {}
        for _ in range(args.rounds):
            for label, code in codes.items():
                figures = one_round(code, inbox)
                kept = best.setdefault(label, figures)
                for key, value in figures.items():
                    kept[key] = min(kept[key], value)
        for label, figures in best.items():
            print(
                f"{label:9} {figures['files']:.0f} files: read_path {figures['read_path_ms']:.3f} ms/file, "
                f"answer pickle {figures['dumps_us']:.1f} us + unpickle {figures['loads_us']:.1f} us, "
                f"{figures['bytes']:.0f} bytes"
            )


if __name__ == "__main__":
    main()
