"""The view cache of the dashboards: a view is computed once per warehouse state, never stale."""

from __future__ import annotations

import stat

import pytest

from workspace_lib.config import Workspace
from workspace_lib.dashboard import TableauDeBord, cache, tableau_de_bord
from workspace_lib.ingest import import_sources
from workspace_lib.synth import generate


@pytest.fixture(scope="module")
def lozere(tmp_path_factory) -> tuple[Workspace, object]:
    data = tmp_path_factory.mktemp("donnees")
    generate(data, departement="48", years=[2024, 2025], seed=3, formats=("csv",))
    ws = Workspace.locate(tmp_path_factory.mktemp("espace")).ensure()
    import_sources(ws, [str(data / "csv" / "2024")], show_progress=False)
    return ws, data


@pytest.fixture
def counted(monkeypatch):
    """Count the views really computed (not taken from the cache)."""
    calls = []
    real = tableau_de_bord.calculer

    def counting(*args, **kwargs):
        calls.append(args[2:4])
        return real(*args, **kwargs)

    monkeypatch.setattr(tableau_de_bord, "calculer", counting)
    return calls


def _fresh_process_cache():
    cache.cache_for.cache_clear()  # as a new kernel: nothing in memory, only the files


def test_view_is_computed_once_and_kept_on_disk(lozere, counted):
    ws, _ = lozere
    first = TableauDeBord("synthese", workspace=ws)
    assert len(counted) == 1
    files = list((ws.root / "cache" / "vues").glob("*.pickle"))
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    _fresh_process_cache()
    again = TableauDeBord("synthese", workspace=ws)
    assert len(counted) == 1  # read from the file
    assert again.resultat.tables.keys() == first.resultat.tables.keys()
    for name, table in first.resultat.tables.items():
        assert again.resultat.tables[name].cells.equals(table.cells)
    # Other parameters or other disclosure rules: another view.
    TableauDeBord("effectifs", workspace=ws)
    assert len(counted) == 2
    tdb = TableauDeBord("synthese", workspace=ws)
    tdb.rules = type(tdb.rules)(**{**tdb.rules.__dict__, "min_effectif": tdb.rules.min_effectif + 5})
    tdb._compute()
    assert len(counted) == 3


def test_interactive_view_keeps_its_drawn_html(lozere, counted):
    ws, _ = lozere
    _fresh_process_cache()
    tdb = TableauDeBord("synthese", workspace=ws)  # a report: no HTML drawn
    tdb.interactif = True
    tdb._compute()
    assert tdb.vue.html["effectifs_categorie"][0].count("<svg") >= 1
    assert set(tdb.vue.html) == {"entete", *tdb.resultat.blocs}
    _fresh_process_cache()
    again = TableauDeBord("synthese", workspace=ws)
    assert again.vue.html == tdb.vue.html  # drawn once, kept with the view


def test_an_import_makes_cached_views_stale(lozere, counted):
    ws, data = lozere
    before = TableauDeBord("synthese", workspace=ws)
    assert before.choix["annees"] == [2024]
    computed = len(counted)
    import_sources(ws, [str(data / "csv" / "2025")], show_progress=False)
    after = TableauDeBord("synthese", workspace=ws, annee=2024)
    assert after.choix["annees"] == [2024, 2025]  # the choices are not stale either
    assert len(counted) == computed + 1  # same parameters, new warehouse: computed again


def test_damaged_cache_file_is_only_a_miss(lozere, counted):
    ws, _ = lozere
    TableauDeBord("synthese", workspace=ws, annee=2024)
    for path in (ws.root / "cache" / "vues").glob("*.pickle"):
        path.write_bytes(b"pas un pickle")
    _fresh_process_cache()
    computed = len(counted)
    tdb = TableauDeBord("synthese", workspace=ws, annee=2024)
    assert len(counted) == computed + 1 and tdb.resultat is not None


def test_warm_up_reads_the_choices_of_the_workspace(lozere, monkeypatch):
    ws, _ = lozere
    monkeypatch.setenv("WORKSPACE_DIR", str(ws.root))
    tableau_de_bord._CHOIX.clear()
    tableau_de_bord.prechauffer()
    [(root, departement, _)] = tableau_de_bord._CHOIX
    assert (root, departement) == (str(ws.root), "48")
    assert tableau_de_bord._CHOIX[next(iter(tableau_de_bord._CHOIX))]["annees"]


