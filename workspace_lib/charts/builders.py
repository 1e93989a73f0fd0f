"""Chart builders: each returns ``(chart, Graphique)``, the chart and the report block.

The :class:`~workspace_lib.report_model.Graphique` carries the Vega-Lite spec (data inline, theme
and French locale in ``config``), a French alt text (also the spec's ``description``), the
records drawn (``donnees``), the ``genre`` and the column names. The chart is a
:class:`~workspace_lib.charts.vega.LazyChart` over the same spec: ``to_dict()`` gives the spec,
any Altair method builds the Altair chart on demand (``chart.altair()``). The specs are written
as plain dicts (:mod:`.vega`): no Altair object is built on the way, a call takes about a
millisecond for a few dozen rows.

Suppressed cells (statistical disclosure): a row whose ``statut`` is ``secret_primaire`` or
``secret_secondaire`` is never drawn, whatever its value (the value is also blanked in
``donnees``): no bar, no point, no area colour. It gets a visible « s » at its place (at the
baseline of its bar, under its year, on its area) and the legend « s : donnée couverte par le
secret statistique » in the subtitle and the alt text. A row without a value and without a
secret status is « nd : donnée non disponible », shown the same way, so that missing data
never reads as a zero either.

Values shown as text (labels, tooltips, alt text) are formatted in Python with the French rules
(:func:`format_value`); axes and legends are formatted by Vega with the French locale.
Maps (:func:`carte`) are in :mod:`.maps`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import pandas as pd

from ..report_model import Graphique
from . import theme
from .maps import carte
from .values import (  # noqa: F401  (the constants are part of this module's interface)
    MAX_VALUES_IN_ALT_TEXT,
    MISSING,
    MISSING_LEGEND,
    MISSING_MARK,
    NO_DATA_LABEL,
    PUBLIE,
    SECRET,
    SECRET_LABEL,
    SECRET_LEGEND,
    SECRET_MARK,
    SECRET_PRIMAIRE,
    SECRET_SECONDAIRE,
    SUPPRESSED,
    TOTAL_MEMBERS,
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
    legends_of,
    list_values,
    mark_of,
    shown,
    spec_record,
    unique,
    unit_suffix,
)
from .vega import LazyChart, Spec, field, graphique, inline, mark, nominal, title, tooltips

Chart = LazyChart

__all__ = [
    "FEMMES", "HOMMES", "MAX_VALUES_IN_ALT_TEXT", "MISSING", "MISSING_LEGEND", "MISSING_MARK",
    "NO_DATA_LABEL", "PUBLIE", "SECRET", "SECRET_LABEL", "SECRET_LEGEND", "SECRET_MARK",
    "SECRET_PRIMAIRE", "SECRET_SECONDAIRE", "SUPPRESSED", "TOTAL_MEMBERS", "VALUE", "Chart",
    "LazyChart", "barres", "carte", "comparaison", "format_value", "lignes", "pyramide", "unit_suffix",
]


# --------------------------------------------------------------------------------------------
# Bars
# --------------------------------------------------------------------------------------------

def barres(df: pd.DataFrame, x: str, y: str, titre: str, *, serie: str | None = None,
           horizontal: bool = False, unite: str = "", decimales: int | None = None,
           statut: str | None = "statut", tri: str | None = None, sous_titre: str = "",
           titre_x: str | None = None, titre_y: str | None = None, titre_serie: str | None = None,
           etiquettes: bool = True, largeur: int | None = None, hauteur: int | None = None,
           source: str = "") -> tuple[Chart, Graphique]:
    """Bars of ``y`` for each category ``x`` (text), grouped by ``serie`` if given.

    ``horizontal`` draws horizontal bars (better for long labels). ``unite`` is shown after the
    values (``"%"`` for rates already in percent, ``"€"``, ``"jours"``...). ``decimales``: by
    default 0 for whole numbers, else 1. ``tri``: ``None`` (order of the table),
    ``"croissant"`` or ``"decroissant"`` (by value; one series only). ``etiquettes``: values
    written on the bars. One row per bar (category, series).
    """
    return _bars(df, x, y, titre, serie=serie, horizontal=horizontal, unite=unite, decimales=decimales,
                 statut=statut, tri=tri, sous_titre=sous_titre, titre_x=titre_x, titre_y=titre_y,
                 titre_serie=titre_serie, etiquettes=etiquettes, largeur=largeur, hauteur=hauteur,
                 source=source, color_by_x=False, kind="Diagramme en barres")


def _bars(df, x, y, titre, *, serie, horizontal, unite, decimales, statut, tri, sous_titre, titre_x,
          titre_y, titre_serie, etiquettes, largeur, hauteur, source, color_by_x, kind):
    check_columns(df, x, y, serie)
    cells = cells_of(df, y, statut, {"categorie": x, "serie": serie})
    check_unique(cells, ("categorie", "serie"), "la catégorie")
    categories = unique([c["categorie"] for c in cells])
    series = unique([c["serie"] for c in cells]) if serie else []
    if tri in ("croissant", "decroissant"):
        if serie and not color_by_x:
            raise ValueError("Le tri par valeur ne s'applique qu'à une seule série.")
        rank = {c["categorie"]: (c["valeur"] if c["etat"] == VALUE else -math.inf) for c in cells}
        categories.sort(key=lambda k: rank[k], reverse=(tri == "decroissant"))
        if tri == "croissant":  # hidden cells last in both orders
            categories.sort(key=lambda k: rank[k] == -math.inf)
    elif tri is not None:
        raise ValueError(f"Tri inconnu « {tri} » : None, « croissant » ou « decroissant ».")
    d = decimals([c["valeur"] for c in cells], decimales)
    for c in cells:
        c["etiquette"] = shown(c, d, unite)

    cat_title = titre_x if titre_x is not None else x
    val_title = axis_title(titre_y if titre_y is not None else y, unite)
    ser_title = titre_serie if titre_serie is not None else (serie or "")
    grouped = bool(serie) and not color_by_x
    drawn = [spec_record(c) for c in cells if c["etat"] == VALUE]
    hidden = [spec_record(c) | {"marque": mark_of(c["etat"])} for c in cells if c["etat"] != VALUE]

    slanted = max(len(k) for k in categories) > 12 and len(categories) > 3
    cat_key, val_key = ("y", "x") if horizontal else ("x", "y")
    tips = [("categorie", cat_title)] + ([("serie", ser_title or "Série")] if serie else [])
    tips.append(("etiquette", titre_y if titre_y is not None else y))

    def place(with_value: bool) -> Spec:
        """The position encodings of a layer (the value at 0 for the « s »/« nd » marks)."""
        axis = {"labelAngle": 0} if horizontal else {"labelAngle": -35 if slanted else 0,
                                                     "labelAlign": "right" if slanted else "center"}
        enc = {cat_key: field("categorie", "nominal", title=cat_title, scale={"domain": list(categories)},
                              axis=axis),
               val_key: (field("valeur", "quantitative", title=val_title, scale={"zero": True})
                         if with_value else {"datum": 0})}
        if grouped:
            enc["yOffset" if horizontal else "xOffset"] = field(
                "serie", "nominal", scale={"domain": list(series)}, title=ser_title)
        return enc

    if serie:
        color = field("serie", "nominal", title=ser_title or None, scale={"domain": list(series)},
                      legend=None if color_by_x else {"orient": "bottom", "direction": "horizontal"})
    else:
        color = {"value": theme.PALETTE[0]}
    layers = [{"data": inline(drawn), "mark": mark("bar"),
               "encoding": place(True) | {"color": color, "tooltip": tooltips(*tips)}}]
    font_size = 10 if grouped else 11
    if etiquettes and drawn:
        text = (mark("text", align="left", baseline="middle", dx=3, fontSize=font_size) if horizontal
                else mark("text", align="center", baseline="bottom", dy=-3, fontSize=font_size))
        layers.append({"data": inline(drawn), "mark": text,
                       "encoding": place(True) | {"text": nominal("etiquette")}})
    if hidden:
        marks = (mark("text", align="left", baseline="middle", dx=4, fontSize=12, fontWeight="bold",
                      color=theme.TEXT_COLOR) if horizontal
                 else mark("text", align="center", baseline="bottom", dy=-3, fontSize=12, fontWeight="bold",
                           color=theme.TEXT_COLOR))
        layers.append({"data": inline(hidden), "mark": marks,
                       "encoding": place(False) | {"text": nominal("marque"), "tooltip": tooltips(*tips)}})

    legends = legends_of(cells)
    orientation = "horizontales" if horizontal else "verticales"
    if serie and not color_by_x:
        parts = []
        for s in series:
            values = [f"{c['categorie']} : {c['etiquette']}" for c in cells if c["serie"] == s]
            parts.append(f"{s} — " + ", ".join(values))
        listing = "Valeurs par " + (ser_title or "série").lower() + " : " + list_values(parts)
        name = lambda c: f"{c['categorie']} ({c['serie']})"  # noqa: E731
    else:
        listing = "Valeurs : " + list_values([f"{c['categorie']} : {c['etiquette']}" for c in cells])
        name = lambda c: c["categorie"]  # noqa: E731
    text_alt = alt_text(
        f"{kind} {orientation} « {titre} »",
        f"{val_title} selon {cat_title.lower() if cat_title else 'la catégorie'}"
        + (f" et {ser_title.lower()}" if serie and not color_by_x and ser_title else ""),
        listing, extremes(cells, name, d, unite), *legends)
    spec: Spec = {"layer": layers, "title": title(titre, [sous_titre, *legends]), "description": text_alt}
    # One step per category: wide enough for the value labels (vertical), tall enough for a row.
    label_chars = max([len(c["etiquette"]) for c in cells] + [1])
    if horizontal:
        step = len(series) * 17 + 8 if grouped else 26
    else:
        step = len(series) * max(22, 6 * label_chars) + 10 if grouped else max(38, 7 * label_chars + 8)
    band = {"step": step, "for": "position"}
    spec |= {"width": largeur} if largeur else {} if horizontal else {"width": band}
    spec |= {"height": hauteur} if hauteur else {"height": band} if horizontal else {}
    genre = "barres_horizontales" if horizontal else "barres"
    donnees = donnees_of(cells, [x, serie] if serie != x else [x], y, statut)
    return graphique(spec, titre, text_alt, donnees, genre, x, y, serie, source)


def comparaison(df: pd.DataFrame, titre: str, *, valeur: str = "valeur", niveau: str = "libelle_niveau",
                categorie: str | None = None, statut: str | None = "statut", unite: str = "",
                decimales: int | None = None, horizontal: bool = False, sous_titre: str = "",
                titre_valeur: str | None = None, titre_categorie: str | None = None,
                etiquettes: bool = True, largeur: int | None = None, hauteur: int | None = None,
                source: str = "") -> tuple[Chart, Graphique]:
    """An indicator's value for the employer and its comparison perimeters (strate, département…).

    ``df`` is what :func:`workspace_lib.indicators.comparaison.comparer` returns (one row per
    level: ``libelle_niveau``, ``valeur``, ``statut``...). Without ``categorie``: one bar per
    level, each its colour. With ``categorie`` (a dimension, or ``annee`` for several years,
    chosen automatically when the table holds several years): grouped bars, one group per
    category and one bar per level.
    """
    if niveau not in df.columns and "niveau" in df.columns:
        niveau = "niveau"
    if categorie is None and "annee" in df.columns and df["annee"].nunique() > 1:
        categorie = "annee"
    val_title = titre_valeur if titre_valeur is not None else valeur
    if categorie is None:
        return _bars(df, niveau, valeur, titre, serie=niveau, horizontal=horizontal, unite=unite,
                     decimales=decimales, statut=statut, tri=None, sous_titre=sous_titre,
                     titre_x=titre_categorie if titre_categorie is not None else "Périmètre",
                     titre_y=val_title, titre_serie="Périmètre", etiquettes=etiquettes, largeur=largeur,
                     hauteur=hauteur, source=source, color_by_x=True, kind="Comparaison en barres")
    return _bars(df, categorie, valeur, titre, serie=niveau, horizontal=horizontal, unite=unite,
                 decimales=decimales, statut=statut, tri=None, sous_titre=sous_titre,
                 titre_x=titre_categorie if titre_categorie is not None else categorie, titre_y=val_title,
                 titre_serie="Périmètre", etiquettes=etiquettes, largeur=largeur, hauteur=hauteur,
                 source=source, color_by_x=False, kind="Comparaison en barres groupées")


# --------------------------------------------------------------------------------------------
# Lines
# --------------------------------------------------------------------------------------------

def _is_temporal(series: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    values = [v for v in series if not is_missing(v)]
    return bool(values) and all(isinstance(v, (dt.date, pd.Timestamp)) for v in values)


def _month_year(value: pd.Timestamp) -> str:
    return f"{theme.TIME_FORMAT_LOCALE['months'][value.month - 1]} {value.year}"


def lignes(df: pd.DataFrame, x: str = "annee", y: str = "valeur", serie: str | None = None, titre: str = "",
           *, unite: str = "", decimales: int | None = None, statut: str | None = "statut",
           sous_titre: str = "", titre_x: str | None = None, titre_y: str | None = None,
           titre_serie: str | None = None, etiquettes: bool | None = None, format_date: str | None = None,
           largeur: int = 480, hauteur: int = 300, source: str = "") -> tuple[Chart, Graphique]:
    """Evolution of ``y`` over ``x`` (years, or dates for a time axis), one line per ``serie``.

    Years (numbers or text) make an ordered axis; dates (datetime) a time axis with French
    month names (``format_date`` is a d3 time format, by default « janv. 2024 » for monthly data,
    else « 31/12/2024 »). A hidden value (secret, or no value) breaks the line and puts an « s »
    (or « nd ») under its year, in the colour of its series. ``etiquettes`` writes the values
    at the points (by default for one series of at most 15 points).
    """
    check_columns(df, x, y, serie)
    temporal = _is_temporal(df[x])
    data = df
    if temporal:
        data = df.copy()
        data[x] = pd.to_datetime(data[x])
    cells = cells_of(data, y, statut, {"serie": serie})
    for cell in cells:
        raw = cell["_row"][x]
        if temporal:
            ts = pd.Timestamp(raw)
            cell["_ts"] = ts
            cell["x"] = ts.strftime("%Y-%m-%dT%H:%M:%S")  # local time, as Vega formats it
        else:
            cell["x"] = label(raw)
    check_unique(cells, ("x", "serie"), "le point")
    if temporal:
        order = sorted({c["_ts"] for c in cells})
        monthly = all(ts.day == 1 and ts.hour == 0 for ts in order)
        shown_x = {c["x"]: (_month_year(c["_ts"]) if monthly else c["_ts"].strftime("%d/%m/%Y")) for c in cells}
        xs = [ts.strftime("%Y-%m-%dT%H:%M:%S") for ts in order]
    else:
        xs = unique([c["x"] for c in cells])
        try:
            xs.sort(key=float)
        except ValueError:
            pass  # not numbers: keep the table's order
        shown_x = {k: k for k in xs}
    series = unique([c["serie"] for c in cells]) if serie else [""]
    d = decimals([c["valeur"] for c in cells], decimales)
    position = {k: i for i, k in enumerate(xs)}
    rank = {s: i for i, s in enumerate(series)}
    cells.sort(key=lambda c: (rank[c["serie"]], position[c["x"]]))
    segment = {s: 0 for s in series}
    for c in cells:
        c["etiquette"] = shown(c, d, unite)
        c["x_affiche"] = shown_x[c["x"]]
        if c["etat"] != VALUE:
            segment[c["serie"]] += 1
        c["segment"] = f"{c['serie']}#{segment[c['serie']]}"

    x_title = titre_x if titre_x is not None else x
    y_title = axis_title(titre_y if titre_y is not None else y, unite)
    ser_title = titre_serie if titre_serie is not None else (serie or "")
    if temporal and format_date is None:
        format_date = "%b %Y" if monthly else "%d/%m/%Y"
    tick_step = None
    if temporal and monthly and len(xs) > 1:
        months = (order[-1].year - order[0].year) * 12 + order[-1].month - order[0].month
        tick_step = max(1, math.ceil(months / 8))

    def x_enc() -> Spec:
        if not temporal:
            return field("x", "ordinal", title=x_title, scale={"domain": list(xs)}, axis={"labelAngle": 0})
        axis: Spec = {"format": format_date, "labelAngle": 0, "labelOverlap": True}
        if tick_step is not None:
            axis["tickCount"] = {"interval": "month", "step": tick_step}
        return field("x", "temporal", title=x_title, axis=axis)

    def y_enc() -> Spec:
        return field("valeur", "quantitative", title=y_title, scale={"zero": True})

    def color() -> Spec:
        if not serie:
            return {"value": theme.PALETTE[0]}
        return field("serie", "nominal", title=ser_title or None, scale={"domain": list(series)},
                     legend={"orient": "bottom", "direction": "horizontal"})

    def base() -> Spec:
        return {"x": x_enc(), "y": y_enc(), "color": color(), "detail": nominal("segment")}

    drawn = [spec_record(c) for c in cells if c["etat"] == VALUE]
    colors = {s: theme.PALETTE[i % len(theme.PALETTE)] for i, s in enumerate(series)}
    hidden = [spec_record(c) | {"marque": mark_of(c["etat"]), "couleur": colors[c["serie"]],
                                "ypix": hauteur - 4 - 13 * rank[c["serie"]]}
              for c in cells if c["etat"] != VALUE]
    tips = [("x_affiche", x_title)] + ([("serie", ser_title or "Série")] if serie else [])
    tips.append(("etiquette", titre_y if titre_y is not None else y))
    layers = [{"data": inline(drawn), "mark": mark("line"), "encoding": base()},
              {"data": inline(drawn), "mark": mark("point", filled=True, size=50),
               "encoding": base() | {"tooltip": tooltips(*tips)}}]
    if etiquettes is None:
        etiquettes = not serie and len(xs) <= 15
    if etiquettes and drawn:
        layers.append({"data": inline(drawn), "mark": mark("text", dy=-10, fontSize=11, color=theme.TEXT_COLOR),
                       "encoding": base() | {"text": nominal("etiquette"), "color": {"value": theme.TEXT_COLOR}}})
    if hidden:
        layers.append({"data": inline(hidden), "mark": mark("text", fontSize=12, fontWeight="bold", baseline="bottom"),
                       "encoding": {"x": x_enc(), "y": field("ypix", "quantitative", scale=None, axis=None),
                                    "text": nominal("marque"), "color": field("couleur", "nominal", scale=None),
                                    "tooltip": tooltips(*tips)}})
    legends = legends_of(cells)
    parts = []
    for s in series:
        values = [f"{c['x_affiche']} : {c['etiquette']}" for c in cells if c["serie"] == s]
        parts.append((f"{s} — " if serie else "") + ", ".join(values))
    name = (lambda c: f"{c['x_affiche']} ({c['serie']})") if serie else (lambda c: c["x_affiche"])
    text_alt = alt_text(
        f"Graphique en lignes « {titre} »",
        f"Évolution, {y_title} selon {x_title.lower()}"
        + (f", une ligne par {ser_title.lower()}" if serie and ser_title else ""),
        "Valeurs : " + list_values(parts), extremes(cells, name, d, unite), *legends)
    spec = {"layer": layers, "title": title(titre, [sous_titre, *legends]), "description": text_alt,
            "width": largeur, "height": hauteur}
    if not hidden:  # every layer draws the same records: given once, at the top (as Altair does)
        spec["data"] = layers[0]["data"]
        for layer in layers:
            del layer["data"]
    donnees = donnees_of(cells, [x, serie], y, statut)
    return graphique(spec, titre, text_alt, donnees, "lignes", x, y, serie, source)


# --------------------------------------------------------------------------------------------
# Age pyramid
# --------------------------------------------------------------------------------------------

FEMMES, HOMMES = "Femmes", "Hommes"


def _sex_labels(libelles: Mapping[str, str] | None) -> dict[str, str]:
    """``libelles`` as data value -> « Femmes »/« Hommes » (the reverse form is accepted too)."""
    out = {}
    for key, value in (libelles or {}).items():
        if value in (FEMMES, HOMMES):
            out[str(key)] = value
        elif key in (FEMMES, HOMMES):
            out[str(value)] = key
        else:
            raise ValueError(f"libelles : « {key} » → « {value} » : l'un des deux doit être « Femmes » ou « Hommes ».")
    return out


def _sex_of(value: str, libelles: Mapping[str, str] | None) -> str | None:
    if libelles and value in libelles:
        return libelles[value]
    low = value.strip().lower()
    if low in TOTAL_MEMBERS:
        return None
    if low.startswith(("f", "2")):
        return FEMMES
    if low.startswith(("h", "m", "1")):
        return HOMMES
    raise ValueError(
        f"Valeur de sexe non reconnue : « {value} ». Indiquez libelles={{'{value}': 'Femmes' ou 'Hommes'}}."
    )


def pyramide(df: pd.DataFrame, tranche: str = "tranche_age", sexe: str = "sexe", valeur: str = "valeur",
             titre: str = "", *, ordre: Sequence[str] | None = None, libelles: Mapping[str, str] | None = None,
             statut: str | None = "statut", unite: str = "", decimales: int | None = None,
             sous_titre: str = "", titre_tranche: str = "Tranche d'âge", titre_valeur: str | None = None,
             etiquettes: bool = True, largeur: int = 480, hauteur: int | None = None,
             source: str = "") -> tuple[Chart, Graphique]:
    """Age pyramid: men on the left, women on the right (INSEE convention), labels in absolute values.

    ``sexe`` values starting with F (or 2) are women, H/M (or 1) men; ``libelles`` maps other
    values to « Femmes »/« Hommes » (``{"W": "Femmes"}``; ``{"Femmes": "W"}`` is read the same).
    Rows whose tranche or sexe is a margin (« Ensemble », « total ») are left out. ``ordre``
    lists the tranches from the youngest (default: the table's order); the oldest is drawn on top.
    """
    check_columns(df, tranche, sexe, valeur)
    libelles = _sex_labels(libelles)
    keep = [not (label(t).strip().lower() in TOTAL_MEMBERS) and _sex_of(label(s), libelles) is not None
            for t, s in zip(df[tranche], df[sexe])]
    data = df if all(keep) else df[keep]
    if data.empty:
        raise ValueError("Aucune ligne par tranche d'âge et par sexe à représenter.")
    cells = cells_of(data, valeur, statut, {"tranche": tranche})
    for c in cells:
        c["sexe"] = _sex_of(label(c["_row"][sexe]), libelles)
    check_unique(cells, ("tranche", "sexe"), "la tranche")
    tranches = list(ordre) if ordre is not None else unique([c["tranche"] for c in cells])
    unknown = sorted({c["tranche"] for c in cells} - set(tranches))
    if unknown:
        raise ValueError(f"Tranches absentes de « ordre » : {', '.join(unknown)}.")
    d = decimals([c["valeur"] for c in cells], decimales)
    for c in cells:
        c["etiquette"] = shown(c, d, unite)
        c["signe"] = None if c["valeur"] is None else (-c["valeur"] if c["sexe"] == HOMMES else c["valeur"])
    drawn = [spec_record(c) for c in cells if c["etat"] == VALUE]
    hidden = [spec_record(c) | {"marque": mark_of(c["etat"])} for c in cells if c["etat"] != VALUE]
    top = max([abs(c["valeur"]) for c in cells if c["etat"] == VALUE] or [1])
    val_title = axis_title(titre_valeur if titre_valeur is not None else valeur, unite)
    domain = list(reversed(tranches))  # oldest on top

    def y_enc() -> Spec:
        return field("tranche", "nominal", title=titre_tranche, scale={"domain": list(domain)},
                     axis={"labelAngle": 0})

    def x_enc() -> Spec:
        return field("signe", "quantitative", title=f"{HOMMES} ← {val_title} → {FEMMES}",
                     scale={"domain": [-top * 1.18, top * 1.18], "nice": False},
                     axis={"labelExpr": "format(abs(datum.value), ',~f')", "tickCount": 6})

    tips = [("tranche", titre_tranche), ("sexe", "Sexe"),
            ("etiquette", titre_valeur if titre_valeur is not None else valeur)]
    color = field("sexe", "nominal", title=None,
                  scale={"domain": [HOMMES, FEMMES], "range": [theme.PALETTE[0], theme.PALETTE[1]]},
                  legend={"orient": "bottom", "direction": "horizontal"})
    layers = [{"data": inline(drawn), "mark": mark("bar"),
               "encoding": {"x": x_enc(), "y": y_enc(), "tooltip": tooltips(*tips), "color": color}}]
    for sex, align, dx in ((HOMMES, "right", -3), (FEMMES, "left", 3)):
        labels = [r for r in drawn if r["sexe"] == sex]
        if etiquettes and labels:
            layers.append({"data": inline(labels),
                           "mark": mark("text", align=align, baseline="middle", dx=dx, fontSize=10.5),
                           "encoding": {"x": x_enc(), "y": y_enc(), "text": nominal("etiquette")}})
        marks = [r for r in hidden if r["sexe"] == sex]
        if marks:
            layers.append({"data": inline(marks),
                           "mark": mark("text", align=align, baseline="middle", dx=dx * 2, fontSize=12,
                                        fontWeight="bold", color=theme.TEXT_COLOR),
                           "encoding": {"x": {"datum": 0}, "y": y_enc(), "text": nominal("marque"),
                                        "tooltip": tooltips(*tips)}})
    # The axis at zero between the two sides.
    layers.append({"data": {"values": [{"zero": 0}]},
                   "mark": mark("rule", color=theme.OUTLINE_COLOR, strokeWidth=1),
                   "encoding": {"x": {"datum": 0}}})
    legends = legends_of(cells)
    by = {(c["tranche"], c["sexe"]): c["etiquette"] for c in cells}
    rows = [f"{t} : {HOMMES.lower()} {by.get((t, HOMMES), '—')}, {FEMMES.lower()} {by.get((t, FEMMES), '—')}"
            for t in tranches]
    totals = []
    for sex in (FEMMES, HOMMES):
        values = [c["valeur"] for c in cells if c["sexe"] == sex and c["etat"] == VALUE]
        complete = all(c["etat"] == VALUE for c in cells if c["sexe"] == sex)
        if values:
            totals.append(f"{sex.lower()} {'' if complete else 'au moins '}{format_value(sum(values), d, unite)}")
    name = lambda c: f"{c['sexe'].lower()} de {c['tranche']}"  # noqa: E731
    text_alt = alt_text(
        f"Pyramide des âges « {titre} »",
        f"{val_title} par tranche d'âge, hommes à gauche, femmes à droite",
        ("Totaux : " + " ; ".join(totals)) if totals else "",
        "Valeurs : " + list_values(rows), extremes(cells, name, d, unite), *legends)
    spec = {"layer": layers, "title": title(titre, [sous_titre, *legends]), "description": text_alt,
            "width": largeur}
    if hauteur:
        spec["height"] = hauteur
    donnees = donnees_of(cells, [tranche, sexe], valeur, statut)
    return graphique(spec, titre, text_alt, donnees, "pyramide", tranche, valeur, sexe, source)
