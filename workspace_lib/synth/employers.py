"""The employers of a département: real communes and EPCI, plus their établissements.

Communes and EPCI come from the reference tables with their real SIREN; the other employers
(CCAS, CIAS, caisses des écoles, syndicats, SDIS, département, région, CDG) get fake but
Luhn-valid SIRENs built from a type prefix, the département number and a sequence number,
hence unique and stable. A SIRET is the SIREN followed by a Luhn-valid NIC.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import file_formats as ff
from .. import reference
from . import params as P

# Prefixes of the fake SIRENs (no real SIREN of the reference tables starts with them).
FAKE_PREFIX = {
    "COMMUNE": "19", "SYNDICAT": "25", "CCAS": "26", "CIAS": "27", "CAISSE_ECOLES": "28",
    "SDIS": "29", "DEPARTEMENT": "22", "REGION": "23", "CDG": "18",
}
EPCI_TYPES = {"CC": "EPCI_CC", "CA": "EPCI_CA", "CU": "EPCI_CU", "METRO": "METROPOLE",
              "MET69": "METROPOLE"}
# Départements without a département employer: Paris (Ville de Paris), Corsica (Collectivité
# de Corse), Martinique and Guyane (collectivités uniques), overseas collectivités.
NO_DEPARTEMENT = {"75", "2A", "2B", "972", "973"}
# No SDIS: Paris and the petite couronne are covered by the Brigade de sapeurs-pompiers.
NO_SDIS = {"75", "92", "93", "94"}
# Île-de-France: one CIG for the petite couronne, one for the grande couronne, none for Paris.
CDG_SPECIAL = {
    "75": None, "92": None, "94": None, "91": None, "95": None,
    "93": ("Centre interdépartemental de gestion de la petite couronne", 3.0),
    "78": ("Centre interdépartemental de gestion de la grande couronne", 3.0),
}
REGION_NAMES = {"94": "Collectivité de Corse", "02": "Collectivité territoriale de Martinique",
                "03": "Collectivité territoriale de Guyane"}
NO_REGION = {"06"}     # Mayotte: a département exercising the powers of a région
OVERSEAS_COLLECTIVITES = {"975", "977", "978", "984", "986", "987", "988", "989"}

SYNDICAT_TEMPLATES = (
    "Syndicat intercommunal d'adduction d'eau potable {}",
    "Syndicat intercommunal à vocation multiple {}",
    "Syndicat intercommunal à vocation scolaire {}",
    "Syndicat mixte de collecte et de traitement des ordures ménagères {}",
    "Syndicat intercommunal d'assainissement {}",
    "Syndicat mixte du bassin versant {}",
    "Syndicat intercommunal de voirie {}",
    "Syndicat intercommunal d'électrification {}",
)

# Articles of département names ("de la Lozère", "du Nord", "des Landes", "de l'Ain").
_MASCULINE = {"Nord", "Gard", "Rhône", "Jura", "Cher", "Doubs", "Finistère", "Gers", "Lot",
              "Loiret", "Tarn", "Var", "Morbihan", "Calvados", "Cantal", "Val-d'Oise",
              "Val-de-Marne", "Haut-Rhin", "Bas-Rhin", "Lot-et-Garonne", "Tarn-et-Garonne",
              "Puy-de-Dôme", "Territoire de Belfort", "Pas-de-Calais", "Loir-et-Cher",
              "Maine-et-Loire"}
_NO_ARTICLE = {"Paris", "Mayotte", "La Réunion", "Saint-Pierre-et-Miquelon", "Saint-Barthélemy",
               "Saint-Martin", "Wallis et Futuna"}


def de_commune(name: str) -> str:
    """``"de Mende"``, ``"d'Allenc"``, ``"du Malzieu-Ville"``, ``"des Bondons"``."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name[:1] in "AEIOUYÉÈÊÂÎÔÛ":
        return "d'" + name
    return "de " + name


def de_departement(name: str) -> str:
    """``"de la Lozère"``, ``"du Nord"``, ``"des Landes"``, ``"de l'Ain"``, ``"de Paris"``."""
    if name in _NO_ARTICLE:
        return "de " + name
    if name in _MASCULINE:
        return "du " + name
    first = name.split("-")[0].split(" ")[0]
    if first.endswith("s") and first not in ("Paris",):
        return "des " + name
    if name[:1] in "AEIOUYÉÈÎ":
        return "de l'" + name
    return "de la " + name


