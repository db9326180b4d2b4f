"""`lyreport check`: read the given files exactly as `run` would and say what was found; records nothing.

The reader workers start on the files as soon as they are found, and the parsing code, the unit directory
and the master list are loaded while they read: for a small check that start-up is a good part of the time.
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import in_workspace
from .faults import LyreportError
from .intake.pool import DEFAULT_WORKERS
from .intake.read import Reading, guess_workbooks, workbooks_of
from .models import IntakeResult, ParsedReturn, SourceFile
from .problems import Problem, problem

if TYPE_CHECKING:
    from .context import Context


@dataclass
class CheckedFile:
    """What `lyreport check` says of one file."""

    name: str
    unit: str | None
    week: date | None
    rows: int
    problems: list[Problem]
    kind: str = ""  # "workbook" | "scan" | "" (ignored or unreadable before typing)


def check_files(
    paths: list[Path], workspace: Path | None = None, *, workers: int = DEFAULT_WORKERS
) -> list[CheckedFile]:
    """Read the given files exactly as run would; one CheckedFile per file found.

    Outside any workspace (and without `workspace`) the bundled default list and unit directory are used.
    """
    with contextlib.ExitStack() as stack:
        missing = [path for path in paths if not path.exists()]
        # The readers begin on the likely workbooks at once; config, discover and the lists load meanwhile.
        reading = stack.enter_context(Reading.ahead(guess_workbooks(paths) if not missing else [], workers=workers))
        from .context import load_lists, load_settings, scan_cache
        from .intake.discover import discover_paths
        from .worktemp import workspace_temp

        if workspace is None and not in_workspace():
            from .workspace import init_workspace  # writes the default templates: openpyxl only here

            defaults = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lyreport-check-")))
            workspace = init_workspace(defaults / "defaults")[0].root  # exactly what `init` would give
        ws, config = load_settings(workspace)
        files: list[SourceFile] = []
        found: list[Problem] = []
        if not missing:
            # The files are read where they lie (never written); only e-mail and zip members are unpacked.
            work = stack.enter_context(workspace_temp(ws, "check"))
            files, found = discover_paths(paths, work, config.timezone)
        reading.adopt(workbooks_of(files))  # e-mail and zip members start now too, not after the lists
        context = load_lists(ws, config)  # a broken list is said before a missing file, as always
        if missing:
            raise LyreportError(f"找不到文件：{missing[0]}")
        from .intake.pipeline import read_files

        intake = read_files(
            files, found, context.master, context.directory, context.config,
            workers=workers, scan_cache=scan_cache(context), reading=reading,
        )  # fmt: skip
        return _checked(intake, context)


def _scan_notes(scan: Any) -> list[Problem]:
    """What `check` says of a scan beyond reading it: what it read with doubt, and a missing seal (or one that
    a black-and-white scan cannot show)."""
    from .intake.pipeline import said_for_file

    notes = [p for p in scan.problems if not said_for_file(scan, p)]  # the others are among the file's problems
    if scan.readable and scan.seal_unknown:
        from .assign import grey_pages_place

        cell = grey_pages_place(scan)
        notes.append(problem("scan-seal-unknown", file=scan.file.display, cell=cell, unit=scan.unit or ""))
    elif scan.readable and scan.stamped is False:
        notes.append(problem("scan-unstamped", file=scan.file.display, unit=scan.unit or ""))
    return notes


def _checked(intake: IntakeResult, context: Context) -> list[CheckedFile]:
    from .assign import file_notes, return_week  # loaded while the files were read
    from .merge import beside_return

    by_file: dict[str, ParsedReturn] = {}
    extra: dict[str, list[ParsedReturn]] = {}  # a workbook holding a second unit's sheet
    for ret in intake.returns:
        if ret.file.display in by_file:
            extra.setdefault(ret.file.display, []).append(ret)
        else:
            by_file[ret.file.display] = ret
    scan_notes: dict[str, list[Problem]] = {}
    for scan in intake.scans:  # a scan holding several units' forms gives one Scan per unit
        scan_notes.setdefault(scan.file.display, []).extend(_scan_notes(scan))
        if scan.parsed is None:
            continue
        if scan.file.display in by_file:
            extra.setdefault(scan.file.display, []).append(scan.parsed)
        else:
            by_file[scan.file.display] = scan.parsed
    names = [f.display for f in intake.files] + sorted(
        {p.file for p in intake.problems if p.file} - {f.display for f in intake.files}
    )
    other_units = {f.file.display: f.unit for f in intake.failed} | {s.file.display: s.unit for s in intake.scans}
    kinds = {f.display: f.kind for f in intake.files}
    notes = file_notes(intake.returns, context.config)  # which copy counts, saved-in-time files
    usable = {r.unit for r in intake.returns if r.usable and r.unit}
    by_name: dict[str, list[Problem]] = {}  # one pass, in order: a scan of all problems per file is quadratic
    for found_problem in [beside_return(p, usable) for p in intake.problems] + notes:
        by_name.setdefault(found_problem.file, []).append(found_problem)
    checked = []
    for name in names:
        ret = by_file.get(name)
        week = return_week(ret, context.config) if ret else None
        found = by_name.get(name, []) + scan_notes.get(name, [])
        unit = ret.unit if ret else other_units.get(name)
        rows = len(ret.rows) if ret else 0
        for more in extra.get(name, []):
            unit, rows = "、".join(filter(None, [unit, more.unit])), rows + len(more.rows)
        checked.append(CheckedFile(name, unit, week, rows, found, kinds.get(name, "")))
    return checked
