"""The server's shared objects (settings, account store, sessions, throttle, publications),
built once per workspace and reached by the identity provider, the authorizer and handlers."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Workspace
from .audit import audit_event
from .sessions import Sessions
from .settings import Publications, ServerSettings
from .store import Store
from .throttle import Throttle

DEVELOPER = "developpeur"
ANALYST = "analyste"
PUBLIC = "public"


@dataclass
class Services:
    workspace: Workspace
    settings: ServerSettings
    store: Store
    sessions: Sessions
    throttle: Throttle
    publications: Publications

    @classmethod
    def build(cls, workspace: Workspace, settings: ServerSettings | None = None) -> "Services":
        settings = settings or ServerSettings.from_workspace(workspace)
        store = Store(settings.accounts_path)
        sessions = Sessions(store, idle_seconds=settings.session_idle_minutes * 60,
                            max_seconds=settings.session_max_hours * 3600)
        return cls(workspace, settings, store, sessions, Throttle(store), Publications(settings))

    def audit(self, handler: Any = None, **fields: Any) -> None:
        """An audit event; who and from where are taken from the request handler if given."""
        if handler is not None:
            user = getattr(handler, "current_user", None)
            fields.setdefault("adresse", handler.request.remote_ip)
            if user is not None and getattr(user, "role", PUBLIC) != PUBLIC:
                fields.setdefault("utilisateur", user.username)
                fields.setdefault("role", user.role)
            else:
                fields.setdefault("utilisateur", None)
                fields.setdefault("role", PUBLIC)
        audit_event(self.workspace, **fields)


@functools.lru_cache(maxsize=None)
def services_for(root: str) -> Services:
    return Services.build(Workspace(Path(root)))
