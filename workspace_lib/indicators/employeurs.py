"""Indicateurs calculés à partir des montants déclarés par les employeurs (table ``employeur``).

Un montant d'employeur-année est rapporté à l'effectif permanent au 31/12 de ce même employeur ;
seuls comptent les employeurs-années qui ont déclaré le montant (non vide) et ont au moins un
agent permanent au 31/12. ``part_max`` est la part du plus gros **employeur** dans le montant de
la cellule ; ``effectif`` est l'effectif permanent de ces employeurs.
"""

from __future__ import annotations

from .moteur import (DIMENSIONS, DIMS_EMPLOYEUR, IndicatorTable, contexte, cube_employeurs, execute,
                     indicateur, ratio)
from .perimetre import POP_PERMANENT_31_12, Perimetre

_PAR_AGENT = ratio("sum(montant)", "sum(n)")


@indicateur("depenses_formation_par_agent", "Dépenses de formation par agent", "employeurs", "montant",
            "euros par agent", "Dépenses de formation de l'employeur / effectif permanent au 31/12.",
            dimensions=DIMS_EMPLOYEUR)
def depenses_formation_par_agent(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Dépenses de formation par agent (euros).

    Formule : Σ depenses_formation / Σ effectif permanent au 31/12, sur les employeurs ayant
    déclaré leurs dépenses de formation.
    """
    return cube_employeurs(con, "depenses_formation_par_agent", perimetre, annee, dimensions,
                           montant="e.depenses_formation", sorties=_PAR_AGENT)


@indicateur("action_sociale_par_agent", "Dépenses d'action sociale par agent", "employeurs", "montant",
            "euros par agent", "Dépenses d'action sociale / effectif permanent au 31/12.",
            dimensions=DIMS_EMPLOYEUR)
def action_sociale_par_agent(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Dépenses d'action sociale par agent (euros).

    Formule : Σ action_sociale / Σ effectif permanent au 31/12, sur les employeurs ayant
    déclaré ce montant.
    """
    return cube_employeurs(con, "action_sociale_par_agent", perimetre, annee, dimensions,
                           montant="e.action_sociale", sorties=_PAR_AGENT)


@indicateur("protection_sociale_par_agent", "Participation à la protection sociale complémentaire par agent",
            "employeurs", "montant", "euros par agent",
            "Participation de l'employeur à la protection sociale complémentaire / effectif permanent au 31/12.",
            dimensions=DIMS_EMPLOYEUR)
def protection_sociale_par_agent(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Participation à la protection sociale complémentaire par agent (euros).

    Formule : Σ participation_protection_sociale / Σ effectif permanent au 31/12, sur les
    employeurs ayant déclaré ce montant (0 compris).
    """
    return cube_employeurs(con, "protection_sociale_par_agent", perimetre, annee, dimensions,
                           montant="e.participation_protection_sociale", sorties=_PAR_AGENT)


@indicateur("taux_transmission_rsu", "Taux de transmission des RSU", "employeurs", "taux", "%",
            "Employeurs ayant transmis leur RSU / employeurs du périmètre × 100.", dimensions=DIMS_EMPLOYEUR)
def taux_transmission_rsu(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Taux de transmission des RSU (%).

    Formule : 100 × (employeurs-années du périmètre avec rsu_transmis = vrai) / (employeurs-années
    du périmètre). ``nb_employeurs`` = employeurs de la cellule ; ``effectif`` = leur effectif
    permanent au 31/12.
    """
    ctx = contexte("taux_transmission_rsu", perimetre, annee, dimensions)
    dims = ctx.dims
    dim_sel = "".join(f", {DIMENSIONS[d]} AS d_{d}" for d in dims)
    heads = (f"heads AS (SELECT a.annee, a.siret, count(*) AS n FROM agent a "
             f"WHERE {ctx.filtre('a')} AND {POP_PERMANENT_31_12} GROUP BY a.annee, a.siret)")
    emp = (f"emp AS (SELECT e.annee, e.siret{dim_sel}, CASE WHEN e.rsu_transmis THEN 1 ELSE 0 END AS t, "
           f"coalesce(h.n, 0) AS n FROM employeur e LEFT JOIN heads h ON h.annee = e.annee AND h.siret = e.siret "
           f"WHERE {ctx.filtre('e')})")
    out = ratio("sum(t)", "count(*)", 100) | {"effectif": "sum(n)", "nb_employeurs": "count(*)"}
    select = ", ".join(([ctx.labels(dims)] if ctx.colonnes_dimensions() else [])
                       + [f"{sql} AS {name}" for name, sql in out.items()])
    sql = (f"{ctx.with_(heads, emp)}SELECT {select} FROM emp {ctx.group_by(dims)} "
           f"HAVING count(*) > 0 {ctx.order_by()}")
    return ctx.table(execute(con, sql, ctx.params))
