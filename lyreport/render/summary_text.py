"""The words of the 督导情况通报: section blocks and attachment rows built from a WeekResult (no docx here).

Every phrase is a template from the [summary] section of 配置.toml; this module only decides which phrases
apply and fills in the figures, leaving out zero counts so the text never reads “0个（）”.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..config import Config
from ..models import DONE, LAGGING, LIGHTS, STATUSES, MeasureWeek, UnitReport, UnitWeek, WeekResult
from ..weeks import cn_date
from .scan_text import paper_sentences, scan_cell
from .trend_data import WeekTrend
from .wording import (
    abridge,
    clean,
    cn_number,
    join_cn,
    measure_nos,
    quoted,
    say,
    sentence,
    short_time,
    strip_category_number,
    summary_word,
)

H1, H2, BODY = "h1", "h2", "body"
TREND_SPAN = 4  # weeks in the 总体情况 trend sentence


@dataclass
class Block:
    """One paragraph of the body: a 一、 heading (h1), a （一） heading (h2) or body text."""

    kind: str
    text: str


def body_blocks(result: WeekResult, config: Config, trends: Sequence[WeekTrend] = ()) -> list[Block]:
    """The five sections 一、总体情况 … 五、下一步工作, in order; `trends` (oldest first) feed the 4-week sentence."""
    blocks: list[Block] = []
    for heading, build in (
        ("heading_overview", overview),
        ("heading_progress", progress),
        ("heading_issues", issues),
        ("heading_reporting", reporting),
        ("heading_next", next_steps),
    ):
        blocks.append(Block(H1, say(config, heading)))
        blocks += build(result, config)
        if build is overview and blocks[-1].kind == BODY and (trend := trend_sentence(trends, config)):
            blocks[-1] = Block(BODY, blocks[-1].text + trend)  # the paragraph that compares with last week
    return blocks


# ----------------------------------------------------------------- helpers
def units_in(result: WeekResult, state: str) -> list[UnitWeek]:
    return [u for u in result.units if u.state == state]


def status_label(status: str | None, config: Config) -> str:
    return status or say(config, "status_none")


def units_text(measure: MeasureWeek, config: Config) -> str:
    """市发改委（牵头）、市工信局 — the lead is marked only when there are several units."""
    units = measure.measure.units
    if len(units) <= 1:
        return join_cn(units)
    return join_cn([units[0] + say(config, "lead_mark"), *units[1:]])


def reported(measure: MeasureWeek) -> list[UnitReport]:
    """This week's own reports (not carried over), lead first."""
    return [r for r in measure.reports.values() if r is not None and not r.carried]


def _parts_sentence(parts: list[str]) -> str:
    return sentence("，".join(p for p in parts if p))


# ----------------------------------------------------------------- 一、总体情况
def overview(result: WeekResult, config: Config) -> list[Block]:
    return [
        Block(BODY, text)
        for text in (
            _units_sentence(result, config),
            _measures_sentence(result, config),
            _changes_sentence(result, config),
        )
        if text
    ]


def _units_sentence(result: WeekResult, config: Config) -> str:
    if not result.units:
        return ""
    parts = [say(config, "units_due", count=len(result.units))]
    on_time = units_in(result, "on_time")
    if len(on_time) == len(result.units):
        parts.append(say(config, "units_all_on_time"))
        return _parts_sentence(parts)
    if on_time:
        parts.append(say(config, "units_on_time", count=len(on_time)))
    for state, key in (("late", "units_late"), ("missing", "units_missing"), ("invalid", "units_invalid")):
        units = units_in(result, state)
        if units:
            parts.append(say(config, key, count=len(units), names=join_cn(u.name for u in units)))
    return _parts_sentence(parts)


