"""Render a campaign: expand its parameters, skip what is done, run the rest, record everything.

Resumable: each finished report is appended to the campaign's state file with the checksums of
its files; a run started again (after a crash or a kill) skips the reports whose files are
still there, unchanged, for the same notebook and the same warehouse data. A failing report is
retried once, then recorded as failed; the others still complete. Each run writes a manifest.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ..config import Workspace
from ..fr import nombre, pluriel
from ..warehouse import connect
from . import campaign as campaigns
from .executors import WarmUp, by_lots, default_workers, make_executor
from .job import Job, JobResult, sha256_file, write_atomic

STATE_DIR = "_campagnes"


@dataclass
class RunReport:
    """What a run did."""

    campaign: str
    run_id: str
    done: int = 0
    failed: int = 0
    skipped_done: int = 0
    skipped_condition: int = 0
    seconds: float = 0.0
    startup_seconds: float | None = None  # until every local worker was warm (kernel, imports, fonts)
    manifest: Path | None = None
    out_root: Path | None = None
    failures: list[JobResult] = field(default_factory=list)
    # Why the copy to the campaign's remote target failed (the reports stay in rendered/).
    publication_error: str | None = None

    def describe(self) -> str:
        lines = [
            f"Campagne « {self.campaign} » : {pluriel(self.done, 'rapport produit', 'rapports produits')}, "
            f"{pluriel(self.failed, 'échec', 'échecs')}, {pluriel(self.skipped_done, 'déjà à jour', 'déjà à jour')}, "
            f"{pluriel(self.skipped_condition, 'ignoré (sans données)', 'ignorés (sans données)')} "
            f"en {nombre(self.seconds, 1)} s.",
            f"Rapports : {self.out_root}",
            f"Manifeste : {self.manifest}",
        ]
        for f in self.failures[:10]:
            lines.append(f"  échec {json.dumps(f.parameters, ensure_ascii=False)} : {f.error}")
        if self.publication_error:
            lines.append(f"Publication en échec : {self.publication_error}")
        return "\n".join(lines)


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _imports(workspace: Workspace) -> list[dict[str, Any]]:
    """The imports the warehouse holds (what the reports are made from)."""
    with connect(workspace, read_only=True) as con:
        rows = con.execute(
            "SELECT import_id, fichier, sha256, type_fichier, annees, lignes, fin FROM import_log ORDER BY import_id"
        ).fetchall()
    return [{"import_id": r[0], "fichier": r[1], "sha256": r[2], "type": r[3], "annees": r[4],
             "lignes": r[5], "date": r[6].isoformat()} for r in rows]


def _load_state(path: Path) -> dict[str, dict]:
    """Finished reports by job key; a torn last line (killed run) is ignored."""
    state: dict[str, dict] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            state[entry["key"]] = entry
    return state


def _still_valid(entry: dict, out_root: Path) -> bool:
    """True if every file of a finished report is there with its recorded checksum."""
    files = entry.get("files", [])
    paths = [(out_root / f["chemin"], f["sha256"]) for f in files]
    if entry.get("tables_json"):
        paths.append((out_root / entry["tables_json"], None))
    return bool(files) and all(p.exists() and (sha is None or sha256_file(p) == sha) for p, sha in paths)


def _append(path: Path, entry: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _data_count(con, params: dict[str, Any]) -> int:
    """Agents of the employer (or département) and year: the ``donnees_presentes`` condition
    holds when there are any; the biggest reports are started first."""
    if "siret" in params:
        sql, args = "SELECT count(*) FROM agent WHERE annee = ? AND siret = ?", [params.get("annee"), params["siret"]]
    else:
        sql = "SELECT count(*) FROM agent a JOIN employeur e USING (annee, siret) WHERE a.annee = ? AND e.departement = ?"
        args = [params.get("annee"), params.get("departement")]
    return int(con.execute(sql, args).fetchone()[0])


def plan(workspace: Workspace, camp: campaigns.Campaign, only: dict[str, str] | None = None
         ) -> tuple[list[Job], int, dict[str, Any]]:
    """The jobs of a campaign, the number skipped by its condition, and the run's context."""
    settings = workspace.settings().get("espace", {})
    departement = str(settings.get("departement", "48"))
    notebook_sha = sha256_file(camp.notebook)
    imports = _imports(workspace)
    data_version = _sha256_text(json.dumps([i["sha256"] for i in imports]))
    out_root = workspace.rendered_dir / camp.nom
    jobs, skipped = [], 0
    with connect(workspace, read_only=True) as con:
        for params in campaigns.expand(camp, con, departement, only):
            params = {**params}
            weight = 0
            if camp.condition == "donnees_presentes":
                weight = _data_count(con, {"departement": departement, **params})
                if not weight:
                    skipped += 1
                    continue
            key = _sha256_text(json.dumps([params, camp.formats, camp.chemin, notebook_sha, data_version],
                                          sort_keys=True, default=str))[:24]
            jobs.append(Job(key=key, notebook=str(camp.notebook), parameters=params, pattern=camp.chemin,
                            formats=camp.formats, out_root=str(out_root), workspace_root=str(workspace.root),
                            organisme=str(settings.get("nom", "Centre de Gestion")), timeout=camp.delai,
                            fields={"departement": departement, "campagne": camp.nom, **params},
                            weight=weight))
    context = {"notebook": str(camp.notebook), "notebook_sha256": notebook_sha, "imports": imports,
               "departement": departement, "out_root": out_root}
    return jobs, skipped, context


