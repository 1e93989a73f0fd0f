"""Throttling of failed logins, per account and per source address, kept in the database.

After ``ACCOUNT_FREE`` failures on an account (``ADDRESS_FREE`` from one address), each further
failure blocks new attempts for an exponentially growing delay (30 s, 1 min, 2 min...) capped at
``MAX_DELAY`` (15 minutes). Counters are forgotten after ``FORGET_AFTER`` without failure, and an
account's counter is reset by a successful login.

An attacker must not be able to lock a user out forever by failing on purpose: the account
block does not apply to addresses the user successfully logged in from during the last
``KNOWN_FOR`` (90 days); those remain subject to the per-address throttle only. A blocked attempt
is refused without checking the password and does not extend the block.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from .store import Store

ACCOUNT_FREE = 5
ADDRESS_FREE = 20
BASE_DELAY = 30.0
MAX_DELAY = 15 * 60.0
FORGET_AFTER = 24 * 3600.0
KNOWN_FOR = 90 * 86400.0


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    wait_seconds: int = 0
    reason: str = ""  # "compte" or "adresse"

    def message(self) -> str:
        minutes = max(1, math.ceil(self.wait_seconds / 60))
        return (f"Trop de tentatives de connexion échouées. Réessayez dans {minutes} minute"
                f"{'s' if minutes > 1 else ''}.")


def _delay(count: int, free: int) -> float:
    if count < free:
        return 0.0
    return min(BASE_DELAY * 2 ** (count - free), MAX_DELAY)


class Throttle:
    def __init__(self, store: Store):
        self.store = store

    def _blocked_until(self, con, key: str, now: float) -> float:
        row = con.execute("SELECT nombre, dernier, bloque_jusqua FROM echecs WHERE cle = ?", (key,)).fetchone()
        if row is None or now - row["dernier"] > FORGET_AFTER:
            return 0.0
        return row["bloque_jusqua"]

    def check(self, login: str, address: str) -> Verdict:
        """May this address try this login now?"""
        now = time.time()
        with self.store.connect() as con:
            until_address = self._blocked_until(con, f"adresse:{address}", now)
            if until_address > now:
                return Verdict(False, int(until_address - now) + 1, "adresse")
            until_account = self._blocked_until(con, f"compte:{login}", now)
            if until_account > now:
                known = con.execute("SELECT derniere FROM adresses_connues WHERE login = ? AND adresse = ?",
                                    (login, address)).fetchone()
                if not (known and now - known["derniere"] < KNOWN_FOR):
                    return Verdict(False, int(until_account - now) + 1, "compte")
        return Verdict(True)

    def failure(self, login: str, address: str) -> None:
        now = time.time()
        with self.store.transaction() as con:
            for key, free in ((f"compte:{login}", ACCOUNT_FREE), (f"adresse:{address}", ADDRESS_FREE)):
                row = con.execute("SELECT nombre, dernier FROM echecs WHERE cle = ?", (key,)).fetchone()
                count = 1 if row is None or now - row["dernier"] > FORGET_AFTER else row["nombre"] + 1
                delay = _delay(count, free)
                con.execute("INSERT INTO echecs (cle, nombre, dernier, bloque_jusqua) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT(cle) DO UPDATE SET nombre = excluded.nombre, dernier = excluded.dernier, "
                            "bloque_jusqua = excluded.bloque_jusqua", (key, count, now, now + delay if delay else 0))

    def success(self, login: str, address: str) -> None:
        now = time.time()
        with self.store.transaction() as con:
            con.execute("DELETE FROM echecs WHERE cle = ?", (f"compte:{login}",))
            con.execute("INSERT INTO adresses_connues (login, adresse, derniere) VALUES (?, ?, ?) "
                        "ON CONFLICT(login, adresse) DO UPDATE SET derniere = excluded.derniere",
                        (login, address, now))

    def reset(self, login: str) -> None:
        """Administrator's unblock (``workspace users reset-password`` does it)."""
        with self.store.transaction() as con:
            con.execute("DELETE FROM echecs WHERE cle = ?", (f"compte:{login}",))
