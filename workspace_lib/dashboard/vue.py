"""A dashboard view: indicators computed for a scope and year, protected together, as blocks.

A view is described by a :class:`Spec` (sections of elements: a table, a chart, key figures
with comparisons...). :func:`calculer` computes every indicator it needs, passes all the tables
through disclosure control in one call (so that no suppressed cell can be recomputed from
another table of the same view), and builds the report blocks the notebook displays and the
render engine exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .. import report_model as rm
from ..charts import builders, geo
from ..disclosure import Rules, Table
from ..indicators import INDICATEURS, Perimetre
from ..indicators.comparaison import perimetres_employeur
from ..indicators.lots import Lots
from ..indicators.moteur import ENSEMBLE
from ..warehouse import file_state
from . import libelles
from .protection import as_published, proteger, to_disclosure

RENDUS = ("tableau", "barres", "barres_horizontales", "pyramide", "lignes", "comparaison", "chiffres", "carte")
LEVEL_LABELS = {"employeur": "Employeur", "strate": "Strate", "departement": "Département",
                "region": "Région", "france": "France", "epci": "EPCI"}


@dataclass(frozen=True)
class Element:
    """One thing shown: a table or a chart of an indicator, or key figures of several."""

    nom: str
    rendu: str
    indicateurs: tuple[str, ...]
    titre: str = ""
    dimensions: tuple[str, ...] | None = None
    annees: int = 1  # > 1: a series over that many years (``lignes``)


@dataclass(frozen=True)
class Section:
    nom: str
    titre: str
    elements: tuple[Element, ...]
    texte: str = ""


@dataclass(frozen=True)
class Spec:
    """A dashboard: its title, its scope level, its sections, the levels it compares with."""

    nom: str
    titre: str
    niveau: str  # "employeur" or "departement"
    sections: tuple[Section, ...]
    comparaisons: tuple[str, ...] = ("strate", "departement")
    source: str = "Rapports Sociaux Uniques des employeurs territoriaux ; calculs du Centre de Gestion."


@dataclass
class Resultat:
    """A computed view: blocks by element name, in order, plus the protected tables."""

    spec: Spec
    entete: rm.Entete
    blocs: dict[str, list[rm.Block]] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)

    def tous_les_blocs(self) -> list[rm.Block]:
        out: list[rm.Block] = [self.entete]
        for blocks in self.blocs.values():
            out += blocks
        return out


def _levels(con, spec: Spec, code: str, annee: int) -> list[tuple[str, Perimetre, str]]:
    if spec.niveau == "employeur":
        return perimetres_employeur(con, code, annee, ("employeur", *spec.comparaisons))
    region = con.execute("SELECT any_value(region) FROM employeur WHERE departement = ? AND annee = ?",
                         [code, annee]).fetchone()[0]
    levels = [("departement", Perimetre("departement", code), f"Département {code}")]
    if "region" in spec.comparaisons and region:
        levels.append(("region", Perimetre("region", region), f"Région {region}"))
    if "france" in spec.comparaisons:
        levels.append(("france", Perimetre("france"), "France"))
    return levels


# Comparison values (strate, département, région, France) are the same for every employer of a
# campaign: kept per warehouse version, so that a warm kernel computes them once.
_COMPARISONS: dict[tuple, Any] = {}


def _warehouse_version(con: duckdb.DuckDBPyConnection) -> tuple:
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    if not path:
        return ("memoire", id(con))
    return (path, file_state(Path(path)))


def _grand_total(table, niveau: str):
    """A 0-dimension copy of an indicator table (its grand total), for comparisons."""
    cells = table.cells
    if table.dimensions:  # (the rows kept in one selection: each costs pandas about 0.5 ms)
        total = np.logical_and.reduce([cells[dim].to_numpy() == ENSEMBLE for dim in table.dimensions])
        cells = cells.iloc[np.flatnonzero(total)].drop(columns=list(table.dimensions))
    copy = type(table)(**{**table.__dict__, "dimensions": [], "cells": cells,
                          "perimetre": {**table.perimetre, "niveau_comparaison": niveau}})
    return to_disclosure(copy)


# The employers' indicators computed by département, when a view is computed with ``lot``.
_LOTS = Lots()


def _indicator(con, ind_id: str, per: Perimetre, annee, version: tuple, lot: str | None, **options):
    """An indicator's table for ``per``; an employer's read from its département's lot if ``lot``."""
    if lot and per.niveau == "employeur":
        return _LOTS.tableau(con, ind_id, per.code, lot, annee, version, **options)
    return INDICATEURS[ind_id].fonction(con, per, annee, **options)


