"""The 期数 (第N期) of a week's 通报: frozen once the week is recorded, kept through a restore, never one
another week holds; where it had to be worked out again, that is said."""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from typing import Any

from .context import Context
from .history import period_rank, recorded_period, recorded_summary
from .problems import Problem, problem
from .recovery import restore_claims
from .weeks import deadline_for


def week_period(context: Context, conn: Any, deadline: datetime) -> tuple[int, list[Problem]]:
    """第N期: frozen once a week is recorded; while `restore` rebuilds, the number the week was archived
    with; else from config first_week, else the week's rank in history. With what to say about it."""
    list_id, week = context.master.list_id, deadline.date()
    recorded = recorded_period(conn, list_id, week)
    if recorded is not None:
        if _period_was_guessed(conn, list_id, week):  # by a restore: still a guess, never archived as issued
            reason = "该期数是此前重建历史时按现行规则推算的"
            return recorded, [problem("period-not-archived", reason=reason, period=recorded)]
        return recorded, []
    claims = restore_claims(list_id)
    taken = dict(conn.execute("SELECT period, week FROM weeks WHERE list_id=?", (list_id,)).fetchall())
    if claims is None:
        return _period_by_rule(context, conn, deadline, taken)
    own = claims.get(week)
    others = {p: w.isoformat() for w, p in claims.items() if w != week and p is not None}
    if own is not None and own not in others and own not in taken:
        return own, []
    # Kept by a version before the 期数 was archived, or two weeks claim one number (a run that failed after
    # archiving, the number then given to another week): the rule, skipping every number another week holds.
    period, said = _period_by_rule(context, conn, deadline, {**others, **taken})
    if own is None:
        reason = "存档由旧版本写入，没有记下期数"
    else:
        reason = f"存档中 {others.get(own) or taken.get(own)} 也记为第{own}期，无法确定哪一周是当初发出的"
    return period, [*said, problem("period-not-archived", reason=reason, period=period)]


def _period_was_guessed(conn: Any, list_id: str, week: date) -> bool:
    """Whether the recorded week's 期数 was guessed by the rule (period-not-archived said when it was recorded)."""
    problems = (recorded_summary(conn, list_id, week) or {}).get("problems") or []
    return any(isinstance(p, dict) and p.get("code") == "period-not-archived" for p in problems)


def _period_by_rule(
    context: Context, conn: Any, deadline: datetime, taken: dict[int, str]
) -> tuple[int, list[Problem]]:
    """The number of a week not recorded yet: from config first_week, else its rank in history; never a
    number another week holds (`taken`: period -> week), but the next free one, said."""
    first = str(context.config.summary.get("first_week", "") or "")
    with contextlib.suppress(ValueError):
        start = deadline_for(date.fromisoformat(first), context.config).date()
        if context.is_default_list and deadline.date() >= start:
            wanted = (deadline.date() - start).days // 7 + 1
            if wanted not in taken:
                return wanted, []
            period = max(taken) + 1
            return period, [problem("period-taken", wanted=wanted, week=taken[wanted], period=period)]
    period = period_rank(conn, context.master.list_id, deadline.date())
    while period in taken:
        period += 1
    return period, []
