"""Start-of-run checks of the workspace, its own temp folder, and rebuilding a lost history.

A lost or damaged history must never silently restart at 第1期 and overwrite 工作台账.xlsx: the outbox
still shows that weeks existed, so the run refuses and tells staff to run `lyreport restore`, which
rebuilds every archived week in order from history/archive (each file checked by SHA-256).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import sys
import time
from datetime import date, datetime
from pathlib import Path

from . import lazyre
from .archive import MANIFEST, ArchiveError, archived_file, manifest_period, manifest_readable, read_manifest
from .config import Workspace
from .history import DB_NAME, open_history
from .worktemp import TEMP_DIR

_WEEK = lazyre.compile(r"\d{4}-\d{2}-\d{2}")


_restoring = False  # set while restore_all rebuilds: the outbox is ahead of the history on purpose
# While restore_all rebuilds: (list_id, {week: the 期数 its manifest keeps, None if it keeps none}).
_claims: tuple[str, dict[date, int | None]] | None = None


def restore_claims(list_id: str) -> dict[date, int | None] | None:
    """During a restore of `list_id`, each archived week's 期数 as archived; None otherwise."""
    return _claims[1] if _claims is not None and _claims[0] == list_id else None


class HistoryLost(Exception):
    """The history database is missing, empty or damaged while the workspace shows past weeks."""


def recorded_weeks_in_outbox(outbox: Path) -> list[str]:
    """Week folders that a finished run left in the outbox (any list)."""
    found = []
    for base in (outbox, *(p for p in _dirs(outbox) if not _WEEK.fullmatch(p.name))):
        found += [p.name for p in _dirs(base) if _WEEK.fullmatch(p.name) and (p / "summary.json").is_file()]
    return sorted(set(found))


def archived_weeks(archive_root: Path, list_id: str) -> list[date]:
    return [date.fromisoformat(p.name) for p in sorted(_dirs(archive_root / list_id)) if _WEEK.fullmatch(p.name)]


