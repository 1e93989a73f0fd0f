"""Login, logout, password change and home page (French pages)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
from typing import Any

import pyotp
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from tornado import web

from . import pages, passwords
from .identity import COOKIE, RsuUser
from .services import DEVELOPER, PUBLIC, Services

HOME = "accueil"


def totp_step(secret: str, code: str, now: dt.datetime | None = None) -> int | None:
    """The time step a 6-digit code is valid for (current one, or one step either side), else None."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = now or dt.datetime.now(dt.timezone.utc)
    for offset in (0, -1, 1):
        moment = now + dt.timedelta(seconds=30 * offset)
        if hmac.compare_digest(totp.at(moment), code):
            return totp.timecode(moment)
    return None


class RsuHandler(JupyterHandler):
    """Base of the server's own pages."""

    @property
    def services(self) -> Services:
        return self.identity_provider.services

    @property
    def rsu_user(self) -> RsuUser:
        return self.current_user

    def safe_next(self, default: str | None = None) -> str:
        target = self.get_argument("next", "") or ""
        home = default or self.base_url + HOME
        if (not target.startswith(self.base_url) or target.startswith("//") or "\\" in target
                or any(ord(c) < 32 for c in target)):
            return home
        return target

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        reason = ""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, web.HTTPError) and exc.log_message:
            reason = exc.log_message
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(pages.message_page("Erreur", reason or f"La requête n'a pas abouti (code {status_code})."))


class LoginHandler(RsuHandler):
    @allow_unauthenticated
    async def get(self) -> None:
        self.finish(pages.login_page(self.xsrf_form_html(), self.safe_next()))

    @allow_unauthenticated
    async def post(self) -> None:
        services = self.services
        login = self.get_body_argument("username", "").strip().lower()[:64]
        password = self.get_body_argument("password", "")[: passwords.MAX_LENGTH * 4]
        code = self.get_body_argument("code", "")
        address = self.request.remote_ip
        next_url = self.safe_next()

        def refuse(status: int, message: str) -> None:
            self.set_status(status)
            self.finish(pages.login_page(self.xsrf_form_html(), next_url, error=message, username=login))

        verdict = services.throttle.check(login, address)
        if not verdict.allowed:
            services.audit(self, action="connexion", utilisateur=login or None, role=None,
                           ressource="/login", resultat="limitee", motif=verdict.reason,
                           attente_secondes=verdict.wait_seconds)
            return refuse(429, verdict.message())

        account = services.store.get(login) if login else None
        loop = asyncio.get_running_loop()
        ok = await loop.run_in_executor(None, passwords.verify_password, account.hash if account else None, password)
        reason = None
        if not ok:
            reason = "mot_de_passe" if account else "compte_inconnu"
        elif account.disabled:
            reason = "compte_desactive"
        elif account.totp_secret:
            step = totp_step(account.totp_secret, code)
            if step is None:
                reason = "second_facteur_invalide"
            elif not services.store.use_totp_step(login, step):
                reason = "second_facteur_rejoue"
        if reason:
            services.throttle.failure(login, address)
            services.audit(self, action="connexion", utilisateur=login or None, role=account.role if account else None,
                           ressource="/login", resultat="echec", motif=reason)
            return refuse(401, "Identifiant, mot de passe ou code incorrect, ou compte désactivé.")

        services.throttle.success(login, address)
        if passwords.needs_rehash(account.hash):
            services.store.rehash(login, password)
        expired = account.password_expired(services.settings.password_max_age_days)
        must_change = expired or account.must_change
        self.identity_provider.start_session(self, login, must_change=must_change)
        services.audit(self, action="connexion", utilisateur=login, role=account.role, ressource="/login",
                       resultat="succes", second_facteur=bool(account.totp_secret))
        if must_change:
            services.audit(self, action="mot_de_passe_expire", utilisateur=login, role=account.role,
                           ressource="/login", resultat="changement_exige",
                           motif="expiration" if expired else "reinitialisation")
            self.redirect(self.base_url + "mot-de-passe?" + _query(next=next_url))
            return
        self.redirect(next_url)


def _query(**params: str) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


