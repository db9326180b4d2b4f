"""Office wording for the Word outputs: templates from 配置.toml, filled leniently, plus small text helpers.

Every user-visible phrase comes from the [summary] / [mail] sections of the config; a key missing from an
older workspace config falls back to the bundled default so old workspaces keep working.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .. import lazyre
from ..config import Config, load_config
from ..textsafe import document_text
from ..weeks import clock

_CN_DIGITS = "零一二三四五六七八九"
_CN_OR_DIGITS = r"[一二三四五六七八九十百\d]+"
# The list's own numbering of a category, in the ways staff write it: 一、 （二） (2) 3. 3、 第一部分 第二类 …
_CATEGORY_PREFIX = lazyre.compile(
    rf"^\s*(?:第{_CN_OR_DIGITS}\s*(?:部分|类|章|篇|项|节)\s*[:：、.．]?|[（(]\s*{_CN_OR_DIGITS}\s*[)）]|{_CN_OR_DIGITS}\s*[、.．](?!\d))\s*"
)
_SENTENCE_END = "。；！？;"
_CJK_COMMA = lazyre.compile(r"(?<=[\u4e00-\u9fff）”’])\s*,\s*|\s*,\s*(?=[\u4e00-\u9fff（“‘])")


@functools.cache
def _defaults() -> Config:
    return load_config()


def _lookup(section: str, config: Config, key: str) -> Any:
    value = getattr(config, section).get(key)
    if value is None or (isinstance(value, str) and not value and key not in _MAY_BE_EMPTY):
        value = getattr(_defaults(), section).get(key, "")
    return value


# Keys staff may deliberately blank out (e.g. no doc number); all others fall back to the default.
_MAY_BE_EMPTY = {"doc_number", "cc", "sender", "printed", "addressee"}


def summary_word(config: Config, key: str) -> Any:
    """A [summary] value (string or list) with the bundled default as fallback."""
    return _lookup("summary", config, key)


def mail_word(config: Config, key: str) -> Any:
    """A [mail] value (string or list) with the bundled default as fallback."""
    return _lookup("mail", config, key)


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return ""


def fill(template: Any, **fields: Any) -> str:
    """str.format that never raises: unknown placeholders become empty, broken braces are kept literally."""
    text = str(template)
    try:
        return string.Formatter().vformat(text, (), _Lenient(fields))
    except (ValueError, IndexError, AttributeError, KeyError):
        return text


def say(config: Config, key: str, **fields: Any) -> str:
    """Fill the [summary] template `key`."""
    return fill(summary_word(config, key), **fields)


def say_mail(config: Config, key: str, **fields: Any) -> str:
    """Fill the [mail] template `key`."""
    return fill(mail_word(config, key), **fields)


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (enough for sub-heading numbers)."""
    if n <= 0 or n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones else "")


def strip_category_number(category: str) -> str:
    """“一、产业项目共建”, “（二）交通互联”, “3.生态共保”, “第一部分 产业协作” → the bare name, so the summary can
    number categories itself (never “（三）（二）交通互联”)."""
    return _CATEGORY_PREFIX.sub("", category).strip() or category.strip()


_CONTROLS = lazyre.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(text: str | None) -> str:
    """Collapse whitespace and line breaks that units type into cells; drop control characters (an ESC in a
    contact's name must not reach the 催报名单 .txt a terminal may show) and bidi controls."""
    text = re.sub(r"\s+", " ", str(text or ""))
    return document_text(_CONTROLS.sub("", text)).strip()


def abridge(text: str | None, limit: int = 60, stops: str = _SENTENCE_END) -> str:
    """Shorten to about `limit` characters, preferring to cut after one of `stops`; adds “……” when cut."""
    text = clean(text)
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(ch) for ch in stops)
    if cut >= limit // 2:
        return head[: cut + 1].rstrip(stops + _SENTENCE_END + "，,、：: ") + "……"
    return head.rstrip("，,、；;。 ") + "……"


def quoted(text: str | None, limit: int) -> str:
    """Abridged text to sit inside “…”: inner quotes become ‘…’, a stray ASCII comma becomes “，”, no final 。."""
    text = clean(text).replace("“", "‘").replace("”", "’")
    text = _CJK_COMMA.sub("，", text)
    return abridge(text, limit).rstrip("。；;，, ")


def sentence(text: str) -> str:
    """End a quoted phrase with exactly one Chinese full stop."""
    text = text.rstrip("，,、；; ")
    return text if not text or text[-1] in "。！？…" else text + "。"


def join_cn(items: Iterable[str], sep: str = "、") -> str:
    return sep.join(i for i in items if i)


def measure_nos(config: Config, nos: Iterable[int]) -> str:
    """[3, 5] → 第3、5条"""
    return say(config, "measure_nos", nos=join_cn(str(n) for n in nos))


def short_time(moment: datetime | None, config: Config) -> str:
    """1月7日 15:20 in office time; empty when unknown."""
    if moment is None:
        return ""
    local = moment.astimezone(config.timezone)
    return f"{local.month}月{local.day}日 {clock(local, config)}"
