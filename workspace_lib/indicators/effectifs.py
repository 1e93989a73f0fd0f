"""Indicateurs d'effectifs, de temps de travail, d'âges et de handicap (stock au 31/12)."""

from __future__ import annotations

from .moteur import (AGE_SQL, DIMS_AGENT, ETP_SQL, ETPR_SQL, IndicatorTable, cube_agents, indicateur,
                     ratio, valider_option)
from .perimetre import Perimetre

POP_STOCK = {"permanent": "permanent_31_12", "total": "total_31_12"}
POP_ANNEE = {"permanent": "permanent_annee", "total": "total_annee"}
OPT_POP = {"population": ("permanent", "total")}
AGE_LEGAL_FONCTIONNAIRES = 64
AGE_LEGAL_CONTRACTUELS = 67


def _pop(ind_id: str, population: str, table: dict) -> str:
    return table[valider_option(ind_id, "population", population, tuple(table))]


def _somme(con, ind_id, perimetre, annee, dimensions, population, valeur_sql="count(*)", where="",
           colonnes=None, table=POP_STOCK) -> IndicatorTable:
    return cube_agents(con, ind_id, perimetre, annee, dimensions, population=_pop(ind_id, population, table),
                       colonnes=colonnes or {}, sorties={"valeur": valeur_sql}, where=where)


def _part(con, ind_id, perimetre, annee, dimensions, population, condition: str, params=None) -> IndicatorTable:
    """Share (%) of the agents of the population meeting ``condition`` (static SQL on ``a``)."""
    sorties = ratio("sum(x)", "count(*)", 100)
    sorties["effectif_numerateur"] = "sum(x)"
    return cube_agents(con, ind_id, perimetre, annee, dimensions, population=_pop(ind_id, population, POP_STOCK),
                       colonnes={"x": f"CASE WHEN {condition} THEN 1 ELSE 0 END"}, sorties=sorties, params=params)


def _repartition(con, ind_id, perimetre, annee, dimensions, population, cible: str) -> IndicatorTable:
    """Share (%) of each member of ``cible`` in the population of the cell where ``cible`` is Ensemble."""
    return cube_agents(con, ind_id, perimetre, annee, dimensions, population=_pop(ind_id, population, POP_STOCK),
                       colonnes={}, sorties={"numerateur": "count(*)"}, repartition=cible)


# --- effectifs ---------------------------------------------------------------------------------
@indicateur("effectif_permanent", "Effectif permanent au 31/12", "effectifs", "effectif", "agents",
            "Agents présents au 31/12, titulaires, stagiaires ou contractuels sur emploi permanent, "
            "en position d'activité ou mis à disposition.",
            dimensions=DIMS_AGENT, defaut=())
def effectif_permanent(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Effectif permanent au 31/12.

    Formule : nombre d'agents tels que present_31_12 = vrai, statut ∈ {TITULAIRE, STAGIAIRE,
    CONTRACTUEL_PERMANENT} et position ∈ {ACTIVITE, MAD}. Mesure additive (les marges sont des
    sommes). Dimensions : sexe, statut, categorie, filiere, tranche_age... (voir
    ``INDICATEURS["effectif_permanent"].dimensions_admises``).
    """
    return _somme(con, "effectif_permanent", perimetre, annee, dimensions, "permanent")


@indicateur("effectif_total", "Effectif total au 31/12 (tous statuts)", "effectifs", "effectif", "agents",
            "Agents présents au 31/12 en position d'activité ou mis à disposition, tous statuts "
            "(y compris contractuels non permanents, collaborateurs de cabinet, contrats aidés, apprentis...).",
            dimensions=DIMS_AGENT)
def effectif_total(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Effectif total au 31/12, tous statuts.

    Formule : nombre d'agents tels que present_31_12 = vrai et position ∈ {ACTIVITE, MAD},
    quel que soit le statut. Mesure additive.
    """
    return _somme(con, "effectif_total", perimetre, annee, dimensions, "total")


@indicateur("etp", "Équivalents temps plein (ETP) au 31/12", "effectifs", "effectif", "ETP",
            "Somme, sur l'effectif au 31/12, de quotité/100 × heures hebdomadaires/35.",
            dimensions=DIMS_AGENT, options=OPT_POP)
