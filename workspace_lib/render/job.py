"""One report: run the notebook in a warm kernel, export its blocks, write the files atomically.

``render_job`` runs in a worker process (local pool or Dask worker). Each worker keeps one warm
kernel for all the reports it is given. :func:`warm_up` prepares a worker before its first
report: the kernel started with the notebook's imports, and meanwhile the exporters (chart
engine, typst fonts, Word template) run once on a tiny report.
"""

from __future__ import annotations

import atexit
import datetime as dt
import gc
import hashlib
import json
import os
import re
import sys
import tempfile
import threading
import time
import traceback
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import report_model
from ..atomic import write_bytes as write_atomic

# Jupyter's libraries (.kernel) are imported by the functions that run in worker processes: the
# process that plans a campaign and records its results does not need them.
_KERNELS: dict[str, Any] = {}
_NOTEBOOKS: dict[tuple[str, float], dict] = {}


@dataclass
class Job:
    """What one report needs: the notebook, its parameters, where its files go."""

    key: str
    notebook: str
    parameters: dict[str, Any]
    pattern: str  # output path without extension, relative to out_root, may use {slug}
    formats: list[str]
    out_root: str
    workspace_root: str
    organisme: str = ""
    timeout: int = 300
    fields: dict[str, Any] = field(default_factory=dict)  # values for the path pattern
    weight: int = 0  # expected size (agents): the biggest reports are started first
    lots: bool = False  # its kernel computes indicators for every employer at once (see executors.by_lots)


