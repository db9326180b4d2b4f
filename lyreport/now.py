"""Where the office stands right now: the current report week, its deadline and what to do next.

Read-only: nothing in the workspace is created or changed (the history database is opened read-only).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from .config import Workspace, find_workspace, load_config
from .history import DB_NAME
from .weeks import current_deadline


@dataclass
class WeekGlance:
    """What `lyreport` with no command shows inside a workspace."""

    workspace: Workspace
    deadline: datetime
    now: datetime
    inbox_files: int
    recorded: bool  # this week is already in the history (run has been done)
    last_recorded: date | None

    @property
    def passed(self) -> bool:
        return self.now >= self.deadline


def week_glance(start: Path | None = None, now: datetime | None = None, list_id: str | None = None) -> WeekGlance:
    """The current week of the workspace containing `start`; ConfigError when there is none or its config is bad.

    `recorded` looks at the history of `list_id` (the default list), or of any list when it is not known.
    """
    ws = find_workspace(start or Path.cwd())
    config = load_config(ws.config_path)
    moment = now or datetime.now(config.timezone)
    deadline = current_deadline(moment, config)
    inbox = [p for p in ws.inbox.rglob("*") if p.is_file() and not p.name.startswith(".")] if ws.inbox.is_dir() else []
    weeks = recorded_weeks(ws.history / DB_NAME, list_id)
    last = max(weeks, default=None)
    return WeekGlance(ws, deadline, moment, len(inbox), deadline.date() in weeks, last)


def recorded_weeks(db: Path, list_id: str | None) -> set[date]:
    """Recorded weeks of the list (any list if None); empty if there is no (readable) history yet."""
    if not db.is_file():
        return set()
    try:
        conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
        try:
            query = "SELECT DISTINCT week FROM weeks WHERE ? IS NULL OR list_id=?"
            return {date.fromisoformat(w) for (w,) in conn.execute(query, (list_id, list_id))}
        finally:
            conn.close()
    except (sqlite3.Error, ValueError):
        return set()
