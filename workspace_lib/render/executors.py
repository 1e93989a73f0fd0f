"""Where reports run: a pool of local worker processes, or a Dask cluster.

Both keep one warm kernel per worker process (see :mod:`.job`) and yield results as they come.
Local workers are warmed up (:func:`.job.warm_up`) as they start, before their first report;
each worker is one report at a time (its kernel computes while the worker waits, and the other
way round), so ``workers`` processes keep about ``workers`` cores busy.

One local worker, one core: when there are no more workers than cores, each worker process is
kept on a core of its own (:func:`pin_to_core`), with everything it starts (its kernel, their
threads). A worker and its kernel hand each report over to each other on the same core, in its
caches, instead of pulling it across cores, and ``--workers 1`` uses one core. Measured on the
Lozère campaign with 2 workers on 2 cores, 3 runs each, in turn: 15.8 to 16.5 s pinned, 17.4 to
18.5 s not. The pools of a workspace take the cores in turn (:func:`first_core`): pools that run
at the same time (reports asked for from dashboards, a scheduled campaign) are spread over them.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import queue
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Workspace
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


def first_core(workspace_root: str | None, workers: int) -> int:
    """Where a new pool of ``workers`` starts in the list of cores: after the cores the previous
    pool of the workspace started on (a small file with the kernels' state, read and written
    under a lock), so that pools running at the same time do not all start on the first core."""
    if workspace_root is None:
        return 0
    path = Workspace(Path(workspace_root)).kernels_state_dir / "coeurs-rendu"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="ascii") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # released when the file is closed
        fh.seek(0)
        text = fh.read().strip()
        first = int(text) if text.isdigit() else 0
        fh.seek(0)
        fh.truncate()
        fh.write(str((first + workers) % default_workers()))
    return first


def pin_to_core(slots: Any) -> int:
    """Keep this process, and the processes and threads it will start, on one of the cores it may
    use: the next one in turn (``slots``: a shared counter, one per pool). Returns the core."""
    with slots.get_lock():
        slot = slots.value
        slots.value += 1
    cores = sorted(os.sched_getaffinity(0))
    core = cores[slot % len(cores)]
    os.sched_setaffinity(0, {core})
    return core


def _start_worker(slots: Any, warm: tuple | None) -> None:
    """A local worker's initializer: its core (if it has one to itself), then its warm-up."""
    if slots is not None:
        pin_to_core(slots)
    if warm is not None:
        warm_up(*warm)


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
        self.pinned = self.workers <= default_workers() and hasattr(os, "sched_setaffinity")
        warm_args = None
        if warm:
            # Each kernel's DuckDB gets its worker's share of the cores: one thread for a worker
            # kept on one core (the small queries of a report also run faster on one thread: no
            # thread hand-over), not a thread per core competing with the other workers'.
            threads = 1 if self.pinned else max(1, default_workers() // self.workers)
            warm_args = (warm.workspace_root, warm.notebook, warm.formats, warm.timeout, self._ready, threads,
                         by_lots(warm.reports, self.workers))
        slots = context.Value("i", first_core(warm.workspace_root if warm else None, self.workers)) \
            if self.pinned else None
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                        initializer=_start_worker, initargs=(slots, warm_args))

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
