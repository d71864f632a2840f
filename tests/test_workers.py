"""The worker processes take the most urgent waiting task first (workers.py), on a real process pool."""

from __future__ import annotations

import multiprocessing
import resource
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pytest
from make_book.workers import Workers, forked_workers


def started_at(hold: float) -> float:
    started = time.monotonic()
    time.sleep(hold)
    return started


def die() -> None:
    import os
    os._exit(1)


def sleep_as_a_worker(ready: multiprocessing.synchronize.Event) -> None:
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # as a build's workers have it (workers._start_worker)
    ready.set()
    time.sleep(30)


@pytest.fixture
def one_worker():
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        yield Workers(pool, 1)


def test_a_waiting_task_of_a_lower_rank_runs_first_and_equal_ranks_in_order(one_worker: Workers) -> None:
    busy = one_worker.submit((0,), started_at, 0.3)  # holds the only worker while the rest wait
    later = [one_worker.submit((1, 0), started_at, 0) for _ in range(3)]
    sooner = one_worker.submit((0, 5), started_at, 0)
    sooner_still = one_worker.submit((0, 1), started_at, 0)
    starts = [future.result(timeout=30) for future in (busy, sooner_still, sooner, *later)]
    assert starts == sorted(starts)


def test_a_freed_worker_waits_a_moment_for_the_task_that_follows_before_a_later_kind(one_worker: Workers) -> None:
    # a tome's last chunk laid out: the thread waiting for it submits the TOC, which must not find the
    # worker taken by a join (a later kind of task, waiting already) in the meantime
    chunk = one_worker.submit((False, 0), started_at, 0.3)
    join = one_worker.submit((True, 0), started_at, 0)
    toc: list[Future] = []

    def follow_up() -> None:
        chunk.result(timeout=30)
        toc.append(one_worker.submit((False, 0), started_at, 0))

    thread = threading.Thread(target=follow_up)
    thread.start()
    thread.join(timeout=30)
    assert chunk.result() < toc[0].result(timeout=30) < join.result(timeout=30)


def test_a_task_that_fails_or_a_broken_pool_reaches_the_caller(one_worker: Workers) -> None:
    with pytest.raises(ZeroDivisionError):
        one_worker.submit((0,), divmod, 1, 0).result(timeout=30)
    assert one_worker.submit((0,), divmod, 7, 2).result(timeout=30) == (3, 1)  # its worker was given back
    dying = one_worker.submit((0,), die)
    waiting = one_worker.submit((1,), divmod, 7, 2)
    for future in (dying, waiting):
        with pytest.raises(BrokenProcessPool):
            future.result(timeout=30)


def test_a_task_two_editions_name_alike_runs_once(one_worker: Workers) -> None:
    # the omnibus and a tome ask for the same chunk of texts: one layout serves both
    first = one_worker.submit((0,), started_at, 0.1, once=("chunk", 1))
    again = one_worker.submit((1,), started_at, 0.1, once=("chunk", 1))
    other = one_worker.submit((1,), started_at, 0, once=("chunk", 2))
    assert again is first
    assert first.result(timeout=30) < other.result(timeout=30)


class NotToBeSent:
    """Stands for an edition: what a worker has from the fork need not be sent, and this cannot be."""

    value = 7

    def __reduce__(self) -> tuple:
        raise TypeError("pickled")


def value_of(thing: NotToBeSent, nothing: None = None) -> int:
    assert nothing is None
    return thing.value


def test_what_the_workers_inherit_reaches_a_task_by_reference_and_only_while_they_run() -> None:
    kept = NotToBeSent()
    with forked_workers(1, inherit=(kept,)) as (pool, _):
        assert Workers(pool, 1).submit((0,), value_of, kept, None).result() == 7  # None is None, and not theirs
    with forked_workers(1) as (pool, _), pytest.raises(TypeError, match="pickled"):
        Workers(pool, 1).submit((0,), value_of, kept).result()  # other workers, which have it not


def down(depth: int) -> int:
    return 0 if depth == 0 else down(depth - 1)


def page_faults_going_down_and_up(times: int, depth: int) -> int:
    """What a layout's recursion does: calls going a few hundred frames down and back, again and again."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(times):
        down(depth)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_a_task_s_calls_stay_in_one_chunk_of_python_s_frame_stack() -> None:
    # Here, each pass maps a chunk of the frame stack past each chunk edge it crosses and unmaps it on
    # the way back: page faults (8,000 on CPython 3.11 to 3.13); a worker's task has room for its calls.
    assert page_faults_going_down_and_up(1000, 400) >= 2000
    with forked_workers(1) as (pool, _):
        assert Workers(pool, 1).submit((0,), page_faults_going_down_and_up, 1000, 400).result() < 200


def test_a_dead_worker_ends_the_wait_and_one_ended_by_ctrl_c_is_an_interrupt() -> None:
    # check_alive is what the build calls as it waits: a worker that died while it sent a result is
    # seen by nothing else (the pool's thread waits for the rest of the message)
    import os
    import signal

    from make_book.errors import BuildAbandoned
    from make_book.workers import check_alive

    context = multiprocessing.get_context("fork")
    asleep = context.Process(target=sleep_as_a_worker, args=(context.Event(),))
    asleep.start()
    try:
        check_alive((asleep,), "rendering tome 1")  # alive: nothing
        for ended, raised in ((signal.SIGKILL, BuildAbandoned), (signal.SIGINT, KeyboardInterrupt)):
            ready = context.Event()
            worker = context.Process(target=sleep_as_a_worker, args=(ready,))
            worker.start()
            assert ready.wait(10)
            os.kill(worker.pid, ended)
            worker.join()
            with pytest.raises(raised) as caught:
                check_alive((asleep, worker), "rendering tome 1")
            if raised is BuildAbandoned:
                assert caught.value.message == ("a worker rendering tome 1 died (killed or out of memory); "
                                                "nothing was written")
    finally:
        asleep.kill()
        asleep.join()
