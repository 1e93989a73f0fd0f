"""The request-level guard, applied to every route of the server (deny by default).

At start-up every handler class of the tornado application is replaced by a subclass whose
``prepare`` first runs the original (identity, XSRF), then this policy. A route's *family* is
decided once, from its URL pattern:

- ``open``: login, logout, password change, home, static files (code and styles, no data), 404;
- ``self``: the web space (``rendered/``), whose handler checks every file itself;
- ``dashboard``: Voilà pages ``/voila/render/<notebook>``: public dashboards for everyone,
  dashboards published to analysts for analysts, any notebook for developers; the kernel caps
  are checked here (French page) and the kernel's owner is recorded;
- ``kernel``: one kernel's REST, websocket and Voilà shutdown routes: the kernel's owner only
  (``kernels.may_use``), read/websocket/shutdown only;
- ``developer``: everything else (JupyterLab, contents, kernels list, sessions, terminals,
  kernelspecs, Voilà tree/files/contents, server API...).

It also sets the security headers of every response: HSTS, ``X-Content-Type-Options``,
``Referrer-Policy`` and CSP ``frame-ancestors`` ('none', except public dashboards: the origins of
``[serveur] origines_iframe``).
"""

from __future__ import annotations

import inspect
import json
from urllib.parse import urlencode

from tornado import web
from tornado.routing import Router
from tornado.websocket import WebSocketHandler

from . import pages
from .kernels import CURRENT_OWNER, Owner
from .services import ANALYST, DEVELOPER, PUBLIC, Services
from .settings import ANALYSTS
from .settings import PUBLIC as PUBLISHED_PUBLIC

_KERNEL_ID = r"(?P<kernel_id>\w+-\w+-\w+-\w+-\w+)"
# Route patterns (as registered, without the base URL) -> family. Anything else: "developer".
FAMILIES = {
    **dict.fromkeys([
        r"/login$", r"/logout$", r"/mot-de-passe$", r"/accueil$", r"/?$", r"/(robots\.txt)$",
        r"/(favicon\.ico)$", r"/(robots\.txt|favicon\.ico)$", r"/static/(.*)$", r"/voila/static/(.*)$",
        r"/voila/templates/(.*)$", r"/voila/api/themes/(.*)$", r"/voila/labextensions/(.*)$",
        r"(.*)$", r"/.*/$"], "open"),
    r"/rendered(/.*)?$": "self",
    r"/voila/render/(.*)$": "dashboard",
    **dict.fromkeys([
        rf"/api/kernels/{_KERNEL_ID}$", rf"/api/kernels/{_KERNEL_ID}/channels$", r"/voila/api/shutdown/(.*)$",
        rf"/voila/query/{_KERNEL_ID}$", rf"/voila/execution/{_KERNEL_ID}$"], "kernel"),
}
HSTS = "max-age=31536000"


def family_of(pattern: str, base_url: str = "/") -> str:
    """The family of a route from its registered pattern (anything unknown: ``developer``)."""
    prefix = base_url.rstrip("/")
    if prefix and pattern.startswith(prefix):
        pattern = pattern[len(prefix):]
    return FAMILIES.get(pattern, "developer")


