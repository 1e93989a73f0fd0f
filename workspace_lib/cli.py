"""The ``workspace`` command line (French help texts and messages)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from .config import Workspace


def _parse_years(text: str) -> list[int]:
    """``"2021-2025"`` -> [2021, ..., 2025]; ``"2023,2025"`` -> [2023, 2025]."""
    years: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                start, end = (int(x) for x in part.split("-", 1))
                years.extend(range(start, end + 1))
            else:
                years.append(int(part))
    except ValueError:
        raise click.BadParameter(
            f"« {text} » n'est pas une liste d'années (exemples : 2024, 2021-2025, 2022,2024)."
        ) from None
    if not years or any(y < 2000 or y > 2100 for y in years):
        raise click.BadParameter(f"Années hors de la plage 2000-2100 : « {text} ».")
    return sorted(set(years))


# Commands defined next to the concept they serve, imported only when they run or --help lists
# them: their packages import pandas, scipy or Jupyter's server, a second that ``import`` or
# ``render`` need not pay.
_LAZY_COMMANDS = {
    "audit-disclosure": "workspace_lib.disclosure.cli:audit_disclosure",
    "export-microdata": "workspace_lib.disclosure.cli:export_microdata",
    "serve": "workspace_lib.server.cli:serve_command",
    "users": "workspace_lib.server.cli:users_group",
    "audit": "workspace_lib.server.cli:audit_command",
    "scheduler": "workspace_lib.schedule.cli:scheduler_command",
}


class _FrenchErrors(click.Group):
    """Turns expected failures (missing file, bad settings) into a French message, not a traceback;
    loads the commands of ``_LAZY_COMMANDS`` when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _LAZY_COMMANDS:
            module, name = _LAZY_COMMANDS[cmd_name].split(":")
            return getattr(importlib.import_module(module), name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort):
            raise  # click's own ends (--help, Ctrl-C) are RuntimeErrors too: not failures to report
        except (FileNotFoundError, ValueError, PermissionError, RuntimeError) as exc:
            click.echo(f"Erreur : {exc}", err=True)
            sys.exit(2)


@click.group(cls=_FrenchErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--workspace",
    "workspace_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Dossier de l'espace de travail (par défaut : $WORKSPACE_DIR, sinon le dossier courant).",
)
@click.pass_context
def main(ctx: click.Context, workspace_dir: Path | None) -> None:
    """Espace d'analyse des Rapports Sociaux Uniques (RSU) d'un Centre de Gestion."""
    ctx.obj = Workspace.locate(workspace_dir)


@main.command("demo-data")
@click.option("--departement", default=None, help="Code du département (ex. 48).")
@click.option("--france", is_flag=True, help="Toute la France (environ 2 millions d'agents par an).")
@click.option("--annees", default="2021-2025", show_default=True, help="Années, ex. 2021-2025.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Dossier où écrire les fichiers.")
@click.option("--seed", default=2024, show_default=True, type=int, help="Graine du hasard (même graine, mêmes fichiers).")
@click.option("--formats", default=None, help="Formats écrits : csv, xlsx (par défaut : les deux ; csv seul pour --france).")
def demo_data(departement: str | None, france: bool, annees: str, out_dir: Path, seed: int,
              formats: str | None) -> None:
    """Génère des fichiers RSU fictifs mais réalistes (CSV et XLSX)."""
    from .synth import generate

    if bool(departement) == france:
        raise click.UsageError("Indiquez soit --departement CODE, soit --france.")
    fmt = tuple(f.strip() for f in formats.split(",")) if formats else (
        ("csv",) if france else ("csv", "xlsx"))
    summary = generate(
        out_dir,
        departement=None if france else departement,
        years=_parse_years(annees),
        seed=seed,
        formats=fmt,
    )
    click.echo(summary.describe())


