"""The record of scheduled runs: ``WORKSPACE/planification.sqlite`` (mode 0600), table ``runs``.

One row per scheduled run, written when the run starts (``outcome = 'en_cours'``) and completed
when it ends (``ok``: every report made or already up to date; ``echec``: some reports failed;
``erreur``: the run itself failed, or was interrupted). ``(campaign, scheduled)`` is unique: a
scheduled time is never run twice, whatever restarts. Times are stored in UTC (ISO 8601).
Every write is one ``BEGIN IMMEDIATE`` transaction. No secret is ever stored here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STORE_FILE = "planification.sqlite"
SCHEMA_VERSION = 1
OUTCOMES = ("en_cours", "ok", "echec", "erreur")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign TEXT NOT NULL,
    campaign_file TEXT,
    scheduled TEXT NOT NULL,
    missed INTEGER NOT NULL DEFAULT 0,
    catch_up INTEGER NOT NULL DEFAULT 0,
    started TEXT NOT NULL,
    finished TEXT,
    outcome TEXT NOT NULL DEFAULT 'en_cours'
        CHECK (outcome IN ('en_cours', 'ok', 'echec', 'erreur')),
    done INTEGER,
    failed INTEGER,
    skipped_done INTEGER,
    skipped_condition INTEGER,
    manifest TEXT,
    error TEXT,
    mail TEXT,
    pid INTEGER,
    UNIQUE (campaign, scheduled)
);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (started);
"""


def utc(moment: dt.datetime) -> str:
    """A timezone-aware moment as stored: UTC, ISO 8601, to the second."""
    if moment.tzinfo is None:
        raise ValueError("date sans fuseau horaire")
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def _parse(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


@dataclass
class RunRecord:
    """One row of ``runs``."""

    id: int
    campaign: str
    campaign_file: str | None
    scheduled: dt.datetime
    missed: int
    catch_up: bool
    started: dt.datetime
    finished: dt.datetime | None
    outcome: str
    done: int | None
    failed: int | None
    skipped_done: int | None
    skipped_condition: int | None
    manifest: str | None
    error: str | None
    mail: str | None
    pid: int | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "RunRecord":
        data: dict[str, Any] = dict(row)
        for key in ("scheduled", "started", "finished"):
            data[key] = _parse(data[key])
        data["catch_up"] = bool(data["catch_up"])
        return cls(**data)


class RunStore:
    """The SQLite file of a workspace's scheduled runs."""

    def __init__(self, root: Path):
        self.path = Path(root) / STORE_FILE

    def _create(self) -> None:
        """Create the file with mode 0600 before SQLite opens it; keep it 0600 afterwards."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        if self.path.stat().st_mode & 0o777 != 0o600:
            os.chmod(self.path, 0o600)

    @contextlib.contextmanager
    def _connect(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        if write:
            self._create()
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        else:
            con = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        try:
            if write and con.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                with self._transaction(con):
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            con.execute(statement)
                    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            yield con
        finally:
            con.close()

    @staticmethod
    @contextlib.contextmanager
    def _transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as con, self._transaction(con):
            yield con

    def initialise(self) -> None:
        """Create the file and its schema if needed."""
        with self._connect():
            pass

    # Writes -------------------------------------------------------------------------------

    def begin(self, campaign: str, scheduled: dt.datetime, started: dt.datetime, *, missed: int = 0,
              catch_up: bool = False, campaign_file: str | None = None) -> int | None:
        """Record the start of a run; None if this scheduled time is already recorded."""
        try:
            with self._write() as con:
                cursor = con.execute(
                    "INSERT INTO runs (campaign, campaign_file, scheduled, missed, catch_up, started, pid) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (campaign, campaign_file, utc(scheduled), missed, int(catch_up), utc(started), os.getpid()))
                return int(cursor.lastrowid)
        except sqlite3.IntegrityError:
            return None

    def finish(self, run_id: int, finished: dt.datetime, outcome: str, *, done: int | None = None,
               failed: int | None = None, skipped_done: int | None = None,
               skipped_condition: int | None = None, manifest: str | None = None,
               error: str | None = None) -> None:
        """Record the end of a run."""
        if outcome not in OUTCOMES[1:]:
            raise ValueError(f"issue inconnue : {outcome}")
        with self._write() as con:
            con.execute(
                "UPDATE runs SET finished = ?, outcome = ?, done = ?, failed = ?, skipped_done = ?, "
                "skipped_condition = ?, manifest = ?, error = ? WHERE id = ?",
                (utc(finished), outcome, done, failed, skipped_done, skipped_condition, manifest, error, run_id))

    def set_mail(self, run_id: int, status: str) -> None:
        """Record what became of the failure e-mail of a run."""
        with self._write() as con:
            con.execute("UPDATE runs SET mail = ? WHERE id = ?", (status, run_id))

    def interrupt_running(self, now: dt.datetime, message: str) -> list[RunRecord]:
        """Close the runs left ``en_cours`` by a process that died; call it holding the lock."""
        with self._write() as con:
            rows = con.execute("SELECT * FROM runs WHERE outcome = 'en_cours' ORDER BY id").fetchall()
            con.execute("UPDATE runs SET outcome = 'erreur', finished = ?, error = ? WHERE outcome = 'en_cours'",
                        (utc(now), message))
        return [self.get(row["id"]) for row in rows]

    # Reads --------------------------------------------------------------------------------

    def get(self, run_id: int) -> RunRecord:
        with self._connect(write=False) as con:
            row = con.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(run_id)
        return RunRecord.from_row(row)

    def last_scheduled(self, campaign: str) -> dt.datetime | None:
        """The latest recorded scheduled time of a campaign."""
        if not self.path.exists():
            return None
        with self._connect(write=False) as con:
            try:
                value = con.execute("SELECT max(scheduled) FROM runs WHERE campaign = ?", (campaign,)).fetchone()[0]
            except sqlite3.OperationalError:  # no table yet
                return None
        return _parse(value)

    def history(self, campaign: str | None = None, limit: int = 50) -> list[RunRecord]:
        """The recorded runs, latest first."""
        if not self.path.exists():
            return []
        sql, args = "SELECT * FROM runs", []
        if campaign:
            sql, args = sql + " WHERE campaign = ?", [campaign]
        with self._connect(write=False) as con:
            try:
                rows = con.execute(sql + " ORDER BY started DESC, id DESC LIMIT ?", [*args, limit]).fetchall()
            except sqlite3.OperationalError:
                return []
        return [RunRecord.from_row(r) for r in rows]
