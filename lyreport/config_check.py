"""Load-time checks of the staff-editable wording and recipients in 配置.toml.

A placeholder typo ({week_cm} for {week_cn}) would otherwise become silently blank text in the 通报, and
an empty recipient list a mail draft without To:. Both are refused when the config is loaded, naming
the key. The placeholders a key may use are those of the bundled default for that key, plus the extra
ones the program supplies (documented in the config's comments).
"""

from __future__ import annotations

import difflib
import re
import string
from typing import Any

from . import lazyre

# Fields the program fills for these keys beyond those the bundled default text happens to use.
EXTRA_FIELDS = {
    ("summary", "opening"): {"week_cn", "unit_count", "measure_count", "list_title"},
    ("summary", "doc_number"): {"year", "period"},
    ("summary", "printed"): {"date_cn"},
    ("summary", "report_scan_seal_unknown"): {"count"},
    ("mail", "subject"): {"title", "period", "week_cn"},
    ("mail", "body"): {"week_cn", "office", "date_cn", "period", "title"},
    ("mail", "reminder_intro"): {"deadline_cn", "week_cn", "list_title", "office_email", "office"},
    ("mail", "reminder_subtitle"): {"week_cn", "period"},
    ("mail", "reminder_line"): {"index", "unit", "contact", "phone", "state", "measures", "weeks"},
    ("mail", "reminder_footer"): {"office_phone", "office_email"},
}
# Keys read by the program that the bundled config only mentions in comments (mail servers, optional settings).
OPTIONAL_KEYS = {
    "mailbox": {"name", "host", "port", "user", "folders", "security", "password_env", "ca_file"},
    "smtp": {"host", "port", "user", "security", "password_env", "ca_file", "name", "folders"},
}
_SECRET = lazyre.compile(r"pass|pwd|secret|授权码|密码", re.IGNORECASE)
_EMAIL = lazyre.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


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


def unknown_keys(raw: dict[str, Any], defaults: dict[str, Any]) -> list[str]:
    """Chinese messages for sections and keys the program never reads (a misspelt "titel" would otherwise
    leave the default wording in place without a word). Known: the bundled config's own, and OPTIONAL_KEYS;
    a [summary."<清单文件名>"] table may hold any [summary] key."""
    found = []
    for section, value in raw.items():
        known = defaults.get(section, OPTIONAL_KEYS.get(section))
        if known is None:
            found.append(
                f"[{section}] 不是可用的配置段，其中的设置不起作用（可能拼写有误），请对照配置.toml 中的说明修改"
            )
            continue
        tables = value if isinstance(value, list) else [value]
        keys = set(known) if isinstance(known, dict) else set().union(*(t.keys() for t in known if isinstance(t, dict)))
        keys |= OPTIONAL_KEYS.get(section, set())
        for table in tables:
            for key, item in table.items() if isinstance(table, dict) else ():
                if section == "summary" and isinstance(item, dict):
                    found += [_unknown(f'[summary."{key}"]', k, keys) for k in item if k not in keys]
                elif key not in keys:
                    found.append(_unknown(f"[{section}]", key, keys))
    return found


def _unknown(label: str, key: str, keys: set[str]) -> str:
    if _SECRET.search(key):
        return f"{label} {key}：密码（授权码）不能写在配置文件中，此项不起作用；请删除该行，用 lyreport fetch --save-password 保存"
    close = difflib.get_close_matches(key, sorted(keys), n=1)
    hint = f"，是否应为“{close[0]}”" if close else ""
    return f"{label} {key} 不是可用的设置项（可能拼写有误{hint}），此项不起作用，请对照配置.toml 中的说明修改"


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
