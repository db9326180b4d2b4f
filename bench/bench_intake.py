"""Benchmark: intake alone, the whole run, and the plain pandas approach, on N seeded returns.

    python bench/bench_intake.py --n 20 200 1000

Each measurement runs in a fresh Python process so that its peak memory (ru_maxrss of the process,
plus the largest reader worker) is its own. Building the inbox is not timed.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

WEEK = date(2021, 1, 7)


def build_inbox(root: Path, n: int, seed: int = 7) -> Path:
    """A workspace whose inbox holds n realistic returns (units repeat beyond 15, contents differ)."""
    from lyreport.api import load_context
    from lyreport.render.templates import write_template
    from lyreport.samples import fill_template, make_filling, set_received
    from lyreport.weeks import deadline_on
    from lyreport.workspace import init_workspace

    init_workspace(root)
    context = load_context(root)
    master, directory = context.master, context.directory
    rng = random.Random(seed)
    blanks = {}
    for unit in master.units:
        blanks[unit] = write_template(master, directory.get(unit), WEEK, root / "blank" / f"{unit}.xlsx")
    deadline = deadline_on(WEEK, context.config)
    for index in range(n):
        unit = master.units[index % len(master.units)]
        filling = make_filling(master, unit, WEEK, rng)
        path = fill_template(blanks[unit], filling, root / "inbox" / f"{index:04d}-{unit}.xlsx")
        set_received(path, deadline.replace(hour=9))
    shutil.rmtree(root / "blank")
    return root


def measure(kind: str, root: Path) -> dict[str, float]:
    """Run one measurement in this process and report seconds and peak memory (MB)."""
    import resource

    start = time.perf_counter()
    if kind == "intake":
        from lyreport.api import load_context
        from lyreport.intake.pipeline import run_intake

        context = load_context(root)
        with tempfile.TemporaryDirectory() as work:
            result = run_intake(root / "inbox", Path(work), context.master, context.directory, context.config)
        count = len(result.returns)
    elif kind == "run":
        from lyreport.api import run_week

        report = run_week(root, WEEK)
        count = len(report.result.returns)
    else:
        import pandas as pd

        frames = [
            pd.read_excel(p, sheet_name=0, header=None, engine="openpyxl") for p in sorted((root / "inbox").iterdir())
        ]
        count = len(pd.concat(frames, ignore_index=True))
    elapsed = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": elapsed, "peak_mb": own, "worker_peak_mb": workers, "count": count}


def _child(kind: str, root: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", kind, "--root", str(root)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description="lyreport intake benchmark")
    parser.add_argument("--n", type=int, nargs="+", default=[20])
    parser.add_argument("--measure", choices=["intake", "run", "pandas"])
    parser.add_argument("--root", type=Path)
    parser.add_argument("--skip-pandas-over", type=int, default=10_000, help="skip the slow baseline above this N")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.root)))
        return
    print(f"{'N':>6} {'stage':<8} {'seconds':>8} {'files/s':>9} {'peak MB':>8} {'worker MB':>9}")
    for n in args.n:
        with tempfile.TemporaryDirectory() as tmp:
            root = build_inbox(Path(tmp) / "ws", n)
            kinds = ["intake", "run"] + (["pandas"] if n <= args.skip_pandas_over else [])
            results = {kind: _child(kind, root) for kind in kinds}
            for kind, r in results.items():
                print(
                    f"{n:>6} {kind:<8} {r['seconds']:>8.2f} {n / r['seconds']:>9.1f} {r['peak_mb']:>8.0f} "
                    f"{r['worker_peak_mb']:>9.0f}"
                )
            if "pandas" in results:
                print(
                    f"{n:>6} speed-up of intake over pandas+openpyxl: "
                    f"{results['pandas']['seconds'] / results['intake']['seconds']:.1f}x"
                )


if __name__ == "__main__":
    main()
