"""Keyed pseudonyms of agents: HMAC-SHA256(key, siret + ":" + matricule), computed in DuckDB.

The key stays in the workspace (file mode 0600), never in the warehouse. The pseudonym is the
first 128 bits of the HMAC, in hex: stable for an agent of an employer across years, not
reversible without the key.
"""

from __future__ import annotations

import hashlib
import hmac

PSEUDONYM_HEX_CHARS = 32
_BLOCK = 64  # SHA-256 block size in bytes


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
