"""The library surface the CLI and the tests call: run_week(), make_templates(), check_files()."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from . import lean
from .archive import archive_inputs, backfill_manifests, release_period, restore_inputs, sha256_of
from .assign import resend_candidates
from .atomic import atomic_path
from .checking import CheckedFile, check_files
from .config import ConfigError, in_workspace
from .context import Context, load_context, scan_cache
from .edits import keep_edited, record_written
from .faults import LyreportError, changed_during_run, fault_point, os_message
from .history import (
    open_history,
    previous_state,
    record_parts,
    week_inputs,
)
from .intake.pipeline import Progress, run_intake
from .intake.pool import DEFAULT_WORKERS
from .intake.read import Reading, read_week_ahead
from .listchange import list_changed_since
from .merge import merge_week
from .models import IntakeResult, WeekResult
from .now import WeekGlance
from .now import week_glance as _week_glance
from .outputs import write_outputs
from .periods import week_period
from .problems import Problem, has_errors, problem
from .recovery import restore_claims
from .render.forked import Renderers
from .resends import recorded_without, resent_files
from .runguard import (
    holding,
    note_later_weeks,
    refuse_dropped_units,
    refuse_retimed_units,
    start_checks,
    switch,
)
from .staging import marker, new_staging
from .weekchoice import archived_deadline, deadline_changed, resolve_deadline, week_timing
from .weeks import current_deadline
from .worktemp import workspace_temp

# Renderers (openpyxl, python-docx, lxml) are imported inside the functions that write outputs, so that
# `lyreport check` starts without them; see the README's 性能 section.
LEDGER_NAME = "工作台账.xlsx"  # = render.ledger.ledger_filename, kept here so paths need no renderer


@dataclass
class RunOutputs:
    """Where one run wrote (or would write) each of its outputs."""

    folder: Path
    summary: Path
    ledger: Path
    ledger_copy: Path
    reminders: Path
    mail: Path
    summary_json: Path


@dataclass
class RunReport:
    """What `run_week` gives back: the week's result and where its outputs are."""

    result: WeekResult
    outputs: RunOutputs
    summary: dict[str, Any]
    # The main 工作台账 follows the newest recorded week: a re-run of an earlier week leaves it as it was.
    main_ledger_written: bool = True
    # Outputs staff had changed, copied aside before this run replaced them (said on the terminal).
    kept: list[Problem] = dataclasses.field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if has_errors(self.result.problems) else 0


def _output_paths(context: Context, outbox: Path, week: date) -> RunOutputs:
    base = outbox if context.is_default_list else outbox / context.master_path.stem
    folder = base / week.isoformat()
    tag = week.isoformat()
    return RunOutputs(
        folder=folder,
        summary=folder / f"督导情况通报-{tag}.docx",
        ledger=base / LEDGER_NAME,
        ledger_copy=folder / f"工作台账-{tag}.xlsx",
        reminders=folder / f"催报名单-{tag}.docx",
        mail=folder / f"邮件草稿-{tag}.eml",
        summary_json=folder / "summary.json",
    )


def _week_originals(result: WeekResult) -> dict[Path, datetime]:
    """Inbox files (the .eml/.zip for extracted ones) that answer this week, with arrival times."""
    return {f.origin or f.path: f.received_at for f in result.answered}


def _week_seen(result: WeekResult) -> dict[Path, tuple[int, int]]:
    """(size, mtime_ns) of those inbox files when they were read."""
    return {f.origin or f.path: f.seen for f in result.answered if f.seen is not None}


def _stop_if_changed(intake: IntakeResult) -> None:
    """A file overwritten while it was read: the week is not recorded from bytes no longer in the inbox."""
    changed = sorted({p.file for p in intake.problems if p.code == "file-changed-during-run"})
    if changed:
        raise changed_during_run(changed)


def _week_parts(result: WeekResult) -> dict[Path, tuple[tuple[str, str], ...]]:
    """The workbooks that answer this week from inside an inbox mail or zip, (SHA-256, name shown) by that
    inbox file: the archive keeps the mail, and a later week must still know its attachment."""
    parts: dict[Path, list[tuple[str, str]]] = {}
    for f in result.answered:
        if f.kind == "workbook" and f.origin is not None and f.origin != f.path:
            parts.setdefault(f.origin, []).append((f.sha256 or sha256_of(f.path), f.display))
    return {origin: tuple(found) for origin, found in parts.items()}


