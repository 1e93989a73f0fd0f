"""Write the initial dashboard notebooks of notebooks/ from the view specifications.

    .venv/bin/python scripts/build_notebooks.py

Each notebook is thin: a tagged parameters cell, one cell that opens the dashboard, then one cell
per section, displaying its title and each of its charts or tables (one output). Developers may edit the notebooks afterwards (this script
overwrites them: run it only to start again from the specifications).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from workspace_lib.dashboard.specs import SPECS

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = {
    "synthese": ("synthese_employeur", "Synthèse RSU d'un employeur",
                 "Le résumé d'un employeur pour une année, comparé à sa strate et au département."),
    "effectifs": ("effectifs_demographie", "Effectifs et démographie",
                  "Répartitions, pyramide des âges, évolution et départs à la retraite à venir."),
    "absenteisme": ("absenteisme_sante", "Absentéisme et santé au travail",
                    "Taux par motif, exposition, fréquence et gravité, évolution, carte par commune."),
    "mouvements": ("mouvements_carrieres", "Mouvements et carrières",
                   "Arrivées, départs par motif, rotation, titularisations."),
    "formation": ("formation", "Formation", "Jours de formation, agents formés, organismes."),
    "remunerations": ("remunerations_egalite", "Rémunérations et égalité femmes-hommes",
                      "Rémunération moyenne par ETPR, régime indemnitaire, NBI, écarts femmes-hommes."),
    "observatoire": ("observatoire_departemental", "Observatoire départemental",
                     "Tous les employeurs du département : par type, carte par commune, évolution."),
}


def build(name: str) -> nbformat.NotebookNode:
    spec = SPECS[name]
    _, title, intro = NOTEBOOKS[name]
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["rsu"] = {"tableau_de_bord": name}
    params = ["# Paramètres (remplacés par le moteur de rendu pour chaque rapport)"]
    if spec.niveau == "employeur":
        params.append('siret = ""  # SIRET de l\'employeur ; vide : le plus grand employeur du département')
    params += ["annee = None  # année ; None : la dernière année de l'entrepôt",
               "interactif = True  # True dans Voilà (listes de choix), False pour un rapport"]
    param_cell = new_code_cell("\n".join(params))
    param_cell.metadata["tags"] = ["parameters"]
    siret_arg = "siret=siret, " if spec.niveau == "employeur" else ""
    cells = [
        new_markdown_cell(f"# {title}\n\n{intro}"),
        param_cell,
        new_code_cell("from workspace_lib.dashboard import TableauDeBord\n\n"
                      f'tdb = TableauDeBord("{name}", {siret_arg}annee=annee, interactif=interactif)\n'
                      'tdb.afficher("entete")'),
    ]
    for section in spec.sections:
        # One cell and one call per section (its title, then each chart or table): a page
        # executes fewer cells (a round trip to the kernel and a template rendering in Voilà
        # each) and has fewer widgets to restore in the browser.
        names = ", ".join(f'"{nom}"' for nom in (section.nom, *(el.nom for el in section.elements)))
        cells.append(new_code_cell(f"tdb.afficher({names})"))
    nb.cells = cells
    return nb


def main() -> None:
    folder = ROOT / "notebooks"
    folder.mkdir(exist_ok=True)
    for name, (filename, _, _) in NOTEBOOKS.items():
        nbformat.write(build(name), folder / f"{filename}.ipynb")
        print(f"notebooks/{filename}.ipynb")


if __name__ == "__main__":
    main()