class GuardMixin:
    """Mixed in front of every handler class (see module docstring)."""

    rsu_family = "developer"

    @property
    def services(self) -> Services:
        return self.settings["rsu_services"]

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Strict-Transport-Security", HSTS)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "same-origin")
        self.set_header("Content-Security-Policy", "frame-ancestors 'none'")
        self.set_header("X-Frame-Options", "DENY")

    async def prepare(self, *args, **kwargs):
        result = super().prepare(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        if self._finished:
            return result
        self.services.refresh()
        user = getattr(self, "_jupyter_current_user", None)
        if user is None:
            user = self.settings["identity_provider"].get_user(self)
            if inspect.isawaitable(user):
                user = await user
            self.current_user = user
        await self._rsu_check(user)
        return result

    # ---- decisions -------------------------------------------------------------------------------
    def _is_api(self) -> bool:
        path = self.request.path[len(self.base_url) - 1:] if hasattr(self, "base_url") else self.request.path
        return (isinstance(self, WebSocketHandler) or path.startswith(("/api/", "/voila/api/", "/lab/api/"))
                or self.request.method not in ("GET", "HEAD"))

    def _refuse(self, status: int, message: str, *, audit: bool = True) -> None:
        if audit:
            self.services.audit(self, action="acces", ressource=self.request.path, resultat="refus",
                                methode=self.request.method, statut=status)
        self.clear()
        self.set_status(status)
        if self._is_api():
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"message": message, "reason": None}))
        else:
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(pages.message_page("Accès refusé" if status == 403 else "Service indisponible", message,
                                           links=[(self._base() + "accueil", "Accueil")]))

    def _base(self) -> str:
        return self.settings.get("base_url", "/")

    def _to_login(self, user) -> None:
        """Anonymous (or expired password): log in (or change password) first, else refuse."""
        if self._is_api():
            return self._refuse(403, "Authentification requise.", audit=False)
        if user.must_change:
            target = self._base() + "mot-de-passe?" + urlencode({"next": self.request.uri})
        else:
            target = self._base() + "login?" + urlencode({"next": self.request.uri})
        self.redirect(target)

    async def _rsu_check(self, user) -> None:
        role = getattr(user, "effective_role", PUBLIC)
        family = self.rsu_family
        if not getattr(user, "is_public", True):
            CURRENT_OWNER.set(Owner(user.username, role))
        if family in ("open", "self"):
            return
        if family == "dashboard":
            return self._check_dashboard(user, role)
        if role == DEVELOPER:
            return
        if family == "kernel":
            kernel_id = (self.path_kwargs or {}).get("kernel_id") or (self.path_args[0] if self.path_args else None)
            method, path = self.request.method, self.request.path
            method_ok = method == "GET" or (method == "POST" and "/voila/api/shutdown/" in path)
            if method_ok and self.kernel_manager.may_use(kernel_id, user):
                return
            return self._refuse(403, "Action non autorisée sur ce noyau.")
        # developer family
        if user.is_public or user.must_change:
            return self._to_login(user)
        return self._refuse(403, "Cette partie de l'espace est réservée aux développeurs.")

    def _check_dashboard(self, user, role: str) -> None:
        notebook = self.path_args[0] if self.path_args else ""
        publication = self.services.publications.of(notebook)
        allowed = (role == DEVELOPER and self.services.publications.resolve(notebook) is not None) or \
            publication == PUBLISHED_PUBLIC or (publication == ANALYSTS and role == ANALYST)
        if not allowed:
            if role == PUBLIC and publication == ANALYSTS or (user.must_change and publication):
                return self._to_login(user)
            status = 404 if self.services.publications.resolve(notebook) is None else 403
            self.services.audit(self, action="ouverture_tableau_de_bord", ressource=notebook, resultat="refus")
            return self._refuse(status, "Ce tableau de bord n'existe pas ou ne vous est pas accessible.",
                                audit=False)
        owner = Owner(user.username if role != PUBLIC else "public", role, notebook)
        refusal = self.kernel_manager.refusal(owner)
        if refusal:
            self.services.audit(self, action="ouverture_tableau_de_bord", ressource=notebook, resultat="limite")
            return self._refuse(429, refusal, audit=False)
        CURRENT_OWNER.set(owner)
        self.services.audit(self, action="ouverture_tableau_de_bord", ressource=notebook, resultat="succes")
        if publication == PUBLISHED_PUBLIC and role == PUBLIC:
            origins = " ".join(("'self'", *self.services.settings.frame_origins))
            self.set_header("Content-Security-Policy", f"frame-ancestors {origins}")
            self.clear_header("X-Frame-Options")


def _guarded(target: type, family: str) -> type:
    return type(target.__name__, (GuardMixin, target), {"rsu_family": family, "__module__": target.__module__})


def _wrap_router(router: Router, base_url: str) -> None:
    for rule in router.rules:
        target = rule.target
        if hasattr(target, "rules"):
            _wrap_router(target, base_url)
        elif isinstance(target, type) and issubclass(target, web.RequestHandler) and not issubclass(target, GuardMixin):
            regex = getattr(rule.matcher, "regex", None)
            rule.target = _guarded(target, family_of(regex.pattern if regex else "", base_url))


def secure_web_app(web_app: web.Application, services: Services) -> None:
    """Add the server's own routes, then guard every route of the application."""
    from jupyter_server.utils import url_path_join

    from .handlers import HomeHandler
    from .webspace import WebSpaceHandler

    base_url = web_app.settings.get("base_url", "/")
    web_app.settings["rsu_services"] = services
    web_app.add_handlers(".*$", [
        (url_path_join(base_url, "/accueil"), HomeHandler),
        (url_path_join(base_url, "/rendered") + "(/.*)?", WebSpaceHandler,
         {"path": str(services.workspace.rendered_dir), "default_filename": "index.html"}),
    ])
    _wrap_router(web_app.default_router, base_url)
