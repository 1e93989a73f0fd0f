"""Run the scheduled campaigns: on their crontab (Europe/Paris), catching up what was missed.

Each campaign file with a ``planification`` gets a crontab trigger (standard crontab meaning,
see :mod:`.cron`). A campaign is *due* when its latest fire time at or before now is later than
the latest scheduled time recorded for it (:mod:`.store`): it then runs once, recorded under
that fire time, however many fire times were missed (they are counted, not run). The same
check runs at start-up (catch-up), on each fire of the trigger, and in ``--une-fois`` mode.

Runs go one at a time (one worker thread: a run already uses one process per core), each
campaign at most once at a time; the campaign file is read again at each run. Every run is
recorded, written to the audit log (action ``render``), and, if it failed, e-mailed (:mod:`.mail`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import workspace_lib

from ..config import Workspace
from ..render.campaign import CampaignError, load
from . import cron, mail
from .lock import SchedulerLock
from .store import RunRecord, RunStore, utc

log = logging.getLogger("workspace_lib.schedule")

DEFAULT_CAMPAIGNS = Path(workspace_lib.__file__).resolve().parents[1] / "parameters"
CATCH_UP_AFTER = dt.timedelta(minutes=5)
INTERRUPTED = "Exécution interrompue : le planificateur s'est arrêté pendant le rendu."
STOPPED = "Exécution interrompue par un signal d'arrêt du planificateur."
AUDIT_RESULT = {"ok": "succes", "echec": "echec", "erreur": "erreur"}


@dataclass
class ScheduledCampaign:
    """A campaign file with a ``planification``."""

    name: str
    path: Path
    root: Path
    cron: str
    titre: str
    trigger: Any


def project_root(campaign_file: Path) -> Path:
    """Notebook paths of a campaign are relative to the folder holding ``parameters/``."""
    folder = campaign_file.resolve().parent
    return folder.parent if folder.name == "parameters" else folder


def discover(folder: Path) -> list[ScheduledCampaign]:
    """The campaigns of ``folder`` that have a ``planification``; invalid files are logged and left out."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"Dossier des campagnes introuvable : {folder} (indiquez --campagnes DOSSIER).")
    found: list[ScheduledCampaign] = []
    names: dict[str, Path] = {}
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        try:
            camp = load(path, root=project_root(path))
        except CampaignError as exc:
            log.error("%s — campagne non planifiée.", exc)
            continue
        if not camp.planification:
            log.debug("Campagne « %s » (%s) : pas de planification.", camp.nom, path.name)
            continue
        if camp.nom in names:
            log.error("Campagne %s : le nom « %s » est déjà celui de %s — campagne non planifiée.",
                      path, camp.nom, names[camp.nom])
            continue
        try:
            trig = cron.trigger(str(camp.planification))
        except cron.CronError as exc:
            log.error("Campagne %s : %s — campagne non planifiée.", path, exc)
            continue
        names[camp.nom] = path
        found.append(ScheduledCampaign(camp.nom, path, project_root(path), str(camp.planification), camp.titre, trig))
    return found


def _now() -> dt.datetime:
    return dt.datetime.now(cron.PARIS)


def _error_text(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, CampaignError) else f"{type(exc).__name__} : {exc}"
    return text[:2000]


