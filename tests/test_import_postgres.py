"""Imports from a real PostgreSQL server (127.0.0.1:5432, database ``test``, trust authentication).

Each run creates its own schemas ``rsu_test_<random>`` with typed tables filled from the valid CSV
files, and drops them at the end. Skipped only when no server answers at that address.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

psycopg = pytest.importorskip("psycopg")
from psycopg import sql  # noqa: E402

from workspace_lib.config import Workspace  # noqa: E402
from workspace_lib.file_formats import FILE_KINDS  # noqa: E402
from workspace_lib.ingest import ImportRejected, import_sources  # noqa: E402

DATA = Path(__file__).parent / "data"
SERVER = os.environ.get("RSU_TEST_PG_SERVER", "127.0.0.1:5432")
DATABASE = "test"
USERS = ("postgres", "root")
TABLES = ("employeur", "agent", "absence", "formation")
PG_TYPES = {"int": "INTEGER", "decimal": "NUMERIC(14, 2)", "date": "DATE", "bool": "BOOLEAN",
            "siret": "VARCHAR(14)", "nir": "CHAR(15)"}
SECRET = "Mot-De-Passe-7f3a"


def _connect_admin():
    """A connection as the first user the server accepts; skip only if nothing answers."""
    errors = []
    for user in USERS:
        try:
            return psycopg.connect(f"postgresql://{user}@{SERVER}/{DATABASE}", connect_timeout=5, autocommit=True), user
        except psycopg.OperationalError as exc:
            errors.append(str(exc))
            if "Connection refused" in str(exc) or "timeout" in str(exc):
                pytest.skip(f"aucun serveur PostgreSQL à {SERVER} : {str(exc).splitlines()[0]}")
    raise RuntimeError(f"serveur PostgreSQL à {SERVER} joignable, mais connexion refusée : {errors}")


def _typed(kind_name: str, column: str, text: str):
    """A CSV value of the valid files as the Python value stored in PostgreSQL."""
    col = next(k for k in FILE_KINDS if k.name == kind_name).column(column)
    if text == "":
        return None
    if col.kind == "int":
        return int(text)
    if col.kind == "decimal":
        return Decimal(text.replace(",", "."))
    if col.kind == "date":
        return dt.datetime.strptime(text, "%d/%m/%Y").date()
    if col.kind == "bool":
        return text.lower() == "oui"
    return text


def _create_schema(conn, schema: str, change=None) -> None:
    """The four RSU tables, typed, columns in another order than the files, filled from tests/data/valid."""
    conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    for kind in FILE_KINDS:
        with (DATA / "valid" / f"{kind.name}-2024.csv").open(encoding="utf-8", newline="") as fh:
            header, *rows = list(csv.reader(fh, delimiter=";"))
        order = list(reversed(header))
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(PG_TYPES.get(kind.column(c).kind, "TEXT")))
            for c in order)
        table = sql.Identifier(schema, kind.name)
        conn.execute(sql.SQL("CREATE TABLE {} ({})").format(table, columns))
        values = [[_typed(kind.name, c, row[header.index(c)]) for c in order] for row in rows]
        if change:
            change(kind.name, order, values)
        insert = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            table, sql.SQL(", ").join(map(sql.Identifier, order)), sql.SQL(", ").join(sql.Placeholder() * len(order)))
        with conn.cursor() as cur:
            cur.executemany(insert, values)


def _unknown_statut(kind: str, columns: list[str], values: list[list]) -> None:
    if kind == "agents":
        values[2][columns.index("statut")] = "INCONNU"  # the third row: M0003


@pytest.fixture(scope="module")
def pg():
    """Fresh schemas (valid data, one bad value, a table that cannot be read); dropped at the end."""
    conn, user = _connect_admin()
    base = f"rsu_test_{secrets.token_hex(4)}"
    schemas = {"valid": base, "bad": f"{base}_bad", "broken": f"{base}_broken"}
    try:
        _create_schema(conn, schemas["valid"])
        _create_schema(conn, schemas["bad"], change=_unknown_statut)
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schemas["broken"])))
        conn.execute(sql.SQL("CREATE VIEW {} AS SELECT 2024 / 0 AS annee").format(
            sql.Identifier(schemas["broken"], "employeurs")))
        yield {"user": user, "server": SERVER, **schemas}
    finally:
        for schema in schemas.values():
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        conn.close()


def _url(pg: dict, schema: str, password: str | None = None, server: str | None = None) -> str:
    auth = pg["user"] + (f":{password}" if password else "")
    return f"postgresql://{auth}@{server or pg['server']}/{DATABASE}?schema={schema}"


@pytest.fixture(scope="module")
def csv_reference(tmp_path_factory) -> Workspace:
    """A workspace with the valid CSV files imported: what a PostgreSQL import must give."""
    ws = Workspace.locate(tmp_path_factory.mktemp("reference-csv") / "espace")
    import_sources(ws, [str(DATA / "valid")], show_progress=False)
    return ws


def _same_key(reference: Workspace, ws: Workspace) -> Workspace:
    ws.ensure()
    shutil.copy2(reference.key_path, ws.key_path)
    return ws


def _content(ws: Workspace) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(ws.warehouse_path), read_only=True)
    try:
        return {t: con.execute(f"SELECT * EXCLUDE (import_id) FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
    finally:
        con.close()


def _digest(ws: Workspace) -> str:
    return hashlib.sha256(ws.warehouse_path.read_bytes()).hexdigest()


def _everything_written(ws: Workspace) -> bytes:
    """The bytes of every file of the workspace (warehouse, logs...): where a secret must not be."""
    return b"".join(p.read_bytes() for p in sorted(ws.root.rglob("*")) if p.is_file())


def test_postgres_import_equals_csv_import(pg, csv_reference, workspace):
    ws = _same_key(csv_reference, workspace)
    report = import_sources(ws, [_url(pg, pg["valid"])], show_progress=False)
    assert [(o.kind, o.rows, o.result) for o in report.outcomes] == [
        ("employeurs", 2, "importe"), ("agents", 5, "importe"), ("absences", 4, "importe"), ("formations", 3, "importe")]
    assert all(f"schema={pg['valid']} table {o.kind}" in o.source for o in report.outcomes)
    content, expected = _content(ws), _content(csv_reference)
    assert content == expected
    # Spelled out: same agents, same pseudonyms, same pay.
    agents = content["agent"]
    assert len(agents) == 5
    assert sorted(r[2] for r in agents) == sorted(r[2] for r in expected["agent"])
    con = duckdb.connect(str(ws.warehouse_path), read_only=True)
    try:
        assert con.execute("SELECT (SELECT sum(remuneration_brute) FROM agent), "
                           "(SELECT sum(jours) FROM absence)").fetchone() == (Decimal("129000.00"), 169)
        kinds = con.execute("SELECT DISTINCT source FROM import_log").fetchall()
    finally:
        con.close()
    assert kinds == [("postgresql",)]
    # A second import of the same tables is recognised as already done.
    again = import_sources(ws, [_url(pg, pg["valid"])], show_progress=False)
    assert {o.result for o in again.outcomes} == {"deja_importe"}


def test_client_date_style_does_not_change_dates(pg, csv_reference, workspace, monkeypatch):
    """PGDATESTYLE="SQL, MDY" made PostgreSQL write 02/01/2024 for 1 February (read as 2 January)."""
    monkeypatch.setenv("PGDATESTYLE", "SQL, MDY")
    ws = _same_key(csv_reference, workspace)
    import_sources(ws, [_url(pg, pg["valid"])], show_progress=False)
    assert _content(ws) == _content(csv_reference)


def test_unreadable_table_is_refused_in_french(pg, workspace):
    with pytest.raises(ImportRejected) as caught:
        import_sources(workspace, [_url(pg, pg["broken"])], show_progress=False)
    report = caught.value.report()
    assert "lecture des tables impossible dans PostgreSQL" in report and "Traceback" not in report
    assert not workspace.warehouse_path.exists()


def test_bad_value_in_postgres_is_refused_naming_table_and_row(pg, csv_reference, tmp_path):
    ws = Workspace.locate(tmp_path / "espace")
    shutil.copytree(csv_reference.root, ws.root)
    before = _digest(ws)
    with pytest.raises(ImportRejected) as caught:
        import_sources(ws, [_url(pg, pg["bad"])], show_progress=False)
    report = caught.value.report()
    assert report.startswith("Import refusé : 1 erreur trouvée.")
    (problem,) = caught.value.problems
    assert problem.source.endswith(f"schema={pg['bad']} table agents")
    assert problem.column == "statut" and problem.value == "INCONNU" and "valeur inconnue" in problem.rule
    # Rows are numbered as in the exported CSV: the header is line 1, so the third row is line 4.
    assert problem.row == 4
    assert f"table agents, ligne 4, colonne « statut », valeur « INCONNU » : valeur inconnue" in report
    assert _digest(ws) == before


def test_unreachable_server_gives_a_french_error(pg, workspace):
    url = _url(pg, pg["valid"], password=SECRET, server="127.0.0.1:1")
    with pytest.raises(ImportRejected) as caught:
        import_sources(workspace, [url], show_progress=False)
    report = caught.value.report()
    assert report.startswith("Import refusé : 1 erreur trouvée.")
    assert "connexion à PostgreSQL impossible : le serveur ne répond pas" in report
    assert "127.0.0.1:1" in report
    assert SECRET not in report
    assert SECRET.encode() not in _everything_written(workspace)
    assert not workspace.warehouse_path.exists()


@pytest.mark.parametrize("where", ["user-info", "query"])
def test_password_never_written_nor_shown(pg, workspace, where):
    if where == "user-info":
        good, bad = _url(pg, pg["valid"], password=SECRET), _url(pg, pg["bad"], password=SECRET)
    else:
        good, bad = (_url(pg, pg["valid"]) + f"&password={SECRET}", _url(pg, pg["bad"]) + f"&password={SECRET}")
    # Accepted (trust authentication ignores the password): not in the report, journal, warehouse.
    report = import_sources(workspace, [good], show_progress=False)
    assert SECRET not in report.describe()
    # Refused: not in the report either.
    with pytest.raises(ImportRejected) as caught:
        import_sources(workspace, [bad], show_progress=False)
    assert SECRET not in caught.value.report() and SECRET not in str(caught.value)
    journal = (workspace.logs_dir / "imports.jsonl").read_text(encoding="utf-8")
    assert [json.loads(line)["resultat"] for line in journal.splitlines()] == ["importe"] * 4 + ["refuse"]
    assert SECRET not in journal and pg["valid"] in journal
    assert SECRET.encode() not in _everything_written(workspace)
