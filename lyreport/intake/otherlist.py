"""A return of the other measure list filed under this one, told by its measure texts or its title.

A unit may copy the 33 measures' sheet into a fresh workbook (the hidden template mark is lost) or type a form of
its own with the other list's measures. Read by 序号, its rows would close this list's measures of the same numbers.
The table as a whole decides: when most rows with a measure text repeat the other list's measures and not this
list's (or, with no row that is this list's, the title names the other list), no status is read from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ..models import MasterList
from . import normalize as nz
from .cellrefs import cell_ref
from .layout import Table
from .rowmeasure import DIFFERENT, SIMILAR, Measures, _similarity

# The lists lyreport ships (workspace.DEFAULT_LISTS; importing it would load openpyxl): the other list is one of them.
BUNDLED_LISTS = ("measures_33.json", "measures_7actions.json")
# Short names a self-made title uses for a list besides its full 清单名称.
NICKNAMES = {"ly-jy-33": ("三十三条", "33条", "同城一体深度融合"), "ly-dsq-7": ("七大行动",)}
MIN_TEXT = 8  # shorter texts ("措施内容略") say nothing of the list
MAX_ROWS = 80  # a return has a unit's few measures; a longer table is judged on its first rows


@dataclass(frozen=True)
class OtherList:
    """A second measure list (such as the seven actions) that a returned form may belong to."""

    list_id: str
    title: str
    texts: tuple[str, ...]
    names: tuple[str, ...]  # label keys of its title and nicknames


@dataclass(frozen=True)
class Finding:
    """The other list a table was found to report, and why (said in the problem)."""

    title: str
    cell: str
    evidence: str


@cache
def _bundled() -> tuple[OtherList, ...]:
    found = []
    for name in BUNDLED_LISTS:
        data = json.loads(resources.files("lyreport.data").joinpath(name).read_text(encoding="utf-8"))
        names = (data["title"], *NICKNAMES.get(data["list_id"], ()))
        texts = tuple(m["text"] for m in data["measures"])
        found.append(OtherList(data["list_id"], data["title"], texts, tuple(nz.label_key(n) for n in names)))
    return tuple(found)


def _others(master: MasterList) -> list[OtherList]:
    """The bundled lists other than this one (by 清单编号 and 清单名称: a renumbered copy is still this list)."""
    return [o for o in _bundled() if o.list_id != master.list_id and o.title != master.title]


def other_list_of(tables: list[Table], master: MasterList) -> Finding | None:
    """The other list these tables (one unit's return) report instead of this one, or None."""
    texts: list[tuple[str, int, int]] = []  # (label key, column, row index) of each row's measure text
    for table in tables:
        col = table.cols.get("text")
        if col is None:
            continue
        for index in range(table.header + 1, min(table.end, table.header + 1 + MAX_ROWS)):
            line = table.sheet.rows[index]
            value = line[col] if col < len(line) else None
            if isinstance(value, str) and len(value) >= MIN_TEXT and len(key := nz.label_key(value)) >= MIN_TEXT:
                texts.append((key, col, index))
    own = 0
    if texts:
        known = Measures(master)
        own = sum(1 for key, _, _ in texts if known.by_text(key) is not None)
        if own * 2 >= len(texts):  # the usual return: this list's texts, copied
            return None
    others = _others(master)
    if not others:
        return None
    mine = [max((_similarity(key, m.text) for m in master.measures), default=0.0) for key, _, _ in texts]
    for other in others:
        theirs = [max((_similarity(key, t) for t in other.texts), default=0.0) for key, _, _ in texts]
        votes = [t >= SIMILAR and t - m >= DIFFERENT for m, t in zip(mine, theirs, strict=True)]
        ours = own + sum(1 for m, t in zip(mine, theirs, strict=True) if m >= SIMILAR and m >= t)
        if texts and sum(votes) * 2 > len(texts):
            _, col, index = texts[votes.index(True)]
            return Finding(
                other.title, cell_ref(col, index), f"{len(texts)} 行措施内容中有 {sum(votes)} 行是该清单的措施"
            )
        if not ours and (title := _title_naming(tables, other, master)):
            return Finding(other.title, title, "表格标题写明是该清单")
    return None


def _title_naming(tables: list[Table], other: OtherList, master: MasterList) -> str | None:
    """The cell above the table header (or the sheet name) naming the other list and not this one."""
    table = tables[0]
    mine = [nz.label_key(master.title), *(nz.label_key(n) for n in NICKNAMES.get(master.list_id, ()))]
    candidates = [(table.sheet.name, f"工作表“{table.sheet.name}”")]
    for index in range(table.top, table.header):
        for col, value in enumerate(table.sheet.rows[index]):
            if isinstance(value, str) and len(value) >= 4:
                candidates.append((value, cell_ref(col, index)))
    for value, where in candidates:
        key = nz.label_key(value)
        if any(n and n in key for n in other.names) and not any(n and n in key for n in mine):
            return where
    return None
