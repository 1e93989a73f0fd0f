"""Chart builders without Altair on the hot path: same specs as the Altair code, much faster.

The oracle is the Altair-based code as it was before the rewrite (:mod:`test_charts_speed_oracle`,
a frozen copy): for representative inputs (secret cells, missing values, series, horizontal
bars, pyramids, line series over years and dates, maps with a small GeoJSON), the new builders
must give a JSON-equal Vega-Lite spec, the same alt text and the same records; every spec must
still render to SVG with vl-convert; and no Altair object is built (speed: bench/bench_charts.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import pytest

import test_charts_speed_oracle as oracle
from workspace_lib import charts
from workspace_lib import report_model as rm
from workspace_lib.charts import builders, render
from workspace_lib.charts.vega import SCHEMA_URL

COMMUNES_48 = Path(__file__).resolve().parents[2] / "shared" / "geo" / "communes-48-lozere.geojson"


# ---------------------------------------------------------------------------------------------
# Representative inputs
# ---------------------------------------------------------------------------------------------

FILIERES = pd.DataFrame({
    "filiere": ["Administrative", "Technique", "Police municipale", "Culturelle", "Animation",
                "Sociale"],
    "valeur": [12345.6, 8020.25, 7.0, None, None, 0.0],
    "statut": ["publie", "publie", "secret_primaire", "secret_secondaire", "publie", "publie"],
    "effectif": [40, 25, 2, 3, None, 1],
})

GROUPED = pd.DataFrame({
    "cat": ["A", "A", "B", "B", "C", "C"],
    "sexe": ["Femmes", "Hommes"] * 3,
    "v": [3, 4, 5, None, -2, 7],
    "statut": ["publie", "publie", "publie", "secret_primaire", "publie", "publie"],
})

LEVELS = pd.DataFrame({
    "niveau": ["employeur", "strate", "departement"] * 2,
    "libelle_niveau": ["Employeur", "Strate", "Département"] * 2,
    "annee": ["2023"] * 3 + ["2024"] * 3,
    "valeur": [5.2, 6.1, 5.8, 9.9, 6.3, 5.9],
    "statut": ["publie"] * 3 + ["secret_secondaire", "publie", "publie"],
})

YEARS = pd.DataFrame({
    "annee": [2020, 2021, 2022, 2023, 2024] * 2,
    "valeur": [120, 125, 999, 131, 140, 80, 82, 85, None, 90],
    "statut": ["publie", "publie", "secret_primaire", "publie", "publie",
               "publie", "publie", "publie", "secret_secondaire", "publie"],
    "categorie": ["A"] * 5 + ["B"] * 5,
})

MONTHS = pd.DataFrame({"mois": pd.date_range("2024-01-01", periods=14, freq="MS"),
                       "valeur": [float(i) * 1.5 for i in range(14)],
                       "statut": ["publie"] * 5 + ["secret_primaire"] + ["publie"] * 8})

DAYS = pd.DataFrame({"jour": pd.to_datetime(["2024-03-02", "2024-03-09", "2024-03-16", "2024-03-23"]),
                     "valeur": [1.0, None, 3.25, 4.0], "statut": [None, None, None, None]})


def _ages() -> pd.DataFrame:
    tranches = ["Moins de 30 ans", "30-39 ans", "40-49 ans", "50-59 ans", "60 ans et plus"]
    rows = []
    for i, t in enumerate(tranches):
        rows.append({"tranche_age": t, "sexe": "F", "valeur": 100 + 10 * i, "statut": "publie"})
        rows.append({"tranche_age": t, "sexe": "H", "valeur": 1200 + i, "statut": "publie"})
    rows[-1].update(valeur=None, statut="secret_primaire")
    rows[3].update(valeur=None, statut="publie")
    rows.append({"tranche_age": "Ensemble", "sexe": "F", "valeur": 1000, "statut": "publie"})
    return pd.DataFrame(rows)


AGES = _ages()


def _square(x: float, y: float, size: float = 0.1) -> list:
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def _feature(code: str, nom: str, x: float, y: float, multi: bool = False) -> dict[str, Any]:
    geometry = ({"type": "MultiPolygon", "coordinates": [_square(x, y), _square(x + 0.2, y, 0.05)]}
                if multi else {"type": "Polygon", "coordinates": _square(x, y)})
    return {"type": "Feature", "geometry": geometry, "properties": {"code": code, "nom": nom}}


SMALL_GEO = {"type": "FeatureCollection", "features": [
    _feature("01001", "Ain-Un", 3.0, 44.0), _feature("01002", "Ain-Deux", 3.1, 44.0),
    _feature("01003", "Ain-Trois", 3.2, 44.0, multi=True), _feature("01004", "Ain-Quatre", 3.0, 44.1),
    _feature("01005", "Ain-Cinq", 3.1, 44.1), _feature("01006", "Ain-Six", 3.2, 44.1),
]}
OVERSEAS_GEO = {"type": "FeatureCollection", "features": [
    _feature("97101", "Abymes", -61.5, 16.2), _feature("97102", "Anse-Bertrand", -61.4, 16.4),
]}
MAP_VALUES = pd.DataFrame({
    "code": [1001, "01002", "01003", "01004", "01005", "99999"],
    "nom": ["Un", "Deux", "Trois", "Quatre", "Cinq", "Inconnu"],
    "valeur": [10.5, 20.0, 3.0, None, 40.25, 5.0],
    "statut": ["publie", "publie", "secret_primaire", "publie", "publie", "publie"],
})
EPCI = pd.DataFrame({"siren": ["200000001", "200000002"], "nom": ["CC Nord", "CC Sud"],
                     "valeur": [12.0, 7.0], "statut": ["publie", "secret_secondaire"]})
EPCI_OF = {"01001": "200000001", "01002": "200000001", "01003": "200000002", "01004": "200000002",
           "01005": "200000001"}

Case = Callable[[Any], tuple[Any, rm.Graphique]]

CASES: dict[str, Case] = {
    "barres_secret_nd": lambda m: m.barres(FILIERES, "filiere", "valeur", "Effectif par filière"),
    "barres_titles_units": lambda m: m.barres(
        FILIERES, "filiere", "valeur", "Montants", unite="€", titre_x="Filière", titre_y="Montant",
        sous_titre="Au 31 décembre", source="RSU 2024"),
    "barres_horizontal_desc": lambda m: m.barres(FILIERES, "filiere", "valeur", "Tri", horizontal=True,
                                                 tri="decroissant", unite="%", decimales=2),
    "barres_asc_no_labels": lambda m: m.barres(FILIERES, "filiere", "valeur", "Tri", tri="croissant",
                                               etiquettes=False, largeur=300, hauteur=200),
    "barres_short_labels": lambda m: m.barres(GROUPED[GROUPED["sexe"] == "Femmes"], "cat", "v", "Court"),
    "barres_grouped": lambda m: m.barres(GROUPED, "cat", "v", "Groupes", serie="sexe",
                                         titre_serie="Sexe"),
    "barres_grouped_horizontal": lambda m: m.barres(GROUPED, "cat", "v", "Groupes", serie="sexe",
                                                    horizontal=True, hauteur=240),
    "barres_serie_is_x": lambda m: m.barres(GROUPED[GROUPED["sexe"] == "Hommes"], "cat", "v", "X",
                                            serie="cat"),
    "barres_all_hidden": lambda m: m.barres(FILIERES.iloc[2:5], "filiere", "valeur", "Rien"),
    "barres_no_statut": lambda m: m.barres(FILIERES.drop(columns="statut").fillna(1), "filiere", "valeur",
                                           "Sans statut", statut=None),
    "comparaison_one_year": lambda m: m.comparaison(LEVELS[LEVELS["annee"] == "2023"], "Taux", unite="%"),
    "comparaison_years": lambda m: m.comparaison(LEVELS, "Taux d'absentéisme", unite="%"),
    "comparaison_horizontal": lambda m: m.comparaison(
        LEVELS[LEVELS["annee"] == "2024"].drop(columns="libelle_niveau"), "Taux", horizontal=True,
        titre_valeur="Taux", titre_categorie="Niveau"),
    "lignes_years_series": lambda m: m.lignes(YEARS, "annee", "valeur", "categorie", "Effectifs",
                                              titre_x="Année", titre_serie="Catégorie"),
    "lignes_one_series": lambda m: m.lignes(YEARS[YEARS["categorie"] == "A"], "annee", "valeur",
                                            titre="Effectifs A", unite="agents", sous_titre="Sous-titre"),
    "lignes_text_x": lambda m: m.lignes(
        pd.DataFrame({"periode": ["T1", "T2", "T3"], "valeur": [1, 2, 3]}), "periode", "valeur",
        titre="Trimestres", etiquettes=False, largeur=300, hauteur=200),
    "lignes_months": lambda m: m.lignes(MONTHS, "mois", "valeur", titre="Arrêts par mois", titre_x="Mois"),
    "lignes_days": lambda m: m.lignes(DAYS, "jour", "valeur", titre="Par semaine", etiquettes=True),
    "lignes_days_format": lambda m: m.lignes(DAYS, "jour", "valeur", titre="Format", format_date="%d %b"),
    "pyramide": lambda m: m.pyramide(AGES, "tranche_age", "sexe", "valeur", "Pyramide des âges"),
    "pyramide_options": lambda m: m.pyramide(
        AGES.replace({"sexe": {"F": "W", "H": "M"}}), titre="P", libelles={"Femmes": "W", "Hommes": "M"},
        ordre=["Moins de 30 ans", "30-39 ans", "40-49 ans", "50-59 ans", "60 ans et plus"],
        etiquettes=False, hauteur=220, unite="%", titre_valeur="Part", sous_titre="2024"),
    "carte": lambda m: m.carte(MAP_VALUES, SMALL_GEO, "code", "valeur", "Agents", libelle_valeur="Agents",
                               libelle_zone="Commune", sous_titre="Au 31/12"),
    "carte_classes_nom": lambda m: m.carte(MAP_VALUES.iloc[:5], SMALL_GEO, "code", "valeur", "Classes",
                                           nom_col="nom", classes=3, unite="%"),
    "carte_epci": lambda m: m.carte(EPCI, SMALL_GEO, "siren", "valeur", "Par EPCI", nom_col="nom",
                                    correspondance=EPCI_OF, classes=4),
    "carte_overseas_no_statut": lambda m: m.carte(
        pd.DataFrame({"code": ["97101", "12345"], "valeur": [3.5, 2.0]}), OVERSEAS_GEO, titre="Outre-mer"),
    "carte_projection_all_secret": lambda m: m.carte(
        MAP_VALUES.assign(statut="secret_primaire"), SMALL_GEO, titre="Secret", projection="mercator",
        largeur=300, hauteur=300),
}


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, allow_nan=False))


def _inline_datasets(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with its named top-level ``datasets`` (Altair's way for dict data) put inline."""
    datasets = spec.pop("datasets", {})

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"name"} and value["name"] in datasets:
                return {"values": datasets[value["name"]]}
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(spec)


