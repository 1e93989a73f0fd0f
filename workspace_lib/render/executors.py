"""Where reports run: a pool of local worker processes, or a Dask cluster.

Both keep one warm kernel per worker process (see :mod:`.job`) and yield results as they come.
Local workers are warmed up (:func:`.job.warm_up`) as they start, before their first report;
each worker is one report at a time (its kernel computes while the worker waits, and the other
way round), so ``workers`` processes keep about ``workers`` cores busy.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass

from .job import Job, JobResult, render_job, warm_up


def default_workers() -> int:
    """One worker per core."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


@dataclass
class WarmUp:
    """What the workers of a campaign prepare before their first report."""

    workspace_root: str
    notebook: str
    formats: list[str]
    timeout: int = 300
    reports: int = 1

    @classmethod
    def for_jobs(cls, jobs: list[Job]) -> WarmUp | None:
        if not jobs:
            return None
        first = jobs[0]
        return cls(first.workspace_root, first.notebook, list(first.formats), first.timeout, len(jobs))


def by_lots(reports: int, workers: int) -> bool:
    """Whether a campaign's kernels compute each indicator for every employer at once: when each
    makes at least two reports (one query per indicator for all, instead of one per report)."""
    return reports >= 2 * workers


class LocalExecutor:
    """A pool of ``workers`` processes started with ``spawn`` (no inherited DuckDB or threads)."""

    def __init__(self, workers: int | None = None, warm: WarmUp | None = None):
        self.workers = workers or default_workers()
        context = multiprocessing.get_context("spawn")
        self.started = time.time()
        self._ready = context.SimpleQueue() if warm else None
        self._ready_times: list[float] = []
        initializer = initargs = None
        if warm:
            # The workers share the cores: each kernel's DuckDB gets its share (one thread when
            # there is a worker per core), not a thread per core competing with the others'
            # (the small queries of a report also run faster on one thread: no thread hand-over).
            threads = max(1, default_workers() // self.workers)
            initializer = warm_up
            initargs = (warm.workspace_root, warm.notebook, warm.formats, warm.timeout, self._ready, threads,
                        by_lots(warm.reports, self.workers))
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                        initializer=initializer, initargs=initargs or ())

    def run(self, jobs: list[Job]) -> Iterator[JobResult]:
        pending: set[Future] = {self.pool.submit(render_job, job) for job in jobs}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()

    def startup_seconds(self) -> float | None:
        """Seconds from the pool's creation until its last worker was warm (None: unknown)."""
        while self._ready is not None and not self._ready.empty():
            try:
                self._ready_times.append(self._ready.get()[1])
            except (EOFError, OSError, queue.Empty):  # pragma: no cover
                break
        return max(self._ready_times) - self.started if self._ready_times else None

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Reports as tasks of a Dask cluster (``tcp://host:port``); each worker keeps a warm kernel."""

    def __init__(self, scheduler_address: str):
        from distributed import Client

        self.client = Client(scheduler_address, timeout="20s")
        self.workers = len(self.client.scheduler_info().get("workers", {})) or 1

    def run(self, jobs: list[Job]) -> Iterator[JobResult]:
        from distributed import as_completed

        futures = [self.client.submit(render_job, job, pure=False) for job in jobs]
        for future in as_completed(futures):
            yield future.result()

    def startup_seconds(self) -> float | None:
        return None

    def close(self) -> None:
        self.client.close()


def make_executor(kind: str, workers: int | None = None, scheduler_address: str | None = None,
                  warm: WarmUp | None = None):
    """``local`` or ``dask``; a clear French error otherwise."""
    if kind == "local":
        return LocalExecutor(workers, warm)
    if kind == "dask":
        if not scheduler_address:
            raise ValueError("--executor dask demande --scheduler-address tcp://hôte:port")
        return DaskExecutor(scheduler_address)
    raise ValueError(f"Exécuteur inconnu : {kind} (admis : local, dask)")