def test_only_views_with_a_map_load_boundaries(lozere, monkeypatch):
    """Loading boundaries may try the network (60 s on a server that drops the packets): a
    view without a map, such as every employer's report, never asks for them."""
    from workspace_lib.charts import geo

    ws, _ = lozere
    asked = []
    monkeypatch.setattr(geo, "load_boundaries", lambda *a, **k: asked.append(a) or {"type": "FeatureCollection",
                                                                                    "features": []})
    tableau_de_bord._geojson.cache_clear()
    try:
        for nom in ("synthese", "effectifs", "mouvements", "formation", "remunerations"):
            TableauDeBord(nom, workspace=ws)
        assert asked == []
        TableauDeBord("observatoire", workspace=ws)
        assert asked == [("communes",)]
    finally:
        tableau_de_bord._geojson.cache_clear()


@pytest.mark.parametrize("nom", ["synthese", "effectifs", "mouvements", "formation", "remunerations"])
def test_views_computed_by_lots_are_the_views_computed_alone(lozere, nom):
    """What report kernels compute (every employer's indicators at once) is what a dashboard
    shows for one employer: same protected tables, same blocks."""
    from workspace_lib import report_model
    from workspace_lib.dashboard.specs import SPECS
    from workspace_lib.dashboard.vue import calculer
    from workspace_lib.warehouse import connect

    ws, _ = lozere
    with connect(ws, read_only=True) as con:
        sirets = [s for (s,) in con.execute(
            "SELECT siret FROM agent WHERE annee = 2024 GROUP BY siret ORDER BY count(*) DESC").fetchall()]
        for siret in sirets[:: max(1, len(sirets) // 6)]:
            alone = calculer(con, SPECS[nom], siret, 2024)
            by_lot = calculer(con, SPECS[nom], siret, 2024, lot="48")
            assert by_lot.tables.keys() == alone.tables.keys()
            for key, table in alone.tables.items():
                assert by_lot.tables[key].cells.equals(table.cells), (nom, siret, key)
            assert ([report_model.to_json(b) for b in by_lot.tous_les_blocs()]
                    == [report_model.to_json(b) for b in alone.tous_les_blocs()])


def test_grand_total_of_a_breakdown_is_its_all_ensemble_cell():
    """A comparison shows an indicator's grand total: the one cell where every dimension is
    « Ensemble », as a table without dimensions, ready for disclosure control."""
    import pandas as pd

    from workspace_lib.dashboard.vue import _grand_total
    from workspace_lib.indicators.moteur import ENSEMBLE, IndicatorTable

    rows = [("F", "A", 3), ("M", "A", 2), (ENSEMBLE, "A", 5), ("F", ENSEMBLE, 40), ("M", ENSEMBLE, 20),
            (ENSEMBLE, ENSEMBLE, 60)]
    cells = pd.DataFrame(rows, columns=["sexe", "categorie", "valeur"]).assign(effectif=lambda d: d.valeur,
                                                                             nb_employeurs=1)
    table = IndicatorTable("effectif", "Effectif", "effectif", "agents", {"niveau": "employeur", "siret": "1"},
                           ["sexe", "categorie"], cells)
    total = _grand_total(table, "strate")
    assert total.dimensions == [] and total.perimetre["niveau_comparaison"] == "strate"
    assert total.cells.to_dict("records") == [{"valeur": 60, "effectif": 60, "nb_employeurs": 1}]
    assert list(table.cells.columns) == ["sexe", "categorie", "valeur", "effectif", "nb_employeurs"]  # untouched
    flat = IndicatorTable("effectif", "Effectif", "effectif", "agents", {"niveau": "employeur", "siret": "1"}, [],
                          cells[(cells.sexe == ENSEMBLE) & (cells.categorie == ENSEMBLE)].drop(columns=["sexe", "categorie"]))
    assert _grand_total(flat, "employeur").cells.to_dict("records") == total.cells.to_dict("records")
