"""A typical report (fictitious figures) to try the exporters and measure them.

``python -m workspace_lib.exporters.exemple DOSSIER`` writes it in the four formats.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

from ..report_model import ChiffreCle, ChiffresCles, Graphique, Tableau, Texte, Titre
from .meta import ReportMeta

CATEGORIES = ["A", "B", "C"]
FILIERES = ["Administrative", "Technique", "Culturelle", "Sportive", "Médico-sociale", "Animation"]
AGES = ["moins de 30 ans", "30-39 ans", "40-49 ans", "50-59 ans", "60 ans et plus"]
MESURES = [("effectif", "agents"), ("taux", "%"), ("montant", "euros"), ("jours", "jours"),
           ("effectif", "ETP")]


def tableau(i: int, rng: random.Random, lignes: list[str], colonnes: list[str]) -> Tableau:
    mesure, unite = MESURES[i % len(MESURES)]
    cells = []
    for r in lignes + ["Ensemble"]:
        for c in colonnes + ["Ensemble"]:
            if mesure == "effectif":
                v = rng.randint(0, 900) if unite == "agents" else round(rng.uniform(0, 900), 1)
            elif mesure == "taux":
                v = round(rng.uniform(0, 30), 2)
            elif mesure == "montant":
                v = round(rng.uniform(20000, 2500000), 2)
            else:
                v = round(rng.uniform(0, 4000), 1)
            statut = "publie"
            if r != "Ensemble" and c != "Ensemble" and rng.random() < 0.12:
                statut, v = rng.choice(["secret_primaire", "secret_secondaire"]), None
            cells.append({"filiere": r, "categorie": c, "valeur": v, "statut": statut})
    table = {"id": f"t{i}", "titre": f"Tableau {i} : {mesure} par filière et catégorie",
             "mesure": mesure, "perimetre": {"niveau": "departement", "code": "48"},
             "dimensions": ["filiere", "categorie"], "total": "Ensemble", "cellules": cells}
    return Tableau(table=table, lignes=["filiere"], colonnes=["categorie"], unite=unite,
                   note="Champ : agents sur emploi permanent au 31/12.")


def graphique(i: int, rng: random.Random) -> Graphique:
    if i % 2:
        donnees = [{"annee": str(a), "serie": s, "valeur": round(rng.uniform(5, 15), 1)}
                   for s in ("Employeur", "Strate") for a in range(2019, 2025)]
        spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
                "data": {"values": donnees}, "mark": {"type": "line", "point": True},
                "width": 440, "height": 220,
                "encoding": {"x": {"field": "annee", "type": "ordinal", "title": "Année"},
                             "y": {"field": "valeur", "type": "quantitative", "title": "Taux (%)"},
                             "color": {"field": "serie", "type": "nominal", "title": None}}}
        return Graphique(titre=f"Graphique {i} : taux d'absentéisme 2019-2024", spec=spec,
                         texte_alternatif="Taux d'absentéisme de l'employeur et de sa strate, 2019 à 2024.",
                         donnees=donnees, genre="lignes", x="annee", y="valeur", serie="serie",
                         source="RSU 2019-2024")
    donnees = [{"tranche": a, "sexe": s, "effectif": rng.randint(5, 400)}
               for a in AGES for s in ("Femmes", "Hommes")]
    spec = {"data": {"values": donnees}, "mark": "bar", "width": 440, "height": 220,
            "encoding": {"x": {"field": "tranche", "type": "nominal", "sort": AGES, "title": None},
                         "xOffset": {"field": "sexe"},
                         "y": {"field": "effectif", "type": "quantitative", "title": "Agents"},
                         "color": {"field": "sexe", "type": "nominal", "title": None}}}
    return Graphique(titre=f"Graphique {i} : effectif par tranche d'âge et sexe", spec=spec,
                     texte_alternatif="Effectif par tranche d'âge, femmes et hommes.",
                     donnees=donnees, genre="barres", x="tranche", y="effectif", serie="sexe",
                     source="RSU 2024")


def rapport(n_tableaux: int = 10, n_graphiques: int = 8, seed: int = 1) -> tuple[list, ReportMeta]:
    """A report of ``n_tableaux`` tables and ``n_graphiques`` charts, with sections and text."""
    rng = random.Random(seed)
    blocks: list = [Titre("Rapport social unique 2024", 1),
                    Texte("Ce rapport présente les principaux indicateurs du **Rapport Social Unique** "
                          "de l'employeur au 31/12/2024, comparés à ceux de sa strate.")]
    blocks.append(ChiffresCles([ChiffreCle("Agents permanents", "1\u202f234", {"Strate": "1\u202f080"}),
                                ChiffreCle("Part des femmes", "61,2\u00a0%", {"Strate": "58,9\u00a0%"}),
                                ChiffreCle("Âge moyen", "46,3 ans"),
                                ChiffreCle("Taux d'absentéisme", "9,8\u00a0%")], titre="Chiffres clés"))
    n = max(n_tableaux, n_graphiques)
    for i in range(1, n + 1):
        if i % 3 == 1:
            blocks.append(Titre(f"Partie {i // 3 + 1}", 2))
        blocks.append(Texte("Commentaire de la section : évolution, comparaison avec la strate."))
        if i <= n_tableaux:
            blocks.append(tableau(i, rng, FILIERES, CATEGORIES))
        if i <= n_graphiques:
            blocks.append(graphique(i, rng))
    meta = ReportMeta(titre="Rapport social unique 2024", sous_titre="Commune d'Albaret-le-Comtal",
                      annee=2024, date_edition=dt.date(2026, 11, 26),
                      organisme="Centre de Gestion de la Fonction Publique Territoriale de la Lozère")
    return blocks, meta


def main(argv: list[str]) -> int:
    from . import FORMATS, export  # noqa: PLC0415

    folder = Path(argv[0] if argv else ".")
    blocks, meta = rapport()
    for fmt in FORMATS:
        print(export(blocks, meta, fmt, folder / f"rapport-exemple.{fmt}"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
