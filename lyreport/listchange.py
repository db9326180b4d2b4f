"""A week re-run, rebuilt or restored after staff edited the master list is judged by today's list: say what
changed since the week was last summarised (its 通报 may then differ from the one issued)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .placing import text_key
from .problems import Problem, problem

if TYPE_CHECKING:
    from .context import Context

SHOWN = 8  # changes named in the message; the rest are counted


def list_changed_since(context: Context, conn: sqlite3.Connection, week: date, folder: Path) -> list[Problem]:
    """Compare the week's issued summary.json (and the measure texts history recorded) with today's list."""
    recorded = _recorded_measures(folder / "summary.json", context.master.list_id)
    if not recorded:
        return []
    try:
        texts = dict(
            conn.execute(
                "SELECT no, text FROM measure_texts WHERE list_id=? AND week=?",
                (context.master.list_id, week.isoformat()),
            ).fetchall()
        )
    except sqlite3.OperationalError:
        texts = {}
    now = {m.no: m for m in context.master.measures}
    changes: list[str] = []
    for no, was in sorted(recorded.items()):
        measure = now.get(no)
        if measure is None:
            changes.append(f"删除第{no}条")
            continue
        units = [_unit_now(context, str(u)) for u in was.get("units") or {}]
        if units and units != measure.units:
            changes.append(f"第{no}条责任单位由“{'、'.join(units)}”改为“{'、'.join(measure.units)}”")
        nodes, current = was.get("nodes"), [d.isoformat() for d in measure.nodes]
        if isinstance(nodes, list) and nodes != current:
            changes.append(
                f"第{no}条节点日期由“{'、'.join(map(str, nodes)) or '无'}”改为“{'、'.join(current) or '无'}”"
            )
        if no in texts and text_key(texts[no]) != text_key(measure.text):
            changes.append(f"第{no}条措施内容")
    changes += [f"新增第{no}条" for no in sorted(set(now) - set(recorded))]
    if not changes:
        return []
    shown = "；".join(changes[:SHOWN]) + (f"等{len(changes)}处" if len(changes) > SHOWN else "")
    return [problem("master-changed-since", changes=shown)]


def _recorded_measures(path: Path, list_id: str) -> dict[int, dict[str, Any]]:
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        if summary.get("list_id") != list_id:
            return {}
        return {int(m["no"]): m for m in summary.get("measures") or [] if isinstance(m, dict)}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}  # nothing issued to compare with (or unreadable): nothing to say


def _unit_now(context: Context, name: str) -> str:
    """A unit as recorded then, named as today (a former name kept as an alias is that unit)."""
    if name in context.master.units:
        return name
    return context.directory.match(name).unit or name
