"""Outputs staff changed by hand survive a re-run: the changed file is kept beside the new one, and said.

Staff add notes to 工作台账.xlsx and polish the 通报 before sending it; a late return at 15:00 (a re-run) or
next Thursday's week writes new files under the same names.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook
from test_e2e import W1, W2, _run, _week_inbox

from lyreport.cli import main

NOTICE = "督导情况通报-2020-12-24.docx"
STAFF_LINE = "（经请示领导，第3条措施暂缓通报。）"


def _workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    return root


def _edit_notice(path: Path) -> None:
    doc = Document(str(path))
    doc.add_paragraph(STAFF_LINE)
    doc.save(str(path))


def _edit_ledger(path: Path, text: str) -> None:
    book = load_workbook(path)
    book.worksheets[0]["J3"] = text
    book.save(path)


def _kept(folder: Path, stem: str) -> list[Path]:
    return sorted(folder.glob(f"{stem}-修改稿-*"))


def _paragraphs(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def test_a_notice_and_ledger_changed_by_staff_are_kept_when_the_week_is_run_again(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    inbox = _week_inbox(root, W1, missing={"市体育局"})
    assert _run(root, W1, inbox).exit_code in (0, 1)
    week = root / "outbox" / W1.isoformat()
    _edit_notice(week / NOTICE)
    _edit_ledger(root / "outbox" / "工作台账.xlsx", "已电话催报体育局")

    again = _run(root, W1, inbox)
    assert "在上次生成后被修改过" in again.output
    (notice,) = _kept(week, "督导情况通报-2020-12-24")
    assert STAFF_LINE in _paragraphs(notice)  # staff's version, whole
    assert STAFF_LINE not in _paragraphs(week / NOTICE)  # the new one is the program's
    (ledger,) = _kept(root / "outbox", "工作台账")
    assert load_workbook(ledger).worksheets[0]["J3"].value == "已电话催报体育局"
    assert load_workbook(root / "outbox" / "工作台账.xlsx").worksheets[0]["J3"].value != "已电话催报体育局"
    assert f"《{notice.name}》" in again.output and f"《{ledger.name}》" in again.output

    # Once kept, a third run neither copies again nor says it again: the new files are as written.
    third = _run(root, W1, inbox)
    assert "修改" not in third.output
    assert len(_kept(week, "督导情况通报-2020-12-24")) == 1 and len(_kept(root / "outbox", "工作台账")) == 1


def test_outputs_nobody_changed_are_replaced_without_copies(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    inbox = _week_inbox(root, W1, missing={"市体育局", "市林业局"})
    _run(root, W1, inbox)
    later = _week_inbox(root, W1, missing={"市林业局"})  # 体育局 returns in the afternoon
    again = _run(root, W1, later)
    assert "修改稿" not in again.output
    assert not list((root / "outbox").rglob("*修改稿*"))


def test_the_main_ledger_changed_during_the_week_is_kept_when_next_week_is_run(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    _run(root, W1, _week_inbox(root, W1))
    _edit_ledger(root / "outbox" / "工作台账.xlsx", "周五已向领导汇报")
    result = _run(root, W2, _week_inbox(root, W2, seed=2))
    assert "工作台账.xlsx》：在上次生成后被修改过" in result.output
    (kept,) = _kept(root / "outbox", "工作台账")
    assert load_workbook(kept).worksheets[0]["J3"].value == "周五已向领导汇报"


def test_without_a_record_a_different_old_output_is_kept_and_an_identical_one_is_not(tmp_path: Path) -> None:
    # Outputs written by an older version (or before a restore): no record of what was written.
    root = _workspace(tmp_path)
    inbox = _week_inbox(root, W1, missing={"市体育局"})
    _run(root, W1, inbox)
    db = root / "history" / "history.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM outputs_written")
    same = _run(root, W1, inbox)  # the same inputs write the same bytes: nothing to keep
    assert "修改稿" not in same.output and not list((root / "outbox").rglob("*修改稿*"))

    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM outputs_written")
    changed = _run(root, W1, _week_inbox(root, W1))
    assert "无法确认是否手工修改过" in changed.output
    assert len(_kept(root / "outbox" / W1.isoformat(), "督导情况通报-2020-12-24")) == 1


def test_a_changed_output_that_cannot_be_copied_stops_the_run_before_anything_is_replaced(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    inbox = _week_inbox(root, W1, missing={"市体育局"})
    _run(root, W1, inbox)
    week = root / "outbox" / W1.isoformat()
    _edit_notice(week / NOTICE)
    edited = (week / NOTICE).read_bytes()
    summary = (week / "summary.json").read_bytes()
    # Something already holds the copy's name and cannot be read as a file.
    saved = datetime.fromtimestamp((week / NOTICE).stat().st_mtime)
    (week / f"督导情况通报-2020-12-24-修改稿-{saved:%Y%m%d-%H%M}.docx").mkdir()

    result = _run(root, W1, _week_inbox(root, W1))
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "为免修改丢失，本次未做任何改动" in result.output
    assert (week / NOTICE).read_bytes() == edited
    assert (week / "summary.json").read_bytes() == summary  # the week was not recorded again


def _templates(root: Path, *more: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["template", "--week", W1.isoformat(), "--workspace", str(root), *more])
    return result.exit_code, result.output


def _filled_form(root: Path, contact: str) -> tuple[Path, Path]:
    """The week's templates written, and 市体育局's form given a contact by hand: (the folder, that form)."""
    assert _templates(root)[0] == 0
    folder = root / "outbox" / W1.isoformat() / "templates"
    (form,) = folder.glob("市体育局-*.xlsx")
    book = load_workbook(form)
    book.worksheets[0]["D3"] = contact
    book.save(form)
    return folder, form


def test_a_template_staff_filled_in_is_kept_when_the_templates_are_written_again(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    folder, form = _filled_form(root, "张三 0379-12345678")  # a contact the directory did not have
    untouched = sorted(p.name for p in folder.iterdir() if p != form)

    code, output = _templates(root)
    assert code == 0
    assert "在上次生成后被修改过" in output and form.name in output
    (kept,) = _kept(folder, form.stem)
    assert load_workbook(kept).worksheets[0]["D3"].value == "张三 0379-12345678"
    assert load_workbook(form).worksheets[0]["D3"].value != "张三 0379-12345678"  # the new form is blank again
    # Forms nobody touched are written again without copies
    assert sorted(p.name for p in folder.iterdir() if p != form and p != kept) == untouched

    code, output = _templates(root, "--unit", "市体育局")  # once kept, not again
    assert code == 0 and "修改稿" not in output
    assert _kept(folder, form.stem) == [kept]


def test_templates_with_no_record_are_copied_only_when_their_content_differs(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    folder, form = _filled_form(root, "张三")
    with sqlite3.connect(root / "history" / "history.sqlite3") as conn:  # written by an older version
        conn.execute("DELETE FROM outputs_written")

    other = next(p for p in folder.glob("*.xlsx") if p != form)
    before = other.read_bytes()
    time.sleep(1.1)  # the forms are stamped with the second they are written

    code, output = _templates(root)  # only the saving time differs in the forms nobody touched
    assert code == 0 and other.read_bytes() != before
    assert output.count("修改稿") == 1 and "无法确认是否手工修改过" in output
    assert [p.name for p in folder.glob("*-修改稿-*")] == [_kept(folder, form.stem)[0].name]


def test_templates_are_not_written_while_another_process_holds_the_workspace(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root)], stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code, output = _templates(root)
    finally:
        holder.kill()
        holder.wait()
    assert code == 2 and "正在被" in output and "使用" in output, output
    assert not (root / "outbox" / W1.isoformat() / "templates").exists()


HOLD = """
import sys
from pathlib import Path
from lyreport.lock import workspace_lock
with workspace_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""
