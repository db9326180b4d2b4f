"""The worker side of pool.py: a process that reads one input after another, hardened first.

Each answer is sent with the time the input ended (`FINISHED`), so that the parent times the next queued
input from when it really began.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing
import os
import pickle
import signal
import struct
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any

try:  # POSIX only; on Windows workers simply run without a memory ceiling
    import resource
except ImportError:  # pragma: no cover
    resource = None  # type: ignore[assignment]

MAX_RESULT_BYTES = 64 * 1024 * 1024
KEEP_STDERR_ENV = "LYREPORT_WORKER_STDERR"  # set to 1 to see worker stderr when debugging


def worker_main(conn: Connection, func: Callable[[Any], Any], memory_mb: int, parent: int) -> None:
    _die_with_parent(parent)
    _harden(memory_mb)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        index, arg = task
        try:
            answer: tuple[Any, ...] = (index, "ok", func(arg))
        except MemoryError:
            answer = (index, "fail", "crashed", "内存不足")
        except BaseException as exc:  # noqa: BLE001 - Rust panics are BaseException; nothing may escape
            answer = (index, "fail", "crashed", f"读取组件内部错误 {type(exc).__name__}")
        # The time this input ended is when the next queued one began: its time limit counts from there,
        # however long the parent takes to read this answer (time.monotonic is the same clock system-wide).
        conn.send_bytes(FINISHED.pack(time.monotonic()) + _dumps(index, answer))


FINISHED = struct.Struct("<d")


def _dumps(index: int, answer: tuple[Any, ...]) -> bytes:
    try:
        payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # noqa: BLE001
        payload = pickle.dumps((index, "fail", "crashed", f"结果无法传回 {type(exc).__name__}"))
    if len(payload) > MAX_RESULT_BYTES:
        payload = pickle.dumps((index, "fail", "too-large", ""))
    return payload


def _die_with_parent(parent: int) -> None:
    """A killed parent must not leave readers behind holding files open: on Linux the kernel sends
    SIGKILL when the parent dies (PR_SET_PDEATHSIG); elsewhere a watchdog thread notices the change."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    """Portable fallback: multiprocessing keeps a pipe from the parent open in every child; it becomes
    readable (end of file) when the parent dies, however it dies. Exit at once then."""
    origin = multiprocessing.parent_process()
    if origin is not None:
        with contextlib.suppress(OSError, ValueError):
            wait([origin.sentinel])
    else:  # no sentinel available: notice being re-parented instead
        while os.getppid() == parent:
            time.sleep(0.5)
    os._exit(1)


def _harden(memory_mb: int) -> None:
    """Limits for a process about to parse untrusted files."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    faulthandler.disable()  # an abort in calamine is expected here, not a bug report for the terminal
    if os.environ.get(KEEP_STDERR_ENV) != "1":
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
    if resource is None:
        return
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # The ceiling is on top of what the forked process already maps, so it bounds new allocations only.
    limit = _mapped_bytes() + memory_mb * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _mapped_bytes() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0
