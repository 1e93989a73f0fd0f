"""Commands ``workspace serve``, ``workspace users ...`` and ``workspace audit`` (French).

Registered in the main group by ``workspace_lib.cli``; each gets the Workspace from
``click.get_current_context().obj``. ``python -m workspace_lib.server`` runs them standalone.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import click

from ..config import Workspace
from .audit import audit_event, read_audit
from .passwords import PasswordRejected
from .store import ROLES, AccountError


def _workspace() -> Workspace:
    obj = click.get_current_context().obj
    return obj if isinstance(obj, Workspace) else Workspace.locate()


def _services():
    from .services import Services

    return Services.build(_workspace().ensure())


def _admin_audit(action: str, login: str, resultat: str = "succes", **details) -> None:
    try:
        operator = getpass.getuser()
    except Exception:  # noqa: BLE001
        operator = "inconnu"
    audit_event(_workspace(), action=action, utilisateur=operator, role="administrateur", adresse="local",
                ressource=login, resultat=resultat, **details)


def _read_password(prompt: str) -> str:
    """Asked twice on a terminal; else one line of standard input."""
    if sys.stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt="Confirmation")
    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line


def _fail(exc: Exception, action: str, login: str) -> None:
    _admin_audit(action, login, "echec", motif=type(exc).__name__)
    click.echo(f"Erreur : {exc}", err=True)
    sys.exit(2)


@click.command("serve")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port HTTPS (par défaut : [serveur] port, sinon 8443).")
@click.option("--adresse", "ip", default=None, help="Adresse d'écoute (par défaut : [serveur] adresse, sinon 127.0.0.1).")
@click.option("--certfile", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Certificat TLS (PEM). Sans lui, un certificat auto-signé est créé dans l'espace (tls/).")
@click.option("--keyfile", type=click.Path(dir_okay=False, exists=True), default=None, help="Clé privée du certificat (PEM).")
@click.option("--notebooks", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dossier des tableaux de bord (par défaut : [serveur] notebooks).")
def serve_command(port, ip, certfile, keyfile, notebooks) -> None:
    """Démarre le serveur web (HTTPS) : tableaux de bord, rapports publiés et JupyterLab."""
    from .app import serve

    serve(_workspace(), port=port, ip=ip, certfile=certfile, keyfile=keyfile, notebooks=notebooks)


@click.group("users")
def users_group() -> None:
    """Gère les comptes des utilisateurs (rôles : developpeur, analyste)."""


@users_group.command("add")
@click.argument("login")
@click.option("--role", type=click.Choice(ROLES), required=True, help="Rôle du compte.")
@click.option("--doit-changer", is_flag=True, help="Le mot de passe devra être changé à la première connexion.")
def users_add(login: str, role: str, doit_changer: bool) -> None:
    """Crée un compte ; le mot de passe est demandé (ou lu sur l'entrée standard)."""
    services = _services()
    login = login.strip().lower()
    try:
        services.store.add(login, role, _read_password("Mot de passe"), must_change=doit_changer)
    except (AccountError, PasswordRejected) as exc:
        _fail(exc, "creation_compte", login)
    _admin_audit("creation_compte", login, role_attribue=role)
    click.echo(f"Compte « {login} » créé (rôle {role}).")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
def users_list(as_json: bool) -> None:
    """Liste les comptes."""
    import datetime as dt

    services = _services()
    rows = []
    for a in services.store.list():
        rows.append({
            "login": a.login, "role": a.role, "actif": not a.disabled, "double_authentification": bool(a.totp_secret),
            "mot_de_passe_du": dt.datetime.fromtimestamp(a.password_date, dt.timezone.utc).strftime("%Y-%m-%d"),
            "mot_de_passe_expire": a.password_expired(services.settings.password_max_age_days) or a.must_change,
            "sessions": services.sessions.count(a.login),
        })
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Aucun compte.")
        return
    click.echo(f"{'identifiant':<24} {'rôle':<12} {'état':<10} {'2FA':<4} {'mot de passe':<14} sessions")
    for r in rows:
        state = "actif" if r["actif"] else "désactivé"
        pw = r["mot_de_passe_du"] + (" !" if r["mot_de_passe_expire"] else "")
        click.echo(f"{r['login']:<24} {r['role']:<12} {state:<10} {'oui' if r['double_authentification'] else 'non':<4} "
                   f"{pw:<14} {r['sessions']}")


@users_group.command("disable")
@click.argument("login")
def users_disable(login: str) -> None:
    """Désactive un compte et met fin à ses sessions."""
    services = _services()
    try:
        services.store.set_disabled(login, True)
    except AccountError as exc:
        _fail(exc, "desactivation_compte", login)
    _admin_audit("desactivation_compte", login)
    click.echo(f"Compte « {login} » désactivé ; ses sessions sont fermées.")


@users_group.command("enable")
@click.argument("login")
def users_enable(login: str) -> None:
    """Réactive un compte."""
    services = _services()
    try:
        services.store.set_disabled(login, False)
    except AccountError as exc:
        _fail(exc, "reactivation_compte", login)
    _admin_audit("reactivation_compte", login)
    click.echo(f"Compte « {login} » réactivé.")


@users_group.command("reset-password")
@click.argument("login")
@click.option("--definitif", is_flag=True,
              help="Ne pas exiger de changement à la prochaine connexion (par défaut, il est exigé).")
def users_reset_password(login: str, definitif: bool) -> None:
    """Donne un nouveau mot de passe (demandé ou lu sur l'entrée standard), ferme les sessions
    et débloque le compte."""
    services = _services()
    try:
        services.store.set_password(login, _read_password("Nouveau mot de passe"), must_change=not definitif)
    except (AccountError, PasswordRejected) as exc:
        _fail(exc, "reinitialisation_mot_de_passe", login)
    services.sessions.end_all(login)
    services.throttle.reset(login)
    _admin_audit("reinitialisation_mot_de_passe", login, changement_exige=not definitif)
    click.echo(f"Mot de passe de « {login} » réinitialisé"
               + ("." if definitif else " ; il devra être changé à la prochaine connexion."))


@users_group.command("set-role")
@click.argument("login")
@click.argument("role", type=click.Choice(ROLES))
def users_set_role(login: str, role: str) -> None:
    """Change le rôle d'un compte (ses sessions sont fermées)."""
    services = _services()
    try:
        services.store.set_role(login, role)
    except AccountError as exc:
        _fail(exc, "changement_role", login)
    _admin_audit("changement_role", login, role_attribue=role)
    click.echo(f"Compte « {login} » : rôle {role}.")


@users_group.command("totp")
@click.argument("login")
@click.option("--activer/--desactiver", "enable", default=True, help="Active (par défaut) ou retire le second facteur.")
def users_totp(login: str, enable: bool) -> None:
    """Active la double authentification (code TOTP d'une application) et affiche le lien à scanner."""
    import pyotp

    services = _services()
    secret = pyotp.random_base32() if enable else None
    try:
        services.store.set_totp(login, secret)
    except AccountError as exc:
        _fail(exc, "second_facteur", login)
    services.sessions.end_all(login)
    _admin_audit("second_facteur", login, active=enable)
    if enable:
        uri = pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name="Espace RSU")
        click.echo("Double authentification activée. Dans l'application d'authentification de l'utilisateur, "
                   "ajoutez ce compte (lien, ou clé à saisir) :")
        click.echo(uri)
        click.echo(f"Clé : {secret}")
    else:
        click.echo(f"Double authentification retirée pour « {login} ».")


