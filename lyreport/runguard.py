"""What wraps one run of a week: the workspace lock, the start checks, and switching the outputs in.

Every disk or database fault met while the lock is held becomes one Chinese message naming the path
(LyreportError), never a Python exception text.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from .archive import ArchiveError, sha256_of
from .atomic import remove_stale_temps
from .config import Workspace
from .faults import LyreportError, fault_point, os_message, sqlite_message
from .history import DB_NAME, recorded_period, recorded_summary, units_dropped
from .lock import WorkspaceBusy, workspace_lock
from .models import WeekResult
from .problems import Problem, problem
from .recovery import HistoryLost, check_history, clean_temp, weeks_without_archive
from .staging import carry_over, marker, repair, switch_in, unfinished_weeks


@contextlib.contextmanager
def holding(ws: Workspace) -> Iterator[None]:
    """The workspace lock, with every disk/database fault turned into a Chinese message naming the path."""
    try:
        with workspace_lock(ws.root):
            fault_point("locked")
            yield
    except (WorkspaceBusy, HistoryLost, ArchiveError) as exc:
        raise LyreportError(str(exc)) from None
    except sqlite3.Error as exc:
        raise LyreportError(sqlite_message(exc, ws.history / DB_NAME)) from None
    except OSError as exc:
        raise LyreportError(os_message(exc, ws.root)) from None


def start_checks(
    ws: Workspace, outbox: Path, base: Path, archive: Path, week: date, list_id: str | None = None
) -> list[Problem]:
    """Under the lock: refuse a lost history; clean what killed runs left; note unfinished outputs."""
    check_history(ws, outbox, base, list_id)
    clean_temp(ws)
    remove_stale_temps(outbox, 0)  # we hold the lock: no other run is writing there
    remove_stale_temps(archive, 0)
    repair(base)
    said = [problem("outputs-unfinished", week=w) for w in unfinished_weeks(base) if w != week.isoformat()]
    if list_id is not None:  # this run archives its own week again
        lost = [w for w in weeks_without_archive(ws, list_id) if w != week.isoformat()]
        said += [problem("archive-week-missing", week=w, folder=str(archive / list_id / w)) for w in lost]
    return said


def note_later_weeks(conn: sqlite3.Connection, result: WeekResult) -> None:
    """Later weeks already recorded were computed without this week's (new) data: say so, naming them.

    A week recorded for the first time after later ones gets the next free 期数 (periods.week_period); a re-run
    of an earlier week leaves the later weeks' 通报/summary.json and the main 工作台账 as they were.
    """
    query = "SELECT week FROM weeks WHERE list_id=? AND week>? ORDER BY week"
    later = [w for (w,) in conn.execute(query, (result.list_id, result.week.isoformat()))]
    if not later:
        return
    commands = "、".join(f"“lyreport run --week {w} --rebuild”" for w in later)
    if recorded_period(conn, result.list_id, result.week) is None:
        found = problem("weeks-out-of-order", later="、".join(later), period=result.period, commands=commands)
    elif _changed(conn, result):
        found = problem("later-weeks-stale", week=result.week.isoformat(), later="、".join(later), commands=commands)
    else:  # the same data again (a plain re-run): the later weeks stand, the outputs stay byte-identical
        return
    result.problems.append(found)


def refuse_dropped_units(conn: sqlite3.Connection, list_id: str, week: date, result: WeekResult) -> None:
    """A recorded week merged again must not turn units it has as reported into 未报送 (see units_dropped).
    The refusal names them, and what the inbox still holds of theirs and why it was not counted (a file time
    changed by copying the workspace, a return marked for another week …): the files may be there after all."""
    lost = units_dropped(conn, list_id, week, result)
    if not lost:
        return
    aside = [p for p in result.problems if p.unit in lost and p.file]
    why = "".join(f"《{p.file}》：{p.message}。" for p in aside[:3]) + (
        f"另有 {len(aside) - 3} 条，" if len(aside) > 3 else ""
    )
    names = "、".join(lost) if len(lost) <= 5 else "、".join(lost[:5]) + f"等 {len(lost)} 个单位"
    raise LyreportError(
        f"历史记录中 {week.isoformat()} 这一周已记有{names}的报送，本次收件箱中却没有（或不再计入）它们的文件："
        "按收件箱重新汇总会把它们改记为未报送。为避免覆盖，本次未做任何改动。"
        + (f"收件箱中这些单位未计入该周的文件：{why}" if why else "")
        + "请把该周原有的文件放回收件箱（history/archive 中有存档）后再运行；只按存档重新生成该周请加 --rebuild。"
    )


def refuse_retimed_units(
    conn: sqlite3.Connection, list_id: str, week: date, result: WeekResult, originals: dict[Path, datetime]
) -> None:
    """A recorded week merged again must not re-time a unit by a file it already has archived for that week:
    the same bytes with another time are the same file with its time lost (a workspace copied without keeping
    file times), not a new arrival. Merged again, every on-time unit would become 迟报 at the copy's date.
    `originals`: the inbox files answering the week with their times, as the archive records them."""
    key = (list_id, week.isoformat())
    archived = dict(conn.execute("SELECT sha256, received_at FROM inputs WHERE list_id=? AND week=?", key))
    if not archived:
        return
    recorded = {unit: (state, at) for unit, state, at in conn.execute(
        "SELECT unit, state, received_at FROM unit_weeks WHERE list_id=? AND week=?", key
    )}  # fmt: skip
    origin_of = {f.display: f.origin or f.path for f in result.answered}
    retimed: list[str] = []
    for unit in result.units:  # only units whose state or time would change are worth hashing files for
        now = (unit.state, unit.received_at.isoformat() if unit.received_at else None)
        if recorded.get(unit.name, now) == now:
            continue
        for name in unit.files:
            origin = origin_of.get(name)
            if origin is None or origin not in originals or not origin.is_file():
                continue
            was = archived.get(sha256_of(origin))
            if was is None:
                continue
            then, moved = datetime.fromisoformat(was), originals[origin]
            if abs((moved - then).total_seconds()) > 60:
                shown = f"{then:%Y-%m-%d %H:%M}收到，现为{moved.astimezone(then.tzinfo):%Y-%m-%d %H:%M}"
                retimed.append(f"{unit.name}（《{name}》存档记为{shown}）")
                break
    if retimed:
        names = "、".join(retimed[:5]) + (f"等 {len(retimed)} 个单位" if len(retimed) > 5 else "")
        raise LyreportError(
            f"历史记录中 {week.isoformat()} 这一周已有汇总结果；收件箱中{names}的文件与该周存档中的完全相同，"
            "文件时间却变了（多为复制工作目录时没有保留文件时间），按收件箱重新汇总会改变这些单位的报送状态或收到时间。"
            "为避免覆盖，本次未做任何改动。只按存档重新生成该周请加 --rebuild。"
        )


def _changed(conn: sqlite3.Connection, result: WeekResult) -> bool:
    """Do the week's units or measures (what later weeks are computed from) differ from those recorded?"""
    from .render.summary_json import summary_dict

    old = recorded_summary(conn, result.list_id, result.week) or {}
    new = json.loads(json.dumps(summary_dict(result), ensure_ascii=False))
    return any(_entries(old.get(key), new[key]) != new[key] for key in ("units", "measures"))


def _entries(old: object, new: list[dict[str, object]]) -> object:
    """The recorded entries, with a field added since they were recorded (e.g. corrected_at) read as null:
    a week recorded by an older version is not "changed" for lacking it."""
    if not isinstance(old, list) or len(old) != len(new):
        return old
    return [{**dict.fromkeys(n), **o} if isinstance(o, dict) else o for o, n in zip(old, new, strict=True)]


def switch(folder: Path, ledger: Path, staging: Path, staged_ledger: Path | None) -> None:
    """The recorded week's outputs go in with one rename; a failure here says the week needs a re-run."""
    week = folder.name
    try:
        carry_over(folder, staging / week)
        switch_in(staging / week, folder, staged_ledger, ledger)
        marker(ledger.parent, week).unlink(missing_ok=True)
    except OSError as exc:
        raise LyreportError(
            f"{week} 这一周已记入历史，但输出文件未能写出：{os_message(exc, folder)}"
            f"排除后请重新运行“lyreport run --week {week} --rebuild”即可补齐。"
        ) from None
