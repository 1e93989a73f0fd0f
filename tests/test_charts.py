"""Charts: French theme and locale, offline rendering, builders, suppressed cells never drawn."""

from __future__ import annotations

import html
import json
import re

import altair as alt
import pandas as pd
import pytest
import vl_convert as vlc

from workspace_lib import charts
from workspace_lib import report_model as rm
from workspace_lib.charts import builders, render, theme

NNBSP = "\u202f"
NBSP = "\u00a0"
CDN_WORDS = ("cdn", "jsdelivr", "unpkg")


def texts(svg: str) -> list[str]:
    """The text of every <text> element of an SVG (each line of a multi-line text apart)."""
    out = []
    for content in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S):
        lines = re.findall(r"<tspan[^>]*>(.*?)</tspan>", content, re.S) if "<tspan" in content else [content]
        out.extend(html.unescape(line) for line in lines)
    return out


def mark_group(svg: str, layer: int) -> str:
    """The SVG of one layer's marks (``layer_N_marks`` group)."""
    match = re.search(rf'<g class="mark-[a-z]+ role-mark layer_{layer}_marks"[^>]*>(.*?)</g>', svg, re.S)
    return match.group(1) if match else ""


def bar_heights(svg: str, layer: int = 0) -> list[float]:
    """Heights of the bars (``M x,y h w v HEIGHT h -w Z`` paths) of a vertical bar layer."""
    return [float(v) for v in re.findall(r'd="M[-\d.,e]+h[-\d.e]+v([-\d.e]+)h', mark_group(svg, layer))]


def layer_values(spec: dict, index: int) -> list[dict]:
    return spec["layer"][index]["data"]["values"]


@pytest.fixture
def bars_with_secret() -> pd.DataFrame:
    # « Police »: secret with its value still in the table (it must not leak); « Culturelle »:
    # secret without value; « Animation »: no value, no secret (nd).
    return pd.DataFrame({
        "filiere": ["Administrative", "Technique", "Police", "Culturelle", "Animation"],
        "valeur": [12345.6, 8020.25, 7.0, None, None],
        "statut": ["publie", "publie", "secret_primaire", "secret_secondaire", "publie"],
        "effectif": [40, 25, 2, 3, None],  # contributors' column: never exported
    })


# ---------------------------------------------------------------------------------------------
# Theme and locale
# ---------------------------------------------------------------------------------------------

def test_theme_is_registered_enabled_and_carries_the_french_locale():
    theme.register_altair_theme()
    assert alt.theme.active == theme.THEME_NAME
    spec = alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q").to_dict()
    config = spec["config"]
    assert config["locale"]["number"]["decimal"] == ","
    assert config["locale"]["number"]["thousands"] == NNBSP
    assert config["locale"]["number"]["currency"] == ["", NBSP + "€"]
    assert config["locale"]["time"]["months"][0] == "janvier"
    assert config["range"]["category"] == theme.PALETTE
    assert config["title"]["anchor"] == "start"
    assert "Liberation Sans" in config["font"]


def test_palette_is_okabe_ito_with_contrast():
    assert set(theme.PALETTE) == {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
                                  "#CC79A7", "#000000"}
    assert all(theme.contrast_ratio(c) >= 3 for c in theme.PALETTE[:5])
    assert theme.contrast_ratio(theme.SECRET_FILL) > 2 and theme.SECRET_FILL != theme.NO_DATA_FILL


def test_apply_config_keeps_chart_settings_and_adds_the_locale():
    spec = {"mark": "point", "config": {"title": {"fontSize": 30}}}
    out = theme.apply_config(spec)
    assert out["config"]["title"]["fontSize"] == 30 and out["config"]["title"]["anchor"] == "start"
    assert out["config"]["locale"]["number"]["thousands"] == NNBSP
    assert spec == {"mark": "point", "config": {"title": {"fontSize": 30}}}  # not modified


