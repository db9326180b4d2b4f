"""Cell-level normalisation of returned spreadsheets: measure numbers, statuses, dates, phones, labels.

Every function takes a raw cell value (str, int, float, bool, date, datetime or None) and never raises.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from .. import lazyre
from ..cnnum import CN_DIGITS, cn_number, month_end
from ..models import DONE
from ..unitnames import without_marks
from .status_words import denies_done, done_with_reservation, read_status, status_choices, status_mark

__all__ = ["read_status", "status_choices", "status_mark"]  # re-exported: callers read statuses through this module

# ----------------------------------------------------------------- text
_SPACES = lazyre.compile(r"[^\S\n]+")  # whitespace except newline (includes U+3000 and NBSP)


def is_blank(value: Any) -> bool:
    """True for None and strings that are only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def _number_text(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    # Excel floats such as 0.30000000000000004 are shown as staff typed them.
    return f"{value:.10f}".rstrip("0").rstrip(".")


def text(value: Any) -> str:
    """Cell value as display text: trimmed, inner whitespace collapsed, line breaks kept, 1.0 → "1"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return _text(value) if type(value) is str else _text(str(value))


@lru_cache(maxsize=256)  # texts recur: 无, 同上, the same progress pasted from week to week
def _text(raw: str) -> str:
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in raw.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):  # at most one empty line in a row
            out.append(line)
    return "\n".join(out).strip("\n")


def _nfkc(value: Any) -> str:
    return unicodedata.normalize("NFKC", text(value))


# ----------------------------------------------------------------- measure numbers
def measure_no(value: Any) -> int | None:
    """序号 as units write it (1, 1.0, "1、", "第1条", "（一）1", "三十三", "10-1") → int; anything else → None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() and 0 < value < 10000 else None
    return _measure_no(value) if type(value) is str else _measure_no.__wrapped__(value)


@lru_cache(maxsize=256)  # the same 序号 texts ("1、", "第3条") come in every return
def _measure_no(value: Any) -> int | None:
    key = re.sub(r"\s+", "", _nfkc(value))
    key = re.sub(r"^\([一二三四五六七八九十]+\)", "", key)  # category prefix such as (一)
    key = key.rstrip(".、,)").lstrip("(")
    m = re.fullmatch(r"第?(\d+|[零〇一二两三四五六七八九十]+)条?", key) or re.fullmatch(r"(\d+)\.0+", key)
    # Sub-items of one measure, "10-1", "10(1)": part of measure 10 (rows.py combines them).
    m = m or re.fullmatch(r"(\d{1,3})(?:[-—_~]|\()[1-9]\d?\)?", key)
    if not m:
        return None
    number = int(m[1]) if m[1].isdigit() else cn_number(m[1])
    return number if number and number < 10000 else None


def sub_measure_no(value: Any) -> int | None:
    """The measure a sub-item number belongs to ("10.2", "10-2", "10(2)" → 10); None if it is not one.

    "10.2" alone could be a decimal, so it only counts right under a row of measure 10 (rows.py). Typed into a
    general cell, "10.2" is the number 10.2: the same sub-item.
    """
    if isinstance(value, float) and not isinstance(value, bool):
        shown = _number_text(value)  # 10.2 as typed, not 10.199999…
        m = re.fullmatch(r"(\d{1,3})\.[1-9]\d?", shown)
        return int(m[1]) if m and int(m[1]) > 0 else None
    if not isinstance(value, str):
        return None
    key = re.sub(r"\s+", "", _nfkc(value))
    m = re.fullmatch(r"(\d{1,3})(?:[-.—_~]|\()[1-9]\d?\)?", key)
    return int(m[1]) if m and int(m[1]) > 0 else None


def date_sub_no(value: Any) -> int | None:
    """The measure a 序号 typed as "10-1" or "1/2" belongs to, once Excel made it a date (10月1日, 1月2日): the month.

    A date never is a 序号; callers say how they read it. Only a bare day (no time of day) is such a cell.
    """
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            return None
        value = value.date()
    return value.month if isinstance(value, date) else None


_ITEM_MARK = lazyre.compile(r"[(（]\d{1,2}[)）]|\d{1,2}[)）]|[\u2460-\u2473\u2474-\u2487]")


def item_mark(value: Any) -> bool:
    """A 序号 written as a list item inside a measure: "(1)", "（2）", "1)", "①", "⑴" — not a measure's own number."""
    return isinstance(value, str) and _ITEM_MARK.fullmatch(re.sub(r"\s+", "", value)) is not None


def no_shown(value: Any) -> str:
    """A 序号 cell as the unit sees it: a date as Excel shows it (10月1日), not as 2021-10-01."""
    if isinstance(value, (date, datetime)) and date_sub_no(value) is not None:
        return f"{value.month}月{value.day}日"
    return text(value)


# ----------------------------------------------------------------- statuses
def status(value: Any) -> str | None:
    """Map a written status to one of STATUSES (完成 → 已完成, 推进中 → 正常推进 …); unknown → None."""
    return read_status(value)[0]


_YES = frozenset(
    ["是", "是的", "√", "✓", "✔", "☑", "✅", "Y", "YES", "TRUE", "已完成", "完成", "已销号", "已办结", "已完结"]
)
# The short answers of a 已/未 or 是/否 column: "未" is the usual no beside "已".
_NO = frozenset(
    ["否", "不是", "×", "✗", "✘", "✕", "N", "NO", "FALSE", "未", "尚未", "没有", "没", "无", "不", "未完", "未完成",
     "尚未完成", "没有完成", "未完工", "未竣工", "未验收", "未销号", "未办结", "未结"]
)  # fmt: skip
_LABELLED_SHARE = lazyre.compile(r"(?:完成率|完成进度|完成比例|进度|完成)?(?:为|达到?)?\d{1,3}(?:\.\d+)?%")
_FIRST_CLAUSE = lazyre.compile(r"[(\[【,，;；。:：/、]")


_NUMBER = lazyre.compile(r"\d+(?:\.\d+)?")


def done_share(value: Any) -> float | None:
    """The percentage a number in a 完成率 / 是否完成 cell gives; None when the value is no number or no share.

    Every CSV value is text, so "0.8" and "80" count as the numbers they spell. Up to 1.5 a number is a fraction
    (Excel keeps 80% as 0.8 and 105% as 1.05); above 1.5 it is the percentage itself (80 is 80%), up to 150.
    """
    if isinstance(value, str):
        key = re.sub(r"\s+", "", _nfkc(value)).rstrip("。.")
        value = float(key) if _NUMBER.fullmatch(key) else None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    if 0 <= value <= 1.5:
        return round(value * 100, 6)
    return float(value) if 1.5 < value <= 150 else None


_FRACTION = lazyre.compile(r"(\d{1,4})/(\d{1,4})")


def done_claim(value: Any) -> bool | None:
    """What a 是否完成 / 完成率 cell says of done: True (是, 100%), False (否, 60%), None (blank or unclear).

    A number is a share (done_share), and so is a fraction of parts ("9/10"); any share below 100% in the text,
    or words that deny a done (待验收, 正在, 剩余扫尾, 九成), say not done; a status word counts as done only when it reads 已完成.
    """
    if value is None or isinstance(value, bool):
        return value
    share = done_share(value)
    if share is not None:
        return share >= 100
    if isinstance(value, (int, float)):
        return None
    key = re.sub(r"\s+", "", _nfkc(value)).upper().rstrip("。.")
    if not key:
        return None
    if key in _YES or key in _NO:
        return key in _YES
    fraction = _FRACTION.fullmatch(key)
    if fraction and int(fraction[2]) > 0:  # "9/10": nine of ten parts done
        return int(fraction[1]) >= int(fraction[2])
    # "是（已销号）", "否，待验收": the yes or no before a remark decides, unless the remark denies a yes.
    first = _FIRST_CLAUSE.split(key, maxsplit=1)[0]
    if first in _NO:
        return False
    if first in _YES:
        return not denies_done(key[len(first) :])
    # "约80%", "60%，待验收", "80%（预计6月完成）": a share short of 100% or a pending step is not done.
    if denies_done(key):
        return False
    if _LABELLED_SHARE.fullmatch(first):  # "100%（已验收）", "完成率100%"
        return True
    found = read_status(value)[0]
    if found is None:
        return None
    if found != DONE and done_with_reservation(value):
        return True  # "已完成，详见附件": a done with a remark that takes nothing from it (never closes a measure)
    return found == DONE


# ----------------------------------------------------------------- dates
_EXCEL_EPOCH = date(1899, 12, 30)  # 1900 date system, right for every serial after 1900-02-28
_SERIAL_RANGE = (25569, 73051)  # 1970-01-01 … 2100-01-01
_YEARS = (1950, 2150)


def _safe(year: int, month: int, day: int | None = None) -> date | None:
    try:
        return date(year, month, day) if day else month_end(year, month)
    except ValueError:
        return None


_DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # A time of day is cut off at its space before this (_CLOCK); run on without one it is read only after 日
    # or 号: "2021-1-110:30" may be the 1st or the 11th.
    (lazyre.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})(?:[日号](?:\d{1,2}:\d{2}(?::\d{2})?)?)?"), "ymd"),
    (lazyre.compile(r"(\d{4})(\d{2})(\d{2})"), "ymd"),
    (lazyre.compile(r"(\d{4})[-/.年](\d{1,2})月?(?:底|末|份|中旬|下旬)?"), "ym"),
    (lazyre.compile(r"(\d{4})年?(上半年|年中|年上半年)"), "y-half"),
    (lazyre.compile(r"(\d{4})年?(年底|底|年末|末|下半年|年内|内|全年)"), "y-end"),
    (lazyre.compile(r"(\d{4})年?第?([1-4一二三四])季度(?:末|底)?"), "y-quarter"),
    (lazyre.compile(r"(?:今年)?第?([1-4一二三四])季度(?:末|底)?"), "quarter"),
    (lazyre.compile(r"(\d{1,2})月(\d{1,2})[日号]"), "md"),
    (lazyre.compile(r"(\d{1,2})月(?:底|末|份|中旬|下旬)?"), "m"),
    (lazyre.compile(r"(?:今年)?(上半年|年中)"), "half"),
    (lazyre.compile(r"(?:今年)?(年底|年末|年内|下半年|全年)"), "end"),
]


