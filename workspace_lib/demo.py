"""The main job on demo data: generate a département's RSU files and import them."""

from __future__ import annotations

from collections.abc import Callable

from .config import Workspace
from .fr import nombre
from .ingest import import_sources
from .warehouse import table_counts


def run_demo(workspace: Workspace, departement: str, years: list[int], seed: int,
             echo: Callable[[str], None] = print) -> None:
    """Generate the demo files of ``departement`` into the workspace and import them."""
    from .synth import generate

    workspace.ensure()
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
    echo(f"Espace de travail : {workspace.root}")
    echo(f"Consulter l'état de l'entrepôt : workspace --workspace {workspace.root} info")
