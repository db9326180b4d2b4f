"""Benchmark: reading paper returns. A seeded set of generated scans (lyreport.scansim), read one by one.

    python bench/bench_scans.py --n 60            # the full mix (LibreOffice-printed forms when soffice exists)
    python bench/bench_scans.py --n 60 --keep out # keep the scans and truth.json for a look

Reports unit+week identified, statuses right, seal present/absent right (on black-and-white scans: "cannot tell"), seconds per page and peak memory,
then every case that went wrong. Generation is not timed. Reading runs in a fresh process (so its peak
memory is its own), page by page in that process: the first page also pays for loading the OCR models.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TARGETS = {"unit_week": 100.0, "statuses": 99.0, "seal": 98.0, "seconds_per_page": 3.0}


def generate(folder: Path, n: int, seed: int, office: bool | None) -> list[dict[str, Any]]:
    """Write the scans as NNN.ext (names say nothing of the unit) and return their ground truth."""
    from lyreport.scansim import bench_specs, make_set

    specs = bench_specs(n, seed, office=office)
    truths = []
    for index, (spec, scan) in enumerate(zip(specs, make_set(specs), strict=True)):
        name = f"{index:03d}{Path(scan.name).suffix}"
        (folder / name).write_bytes(scan.data)
        truth = dataclasses.asdict(scan.truth)
        truth["week"] = truth["week"].isoformat() if truth["week"] else None
        truth["statuses"] = {str(k): v for k, v in truth["statuses"].items()}
        truths.append({"file": name, "spec": {"seed": spec.seed, "pages": spec.pages}, **truth})
    (folder / "truth.json").write_text(json.dumps(truths, ensure_ascii=False, indent=1), encoding="utf-8")
    return truths


def read_all(folder: Path) -> dict[str, Any]:
    """Read every scan in this process with the product's reader; per-file answers and timings."""
    import hashlib
    import resource

    from lyreport.intake.scan.intake import interpret
    from lyreport.intake.scan.reader import scan_path
    from lyreport.master import load_directory, load_master
    from lyreport.models import SourceFile
    from lyreport.workspace import init_workspace

    with tempfile.TemporaryDirectory() as tmp:  # the lists as a fresh workspace has them
        ws, _ = init_workspace(Path(tmp))
        directory = load_directory(ws.templates / "单位名录.xlsx")
        master, _ = load_master(ws.templates / "措施清单.xlsx", directory)
    truths = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    received = datetime(2021, 1, 7, 10, tzinfo=UTC)
    results = []
    for truth in truths:
        path = folder / truth["file"]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        file = SourceFile(path, path.name, "scan", received, digest, origin=path)
        start, cpu = time.perf_counter(), time.process_time()
        answer = scan_path(str(path))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        scan = interpret(file, answer, master, directory)[0]  # one unit's form per generated file
        parsed = scan.parsed
        results.append(
            {
                "file": truth["file"],
                "seconds": seconds,
                "cpu_seconds": cpu,  # all threads: tells the reader's cost from a busy machine's waiting
                "pages": answer[1] if answer and answer[0] == "ok" else 1,
                "unit": scan.unit,
                "week": parsed.week.isoformat() if parsed and parsed.week else None,
                "stamped": scan.stamped,
                "readable": scan.readable,
                "statuses": {str(r.measure_no): r.status for r in parsed.rows} if parsed else {},
                "problems": [p.code for p in scan.problems],
            }
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"results": results, "peak_mb": peak}


