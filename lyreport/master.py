"""The master measure list (措施清单) and the unit directory (单位名录): load, validate, match names.

Both are Excel workbooks staff edit by hand, so every refusal names the sheet, row and column.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .models import MasterList, Measure, Unit
from .nodes import derive_nodes as derive_nodes  # re-exported
from .nodes import parse_node_cell, read_timing
from .problems import ERROR, Problem, problem

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


# ----------------------------------------------------------------- name matching
class _Marks(dict[int, "int | None"]):
    """str.translate table deleting whitespace, punctuation, symbols and separators (Unicode P*, S*, Z*).

    Filled as characters come: a lookup per character in C instead of two Python calls per character.
    """

    def __missing__(self, code: int) -> int | None:
        ch = chr(code)
        kept = None if ch.isspace() or unicodedata.category(ch)[0] in "PSZ" else code
        if len(self) < 100_000:
            self[code] = kept
        return kept


_MARKS = _Marks()


def without_marks(text: str) -> str:
    """`text` without whitespace, punctuation, symbols and separators."""
    return text.translate(_MARKS)


def name_key(name: str) -> str:
    """Normalise a unit name for comparison: NFKC, no spaces or punctuation."""
    return without_marks(unicodedata.normalize("NFKC", str(name)))


def _variants(key: str) -> set[str]:
    """The usual ways the same unit is written: with or without 洛阳市/市 prefix."""
    out = {key}
    for prefix in ("洛阳市", "洛阳"):
        if key.startswith(prefix) and len(key) > len(prefix) + 1:
            rest = key[len(prefix) :]
            out |= {rest, "市" + rest}
    if key.startswith("市") and len(key) > 2:
        out |= {key[1:], "洛阳市" + key[1:]}
    return out


_CJK = "\u4e00-\u9fff"


@functools.cache
def _gazetteer() -> tuple[str, ...]:
    """Place names (济源, 郑州, 孟津, 延边朝鲜族自治州 …) from data/places.json, without 省/市/县/区/州/盟/地区;
    a list there may be grouped by province."""
    import json  # only when a directory is built: `lyreport --help` stays light
    from importlib import resources

    data = json.loads(resources.files("lyreport.data").joinpath("places.json").read_text(encoding="utf-8"))
    lists = [v for key, value in data.items() if not key.startswith("_") for v in _lists(value)]
    return tuple(dict.fromkeys(name for names in lists for name in names))


def _lists(value: Any) -> list[list[str]]:
    return [v for group in value.values() for v in _lists(group)] if isinstance(value, dict) else [value]


_SUFFIXES = ("", "省", "市", "县", "区", "州", "盟", "地区")
_ANY_END = frozenset("县区省旗")  # 孟津县, 瀍河回族区, 达拉特旗: a county or district, even one not listed


class _Places:
    """The place names, looked up by slices of a text (a regular expression of ~430 alternatives took ~50 µs
    for one end-of-text search; these are a few dictionary lookups)."""

    def __init__(self, places: tuple[str, ...]):
        self.names = frozenset(places)
        self.lengths = sorted({len(p) for p in places}, reverse=True)
        self.heads = frozenset(p[:2] for p in places)  # every name has two characters or more
        # Every way a place may end a text: the name with or without 省/市/县/区/州/盟/地区; the longest name first.
        self.endings: dict[str, str] = {}
        for place in sorted(places, key=len, reverse=True):
            for suffix in _SUFFIXES:
                self.endings.setdefault(place + suffix, place)
        self.window = max((len(e) for e in self.endings), default=0)

    def findall(self, text: str) -> list[str]:
        """The places named in a text, left to right, the longest at each position (as re.findall would)."""
        found: list[str] = []
        at = 0
        while at < len(text):
            hit = None
            if text[at : at + 2] in self.heads:
                hit = next((text[at : at + n] for n in self.lengths if text[at : at + n] in self.names), None)
            if hit is None:
                at += 1
            else:
                found.append(hit)
                at += len(hit)
        return found

    def at_end(self, text: str) -> tuple[bool, str | None]:
        """(whether the text ends with a place, which listed place): a known place with or without
        省/市/县/区/州/盟/地区 (恩施州, 锡林郭勒盟), or any name ending in 县/区/省/旗 or 自治州 (then None): a county's or
        district's bureau is not the city's even when its name is unknown here. The place starting first wins."""
        for size in range(min(len(text), self.window), 0, -1):
            tail = text[-size:]
            if tail in self.endings:
                return True, self.endings[tail]
            if (size == 2 and "\u4e00" <= tail[0] <= "\u9fff" and tail[1] in _ANY_END) or tail == "自治州":
                return True, None
        return False, None


@functools.cache
def _places(places: tuple[str, ...]) -> _Places:
    return _Places(places)


@dataclass
class Match:
    """Result of matching a written name: exactly one unit, or the reason there is none."""

    unit: str | None
    candidates: list[str] = field(default_factory=list)
    # Units whose name appears only after another place's name ("济源市交通运输局" → 市交通运输局): not them.
    foreign: list[str] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return self.unit is None and len(self.candidates) > 1


@dataclass
class UnitDirectory:
    """Canonical units with their aliases; answers "which unit is this name?" without guessing."""

    units: list[Unit]
    _index: dict[str, set[str]] = field(default_factory=dict, repr=False)
    # Names of 3+ characters by their first two: find_in_text then does one dict lookup per position
    # of the text instead of a search per name (it runs several times for every file read).
    _heads: dict[str, list[tuple[str, set[str]]]] = field(default_factory=dict, repr=False, compare=False)
    # Each unit's own places (洛阳, from its full name): a name written after any other place is another body.
    _own: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    _places: _Places | None = field(default=None, repr=False, compare=False)
    # find_in_text by name key: the unit cells, sheet names and mail subjects of one week repeat a few texts.
    _found: dict[str, tuple[str | None, tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for unit in self.units:
            for written in (unit.name, unit.full_name, *unit.aliases):
                if written:
                    for variant in _variants(name_key(written)):
                        self._index.setdefault(variant, set()).add(unit.name)
        for alias, names in self._index.items():
            if len(alias) >= 3:
                self._heads.setdefault(alias[:2], []).append((alias, names))
        self._learn_places()

    def _learn_places(self) -> None:
        """Own places per unit from its names; cities the directory names ("某某市…") count as places too."""
        keys = {u.name: [name_key(w) for w in (u.name, u.full_name, *u.aliases) if w] for u in self.units}
        starts = (re.match(rf"([{_CJK}]{{2,3}})市.", k) for ks in keys.values() for k in ks)
        listed = _gazetteer()
        # Not "市城" of 市城市管理局, nor "洛阳城" of 洛阳城市发展投资集团 (洛阳 + 城市…: a listed place names it already).
        cities = {
            m.group(1) for m in starts if m and "市" not in m.group(1) and not m.group(1).startswith(tuple(listed))
        }
        self._places = places = _places(tuple(sorted(set(listed) | cities)))
        found = {name: frozenset(p for k in ks for p in places.findall(k)) for name, ks in keys.items()}
        counts = Counter(p for places in found.values() for p in places)
        home = frozenset([counts.most_common(1)[0][0]]) if counts else frozenset()
        # A unit whose names carry no place ("市教育局" only) belongs to the directory's city.
        self._own = {name: places or home for name, places in found.items()}

    def get(self, name: str) -> Unit | None:
        return next((u for u in self.units if u.name == name), None)

    def match(self, written: str) -> Match:
        """Match a name as a unit wrote it; ambiguous or unknown gives unit=None."""
        key = name_key(written)
        for suffix in ("盖章", "公章"):
            key = key.removesuffix(suffix)
        if not key:
            return Match(None)
        exact = self._index.get(key, set())
        if len(exact) == 1:
            return Match(next(iter(exact)))
        found: set[str] = set(exact)
        if not found:
            for variant in _variants(key):
                found |= self._index.get(variant, set())
        if len(found) == 1:
            return Match(next(iter(found)))
        return Match(None, sorted(found))

    def find_in_text(self, text: str) -> Match:
        """Find the unit named inside free text such as a file name; two different units → ambiguous.

        A name written right after another place's name ("济源市交通运输局", "孟津县交通局") is that place's
        body, not the unit: the answer is then no unit, with `foreign` saying which name was seen.
        """
        key = name_key(text)
        found = self._found.get(key)
        if found is None:
            if len(self._found) >= 4096:  # bounded: file names differ from file to file
                self._found.clear()
            match = self._find(key)
            found = self._found[key] = (match.unit, tuple(match.candidates), tuple(match.foreign))
        return Match(found[0], list(found[1]), list(found[2]))  # a Match of its own for every caller

    def _find(self, key: str) -> Match:
        spans = self._spans(key)
        foreign = self._foreign(key, spans) if spans else []
        if foreign:
            return Match(None, foreign=foreign)
        return _named(spans)

    def names_in_text(self, text: str) -> Match:
        """Every unit whose name occurs in the text, whatever is written before it (find_in_text without places)."""
        return _named(self._spans(name_key(text)))

    def _spans(self, key: str) -> list[tuple[int, int, str]]:
        """Every occurrence of every name of 3+ characters in a name key, overlapping ones too."""
        spans: list[tuple[int, int, str]] = []
        for at in range(len(key) - 2):
            for alias, names in self._heads.get(key[at : at + 2], ()):
                if key.startswith(alias, at):
                    spans.extend((at, at + len(alias), name) for name in names)
        return spans

    def _foreign(self, key: str, spans: list[tuple[int, int, str]]) -> list[str]:
        """Units named (outside any longer name) right after a place that is not their own."""
        assert self._places is not None
        out: set[str] = set()
        for start, end, name in spans:
            if any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans):
                continue  # part of a longer name: "济源市发改委" in the directory, or "洛阳市交通运输局"
            own = self._own.get(name, frozenset())
            if any(place in key[start:end] for place in own):
                continue  # the name states its own place ("洛阳市交通运输局"); "河南省" before it is no other body
            head = key[: start + 1] if key[start] == "市" else key[:start]  # "济源" + "市交通运输局"
            ends, place = self._places.at_end(head)
            if ends and place not in own:
                out.add(name)
        return sorted(out)

    def by_email(self, address: str) -> Match:
        address = address.strip().lower()
        hits = sorted(u.name for u in self.units if u.email and u.email.strip().lower() == address)
        return Match(hits[0]) if len(hits) == 1 else Match(None, hits)


def _named(spans: list[tuple[int, int, str]]) -> Match:
    """The one unit the spans name; a hit inside a longer hit of another unit is part of that name."""
    kept = {
        name
        for start, end, name in spans
        if not any(s <= start and end <= e and (e - s) > (end - start) and n != name for s, e, n in spans)
    }
    if len(kept) == 1:
        return Match(kept.pop())
    return Match(None, sorted(kept))


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


def _column_letter(index: int) -> str:
    """Excel column letters for a 0-based index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


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
            cell = f"{_column_letter(cols['name'])}{index}"
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
            return {"file": path.name, "sheet": sheet, "cell": f"{_column_letter(cols[field_name])}{row_no}"}

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
