"""One scheduler per workspace: an exclusive ``flock`` on ``WORKSPACE/planification.lock``.

The lock goes with the process: if it dies, the system releases it. The file holds the
process id of the holder, for the message given to a second scheduler; it is never deleted
(deleting a lock file lets two processes lock two different files).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_FILE = "planification.lock"


class SchedulerBusy(RuntimeError):
    """Another scheduler runs on the same workspace (French message)."""


class SchedulerLock:
    """``with SchedulerLock(root): ...`` holds the workspace's scheduler lock or raises SchedulerBusy."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.path = self.root / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> "SchedulerLock":
        if not self.root.is_dir():
            raise FileNotFoundError(f"L'espace de travail {self.root} n'existe pas.")
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            who = f" (processus {holder})" if holder.isdigit() else ""
            raise SchedulerBusy(
                f"Un planificateur est déjà en marche sur l'espace de travail {self.root}{who}. "
                "Un seul planificateur par espace : arrêtez l'autre avant d'en lancer un nouveau."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> "SchedulerLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