def _block_json(block: rm.Graphique) -> dict[str, Any]:
    """The block as JSON, datasets inline (the only difference allowed with the Altair code)."""
    out = _json(rm.to_json(block))
    out["spec"] = _inline_datasets(out["spec"])
    return out


def _differences(new: Any, old: Any, path: str = "") -> list[str]:
    """Where two JSON values differ (paths), for readable failures."""
    if type(new) is not type(old):
        return [f"{path}: {new!r:.120} != {old!r:.120}"]
    if isinstance(new, dict):
        out = [f"{path}/{k}: {'absent' if k not in new else 'en trop'}" for k in new.keys() ^ old.keys()]
        for k in new.keys() & old.keys():
            out += _differences(new[k], old[k], f"{path}/{k}")
        return out
    if isinstance(new, list):
        out = [f"{path}: {len(new)} != {len(old)} éléments"] if len(new) != len(old) else []
        for i, (a, b) in enumerate(zip(new, old)):
            out += _differences(a, b, f"{path}/{i}")
        return out
    return [] if new == old else [f"{path}: {new!r:.120} != {old!r:.120}"]


# ---------------------------------------------------------------------------------------------
# Same output as the Altair code
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(CASES))
def test_same_block_as_the_altair_builders(name):
    _, expected = CASES[name](oracle)
    _, block = CASES[name](builders)
    assert isinstance(block, rm.Graphique)
    assert _differences(_block_json(block), _block_json(expected)) == []


