"""The master measure list (措施清单) and the unit directory (单位名录): load and validate (names: unitnames.py).

Both are Excel workbooks staff edit by hand, so every refusal names the sheet, row and column.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from . import lazyre
from .intake.cellrefs import cell_ref
from .models import MasterList, Measure, Unit
from .nodes import derive_nodes as derive_nodes  # re-exported
from .nodes import parse_node_cell, read_timing
from .problems import ERROR, Problem, problem
from .unitnames import UnitDirectory, name_key

MASTER_SHEET = "措施清单"
INFO_SHEET = "清单信息"
DIRECTORY_SHEET = "单位名录"

MASTER_COLUMNS = {
    "no": ("序号",),
    "category": ("类别", "分类", "领域"),
    "text": ("措施内容", "措施", "重点工作", "工作任务"),
    "units": ("责任单位",),
    "timing": ("时间节点",),
    "nodes": ("节点日期",),
    "note": ("备注",),
}
MASTER_REQUIRED = ("no", "text", "units")

DIRECTORY_COLUMNS = {
    "name": ("单位名称", "单位"),
    "full_name": ("单位全称", "全称"),
    "aliases": ("简称及别名", "别名", "简称"),
    "contact": ("联系人",),
    "phone": ("联系电话", "电话"),
    "email": ("电子邮箱", "邮箱", "电子信箱"),
}

_LIST_SPLIT = lazyre.compile(r"[、,，;；/\n]+")


class MasterError(Exception):
    """The master list or directory is unusable; `problems` says exactly why (Chinese)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# ----------------------------------------------------------------- workbook loading
