"""What a dashboard notebook uses: parameters checked, the view computed, blocks displayed.

In a report (Papermill, ``interactif=False``) each ``afficher`` call displays its blocks once.
In Voilà (``interactif=True``) the dashboard shows its widgets (year, employer searchable by
name, comparison levels); each ``afficher`` call displays an output area that is redrawn, without
reloading the page, whenever a widget changes. Widget values are untrusted: they are checked
against the allowed choices before any use.
"""

from __future__ import annotations

import functools
import html
import os
from pathlib import Path
from typing import Any

from .. import report_model as rm
from ..config import Workspace
from ..disclosure import Rules
from ..warehouse import LOTS_VARIABLE, connection
from .affichage import block_html, show
from .cache import VueCalculee, cache_for, cle, warehouse_state
from .specs import SPECS
from .vue import Resultat, calculer

COMPARAISONS = {
    "Strate et département": ("strate", "departement"),
    "EPCI et département": ("epci", "departement"),
    "Département et région": ("departement", "region"),
}


class ParametreInvalide(ValueError):
    """A dashboard parameter outside its allowed values (message in French)."""


@functools.cache
def _geojson(workspace_root: str, departement: str) -> dict | None:
    from ..charts import geo

    try:
        return geo.load_boundaries("communes", departement=departement, workspace=Workspace(Path(workspace_root)))
    except Exception:  # no boundaries at hand and no network: the map says so
        return None


_CHOIX: dict[tuple[str, str, str], dict[str, Any]] = {}


def choix(workspace: Workspace, departement: str) -> dict[str, Any]:
    """The allowed values: years, and employers (label -> SIRET) of the département."""
    key = (str(workspace.root), departement, warehouse_state(workspace))
    if key not in _CHOIX:
        if len(_CHOIX) > 16:
            _CHOIX.clear()
        _CHOIX[key] = _read_choices(workspace, departement)
    return _CHOIX[key]


def prechauffer() -> None:
    """Load and warm up what a dashboard page needs (run in the server's preheated kernels).

    Imports the dashboard modules and widgets, draws one tiny chart and reads the choices (years,
    employers), so that the page's first cell pays neither the imports nor the chart renderer's
    start-up nor these queries (about 3 s in all).
    """
    import ipywidgets  # noqa: F401

    import pandas as pd

    from ..charts import builders

    _, block = builders.barres(pd.DataFrame({"x": ["a"], "valeur": [1.0], "statut": ["publie"]}), x="x",
                               y="valeur", titre="Préchauffage")
    block_html(block)
    workspace = Workspace.locate()
    if workspace.warehouse_path.exists():
        # The choices of the workspace's département (the same for every dashboard).
        departement = str(workspace.settings().get("espace", {}).get("departement", "48"))
        choix(workspace, departement)


def _read_choices(workspace: Workspace, departement: str) -> dict[str, Any]:
    with connection(workspace, read_only=True) as con:
        years = [y for (y,) in con.execute("SELECT DISTINCT annee FROM agent ORDER BY annee").fetchall()]
        rows = con.execute(
            "SELECT siret, any_value(nom ORDER BY annee DESC) FROM employeur WHERE departement = ? "
            "GROUP BY siret ORDER BY 2", [departement]).fetchall()
        biggest = con.execute(
            "SELECT a.siret FROM agent a JOIN employeur e USING (annee, siret) WHERE a.annee = ? "
            "AND e.departement = ? GROUP BY a.siret ORDER BY count(*) DESC, a.siret LIMIT 1",
            [years[-1] if years else None, departement]).fetchone()
    return {"annees": years, "employeurs": {f"{nom} — {siret}": siret for siret, nom in rows},
            "defaut": biggest[0] if biggest else None}


def _draw(vue: VueCalculee) -> None:
    """Draw the HTML of every block of a view once (what a widget redraw shows)."""
    res = vue.resultat
    vue.html = {"entete": [block_html(res.entete)],
                **{nom: [block_html(b) for b in blocks] for nom, blocks in res.blocs.items()}}