def dep_number(code: str) -> int:
    """A number for a département code: ``"2A"`` -> 201, ``"2B"`` -> 202, ``"971"`` -> 971."""
    return {"2A": 201, "2B": 202}.get(code.upper(), None) or int(code)


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def luhn_digit(body: str) -> str:
    """The check digit to append to ``body`` so that the whole number passes the Luhn test."""
    total = 0
    # once the check digit is appended, the last digit of the body is doubled, and so on
    for i, ch in enumerate(reversed(body)):
        d = ord(ch) - 48
        total += _DOUBLED[d] if i % 2 == 0 else d
    return str((10 - total % 10) % 10)


def fake_siren(type_code: str, dep: str, seq: int) -> str:
    body = f"{FAKE_PREFIX[type_code]}{dep_number(dep):03d}{seq:03d}"
    return body + luhn_digit(body)


def siret_of(siren: str, nic_base: int = 1) -> str:
    body = f"{siren}{nic_base:04d}"
    return body + luhn_digit(body)


def sirets_of(sirens: list[str], nic_base: int = 1) -> list[str]:
    """Vectorised :func:`siret_of` for many 9-digit SIRENs."""
    if not sirens:
        return []
    bodies = [f"{s}{nic_base:04d}" for s in sirens]
    digits = np.frombuffer("".join(bodies).encode("ascii"), dtype=np.uint8).reshape(len(bodies), 13) - 48
    doubled = np.asarray(_DOUBLED)[digits]
    from_right = np.arange(12, -1, -1)               # position of each digit from the right
    total = np.where(from_right % 2 == 0, doubled, digits).sum(axis=1)
    checks = (10 - total % 10) % 10
    return [b + str(c) for b, c in zip(bodies, checks.tolist())]


@dataclass
class Employers:
    """The employers of one generation unit, as parallel columns."""

    siren: list[str] = field(default_factory=list)
    nom: list[str] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    code_insee: list[str | None] = field(default_factory=list)
    departement: list[str] = field(default_factory=list)
    region: list[str | None] = field(default_factory=list)
    epci_siren: list[str | None] = field(default_factory=list)
    population: list[int | None] = field(default_factory=list)
    mean: list[float] = field(default_factory=list)      # expected agents at 31/12/2021
    foreign: list[bool] = field(default_factory=list)     # EPCI of another département

    def add(self, siren, nom, type_, code_insee, departement, region, epci_siren, population,
            mean, foreign=False):
        self.siren.append(siren)
        self.nom.append(nom)
        self.type.append(type_)
        self.code_insee.append(code_insee)
        self.departement.append(departement)
        self.region.append(region)
        self.epci_siren.append(epci_siren)
        self.population.append(None if population is None or population != population else int(population))
        self.mean.append(max(0.0, float(mean)))
        self.foreign.append(foreign)

    def __len__(self) -> int:
        return len(self.siren)

    @functools.cached_property
    def siret(self) -> list[str]:
        """SIRET of each employer (read once all employers are added)."""
        return sirets_of(self.siren)

    def arrays(self) -> dict[str, np.ndarray]:
        kind = np.array([P.TYPE_INDEX[t] for t in self.type], dtype=np.int8)
        return {
            "kind": kind,
            "group": P.GROUP_OF_TYPE_INDEX[kind] if len(kind) else np.zeros(0, np.int8),
            "mean": np.array(self.mean, dtype=np.float64),
            "pop": np.array([-1 if p is None else p for p in self.population], dtype=np.int64),
        }


