"""Build the compact reference tables of French territories shipped in the package.

Source: the data files of the npm package @etalab/decoupage-administratif 6.0.0 (INSEE COG and
BANATIC, Licence Ouverte), laid out in ../shared/reference. Run from the repository root:

    .venv/bin/python scripts/build_reference.py [SOURCE_DIR]

It writes workspace_lib/data/{communes,anciennes_communes,epci,departements,regions}.csv.gz,
committed so that an install needs neither npm nor ../shared.
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "reference" / "decoupage-administratif-6.0.0"
OUT = ROOT / "workspace_lib" / "data"


def _load(source: Path, name: str) -> list[dict]:
    return json.loads((source / name).read_text(encoding="utf-8"))


def build(source: Path = DEFAULT_SOURCE, out: Path = OUT) -> dict[str, int]:
    """Derive the reference tables from ``source`` into ``out``; return their row counts."""
    every_commune = _load(source, "communes.json")
    communes = [c for c in every_commune if c["type"] == "commune-actuelle"]
    epcis = _load(source, "epci.json")
    commune_epci = {m["code"]: e["code"] for e in epcis for m in e["membres"]}

    communes_df = pd.DataFrame(
        {
            "code_insee": [c["code"] for c in communes],
            "nom": [c["nom"] for c in communes],
            "departement": [c.get("departement") for c in communes],
            "region": [c.get("region") for c in communes],
            "siren": [c.get("siren") for c in communes],
            "population": [c.get("population") for c in communes],
            "epci_siren": [commune_epci.get(c["code"]) for c in communes],
        }
    ).sort_values("code_insee")

    # Former communes (delegated or associated to a commune nouvelle) with a code of their own:
    # boundaries of an older vintage still draw them.
    current = set(communes_df["code_insee"])
    former = [c for c in every_commune if c["type"] in ("commune-deleguee", "commune-associee")
              and c["code"] not in current and c.get("chefLieu") in current]
    anciennes_df = pd.DataFrame(
        {
            "code_insee": [c["code"] for c in former],
            "nom": [c["nom"] for c in former],
            "departement": [c.get("departement") for c in former],
            "commune_actuelle": [c["chefLieu"] for c in former],
        }
    ).drop_duplicates("code_insee").sort_values("code_insee")

    dep_of_commune = dict(zip(communes_df["code_insee"], communes_df["departement"]))
    reg_of_commune = dict(zip(communes_df["code_insee"], communes_df["region"]))
    epci_rows = []
    for e in epcis:
        # The département of an EPCI is the one holding most of its member communes.
        deps = collections.Counter(dep_of_commune.get(m["code"]) for m in e["membres"])
        regs = collections.Counter(reg_of_commune.get(m["code"]) for m in e["membres"])
        epci_rows.append(
            {
                "siren": e["code"],
                "nom": e["nom"],
                "type": e["type"],
                "departement": deps.most_common(1)[0][0],
                "region": regs.most_common(1)[0][0],
                "population": e.get("populationTotale"),
                "nb_communes": len(e["membres"]),
            }
        )
    epci_df = pd.DataFrame(epci_rows).sort_values("siren")

    pop_dep = communes_df.groupby("departement")["population"].sum()
    pop_reg = communes_df.groupby("region")["population"].sum()
    n_dep = communes_df.groupby("departement").size()
    departements_df = pd.DataFrame(
        [
            {
                "code": d["code"],
                "nom": d["nom"],
                "region": d["region"],
                "chef_lieu": d["chefLieu"],
                "population": int(pop_dep.get(d["code"], 0)),
                "nb_communes": int(n_dep.get(d["code"], 0)),
            }
            for d in _load(source, "departements.json")
        ]
    ).sort_values("code")
    regions_df = pd.DataFrame(
        [
            {
                "code": r["code"],
                "nom": r["nom"],
                "chef_lieu": r["chefLieu"],
                "population": int(pop_reg.get(r["code"], 0)),
            }
            for r in _load(source, "regions.json")
        ]
    ).sort_values("code")

    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "communes": communes_df,
        "anciennes_communes": anciennes_df,
        "epci": epci_df,
        "departements": departements_df,
        "regions": regions_df,
    }
    for name, df in tables.items():
        # mtime=0 keeps the gzip bytes identical from one build to the next.
        df.to_csv(
            out / f"{name}.csv.gz",
            index=False,
            compression={"method": "gzip", "mtime": 0},
        )
    return {name: len(df) for name, df in tables.items()}


if __name__ == "__main__":
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    for name, n in build(src).items():
        print(f"{name}: {n} lignes")