class TableauDeBord:
    """One dashboard (a :data:`~workspace_lib.dashboard.specs.SPECS` entry) for a notebook."""

    def __init__(self, nom: str, siret: str | None = None, annee: int | None = None,
                 departement: str | None = None, interactif: bool = False, workspace: Workspace | None = None):
        if nom not in SPECS:
            raise ParametreInvalide(f"Tableau de bord inconnu : {nom!r}")
        self.spec = SPECS[nom]
        self.workspace = workspace or Workspace.locate()
        settings = self.workspace.settings().get("espace", {})
        self.departement = str(departement or settings.get("departement", "48"))
        self.choix = choix(self.workspace, self.departement)
        self.annee = self._check_year(annee)
        self.siret = self._check_siret(siret) if self.spec.niveau == "employeur" else None
        self.comparaisons = self.spec.comparaisons
        self.rules = Rules.from_settings(self.workspace.settings())
        self.interactif = interactif
        self.outputs: dict[tuple[str, ...], Any] = {}
        self.message = None
        self.vue: VueCalculee | None = None
        self.resultat: Resultat | None = None
        self._compute()
        if interactif:
            self._show_widgets()

    # -- parameters (untrusted) -----------------------------------------------------------
    def _check_year(self, annee: Any) -> int:
        years = self.choix["annees"]
        if not years:
            raise ParametreInvalide("L'entrepôt ne contient encore aucune donnée : importez des fichiers RSU.")
        if annee in (None, ""):
            return years[-1]
        try:
            year = int(annee)
        except (TypeError, ValueError):
            raise ParametreInvalide(f"Année invalide : {annee!r}") from None
        if year not in years:
            raise ParametreInvalide(f"Année {year} absente de l'entrepôt (années disponibles : "
                                    f"{', '.join(map(str, years))}).")
        return year

    def _check_siret(self, siret: Any) -> str:
        if siret in (None, ""):
            if self.choix["defaut"] is None:
                raise ParametreInvalide("Aucun employeur avec des agents dans ce département.")
            return self.choix["defaut"]
        if str(siret) not in self.choix["employeurs"].values():
            raise ParametreInvalide(f"Employeur inconnu dans le département {self.departement} : {siret!r}")
        return str(siret)

    # -- computing and showing --------------------------------------------------------------
    def _compute(self) -> None:
        """The view for the current parameters: from the view cache, else computed and kept."""
        from dataclasses import replace

        spec = replace(self.spec, comparaisons=self.comparaisons)
        code = self.siret if spec.niveau == "employeur" else self.departement
        # Boundaries only for a view with a map: their first load may try the network.
        has_map = any(el.rendu == "carte" for section in spec.sections for el in section.elements)
        geojson = _geojson(str(self.workspace.root), self.departement) if has_map else None
        cache = cache_for(str(self.workspace.root))
        key = cle(self.workspace, spec, code, self.annee, self.rules, geojson is not None)
        vue = cache.get(key)
        changed = vue is None
        if vue is None:
            with connection(self.workspace, read_only=True) as con:
                try:
                    vue = VueCalculee(calculer(con, spec, code, self.annee, rules=self.rules, geojson=geojson,
                                               lot=self.departement if os.environ.get(LOTS_VARIABLE) == "1" else None))
                except ValueError as exc:  # e.g. the employer has no data for that year
                    self.vue, self.resultat, self.message = None, None, str(exc)
                    return
        if self.interactif and not vue.html:
            _draw(vue)
            changed = True
        if changed:
            cache.put(key, vue)
        self.vue, self.resultat, self.message = vue, vue.resultat, None

    def _blocks(self, nom: str) -> list[rm.Block]:
        if self.resultat is None:
            return [rm.Texte(f"Pas de données : {self.message}")] if nom == "entete" else []
        if nom == "entete":
            return [self.resultat.entete]
        if nom not in self.resultat.blocs:
            raise KeyError(f"Élément inconnu dans « {self.spec.nom} » : {nom!r}")
        return self.resultat.blocs[nom]

    def afficher(self, *noms: str) -> None:
        """Display elements or sections (by name), or ``"entete"`` for the header, in order."""
        if not self.interactif:
            for nom in noms:
                for block in self._blocks(nom):
                    show(block, html=False)
            return
        import ipywidgets as widgets
        from IPython.display import display

        # One HTML widget per call: a redraw is one new value for the browser to put in place
        # (an Output widget would replay every block's display messages, several times slower),
        # and a page has few widgets for the browser to restore.
        view = widgets.HTML(self._html(noms), layout=widgets.Layout(width="100%"))
        view.add_class("rsu-sortie")
        self.outputs[noms] = view
        display(view)

    def _html(self, noms: tuple[str, ...]) -> str:
        """The HTML of elements or sections as drawn for the current view."""
        html = []
        for nom in noms:
            drawn = self.vue.html.get(nom) if self.vue is not None else None
            if drawn is None:
                drawn = [block_html(block) for block in self._blocks(nom)]
            html += drawn
        return "".join(html)

    def _redraw(self, noms: tuple[str, ...], view: Any) -> None:
        view.value = self._html(noms)

    def _show_widgets(self) -> None:
        import ipywidgets as widgets
        from IPython.display import display

        style = {"description_width": "initial"}
        year = widgets.Dropdown(options=self.choix["annees"], value=self.annee, description="Année", style=style)
        controls = [year]
        employers = self.choix["employeurs"]
        if self.spec.niveau == "employeur":
            label = next(k for k, v in employers.items() if v == self.siret)
            employer = widgets.Combobox(options=list(employers), value=label, ensure_option=True,
                                        placeholder="Nom ou SIRET", description="Employeur", style=style,
                                        layout=widgets.Layout(width="34em"))
            levels = widgets.Dropdown(options=list(COMPARAISONS), value="Strate et département",
                                      description="Comparer avec", style=style)
            controls += [employer, levels]
        status = widgets.HTML()

        def changed(_change: Any) -> None:
            # Untrusted values: only the allowed choices are used.
            if year.value not in self.choix["annees"]:
                return
            if self.spec.niveau == "employeur":
                if employer.value not in employers or levels.value not in COMPARAISONS:
                    status.value = "<em>Choisissez un employeur dans la liste.</em>"
                    return
                self.siret = employers[employer.value]
                self.comparaisons = COMPARAISONS[levels.value]
            self.annee = year.value
            status.value = "<em>Calcul…</em>"
            self._compute()
            for noms, view in self.outputs.items():
                self._redraw(noms, view)
            status.value = ""

        for control in controls:
            control.observe(changed, names="value")
        self.widgets = controls
        fmt = widgets.Dropdown(options=[("PDF", "pdf"), ("Word", "docx"), ("Excel", "xlsx")], value="pdf",
                               description="Rapport", style=style, layout=widgets.Layout(width="12em"))
        button = widgets.Button(description="Produire le rapport")
        link = widgets.HTML()

        def produce(_button: Any) -> None:
            if fmt.value not in ("pdf", "docx", "xlsx"):
                return
            link.value = "<em>Production du rapport…</em>"
            try:
                relative = self.produire_rapport(fmt.value)
                link.value = f'<a href="/rendered/{relative}" download>Télécharger le rapport</a>'
            except Exception as exc:  # shown to the user, in French
                link.value = f"<em>Le rapport n'a pas pu être produit : {html.escape(str(exc))}</em>"

        button.on_click(produce)
        self.bouton_rapport = button
        display(widgets.VBox([widgets.HBox([*controls, status]), widgets.HBox([fmt, button, link])]))

    def produire_rapport(self, fmt: str) -> str:
        """Export the view as shown now into ``rendered/a-la-demande/``; its path under rendered/."""
        import datetime as dt
        import json

        from ..exporters import ReportMeta, export
        from ..render.job import slugify, write_atomic

        if self.resultat is None:
            raise ValueError(self.message or "aucune donnée")
        blocks = self.resultat.tous_les_blocs()
        entete = self.resultat.entete
        code = self.siret or self.departement
        relative = f"a-la-demande/{self.spec.nom}/{self.annee}/{code}-{slugify(entete.sous_titre)}"
        base = self.workspace.rendered_dir / relative
        meta = ReportMeta(titre=entete.titre, sous_titre=entete.sous_titre, annee=self.annee,
                          date_edition=dt.date.today(),
                          organisme=str(self.workspace.settings().get("espace", {}).get("nom", "Centre de Gestion")))
        export(blocks, meta, fmt, base.with_name(base.name + f".{fmt}"))
        tables = {"tables": rm.published_tables(blocks)}
        write_atomic(base.with_name(base.name + ".tables.json"),
                     json.dumps(tables, ensure_ascii=False, indent=1).encode("utf-8"))
        return f"{relative}.{fmt}"
