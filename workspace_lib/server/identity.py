"""The jupyter_server identity provider: users from the account database, server-side sessions.

Every request gets a user: the session's user when the ``rsu_session`` cookie names a live
session, else the anonymous *public* user (role ``public``). Authentication therefore never
short-circuits authorisation: the guard and the authorizer decide what each role may do.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web
from traitlets import Unicode

from .services import PUBLIC, Services, services_for

COOKIE = "rsu_session"


@dataclasses.dataclass
class RsuUser(User):
    role: str = PUBLIC
    must_change: bool = False

    @property
    def effective_role(self) -> str:
        """The role whose rights apply now: an expired password grants only the public rights."""
        return PUBLIC if self.must_change else self.role

    @property
    def is_public(self) -> bool:
        return self.role == PUBLIC


def anonymous() -> RsuUser:
    return RsuUser(username="anonyme", name="Public", display_name="Public", role=PUBLIC)


class RsuIdentityProvider(IdentityProvider):
    """Accounts of ``WORKSPACE/comptes.sqlite``; the cookie holds only a random session id."""

    workspace_dir = Unicode("", config=True, help="Dossier de l'espace de travail.")

    @property
    def services(self) -> Services:
        return services_for(self.workspace_dir)

    # ---- users ---------------------------------------------------------------------------------
    def get_user(self, handler: web.RequestHandler) -> RsuUser:
        cached = getattr(handler, "_rsu_user", None)
        if cached is not None:
            return cached
        if isinstance(handler, web.StaticFileHandler) and getattr(handler, "rsu_family", "") == "open":
            # Code and styles open to everyone (a page loads about 80 of them): no session
            # lookup, whoever asks gets the same file.
            handler._rsu_user = anonymous()
            return handler._rsu_user
        session = self.services.sessions.lookup(handler.get_cookie(COOKIE))
        if session is None:
            user = anonymous()
        else:
            user = RsuUser(username=session.login, name=session.login, display_name=session.login,
                           role=session.role, must_change=session.must_change)
        handler._rsu_user = user
        return user

    def identity_model(self, user: User) -> dict[str, Any]:
        model = super().identity_model(user)
        model["role"] = getattr(user, "role", PUBLIC)
        return model

    # ---- cookies ---------------------------------------------------------------------------------
    def start_session(self, handler: web.RequestHandler, login: str, *, must_change: bool = False) -> None:
        """End the request's previous session if any (no fixation) and open a new one."""
        self.services.sessions.end(handler.get_cookie(COOKIE))
        session_id = self.services.sessions.create(login, handler.request.remote_ip, must_change=must_change)
        handler.set_cookie(COOKIE, session_id, path=handler.base_url, secure=True, httponly=True,
                           samesite="Lax")
        handler._rsu_user = None

    def end_session(self, handler: web.RequestHandler) -> None:
        self.services.sessions.end(handler.get_cookie(COOKIE))
        handler.clear_cookie(COOKIE, path=handler.base_url, secure=True, httponly=True, samesite="Lax")

    def clear_login_cookie(self, handler: web.RequestHandler) -> None:
        self.end_session(handler)

    # ---- jupyter_server hooks ----------------------------------------------------------------------
    def get_handlers(self) -> list[tuple[str, object]]:
        from .handlers import LoginHandler, LogoutHandler, PasswordHandler

        return [("/login", LoginHandler), ("/logout", LogoutHandler), ("/mot-de-passe", PasswordHandler)]

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True

    @property
    def logout_available(self) -> bool:
        return True

    def should_check_origin(self, handler: web.RequestHandler) -> bool:
        return True

    def is_token_authenticated(self, handler: web.RequestHandler) -> bool:
        return False

    def get_token(self, handler: web.RequestHandler) -> str | None:
        return None  # no URL or header tokens: individual accounts only

    def process_login_form(self, handler: web.RequestHandler) -> User | None:
        return None  # the login handler does the work (throttling, TOTP, expiry)

    def validate_security(self, app: Any, ssl_options: dict | None = None) -> None:
        if not ssl_options:
            raise SystemExit("Erreur : le serveur ne démarre qu'en HTTPS (certificat et clé requis).")
