"""``python -m workspace_lib.schedule [--workspace DIR] scheduler ...``: the scheduler command alone."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import Workspace
from .cli import scheduler_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--workspace", "workspace_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dossier de l'espace de travail (par défaut : $WORKSPACE_DIR, sinon le dossier courant).")
@click.pass_context
def main(ctx: click.Context, workspace_dir: Path | None) -> None:
    """Planificateur des campagnes de rapports RSU."""
    ctx.obj = Workspace.locate(workspace_dir)


main.add_command(scheduler_command)

if __name__ == "__main__":
    main()