def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_rows(path: Path, sheet_name: str, missing_code: str) -> tuple[str, list[tuple[Any, ...]]]:
    """Rows of the named sheet (else the first worksheet), empty cells as None, as openpyxl would give them.

    Read with calamine rather than openpyxl: `check` and `run` then start without loading openpyxl.
    """
    if not path.is_file():
        raise MasterError([problem(missing_code, file=path.name, path=str(path))])
    try:
        sheets = _worksheets(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a user-facing refusal
        code = "master-unreadable" if missing_code == "master-missing" else "directory-unreadable"
        reason = "文件已损坏或不是 Excel 工作簿（.xlsx）" if not isinstance(exc, PermissionError) else "没有读取权限"
        raise MasterError([problem(code, file=path.name, reason=reason)]) from None
    if not sheets:
        code = "master-unreadable" if missing_code == "master-missing" else "directory-unreadable"
        raise MasterError([problem(code, file=path.name, reason="文件已损坏或不是 Excel 工作簿（.xlsx）")])
    name = sheet_name if sheet_name in sheets else next(iter(sheets))
    return name, sheets[name]


class _Rows(list):
    """A worksheet's rows; `merged` lists its merged ranges (first row, first col, last row, last col; 0-based)."""

    merged: list[tuple[int, int, int, int]]


def _worksheets(path: Path) -> dict[str, _Rows]:
    """Every worksheet of a workbook by name, in order; calamine's "" for an empty cell becomes None.

    A merged cell's value is read in every row it covers, as Excel shows it (staff merge a 节点日期 or 责任单位
    shared by several measures; calamine gives it only in the top-left cell), in its first column only: merged
    across, one field spread over two columns (时间节点 over the empty 节点日期) must not fill the other field."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    with open(path, "rb") as handle:
        workbook = CalamineWorkbook.from_filelike(handle)
    sheets: dict[str, _Rows] = {}
    for index, meta in enumerate(workbook.sheets_metadata):
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        sheet = workbook.get_sheet_by_index(index)
        rows = _Rows(list(None if v == "" else v for v in row) for row in sheet.to_python(skip_empty_area=False))
        rows.merged = []
        for (top, left), (bottom, right) in sheet.merged_cell_ranges or ():
            if top >= len(rows) or (top, left) == (bottom, right):
                continue
            value = rows[top][left] if left < len(rows[top]) else None
            rows.merged.append((top, left, bottom, right))
            for r in range(top, min(bottom, len(rows) - 1) + 1):  # down its first column only: a cell merged
                if left < len(rows[r]) and rows[r][left] is None:  # across (时间节点 over 节点日期) stays one field
                    rows[r][left] = value
        sheets[meta.name] = _Rows(tuple(row) for row in rows)
        sheets[meta.name].merged = rows.merged
    return sheets


def _locate_header(rows: list[tuple[Any, ...]], columns: dict[str, tuple[str, ...]]) -> tuple[int, dict[str, int]]:
    """Find the header row among the first rows and map each field to its column index."""
    for index, row in enumerate(rows[:15]):
        labels = [name_key(_cell_text(v)) for v in row]
        found: dict[str, int] = {}
        for field_name, names in columns.items():
            for col, label in enumerate(labels):
                if label in names and field_name not in found:
                    found[field_name] = col
        if len(found) >= 2:
            return index, found
    return -1, {}


def load_directory(path: Path) -> UnitDirectory:
    """Load 单位名录.xlsx; refuses duplicates and aliases shared by two units."""
    sheet, rows = _read_rows(path, DIRECTORY_SHEET, "directory-missing")
    header, cols = _locate_header(rows, DIRECTORY_COLUMNS)
    if header < 0 or "name" not in cols:
        raise MasterError([problem("master-missing-column", file=path.name, sheet=sheet, column="单位名称")])
    units: list[Unit] = []
    problems: list[Problem] = []
    first_row: dict[str, int] = {}
    for index, row in enumerate(rows[header + 1 :], start=header + 2):

        def get(key: str, row: tuple[Any, ...] = row) -> str:
            col = cols.get(key)
            return _cell_text(row[col]) if col is not None and col < len(row) else ""

        name = get("name")
        if not name:
            if any(_cell_text(v) for v in row):
                problems.append(problem("directory-no-name", file=path.name, sheet=sheet, cell=f"A{index}", row=index))
            continue
        if name in first_row:
            cell = cell_ref(cols["name"], index - 1)
            problems.append(
                problem(
                    "directory-duplicate", file=path.name, sheet=sheet, cell=cell, name=name, other_row=first_row[name]
                )
            )
            continue
        first_row[name] = index
        aliases = [a.strip() for a in _LIST_SPLIT.split(get("aliases")) if a.strip()]
        units.append(Unit(name, get("full_name"), aliases, get("contact"), get("phone"), _addresses(get("email"))))
    problems += _alias_clashes(units, path.name, sheet)
    if problems:
        raise MasterError(problems)
    return UnitDirectory(units)


_ADDRESS = lazyre.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")


def _addresses(cell: str) -> str:
    """电子邮箱 as staff type it: one address, several (“a@x；b@y”, one a line) or with a name (“市发改委<a@x>”):
    the addresses, comma-separated as a mail header lists them; a cell without any is kept as typed."""
    found = _ADDRESS.findall(unicodedata.normalize("NFKC", cell))
    return ", ".join(dict.fromkeys(found)) if found else cell


def _alias_clashes(units: list[Unit], file: str, sheet: str) -> list[Problem]:
    owner: dict[str, str] = {}
    problems = []
    for unit in units:
        for written in {unit.name, unit.full_name, *unit.aliases} - {""}:
            key = name_key(written)
            if key in owner and owner[key] != unit.name:
                problems.append(
                    problem(
                        "directory-alias-clash",
                        file=file,
                        sheet=sheet,
                        alias=written,
                        first=owner[key],
                        second=unit.name,
                    )
                )
            owner.setdefault(key, unit.name)
    return problems


def load_master(path: Path, directory: UnitDirectory) -> tuple[MasterList, list[Problem]]:
    """Load and validate 措施清单.xlsx; returns the list and informational notes, or raises MasterError."""
    sheet, rows = _read_rows(path, MASTER_SHEET, "master-missing")
    info = _read_info(path)
    header, cols = _locate_header(rows, MASTER_COLUMNS)
    missing = [MASTER_COLUMNS[f][0] for f in MASTER_REQUIRED if f not in cols]
    if header < 0 or missing:
        names = missing or [MASTER_COLUMNS[f][0] for f in MASTER_REQUIRED]
        raise MasterError([problem("master-missing-column", file=path.name, sheet=sheet, column=c) for c in names])
    errors: list[Problem] = []
    notes: list[Problem] = []
    base_year = _base_year(info, path.name, errors)
    if "nodes" not in cols and "timing" not in cols:
        # Without either column no measure has a node date and none can ever be overdue: say so.
        notes.append(problem("master-no-node-column", file=path.name, sheet=sheet, cell=f"A{header + 1}"))
    measures: list[Measure] = []
    seen: dict[int, int] = {}
    row_nos: dict[int, int] = {}  # sheet row (1-based) -> measure no
    category = ""
    for row_no, row in enumerate(rows[header + 1 :], start=header + 2):
        values = {f: (row[c] if c < len(row) else None) for f, c in cols.items()}
        if not any(_cell_text(v) for v in values.values()):
            continue

        def at(field_name: str, row_no: int = row_no) -> dict[str, str]:
            return {"file": path.name, "sheet": sheet, "cell": cell_ref(cols[field_name], row_no - 1)}

        category = _cell_text(values.get("category")) or category
        no_text = _cell_text(values["no"])
        if not re.fullmatch(r"\d+", no_text) or int(no_text) == 0:
            errors.append(problem("master-bad-no", **at("no"), value=no_text))
            continue
        no = int(no_text)
        if no in seen:
            errors.append(problem("master-duplicate-no", **at("no"), no=no, other_row=seen[no]))
            continue
        seen[no] = row_no
        row_nos[row_no] = no
        text = _cell_text(values["text"])
        if not text:
            errors.append(problem("master-no-text", **at("text"), no=no))
        units = _resolve_units(_cell_text(values["units"]), directory, no, at("units"), errors)
        timing = _cell_text(values.get("timing"))
        nodes = parse_node_cell(values.get("nodes")) if "nodes" in cols else []
        derived = False
        if nodes is None:
            errors.append(problem("master-bad-date", **at("nodes"), no=no, value=_cell_text(values.get("nodes"))))
            nodes = []
        elif not nodes and timing:
            read = read_timing(timing, base_year)
            nodes = read.dates
            derived = bool(nodes)
            where = at("nodes") if "nodes" in cols else at("timing")
            if derived:
                assumed = f"；未写年份的按 {base_year} 年计" if read.assumed_year else ""
                notes.append(
                    problem(
                        "master-derived-date",
                        **where,
                        no=no,
                        wording=timing,
                        dates=[d.isoformat() for d in nodes],
                        base_year=base_year,
                        assumed=assumed,
                    )
                )
            if read.unread:
                notes.append(
                    problem("master-undated-timing", **where, no=no, wording=timing, unread="、".join(read.unread))
                )
        measures.append(Measure(no, category, text, units, timing, nodes, _cell_text(values.get("note")), derived))
    if not measures and not errors:
        errors.append(problem("master-empty", file=path.name, sheet=sheet))
    notes += _merged_notes(getattr(rows, "merged", []), cols, row_nos, path.name, sheet)
    if errors:
        raise MasterError(errors)
    list_id = info.get("清单编号") or path.stem
    title = info.get("清单名称") or path.stem
    return MasterList(list_id, title, base_year, measures, source=str(path)), notes


_MERGE_NOTED = {"units": "责任单位", "timing": "时间节点", "nodes": "节点日期", "note": "备注"}


def _merged_notes(
    merged: list[tuple[int, int, int, int]], cols: dict[str, int], row_nos: dict[int, int], file: str, sheet: str
) -> list[Problem]:
    """A merged 责任单位/时间节点/节点日期/备注 cell over several measures is read for each of them: say which."""
    notes = []
    for top, left, bottom, right in merged:
        nos = [row_nos[r + 1] for r in range(top, bottom + 1) if r + 1 in row_nos]
        for field_name, column in _MERGE_NOTED.items():
            if len(nos) > 1 and field_name in cols and left <= cols[field_name] <= right:
                cells = f"{cell_ref(left, top)}:{cell_ref(right, bottom)}"
                listed = "、".join(str(n) for n in nos)
                notes.append(
                    problem("master-merged-cell", file=file, sheet=sheet, cell=cells, column=column, nos=listed)
                )
    return notes


_ROLE_MARK = lazyre.compile(r"[（(]?(牵头|配合)(?:单位)?[)）]?$")


def _resolve_units(
    cell: str, directory: UnitDirectory, no: int, where: dict[str, str], errors: list[Problem]
) -> list[str]:
    """Split 责任单位 and match each name; "市发改委、工信局" carries the 市 prefix to later names.

    The first unit is the lead, unless a name is marked “（牵头）” (it leads, wherever written) or the first
    is marked “（配合）” (then the first unmarked one leads)."""
    written = [n.strip() for n in _LIST_SPLIT.split(cell) if n.strip()]
    marks = [m.group(1) if (m := _ROLE_MARK.search(n)) else "" for n in written]
    names = [_ROLE_MARK.sub("", n) for n in written]
    if "牵头" in marks or (marks and marks[0] == "配合" and "" in marks):
        lead = "牵头" if "牵头" in marks else ""
        order = sorted(range(len(names)), key=lambda i: marks[i] != lead)
        names = [names[i] for i in order]
    if not names:
        errors.append(problem("master-no-unit", **where, no=no))
        return []
    units: list[str] = []
    for name in names:
        match = directory.match(name)
        if match.unit is None and match.candidates:
            errors.append(problem("master-ambiguous-unit", **where, no=no, name=name, candidates=match.candidates))
        elif match.unit is None:
            errors.append(
                problem("master-unknown-unit", **where, no=no, name=name, hint="，请先在单位名录中添加该单位或其别名")
            )
        elif match.unit not in units:
            units.append(match.unit)
    return units


def _read_info(path: Path) -> dict[str, str]:
    """Key/value pairs of the 清单信息 sheet (清单编号, 清单名称, 基准年份), if present; a key may be
    written “基准年份：”. The row of each key is kept under “<key>#row”."""
    try:
        rows = _worksheets(path).get(INFO_SHEET, [])
    except Exception:  # noqa: BLE001 - already reported by _read_rows
        return {}
    info: dict[str, str] = {}
    for index, r in enumerate(rows, start=1):
        key = _cell_text(r[0]).rstrip(":：").strip() if r else ""
        if len(r) >= 2 and key and key not in info:
            info[key] = _cell_text(r[1])
            info[key + "#row"] = str(index)
    return info


def _base_year(info: dict[str, str], file: str, errors: list[Problem]) -> int:
    """基准年份 (2020 when not given): “2021”, “2021年”; anything else is refused, never read as 2020."""
    value = info.get("基准年份", "")
    if not value:
        return 2020
    found = re.fullmatch(r"\s*((?:19|20)\d{2})\s*年?\s*", unicodedata.normalize("NFKC", value))
    if found:
        return int(found.group(1))
    cell = f"B{info.get('基准年份#row', '')}"
    errors.append(problem("master-bad-base-year", file=file, sheet=INFO_SHEET, cell=cell, value=value))
    return 2020


def errors_of(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]
