"""Read the RSU tables of a PostgreSQL database (the collection application's store).

``postgresql://user@host:5432/base?schema=rsu`` reads the tables ``employeurs``, ``agents``,
``absences`` and ``formations`` of that schema (those that exist). Each table is copied out with
``COPY ... TO STDOUT`` as CSV and then validated exactly like a CSV file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .errors import ImportRejected, Problem

if TYPE_CHECKING:
    import psycopg

TABLES = ("employeurs", "agents", "absences", "formations")


def split_url(url: str) -> tuple[str, str, str]:
    """(connection URL without our own options, schema, URL safe to show: no password)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    schema = query.pop("schema", "public")
    conn_url = urlunsplit(parts._replace(query=urlencode(query)))
    netloc = parts.hostname or ""
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    if parts.port:
        netloc += f":{parts.port}"
    shown = urlunsplit((parts.scheme, netloc, parts.path, f"schema={schema}", ""))
    return conn_url, schema, shown


# libpq's usual reasons for a failed connection, in French (else its own first line).
_REASONS = (
    (("Connection refused",), "le serveur ne répond pas à cette adresse et ce port (PostgreSQL est-il démarré ?)"),
    (("timeout expired",), "le serveur ne répond pas (délai dépassé)"),
    (("resolve host",), "nom de serveur inconnu"),
    (("could not translate host name",), "nom de serveur inconnu"),
    (("password authentication failed",), "mot de passe refusé"),
    (("no password supplied",), "mot de passe demandé par le serveur"),
    (('role "', "does not exist"), "utilisateur inconnu du serveur"),
    (('database "', "does not exist"), "base de données inconnue"),
)


def _why(exc: psycopg.Error) -> str:
    text = str(exc)
    reason = next((fr for needles, fr in _REASONS if all(n in text for n in needles)), None)
    return reason or (text.splitlines()[0] if text else type(exc).__name__)


def export_tables(url: str, workdir: Path) -> list[tuple[str, Path]]:
    """Copy each RSU table of the database to a CSV file in ``workdir``; (display name, path)."""
    import psycopg  # only an import from PostgreSQL pays for it

    try:
        return _export_tables(url, workdir)
    except psycopg.Error as exc:  # e.g. a table the user may not read, a view that fails
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImportRejected([Problem(split_url(url)[2], rule=(
            f"lecture des tables impossible dans PostgreSQL : {detail}"))]) from None


def _export_tables(url: str, workdir: Path) -> list[tuple[str, Path]]:
    import psycopg
    from psycopg import sql

    conn_url, schema, shown = split_url(url)
    try:
        conn = psycopg.connect(conn_url, connect_timeout=10)
    except psycopg.Error as exc:
        raise ImportRejected([Problem(shown, rule=f"connexion à PostgreSQL impossible : {_why(exc)}")]) from None
    out = []
    with conn:
        conn.read_only = True
        # Dates as yyyy-mm-dd whatever the server's or the client's (PGDATESTYLE) settings: the
        # "SQL, MDY" style writes 02/01/2024 for 1 February, which would be read as 2 January.
        conn.execute("SET DateStyle = 'ISO, DMY'")
        present = {
            name for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                [schema],
            ).fetchall()
        }
        tables = [t for t in TABLES if t in present]
        if not tables:
            raise ImportRejected([Problem(
                shown, rule=f"aucune des tables {', '.join(TABLES)} dans le schéma « {schema} »")])
        for table in tables:
            target = Path(tempfile.mkstemp(prefix=f"{table}-", suffix=".csv", dir=workdir)[1])
            copy = sql.SQL("COPY (SELECT * FROM {}.{}) TO STDOUT WITH (FORMAT csv, HEADER true, DELIMITER ';')").format(
                sql.Identifier(schema), sql.Identifier(table))
            with target.open("wb") as fh, conn.cursor().copy(copy) as stream:
                for block in stream:
                    fh.write(block)
            out.append((f"{shown} table {table}", target))
    return out
