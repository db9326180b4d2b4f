"""What the last `lyreport fetch` did with each mailbox, said again by `run` and `status` for the week.

A mailbox that could not be fetched (a wrong password, the server away) leaves its mail out of the inbox,
and a fetch made at 11:00 leaves out what arrived before the 12:00 deadline. `run` and `status` cannot see
the mailboxes: without this, a unit whose return sits in the NDRC mailbox would be said not to have
reported, with no word that the mailbox was never read. fetch records each mailbox's outcome in
history/mailbox/fetched.json; the week's notes are worked out from it.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime, timedelta
from pathlib import Path

from ..problems import Problem, problem
from .elsewhere import STATE_DIR

RECORD = "fetched.json"  # under history/mailbox/


def record(state_dir: Path, tried: list[str], failed: dict[str, str], at: datetime) -> None:
    """Note, for each mailbox tried at `at`, whether it was fetched (and why not)."""
    from ..atomic import atomic_write_bytes

    path = state_dir / RECORD
    data = _load(path)
    for name in tried:
        entry = data.get(name) if isinstance(data.get(name), dict) else {}
        entry.update(tried=at.isoformat(), ok=name not in failed, reason=failed.get(name, ""))
        if name not in failed:
            entry["ok_at"] = at.isoformat()
        data[name] = entry
    atomic_write_bytes(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def week_notes(history: Path, deadline: datetime, moment: datetime) -> list[Problem]:
    """For the week ending `deadline`, looked at `moment`: each mailbox whose last fetch this week failed,
    and, once the deadline has passed, each one last fetched before it."""
    said: list[Problem] = []
    opened = deadline - timedelta(days=7)  # the previous deadline: a fetch before it is not this week's
    for name, entry in _load(history / STATE_DIR / RECORD).items():
        with contextlib.suppress(TypeError, ValueError, KeyError, AttributeError):
            tried = datetime.fromisoformat(entry["tried"])
            ok_at = datetime.fromisoformat(entry["ok_at"]) if entry.get("ok_at") else None
            where = f"邮箱“{name}”"
            if not entry["ok"] and opened < tried and (ok_at is None or ok_at < deadline):
                since = f"在 {_cn(ok_at, deadline)}之后" if ok_at else ""
                said.append(
                    problem(
                        "mail-fetch-failed", file=where, tried=_cn(tried, deadline), reason=entry["reason"], since=since
                    )
                )
            elif entry["ok"] and ok_at is not None and opened < ok_at < deadline <= moment:
                said.append(
                    problem(
                        "mail-fetch-early", file=where, fetched=_cn(ok_at, deadline), deadline=_cn(deadline, deadline)
                    )
                )
    return said


def _cn(moment: datetime, deadline: datetime) -> str:
    """ "1月7日11:05" in the deadline's zone."""
    local = moment.astimezone(deadline.tzinfo)
    return f"{local.month}月{local.day}日{local:%H:%M}"


def _load(path: Path) -> dict:
    try:
        if path.stat().st_size > 1024 * 1024:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