@click.command("audit")
@click.option("--since", "since", default=None, help="Depuis une date (2025-01-31, 2025-01-31T08:00) ou une durée (30m, 12h, 7j).")
@click.option("--user", "user", default=None, help="Seulement les événements de cet utilisateur.")
@click.option("--action", default=None, help="Seulement cette action (connexion, ouverture_tableau_de_bord...).")
@click.option("--json", "as_json", is_flag=True, help="Lignes JSON brutes.")
def audit_command(since: str | None, user: str | None, action: str | None, as_json: bool) -> None:
    """Affiche le journal d'audit (connexions, accès, administration des comptes...)."""
    try:
        events = list(read_audit(_workspace(), since=since, user=user, action=action))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    for e in events:
        if as_json:
            click.echo(json.dumps(e, ensure_ascii=False))
            continue
        details = " ".join(f"{k}={v}" for k, v in (e.get("details") or {}).items())
        click.echo(f"{e['horodatage']} {e.get('utilisateur') or '-':<16} {e.get('role') or '-':<12} "
                   f"{e.get('adresse') or '-':<15} {e['action']:<28} {e.get('resultat') or '-':<10} "
                   f"{e.get('ressource') or ''} {details}".rstrip())
    if not events and not as_json:
        click.echo("Aucun événement.")


COMMANDS = [serve_command, users_group, audit_command]
