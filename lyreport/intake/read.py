"""Read returned workbooks (.xlsx .xlsm .xls .ods .et) into plain grids with python-calamine.

The files are untrusted: one bad file may cost its own result, never the run, the memory of the
machine or the other units' results. So every file is pre-checked (precheck.py) and then read in a
worker process with a memory ceiling and a time limit (pool.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from ..models import SheetData, SourceFile, WorkbookData, stat_signature
from ..problems import WARNING, Problem, problem
from . import precheck as checks
from .concealed import by_colour, by_format, under_merges, unread
from .csvread import read_csv
from .errorvalues import CALAMINE_KNOWN
from .marktools import ERROR_CELL_TAG
from .pool import DEFAULT_WORKERS, Failure, IsolatedMap
from .safety import MAX_DEPTH, WORKBOOK_EXTS, ignore_reason
from .saved import saved_at
from .saved import with_saved_at as _with_saved_at
from .sheetmarks import marks_of, sheet_marks

IDENTITY_SHEET = "_lyreport"
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
def read_path(path: str) -> tuple[Any, ...]:
    """Pre-check and read one file; the answer is plain data so it can cross a process boundary.

    ("ok", [(sheet, rows, hidden, (hidden_rows, hidden_cols, uncached, struck, struck_unknown, merge fills,
    errors))], identity, notes, meta)
    or ("refused", code, fields, sheet); notes are sheets left out: (code, sheet, fields);
    meta holds the file's own saved time (ISO text) and its (size, mtime_ns) taken before it was read.
    A CSV's sheet carries marks only when it has error values (otherwise a 3-item sheet: (sheet, rows, hidden)).
    """
    try:
        file = Path(path)
        seen = stat_signature(os.stat(path))  # before reading: a later change shows in the archive's comparison
        if file.suffix.lower() == ".csv":
            answer = read_csv(path)
            return (*answer[:4], {**answer[4], "seen": seen}) if answer[0] == "ok" else answer
        check = checks.precheck(file)
        if check.refusal is not None:
            return ("refused", check.refusal.code, check.refusal.fields, check.refusal.sheet)
        source = check.data if check.data is not None else path
        try:
            answer = _read_calamine(source, check)
        except Exception as exc:
            if "unsupported cell error value" not in str(exc).lower() or check.parts is None:
                raise
            # A newer error value (#SPILL!, #CALC!) in an .xlsx: calamine refuses the whole file. Read it with those
            # cells as #VALUE!; the marks, taken from the file as it is, name the real error value of each.
            answer = _read_calamine(_known_errors_only(source, check.sheet_parts), check)
        return (*answer, {"saved_at": saved_at(check.parts), "seen": seen})
    except (KeyboardInterrupt, SystemExit):
        raise
    except MemoryError:
        return ("refused", "read-crashed", {"reason": "内存不足"}, "")
    except Exception as exc:  # calamine's own errors and anything unexpected in a malformed file
        return _calamine_error(exc)
    except BaseException as exc:  # noqa: BLE001 - a Rust panic arrives as PanicException(BaseException)
        return ("refused", "read-crashed", {"reason": f"读取组件内部错误 {type(exc).__name__}"}, "")


def _read_calamine(source: str | bytes, check: checks.Precheck) -> tuple[Any, ...]:
    """Read the bytes the pre-check saw (not the file again: it could have changed in between)."""
    oversized = check.oversized
    with io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb") as handle:
        workbook = CalamineWorkbook.from_filelike(handle)  # sniffs the content, whatever the extension says
    metas = workbook.sheets_metadata
    unknown = [name for name in oversized if name not in {m.name for m in metas}]
    if unknown:  # cannot tell which sheet to leave out, so leave out the file
        rows, cols = oversized[unknown[0]]
        return ("refused", "read-too-many-rows", {"sheet_name": unknown[0], "rows": rows, "cols": cols}, unknown[0])
    sheets: list[tuple[str, list[list[Any]], bool, Any]] = []
    marks = sheet_marks(check.parts, source, check.sheet_parts)
    identity: dict[str, str] = {}
    notes: list[tuple[str, str, dict[str, Any]]] = []
    for index, meta in enumerate(metas):
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        if meta.name in oversized:
            rows, cols = oversized[meta.name]
            notes.append(("read-too-many-rows", meta.name, {"sheet_name": meta.name, "rows": rows, "cols": cols}))
            continue
        sheet = workbook.get_sheet_by_index(index)
        end = sheet.end
        if end is not None and checks.too_big(end[0] + 1, end[1] + 1):  # second line for .xls/.et
            notes.append(
                ("read-too-many-rows", meta.name, {"sheet_name": meta.name, "rows": end[0] + 1, "cols": end[1] + 1})
            )
            continue
        merged: list[tuple[int, int, int]] = []
        concealed: list[Any] = []
        if end is not None:
            grid = _clean(_fill_vertical_merges(sheet.to_python(skip_empty_area=False), sheet, merged, concealed))
        else:
            grid = []
        if meta.name.strip().lower() == IDENTITY_SHEET:
            identity = _identity(grid)
        else:
            mark = marks_of(marks, meta.name)
            if mark.formats:
                concealed.extend(by_format(grid, mark.formats))
            if mark.merges:
                concealed.extend(under_merges(grid, mark.merges))
            if mark.colours:
                concealed.extend(by_colour(grid, mark.colours))
            if mark.unread:
                concealed.extend(unread(grid, mark.unread))
            marked = mark.answer(merged, concealed)
            sheets.append((meta.name, grid, meta.visible != SheetVisibleEnum.Visible, marked))
    return ("ok", sheets, identity, notes)


# An error cell's saved value: <c … t="e">, an optional formula (<f …/> or <f>…</f>), then <v>value</v>.
_ERROR_VALUE = re.compile(
    ERROR_CELL_TAG + rb"""[^<]*"""
    rb"""(?:<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)[^<]*)?"""
    rb"""<(?:\w+:)?v>([^<]*)<"""
)


def _known_errors_only(source: str | bytes, sheet_parts: dict[str, str]) -> bytes:
    """The .xlsx with every error value calamine cannot read replaced by #VALUE! (only ever read, never saved)."""

    def known(hit: re.Match[bytes]) -> bytes:
        if hit[1].strip().decode("utf-8", "replace") in CALAMINE_KNOWN:
            return hit[0]
        return hit[0][: hit.start(1) - hit.start()] + b"#VALUE!<"

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout,
    ):
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, _ERROR_VALUE.sub(known, data) if info.filename in sheet_parts else data)
    return out.getvalue()