NUMBERS_SPEC = {
    "data": {"values": [{"v": 12345.6, "p": 0.452, "m": 1234.5}]},
    "vconcat": [
        {"mark": "text", "encoding": {"text": {"field": "v", "type": "quantitative", "format": ",.1f"}}},
        {"mark": "text", "encoding": {"text": {"field": "p", "type": "quantitative", "format": ".1%"}}},
        {"mark": "text", "encoding": {"text": {"field": "m", "type": "quantitative", "format": "$,.0f"}}},
    ],
}


def test_french_numbers_in_rendered_svg():
    found = texts(charts.to_svg(NUMBERS_SPEC))
    assert f"12{NNBSP}345,6" in found
    assert f"45,2{NNBSP}%" in found
    assert f"1{NNBSP}235{NBSP}€" in found or f"1{NNBSP}234{NBSP}€" in found


def test_spec_alone_renders_french_anywhere():
    """The locale embedded in the spec's config suffices (a renderer given no locale)."""
    svg = vlc.vegalite_to_svg(render.spec_of(NUMBERS_SPEC))
    assert f"12{NNBSP}345,6" in texts(svg)
    bare = vlc.vegalite_to_svg(NUMBERS_SPEC)
    assert "12,345.6" in texts(bare)  # what the same spec gives without the theme


def test_format_value():
    assert builders.format_value(12345.6, 1) == f"12{NNBSP}345,6"
    assert builders.format_value(5.3, 1, "%") == f"5,3{NNBSP}%"
    assert builders.format_value(1200, 0, "€") == f"1{NNBSP}200{NBSP}€"
    assert builders.format_value(-3, 0) == "\u22123"
    assert builders.format_value(None) == ""


def test_french_month_names_on_a_time_axis():
    df = pd.DataFrame({"mois": pd.date_range("2024-01-01", periods=12, freq="MS"),
                       "valeur": [float(i) for i in range(12)]})
    chart, block = charts.lignes(df, "mois", "valeur", titre="Arrêts par mois", titre_x="Mois")
    found = texts(charts.to_svg(block))
    assert "janv. 2024" in found and "mars 2024" in found
    assert not any(m in " ".join(found) for m in ("Jan", "March", "May 2024"))
    assert "janvier 2024 : 0" in block.texte_alternatif


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

def test_png_pdf_svg_outputs(bars_with_secret):
    pair = charts.barres(bars_with_secret, "filiere", "valeur", "Effectif par filière")
    png = charts.to_png(pair)
    assert png.startswith(render.PNG_SIGNATURE) and len(png) > 1000
    assert charts.to_pdf(pair).startswith(b"%PDF")
    svg = charts.to_svg(pair[0])
    assert svg.startswith("<svg") and 'role="img"' in svg and "aria-label=" in svg and "<title>" in svg


def test_no_cdn_anywhere(bars_with_secret):
    chart, block = charts.barres(bars_with_secret, "filiere", "valeur", "Effectif par filière")
    produced = [json.dumps(block.spec), charts.to_svg(block), charts.to_html(block),
                json.dumps(chart.to_dict())]
    for text in produced:
        low = text.lower()
        assert not [w for w in CDN_WORDS if w in low]


def test_display_shows_inline_svg(monkeypatch, bars_with_secret):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    charts.display(charts.barres(bars_with_secret, "filiere", "valeur", "Effectif"))
    assert len(shown) == 1 and isinstance(shown[0], IPython.display.SVG)
    assert "<svg" in shown[0].data and not [w for w in CDN_WORDS if w in shown[0].data.lower()]


def test_offline_renderer_for_bare_charts(bars_with_secret):
    chart, _ = charts.barres(bars_with_secret, "filiere", "valeur", "Effectif")
    previous = alt.renderers.active
    try:
        charts.enable_offline_renderer()
        bundle = chart._repr_mimebundle_()
        bundle = bundle[0] if isinstance(bundle, tuple) else bundle
        assert "image/svg+xml" in bundle and "text/html" not in bundle
        assert f"12{NNBSP}345,6" in bundle["image/svg+xml"]
    finally:
        alt.renderers.enable(previous)