def _total(con, ind_id: str, per: Perimetre, annee: int, niveau: str, version: tuple, view: dict,
           lot: str | None = None):
    """An indicator's grand total at one level, ready for disclosure control (named after the
    indicator): computed once per view (``view``), and kept across views for the comparison
    levels. Disclosure control returns new tables: a kept one is never changed."""
    if (ind_id, niveau) not in view:
        if niveau == "employeur":
            view[ind_id, niveau] = _grand_total(_indicator(con, ind_id, per, annee, version, lot), niveau)
        else:
            kept = (version, ind_id, per.niveau, per.code, annee)
            if kept not in _COMPARISONS:
                if len(_COMPARISONS) > 2000:
                    _COMPARISONS.clear()
                _COMPARISONS[kept] = _grand_total(INDICATEURS[ind_id].fonction(con, per, annee), niveau)
            view[ind_id, niveau] = _COMPARISONS[kept]
    return view[ind_id, niveau]


def calculer(con: duckdb.DuckDBPyConnection, spec: Spec, code: str, annee: int,
             rules: Rules | None = None, geojson: dict | None = None, lot: str | None = None) -> Resultat:
    """Compute, protect and lay out a view for an employer (SIRET) or a département (code).

    ``lot``: the employer's département, whose employers' indicators are computed together and
    kept (report campaigns: see :mod:`workspace_lib.indicators.lots`); same result.
    """
    levels = _levels(con, spec, code, annee)
    main = levels[0][1]
    version = _warehouse_version(con)
    raw: dict[str, Any] = {}
    totals: dict[tuple[str, str], Table] = {}  # an indicator shown in two elements is computed once
    for section in spec.sections:
        for el in section.elements:
            for ind_id in el.indicateurs:
                ind = INDICATEURS[ind_id]
                kwargs = {"dimensions": list(el.dimensions)} if el.dimensions is not None else {}
                if el.rendu in ("comparaison", "chiffres"):
                    for niveau, per, _ in levels:
                        key = f"{el.nom}:{ind_id}:{niveau}"
                        raw[key] = replace(_total(con, ind_id, per, annee, niveau, version, totals, lot), id=key)
                    continue
                years = list(range(annee - el.annees + 1, annee + 1)) if el.annees > 1 else annee
                table = _indicator(con, ind_id, main, years, version, lot, **kwargs)
                table.cells = libelles.relabel(table.cells, list(table.dimensions))
                raw[el.nom] = table
    tables = proteger(raw, rules)
    nom = levels[0][2]
    res = Resultat(spec, rm.Entete(titre=f"{spec.titre} {annee}", sous_titre=nom, annee=annee,
                                   perimetre={"niveau": spec.niveau, "code": code, "annee": annee}), tables=tables)
    for section in spec.sections:
        blocks: list[rm.Block] = [rm.Titre(section.titre, niveau=2)]
        if section.texte:
            blocks.append(rm.Texte(section.texte))
        res.blocs[section.nom] = blocks
        for el in section.elements:
            res.blocs[el.nom] = _blocks(el, tables, levels, spec, geojson)
    return res


def _unit(ind_id: str) -> str:
    """The unit shown after a value (« € » for every amount)."""
    unite = INDICATEURS[ind_id].unite
    return "€" if unite.startswith("euros") else unite


def _decimals(unite: str) -> int:
    return 0 if unite in ("agents", "€", "") else 1


