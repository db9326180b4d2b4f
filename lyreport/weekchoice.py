"""Which week a run is for, and what to say about when: the deadline of a given or the current week, the one a
rebuild finds in the archive, a Monday run meaning last week, a week not due yet, a deadline changed since a week
was recorded (called by api.py and status.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from .context import Context
from .history import DB_NAME
from .now import recorded_weeks
from .problems import Problem, problem
from .recovery import archived_weeks
from .weeks import cn_datetime, current_deadline, deadline_for, deadline_on


def resolve_deadline(context: Context, week: date | None, now: datetime | None = None) -> datetime:
    """The report week's deadline: the week containing `week`, or the current week."""
    if week is not None:
        return deadline_for(week, context.config)
    return current_deadline(now or datetime.now(context.config.timezone), context.config)


def archived_deadline(context: Context, week: date, rebuild: bool = True) -> datetime | None:
    """The recorded week `week` names, by the date it was recorded under; None if it names none.

    The deadline weekday in 配置.toml may have changed since; a recorded week keeps its own date (the archive
    folder's name), so it is found rather than recomputed from the current weekday. `week` itself recorded is
    that week. Otherwise a rebuild looks for the one recorded week `week` falls in; a run from the inbox only
    when `week` is no deadline day today, and only forward ([week, its deadline]): the first week after the
    weekday moved earlier (Thursday to Wednesday) must not be taken for the last week of the old weekday.
    """
    archived = archived_weeks(context.archive, context.master.list_id)
    if week in archived:
        return deadline_on(week, context.config)
    end = deadline_for(week, context.config).date()
    if not rebuild and week == end:
        return None
    near = [d for d in archived if week <= d <= end]
    if rebuild and not near:
        near = [d for d in archived if end - timedelta(days=6) <= d <= end]
    return deadline_on(near[0], context.config) if len(near) == 1 else None


def week_timing(
    context: Context, deadline: datetime, week: date | None, moment: datetime
) -> tuple[datetime, list[Problem]]:
    """The week to run and what to say about when. With no --week before this week's deadline (Monday to
    Thursday morning), the week before when it is the next one due after those recorded (a Monday run is for
    last week; a workspace's first week ever is not). A --week that is not a deadline day names the week it
    falls in. A week not due yet is said: its 未报送 are not final."""
    config, said = context.config, []
    if week is None and deadline > moment:
        earlier = deadline - timedelta(days=7)
        recorded = recorded_weeks(context.workspace.history / DB_NAME, context.master.list_id)
        if recorded and max(recorded) < earlier.date():  # a first week ever is not taken for a missed one
            said.append(
                problem("week-default-previous", week=earlier.date().isoformat(), due=cn_datetime(deadline, config))
            )
            deadline = earlier
    elif week is not None and week != deadline.date():
        weekday = "一二三四五六日"[week.isoweekday() - 1]
        said.append(
            problem("week-arg-resolved", given=week.isoformat(), weekday=weekday, week=deadline.date().isoformat())
        )
    if deadline > moment:
        earlier = (deadline - timedelta(days=7)).date()
        recorded = recorded_weeks(context.workspace.history / DB_NAME, context.master.list_id)
        hint = "" if earlier in recorded else f"；如要汇总上一周，请运行 lyreport run --week {earlier.isoformat()}"
        due, run_at = cn_datetime(deadline, config), cn_datetime(moment, config)
        said.append(problem("week-not-due", deadline=due, now=run_at, hint=hint))
    return deadline, said


def deadline_changed(conn: Any, list_id: str, deadline: datetime, config: Any) -> list[Problem]:
    """A week re-run after the deadline time (or time zone) in 配置.toml changed is judged by the new one: say so."""
    found = conn.execute(
        "SELECT deadline FROM weeks WHERE list_id=? AND week=?", (list_id, deadline.date().isoformat())
    ).fetchone()
    try:
        before = datetime.fromisoformat(found[0]) if found else None
    except (TypeError, ValueError):
        return []
    if before is None or before == deadline:
        return []
    return [problem("deadline-changed", before=cn_datetime(before, config), now=cn_datetime(deadline, config))]
