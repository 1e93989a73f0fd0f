"""The one path from an indicator to a published table: conversion and joint protection.

Dashboards and reports never display an :class:`~workspace_lib.indicators.IndicatorTable`: they
pass all the tables of a view together through :func:`proteger`, which applies the primary and
secondary suppression of :mod:`workspace_lib.disclosure`, and display the result.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..disclosure import MESURES, Rules, Table, protect
from ..disclosure.io import table_to_dict
from ..indicators.moteur import IndicatorTable

# Dimension names the transparency format reserves (a cell's "statut" is its publication
# status): the agent's statut is published as "statut_agent".
RENAMED_DIMENSIONS = {"statut": "statut_agent"}
_RULE_COLUMNS = ("effectif", "nb_employeurs", "part_max")


def to_disclosure(table: IndicatorTable, key: str | None = None, linked_to: str | None = None) -> Table:
    """An indicator's table in the form disclosure control protects.

    ``key`` names the table in the view (default: the indicator id); the indicator id is the
    ``variable``, so that two breakdowns of the same indicator share their margins.
    """
    cells = table.cells
    if any(name in cells.columns for name in RENAMED_DIMENSIONS):  # (a copy: only when needed)
        cells = cells.rename(columns=RENAMED_DIMENSIONS)
    # An undefined ratio (0 / 0: no training, no agent...) is not a cell: shown as « nd ».
    defined = cells["valeur"].notna()
    if not defined.all():
        cells = cells[defined]
    dims = [RENAMED_DIMENSIONS.get(d, d) for d in table.dimensions]
    keep = [*dims, "valeur", *[c for c in _RULE_COLUMNS if c in cells.columns]]
    # "euros par ETPR", "jours par agent"...: a mean, not a sum of its members.
    moyenne = " par " in table.unite or table.mesure not in MESURES
    return Table(
        id=key or table.id,
        titre=table.titre,
        mesure=table.mesure if table.mesure in MESURES else "taux",
        perimetre=dict(table.perimetre),
        dimensions=dims,
        # pandas copies on write: the table's own cells without a copy, a selection only if needed.
        cells=cells if list(cells.columns) == keep else cells[keep],
        linked_to=linked_to,
        variable=table.id,
        moyenne=moyenne,
    )


def proteger(tables: Mapping[str, IndicatorTable | Table], rules: Rules | None = None,
             links: Mapping[str, str] | None = None) -> dict[str, Table]:
    """Protect the tables of one view together; keys are the names the view uses."""
    links = links or {}
    converted = [t if isinstance(t, Table) else to_disclosure(t, key, links.get(key))
                 for key, t in tables.items()]
    return {t.id: t for t in protect(converted, rules)}


def as_published(table: Table) -> dict:
    """The ``.tables.json`` form of a protected table (what report blocks carry)."""
    return table_to_dict(table)