def test_rendering_keeps_nothing_between_calls():
    one = charts.to_svg({"data": {"values": [{"a": 1}]}, "mark": "text", "encoding": {"text": {"field": "a"}}})
    two = charts.to_svg({"data": {"values": [{"a": 2}]}, "mark": "text", "encoding": {"text": {"field": "a"}}})
    assert "1" in texts(one) and "2" in texts(two) and "1" not in texts(two)


# ---------------------------------------------------------------------------------------------
# Bars and suppressed cells
# ---------------------------------------------------------------------------------------------

def test_bars_never_draw_suppressed_cells(bars_with_secret):
    chart, block = charts.barres(bars_with_secret, "filiere", "valeur", "Effectif par filière", unite="€")
    assert isinstance(block, rm.Graphique) and block.genre == "barres"
    assert (block.x, block.y, block.serie) == ("filiere", "valeur", "")
    bars = layer_values(block.spec, 0)
    assert [r["categorie"] for r in bars] == ["Administrative", "Technique"]
    marks = {r["categorie"]: r["marque"] for r in layer_values(block.spec, -1)}
    assert marks == {"Police": "s", "Culturelle": "s", "Animation": "nd"}
    # Every category keeps its slot on the axis.
    assert block.spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == list(bars_with_secret["filiere"])
    svg = charts.to_svg(block)
    heights = bar_heights(svg)
    assert len(heights) == 2 and all(h > 0 for h in heights)
    assert texts(svg).count("s") == 2 and "nd" in texts(svg)
    assert builders.SECRET_LEGEND in texts(svg)
    assert builders.MISSING_LEGEND in texts(svg)
    # The hidden value (7) appears nowhere: not in the spec, the records, the picture.
    police = next(r for r in block.donnees if r["filiere"] == "Police")
    assert police == {"filiere": "Police", "valeur": None, "statut": "secret_primaire"}
    assert all("effectif" not in r for r in block.donnees)
    assert '"valeur": 7' not in json.dumps(block.spec)
    assert not [t for t in texts(svg) if t.startswith("7")]
    assert "valeur: 7" not in svg  # nor in the marks' aria-labels


def test_bars_alt_text_mentions_values_and_secret(bars_with_secret):
    _, block = charts.barres(bars_with_secret, "filiere", "valeur", "Effectif par filière",
                             titre_x="Filière", titre_y="Montant", unite="€")
    alt_text = block.texte_alternatif
    assert "« Effectif par filière »" in alt_text
    assert f"Administrative : 12{NNBSP}345,6{NBSP}€" in alt_text
    assert "Police : s" in alt_text and "Animation : nd" in alt_text
    assert "Valeur la plus élevée : Administrative" in alt_text
    assert builders.SECRET_LEGEND in alt_text
    assert block.spec["description"] == alt_text


def test_horizontal_bars_sorted_and_grouped_bars_with_palette():
    df = pd.DataFrame({"cat": ["A", "B", "C"], "v": [1, 30, 20], "statut": ["publie"] * 3})
    _, block = charts.barres(df, "cat", "v", "Tri", horizontal=True, tri="decroissant")
    assert block.genre == "barres_horizontales"
    assert block.spec["layer"][0]["encoding"]["y"]["scale"]["domain"] == ["B", "C", "A"]

    grouped = pd.DataFrame({"cat": ["A", "A", "B", "B"], "sexe": ["Femmes", "Hommes"] * 2,
                            "v": [3, 4, 5, None], "statut": ["publie", "publie", "publie", "secret_primaire"]})
    _, block = charts.barres(grouped, "cat", "v", "Groupes", serie="sexe")
    assert block.serie == "sexe"
    svg = charts.to_svg(block).lower()
    assert theme.PALETTE[0].lower() in svg and theme.PALETTE[1].lower() in svg
    marks = layer_values(block.spec, -1)
    assert marks == [{"categorie": "B", "serie": "Hommes", "valeur": None, "etat": "secret",
                      "etiquette": "s", "marque": "s"}]
    assert "xOffset" in block.spec["layer"][-1]["encoding"]  # the « s » sits at its series' place


