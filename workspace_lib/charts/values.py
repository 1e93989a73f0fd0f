"""Values, French formats, cells and alt-text pieces shared by the chart builders.

A table row becomes a *cell*: its keys as labels, ``valeur`` (``None`` unless it may be drawn)
and ``etat``: ``valeur``, ``secret`` (a suppressed cell, whatever its value) or ``absent`` (no
value, no secret status). Values shown as text (labels, tooltips, alt text) are formatted here
with the French rules (:func:`format_value`); axes and legends are formatted by Vega.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from . import theme

# Same values as workspace_lib.disclosure (not imported: it pulls scipy, 1 s at import).
SECRET_PRIMAIRE = "secret_primaire"
SECRET_SECONDAIRE = "secret_secondaire"
PUBLIE = "publie"
SUPPRESSED = frozenset({SECRET_PRIMAIRE, SECRET_SECONDAIRE})
SECRET_MARK = "s"
SECRET_LEGEND = "s : donnée couverte par le secret statistique"
MISSING_MARK = "nd"
MISSING_LEGEND = "nd : donnée non disponible"
NO_DATA_LABEL = "Pas de donnée"
SECRET_LABEL = "s : secret statistique"

VALUE, SECRET, MISSING = "valeur", "secret", "absent"
MAX_VALUES_IN_ALT_TEXT = 60
TOTAL_MEMBERS = {"ensemble", "total"}

Cell = dict[str, Any]


def is_missing(value: Any) -> bool:
    """True for None, NaN, NA and NaT."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def py(value: Any) -> Any:
    """A JSON-safe Python value (NaN -> None, numpy -> Python, dates -> ISO text)."""
    if is_missing(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return None
    return value


def unit_suffix(unite: str) -> str:
    """« % » after a narrow no-break space, any other unit after a no-break space."""
    if not unite:
        return ""
    if unite == "%":
        return theme.NARROW_NBSP + "%"
    return theme.NBSP + unite


def format_value(value: Any, decimales: int = 0, unite: str = "") -> str:
    """``12345.6`` -> ``"12 345,6"`` (U+202F), with the unit: ``"5,2 %"``, ``"1 200 €"``."""
    if is_missing(value):
        return ""
    text = f"{float(value):,.{decimales}f}".replace(",", theme.NARROW_NBSP).replace(".", ",")
    if text.startswith("-"):
        text = "\u2212" + text[1:]  # the minus sign Vega prints too
    return text + unit_suffix(unite)


def decimals(values: Sequence[float | None], decimales: int | None) -> int:
    """``decimales`` if given, else 0 when every value is whole, else 1."""
    if decimales is not None:
        return decimales
    finite = [v for v in values if v is not None]
    return 0 if all(float(v).is_integer() for v in finite) else 1


def check_columns(df: pd.DataFrame, *columns: str | None) -> None:
    """A French error for a non-DataFrame, a missing column or an empty table."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"Un DataFrame pandas est attendu (reçu {type(df).__name__}).")
    missing = [c for c in columns if c and c not in df.columns]
    if missing:
        raise KeyError(
            f"Colonne{'s' if len(missing) > 1 else ''} absente{'s' if len(missing) > 1 else ''} "
            f"du tableau : {', '.join(missing)} (colonnes : {', '.join(map(str, df.columns))})."
        )
    if df.empty:
        raise ValueError("Le tableau est vide : aucune donnée à représenter.")


def label(value: Any) -> str:
    """A category as text: « Non renseigné » when missing, ``2024.0`` -> ``"2024"``."""
    value = py(value)
    if value is None:
        return "Non renseigné"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def cells_of(df: pd.DataFrame, value_col: str, statut: str | None, keys: dict[str, str | None]) -> list[Cell]:
    """One dict per row: the keys (as labels), ``valeur`` (None unless drawable), ``etat``.

    ``etat`` is ``secret`` when the status is a secret (the value is dropped whatever it is),
    ``absent`` when there is no value, else ``valeur``.
    """
    has_statut = bool(statut) and statut in df.columns
    out = []
    for row in df.to_dict("records"):
        status = py(row.get(statut)) if has_statut else None
        if status is not None and status != PUBLIE and status not in SUPPRESSED:
            raise ValueError(
                f"Statut inconnu « {status} » dans la colonne « {statut} » : attendu {PUBLIE}, "
                f"{SECRET_PRIMAIRE} ou {SECRET_SECONDAIRE} (contrôle du secret). Pour une autre "
                "colonne nommée ainsi, renommez-la ou passez statut=None."
            )
        value = py(row[value_col])
        if status in SUPPRESSED:
            state, value = SECRET, None
        elif value is None:
            state = MISSING
        else:
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"Valeur non numérique dans la colonne « {value_col} » : {value!r}.") from None
            state = VALUE
        cell = {name: (label(row[col]) if col else "") for name, col in keys.items()}
        cell.update(valeur=value, etat=state, statut=py(status) if has_statut else None, _row=row)
        out.append(cell)
    return out


def donnees_of(cells: list[Cell], columns: Sequence[str | None], value_col: str,
               statut: str | None) -> list[dict[str, Any]]:
    """The records drawn, for the Excel export: only the chart's columns (never the
    contributors' columns of a suppressed cell), secret values blanked."""
    records = []
    for cell in cells:
        row = cell["_row"]
        rec = {c: py(row[c]) for c in columns if c}
        rec[value_col] = cell["valeur"]
        if statut and statut in row:
            rec[statut] = cell["statut"]
        records.append(rec)
    return records


def spec_record(cell: Cell) -> dict[str, Any]:
    """A cell as a record of the spec's inline data (no status, no source row)."""
    return {k: v for k, v in cell.items() if not k.startswith("_") and k != "statut"}


def unique(values: Sequence[str]) -> list[str]:
    """The values without repeats, in their order."""
    return list(dict.fromkeys(values))


def check_unique(cells: list[Cell], keys: Sequence[str], what: str) -> None:
    """A French error when two cells share the same ``keys``."""
    seen = set()
    for cell in cells:
        key = tuple(cell[k] for k in keys)
        if key in seen:
            raise ValueError(
                f"Plusieurs lignes pour {what} « {' / '.join(k for k in key if k)} » : "
                "filtrez le tableau (une ligne par barre ou par point) ou ajoutez une série."
            )
        seen.add(key)


def legends_of(cells: list[Cell]) -> list[str]:
    """The « s » and « nd » legends the cells need."""
    states = {c["etat"] for c in cells}
    return [text for state, text in ((SECRET, SECRET_LEGEND), (MISSING, MISSING_LEGEND)) if state in states]


def mark_of(state: str) -> str:
    """« s » for a secret cell, « nd » for a missing one."""
    return SECRET_MARK if state == SECRET else MISSING_MARK


def shown(cell: Cell, d: int, unite: str) -> str:
    """The cell as written on the chart: its formatted value, « s » or « nd »."""
    if cell["etat"] == SECRET:
        return SECRET_MARK
    if cell["etat"] == MISSING:
        return MISSING_MARK
    return format_value(cell["valeur"], d, unite)


def axis_title(title: str, unite: str) -> str:
    """The title with its unit in brackets, unless the title already names it."""
    return f"{title} ({unite})" if unite and unite not in title else title


def list_values(parts: list[str]) -> str:
    """The parts joined by « ; », at most :data:`MAX_VALUES_IN_ALT_TEXT` of them."""
    if len(parts) > MAX_VALUES_IN_ALT_TEXT:
        rest = len(parts) - MAX_VALUES_IN_ALT_TEXT
        parts = parts[:MAX_VALUES_IN_ALT_TEXT] + [f"… et {rest} autres valeurs (voir le tableau de données)"]
    return " ; ".join(parts)


def extremes(cells: list[Cell], name: Callable[[Cell], str], d: int, unite: str) -> str:
    """« Valeur la plus élevée : … ; la plus faible : … » (empty under two drawn values)."""
    drawn = [c for c in cells if c["etat"] == VALUE]
    if len(drawn) < 2:
        return ""
    high = max(drawn, key=lambda c: c["valeur"])
    low = min(drawn, key=lambda c: c["valeur"])
    return (f"Valeur la plus élevée : {name(high)} ({format_value(high['valeur'], d, unite)}) ; "
            f"la plus faible : {name(low)} ({format_value(low['valeur'], d, unite)}).")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "…", "!", "?")) else text + "."


def alt_text(*parts: str) -> str:
    """The non-empty parts as sentences."""
    return " ".join(_sentence(p) for p in parts if p and p.strip())
