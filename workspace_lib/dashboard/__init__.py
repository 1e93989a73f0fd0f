"""Dashboards: views of protected indicators, displayed in notebooks (Voilà) and reports.

Notebooks use :class:`TableauDeBord`; every number they show has been through disclosure
control (:mod:`.protection`).
"""

from . import cache, tableau_de_bord
from .tableau_de_bord import ParametreInvalide, TableauDeBord

__all__ = ["ParametreInvalide", "TableauDeBord", "cache", "tableau_de_bord"]
