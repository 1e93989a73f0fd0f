"""Reference data of French territories (INSEE COG), shipped with the package.

Built by ``scripts/build_reference.py`` from @etalab/decoupage-administratif 6.0.0 (INSEE COG
and BANATIC, Licence Ouverte). Tables: communes, anciennes_communes (former communes now part of
a commune nouvelle, with the code of that commune), epci, departements, regions.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

TABLES = ("communes", "anciennes_communes", "epci", "departements", "regions")
_CODE_COLUMNS = {
    "communes": ["code_insee", "departement", "region", "siren", "epci_siren"],
    "anciennes_communes": ["code_insee", "departement", "commune_actuelle"],
    "epci": ["siren", "departement", "region"],
    "departements": ["code", "region", "chef_lieu"],
    "regions": ["code", "chef_lieu"],
}


def _shipped(name: str):
    """The compressed CSV file of a reference table, in the package."""
    return resources.files("workspace_lib") / "data" / f"{name}.csv.gz"


@functools.cache
def table(name: str) -> pd.DataFrame:
    """One reference table as a DataFrame (codes kept as text). Do not modify the result."""
    if name not in TABLES:
        raise KeyError(f"Table de référence inconnue : {name!r} (connues : {', '.join(TABLES)})")
    import pandas as pd  # imported here: an import of RSU files needs only departement_codes()

    with resources.as_file(_shipped(name)) as file:
        return pd.read_csv(file, dtype={c: "string" for c in _CODE_COLUMNS[name]})


@functools.cache
def departement_codes() -> tuple[str, ...]:
    """The codes of the départements, in the order of their table (read without pandas)."""
    data = _shipped("departements").read_bytes()
    with io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(data)), encoding="utf-8") as text:
        return tuple(row["code"] for row in csv.DictReader(text))


def departement(code: str) -> dict:
    """The row of one département, as a dict; a clear error if the code is unknown."""
    deps = table("departements")
    row = deps[deps["code"] == code]
    if row.empty:
        raise KeyError(f"Département inconnu : {code!r}")
    return row.iloc[0].to_dict()


def communes_of(departement_code: str) -> pd.DataFrame:
    """The current communes of a département."""
    communes = table("communes")
    return communes[communes["departement"] == departement_code].reset_index(drop=True)


@functools.cache
def _current_commune() -> dict[str, str]:
    current = table("communes")["code_insee"]
    former = table("anciennes_communes")
    return {**dict(zip(current, current)), **dict(zip(former["code_insee"], former["commune_actuelle"]))}


def commune_actuelle(code: str) -> str | None:
    """The current commune of a commune code: itself if current, the commune nouvelle it joined if
    it is a former commune, None if unknown."""
    return _current_commune().get(code)


def epci_of(departement_code: str) -> pd.DataFrame:
    """The EPCI with at least one member commune in the département."""
    sirens = set(communes_of(departement_code)["epci_siren"].dropna())
    epci = table("epci")
    return epci[epci["siren"].isin(sirens)].reset_index(drop=True)