# 预计完成时间 answered with a word instead of a date: a legitimate answer, not a typing slip.
_NO_DATE = lazyre.compile(
    r"长期|持续|常态|待定|视情况|根据|按上级|十四五|每[年月季周]|逐年|已完成|已办结|^(?:无|略|/|-+|—+)$"
)


def is_no_date_word(value: Any) -> bool:
    """True for 长期, 持续推进, 常态化, 待定, "十四五"期间 … written where a date is expected."""
    return isinstance(value, str) and _NO_DATE.search(re.sub(r"\s+", "", _nfkc(value))) is not None


def parse_date(value: Any, base_year: int | None = None, today: date | None = None) -> date | None:
    """A date as units write it: date cells, Excel serials, 2021-6-30, 2021年6月底, 年底前 (base year)…"""
    return _dated(value, base_year, today)[0]


# What the written value names: one day (a date cell, 2021-1-6, 1月6日), or a longer time (2021年1月, 年底).
_DAY_KINDS = frozenset({"cell", "ymd", "md"})


def parse_day(
    value: Any, base_year: int | None = None, today: date | None = None, not_after: date | None = None
) -> date | None:
    """A day such as 填报日期: a month or season ("2021年1月", "6月底") names no day and gives None.

    A day written without a year takes the base year; given `not_after` (the day the return arrived, which
    it cannot postdate), it takes the year that puts it closest to that day and not after it: "12月30日"
    arriving 2021-01-07 is 2020-12-30, "1月2日" arriving 2021-01-02 is 2021-01-02 even when the base year,
    the reporting week's, is 2020.
    """
    found, kind = _dated(value, base_year, today)
    if not_after is not None and kind in ("md", ""):  # a day written without a year (or whose weekday did not fit
        for year in (not_after.year, not_after.year - 1):  # the base year): the latest year not after arrival
            candidate, written = _dated(value, year)
            if candidate is not None and written == "md" and candidate <= not_after:
                return candidate
    if found is None or kind not in _DAY_KINDS:
        return None
    return found


