"""Where reports run: a pool of local worker processes, or a Dask cluster.

Both keep one warm kernel per worker process (see :mod:`.job`) and yield results as they come.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from .job import Job, JobResult, render_job


def default_workers() -> int:
    """One worker per core."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


class LocalExecutor:
    """A pool of ``workers`` processes started with ``spawn`` (no inherited DuckDB or threads)."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or default_workers()
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"))

    def run(self, jobs: list[Job]) -> Iterator[JobResult]:
        pending: set[Future] = {self.pool.submit(render_job, job) for job in jobs}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()

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

    def close(self) -> None:
        self.client.close()


def make_executor(kind: str, workers: int | None = None, scheduler_address: str | None = None):
    """``local`` or ``dask``; a clear French error otherwise."""
    if kind == "local":
        return LocalExecutor(workers)
    if kind == "dask":
        if not scheduler_address:
            raise ValueError("--executor dask demande --scheduler-address tcp://hôte:port")
        return DaskExecutor(scheduler_address)
    raise ValueError(f"Exécuteur inconnu : {kind} (admis : local, dask)")