def run_week(
    workspace: Path | None = None,
    week: date | None = None,
    *,
    inbox: Path | None = None,
    outbox: Path | None = None,
    master: Path | None = None,
    rebuild: bool = False,
    now: datetime | None = None,
    workers: int = DEFAULT_WORKERS,
    progress: Progress | None = None,
    ahead: Reading | None = None,
) -> RunReport:
    """The Thursday job: read the inbox, merge the week, record history, write every output.

    `ahead`: the reading of the inbox, already begun by the caller (read_week_ahead); else begun here."""
    # The readers begin on the inbox's likely workbooks at once; the lists, history and helpers load meanwhile.
    with ahead or read_week_ahead(workspace, inbox, rebuild, workers=workers) as reading:
        return _run_week(
            workspace, week, inbox=inbox, outbox=outbox, master=master, rebuild=rebuild, now=now,
            workers=workers, progress=progress, ahead=reading,
        )  # fmt: skip


def _run_week(
    workspace: Path | None,
    week: date | None,
    *,
    inbox: Path | None,
    outbox: Path | None,
    master: Path | None,
    rebuild: bool,
    now: datetime | None,
    workers: int,
    progress: Progress | None,
    ahead: Reading,
) -> RunReport:
    context = load_context(workspace, master)
    ws = context.workspace
    # A recorded week keeps its own date (also when re-run from the inbox after the deadline weekday in
    # 配置.toml changed): re-running 2020-12-24 must not record a second week 2020-12-25 beside it.
    deadline = archived_deadline(context, week, rebuild) if week else None
    if deadline and deadline.isoweekday() != context.config.deadline_weekday:
        # Recorded under an earlier deadline weekday: its returns are judged against that week's own days.
        context.config = dataclasses.replace(context.config, deadline_weekday=deadline.isoweekday())
    deadline = deadline or resolve_deadline(context, week, now)
    moment = now or datetime.now(context.config.timezone)
    deadline, timing = week_timing(context, deadline, week if not rebuild else deadline.date(), moment)
    coming = current_deadline(moment, context.config)
    if deadline > coming + timedelta(days=6):  # a typo in --week must not create a ghost week in history
        raise LyreportError(
            f"报送周 {deadline.date().isoformat()} 尚未到来（本周截止日为 {coming.date().isoformat()}），请检查 --week。"
        )
    outbox = outbox or ws.outbox
    with holding(ws):
        _start_checks(context, outbox, deadline.date())
        conn = open_history(ws.history)
        # Helpers import the renderers while the inbox is read, then write outputs beside this process.
        renderers = Renderers()
        try:
            backfill_manifests(conn, context.archive)
            with workspace_temp(ws, "run", avoid=inbox) as tmp:
                source = inbox or ws.inbox
                if rebuild:
                    source = tmp / "inbox"
                    source.mkdir()
                    if restore_inputs(conn, context.archive, context.master.list_id, deadline.date(), source) is None:
                        raise LyreportError(
                            f"历史记录中没有 {deadline.date().isoformat()} 这一周的原始文件，无法重建。"
                        )
                if not source.is_dir():
                    raise LyreportError(f"收件箱文件夹不存在：{source}")
                work = tmp / "work"
                work.mkdir()

                def reading(done: int, total: int) -> None:
                    fault_point("reading")  # reader workers are alive here
                    if progress:
                        progress(done, total)

                intake = run_intake(
                    source, work, context.master, context.directory, context.config,
                    workers=workers, progress=reading, scan_cache=scan_cache(context), reading=ahead,
                )  # fmt: skip
                _stop_if_changed(intake)
                intake.problems = (
                    timing + context.notes + _mail_notes(context, deadline, rebuild, moment) + intake.problems
                )
                if not intake.files and not intake.problems:
                    intake.problems.append(problem("inbox-empty", file=str(source)))
                return _record_and_render(context, conn, intake, deadline, source, outbox, renderers, rebuild)
        finally:
            renderers.stop()
            conn.close()