def test_comparaison_employer_strate_departement():
    df = pd.DataFrame({
        "niveau": ["employeur", "strate", "departement"] * 2,
        "libelle_niveau": ["Employeur", "Strate", "Département"] * 2,
        "annee": ["2023"] * 3 + ["2024"] * 3,
        "valeur": [5.2, 6.1, 5.8, 9.9, 6.3, 5.9],
        "statut": ["publie"] * 3 + ["secret_secondaire", "publie", "publie"],
    })
    _, block = charts.comparaison(df[df["annee"] == "2023"], "Taux d'absentéisme", unite="%")
    assert [r["categorie"] for r in layer_values(block.spec, 0)] == ["Employeur", "Strate", "Département"]
    assert f"Employeur : 5,2{NNBSP}%" in block.texte_alternatif
    _, block = charts.comparaison(df, "Taux d'absentéisme", unite="%")  # several years: grouped by year
    assert block.x == "annee" and block.serie == "libelle_niveau"
    assert "9,9" not in json.dumps(block.spec) and "9,9" not in block.texte_alternatif
    assert "Employeur — 2023 : 5,2" in block.texte_alternatif and "2024 : s" in block.texte_alternatif
    svg = charts.to_svg(block)
    assert "s" in texts(svg) and all(h > 0 for h in bar_heights(svg))


def test_duplicate_rows_and_missing_columns_are_reported_in_french():
    df = pd.DataFrame({"cat": ["A", "A"], "v": [1, 2]})
    with pytest.raises(ValueError, match="Plusieurs lignes"):
        charts.barres(df, "cat", "v", "T")
    with pytest.raises(KeyError, match="Colonne absente du tableau : w"):
        charts.barres(df, "cat", "w", "T")
    with pytest.raises(ValueError, match="vide"):
        charts.barres(df.iloc[:0], "cat", "v", "T")


def test_statuses_are_those_of_the_disclosure_control():
    from workspace_lib import disclosure

    assert builders.SUPPRESSED == {disclosure.SECRET_PRIMAIRE, disclosure.SECRET_SECONDAIRE}
    assert builders.PUBLIE == disclosure.PUBLIE
    assert builders.SECRET_LEGEND == disclosure.LEGENDE_SECRET
    df = pd.DataFrame({"cat": ["A", "B"], "v": [1, 2], "statut": ["titulaire", "contractuel"]})
    with pytest.raises(ValueError, match="Statut inconnu « titulaire »"):
        charts.barres(df, "cat", "v", "T")
    _, block = charts.barres(df, "cat", "v", "T", statut=None)
    assert len(layer_values(block.spec, 0)) == 2


def test_block_is_valid_json_for_the_report(bars_with_secret):
    _, block = charts.barres(bars_with_secret, "filiere", "valeur", "Effectif")
    text = json.dumps(rm.to_json(block), allow_nan=False)
    again = rm.from_json(json.loads(text))
    assert isinstance(again, rm.Graphique) and again.spec == block.spec


# ---------------------------------------------------------------------------------------------
# Lines
# ---------------------------------------------------------------------------------------------

