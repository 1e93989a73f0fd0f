"""The import's bars move while a long statement runs (real DuckDB, real files, real /proc)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import duckdb
import pytest

from workspace_lib.ingest.progress import BytesRead, follow_statements, statement_progress


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    """About 40 MB of CSV: DuckDB reads it in several buffers."""
    path = tmp_path_factory.mktemp("progression") / "lignes.csv"
    line = "".join(f"{i};texte numéro {i};{i * 3.5}\n" for i in range(20_000)).encode()
    with path.open("wb") as fh:
        fh.write(b"n;texte;valeur\n")
        for _ in range(60):
            fh.write(line)
    return path


def _reports(block, **kwargs) -> list[float]:
    seen: list[float] = []
    con = duckdb.connect()
    follow_statements(con)
    with statement_progress(con, seen.append, every=0.01, **kwargs):
        block(con)
    con.close()
    return seen


def test_reading_a_file_is_followed_by_the_bytes_read(big_csv: Path):
    size = big_csv.stat().st_size
    seen = _reports(lambda con: con.execute(
        "CREATE TABLE t AS SELECT * FROM read_csv(?, delim=';', header=true)", [str(big_csv)]), file_size=size)
    assert seen == sorted(seen) and seen[-1] <= 1.0
    assert any(0.05 < x < 0.95 for x in seen), seen  # it moved during the statement
    assert seen[-1] > 0.9


def test_a_statement_over_a_table_is_followed_by_duckdb():
    seen = _reports(lambda con: con.execute(
        "SELECT count(*) FROM range(150_000_000) t(i) WHERE hash(i) % 7 = 0").fetchall())
    assert seen == sorted(seen) and seen[-1] <= 1.0
    assert any(0.05 < x < 0.95 for x in seen), seen


def test_the_checksum_thread_reading_is_left_out(big_csv: Path):
    """What the thread computing checksums reads (ahead, other files) is not the import's progress."""
    ids: list[int] = []
    measured = threading.Event()

    def checksum() -> None:
        ids.append(threading.get_native_id())
        time.sleep(0.05)  # the measure starts meanwhile
        big_csv.read_bytes()
        measured.wait(10)  # alive until measured, as the importer's checksum thread is

    for excluded, expected_low in ((True, True), (False, False)):
        ids.clear()
        measured.clear()
        thread = threading.Thread(target=checksum)
        thread.start()
        while not ids:
            time.sleep(0.001)
        reading = BytesRead(ids[0] if excluded else None)
        time.sleep(0.5)  # the thread reads the file meanwhile
        read = reading.since_start()
        measured.set()
        thread.join()
        assert read is not None
        assert (read < big_csv.stat().st_size / 10) is expected_low, read
