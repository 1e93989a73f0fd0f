"""Microdata export for observatories: k-anonymity checked by the independent pycanon library."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from workspace_lib.config import Workspace
from workspace_lib.disclosure import export_microdata
from workspace_lib.disclosure.cli import export_microdata as export_command
from workspace_lib.disclosure.microdata import EXPORTED, strate
from workspace_lib.file_formats import FILIERES
from workspace_lib.warehouse import connect

# The independent verifier, installed by `scripts/install.sh --test`.
from pycanon import anonymity

QUASI = ["annee", "sexe", "tranche_age", "categorie", "filiere", "strate"]

# (type, agents) of the employers of a small département.
EMPLOYEURS = [("COMMUNE", 4), ("COMMUNE", 9), ("COMMUNE", 14), ("COMMUNE", 27), ("COMMUNE", 60),
              ("COMMUNE", 120), ("COMMUNE", 6), ("EPCI_CC", 35), ("EPCI_CC", 18), ("EPCI_CA", 70),
              ("CCAS", 12), ("SYNDICAT", 5), ("SDIS", 40)]


def _siret(i: int) -> str:
    return f"2148{i:010d}"


@pytest.fixture
def warehouse(tmp_path):
    """A warehouse with about 430 agent-years over 2023-2024, absences and trainings."""
    workspace = Workspace.locate(tmp_path / "espace")
    con = connect(workspace)
    rng = np.random.default_rng(11)
    employeurs, agents = [], []
    for year in (2023, 2024):
        for i, (kind, size) in enumerate(EMPLOYEURS):
            employeurs.append((year, _siret(i), _siret(i)[:9], f"Employeur {i}", kind, "48095", "48", "76",
                               None, 1000, True, True, 1))
            for j in range(size - (year == 2023 and size > 10)):
                statut = rng.choice(["TITULAIRE", "CONTRACTUEL_PERMANENT", "CONTRACTUEL_NON_PERMANENT"], p=[.75, .15, .1])
                agents.append({
                    "annee": year, "siret": _siret(i), "agent_id": f"p{i:02d}{j:03d}",
                    "annee_naissance": int(rng.integers(1958, 2005)), "sexe": rng.choice(["F", "M"], p=[.61, .39]),
                    "statut": statut,
                    "categorie": None if statut == "CONTRACTUEL_NON_PERMANENT" and rng.random() < .5
                    else rng.choice(["A", "B", "C"], p=[.09, .13, .78]),
                    "filiere": rng.choice(FILIERES, p=np.array([25, 44, 4, 2, 6, 2, 5, 3, 1, 6, 2]) / 100),
                    "temps_travail": "COMPLET", "heures_hebdo": 35.0, "quotite": float(rng.choice([100, 90, 80, 50])),
                    "position": "ACTIVITE", "present_31_12": bool(rng.random() < .95),
                    "jours_remuneres": 365, "remuneration_brute": 26000.0, "import_id": 1,
                })
    con.executemany(
        "INSERT INTO employeur (annee, siret, siren, nom, type, code_insee, departement, region, epci_siren, "
        "population, affilie, rsu_transmis, import_id) VALUES (" + ", ".join(["?"] * 13) + ")", employeurs)
    frame = pd.DataFrame(agents)
    con.register("nouveaux", frame)
    con.execute(f"INSERT INTO agent ({', '.join(frame.columns)}) SELECT * FROM nouveaux")
    con.execute("INSERT INTO absence SELECT annee, siret, agent_id, 'MALADIE_ORDINAIRE', 2, 12, 1 FROM agent "
                "WHERE annee_naissance % 4 = 0")
    con.execute("INSERT INTO absence SELECT annee, siret, agent_id, 'ACCIDENT_SERVICE', 1, 30, 1 FROM agent "
                "WHERE annee_naissance % 7 = 0")
    con.execute("INSERT INTO formation SELECT annee, siret, agent_id, 'PERFECTIONNEMENT', 'CNFPT', 1.5, 1 FROM agent "
                "WHERE annee_naissance % 3 = 0")
    con.close()
    ro = connect(workspace, read_only=True)
    yield workspace, ro, len(agents)
    ro.close()


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")


def _k_of(frame: pd.DataFrame) -> int:
    """k of the file, by pycanon."""
    # pycanon groups with pandas, which drops null keys: a suppressed value is given a category
    # of its own ("*"), the strict reading of k-anonymity with local suppression.
    return anonymity.k_anonymity(frame.fillna("*"), QUASI)


def test_pycanon_counts_k_on_a_known_frame():
    frame = pd.DataFrame({"annee": ["2024"] * 4, "sexe": ["F", "F", "M", None], "tranche_age": "x",
                          "categorie": "C", "filiere": "f", "strate": "s"})
    assert anonymity.k_anonymity(frame.fillna("*"), QUASI) == 1


@pytest.mark.parametrize("k", [3, 5])
def test_export_is_k_anonymous(warehouse, tmp_path, k):
    _, con, n_agents = warehouse
    out = tmp_path / f"microdonnees-k{k}.csv"
    report = export_microdata(con, out, k=k)
    frame = _read(out)
    assert list(frame.columns) == list(EXPORTED)
    assert _k_of(frame) >= k
    assert frame.fillna("*").groupby(QUASI, dropna=False).size().min() >= k
    # The detailed data are far from k-anonymous: the check means something.
    smallest = con.execute(
        "SELECT min(n) FROM (SELECT count(*) AS n FROM agent "
        "GROUP BY annee, sexe, (annee - annee_naissance) // 5, categorie, filiere, siret)").fetchone()[0]
    assert smallest < k
    assert len(frame) + report.lignes_retirees == n_agents
    # Report: consistent with the file, French.
    assert report.lignes == len(frame) and report.k == k
    for col in ("sexe", "tranche_age", "categorie", "filiere", "strate"):
        assert report.valeurs_supprimees[col] == int(frame[col].isna().sum())
    assert report.plus_petite_classe >= k
    text = report.describe()
    assert f"(k = {k})" in text
    assert "Généralisation retenue : sexe : " in text
    assert "Valeurs supprimées localement : " in text and "Lignes retirées : " in text
    assert "années : 2023, 2024" in text


def test_export_never_writes_identifiers(warehouse, tmp_path):
    _, con, _ = warehouse
    out = tmp_path / "m.csv"
    export_microdata(con, out, k=5, annee=2024)
    text = out.read_text(encoding="utf-8")
    assert "2148" not in text   # no siret, siren
    assert "p00" not in text    # no pseudonym
    frame = _read(out)
    assert set(frame["annee"]) == {"2024"}
    assert not {"siret", "agent_id", "annee_naissance", "remuneration_brute"} & set(frame.columns)
    assert text.splitlines()[0] == ";".join(EXPORTED)
    # Strates and bands come from the published lattices only.
    known_strates = {"commune <20", "commune 20-49", "commune 50-99", "commune 100-349", "commune >=350",
                     "intercommunalité <20", "intercommunalité 20-49", "intercommunalité 50-349",
                     "intercommunalité 350-999", "intercommunalité >=1000", "autres établissements",
                     "communes", "intercommunalités", "tous employeurs"}
    assert set(frame["strate"].dropna()) <= known_strates


def test_small_k_keeps_more_detail(warehouse, tmp_path):
    _, con, _ = warehouse
    loose = export_microdata(con, tmp_path / "k2.csv", k=2)
    strict = export_microdata(con, tmp_path / "k10.csv", k=10)
    assert loose.perte <= strict.perte
    assert _k_of(_read(tmp_path / "k10.csv")) >= 10


def test_strates_fncdg():
    assert strate("COMMUNE", 19) == "commune <20"
    assert strate("COMMUNE", 20) == "commune 20-49"
    assert strate("COMMUNE", 349) == "commune 100-349"
    assert strate("COMMUNE", 350) == "commune >=350"
    assert strate("EPCI_CA", 349) == "intercommunalité 50-349"
    assert strate("METROPOLE", 1000) == "intercommunalité >=1000"
    assert strate("CCAS", 5) == "autres établissements"
    assert strate(None, 5) == "autres établissements"


def test_export_command(warehouse, tmp_path):
    workspace, con, _ = warehouse
    out = tmp_path / "obs" / "microdonnees.csv"
    result = CliRunner().invoke(export_command, ["--k", "5", "--annee", "2024", str(out)], obj=workspace)
    assert result.exit_code == 0, result.output
    assert "Microdonnées exportées" in result.output and "(k = 5)" in result.output
    assert _k_of(_read(out)) >= 5
    empty = CliRunner().invoke(export_command, ["--annee", "2031", str(tmp_path / "vide.csv")], obj=workspace)
    assert empty.exit_code == 2 and "Aucun agent" in empty.output
    assert not (tmp_path / "vide.csv").exists()
