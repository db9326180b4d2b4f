"""Intake as one call: inbox folder → IntakeResult (returns, scans, failures, problems)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import Config
from ..models import FailedFile, IntakeResult, MasterList, ParsedReturn, SourceFile, WorkbookData
from ..problems import ERROR, SCAN_FILE_CODES, Problem, problem
from ..unitnames import UnitDirectory
from ..weeks import week_of_received
from .attribution import named_around, own_name
from .discover import discover
from .parse import BLANK_REASON, UNCHANGED_REASON, parse_returns
from .pool import DEFAULT_WORKERS
from .read import Reading, workbooks_of
from .safety import FOREIGN_FORMATS

Progress = Callable[[int, int], None]


def attribute(file: SourceFile, directory: UnitDirectory) -> str | None:
    """Guess a unit for a file that has no readable content: its own name, the sender, then the e-mail/zip/folder
    it came in and the mail's subject (never fetch's mailbox folder, which names the receiving mailbox)."""
    found = directory.find_in_text(own_name(file.display)).unit
    if found is None and file.sender:
        found = directory.by_email(file.sender).unit
    if found is None and (around := named_around(directory, file)):
        found = around[0]
    return found


def read_files(
    files: list[SourceFile],
    discovered: list[Problem],
    master: MasterList,
    directory: UnitDirectory,
    config: Config,
    *,
    workers: int = DEFAULT_WORKERS,
    progress: Progress | None = None,
    scan_cache: Path | None = None,
    reading: Reading | None = None,
) -> IntakeResult:
    """Read and parse already-discovered files (after discovery's own problems); scans are read by OCR
    (cached by SHA-256 in `scan_cache`); unreadable formats are charged to their units.

    `reading`: the workbooks' reading, already begun (Reading.ahead; see checking.py)."""
    result = IntakeResult(files=list(files))
    workbooks = workbooks_of(files)
    scan_files = [f for f in files if f.kind == "scan"]
    total = len(workbooks) + len(scan_files)
    outcomes: dict[str, tuple[list[ParsedReturn], list[Problem]]] = {}
    ledgers: set[str] = set()

    def parse_as_read(file: SourceFile, book: WorkbookData | None, problems: list[Problem]) -> None:
        # Runs while the workers read the next files; results are put back in input order below.
        found = list(problems)
        parsed: list[ParsedReturn] = []
        if book is not None and _office_ledger(book):  # the office's own 工作台账, still attached to a reply
            found.append(problem("office-ledger", file=file.display, unit=attribute(file, directory) or ""))
            ledgers.add(file.display)
        elif book is not None:  # usually one return; a second unit's sheet in the same file is a second one
            # Year-less dates (1月6日, 6月底) take the year of the week the file answers, not the clock's.
            week = week_of_received(file.received_at, config).date()
            parsed, more = parse_returns(book, master, directory, deadline_weekday=config.deadline_weekday, today=week)
            found += more
            if not parsed and file.ext == ".csv":  # a CSV that is not the form: a format we cannot read
                found = [problem("csv-no-form", file=file.display) if p.code == "no-table" else p for p in found]
        outcomes[file.display] = (parsed, found)
        if progress:
            progress(len(outcomes), total)

    if reading is None:
        reading = Reading(workbooks, workers=workers)
    else:  # begun on guessed paths (Reading.ahead) or on these files: now exactly these
        reading.adopt(workbooks)
    reading.finish(on_read=parse_as_read)
    filled = _filled_by_origin(workbooks, outcomes)
    for file in workbooks:
        parsed, found = outcomes[file.display]
        if parsed and _office_own(file, parsed, config):  # the notice or a bounce of it: no unit's return
            result.problems.append(problem("mail-office-own", file=file.display, sender=file.sender))
            continue
        if parsed and (sender := _others_blank(file, parsed, directory, filled)):  # a notice forwarded with its forms
            result.problems += [
                problem("mail-others-blank", file=file.display, unit=r.unit or "", sender=sender) for r in parsed
            ]
            continue
        if file.display in ledgers:  # said above; no unit's return, and no failed one either
            result.problems += found
            continue
        if parsed:
            result.returns += parsed
        else:
            unit = attribute(file, directory)
            result.failed.append(FailedFile(file, _first_error(found), unit))
            if unit:  # say whose file it was, so 问题清单 can be sorted by unit
                found = [replace(p, unit=unit) if not p.unit else p for p in found]
        result.problems += found
    # A scan that came in the same e-mail or zip as a return belongs to that return's unit.
    by_origin = {
        r.file.origin: r.unit
        for r in result.returns
        if r.unit and r.file.origin and r.file.origin.suffix.lower() in (".eml", ".zip")
    }
    if scan_files:  # imported here: reading scans loads OCR and image libraries, a run without scans does not
        from .scan.intake import read_scans

        def scan_progress(done: int) -> None:
            if progress:
                progress(len(workbooks) + done, total)

        scans = read_scans(
            scan_files, master, directory, deadline_weekday=config.deadline_weekday,
            workers=workers, cache=scan_cache, on_scan=scan_progress,
        )  # fmt: skip
        said: set[tuple[str, str, str]] = set()  # a file holding several units' forms gives several scans
        for scan in scans:
            if scan.unit is None:
                scan.unit = by_origin.get(scan.file.origin)
                scan.problems = [replace(p, unit=p.unit or scan.unit or "") for p in scan.problems]
            if scan.unit is None:
                result.problems.append(problem("scan-unmatched", file=scan.file.display))
            for found in filter(lambda p: said_for_file(scan, p), scan.problems):
                if (found.code, found.file, found.message) not in said:
                    said.add((found.code, found.file, found.message))
                    result.problems.append(found)
            result.scans.append(scan)
    result.problems = discovered + result.problems
    _foreign(result, files, directory)
    return result


def _office_own(file: SourceFile, parsed: list[ParsedReturn], config: Config) -> bool:
    """A template left blank (or as prefilled) in a mail the office sent itself: its copy of the notice, or
    the notice bounced back with the office's mail inside. A unit's return forwarded between the office's
    mailboxes is filled in (or comes inside the unit's own mail) and counts as before."""
    if not file.sender or file.sender not in config.office_addresses:
        return False
    return _untouched(parsed)


# The sheets of the 工作台账 that `run` writes (render/ledger.py): a workbook with most of them is the office's own.
_LEDGER_SHEETS = frozenset({"措施进展", "报送情况", "问题清单", "历史记录"})


def _office_ledger(book: WorkbookData) -> bool:
    return len(_LEDGER_SHEETS & {sheet.name for sheet in book.sheets}) >= 3


def _untouched(parsed: list[ParsedReturn]) -> bool:
    return all(BLANK_REASON in r.errors or UNCHANGED_REASON in r.errors for r in parsed)


def _filled_by_origin(
    workbooks: list[SourceFile], outcomes: dict[str, tuple[list[ParsedReturn], list[Problem]]]
) -> dict[Path, set[str]]:
    """The units whose filled-in returns each e-mail (or zip) carries."""
    found: dict[Path, set[str]] = {}
    for file in workbooks:
        parsed = outcomes[file.display][0]
        if file.origin is not None and parsed and not _untouched(parsed):
            found.setdefault(file.origin, set()).update(r.unit for r in parsed if r.unit)
    return found


def _others_blank(
    file: SourceFile, parsed: list[ParsedReturn], directory: UnitDirectory, filled: dict[Path, set[str]]
) -> str | None:
    """The unit that sent other units' templates left blank (or as prefilled), known by its address or by its
    own filled-in return in the same mail: it forwarded the office's notice with all its attachments. Those
    units have sent nothing; None when that is not the case."""
    if not _untouched(parsed) or file.origin is None or file.origin.suffix.lower() not in (".eml", ".msg"):
        return None
    senders = {directory.by_email(file.sender).unit} if file.sender else set()
    senders = {unit for unit in senders if unit} or set(filled.get(file.origin, ()))
    if len(senders) != 1 or any(not r.unit or r.unit in senders for r in parsed):
        return None
    return senders.pop()


def said_for_file(scan: Any, found: Problem) -> bool:
    """Whether read_files passes this scan problem on with the file's problems: unreadable is said whatever the
    week, with what the parser found when it read a table yet could use no row (another unit's measures, …);
    the rest only matters where the scan is the data source (merge, and check's notes, say those)."""
    return found.code in SCAN_FILE_CODES or scan.parsed is None


def run_intake(
    inbox: Path,
    workdir: Path,
    master: MasterList,
    directory: UnitDirectory,
    config: Config,
    *,
    workers: int = DEFAULT_WORKERS,
    progress: Progress | None = None,
    scan_cache: Path | None = None,
    reading: Reading | None = None,
) -> IntakeResult:
    """Discover, read and parse everything in the inbox; never raises for bad input. `reading`: one begun
    ahead on the inbox's likely workbooks (Reading.ahead), which then reads exactly discover's."""
    files, problems = discover(inbox, workdir, config.timezone)
    return read_files(
        files, problems, master, directory, config,
        workers=workers, progress=progress, scan_cache=scan_cache, reading=reading,
    )  # fmt: skip


def _foreign(result: IntakeResult, files: list[SourceFile], directory: UnitDirectory) -> None:
    """Files that cannot be read as a return (a .docx, a broken .msg): the unit did report, wrongly (报送有误)."""
    for file in files:
        if file.kind != "foreign":
            continue
        unit = attribute(file, directory)
        said = [n for n, p in enumerate(result.problems) if p.file == file.display and p.severity == ERROR]
        if said:  # discover already said why (a damaged mail): charge it to the unit
            reason = result.problems[said[0]].message
            for n in said:
                result.problems[n] = replace(result.problems[n], unit=unit or "")
        else:
            name = FOREIGN_FORMATS.get(Path(file.display).suffix.lower(), "无法识别的格式")
            code = "format-unreadable" if unit else "format-unreadable-unit"
            result.problems.append(problem(code, file=file.display, unit=unit or "", format=name))
            reason = f"已收到，但格式无法读取（{name}）——请对方发送电子表格"
        result.failed.append(FailedFile(file, reason, unit))


def _first_error(problems: list[Problem]) -> str:
    for p in problems:
        if p.severity == ERROR:
            return p.message
    return "无法识别为落实情况报表"
