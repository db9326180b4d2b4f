"""Workspace layout and the editable office configuration (templates/配置.toml)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

# tomllib, zoneinfo and the config checks load with the config itself (load_config), not with the workspace's
# whereabouts: finding a workspace is on the way to the first file read, and they cost ~4 ms.

CONFIG_NAME = "配置.toml"
TEMPLATES_DIR = "templates"
HISTORY_DIR = "history"


class ConfigError(Exception):
    """The workspace or its configuration cannot be used; the message is Chinese."""


@dataclass
class Recipient:
    """One addressee of the notice (报送对象): a name and, for the mail draft, an address."""

    name: str
    email: str = ""
    phone: str = ""


@dataclass
class Config:
    """The settings read from 配置.toml (defaults for whatever it leaves out)."""

    office_name: str
    office_short: str
    office_phone: str
    office_email: str
    recipients: list[Recipient]
    deadline_weekday: int  # ISO weekday, 4 = Thursday
    deadline_time: time
    timezone: ZoneInfo
    warn_days: int
    late_days: int  # how long after a deadline an undated return still answers it (late)
    master_file: str
    directory_file: str
    summary: dict[str, Any] = field(default_factory=dict)
    mail: dict[str, Any] = field(default_factory=dict)
    trend_weeks: int = 26  # [ledger] trend_weeks: how many recent weeks the 趋势 sheet charts
    # [summary."<清单文件名>"] keys with an unknown placeholder: table -> key -> Chinese messages
    list_wording_errors: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # Sections and keys the program never reads (misspelt, or a password): Chinese messages
    unknown_keys: list[str] = field(default_factory=list)
    # The office's own mail addresses, lower-case: [office] email, the recipients', the [[mailbox]] and [smtp]
    # accounts, [mail] sender. A blank template coming from one of them is the office's own mail coming back.
    office_addresses: frozenset[str] = frozenset()


@dataclass
class Workspace:
    """A folder with inbox/, outbox/, templates/ and history/."""

    root: Path

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def templates(self) -> Path:
        return self.root / TEMPLATES_DIR

    @property
    def history(self) -> Path:
        return self.root / HISTORY_DIR

    @property
    def config_path(self) -> Path:
        return self.templates / CONFIG_NAME


def default_config_text() -> str:
    from importlib import resources

    return resources.files("lyreport.data").joinpath(CONFIG_NAME).read_text(encoding="utf-8")


def find_workspace(start: Path) -> Workspace:
    """The workspace containing `start` (itself or a parent), or ConfigError."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / TEMPLATES_DIR / CONFIG_NAME).is_file():
            return Workspace(folder)
    raise ConfigError(
        f"“{start}”不是 lyreport 工作目录（找不到 {TEMPLATES_DIR}/{CONFIG_NAME}）。"
        "请先运行“lyreport init 目录名”创建工作目录，或用 --workspace 指定。"
    )


def in_workspace(start: Path | None = None) -> bool:
    """Whether `start` (default: the current folder) lies in a workspace."""
    try:
        find_workspace(start or Path.cwd())
    except ConfigError:
        return False
    return True


def load_config(path: Path | None = None) -> Config:
    """Parse the config file (or the bundled default) into a Config."""
    import tomllib

    from .config_check import check_list_wording, check_recipients, check_wording, unknown_keys

    try:
        text = path.read_text(encoding="utf-8-sig") if path else default_config_text()
        raw = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件：{path}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"配置文件 {path} 不是 UTF-8 编码，请用记事本“另存为 UTF-8”后重试") from None
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+), column (\d+)", str(exc))
        at = f"第 {where[1]} 行第 {where[2]} 列附近" if where else "某处"
        raise ConfigError(
            f"配置文件 {path} 格式有误（{at}）。请检查引号是否成对、等号两边的写法，文字要放在英文双引号中。"
        ) from None
    defaults = tomllib.loads(default_config_text()) if path else raw
    errors = check_recipients(raw) + check_wording(raw, defaults)
    if errors:
        lines = "\n  ".join(errors)
        raise ConfigError(f"配置文件 {path or CONFIG_NAME} 内容有误，请修改后重试：\n  {lines}")
    try:
        config = _from_raw(raw)
        config.list_wording_errors = check_list_wording(raw, defaults)
        config.unknown_keys = unknown_keys(raw, defaults)
        return config
    except ConfigError as exc:
        raise ConfigError(f"配置文件 {path or CONFIG_NAME} 内容有误：{exc}") from None
    except (KeyError, ValueError, TypeError, AttributeError):
        raise ConfigError(f"配置文件 {path or CONFIG_NAME} 内容有误，请对照默认配置检查各项的写法。") from None


