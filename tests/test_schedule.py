"""The campaign scheduler: real renders of a tiny notebook campaign, a real SMTP server, real processes.

Only the clock is chosen (``now=``); the engine, the kernels, SQLite and SMTP are the real ones.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from workspace_lib.config import Workspace
from workspace_lib.schedule import RunStore, run_once
from workspace_lib.schedule import cron
from workspace_lib.schedule.cli import scheduler_command
from workspace_lib.warehouse import connect

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = Path(__file__).parent / "data" / "notebooks" / "minimal.ipynb"
PARIS = cron.PARIS


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A workspace with an empty warehouse (the minimal notebook does not query it)."""
    workspace = Workspace.locate(tmp_path / "espace").ensure()
    connect(workspace).close()
    return workspace


@pytest.fixture
def campaigns(tmp_path: Path) -> Path:
    """A project folder: notebooks/minimal.ipynb and an empty parameters/."""
    project = tmp_path / "projet"
    (project / "notebooks").mkdir(parents=True)
    shutil.copy(MINIMAL, project / "notebooks" / "minimal.ipynb")
    (project / "parameters").mkdir()
    return project / "parameters"


def write_campaign(folder: Path, nom: str, planification: str | None, fail: bool = False, **extra) -> Path:
    spec = {"nom": nom, "titre": f"Campagne {nom}", "notebook": "notebooks/minimal.ipynb",
            "parametres": {"siret": ["A", "B"], "fail": [fail]}, "formats": ["html"],
            "chemin": "{siret}-{slug}", **extra}
    if planification:
        spec["planification"] = planification
    path = folder / f"{nom}.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def audit_lines(ws: Workspace) -> list[dict]:
    path = ws.root / "logs" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------------------------


def test_crontab_meaning_of_days_and_last_fire_times():
    monday = dt.date(2025, 1, 6)
    # APScheduler's from_crontab would read "1" as Tuesday; crontab (and the campaign comment) mean Monday.
    example = yaml.safe_load((ROOT / "parameters" / "synthese_employeurs.yaml").read_text(encoding="utf-8"))
    trig = cron.trigger(example["planification"])
    assert trig.get_next_fire_time(None, paris(2025, 1, 1, 12)).date() == monday
    assert cron.trigger("0 6 * * 0").get_next_fire_time(None, paris(2025, 1, 1)).date() == dt.date(2025, 1, 5)
    assert cron.trigger("0 6 * * 7").get_next_fire_time(None, paris(2025, 1, 1)).date() == dt.date(2025, 1, 5)
    weekdays = cron.trigger("30 7 * * 1-5")
    assert {weekdays.get_next_fire_time(None, paris(2025, 1, d)).weekday() for d in range(1, 15)} == {0, 1, 2, 3, 4}
    # Day of month and day of week both given: either one (crontab), not both.
    either = cron.trigger("0 6 1 * 1")
    assert either.get_next_fire_time(None, paris(2025, 1, 2)).date() == monday
    assert either.get_next_fire_time(None, paris(2025, 1, 28)).date() == dt.date(2025, 2, 1)
    # The latest fire time at or before now, in Paris time (winter and summer).
    daily = cron.trigger("0 6 * * *")
    assert cron.last_fire_time(daily, paris(2025, 1, 6, 5, 59)) == paris(2025, 1, 5, 6)
    assert cron.last_fire_time(daily, paris(2025, 1, 6, 6)) == paris(2025, 1, 6, 6)
    assert cron.last_fire_time(daily, paris(2025, 7, 6, 8)).astimezone(dt.timezone.utc).hour == 4
    assert cron.last_fire_time(cron.trigger("0 0 29 2 *"), paris(2027, 6, 1)) == paris(2024, 2, 29)
    assert cron.fires_between(daily, paris(2025, 1, 6, 6), paris(2025, 1, 9, 6)) == 2
    assert cron.describe("0 6 * * 1") == "chaque lundi à 06:00"
    with pytest.raises(cron.CronError, match="5 champs"):
        cron.trigger("0 6 * *")