def etp(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """ETP au 31/12.

    Formule : ETP = Σ (quotite / 100) × (heures_hebdo / 35) sur l'effectif au 31/12
    (``population="permanent"`` : effectif permanent au 31/12, par défaut ; ``"total"`` :
    effectif total au 31/12). Mesure additive ; ``effectif`` = nombre d'agents de la cellule.
    """
    return _somme(con, "etp", perimetre, annee, dimensions, population, "sum(x)", colonnes={"x": ETP_SQL})


@indicateur("etpr", "Équivalents temps plein rémunérés (ETPR) de l'année", "effectifs", "effectif", "ETPR",
            "Somme, sur les agents rémunérés dans l'année, de quotité/100 × heures/35 × jours rémunérés / jours de l'année.",
            dimensions=DIMS_AGENT, options=OPT_POP)
def etpr(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """ETPR (équivalents temps plein rémunérés) de l'année.

    Formule : ETPR = Σ (quotite / 100) × (heures_hebdo / 35) × (jours_remuneres / J), J = nombre
    de jours de l'année (365, ou 366 en année bissextile), sur les agents rémunérés dans l'année
    (jours_remuneres > 0), présents ou non au 31/12 : de statut permanent
    (``population="permanent"``, par défaut) ou de tout statut (``"total"``). Mesure additive.
    """
    return _somme(con, "etpr", perimetre, annee, dimensions, population, "sum(x)",
                  colonnes={"x": ETPR_SQL}, table=POP_ANNEE)


@indicateur("part_femmes", "Part des femmes", "effectifs", "taux", "%",
            "Femmes / effectif au 31/12 × 100.", dimensions=[d for d in DIMS_AGENT if d != "sexe"],
            options=OPT_POP)
def part_femmes(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Part des femmes (%).

    Formule : 100 × (nombre de femmes, sexe = F) / (effectif au 31/12), sur l'effectif
    permanent au 31/12 (par défaut) ou l'effectif total (``population="total"``).
    """
    return _part(con, "part_femmes", perimetre, annee, dimensions, population, "a.sexe = 'F'")


@indicateur("part_contractuels", "Part des contractuels", "effectifs", "taux", "%",
            "Contractuels (permanents et non permanents) / effectif total au 31/12 × 100.",
            dimensions=[d for d in DIMS_AGENT if d not in ("statut", "statut_groupe")],
            options={"population": ("total", "permanent")})
def part_contractuels(con, perimetre: Perimetre, annee, *, dimensions=None, population="total") -> IndicatorTable:
    """Part des contractuels (%).

    Formule : 100 × (agents de statut CONTRACTUEL_PERMANENT ou CONTRACTUEL_NON_PERMANENT) /
    (effectif total au 31/12). Avec ``population="permanent"`` : contractuels permanents /
    effectif permanent au 31/12.
    """
    return _part(con, "part_contractuels", perimetre, annee, dimensions, population,
                 "a.statut IN ('CONTRACTUEL_PERMANENT', 'CONTRACTUEL_NON_PERMANENT')")


@indicateur("repartition_statut", "Répartition de l'effectif par statut", "effectifs", "taux", "%",
            "Agents de chaque statut / effectif total au 31/12 × 100.",
            dimensions=DIMS_AGENT, defaut=("statut",), requises=("statut",),
            options={"population": ("total", "permanent")})
def repartition_statut(con, perimetre: Perimetre, annee, *, dimensions=None, population="total") -> IndicatorTable:
    """Répartition par statut (%).

    Formule : pour chaque statut s, 100 × effectif(s) / effectif(Ensemble des statuts), les
    autres dimensions étant fixées ; effectif total au 31/12 par défaut. La ligne « Ensemble »
    vaut 100.
    """
    return _repartition(con, "repartition_statut", perimetre, annee, dimensions, population, "statut")


@indicateur("repartition_categorie", "Répartition de l'effectif par catégorie", "effectifs", "taux", "%",
            "Agents de chaque catégorie (A, B, C, non renseignée) / effectif permanent au 31/12 × 100.",
            dimensions=DIMS_AGENT, defaut=("categorie",), requises=("categorie",), options=OPT_POP)
def repartition_categorie(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Répartition par catégorie hiérarchique (%).

    Formule : pour chaque catégorie c (A, B, C, NON_RENSEIGNE), 100 × effectif(c) /
    effectif(Ensemble), sur l'effectif permanent au 31/12 par défaut.
    """
    return _repartition(con, "repartition_categorie", perimetre, annee, dimensions, population, "categorie")


@indicateur("repartition_filiere", "Répartition de l'effectif par filière", "effectifs", "taux", "%",
            "Agents de chaque filière / effectif permanent au 31/12 × 100.",
            dimensions=DIMS_AGENT, defaut=("filiere",), requises=("filiere",), options=OPT_POP)
def repartition_filiere(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Répartition par filière (%).

    Formule : pour chaque filière f, 100 × effectif(f) / effectif(Ensemble), sur l'effectif
    permanent au 31/12 par défaut.
    """
    return _repartition(con, "repartition_filiere", perimetre, annee, dimensions, population, "filiere")


@indicateur("part_emplois_fonctionnels", "Part des emplois fonctionnels", "effectifs", "taux", "%",
            "Agents sur emploi fonctionnel / effectif permanent au 31/12 × 100.",
            dimensions=DIMS_AGENT, options=OPT_POP)
def part_emplois_fonctionnels(con, perimetre: Perimetre, annee, *, dimensions=None,
                              population="permanent") -> IndicatorTable:
    """Part des emplois fonctionnels (%).

    Formule : 100 × (agents avec emploi_fonctionnel = vrai) / (effectif permanent au 31/12).
    """
    return _part(con, "part_emplois_fonctionnels", perimetre, annee, dimensions, population,
                 "a.emploi_fonctionnel")


# --- temps de travail --------------------------------------------------------------------------
@indicateur("part_temps_partiel", "Part des agents à temps partiel", "temps de travail", "taux", "%",
            "Agents dont la quotité est inférieure à 100 % / effectif permanent au 31/12 × 100, par sexe.",
            dimensions=DIMS_AGENT, defaut=("sexe",), options=OPT_POP)
def part_temps_partiel(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Part des agents à temps partiel (%), par sexe par défaut.

    Formule : 100 × (agents avec quotite < 100) / (effectif permanent au 31/12).
    """
    return _part(con, "part_temps_partiel", perimetre, annee, dimensions, population, "a.quotite < 100")


@indicateur("part_temps_non_complet", "Part des agents à temps non complet", "temps de travail", "taux", "%",
            "Agents sur poste à temps non complet / effectif permanent au 31/12 × 100, par sexe.",
            dimensions=DIMS_AGENT, defaut=("sexe",), options=OPT_POP)
def part_temps_non_complet(con, perimetre: Perimetre, annee, *, dimensions=None,
                           population="permanent") -> IndicatorTable:
    """Part des agents à temps non complet (%), par sexe par défaut.

    Formule : 100 × (agents avec temps_travail = NON_COMPLET) / (effectif permanent au 31/12).
    """
    return _part(con, "part_temps_non_complet", perimetre, annee, dimensions, population,
                 "a.temps_travail = 'NON_COMPLET'")


@indicateur("part_teletravail", "Part des agents en télétravail", "temps de travail", "taux", "%",
            "Agents en télétravail / effectif permanent au 31/12 × 100.",
            dimensions=DIMS_AGENT, options=OPT_POP)
def part_teletravail(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Part des agents télétravailleurs (%).

    Formule : 100 × (agents avec teletravail = vrai) / (effectif permanent au 31/12) ; un
    télétravail non renseigné compte comme « non ».
    """
    return _part(con, "part_teletravail", perimetre, annee, dimensions, population, "a.teletravail")


# --- âges ------------------------------------------------------------------------------------------
@indicateur("pyramide_ages", "Pyramide des âges", "âges", "effectif", "agents",
            "Effectif permanent au 31/12 par tranche d'âge de 5 ans et par sexe.",
            dimensions=DIMS_AGENT, defaut=("tranche_age", "sexe"), options=OPT_POP)
def pyramide_ages(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Pyramide des âges : effectif au 31/12 par tranche d'âge × sexe.

    Formule : nombre d'agents de l'effectif permanent au 31/12 par tranche de 5 ans de l'âge
    atteint dans l'année (âge = annee − annee_naissance) : « moins de 20 ans », « 20-24 ans »,
    ..., « 60-64 ans », « 65 ans et plus ». Mesure additive.
    """
    return _somme(con, "pyramide_ages", perimetre, annee, dimensions, population)


@indicateur("age_moyen", "Âge moyen", "âges", "taux", "ans",
            "Somme des âges / effectif permanent au 31/12 ; âge = année − année de naissance.",
            dimensions=DIMS_AGENT, options=OPT_POP)
def age_moyen(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Âge moyen (ans).

    Formule : Σ (annee − annee_naissance) / (effectif permanent au 31/12) ; l'âge est l'âge
    atteint au 31/12 de l'année (seule l'année de naissance est conservée).
    """
    return cube_agents(con, "age_moyen", perimetre, annee, dimensions, population=_pop("age_moyen", population, POP_STOCK),
                       colonnes={"age": AGE_SQL}, sorties=ratio("sum(age)", "count(*)"))


@indicateur("age_median", "Âge médian", "âges", "taux", "ans",
            "Médiane des âges de l'effectif permanent au 31/12.", dimensions=DIMS_AGENT, options=OPT_POP)
def age_median(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Âge médian (ans).

    Formule : médiane de (annee − annee_naissance) sur l'effectif permanent au 31/12 ; pour un
    effectif pair, moyenne des deux âges centraux. ``numerateur`` est vide, ``denominateur``
    est l'effectif.
    """
    return cube_agents(con, "age_median", perimetre, annee, dimensions,
                       population=_pop("age_median", population, POP_STOCK), colonnes={"age": AGE_SQL},
                       sorties={"valeur": "median(age)", "numerateur": "CAST(NULL AS DOUBLE)",
                                "denominateur": "count(*)"})


@indicateur("part_50_ans_et_plus", "Part des agents de 50 ans et plus", "âges", "taux", "%",
            "Agents de 50 ans et plus / effectif permanent au 31/12 × 100.", dimensions=DIMS_AGENT,
            options=OPT_POP)
def part_50_ans_et_plus(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Part des agents de 50 ans et plus (%).

    Formule : 100 × (agents avec annee − annee_naissance ≥ 50) / (effectif permanent au 31/12).
    """
    return _part(con, "part_50_ans_et_plus", perimetre, annee, dimensions, population, f"{AGE_SQL} >= 50")


_RETRAITE = ("(CASE WHEN a.statut IN ('TITULAIRE', 'STAGIAIRE') THEN $age_fonctionnaires "
             "ELSE $age_contractuels END) + a.annee_naissance <= a.annee + $horizon")
_RETRAITE_DOC = """
    Règle de projection : un agent de l'effectif permanent au 31/12 de l'année N part à la
    retraite dans les H ans si annee_naissance + âge légal ≤ N + H, avec un âge légal de 64 ans
    pour les fonctionnaires (titulaires, stagiaires : âge légal après la réforme de 2023) et de
    67 ans pour les contractuels permanents (âge d'annulation de la décote) ; les agents ayant
    déjà atteint cet âge sont comptés. Hypothèse simple : ni départs anticipés (catégories
    actives, carrières longues) ni prolongations. Options : ``age_fonctionnaires``,
    ``age_contractuels``.
"""


def _retraites(con, ind_id, perimetre, annee, dimensions, horizon, part, age_fonctionnaires, age_contractuels):
    params = {"horizon": int(horizon), "age_fonctionnaires": int(age_fonctionnaires),
              "age_contractuels": int(age_contractuels)}
    if part:
        return _part(con, ind_id, perimetre, annee, dimensions, "permanent", _RETRAITE, params=params)
    return cube_agents(con, ind_id, perimetre, annee, dimensions, population="permanent_31_12", colonnes={},
                       sorties={"valeur": "count(*)"}, where=_RETRAITE, params=params)


@indicateur("departs_retraite_5_ans", "Départs à la retraite projetés à 5 ans", "âges", "effectif", "agents",
            "Agents de l'effectif permanent atteignant l'âge légal (64 ans fonctionnaires, 67 ans "
            "contractuels) au plus tard en N+5.", dimensions=DIMS_AGENT)
def departs_retraite_5_ans(con, perimetre: Perimetre, annee, *, dimensions=None,
                           age_fonctionnaires=AGE_LEGAL_FONCTIONNAIRES,
                           age_contractuels=AGE_LEGAL_CONTRACTUELS) -> IndicatorTable:
    """Départs à la retraite projetés dans les 5 ans (nombre d'agents).

    Formule : nombre d'agents de l'effectif permanent au 31/12 de N tels que
    annee_naissance + âge légal ≤ N + 5.
    """
    return _retraites(con, "departs_retraite_5_ans", perimetre, annee, dimensions, 5, False,
                      age_fonctionnaires, age_contractuels)


@indicateur("departs_retraite_10_ans", "Départs à la retraite projetés à 10 ans", "âges", "effectif", "agents",
            "Agents de l'effectif permanent atteignant l'âge légal au plus tard en N+10.", dimensions=DIMS_AGENT)
def departs_retraite_10_ans(con, perimetre: Perimetre, annee, *, dimensions=None,
                            age_fonctionnaires=AGE_LEGAL_FONCTIONNAIRES,
                            age_contractuels=AGE_LEGAL_CONTRACTUELS) -> IndicatorTable:
    """Départs à la retraite projetés dans les 10 ans (nombre d'agents).

    Formule : nombre d'agents de l'effectif permanent au 31/12 de N tels que
    annee_naissance + âge légal ≤ N + 10.
    """
    return _retraites(con, "departs_retraite_10_ans", perimetre, annee, dimensions, 10, False,
                      age_fonctionnaires, age_contractuels)


@indicateur("part_departs_retraite_5_ans", "Part des départs à la retraite projetés à 5 ans", "âges", "taux", "%",
            "Départs à la retraite projetés à 5 ans / effectif permanent au 31/12 × 100.", dimensions=DIMS_AGENT)
def part_departs_retraite_5_ans(con, perimetre: Perimetre, annee, *, dimensions=None,
                                age_fonctionnaires=AGE_LEGAL_FONCTIONNAIRES,
                                age_contractuels=AGE_LEGAL_CONTRACTUELS) -> IndicatorTable:
    """Part de l'effectif permanent partant à la retraite dans les 5 ans (%).

    Formule : 100 × (agents avec annee_naissance + âge légal ≤ N + 5) / (effectif permanent au 31/12).
    """
    return _retraites(con, "part_departs_retraite_5_ans", perimetre, annee, dimensions, 5, True,
                      age_fonctionnaires, age_contractuels)


@indicateur("part_departs_retraite_10_ans", "Part des départs à la retraite projetés à 10 ans", "âges", "taux",
            "%", "Départs à la retraite projetés à 10 ans / effectif permanent au 31/12 × 100.",
            dimensions=DIMS_AGENT)
def part_departs_retraite_10_ans(con, perimetre: Perimetre, annee, *, dimensions=None,
                                 age_fonctionnaires=AGE_LEGAL_FONCTIONNAIRES,
                                 age_contractuels=AGE_LEGAL_CONTRACTUELS) -> IndicatorTable:
    """Part de l'effectif permanent partant à la retraite dans les 10 ans (%).

    Formule : 100 × (agents avec annee_naissance + âge légal ≤ N + 10) / (effectif permanent au 31/12).
    """
    return _retraites(con, "part_departs_retraite_10_ans", perimetre, annee, dimensions, 10, True,
                      age_fonctionnaires, age_contractuels)


for _f in (departs_retraite_5_ans, departs_retraite_10_ans, part_departs_retraite_5_ans,
           part_departs_retraite_10_ans):
    _f.__doc__ += _RETRAITE_DOC


# --- handicap ------------------------------------------------------------------------------------
@indicateur("effectif_boeth", "Bénéficiaires de l'obligation d'emploi (BOETH)", "handicap", "effectif", "agents",
            "Agents BOETH de l'effectif total au 31/12.", dimensions=DIMS_AGENT,
            options={"population": ("total", "permanent")})
def effectif_boeth(con, perimetre: Perimetre, annee, *, dimensions=None, population="total") -> IndicatorTable:
    """Nombre de bénéficiaires de l'obligation d'emploi des travailleurs handicapés (BOETH).

    Formule : nombre d'agents avec boeth = vrai dans l'effectif total au 31/12 (par défaut).
    Donnée sensible : à publier sous contrôle du secret.
    """
    return _somme(con, "effectif_boeth", perimetre, annee, dimensions, population, where="a.boeth")


@indicateur("taux_emploi_boeth", "Taux d'emploi des BOETH", "handicap", "taux", "%",
            "BOETH / effectif total au 31/12 × 100 (obligation légale : 6 %).", dimensions=DIMS_AGENT,
            options={"population": ("total", "permanent")})
def taux_emploi_boeth(con, perimetre: Perimetre, annee, *, dimensions=None, population="total") -> IndicatorTable:
    """Taux d'emploi direct des travailleurs handicapés (%), objectif légal 6 %.

    Formule : 100 × (agents avec boeth = vrai) / (effectif total au 31/12). Approximation : la
    déclaration FIPHFP rapporte les BOETH à l'effectif rémunéré au 1er janvier.
    """
    return _part(con, "taux_emploi_boeth", perimetre, annee, dimensions, population, "a.boeth")
