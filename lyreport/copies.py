"""Which copy of a unit's return counts, and when it came in.

Several versions from one unit for one week — the one that counts, in this order:

| versions                                                         | counts                    |
|------------------------------------------------------------------|---------------------------|
| 填报日期 1月5日 and 1月6日 (the 1月5日 one saved into the inbox later) | 1月6日: later 填报日期       |
| same 填报日期, one named or sent as “…（更正）”/修改/补充            | the correction            |
| same 填报日期, one named “…（修改前）”/未修改/原稿/旧版              | never: the superseded one |
| same 填报日期, no correction marker                                 | the one received last     |
| same 填报日期 and arrival (one zip or mail), no correction marker   | the one saved last (the   |
|                                                                  | workbook's own time), else|
|                                                                  | none: a warning asks staff|

A missing 填报日期 counts as the day the file was received. Byte-identical copies never get this far:
discover keeps the earliest arrival.

When it came in: the mail's Date when it came by mail (a forward: the forwarded mail's own Date), else
the file time. A file time after the deadline is often the moment staff saved the attachment from the
mail client; when the workbook's own saved time (docProps) lies before the deadline, within the week,
the return is counted on time with a warning showing both times.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from . import lazyre
from .config import Config
from .models import ParsedReturn, SourceFile
from .problems import Problem, problem
from .weeks import cn_datetime

CORRECTION = lazyre.compile(
    r"更正|修改|修订|补充(?!说明|材料|资料|情况)|更新|重报|重新报送|最终版|终版|定稿|以此为准|以此件为准|以本件为准|以这份为准"
)
# "Before the revision / not revised / the original": the copy a unit sends along for comparison. Such
# words contain a correction word (修改前, 未修改) and must never count as one; they mark the old copy.
ORIGINAL = lazyre.compile(
    r"(?:更正|修改|修订|补充|更新|调整|变更)之?前"
    r"|未经?(?:更正|修改|修订|补充|更新|调整|改)"
    r"|原稿|原版|旧版|旧稿|旧表|初稿|作废|废弃"
)


# A reply or forward: its subject is the mail it answers (the office's notice, "关于更新报表模板的通知"), whose
# words are not the unit's own marks.
_ANSWERED = lazyre.compile(r"^\s*(?:(?:re|fw|fwd|aw|答复|回复|转发)\s*[:：]\s*)+", re.IGNORECASE)


def _names(file: SourceFile) -> str:
    """The file's own names (of the file and the mail or zip it came in, not the folders staff sorted it into:
    "补充材料/教育局.xlsx") and the mail's subject unless the mail answers or forwards another."""
    names = " ".join(part.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] for part in file.display.split(" › "))
    subject = "" if _ANSWERED.match(file.subject or "") else file.subject
    return f"{names} {subject}"


def original_word(file: SourceFile) -> str:
    """A word in the file name or mail subject saying this is the copy before the revision, "" if none."""
    found = ORIGINAL.search(_names(file))
    return found.group(0) if found else ""


def correction_word(file: SourceFile) -> str:
    """The correction word in the file name or mail subject, "" if none or if it marks the original."""
    if original_word(file):
        return ""
    found = CORRECTION.search(_names(file))
    return found.group(0) if found else ""


def _marked(file: SourceFile) -> int:
    """1 for a correction, -1 for the copy before the revision, else 0."""
    return -1 if original_word(file) else 1 if correction_word(file) else 0


def _dated(ret: ParsedReturn) -> date | None:
    """填报日期, where written; one after arrival is a slip and must not make a version "later"."""
    return min(ret.filled_on, ret.file.received_at.date()) if ret.filled_on else None


def _filled(ret: ParsedReturn, rets: list[ParsedReturn]) -> date:
    """What a version's 填报日期 counts as among `rets`: its own, else the day it came in, but never later than a
    填报日期 written on a version that came in at the same moment or after it (in one mail or zip with it, or
    later): a missing date cannot tell that the undated version is the newer one."""
    dated = _dated(ret)
    if dated is not None:
        return dated
    arrived = ret.file.received_at
    later = [d for other in rets if other.file.received_at >= arrived and (d := _dated(other)) is not None]
    return min(arrived.date(), max(later)) if later else arrived.date()


_NO_SAVED = datetime.min.replace(tzinfo=UTC)  # no saved time that can order versions


def _saved(ret: ParsedReturn) -> datetime:
    """The workbook's own saved time, where it can order versions: a time after the file arrived says the
    copy was opened and saved again in the inbox, not when the unit finished it."""
    saved, received = ret.file.saved_at, ret.file.received_at
    return saved if saved is not None and saved <= received else _NO_SAVED


def _shown_saved(chosen: datetime, other: datetime) -> tuple[str, str]:
    """Both saved times, to the second where the minutes are the same (else the message would say 9:30 > 9:30)."""
    form = "%Y-%m-%d %H:%M:%S" if f"{chosen:%Y%m%d%H%M}" == f"{other:%Y%m%d%H%M}" else "%Y-%m-%d %H:%M"
    return f"{chosen:{form}}", f"{other:{form}}"


def _rank(ret: ParsedReturn, rets: list[ParsedReturn]) -> tuple[date, int, datetime, datetime, str]:
    """Versions arriving together (one zip or mail) are ordered by the workbook's own saved time; the
    name only makes the choice repeatable where nothing orders them (_unordered says so)."""
    return (_filled(ret, rets), _marked(ret.file), ret.file.received_at, _saved(ret), ret.file.display)


