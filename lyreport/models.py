"""Plain data passed between the pipeline stages: discover → read → parse → merge → render."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .problems import Problem

# The four statuses of the standard return, in display order.
STATUSES = ("已完成", "正常推进", "进度滞后", "尚未启动")
DONE = "已完成"
ON_TRACK = "正常推进"
LAGGING = "进度滞后"
NOT_STARTED = "尚未启动"

ROLE_LEAD = "牵头"
ROLE_SUPPORT = "配合"

# Unit states for one week (summary.json values) and their Chinese labels.
UNIT_STATES = {"on_time": "按时报送", "late": "迟报", "missing": "未报送", "invalid": "报送有误"}
LIGHTS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}


# ----------------------------------------------------------------- master data
@dataclass
class Measure:
    """One measure (措施) of a master list; units are canonical names, lead first."""

    no: int
    category: str
    text: str
    units: list[str]
    timing: str = ""
    nodes: list[date] = field(default_factory=list)
    note: str = ""
    nodes_derived: bool = False

    @property
    def lead(self) -> str:
        return self.units[0]

    def role_of(self, unit: str) -> str:
        return ROLE_LEAD if unit == self.lead else ROLE_SUPPORT


@dataclass
class Unit:
    """One entry of the unit directory (单位名录)."""

    name: str
    full_name: str = ""
    aliases: list[str] = field(default_factory=list)
    contact: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class MasterList:
    """A measure list with its identity; `units` lists responsible units in first-seen order."""

    list_id: str
    title: str
    base_year: int
    measures: list[Measure]
    source: str = ""

    @property
    def categories(self) -> list[str]:
        seen: dict[str, None] = {}
        for m in self.measures:
            seen.setdefault(m.category, None)
        return list(seen)

    @property
    def units(self) -> list[str]:
        seen: dict[str, None] = {}
        for m in self.measures:
            for u in m.units:
                seen.setdefault(u, None)
        return list(seen)

    def measure(self, no: int) -> Measure | None:
        return next((m for m in self.measures if m.no == no), None)

    def measures_of(self, unit: str) -> list[Measure]:
        return [m for m in self.measures if unit in m.units]


# ----------------------------------------------------------------- intake
@dataclass
class SourceFile:
    """A file found in the inbox, or extracted from an e-mail or zip found there.

    `path` is where the bytes can be read (a temporary copy for extracted members);
    `display` is the name shown to staff, e.g. "发改委.eml › 落实情况.xlsx".
    """

    path: Path
    display: str
    kind: str  # "workbook" | "scan" | "foreign" (a format that cannot be read as a return, e.g. .docx)
    received_at: datetime  # timezone-aware
    sha256: str  # of the bytes; "" for a workbook whose size no other file shares (it cannot be a duplicate)
    sender: str = ""  # e-mail address of the sender, where known
    origin: Path | None = None  # the inbox file it came from (itself, or the .eml/.zip)
    subject: str = ""  # subject of the e-mail it came with, where known
    received_from: str = "file"  # "mail" when received_at is a mail's Date, "file" when it is a file time
    # The workbook's own last-saved time (docProps), filled in by the reader; not part of the file's identity.
    saved_at: datetime | None = field(default=None, compare=False)
    # (size, mtime_ns) of its inbox file (the .eml/.zip for members) when discover looked at it: the reader
    # and the archive compare theirs, so a file overwritten during the run is never read one way, kept another.
    seen: tuple[int, int] | None = field(default=None, compare=False)

    @property
    def ext(self) -> str:
        return self.path.suffix.lower()


def stat_signature(found: os.stat_result) -> tuple[int, int]:
    """What tells a file's bytes changed without reading them: (size, mtime_ns), as SourceFile.seen keeps it."""
    return (found.st_size, found.st_mtime_ns)


