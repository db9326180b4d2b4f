"""The master measure list (措施清单) and the unit directory (单位名录): load and validate (names: unitnames.py).

Both are Excel workbooks staff edit by hand, so every refusal names the sheet, row and column.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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

_LIST_SPLIT = re.compile(r"[、,，;；/\n]+")


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


def _worksheets(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every worksheet of a workbook by name, in order; calamine's "" for an empty cell becomes None."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    with open(path, "rb") as handle:
        workbook = CalamineWorkbook.from_filelike(handle)
    sheets: dict[str, list[tuple[Any, ...]]] = {}
    for index, meta in enumerate(workbook.sheets_metadata):
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        rows = workbook.get_sheet_by_index(index).to_python(skip_empty_area=False)
        sheets[meta.name] = [tuple(None if v == "" else v for v in row) for row in rows]
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
        units.append(Unit(name, get("full_name"), aliases, get("contact"), get("phone"), get("email")))
    problems += _alias_clashes(units, path.name, sheet)
    if problems:
        raise MasterError(problems)
    return UnitDirectory(units)


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
    base_year = _int_or(info.get("基准年份"), 2020)
    errors: list[Problem] = []
    notes: list[Problem] = []
    measures: list[Measure] = []
    seen: dict[int, int] = {}
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
    if errors:
        raise MasterError(errors)
    list_id = info.get("清单编号") or path.stem
    title = info.get("清单名称") or path.stem
    return MasterList(list_id, title, base_year, measures, source=str(path)), notes


def _resolve_units(
    cell: str, directory: UnitDirectory, no: int, where: dict[str, str], errors: list[Problem]
) -> list[str]:
    """Split 责任单位 and match each name; "市发改委、工信局" carries the 市 prefix to later names."""
    names = [n.strip() for n in _LIST_SPLIT.split(cell) if n.strip()]
    names = [re.sub(r"[（(]?(牵头|配合)[)）]?$", "", n) for n in names]
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
    """Key/value pairs of the 清单信息 sheet (清单编号, 清单名称, 基准年份), if present."""
    try:
        rows = _worksheets(path).get(INFO_SHEET, [])
    except Exception:  # noqa: BLE001 - already reported by _read_rows
        return {}
    return {_cell_text(r[0]): _cell_text(r[1]) for r in rows if len(r) >= 2 and _cell_text(r[0])}


def _int_or(value: str | None, default: int) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def errors_of(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]
