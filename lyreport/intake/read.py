"""Read returned workbooks (.xlsx .xlsm .xls .ods .et) into plain grids with python-calamine.

The files are untrusted: one bad file may cost its own result, never the run, the memory of the
machine or the other units' results. So every file is pre-checked (precheck.py) and then read in a
worker process with a memory ceiling and a time limit (pool.py); what a worker does per file is readwork.py.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..models import SheetData, SourceFile, WorkbookData
from ..problems import WARNING, Problem, problem
from .pool import DEFAULT_WORKERS, Failure, IsolatedMap
from .readwork import read_path
from .safety import MAX_DEPTH, WORKBOOK_EXTS, ignore_reason
from .saved import with_saved_at as _with_saved_at

# Files queued at each worker by Reading.ahead: enough to keep it busy while the parent loads (~3 KB answers
# wait in the socket meanwhile), few enough that the last files still spread over the workers.
HEAD_START = 24


class ReadError(Exception):
    """A workbook could not be read; `problems` say why, in Chinese."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


OnRead = Callable[[SourceFile, "WorkbookData | None", list[Problem]], None]


def read_workbooks(
    files: list[SourceFile],
    *,
    workers: int = DEFAULT_WORKERS,
    timeout: float = 30.0,
    memory_mb: int = 1024,
    on_read: OnRead | None = None,
) -> tuple[list[WorkbookData], list[Problem]]:
    """Read every workbook; results and problems come back in input order. Never raises for bad files.

    `on_read(file, book, problems)` is called for each file as soon as it is read (in completion order),
    so the caller can parse while the workers go on; the books are then the caller's and not returned
    (holding every grid to the end would only raise the peak memory). workers=0 reads in this process
    (for debugging): the pre-checks still apply, the isolation does not.
    """
    return Reading(files, workers=workers, timeout=timeout, memory_mb=memory_mb).finish(on_read)


class Reading:
    """read_workbooks begun now (the workers start on the files at once) and finished later, so that the
    caller can load what it needs for the answers (parsing code, master list) while the files are read.
    Use it as a context manager, or call finish(): either way no worker outlives it.

    Reading.ahead(paths) begins even before discover, on the paths discover will most likely call
    workbooks (guess_workbooks); adopt(files) then names the files really wanted: the guesses discover
    did not keep are dropped, the files it found besides (members of e-mails and zips) are added."""

    def __init__(
        self,
        files: list[SourceFile],
        *,
        workers: int = DEFAULT_WORKERS,
        timeout: float = 30.0,
        memory_mb: int = 1024,
        head_start: int = 0,
    ):
        self.files: list[SourceFile] = []
        self.timeout, self.workers, self.memory_mb, self.head_start = timeout, workers, memory_mb, head_start
        self.mapping: IsolatedMap | None = None
        self.inputs: dict[str, int] = {}  # path -> its input number in the mapping
        self.started = False
        self.adopt(files)

    @classmethod
    def ahead(cls, paths: list[str], *, workers: int = DEFAULT_WORKERS, head_start: int = HEAD_START) -> Reading:
        """Begin on these paths; adopt() must name the files wanted before finish()."""
        reading = cls([], workers=workers, head_start=head_start)
        reading._queue(paths)
        return reading

    def adopt(self, files: list[SourceFile]) -> None:
        """The files to read (workbooks as discover found them), in the order the answers are wanted."""
        self.files = list(files)
        wanted = {str(f.path) for f in self.files}
        if self.mapping is not None:  # first drop, so that added files get the readers guesses would have
            self.mapping.drop([index for path, index in self.inputs.items() if path not in wanted])
            self.mapping.keep([index for path, index in self.inputs.items() if path in wanted])
        self._queue([str(f.path) for f in self.files])

    def _queue(self, paths: list[str]) -> None:
        new = [path for path in dict.fromkeys(paths) if path not in self.inputs]
        if not new or self.workers <= 0:
            return
        with contextlib.suppress(OSError):  # no worker can be started: read in-process at finish()
            if not self.started:
                self.started = True
                self.mapping = IsolatedMap(
                    read_path, new, workers=self.workers, timeout=self.timeout, memory_mb=self.memory_mb,
                    depth=4, head_start=self.head_start,
                )  # fmt: skip
                self.inputs.update((path, index) for index, path in enumerate(new))
            elif self.mapping is not None:
                self.inputs.update(zip(new, self.mapping.add(new), strict=True))

    def finish(self, on_read: OnRead | None = None) -> tuple[list[WorkbookData], list[Problem]]:
        """Wait for every file (see read_workbooks)."""
        files, timeout = self.files, self.timeout
        outcomes: list[tuple[WorkbookData | None, list[Problem]] | None] = [None] * len(files)
        positions: dict[int, list[int]] = {}  # input number -> the files read from it
        for position, file in enumerate(files):
            if str(file.path) in self.inputs:
                positions.setdefault(self.inputs[str(file.path)], []).append(position)

        def settle(position: int, answer: Any) -> None:
            book, problems = _settle(files[position], answer, timeout)
            outcomes[position] = (book if on_read is None else None, problems)
            if on_read is not None:
                on_read(files[position], book, problems)

        if self.mapping is not None:
            mapping, self.mapping = self.mapping, None
            mapping.finish(lambda index, answer: [settle(position, answer) for position in positions.get(index, ())])
        for position, file in enumerate(files):
            if outcomes[position] is None and str(file.path) in self.inputs:  # given to a reader, no answer
                settle(position, Failure("crashed", "读取进程未返回结果"))
            elif outcomes[position] is None:  # no reader could be started: pre-checked, in this process
                settle(position, read_path(str(file.path)))
        books = [book for book, _ in filter(None, outcomes) if book is not None]
        return books, [p for outcome in outcomes if outcome for p in outcome[1]]

    def close(self) -> None:
        if self.mapping is not None:
            self.mapping.close()
            self.mapping = None

    def __enter__(self) -> Reading:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_week_ahead(
    workspace: Path | None, inbox: Path | None, rebuild: bool, *, workers: int = DEFAULT_WORKERS
) -> Reading:
    """The reading of a run's inbox, begun before anything else is loaded (see guess_workbooks)."""
    return Reading.ahead(_likely_workbooks(workspace, inbox, rebuild), workers=workers)