class Scheduler:
    """The scheduled campaigns of one workspace and their run record.

    ``now`` arguments are the clock (timezone-aware); None means the current time.
    Hold the workspace's :class:`SchedulerLock` while using it (``run_once`` and ``serve`` do).
    """

    def __init__(self, workspace: Workspace, campaigns: list[ScheduledCampaign], *, workers: int | None = None):
        self.workspace = workspace
        self.campaigns = campaigns
        self.workers = workers
        self.store = RunStore(workspace.root)
        self.stopping = threading.Event()
        self.running: str | None = None

    @classmethod
    def prepare(cls, workspace: Workspace, folder: Path | None = None, *, workers: int | None = None) -> "Scheduler":
        """Open the record, check the mail settings (taking the password out of the environment
        before any render process starts), and find the scheduled campaigns."""
        RunStore(workspace.root).initialise()
        check_mail(workspace)
        return cls(workspace, discover(folder or DEFAULT_CAMPAIGNS), workers=workers)

    # Due runs -----------------------------------------------------------------------------

    def due(self, campaign: ScheduledCampaign, now: dt.datetime | None = None) -> tuple[dt.datetime, int] | None:
        """``(scheduled time, missed fire times before it)`` if the campaign is due, else None."""
        now = now or _now()
        scheduled = cron.last_fire_time(campaign.trigger, now)
        if scheduled is None:
            return None
        last = self.store.last_scheduled(campaign.name)
        if last is not None and last >= scheduled:
            return None
        missed = cron.fires_between(campaign.trigger, last, scheduled) if last is not None else 0
        return scheduled, missed

    def run_due(self, campaign: ScheduledCampaign, now: dt.datetime | None = None) -> RunRecord | None:
        """Run the campaign if it is due; the finished record, or None if nothing was run."""
        now = now or _now()
        due = self.due(campaign, now)
        if due is None:
            following = cron.next_fire_time(campaign.trigger, now)
            log.info("Campagne « %s » : à jour%s.", campaign.name,
                     f" ; prochaine exécution {cron.quand(following)}" if following else "")
            return None
        scheduled, missed = due
        return self._execute(campaign, scheduled, missed, now)

    def run_pending(self, now: dt.datetime | None = None) -> list[RunRecord]:
        """Run every due campaign once, one after the other."""
        records = []
        for campaign in self.campaigns:
            if self.stopping.is_set():
                break
            record = self.run_due(campaign, now)
            if record is not None:
                records.append(record)
        return records

    def recover(self, now: dt.datetime | None = None) -> list[RunRecord]:
        """Close, report and e-mail the runs a dead scheduler left unfinished."""
        records = self.store.interrupt_running(now or _now(), INTERRUPTED)
        for record in records:
            log.warning("Campagne « %s » : l'exécution prévue le %s a été interrompue (arrêt du planificateur) ; "
                        "elle n'est pas relancée, la prochaine échéance reprendra le rendu.",
                        record.campaign, cron.quand(record.scheduled))
            titre = next((c.titre for c in self.campaigns if c.name == record.campaign), record.campaign)
            record.mail = self._notify(record, [], titre)
            self.store.set_mail(record.id, record.mail)
            self._audit(record)
        return records

    # One run ------------------------------------------------------------------------------

    def _execute(self, campaign: ScheduledCampaign, scheduled: dt.datetime, missed: int,
                 now: dt.datetime) -> RunRecord | None:
        from ..render.engine import run_campaign

        started = dt.datetime.now(dt.timezone.utc)
        catch_up = missed > 0 or now - scheduled > CATCH_UP_AFTER
        run_id = self.store.begin(campaign.name, scheduled, started, missed=missed, catch_up=catch_up,
                                  campaign_file=str(campaign.path))
        if run_id is None:
            log.info("Campagne « %s » : l'exécution prévue le %s est déjà enregistrée ; elle n'est pas relancée.",
                     campaign.name, cron.quand(scheduled))
            return None
        extra = ""
        if catch_up:
            extra = " (rattrapage" + (f", {cron.missed_text(missed)}" if missed else "") + ")"
        log.info("Campagne « %s » : exécution prévue le %s%s — début du rendu.", campaign.name,
                 cron.quand(scheduled), extra)
        report, error, titre = None, None, campaign.titre
        self.running = campaign.name
        try:
            camp = load(campaign.path, root=campaign.root)
            titre = camp.titre
            if str(camp.planification or "") != campaign.cron:
                log.warning("Campagne « %s » : sa planification a changé dans %s ; redémarrez le planificateur "
                            "pour la prendre en compte.", campaign.name, campaign.path.name)
            report = run_campaign(self.workspace, camp, workers=self.workers, show_progress=False)
        except Exception as exc:  # the run fails, the scheduler goes on
            error = _error_text(exc)
            log.debug("Détail de l'erreur de la campagne « %s » :", campaign.name, exc_info=True)
        except BaseException:
            self.store.finish(run_id, dt.datetime.now(dt.timezone.utc), "erreur", error=STOPPED)
            raise
        finally:
            self.running = None
        if error is None and report.publication_error:
            error = report.publication_error  # reports produced, not published to the target
        outcome = "erreur" if error else ("echec" if report.failed else "ok")
        counts = {} if report is None else {
            "done": report.done, "failed": report.failed, "skipped_done": report.skipped_done,
            "skipped_condition": report.skipped_condition,
            "manifest": str(report.manifest) if report.manifest else None}
        self.store.finish(run_id, dt.datetime.now(dt.timezone.utc), outcome, error=error, **counts)
        record = self.store.get(run_id)
        _log_end(record)
        if outcome != "ok":
            record.mail = self._notify(record, report.failures if report else [], titre)
            self.store.set_mail(run_id, record.mail)
        self._audit(record)
        return record

    def _notify(self, record: RunRecord, failures: list[Any], titre: str) -> str:
        """Send the failure e-mail; what became of it, for the record (never raises)."""
        try:
            settings = mail.settings_from(self.workspace.settings())
            if settings is None:
                log.warning("Campagne « %s » : pas de section [courriel] dans workspace.toml, échec non signalé "
                            "par courriel.", record.campaign)
                return "non configuré"
            message = mail.failure_message(campaign=record.campaign, titre=titre, record=record,
                                           failures=failures, workspace_root=self.workspace.root)
            mail.send(settings, message)
        except mail.MailError as exc:
            log.error("Campagne « %s » : courriel d'échec non envoyé : %s", record.campaign, exc)
            return f"échec de l'envoi : {exc}"[:1000]
        except Exception as exc:  # noqa: BLE001 - a mail problem never stops the scheduler
            log.error("Campagne « %s » : courriel d'échec non envoyé : %s", record.campaign, type(exc).__name__)
            return f"échec de l'envoi : {type(exc).__name__}"
        recipients = ", ".join(settings.destinataires)
        log.info("Campagne « %s » : courriel d'échec envoyé à %s.", record.campaign, recipients)
        return f"envoyé à {recipients}"

    def _audit(self, record: RunRecord) -> None:
        from ..server.audit import audit_event

        try:
            audit_event(self.workspace, action="render", utilisateur="planificateur", role="systeme",
                        adresse="local", ressource=record.campaign, resultat=AUDIT_RESULT.get(record.outcome, "erreur"),
                        declencheur="planification", issue=record.outcome, execution=record.id,
                        prevue=utc(record.scheduled), rattrapage=record.catch_up, manquees=record.missed,
                        produits=record.done, echecs=record.failed, deja_a_jour=record.skipped_done,
                        ignores_sans_donnees=record.skipped_condition, manifeste=record.manifest,
                        erreur=record.error, courriel=record.mail)
        except OSError as exc:
            log.error("Journal d'audit inaccessible (%s) : exécution non journalisée.", exc)

    # Service ------------------------------------------------------------------------------

    def serve(self, stop: threading.Event) -> None:
        """Catch up, then run the campaigns on their triggers until ``stop`` is set."""
        from apscheduler.events import EVENT_JOB_MAX_INSTANCES
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(
            timezone=cron.PARIS, executors={"default": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        start = _now()
        for campaign in self.campaigns:
            # First run now: the catch-up check; then on the trigger.
            scheduler.add_job(self._job, campaign.trigger, args=[campaign], id=campaign.name,
                              name=f"campagne {campaign.name}", next_run_time=start)
        scheduler.add_listener(self._skipped, EVENT_JOB_MAX_INSTANCES)
        scheduler.start()
        log.info("Planificateur démarré (heure de Paris) : %s.",
                 ", ".join(f"« {c.name} » {cron.describe(c.cron)}" for c in self.campaigns))
        try:
            while not stop.wait(1):
                pass
        finally:
            self.stopping.set()
            if self.running:
                log.info("Arrêt demandé : fin de l'exécution en cours de « %s » attendue.", self.running)
            scheduler.shutdown(wait=True)
            log.info("Planificateur arrêté.")

    def _job(self, campaign: ScheduledCampaign) -> None:
        if self.stopping.is_set():
            return
        try:
            record = self.run_due(campaign)
        except Exception:  # noqa: BLE001 - logged, the scheduler goes on
            log.exception("Campagne « %s » : erreur inattendue du planificateur.", campaign.name)
            return
        following = cron.next_fire_time(campaign.trigger, _now())
        if record is not None and following is not None:
            log.info("Campagne « %s » : prochaine exécution %s.", campaign.name, cron.quand(following))

    def _skipped(self, event: Any) -> None:
        log.info("Campagne « %s » : exécution précédente pas terminée, cette échéance est regroupée avec la suivante.",
                 event.job_id)


def _log_end(record: RunRecord) -> None:
    if record.outcome == "erreur":
        log.error("Campagne « %s » : erreur — %s", record.campaign, record.error)
        return
    seconds = (record.finished - record.started).total_seconds() if record.finished else 0
    summary = (f"{record.done} produit(s), {record.failed} en échec, {record.skipped_done} déjà à jour, "
               f"{record.skipped_condition} ignoré(s) sans données, en {seconds:.0f} s")
    if record.outcome == "ok":
        log.info("Campagne « %s » : terminée — %s. Manifeste : %s", record.campaign, summary, record.manifest)
    else:
        log.error("Campagne « %s » : terminée avec des échecs — %s. Manifeste : %s", record.campaign, summary,
                  record.manifest)


def check_mail(workspace: Workspace) -> mail.MailSettings | None:
    """Read the mail settings at start-up: log what is wrong, take the password out of the environment."""
    try:
        settings = mail.settings_from(workspace.settings())
    except mail.MailError as exc:
        log.error("%s Les échecs ne pourront pas être envoyés par courriel.", exc)
        return None
    if settings is None:
        log.warning("Pas de section [courriel] dans %s : les échecs ne seront pas envoyés par courriel.",
                    workspace.settings_path)
        return None
    if settings.variable_mot_de_passe and not mail.password(settings.variable_mot_de_passe) and settings.utilisateur:
        log.error("La variable d'environnement %s (mot de passe SMTP) n'est pas définie : les courriels d'échec "
                  "ne pourront pas être envoyés.", settings.variable_mot_de_passe)
    return settings


def run_once(workspace: Workspace, folder: Path | None = None, *, now: dt.datetime | None = None,
             workers: int | None = None) -> list[RunRecord]:
    """``workspace scheduler --une-fois``: run what is due or missed now, then return the records."""
    with SchedulerLock(workspace.root):
        scheduler = Scheduler.prepare(workspace, folder, workers=workers)
        if not scheduler.campaigns:
            log.warning("Aucune campagne planifiée dans %s.", folder or DEFAULT_CAMPAIGNS)
        scheduler.recover(now)
        return scheduler.run_pending(now)


def serve(workspace: Workspace, folder: Path | None = None, *, stop: threading.Event,
          workers: int | None = None) -> None:
    """``workspace scheduler``: run the campaigns on schedule until ``stop`` is set."""
    with SchedulerLock(workspace.root):
        scheduler = Scheduler.prepare(workspace, folder, workers=workers)
        if not scheduler.campaigns:
            raise FileNotFoundError(f"Aucune campagne planifiée (clé « planification ») dans "
                                    f"{folder or DEFAULT_CAMPAIGNS} : rien à lancer.")
        scheduler.recover()
        scheduler.serve(stop)
