"""Faults of the workspace turned into Chinese messages, plus named points where tests stop a run.

`fault_point(name)` does nothing unless the environment asks for it: LYREPORT_KILL_AT=<name> kills the
process there (as a power cut or Task Manager would), LYREPORT_PAUSE_AT=<name>:<seconds> waits there,
first creating the file LYREPORT_PAUSED_NOTE names (if set) so that a test knows the run got there.
The crash tests use them to stop a real run at a chosen moment instead of guessing with timers.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `check` never opens the history
    import sqlite3

KILL_ENV = "LYREPORT_KILL_AT"
PAUSE_ENV = "LYREPORT_PAUSE_AT"
PAUSED_ENV = "LYREPORT_PAUSED_NOTE"  # a file created when a pause begins


class LyreportError(Exception):
    """The job cannot run at all (no workspace, broken master list); the message says what to do."""


def changed_during_run(names: list[str]) -> LyreportError:
    """Inbox files overwritten (or moved) while the run read or archived them: nothing is recorded."""
    shown = "、".join(f"《{name}》" for name in names)
    return LyreportError(
        f"收件箱中的 {shown} 在汇总过程中被改动或移走（可能正在保存或被覆盖）。为保证通报与存档的原始文件一致，"
        "本次未做任何改动；请等文件保存完毕后重新运行。"
    )


def fault_point(name: str) -> None:
    if os.environ.get(KILL_ENV) == name:
        if sys.platform == "win32":  # pragma: no cover
            os._exit(137)
        os.kill(os.getpid(), signal.SIGKILL)
    pause = os.environ.get(PAUSE_ENV, "")
    if pause.partition(":")[0] == name:
        if os.environ.get(PAUSED_ENV):
            Path(os.environ[PAUSED_ENV]).touch()
        time.sleep(float(pause.partition(":")[2] or 1))


_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}
_NOT_FOLDER = {errno.ENOTDIR, errno.EEXIST, errno.EISDIR}


def os_message(exc: OSError, workspace: Path) -> str:
    """What staff read when the disk or the folders refuse: the path and what to do, nothing technical."""
    path = exc.filename or exc.filename2 or workspace
    if exc.errno == errno.ENOSPC or exc.errno == getattr(errno, "EDQUOT", -1):
        path = exc.filename2 or path  # a failed copy names source then target: the full disk is the target's
        return f"磁盘空间不足，无法写入 {path}。请清理该磁盘（或临时文件夹）后重新运行，本周的历史记录未被改动。"
    if exc.errno in _READ_ONLY:
        return (
            f"无法写入 {path}：该文件或文件夹是只读的、没有写入权限，或正被其他程序（Excel/WPS、杀毒软件）占用。"
            "请关闭占用的程序、取消只读属性后重新运行。"
        )
    if exc.errno in _NOT_FOLDER:
        return f"无法在 {path} 写入输出：该位置应是文件夹，但现在是一个文件（或反之）。请移走或改名后重新运行。"
    if exc.errno == errno.ENOENT:
        return f"找不到 {path}：文件或文件夹可能在运行中被移走或删除。请检查后重新运行。"
    reason = exc.strerror or "系统错误"
    return f"读写 {path} 时出错（{reason}）。请检查该位置是否可用后重新运行。"


def sqlite_message(exc: sqlite3.Error, database: Path) -> str:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return (
            f"历史数据库 {database} 正被其他程序锁定（可能是打开它的数据库查看工具，或另一台电脑上的 lyreport）。"
            "请关闭该程序后重新运行。"
        )
    if "readonly" in text or "read-only" in text:
        return f"历史数据库 {database} 是只读的，无法记录本周。请取消只读属性或检查文件夹权限后重新运行。"
    if "disk is full" in text or "full" in text:
        return f"磁盘空间不足，无法写入历史数据库 {database}。请清理磁盘后重新运行。"
    return (
        f"历史数据库 {database} 已损坏，无法使用。"
        "请把它移到别处（或从备份恢复），然后运行“lyreport restore”从历史存档按顺序重建每一周。"
    )