def _likely_workbooks(workspace: Path | None, inbox: Path | None, rebuild: bool) -> list[str]:
    if rebuild:  # the inbox is restored from the archive later
        return []
    from ..config import ConfigError, find_workspace

    try:
        source = inbox or find_workspace(workspace or Path.cwd()).inbox
        return guess_workbooks([source]) if source.is_dir() else []
    except (ConfigError, OSError):
        return []  # said properly by what follows


def workbooks_of(files: list[SourceFile]) -> list[SourceFile]:
    return [f for f in files if f.kind == "workbook"]


def guess_workbooks(paths: list[Path], limit: int = 2000) -> list[str]:
    """The paths under `paths` (files, and folders walked) that discover will most likely call workbooks,
    in its order, by one listing per folder: the reading can begin before discover has run.

    Only a guess: a path discover does not keep costs its reading time, one it finds besides (in an
    e-mail or a zip) is read after. So it is kept cheap and safe: regular files with a workbook
    extension, no hidden or lock files, no links to folders, at most `limit` paths.
    """
    found: list[str] = []
    folders: list[Path] = []
    for path in sorted(paths, key=lambda p: Path(p).resolve().name):
        try:
            if path.is_symlink():
                continue  # discover reads it where it points
            if path.is_dir():
                folders.append(path)
            elif path.is_file() and path.suffix.lower() in WORKBOOK_EXTS and ignore_reason(path.name) is None:
                found.append(str(path))  # a regular file: a pipe or device would hold a reader until its time limit
        except OSError:
            continue
    for folder in folders:
        _guess_in(folder, found, limit, depth=0)
    return found[:limit]


def _guess_in(folder: Path, found: list[str], limit: int, depth: int) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    base = "" if str(folder) == "." else str(folder)  # as str(Path(entry.path)) gives it: "./a.xlsx" is "a.xlsx"
    for entry in entries:
        if len(found) >= limit:
            return
        try:
            if ignore_reason(entry.name, is_dir=entry.is_dir(follow_symlinks=False)):
                continue
            if entry.is_dir(follow_symlinks=False):
                if depth < MAX_DEPTH:
                    _guess_in(Path(base, entry.name), found, limit, depth + 1)
            elif entry.is_file() and os.path.splitext(entry.name)[1].lower() in WORKBOOK_EXTS:
                found.append(os.path.join(base, entry.name))
        except OSError:
            continue


def _settle(file: SourceFile, answer: Any, timeout: float) -> tuple[WorkbookData | None, list[Problem]]:
    try:
        return _result(file, answer, timeout)
    except Exception:  # an answer of the wrong shape: treat the worker as broken
        return None, [problem("read-crashed", file=file.display, reason="读取进程返回了无法识别的结果")]


