"""Week-by-week counts for the 趋势 sheet and the four-week trend sentence of the 通报.

The report week is taken from the WeekResult itself (the authority for this run); earlier weeks come from the
history store. A figure that history does not hold is None, never 0, so a gap is never shown as a real zero.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from ..models import HistoryView, WeekResult

UNIT_KEYS = ("on_time", "late", "missing", "invalid")
LIGHT_KEYS = ("red", "yellow", "green")


@dataclass
class WeekTrend:
    """One week's figures; None where the history does not say."""

    week: date
    on_time: int | None = None
    late: int | None = None
    missing: int | None = None
    invalid: int | None = None
    red: int | None = None
    yellow: int | None = None
    green: int | None = None
    closed: int | None = None
    overdue: int | None = None

    def figures(self) -> dict[str, int | None]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "week"}


def trend_weeks(result: WeekResult, history: HistoryView, limit: int) -> list[date]:
    """The last `limit` recorded weeks up to and including the report week, oldest first."""
    weeks = sorted({w for w in history.weeks if w <= result.week} | {result.week})
    return weeks[-max(limit, 1) :]


def week_trends(result: WeekResult, history: HistoryView, limit: int) -> list[WeekTrend]:
    weeks = trend_weeks(result, history, limit)
    states = unit_states(result, history, weeks)
    measures: dict[date, list[tuple[str, bool, bool]]] = {}
    for (week, _), value in history.measure_weeks.items():
        measures.setdefault(week, []).append(value)
    measures[result.week] = [(m.light, m.overdue, m.closed) for m in result.measures]
    return [_week(week, states.get(week, {}), measures.get(week, [])) for week in weeks]


def unit_states(result: WeekResult, history: HistoryView, weeks: list[date]) -> dict[date, dict[str, str]]:
    """week -> unit -> state key, for the given weeks; the report week from the result."""
    wanted = set(weeks)
    states: dict[date, dict[str, str]] = {week: {} for week in weeks}
    for (week, unit), state in history.unit_states.items():
        if week in wanted:
            states[week][unit] = state
    if result.week in wanted:
        states[result.week] = {u.name: u.state for u in result.units}
    return states


def _week(week: date, states: dict[str, str], measures: list[tuple[str, bool, bool]]) -> WeekTrend:
    trend = WeekTrend(week)
    if states:
        for key in UNIT_KEYS:
            setattr(trend, key, sum(1 for s in states.values() if s == key))
    if measures:
        for key in LIGHT_KEYS:
            setattr(trend, key, sum(1 for light, _, _ in measures if light == key))
        trend.overdue = sum(1 for _, overdue, _ in measures if overdue)
        trend.closed = sum(1 for _, _, closed in measures if closed)
    return trend