def test_due_run_recorded_once_interrupted_run_closed_missed_run_caught_up_once(ws, campaigns):
    write_campaign(campaigns, "quotidienne", "0 6 * * *")
    write_campaign(campaigns, "sans-planification", None)
    store = RunStore(ws.root)

    # Due: the 06:00 run of Monday 6 January, started at 08:00.
    first = run_once(ws, campaigns, now=paris(2025, 1, 6, 8), workers=1)
    assert len(first) == 1
    run = first[0]
    assert (run.campaign, run.outcome, run.done, run.failed, run.skipped_done) == ("quotidienne", "ok", 2, 0, 0)
    assert run.scheduled == paris(2025, 1, 6, 6) and run.missed == 0
    assert Path(run.manifest).is_file() and run.error is None and run.mail is None
    assert stat.S_IMODE((ws.root / "planification.sqlite").stat().st_mode) == 0o600
    assert len(list((ws.rendered_dir / "quotidienne").glob("*.html"))) == 2 + 1  # two reports and the index

    # The same scheduled time is never run again, even by a new scheduler.
    assert run_once(ws, campaigns, now=paris(2025, 1, 6, 8), workers=1) == []
    assert run_once(ws, campaigns, now=paris(2025, 1, 7, 5, 59), workers=1) == []
    assert store.begin("quotidienne", paris(2025, 1, 6, 6), dt.datetime.now(dt.timezone.utc)) is None

    # A scheduler died during the run of the 7th; it was down on the 8th and 9th.
    store.begin("quotidienne", paris(2025, 1, 7, 6), dt.datetime.now(dt.timezone.utc))
    caught = run_once(ws, campaigns, now=paris(2025, 1, 9, 10), workers=1)
    assert len(caught) == 1, "several missed runs collapse into one"
    run = caught[0]
    assert run.scheduled == paris(2025, 1, 9, 6) and run.missed == 1 and run.catch_up
    assert (run.outcome, run.done, run.skipped_done) == ("ok", 0, 2)  # the engine found the reports up to date
    assert run_once(ws, campaigns, now=paris(2025, 1, 9, 10), workers=1) == []

    history = store.history()
    assert [(r.scheduled.astimezone(PARIS).day, r.outcome) for r in history] == [(9, "ok"), (7, "erreur"), (6, "ok")]
    interrupted = history[1]
    assert "interrompue" in interrupted.error and interrupted.finished and interrupted.mail == "non configuré"
    renders = [e for e in audit_lines(ws) if e["action"] == "render"]
    assert [(e["ressource"], e["resultat"], e["details"]["issue"]) for e in renders] == [
        ("quotidienne", "succes", "ok"), ("quotidienne", "erreur", "erreur"), ("quotidienne", "succes", "ok")]
    assert renders[0]["utilisateur"] == "planificateur" and renders[0]["details"]["produits"] == 2
    assert {r.campaign for r in history} == {"quotidienne"}


