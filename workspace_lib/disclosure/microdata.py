"""Microdata for observatories: one row per agent-year, k-anonymous on its quasi-identifiers.

Exported: analysis variables only (année, sexe, tranche d'âge, catégorie, filière, strate of the
employer, statut, temps de travail, quotité band, days of absence and of training). Never the
agent pseudonym, the employer's siret, the birth year or pay. The quasi-identifiers (année,
sexe, tranche d'âge, catégorie, filière, strate) are

1. generalised (global recoding) along a small lattice: age in 5-year bands, 10-year bands,
   all ages; filière detailed, grouped, all; catégorie detailed, "A ou B", all; strate detailed,
   type of employer, all employers; sexe detailed or not. The node of the lattice losing the
   least information is chosen among those where at most ``max_suppression`` of the rows still
   need local suppression;
2. locally suppressed (set to null, as sdcMicro's local suppression) for the rows still in a
   combination of fewer than ``k`` rows, one attribute at a time (the one that makes the most
   rows safe), until every combination of quasi-identifiers (null counting as a value of its
   own, the strict reading) has at least ``k`` rows. Rows that remain alone with every
   quasi-identifier suppressed are removed.

A strate value shared by fewer than ``min_employeurs`` employers in a year would point at an
employer: it is suppressed first. The année is never generalised.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ..atomic import atomic_file
from ..fr import nombre, pluriel

INTERCOMMUNALITES = ("EPCI_CC", "EPCI_CA", "EPCI_CU", "METROPOLE")
AUTRES = "autres établissements"

_SQL = """
WITH effectifs AS (
    SELECT annee, siret, count(*) AS n, count(*) FILTER (WHERE present_31_12) AS n31
    FROM agent GROUP BY annee, siret
), absences AS (
    SELECT annee, siret, agent_id, sum(jours) AS jours_absence, sum(nb_arrets) AS nb_arrets
    FROM absence GROUP BY annee, siret, agent_id
), formations AS (
    SELECT annee, siret, agent_id, sum(jours) AS jours_formation
    FROM formation GROUP BY annee, siret, agent_id
), types AS (
    SELECT annee, siret, any_value(type) AS type FROM employeur GROUP BY annee, siret
)
SELECT a.annee::INTEGER AS annee, a.siret, a.sexe, (a.annee - a.annee_naissance)::INTEGER AS age,
       a.categorie, a.filiere, a.statut, a.temps_travail, a.quotite,
       t.type, CASE WHEN e.n31 > 0 THEN e.n31 ELSE e.n END AS effectif_employeur,
       coalesce(ab.jours_absence, 0)::INTEGER AS jours_absence,
       coalesce(ab.nb_arrets, 0)::INTEGER AS nb_arrets,
       coalesce(f.jours_formation, 0)::DOUBLE AS jours_formation
