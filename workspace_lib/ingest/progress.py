"""What an import shows while it works: bars that move during each long DuckDB statement.

Reading and checking a national file of agents is one statement of several seconds: a bar that
counted files would sit still meanwhile. Two measures follow a statement, asked from another
thread while it runs:
- the bytes this process has read since it began (Linux's ``/proc/self/io``), less those of the
  thread that computes the files' checksums ahead: how far the reading of a file has got;
- DuckDB's own estimate (``query_progress``), good for a statement over a table (the load), not
  for the reading of a file checked on the way (the checks' lists make it misjudge the scan).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

_PROC_IO = Path("/proc/self/io")


def import_progress(console: Console, disable: bool) -> Progress:
    """The import's bars: what, how far (per cent), which file, time spent and left."""
    return Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                    TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), TextColumn("reste"),
                    TimeRemainingColumn(), console=console, disable=disable)


def follow_statements(con: duckdb.DuckDBPyConnection) -> None:
    """Let :func:`statement_progress` follow the statements of ``con`` (DuckDB prints no bar itself)."""
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")


def _bytes_read(path: Path) -> int | None:
    """``rchar`` of a ``/proc`` io file: bytes read by a process or a thread (None: unknown)."""
    try:
        for line in path.read_text().splitlines():
            if line.startswith("rchar:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


class BytesRead:
    """Bytes this process reads from now on, less those of one thread (the checksums')."""

    def __init__(self, excluded_thread: int | None = None):
        self._excluded = Path(f"/proc/self/task/{excluded_thread}/io") if excluded_thread else None
        self._excluded_read = 0  # its last count: a thread that has ended has no file any more
        self._start = self._total()

    def _total(self) -> int | None:
        total = _bytes_read(_PROC_IO)
        if total is None or self._excluded is None:
            return total
        self._excluded_read = _bytes_read(self._excluded) or self._excluded_read
        return total - self._excluded_read

    def since_start(self) -> int | None:
        now = self._total()
        return None if now is None or self._start is None else now - self._start


@contextmanager
def statement_progress(con: duckdb.DuckDBPyConnection, report: Callable[[float], None], file_size: int = 0,
                       excluded_thread: int | None = None, every: float = 0.2) -> Iterator[None]:
    """While the block runs, call ``report(fraction)`` (0 to 1, never going back) with how far it
    has got: the share of ``file_size`` bytes read when it reads a file (and ``/proc`` tells),
    else DuckDB's progress of the statement running on ``con`` (see :func:`follow_statements`);
    the furthest any of the block's statements got."""
    stop = threading.Event()
    furthest = 0.0
    reading = BytesRead(excluded_thread) if file_size else None
    by_bytes = reading is not None and reading.since_start() is not None

    def poll() -> None:
        nonlocal furthest
        while not stop.wait(every):
            if by_bytes:
                fraction = (reading.since_start() or 0) / file_size
            else:
                fraction = con.query_progress() / 100  # negative between statements
            if fraction > furthest:
                furthest = min(fraction, 1.0)
                report(furthest)

    watcher = threading.Thread(target=poll, name="progression-import", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()
