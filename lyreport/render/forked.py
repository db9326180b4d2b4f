"""Render outputs in forked helper processes, so that the two cores share the rendering.

`lyreport run` spends most of a small week importing openpyxl and python-docx and writing the ledger
and the Word files, one after the other, on one core. A helper is forked when the run starts; it
imports its renderer at once (while the parent reads the inbox), then waits for one call: the data
arrives pickled, the helper writes its file into the staging folder and answers "done" or the
exception it met, which the parent raises as if the call had run in-process. The outputs are the same
bytes (same code, same data); history and the atomic switch stay with the parent.

Only the `lyreport` program itself on Linux uses helpers (see lean.py): forking needs a parent
without threads, and a helper must die with its parent (PR_SET_PDEATHSIG), however the parent dies.
Everywhere else, and whenever a helper cannot be used, the call simply runs in-process.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection, Pipe
from typing import Any

from .. import lean
from ..faults import fault_point


class HelperDied(Exception):
    """A helper ended without answering (killed, out of memory)."""


# (module, function, args, kwargs): named, so that the parent need not import the renderer to send it.
Call = tuple[str, str, tuple[Any, ...], dict[str, Any]]
Failure = tuple[int, BaseException]  # which call of the list failed, and how


class Outcome:
    """What a list of calls came to: None when all ran, else the first failure (the rest did not run)."""

    def __init__(self, helper: Helper | None = None, failure: Failure | None = None):
        self.helper, self.failure = helper, failure

    def wait(self) -> Failure | None:
        if self.helper is not None:
            helper, self.helper = self.helper, None
            try:
                self.failure = pickle.loads(helper.conn.recv_bytes())
            except Exception:  # EOF: the helper died without answering
                self.failure = (0, HelperDied("生成输出文件的辅助进程意外退出（可能是内存不足）"))
            finally:
                helper.stop()
        return self.failure


def run_here(calls: list[Call]) -> Outcome:
    """Run the calls in this process, in order, stopping at the first that raises (Exception only)."""
    return Outcome(failure=_run(calls))


def _run(calls: list[Call]) -> Failure | None:
    for index, (module, name, args, kwargs) in enumerate(calls):
        try:
            getattr(importlib.import_module(module), name)(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - handed back to the caller, who raises it in order
            return index, exc
    return None


class Helper:
    """A forked process that runs `prepare()` at once, then one list of calls sent later with `begin`."""

    def __init__(self, pid: int, conn: Connection):
        self.pid, self.conn = pid, conn

    @classmethod
    def start(cls, prepare: Callable[[], None]) -> Helper | None:
        """A new helper, or None where helpers are not used (see the module docstring)."""
        if not _may_fork():
            return None
        try:
            parent_end, child_end = Pipe(duplex=True)
        except OSError:
            return None
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:
            parent_end.close()
            child_end.close()
            return None
        if pid == 0:  # pragma: no cover - runs in the child, which never returns into the parent's code
            try:
                parent_end.close()
                _serve(child_end, prepare, parent)
            finally:
                os._exit(1)
        child_end.close()
        return cls(pid, parent_end)

    def begin(self, calls: list[Call]) -> Outcome:
        """Send the calls, run in order in the helper; if it cannot take them, run them here instead."""
        try:
            self.conn.send_bytes(pickle.dumps(calls, protocol=pickle.HIGHEST_PROTOCOL))
        except Exception:  # unpicklable data or a dead helper
            self.stop()
            return run_here(calls)
        return Outcome(self)

    def stop(self) -> None:
        """End the helper (at once if it is still working) and collect it; safe to call twice."""
        if self.pid is None:
            return
        with contextlib.suppress(OSError):
            self.conn.close()
        with contextlib.suppress(OSError):  # a helper that answered is leaving anyway
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)
        self.pid = None  # type: ignore[assignment]


def _may_fork() -> bool:
    return (
        lean.is_program()
        and sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and threading.active_count() == 1  # a fork copies no other thread: their locks would stay taken
    )


def _serve(conn: Connection, prepare: Callable[[], None], parent: int) -> None:  # pragma: no cover - child
    code = 0
    try:
        _die_with_parent(parent)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        with contextlib.suppress(Exception):  # an import that fails here fails again, reported, in the call
            prepare()
        # One call, then exit: the cycle collector would only walk the renderer's objects again and again
        # (a fifth of the ledger's time for a 1,000-return week); the exit frees everything at once.
        gc.disable()
        try:
            payload = conn.recv_bytes()
        except EOFError:  # the parent needed no call (the run stopped early)
            os._exit(0)
        fault_point("helper-call")
        try:
            answer = _run(pickle.loads(payload))
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
            answer = (0, exc)
        conn.send_bytes(_picklable(answer))
    except BaseException:  # noqa: BLE001 - never run the parent's code after a fork
        code = 1
    finally:
        os._exit(code)


def _picklable(answer: Failure | None) -> bytes:
    try:
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(data)  # some exceptions pickle but cannot be rebuilt
        return data
    except Exception:
        assert answer is not None
        return pickle.dumps((answer[0], RuntimeError(str(answer[1]))), protocol=pickle.HIGHEST_PROTOCOL)


def _die_with_parent(parent: int) -> None:  # pragma: no cover - child side
    """The kernel kills the helper when the parent dies (Linux PR_SET_PDEATHSIG); no helper outlives a
    killed run holding files or the workspace lock."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(1, signal.SIGKILL, 0, 0, 0) != 0:  # PR_SET_PDEATHSIG = 1
        os._exit(1)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


class Renderers:
    """The helpers of one run: one writes the ledger (openpyxl), one the Word files (python-docx)."""

    def __init__(self) -> None:
        global _early
        if _early is not None:  # started by the command line before it imported the rest of lyreport
            self.ledger, self.documents = _early
            _early = None
        else:
            self.ledger = Helper.start(_prepare_ledger)
            self.documents = Helper.start(_prepare_documents) if self.ledger is not None else None

    def __bool__(self) -> bool:
        return self.ledger is not None

    def stop(self) -> None:
        for helper in (self.ledger, self.documents):
            if helper is not None:
                helper.stop()


_early: tuple[Helper | None, Helper | None] | None = None


def start_early() -> None:
    """Fork the helpers now, for the next Renderers(): `lyreport run` calls this first thing, so that
    the renderers are imported while the parent imports and runs everything before them."""
    global _early
    if _early is None:
        ledger = Helper.start(_prepare_ledger)
        _early = (ledger, Helper.start(_prepare_documents) if ledger is not None else None)


# What the calls' data unpickles into, imported with the renderer rather than on arrival.
_DATA_MODULES = ("lyreport.models", "lyreport.config", "lyreport.master")


def _prepare_ledger() -> None:  # pragma: no cover - child side
    lean.import_openpyxl(images=False)  # this process writes one picture-free workbook and ends
    for name in ("lyreport.render.ledger", *_DATA_MODULES):
        importlib.import_module(name)


def _prepare_documents() -> None:  # pragma: no cover - child side
    for name in ("lyreport.render.summary", "lyreport.render.notices", *_DATA_MODULES):
        importlib.import_module(name)
    from . import docx_format

    docx_format.open_blanks(2)  # the 通报 and the 催报名单 start from python-docx's template
