"""Click commands of the disclosure control, registered in the main ``workspace`` group.

The group passes the :class:`~workspace_lib.config.Workspace` as ``ctx.obj``; run alone (tests),
the commands locate the workspace as the group would.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..config import Workspace
from .model import Rules


def _workspace() -> Workspace:
    ctx = click.get_current_context()
    obj = ctx.obj
    return obj if isinstance(obj, Workspace) else Workspace.locate()


@click.command("audit-disclosure")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--seuil", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Largeur minimale de l'intervalle d'un effectif masqué (par défaut : "
                   "protection_interval de [secret_statistique] dans workspace.toml, sinon 5).")
@click.option("--ensemble", is_flag=True,
              help="Auditer tous les fichiers ensemble (tableaux publiés ensemble) plutôt qu'un par un.")
def audit_disclosure(paths: tuple[Path, ...], seuil: float | None, ensemble: bool) -> None:
    """Vérifie qu'aucune cellule masquée des fichiers .tables.json ne peut être recalculée.

    Pour chaque cellule masquée d'un tableau additif, calcule par programmation linéaire
    l'intervalle [min, max] que l'on peut déduire de tout ce qui est publié ensemble (valeurs
    positives, totaux et marges). Code de sortie 1 si un effectif masqué a un intervalle plus
    étroit que le seuil, ou si une cellule masquée est déterminée exactement.
    """
    from .audit import audit_tables
    from .io import read_tables_json

    if seuil is None:
        try:
            seuil = Rules.from_settings(_workspace().settings()).intervalle
        except ValueError as exc:
            click.echo(f"Erreur : {exc}", err=True)
            sys.exit(2)
    try:
        loaded = [(p, read_tables_json(p)) for p in paths]
    except (ValueError, OSError) as exc:
        click.echo(f"Erreur : {exc}", err=True)
        sys.exit(2)
    if ensemble:
        groups = [(f"Audit de {len(paths)} fichiers ensemble", [t for _, ts in loaded for t in ts])]
    else:
        groups = [(f"Audit de {p}", ts) for p, ts in loaded]
    ok = True
    for i, (titre, tables) in enumerate(groups):
        if i:
            click.echo("")
        try:
            report = audit_tables(tables, seuil=seuil, titre=titre)
        except ValueError as exc:
            click.echo(f"Erreur : {exc}", err=True)
            sys.exit(2)
        click.echo(report.describe())
        ok &= report.ok
    if len(groups) > 1:
        click.echo("")
        click.echo("Verdict global : protection suffisante." if ok else "Verdict global : protection insuffisante.")
    sys.exit(0 if ok else 1)


@click.command("export-microdata")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--k", "k", type=click.IntRange(min=2), default=5, show_default=True,
              help="Nombre minimal de lignes partageant les mêmes quasi-identifiants.")
@click.option("--annee", type=int, default=None, help="Année exportée (par défaut : toutes).")
def export_microdata(out: Path, k: int, annee: int | None) -> None:
    """Exporte des microdonnées k-anonymes (une ligne par agent et par année) pour les observatoires.

    Ni identifiant d'agent, ni SIRET, ni année de naissance : l'âge en tranches, l'employeur
    réduit à sa strate. Les quasi-identifiants sont généralisés puis supprimés localement
    jusqu'à ce que chaque combinaison regroupe au moins k lignes. Fichier CSV séparé par des
    points-virgules, en UTF-8.
    """
    from ..warehouse import connect
    from .microdata import export_microdata as run

    workspace = _workspace()
    try:
        con = connect(workspace, read_only=True)
    except FileNotFoundError as exc:
        click.echo(f"Erreur : {exc}", err=True)
        sys.exit(2)
    try:
        report = run(con, out, k=k, annee=annee)
    except ValueError as exc:
        click.echo(f"Erreur : {exc}", err=True)
        sys.exit(2)
    finally:
        con.close()
    click.echo(report.describe())
