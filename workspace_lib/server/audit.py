"""The audit log: one JSON object per line in ``WORKSPACE/logs/audit.jsonl``, times in UTC.

Every line has ``horodatage`` (UTC, ISO 8601), ``utilisateur``, ``role``, ``adresse`` (source
address), ``action``, ``ressource``, ``resultat`` (``succes``, ``echec``, ``refus``...) and
``details``. Secrets never reach the file: any detail whose name looks like a password, token,
cookie, secret or one-time code is dropped, whatever the caller passes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
from pathlib import Path
from typing import Any, Iterator

AUDIT_FILE = "audit.jsonl"
_SECRET_NAMES = re.compile(r"pass|mot_?de_?passe|mdp|token|jeton|cookie|secret|totp|code|session|hash|xsrf",
                           re.IGNORECASE)
_LOCK = threading.Lock()


def audit_path(workspace: Any) -> Path:
    """The audit file of a workspace (a ``Workspace`` or a folder path)."""
    root = Path(getattr(workspace, "root", workspace))
    return root / "logs" / AUDIT_FILE


def _clean(details: dict[str, Any]) -> dict[str, Any]:
    clean = {}
    for key, value in details.items():
        if _SECRET_NAMES.search(str(key)):
            continue
        if isinstance(value, dict):
            value = _clean(value)
        elif not isinstance(value, (str, int, float, bool, type(None), list)):
            value = str(value)
        clean[str(key)] = value
    return clean


def audit_event(workspace: Any, *, action: str, utilisateur: str | None = None, role: str | None = None,
                adresse: str | None = None, ressource: str | None = None, resultat: str = "succes",
                **details: Any) -> dict[str, Any]:
    """Append one event to the workspace's audit log and return it.

    >>> audit_event(ws, action="import", utilisateur="cli", ressource="rsu_2024.csv",
    ...             resultat="succes", lignes=1200)  # doctest: +SKIP
    """
    record = {
        "horodatage": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "utilisateur": utilisateur,
        "role": role,
        "adresse": adresse,
        "action": action,
        "ressource": ressource,
        "resultat": resultat,
        "details": _clean(details),
    }
    line = (json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
    path = audit_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        # O_APPEND and one write per line: lines of several processes do not interleave.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    return record


def _parse_since(text: str) -> dt.datetime:
    """``2025-01-31``, ``2025-01-31T08:00``, or a duration ``30m``, ``12h``, ``7j`` (days)."""
    text = text.strip()
    match = re.fullmatch(r"(\d+)\s*([mhjd])", text)
    now = dt.datetime.now(dt.timezone.utc)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        delta = {"m": dt.timedelta(minutes=amount), "h": dt.timedelta(hours=amount)}.get(
            unit, dt.timedelta(days=amount))
        return now - delta
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"« {text} » n'est ni une date (2025-01-31, 2025-01-31T08:00) "
                         "ni une durée (30m, 12h, 7j).") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def read_audit(workspace: Any, *, since: str | None = None, user: str | None = None,
               action: str | None = None) -> Iterator[dict[str, Any]]:
    """The events of the audit log, oldest first, filtered by time, user and action."""
    path = audit_path(workspace)
    if not path.exists():
        return
    threshold = _parse_since(since) if since else None
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if user is not None and record.get("utilisateur") != user:
                continue
            if action is not None and record.get("action") != action:
                continue
            if threshold is not None:
                when = dt.datetime.fromisoformat(record["horodatage"].replace("Z", "+00:00"))
                if when < threshold:
                    continue
            yield record
