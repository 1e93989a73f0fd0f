"""Indicateurs de formation.

Population : l'effectif permanent au 31/12 (``population="total"`` : l'effectif total au
31/12) ; numérateurs : les lignes de la table ``formation`` de ces agents dans l'année. Un agent
« formé » a au moins une ligne de formation (jours > 0) dans l'année. Dimensions propres :
``type_formation`` et ``organisme`` (CNFPT, AUTRE).
"""

from __future__ import annotations

from .moteur import DIMS_AGENT, IndicatorTable, cube_detail, indicateur, ratio, valider_option
from .perimetre import Perimetre

POP = {"permanent": "permanent_31_12", "total": "total_31_12"}
OPT_POP = {"population": ("permanent", "total")}
DIMS_FORMATION = DIMS_AGENT + ("type_formation", "organisme")


def _formation(con, ind_id, perimetre, annee, dimensions, population, sorties) -> IndicatorTable:
    pop = POP[valider_option(ind_id, "population", population, tuple(POP))]
    return cube_detail(
        con, ind_id, perimetre, annee, dimensions, population=pop, table="formation", detail_where="TRUE",
        detail_params={}, p_aggs={},
        d_aggs={"d_jours": "sum(jours)", "d_cnfpt": "coalesce(sum(jours) FILTER (WHERE organisme = 'CNFPT'), 0)"},
        sorties=sorties)


@indicateur("jours_formation", "Jours de formation", "formation", "jours", "jours",
            "Jours de formation suivis dans l'année par les agents de l'effectif permanent au 31/12.",
            dimensions=DIMS_FORMATION, defaut=("type_formation",), options=OPT_POP)
def jours_formation(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Jours de formation, par type de formation par défaut.

    Formule : Σ jours (table formation) des agents de l'effectif permanent au 31/12. Mesure
    additive ; ``effectif`` = agents formés de la cellule.
    """
    return _formation(con, "jours_formation", perimetre, annee, dimensions, population,
                      {"valeur": "d.d_jours", "effectif": "d.d_agents", "nb_employeurs": "d.d_employeurs"})


@indicateur("jours_formation_par_agent", "Jours de formation par agent", "formation", "jours", "jours par agent",
            "Jours de formation / effectif permanent au 31/12.", dimensions=DIMS_FORMATION, options=OPT_POP)
def jours_formation_par_agent(con, perimetre: Perimetre, annee, *, dimensions=None,
                              population="permanent") -> IndicatorTable:
    """Jours de formation par agent.

    Formule : Σ jours de formation des agents de l'effectif permanent au 31/12 / (effectif
    permanent au 31/12).
    """
    return _formation(con, "jours_formation_par_agent", perimetre, annee, dimensions, population,
                      ratio("d.d_jours", "p.p_effectif"))


@indicateur("part_agents_formes", "Part des agents formés", "formation", "taux", "%",
            "Agents ayant suivi au moins une formation / effectif permanent au 31/12 × 100.",
            dimensions=DIMS_FORMATION, options=OPT_POP)
def part_agents_formes(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Part des agents formés (%) ; par catégorie (``categorie``), par fonctionnaire/contractuel
    (``statut_groupe``, avec ``population="total"`` pour les contractuels non permanents).

    Formule : 100 × (agents de l'effectif permanent au 31/12 ayant au moins une ligne de
    formation dans l'année) / (effectif permanent au 31/12).
    """
    return _formation(con, "part_agents_formes", perimetre, annee, dimensions, population,
                      ratio("d.d_agents", "p.p_effectif", 100))


@indicateur("part_jours_formation_cnfpt", "Part des jours de formation assurés par le CNFPT", "formation",
            "taux", "%", "Jours de formation CNFPT / jours de formation × 100.",
            dimensions=DIMS_AGENT + ("type_formation",), options=OPT_POP)
def part_jours_formation_cnfpt(con, perimetre: Perimetre, annee, *, dimensions=None,
                               population="permanent") -> IndicatorTable:
    """Part des jours de formation dispensés par le CNFPT (%).

    Formule : 100 × Σ jours (organisme = CNFPT) / Σ jours (tous organismes), sur les formations
    des agents de l'effectif permanent au 31/12. ``effectif`` = agents formés de la cellule.
    """
    sorties = ratio("d.d_cnfpt", "d.d_jours", 100)
    sorties.update(effectif="d.d_agents", nb_employeurs="d.d_employeurs")
    return _formation(con, "part_jours_formation_cnfpt", perimetre, annee, dimensions, population, sorties)
