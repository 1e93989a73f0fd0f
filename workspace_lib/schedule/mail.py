"""Failure e-mails of the scheduler (SMTP), configured in ``workspace.toml``::

    [courriel]
    serveur = "smtp.cdg48.fr"
    port = 587                # 587 with STARTTLS, 465 with tls_implicite, 25 without TLS
    starttls = true
    tls_implicite = false     # SMTPS (port 465)
    utilisateur = "rapports@cdg48.fr"
    # The password is read from the environment variable named here, never from the file:
    variable_mot_de_passe = "RSU_SMTP_MOT_DE_PASSE"
    expediteur = "rapports@cdg48.fr"
    destinataires = ["informatique@cdg48.fr"]

The password is taken out of the process environment when first read (see ``password``): the
render workers and the notebook kernels, started later, never inherit it. It is never logged,
recorded, or put in an error message (server replies are scrubbed of it too).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from .cron import missed_text, quand

SECTION = "courriel"
MAX_FAILURES_LISTED = 50
_PASSWORDS: dict[str, str] = {}
_KEYS = {"serveur", "port", "starttls", "tls_implicite", "utilisateur", "variable_mot_de_passe", "expediteur",
         "destinataires", "delai"}


class MailError(Exception):
    """A mail could not be configured or sent; the message is French and holds no secret."""


@dataclass
class MailSettings:
    serveur: str
    expediteur: str
    destinataires: list[str]
    port: int = 587
    starttls: bool = True
    tls_implicite: bool = False
    utilisateur: str | None = None
    variable_mot_de_passe: str | None = None
    delai: int = 30


def settings_from(workspace_settings: dict[str, Any]) -> MailSettings | None:
    """The ``[courriel]`` settings, None if the section is absent; MailError if they are wrong."""
    section = workspace_settings.get(SECTION)
    if section is None:
        return None
    where = "workspace.toml, section [courriel]"
    if not isinstance(section, dict):
        raise MailError(f"{where} : tableau de réglages attendu.")
    for key in section:
        if ("mot_de_passe" in key and key != "variable_mot_de_passe") or key in ("password", "mdp"):
            raise MailError(f"{where} : le mot de passe ne doit pas être écrit dans le fichier (clé « {key} ») ; "
                            "indiquez le nom d'une variable d'environnement dans « variable_mot_de_passe ».")
        if key not in _KEYS:
            raise MailError(f"{where} : clé inconnue « {key} » (clés admises : {', '.join(sorted(_KEYS))}).")
    for key in ("serveur", "expediteur", "destinataires"):
        if not section.get(key):
            raise MailError(f"{where} : clé « {key} » obligatoire.")
    recipients = section["destinataires"]
    if isinstance(recipients, str):
        recipients = [recipients]
    if not isinstance(recipients, list) or not all(isinstance(r, str) and "@" in r for r in recipients):
        raise MailError(f"{where} : « destinataires » doit être une liste d'adresses.")
    implicit = bool(section.get("tls_implicite", False))
    starttls = bool(section.get("starttls", not implicit))
    port = section.get("port", 465 if implicit else 587 if starttls else 25)
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise MailError(f"{where} : « port » doit être un nombre entre 1 et 65535.")
    user = section.get("utilisateur") or None
    variable = section.get("variable_mot_de_passe") or None
    if user and not variable:
        raise MailError(f"{where} : « utilisateur » est indiqué sans « variable_mot_de_passe » "
                        "(nom de la variable d'environnement qui contient le mot de passe).")
    delai = section.get("delai", 30)
    if not isinstance(delai, int) or not 1 <= delai <= 600:
        raise MailError(f"{where} : « delai » doit être un nombre de secondes entre 1 et 600.")
    return MailSettings(serveur=str(section["serveur"]), expediteur=str(section["expediteur"]),
                        destinataires=list(recipients), port=port, starttls=starttls and not implicit,
                        tls_implicite=implicit, utilisateur=user, variable_mot_de_passe=variable, delai=delai)


def password(variable: str) -> str | None:
    """The password held by an environment variable, removed from the environment on first read.

    Render workers and notebook kernels are started with a copy of the environment: taking the
    variable out keeps the SMTP password away from the notebooks.
    """
    value = os.environ.pop(variable, None)
    if value:
        _PASSWORDS[variable] = value
    return _PASSWORDS.get(variable)


def _scrub(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


def send(settings: MailSettings, message: EmailMessage) -> None:
    """Send one message; MailError (French, no secret) if it fails."""
    secret = password(settings.variable_mot_de_passe) if settings.variable_mot_de_passe else None
    if settings.utilisateur and not secret:
        raise MailError(f"la variable d'environnement {settings.variable_mot_de_passe} (mot de passe SMTP) "
                        "n'est pas définie pour le planificateur.")
    message["From"] = settings.expediteur
    message["To"] = ", ".join(settings.destinataires)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=settings.expediteur.rsplit("@", 1)[-1] or None)
    context = ssl.create_default_context()
    try:
        if settings.tls_implicite:
            client: smtplib.SMTP = smtplib.SMTP_SSL(settings.serveur, settings.port, timeout=settings.delai,
                                                    context=context)
        else:
            client = smtplib.SMTP(settings.serveur, settings.port, timeout=settings.delai)
        with client:
            client.ehlo()
            if settings.starttls:
                client.starttls(context=context)
                client.ehlo()
            if settings.utilisateur:
                client.login(settings.utilisateur, secret or "")
            client.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"authentification refusée par {settings.serveur} pour {settings.utilisateur} "
                        f"({exc.smtp_code})") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise MailError(_scrub(f"le serveur {settings.serveur} ne le permet pas : {exc}", secret)) from None
    except (smtplib.SMTPException, OSError, socket.timeout, ssl.SSLError) as exc:
        detail = _scrub(f"{type(exc).__name__}: {exc}", secret)
        raise MailError(f"envoi impossible par {settings.serveur}:{settings.port} ({detail})") from None


def failure_message(*, campaign: str, titre: str, record: Any, failures: list[Any], workspace_root: Any
                    ) -> EmailMessage:
    """The French e-mail of a failed scheduled run (``record``: a RunRecord once finished)."""
    outcome = {"echec": "s'est terminée avec des rapports en échec",
               "erreur": "n'a pas pu aller à son terme"}.get(record.outcome, record.outcome)
    lines = [
        "Bonjour,",
        "",
        f"La campagne « {campaign} »{f' ({titre})' if titre and titre != campaign else ''}, prévue le {quand(record.scheduled)} (heure de Paris), {outcome}.",
        "",
        f"Début : {quand(record.started, seconds=True)}",
    ]
    if record.finished:
        lines.append(f"Fin : {quand(record.finished, seconds=True)}")
    if record.missed:
        lines.append(f"Rattrapage : {missed_text(record.missed)} avec celle-ci.")
    if record.done is not None:
        lines += [
            "",
            f"Rapports produits : {record.done}",
            f"Rapports en échec : {record.failed}",
            f"Rapports déjà à jour : {record.skipped_done}",
            f"Rapports ignorés (sans données) : {record.skipped_condition}",
        ]
    if record.error:
        lines += ["", f"Erreur : {record.error}"]
    if failures:
        lines += ["", "Rapports en échec (paramètres : erreur) :"]
        for failure in failures[:MAX_FAILURES_LISTED]:
            params = json.dumps(getattr(failure, "parameters", {}), ensure_ascii=False, default=str, sort_keys=True)
            lines.append(f"  - {params} : {getattr(failure, 'error', '') or 'erreur inconnue'}")
        if len(failures) > MAX_FAILURES_LISTED:
            lines.append(f"  … et {len(failures) - MAX_FAILURES_LISTED} autres (voir le manifeste).")
    lines += [
        "",
        "Manifeste de l'exécution : " + (record.manifest or "(aucun : le rendu n'a pas commencé)"),
        f"Espace de travail : {workspace_root}",
        "",
        "Historique des exécutions : workspace scheduler --historique --campagne " + campaign,
        "",
        "Message envoyé automatiquement par le planificateur de l'espace RSU.",
    ]
    message = EmailMessage()
    message["Subject"] = f"[RSU] Échec de la campagne {campaign}"
    message.set_content("\n".join(lines), charset="utf-8")
    return message


def trial_message(workspace_root: Any) -> EmailMessage:
    """The message of ``workspace scheduler --essai-courriel``."""
    message = EmailMessage()
    message["Subject"] = "[RSU] Essai du courriel du planificateur"
    message.set_content(
        "Bonjour,\n\nCe message d'essai confirme que le planificateur de l'espace RSU "
        f"({workspace_root}) peut envoyer ses alertes d'échec.\n\nEnvoyé le "
        f"{quand(dt.datetime.now(dt.timezone.utc), seconds=True)}.\n", charset="utf-8")
    return message