def lost_trailing_zero(value: Any) -> str:
    """For a number such as 2021.1 read as a year and month: the month it may have been (2021.10 → "2021.10").

    Excel keeps 2021.10 typed into a number cell as 2021.1, so October and January look alike; "" otherwise.
    """
    if isinstance(value, bool) or not isinstance(value, float) or not _YEARS[0] <= value < _YEARS[1] + 1:
        return ""
    return f"{int(value)}.10" if text(value) == f"{int(value)}.1" else ""


def _dated(value: Any, base_year: int | None = None, today: date | None = None) -> tuple[date | None, str]:
    """(date, kind of writing) for parse_date and parse_day."""
    found, kind = _parse_date(value, base_year or (today or date.today()).year)
    # Years far off are typing slips (20021-6-30) and would break week arithmetic later.
    return (found, kind) if found and _YEARS[0] <= found.year <= _YEARS[1] else (None, "")


def _parse_date(value: Any, year: int) -> tuple[date | None, str]:
    if isinstance(value, datetime):
        return value.date(), "cell"
    if isinstance(value, date):
        return value, "cell"
    if isinstance(value, bool) or value is None:
        return None, ""
    if isinstance(value, (int, float)):
        if _SERIAL_RANGE[0] <= value < _SERIAL_RANGE[1]:
            return _EXCEL_EPOCH + timedelta(days=int(value)), "cell"
        value = text(value)  # maybe 20210630
    key = _cn_date_digits(re.sub(r"\s+", "", _CLOCK.sub("", _nfkc(value))))
    key = _DASH.sub("-", key.replace("元月", "1月"))  # as written by hand: see _DAY_PART
    key = _SHORT_YEAR.sub(r"20\1年", _DAY_PART.sub("", key))
    weekday = _WEEKDAY.search(key)
    if weekday:  # "2021年1月6日（星期三）": the day must be that weekday, or which of the two is meant is unknown
        key = key[: weekday.start()]
        found, kind = _parse_date(key, year)
        named = "一二三四五六".find(weekday[1]) + 1 or 7  # 日 and 天 are Sunday
        return (found, kind) if found and (kind not in ("ymd", "md") or found.isoweekday() == named) else (None, "")
    key = re.sub(r"(?:之前|以前|前)?(?:完成|建成|办结|开工|完工|实施)?$", "", key)
    key = re.sub(r"(?:之前|以前|前)$", "", key)
    key = re.sub(r"^(\d{4}年)?\d{1,2}[-~～至到](?=\d{1,2}月)", r"\1", key)  # 2021年6-7月: the later month
    for pattern, kind in _DATE_PATTERNS:
        m = pattern.fullmatch(key)
        if m:
            try:
                return _from_match(kind, m, year), kind
            except ValueError:
                return None, ""
    return None, ""


