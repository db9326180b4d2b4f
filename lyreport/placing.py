"""History read in today's terms: where a recorded (week, measure no) belongs in the current master list
(the same measure text, found again if it was renumbered; never another measure's), and which unit a
recorded name is now (an alias of then may be a unit's name today)."""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import MasterList
    from .unitnames import UnitDirectory


def text_key(text: str) -> str:
    """A measure's text for comparing weeks: width, spaces and line breaks do not count."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


class Placer:
    """Where a history record of (week, measure no) belongs in the current master list, if anywhere."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        list_id: str,
        week: date,
        master: MasterList | None,
        directory: UnitDirectory | None,
    ) -> None:
        self.master, self.directory = master, directory
        self.texts: dict[str, dict[int, str]] = {}
        self.responsible: dict[str, dict[int, frozenset[str]]] = {}  # week -> no -> its units then
        self.reporters: dict[tuple[str, int], set[str]] = {}
        self.differs: set[int] = set()  # current numbers whose history was another measure's
        self.moved: dict[int, int] = {}  # current number -> its number in the latest week it moved from
        self._units: dict[str, str] = {}
        self._weeks: dict[str, dict[int, int]] = {}
        self._placed: dict[tuple[str, int], int | None] = {}
        if master is None:
            return
        try:  # history written before measure texts were recorded (or read-only and older) has none
            found = conn.execute(
                "SELECT week, no, text, units FROM measure_texts WHERE list_id=? AND week<?",
                (list_id, week.isoformat()),
            ).fetchall()
        except sqlite3.OperationalError:
            found = []
        for w, no, text, units in found:
            self.texts.setdefault(w, {})[no] = text
            self.responsible.setdefault(w, {})[no] = frozenset(self.unit(u) for u in units.split("、") if u)
        self.by_text: dict[str, list[int]] = {}
        for m in master.measures:
            self.by_text.setdefault(text_key(m.text), []).append(m.no)

    def unit(self, name: str) -> str:
        """A unit name as recorded then, as the directory names it now (an alias is that unit)."""
        if self.directory is None or (self.master is not None and name in self.master.units):
            return name
        if name not in self._units:
            self._units[name] = self.directory.match(name).unit or name
        return self._units[name]

    def unknown_units(self, names: Iterable[str]) -> list[str]:
        """Recorded unit names that are no unit of today's list or directory (renamed without the old name
        as an alias): their history is carried to nobody."""
        if self.directory is None or self.master is None:
            return []
        known = set(self.master.units)
        return sorted({n for n in names if self.unit(n) not in known and self.directory.match(n).unit is None})

    def saw(self, week: str, unit: str, no: int) -> None:
        self.reporters.setdefault((week, no), set()).add(unit)

    def measure(self, week: str, no: int) -> int | None:
        if self.master is None:
            return no
        if (week, no) not in self._placed:
            self._placed[(week, no)] = self._place(week, no)
        return self._placed[(week, no)]

    def _place(self, week: str, no: int) -> int | None:
        texts = self.texts.get(week)
        if texts and no in texts:
            if week not in self._weeks:
                self._weeks[week] = self._place_week(week)
            return self._weeks[week].get(no)
        current = self.master.measure(no) if self.master else None
        if current is None:
            return None
        # No recorded text (older history): the units that reported it then must still be responsible.
        if not self.reporters.get((week, no), set()) <= set(current.units):
            self.differs.add(no)
            return None
        return no

    def _place_week(self, week: str) -> dict[int, int]:
        """Every measure recorded that week with its text, placed at once so that no two land on one
        current measure: the same number with the same text stays; one whose text is now under another
        number moves there (among several with that text, the one with the units it had then), unless
        that measure already has its own history that week or another measure of the week moves there too
        (a text pasted twice in an old list, corrected since): then neither is carried."""
        assert self.master is not None
        texts, responsible = self.texts[week], self.responsible.get(week, {})
        places: dict[int, int] = {}
        for no, text in texts.items():
            current = self.master.measure(no)
            if current is None or text_key(current.text) != text:
                continue
            # A text several current measures share is told apart by the units responsible then.
            if len(self.by_text[text]) == 1 or not responsible.get(no) or set(current.units) == responsible[no]:
                places[no] = no
        kept = set(places.values())
        heading: dict[int, list[int]] = {}
        for no, text in texts.items():
            if no in places:
                continue
            if self.master.measure(no) is not None:
                self.differs.add(no)
            same = [n for n in self.by_text.get(text, []) if n not in kept]
            if len(same) > 1 and responsible.get(no):
                same = [n for n in same if set(self.master.measure(n).units) == responsible[no]]  # type: ignore[union-attr]
            if len(same) == 1:
                heading.setdefault(same[0], []).append(no)
        for target, sources in heading.items():
            if len(sources) == 1:
                places[sources[0]] = target
                self.moved[target] = sources[0]
            else:
                self.differs.add(target)
        return places
