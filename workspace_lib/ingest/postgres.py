"""Read the RSU tables of a PostgreSQL database (the collection application's store).

``postgresql://user@host:5432/base?schema=rsu`` reads the tables ``employeurs``, ``agents``,
``absences`` and ``formations`` of that schema (those that exist). Each table is copied out with
``COPY ... TO STDOUT`` as CSV and then validated exactly like a CSV file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from .errors import ImportRejected, Problem

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


def export_tables(url: str, workdir: Path) -> list[tuple[str, Path]]:
    """Copy each RSU table of the database to a CSV file in ``workdir``; (display name, path)."""
    conn_url, schema, shown = split_url(url)
    try:
        conn = psycopg.connect(conn_url, connect_timeout=10)
    except psycopg.Error as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImportRejected([Problem(shown, rule=f"connexion à PostgreSQL impossible : {message}")]) from None
    out = []
    with conn:
        conn.read_only = True
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
