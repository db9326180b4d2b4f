"""Chinese numerals and month ends, shared by the master list's 时间节点 (nodes.py) and the returns' dates
(intake/normalize.py). No imports of the package: both sides load it without a cycle."""

from __future__ import annotations

from datetime import date, timedelta

CN_DIGITS = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


def cn_number(written: str) -> int | None:
    """Chinese numerals up to 九十九: 一 → 1, 十二 → 12, 三十三 → 33; None for anything else (and 零)."""
    if not written or any(ch not in CN_DIGITS and ch != "十" for ch in written):
        return None
    if "十" not in written:
        return CN_DIGITS[written] if len(written) == 1 else None
    tens, _, units = written.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return None
    value = (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[units] if units else 0)
    return value or None


def month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)