def _measures_sentence(result: WeekResult, config: Config) -> str:
    measures = result.measures
    if not measures:
        return ""
    closed = sum(1 for m in measures if m.closed)
    done = sum(1 for m in measures if m.status == DONE)
    parts = [say(config, "measures_total", count=len(measures))]
    for status in STATUSES:
        count = sum(1 for m in measures if m.status == status)
        if status == DONE and count and closed == count:
            parts.append(say(config, "measure_done_closed", count=count))  # every completed one is 销号
        elif count:
            parts.append(say(config, "measure_status", status=status, count=count))
    # No status: nobody has reported it yet, or a unit did and its status could not be read (said at its cell).
    unreadable = sum(1 for m in measures if m.status is None and any(r is not None for r in m.reports.values()))
    unreported = sum(1 for m in measures if m.status is None) - unreadable
    if unreported:
        parts.append(say(config, "measure_unreported", count=unreported))
    if unreadable:
        parts.append(say(config, "measure_unreadable", count=unreadable))
    text = _parts_sentence(parts)
    # A status no unit sent this week is last week's (判定规则: a unit that did not report keeps its status).
    carried = sum(1 for m in measures if m.status is not None and not reported(m))
    if carried:
        text += say(config, "measure_carried", count=carried)
    if closed and closed != done:
        text += say(config, "measures_closed", count=closed)
    overdue = [m.no for m in measures if m.overdue]
    if overdue:
        text += say(config, "overdue_sentence", count=len(overdue), nos=measure_nos(config, overdue))
    else:
        text += say(config, "overdue_none")
    lights = [
        say(config, "light_part", light=LIGHTS[key], count=n)
        for key in ("red", "yellow", "green")
        if (n := sum(1 for m in measures if m.light == key))
    ]
    if lights:
        text += say(config, "lights_sentence", parts=join_cn(lights))
    return text


def _changes_sentence(result: WeekResult, config: Config) -> str:
    if result.previous_week is None:
        return say(config, "changes_first" if result.period <= 1 else "changes_no_history")
    completed = [m.no for m in result.measures if "newly_completed" in m.changes]
    moved = [m.no for m in result.measures if "status_changed" in m.changes and m.no not in completed]
    overdue = [m.no for m in result.measures if "newly_overdue" in m.changes]
    parts = [
        say(config, key, count=len(nos), nos=measure_nos(config, nos))
        for key, nos in (("change_completed", completed), ("change_status", moved), ("change_overdue", overdue))
        if nos
    ]
    if not parts:
        return say(config, "changes_none")
    return say(config, "changes_sentence", parts="，".join(parts))


def trend_sentence(trends: Sequence[WeekTrend], config: Config) -> str:
    """近四周 figures, oldest first; only when the last four recorded weeks are four consecutive weeks."""
    recent = list(trends)[-TREND_SPAN:]
    if len(recent) < TREND_SPAN or (recent[-1].week - recent[0].week).days != 7 * (TREND_SPAN - 1):
        return ""
    series = {key: [t.figures()[key] for t in recent] for key in recent[0].figures()}
    # A figure history does not hold is shown as “—”, never as 0.
    text = {key: "、".join("—" if v is None else str(v) for v in values) for key, values in series.items()}
    return say(config, "trend_sentence", **text)


# ----------------------------------------------------------------- 二、各领域进展
def progress(result: WeekResult, config: Config) -> list[Block]:
    blocks: list[Block] = []
    categories: dict[str, list[MeasureWeek]] = {}
    for m in result.measures:
        categories.setdefault(m.measure.category, []).append(m)
    for index, (category, measures) in enumerate(categories.items(), start=1):
        name = strip_category_number(category) if category else result.list_title
        blocks.append(Block(H2, say(config, "sub_heading", cn=cn_number(index), name=name)))
        texts = _category_progress(measures, config)
        # “本周无新进展” is a claim about what units said; when none of them sent anything it is not known.
        empty = "no_progress" if any(reported(m) for m in measures) else "no_reports_category"
        blocks += [Block(BODY, t) for t in texts] or [Block(BODY, say(config, empty))]
    return blocks or [Block(BODY, say(config, "no_progress"))]


def _category_progress(measures: list[MeasureWeek], config: Config) -> list[str]:
    """Status changes, then a few quoted returns (the rest are in 附件1)."""
    changes = [item for m in measures for item in _change_items(m, config)]
    texts = [say(config, "progress_changes", parts="；".join(changes))] if changes else []
    # Measures closed in an earlier week have left the active list (销号); lagging ones belong to 存在问题.
    active = [m for m in measures if not (m.closed and m.previous_status == DONE) and m.status != LAGGING]
    quotes = {
        m.no: r for m in active if (r := next((r for r in reported(m) if _worth_quoting(r.progress, config)), None))
    }
    chosen = set(sorted(quotes, key=lambda no: _quote_rank(measures, no, quotes[no]))[: _quote_limit(config)])
    for m in measures:
        if m.no in chosen:
            report = quotes[m.no]
            texts.append(
                sentence(say(config, "progress_item", unit=report.unit, no=m.no, progress=abridge(report.progress, 60)))
            )
    if len(quotes) > len(chosen):
        texts.append(say(config, "progress_more"))
    return texts