def _members(table: Table) -> pd.DataFrame:
    """The cells of a protected table without its margins (what a chart draws)."""
    cells = table.cells
    for dim in table.dimensions:
        if dim != "annee":
            cells = cells[cells[dim] != table.total]
    return cells.reset_index(drop=True)


def _blocks(el: Element, tables: dict[str, Table], levels, spec: Spec, geojson: dict | None) -> list[rm.Block]:
    ind_id = el.indicateurs[0]
    unite = _unit(ind_id)
    titre = el.titre or INDICATEURS[ind_id].titre
    if el.rendu == "chiffres":
        chiffres = []
        for ind in el.indicateurs:
            u = _unit(ind)
            values = {}
            for niveau, _, _ in levels:
                t = tables[f"{el.nom}:{ind}:{niveau}"]
                row = t.cells.iloc[0] if len(t.cells) else None
                shown = "s" if row is not None and row["statut"] != "publie" else (
                    builders.format_value(row["valeur"], _decimals(u), u) if row is not None else "nd")
                values[LEVEL_LABELS[niveau]] = shown or "nd"
            first = LEVEL_LABELS[levels[0][0]]
            chiffres.append(rm.ChiffreCle(libelle=INDICATEURS[ind].titre, valeur=values.pop(first),
                                          comparaisons=values))
        return [rm.ChiffresCles(chiffres=chiffres, titre=el.titre)]
    if el.rendu == "comparaison":
        rows = []
        for niveau, _, libelle in levels:
            t = tables[f"{el.nom}:{ind_id}:{niveau}"]
            if len(t.cells):
                rows.append({"libelle_niveau": f"{LEVEL_LABELS[niveau]}", "valeur": t.cells["valeur"].iloc[0],
                             "statut": t.cells["statut"].iloc[0]})
        _, block = builders.comparaison(pd.DataFrame(rows), titre, unite=unite, source=spec.source)
        block.table = [as_published(tables[f"{el.nom}:{ind_id}:{n}"]) for n, _, _ in levels]
        return [block]
    table = tables[el.nom]
    if table.cells.empty or (table.cells["valeur"].fillna(0) == 0).all() and (table.cells["statut"] == "publie").all():
        return [rm.Texte(f"{titre} : aucun cas pour cette année.")]
    published = as_published(table)
    dims = table.dimensions
    if el.rendu == "tableau":
        # The « s » legend is added by every renderer under a table that has a secret cell.
        return [rm.Tableau(table=published, lignes=dims[:1], colonnes=dims[1:2], unite=unite)]
    data = _members(table)
    if el.rendu == "pyramide":
        _, block = builders.pyramide(data, tranche="tranche_age", sexe="sexe", titre=titre, source=spec.source,
                                     libelles={"Femmes": "F", "Hommes": "H"})
    elif el.rendu == "lignes":
        serie = next((d for d in dims if d != "annee"), None)
        _, block = builders.lignes(data, x="annee", y="valeur", serie=serie, titre=titre, unite=unite,
                                   source=spec.source, titre_x="Année", titre_y=unite.capitalize() or None,
                                   titre_serie=libelles.dimension(serie) if serie else None)
    elif el.rendu == "carte":
        if geojson is None:
            return [rm.Texte("Carte indisponible : aucun contour géographique chargé.")]
        # Boundaries of an older vintage draw communes merged since: coloured as the commune they joined.
        merged = geo.current_communes(geojson) if dims[0] == "commune" else None
        _, block = builders.carte(data, geojson, code_col=dims[0], valeur_col="valeur", titre=titre,
                                  unite=unite, source=spec.source, correspondance=merged)
    else:
        serie = dims[1] if len(dims) > 1 else None
        _, block = builders.barres(data, x=dims[0], y="valeur", serie=serie, titre=titre, unite=unite,
                                   horizontal=el.rendu == "barres_horizontales", source=spec.source,
                                   titre_x=libelles.dimension(dims[0]),
                                   titre_serie=libelles.dimension(serie) if serie else None)
    block.table = published
    return [block]
