"""The main job on demo data: generate a département's files, import them, render its reports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .config import Workspace
from .fr import nombre
from .ingest import import_sources
from .warehouse import table_counts

CAMPAIGN = Path(__file__).resolve().parent.parent / "parameters" / "synthese_employeurs.yaml"


def run_demo(workspace: Workspace, departement: str, years: list[int], seed: int,
             echo: Callable[[str], None] = print, workers: int | None = None) -> None:
    """Generate the demo files of ``departement``, import them, render the synthèse campaign."""
    from .render import load, run_campaign
    from .synth import generate

    workspace.ensure()
    _set_departement(workspace, departement)
    _offline_boundaries(workspace, departement)
    out = workspace.root / "donnees-demo" / departement
    echo(f"1. Génération des données fictives du département {departement} "
         f"({years[0]}-{years[-1]}) dans {out}")
    summary = generate(out, departement=departement, years=years, seed=seed, formats=("csv", "xlsx"))
    echo(summary.describe())
    echo(f"2. Import des fichiers CSV dans l'entrepôt {workspace.warehouse_path}")
    report = import_sources(workspace, [str(out / "csv")])
    echo(report.describe())
    counts = table_counts(workspace.warehouse_path)
    echo(
        f"Entrepôt prêt : {nombre(counts['employeur'])} employeurs-années, "
        f"{nombre(counts['agent'])} agents-années, {nombre(counts['absence'])} lignes d'absence, "
        f"{nombre(counts['formation'])} lignes de formation."
    )
    echo(f"3. Rapports de synthèse de chaque employeur pour {years[-1]} (PDF, Word, Excel)")
    report = run_campaign(workspace, load(CAMPAIGN, root=CAMPAIGN.parent.parent), workers=workers)
    echo(report.describe())
    echo("")
    echo(f"Espace de travail : {workspace.root}")
    echo(f"Rapports publiés : {workspace.rendered_dir / 'index.html'}")
    echo("Tableaux de bord : créez votre compte puis démarrez le serveur :")
    echo(f"  .venv/bin/workspace --workspace {workspace.root} users add MOI --role developpeur")
    echo(f"  .venv/bin/workspace --workspace {workspace.root} serve")
    echo("  puis ouvrez https://127.0.0.1:8443/ (certificat auto-signé à accepter) ; l'observatoire "
         "départemental est public, les autres tableaux demandent un compte.")


def _set_departement(workspace: Workspace, departement: str) -> None:
    """Point a new workspace's settings at the demo département."""
    text = workspace.settings_path.read_text(encoding="utf-8")
    if 'departement = "48"' in text and departement != "48":
        workspace.settings_path.write_text(text.replace('departement = "48"', f'departement = "{departement}"', 1),
                                           encoding="utf-8")


def _offline_boundaries(workspace: Workspace, departement: str) -> None:
    """For the offline demo: the communes' boundaries from ../shared/geo, if present, into the cache.

    Elsewhere the maps download official boundaries (or take a file the user gives).
    """
    import shutil

    from .charts.geo import cache_path

    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "geo"
    target = cache_path("communes", departement, workspace)
    source = next(iter(sorted(shared.glob(f"communes-{departement}-*.geojson"))), None)
    if source is not None and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
