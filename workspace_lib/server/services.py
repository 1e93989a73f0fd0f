"""The server's shared objects (settings, account store, sessions, throttle, publications),
built once per workspace and reached by the identity provider, the authorizer and handlers.

The settings a CDG changes while the server runs (publication of dashboards and campaigns,
embedding sites, password expiry, session lengths) are read again when ``workspace.toml``
changes (:meth:`Services.refresh`, at most once a second); the others (address, port,
certificate, notebooks folder, kernel pool and caps) need a restart.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from dataclasses import dataclass, field
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

RELOADABLE = ("frame_origins", "password_max_age_days", "session_idle_minutes", "session_max_hours",
              "dashboards", "public_campaigns")
log = logging.getLogger(__name__)


@dataclass
class Services:
    workspace: Workspace
    settings: ServerSettings
    store: Store
    sessions: Sessions
    throttle: Throttle
    publications: Publications
    _settings_mtime: int | None = field(default=None, repr=False)
    _checked_at: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._settings_mtime = self._settings_file_mtime()

    def _settings_file_mtime(self) -> int | None:
        try:
            return self.workspace.settings_path.stat().st_mtime_ns
        except OSError:
            return None

    def refresh(self) -> None:
        """Take the reloadable settings again if ``workspace.toml`` changed (checked once a second).

        A file that no longer reads keeps the settings in force, with a warning in the log.
        """
        now = time.monotonic()
        if now - self._checked_at < 1.0:
            return
        self._checked_at = now
        mtime = self._settings_file_mtime()
        if mtime == self._settings_mtime:
            return
        self._settings_mtime = mtime
        try:
            fresh = ServerSettings.from_workspace(self.workspace)
        except Exception as exc:  # noqa: BLE001 - a bad edit must not stop the server
            log.warning("Réglages de %s non rechargés, les précédents restent en vigueur : %s",
                        self.workspace.settings_path, exc)
            return
        self.settings = dataclasses.replace(self.settings, **{name: getattr(fresh, name) for name in RELOADABLE})
        self.publications.settings = self.settings
        self.sessions.idle_seconds = self.settings.session_idle_minutes * 60
        self.sessions.max_seconds = self.settings.session_max_hours * 3600
        log.info("Réglages rechargés depuis %s.", self.workspace.settings_path)

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
