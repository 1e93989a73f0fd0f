"""Server-side sessions: the cookie carries a random id, the database its SHA-256 and times.

A session ends on logout, on idle timeout, on absolute timeout, when its user is disabled or
changes role, and when the user changes password (every session of the user).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from .store import Store


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Session:
    id_hash: str
    login: str
    role: str
    created: float
    last_activity: float
    address: str | None
    must_change: bool


class Sessions:
    # Activity is written at most this often (seconds), to spare the database.
    TOUCH_EVERY = 30

    def __init__(self, store: Store, *, idle_seconds: float, max_seconds: float):
        self.store = store
        self.idle_seconds = idle_seconds
        self.max_seconds = max_seconds

    def create(self, login: str, address: str | None, *, must_change: bool = False) -> str:
        """A new session; returns its random id (to put in the cookie, and nowhere else)."""
        session_id = secrets.token_urlsafe(32)
        now = time.time()
        with self.store.transaction() as con:
            con.execute("INSERT INTO sessions (id_hash, login, cree, activite, adresse, doit_changer) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (_digest(session_id), login, now, now, address, int(must_change)))
            # Housekeeping: forget sessions expired long ago.
            con.execute("DELETE FROM sessions WHERE activite < ? OR cree < ?",
                        (now - self.idle_seconds, now - self.max_seconds))
        return session_id

    def lookup(self, session_id: str | None) -> Session | None:
        """The live session of this id (and refresh its activity), or None."""
        if not session_id or len(session_id) > 100:
            return None
        digest = _digest(session_id)
        now = time.time()
        with self.store.connect() as con:
            row = con.execute(
                "SELECT s.*, u.role, u.desactive FROM sessions s JOIN utilisateurs u ON u.login = s.login "
                "WHERE s.id_hash = ?", (digest,)).fetchone()
            if row is None:
                return None
            if (row["desactive"] or now - row["activite"] > self.idle_seconds
                    or now - row["cree"] > self.max_seconds):
                con.execute("DELETE FROM sessions WHERE id_hash = ?", (digest,))
                return None
            if now - row["activite"] > self.TOUCH_EVERY:
                con.execute("UPDATE sessions SET activite = ? WHERE id_hash = ?", (now, digest))
        return Session(digest, row["login"], row["role"], row["cree"], row["activite"], row["adresse"],
                       bool(row["doit_changer"]))

    def end(self, session_id: str | None) -> None:
        if session_id:
            with self.store.transaction() as con:
                con.execute("DELETE FROM sessions WHERE id_hash = ?", (_digest(session_id),))

    def end_all(self, login: str) -> int:
        with self.store.transaction() as con:
            return con.execute("DELETE FROM sessions WHERE login = ?", (login,)).rowcount

    def count(self, login: str) -> int:
        with self.store.connect() as con:
            return con.execute("SELECT count(*) FROM sessions WHERE login = ?", (login,)).fetchone()[0]
