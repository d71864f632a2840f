"""The worker processes: forked as a build needs them, watched, left at once on Ctrl-C, and given the
most urgent task first.

ProcessPoolExecutor runs tasks in the order they are submitted; a build submits a tome's chunks, then
learns what follows them (the index, the folio sheets, the join), and that work is on the
build's critical path: behind the next tome's chunks it would leave workers idle at the end. So tasks
wait here, in order of rank, and the pool is given only as many as it has workers.

What the workers have from the fork (`forked_workers(inherit=…)`: the editions, the styles) is passed to
a task by reference, not pickled. Sent, the styles (5 MB: their font files) cost 17 ms a task (12 in the
worker, 5 here) and 1,400 page faults, a whole edition of 306 texts 50 ms more: a first build of the
612-text corpus sends the styles with 45 tasks, the whole edition with 10 (the TOC's, the index's, the
joins and EPUBs; a chunk of texts is sent its texts alone): 1.3 s of CPU."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import heapq
import itertools
import multiprocessing
import os
import signal
import tempfile
import threading
import types
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from make_book.errors import BuildAbandoned

# A task's result often has its caller submit the task that follows it (a tome's index once its chunks
# are laid out), a few milliseconds later: a worker it frees while only a later kind of task waits (a join)
# waits that long for it, so that the join does not take the worker first and hold the build's end back.
FOLLOW_UP_SECONDS = 0.05


class Workers:
    def __init__(self, pool: ProcessPoolExecutor, count: int) -> None:
        self._pool = pool
        self._free = count
        self._waiting: list[tuple[tuple, int, Callable, tuple, Future]] = []  # a heap
        self._order = itertools.count()  # equal ranks: first come, first served
        self._lock = threading.Lock()
        self._submitted = threading.Condition(self._lock)
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
            self._submitted.notify_all()
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
        for rank, _, fn, args, future in ready:
            try:
                self._pool.submit(_call, fn, *map(_by_reference, args)).add_done_callback(
                    partial(self._finished, future, rank))
            except Exception as error:  # a broken or closed pool: the caller hears of it
                self._finished(future, rank, None, error)

    def _finished(self, future: Future, rank: tuple, task: Future | None, error: BaseException | None = None) -> None:
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
        with self._lock:  # what the first element of a rank says: its kind (build.py: a join or not)
            if self._waiting and self._waiting[0][0][:1] > rank[:1]:
                self._submitted.wait(FOLLOW_UP_SECONDS)
        self._dispatch()


_INHERITED: dict[int, object] = {}  # by id: what the workers forked now have too


@dataclass(frozen=True)
class _Inherited:
    key: int  # in _INHERITED


def _by_reference(arg: object) -> object:
    # a membership test: `_INHERITED.get` would give None for None, which `is` None
    return _Inherited(id(arg)) if id(arg) in _INHERITED and _INHERITED[id(arg)] is arg else arg


def _call(fn: Callable, *args: object) -> object:
    """In a worker: `fn` given the objects it has from the fork for their references, with room."""
    return with_room(fn, *(_INHERITED[arg.key] if isinstance(arg, _Inherited) else arg for arg in args))


def with_room(fn: Callable, *args: object) -> object:
    """`fn(*args)` with 1 MiB of CPython's frame stack at hand for its calls (below)."""
    return fn(*args)


# CPython keeps its frames in chunks of 16 KiB, mapped as a call goes past one's end and unmapped as it
# returns: a layout's recursion, going up and down across such an edge, had 29,000 chunks mapped and
# unmapped in four text chunks' layouts in a forked worker, two system calls and a page fault or more each
# (0.1 to 0.4 s of system time a chunk). A task runs in a frame that asks for 1 MiB of that stack (its
# code's stack size, which only sizes the frame), which CPython gives a chunk of 2 MiB: the task's own
# calls then stay in that chunk's other half.
with_room = types.FunctionType(with_room.__code__.replace(co_stacksize=1 << 17), globals())


