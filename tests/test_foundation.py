"""Workspace folder, secret key, reference tables, warehouse schema and pseudonyms."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat

import duckdb
import pytest

from workspace_lib import reference, warehouse
from workspace_lib.config import Workspace
from workspace_lib.file_formats import FILE_KINDS, luhn_ok, nir_key, normalise_header
from workspace_lib.ingest.importer import _stored_columns
from workspace_lib.ingest.pseudonymise import hmac_pads, pseudonym, pseudonym_sql


def test_workspace_located_from_option_then_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSPACE_DIR", str(tmp_path / "env"))
    assert Workspace.locate().root == tmp_path / "env"
    assert Workspace.locate(tmp_path / "opt").root == tmp_path / "opt"
    monkeypatch.delenv("WORKSPACE_DIR")
    monkeypatch.chdir(tmp_path)
    assert Workspace.locate().root == tmp_path


def test_pseudonym_key_created_once_private_and_stable(tmp_path):
    ws = Workspace.locate(tmp_path / "ws")
    key = ws.pseudonym_key()
    assert len(key) == 32
    assert stat.S_IMODE(os.stat(ws.key_path).st_mode) == 0o600
    assert ws.pseudonym_key() == key
    assert Workspace.locate(tmp_path / "other").pseudonym_key() != key


def test_corrupt_key_is_refused_in_french(tmp_path):
    ws = Workspace.locate(tmp_path).ensure()
    ws.key_path.write_bytes(b"short")
    with pytest.raises(ValueError, match="clé de pseudonymisation"):
        ws.pseudonym_key()


def test_reference_tables_of_lozere():
    communes = reference.communes_of("48")
    assert len(communes) == 152
    assert int(communes["population"].sum()) == 76_486
    assert len(reference.epci_of("48")) == 11
    assert reference.departement("48")["nom"] == "Lozère"
    assert communes["siren"].map(luhn_ok).all()
    with pytest.raises(KeyError, match="inconnu"):
        reference.departement("999")


def test_reference_tables_cover_france():
    communes = reference.table("communes")
    assert len(communes) > 34_000
    assert 60_000_000 < communes["population"].sum() < 75_000_000
    assert reference.table("regions")["code"].is_unique


def test_migrations_create_schema_once(tmp_path):
    ws = Workspace.locate(tmp_path)
    with warehouse.connection(ws) as con:
        assert warehouse.current_version(con) == warehouse.SCHEMA_VERSION
        assert warehouse.migrate(con) == []
        rows = con.execute("SELECT version, description FROM schema_version").fetchall()
    assert [r[0] for r in rows] == [m[0] for m in warehouse.MIGRATIONS]


def test_newer_warehouse_is_refused(tmp_path):
    ws = Workspace.locate(tmp_path)
    with warehouse.connection(ws) as con:
        con.execute("INSERT INTO schema_version VALUES (999, 'futur', now())")
    with pytest.raises(RuntimeError, match="plus récent"):
        warehouse.connect(ws)


def test_every_stored_column_of_the_file_formats_exists_in_the_warehouse(tmp_path):
    """The file contract and the warehouse schema must not drift apart."""
    with warehouse.connection(Workspace.locate(tmp_path)) as con:
        for kind in FILE_KINDS:
            table_columns = {r[0] for r in con.execute(f"DESCRIBE {kind.table}").fetchall()}
            stored = set(_stored_columns(kind))
            assert stored <= table_columns, (kind.name, stored - table_columns)
            identifiers = {"prenom", "nir", "matricule", "date_naissance"}
            if kind.name != "employeurs":
                identifiers.add("nom")
            assert not identifiers & table_columns


def test_sql_pseudonym_equals_python_hmac():
    key = bytes(range(32))
    ipad, opad = hmac_pads(key)
    con = duckdb.connect()
    sql = pseudonym_sql("?1", "?2").replace("$ipad", "?3").replace("$opad", "?4")
    for siret, matricule in [("21480095500012", "M0001"), ("21480001300010", "Élodie-ß 42")]:
        got = con.execute(f"SELECT {sql}", [siret, matricule, ipad, opad]).fetchone()[0]
        expected = hmac.new(key, f"{siret}:{matricule}".encode(), hashlib.sha256).hexdigest()[:32]
        assert got == expected == pseudonym(key, siret, matricule)


def test_nir_key_and_luhn():
    # Example NIR of the INSEE documentation style: key = 97 - (number mod 97).
    assert nir_key("1850948001033") == 97 - 1850948001033 % 97
    assert nir_key("2752A12345678") == 97 - 2751912345678 % 97
    assert luhn_ok("21480095500012") and not luhn_ok("21480095500013")


@pytest.mark.parametrize(("header", "expected"), [
    ("Date de naissance", "date_naissance"),
    ("  Filière ", "filiere"),
    ("PRÉSENT AU 31/12", "present_31_12"),
    ("heures-hebdo", "heures_hebdo"),
])
def test_headers_are_normalised(header, expected):
    assert normalise_header(header) == expected


_IMPORT_ALONE = """
import sys
from workspace_lib.cli import main
try:
    main(["--workspace", sys.argv[1], "import", sys.argv[2]])
except SystemExit as exc:
    assert not exc.code, exc.code
heavy = sorted(m for m in ("pandas", "numpy", "pyarrow", "scipy", "psycopg", "jupyter_server") if m in sys.modules)
print("lourds:", ",".join(heavy))
"""


def test_an_import_of_csv_files_loads_no_heavy_library(tmp_path):
    """The ``import`` command needs DuckDB, not pandas nor Jupyter's server: a second less each time."""
    import subprocess
    import sys
    from pathlib import Path

    valid = Path(__file__).parent / "data" / "valid"
    done = subprocess.run([sys.executable, "-c", _IMPORT_ALONE, str(tmp_path / "ws"), str(valid)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Import terminé" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "lourds:"


def test_every_command_of_the_cli_loads_and_has_a_french_help():
    from click.testing import CliRunner

    from workspace_lib.cli import main

    listed = CliRunner().invoke(main, ["--help"]).output
    ctx = main.make_context("workspace", ["info"])
    for name in main.list_commands(ctx):
        assert name in listed
        command = main.get_command(ctx, name)
        assert command is not None and command.help, name
        shown = CliRunner().invoke(main, [name, "--help"])
        assert shown.exit_code == 0 and "Erreur" not in shown.output, (name, shown.output)
    assert {"import", "render", "serve", "users", "scheduler", "audit-disclosure"} <= set(main.list_commands(ctx))