@dataclass
class JobResult:
    """The outcome of one report."""

    key: str
    parameters: dict[str, Any]
    ok: bool
    files: list[dict[str, Any]] = field(default_factory=list)
    tables_json: str | None = None
    error: str | None = None
    detail: str | None = None
    seconds: float = 0.0
    worker: int = 0
    titre: str = ""
    sous_titre: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def slugify(text: str, limit: int = 60) -> str:
    """``"Commune d'Albaret-le-Comtal"`` -> ``"commune-d-albaret-le-comtal"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-") or "rapport"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _kernel(workspace_root: str, timeout: int, preload: str = "", duckdb_threads: int | None = None,
            keep_connection: bool = False, lots: bool = False) -> Any:
    """This process's warm kernel for a workspace (a :class:`.kernel.WarmKernel`); one started
    without ``lots`` is restarted with them when a campaign asks for them (a Dask worker's kernel
    outlives its campaigns)."""
    from .kernel import WarmKernel

    kernel = _KERNELS.get(workspace_root)
    if kernel is not None and lots and not kernel.lots:
        kernel.lots = True
        kernel.restart()
    if kernel is None:
        kernel = _KERNELS[workspace_root] = WarmKernel(Path(workspace_root), timeout=timeout, preload=preload,
                                                       duckdb_threads=duckdb_threads, keep_connection=keep_connection,
                                                       lots=lots)
        atexit.register(kernel.shutdown)
    kernel.timeout = timeout
    return kernel


def _warm_exporters(formats: list[str]) -> None:
    """Export a tiny report (a table, a chart) to ``formats`` and throw it away: starts
    vl-convert's JavaScript engine, scans typst's fonts, reads the Word template."""
    try:
        from ..exporters import charts, export
        from ..exporters.exemple import rapport

        blocks, meta = rapport(n_tableaux=1, n_graphiques=1)
        with tempfile.TemporaryDirectory(prefix="rendu-amorce-") as folder:
            for fmt in formats:
                export(blocks, meta, fmt, Path(folder) / f"amorce.{fmt}")
        charts.vider_cache()
    except Exception:  # noqa: BLE001  (the first report will say what is wrong)
        pass


# What the first report of a kernel would otherwise do (0.7 s in all), done with the notebook's
# imports instead: disclosure control solves linear programs (scipy's solver) and splits its
# tables into connected components (scipy's graph routines); pandas converts DuckDB's Arrow
# results (pyarrow's pandas compatibility layer); a campaign's kernel keeps one warehouse
# connection, opened now.
_PRELOAD = ("\nimport scipy.optimize\nimport scipy.sparse.csgraph\nimport pyarrow.pandas_compat"
            "\nimport workspace_lib.warehouse\nworkspace_lib.warehouse.open_kept()")


def kernel_preload(notebook: str) -> str:
    """What a campaign's kernels load when they start: the notebook's imports and ``_PRELOAD``."""
    from .kernel import notebook_imports

    return notebook_imports(_notebook(notebook)) + _PRELOAD


def warm_up(workspace_root: str, notebook: str, formats: list[str], timeout: int = 300,
            ready: Any = None, duckdb_threads: int | None = None, lots: bool = False) -> None:
    """Prepare this worker process before its first report (never raises: a report started
    without warm-up only takes longer). ``ready``: a queue that gets ``(pid, time.time())``;
    ``duckdb_threads``: threads of the kernel's DuckDB connections (its share of the cores);
    ``lots``: the kernel computes indicators for every employer at once (several reports each)."""
    if "jsonschema" not in sys.modules:
        # nbformat imports jsonschema, whose optional IRI format checker builds a Lark grammar
        # at import (rfc3987_syntax: 0.8 s of CPU in every worker). Notebooks never hold IRIs
        # to check: a worker process goes without it.
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]
    try:
        preload = kernel_preload(notebook)  # (imports Jupyter's libraries before the thread starts)
        exporters = threading.Thread(target=_warm_exporters, args=(list(formats),), daemon=True)
        exporters.start()  # native code and imports, while the kernel starts in this thread
        try:
            # A local worker ends with its campaign: its kernel keeps one warehouse connection.
            _kernel(workspace_root, timeout, preload=preload,
                    duckdb_threads=duckdb_threads, keep_connection=True, lots=lots)
        finally:
            exporters.join()
        # What is alive now lives until the end: keep it out of the garbage collector's scans.
        gc.collect()
        gc.freeze()
    except Exception:  # noqa: BLE001
        pass
    if ready is not None:
        ready.put((os.getpid(), time.time()))


def _notebook(path: str) -> dict:
    from .kernel import load_notebook

    key = (path, os.path.getmtime(path))
    if key not in _NOTEBOOKS:
        _NOTEBOOKS[key] = load_notebook(Path(path))
    return _NOTEBOOKS[key]


def _meta(blocks: list[report_model.Block], job: Job) -> Any:
    from ..exporters import ReportMeta

    entete = next((b for b in blocks if isinstance(b, report_model.Entete)), None)
    return ReportMeta(
        titre=entete.titre if entete else "Rapport",
        sous_titre=entete.sous_titre if entete else "",
        annee=(entete.annee if entete else None) or job.parameters.get("annee"),
        date_edition=dt.date.today(),
        organisme=job.organisme,
    )


def render_job(job: Job) -> JobResult:
    """Run one report end to end; never raises (a failure is a result with ``ok=False``)."""
    from ..exporters import export
    from .kernel import NotebookFailed

    started = time.perf_counter()
    result = JobResult(job.key, job.parameters, ok=False, worker=os.getpid())
    try:
        kernel = _kernel(job.workspace_root, job.timeout, lots=job.lots)
        executed = kernel.run(_notebook(job.notebook), job.parameters)
        blocks = report_model.blocks_from_notebook(executed)
        meta = _meta(blocks, job)
        result.titre, result.sous_titre = meta.titre, meta.sous_titre
        relative = job.pattern.format(**job.fields, slug=slugify(meta.sous_titre or meta.titre))
        base = Path(job.out_root) / relative
        for fmt in job.formats:
            target = base.with_name(base.name + f".{fmt}")
            export(blocks, meta, fmt, target)
            result.files.append({"format": fmt, "chemin": str(target.relative_to(job.out_root)),
                                 "sha256": sha256_file(target), "octets": target.stat().st_size})
        tables = base.with_name(base.name + ".tables.json")
        payload = {"tables": report_model.published_tables(blocks)}
        write_atomic(tables, json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8"))
        result.tables_json = str(tables.relative_to(job.out_root))
        result.ok = True
    except NotebookFailed as exc:
        result.error, result.detail = exc.message, exc.detail[-4000:]
    except Exception as exc:  # a report must not stop the campaign
        result.error = f"{type(exc).__name__}: {exc}"[:500]
        result.detail = traceback.format_exc()[-4000:]
    result.seconds = time.perf_counter() - started
    return result