def _quote_rank(measures: list[MeasureWeek], no: int, report: UnitReport) -> tuple[int, int, int]:
    """Changed measures first, then the fuller returns; ties keep list order."""
    m = next(m for m in measures if m.no == no)
    return (0 if m.changes else 1, -len(clean(report.progress)), no)


def _quote_limit(config: Config) -> int:
    try:
        return max(0, int(summary_word(config, "progress_quotes")))
    except (TypeError, ValueError):
        return 3


def _change_items(m: MeasureWeek, config: Config) -> list[str]:
    short = quoted(m.measure.text, 20)
    items = []
    if "newly_completed" in m.changes:
        items.append(say(config, "item_completed", no=m.no, text=short))
    elif "status_changed" in m.changes:
        old, new = status_label(m.previous_status, config), status_label(m.status, config)
        items.append(say(config, "item_status", no=m.no, text=short, old=old, new=new))
    return items


def _worth_quoting(progress: str, config: Config) -> bool:
    """Skip returns that only say nothing happened (“本周无新进展”), as staff would when writing by hand."""
    text = clean(progress)
    skip = summary_word(config, "progress_skip")
    return bool(text) and not any(
        str(phrase) in text for phrase in (skip if isinstance(skip, list) else [skip]) if phrase
    )


# ----------------------------------------------------------------- 三、存在问题
def issues(result: WeekResult, config: Config) -> list[Block]:
    overdue = [m for m in result.measures if m.overdue]
    lagging = [m for m in result.measures if m.status == LAGGING and not m.overdue]
    if not overdue and not lagging:
        return [Block(BODY, say(config, "issues_none"))]
    blocks: list[Block] = []
    groups = (("issues_overdue_heading", overdue, _overdue_item), ("issues_lagging_heading", lagging, _lagging_item))
    present = [(key, ms, fn) for key, ms, fn in groups if ms]
    for index, (key, measures, item) in enumerate(present, start=1):
        blocks.append(Block(H2, say(config, "sub_heading", cn=cn_number(index), name=say(config, key))))
        blocks += [Block(BODY, f"{n}.{item(m, config)}") for n, m in enumerate(measures, start=1)]
    return blocks


def _overdue_item(m: MeasureWeek, config: Config) -> str:
    dates = join_cn(cn_date(d) for d in (m.overdue_nodes or m.measure.nodes))
    text = say(
        config,
        "overdue_item",
        no=m.no,
        text=quoted(m.measure.text, 30),
        dates=dates,
        units=units_text(m, config),
        status=status_label(m.status, config),
    )
    return text + _issues_text(m, config, required=False)


def _lagging_item(m: MeasureWeek, config: Config) -> str:
    text = say(config, "lagging_item", no=m.no, text=quoted(m.measure.text, 30), units=units_text(m, config))
    return text + _issues_text(m, config, required=True)


def _issues_text(m: MeasureWeek, config: Config, required: bool) -> str:
    said = [
        sentence(say(config, "issues_reported", unit=r.unit, issues=abridge(r.issues, 80)))
        for r in m.reports.values()
        if r is not None and clean(r.issues)
    ]
    if said:
        return "".join(said)
    return say(config, "issues_unreported") if required else ""


# ----------------------------------------------------------------- 四、报送情况
def reporting(result: WeekResult, config: Config) -> list[Block]:
    late, missing, invalid = (units_in(result, s) for s in ("late", "missing", "invalid"))
    no_scan = [u for u in result.units if u.state in ("on_time", "late") and not u.scan_received]
    paper = paper_sentences(result, config)
    # "均按时报送了电子版及盖章扫描件" only when the paper returns raise nothing (a scan without a seal, or one in
    # black and white, or only a scan, is not that).
    if not (late or missing or invalid or no_scan or paper):
        return [Block(BODY, say(config, "report_all_good"))]
    first = ""
    if late:
        items = join_cn(say(config, "late_item", unit=u.name, time=short_time(u.received_at, config)) for u in late)
        first += say(config, "report_late", count=len(late), items=items) + _repeats(late, config)
    if missing:
        first += say(config, "report_missing", count=len(missing), names=join_cn(u.name for u in missing))
        first += _repeats(missing, config)
    if invalid:
        items = join_cn(
            say(
                config, "invalid_item", unit=u.name, reason=abridge(u.invalid_reason, 40, stops="。；;：:").rstrip("。")
            )
            for u in invalid
        )
        first += say(config, "report_invalid", count=len(invalid), items=items) + _repeats(invalid, config)
    texts = [first]
    if no_scan:
        texts.append(say(config, "report_no_scan", count=len(no_scan), names=join_cn(u.name for u in no_scan)))
    texts += paper
    return [Block(BODY, t) for t in texts if t]