@dataclass
class SheetData:
    """One worksheet as a grid of plain values (str, int, float, bool, date, datetime, None)."""

    name: str
    rows: list[list[Any]]
    hidden: bool = False
    # From the raw XML (intake/sheetmarks.py), 0-based: what the unit hid, and formulas never calculated.
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    uncached: set[tuple[int, int]] = field(default_factory=set)
    # Cells filled from a vertical merge above: (row, col) -> the merge's top row (0-based), see intake/read.py.
    merged_from: dict[tuple[int, int], int] = field(default_factory=dict)
    # Struck-through text (intake/strikemarks.py): (row, col) -> (text not struck, text struck, whole text); and
    # whether the file has struck text that could not be placed.
    struck: dict[tuple[int, int], tuple[str, str, str]] = field(default_factory=dict)
    struck_unknown: bool = False
    # Cells holding a spreadsheet error value (#REF!, #N/A, Err:502) → that value; the grid has None there.
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    # Cells the sheet does not show as they are (intake/concealed.py): (row, col) -> (what the cell holds, what the
    # sheet shows, why: "merge:D5:D6" or "format:<code>").
    concealed: dict[tuple[int, int], tuple[str, str, str]] = field(default_factory=dict)
    # Notes (comments, 批注) on cells (intake/cellnotes.py): (row, col) -> the note's text.
    notes: dict[tuple[int, int], str] = field(default_factory=dict)
    # Formulas whose saved value comes from another file, a program (DDE) or the web: (row, col) -> the formula.
    linked: dict[tuple[int, int], str] = field(default_factory=dict)
    # Formulas of a workbook that asks to be recalculated when opened, whose saved value its writer put there
    # without calculating (xlsxwriter): (row, col) -> the formula.
    recalc: dict[tuple[int, int], str] = field(default_factory=dict)

    def unreadable(self, row: int, col: int) -> bool:
        """A formula without a saved value or an error value: None in the grid, yet not a blank cell."""
        return (row, col) in self.uncached or (row, col) in self.errors


@dataclass
class WorkbookData:
    """What read.py extracts from one workbook: its sheets and the template identity, if any."""

    file: SourceFile
    sheets: list[SheetData]
    identity: dict[str, str] = field(default_factory=dict)


@dataclass
class ReturnRow:
    """One measure row of a return; `row` is the 1-based sheet row for cell references."""

    measure_no: int
    status: str | None
    progress: str = ""
    issues: str = ""
    next_steps: str = ""
    expected: date | None = None
    remark: str = ""
    role: str = ""
    row: int = 0


@dataclass
class ParsedReturn:
    """One unit's return, parsed and normalised; `unit` is canonical or None if unattributed."""

    file: SourceFile
    sheet: str
    unit: str | None
    week: date | None  # deadline date (a Thursday) the return says it answers
    week_source: str = ""  # "template" | "printed" (a scanned page's footer) | "填报日期" | "received"
    contact: str = ""
    phone: str = ""
    filled_on: date | None = None
    rows: list[ReturnRow] = field(default_factory=list)
    identity: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # why the return is unusable, if it is
    source: str = "electronic"  # "electronic" | "scan" (read from a signed paper copy)
    other_list: str = ""  # the other measure list's title when the table reports that list's measures

    @property
    def usable(self) -> bool:
        return self.unit is not None and not self.errors


@dataclass
class Scan:
    """A signed scanned copy (PDF or picture): whose it is, the form read from it and whether it bears a seal."""

    file: SourceFile
    unit: str | None
    parsed: ParsedReturn | None = None  # the form read from it; None when unreadable
    stamped: bool | None = None  # a red official seal was found; None when not looked at or when none could show
    readable: bool = False
    problems: list[Problem] = field(default_factory=list)  # findings that matter when the scan is the data source
    marked_week: date | None = None  # the week its QR code names, for a scan whose form could not be read
    # No seal was found and these pages (from 1) hold no colour (black-and-white or greyscale): a red seal
    # could not show there, so whether the paper is stamped cannot be told (stamped is then None).
    grey_pages: list[int] = field(default_factory=list)

    @property
    def seal_unknown(self) -> bool:
        return self.stamped is None and bool(self.grey_pages)


@dataclass
class FailedFile:
    """A workbook that could not be used at all, kept so its unit can be shown as 报送有误."""

    file: SourceFile
    reason: str
    unit: str | None = None


