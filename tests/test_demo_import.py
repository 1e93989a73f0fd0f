"""The demo data of a département, imported: pseudonymised, complete, same from CSV and XLSX."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from workspace_lib.config import Workspace
from workspace_lib.ingest import import_sources
from workspace_lib.synth import generate

YEARS = [2023, 2024]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, Workspace]:
    data = tmp_path_factory.mktemp("demo-48")
    generate(data, departement="48", years=YEARS, seed=3, formats=("csv", "xlsx"))
    ws = Workspace.locate(tmp_path_factory.mktemp("ws"))
    import_sources(ws, [str(data / "csv")], show_progress=False)
    return data, ws


def _column(files: list[Path], name: str) -> set[str]:
    values = set()
    for f in files:
        with f.open(encoding="utf-8", newline="") as fh:
            values |= {row[name] for row in csv.DictReader(fh, delimiter=";") if row[name]}
    return values


def _stored_texts(path: Path) -> list[str]:
    """Every text value of every table of the warehouse."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        texts = []
        for table, column in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE data_type = 'VARCHAR' "
            "AND table_name IN (SELECT table_name FROM duckdb_tables())"
        ).fetchall():
            texts += [v for (v,) in con.execute(f'SELECT DISTINCT "{column}" FROM {table}').fetchall() if v]
        return texts
    finally:
        con.close()


def test_no_direct_identifier_anywhere_in_the_warehouse_file(demo):
    data, ws = demo
    agents = sorted((data / "csv").rglob("agents-*.csv"))
    raw = ws.warehouse_path.read_bytes()
    wal = Path(str(ws.warehouse_path) + ".wal")
    if wal.exists():
        raw += wal.read_bytes()
    # Positive control: a stored value is found by the same byte search.
    siret = next(iter(_column(agents, "siret")))
    assert siret.encode() in raw

    nirs = _column(agents, "nir")
    matricules = _column(agents, "matricule")
    births = _column(agents, "date_naissance")
    assert len(nirs) > 3000 and len(matricules) > 1000
    for value in nirs | matricules:
        assert value.encode() not in raw, "identifiant direct trouvé dans l'entrepôt"
    for birth in births:
        day, month, year = birth.split("/")
        assert birth.encode() not in raw and f"{year}-{month}-{day}".encode() not in raw

    # Names: none stored, except where the same word is a legitimate stored text (a commune
    # "Saint-Martin", a grade...): check those through SQL instead of bytes.
    stored = _stored_texts(ws.warehouse_path)
    lowered = "\n".join(stored).lower()
    for name in _column(agents, "nom") | _column(agents, "prenom"):
        if name.lower() not in lowered:
            assert name.encode() not in raw, f"nom ou prénom trouvé dans l'entrepôt : {name}"
    assert not set(stored) & (nirs | matricules | _column(agents, "nom") | _column(agents, "prenom"))


def test_every_row_of_the_demo_files_is_in_the_warehouse(demo):
    data, ws = demo
    con = duckdb.connect(str(ws.warehouse_path), read_only=True)
    try:
        for kind, table in (("employeurs", "employeur"), ("agents", "agent"),
                            ("absences", "absence"), ("formations", "formation")):
            for year in YEARS:
                with (data / "csv" / str(year) / f"{kind}-{year}.csv").open(encoding="utf-8") as fh:
                    expected = sum(1 for _ in fh) - 1
                got = con.execute(f"SELECT count(*) FROM {table} WHERE annee = ?", [year]).fetchone()[0]
                assert got == expected, (kind, year)
        # The same agent keeps its pseudonym from one year to the next.
        kept = con.execute(
            "SELECT count(*) FROM agent a JOIN agent b ON a.agent_id = b.agent_id AND a.siret = b.siret "
            "WHERE a.annee = 2023 AND b.annee = 2024").fetchone()[0]
        n2023 = con.execute("SELECT count(*) FROM agent WHERE annee = 2023").fetchone()[0]
        assert 0.85 * n2023 < kept < n2023
    finally:
        con.close()


def test_agents_are_stored_in_the_order_of_their_file(demo):
    """The load keeps an export's order (each employer's agents together), without sorting it."""
    data, ws = demo
    with (data / "csv" / "2024" / "agents-2024.csv").open(encoding="utf-8") as fh:
        in_file = [row["siret"] for row in csv.DictReader(fh, delimiter=";")]
    assert in_file != sorted(in_file)  # else the test could not tell a sort from the file's order
    con = duckdb.connect(str(ws.warehouse_path), read_only=True)
    try:
        stored = [r[0] for r in con.execute("SELECT siret FROM agent WHERE annee = 2024 ORDER BY rowid").fetchall()]
    finally:
        con.close()
    assert stored == in_file


def test_xlsx_files_give_the_same_warehouse_as_csv(demo, tmp_path):
    data, ws = demo
    other = Workspace.locate(tmp_path / "xlsx").ensure()
    shutil.copy(ws.key_path, other.key_path)  # same CDG, same key
    import_sources(other, [str(data / "xlsx")], show_progress=False)
    query = ("SELECT annee, siret, agent_id, annee_naissance, statut, quotite, remuneration_brute, "
             "date_entree, present_31_12 FROM agent ORDER BY ALL")
    with duckdb.connect(str(ws.warehouse_path), read_only=True) as a, \
            duckdb.connect(str(other.warehouse_path), read_only=True) as b:
        assert a.execute(query).fetchall() == b.execute(query).fetchall()
        for table in ("employeur", "absence", "formation"):
            q = f"SELECT * EXCLUDE (import_id) FROM {table} ORDER BY ALL"
            assert a.execute(q).fetchall() == b.execute(q).fetchall(), table