def read_one(file: SourceFile) -> tuple[WorkbookData | None, list[Problem]]:
    """Read one workbook in this process (pre-checked, not isolated): the data or None, plus problems."""
    return _result(file, read_path(str(file.path)), 0)


def read_workbook(file: SourceFile) -> WorkbookData:
    """Read one workbook in this process; ReadError if it yields nothing usable."""
    book, problems = read_one(file)
    if book is None:
        raise ReadError(problems)
    return book


# ----------------------------------------------------------------- worker side: plain data only
def _changed_since_seen(file: SourceFile, read: Any) -> bool:
    """The reader met other bytes than discover saw: the file was being saved or overwritten meanwhile
    (the readers may start on a file before discover looks at it)."""
    if file.seen is None or read is None or file.origin != file.path:
        return False  # members of mails and zips are read from discover's own copies
    return tuple(read) != file.seen


def _result(file: SourceFile, answer: Any, timeout: float) -> tuple[WorkbookData | None, list[Problem]]:
    """Turn a worker's answer into WorkbookData and problems that name the file."""
    display = file.display
    if isinstance(answer, Failure):
        if answer.kind == "timeout":
            return None, [problem("read-timeout", file=display, seconds=f"{timeout:g}")]
        if answer.kind == "too-large":
            return None, [problem("read-bomb", file=display)]
        return None, [problem("read-crashed", file=display, reason=answer.reason)]
    if answer[0] == "refused":
        _, code, fields, sheet = answer
        return None, [problem(code, file=display, sheet=sheet, **fields)]
    _, raw_sheets, identity, notes, *rest = answer
    meta = rest[0] if rest and isinstance(rest[0], dict) else {}
    if _changed_since_seen(file, meta.get("seen")):
        return None, [problem("file-changed-during-run", file=display)]
    file = _with_saved_at(file, meta.get("saved_at"))
    sheets = [_sheet_data(*entry) for entry in raw_sheets]
    has_content = any(not s.hidden and any(v is not None for row in s.rows for v in row) for s in sheets)
    if not has_content:
        if notes:  # everything of substance was left out as oversized: that is the problem to report
            return None, [problem(code, file=display, sheet=sheet, **fields) for code, sheet, fields in notes]
        return None, [problem("read-empty", file=display)]
    found = [problem(code, file=display, sheet=sheet, severity=WARNING, **fields) for code, sheet, fields in notes]
    return WorkbookData(file, sheets, identity), found


def _sheet_data(name: str, rows: list[list[Any]], hidden: bool, marks: Any = None) -> SheetData:
    """One sheet of a worker's answer; `marks` are (hidden rows, hidden cols, uncached formulas, struck cells,
    whether some strike could not be placed, merge fills, error cells as (row, col, value), concealed cells,
    notes on cells as (row, col, text), formulas whose value comes from outside the file as (row, col, formula),
    formulas whose value their writer put there uncalculated as (row, col, formula))."""
    if not marks:
        return SheetData(name, rows, hidden)
    merged = {(r, c): top for r, c, top in marks[5]}
    errors = {(r, c): value for r, c, value in marks[6]}
    struck = {(r, c): (kept, gone, full) for r, c, kept, gone, full in marks[3]}
    for (r, c), top in merged.items():  # a struck status merged over two measures is struck for both
        if (top, c) in struck:
            struck.setdefault((r, c), struck[(top, c)])
    uncached = {tuple(c) for c in marks[2]}
    # A merge copies its top cell down (readwork._fill_vertical_merges): a top without a saved value leaves
    # none below either.
    uncached |= {(r, c) for (r, c), top in merged.items() if (top, c) in uncached}
    for r, c in uncached:  # a writer's placeholder (xlsxwriter's 0) is no value: blank, as calamine has the others
        if r < len(rows) and c < len(rows[r]):
            rows[r][c] = None
    sheet = SheetData(name, rows, hidden, set(marks[0]), set(marks[1]), uncached, merged, errors=errors)
    sheet.struck, sheet.struck_unknown = struck, bool(marks[4])
    if len(marks) > 7 and marks[7]:
        sheet.concealed = {(r, c): (value, shown, why) for r, c, value, shown, why in marks[7]}
    if len(marks) > 8 and marks[8]:
        sheet.notes = {(r, c): text for r, c, text in marks[8]}
    if len(marks) > 9 and marks[9]:
        sheet.linked = {(r, c): formula for r, c, formula in marks[9]}
    if len(marks) > 10 and marks[10]:
        sheet.recalc = {(r, c): formula for r, c, formula in marks[10]}
    return sheet
