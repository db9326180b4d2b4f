"""Scan reading speed and memory: one page, a week of 15 one-page scans cold and cached.

    python bench/bench_scan_speed.py [--n 15]

Scans are made like tests/scan_forms.py does: filled templates → LibreOffice PDF → 200 dpi page,
QR mark and seal added. Prints seconds and peak resident memory (parent and the largest worker).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from scan_forms import scan_files  # noqa: E402

from lyreport.intake.discover import discover  # noqa: E402
from lyreport.intake.scan.intake import read_scans  # noqa: E402
from lyreport.intake.scan.reader import scan_path  # noqa: E402
from lyreport.master import load_directory, load_master  # noqa: E402
from lyreport.samples import make_filling  # noqa: E402
from lyreport.workspace import init_workspace  # noqa: E402

WEEK = date(2021, 1, 7)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        ws, _ = init_workspace(base / "ws")
        directory = load_directory(ws.templates / "单位名录.xlsx")
        master, _ = load_master(ws.templates / "措施清单.xlsx", directory)
        rng = random.Random(1)
        units = master.units[: args.n]
        jobs = [
            (make_filling(master, u, WEEK, rng), WEEK, base / "inbox" / f"{u}-扫描件.png", i % 4 != 0, True)
            for i, u in enumerate(units)
        ]
        (base / "work").mkdir()
        started = time.perf_counter()
        scan_files(master, directory, jobs, base / "work")
        print(f"made {len(jobs)} scans in {time.perf_counter() - started:.1f} s")
        files, _ = discover(base / "inbox", base / "disc", ws_tz())
        cache = base / "cache"
        for label in ("cold", "cached"):
            started = time.perf_counter()
            scans = read_scans(files, master, directory, cache=cache)
            readable = sum(1 for s in scans if s.readable)
            print(f"{len(files)} scans {label}: {time.perf_counter() - started:.2f} s ({readable} readable)")
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS: parent {parent:.0f} MB, largest worker {child:.0f} MB")
        started = time.perf_counter()
        read_scans(files[:1], master, directory, cache=base / "cache-one")
        print(f"one page in a fresh worker (start + engine load + read): {time.perf_counter() - started:.2f} s")
        scan_path(str(files[0].path))
        started, cpu = time.perf_counter(), time.process_time()
        scan_path(str(files[0].path))
        print(f"one page, engine loaded: {time.perf_counter() - started:.2f} s ({time.process_time() - cpu:.2f} s CPU)")


def ws_tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


if __name__ == "__main__":
    main()
