"""Which master measure a row of a return is: by its 序号, checked against its measure text; a text that only
resembles a measure is a warning, never a silent remap (rows.py reads the rest of the row)."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import Any

from .. import lazyre
from ..models import MasterList, Measure
from . import normalize as nz
from .attribution import Context
from .layout import Table

SIMILAR = 0.5  # share of the row text's character pairs found in a measure text to call it "similar"
DIFFERENT = 0.2  # below this, the text does not describe the numbered measure


class Measures:
    """The master list as rows are matched against it: by number, and by text as compared.

    Built once per table read; looking a number up in MasterList walks the whole list, for every row.
    """

    def __init__(self, master: MasterList):
        self.master = master
        self._by_no: dict[int, Measure] = {}
        for measure in master.measures:
            self._by_no.setdefault(measure.no, measure)  # the first one, as MasterList.measure gives
        self._by_text = _text_match(tuple((m.no, m.text) for m in master.measures))

    def measure(self, no: int | None) -> Measure | None:
        return self._by_no.get(no) if no is not None else None

    def by_text(self, value: Any) -> int | None:
        """A measure whose text the cell repeats (possibly cut short); None unless exactly one fits."""
        key = nz.label_key(value)
        return self._by_text(key) if len(key) >= 8 else None


class _TextMatch:
    """Which measure a text names, for one list of measure texts; every return repeats the same texts."""

    def __init__(self, measures: tuple[tuple[int, str], ...]):
        self._keys = [(no, nz.label_key(text)) for no, text in measures]
        self._found: dict[str, int | None] = {}

    def __call__(self, key: str) -> int | None:
        if key not in self._found:
            if len(self._found) >= 4096:  # bounded: hand-typed texts differ
                self._found.clear()
            hits = [no for no, other in self._keys if other and (key in other or other in key)]
            self._found[key] = hits[0] if len(hits) == 1 else None
        return self._found[key]


@lru_cache(maxsize=8)  # keyed by the (number, text) pairs themselves: a changed list is a new entry
def _text_match(measures: tuple[tuple[int, str], ...]) -> _TextMatch:
    return _TextMatch(measures)


def measure_of_row(
    ctx: Context, table: Table, index: int, cells: dict[str, Any], known: Measures, unit: str | None
) -> int | None:
    """The master measure number of a row, from 序号; the measure text wins when it names another of the unit's."""
    raw = cells.get("no")
    cell = table.ref("no", index)
    by_text = known.by_text(cells.get("text"))
    if nz.is_blank(raw):
        no = by_text
        if no is not None:
            ctx.add("measure-no-inferred", cell=cell, no=no)
            return no
        content = next((nz.text(v) for v in cells.values() if not nz.is_blank(v)), "")
        ctx.add("measure-no-empty", cell=cell, value=content if len(content) <= 30 else content[:29] + "…")
        return None
    no = nz.measure_no(raw)
    month = nz.date_sub_no(raw) if no is None else None
    if month is not None and by_text in (None, month):  # "10-1" typed, Excel made it 10月1日: measure 10
        dated = known.measure(month)
        if dated is not None and (unit is None or unit in dated.units):
            ctx.add("measure-no-date", cell=cell, value=nz.no_shown(raw), no=month)
            return month
    sub = nz.sub_measure_no(raw) if no is None and by_text is None else None
    if sub is not None and known.measure(sub) is not None and (unit is None or unit in known.measure(sub).units):
        # "10.2" or "10-2" away from the rows of measure 10 (rows.py combines adjacent ones): a part of it
        ctx.add("measure-sub-apart", cell=cell, value=nz.text(raw), no=sub)
        return sub
    if no is None and by_text is not None and by_text == _loose_no(raw):
        return by_text  # "（十五）", or "10.1" with no row of 10 above: the text says which, and agrees
    named = known.measure(by_text)
    # People typing a return from scratch number their own rows 1, 2, 3 … while pasting the measure text.
    if named is not None and by_text != no and (unit is None or unit in named.units):
        ctx.add("measure-no-mismatch", cell=cell, value=nz.text(raw), no=by_text)
        return by_text
    if by_text is None:
        return _weak_match(ctx, cell, raw, no, cells.get("text"), known, unit)
    numbered = known.measure(no)
    if numbered is None:
        ctx.add("measure-unknown", cell=cell, value=nz.text(raw))
        return None
    if named is not None and by_text != no and unit in numbered.units:
        # The text is another unit's measure: the number is read, never silently (the text may be the slip).
        owner = "、".join(named.units)
        ctx.add("measure-text-other", cell=cell, value=nz.text(raw), no=no, other=by_text, owner=owner)
    return no


