"""Unit names as people write them: which unit of the directory (单位名录) a written name or a free text
(a file name, a mail subject) names, without guessing; another place's body with the same name is not ours.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .models import Unit


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


# Invisible format characters pasted into names from web pages and chat apps (zero-width space, soft hyphen,
# word joiner, BOM, direction marks): "市交通\u200b运输局" is 市交通运输局.
_FORMAT = dict.fromkeys([0xAD, *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065), 0xFEFF])


def name_key(name: str) -> str:
    """Normalise a unit name for comparison: NFKC, no spaces, punctuation or invisible format characters."""
    return without_marks(unicodedata.normalize("NFKC", str(name)).translate(_FORMAT))


def _variants(key: str) -> set[str]:
    """The usual ways the same unit is written: with or without 洛阳市/市 prefix; 管理委员会 as 管委会 or left off
    ("中国（河南）自由贸易试验区洛阳片区管委会", "洛阳高新技术产业开发区")."""
    out = {key}
    for prefix in ("洛阳市", "洛阳"):
        if key.startswith(prefix) and len(key) > len(prefix) + 1:
            rest = key[len(prefix) :]
            out |= {rest, "市" + rest}
    if key.startswith("市") and len(key) > 2:
        out |= {key[1:], "洛阳市" + key[1:]}
    for written in list(out):
        for suffix in _ORGAN_SUFFIXES:
            stem = written.removesuffix(suffix)
            if stem != written and stem:
                out |= {stem + other for other in _ORGAN_SUFFIXES} | ({stem} if len(stem) >= MIN_STEM else set())
    return out


_ORGAN_SUFFIXES = ("管理委员会", "管委会")
MIN_STEM = 4  # "高新区" alone is an alias where the directory says so, never made from a suffix left off


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

    def at_start(self, text: str) -> str | None:
        """The known place a text begins with ("济源" of "济源分局"), the longest; else None."""
        if text[:2] not in self.heads:
            return None
        return next((text[:n] for n in self.lengths if text[:n] in self.names), None)

    def whole(self, text: str) -> str | None:
        """The known place a text is, with or without 省/市/县/区/… or 示范区 ("济源", "济源市", "济源示范区"); else None."""
        for zone in ("产城融合示范区", "示范区"):
            text = text.removesuffix(zone)
        return self.endings.get(text)

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
        if text in _ANY_END:  # "县发改委", "区交通局": a county's or district's bureau, whichever it is
            return True, None
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

    def placed_after(self, text: str) -> list[str]:
        """Units named in the text and then nothing but another place's name ("发改委（济源）", "市卫健委 郑州市"):
        that place's body, not ours. Only for a 填报单位 text: a file name or subject often goes on with 济源 (the
        measures' subject)."""
        assert self._places is not None
        key = name_key(text)
        spans = self._spans(key)
        out: set[str] = set()
        for start, end, name in spans:
            if any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans):
                continue
            place = self._places.whole(key[end:])
            if place is not None and place not in self._own.get(name, frozenset()):
                out.add(name)
        return sorted(out)

    def other_place_in(self, text: str, unit: str) -> str | None:
        """Another place named anywhere in a text that names `unit` ("市交通运输局济源分局", "洛阳、济源两市交通运输局"):
        a branch of ours, a joint return, or that place's body: to be checked."""
        assert self._places is not None
        own = self._own.get(unit, frozenset())
        return next((p for p in self._places.findall(name_key(text)) if p not in own), None)

    def leading_place(self, text: str) -> str | None:
        """The other place a text begins with ("济源" of "济源示范区发展改革和统计局"): none of the directory's own."""
        assert self._places is not None
        place = self._places.at_start(name_key(text))
        if place is None or any(place in own for own in self._own.values()):
            return None
        return place

    def by_email(self, address: str) -> Match:
        address = address.strip().lower()
        hits = sorted(
            u.name for u in self.units if u.email and address in (a.strip().lower() for a in u.email.split(","))
        )
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
