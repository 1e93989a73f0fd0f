"""The web space: the files of ``WORKSPACE/rendered/`` under ``/rendered/``, with an explicit
access check on every request.

Who sees what:

- developers and analysts: everything except hidden folders (``.xxx``); the state folders
  (``_campagnes``) are for developers only;
- the public (and a user whose password must be changed): only the campaign folders listed in
  ``[espace_web] campagnes_publiques`` (e.g. ``["observatoire-2024"]``); ``/rendered/`` then
  lists those campaigns only. Anything else: the login page (or 404 for a path outside).

Symbolic links leading outside ``rendered/`` are refused. Each report served (any file but an
``index.html``) is written to the audit log (``telechargement_rapport``).
"""

from __future__ import annotations

import html
import os
from urllib.parse import urlencode

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from tornado import web

from . import pages
from .services import DEVELOPER, PUBLIC


def access(role: str, relative: str, public_campaigns: tuple[str, ...]) -> str:
    """``"ok"``, ``"login"`` (anonymous: log in first), ``"refus"`` or ``"absent"``."""
    parts = [p for p in relative.split("/") if p]
    if any(p in ("..", ".") or p.startswith(".") for p in parts):
        return "absent"
    if role == DEVELOPER:
        return "ok"
    if any(p.startswith("_") for p in parts):
        return "refus" if role != PUBLIC else "login"
    if role != PUBLIC:
        return "ok"
    if not parts or parts == ["index.html"]:
        return "ok"  # the public's own listing (see _public_index)
    return "ok" if parts[0] in public_campaigns else "login"


class WebSpaceHandler(JupyterHandler, web.StaticFileHandler):
    """``rendered/`` files, behind an explicit check (the guard marks this route ``self``)."""

    @property
    def services(self):
        return self.settings["rsu_services"]

    def _relative(self, path: str | None) -> str:
        return (path or "").lstrip("/")

    async def _check(self, path: str | None) -> str | None:
        user = self.current_user
        role = getattr(user, "effective_role", PUBLIC)
        relative = self._relative(path)
        verdict = access(role, relative, self.services.settings.public_campaigns)
        if verdict == "ok":
            return relative
        if verdict == "login":
            target = "mot-de-passe" if getattr(user, "must_change", False) else "login"
            self.redirect(self.base_url + target + "?" + urlencode({"next": self.request.uri}))
            return None
        self.services.audit(self, action="telechargement_rapport", ressource=relative, resultat="refus")
        raise web.HTTPError(404 if verdict == "absent" else 403)

    def _public_index(self) -> None:
        folder = self.services.workspace.rendered_dir
        items = "".join(
            f'<li><a href="{html.escape(name)}/index.html">{html.escape(name)}</a></li>'
            for name in self.services.settings.public_campaigns if (folder / name).is_dir())
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(pages.page("Rapports publiés", f"<ul>{items}</ul>" if items else "<p>Aucun rapport public.</p>"))

    @allow_unauthenticated
    async def get(self, path: str | None = None, include_body: bool = True) -> None:
        relative = await self._check(path)
        if relative is None:
            return
        role = getattr(self.current_user, "effective_role", PUBLIC)
        if role == PUBLIC and relative in ("", "index.html"):
            if not (path or "").endswith("/") and relative == "":
                self.redirect(self.request.path + "/")
                return
            return self._public_index()
        if role != PUBLIC and not any(relative.startswith(c + "/") for c in self.services.settings.public_campaigns):
            self.set_header("Cache-Control", "private, no-store")
        await web.StaticFileHandler.get(self, relative, include_body=include_body)
        if self.get_status() == 200 and include_body and not relative.endswith("index.html") and relative:
            self.services.audit(self, action="telechargement_rapport", ressource=relative, resultat="succes")

    @allow_unauthenticated
    async def head(self, path: str | None = None) -> None:
        await self.get(path, include_body=False)

    def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
        result = super().validate_absolute_path(root, absolute_path)
        if result is not None:
            real_root = os.path.realpath(root)
            real = os.path.realpath(result)
            if real != real_root and not real.startswith(real_root + os.sep):
                raise web.HTTPError(404)
        return result

    def compute_etag(self) -> str | None:
        if getattr(self, "absolute_path", None) is None:
            return None  # generated pages (the public listing, errors)
        return web.StaticFileHandler.compute_etag(self)

    def write_error(self, status_code: int, **kwargs) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        text = {403: "Ce fichier ne vous est pas accessible.", 404: "Fichier introuvable."}.get(
            status_code, f"La requête n'a pas abouti (code {status_code}).")
        self.finish(pages.message_page("Espace des rapports", text))
