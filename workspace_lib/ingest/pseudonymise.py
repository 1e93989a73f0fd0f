"""Keyed pseudonyms of agents: HMAC-SHA256(key, siret + ":" + matricule), computed in DuckDB.

The key stays in the workspace (file mode 0600), never in the warehouse. The pseudonym is the
first 128 bits of the HMAC, in hex: stable for an agent of an employer across years, not
reversible without the key.
"""

from __future__ import annotations

import hashlib
import hmac

import duckdb

PSEUDONYM_HEX_CHARS = 32
_BLOCK = 64  # SHA-256 block size in bytes
# Kinds of files whose rows refer to agents, by their matricule.
DEPENDANTS = ("absences", "formations")


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer padded keys of HMAC-SHA256 (RFC 2104)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def pseudonym_sql(siret_expr: str, matricule_expr: str) -> str:
    """SQL of the pseudonym; expects the named parameters ``$ipad`` and ``$opad`` (BLOB)."""
    message = f"encode({siret_expr} || ':' || {matricule_expr})"
    inner = f"unhex(sha256(CAST($ipad AS BLOB) || {message}))"
    return f"substr(sha256(CAST($opad AS BLOB) || {inner}), 1, {PSEUDONYM_HEX_CHARS})"


def pseudonym(key: bytes, siret: str, matricule: str) -> str:
    """The same pseudonym computed in Python (for tests and single look-ups)."""
    digest = hmac.new(key, f"{siret}:{matricule}".encode(), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_HEX_CHARS]


def pseudonymise_dependants(con: duckdb.DuckDBPyConnection, files: list, pads: tuple[bytes, bytes]) -> None:
    """Copy each checked table of absences and trainings (``<table>$p``) with the pseudonym of
    each row's agent (``agent_id``) and ``_known``: the batch brings that agent.

    One HMAC per agent rather than per row: the pseudonym is taken from the batch's agent of
    the same employer-year when there is one, and computed (the same HMAC) for the other rows
    only. ``files`` are the importer's checked files; run after the duplicates check (the
    batch's agents are then unique).
    """
    known = " UNION ALL ".join(f'SELECT annee, siret, matricule, agent_id FROM "{f.table}"'
                               for f in files if f.kind.name == "agents") \
        or "SELECT NULL::SMALLINT AS annee, NULL AS siret, NULL AS matricule, NULL AS agent_id WHERE false"
    for f in files:
        if f.kind.name not in DEPENDANTS:
            continue
        con.execute(
            f'CREATE OR REPLACE TABLE "{f.table}$p" AS SELECT c.*, CASE WHEN a.agent_id IS NULL THEN '
            f"{pseudonym_sql('c.siret', 'c.matricule')} ELSE a.agent_id END AS agent_id, "
            f'a.agent_id IS NOT NULL AS _known FROM "{f.table}" c LEFT JOIN ({known}) a '
            "ON a.annee = c.annee AND a.siret = c.siret AND a.matricule = c.matricule",
            {"ipad": pads[0], "opad": pads[1]})
