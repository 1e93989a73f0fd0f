"""Choropleth maps (:func:`carte`), written as plain Vega-Lite dicts like the other builders.

Every contour is drawn: with a value in the sequential scheme, secret (« s », grey), or « pas
de donnée » (white); data codes without a contour are named, never silently dropped. The
GeoJSON geometries go into the spec as they are (shared with the boundaries given, not copied).
"""

from __future__ import annotations

from collections.abc import Mapping
from statistics import median
from typing import Any

import pandas as pd

from ..report_model import Graphique
from . import geo as geo_mod
from . import theme
from .values import (
    MISSING,
    NO_DATA_LABEL,
    SECRET,
    SECRET_LABEL,
    SECRET_LEGEND,
    SECRET_MARK,
    VALUE,
    alt_text,
    axis_title,
    cells_of,
    check_columns,
    check_unique,
    decimals,
    donnees_of,
    extremes,
    format_value,
    is_missing,
    label,
    list_values,
)
from .vega import LazyChart, Spec, field, graphique, mark, nominal, title, tooltips


def _quantile_classes(records: list[dict[str, Any]], classes: int, d: int, unite: str) -> list[str]:
    """Put each record with a value in one of at most ``classes`` quantile classes (``classe``,
    a label « de 3 à 10 », « plus de 10 à 25 »...); return the labels from low to high."""
    drawn = [r for r in records if r["etat"] == VALUE]
    if not drawn:
        return []
    values = pd.Series([r["valeur"] for r in drawn])
    if values.nunique() == 1:
        codes, labels = [0] * len(drawn), [format_value(values.iloc[0], d, unite)]
    else:
        bins = pd.qcut(values, q=classes, duplicates="drop")
        codes = list(bins.cat.codes)
        labels = []
        for i, interval in enumerate(bins.cat.categories):
            low = values.min() if i == 0 else interval.left
            labels.append(f"{'de' if i == 0 else 'plus de'} {format_value(low, d, unite)} "
                          f"à {format_value(interval.right, d, unite)}")
    for r, code in zip(drawn, codes):
        r["classe"] = labels[code]
    return labels


