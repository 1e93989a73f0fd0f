"""Dashboards: views of protected indicators, displayed in notebooks (Voilà) and reports.

Notebooks use :class:`TableauDeBord`; every number they show has been through disclosure
control (:mod:`.protection`).
"""

from .tableau_de_bord import ParametreInvalide, TableauDeBord

__all__ = ["ParametreInvalide", "TableauDeBord"]
