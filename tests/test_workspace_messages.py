"""Odd file names, config wording and a refusing disk: each gets a clear Chinese message (issue 12)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from fault_workspace import (
    W1,
    W2,
    W3,
    build_base,
    cli,
    history,
    snapshot,
)

from lyreport import api


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return build_base(tmp_path_factory.mktemp("base") / "ws")


@pytest.fixture
def ws(base: Path, tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(base, root, symlinks=True)
    return root


# ----------------------------------------------------------------- odd file names
def test_invalid_utf8_name_is_processed_and_every_output_survives(ws):
    name = next(p for p in (ws / "inbox").iterdir() if p.name.endswith(f"{W3.isoformat()}.xlsx"))
    raw = os.fsencode(str(name.parent)) + b"/\xb2\xe2\xca\xd4" + os.fsencode(name.name)
    os.rename(name, raw)
    run = cli(ws, "run", "--week", W3.isoformat())
    assert run.returncode in (0, 1), run.stderr.decode()
    assert b"\\xb2\\xe2\\xca\\xd4" not in run.stderr and not run.stderr
    folder = ws / "outbox" / W3.isoformat()
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    files = [f for u in summary["units"] for f in u["files"]]
    assert any(f.startswith("\\xb2\\xe2\\xca\\xd4") for f in files), files  # shown escaped, and read
    unit = name.name.split("-")[0]
    assert next(u for u in summary["units"] if u["name"] == unit)["state"] == "on_time"
    from email import message_from_bytes, policy

    from docx import Document
    from openpyxl import load_workbook

    Document(str(folder / f"督导情况通报-{W3.isoformat()}.docx"))
    load_workbook(folder / f"工作台账-{W3.isoformat()}.xlsx")
    message_from_bytes((folder / f"邮件草稿-{W3.isoformat()}.eml").read_bytes(), policy=policy.default)
    rebuilt = cli(ws, "run", "--week", W3.isoformat(), "--rebuild", "-q")  # the raw name is archived losslessly
    assert rebuilt.returncode in (0, 1), rebuilt.stderr.decode()
    again = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert [u for u in again["units"] if u["name"] == unit] == [u for u in summary["units"] if u["name"] == unit]


FORGED = "市发改委\x1b]0;被改的标题\x07\n  [错误] 伪造的一行\r\x9b2J.xlsx"


def test_control_characters_in_names_cannot_forge_terminal_lines(ws):
    source = next(p for p in (ws / "inbox").iterdir() if p.name.startswith("市发改委") and W3.isoformat() in p.name)
    source.rename(ws / "inbox" / FORGED)
    (ws / "inbox" / "说明\x1b[31m.txt").write_text("x")
    run = cli(ws, "run", "--week", W3.isoformat())
    check = cli(ws, "check", str(ws / "inbox"))
    for output in (run.stdout, run.stderr, check.stdout, check.stderr):
        text = output.decode("utf-8")
        assert "\x1b" not in text and "\x07" not in text and "\r" not in text and "\x9b" not in text
        assert not any(line.lstrip().startswith("[错误] 伪造") for line in text.splitlines())
    assert "\\x1b]0;被改的标题\\x07\\n  [错误] 伪造的一行" in check.stdout.decode()
    summary = json.loads((ws / "outbox" / W3.isoformat() / "summary.json").read_text(encoding="utf-8"))
    assert next(u for u in summary["units"] if u["name"] == "市发改委")["state"] == "on_time"


# ----------------------------------------------------------------- config wording
def _edit_config(root: Path, old: str, new: str) -> None:
    path = root / "templates" / "配置.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_placeholder_typo_in_config_is_an_error_naming_the_key(ws):
    _edit_config(ws, "截至{week_cn}的落实情况", "截至{week_cm}的落实情况")
    run = cli(ws, "run", "--week", W3.isoformat())
    assert run.returncode == 2
    message = run.stderr.decode()
    assert "[summary] opening" in message and "{week_cm}" in message and "{week_cn}" in message


def test_unbalanced_brace_and_empty_recipients_are_errors(ws):
    _edit_config(ws, 'subject = "{title}', 'subject = "{title')
    text = (ws / "templates" / "配置.toml").read_text(encoding="utf-8")
    start = text.index("[[recipients]]")
    text = text[:start] + text[text.index("[deadline]") :]
    (ws / "templates" / "配置.toml").write_text(text, encoding="utf-8")
    with pytest.raises(api.LyreportError) as failure:
        api.load_context(ws)
    assert "[[recipients]]" in str(failure.value) and "[mail] subject" in str(failure.value)


# ----------------------------------------------------------------- messages for a refusing disk
def _only_message(run: subprocess.CompletedProcess) -> str:
    assert run.returncode == 2
    message = run.stderr.decode()
    assert "Traceback" not in message and "程序内部错误" not in message and "Errno" not in message
    return message


def test_outbox_that_is_a_file_gets_a_message_naming_it(ws):
    shutil.rmtree(ws / "outbox")
    (ws / "outbox").write_text("not a folder")
    message = _only_message(cli(ws, "run", "--week", W3.isoformat()))
    assert str(ws / "outbox") in message and "文件夹" in message
    assert [w for w, _, _ in history(ws)] == [W1.isoformat(), W2.isoformat()]  # nothing recorded


@pytest.mark.skipif(shutil.which("chattr") is None, reason="needs chattr (root ignores chmod)")
def test_read_only_week_folder_gets_a_message_and_changes_nothing(ws):
    folder = ws / "outbox" / W2.isoformat()
    before = snapshot(folder)
    if subprocess.run(["chattr", "+i", str(ws / "outbox")], capture_output=True).returncode:
        pytest.skip("filesystem without the immutable flag")
    try:
        message = _only_message(cli(ws, "run", "--week", W2.isoformat()))
    finally:
        subprocess.run(["chattr", "-i", str(ws / "outbox")], check=True)
    assert str(ws / "outbox") in message and "只读" in message
    assert snapshot(folder) == before


def test_locked_database_gets_a_message(ws):
    holder = sqlite3.connect(ws / "history" / "history.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        message = _only_message(cli(ws, "run", "--week", W3.isoformat()))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "history.sqlite3" in message and "锁定" in message


def test_full_temp_disk_gets_a_message(ws):
    temp = ws / ".lyreport-tmp"
    temp.mkdir(exist_ok=True)
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(temp)], capture_output=True)
    if mount.returncode:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        message = _only_message(cli(ws, "run", "--week", W2.isoformat(), "--rebuild"))
    finally:
        subprocess.run(["umount", str(temp)], check=True)
    assert "磁盘空间不足" in message and str(temp) in message


# ----------------------------------------------------------------- mails are mails
def test_mail_over_the_attachment_limit_is_called_a_mail(tmp_path, monkeypatch):
    from lyreport.intake import discover as discover_module
    from lyreport.intake.safety import Budget
    from lyreport.samples import write_eml

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    parts = []
    for n in range(4):
        part = tmp_path / f"表{n}.xlsx"
        part.write_bytes(b"PK" + bytes([n]) * 10)
        parts.append(part)
    write_eml(inbox / "报表.eml", "a@b.cn", datetime(2021, 1, 7, 9, 0), "报表", parts)
    from lyreport.intake import expand_mail

    monkeypatch.setattr(expand_mail, "Budget", lambda: Budget(max_files=3))
    from zoneinfo import ZoneInfo

    _, problems = discover_module.discover(inbox, tmp_path / "work", ZoneInfo("Asia/Shanghai"))
    codes = {p.code for p in problems}
    assert "eml-too-many" in codes and "zip-bomb" not in codes
    assert "压缩包" not in next(p.message for p in problems if p.code == "eml-too-many")
