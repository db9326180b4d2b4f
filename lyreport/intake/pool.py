"""Run a function over many inputs in a few long-lived worker processes, each input isolated.

A worker that crashes (segfault, abort, Rust panic, out of memory) or overruns its time costs only the
input it was working on: it is replaced and the rest continue. Workers get a memory ceiling, no core
dumps, no Ctrl-C (the parent decides) and no stderr (Rust prints panics there): see poolworker.py.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import multiprocessing
import os
import pickle
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

try:
    from select import POLLIN
    from select import poll as _poll
except ImportError:  # pragma: no cover - Windows
    _poll = None  # type: ignore[assignment]
from typing import Any

from .poolworker import FINISHED, MAX_RESULT_BYTES, worker_main


def default_workers() -> int:
    """One more reader than cores: the parent parses while they read, and mostly waits."""
    return min(4, (os.cpu_count() or 1) + 1)


DEFAULT_WORKERS = default_workers()


@dataclass(frozen=True)
class Failure:
    """An input whose worker died ("crashed"), overran ("timeout") or answered too much ("too-large")."""

    kind: str
    reason: str = ""


def isolated_map(
    func: Callable[[Any], Any],
    args: Sequence[Any],
    *,
    workers: int = DEFAULT_WORKERS,
    timeout: float = 30.0,
    memory_mb: int = 1024,
    on_result: Callable[[int, Any], None] | None = None,
    depth: int = 1,
) -> list[Any]:
    """[func(a) for a in args] computed in worker processes; failed items become Failure.

    `func` must be a module-level function returning plain data (lists, dicts, str, numbers, dates).
    `on_result(index, result)` is called as each answer arrives, while the workers go on with the rest.
    `depth` inputs are queued at each worker at once (for small inputs such as paths): a worker then goes
    from one input to the next without waiting for the parent, and the two sides stop waking each other
    for every item. Each input still has its own time limit, and a dying worker costs only the input it
    was on: the ones queued behind it go to another worker.
    OSError if not a single worker process can be started.
    """
    return IsolatedMap(func, args, workers=workers, timeout=timeout, memory_mb=memory_mb, depth=depth).finish(on_result)


class IsolatedMap:
    """isolated_map begun now, finished later: the workers start on the inputs at once (`head_start`
    of them queued at each) while the caller does other work, such as importing the code that will use
    the answers. `finish` then collects everything as isolated_map does; `close` abandons the rest.
    OSError if not a single worker process can be started."""

    def __init__(
        self,
        func: Callable[[Any], Any],
        args: Sequence[Any],
        *,
        workers: int = DEFAULT_WORKERS,
        timeout: float = 30.0,
        memory_mb: int = 1024,
        depth: int = 1,
        head_start: int = 0,
    ):
        self.func, self.workers, self.memory_mb = func, workers, memory_mb
        self.args, self.timeout, self.depth = list(args), timeout, max(1, depth)
        self.results: list[Any] = [None] * len(args)
        self.queue = deque(range(len(args)))
        self.dropped: set[int] = set()  # inputs no longer wanted: not sent, or their answers not passed on
        self.unsent: set[int] = set()  # dropped before they were sent
        self.pool: _Pool | None = None
        self.early: list[int] = []  # inputs failed while starting, reported by finish
        if args:
            size = max(1, min(workers, len(args)))
            first = min(max(self.depth, head_start), -(-len(args) // size))  # a few inputs go to every worker
            self.pool = _Pool(func, size, memory_mb, first)
            self.early = self.pool.dispatch(self.queue, self.args, self.results)
            self.pool.depth = self.depth

    def add(self, args: Sequence[Any]) -> list[int]:
        """Queue more inputs behind the others (sent by finish); their indexes. OSError as at the start."""
        start = len(self.args)
        self.args += args
        self.results += [None] * len(args)
        self.queue.extend(range(start, len(self.args)))
        wanted = max(1, min(self.workers, len(self.args) - len(self.dropped)))
        if self.pool is None and self.queue:
            self.pool = _Pool(self.func, wanted, self.memory_mb, self.depth)
        elif self.pool is not None:
            self.pool.grow(wanted)
        return list(range(start, len(self.args)))

    def drop(self, indexes: Sequence[int]) -> None:
        """Forget these inputs: those not yet sent are not, answers to the others are not passed on, and
        finish does not wait for them (close kills a worker still on one)."""
        self.dropped.update(indexes)
        kept = [i for i in self.queue if i not in self.dropped]
        self.unsent.update(i for i in self.queue if i in self.dropped)
        self.queue.clear()
        self.queue.extend(kept)

    def keep(self, indexes: Sequence[int]) -> None:
        """Want these inputs after all (undo drop): those never sent are queued again."""
        back = [i for i in indexes if i in self.dropped]
        self.dropped.difference_update(back)
        self.queue.extend(i for i in back if i in self.unsent)
        self.unsent.difference_update(back)

    def finish(self, on_result: Callable[[int, Any], None] | None = None) -> list[Any]:
        pool, queue, results = self.pool, self.queue, self.results
        try:
            done = self.early
            while pool is not None:
                if on_result is not None:
                    for index in done:
                        if index not in self.dropped:
                            on_result(index, results[index])
                if not (queue or pool.busy(self.dropped)):  # left: nothing, or inputs nobody wants
                    break
                done = pool.dispatch(queue, self.args, results)
                if not pool.workers:  # the system refuses new processes: give up on the rest, honestly
                    for index in queue:
                        results[index] = Failure("crashed", "无法启动读取进程")
                    done += queue
                    queue.clear()
                else:
                    done += pool.collect(queue, results, self.timeout)
                    if self.dropped and queue:  # a dead worker's queued inputs came back: not the unwanted ones
                        self.drop(())
                    if on_result is not None:
                        done += pool.dispatch(queue, self.args, results)  # keep the workers busy meanwhile
        finally:
            self.close()
        return results

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None


class _Pool:
    def __init__(self, func: Callable[[Any], Any], size: int, memory_mb: int, depth: int):
        self.ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        self.func, self.memory_mb, self.depth = func, memory_mb, depth
        self.workers: list[_Worker] = [_Worker(self.ctx, func, memory_mb)]  # let the first failure raise
        self.workers += [w for w in (self._spawn() for _ in range(size - 1)) if w is not None]

    def grow(self, size: int) -> None:
        """Start workers up to `size` (inputs added after the start may need more than it had)."""
        while len(self.workers) < size and (worker := self._spawn()) is not None:
            self.workers.append(worker)

    def _spawn(self) -> _Worker | None:
        try:
            return _Worker(self.ctx, self.func, self.memory_mb)
        except OSError:
            return None

    def busy(self, ignore: set[int] | frozenset[int] = frozenset()) -> list[_Worker]:
        """Workers with inputs pending; with `ignore`, only those with one not in it."""
        return [w for w in self.workers if w.pending and not ignore.issuperset(w.pending)]

    def dispatch(self, queue: deque[int], args: Sequence[Any], results: list[Any]) -> list[int]:
        """Fill every worker's queue up to `depth`; return the inputs that failed on the way (see below)."""
        failed: list[int] = []
        kept: list[_Worker] = []
        for worker in self.workers:
            current: _Worker | None = worker
            while current is not None and current.alive and len(current.pending) < self.depth and queue:
                index = queue.popleft()
                if current.send(index, args[index]):
                    continue
                if current.pending:  # died while working: collect() charges the input it was on
                    queue.appendleft(index)
                    break
                # An idle worker died between inputs: retry on a new one; a new one failing means no retry.
                if current.fresh:
                    results[index] = current.failure()
                    failed.append(index)
                else:
                    queue.appendleft(index)
                    current.kill()
                current = self._spawn()
            if current is not None:
                kept.append(current)
        self.workers = kept
        return failed

    def collect(self, queue: deque[int], results: list[Any], timeout: float) -> list[int]:
        """Wait for the first answer, death or deadline among busy workers; record and return what finished.
        Inputs queued behind a worker that died or overran go back to the front of `queue`."""
        busy = self.busy()
        if not busy:
            return []
        deadline = min(w.started for w in busy) + timeout
        waitables: list[Any] = [w.conn for w in busy] + [w.process.sentinel for w in busy]
        ready = _ready(waitables, max(0.0, deadline - time.monotonic()))
        now = time.monotonic()
        kept: list[_Worker] = []
        done: list[int] = []
        for worker in self.workers:
            if worker.pending and (worker.conn in ready or worker.process.sentinel in ready):
                for index, answer in worker.receive():
                    results[index] = answer
                    done.append(index)
            elif worker.pending and now >= worker.started + timeout:
                index = worker.pending[0]
                results[index] = Failure("timeout")
                done.append(index)
                worker.kill()
            if not worker.alive and worker.pending:  # a send found it dead: charge the input it was on
                index = worker.pending[0]
                results[index] = worker.failure()
                done.append(index)
            if not worker.alive:
                queue.extendleft(reversed(worker.orphans))
            replacement = worker if worker.alive else self._spawn()
            if replacement is not None:
                kept.append(replacement)
        self.workers = kept
        return done

    def close(self) -> None:
        # A worker still on inputs (an abandoned or failed run, guesses nobody wants) is killed at once: it
        # only reads. Idle ones are asked to stop. All before waiting for any, so that their exits overlap.
        for worker in self.workers:
            if worker.pending and worker.alive:
                with contextlib.suppress(OSError):
                    worker.process.kill()
            worker.ask_to_stop()
        for worker in self.workers:
            worker.stop()


