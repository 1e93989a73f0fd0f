"""Arrow tables of one unit-year, with "logical" column types.

Types by contract kind: ``int`` -> int64, ``decimal`` -> int64 in hundredths, ``date`` ->
date32, ``bool`` -> bool, everything else -> string. Missing values are nulls. The writers
turn these into CSV text (French conventions) or XLSX cells.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import file_formats as ff
from .annual import MOTIF, TYPE_F
from .cadres import CADRES
from .names import SURNAMES
from .population import FIRST_NAMES, Unit

ORGANISMES = ff.ORGANISMES_FORMATION          # CNFPT = 0, AUTRE = 1 (see annual.py)
CADRE_NAMES = pa.array([c.nom for c in CADRES] + [None], type=pa.string())
_grades = [g for c in CADRES for g in c.grades]
GRADE_NAMES = pa.array(_grades + [None], type=pa.string())
GRADE_OFFSET = np.array(np.cumsum([0] + [len(c.grades) for c in CADRES])[:-1].tolist() + [len(_grades)],
                        dtype=np.int64)
SURNAME_ARRAY = pa.array(SURNAMES, type=pa.string())
FIRST_NAME_ARRAY = pa.array(FIRST_NAMES, type=pa.string())
assert len(MOTIF) == len(ff.MOTIFS_ABSENCE) and len(TYPE_F) == len(ff.TYPES_FORMATION)


def enum_array(choices: tuple[str, ...]) -> pa.Array:
    """The choices followed by a null: index -1 (taken as the last one) gives a null."""
    return pa.array(list(choices) + [None], type=pa.string())


ENUMS = {name: enum_array(choices) for name, choices in (
    ("sexe", ff.SEXES), ("statut", ff.STATUTS), ("categorie", ff.CATEGORIES),
    ("filiere", ff.FILIERES), ("temps_travail", ff.TEMPS_TRAVAIL), ("position", ff.POSITIONS),
    ("motif_entree", ff.MOTIFS_ENTREE), ("motif_sortie", ff.MOTIFS_SORTIE),
    ("motif", ff.MOTIFS_ABSENCE), ("type_formation", ff.TYPES_FORMATION),
    ("organisme", ff.ORGANISMES_FORMATION), ("type", ff.TYPES_EMPLOYEUR))}


def clean_name(name: str) -> str:
    """Names without the characters that CSV would have to quote."""
    name = re.sub(r'"([^"]*)"', "« \\1 »", name)
    return name.replace('"', "").replace(";", ",").replace("\n", " ").strip()


def _take(dictionary: pa.Array, idx: np.ndarray) -> pa.Array:
    """dictionary[idx], where -1 means null (the last entry of an ``enum_array``)."""
    idx = np.where(idx < 0, len(dictionary) - 1, idx)
    return dictionary.take(pa.array(idx.astype(np.int32)))


def _date(day: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(day.astype(np.int32), type=pa.int32(), mask=None if valid is None else ~valid)
    return arr.cast(pa.date32())


def _int(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(values.astype(np.int64), type=pa.int64(), mask=None if valid is None else ~valid)


def _bool(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype(bool), type=pa.bool_())


def _year(n: int, year: int) -> pa.Array:
    return pa.array(np.full(n, year, dtype=np.int64), type=pa.int64())


def employers_table(unit: Unit, year: int, transmitted: np.ndarray, amounts: dict) -> pa.Table:
    e = unit.employers
    n = len(e)

    def text(values):
        return pa.array(values, type=pa.string())

    pop = np.array([-1 if p is None else p for p in e.population], dtype=np.int64)
    cols = {
        "annee": _year(n, year),
        "siret": text(e.siret),
        "nom": text([clean_name(x) for x in e.nom]),
        "type": text(e.type),
        "code_insee": text(e.code_insee),
        "departement": text(e.departement),
        "region": text(e.region),
        "epci_siren": text(e.epci_siren),
        "population": _int(pop, pop >= 0),
        "affilie": _bool(unit.affilie),
        "rsu_transmis": _bool(transmitted),
    }
    for name, values in amounts.items():
        cols[name] = _int(values, values >= 0)
    return pa.table({c: cols[c] for c in ff.EMPLOYEURS.column_names})


def _siret_matricule(unit: Unit, emp: np.ndarray, mat: np.ndarray) -> tuple[pa.Array, pa.Array]:
    sirets = pa.array(unit.employers.siret, type=pa.string()).take(pa.array(emp.astype(np.int32)))
    numbers = pc.utf8_lpad(pa.array(mat.astype(np.int64)).cast(pa.string()), width=6, padding="0")
    matricules = pc.binary_join_element_wise("M", numbers, "")
    return sirets, matricules


def agents_table(unit: Unit, r: dict, v: dict, keep: np.ndarray) -> pa.Table:
    r = {k: (val[keep] if isinstance(val, np.ndarray) else val) for k, val in r.items()}
    v = {k: val[keep] for k, val in v.items()}
    n = len(r["emp"])
    jan1 = r["jan1"]
    siret, matricule = _siret_matricule(unit, r["emp"], r["mat"])
    cadre = r["cadre"].astype(np.int64)
    grade_idx = np.where(cadre >= 0, GRADE_OFFSET[cadre] + r["grade"], -1)
    has_in, has_out = r["d_in"] >= 0, r["d_out"] >= 0
    cols = {
        "annee": _year(n, r["year"]),
        "siret": siret,
        "matricule": matricule,
        "nom": SURNAME_ARRAY.take(pa.array(r["nom"].astype(np.int32))),
        "prenom": FIRST_NAME_ARRAY.take(pa.array(r["prenom"].astype(np.int32))),
        "nir": pa.array(r["nir"]).cast(pa.string()),
        "date_naissance": _date(r["bdate"]),
        "sexe": _take(ENUMS["sexe"], r["sex"]),
        "statut": _take(ENUMS["statut"], r["statut"]),
        "emploi_fonctionnel": _bool(v["ef"]),
        "categorie": _take(ENUMS["categorie"], np.where(r["cat"] > 2, -1, r["cat"])),
        "filiere": _take(ENUMS["filiere"], r["fil"]),
        "cadre_emplois": _take(CADRE_NAMES, cadre),
        "grade": _take(GRADE_NAMES, grade_idx),
        "temps_travail": _take(ENUMS["temps_travail"], (r["hh"] < 70).astype(np.int8)),
        "heures_hebdo": _int(r["hh"].astype(np.int64) * 50),
        "quotite": _int(np.where(v["paid"], r["quot"], 100).astype(np.int64) * 100),
        "position": _take(ENUMS["position"], r["pos"]),
        "present_31_12": _bool(v["present"]),
        "date_entree": _date(jan1 + np.maximum(r["d_in"], 0), has_in),
        "motif_entree": _take(ENUMS["motif_entree"], r["m_in"]),
        "date_sortie": _date(jan1 + np.maximum(r["d_out"], 0), has_out),
        "motif_sortie": _take(ENUMS["motif_sortie"], r["m_out"]),
        "jours_remuneres": _int(v["jours"]),
        "remuneration_brute": _int(v["brute"]),
        "regime_indemnitaire": _int(v["ri"]),
        "nbi": _int(v["nbi"], v["has_nbi"]),
        "heures_supplementaires": _int(v["hs"], v["hs"] > 0),
        "boeth": _bool(v["boeth"]),
        "teletravail": _bool(v["tele"]),
    }
    return pa.table({c: cols[c] for c in ff.AGENTS.column_names})


def absences_table(unit: Unit, r: dict, a: dict, keep: np.ndarray) -> pa.Table:
    sel = keep[a["row"]]
    row = a["row"][sel]
    siret, matricule = _siret_matricule(unit, r["emp"][row], r["mat"][row])
    cols = {
        "annee": _year(len(row), r["year"]),
        "siret": siret,
        "matricule": matricule,
        "motif": _take(ENUMS["motif"], a["motif"][sel]),
        "nb_arrets": _int(a["nb"][sel]),
        "jours": _int(a["days"][sel]),
    }
    return pa.table({c: cols[c] for c in ff.ABSENCES.column_names})


def formations_table(unit: Unit, r: dict, f: dict, keep: np.ndarray) -> pa.Table:
    sel = keep[f["row"]]
    row = f["row"][sel]
    siret, matricule = _siret_matricule(unit, r["emp"][row], r["mat"][row])
    cols = {
        "annee": _year(len(row), r["year"]),
        "siret": siret,
        "matricule": matricule,
        "type_formation": _take(ENUMS["type_formation"], f["type"][sel]),
        "organisme": _take(ENUMS["organisme"], f["org"][sel]),
        "jours": _int(f["days"][sel]),
    }
    return pa.table({c: cols[c] for c in ff.FORMATIONS.column_names})