@functools.cache
def _epci_seats() -> dict[str, str]:
    """For each EPCI, its most populated member commune (taken as its seat)."""
    communes = reference.table("communes").dropna(subset=["epci_siren"])
    communes = communes.assign(p=communes["population"].fillna(0))
    idx = communes.groupby("epci_siren")["p"].idxmax()
    seats = communes.loc[idx, ["epci_siren", "code_insee"]]
    return dict(zip(seats["epci_siren"], seats["code_insee"]))


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts, missing values as None (fast to iterate, unlike arrow-backed rows)."""
    cols = {c: frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame.columns}
    return [dict(zip(cols, values)) for values in zip(*cols.values())]


@functools.cache
def _communes_by_dep() -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in _records(reference.table("communes").sort_values("code_insee")):
        out.setdefault(row["departement"], []).append(row)
    return out


@functools.cache
def _epci_records() -> list[dict]:
    return _records(reference.table("epci").sort_values("siren"))


def rural_factor(dep_population: float) -> float:
    if dep_population <= 0:
        return 1.0
    f = (dep_population / P.RURAL_REF) ** (-P.RURAL_EXP)
    return float(min(P.RURAL_MAX, max(P.RURAL_MIN, f)))


def epci_mean(type_code: str, raw_type: str, pop: float, factor: float) -> float:
    if raw_type == "MET69":
        return pop / P.METROPOLE_LYON_RATE
    if pop > P.HUGE_METROPOLE_POP:
        return 150.0
    base, rate = P.EPCI_RATES[type_code]
    return (base + pop / rate) * factor


def add_epci(emp: Employers, row: dict, factor: float, foreign: bool = False) -> None:
    type_code = EPCI_TYPES[row["type"]]
    emp.add(row["siren"], row["nom"], type_code, _epci_seats().get(row["siren"]),
            row["departement"], row["region"], row["siren"], row["population"],
            epci_mean(type_code, row["type"], float(row["population"]), factor), foreign=foreign)


def build_home(dep: str, rng: np.random.Generator) -> Employers:
    """The employers of département ``dep`` (its own EPCI only, not those of neighbours)."""
    dep_row = reference.departement(dep)
    dep_name, dep_pop = dep_row["nom"], float(dep_row["population"])
    region = dep_row["region"]
    chef_lieu = dep_row["chef_lieu"]
    factor = rural_factor(dep_pop)
    emp = Employers()

    communes = _communes_by_dep().get(dep, [])
    pops = np.array([c["population"] or 0.0 for c in communes], dtype=float)
    means = (P.COMMUNE_BASE + pops / P.COMMUNE_RATE * pops / (pops + P.COMMUNE_DAMP)) * factor
    means[pops <= 0] = 0.0
    if dep == "75":   # the Ville de Paris also exercises the powers of the département
        means += P.DEPARTEMENT_BASE + dep_pop / P.DEPARTEMENT_RATE
    for i, c in enumerate(communes):
        siren = c["siren"] or fake_siren("COMMUNE", dep, i)
        emp.add(siren, f"Commune {de_commune(c['nom'])}", "COMMUNE", c["code_insee"], dep,
                c["region"], c["epci_siren"], c["population"], means[i])

    epci_all = _epci_records()
    home_epci = [e for e in epci_all if e["departement"] == dep]
    for row in home_epci:
        add_epci(emp, row, factor)

    # CCAS of the communes above 1,500 inhabitants, caisses des écoles of some larger ones.
    seq = {"CCAS": 0, "CIAS": 0, "CAISSE_ECOLES": 0, "SYNDICAT": 0}
    ce_draw = rng.random(len(communes))
    for i, c in enumerate(communes):
        if pops[i] > P.CCAS_MIN_POP:
            seq["CCAS"] += 1
            emp.add(fake_siren("CCAS", dep, seq["CCAS"]), f"CCAS {de_commune(c['nom'])}", "CCAS",
                    c["code_insee"], dep, c["region"], c["epci_siren"], c["population"],
                    pops[i] / P.CCAS_RATE * factor)
    for i, c in enumerate(communes):
        if pops[i] > P.CAISSE_ECOLES_MIN_POP and ce_draw[i] < 0.45:
            seq["CAISSE_ECOLES"] += 1
            emp.add(fake_siren("CAISSE_ECOLES", dep, seq["CAISSE_ECOLES"]),
                    f"Caisse des écoles {de_commune(c['nom'])}", "CAISSE_ECOLES", c["code_insee"],
                    dep, c["region"], c["epci_siren"], c["population"],
                    1.0 + pops[i] / P.CAISSE_ECOLES_RATE * factor)
    cias_draw = rng.random(len(home_epci))
    for j, row in enumerate(home_epci):
        if cias_draw[j] < P.CIAS_SHARE and row["population"] < P.HUGE_METROPOLE_POP:
            seq["CIAS"] += 1
            emp.add(fake_siren("CIAS", dep, seq["CIAS"]), f"CIAS de la {row['nom']}", "CIAS",
                    _epci_seats().get(row["siren"]), dep, row["region"], row["siren"],
                    row["population"], row["population"] / P.CIAS_RATE * factor)

    # Syndicats: a départemental energy syndicate, then intercommunal ones around a seat.
    populated = np.flatnonzero(pops > 0)
    if len(populated):
        n_synd = min(len(populated), P.SYNDICATS_BASE + len(communes) // P.SYNDICATS_PER_COMMUNES)
        weights = np.sqrt(pops[populated])
        seats = rng.choice(populated, size=n_synd - 1, replace=False, p=weights / weights.sum()) \
            if n_synd > 1 else np.array([], dtype=int)
        sizes = P.SYNDICAT_MEDIAN_AGENTS * np.exp(rng.normal(0.0, 0.9, size=n_synd))
        seq["SYNDICAT"] += 1
        emp.add(fake_siren("SYNDICAT", dep, seq["SYNDICAT"]),
                f"Syndicat départemental d'énergie {de_departement(dep_name)}", "SYNDICAT",
                chef_lieu, dep, region, None, int(dep_pop), min(60.0, 15.0 + dep_pop / 40000.0))
        templates = rng.integers(0, len(SYNDICAT_TEMPLATES), size=len(seats))
        epci_pop = {e["siren"]: e["population"] for e in epci_all}
        for k, ci in enumerate(seats):
            c = communes[int(ci)]
            seq["SYNDICAT"] += 1
            e_siren = c["epci_siren"]
            synd_pop = epci_pop.get(e_siren, c["population"]) if e_siren else c["population"]
            emp.add(fake_siren("SYNDICAT", dep, seq["SYNDICAT"]),
                    SYNDICAT_TEMPLATES[templates[k]].format(de_commune(c["nom"])), "SYNDICAT",
                    c["code_insee"], dep, c["region"], e_siren, synd_pop, sizes[k + 1] * factor)

    is_overseas_collectivite = dep in OVERSEAS_COLLECTIVITES
    if dep not in NO_SDIS and not is_overseas_collectivite and dep_pop > 0:
        emp.add(fake_siren("SDIS", dep, 1),
                f"Service départemental d'incendie et de secours {de_departement(dep_name)}", "SDIS",
                chef_lieu, dep, region, None, int(dep_pop), P.SDIS_BASE + dep_pop / P.SDIS_RATE)
    if dep not in NO_DEPARTEMENT and not is_overseas_collectivite and dep_pop > 0:
        emp.add(fake_siren("DEPARTEMENT", dep, 1), f"Département {de_departement(dep_name)}",
                "DEPARTEMENT", chef_lieu, dep, region, None, int(dep_pop),
                P.DEPARTEMENT_BASE + dep_pop / P.DEPARTEMENT_RATE)
    for reg in _records(reference.table("regions")):
        if reg["code"] in NO_REGION or reg["code"] == reg["chef_lieu"][:3] or reg["population"] <= 0:
            continue        # not a région (overseas collectivité), or Mayotte
        if _dep_of_commune(reg["chef_lieu"]) != dep or reg["code"] in OVERSEAS_COLLECTIVITES:
            continue
        name = REGION_NAMES.get(reg["code"], f"Région {reg['nom']}")
        emp.add(fake_siren("REGION", dep, 1), name, "REGION", reg["chef_lieu"], dep, reg["code"],
                None, int(reg["population"]), P.REGION_BASE + reg["population"] / P.REGION_RATE)
    special = CDG_SPECIAL.get(dep, ("", 1.0))
    if special is not None and dep_pop > 0:
        name, pop_factor = special
        name = name or f"Centre de gestion de la fonction publique territoriale {de_departement(dep_name)}"
        emp.add(fake_siren("CDG", dep, 1), name, "CDG", chef_lieu, dep, region, None,
                int(dep_pop * pop_factor), P.CDG_BASE + dep_pop * pop_factor / P.CDG_RATE)
    return emp


def _dep_of_commune(code_insee: str) -> str:
    return code_insee[:3] if code_insee.startswith("97") or code_insee.startswith("98") else code_insee[:2]


def build_foreign_epci(dep: str) -> list[tuple[str, Employers]]:
    """The EPCI having member communes in ``dep`` but their seat in another département."""
    members = {c["epci_siren"] for c in _communes_by_dep().get(dep, []) if c["epci_siren"]}
    out = []
    for row in _epci_records():
        if row["siren"] not in members or row["departement"] == dep:
            continue
        emp = Employers()
        other_pop = float(reference.departement(row["departement"])["population"])
        add_epci(emp, row, rural_factor(other_pop), foreign=True)
        out.append((row["siren"], emp))
    return out


def france_departements() -> list[str]:
    """All départements (and overseas collectivités) having communes, in reference order."""
    deps = reference.table("departements")
    with_communes = set(reference.table("communes")["departement"].dropna())
    return [c for c in deps["code"] if c in with_communes]
