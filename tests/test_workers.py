"""The worker processes take the most urgent waiting task first (workers.py), on a real process pool."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pytest
from make_book.workers import Workers


def started_at(hold: float) -> float:
    started = time.monotonic()
    time.sleep(hold)
    return started


def die() -> None:
    import os
    os._exit(1)


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