def _repeats(units: list[UnitWeek], config: Config) -> str:
    """“其中，…已连续N周未按时报送” right after the sentence naming these units (late, missing or invalid), so
    that it is read as one of them, never after another group's sentence or with nothing before it."""
    repeat = [u for u in units if u.consecutive_missed >= 2]
    if not repeat:
        return ""
    items = "，".join(say(config, "consecutive_item", unit=u.name, weeks=u.consecutive_missed) for u in repeat)
    return say(config, "report_consecutive", items=items)


# ----------------------------------------------------------------- 五、下一步工作
def next_steps(result: WeekResult, config: Config) -> list[Block]:
    steps = summary_word(config, "next_steps")
    if isinstance(steps, str):
        steps = [steps]
    return [Block(BODY, clean(s)) for s in steps if clean(s)]


# ----------------------------------------------------------------- attachment tables
def measure_row(m: MeasureWeek, config: Config) -> list[str]:
    """附件1: 序号 | 措施内容 | 责任单位 | 完成状态 | 亮灯 | 本周进展"""
    status = status_label(m.status, config)
    if m.closed:
        status += say(config, "closed_mark")
    if m.overdue and m.status != DONE:
        status += "\n" + say(config, "overdue_mark")
    units = "\n".join(_unit_cell(m, unit, config) for unit in m.measure.units)
    return [
        str(m.no),
        abridge(m.measure.text, 50),
        units,
        status,
        LIGHTS.get(m.light, m.light),
        _progress_cell(m, config),
    ]


def _unit_cell(m: MeasureWeek, unit: str, config: Config) -> str:
    """市发改委（牵头）, with （本周未报） when the unit sent nothing of its own this week."""
    text = unit
    if len(m.measure.units) > 1 and unit == m.measure.lead:
        text += say(config, "lead_mark")
    report = m.reports.get(unit)
    if report is None or report.carried:
        text += say(config, "unit_not_reported")
    elif report.from_scan:
        text += say(config, "scan_source_mark")
    return text


def _progress_cell(m: MeasureWeek, config: Config) -> str:
    own = [r for r in reported(m) if clean(r.progress)]
    if not own:
        carried = [r for r in m.reports.values() if r is not None and r.carried and clean(r.progress)]
        if carried:
            return say(config, "carried_mark") + abridge(carried[0].progress, 60)
        return say(config, "no_report_this_week")
    if len(own) == 1:
        return abridge(own[0].progress, 70)
    return "\n".join(f"{r.unit}：{abridge(r.progress, 50)}" for r in own)


def received_cell(u: UnitWeek, config: Config) -> str:
    """When it came in; an on-time unit whose counted copy is a correction received after the deadline says so."""
    text = short_time(u.received_at, config)
    if text and u.corrected_at is not None:
        text += "\n" + say(config, "corrected_mark", time=short_time(u.corrected_at, config))
    return text


def unit_row(u: UnitWeek, config: Config) -> list[str]:
    """附件2: 单位 | 报送状态 | 收到时间 | 联系人 | 联系电话 | 扫描件 | 连续未按时周数"""
    empty = say(config, "empty_cell")
    state = u.state_label
    if u.state == "invalid" and clean(u.invalid_reason):
        state += "\n" + abridge(u.invalid_reason, 30, stops="。；;：:")
    return [
        u.name,
        state,
        received_cell(u, config) or empty,
        clean(u.contact) or empty,
        clean(u.phone) or empty,
        scan_cell(u, config),
        str(u.consecutive_missed) if u.consecutive_missed else empty,
    ]
