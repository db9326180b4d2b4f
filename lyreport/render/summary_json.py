"""summary.json: the machine-readable week, schema documented in README.md."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_text
from ..models import WeekResult

SCHEMA_VERSION = 1


def _time(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def summary_dict(result: WeekResult) -> dict[str, Any]:
    """The week as plain JSON-ready data (deadline in ISO 8601 with +08:00)."""
    tz = result.deadline.tzinfo
    return {
        "schema": SCHEMA_VERSION,
        "list_id": result.list_id,
        "list_title": result.list_title,
        "week": _time(result.deadline),
        "period": result.period,
        "units": [
            {
                "name": u.name,
                "state": u.state,
                "received_at": _time(u.received_at.astimezone(tz)) if u.received_at else None,
                "files": u.files,
                "superseded": u.superseded,
                "contact": u.contact,
                "phone": u.phone,
                "missing_measures": u.missing_measures,
                "consecutive_missed": u.consecutive_missed,
                "scan_received": u.scan_received,
                "invalid_reason": u.invalid_reason or None,
                "source": u.source,
                "scan_stamped": u.scan_stamped,
                "scan_mismatches": u.scan_mismatches,
                "corrected_at": _time(u.corrected_at.astimezone(tz)) if u.corrected_at else None,
            }
            for u in result.units
        ],
        "measures": [
            {
                "no": m.no,
                "category": m.measure.category,
                "status": m.status,
                "light": m.light,
                "overdue": m.overdue,
                "closed": m.closed,
                "nodes": [n.isoformat() for n in m.measure.nodes],
                "next_node": m.next_node.isoformat() if m.next_node else None,
                "days_to_next_node": m.days_to_next_node,
                "changes": m.changes,
                "units": {name: (r.status if r else None) for name, r in m.reports.items()},
            }
            for m in result.measures
        ],
        "problems": [p.to_dict() for p in result.problems],
    }


def write_summary_json(result: WeekResult, target: Path) -> dict[str, Any]:
    data = summary_dict(result)
    save_summary(data, target)
    return data


def save_summary(data: dict[str, Any], target: Path) -> None:
    atomic_write_text(target, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
