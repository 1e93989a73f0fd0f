"""The DuckDB warehouse: connection, versioned schema (migrations), and the imports log.

Migrations are frozen SQL: a released migration is never edited, a change of schema is a new
migration. The applied versions are recorded in ``schema_version``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb

from .config import Workspace

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "schéma initial : employeurs, agents, absences, formations, journal des imports",
        """
        CREATE SEQUENCE import_id_seq START 1;
        CREATE TABLE import_log (
            import_id INTEGER PRIMARY KEY,
            fichier VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            type_fichier VARCHAR NOT NULL,
            annees VARCHAR,
            lignes BIGINT NOT NULL,
            employeurs_annees INTEGER NOT NULL,
            utilisateur VARCHAR NOT NULL,
            debut TIMESTAMPTZ NOT NULL,
            fin TIMESTAMPTZ NOT NULL,
            resultat VARCHAR NOT NULL
        );
        CREATE TABLE employeur (
            annee SMALLINT NOT NULL,
            siret VARCHAR NOT NULL,
            siren VARCHAR NOT NULL,
            nom VARCHAR NOT NULL,
            type VARCHAR NOT NULL,
            code_insee VARCHAR,
            departement VARCHAR NOT NULL,
            region VARCHAR,
            epci_siren VARCHAR,
            population INTEGER,
            affilie BOOLEAN NOT NULL,
            rsu_transmis BOOLEAN NOT NULL,
            depenses_personnel DECIMAL(14, 2),
            cotisation_cnfpt DECIMAL(14, 2),
            depenses_formation DECIMAL(14, 2),
            action_sociale DECIMAL(14, 2),
            participation_protection_sociale DECIMAL(14, 2),
            reunions_instances INTEGER,
            jours_greve DOUBLE,
            agents_prevention INTEGER,
            import_id INTEGER NOT NULL
        );
        CREATE TABLE agent (
            annee SMALLINT NOT NULL,
            siret VARCHAR NOT NULL,
            agent_id VARCHAR NOT NULL,
            annee_naissance SMALLINT NOT NULL,
            sexe VARCHAR NOT NULL,
            statut VARCHAR NOT NULL,
            emploi_fonctionnel BOOLEAN,
            categorie VARCHAR,
            filiere VARCHAR NOT NULL,
            cadre_emplois VARCHAR,
            grade VARCHAR,
            temps_travail VARCHAR NOT NULL,
            heures_hebdo DOUBLE NOT NULL,
            quotite DOUBLE NOT NULL,
            position VARCHAR NOT NULL,
            present_31_12 BOOLEAN NOT NULL,
            date_entree DATE,
            motif_entree VARCHAR,
            date_sortie DATE,
            motif_sortie VARCHAR,
            jours_remuneres SMALLINT NOT NULL,
            remuneration_brute DECIMAL(12, 2) NOT NULL,
            regime_indemnitaire DECIMAL(12, 2),
            nbi DECIMAL(12, 2),
            heures_supplementaires DOUBLE,
            boeth BOOLEAN,
            teletravail BOOLEAN,
            import_id INTEGER NOT NULL
        );
        CREATE TABLE absence (
            annee SMALLINT NOT NULL,
            siret VARCHAR NOT NULL,
            agent_id VARCHAR NOT NULL,
            motif VARCHAR NOT NULL,
            nb_arrets SMALLINT NOT NULL,
            jours SMALLINT NOT NULL,
            import_id INTEGER NOT NULL
        );
        CREATE TABLE formation (
            annee SMALLINT NOT NULL,
            siret VARCHAR NOT NULL,
            agent_id VARCHAR NOT NULL,
            type_formation VARCHAR NOT NULL,
            organisme VARCHAR NOT NULL,
            jours DOUBLE NOT NULL,
            import_id INTEGER NOT NULL
        );
        """,
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1][0]


def current_version(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> int:
    """The schema version recorded in the warehouse (0 for an empty database)."""
    prefix = f"{catalog}." if catalog else ""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_version'"
        + (" AND database_name = ?" if catalog else ""),
        [catalog] if catalog else [],
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute(f"SELECT coalesce(max(version), 0) FROM {prefix}schema_version").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the missing migrations, each in its own transaction; return the versions applied."""
    applied = []
    version = current_version(con)
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"L'entrepôt est au schéma {version}, plus récent que ce logiciel "
            f"(schéma {SCHEMA_VERSION}) : mettez le logiciel à jour."
        )
    for number, description, sql in MIGRATIONS:
        if number <= version:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            if number == 1:
                con.execute(
                    "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                    "description VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
                )
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?, now())", [number, description]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(number)
    return applied