FROM agent a
JOIN effectifs e ON e.annee = a.annee AND e.siret = a.siret
LEFT JOIN types t ON t.annee = a.annee AND t.siret = a.siret
LEFT JOIN absences ab ON ab.annee = a.annee AND ab.siret = a.siret AND ab.agent_id = a.agent_id
LEFT JOIN formations f ON f.annee = a.annee AND f.siret = a.siret AND f.agent_id = a.agent_id
WHERE ?::INTEGER IS NULL OR a.annee = ?::INTEGER
"""

EXPORTED = ("annee", "sexe", "tranche_age", "categorie", "filiere", "strate", "statut",
            "temps_travail", "quotite", "jours_absence", "nb_arrets", "jours_formation")


def strate(type_employeur: str | None, effectif: int) -> str:
    """FNCDG strate of an employer from its type and headcount."""
    if type_employeur == "COMMUNE":
        for limit, label in ((20, "<20"), (50, "20-49"), (100, "50-99"), (350, "100-349")):
            if effectif < limit:
                return f"commune {label}"
        return "commune >=350"
    if type_employeur in INTERCOMMUNALITES:
        for limit, label in ((20, "<20"), (50, "20-49"), (350, "50-349"), (1000, "350-999")):
            if effectif < limit:
                return f"intercommunalité {label}"
        return "intercommunalité >=1000"
    return AUTRES


def _age5(age: int) -> str:
    if age < 20:
        return "<20"
    if age >= 65:
        return ">=65"
    low = 20 + (age - 20) // 5 * 5
    return f"{low}-{low + 4}"


def _age10(band5: str) -> str:
    if band5 == "<20":
        return "<20"
    if band5 in (">=65", "60-64"):
        return ">=60"
    low = int(band5.split("-")[0]) // 10 * 10
    return f"{low}-{low + 9}"


_FILIERE_GROUPES = {
    "ADMINISTRATIVE": "administrative",
    "TECHNIQUE": "technique",
    "SOCIALE": "sociale et médico-sociale",
    "MEDICO_SOCIALE": "sociale et médico-sociale",
    "MEDICO_TECHNIQUE": "sociale et médico-sociale",
    "CULTURELLE": "culturelle, sportive, animation",
    "SPORTIVE": "culturelle, sportive, animation",
    "ANIMATION": "culturelle, sportive, animation",
    "POLICE_MUNICIPALE": "sécurité et hors filière",
    "INCENDIE_SECOURS": "sécurité et hors filière",
    "HORS_FILIERE": "sécurité et hors filière",
}


def _strate_type(label: str) -> str:
    if label.startswith("commune"):
        return "communes"
    if label.startswith("intercommunalité"):
        return "intercommunalités"
    return AUTRES


# Quasi-identifiers: (column, French name, [(level name, recoding of the level-0 label)]).
QUASI_IDENTIFIANTS = (
    ("sexe", "sexe", [("détaillé", None), ("non diffusé", lambda x: "tous")]),
    ("tranche_age", "tranche d'âge", [("5 ans", None), ("10 ans", _age10), ("non diffusée", lambda x: "tous âges")]),
    ("categorie", "catégorie", [("détaillée", None),
                                ("A et B regroupées", lambda x: "A ou B" if x in ("A", "B") else x),
                                ("non diffusée", lambda x: "toutes catégories")]),
    ("filiere", "filière", [("détaillée", None), ("regroupée", lambda x: _FILIERE_GROUPES.get(x, x)),
                            ("non diffusée", lambda x: "toutes filières")]),
    ("strate", "strate", [("détaillée", None), ("type d'employeur", _strate_type),
                          ("non diffusée", lambda x: "tous employeurs")]),
)


@dataclass
class MicrodataReport:
    """What ``export_microdata`` wrote and the information it gave up."""

    path: Path
    k: int
    lignes: int
    lignes_source: int
    lignes_retirees: int
    niveaux: dict[str, str]
    valeurs_supprimees: dict[str, int]
    plus_petite_classe: int
    annees: list[int]
    perte: float
    quasi_identifiants: list[str] = field(default_factory=list)

    @property
    def total_supprimees(self) -> int:
        return sum(self.valeurs_supprimees.values())

    def describe(self) -> str:
        names = {col: name for col, name, _ in QUASI_IDENTIFIANTS}
        years = ", ".join(str(y) for y in self.annees) or "aucune"
        lines = [
            f"Microdonnées exportées : {pluriel(self.lignes, 'ligne')} (agents-années ; années : {years}), "
            f"{pluriel(self.k, 'ligne')} au moins par combinaison de quasi-identifiants (k = {self.k}).",
            "Quasi-identifiants : année, " + ", ".join(names[c] for c in self.quasi_identifiants) + ".",
            "Généralisation retenue : "
            + " ; ".join(f"{names[c]} : {lvl}" for c, lvl in self.niveaux.items()) + ".",
        ]
        total = self.total_supprimees
        cells = max(1, self.lignes_source * len(self.quasi_identifiants))
        detail = ", ".join(f"{names[c]} {nombre(n)}" for c, n in self.valeurs_supprimees.items() if n)
        lines.append(
            f"Valeurs supprimées localement : {nombre(total)} "
            f"({nombre(100 * total / cells, 1)} % des valeurs de quasi-identifiants)"
            + (f", dont {detail}." if detail else ".")
        )
        lines.append(f"Lignes retirées : {nombre(self.lignes_retirees)} sur {nombre(self.lignes_source)}.")
        if self.lignes:
            lines.append(f"Plus petite combinaison de quasi-identifiants : {pluriel(self.plus_petite_classe, 'ligne')}.")
        lines.append(f"Perte d'information (généralisation et suppressions) : {nombre(100 * self.perte, 1)} %.")
        lines.append(f"Fichier écrit : {self.path}")
        return "\n".join(lines)


def _codes(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniques, inverse = np.unique(labels.astype(str), return_inverse=True)
    return inverse.astype(np.int64), uniques


def _class_sizes(columns: list[np.ndarray], radices: list[int]) -> np.ndarray:
    """Size of the combination each row is in (columns of small integer codes)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for col, radix in zip(columns, radices):
        key = key * radix + col
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    return counts[inverse]