@pytest.mark.skipif(not COMMUNES_48.exists(), reason=f"fichier de contours absent : {COMMUNES_48}")
def test_same_map_of_lozere_as_the_altair_builders():
    from workspace_lib import reference

    lozere = charts.load_boundaries("communes", departement="48", path=COMMUNES_48)
    com = reference.communes_of("48")
    df = pd.DataFrame({"code": com["code_insee"], "valeur": (com["population"].fillna(0) / 10).round(1),
                       "statut": "publie"})
    df.loc[df.index[:3], "statut"] = "secret_primaire"
    for kwargs in ({}, {"classes": 5}):
        _, expected = oracle.carte(df, lozere, "code", "valeur", "Lozère", **kwargs)
        _, block = builders.carte(df, lozere, "code", "valeur", "Lozère", **kwargs)
        assert _differences(_block_json(block), _block_json(expected)) == []


@pytest.mark.parametrize("name", list(CASES))
def test_every_spec_renders_to_svg(name):
    _, block = CASES[name](builders)
    svg = charts.to_svg(block)
    assert svg.startswith("<svg") and "aria-label=" in svg


def test_errors_are_the_same():
    bad = [
        lambda m: m.barres(pd.DataFrame({"cat": ["A", "A"], "v": [1, 2]}), "cat", "v", "T"),
        lambda m: m.barres(FILIERES, "filiere", "absente", "T"),
        lambda m: m.barres(FILIERES.iloc[:0], "filiere", "valeur", "T"),
        lambda m: m.barres(GROUPED, "cat", "v", "T", serie="sexe", tri="croissant"),
        lambda m: m.barres(FILIERES, "filiere", "valeur", "T", tri="alpha"),
        lambda m: m.barres(pd.DataFrame({"cat": ["A"], "v": ["x"]}), "cat", "v", "T"),
        lambda m: m.barres(pd.DataFrame({"cat": ["A"], "v": [1], "statut": ["titulaire"]}), "cat", "v", "T"),
        lambda m: m.pyramide(AGES.replace({"sexe": {"F": "X"}}), titre="P"),
        lambda m: m.pyramide(AGES, titre="P", ordre=["30-39 ans"]),
        lambda m: m.carte(MAP_VALUES, {"type": "Feature"}, titre="T"),
    ]
    for call in bad:
        with pytest.raises(Exception) as expected:
            call(oracle)
        with pytest.raises(type(expected.value)) as got:
            call(builders)
        assert str(got.value) == str(expected.value)