def test_lines_break_at_suppressed_years():
    df = pd.DataFrame({
        "annee": [2020, 2021, 2022, 2023, 2024] * 2,
        "valeur": [120, 125, 999, 131, 140, 80, 82, 85, None, 90],
        "statut": ["publie", "publie", "secret_primaire", "publie", "publie",
                   "publie", "publie", "publie", "secret_secondaire", "publie"],
        "categorie": ["A"] * 5 + ["B"] * 5,
    })
    _, block = charts.lignes(df, "annee", "valeur", "categorie", "Effectifs", titre_x="Année")
    assert block.genre == "lignes" and block.serie == "categorie"
    drawn = layer_values(block.spec, 0)
    assert ("2022", "A") not in {(r["x"], r["serie"]) for r in drawn}
    segments_a = {r["segment"] for r in drawn if r["serie"] == "A"}
    assert len(segments_a) == 2  # the line is broken at 2022, not joined across it
    assert block.spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == ["2020", "2021", "2022", "2023", "2024"]
    hidden = layer_values(block.spec, -1)
    assert {(r["x"], r["serie"], r["marque"]) for r in hidden} == {("2022", "A", "s"), ("2023", "B", "s")}
    svg = charts.to_svg(block)
    assert texts(svg).count("s") == 2
    assert "999" not in json.dumps(layer_values(block.spec, 0) + hidden) and "999" not in " ".join(texts(svg))
    assert "2020" in texts(svg) and "2\u202f020" not in svg  # years are not numbers with a separator
    assert "A — 2020 : 120, 2021 : 125, 2022 : s" in block.texte_alternatif


# ---------------------------------------------------------------------------------------------
# Pyramid
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def ages() -> pd.DataFrame:
    tranches = ["Moins de 30 ans", "30-39 ans", "40-49 ans", "50-59 ans", "60 ans et plus"]
    rows = []
    for i, t in enumerate(tranches):
        rows.append({"tranche_age": t, "sexe": "F", "valeur": 100 + 10 * i, "statut": "publie"})
        rows.append({"tranche_age": t, "sexe": "H", "valeur": 1200 + i, "statut": "publie"})
    rows[-1].update(valeur=None, statut="secret_primaire")
    rows.append({"tranche_age": "Ensemble", "sexe": "F", "valeur": 1000, "statut": "publie"})
    return pd.DataFrame(rows)


def test_pyramid_draws_both_sexes_with_absolute_labels(ages):
    _, block = charts.pyramide(ages, "tranche_age", "sexe", "valeur", "Pyramide des âges")
    assert block.genre == "pyramide" and block.serie == "sexe"
    drawn = layer_values(block.spec, 0)
    assert {r["sexe"] for r in drawn} == {"Femmes", "Hommes"}
    assert all(r["signe"] < 0 for r in drawn if r["sexe"] == "Hommes")
    assert all(r["signe"] > 0 for r in drawn if r["sexe"] == "Femmes")
    assert "Ensemble" not in {r["tranche"] for r in drawn}
    assert block.spec["layer"][0]["encoding"]["y"]["scale"]["domain"][0] == "60 ans et plus"  # oldest on top
    svg = charts.to_svg(block)
    found = texts(svg)
    assert f"1{NNBSP}200" in found and "100" in found
    assert not any(t.startswith(("\u2212", "-")) for t in found)  # axis and labels in absolute values
    assert theme.PALETTE[0].lower() in svg.lower() and theme.PALETTE[1].lower() in svg.lower()
    assert "s" in found and "Hommes" in found and "Femmes" in found
    alt_text = block.texte_alternatif
    assert "hommes à gauche, femmes à droite" in alt_text
    assert f"Moins de 30 ans : hommes 1{NNBSP}200, femmes 100" in alt_text
    assert "60 ans et plus : hommes s" in alt_text and builders.SECRET_LEGEND in alt_text


def test_pyramid_sex_labels_in_both_directions(ages):
    data = ages.replace({"sexe": {"F": "W", "H": "M"}})
    for libelles in ({"W": "Femmes", "M": "Hommes"}, {"Femmes": "W", "Hommes": "M"}):
        _, block = charts.pyramide(data, titre="P", libelles=libelles)
        assert {r["sexe"] for r in layer_values(block.spec, 0)} == {"Femmes", "Hommes"}
    with pytest.raises(ValueError, match="sexe non reconnue"):
        charts.pyramide(ages.replace({"sexe": {"F": "X"}}), titre="P")