def carte(df: pd.DataFrame, geojson: dict[str, Any], code_col: str = "code", valeur_col: str = "valeur",
          titre: str = "", *, nom_col: str | None = None, statut: str | None = "statut", unite: str = "",
          decimales: int | None = None, libelle_valeur: str | None = None, libelle_zone: str = "Territoire",
          correspondance: Mapping[str, str] | None = None, classes: int | None = None, sous_titre: str = "",
          projection: str | None = None, largeur: int = 480, hauteur: int = 480,
          source: str = "") -> tuple[LazyChart, Graphique]:
    """Choropleth map of ``valeur_col`` by territory code ``code_col`` on the ``geojson`` boundaries.

    Every contour is drawn: with a value in the sequential scheme, secret (« s », grey, « s » in
    the tooltip), or « pas de donnée » (white). Data codes without a contour are named in the
    subtitle and the alt text (« 2 codes sans contour : … »), never silently dropped.
    ``correspondance`` maps a boundary code to a data code: colour communes by the value of
    their EPCI (:func:`~workspace_lib.charts.geo.epci_by_commune`), or old communes by the value
    of the commune nouvelle they joined. ``nom_col`` names the zone in tooltips (else the
    contour's name). ``projection``: Vega projection type, by default conic conformal centred
    on France (Lambert-93 like), Mercator for overseas départements. ``classes``: colour by
    that many quantile classes (better for skewed values) instead of a continuous gradient.
    """
    check_columns(df, code_col, valeur_col, nom_col)
    fc = geo_mod.normalize(geojson)
    codes = [geo_mod.normalize_code(c) if not is_missing(c) else None for c in df[code_col]]
    match = geo_mod.match_codes(codes, fc, correspondance=correspondance)
    width = max((len(c) for c in match.matched), default=0)
    if width:  # codes that lost a leading zero
        codes = [c.zfill(width) if c and c.isdigit() and len(c) < width and c.zfill(width) in match.matched
                 else c for c in codes]
    data = df.copy()
    data[code_col] = codes
    cells = cells_of(data, valeur_col, statut, {"code": code_col})
    check_unique(cells, ("code",), "le code")
    d = decimals([c["valeur"] for c in cells], decimales)
    value_title = axis_title(libelle_valeur if libelle_valeur is not None else valeur_col, unite)
    records = []
    for c in cells:
        c["etiquette"] = (SECRET_LEGEND if c["etat"] == SECRET else NO_DATA_LABEL if c["etat"] == MISSING
                          else format_value(c["valeur"], d, unite))
        rec = {"code": c["code"], "valeur": c["valeur"], "etiquette": c["etiquette"],
               "etat": SECRET_LABEL if c["etat"] == SECRET else NO_DATA_LABEL if c["etat"] == MISSING else VALUE}
        if nom_col:
            rec["zone"] = label(c["_row"][nom_col])
        records.append(rec)

    features = []
    for f in fc["features"]:
        props = f["properties"]
        zone = correspondance.get(props["code"]) if correspondance is not None else props["code"]
        features.append({"type": "Feature", "geometry": f["geometry"],
                         "properties": {"code": props["code"], "nom": props["nom"],
                                        "cle": geo_mod.normalize_code(zone) if zone is not None else None}})
    by_code = {r["code"]: r for r in records}
    states = {}
    for f in features:
        rec = by_code.get(f["properties"]["cle"])
        states[f["properties"]["code"]] = rec["etat"] if rec else NO_DATA_LABEL

    fields = ["valeur", "etiquette", "etat"] + (["zone"] if nom_col else [])
    tips = [("properties.nom", libelle_zone), ("properties.code", "Code")]
    if nom_col:
        tips.append(("zone", nom_col))
    tips.append(("etiquette", value_title))
    layers: list[Spec] = []
    hidden_states = [s for s in (SECRET_LABEL, NO_DATA_LABEL) if s in states.values()]
    if hidden_states:
        fills = {SECRET_LABEL: theme.SECRET_FILL, NO_DATA_LABEL: theme.NO_DATA_FILL}
        color = field("etat", "nominal", title=None,
                      scale={"domain": hidden_states, "range": [fills[s] for s in hidden_states]},
                      legend={"orient": "bottom", "symbolStrokeColor": "#8c8c8c", "symbolType": "square"})
        layers.append({"mark": mark("geoshape", stroke="#8c8c8c", strokeWidth=0.6),
                       "transform": [{"filter": f"datum.etat !== '{VALUE}'"}],
                       "encoding": {"color": color, "tooltip": tooltips(*tips)}})
    if classes:
        class_labels = _quantile_classes(records, classes, d, unite)
        fields.append("classe")
        color_value = field("classe", "ordinal", title=value_title,
                            scale={"domain": class_labels, "range": theme.sequential_classes(len(class_labels))},
                            legend={"orient": "right", "symbolType": "square"})
    else:
        color_value = field("valeur", "quantitative", title=value_title,
                            legend={"orient": "right", "gradientLength": 180})
    if any(s == VALUE for s in states.values()):
        layers.append({"mark": mark("geoshape", stroke="white", strokeWidth=0.6),
                       "transform": [{"filter": f"datum.etat === '{VALUE}'"}],
                       "encoding": {"color": color_value, "tooltip": tooltips(*tips)}})
    secret_codes = [code for code, state in states.items() if state == SECRET_LABEL]
    if secret_codes:
        wanted = set(secret_codes)
        points = []
        for f in features:
            if f["properties"]["code"] in wanted:
                lon, lat = geo_mod.centroid(f)
                points.append({"lon": lon, "lat": lat, "marque": SECRET_MARK, "nom": f["properties"]["nom"],
                               "etiquette": SECRET_LEGEND})
        layers.append({"data": {"values": points},
                       "mark": mark("text", fontSize=10, fontWeight="bold", color=theme.TEXT_COLOR),
                       "encoding": {"longitude": field("lon", "quantitative"),
                                    "latitude": field("lat", "quantitative"), "text": nominal("marque"),
                                    "tooltip": tooltips(("nom", libelle_zone), ("etiquette", value_title))}})
    if projection is None:
        overseas = all(f["properties"]["code"].startswith("97") for f in features)
        projection = "mercator" if overseas else "conicConformal"
    proj = ({"type": "conicConformal", "parallels": [44, 49], "rotate": [-3, 0]}
            if projection == "conicConformal" else {"type": projection})

    legends = [SECRET_LEGEND] if secret_codes else []
    caption = match.caption()
    names = {f["properties"]["cle"]: f["properties"]["nom"] for f in features if f["properties"]["cle"]}

    def zone_name(c: dict[str, Any]) -> str:
        if nom_col:
            return label(c["_row"][nom_col])
        return names.get(c["code"], c["code"])

    drawn = [c for c in cells if c["etat"] == VALUE and c["code"] in match.matched]
    summary = []
    if drawn:
        mid = median(c["valeur"] for c in drawn)
        summary.append(f"{len(drawn)} territoires avec une valeur, médiane {format_value(mid, d, unite)}")
        summary.append(extremes(drawn, zone_name, d, unite))
        if len(drawn) <= 20:
            summary.append("Valeurs : " + list_values([f"{zone_name(c)} : {c['etiquette']}" for c in drawn]))
    secret_cells = [c for c in cells if c["etat"] == SECRET]
    if secret_cells:
        listed = ", ".join(zone_name(c) for c in secret_cells[:20])
        more = f" et {len(secret_cells) - 20} autres" if len(secret_cells) > 20 else ""
        summary.append(f"Secret statistique (s) pour {len(secret_cells)} territoire"
                       f"{'s' if len(secret_cells) > 1 else ''} : {listed}{more}")
    no_data = [code for code, s in states.items() if s == NO_DATA_LABEL]
    if no_data:
        summary.append(f"{len(no_data)} contour{'s' if len(no_data) > 1 else ''} sans donnée")
    text_alt = alt_text(
        f"Carte « {titre} »",
        f"{value_title} par territoire, {len(features)} contours",
        *summary, caption, *legends)
    spec: Spec = {
        "layer": layers,
        "data": {"values": features},
        "transform": [
            {"lookup": "properties.cle",
             "from": {"data": {"values": records}, "key": "code", "fields": fields}},
            {"calculate": f"datum.etat ? datum.etat : '{NO_DATA_LABEL}'", "as": "etat"},
            {"calculate": f"datum.etiquette ? datum.etiquette : '{NO_DATA_LABEL}'", "as": "etiquette"},
        ],
        "projection": proj,
        "resolve": {"scale": {"color": "independent"}},
        "width": largeur,
        "height": hauteur,
        "title": title(titre, [sous_titre, *legends, caption]),
        "description": text_alt,
    }
    donnees = donnees_of(cells, [code_col, nom_col], valeur_col, statut)
    return graphique(spec, titre, text_alt, donnees, "carte", code_col, valeur_col, None, source)
