"""One run at a time per workspace: a lock file naming its holder (pid, host, start time).

The file itself stays; holding it means holding an OS lock on it (flock on POSIX, msvcrt on Windows),
which the OS releases when the holder dies, however it dies. So a lock left by a killed run is stale by
construction and simply taken over; the pid/host/time written inside are only for the message.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

LOCK_NAME = ".lyreport.lock"
_WINDOWS_LOCK_OFFSET = 1 << 20
_held: dict[str, int] = {}  # workspaces this process already holds (restore runs week after week)


class WorkspaceBusy(Exception):
    """Another run holds the workspace; the message says who, in Chinese."""


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - lock one byte far past the text, so others can still read who holds it
            os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "另一个 lyreport 进程"
    return f"计算机“{info.get('host', '?')}”上的进程 {info.get('pid', '?')}（{info.get('started', '?')} 开始运行）"


@contextlib.contextmanager
def workspace_lock(root: Path, busy: str = "") -> Iterator[Path]:
    """Hold the workspace for one run; WorkspaceBusy if a live process holds it. `busy`: the message then,
    with {holder} for who holds it (default: the workspace is in use)."""
    path = root / LOCK_NAME
    key = str(path.resolve())
    if key in _held:
        _held[key] += 1
        try:
            yield path
        finally:
            _held[key] -= 1
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        if not _try_lock(fd):
            if busy:
                raise WorkspaceBusy(busy.format(holder=_holder(path)))
            raise WorkspaceBusy(
                f"工作目录 {root} 正在被{_holder(path)}使用（锁文件 {path}）。"
                "请等对方运行结束后再运行；如确认没有其他人在运行，请稍候片刻再试。"
            )
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": datetime.now().isoformat(" ", "seconds")}
        data = json.dumps(info, ensure_ascii=False).encode("utf-8")
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, data)
        _held[key] = 1
        try:
            yield path
        finally:
            del _held[key]
        os.ftruncate(fd, 0)  # released: nobody holds it any more
    finally:
        os.close(fd)  # closing releases the OS lock