def _from_raw(raw: dict[str, Any]) -> Config:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    office = raw.get("office", {})
    deadline = raw.get("deadline", {})
    lists = raw.get("lists", {})
    clock = re.fullmatch(r"\s*(\d{1,2})\s*[:：]\s*(\d{2})\s*", str(deadline.get("time", "12:00")))
    if not clock or int(clock[1]) > 23 or int(clock[2]) > 59:
        raise ConfigError(f'[deadline] time 应写成 "12:00" 这样的时刻，现为“{deadline.get("time")}”')
    hour, minute = int(clock[1]), int(clock[2])
    weekday = deadline.get("weekday", 4)
    if not isinstance(weekday, int) or not 1 <= weekday <= 7:
        raise ConfigError(f"[deadline] weekday 应为 1～7 的数字（4 表示周四），现为“{weekday}”")
    try:
        zone = ZoneInfo(str(deadline.get("timezone", "Asia/Shanghai")))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f'[deadline] timezone 无法识别：“{deadline.get("timezone")}”，北京时间请写 "Asia/Shanghai"'
        ) from None
    warn_days = _whole(deadline, "warn_days", 30, 0, 366, "[deadline] warn_days 应为 0～366 的整数（节点前几天亮黄灯）")
    late_days = _whole(
        deadline,
        "late_days",
        3,
        0,
        6,
        "[deadline] late_days 应为 0～6 的整数（截止后几天内收到、又未注明周次的报表仍算上一周的迟报）",
    )
    trend_weeks = raw.get("ledger", {}).get("trend_weeks", 26)
    if isinstance(trend_weeks, bool) or not isinstance(trend_weeks, int) or not 1 <= trend_weeks <= 520:
        raise ConfigError(f"[ledger] trend_weeks 应为 1～520 的整数（周数），现为“{trend_weeks}”")
    return Config(
        office_name=office.get("name", "洛阳市副中心城市建设工作领导小组办公室"),
        office_short=office.get("short_name", "副中心办公室"),
        office_phone=str(office.get("phone", "")),
        office_email=office.get("email", ""),
        recipients=[
            Recipient(r["name"], r.get("email", ""), str(r.get("phone", ""))) for r in raw.get("recipients", [])
        ],
        deadline_weekday=weekday,
        deadline_time=time(hour, minute),
        timezone=zone,
        warn_days=warn_days,
        late_days=late_days,
        master_file=lists.get("master", "措施清单.xlsx"),
        directory_file=lists.get("directory", "单位名录.xlsx"),
        summary=dict(raw.get("summary", {})),
        mail=dict(raw.get("mail", {})),
        trend_weeks=trend_weeks,
        office_addresses=_office_addresses(raw),
    )


def _whole(section: dict[str, Any], key: str, default: int, low: int, high: int, rule: str) -> int:
    """An integer setting within [low, high]; ConfigError naming the rule and what was written otherwise."""
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{rule}，现为“{value}”")
    return value


def _office_addresses(raw: dict[str, Any]) -> frozenset[str]:
    found = [raw.get("office", {}).get("email"), raw.get("mail", {}).get("sender"), raw.get("smtp", {}).get("user")]
    found += [r.get("email") for r in raw.get("recipients", []) if isinstance(r, dict)]
    boxes = raw.get("mailbox", [])
    found += [b.get("user") for b in boxes if isinstance(b, dict)] if isinstance(boxes, list) else []
    addresses = (re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", str(a)) for a in found if a)
    return frozenset(a.group(0).lower() for a in addresses if a)