def export_microdata(con: duckdb.DuckDBPyConnection, out: str | os.PathLike, k: int = 5,
                     annee: int | None = None, *, max_suppression: float = 0.05,
                     min_employeurs: int = 3) -> MicrodataReport:
    """Write a k-anonymous CSV (``;``-separated, UTF-8, decimal comma) of agent-years.

    Returns the report of the information given up. ``max_suppression`` is the share of rows
    that local suppression may touch for a generalisation level to be acceptable.
    """
    if k < 2:
        raise ValueError("k doit valoir au moins 2.")
    out = Path(out)
    df = con.execute(_SQL, [annee, annee]).df()
    if df.empty:
        raise ValueError("Aucun agent à exporter" + (f" pour l'année {annee}." if annee else "."))
    n = len(df)
    df["tranche_age"] = [_age5(int(a)) for a in df["age"]]
    df["categorie"] = df["categorie"].fillna("sans catégorie")
    df["strate"] = [strate(t, int(e)) for t, e in zip(df["type"].where(df["type"].notna(), None),
                                                      df["effectif_employeur"])]

    year_codes, years = _codes(df["annee"].to_numpy())
    siret_codes, _ = _codes(df["siret"].to_numpy())
    qi_cols = [c for c, _, _ in QUASI_IDENTIFIANTS]
    # levels[q][l] = (codes per row, labels); the null code of a level is len(labels).
    levels: list[list[tuple[np.ndarray, np.ndarray]]] = []
    for col, _, lattice in QUASI_IDENTIFIANTS:
        base_codes, base_labels = _codes(df[col].to_numpy())
        per_level = []
        for _, recode in lattice:
            if recode is None:
                per_level.append((base_codes, base_labels))
            else:
                mapped = np.array([recode(x) for x in base_labels], dtype=object)
                codes, labels = _codes(mapped)
                per_level.append((codes[base_codes], labels))
        levels.append(per_level)
    s_idx = qi_cols.index("strate")

    # Strate values of fewer than min_employeurs employers in a year: suppressed at each level.
    strate_hidden = []
    for codes, labels in levels[s_idx]:
        pairs = np.unique(np.stack([year_codes, codes, siret_codes], axis=1), axis=0)
        key_pairs = pairs[:, 0] * (len(labels) + 1) + pairs[:, 1]
        uk, employers = np.unique(key_pairs, return_counts=True)
        row_key = year_codes * (len(labels) + 1) + codes
        few = dict(zip(uk.tolist(), (employers < min_employeurs).tolist()))
        strate_hidden.append(np.array([few[x] for x in row_key.tolist()], dtype=bool)
                             if n else np.zeros(0, dtype=bool))

    max_level = [len(lat) - 1 for _, _, lat in QUASI_IDENTIFIANTS]
    n_qi = len(qi_cols)

    def node_columns(node):
        cols, radices = [year_codes], [len(years)]
        for q, lvl in enumerate(node):
            codes, labels = levels[q][lvl]
            if q == s_idx:
                codes = np.where(strate_hidden[lvl], len(labels), codes)
            cols.append(codes)
            radices.append(len(labels) + 1)
        return cols, radices

    best = None
    for node in itertools.product(*(range(m + 1) for m in max_level)):
        cols, radices = node_columns(node)
        at_risk = _class_sizes(cols, radices) < k
        hidden = strate_hidden[node[s_idx]]
        touched = int((at_risk | hidden).sum())
        gen = sum(lvl / m for lvl, m in zip(node, max_level))
        loss = (gen * n + int(hidden.sum()) + int(at_risk.sum())) / (n * n_qi)
        admissible = touched <= max_suppression * n
        rank = (not admissible, loss, sum(node))
        if best is None or rank < best[0]:
            best = (rank, node)
    node = best[1]

    # Local suppression at the chosen node.
    cols, radices = node_columns(node)
    null_codes = [r - 1 for r in radices[1:]]
    qcols = [c.copy() for c in cols[1:]]
    sizes = _class_sizes([year_codes, *qcols], radices)
    risk = sizes < k
    while risk.any():
        best_q, best_gain, best_cols = None, -1, None
        for q in range(n_qi):
            change = risk & (qcols[q] != null_codes[q])
            if not change.any():
                continue
            trial = qcols[q].copy()
            trial[change] = null_codes[q]
            trial_cols = qcols[:q] + [trial] + qcols[q + 1:]
            gain = int((risk & (_class_sizes([year_codes, *trial_cols], radices) >= k)).sum())
            if gain > best_gain:
                best_q, best_gain, best_cols = q, gain, trial_cols
        if best_q is None:   # every quasi-identifier of these rows is suppressed already
            break
        qcols = best_cols
        risk = _class_sizes([year_codes, *qcols], radices) < k
    # Rows left alone with every quasi-identifier suppressed: complete their class to k rows
    # by suppressing every quasi-identifier of rows taken from the largest classes of the
    # same year (which stay at k rows or more); remove them only when the year is too small.
    if risk.any():
        sizes = _class_sizes([year_codes, *qcols], radices)
        key = np.zeros(n, dtype=np.int64)
        for col, radix in zip([year_codes, *qcols], radices):
            key = key * radix + col
        for y in np.unique(year_codes[risk]):
            short = k - int((risk & (year_codes == y)).sum())
            donors = np.flatnonzero(~risk & (year_codes == y))
            donors = donors[np.lexsort((donors, -sizes[donors]))]
            taken: dict[int, int] = {}
            chosen = []
            for r in donors.tolist():
                if len(chosen) == short:
                    break
                if sizes[r] - taken.get(key[r], 0) - 1 >= k:
                    taken[key[r]] = taken.get(key[r], 0) + 1
                    chosen.append(r)
            if len(chosen) == short:
                for q in range(n_qi):
                    qcols[q][chosen] = null_codes[q]
                risk[year_codes == y] = False
        risk = _class_sizes([year_codes, *qcols], radices) < k
    keep = ~risk
    removed = int(risk.sum())
    suppressed = {col: int((qcols[q][keep] == null_codes[q]).sum()) for q, col in enumerate(qi_cols)}

    result = pd.DataFrame({"annee": df["annee"].to_numpy()})
    for q, col in enumerate(qi_cols):
        labels = levels[q][node[q]][1]
        codes = qcols[q]
        values = np.where(codes == null_codes[q], None, labels[np.minimum(codes, len(labels) - 1)])
        result[col] = values
    result["statut"] = df["statut"].to_numpy()
    result["temps_travail"] = df["temps_travail"].to_numpy()
    result["quotite"] = [_quotite(q) for q in df["quotite"]]
    result["jours_absence"] = df["jours_absence"].to_numpy()
    result["nb_arrets"] = df["nb_arrets"].to_numpy()
    result["jours_formation"] = df["jours_formation"].to_numpy()
    result = result[keep].loc[:, list(EXPORTED)]
    # Row order says nothing about the warehouse: sorted on every exported column.
    result = result.sort_values(list(EXPORTED), na_position="last", kind="stable").reset_index(drop=True)
    _write_csv(result, out)

    final_sizes = _class_sizes([year_codes[keep], *[c[keep] for c in qcols]], radices) if keep.any() else np.zeros(0)
    total_supp = sum(suppressed.values())
    gen = sum(lvl / m for lvl, m in zip(node, max_level))
    perte = (gen * n + total_supp + removed * n_qi) / (n * n_qi)
    return MicrodataReport(
        path=out,
        k=k,
        lignes=int(keep.sum()),
        lignes_source=n,
        lignes_retirees=removed,
        niveaux={col: QUASI_IDENTIFIANTS[q][2][node[q]][0] for q, col in enumerate(qi_cols)},
        valeurs_supprimees=suppressed,
        plus_petite_classe=int(final_sizes.min()) if len(final_sizes) else 0,
        annees=sorted(int(y) for y in years),
        perte=float(perte),
        quasi_identifiants=qi_cols,
    )


def _quotite(q: float) -> str:
    if q >= 100:
        return "100 %"
    if q >= 80:
        return "80-99 %"
    if q >= 50:
        return "50-79 %"
    return "<50 %"


def _write_csv(frame: pd.DataFrame, out: Path) -> None:
    with atomic_file(out, "w", encoding="utf-8", newline="") as fh:
        frame.to_csv(fh, sep=";", index=False, decimal=",")