def _dirs(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return []


def check_history(ws: Workspace, outbox: Path, base: Path | None = None, list_id: str | None = None) -> None:
    """Refuse to run on a lost or damaged history (HistoryLost with restore instructions); with the list's
    own outbox folder (`base`) and id, also when that list's weeks are missing while others' are there."""
    database = ws.history / DB_NAME
    weeks = recorded_weeks_in_outbox(outbox)
    restore = "请运行“lyreport restore”，它会用 history/archive 中存档的原始文件按顺序重建每一周的历史和输出。"
    if not database.is_file() or database.stat().st_size == 0:
        # Every run creates the database before it archives anything: an archive without one is a lost history
        # (the outbox emptied or not copied along), not a new workspace.
        archived = sorted({p.parent.name for p in (ws.history / "archive").glob("*/*/manifest.json")})
        if not weeks and not archived:
            return  # a new workspace
        state = "不存在" if not database.exists() else "是空文件（0 字节）"
        where = "history 文件夹不存在" if not ws.history.exists() else f"历史数据库 {database} {state}"
        if weeks:
            found = f"输出文件夹 {outbox} 显示已有 {len(weeks)} 周的结果（{weeks[0]} 至 {weeks[-1]}）"
        else:
            found = f"历史存档 {ws.history / 'archive'} 中已有 {len(archived)} 周的原始文件（{archived[0]} 至 {archived[-1]}）"
        raise HistoryLost(
            f"{where}，但{found}。为避免从第1期重新开始并覆盖工作台账，本次未做任何改动。{_advice(ws, restore)}"
        )
    problem = quick_check(database)
    if problem:
        raise HistoryLost(
            f"历史数据库 {database} 已损坏（{problem}），本次未做任何改动。"
            f"请先把该文件移到别处（或从备份恢复），然后{restore[1:]}"
        )
    missing = sorted(set(weeks) - _weeks_in(database))
    if not missing and base is not None and list_id is not None:
        own = [p.name for p in _dirs(base) if _WEEK.fullmatch(p.name) and (p / "summary.json").is_file()]
        missing = sorted(set(own) - _weeks_in(database, list_id))
        if missing and not _restoring:
            _refuse_other_list(base, list_id, missing)
    if missing and not _restoring:
        raise HistoryLost(
            f"历史数据库 {database} 中没有 {'、'.join(missing[:5])}{' 等' if len(missing) > 5 else ''}"
            f"，共 {len(missing)} 周的记录，而输出文件夹 {outbox} 中有这些周的结果（历史可能被换成了旧的或新建的文件）。"
            f"本次未做任何改动。{_advice(ws, restore)}"
        )


def summary_list_id(folder: Path) -> str | None:
    """The list a week's outputs were made for, from its summary.json; None if unreadable."""
    try:
        found = json.loads((folder / "summary.json").read_text(encoding="utf-8")).get("list_id")
    except (OSError, ValueError, AttributeError):
        return None
    return found if isinstance(found, str) and found else None


def _refuse_other_list(base: Path, list_id: str, weeks: list[str]) -> None:
    """Weeks in the list's outbox folder made for another 清单编号: the number in the master list was
    changed (or another list put in its place), not the history lost; `restore` would not help."""
    others = other_lists(base, list_id, weeks)
    if others:
        raise HistoryLost(list_changed(base, list_id, others))


def other_lists(base: Path, list_id: str, weeks: list[str] | None = None) -> dict[str, list[str]]:
    """Of the week folders in `base` (those named, or all with a summary.json), the ones whose summary.json
    names another list: that list id -> its weeks."""
    if weeks is None:
        weeks = sorted(p.name for p in _dirs(base) if _WEEK.fullmatch(p.name) and (p / "summary.json").is_file())
    others: dict[str, list[str]] = {}
    for week in weeks:
        found = summary_list_id(base / week)
        if found is not None and found != list_id:
            others.setdefault(found, []).append(week)
    return others


def list_changed(base: Path, list_id: str, others: dict[str, list[str]]) -> str:
    """Why the list's past weeks are not found: its 清单编号 changed; what to do (in Chinese)."""
    old = "、".join(f"“{found}”" for found in others)
    weeks = sorted(w for found in others.values() for w in found)
    shown = f"{'、'.join(weeks[:5])}{' 等' if len(weeks) > 5 else ''}"
    return (
        f"措施清单的清单编号由{old}改为“{list_id}”：输出文件夹 {base} 中 {shown}，共 {len(weeks)} 周的结果属于{old}，"
        "而历史按清单编号记录，用新编号接不上往期的期数、状态和工作台账。本次未做任何改动。"
        f"如是误改，请把措施清单“清单信息”工作表中的清单编号改回{old}后重新运行；"
        "如确需换用新编号，它将作为一份新的清单从头记录（期数重新起算，往期的状态、连续未报次数和工作台账都不沿用），"
        "请先把该文件夹中往期各周的文件夹和工作台账移到别处保存，再运行。"
    )


def _weeks_in(database: Path, list_id: str | None = None) -> set[str]:
    try:
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
        try:
            if list_id is not None:
                return {w for (w,) in conn.execute("SELECT week FROM weeks WHERE list_id=?", (list_id,))}
            return {w for (w,) in conn.execute("SELECT DISTINCT week FROM weeks")}
        finally:
            conn.close()
    except sqlite3.Error:
        return set()  # no table yet (killed before the first commit) or busy: nothing to compare


def _advice(ws: Workspace, restore: str) -> str:
    archive = ws.history / "archive"
    if any(archive.glob("*/*/manifest.json")):
        return "如有 history 文件夹的备份，请放回原处；否则" + restore[1:]
    return "请从备份中恢复 history 文件夹（含 history.sqlite3 和 archive）后重新运行。"


def quick_check(database: Path) -> str:
    """'' if sqlite's quick_check passes, else a short Chinese reason."""
    try:
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
        try:
            answer = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return ""  # someone holds it; the run itself will report that clearly
        return "无法打开"
    except sqlite3.DatabaseError:
        return "不是有效的数据库文件"
    return "" if answer == [("ok",)] else "完整性检查未通过"


def set_aside(ws: Workspace) -> Path | None:
    """Move the current database (with its -wal/-shm) into history/重建前备份-<time>/ (损坏备份 if damaged);
    it is kept, never deleted, and the rebuild starts from an empty history so every 期 is re-counted."""
    database = ws.history / DB_NAME
    if not database.exists():
        return None
    damaged = database.stat().st_size == 0 or bool(quick_check(database))
    folder = ws.history / f"{'损坏备份' if damaged else '重建前备份'}-{datetime.now():%Y%m%d-%H%M%S}"
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        part = database.with_name(DB_NAME + suffix)
        if part.exists():
            part.replace(folder / part.name)
    return folder


# ----------------------------------------------------------------- the workspace's own temp folder
def _alive(pid: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - os.kill(pid, 0) would terminate it on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def clean_temp(ws: Workspace, max_age_seconds: float = 86400) -> None:
    """Remove what killed runs left in <workspace>/.lyreport-tmp (their process is gone)."""
    root = ws.root / TEMP_DIR
    if not root.is_dir():
        return
    cutoff = time.time() - max_age_seconds
    for entry in root.iterdir():
        pid = entry.name.split("-", 1)[0]
        dead = pid.isdigit() and not _alive(int(pid))
        with contextlib.suppress(OSError):
            if dead or entry.lstat().st_mtime < cutoff:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def restore_all(workspace: Path | None = None, master: Path | None = None) -> list[object]:
    """Rebuild every archived week of the list, oldest first, into a fresh history; the RunReports."""
    from . import api  # the runs themselves; imported here because api imports this module
    from .runguard import holding

    context = api.load_context(workspace, master)
    ws = context.workspace
    archive = ws.history / "archive" / context.master.list_id
    weeks = archived_weeks(ws.history / "archive", context.master.list_id)
    if not weeks:
        base = api._output_paths(context, ws.outbox, date.today()).ledger.parent
        others = other_lists(base, context.master.list_id)
        if others:  # nothing archived under this number: it was changed, the history is not lost
            raise api.LyreportError(list_changed(base, context.master.list_id, others))
        raise api.LyreportError(
            f"历史存档 {ws.history / 'archive' / context.master.list_id} 中没有任何周的原始文件，无法重建。"
            "请从备份中恢复 history 文件夹。"
        )
    unlisted = [w.isoformat() for w in weeks if not (archive / w.isoformat() / MANIFEST).is_file()]
    if unlisted:
        raise api.LyreportError(
            f"历史存档中 {_weeks_said(unlisted)}没有文件清单（{MANIFEST}，由旧版本存档），无法据此重建。"
            "请从备份中恢复 history 文件夹。"
        )
    damaged = [str(archive / w.isoformat() / MANIFEST) for w in weeks if not manifest_readable(archive / w.isoformat())]
    if damaged:
        raise api.LyreportError(
            "历史存档中以下文件清单已损坏（不是有效的 JSON 列表），无法据此重建，本次未做任何改动：\n  "
            + "\n  ".join(damaged)
            + "\n请从备份中恢复这些文件（或整个 history 文件夹）。"
        )
    base = api._output_paths(context, ws.outbox, date.today()).ledger.parent
    lost = _recorded_unarchived(ws, base, context.master.list_id, {w.isoformat() for w in weeks})
    if lost:
        raise api.LyreportError(
            f"历史存档 {archive} 中没有 {_weeks_said(lost)}的原始文件，而历史数据库或输出文件夹中有{_that(lost)}的结果；"
            f"重建会丢掉{_that(lost)}，本次未做任何改动。请从备份中恢复 history 文件夹（含 archive）后再运行“lyreport restore”。"
        )
    # What can be checked before the database is moved aside; altered contents are caught week by week.
    files = [
        archived_file(ws.history / "archive", context.master.list_id, w, e["sha256"], e["name"])
        for w in weeks
        for e in read_manifest(archive / w.isoformat())
    ]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise api.LyreportError(
            "历史存档中以下原始文件缺失，无法据此重建，本次未做任何改动：\n  "
            + "\n  ".join(missing[:10])
            + (f"\n  等共 {len(missing)} 个" if len(missing) > 10 else "")
            + "\n请从备份中恢复 history 文件夹。"
        )
    global _restoring, _claims
    reports = []
    # Each week keeps the 期数 it was issued with (a week inserted late has a higher number than later weeks).
    claims = {w: manifest_period(archive / w.isoformat()) for w in weeks}
    with holding(ws):
        backup = set_aside(ws)
        try:
            keep_other_lists(ws, backup, context.master.list_id)  # a fresh database, the runs below fill it
            _restoring, _claims = True, (context.master.list_id, claims)
            for week in weeks:
                reports.append(api.run_week(ws.root, week, master=master, rebuild=True))
        except BaseException as exc:
            _restoring, _claims = False, None
            note = put_back(ws, backup)
            if isinstance(exc, (api.LyreportError, ArchiveError, OSError)):
                raise api.LyreportError(f"{_said(exc, ws)}\n重建未完成。{note}") from exc
            raise
        finally:
            _restoring, _claims = False, None
    return reports


def weeks_without_archive(ws: Workspace, list_id: str) -> list[str]:
    """Weeks the history database records for the list whose archive folder is gone: nothing of them could be
    rebuilt any more, and `restore` refuses until the folder is back."""
    database = ws.history / DB_NAME
    if not database.is_file() or database.stat().st_size == 0:
        return []
    folder = ws.history / "archive" / list_id
    return sorted(week for week in _weeks_in(database, list_id) if not (folder / week).is_dir())


def _weeks_said(weeks: list[str]) -> str:
    """“2020-12-31 这一周” or “2020-12-24、2020-12-31 这几周”."""
    return f"{'、'.join(weeks)} {'这一周' if len(weeks) == 1 else '这几周'}"


def _that(weeks: list[str]) -> str:
    return "该周" if len(weeks) == 1 else "这几周"


def _recorded_unarchived(ws: Workspace, base: Path, list_id: str, archived: set[str]) -> list[str]:
    """Weeks of the list that the history database (where readable) or the list's outbox folder holds results
    for, but whose archive folder is gone: a rebuild would silently drop them."""
    database = ws.history / DB_NAME
    recorded = _weeks_in(database, list_id) if database.is_file() and not quick_check(database) else set()
    recorded |= {
        p.name
        for p in _dirs(base)
        if _WEEK.fullmatch(p.name) and (p / "summary.json").is_file() and summary_list_id(p) in (list_id, None)
    }
    return sorted(recorded - archived)


_TABLES = ("weeks", "unit_weeks", "measure_weeks", "rows", "measure_texts", "inputs", "input_parts", "outputs_written")


def keep_other_lists(ws: Workspace, backup: Path | None, list_id: str) -> None:
    """Start the fresh database that `restore` fills for one list with every other list's records from
    the one set aside, when it is readable: restoring one list must not lose the others (whose weeks
    would then be missing, or, on the same dates, hide that they are). A damaged one keeps nothing:
    the other lists' runs are then refused until each is restored too."""
    conn = open_history(ws.history)
    try:
        old = backup / DB_NAME if backup is not None else None
        if old is None or not old.is_file() or old.stat().st_size == 0 or quick_check(old):
            return
        conn.execute("ATTACH DATABASE ? AS old", (str(old),))
        try:
            conn.execute("BEGIN IMMEDIATE")
            for table in _TABLES:
                have = [c for (_, c, *_) in conn.execute(f"PRAGMA old.table_info({table})")]
                columns = ", ".join(c for (_, c, *_) in conn.execute(f"PRAGMA main.table_info({table})") if c in have)
                if columns:
                    conn.execute(
                        f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM old.{table} WHERE list_id<>?",
                        (list_id,),
                    )
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute("DETACH DATABASE old")
    finally:
        conn.close()


def _said(exc: BaseException, ws: Workspace) -> str:
    from .faults import os_message

    return os_message(exc, ws.root) if isinstance(exc, OSError) else str(exc)


def put_back(ws: Workspace, backup: Path | None) -> str:
    """After a failed restore: the partly rebuilt database goes, the one set aside comes back.

    What staff read about the history's state; if the old database cannot be moved back, where it is.
    """
    database = ws.history / DB_NAME
    try:
        for suffix in ("", "-wal", "-shm"):
            database.with_name(DB_NAME + suffix).unlink(missing_ok=True)
        if backup is None:
            return "历史数据库保持重建前的状态（原本就没有数据库）。"
        for part in backup.iterdir():
            part.replace(ws.history / part.name)
        backup.rmdir()
    except OSError:
        if backup is None:
            return f"未完成的历史数据库 {database} 未能删除，请手动删除后再运行“lyreport restore”。"
        return (
            f"原有的历史数据库未能自动放回，仍保存在 {backup}：请把其中的文件移回 {ws.history}"
            f"（覆盖未完成的 {DB_NAME}）。"
        )
    return "原有的历史数据库已放回原处，历史记录与重建前相同。"
