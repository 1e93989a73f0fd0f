"""What a report says about itself: :class:`ReportMeta` (cover page, properties, sources)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


def texte_sources_methode(*, min_effectif: int = 5, min_employeurs: int = 3,
                          min_contributeurs_montant: int = 11, dominance: float = 0.85) -> str:
    """The default « Sources et méthode » text (paragraphs separated by a blank line).

    The thresholds are those of the disclosure rules (``workspace_lib.disclosure.Rules``); pass
    the workspace's own rules (``Rules.from_settings(ws.settings())``) when they differ from the
    defaults, e.g. ``texte_sources_methode(**{k: getattr(r, k) for k in (...)})``.
    """
    dominance_pct = f"{dominance * 100:.0f}".replace(".", ",")
    return (
        "Sources : Rapports Sociaux Uniques (RSU) transmis par les employeurs territoriaux au "
        "Centre de Gestion. Les effectifs sont observés au 31/12 de l'année ; les absences, "
        "formations, rémunérations et mouvements portent sur l'année civile.\n\n"
        "Méthode : les indicateurs suivent les définitions du Rapport Social Unique. Sauf "
        "mention contraire, les effectifs sont ceux des agents sur emploi permanent au 31/12 et "
        "les taux sont exprimés en pourcentage. Les lignes et colonnes « Ensemble » sont les "
        "totaux des tableaux.\n\n"
        "Secret statistique : aucune donnée publiée ne doit permettre de reconnaître un agent ou "
        f"un employeur. Une cellule qui concerne moins de {min_effectif} agents, moins de "
        f"{min_employeurs} employeurs (tableaux portant sur plusieurs employeurs), ou, pour un "
        f"montant, moins de {min_contributeurs_montant} agents ou dont un seul agent représente "
        f"plus de {dominance_pct} % du total, est masquée (secret primaire), ainsi que les cellules "
        "qui permettraient de la retrouver par différence avec les totaux (secret secondaire). "
        "Une cellule masquée est notée « s »."
    )


SOURCES_METHODE = texte_sources_methode()


@dataclass
class ReportMeta:
    """The report's identity: shown on the cover page, in the document properties, and at the end.

    - ``titre``: title of the report (« Rapport social unique 2024 »);
    - ``sous_titre``: usually the employer or the territory (« Commune d'Albaret-le-Comtal »);
    - ``annee``: year of the data;
    - ``date_edition``: date printed on the cover (« Édité le 26 novembre 2026 »);
    - ``organisme``: the Centre de Gestion publishing the report;
    - ``sources_methode``: final « Sources et méthode » section (paragraphs separated by a
      blank line);
    - ``logo``: optional image (PNG, JPEG or SVG) shown on the cover page.
    """

    titre: str
    sous_titre: str = ""
    annee: int | None = None
    date_edition: dt.date = field(default_factory=dt.date.today)
    organisme: str = ""
    sources_methode: str = SOURCES_METHODE
    logo: Path | None = None
