"""Indicators of every employer of a département computed together, then read employer by employer.

A report campaign computes the same indicators for each employer of a département. Computed one
employer at a time, each indicator costs a query of 2 to 6 ms, most of it planning. Computed for
the whole département at once (``Perimetre("employeurs", departement)``: one query of 5 to 8 ms
with a ``siret`` key), it costs a query per indicator for the whole campaign, and then a fraction
of a millisecond per employer. The rows of one employer are exactly those that
``Perimetre("employeur", siret)`` gives (tested for every indicator of the dashboards).

The tables are kept per warehouse state: a campaign's kernels read one state from start to end.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from .moteur import INDICATEURS, IndicatorTable
from .perimetre import Perimetre

MAX_TABLES = 120  # a dashboard view needs 20 to 30: four or five views (years) of a département


class Lots:
    """Indicator tables of every employer of a département, computed once each."""

    def __init__(self, max_tables: int = MAX_TABLES):
        self.max_tables = max_tables
        self._tables: OrderedDict[tuple, tuple[IndicatorTable, pd.DataFrame, dict[str, tuple[int, int]]]] = \
            OrderedDict()
        self._employeurs: dict[tuple, frozenset[str]] = {}

    def tableau(self, con: Any, ind_id: str, siret: str, departement: str, annee: Any, version: tuple,
                **options: Any) -> IndicatorTable:
        """``INDICATEURS[ind_id].fonction(con, Perimetre("employeur", siret), annee, **options)``,
        read from the table of every employer of ``departement`` (computed on first use)."""
        years = tuple(annee) if isinstance(annee, (list, tuple)) else annee
        if siret not in self._members(con, departement, years, version):
            # not an employer of the département every year asked: computed on its own
            return INDICATEURS[ind_id].fonction(con, Perimetre("employeur", siret), annee, **options)
        key = (version, ind_id, departement, years, repr(sorted(options.items())))
        entry = self._tables.get(key)
        if entry is None:
            entry = self._tables[key] = _split(
                INDICATEURS[ind_id].fonction(con, Perimetre("employeurs", departement), annee, **options))
            while len(self._tables) > self.max_tables:  # the least recently read goes
                self._tables.popitem(last=False)
        else:
            self._tables.move_to_end(key)
        table, body, rows = entry
        perimetre = Perimetre("employeur", siret).description()
        perimetre["annee"] = table.perimetre["annee"]
        start, stop = rows.get(siret, (0, 0))
        return replace(table, perimetre=perimetre, dimensions=[d for d in table.dimensions if d != "siret"],
                       cells=body.iloc[start:stop].reset_index(drop=True))

    def _members(self, con: Any, departement: str, years: Any, version: tuple) -> frozenset[str]:
        """The SIRETs of the employers of ``departement`` in each of ``years``."""
        key = (version, departement, years)
        if key not in self._employeurs:
            asked = [int(y) for y in (years if isinstance(years, tuple) else (years,))]
            rows = con.execute("SELECT siret FROM employeur WHERE departement = $dep AND list_contains($annees, "
                               "CAST(annee AS INTEGER)) GROUP BY siret HAVING count(DISTINCT annee) = $n",
                               {"dep": departement, "annees": asked, "n": len(set(asked))}).fetchall()
            if len(self._employeurs) > 64:
                self._employeurs.clear()
            self._employeurs[key] = frozenset(s for (s,) in rows)
        return self._employeurs[key]


def _split(table: IndicatorTable) -> tuple[IndicatorTable, pd.DataFrame, dict[str, tuple[int, int]]]:
    """The table, its cells without the ``siret`` column, and the rows of each employer
    (``siret`` comes first in the order of the rows: each employer's rows are together)."""
    sirets = table.cells["siret"].to_numpy()
    starts = np.flatnonzero(np.r_[True, sirets[1:] != sirets[:-1]]) if len(sirets) else np.array([], int)
    stops = np.r_[starts[1:], len(sirets)]
    rows = {sirets[a]: (int(a), int(b)) for a, b in zip(starts, stops)}
    if len(rows) != len(starts):
        raise AssertionError("lots : lignes d'un employeur non contiguës")
    return table, table.cells.drop(columns="siret"), rows
