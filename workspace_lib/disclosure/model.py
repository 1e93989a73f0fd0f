"""Tables to publish and the primary suppression rules (``Rules``).

A :class:`Table` is the contract between the indicators library and the disclosure control: one
aggregate table, its cells as a DataFrame with one column per dimension (string members, the
total member ``total`` marking margins), a ``valeur`` column and the columns the primary rules
need (``effectif``, ``nb_employeurs``, ``part_max``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Literal

import numpy as np
import pandas as pd

MESURES = ("effectif", "jours", "montant", "taux")
ADDITIVES = frozenset({"effectif", "jours", "montant"})

PUBLIE = "publie"
SECRET_PRIMAIRE = "secret_primaire"
SECRET_SECONDAIRE = "secret_secondaire"
STATUTS = (PUBLIE, SECRET_PRIMAIRE, SECRET_SECONDAIRE)
SUPPRIMES = frozenset({SECRET_PRIMAIRE, SECRET_SECONDAIRE})

# Columns that describe the contributors of a cell: never published for a suppressed cell.
AUXILIARY_COLUMNS = ("effectif", "nb_employeurs", "part_max")
# Names a dimension cannot take (cell columns; ``valeur`` and ``statut`` are keys of the cells in
# the transparency file). The agent's statut as a dimension is ``statut_agent``.
RESERVED = ("valeur", "statut", *AUXILIARY_COLUMNS)


@dataclass(kw_only=True)
class Table:
    """One aggregate table to publish (all fields are keyword-only).

    ``cells`` holds one row per cell: one column per dimension (string members; the member
    ``total`` in a dimension marks the margin along it, and when a table shows totals every
    margin and the grand total are rows of ``cells``), ``valeur``, and the columns the primary
    rules read: ``effectif`` (agents contributing; equal to ``valeur`` for an effectif table,
    which may omit it), ``nb_employeurs`` (distinct employers contributing; needed when the
    ``perimetre`` has no ``siret``), ``part_max`` (share 0..1 of the largest agent contribution;
    needed for ``montant``). After :func:`~workspace_lib.disclosure.protect` the cells also carry
    ``statut``.

    ``linked_to`` names a table whose suppression pattern this one follows (a ``taux`` over the
    effectif of another table, say). ``variable`` tells which quantity an additive table counts:
    tables with the same ``variable`` (by default their ``mesure``) and overlapping cells (same
    perimetre and members) are taken as publishing the same numbers, and protected together.
    Give two tables counting different populations distinct ``variable`` names (when their shared
    cells have different values they are kept apart anyway).
    """

    id: str
    titre: str
    mesure: Literal["effectif", "jours", "montant", "taux"]
    perimetre: dict
    dimensions: list[str]
    total: str = "Ensemble"
    cells: pd.DataFrame
    linked_to: str | None = None
    variable: str | None = None
    # A mean or a ratio of amounts (pay per ETPR...): the rules of its ``mesure`` apply to
    # each cell, but its members do not add up to the total.
    moyenne: bool = False

    def __post_init__(self) -> None:
        if self.mesure not in MESURES:
            raise ValueError(
                f"Tableau « {self.id} » : mesure « {self.mesure} » inconnue "
                f"(attendu : {', '.join(MESURES)})."
            )
        self.dimensions = list(self.dimensions)
        if len(set(self.dimensions)) != len(self.dimensions):
            raise ValueError(f"Tableau « {self.id} » : dimension répétée dans {self.dimensions}.")
        reserved = [d for d in self.dimensions if d in RESERVED]
        if reserved:
            raise ValueError(
                f"Tableau « {self.id} » : « {reserved[0]} » ne peut pas nommer une dimension "
                f"(noms réservés : {', '.join(RESERVED)}) ; pour le statut de l'agent, "
                "utilisez « statut_agent »."
            )
        present = set(self.cells.columns)  # (a set: ``in`` on an Index costs 30 µs a time)
        missing = [c for c in [*self.dimensions, "valeur"] if c not in present]
        if missing:
            raise ValueError(f"Tableau « {self.id} » : colonnes absentes des cellules : {', '.join(missing)}.")

    @property
    def additive(self) -> bool:
        """True for the measures whose members add up to their total (not ``taux``)."""
        return self.mesure in ADDITIVES and not self.moyenne

    @property
    def multi_employeurs(self) -> bool:
        """True when the perimetre spans several employers (no ``siret`` in it)."""
        return "siret" not in self.perimetre

    @property
    def protected(self) -> bool:
        return "statut" in self.cells.columns

    def copy(self) -> "Table":
        return replace(self, perimetre=dict(self.perimetre), dimensions=list(self.dimensions),
                       cells=self.cells.copy())


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"[secret_statistique] {name} : nombre attendu, « {value!r} » reçu.")
    return value


@dataclass(frozen=True)
class Rules:
    """Primary suppression rules and the protection required of suppressed cells.

    - ``min_effectif``: a cell whose ``effectif`` is between 1 and ``min_effectif - 1`` is
      sensitive, whatever the measure.
    - ``zero_sensible``: by default a cell with effectif 0 is *not* sensitive: a true zero says
      that no agent is in the cell and reveals nothing about a person, so it may be published.
      Set it when a zero itself is revealing (group disclosure, e.g. "no woman in category A").
    - ``min_contributeurs_montant``, ``dominance``: a ``montant`` cell of fewer contributors, or
      where one agent contributes more than ``dominance`` of the total, is sensitive.
    - ``min_employeurs``: in a table whose perimetre spans several employers (no ``siret``), a
      cell with 1 to ``min_employeurs - 1`` contributing employers is sensitive.
    - ``protection_interval``: width the feasibility interval of every suppressed count cell must
      keep (default ``min_effectif``); no suppressed cell may be exactly determined.
    - ``protection_relative``: for ``jours`` and ``montant`` cells in primary secret, the interval
      must also be at least this share of the cell's value.
    """

    min_effectif: int = 5
    min_contributeurs_montant: int = 11
    dominance: float = 0.85
    min_employeurs: int = 3
    protection_interval: float | None = None
    zero_sensible: bool = False
    protection_relative: float = 0.10

    def __post_init__(self) -> None:
        if self.min_effectif < 1 or self.min_contributeurs_montant < 1 or self.min_employeurs < 1:
            raise ValueError("[secret_statistique] les seuils doivent être au moins 1.")
        if not 0 < self.dominance <= 1:
            raise ValueError("[secret_statistique] dominance doit être comprise entre 0 et 1.")
        if self.protection_interval is not None and self.protection_interval <= 0:
            raise ValueError("[secret_statistique] protection_interval doit être positif.")
        if not 0 <= self.protection_relative < 1:
            raise ValueError("[secret_statistique] protection_relative doit être entre 0 et 1.")

    @property
    def intervalle(self) -> float:
        """Minimal interval width of a suppressed count cell."""
        return float(self.protection_interval if self.protection_interval is not None else self.min_effectif)

    @classmethod
    def from_settings(cls, settings: dict | None) -> "Rules":
        """Rules from the ``[secret_statistique]`` section of the workspace settings.

        ``settings`` is the whole settings dictionary (``Workspace.settings()``); a missing
        section or key keeps the default. Unknown keys are refused (a typo must not silently
        weaken the protection).
        """
        section = (settings or {}).get("secret_statistique", {}) or {}
        if not isinstance(section, dict):
            raise ValueError("[secret_statistique] doit être une section du fichier de réglages.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(section) - known)
        if unknown:
            raise ValueError(
                f"[secret_statistique] réglage inconnu : {', '.join(unknown)} "
                f"(réglages possibles : {', '.join(sorted(known))})."
            )
        values = {}
        for name, value in section.items():
            if name == "zero_sensible":
                if not isinstance(value, bool):
                    raise ValueError("[secret_statistique] zero_sensible : true ou false attendu.")
                values[name] = value
            elif name in ("min_effectif", "min_contributeurs_montant", "min_employeurs"):
                number = _number(value, name)
                if number != int(number):
                    raise ValueError(f"[secret_statistique] {name} : nombre entier attendu.")
                values[name] = int(number)
            else:
                values[name] = float(_number(value, name))
        return cls(**values)

    def primary(self, table: Table) -> np.ndarray:
        """Boolean mask of the table's cells that are sensitive by themselves."""
        cells = table.cells
        n = len(cells)
        if n == 0:
            return np.zeros(0, dtype=bool)
        effectif = _column(table, "effectif", required=table.mesure != "effectif")
        if effectif is None:
            effectif = _column(table, "valeur", required=True)
        if np.isnan(effectif).any():
            raise ValueError(f"Tableau « {table.id} » : effectif manquant dans certaines cellules.")
        present = effectif > 0
        sensitive = present & (effectif < self.min_effectif)
        if self.zero_sensible:
            sensitive |= effectif == 0
        if table.mesure == "montant":
            sensitive |= present & (effectif < self.min_contributeurs_montant)
            part_max = _column(table, "part_max", required=True)
            sensitive |= present & (np.nan_to_num(part_max, nan=1.0) > self.dominance)
        if table.multi_employeurs:
            employeurs = _column(table, "nb_employeurs", required=True)
            employeurs = np.nan_to_num(employeurs, nan=0.0)
            sensitive |= (employeurs > 0) & (employeurs < self.min_employeurs)
        return sensitive


def _column(table: Table, name: str, required: bool) -> np.ndarray | None:
    if name not in table.cells.columns:
        if required:
            raise ValueError(
                f"Tableau « {table.id} » ({table.mesure}) : la colonne « {name} » est nécessaire "
                "aux règles du secret statistique."
            )
        return None
    col = table.cells[name]
    try:
        return col.to_numpy(dtype=float, na_value=math.nan)
    except (TypeError, ValueError):
        return pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=math.nan)