class _Worker:
    def __init__(self, ctx: Any, func: Callable[[Any], Any], memory_mb: int):
        parent_end, child_end = ctx.Pipe(duplex=True)
        args = (child_end, func, memory_mb, os.getpid())
        self.process = ctx.Process(target=worker_main, args=args, daemon=True)
        try:
            self.process.start()
        except BaseException:
            parent_end.close()
            raise
        finally:
            child_end.close()
        self.conn: Connection = parent_end
        self.pending: deque[int] = deque()  # inputs sent, in order; the first is the one being worked on
        self.sent_at: dict[int, float] = {}  # when each pending input was sent
        self.orphans: list[int] = []  # inputs that were queued behind the input this worker died on
        self.started = 0.0  # when the first pending input began (its time limit counts from here)
        self.alive = True
        self.fresh = True  # has not been given an input yet
        self.stopping = False

    def send(self, index: int, arg: Any) -> bool:
        try:
            self.conn.send((index, arg))
        except (OSError, EOFError, ValueError):
            self.alive = False
            return False
        self.sent_at[index] = time.monotonic()
        if not self.pending:
            self.started = self.sent_at[index]
        self.pending.append(index)
        self.fresh = False
        return True

    def receive(self) -> list[tuple[int, Any]]:
        """The answers waiting in the pipe, in input order. If the worker died or misbehaved, the input it
        was on gets its failure and the worker is retired (its other inputs become `orphans`)."""
        answers: list[tuple[int, Any]] = []
        try:
            while self.pending and self.conn in _ready([self.conn], 0):
                data = self.conn.recv_bytes(MAX_RESULT_BYTES + 4096)
                (finished,) = FINISHED.unpack_from(data)
                answer = _loads(memoryview(data)[FINISHED.size :])
                if answer[0] != self.pending[0]:
                    break  # an answer for another input: the worker is broken
                del self.sent_at[self.pending.popleft()]
                if self.pending:  # the next input began when this one finished, or when it arrived if later
                    self.started = min(time.monotonic(), max(self.sent_at[self.pending[0]], finished))
                answers.append((answer[0], Failure(answer[2], answer[3]) if answer[1] == "fail" else answer[2]))
            else:
                if answers or self.process.is_alive():
                    return answers
        except Exception:  # a garbled answer or the end of the pipe: treated like no answer
            pass
        if self.pending:  # nothing usable came back for the current input: the worker died or misbehaved
            answers.append((self.pending[0], self.failure()))
        else:
            self.kill()
        return answers

    def failure(self) -> Failure:
        """Describe how this worker ended, and retire it."""
        self.process.join(1)  # a worker whose pipe closed is exiting: collect its exit status
        code = self.process.exitcode
        self.kill()
        return Failure("crashed", "读取进程返回了无法识别的结果" if code is None else _exit_reason(code))

    def kill(self) -> None:
        self.orphans = list(self.pending)[1:] if self.pending else []
        self.alive = False
        self.pending.clear()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def ask_to_stop(self) -> None:
        if self.alive and not self.stopping:
            self.stopping = True
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)

    def stop(self) -> None:
        if not self.alive:
            return
        self.ask_to_stop()
        self.process.join(1)
        self.kill()


