"""Last week's file sent again: which of this week's files are byte-identical to an input archived for an
earlier week, or to a workbook inside an archived mail or zip (shared by `run` and `status`)."""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path
from typing import Any

from .archive import archived_file, sha256_of
from .context import Context
from .history import OpenedContainer, archived_before, earlier_inputs, unopened_containers
from .problems import Problem, problem


def open_archived_containers(
    context: Context, conn: Any, week: date, tmp: Path
) -> tuple[list[OpenedContainer], list[Problem]]:
    """Mails and zips of earlier weeks archived before their workbooks were recorded (histories of the
    previous version): open each from the archive (extracting into `tmp`) and return what it holds. Nothing
    is written: `run` records the parts (see record_parts), `lyreport status` uses them in memory only. One
    missing or altered is said (its resend check cannot be done) and left unopened."""
    list_id = context.master.list_id
    pending = unopened_containers(conn, list_id, week)
    if not pending:
        return [], []
    from .intake.discover import discover_paths
    from .intake.safety import ARROW
    from .textsafe import shown

    opened: list[OpenedContainer] = []
    said: list[Problem] = []
    for index, (earlier, sha, name) in enumerate(pending):
        path = archived_file(context.archive, list_id, earlier, sha, name)
        try:
            if sha256_of(path) != sha:
                said.append(_archived_unusable(context, earlier, name, path, "内容已被改动"))
                continue
            files, _ = discover_paths([path], tmp / str(index), context.config.timezone)
        except FileNotFoundError:
            said.append(_archived_unusable(context, earlier, name, path, "文件已缺失"))
            continue
        except Exception as exc:  # noqa: BLE001 - unreadable or hostile: it stays unknown, and that is said
            said.append(_archived_unusable(context, earlier, name, path, f"无法打开：{type(exc).__name__}"))
            continue
        top, parts = shown(path.name), []
        for f in files:
            if f.kind == "workbook" and f.display.startswith(top + ARROW):
                with contextlib.suppress(OSError):
                    parts.append((f.sha256 or sha256_of(f.path), shown(name) + f.display[len(top) :]))
        opened.append(OpenedContainer(earlier, sha, name, tuple(parts)))
    return opened, said


def _archived_unusable(context: Context, week: date, name: str, path: Path, reason: str) -> Problem:
    from .textsafe import shown

    try:
        where = path.relative_to(context.workspace.root).as_posix()
    except ValueError:
        where = str(path)
    return problem("archived-container-unreadable", file=shown(where), week=week.isoformat(), name=shown(name),
                   reason=reason)  # fmt: skip


def resent_files(
    context: Context, conn: Any, week: date, candidates: list[Any], tmp: Path
) -> tuple[dict[str, tuple[date, str]], list[OpenedContainer], list[Problem]]:
    """Which `candidates` (files whose week rests on their arrival alone) are a file already archived for an
    earlier week, sent again; with the archived mails and zips of an older history opened for it (into `tmp`),
    for `run` to record and `status` to use in memory only, and what could not be checked."""
    if not candidates:
        return {}, [], []
    list_id = context.master.list_id
    opened, said = [], []
    if earlier_inputs(conn, list_id, week):
        opened, said = open_archived_containers(context, conn, week, tmp)
    return archived_before(conn, list_id, week, candidates, opened), opened, said


def recorded_without(context: Context, conn: Any, week: date, intake: Any) -> dict[str, Problem]:
    """Returns answering an earlier week that is already recorded, whose record does not hold them (late ones
    that came after that week was run): display -> the warning that replaces week-other's note. Without it the
    earlier week keeps its unit 未报送 for good and this week only notes the file."""
    from .assign import _other_list, return_week
    from .history import recorded_summary, week_inputs
    from .models import UNIT_STATES
    from .weeks import cn_datetime

    config, list_id = context.config, context.master.list_id
    earlier = [(r, return_week(r, config)) for r in intake.returns if not _other_list(r, context.master)]
    earlier = [(r, w) for r, w in earlier if w < week]
    if not earlier:
        return {}
    held: dict[date, tuple[set[str], dict[str, str]] | None] = {}  # week -> (archived inputs, unit states)
    found: dict[str, Problem] = {}
    for ret, answered in earlier:
        if answered not in held:
            summary = recorded_summary(conn, list_id, answered)
            states = {str(u.get("name")): str(u.get("state")) for u in (summary or {}).get("units", [])}
            held[answered] = None if summary is None else (set(week_inputs(conn, list_id, answered)), states)
        if (record := held[answered]) is None:
            continue
        try:
            if sha256_of(ret.file.origin or ret.file.path) in record[0]:
                continue
        except OSError:
            continue
        state = UNIT_STATES.get(record[1].get(ret.unit or "", ""))
        found[ret.file.display] = problem(
            "week-recorded-without",
            file=ret.file.display,
            unit=ret.unit or "",
            week=answered.isoformat(),
            received=cn_datetime(ret.file.received_at, config),
            recorded=f"，{ret.unit}在该周记为“{state}”" if state else "",
        )
    return found
