"""A realistic WeekResult built from the real 33-measure master, for the renderer tests.

Week of 2021-01-07 (period 2): 市交通运输局 late, 市体育局 (3rd week running) and 市林业局 missing,
市金融工作局 invalid, 市应急管理局 without scanned copy; measures 8, 10, 11, 12 overdue, 10/12/23 lagging,
3 newly completed, 13/19 completed and closed, 25/27 never reported.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from lyreport.config import Config, load_config
from lyreport.master import load_directory, load_master
from lyreport.models import DONE, LAGGING, NOT_STARTED, ON_TRACK, MeasureWeek, UnitReport, UnitWeek, WeekResult
from lyreport.unitnames import UnitDirectory
from lyreport.workspace import init_workspace

TZ = ZoneInfo("Asia/Shanghai")
DEADLINE = datetime(2021, 1, 7, 12, 0, tzinfo=TZ)
PREVIOUS = date(2020, 12, 31)

LATE = {"市交通运输局": datetime(2021, 1, 7, 15, 20, tzinfo=TZ)}
MISSING = {"市体育局": 3, "市林业局": 1}
INVALID = {"市金融工作局": "第7条措施未填写完成状态"}
NO_SCAN = {"市应急管理局"}

STATUS = {
    3: DONE,
    13: DONE,
    19: DONE,
    10: LAGGING,
    12: LAGGING,
    23: LAGGING,
    16: NOT_STARTED,
    24: NOT_STARTED,
    31: NOT_STARTED,
}
PREVIOUS_STATUS = {
    3: ON_TRACK,
    13: DONE,
    19: DONE,
    10: LAGGING,
    12: LAGGING,
    23: ON_TRACK,
    16: NOT_STARTED,
    24: NOT_STARTED,
    31: NOT_STARTED,
}
CLOSED = {13, 19}
ISSUES = {
    10: "受征地拆迁影响，济源至洛阳西高速公路部分路段施工进度滞后，需市政府协调解决。",
    12: "项目用海用地手续尚未批复。",
    23: "两市职教园区合作协议尚未签订，需济源方面进一步对接。",
}
PROGRESS = [
    "已与济源市相关部门召开对接会，形成合作事项清单，正在细化工作方案。",
    "本周赴济源开展实地调研，就项目选址、资金筹措、建设时序等事项与济源方面进行了深入沟通，达成初步共识，下一步将形成书面协议报市政府审定。",
    "已完成方案初稿，正在征求相关部门意见。",
    "持续推进，本周无新的进展。",
]


def make_week(tmp_path: Path) -> tuple[WeekResult, Config, UnitDirectory]:
    """The sample week, the default config and the real unit directory (with contacts for two units)."""
    ws, _ = init_workspace(tmp_path / "ws")
    directory = load_directory(ws.templates / "单位名录.xlsx")
    master, _ = load_master(ws.templates / "措施清单.xlsx", directory)
    config = load_config(ws.config_path)
    for name, phone in (("市体育局", "0379-63221234"), ("市林业局", "13937900002")):
        unit = directory.get(name)
        unit.contact, unit.phone = f"{name[1]}科长", phone
    units = [_unit_week(i, name, master) for i, name in enumerate(master.units)]
    states = {u.name: u.state for u in units}
    measures = [_measure_week(m, states, config) for m in master.measures]
    result = WeekResult(master.list_id, master.title, DEADLINE, 2, units, measures, [], previous_week=PREVIOUS)
    return result, config, directory


def _unit_week(index: int, name: str, master) -> UnitWeek:
    nos = [m.no for m in master.measures_of(name)]
    unit = UnitWeek(name, "on_time", measures=nos, scan_received=True)
    unit.received_at = DEADLINE - timedelta(hours=3) + timedelta(minutes=7 * index)
    unit.contact, unit.phone = f"联系人{index + 1}", f"1383790{index + 1:04d}"
    unit.files = [f"{name}落实情况.xlsx"]
    if name in LATE:
        unit.state, unit.received_at = "late", LATE[name]
        unit.consecutive_missed = 1
    elif name in MISSING:
        unit.state, unit.received_at, unit.files = "missing", None, []
        unit.contact = unit.phone = ""
        unit.scan_received = False
        unit.missing_measures = nos
        unit.consecutive_missed = MISSING[name]
    elif name in INVALID:
        unit.state, unit.invalid_reason = "invalid", INVALID[name]
        unit.consecutive_missed = 1
    unit.scan_received = unit.scan_received and name not in NO_SCAN
    unit.scan_stamped = True if unit.scan_received else None  # a scan read and found stamped
    return unit


def _measure_week(measure, states: dict[str, str], config: Config) -> MeasureWeek:
    no = measure.no
    silent = all(states[u] == "missing" for u in measure.units)
    status = None if silent else STATUS.get(no, ON_TRACK)
    reports = {u: _report(measure, u, states[u], status) for u in measure.units}
    overdue_nodes = [d for d in measure.nodes if d < DEADLINE.date()] if status != DONE else []
    upcoming = [d for d in measure.nodes if d >= DEADLINE.date()]
    days = (upcoming[0] - DEADLINE.date()).days if upcoming else None
    light = "green"
    if overdue_nodes or status == LAGGING:
        light = "red"
    elif any(r is None or r.carried for r in reports.values()) or (days is not None and days <= config.warn_days):
        light = "yellow"
    previous = None if silent else PREVIOUS_STATUS.get(no, ON_TRACK)
    changes = []
    if status != previous:
        changes.append("status_changed")
        if status == DONE:
            changes.append("newly_completed")
    if overdue_nodes:
        changes.append("newly_overdue")  # every past node here is 2020-12-31, not yet overdue last week
    return MeasureWeek(
        measure,
        status,
        light,
        bool(overdue_nodes),
        no in CLOSED,
        reports,
        overdue_nodes,
        upcoming[0] if upcoming else None,
        days,
        previous,
        changes,
    )


def _report(measure, unit: str, state: str, status: str | None) -> UnitReport | None:
    if state == "missing":
        return None
    role = measure.role_of(unit)
    if state == "invalid":
        return UnitReport(unit, role, ON_TRACK, progress="上周已完成基金投向梳理。", carried=True)
    progress = PROGRESS[measure.no % len(PROGRESS)]
    if status == DONE:
        progress = "该项工作已全部完成，相关成果已报市政府备案。"
    return UnitReport(
        unit, role, status, progress=progress, issues=ISSUES.get(measure.no, "") if role == "牵头" else ""
    )
