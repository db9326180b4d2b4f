"""Node dates (节点日期) of a measure: parse what staff typed, or derive them from the time wording."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from . import lazyre
from .cnnum import CN_DIGITS, cn_number, month_end

_LIST_SPLIT = lazyre.compile(r"[、,，;；/\n]+")

_QUARTER = r"(?:第|前)?(?P<{0}>[一二三四1-4])季度|[Qq](?P<{0}x>[1-4])(?!\d)"
_RANGE_SEP = r"\s*[-—–~～至到]\s*"
_NODE_SOURCE = (
    r"(?P<ymd>(?P<y1>\d{4})\s*(?:年\s*(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})(?!\d)\s*[日号]?"
    r"|(?P<sep>[.\-/])\s*(?P<m1x>\d{1,2})\s*(?P=sep)\s*(?P<d1x>\d{1,2})(?!\d)))"
    rf"|(?P<yrange>(?P<y3>\d{{4}})\s*年\s*\d{{1,2}}(?:月)?{_RANGE_SEP}(?P<m3>\d{{1,2}})\s*月(?:底|末|份)?)"
    r"|(?P<ym>(?P<y4>\d{4})\s*(?:年\s*(?P<m4>\d{1,2})\s*月(?:底|末|份)?|[.\-/]\s*(?P<m4x>\d{1,2})(?![\d.\-/])))"
    rf"|(?P<yq>(?P<y5>\d{{4}})\s*年?\s*(?:{_QUARTER.format('q5')}))"
    r"|(?P<yhalf>(?P<y2>\d{4})\s*年(?P<half>上半年|下半年|年中|年底|年末|年内|底|末|内|中)?)"
    r"|(?P<plan>十(?P<plan_no>[一二三四五六七八九])五)"
    rf"|(?P<mrange>(?<![\d.\-/])\d{{1,2}}(?:月)?{_RANGE_SEP}(?P<m6>\d{{1,2}})\s*月(?:底|末|份)?)"
    r"|(?P<md>(?<![\d.\-/])(?P<m7>\d{1,2})\s*月\s*(?P<d7>\d{1,2})\s*[日号])"
    r"|(?P<m_only>(?<![\d.\-/])(?P<m8>\d{1,2})\s*月(?:底|末|份)?)"
    rf"|(?P<q_only>{_QUARTER.format('q9')})"
    r"|(?P<half_only>上半年|下半年|年中)"
    r"|(?P<year_end>(?<![〇零一二三四五六七八九十两\d])(?:年底|年内|年末))"  # not 两年内: a span, not a date
)
# After a bare "2021年": words naming a time inside the year that the program cannot place (春节前, 年初, 前三季度).
_IMPRECISE_SOURCE = r"\s*(?:[春夏秋冬初前]|元旦|国庆|五一|汛|[上中下]旬|第|一季|二季|三季|四季)"
# Text that still names a time once every readable date is taken out: it must be dated by hand.
_TIME_WORDS_SOURCE = (
    r"(?<![A-Za-z\d])(?:19|20)\d{2}(?!\d)|\d+\s*[年月日号]|[〇零一二三四五六七八九十两]+\s*[年月]"
    r"|季度|[上中下]旬|年初|月初|年中|年底|年末|月底|月末|半年|年内|春节|元旦|国庆|[春夏秋冬]季|汛期|今年|明年|后年|本年"
)


@functools.lru_cache(maxsize=4)
def _pattern(source: str) -> re.Pattern[str]:
    """Compiled on first use: the node pattern alone takes ~3 ms to compile, and most lists give every
    node date in its own column, so most runs never need it."""
    return re.compile(source)


@dataclass
class Timing:
    """What time wording says: the dates read, the words naming a time that gave none, and whether a year was assumed."""

    dates: list[date] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    assumed_year: bool = False


def _normalise(wording: str, base_year: int) -> str:
    """Full-width digits to ASCII, 二〇二一年 → 2021年, 六月三十日 → 6月30日, 明年 → base_year+1年."""
    text = unicodedata.normalize("NFKC", wording)
    text = re.sub(r"[〇零一二三四五六七八九]{4}(?=\s*年)", lambda m: "".join(str(CN_DIGITS[c]) for c in m[0]), text)
    text = re.sub(
        r"(?<![十一二三四五六七八九])(十[一二]?|[一二三四五六七八九])(?=\s*月)", lambda m: str(cn_number(m[1])), text
    )
    text = re.sub(
        r"(?<=月)(三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])(?=\s*[日号])",
        lambda m: str(cn_number(m[1])),
        text,
    )
    for word, year in (("明年", base_year + 1), ("后年", base_year + 2), ("今年", base_year), ("本年", base_year)):
        text = text.replace(word, f"{year}年")
    return text.replace("年年", "年")


def read_timing(wording: str, base_year: int) -> Timing:
    """Dates named by time wording, and what names a time but could not be dated (see derive_nodes)."""
    text = _normalise(wording or "", base_year)
    timing = Timing()
    leftover = list(text)
    for m in _pattern(_NODE_SOURCE).finditer(text):
        found = _node_date(m, base_year, text, timing)
        if found is None:
            continue
        for i in range(m.start(), m.end()):
            leftover[i] = " "
        if found not in timing.dates:
            timing.dates.append(found)
    rest = "".join(leftover)
    timing.unread = [m.group(0) for m in _pattern(_TIME_WORDS_SOURCE).finditer(rest)]
    if timing.unread:
        # Quote the phrase the words sit in, as typed (after digit normalisation).
        phrases = [
            p.strip()
            for p in re.split(r"[；;，,。、\n]", text)
            if _pattern(_TIME_WORDS_SOURCE).search(_blank(p, rest, text))
        ]
        timing.unread = phrases or timing.unread
    return timing


def _blank(phrase: str, rest: str, text: str) -> str:
    start = text.find(phrase)
    return rest[start : start + len(phrase)] if start >= 0 else phrase


def _quarter(m: re.Match, name: str) -> int:
    q = m.group(name) or m.group(name + "x")
    return int(q) if q.isdigit() else cn_number(q)


def _node_date(m: re.Match, base_year: int, text: str, timing: Timing) -> date | None:
    """The date one match names, or None when it names none that can be placed."""
    try:
        if m.group("ymd"):
            return date(int(m.group("y1")), int(m.group("m1") or m.group("m1x")), int(m.group("d1") or m.group("d1x")))
        if m.group("yrange"):
            return month_end(int(m.group("y3")), int(m.group("m3")))
        if m.group("ym"):
            return month_end(int(m.group("y4")), int(m.group("m4") or m.group("m4x")))
        if m.group("yq"):
            return month_end(int(m.group("y5")), 3 * _quarter(m, "q5"))
        if m.group("yhalf"):
            year, half = int(m.group("y2")), m.group("half")
            if half is None and _pattern(_IMPRECISE_SOURCE).match(text, m.end()):
                return None  # 2021年春节前, 2021年初: inside the year, but where is not said precisely
            return date(year, 6, 30) if half in ("上半年", "年中", "中") else date(year, 12, 31)
        if m.group("plan"):
            # 十四五 = 14th five-year plan, 2021-2025; since the 3rd, the n-th plan ends in 1955 + 5n.
            return date(1955 + 5 * (10 + cn_number(m.group("plan_no"))), 12, 31)
        timing.assumed_year = True
        if m.group("mrange"):
            return month_end(base_year, int(m.group("m6")))
        if m.group("md"):
            return date(base_year, int(m.group("m7")), int(m.group("d7")))
        if m.group("m_only"):
            return month_end(base_year, int(m.group("m8")))
        if m.group("q_only"):
            return month_end(base_year, 3 * _quarter(m, "q9"))
        if m.group("half_only"):
            return date(base_year, 12, 31) if m.group("half_only") == "下半年" else date(base_year, 6, 30)
        return date(base_year, 12, 31)
    except ValueError:
        return None  # 2021年13月: not a date; left for the unread check


def derive_nodes(wording: str, base_year: int) -> list[date]:
    """Dates named by time wording: 年底前 → base_year-12-31, 2021年上半年 → 2021-06-30, 十四五 → 2025-12-31,
    2021年三季度 → 2021-09-30, 9月底 → base_year-09-30. Words it cannot place (春节前) give no date: see read_timing."""
    return read_timing(wording, base_year).dates


_NODE_DATE = lazyre.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?")


def parse_node_cell(value: Any) -> list[date] | None:
    """节点日期 as staff write it: a date cell, or text with dates ("2021-06-30", "2021/6/30", "2021年6月30日")
    separated by ；、, / or line breaks. None if unreadable."""
    if value is None or value == "":
        return []
    if isinstance(value, datetime):
        return [value.date()]
    if isinstance(value, date):
        return [value]
    # Dates are found first and the rest must be separators: "2021/6/30" is one date, not three parts.
    text = str(value)
    dates = []
    for m in _NODE_DATE.finditer(text):
        try:
            dates.append(date(int(m[1]), int(m[2]), int(m[3])))
        except ValueError:
            return None
    if _LIST_SPLIT.sub("", _NODE_DATE.sub("", text)).strip():
        return None
    return dates
