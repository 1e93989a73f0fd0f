"""Indicateurs de mouvements : arrivées, départs, rotation, titularisations.

Population des mouvements (``population="permanent"``, par défaut) : les agents de statut
permanent (TITULAIRE, STAGIAIRE, CONTRACTUEL_PERMANENT) déclarés dans l'année N, **toutes
positions confondues** (une mise en disponibilité n'est pas un départ de l'employeur), présents
ou non au 31/12 ; ``population="total"`` : tous les statuts.

- arrivée : date_entree dans l'année N ; départ : date_sortie dans l'année N ;
- effectif au 31/12 (mouvements) : agents de la population avec present_31_12 = vrai ;
- effectif au 1/1 : agents de la population qui ne sont pas arrivés dans l'année
  (date_entree vide ou antérieure au 1/1/N) ; on a effectif 1/1 + arrivées − départs =
  effectif 31/12 dès que « non présent au 31/12 » équivaut à « date de sortie renseignée » ;
- effectif moyen = (effectif au 1/1 + effectif au 31/12) / 2.
"""

from __future__ import annotations

from .moteur import DIMS_AGENT, IndicatorTable, cube_agents, indicateur, ratio, valider_annees, valider_option
from .perimetre import Perimetre

POP_MVT = {"permanent": "permanent_mouvements", "total": "total_mouvements"}
OPT_POP = {"population": ("permanent", "total")}
ENTREE = "year(a.date_entree) = a.annee"
SORTIE = "year(a.date_sortie) = a.annee"


def _pop(ind_id, population):
    return POP_MVT[valider_option(ind_id, "population", population, tuple(POP_MVT))]


@indicateur("arrivees", "Arrivées dans l'année", "mouvements", "effectif", "agents",
            "Agents de statut permanent arrivés dans l'année (date d'entrée dans l'année), par motif.",
            dimensions=DIMS_AGENT + ("motif_entree",), defaut=("motif_entree",), options=OPT_POP)
def arrivees(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Arrivées (nombre d'agents), par motif d'arrivée par défaut.

    Formule : nombre d'agents de la population des mouvements dont year(date_entree) = N.
    Mesure additive.
    """
    return cube_agents(con, "arrivees", perimetre, annee, dimensions, population=_pop("arrivees", population),
                       colonnes={}, sorties={"valeur": "count(*)"}, where=ENTREE)


@indicateur("departs", "Départs dans l'année", "mouvements", "effectif", "agents",
            "Agents de statut permanent partis dans l'année (date de sortie dans l'année), par motif.",
            dimensions=DIMS_AGENT + ("motif_sortie",), defaut=("motif_sortie",), options=OPT_POP)
def departs(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Départs (nombre d'agents), par motif de départ par défaut.

    Formule : nombre d'agents de la population des mouvements dont year(date_sortie) = N.
    Mesure additive.
    """
    return cube_agents(con, "departs", perimetre, annee, dimensions, population=_pop("departs", population),
                       colonnes={}, sorties={"valeur": "count(*)"}, where=SORTIE)


_COLONNES = {"ent": f"CASE WHEN {ENTREE} THEN 1 ELSE 0 END", "sor": f"CASE WHEN {SORTIE} THEN 1 ELSE 0 END",
             "pres": "CASE WHEN a.present_31_12 THEN 1 ELSE 0 END"}
_MOYEN = "((count(*) - sum(ent)) + sum(pres)) / 2.0"
_DETAIL = {"entrees": "sum(ent)", "sorties": "sum(sor)", "effectif_1er_janvier": "count(*) - sum(ent)",
           "effectif_31_12": "sum(pres)", "effectif_numerateur": "count(*) FILTER (WHERE ent = 1 OR sor = 1)"}


def _taux(con, ind_id, perimetre, annee, dimensions, population, numerateur) -> IndicatorTable:
    sorties = ratio(numerateur, _MOYEN, 100) | _DETAIL
    return cube_agents(con, ind_id, perimetre, annee, dimensions, population=_pop(ind_id, population),
                       colonnes=_COLONNES, sorties=sorties)


@indicateur("taux_rotation", "Taux de rotation (turnover)", "mouvements", "taux", "%",
            "((arrivées + départs) / 2) / effectif moyen × 100 ; effectif moyen = (effectif au 1/1 + "
            "effectif au 31/12) / 2.", dimensions=DIMS_AGENT, options=OPT_POP)
def taux_rotation(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Taux de rotation (%).

    Formule : 100 × ((arrivées + départs) / 2) / ((effectif au 1/1 + effectif au 31/12) / 2),
    sur la population des mouvements (voir le module) ; effectif au 1/1 = agents de la
    population non arrivés dans l'année ; effectif au 31/12 = agents de la population présents
    au 31/12. Colonnes en plus : entrees, sorties, effectif_1er_janvier, effectif_31_12.
    """
    return _taux(con, "taux_rotation", perimetre, annee, dimensions, population, "(sum(ent) + sum(sor)) / 2.0")


@indicateur("taux_entrees", "Taux d'entrée", "mouvements", "taux", "%",
            "Arrivées / effectif moyen × 100.", dimensions=DIMS_AGENT, options=OPT_POP)
def taux_entrees(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Taux d'entrée (%).

    Formule : 100 × arrivées / ((effectif au 1/1 + effectif au 31/12) / 2), mêmes définitions
    que ``taux_rotation``.
    """
    return _taux(con, "taux_entrees", perimetre, annee, dimensions, population, "sum(ent)")


@indicateur("taux_sorties", "Taux de sortie", "mouvements", "taux", "%",
            "Départs / effectif moyen × 100.", dimensions=DIMS_AGENT, options=OPT_POP)
def taux_sorties(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Taux de sortie (%).

    Formule : 100 × départs / ((effectif au 1/1 + effectif au 31/12) / 2), mêmes définitions
    que ``taux_rotation``.
    """
    return _taux(con, "taux_sorties", perimetre, annee, dimensions, population, "sum(sor)")


@indicateur("titularisations", "Titularisations", "mouvements", "effectif", "agents",
            "Agents titulaires en N qui étaient stagiaires en N−1 chez le même employeur.",
            dimensions=DIMS_AGENT)
def titularisations(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Titularisations (nombre d'agents).

    Formule : nombre d'agents déclarés TITULAIRE en N (toutes positions, présents ou non au
    31/12) dont la ligne de N−1 chez le même employeur (même agent_id, même SIRET) porte le
    statut STAGIAIRE. Demande les données de N−1 : sans elles, 0. Mesure additive ; les
    dimensions sont celles de la ligne de N.
    """
    _, serie = valider_annees(annee)
    # the constant bounds let DuckDB skip the other years when scanning ``b``
    years = "b.annee = a.annee - 1 AND " + (
        "b.annee BETWEEN $annee_min - 1 AND $annee_max - 1" if serie else "b.annee = $annee - 1")
    if perimetre.niveau == "employeur":
        years += " AND b.siret = $siret"
    where = ("a.statut = 'TITULAIRE' AND EXISTS (SELECT 1 FROM agent b WHERE "
             f"{years} AND b.siret = a.siret AND b.agent_id = a.agent_id AND b.statut = 'STAGIAIRE')")
    return cube_agents(con, "titularisations", perimetre, annee, dimensions, population="permanent_mouvements",
                       colonnes={}, sorties={"valeur": "count(*)"}, where=where)