# Number of threads of the DuckDB connections a process opens (set for report kernels: the
# cores shared by the campaign's workers). Unset: DuckDB's default, one per core.
THREADS_VARIABLE = "WORKSPACE_DUCKDB_THREADS"


def _config() -> dict[str, object]:
    threads = os.environ.get(THREADS_VARIABLE, "")
    return {"threads": int(threads)} if threads.isdigit() and int(threads) > 0 else {}


def connect(workspace: Workspace, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the workspace's warehouse; a read-write connection brings the schema up to date."""
    path = workspace.warehouse_path
    if read_only:
        if not path.exists():
            raise FileNotFoundError(
                f"Aucun entrepôt dans {workspace.root} : importez d'abord des données "
                "(workspace import ...)."
            )
        return duckdb.connect(str(path), read_only=True, config=_config())
    workspace.ensure()
    con = duckdb.connect(str(path))
    migrate(con)
    return con


def file_state(path: Path) -> str:
    """Size and modification time of a warehouse file and of its write-ahead log, if any: a
    different text after every write (what caches of computed results are keyed on)."""
    parts = []
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            stat = file.stat()
        except FileNotFoundError:
            continue
        parts.append(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return ";".join(parts)


# Set to "1" in report kernels (by the render engine): their read-only connection is opened once
# and kept for the whole campaign. Every report then reads the same state of the warehouse (its
# read lock keeps imports out until the campaign ends), and none pays for opening the file and
# reading its catalog and blocks again (about 70 ms a report).
KEEP_VARIABLE = "WORKSPACE_KEEP_CONNECTION"
# Set to "1" in report kernels: their dashboards compute an employer's indicators for every
# employer of its département at once, and keep them (see workspace_lib.indicators.lots).
LOTS_VARIABLE = "WORKSPACE_INDICATEURS_PAR_LOTS"
_KEPT: dict[str, duckdb.DuckDBPyConnection] = {}


@contextlib.contextmanager
def connection(workspace: Workspace, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """``connect`` as a context manager that always closes the connection (read-only, in a
    process that keeps it: a cursor of the kept connection, closed)."""
    if read_only and os.environ.get(KEEP_VARIABLE) == "1":
        key = str(workspace.warehouse_path)
        if key not in _KEPT:
            _KEPT[key] = connect(workspace, read_only=True)
        con = _KEPT[key].cursor()
    else:
        con = connect(workspace, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def open_kept() -> None:
    """Open the kept read-only connection of this process now, if it keeps one (a report
    kernel, see ``KEEP_VARIABLE``): run at the kernel's warm-up, so that its first report does not
    pay for it (75 ms measured, three quarters of it DuckDB importing ipywidgets, which it does on
    its first connection in a Jupyter kernel)."""
    if os.environ.get(KEEP_VARIABLE) == "1":
        with connection(Workspace.locate(), read_only=True):
            pass


def table_counts(path: Path) -> dict[str, int]:
    """Row counts of the data tables of a warehouse file, opened read-only."""
    with contextlib.closing(duckdb.connect(str(path), read_only=True)) as con:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("employeur", "agent", "absence", "formation", "import_log")
        }
