"""Node dates (节点日期) of a measure: parse what staff typed, or derive them from the time wording."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

_LIST_SPLIT = re.compile(r"[、,，;；/\n]+")

_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NODE_PATTERN = re.compile(
    r"(?P<ymd>(?P<y1>\d{4})年(?P<m1>\d{1,2})月(?:(?P<d1>\d{1,2})日|底|末)?)"
    r"|(?P<yhalf>(?P<y2>\d{4})年(?P<half>上半年|下半年|年底|底|末|内)?)"
    r"|(?P<plan>十(?P<plan_no>[一二三四五六七八九])五)"
    r"|(?P<half_only>上半年|下半年)"
    r"|(?P<year_end>年底|年内|年末)"
)


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1).fromordinal(date(year, month + 1, 1).toordinal() - 1)


def derive_nodes(wording: str, base_year: int) -> list[date]:
    """Dates named by time wording: 年底前 → base_year-12-31, 2021年上半年 → 2021-06-30, 十四五 → 2025-12-31."""
    dates: list[date] = []
    for m in _NODE_PATTERN.finditer(wording or ""):
        if m.group("ymd"):
            year, month = int(m.group("y1")), int(m.group("m1"))
            if not 1 <= month <= 12:
                continue
            day = m.group("d1")
            found = date(year, month, int(day)) if day else _month_end(year, month)
        elif m.group("yhalf"):
            year = int(m.group("y2"))
            found = date(year, 6, 30) if m.group("half") == "上半年" else date(year, 12, 31)
        elif m.group("plan"):
            # 十四五 = 14th five-year plan, 2021-2025; since the 3rd, the n-th plan ends in 1955 + 5n.
            n = 10 + _CN_NUM.get(m.group("plan_no"), 0)
            found = date(1955 + 5 * n, 12, 31)
        elif m.group("half_only"):
            found = date(base_year, 6, 30) if m.group("half_only") == "上半年" else date(base_year, 12, 31)
        else:
            found = date(base_year, 12, 31)
        if found not in dates:
            dates.append(found)
    return dates


def parse_node_cell(value: Any) -> list[date] | None:
    """节点日期 as staff write it: a date cell, or text with dates separated by ；、, . None if unreadable."""
    if value is None or value == "":
        return []
    if isinstance(value, datetime):
        return [value.date()]
    if isinstance(value, date):
        return [value]
    dates = []
    for part in _LIST_SPLIT.split(str(value)):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?", part)
        if not m:
            return None
        try:
            dates.append(date(int(m[1]), int(m[2]), int(m[3])))
        except ValueError:
            return None
    return dates