def _loose_no(raw: Any) -> int | None:
    """A 序号 measure_no leaves alone as unsure: "10.1" (maybe a decimal), "（十五）" (maybe a heading)."""
    found = nz.cn_number(nz.label_key(raw)) if isinstance(raw, str) else None
    return found or nz.sub_measure_no(raw)


def _weak_match(
    ctx: Context, cell: str, raw: Any, no: int | None, text: Any, known: Measures, unit: str | None
) -> int | None:
    """序号 whose text is not a copy of any measure: compare by similarity and say what was decided."""
    key = nz.label_key(text)
    numbered = known.measure(no)
    master = known.master
    if len(key) < 8:  # no text worth comparing ("措施内容略"): the number stands
        if numbered is None:
            ctx.add("measure-unknown", cell=cell, value=nz.text(raw))
        return numbered.no if numbered else None
    pool = master.measures_of(unit) if unit else master.measures
    scored = sorted(((_similarity(key, m.text), m.no) for m in pool), reverse=True)
    best_score, best = scored[0] if scored else (0.0, None)
    own = _similarity(key, numbered.text) if numbered else 0.0
    if best is not None and best != no and best_score >= SIMILAR and best_score - own >= DIFFERENT:
        percent = f"{best_score:.0%}"
        ctx.add("measure-no-weak", cell=cell, value=nz.text(raw), no=best, share=percent)
        return best
    if numbered is None:
        ctx.add("measure-unknown", cell=cell, value=nz.text(raw))
        return None
    if own < DIFFERENT:
        ctx.add("measure-text-differs", cell=cell, no=no)
    return numbered.no


def _similarity(key: str, measure_text: str) -> float:
    """Share of the row text's character pairs that occur in the measure text (abbreviations stay high)."""
    mine = _pairs(key)
    return len(mine & _pairs(nz.label_key(measure_text))) / len(mine) if mine else 0.0


@lru_cache(maxsize=4096)
def _pairs(key: str) -> frozenset[str]:
    return frozenset(key[i : i + 2] for i in range(len(key) - 1))


def measure_by_text(master: MasterList, value: Any) -> int | None:
    """A measure whose text the cell repeats (possibly cut short); None unless exactly one fits."""
    return Measures(master).by_text(value)


# One row for several measures: "10、11", "第8、9条", "10,11", "10/11", "10和11", a range only when it cannot be a
# sub-item ("第10-11条", "10至11", "10~11"; a bare "10-11" is sub-item 11 of measure 10).
_SEVERAL = lazyre.compile(r"第?(\d{1,3})(?:[、，,/和及与](\d{1,3}))+[条项]?")
_RANGE = lazyre.compile(r"(?:第(\d{1,3})[-—–~～至到](\d{1,3})[条项]|(\d{1,3})[~～至到](\d{1,3})[条项]?)")
MAX_SEVERAL = 10


def several_measure_nos(value: Any) -> list[int] | None:
    """The measure numbers of a 序号 naming several measures at once, in order; None for any other 序号."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    key = re.sub(r"\s+", "", nz.text(value))
    if _SEVERAL.fullmatch(key):
        nos = [int(n) for n in re.findall(r"\d{1,3}", key)]
    elif found := _RANGE.fullmatch(key):
        low, high = (int(n) for n in found.groups() if n is not None)
        nos = list(range(low, high + 1)) if 0 < low < high and high - low < MAX_SEVERAL else []
    else:
        return None
    ascending = all(a < b for a, b in itertools.pairwise(nos))  # "10/1" is rather a date or sub-item 1 of 10
    return nos if ascending and 1 < len(nos) <= MAX_SEVERAL and nos[0] > 0 else None