def run_campaign(workspace: Workspace, camp: campaigns.Campaign, executor: str = "local",
                 workers: int | None = None, scheduler_address: str | None = None,
                 only: dict[str, str] | None = None, show_progress: bool | None = None) -> RunReport:
    """Render every report of a campaign; see the module docstring."""
    from .publish import publish_run
    from .remote import PublicationError

    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    run_id = started.strftime("%Y%m%dT%H%M%S%fZ")
    jobs, skipped, context = plan(workspace, camp, only)
    out_root: Path = context["out_root"]
    state_path = out_root / STATE_DIR / "etat.jsonl"
    state = _load_state(state_path)
    todo = [j for j in jobs if not (j.key in state and _still_valid(state[j.key], out_root))]
    report = RunReport(camp.nom, run_id, skipped_done=len(jobs) - len(todo), skipped_condition=skipped,
                       out_root=out_root)
    results: dict[str, dict] = {j.key: state[j.key] for j in jobs if j not in todo}
    console = Console(stderr=True)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("échecs : {task.fields[failed]}"), TimeElapsedColumn(),
                        TextColumn("reste"), TimeRemainingColumn(), console=console,
                        disable=not console.is_terminal if show_progress is None else not show_progress)
    if todo:
        # Biggest reports first: the last ones to finish are then small ones, and no worker
        # waits long for the others at the end. No more workers than reports.
        todo.sort(key=lambda j: -j.weight)
        workers = min(workers or default_workers(), len(todo))
        pool = make_executor(executor, workers, scheduler_address, warm=WarmUp.for_jobs(todo))
        lots = by_lots(len(todo), pool.workers)
        for job in todo:
            job.lots = lots
        try:
            with progress:
                task = progress.add_task(f"Rendu de « {camp.nom} »", total=len(todo), failed=0)
                retry = []
                for result in pool.run(todo):
                    if not result.ok:
                        retry.append(next(j for j in todo if j.key == result.key))
                        continue
                    _record(state_path, result, results, report)
                    progress.update(task, advance=1)
                for result in (pool.run(retry) if retry else []):
                    if result.ok:
                        _record(state_path, result, results, report)
                    else:
                        report.failed += 1
                        report.failures.append(result)
                        results[result.key] = {**result.to_dict(), "statut": "echec"}
                    progress.update(task, advance=1, failed=report.failed)
            report.startup_seconds = pool.startup_seconds()
        finally:
            pool.close()
    report.seconds = time.perf_counter() - t0
    manifest = {
        "campagne": camp.nom, "titre": camp.titre, "execution": run_id, "utilisateur": _user(),
        "debut": started.isoformat(), "fin": dt.datetime.now(dt.timezone.utc).isoformat(),
        "duree_s": round(report.seconds, 3),
        "demarrage_s": None if report.startup_seconds is None else round(report.startup_seconds, 3),
        "executeur": executor, "notebook": context["notebook"],
        "notebook_sha256": context["notebook_sha256"], "imports": context["imports"],
        "comptes": {"produits": report.done, "echecs": report.failed, "deja_a_jour": report.skipped_done,
                    "ignores_sans_donnees": report.skipped_condition},
        "rapports": [results[j.key] for j in jobs if j.key in results],
    }
    manifest_path = out_root / STATE_DIR / "executions" / f"{run_id}.json"
    write_atomic(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=1, default=str).encode("utf-8"))
    report.manifest = manifest_path
    try:
        publish_run(workspace, camp, manifest_path)
    except PublicationError as exc:  # the run is recorded; its caller says it failed
        report.publication_error = str(exc)
    return report


def _record(state_path: Path, result: JobResult, results: dict[str, dict], report: RunReport) -> None:
    entry = {**result.to_dict(), "statut": "publie"}
    entry.pop("detail", None)
    _append(state_path, entry)
    results[result.key] = entry
    report.done += 1


def _user() -> str:
    return os.environ.get("WORKSPACE_USER") or getpass.getuser()