def _dates_said(one: ParsedReturn, other: ParsedReturn) -> str:
    """How the two versions' 填报日期 compare, as versions-unordered says it."""
    written = (one.filled_on is not None) + (other.filled_on is not None)
    return ("都未填填报日期", "有一份未填填报日期", "填报日期相同")[written]


def _unordered(chosen: ParsedReturn, other: ParsedReturn, rets: list[ParsedReturn]) -> bool:
    """Nothing tells which of two differing versions is the later one."""
    same = _rank(chosen, rets)[:4] == _rank(other, rets)[:4]
    return same and (chosen.contact, chosen.phone, chosen.rows) != (other.contact, other.phone, other.rows)


def _why(chosen: ParsedReturn, other: ParsedReturn, rets: list[ParsedReturn]) -> str:
    mine, theirs = _filled(chosen, rets), _filled(other, rets)
    shown = (
        f" {theirs:%Y-%m-%d}" if other.filled_on is not None else f"另一份的收到日期 {theirs:%Y-%m-%d}（未填填报日期）"
    )
    dated = chosen.filled_on is not None and other.filled_on is not None
    same = "填报日期相同" if dated else "有一份未填填报日期"
    both = "填报日期和收到时间相同" if dated else "收到时间相同、有一份未填填报日期"
    if mine > theirs and chosen.filled_on is None:
        why = f"本份未填填报日期，收到日期 {mine:%Y-%m-%d} 晚于{shown}"
    elif mine > theirs:
        why = f"填报日期 {mine:%Y-%m-%d} 晚于{shown}"
    elif _marked(chosen.file) > _marked(other.file) and correction_word(chosen.file):
        why = f"文件名或邮件主题注明“{correction_word(chosen.file)}”"
    elif _marked(chosen.file) > _marked(other.file):
        why = f"《{other.file.display}》的文件名或邮件主题注明“{original_word(other.file)}”"
    elif chosen.file.received_at > other.file.received_at:
        why = f"{same}，收到时间更晚"
    elif _saved(chosen) > _saved(other):
        known = _saved(other) != _NO_SAVED
        why = (
            f"{both}，表格自身的保存时间 {{}} 晚于 {{}}".format(*_shown_saved(_saved(chosen), _saved(other)))
            if known
            else f"{both}，只有本份记有收到之前的表格保存时间"
        )
    else:
        why = f"{both}，无法判断先后，暂按文件名顺序采用"
    if chosen.file.received_at < other.file.received_at:
        why += _EARLIER
    return why


_EARLIER = "，尽管采用的一份收到时间更早"


def pick(unit: str, rets: list[ParsedReturn]) -> tuple[ParsedReturn, list[ParsedReturn], list[Problem]]:
    """(the version that counts, the superseded ones, problems saying what was chosen and why)."""
    ordered = sorted(rets, key=lambda ret: _rank(ret, rets))
    chosen, older = ordered[-1], ordered[:-1]
    if not older:
        return chosen, [], []
    problems = [
        problem(
            "duplicate-return", file=old.file.display, unit=unit, newer=chosen.file.display, why=_why(chosen, old, rets)
        )
        for old in older
    ]
    problems += [
        problem(
            "versions-unordered",
            file=chosen.file.display,
            unit=unit,
            chosen=chosen.file.display,
            other=old.file.display,
            dates=_dates_said(chosen, old),
        )
        for old in older
        if _unordered(chosen, old, rets)
    ]
    later = [old for old in older if old.file.received_at > chosen.file.received_at and _by_mark(chosen, old, rets)]
    problems += [
        problem(
            "version-chosen-earlier", file=chosen.file.display, unit=unit, chosen=chosen.file.display,
            later=old.file.display, why=_why(chosen, old, rets).removesuffix(_EARLIER),
        )
        for old in later
    ]  # fmt: skip
    reasons = sorted({_why(chosen, old, rets) for old in older})
    problems.append(
        problem(
            "version-chosen",
            file=chosen.file.display,
            unit=unit,
            count=len(rets),
            why="；".join(reasons),
            others="、".join(f"《{old.file.display}》" for old in older),
        )
    )
    return chosen, older, problems


def _by_mark(chosen: ParsedReturn, other: ParsedReturn, rets: list[ParsedReturn]) -> bool:
    """Whether only a word in a name or subject ranks `chosen` over `other` (same 填报日期)."""
    return _filled(chosen, rets) == _filled(other, rets) and _marked(chosen.file) > _marked(other.file)


def saved_in_time(file: SourceFile, deadline: datetime) -> bool:
    """Received (file time) after the deadline, but the workbook itself was saved before it, within the week."""
    if file.received_from == "mail" or file.saved_at is None or file.received_at <= deadline:
        return False
    return deadline - timedelta(days=7) < file.saved_at <= deadline


def saved_in_time_problem(ret: ParsedReturn, config: Config) -> Problem:
    return problem(
        "saved-before-deadline",
        file=ret.file.display,
        unit=ret.unit or "",
        received=cn_datetime(ret.file.received_at, config),
        saved=cn_datetime(ret.file.saved_at, config),  # type: ignore[arg-type]
    )