def test_failure_is_mailed_in_french_and_the_password_stays_out_of_the_workspace(ws, campaigns, monkeypatch):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    received: list[bytes] = []
    logins: list[tuple[bytes, bytes]] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
            received.append(envelope.content)
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == secret.encode())

    secret = "Mdp-" + secrets.token_hex(12)
    variable = "RSU_SMTP_MOT_DE_PASSE_TEST"
    monkeypatch.setenv(variable, secret)
    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    try:
        settings = ws.settings_path.read_text(encoding="utf-8")
        courriel = (f'\n[courriel]\nserveur = "127.0.0.1"\nport = {port}\nstarttls = false\n'
                    f'utilisateur = "rapports@cdg48.fr"\nvariable_mot_de_passe = "{variable}"\n'
                    'expediteur = "rapports@cdg48.fr"\ndestinataires = ["informatique@cdg48.fr"]\n')
        ws.settings_path.write_text(settings + courriel, encoding="utf-8")
        write_campaign(campaigns, "fragile", "0 6 * * 1", fail=True)

        records = run_once(ws, campaigns, now=paris(2025, 1, 6, 6, 1), workers=1)
        assert len(records) == 1
        run = records[0]
        assert (run.outcome, run.done, run.failed) == ("echec", 0, 2)
        assert run.mail == "envoyé à informatique@cdg48.fr"
        assert variable not in os.environ, "render workers and kernels must not inherit the password"
        assert logins == [(b"rapports@cdg48.fr", secret.encode())]
        assert len(received) == 1
        message = email.message_from_bytes(received[0], policy=email.policy.default)
        assert message["Subject"] == "[RSU] Échec de la campagne fragile"
        assert message["To"] == "informatique@cdg48.fr" and message["From"] == "rapports@cdg48.fr"
        body = message.get_content()
        assert "La campagne « fragile » (Campagne fragile), prévue le lundi 06/01/2025 à 06:00 (heure de Paris)" in body
        assert "Rapports produits : 0" in body and "Rapports en échec : 2" in body
        assert '{"fail": true, "siret": "A"}' in body and '{"fail": true, "siret": "B"}' in body
        assert "échec demandé" in body
        assert f"Manifeste de l'exécution : {run.manifest}" in body and Path(run.manifest).is_file()

        # The settings can be tried from the command line.
        trial = CliRunner().invoke(scheduler_command, ["--essai-courriel"], obj=ws)
        assert trial.exit_code == 0, trial.output
        assert "Courriel d'essai envoyé à informatique@cdg48.fr" in trial.stderr
        assert email.message_from_bytes(received[1], policy=email.policy.default)["Subject"] == \
            "[RSU] Essai du courriel du planificateur"

        # A run that cannot start, while the SMTP server cannot be reached: recorded, and the scheduler goes on.
        ws.settings_path.write_text(settings + courriel.replace(f"port = {port}", f"port = {free_port()}"),
                                    encoding="utf-8")
        write_campaign(campaigns, "sans-annee", "0 6 * * 1", parametres={"siret": {"requete": "employeurs"}})
        records = run_once(ws, campaigns, now=paris(2025, 1, 6, 6, 1), workers=1)
        assert [(r.campaign, r.outcome) for r in records] == [("sans-annee", "erreur")]
        assert "a besoin du paramètre annee" in records[0].error
        assert records[0].mail.startswith("échec de l'envoi : envoi impossible par 127.0.0.1")
        assert RunStore(ws.root).get(records[0].id).mail == records[0].mail
        assert len(received) == 2
    finally:
        controller.stop()

    leaks = [p for p in ws.root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
    assert leaks == []


def test_run_whose_publication_fails_is_an_error_with_its_counts(ws, campaigns, tmp_path):
    blocker = tmp_path / "pas-un-dossier"
    blocker.write_text("un fichier, pas un dossier")
    write_campaign(campaigns, "hors-ligne", "0 6 * * 1", publication={"cible": (blocker / "site").as_uri()})
    records = run_once(ws, campaigns, now=paris(2025, 1, 6, 6, 1), workers=1)
    run = records[0]
    assert (run.outcome, run.done, run.failed) == ("erreur", 2, 0)
    assert "Campagne « hors-ligne »" in run.error and "restent publiés" in run.error
    assert RunStore(ws.root).get(run.id).error == run.error
    assert len(list((ws.rendered_dir / "hors-ligne").glob("*.html"))) == 3  # two reports and the index


def test_service_catches_up_refuses_a_second_scheduler_and_prints_history(ws, campaigns):
    write_campaign(campaigns, "annuelle", "0 0 1 1 *")  # its last fire time (1 January) was never run
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    service = subprocess.Popen(
        [sys.executable, "-m", "workspace_lib.schedule", "--workspace", str(ws.root), "scheduler",
         "--campagnes", str(campaigns), "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    store = RunStore(ws.root)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not [r for r in store.history() if r.outcome != "en_cours"]:
            assert service.poll() is None, service.communicate()
            time.sleep(0.2)
        (run,) = store.history()
        assert (run.outcome, run.done, run.catch_up) == ("ok", 2, True)
        assert run.scheduled == paris(dt.datetime.now(PARIS).year, 1, 1)

        second = CliRunner().invoke(scheduler_command, ["--campagnes", str(campaigns), "--une-fois"], obj=ws)
        assert second.exit_code == 2
        assert "Un planificateur est déjà en marche" in second.stderr
        assert f"(processus {service.pid})" in second.stderr
    finally:
        service.send_signal(signal.SIGTERM)
        out, err = service.communicate(timeout=30)
    assert service.returncode == 0, err
    assert "Planificateur démarré (heure de Paris) : « annuelle »" in err
    assert "Campagne « annuelle » : exécution prévue le" in err and "(rattrapage) — début du rendu" in err
    assert "Planificateur arrêté." in err

    # Restarted: the scheduled time already run is not run again.
    again = CliRunner().invoke(scheduler_command, ["--campagnes", str(campaigns), "--une-fois"], obj=ws)
    assert again.exit_code == 0, again.output
    assert "Campagne « annuelle » : à jour ; prochaine exécution" in again.stderr
    assert "Planificateur : aucune exécution due." in again.stderr
    assert len(store.history()) == 1

    shown = CliRunner().invoke(scheduler_command, ["--historique"], obj=ws)
    assert shown.exit_code == 0
    year = dt.datetime.now(PARIS).year
    assert f"« annuelle » prévue le {cron.JOURS[dt.date(year, 1, 1).weekday()]} 01/01/{year} à 00:00 — réussie" \
        in shown.stdout
    assert "2 produit(s), 0 en échec, 0 déjà à jour, 0 ignoré(s) sans données" in shown.stdout
    assert "manifeste : " in shown.stdout and "début " in shown.stdout
    other = CliRunner().invoke(scheduler_command, ["--historique", "--campagne", "autre"], obj=ws)
    assert other.stdout.strip() == "Aucune exécution planifiée enregistrée."