def _mail_notes(context: Context, deadline: datetime, rebuild: bool, moment: datetime) -> list[Problem]:
    """What the last `lyreport fetch` could not fetch, fetched too early or saw in folders it does not read
    (垃圾邮件…) for this week."""
    if rebuild:
        return []  # a rebuilt week is judged on what was recorded for it
    from .mailbox import elsewhere, lastfetch

    history = context.workspace.history
    return lastfetch.week_notes(history, deadline, moment) + elsewhere.week_notes(history, deadline, context.config)


def _start_checks(context: Context, outbox: Path, week: date) -> None:
    base = _output_paths(context, outbox, week).ledger.parent
    context.notes += start_checks(context.workspace, outbox, base, context.archive, week, context.master.list_id)


def _record_and_render(
    context: Context,
    conn: Any,
    intake: IntakeResult,
    deadline: datetime,
    source: Path,
    outbox: Path,
    renderers: Renderers | None = None,
    rebuild: bool = False,
) -> RunReport:
    """Merge, then write history and outputs so that a crash leaves the previous state intact."""
    list_id, week = context.master.list_id, deadline.date()
    outputs = _output_paths(context, outbox, week)
    staging = new_staging(outbox)
    try:
        # Everything the week depends on (period, previous weeks) is read inside the write transaction.
        conn.execute("BEGIN IMMEDIATE")
        try:
            previous = previous_state(conn, list_id, week, context.master, context.directory)
            # Last week's file sent again (a reply carrying the old attachment) is not this week's report.
            candidates = resend_candidates(intake, deadline, context.config, context.master)
            unopened: list[Problem] = []
            if candidates:
                with workspace_temp(context.workspace, "parts") as tmp:
                    previous.resent, opened, unopened = resent_files(context, conn, week, candidates, tmp)
                for found in opened:  # an older history's archived mails, opened once: recorded
                    record_parts(conn, list_id, found.week, found.sha256, found.name, found.parts)
            period, said = week_period(context, conn, deadline)
            result = merge_week(context.master, intake, deadline, context.config, previous, period)
            result.problems += unopened + said + deadline_changed(conn, list_id, deadline, context.config)
            result.problems += list_changed_since(context, conn, week, outputs.folder)
            if late := recorded_without(context, conn, week, intake):  # came after their own week was recorded
                result.problems = [late.get(p.file, p) if p.code == "week-other" else p for p in result.problems]
            note_later_weeks(conn, result)
            if not result.answered and week_inputs(conn, list_id, week):  # would erase a recorded week
                raise LyreportError(
                    f"收件箱中没有属于 {week.isoformat()} 这一周的文件，而历史记录中已有该周的结果。"
                    "为避免覆盖，本次未做任何改动。如需重新生成该周，请加 --rebuild（使用存档的原始文件）。"
                )
            if not rebuild:
                refuse_dropped_units(conn, list_id, week, result)
                refuse_retimed_units(conn, list_id, week, result, _week_originals(result))

            # A number guessed by the rule during a restore is never kept as the one issued: the manifest
            # keeps what it had, so a restore stopped midway and run again says the same thing again.
            guessed = any(p.code == "period-not-archived" for p in said)
            claimed = None if guessed else result.period

            def archive() -> list[Any]:
                return archive_inputs(
                    context.archive, list_id, week, source, _week_originals(result),
                    parts=_week_parts(result), seen=_week_seen(result), period=claimed,
                )  # fmt: skip

            staged, summary = write_outputs(context, conn, result, outputs, staging, archive, renderers)
            _check_writable(staged)
            kept = keep_edited(conn, list_id, outbox, staged)  # staff's changes to the old outputs
            record_written(conn, list_id, outbox, staged)
            outputs.ledger.parent.mkdir(parents=True, exist_ok=True)
            marker(outputs.ledger.parent, week.isoformat()).write_bytes(b"")
            if restore_claims(list_id) is None:
                # Before the commit, so that no kill leaves a failed week claiming the number recorded here
                # (a restore would then renumber both, this one too). Only a week never recorded loses its
                # claim, so releasing it early is harmless if this commit fails too.
                with contextlib.suppress(OSError):  # if left, a restore sees two weeks claim it, and says so
                    release_period(conn, context.archive, list_id, week, result.period)
            fault_point("before-commit")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            marker(outputs.ledger.parent, week.isoformat()).unlink(missing_ok=True)
            raise
        fault_point("committed")
        switch(outputs.folder, outputs.ledger, staging, staged.get(outputs.ledger))
    finally:
        if renderers:  # a run that failed midway may leave a helper still writing into staging
            renderers.stop()
        shutil.rmtree(staging, ignore_errors=True)
    return RunReport(result, outputs, summary, main_ledger_written=outputs.ledger in staged, kept=kept)