# A time of day after a date and a space or "T" ("2021-1-1 10:30", "2021-01-01T10:30:00"): dropped before the
# spaces are, so that it never runs into the day ("2021-1-110:30" read as the 11th).
_CLOCK = lazyre.compile(r"(?<=[\d日号])(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
# A weekday after the day: "（星期三）", "周三", "(礼拜天)".
_WEEKDAY = lazyre.compile(r"(?<=[\d日号])\(?(?:星期|周|礼拜)([一二三四五六日天])\)?$")
_CN_YEAR = lazyre.compile(r"[零〇一二三四五六七八九]{4}(?=年)")
_CN_MONTH_DAY = lazyre.compile(r"[一二三四五六七八九十]{1,3}(?=[月日号]|季度)")


# As dates are written by hand: 元月 (January), a dash for the hyphen, the part of the day after it ("1月6日下午",
# "1月6日上午10点"), a two-digit year of this century before a month ("21年1月6日").
_DASH = lazyre.compile(r"(?<=\d)[—–―](?=\d)")
_DAY_PART = lazyre.compile(
    r"(?<=[日号])(?:上午|下午|中午|晚上|早上|傍晚)(?:\d{1,2}(?::\d{2}|[点时](?:\d{1,2}分?|半)?))?$"
)
_SHORT_YEAR = lazyre.compile(r"^([1-3]\d)年(?=\d{1,2}月)")  # 2010–2039


def _cn_date_digits(key: str) -> str:
    """二〇二一年六月底 → 2021年6月底; 第二季度 stays readable by the quarter pattern too."""
    key = _CN_YEAR.sub(lambda m: "".join(str(CN_DIGITS[ch]) for ch in m[0]), key)
    return _CN_MONTH_DAY.sub(lambda m: str(cn_number(m[0]) or m[0]), key)


def _from_match(kind: str, m: re.Match[str], year: int) -> date | None:
    if kind == "ymd":
        return _safe(int(m[1]), int(m[2]), int(m[3]))
    if kind == "ym":
        return _safe(int(m[1]), int(m[2])) if 1 <= int(m[2]) <= 12 else None
    if kind == "y-half":
        return date(int(m[1]), 6, 30)
    if kind == "y-end":
        return date(int(m[1]), 12, 31)
    if kind == "y-quarter":
        quarter = int(m[2]) if m[2].isdigit() else CN_DIGITS[m[2]]
        return month_end(int(m[1]), quarter * 3)
    if kind == "quarter":
        return month_end(year, 3 * (int(m[1]) if m[1].isdigit() else CN_DIGITS[m[1]]))
    if kind == "md":
        return _safe(year, int(m[1]), int(m[2]))
    if kind == "m":
        return _safe(year, int(m[1])) if 1 <= int(m[1]) <= 12 else None
    if kind == "half":
        return date(year, 6, 30)
    return date(year, 12, 31)


# ----------------------------------------------------------------- phones
_PHONE_SPLIT = lazyre.compile(r"[/、,，;；\n]|(?<=\d)\s{2,}(?=\d)|或")
_EXTENSION = lazyre.compile(r"(?:转|分机|ext\.?|x)\s*(\d{1,6})$", re.IGNORECASE)
_LOCAL_AREA = "0379"


def _one_phone(part: str) -> tuple[str, bool]:
    """Normalise one number; returns (text, valid)."""
    ext = ""
    m = _EXTENSION.search(part)
    if m:
        ext, part = f"转{m[1]}", part[: m.start()]
    digits = re.sub(r"\D", "", part)
    if part.lstrip().startswith("+86") or (digits.startswith("86") and len(digits) == 13):
        digits = digits[2:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return digits, True
    if re.fullmatch(r"0(?:10|2\d)\d{8}", digits):  # Beijing, Shanghai … 3-digit area codes
        return f"{digits[:3]}-{digits[3:]}{ext}", True
    if re.fullmatch(r"0[3-9]\d{2}\d{7,8}", digits):
        return f"{digits[:4]}-{digits[4:]}{ext}", True
    if re.fullmatch(r"[2-9]\d{7}", digits):  # Luoyang local number without area code
        return f"{_LOCAL_AREA}-{digits}{ext}", True
    return part.strip() + ext, False


def _phones_in(part: str) -> list[tuple[str, bool]]:
    """One number ("0379 6321 1234" is one), or, where the whole is none, the numbers it holds side by side
    ("座机：63211234 手机：13937900001", "63211234 13937900001") when each of them is one."""
    whole = _one_phone(part)
    pieces = [p for p in re.split(r"\s+(?=\D*\d)", part) if p.strip()]
    if whole[1] or len(pieces) < 2:
        return [whole]
    found = [_one_phone(p) for p in pieces]
    return found if all(ok for _, ok in found) else [whole]


def phone(value: Any) -> tuple[str, bool]:
    """Normalise 联系电话; several numbers (separated by / or 、) are valid if any one is."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = unicodedata.normalize("NFKC", text(value)).strip()
    if not raw:
        return "", False
    parts = [p.strip() for p in _PHONE_SPLIT.split(raw) if p and p.strip()]
    results = [found for p in parts for found in _phones_in(p)]
    valid = any(ok for _, ok in results)
    return "、".join(t for t, _ in results), valid


# ----------------------------------------------------------------- header labels
_HEADER_WORDS = {
    "no": "序号 编号 条目 序列号 措施序号 条目序号 No NO no",
    "text": "措施内容 措施 工作任务 重点工作 具体措施 工作措施 重点任务 主要任务 任务内容",
    "role": "责任类型 牵头或配合 牵头配合 角色 牵头配合单位 责任分工 牵头配合情况",
    "status": "完成状态 状态 进展状态 推进状态 进度状态 当前状态 落实状态 推进状况 进展状况 进度状况",
    "progress": "本周进展 进展情况 工作进展 本周工作进展 落实情况 本周进展情况 进展 推进情况 本周推进情况 "
    "工作进展情况 本周工作进展情况 工作推进情况 本周落实情况",
    "issues": "存在问题 存在的问题 困难问题 问题 困难和问题 存在困难和问题 存在的困难和问题 存在问题及困难 "
    "存在困难 问题和困难",
    "next_steps": "下一步计划 下步打算 下一步工作 下一步工作计划 下步计划 下一步打算 下步工作打算 下一步工作打算 "
    "下步工作计划 下一步措施",
    "expected": "预计完成时间 计划完成时间 完成时限 预计完成日期 计划完成日期 完成时间 计划完成时限",
    "remark": "备注",
    # A yes/no or percentage column beside the status ("是否完成 | 是", "完成率 | 60%"): checked against it.
    "done_check": "是否完成 是否已完成 是否销号 是否办结 是否完结 完成率 完成比例 完成百分比 完成度 完成进度",
}
# Other yes/no and percentage labels ("是否竣工", "是否达到销号条件", "形象进度", "累计完成进度"): a column that says
# whether the work is done, checked against the status as done_check is (an unmatched one was ignored unsaid).
_DONE_CHECK_LABEL = lazyre.compile(
    r"是否(?:已经?|已?全部|全面|按期|如期)?(?:完成|竣工|完工|办结|完结|销号|验收|建成|投用|投运|通车|达到\w*(?:条件|要求|标准))"
    r"|(?:形象|工程|项目|总体|整体|累计|实际|当前|目前|总|建设|施工)(?:完成)?进度|累计完成(?:率|比例|情况|进度)?|进度百分比"
    r"|完成(?:情况)?(?:百分比|比率)"
)
# A label whose note gives the answers to write ("完成情况（是/否）", "完成（√/×）", "进度（%）").
_DONE_CHECK_NOTE = lazyre.compile(r"是.?否|[√✓✔][^()]{0,3}[×✗✘]|已.?未|%|％|百分比")
_DONE_CHECK_BASE = frozenset(["完成", "完成情况", "完成状况", "是否完成", "进度", "完成进度", "进度情况", "形象进度"])
# Labels that only count when the table has no column with a stronger label for the same field.
WEAK_LABELS = {"完成情况": "status", "完成状况": "status"}
_HEADER_INDEX = {word: key for key, words in _HEADER_WORDS.items() for word in words.split()}
_NOTE = lazyre.compile(r"\([^()]*\)")


@lru_cache(maxsize=8192)  # measure texts are compared with every row; labels recur in every return
def label_key(value: Any, strip_notes: bool = False) -> str:
    """A label cell reduced for comparison: NFKC, no spaces, line breaks or punctuation; optionally no (notes)."""
    key = re.sub(r"\s+", "", _nfkc(value))
    if strip_notes:  # "（必填）", "(500字以内)" and similar notes
        key = _NOTE.sub("", key)
    return without_marks(key)  # whitespace is gone already: only punctuation, symbols and separators go


def label_notes(value: Any) -> str:
    """The notes of a label cell, reduced like label_key: "完成状态（本周）" → "本周"."""
    return without_marks(re.sub(r"\s+", "", "".join(_NOTE.findall(_nfkc(value)))))


def header_label(value: Any) -> str | None:
    """The field a table header cell names ("no", "text", "status", "progress" …) or None."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    return _header_label(value)


_STATUS_CHOICES = ("已完成", "正常推进", "滞后", "未启动")


@lru_cache(maxsize=4096)  # the same few labels recur in every return; this is the hot path of parsing
def _header_label(value: str) -> str | None:
    # "进展情况（已完成/正常推进/滞后/未启动）": a column whose note lists the statuses is the status column.
    notes = "".join(_NOTE.findall(_nfkc(value)))
    if sum(word in notes for word in _STATUS_CHOICES) >= 2:
        return "status"
    base = label_key(value, strip_notes=True)
    if notes and base in _DONE_CHECK_BASE and _DONE_CHECK_NOTE.search(notes):
        return "done_check"
    for key in (label_key(value), base):
        found = _HEADER_INDEX.get(key) or WEAK_LABELS.get(key)
        if found:
            return found
    if _DONE_CHECK_LABEL.fullmatch(base):
        return "done_check"
    # "完成状态.1": pandas (to_excel of a read_excel) writes a repeated label with ".1", ".2": the same label.
    repeated = _REPEATED_LABEL.fullmatch(value)
    return _header_label(repeated[1]) if repeated else None


_REPEATED_LABEL = lazyre.compile(r"\s*(.*?\D)\.\d{1,2}\s*")


def key_label(key: str) -> str | None:
    """header_label of a text label_key has already reduced (no notes, spaces or punctuation): one lookup.

    Such a text has no note to read statuses from and reduces to itself, so the full header_label would
    only repeat the normalisation. A label is a few CJK characters, well under header_label's 40.
    """
    return _HEADER_INDEX.get(key) or WEAK_LABELS.get(key)


def is_weak_label(value: Any) -> bool:
    """True for labels such as 完成情况 that yield to a stronger label for the same field."""
    return isinstance(value, str) and label_key(value, strip_notes=True) in WEAK_LABELS