def _fill_vertical_merges(
    rows: list[list[Any]], sheet: Any, filled: list[tuple[int, int, int]], concealed: list[Any]
) -> list[list[Any]]:
    """A value merged down one column (same 存在问题 for two measures, a 类别 spanning rows) applies to each row.

    Each filled cell is listed in `filled` as (row, col, top row), so a status merged over two measures is said;
    each covered cell that holds a value of its own (hidden under the merge) in `concealed` (concealed.Concealed).
    """
    try:
        merged = sheet.merged_cell_ranges or []
    except Exception:  # noqa: BLE001 - not every format reports merges; then there is nothing to fill
        return rows
    for (top, col), (bottom, right) in merged:
        if col != right or bottom <= top or top >= len(rows) or col >= len(rows[top]):
            continue
        value = rows[top][col]
        for index, row in enumerate(rows[top + 1 : bottom + 1], top + 1):
            if col < len(row) and row[col] in ("", None):
                row[col] = value
                filled.append((index, col, top))
    if merged:
        concealed.extend(under_merges(rows, merged))
    return rows


def _clean(rows: list[list[Any]]) -> list[list[Any]]:
    """Empty cells become None; trailing empty rows and columns go. Positions stay (row 1 is rows[0])."""
    grid = [[None if value == "" else value for value in row] for row in rows]
    while grid and all(value is None for value in grid[-1]):
        grid.pop()
    width = 0
    for row in grid:
        for col in range(len(row) - 1, width - 1, -1):
            if row[col] is not None:
                width = col + 1
                break
    return [row[:width] for row in grid]


def _identity(grid: list[list[Any]]) -> dict[str, str]:
    """Key in column A, value in column B; values as text however the spreadsheet program stored them."""
    identity: dict[str, str] = {}
    for row in grid:
        if len(row) >= 2 and row[0] is not None:
            key = _identity_text(row[0])
            if key:
                identity[key] = _identity_text(row[1])
    return identity


def _identity_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _calamine_error(exc: Exception) -> tuple[Any, ...]:
    name = type(exc).__name__
    text = str(exc).lower()
    if name == "PasswordError" or "password" in text or "encrypt" in text:
        return ("refused", "read-encrypted", {}, "")
    if name == "XmlError" or "xml" in text:
        reason = "表格内部 XML 内容损坏"
    elif name == "ZipError" or "zip" in text:
        reason = "压缩结构损坏（文件可能不完整或已截断）"
    elif "detect file format" in text:
        reason = "文件结构不完整或已损坏，无法识别为表格"
    elif "cfb" in text or "ole" in text:
        reason = "旧版 Excel（.xls）文件结构损坏"
    else:
        reason = "文件内容无法解析"
    return ("refused", "read-corrupt", {"reason": reason}, "")


# ----------------------------------------------------------------- parent side
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
    whether some strike could not be placed, merge fills, error cells as (row, col, value), concealed cells)."""
    if not marks:
        return SheetData(name, rows, hidden)
    merged = {(r, c): top for r, c, top in marks[5]}
    errors = {(r, c): value for r, c, value in marks[6]}
    struck = {(r, c): (kept, gone, full) for r, c, kept, gone, full in marks[3]}
    for (r, c), top in merged.items():  # a struck status merged over two measures is struck for both
        if (top, c) in struck:
            struck.setdefault((r, c), struck[(top, c)])
    uncached = {tuple(c) for c in marks[2]}
    sheet = SheetData(name, rows, hidden, set(marks[0]), set(marks[1]), uncached, merged, errors=errors)
    sheet.struck, sheet.struck_unknown = struck, bool(marks[4])
    if len(marks) > 7 and marks[7]:
        sheet.concealed = {(r, c): (value, shown, why) for r, c, value, shown, why in marks[7]}
    return sheet