@contextlib.contextmanager
def forked_workers(count: int, inherit: Iterable[object] = ()) -> Iterator[tuple[ProcessPoolExecutor,
                                                                            tuple[multiprocessing.Process, ...]]]:
    """`count` worker processes, all forked as the `with` is entered (when this process has no thread
    yet): they have what it has imported by then, and `inherit`, which Workers then passes to their
    tasks by reference. With the pool, its processes (this process's only children then), to see one
    die."""
    inherited = {id(thing): thing for thing in inherit}
    # Ctrl-C while the workers are forked would reach a half-made worker (which then went on as this
    # process, with the interrupt) and not this process (which went on to write the files): held until
    # they are forked; each worker takes it again as it starts (_start_worker).
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        _INHERITED.update(inherited)  # which keeps them alive: an id is no other object's while it is there
        # WeasyPrint copies the fonts of every layout into a temporary folder that only the layout's
        # garbage collection removes: a worker's last one never is (workers end without it). The workers'
        # temporary files go in a folder of this build's, removed when it ends however it ends.
        with tempfile.TemporaryDirectory(prefix="make-book-") as scratch:
            pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"),
                                       initializer=_start_worker, initargs=(scratch, mask, os.getpid()))
            try:
                pool.submit(int).result()  # the workers are forked now
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                yield pool, tuple(multiprocessing.active_children())
            except (KeyboardInterrupt, BuildAbandoned):
                _abandon(pool)
                raise
            except BaseException:
                pool.shutdown(cancel_futures=True)  # an error: the tasks running end first, as on success
                raise
            pool.shutdown()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for key in inherited:
            _INHERITED.pop(key, None)


def _abandon(pool: ProcessPoolExecutor) -> None:
    """The workers ended now, without waiting for them (an interrupt, a worker dead). A worker that
    Ctrl-C ended while it sent a result leaves part of it in the pool's pipe, and the pool's thread then
    waits for the rest for ever (the pipe's other end stays open here): waiting for the pool hung the
    build (seen once in 29 presses in a first build's first seconds). The process then ends without
    waiting for that thread either (cli.py)."""
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in multiprocessing.active_children():  # reaps those Ctrl-C has ended already
        worker.kill()
        worker.join(timeout=5)


def _start_worker(scratch: str, mask: set[signal.Signals], build: int) -> None:
    """In each worker as it starts: its end with the build's process, however that ends; its temporary
    files in the build's folder; what it inherits out of the garbage collector's sight (each full
    collection went through all of it: one after each chunk took 0.10 s, 0.06 s frozen); and Ctrl-C
    again, which ends a worker at once and quietly (no traceback of its own: the build, which has it
    too, says it was interrupted), one pressed while it was forked included."""
    _end_with(build)
    tempfile.tempdir = scratch
    gc.freeze()  # the modules, the book and the styles it inherits are no garbage
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _end_with(build: int) -> None:
    """This worker killed when the build's process ends (Linux's PR_SET_PDEATHSIG): a build killed
    outright (SIGKILL, a CI job's timeout) left its workers waiting for tasks for ever, each with its
    memory. Elsewhere, nothing. The kernel watches the thread that forked the worker: the one that
    entered forked_workers, which outlives the pool."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return
    if prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0 and os.getppid() != build:
        os._exit(1)  # the build ended before this worker asked


def check_alive(processes: tuple[multiprocessing.Process, ...], doing: str) -> None:
    """Raises if a worker has ended: KeyboardInterrupt if Ctrl-C ended it (this process's own may come
    a moment later), else BuildAbandoned. A worker that dies while it sends a result leaves part of it in
    the pool's pipe, and the pool's thread waits for the rest for ever, never seeing the death: the
    build watches its workers itself as it waits."""
    ended = [process.exitcode for process in processes if process.exitcode is not None]
    if -signal.SIGINT in ended:
        raise KeyboardInterrupt
    if ended:
        raise BuildAbandoned(f"a worker {doing} died (killed or out of memory); nothing was written")
