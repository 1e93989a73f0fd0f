"""Indicateurs de rémunération.

Population (``population="permanent"``, par défaut) : les agents de statut permanent
(TITULAIRE, STAGIAIRE, CONTRACTUEL_PERMANENT) rémunérés dans l'année (jours_remuneres > 0),
présents ou non au 31/12 ; ``"total"`` : tous les statuts. Montants bruts annuels en euros ; un
régime indemnitaire, une NBI ou des heures supplémentaires non renseignés valent 0. ETPR d'un
agent = quotité/100 × heures_hebdo/35 × jours_remuneres / J (J = 365 ou 366). ``part_max`` est la
part du plus gros contributeur (un agent) dans le montant de la cellule.
"""

from __future__ import annotations

from .moteur import DIMS_AGENT, ETPR_SQL, IndicatorTable, cube_agents, indicateur, ratio, valider_option
from .perimetre import Perimetre

POP = {"permanent": "permanent_annee", "total": "total_annee"}
OPT_POP = {"population": ("permanent", "total")}
_COLONNES = {
    "brute": "CAST(a.remuneration_brute AS DOUBLE)",
    "ri": "CAST(coalesce(a.regime_indemnitaire, 0) AS DOUBLE)",
    "nbi": "CAST(coalesce(a.nbi, 0) AS DOUBLE)",
    "hs": "coalesce(a.heures_supplementaires, 0)",
    "etpr": ETPR_SQL,
    "femme": "a.sexe = 'F'",
}


def _part_max(col: str) -> str:
    return f"CASE WHEN sum({col}) = 0 THEN 0 ELSE max({col}) / sum({col}) END"


def _remu(con, ind_id, perimetre, annee, dimensions, population, sorties) -> IndicatorTable:
    pop = POP[valider_option(ind_id, "population", population, tuple(POP))]
    return cube_agents(con, ind_id, perimetre, annee, dimensions, population=pop, colonnes=_COLONNES,
                       sorties=sorties)


@indicateur("masse_salariale", "Rémunérations brutes annuelles", "rémunération", "montant", "euros",
            "Somme des rémunérations brutes annuelles des agents permanents rémunérés dans l'année.",
            dimensions=DIMS_AGENT, options=OPT_POP)
