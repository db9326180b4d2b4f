"""Load-time checks of the staff-editable wording and recipients in 配置.toml.

A placeholder typo ({week_cm} for {week_cn}) would otherwise become silently blank text in the 通报, and
an empty recipient list a mail draft without To:. Both are refused when the config is loaded, naming
the key. The placeholders a key may use are those of the bundled default for that key, plus the extra
ones the program supplies (documented in the config's comments).
"""

from __future__ import annotations

import re
import string
from typing import Any

# Fields the program fills for these keys beyond those the bundled default text happens to use.
EXTRA_FIELDS = {
    ("summary", "opening"): {"week_cn", "unit_count", "measure_count", "list_title"},
    ("summary", "doc_number"): {"year", "period"},
    ("summary", "printed"): {"date_cn"},
    ("mail", "subject"): {"title", "period", "week_cn"},
    ("mail", "body"): {"week_cn", "office", "date_cn", "period", "title"},
    ("mail", "reminder_intro"): {"deadline_cn", "week_cn", "list_title", "office_email", "office"},
    ("mail", "reminder_subtitle"): {"week_cn", "period"},
    ("mail", "reminder_line"): {"index", "unit", "contact", "phone", "state", "measures", "weeks"},
    ("mail", "reminder_footer"): {"office_phone", "office_email"},
}
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


def placeholders(text: str) -> set[str]:
    """Names used in a str.format template; ValueError for unbalanced braces."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def check_wording(raw: dict[str, Any], defaults: dict[str, Any]) -> list[str]:
    """Chinese messages for every [summary]/[mail] template that uses an unknown placeholder."""
    errors = []
    for section in ("summary", "mail"):
        for _, messages in _check_table(f"[{section}]", raw.get(section), section, defaults):
            errors += messages
    return errors


def check_list_wording(raw: dict[str, Any], defaults: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """The same check for each second list's own table, [summary."<清单文件名>"]: table name -> key ->
    Chinese messages. Not refused at load (it concerns only that list's 通报): the list's run leaves the key
    out, so the 通报 uses the default wording there, and says so (context._list_wording)."""
    found: dict[str, dict[str, list[str]]] = {}
    summary = raw.get("summary")
    for name, table in summary.items() if isinstance(summary, dict) else ():
        if isinstance(table, dict):
            label = f'[summary."{name}"]'
            found[name] = dict(_check_table(label, table, "summary", defaults))
    return {name: keys for name, keys in found.items() if keys}


def _check_table(label: str, table: Any, section: str, defaults: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(key, messages) for each key of `table` whose text uses a placeholder the program does not fill
    for that key of `section`, or has unbalanced braces; `label` names the table as staff wrote it."""
    found = []
    default = defaults.get(section) or {}
    for key, value in table.items() if isinstance(table, dict) else ():
        if key not in default or isinstance(value, dict):
            continue  # an extra key the program never reads (or another list's table)
        allowed = set(EXTRA_FIELDS.get((section, key), set()))
        for text in _texts(default[key]):
            allowed |= placeholders(text)
        errors = []
        for text in _texts(value):
            try:
                used = placeholders(text)
            except ValueError:
                errors.append(f"{label} {key} 中的花括号不成对：“{text}”（花括号只能用于 {{占位符}}）")
                continue
            for name in sorted(used - allowed):
                hint = (
                    f"可用的有：{'、'.join('{' + a + '}' for a in sorted(allowed))}"
                    if allowed
                    else "该项不能使用占位符"
                )
                errors.append(f"{label} {key} 中的 {{{name}}} 不是可用的占位符（{hint}）")
        if errors:
            found.append((key, errors))
    return found


def check_recipients(raw: dict[str, Any]) -> list[str]:
    """The mail draft must have someone to go to: at least one recipient with a valid address; a
    malformed address is a typo to fix (an empty one is allowed for a recipient reached otherwise)."""
    recipients = raw.get("recipients")
    empty = "[[recipients]] 报送对象为空：请至少填写一个带 email 的收件人，否则邮件草稿没有收件人"
    if not isinstance(recipients, list) or not recipients:
        return [empty]
    errors = []
    valid = 0
    for n, r in enumerate(recipients, start=1):
        email = str(r.get("email", "")).strip() if isinstance(r, dict) else ""
        name = str(r.get("name", "")).strip() if isinstance(r, dict) else ""
        if not name:
            errors.append(f"[[recipients]] 第 {n} 个收件人缺少 name（单位名称）")
        if email and not _EMAIL.fullmatch(email):
            errors.append(f"[[recipients]] 第 {n} 个收件人（{name or '未命名'}）的 email“{email}”不是有效的邮箱地址")
        valid += bool(_EMAIL.fullmatch(email))
    return errors if valid else [*errors, empty]
