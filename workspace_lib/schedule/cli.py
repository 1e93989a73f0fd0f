"""Command ``workspace scheduler`` (French help and messages).

Registered in the main group by ``workspace_lib.cli``; the Workspace comes from
``click.get_current_context().obj``. ``python -m workspace_lib.schedule`` runs it standalone.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import sys
import threading
from pathlib import Path

import click

from ..config import Workspace
from . import cron, mail
from .lock import SchedulerBusy
from .store import RunRecord, RunStore

OUTCOME_LABELS = {"ok": "réussie", "echec": "rapports en échec", "erreur": "erreur", "en_cours": "en cours"}


def _workspace() -> Workspace:
    obj = click.get_current_context().obj
    return obj if isinstance(obj, Workspace) else Workspace.locate()


class _FrenchLevels(logging.Formatter):
    """Times in Paris, warnings and errors announced in French."""

    PREFIX = {logging.WARNING: "Attention : ", logging.ERROR: "Erreur : ", logging.CRITICAL: "Erreur : "}

    def format(self, record: logging.LogRecord) -> str:
        record.prefixe = self.PREFIX.get(record.levelno, "")
        return super().format(record)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return dt.datetime.fromtimestamp(record.created, cron.PARIS).strftime(datefmt or "%d/%m/%Y %H:%M:%S")


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_FrenchLevels("%(asctime)s %(prefixe)s%(message)s", "%d/%m/%Y %H:%M:%S"))
    logger = logging.getLogger("workspace_lib.schedule")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    # APScheduler's own messages are English; ours say the same in French.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)


def _duration(record: RunRecord) -> str:
    if not record.finished:
        return ""
    seconds = int((record.finished - record.started).total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_history(records: list[RunRecord]) -> str:
    """The recorded runs, latest first, dates in Paris time."""
    if not records:
        return "Aucune exécution planifiée enregistrée."
    lines = []
    for r in records:
        head = f"« {r.campaign} » prévue le {cron.quand(r.scheduled)} — {OUTCOME_LABELS.get(r.outcome, r.outcome)}"
        if r.catch_up:
            head += " (rattrapage" + (f", {cron.missed_text(r.missed)}" if r.missed else "") + ")"
        lines.append(head)
        timing = f"    début {cron.quand(r.started, seconds=True)}"
        if r.finished:
            timing += f", fin {cron.quand(r.finished, seconds=True)} ({_duration(r)})"
        lines.append(timing)
        if r.done is not None:
            lines.append(f"    {r.done} produit(s), {r.failed} en échec, {r.skipped_done} déjà à jour, "
                         f"{r.skipped_condition} ignoré(s) sans données")
        if r.manifest:
            lines.append(f"    manifeste : {r.manifest}")
        if r.error:
            lines.append(f"    erreur : {r.error}")
        if r.mail:
            lines.append(f"    courriel : {r.mail}")
    return "\n".join(lines)


@click.command("scheduler")
@click.option("--campagnes", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dossier des fichiers de campagne (par défaut : le dossier parameters/ du projet).")
@click.option("--une-fois", "once", is_flag=True,
              help="Lance ce qui est dû ou manqué maintenant, puis s'arrête (pour un cron système).")
@click.option("--historique", "history", is_flag=True, help="Affiche les exécutions enregistrées, puis s'arrête.")
@click.option("--campagne", "campaign", default=None, metavar="NOM", help="Avec --historique : une seule campagne.")
@click.option("--limite", type=click.IntRange(1, 100_000), default=50, show_default=True,
              help="Avec --historique : nombre d'exécutions affichées.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processus de rendu par exécution (par défaut : un par cœur).")
@click.option("--essai-courriel", "trial", is_flag=True,
              help="Envoie un courriel d'essai aux destinataires de [courriel], puis s'arrête.")
@click.option("-v", "--verbeux", "verbose", is_flag=True, help="Journal détaillé (avec le détail des erreurs).")
def scheduler_command(folder: Path | None, once: bool, history: bool, campaign: str | None, limite: int,
                      workers: int | None, trial: bool, verbose: bool) -> None:
    """Lance les campagnes planifiées (clé « planification » des fichiers de campagne).

    Heure de Paris ; une seule exécution à la fois. Au démarrage, une échéance manquée pendant
    l'arrêt est rattrapée une fois. Chaque exécution est enregistrée dans
    planification.sqlite ; un échec est envoyé par courriel (section [courriel] de workspace.toml).
    """
    workspace = _workspace()
    if history:
        records = RunStore(workspace.root).history(campaign, limite)
        click.echo(format_history(records))
        return
    if campaign:
        raise click.UsageError("--campagne s'emploie avec --historique.")
    _setup_logging(verbose)
    try:
        if trial:
            _trial_mail(workspace)
        elif once:
            _once(workspace, folder, workers)
        else:
            _serve(workspace, folder, workers)
    except (SchedulerBusy, FileNotFoundError, ValueError, PermissionError, mail.MailError) as exc:
        click.echo(f"Erreur : {exc}", err=True)
        sys.exit(2)


def _once(workspace: Workspace, folder: Path | None, workers: int | None) -> None:
    from .runner import run_once

    records = run_once(workspace, folder, workers=workers)
    if not records:
        click.echo("Planificateur : aucune exécution due.", err=True)
        return
    failed = sum(r.outcome != "ok" for r in records)
    click.echo(f"Planificateur : {len(records)} exécution(s), {len(records) - failed} réussie(s), "
               f"{failed} en échec ou en erreur.", err=True)
    if failed:
        sys.exit(1)


def _serve(workspace: Workspace, folder: Path | None, workers: int | None) -> None:
    from .runner import log, serve

    stop = threading.Event()

    def request_stop(signum, _frame) -> None:
        log.info("Signal d'arrêt reçu (%s).", signal.Signals(signum).name)
        stop.set()
        signal.signal(signum, signal.SIG_DFL)  # a second signal stops at once

    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, request_stop)
    serve(workspace, folder, stop=stop, workers=workers)


def _trial_mail(workspace: Workspace) -> None:
    settings = mail.settings_from(workspace.settings())
    if settings is None:
        raise mail.MailError(f"pas de section [courriel] dans {workspace.settings_path}.")
    mail.send(settings, mail.trial_message(workspace.root))
    click.echo(f"Courriel d'essai envoyé à {', '.join(settings.destinataires)}.", err=True)