def _exit_reason(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        if name == "SIGKILL":
            return "被系统强制终止，可能是内存不足"
        return f"收到 {name} 信号"
    return f"退出码 {code}"


# ----------------------------------------------------------------- waiting
def _ready(objects: list[Any], timeout: float) -> set[Any]:
    """The connections and process sentinels among `objects` that are ready (readable, closed or failed)
    within `timeout` seconds: multiprocessing.connection.wait with one poll object. wait() and
    Connection.poll() build a selector on every call, which cost the parent ~30 µs per answer."""
    if _poll is None:  # Windows
        return set(wait(objects, timeout=timeout))
    poller = _poll()
    by_fd: dict[int, Any] = {}
    for obj in objects:
        fd = obj if isinstance(obj, int) else obj.fileno()
        by_fd[fd] = obj
        poller.register(fd, POLLIN)
    return {by_fd[fd] for fd, _ in poller.poll(timeout * 1000)}  # any event, as wait() counts it


# ----------------------------------------------------------------- answers are data, never code
_ALLOWED = {("datetime", name) for name in ("date", "datetime", "time", "timedelta", "timezone")}


class _DataUnpickler(pickle.Unpickler):
    """Workers parse hostile files: their answers may only rebuild plain data and date/time values."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return getattr(datetime, name)
        raise pickle.UnpicklingError(f"{module}.{name}")


def _loads(payload: bytes) -> Any:
    return _DataUnpickler(io.BytesIO(payload)).load()