def masse_salariale(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Masse des rémunérations brutes annuelles (euros).

    Formule : Σ remuneration_brute des agents permanents rémunérés dans l'année. Mesure
    additive ; ``part_max`` = max(brut d'un agent) / Σ brut.
    """
    return _remu(con, "masse_salariale", perimetre, annee, dimensions, population,
                 {"valeur": "sum(brute)", "part_max": _part_max("brute")})


@indicateur("remuneration_moyenne_etpr", "Rémunération brute annuelle moyenne par ETPR", "rémunération",
            "montant", "euros par ETPR", "Rémunérations brutes annuelles / ETPR.",
            dimensions=DIMS_AGENT, options=OPT_POP)
def remuneration_moyenne_etpr(con, perimetre: Perimetre, annee, *, dimensions=None,
                              population="permanent") -> IndicatorTable:
    """Rémunération brute annuelle moyenne par équivalent temps plein rémunéré (euros).

    Formule : Σ remuneration_brute / Σ ETPR, sur les agents permanents rémunérés dans l'année.
    """
    sorties = ratio("sum(brute)", "sum(etpr)") | {"part_max": _part_max("brute")}
    return _remu(con, "remuneration_moyenne_etpr", perimetre, annee, dimensions, population, sorties)


@indicateur("part_regime_indemnitaire", "Part du régime indemnitaire dans la rémunération", "rémunération",
            "taux", "%", "Régime indemnitaire / rémunérations brutes × 100.", dimensions=DIMS_AGENT,
            options=OPT_POP)
def part_regime_indemnitaire(con, perimetre: Perimetre, annee, *, dimensions=None,
                             population="permanent") -> IndicatorTable:
    """Part du régime indemnitaire dans la rémunération brute (%).

    Formule : 100 × Σ regime_indemnitaire / Σ remuneration_brute ; ``part_max`` = la plus
    grande des parts d'un agent dans le numérateur et dans le dénominateur.
    """
    sorties = ratio("sum(ri)", "sum(brute)", 100) | {
        "part_max": f"greatest({_part_max('ri')}, {_part_max('brute')})",
        "effectif_numerateur": "count(*) FILTER (WHERE ri > 0)"}
    return _remu(con, "part_regime_indemnitaire", perimetre, annee, dimensions, population, sorties)


@indicateur("part_nbi", "Part de la NBI dans la rémunération", "rémunération", "taux", "%",
            "Nouvelle bonification indiciaire / rémunérations brutes × 100.", dimensions=DIMS_AGENT,
            options=OPT_POP)
def part_nbi(con, perimetre: Perimetre, annee, *, dimensions=None, population="permanent") -> IndicatorTable:
    """Part de la nouvelle bonification indiciaire (NBI) dans la rémunération brute (%).

    Formule : 100 × Σ nbi / Σ remuneration_brute ; ``part_max`` comme pour le régime indemnitaire.
    """
    sorties = ratio("sum(nbi)", "sum(brute)", 100) | {
        "part_max": f"greatest({_part_max('nbi')}, {_part_max('brute')})",
        "effectif_numerateur": "count(*) FILTER (WHERE nbi > 0)"}
    return _remu(con, "part_nbi", perimetre, annee, dimensions, population, sorties)


@indicateur("heures_supplementaires_par_agent", "Heures supplémentaires par agent", "rémunération", "taux",
            "heures par agent", "Heures supplémentaires rémunérées / agents rémunérés dans l'année.",
            dimensions=DIMS_AGENT, options=OPT_POP)
def heures_supplementaires_par_agent(con, perimetre: Perimetre, annee, *, dimensions=None,
                                     population="permanent") -> IndicatorTable:
    """Heures supplémentaires par agent.

    Formule : Σ heures_supplementaires / (nombre d'agents permanents rémunérés dans l'année) ;
    ``part_max`` = part du plus gros contributeur dans les heures de la cellule.
    """
    sorties = ratio("sum(hs)", "count(*)") | {"part_max": _part_max("hs"),
                                              "effectif_numerateur": "count(*) FILTER (WHERE hs > 0)"}
    return _remu(con, "heures_supplementaires_par_agent", perimetre, annee, dimensions, population, sorties)


_MOY_F = "(sum(brute) FILTER (WHERE femme) / nullif(sum(etpr) FILTER (WHERE femme), 0))"
_MOY_H = "(sum(brute) FILTER (WHERE NOT femme) / nullif(sum(etpr) FILTER (WHERE NOT femme), 0))"


def _part_max_groupe(filtre: str) -> str:
    return (f"coalesce(max(brute) FILTER (WHERE {filtre}) / "
            f"nullif(sum(brute) FILTER (WHERE {filtre}), 0), 0)")


@indicateur("ecart_remuneration_femmes_hommes", "Écart de rémunération entre femmes et hommes", "rémunération",
            "taux", "%", "(moyenne par ETPR des hommes − moyenne par ETPR des femmes) / moyenne des hommes × 100.",
            dimensions=[d for d in DIMS_AGENT if d != "sexe"], defaut=("categorie",), options=OPT_POP)
def ecart_remuneration_femmes_hommes(con, perimetre: Perimetre, annee, *, dimensions=None,
                                     population="permanent") -> IndicatorTable:
    """Écart de rémunération femmes / hommes (%), par catégorie par défaut.

    Formule : 100 × (MH − MF) / MH, où MH (resp. MF) = Σ remuneration_brute / Σ ETPR des hommes
    (resp. des femmes) de la cellule ; positif quand les hommes gagnent plus. ``numerateur`` =
    MH − MF, ``denominateur`` = MH ; colonnes en plus : effectif_femmes, effectif_hommes ;
    ``part_max`` = la plus grande part d'un agent dans la masse des femmes ou des hommes.
    """
    sorties = ratio(f"({_MOY_H} - {_MOY_F})", _MOY_H, 100) | {
        "effectif_femmes": "count(*) FILTER (WHERE femme)",
        "effectif_hommes": "count(*) FILTER (WHERE NOT femme)",
        "part_max": f"greatest({_part_max_groupe('femme')}, {_part_max_groupe('NOT femme')})",
    }
    return _remu(con, "ecart_remuneration_femmes_hommes", perimetre, annee, dimensions, population, sorties)
