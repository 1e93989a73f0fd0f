"""A process killed (SIGKILL) while it loads the national data leaves the warehouse as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from workspace_lib.config import Workspace
from workspace_lib.ingest import import_sources

VALID = Path(__file__).parent / "data" / "valid"


def _fingerprint(path: Path) -> dict[str, tuple]:
    con = duckdb.connect(str(path))  # read-write, as the next command would open it
    try:
        return {
            table: con.execute(f"SELECT count(*), sum(hash(COLUMNS(*))) FROM {table}").fetchone()
            for table in ("employeur", "agent", "absence", "formation", "import_log")
        }
    finally:
        con.close()


def _wait_for_load(proc: subprocess.Popen, warehouse: Path, timeout: float) -> bool:
    """Wait until the import writes into the warehouse (file or WAL grows); False if it ended first."""
    wal = Path(str(warehouse) + ".wal")
    size0 = warehouse.stat().st_size
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        grown = warehouse.stat().st_size > size0 or (wal.exists() and wal.stat().st_size > 0)
        if grown:
            return True
        time.sleep(0.02)
    return False


@pytest.mark.slow
def test_kill_during_national_import_leaves_previous_warehouse(tmp_path_factory):
    from workspace_lib.synth import generate

    data = tmp_path_factory.mktemp("france")
    generate(data, departement=None, years=[2024], seed=11, formats=("csv",))
    ws = Workspace.locate(tmp_path_factory.mktemp("ws"))
    import_sources(ws, [str(VALID)])
    before = _fingerprint(ws.warehouse_path)

    killed_during_load = False
    for delay in (0.5, 0.0):  # one kill while reading, one while loading
        proc = subprocess.Popen(
            [sys.executable, "-m", "workspace_lib.cli", "--workspace", str(ws.root), "import",
             str(data / "csv" / "2024")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if delay:
            time.sleep(delay)
        else:
            killed_during_load = _wait_for_load(proc, ws.warehouse_path, timeout=300)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        assert _fingerprint(ws.warehouse_path) == before
    assert killed_during_load, "the import ended before it could be killed while loading"

    # Still usable: the same import now runs to completion, and cleans the killed runs' scratch.
    report = import_sources(ws, [str(data / "csv" / "2024")], show_progress=False)
    assert sum(o.rows for o in report.outcomes) > 1_000_000
    assert list((ws.root / ".tmp").iterdir()) == []
