"""Build a :class:`Table` with all its margins from one row per agent (tests, benchmarks, notebooks)."""

from __future__ import annotations

from itertools import combinations

import pandas as pd

from .model import Table


def table_from_records(records: pd.DataFrame, *, id: str, titre: str, mesure: str, perimetre: dict,
                       dimensions: list[str], valeur: str | None = None, total: str = "Ensemble",
                       totals: bool = True, complete: bool = True, linked_to: str | None = None,
                       members: dict[str, list[str]] | None = None) -> Table:
    """Cross ``records`` (one row per agent, a ``siret`` column) by ``dimensions``.

    ``valeur`` names the column summed (``jours``, ``montant``); for an effectif table it is
    the number of rows. Every combination of observed members is a cell, plus (``totals``) every
    margin and the grand total; with ``complete`` the combinations of members without any agent
    are cells too (zeros). ``members`` fixes the members (and their order) of some dimensions.
    Cells carry ``effectif``, ``nb_employeurs`` and ``part_max``.
    """
    data = records.copy()
    for d in dimensions:
        data[d] = data[d].astype(str)
    data["_v"] = 1.0 if mesure == "effectif" or valeur is None else data[valeur].astype(float)
    subsets = [tuple(dimensions)]
    if totals:
        subsets = [c for r in range(len(dimensions), -1, -1) for c in combinations(dimensions, r)]
    levels = {d: [str(m) for m in (members or {}).get(d, sorted(data[d].unique()))] for d in dimensions}
    frames = []
    for keep in subsets:
        if keep:
            g = data.groupby(list(keep), sort=True, observed=True)
            part = g.agg(valeur=("_v", "sum"), effectif=("_v", "size"), nb_employeurs=("siret", "nunique"),
                         vmax=("_v", "max"))
            if complete:
                full = (pd.MultiIndex.from_product([levels[d] for d in keep], names=list(keep))
                        if len(keep) > 1 else pd.Index(levels[keep[0]], name=keep[0]))
                part = part.reindex(full, fill_value=0)
            part = part.reset_index()
        else:
            part = pd.DataFrame({"valeur": [data["_v"].sum()], "effectif": [len(data)],
                                 "nb_employeurs": [data["siret"].nunique()], "vmax": [data["_v"].max()]})
        for d in dimensions:
            if d not in keep:
                part[d] = total
        frames.append(part)
    cells = pd.concat(frames, ignore_index=True)
    cells["part_max"] = (cells["vmax"] / cells["valeur"].where(cells["valeur"] > 0)).fillna(0.0)
    cells = cells[[*dimensions, "valeur", "effectif", "nb_employeurs", "part_max"]]
    if mesure == "effectif":
        cells["valeur"] = cells["valeur"].astype(int)
    return Table(id=id, titre=titre, mesure=mesure, perimetre=dict(perimetre), dimensions=list(dimensions),
                 total=total, cells=cells, linked_to=linked_to)
