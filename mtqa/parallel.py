"""Map a function over items in worker processes, with results in input order.

A worker process that dies (a segfault in a native library, the out-of-memory killer) breaks
the whole pool, and every item in flight fails with it. Those items are tried again one at
a time, each in a fresh single-worker pool, so only the item that kills its worker again is
lost; its place in the results holds the exception.

Workers are started with ``spawn`` (a fresh interpreter), not ``fork``: a process forked
while another thread holds a lock (the pool's own feeder thread, the progress timer,
lingua's or torch's thread pools) can hang for ever on it, and ``spawn`` behaves the same on
Linux, macOS and Windows. The cost is an import of mtqa per worker.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def worker_count(jobs: int) -> int:
    """``jobs`` processes, or one per CPU core this process may use when ``jobs`` is 0."""
    if jobs > 0:
        return jobs
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def ordered_map(
    fn: Callable[[T], R],
    items: Sequence[T],
    jobs: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    done: Callable[[int], None] | None = None,
) -> list[R | BaseException]:
    """``fn`` of every item in up to ``jobs`` processes; an item whose call failed holds the exception.

    ``fn`` and ``initializer`` must be module-level functions (they are pickled by name);
    ``done(count)`` is called in this process as results arrive.
    """
    results: dict[int, R | BaseException] = {}
    retry: list[int] = []

    def collect(pool: ProcessPoolExecutor, indices: Sequence[int]) -> None:
        futures: dict[Future[R], int] = {pool.submit(fn, items[i]): i for i in indices}
        for future in as_completed(futures):
            index = futures[future]
            try:
                results[index] = future.result()
            except BrokenProcessPool as exc:
                if len(indices) == 1:
                    results[index] = exc
                else:
                    retry.append(index)
            except Exception as exc:  # the call raised, or its result could not be pickled
                results[index] = exc
            if index in results and done is not None:
                done(len(results))

    def pool(workers: int) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(workers, mp_context=context, initializer=initializer, initargs=initargs)

    with pool(min(worker_count(jobs), len(items)) or 1) as workers:
        collect(workers, range(len(items)))
    for index in sorted(retry):
        with pool(1) as single:
            collect(single, [index])
    return [results[i] for i in range(len(items))]