@main.command("import")
@click.argument("sources", nargs=-1, required=True)
@click.option("--annee", type=int, default=None, help="Année des données, si les fichiers n'ont pas de colonne « annee ».")
def import_command(sources: tuple[str, ...], annee: int | None) -> None:
    """Importe des fichiers RSU (CSV, XLSX, Parquet, dossiers) ou une base postgresql://...

    L'import est tout ou rien : à la moindre erreur, rien n'est modifié.
    """
    from .ingest import ImportRejected, import_sources

    workspace: Workspace = click.get_current_context().obj
    try:
        report = import_sources(workspace, list(sources), year=annee)
    except ImportRejected as exc:
        click.echo(exc.report(), err=True)
        sys.exit(1)
    click.echo(report.describe())


@main.command("render")
@click.argument("campaign_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--only", "only", multiple=True, metavar="NOM=VALEUR",
              help="Ne produire que les rapports de ces paramètres (ex. --only siret=21480095500012).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Nombre de processus de rendu locaux (par défaut : un par cœur).")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Où produire les rapports : processus locaux ou grappe Dask.")
@click.option("--scheduler-address", default=None, help="Adresse du planificateur Dask (tcp://hôte:port).")
def render(campaign_file: Path, only: tuple[str, ...], workers: int | None, executor: str,
           scheduler_address: str | None) -> None:
    """Produit les rapports d'une campagne (parameters/*.yaml) : PDF, Word, Excel, HTML."""
    from .render import load, run_campaign

    workspace: Workspace = click.get_current_context().obj
    filters = {}
    for item in only:
        if "=" not in item:
            raise click.BadParameter(f"« {item} » : NOM=VALEUR attendu", param_hint="--only")
        key, value = item.split("=", 1)
        filters[key.strip()] = value.strip()
    campaign = load(campaign_file, root=_project_root(campaign_file))
    report = run_campaign(workspace, campaign, executor=executor, workers=workers,
                          scheduler_address=scheduler_address, only=filters or None)
    click.echo(report.describe())
    if report.failed or report.publication_error:
        sys.exit(1)


def _project_root(campaign_file: Path) -> Path:
    """Notebook paths of a campaign are relative to the folder holding ``parameters/``."""
    folder = campaign_file.resolve().parent
    return folder.parent if folder.name == "parameters" else folder


@main.command("demo")
@click.option("--departement", default="48", show_default=True, help="Code du département.")
@click.option("--annees", default="2021-2025", show_default=True, help="Années générées.")
@click.option("--seed", default=2024, show_default=True, type=int, help="Graine du hasard.")
def demo(departement: str, annees: str, seed: int) -> None:
    """Génère les données de démonstration d'un département et les importe."""
    from .demo import run_demo

    workspace: Workspace = click.get_current_context().obj
    run_demo(workspace, departement=departement, years=_parse_years(annees), seed=seed, echo=click.echo)


@main.command("info")
def info() -> None:
    """Affiche l'état de l'entrepôt : schéma, volumes, derniers imports."""
    from .warehouse import connection

    workspace: Workspace = click.get_current_context().obj
    with connection(workspace, read_only=True) as con:
        version = con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        click.echo(f"Espace de travail : {workspace.root}")
        click.echo(f"Schéma de l'entrepôt : version {version}")
        for table, label in (("employeur", "employeurs-années"), ("agent", "agents-années"),
                             ("absence", "lignes d'absence"), ("formation", "lignes de formation")):
            n = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            click.echo(f"  {label} : {n:,}".replace(",", "\u202f"))
        rows = con.execute(
            "SELECT fichier, type_fichier, lignes, resultat, fin FROM import_log "
            "ORDER BY import_id DESC LIMIT 5"
        ).fetchall()
        if rows:
            click.echo("Derniers imports :")
        for fichier, kind, lignes, resultat, fin in rows:
            click.echo(f"  {fin:%d/%m/%Y %H:%M} {kind} {fichier} : {lignes} lignes ({resultat})")


if __name__ == "__main__":
    main()
