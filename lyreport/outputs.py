"""Record a merged week and write every output into the staging folder (inside the caller's transaction).

Two ways, same bytes, same first error:
- in this process, one step after the other: archive the inputs, summary.json, history rows, 通报,
  工作台账 (and the main copy), 催报名单, mail draft (`_in_turn`);
- with the helpers of render/forked.py (the `lyreport` program on Linux): the history rows are written
  first, the helpers render from them while this process archives the inputs and writes summary.json;
  a failure is then raised as the in-turn order would have met it first (`_beside`).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import lean
from .faults import fault_point
from .history import history_view, latest_week, record_inputs, replace_week
from .models import WeekResult
from .render.forked import Call, Outcome, Renderers, run_here

if TYPE_CHECKING:
    from .api import Context, RunOutputs

Staged = dict[Path, Path]


def write_outputs(
    context: Context,
    conn: Any,
    result: WeekResult,
    outputs: RunOutputs,
    staging: Path,
    archive: Callable[[], list[Any]],
    renderers: Renderers | None = None,
) -> tuple[Staged, dict[str, Any]]:
    """Archive the inputs (`archive()`), record the week and render every output into `staging`.

    The week's files go to staging/<week>/ under their final names, the main ledger to staging/.
    """
    staged: Staged = {}
    week_dir = staging / outputs.folder.name

    def stage(final: Path) -> Path:
        staged[final] = (week_dir if final.parent == outputs.folder else staging) / final.name
        return staged[final]

    stage(outputs.summary_json)
    if renderers:
        summary = _beside(context, conn, result, outputs, week_dir, stage, archive, renderers)
    else:
        summary = _in_turn(context, conn, result, outputs, week_dir, stage, archive)
    text_twin = staged[outputs.reminders].with_suffix(".txt")
    if text_twin.exists():
        staged[outputs.reminders.with_suffix(".txt")] = text_twin
    attachments = {outputs.summary.name: staged[outputs.summary], outputs.ledger_copy.name: staged[outputs.ledger_copy]}
    named = staging / "attachments"
    named.mkdir(exist_ok=True)
    for name, path in attachments.items():
        shutil.copyfile(path, named / name)
    from .render import notices

    notices.render_mail(result, context.config, [named / n for n in attachments], stage(outputs.mail))
    # In the order the outputs were written in turn: _check_writable names the first locked one.
    order = [outputs.summary_json, outputs.summary, outputs.ledger_copy, outputs.ledger, outputs.reminders]
    order += [outputs.reminders.with_suffix(".txt"), outputs.mail]
    return {final: staged[final] for final in order if final in staged}, summary


def _main_ledger(
    context: Context, conn: Any, result: WeekResult, outputs: RunOutputs, stage: Callable[[Path], Path]
) -> None:
    """The main ledger follows the newest week; re-running an older week only refreshes its dated copy."""
    if latest_week(conn, context.master.list_id) == result.week:
        shutil.copyfile(stage(outputs.ledger_copy), stage(outputs.ledger))


def _in_turn(
    context: Context,
    conn: Any,
    result: WeekResult,
    outputs: RunOutputs,
    week_dir: Path,
    stage: Callable[[Path], Path],
    archive: Callable[[], list[Any]],
) -> dict[str, Any]:
    archived = archive()
    fault_point("archived")
    from .render import summary_json

    week_dir.mkdir()
    summary = summary_json.write_summary_json(result, stage(outputs.summary_json))
    replace_week(conn, result, summary, archived)
    view = history_view(conn, context.master.list_id, result.week, context.master, context.directory)
    lean.import_openpyxl()
    from .render import ledger, notices
    from .render.summary import render_summary

    render_summary(result, context.config, stage(outputs.summary), history=view)
    ledger.write_ledger(
        result, view, context.master, stage(outputs.ledger_copy), trend_weeks=context.config.trend_weeks
    )
    _main_ledger(context, conn, result, outputs, stage)
    notices.render_reminders(result, context.config, context.directory, stage(outputs.reminders))
    return summary


def _beside(
    context: Context,
    conn: Any,
    result: WeekResult,
    outputs: RunOutputs,
    week_dir: Path,
    stage: Callable[[Path], Path],
    archive: Callable[[], list[Any]],
    renderers: Renderers,
) -> dict[str, Any]:
    """As _in_turn, but the history rows come first so that the helpers render while the inputs are
    archived here. A failure is held back until every step _in_turn takes before it has run (so that
    one of those, failing too, is what is raised, as in turn)."""
    from .render import summary_json

    summary = summary_json.summary_dict(result)
    held: Exception | None = None
    step = "replace"
    try:
        replace_week(conn, result, summary, [])  # the archived inputs are recorded once copied, below
        step = "view"
        view = history_view(conn, context.master.list_id, result.week, context.master, context.directory)
        step = "folder"
        week_dir.mkdir()
        step = "render"
        documents, ledger = _begin(context, result, view, outputs, stage, renderers)
        step = ""
    except Exception as exc:  # noqa: BLE001 - raised below, in turn
        held = exc
    archived = archive()
    fault_point("archived")
    if step == "folder":
        raise held  # type: ignore[misc]  # in turn: right after the archive
    if step in ("replace", "view"):
        week_dir.mkdir()
    summary_json.save_summary(summary, stage(outputs.summary_json))
    if step == "replace":
        raise held  # type: ignore[misc]
    record_inputs(conn, result, archived)  # in turn, part of replace_week: before the view was read
    if held is not None:
        raise held
    _raise_in_turn(documents, ledger, lambda: _main_ledger(context, conn, result, outputs, stage))
    return summary


def _begin(
    context: Context,
    result: WeekResult,
    view: Any,
    outputs: RunOutputs,
    stage: Callable[[Path], Path],
    renderers: Renderers,
) -> tuple[Outcome, Outcome]:
    """Hand the 通报 and 催报名单 to one helper, the ledger to the other."""
    config = context.config
    ledger_calls: list[Call] = [
        ("lyreport.lean", "import_openpyxl", (), {}),  # a no-op in the helper; numpy stays hidden if run here
        ("lyreport.render.ledger", "write_ledger", (result, view, context.master, stage(outputs.ledger_copy)),
         {"trend_weeks": config.trend_weeks}),
    ]  # fmt: skip
    document_calls: list[Call] = [
        ("lyreport.render.summary", "render_summary", (result, config, stage(outputs.summary)), {"history": view}),
        ("lyreport.render.notices", "render_reminders",
         (result, config, context.directory, stage(outputs.reminders)), {}),
    ]  # fmt: skip
    # A helper forked before numpy came in (scans read by OCR) has openpyxl without numpy: data that may
    # now hold numpy numbers is written here, where openpyxl is imported knowing numpy.
    writer = renderers.ledger if renderers.ledger and "numpy" not in sys.modules else None
    documents = renderers.documents.begin(document_calls) if renderers.documents else run_here(document_calls)
    ledger = writer.begin(ledger_calls) if writer else run_here(ledger_calls)
    return documents, ledger


def _raise_in_turn(documents: Outcome, ledger: Outcome, main_ledger: Callable[[], None]) -> None:
    """The first failure in the order 通报, 工作台账, its main copy, 催报名单."""
    failed = documents.wait()
    if failed and failed[0] == 0:
        raise failed[1]
    failed_ledger = ledger.wait()
    if failed_ledger:
        raise failed_ledger[1]
    main_ledger()
    if failed:
        raise failed[1]
