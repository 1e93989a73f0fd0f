"""Computed views kept in memory and on disk, so that a view is computed once per warehouse state.

A dashboard page, a widget change and a report ask for the same views again and again (the
default employer, the years a user switches between, the employers of a campaign). A view is
identified by everything it depends on: the dashboard's specification, the employer or
département, the year, the comparison levels, the disclosure rules, whether boundaries are
loaded, the state of the warehouse file and the code of ``workspace_lib`` itself. Any import
changes the warehouse file, so a stale view is never served.

What is kept is the *protected* view (only the aggregates the dashboard shows, after
statistical disclosure control) and, once drawn, the HTML of its blocks. Files live in
``WORKSPACE/cache/vues/``, are written atomically (mode 0600, like every file of the workspace
that derives from the warehouse) and are pruned beyond :data:`MAX_FILES` (oldest first).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import pickle
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import atomic_file
from ..config import Workspace
from ..warehouse import file_state
from .vue import Resultat

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the cached objects change shape
MAX_FILES = 1000
MAX_IN_MEMORY = 64


@dataclass
class VueCalculee:
    """A computed view: the protected result and the HTML of its blocks (by element name)."""

    resultat: Resultat
    html: dict[str, list[str]] = field(default_factory=dict)


@functools.cache
def code_fingerprint() -> str:
    """A digest of the package's source files (paths, sizes, modification times)."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def warehouse_state(workspace: Workspace) -> str:
    """The state of the workspace's warehouse file (see :func:`..warehouse.file_state`)."""
    return file_state(workspace.warehouse_path)


def cle(workspace: Workspace, *parts: Any) -> str:
    """The key of a view: a digest of ``parts`` (reprs), the warehouse state and the code."""
    text = repr((FORMAT, code_fingerprint(), warehouse_state(workspace), parts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CacheDeVues:
    """Views by key, in memory (last :data:`MAX_IN_MEMORY`) and in ``WORKSPACE/cache/vues``."""

    def __init__(self, workspace: Workspace):
        self.folder = workspace.root / "cache" / "vues"
        self._memory: OrderedDict[str, VueCalculee] = OrderedDict()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.pickle"

    def get(self, key: str) -> VueCalculee | None:
        """The view kept under ``key``, or None."""
        if key in self._memory:
            self._memory.move_to_end(key)
            return self._memory[key]
        path = self._path(key)
        try:
            with path.open("rb") as handle:
                # Files written by this module only, in the workspace folder (mode 0600).
                vue = pickle.load(handle)  # noqa: S301
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 - a damaged file is only a miss
            log.warning("Vue en cache illisible, recalculée : %s (%s)", path.name, exc)
            path.unlink(missing_ok=True)
            return None
        if not isinstance(vue, VueCalculee):
            return None
        self._remember(key, vue)
        return vue

    def put(self, key: str, vue: VueCalculee) -> None:
        """Keep ``vue`` under ``key`` (memory and disk; a disk error only costs a recomputation)."""
        self._remember(key, vue)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with atomic_file(self._path(key), permissions=0o600) as handle:
                pickle.dump(vue, handle, protocol=pickle.HIGHEST_PROTOCOL)
            self._prune()
        except OSError as exc:
            log.warning("Vue non gardée en cache : %s", exc)

    def _remember(self, key: str, vue: VueCalculee) -> None:
        self._memory[key] = vue
        self._memory.move_to_end(key)
        while len(self._memory) > MAX_IN_MEMORY:
            self._memory.popitem(last=False)

    def _prune(self) -> None:
        files = list(self.folder.glob("*.pickle"))
        if len(files) <= MAX_FILES:
            return
        files.sort(key=lambda p: p.stat().st_mtime_ns)
        for path in files[: len(files) - MAX_FILES * 9 // 10]:
            path.unlink(missing_ok=True)


@functools.cache
def cache_for(root: str) -> CacheDeVues:
    """The view cache of a workspace (one per process)."""
    return CacheDeVues(Workspace(Path(root)))
