"""French formatting of numbers and dates for everything a user reads."""

from __future__ import annotations

import datetime as dt

NARROW_NBSP = "\u202f"


def nombre(value: float | int, decimals: int = 0) -> str:
    """``12345.6`` -> ``"12 345,6"`` (narrow no-break space for thousands, comma for decimals)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NARROW_NBSP).replace(".", ",")


def date(value: dt.date | dt.datetime) -> str:
    """``2024-12-31`` -> ``"31/12/2024"``."""
    return value.strftime("%d/%m/%Y")


def date_heure(value: dt.datetime) -> str:
    """A timestamp as ``"31/12/2024 à 18:05"``."""
    return value.strftime("%d/%m/%Y à %H:%M")


def pluriel(n: int, singulier: str, pluriel_: str | None = None) -> str:
    """``pluriel(2, "ligne")`` -> ``"2 lignes"`` with a French number."""
    word = singulier if abs(n) < 2 else (pluriel_ or singulier + "s")
    return f"{nombre(n)} {word}"