@dataclass
class IntakeResult:
    """Everything read from one inbox: returns, scans, unusable files, the files found and the problems."""

    returns: list[ParsedReturn] = field(default_factory=list)
    scans: list[Scan] = field(default_factory=list)
    files: list[SourceFile] = field(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class PreviousState:
    """What the history store knows of the weeks before the report week."""

    week: date | None = None  # the latest earlier week
    measure_status: dict[int, str | None] = field(default_factory=dict)
    measure_overdue: dict[int, bool] = field(default_factory=dict)
    last_rows: dict[tuple[str, int], ReturnRow] = field(default_factory=dict)  # latest report per (unit, no)
    unit_states: list[tuple[date, str, str]] = field(default_factory=list)  # (week, unit, state), ascending
    history_differs: list[int] = field(default_factory=list)  # measures now different from their history
    history_moved: dict[int, int] = field(default_factory=dict)  # current no -> earlier no (same text)
    # Units of the latest earlier week that today's directory does not know (renamed, old name not an alias).
    history_unknown_units: list[str] = field(default_factory=list)
    # Files of this week byte-identical to an input archived for an earlier week: display -> (week, its name).
    resent: dict[str, tuple[date, str]] = field(default_factory=dict)


# ----------------------------------------------------------------- merge
@dataclass
class UnitWeek:
    """One unit's standing for the report week."""

    name: str
    state: str  # key of UNIT_STATES
    received_at: datetime | None = None
    files: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    contact: str = ""
    phone: str = ""
    measures: list[int] = field(default_factory=list)  # measures it is responsible for
    missing_measures: list[int] = field(default_factory=list)
    consecutive_missed: int = 0
    scan_received: bool = False
    invalid_reason: str = ""
    source: str | None = None  # "electronic" | "scan": where this week's statuses come from
    scan_stamped: bool | None = None  # None when no scan of this week was received, or its seal cannot be told
    scan_seal_unknown: bool = False  # its scan is black-and-white/greyscale without a seal found: cannot be told
    scan_mismatches: list[int] = field(default_factory=list)  # measures whose scan status differs
    # The data comes from a correction received after the copy that decided the unit's state (on time through an
    # earlier copy, or late since an earlier late copy): received_at is that first arrival, first_file its name,
    # corrected_at when the copy that counts came in.
    first_file: str = ""
    corrected_at: datetime | None = None

    @property
    def state_label(self) -> str:
        return UNIT_STATES[self.state]


@dataclass
class UnitReport:
    """What one responsible unit reported on one measure this week."""

    unit: str
    role: str
    status: str | None
    progress: str = ""
    issues: str = ""
    next_steps: str = ""
    expected: date | None = None
    carried: bool = False  # status carried from an earlier week, not reported now
    from_scan: bool = False  # read from the signed paper copy (no electronic return)


@dataclass
class MeasureWeek:
    """One measure's combined standing for the report week."""

    measure: Measure
    status: str | None  # combined status, None when nobody has ever reported
    light: str  # key of LIGHTS
    overdue: bool
    closed: bool
    reports: dict[str, UnitReport | None]  # every responsible unit → this week's report or None
    overdue_nodes: list[date] = field(default_factory=list)
    next_node: date | None = None
    days_to_next_node: int | None = None
    previous_status: str | None = None
    changes: list[str] = field(default_factory=list)  # "newly_completed", "status_changed", "newly_overdue"

    @property
    def no(self) -> int:
        return self.measure.no


@dataclass
class WeekResult:
    """Everything the renderers need for one report week."""

    list_id: str
    list_title: str
    deadline: datetime  # Thursday 12:00 Asia/Shanghai, timezone-aware
    period: int  # 第N期
    units: list[UnitWeek]
    measures: list[MeasureWeek]
    problems: list[Problem]
    returns: list[ParsedReturn] = field(default_factory=list)  # the counted ones
    answered: list[SourceFile] = field(default_factory=list)  # every file that answers this week
    previous_week: date | None = None

    @property
    def week(self) -> date:
        return self.deadline.date()

    def unit(self, name: str) -> UnitWeek | None:
        return next((u for u in self.units if u.name == name), None)

    def measure(self, no: int) -> MeasureWeek | None:
        return next((m for m in self.measures if m.no == no), None)


@dataclass
class HistoryView:
    """Earlier weeks as the ledger needs them, read back from the history store."""

    weeks: list[date]  # ascending, including the report week
    unit_states: dict[tuple[date, str], str]  # (week, unit) -> state key
    rows: list[dict[str, Any]]  # long table: week, unit, measure_no, status, progress, ...
    # (week, measure no) -> (light, overdue, closed), for the 趋势 charts and the four-week trend sentence
    measure_weeks: dict[tuple[date, int], tuple[str, bool, bool]] = field(default_factory=dict)
