"""Atomic file writing: a temporary file in the same folder, then a rename.

A reader never sees a half-written file under the final name; a process killed while writing
leaves at most a hidden ``.<name>.*.tmp`` file next to it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


@functools.cache
def _file_mode() -> int:
    """Permissions of a new file under the current umask (mkstemp creates files as 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike, mode: int | None = None) -> Iterator[Path]:
    """A temporary path next to ``final`` (for libraries that write files themselves).

    On success the temporary file replaces ``final``, with permissions ``mode`` (default: those
    of a new file under the umask), set before it gets its name; on any error it is removed.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, _file_mode() if mode is None else mode)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_file(final: str | os.PathLike, mode: str = "wb", *, permissions: int | None = None,
                **open_args: Any) -> Iterator[IO]:
    """An open temporary file next to ``final``, flushed to disk and renamed on success only."""
    with atomic_path(final, permissions) as tmp, open(tmp, mode, **open_args) as handle:
        yield handle


def write_bytes(final: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``final`` atomically."""
    with atomic_file(final, "wb") as handle:
        handle.write(data)
    return Path(final)
