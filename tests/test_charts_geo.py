"""Maps: boundaries from a file, the workspace cache or a (faked) download; code matching; choropleths.

The boundaries are the shared test files (../shared/geo beside the repository), never copied into
it. Nothing here touches the network: the download function is replaced in every test.
"""

from __future__ import annotations

import gzip
import json
import re
import urllib.error
from pathlib import Path

import pandas as pd
import pytest

from workspace_lib import charts, reference
from workspace_lib.charts import builders, geo, theme

SHARED_GEO = Path(__file__).resolve().parents[2] / "shared" / "geo"
COMMUNES_48 = SHARED_GEO / "communes-48-lozere.geojson"
# Communes of the 2018 file merged since into communes nouvelles (absent from the current COG).
ABSORBED_SINCE_2018 = ["48057", "48078", "48133", "48184", "48189", "48197"]

pytestmark = pytest.mark.skipif(not COMMUNES_48.exists(), reason=f"fichiers de contours absents : {SHARED_GEO}")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any download attempt fails as on a machine without Internet."""
    calls = []

    def fetch(url, timeout):
        calls.append(url)
        raise urllib.error.URLError("pas de réseau (test)")

    monkeypatch.setattr(geo, "_fetch", fetch)
    return calls


@pytest.fixture
def lozere() -> dict:
    return charts.load_boundaries("communes", departement="48", path=COMMUNES_48)


def texts(svg: str) -> list[str]:
    import html

    out = []
    for content in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S):
        lines = re.findall(r"<tspan[^>]*>(.*?)</tspan>", content, re.S) if "<tspan" in content else [content]
        out.extend(html.unescape(line) for line in lines)
    return out


def values_of(spec: dict, data: dict) -> list[dict]:
    """The inline records of a ``data`` entry (``values``, or a named top-level dataset)."""
    return data["values"] if "values" in data else spec["datasets"][data["name"]]


# ---------------------------------------------------------------------------------------------
# Boundaries
# ---------------------------------------------------------------------------------------------

def test_load_from_a_file(lozere, no_network):
    assert lozere["type"] == "FeatureCollection" and len(lozere["features"]) == 158
    props = lozere["features"][0]["properties"]
    assert set(props) >= {"code", "nom"} and props["code"].startswith("48")
    assert no_network == []  # a file given: no download tried


def test_single_feature_gzip_and_other_property_names(tmp_path):
    dep = charts.load_boundaries("departements", path=SHARED_GEO / "departement-48-lozere.geojson")
    assert [f["properties"]["nom"] for f in dep["features"]] == ["Lozère"]

    gz = tmp_path / "communes.geojson.gz"
    gz.write_bytes(gzip.compress(COMMUNES_48.read_bytes()))
    assert len(charts.load_boundaries("communes", path=gz)["features"]) == 158

    ign = json.loads(COMMUNES_48.read_text(encoding="utf-8"))
    for f in ign["features"]:
        p = f["properties"]
        f["properties"] = {"INSEE_COM": p["code"], "NOM": p["nom"]}
    path = tmp_path / "ign.geojson"
    path.write_text(json.dumps(ign), encoding="utf-8")
    loaded = charts.load_boundaries("communes", path=path)
    assert loaded["features"][0]["properties"]["code"] == ign["features"][0]["properties"]["INSEE_COM"]
    assert loaded["features"][0]["properties"]["nom"] == ign["features"][0]["properties"]["NOM"]


def test_filter_by_departement():
    france = SHARED_GEO / "departements-version-simplifiee.geojson"
    assert len(charts.load_boundaries("departements", path=france)["features"]) == 96
    one = charts.load_boundaries("departements", departement="48", path=france)
    assert [f["properties"]["code"] for f in one["features"]] == ["48"]
    region = charts.load_boundaries("regions", departement="48", path=SHARED_GEO / "regions-version-simplifiee.geojson")
    assert [f["properties"]["nom"] for f in region["features"]] == ["Occitanie"]
    with pytest.raises(geo.BoundariesUnavailable, match="département 12"):
        charts.load_boundaries("communes", departement="12", path=COMMUNES_48)


def test_bad_files_are_reported_in_french(tmp_path):
    with pytest.raises(FileNotFoundError, match="introuvable"):
        charts.load_boundaries("communes", path=tmp_path / "absent.geojson")
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "Topology"}', encoding="utf-8")
    with pytest.raises(ValueError, match="FeatureCollection"):
        charts.load_boundaries("communes", path=bad)
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"x": 1}, '
                   '"geometry": {"type": "Point", "coordinates": [3, 44]}}]}', encoding="utf-8")
    with pytest.raises(ValueError, match="pas de code"):
        charts.load_boundaries("communes", path=bad)
    with pytest.raises(ValueError, match="Niveau de contours inconnu"):
        charts.load_boundaries("cantons", path=COMMUNES_48)


def test_no_network_gives_a_french_error_naming_path(workspace, no_network):
    with pytest.raises(geo.BoundariesUnavailable) as err:
        charts.load_boundaries("communes", departement="48", workspace=workspace)
    message = str(err.value)
    assert "Impossible de télécharger" in message and "path=" in message and "pas de réseau" in message
    assert no_network == ["https://geo.api.gouv.fr/departements/48/communes?format=geojson&geometry=contour"]
    assert not (workspace.root / "cache" / "geo" / "communes-48.geojson").exists()
    with pytest.raises(geo.BoundariesUnavailable, match="téléchargement désactivé"):
        charts.load_boundaries("communes", departement="48", workspace=workspace, download=False)
    with pytest.raises(ValueError, match="departement="):
        charts.load_boundaries("communes", workspace=workspace)


def test_download_is_cached_atomically_in_the_workspace(workspace, monkeypatch):
    urls = []

    def fetch(url, timeout):  # stands for geo.api.gouv.fr
        urls.append(url)
        return gzip.compress(COMMUNES_48.read_bytes())

    monkeypatch.setattr(geo, "_fetch", fetch)
    first = charts.load_boundaries("communes", departement="48", workspace=workspace)
    cached = workspace.root / "cache" / "geo" / "communes-48.geojson"
    assert cached.exists() and len(first["features"]) == 158
    assert [p.name for p in cached.parent.iterdir()] == ["communes-48.geojson"]  # no temporary file left
    assert json.loads(cached.read_text(encoding="utf-8"))[geo.SOURCE_MEMBER]["url"] == urls[0]

    def offline(url, timeout):
        raise AssertionError("the cache must be used")

    monkeypatch.setattr(geo, "_fetch", offline)
    again = charts.load_boundaries("communes", departement="48", workspace=workspace)
    assert len(again["features"]) == 158 and len(urls) == 1
    again["features"].clear()  # a new object each call: nothing shared between reports
    assert len(charts.load_boundaries("communes", departement="48", workspace=workspace)["features"]) == 158


def test_official_sources():
    assert geo.source_url("communes", "2A").startswith("https://geo.api.gouv.fr/departements/2A/communes?")
    assert "codeDepartement=48" in geo.source_url("epci", "48")
    assert geo.source_url("departements").startswith("https://etalab-datasets.geo.data.gouv.fr/")


# ---------------------------------------------------------------------------------------------
# Matching codes across vintages
# ---------------------------------------------------------------------------------------------

def test_match_current_cog_against_the_2018_boundaries(lozere):
    current = reference.communes_of("48")["code_insee"]
    assert len(current) == 152 and len(lozere["features"]) == 158
    match = charts.match_codes(current, lozere)
    matched, unmatched = match  # unpacks as a pair
    # A commune nouvelle keeps the code of one of the merged communes: every current code has a
    # (2018) contour, but 6 contours of merged communes have no data (drawn « pas de donnée »).
    assert len(matched) == 152 and unmatched == []
    assert match.boundary_only == ABSORBED_SINCE_2018
    assert match.caption() == ""

    # Codes the boundaries do not know are listed, never dropped.
    data = pd.DataFrame({"code_insee": list(current) + ["48999", "48998"]})
    match = charts.match_codes(data, lozere)
    assert match.unmatched == ["48998", "48999"]
    assert match.caption() == "2 codes sans contour : 48998, 48999"


def test_match_codes_pads_lost_leading_zeros():
    france = charts.load_boundaries("departements", path=SHARED_GEO / "departements-version-simplifiee.geojson")
    match = charts.match_codes([1, "2A", 48.0, "99"], france)
    assert match.matched == ["01", "2A", "48"] and match.unmatched == ["99"]


def test_match_with_a_commune_to_epci_mapping(lozere):
    mapping = charts.epci_by_commune("48")
    sirens = reference.epci_of("48")["siren"]
    match = charts.match_codes(sirens, lozere, correspondance=mapping)
    assert match.unmatched == [] and len(match.matched) == len(set(mapping.values()))
    # The communes merged since 2018 get the EPCI of the commune nouvelle they joined.
    assert match.boundary_only == []
    assert all(mapping[code] == mapping[reference.commune_actuelle(code)] for code in ABSORBED_SINCE_2018)


def test_former_communes_are_coloured_as_the_commune_they_joined(lozere, commune_values):
    merged = charts.geo.current_communes(lozere)
    assert len(merged) == 158 and all(merged[code] != code for code in ABSORBED_SINCE_2018)
    assert sum(1 for code, current in merged.items() if code == current) == 152
    assert reference.commune_actuelle("48057") in set(reference.communes_of("48")["code_insee"])
    assert reference.commune_actuelle("99999") is None
    match = charts.match_codes(commune_values, lozere, correspondance=merged)
    assert match.boundary_only == [] and match.unmatched == ["48999"]
    _, block = charts.carte(commune_values, lozere, "code", "valeur", "Carte", correspondance=merged)
    assert "1 contour sans donnée" in block.texte_alternatif  # the commune without a value only
    # A code newer than the reference stands for itself.
    newer = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "48990", "nom": "Nouvelle"}, "geometry": lozere["features"][0]["geometry"]}]}
    assert charts.geo.current_communes(newer) == {"48990": "48990"}


# ---------------------------------------------------------------------------------------------
# Choropleth maps
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def commune_values() -> pd.DataFrame:
    com = reference.communes_of("48")
    df = pd.DataFrame({"code": com["code_insee"], "valeur": (com["population"].fillna(0) / 10).round(1),
                       "statut": "publie"})
    df.loc[df.index[:3], "statut"] = "secret_primaire"
    df.loc[df.index[3], "valeur"] = None  # no value, no secret
    return pd.concat([df, pd.DataFrame([{"code": "48999", "valeur": 5.0, "statut": "publie"}])], ignore_index=True)


def test_map_of_lozere_renders_with_secret_and_no_data(lozere, commune_values):
    chart, block = charts.carte(commune_values, lozere, "code", "valeur", "Agents pour 10 habitants",
                                libelle_valeur="Agents", libelle_zone="Commune")
    assert block.genre == "carte" and (block.x, block.y) == ("code", "valeur")
    spec = block.spec
    assert len(values_of(spec, spec["data"])) == 158 and spec["transform"][0]["lookup"] == "properties.cle"
    svg = charts.to_svg(block)
    assert svg.count("<path") >= 158
    low = svg.lower()
    assert theme.SECRET_FILL.lower() in low and theme.NO_DATA_FILL.lower() in low
    found = texts(svg)
    assert found.count("s") == 3  # one « s » on each secret commune
    assert "1 code sans contour : 48999" in found
    assert builders.SECRET_LEGEND in found and "Pas de donnée" in found
    # Secret values never reach the spec (the lookup table) nor the records.
    secret_codes = set(commune_values["code"][:3])
    lookup = values_of(spec, spec["transform"][0]["from"]["data"])
    assert all(r["valeur"] is None and r["etiquette"] == builders.SECRET_LEGEND
               for r in lookup if r["code"] in secret_codes)
    assert all(r["valeur"] is None for r in block.donnees if r["code"] in secret_codes)
    alt_text = block.texte_alternatif
    assert "1 code sans contour : 48999" in alt_text and "Secret statistique (s) pour 3 territoires" in alt_text
    assert "Valeur la plus élevée : Mende" in alt_text
    assert "7 contours sans donnée" in alt_text  # 1 without value + 6 merged since 2018
    png = charts.to_png(block, scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_map_tooltip_has_french_names_and_formatted_values(lozere, commune_values):
    _, block = charts.carte(commune_values, lozere, "code", "valeur", "Carte", libelle_valeur="Agents",
                            libelle_zone="Commune")
    tooltips = [t["title"] for t in block.spec["layer"][-2]["encoding"]["tooltip"]]
    assert tooltips == ["Commune", "Code", "Agents"]
    lookup = {r["code"]: r for r in values_of(block.spec, block.spec["transform"][0]["from"]["data"])}
    mende = lookup["48095"]
    assert mende["etiquette"] == builders.format_value(mende["valeur"], 1)
    assert "\u202f" in mende["etiquette"]


def test_map_by_epci_colours_communes(lozere):
    epci = reference.epci_of("48")
    df = pd.DataFrame({"siren": epci["siren"], "nom": epci["nom"], "valeur": range(len(epci)),
                       "statut": ["secret_primaire"] + ["publie"] * (len(epci) - 1)})
    _, block = charts.carte(df, lozere, "siren", "valeur", "Par EPCI", nom_col="nom",
                            correspondance=charts.epci_by_commune("48"), classes=4)
    svg = charts.to_svg(block)
    assert svg.count("<path") >= 158 and "s" in texts(svg)
    assert "sans contour" not in block.texte_alternatif
    assert "Secret statistique (s) pour 1 territoire" in block.texte_alternatif


def test_map_without_statut_column_and_unknown_codes_only(lozere):
    df = pd.DataFrame({"code": ["48095", "12345"], "valeur": [3.5, 2.0]})
    _, block = charts.carte(df, lozere, titre="Deux codes")
    assert "1 code sans contour : 12345" in block.texte_alternatif
    assert "157 contours sans donnée" in block.texte_alternatif