def score(truths: list[dict[str, Any]], read: dict[str, Any]) -> dict[str, Any]:
    """Percentages against the targets, and a line for every case that went wrong."""
    by_file = {r["file"]: r for r in read["results"]}
    forms = [t for t in truths if t["unit"]]
    ident = statuses_right = statuses_total = seal_right = 0
    failures = []
    for truth in truths:
        got = by_file[truth["file"]]
        what = (
            f"{truth['file']} {truth['kind']}{' photo' if truth['photo'] else ''}{' grey' if truth.get('grey') else ''}"
            f" {truth['fmt']} {truth['dpi']}dpi "
            f"{truth['pages']}p{' seal-over-table' if truth['seal_over_table'] else ''} {truth['unit'] or '-'}"
        )
        wrong = []
        if truth["unit"]:
            if (got["unit"], got["week"]) == (truth["unit"], truth["week"]):
                ident += 1
            else:
                wrong.append(f"unit/week {got['unit']}/{got['week']} (truth {truth['unit']}/{truth['week']})")
            for no, status in truth["statuses"].items():
                statuses_total += 1
                if got["statuses"].get(no) == status:
                    statuses_right += 1
                else:
                    wrong.append(f"第{no}条 read {got['statuses'].get(no)!r}, truth {status!r}")
        elif got["readable"]:
            wrong.append(f"a page that is no form was read as {got['unit']}")
        # A black-and-white scan cannot show whether the paper is stamped: the right answer is "cannot tell" (None).
        expected = None if truth.get("grey") else truth["stamped"]
        if truth["unit"] is None or got["stamped"] == expected:
            seal_right += 1
        else:
            said = {True: "found", False: "missed", None: "not told"}[got["stamped"]]
            wrong.append(f"seal {said} (truth stamped={truth['stamped']}, grey={bool(truth.get('grey'))})")
        if wrong:
            failures.append(f"{what}: " + "; ".join(wrong) + f"  [{', '.join(got['problems'])}]")
    pages = sum(r["pages"] for r in read["results"])
    seconds = [r["seconds"] / max(1, r["pages"]) for r in read["results"]]
    cpu = [r.get("cpu_seconds", 0.0) / max(1, r["pages"]) for r in read["results"]]
    stamped_forms = [t for t in truths if t["unit"]]
    return {
        "scans": len(truths),
        "pages": pages,
        "unit_week": 100.0 * ident / max(1, len(forms)),
        "statuses": 100.0 * statuses_right / max(1, statuses_total),
        "statuses_total": statuses_total,
        "seal": 100.0 * seal_right / max(1, len(truths)),
        "seal_cases": len(stamped_forms),
        "seconds_per_page": sum(seconds[1:]) / max(1, len(seconds) - 1),
        "slowest_page": max(seconds[1:], default=0.0),
        "cpu_per_page": sum(cpu[1:]) / max(1, len(cpu) - 1),
        "first_page": seconds[0] if seconds else 0.0,
        "peak_mb": read["peak_mb"],
        "failures": failures,
    }


def report(result: dict[str, Any], generated_s: float) -> None:
    print(f"scans {result['scans']} ({result['pages']} pages), generated in {generated_s:.0f} s")
    rows = [
        ("unit + week identified", f"{result['unit_week']:.1f} %", f"{TARGETS['unit_week']:.0f} %"),
        (
            f"statuses right ({result['statuses_total']})",
            f"{result['statuses']:.1f} %",
            f"≥ {TARGETS['statuses']:.0f} %",
        ),
        ("seal present/absent/unknown right", f"{result['seal']:.1f} %", f"≥ {TARGETS['seal']:.0f} %"),
        ("seconds per page (warm)", f"{result['seconds_per_page']:.2f}", f"≤ {TARGETS['seconds_per_page']:.0f}"),
        ("slowest page", f"{result['slowest_page']:.2f}", ""),
        ("CPU seconds per page (all threads)", f"{result['cpu_per_page']:.2f}", ""),
        ("first page (loads the models)", f"{result['first_page']:.2f}", ""),
        ("peak memory of the reader", f"{result['peak_mb']:.0f} MB", "≤ 1024 MB"),
    ]
    for name, value, target in rows:
        print(f"  {name:<32} {value:>10}  {target}")
    if result["failures"]:
        print(f"cases that went wrong ({len(result['failures'])}):")
        for line in result["failures"]:
            print("  " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description="lyreport scan reading benchmark")
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--seed", type=int, default=20210107)
    parser.add_argument("--no-office", action="store_true", help="only PIL-drawn forms (no LibreOffice)")
    parser.add_argument("--keep", type=Path, help="write the scans and results here instead of a temporary folder")
    parser.add_argument("--reuse", action="store_true", help="with --keep: read the scans generated there before")
    parser.add_argument("--read", type=Path, help=argparse.SUPPRESS)  # child process: read a generated folder
    args = parser.parse_args()
    if args.read:
        print(json.dumps(read_all(args.read), ensure_ascii=False))
        return
    with tempfile.TemporaryDirectory(prefix="lyreport-bench-scans-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        if args.reuse and (folder / "truth.json").is_file():
            truths = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        else:
            truths = generate(folder, args.n, args.seed, False if args.no_office else None)
        generated = time.perf_counter() - started
        child = subprocess.run(
            [sys.executable, __file__, "--read", str(folder)], check=True, capture_output=True, text=True
        )
        read = json.loads(child.stdout.strip().splitlines()[-1])
        result = score(truths, read)
        (folder / "results.json").write_text(json.dumps({**read, **result}, ensure_ascii=False, indent=1), "utf-8")
        report(result, generated)


if __name__ == "__main__":
    main()
