"""The worker processes, given the most urgent task first.

ProcessPoolExecutor runs tasks in the order they are submitted; a build submits a tome's chunks, then
learns what follows them (the TOC laid out again, the folio sheets, the join), and that work is on the
build's critical path: behind the next tome's chunks it would leave workers idle at the end. So tasks
wait here, in order of rank, and the pool is given only as many as it has workers."""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from functools import partial
from typing import Any


class Workers:
    def __init__(self, pool: ProcessPoolExecutor, count: int) -> None:
        self._pool = pool
        self._free = count
        self._waiting: list[tuple[tuple, int, Callable, tuple, Future]] = []  # a heap
        self._order = itertools.count()  # equal ranks: first come, first served
        self._lock = threading.Lock()
        self._named: dict[Hashable, Future] = {}
        self._unfinished: set[Future] = set()
        self._abandoned = False

    def submit(self, rank: tuple, fn: Callable, *args: Any, once: Hashable | None = None) -> Future:
        """`fn(*args)` in a worker, before every waiting task of a higher rank. `once`: the task's name,
        for a task two editions share (a tome's chunk in the omnibus): asked again, it runs once."""
        with self._lock:
            if once is not None and once in self._named:
                return self._named[once]
            future: Future = Future()
            if self._abandoned:
                future.set_exception(CancelledError())
                return future
            heapq.heappush(self._waiting, (rank, next(self._order), fn, args, future))
            self._unfinished.add(future)
            if once is not None:
                self._named[once] = future
        self._dispatch()
        return future

    def abandon(self) -> None:
        """Every task not finished fails now (cancelled), and none is started: whoever waits for one
        stops waiting, whatever became of its worker."""
        with self._lock:
            self._abandoned = True
            self._waiting.clear()
            unfinished, self._unfinished = self._unfinished, set()
        for future in unfinished:
            if not future.done():
                future.set_exception(CancelledError())

    def _dispatch(self) -> None:
        with self._lock:
            ready = [heapq.heappop(self._waiting) for _ in range(min(self._free, len(self._waiting)))]
            self._free -= len(ready)
        for _, _, fn, args, future in ready:
            try:
                self._pool.submit(fn, *args).add_done_callback(partial(self._finished, future))
            except Exception as error:  # a broken or closed pool: the caller hears of it
                self._finished(future, None, error)

    def _finished(self, future: Future, task: Future | None, error: BaseException | None = None) -> None:
        with self._lock:
            self._free += 1
            if self._abandoned:
                return
            self._unfinished.discard(future)
        error = error or (task.exception() if task else None)
        if error:
            future.set_exception(error)
        else:
            future.set_result(task.result())
        self._dispatch()
