"""Comparer un employeur à sa strate, son département, sa région, la France."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from .moteur import ENSEMBLE, INDICATEURS, Indicateur, valider_annees
from .perimetre import LIBELLES_NIVEAUX, NIVEAUX, STRATES, Perimetre, employeur_info

EPCI_TYPES = ("EPCI_CC", "EPCI_CA", "EPCI_CU", "METROPOLE")


def _indicateur(indicator) -> Indicateur:
    if isinstance(indicator, str):
        if indicator not in INDICATEURS:
            raise ValueError(f"Indicateur inconnu « {indicator} ».")
        return INDICATEURS[indicator]
    ind_id = getattr(indicator, "indicateur_id", None)
    if ind_id is None or ind_id not in INDICATEURS:
        raise ValueError("comparer attend une fonction du registre INDICATEURS (ou son identifiant).")
    return INDICATEURS[ind_id]


def perimetres_employeur(con, siret: str, annee: int, niveaux: Sequence[str]) -> list[tuple[str, Perimetre, str]]:
    """(niveau, périmètre, libellé) of an employer-year for each level asked."""
    info = employeur_info(con, siret, annee)
    out = []
    for niveau in niveaux:
        if niveau not in NIVEAUX:
            raise ValueError(f"Niveau inconnu « {niveau} » : niveaux admis : {', '.join(NIVEAUX)}.")
        if niveau == "employeur":
            out.append((niveau, Perimetre("employeur", siret), info["nom"]))
        elif niveau == "epci":
            siren = info["siren"] if info["type"] in EPCI_TYPES else info["epci_siren"]
            if siren:
                out.append((niveau, Perimetre("epci", siren), f"EPCI {siren}"))
        elif niveau == "strate":
            code = f"{info['departement']}:{info['strate']}"
            out.append((niveau, Perimetre("strate", code), f"{STRATES[info['strate']]} ({info['departement']})"))
        elif niveau == "departement":
            out.append((niveau, Perimetre("departement", info["departement"]), f"Département {info['departement']}"))
        elif niveau == "region":
            if info["region"]:
                out.append((niveau, Perimetre("region", info["region"]), f"Région {info['region']}"))
        else:
            out.append((niveau, Perimetre("france"), "France"))
    return out


def comparer(con, indicator_function: Callable | str, siret: str, annee,
             niveaux: Sequence[str] = ("employeur", "strate", "departement"), **options) -> pd.DataFrame:
    """Valeur d'un indicateur pour un employeur et pour ses périmètres de comparaison.

    Renvoie un DataFrame d'une ligne par niveau (et par année pour une série) : ``niveau``,
    ``libelle_niveau``, ``perimetre`` (code), ``libelle``, la valeur du total général
    (dimensions facultatives à « Ensemble » ; les dimensions exigées par l'indicateur, comme
    ``statut`` pour ``repartition_statut``, gardent tous leurs membres) et les colonnes du
    contrôle du secret. Niveaux possibles : employeur, epci, strate, departement, region,
    france. La strate, le département... sont ceux de l'employeur pour chaque année calculée.
    Un niveau sans objet (pas d'EPCI, pas de région) est omis.
    """
    ind = _indicateur(indicator_function)
    annees, serie = valider_annees(annee)
    frames = []
    for year in annees:
        for niveau, per, libelle in perimetres_employeur(con, siret, year, niveaux):
            table = ind.fonction(con, per, year, **options)
            cells = table.cells
            for dim in table.dimensions:
                if dim not in ind.dimensions_requises:
                    cells = cells[cells[dim] == ENSEMBLE]
            cells = cells.drop(columns=[d for d in table.dimensions if d not in ind.dimensions_requises])
            cells.insert(0, "libelle", libelle)
            cells.insert(0, "perimetre", per.code if per.code is not None else "")
            cells.insert(0, "libelle_niveau", LIBELLES_NIVEAUX[niveau])
            cells.insert(0, "niveau", niveau)
            if serie:
                cells.insert(1, "annee", str(year))
            frames.append(cells)
    result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return result