# ---------------------------------------------------------------------------------------------
# The chart returned first
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["barres_grouped", "lignes_text_x", "pyramide", "carte"])
def test_returned_chart_gives_the_spec_and_an_altair_chart_on_demand(name):
    chart, block = CASES[name](builders)
    assert isinstance(chart, charts.LazyChart) and chart.spec is block.spec
    assert chart.to_dict() == block.spec and chart.to_dict() is not block.spec
    assert render.spec_of(chart) == render.spec_of(block)
    altair_chart = chart.altair()
    assert isinstance(altair_chart, alt.LayerChart) and chart.altair() is altair_chart
    assert _differences(_inline_datasets(_json(altair_chart.to_dict())), _json(block.spec)) == []
    assert chart.properties(width=200).to_dict()["width"] == 200  # Altair API, delegated
    assert '"layer"' in chart.to_json()
    with pytest.raises(AttributeError):
        chart._ipython_canary_method_should_not_exist_  # noqa: B018  (no Altair build for probes)


def test_returned_chart_composes_with_altair_charts():
    left, _ = builders.barres(GROUPED, "cat", "v", "Groupes", serie="sexe")
    right, _ = builders.lignes(YEARS, "annee", "valeur", "categorie", "Effectifs")
    assert isinstance(left | right, alt.HConcatChart) and isinstance(left & right, alt.VConcatChart)
    assert isinstance(left + alt.Chart().mark_rule(), alt.LayerChart)
    assert "LazyChart('Groupes', 3 couches)" == repr(left)


# ---------------------------------------------------------------------------------------------
# Speed
# ---------------------------------------------------------------------------------------------

def test_builders_build_no_altair_object(monkeypatch):
    """The specs are plain dicts: building every case never constructs an Altair object."""
    import altair.utils.schemapi as schemapi

    def forbidden(*_args, **_kwargs):
        raise AssertionError("objet Altair construit")

    monkeypatch.setattr(schemapi.SchemaBase, "__init__", forbidden)
    for name, case in CASES.items():
        _, block = case(builders)
        assert block.spec["$schema"] == SCHEMA_URL, name


def test_dashboards_do_not_import_altair_nor_scipy():
    """Altair (about a second to import) and scipy (half a second, for the disclosure audit's
    linear programs only) stay out of the import of the dashboards, exporters and render engine:
    a page served from cached views does not pay them."""
    code = ("import sys, workspace_lib.dashboard, workspace_lib.exporters, workspace_lib.render; "
            "print('altair' in sys.modules, 'scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False False"


def test_schema_url_is_the_one_of_the_installed_altair():
    import altair

    assert SCHEMA_URL == altair.SCHEMA_URL
