"""The account database: ``WORKSPACE/comptes.sqlite`` (file mode 0600).

Tables: ``utilisateurs`` (login, role, argon2id hash, password date, disabled flag, TOTP secret),
``sessions`` (server-side sessions: only a SHA-256 of the random id is stored), ``echecs``
(failed-login counters per account and per source address) and ``adresses_connues`` (addresses
a user logged in from). Security state lives here, not in process memory: it survives a restart
and is shared between the server and the ``workspace users`` commands.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from . import passwords

ROLES = ("developpeur", "analyste")
LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS utilisateurs (
    login TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('developpeur', 'analyste')),
    hash TEXT NOT NULL,
    mot_de_passe_date REAL NOT NULL,
    doit_changer INTEGER NOT NULL DEFAULT 0,
    desactive INTEGER NOT NULL DEFAULT 0,
    totp_secret TEXT,
    totp_dernier INTEGER NOT NULL DEFAULT 0,
    cree REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    login TEXT NOT NULL REFERENCES utilisateurs(login) ON DELETE CASCADE,
    cree REAL NOT NULL,
    activite REAL NOT NULL,
    adresse TEXT,
    doit_changer INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_login ON sessions(login);
CREATE TABLE IF NOT EXISTS echecs (
    cle TEXT PRIMARY KEY,
    nombre INTEGER NOT NULL,
    dernier REAL NOT NULL,
    bloque_jusqua REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS adresses_connues (
    login TEXT NOT NULL,
    adresse TEXT NOT NULL,
    derniere REAL NOT NULL,
    PRIMARY KEY (login, adresse)
);
"""


class AccountError(ValueError):
    """An account operation failed (French message)."""


@dataclass(frozen=True)
class Account:
    login: str
    role: str
    hash: str
    password_date: float
    must_change: bool
    disabled: bool
    totp_secret: str | None
    totp_last: int
    created: float

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Account":
        return cls(row["login"], row["role"], row["hash"], row["mot_de_passe_date"], bool(row["doit_changer"]),
                   bool(row["desactive"]), row["totp_secret"], row["totp_dernier"], row["cree"])

    def password_expired(self, max_age_days: int, now: float | None = None) -> bool:
        if max_age_days <= 0:
            return False
        return (now or time.time()) - self.password_date > max_age_days * 86400


class Store:
    """Access to the account database. One short connection per operation (safe across threads
    and processes; WAL journal so readers do not block the writer)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
        with self.connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=15, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA foreign_keys=ON")
        try:
            yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # ---- users -------------------------------------------------------------------------------
    def get(self, login: str) -> Account | None:
        with self.connect() as con:
            row = con.execute("SELECT * FROM utilisateurs WHERE login = ?", (login,)).fetchone()
        return Account.from_row(row) if row else None

    def require(self, login: str) -> Account:
        account = self.get(login)
        if account is None:
            raise AccountError(f"Le compte « {login} » n'existe pas.")
        return account

    def list(self) -> list[Account]:
        with self.connect() as con:
            return [Account.from_row(r) for r in con.execute("SELECT * FROM utilisateurs ORDER BY login")]

    def add(self, login: str, role: str, password: str, *, must_change: bool = False) -> Account:
        if not LOGIN_RE.match(login):
            raise AccountError(f"Identifiant « {login} » invalide : 2 à 64 caractères parmi a-z, 0-9, « . _ @ - », "
                               "en commençant par une lettre ou un chiffre.")
        if role not in ROLES:
            raise AccountError(f"Rôle « {role} » inconnu : {' ou '.join(ROLES)}.")
        passwords.check_policy(password, login=login)
        now = time.time()
        try:
            with self.transaction() as con:
                con.execute("INSERT INTO utilisateurs (login, role, hash, mot_de_passe_date, doit_changer, cree) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            (login, role, passwords.hash_password(password), now, int(must_change), now))
        except sqlite3.IntegrityError:
            raise AccountError(f"Le compte « {login} » existe déjà.") from None
        return self.require(login)

    def set_password(self, login: str, password: str, *, must_change: bool = False,
                     current: str | None = None) -> None:
        """Set a new password (policy checked). ``current`` also refuses reusing it."""
        self.require(login)
        passwords.check_policy(password, login=login, current=current)
        with self.transaction() as con:
            con.execute("UPDATE utilisateurs SET hash = ?, mot_de_passe_date = ?, doit_changer = ? WHERE login = ?",
                        (passwords.hash_password(password), time.time(), int(must_change), login))

    def rehash(self, login: str, password: str) -> None:
        with self.transaction() as con:
            con.execute("UPDATE utilisateurs SET hash = ? WHERE login = ?", (passwords.hash_password(password), login))

    def set_role(self, login: str, role: str) -> None:
        if role not in ROLES:
            raise AccountError(f"Rôle « {role} » inconnu : {' ou '.join(ROLES)}.")
        self.require(login)
        with self.transaction() as con:
            con.execute("UPDATE utilisateurs SET role = ? WHERE login = ?", (role, login))
            # A new role takes effect at the next login: end current sessions.
            con.execute("DELETE FROM sessions WHERE login = ?", (login,))

    def set_disabled(self, login: str, disabled: bool) -> None:
        self.require(login)
        with self.transaction() as con:
            con.execute("UPDATE utilisateurs SET desactive = ? WHERE login = ?", (int(disabled), login))
            if disabled:
                con.execute("DELETE FROM sessions WHERE login = ?", (login,))

    def set_totp(self, login: str, secret: str | None) -> None:
        self.require(login)
        with self.transaction() as con:
            con.execute("UPDATE utilisateurs SET totp_secret = ?, totp_dernier = 0 WHERE login = ?", (secret, login))

    def use_totp_step(self, login: str, step: int) -> bool:
        """Record the time step of an accepted code; False if it (or a later one) was used (replay)."""
        with self.transaction() as con:
            cur = con.execute("UPDATE utilisateurs SET totp_dernier = ? WHERE login = ? AND totp_dernier < ?",
                              (step, login, step))
            return cur.rowcount == 1

    def set_password_date(self, login: str, when: float) -> None:
        """For tests and migrations: back-date a password."""
        with self.transaction() as con:
            con.execute("UPDATE utilisateurs SET mot_de_passe_date = ? WHERE login = ?", (when, login))