def _check_writable(staged: dict[Path, Path]) -> None:
    """Before anything is committed: an output held open in Excel/WPS (Windows locks it) stops the run."""
    for final in staged:
        try:
            if final.exists():
                with open(final, "r+b"):
                    pass
        except OSError:
            raise LyreportError(
                f"无法写入《{final.name}》：文件可能正在 Excel/WPS 中打开。请先关闭该文件再运行，本次未做任何改动。"
            ) from None


# ----------------------------------------------------------------- templates
def make_templates(
    workspace: Path | None = None,
    week: date | None = None,
    *,
    unit: str | None = None,
    folder: Path | None = None,
    master: Path | None = None,
    now: datetime | None = None,
    kept: list[Problem] | None = None,
) -> list[Path]:
    """Write the blank return forms for every unit (or one), pre-filled with last reported rows.

    A form staff changed since it was written (a contact typed in, a row reworded) is copied beside itself
    first, as with `run`'s outputs; each copy is said in `kept` when a list is given."""
    lean.import_openpyxl()
    from .render.templates import write_templates

    context = load_context(workspace, master)
    deadline = resolve_deadline(context, week, now)
    units = None
    if unit:
        match = context.directory.match(unit)
        if match.unit is None or match.unit not in context.master.units:
            hint = f"可能是：{'、'.join(match.candidates)}" if match.candidates else "请检查单位名称是否写对"
            raise LyreportError(f"“{unit}”不是本清单的责任单位（{hint}）。")
        units = [match.unit]
    list_id, outbox = context.master.list_id, context.workspace.outbox
    target = folder or _output_paths(context, outbox, deadline.date()).folder / "templates"
    with holding(context.workspace):  # not while a run switches the week's folder or records its outputs
        conn = open_history(context.workspace.history)
        try:
            prev = previous_state(conn, list_id, deadline.date() + timedelta(days=1), context.master, context.directory)
            previous: dict[str, dict[int, Any]] = {}
            for (name, no), row in prev.last_rows.items():
                previous.setdefault(name, {})[no] = row
            with workspace_temp(context.workspace, "template") as staging:
                written = write_templates(
                    context.master, context.directory, deadline.date(), staging,
                    units=units, previous=previous, config=context.config,
                )  # fmt: skip
                staged = {target / path.name: path for path in written}
                _check_writable(staged)
                said = keep_edited(conn, list_id, outbox, staged)
                target.mkdir(parents=True, exist_ok=True)
                for final, new in staged.items():  # each form recorded once it is in place, not before
                    _put(new, final)
                    record_written(conn, list_id, outbox, {final: final})
        finally:
            conn.close()
    if kept is not None:
        kept.extend(said)
    return list(staged)


def _put(new: Path, final: Path) -> None:
    """Move a staged file into place whole: renamed, or copied beside the target first (another drive)."""
    try:
        try:
            os.replace(new, final)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            with atomic_path(final) as tmp:
                shutil.copyfile(new, tmp)
    except OSError as exc:
        raise LyreportError(os_message(exc, final)) from None


# ----------------------------------------------------------------- check
def week_glance(start: Path | None = None, now: datetime | None = None) -> WeekGlance:
    """The current week of the workspace around `start` (default: the current folder); read-only."""
    list_id = None
    with contextlib.suppress(LyreportError):  # a broken list is reported by `run`; the week is still shown
        list_id = load_context(start).master.list_id
    try:
        return _week_glance(start, now, list_id)
    except ConfigError as exc:
        raise LyreportError(str(exc)) from None


__all__ = [
    "LyreportError",
    "RunReport",
    "RunOutputs",
    "CheckedFile",
    "load_context",
    "run_week",
    "make_templates",
    "check_files",
    "in_workspace",
    "week_glance",
    "WeekGlance",
]
