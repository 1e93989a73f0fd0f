"""Scratch folders named after the process that owns them, and the removal of orphans.

An import stages its data in ``WORKSPACE/.tmp/import-<pid>-*``; a report kernel keeps its local
sockets in ``/tmp/rsu-noyau-<pid>-*``. A process killed outright (kill -9, power cut) cannot
remove its folder: the next process of the same kind removes those whose owner is gone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def make(parent: Path | str | None, prefix: str) -> Path:
    """A new private folder (0700) ``<prefix>-<pid>-<random>`` in ``parent`` (None: the system's)."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}-{os.getpid()}-", dir=parent))


def remove_orphans(parent: Path | str | None, prefix: str) -> None:
    """Remove the folders of :func:`make` in ``parent`` whose process is gone."""
    folder = Path(parent if parent is not None else tempfile.gettempdir())
    for path in folder.glob(f"{prefix}-*-*"):
        pid_text = path.name[len(prefix) + 1:].split("-", 1)[0]
        if not pid_text.isdigit() or not path.is_dir():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:
            pass  # alive, owned by another user