class LogoutHandler(RsuHandler):
    async def _logout(self) -> None:
        user = self.rsu_user
        had_session = bool(self.get_cookie(COOKIE)) and not user.is_public
        if had_session:
            self.services.audit(self, action="deconnexion", ressource="/logout", resultat="succes")
        self.identity_provider.end_session(self)
        self.finish(pages.message_page("Déconnexion", "Vous êtes déconnecté.",
                                       links=[(self.base_url + "login", "Se reconnecter")]))

    @allow_unauthenticated
    async def get(self) -> None:
        await self._logout()

    @allow_unauthenticated
    async def post(self) -> None:
        await self._logout()


class PasswordHandler(RsuHandler):
    def _require_account(self) -> bool:
        if self.rsu_user.is_public:
            self.redirect(self.base_url + "login?" + _query(next=self.base_url + "mot-de-passe"))
            return False
        return True

    @allow_unauthenticated
    async def get(self) -> None:
        if not self._require_account():
            return
        info = ("Votre mot de passe a expiré ou a été réinitialisé : choisissez-en un nouveau pour continuer."
                if self.rsu_user.must_change else None)
        self.finish(pages.password_page(self.xsrf_form_html(), self.safe_next(), info=info))

    @allow_unauthenticated
    async def post(self) -> None:
        if not self._require_account():
            return
        services, user = self.services, self.rsu_user
        current = self.get_body_argument("current", "")[: passwords.MAX_LENGTH * 4]
        new = self.get_body_argument("new", "")[: passwords.MAX_LENGTH * 4]
        confirm = self.get_body_argument("confirm", "")[: passwords.MAX_LENGTH * 4]
        next_url = self.safe_next()
        account = services.store.get(user.username)

        def refuse(status: int, message: str, motif: str) -> None:
            services.audit(self, action="changement_mot_de_passe", ressource=user.username,
                           resultat="echec", motif=motif)
            self.set_status(status)
            self.finish(pages.password_page(self.xsrf_form_html(), next_url, error=message))

        verdict = services.throttle.check(user.username, self.request.remote_ip)
        if not verdict.allowed:
            return refuse(429, verdict.message(), "limite")
        loop = asyncio.get_running_loop()
        if account is None or not await loop.run_in_executor(None, passwords.verify_password, account.hash, current):
            services.throttle.failure(user.username, self.request.remote_ip)
            return refuse(400, "Le mot de passe actuel est incorrect.", "mot_de_passe_actuel")
        if new != confirm:
            return refuse(400, "Les deux saisies du nouveau mot de passe diffèrent.", "confirmation")
        try:
            services.store.set_password(user.username, new, current=current)
        except passwords.PasswordRejected as exc:
            return refuse(400, str(exc), "politique")
        # Every other session of the user ends; this browser gets a fresh one.
        services.sessions.end_all(user.username)
        self.identity_provider.start_session(self, user.username)
        services.audit(self, action="changement_mot_de_passe", utilisateur=user.username, role=account.role,
                       ressource=user.username, resultat="succes")
        target = next_url if not next_url.endswith("/mot-de-passe") else self.base_url + HOME
        self.finish(pages.message_page("Mot de passe changé", "Votre mot de passe a été changé.",
                                       links=[(target, "Continuer")]))


class HomeHandler(RsuHandler):
    @allow_unauthenticated
    async def get(self) -> None:
        user = self.rsu_user
        role = user.effective_role
        if user.must_change:
            self.redirect(self.base_url + "mot-de-passe")
            return
        listing = self.services.publications.listing()
        allowed = {PUBLIC: {"public"}, "analyste": {"public", "analystes"}}.get(role)
        dashboards = []
        for name, publication in listing:
            if allowed is None or publication in allowed:
                label = name.removesuffix(".ipynb").replace("_", " ")
                if role == DEVELOPER:
                    label += f" ({publication or 'non publié'})"
                dashboards.append((self.base_url + "voila/render/" + name, label))
        links = [(self.base_url + "rendered/", "Rapports publiés")]
        if role == DEVELOPER:
            links.insert(0, (self.base_url + "lab", "JupyterLab (développement)"))
        if user.is_public:
            links.append((self.base_url + "login", "Se connecter"))
            label = "Accès public : seuls les tableaux de bord publics sont visibles."
        else:
            links += [(self.base_url + "mot-de-passe", "Changer de mot de passe"),
                      (self.base_url + "logout", "Se déconnecter")]
            label = f"Connecté en tant que {user.username} ({role})."
        self.finish(pages.home_page(label, dashboards, links))
