"""Test oracle: the Altair-based chart builders, frozen as they were before the plain-dict rewrite.

A verbatim copy of ``workspace_lib/charts/builders.py`` at commit 059f06c (only the imports made
absolute). :mod:`test_charts_speed` checks that the new builders give the same Vega-Lite
spec, alt text and records as this code for representative inputs; ``bench/bench_charts.py``
times both. Not used by the package; holds no test (pytest collects nothing here). The
original module docstring follows.

Chart builders: each returns ``(chart, Graphique)``, the Altair chart and the report block.

The :class:`~workspace_lib.report_model.Graphique` carries the Vega-Lite spec (data inline, theme
and French locale in ``config``), a French alt text (also the spec's ``description``), the
records drawn (``donnees``), the ``genre`` and the column names.

Suppressed cells (statistical disclosure): a row whose ``statut`` is ``secret_primaire`` or
``secret_secondaire`` is never drawn, whatever its value (the value is also blanked in
``donnees``): no bar, no point, no area colour. It gets a visible « s » at its place (at the
baseline of its bar, under its year, on its area) and the legend « s : donnée couverte par le
secret statistique » in the subtitle and the alt text. A row without a value and without a
secret status is « nd : donnée non disponible », shown the same way, so that missing data
never reads as a zero either.

Values shown as text (labels, tooltips, alt text) are formatted in Python with the French rules
(:func:`format_value`); axes and legends are formatted by Vega with the French locale.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from statistics import median
from typing import Any

import altair as alt
import pandas as pd

from workspace_lib.report_model import Graphique
from workspace_lib.charts import geo as geo_mod
from workspace_lib.charts import theme

# Same values as workspace_lib.disclosure (not imported: it pulls scipy, 1 s at import).
SECRET_PRIMAIRE = "secret_primaire"
SECRET_SECONDAIRE = "secret_secondaire"
PUBLIE = "publie"
SUPPRESSED = frozenset({SECRET_PRIMAIRE, SECRET_SECONDAIRE})
SECRET_MARK = "s"
SECRET_LEGEND = "s : donnée couverte par le secret statistique"
MISSING_MARK = "nd"
MISSING_LEGEND = "nd : donnée non disponible"
NO_DATA_LABEL = "Pas de donnée"
SECRET_LABEL = "s : secret statistique"

VALUE, SECRET, MISSING = "valeur", "secret", "absent"
MAX_VALUES_IN_ALT_TEXT = 60
TOTAL_MEMBERS = {"ensemble", "total"}

Chart = alt.LayerChart


# --------------------------------------------------------------------------------------------
# Values and formats
# --------------------------------------------------------------------------------------------

def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _py(value: Any) -> Any:
    """A JSON-safe Python value (NaN -> None, numpy -> Python, dates -> ISO text)."""
    if _is_missing(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return None
    return value


def unit_suffix(unite: str) -> str:
    """« % » after a narrow no-break space, any other unit after a no-break space."""
    if not unite:
        return ""
    if unite == "%":
        return theme.NARROW_NBSP + "%"
    return theme.NBSP + unite


def format_value(value: Any, decimales: int = 0, unite: str = "") -> str:
    """``12345.6`` -> ``"12 345,6"`` (U+202F), with the unit: ``"5,2 %"``, ``"1 200 €"``."""
    if _is_missing(value):
        return ""
    text = f"{float(value):,.{decimales}f}".replace(",", theme.NARROW_NBSP).replace(".", ",")
    if text.startswith("-"):
        text = "\u2212" + text[1:]  # the minus sign Vega prints too
    return text + unit_suffix(unite)


def _decimals(values: Sequence[float], decimales: int | None) -> int:
    if decimales is not None:
        return decimales
    finite = [v for v in values if v is not None]
    return 0 if all(float(v).is_integer() for v in finite) else 1


def _check_columns(df: pd.DataFrame, *columns: str | None) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"Un DataFrame pandas est attendu (reçu {type(df).__name__}).")
    missing = [c for c in columns if c and c not in df.columns]
    if missing:
        raise KeyError(
            f"Colonne{'s' if len(missing) > 1 else ''} absente{'s' if len(missing) > 1 else ''} "
            f"du tableau : {', '.join(missing)} (colonnes : {', '.join(map(str, df.columns))})."
        )
    if df.empty:
        raise ValueError("Le tableau est vide : aucune donnée à représenter.")


def _label(value: Any) -> str:
    value = _py(value)
    if value is None:
        return "Non renseigné"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _cells(df: pd.DataFrame, value_col: str, statut: str | None, keys: dict[str, str | None]) -> list[dict[str, Any]]:
    """One dict per row: the keys (as labels), ``valeur`` (None unless drawable), ``etat``.

    ``etat`` is ``secret`` when the status is a secret (the value is dropped whatever it is),
    ``absent`` when there is no value, else ``valeur``.
    """
    has_statut = bool(statut) and statut in df.columns
    out = []
    for row in df.to_dict("records"):
        status = _py(row.get(statut)) if has_statut else None
        if status is not None and status != PUBLIE and status not in SUPPRESSED:
            raise ValueError(
                f"Statut inconnu « {status} » dans la colonne « {statut} » : attendu {PUBLIE}, "
                f"{SECRET_PRIMAIRE} ou {SECRET_SECONDAIRE} (contrôle du secret). Pour une autre "
                "colonne nommée ainsi, renommez-la ou passez statut=None."
            )
        value = _py(row[value_col])
        if status in SUPPRESSED:
            state, value = SECRET, None
        elif value is None:
            state = MISSING
        else:
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"Valeur non numérique dans la colonne « {value_col} » : {value!r}.") from None
            state = VALUE
        cell = {name: (_label(row[col]) if col else "") for name, col in keys.items()}
        cell.update(valeur=value, etat=state, statut=_py(status) if has_statut else None, _row=row)
        out.append(cell)
    return out


def _donnees(cells: list[dict[str, Any]], columns: Sequence[str | None], value_col: str,
             statut: str | None) -> list[dict[str, Any]]:
    """The records drawn, for the Excel export: only the chart's columns (never the
    contributors' columns of a suppressed cell), secret values blanked."""
    records = []
    for cell in cells:
        row = cell["_row"]
        rec = {c: _py(row[c]) for c in columns if c}
        rec[value_col] = cell["valeur"]
        if statut and statut in row:
            rec[statut] = cell["statut"]
        records.append(rec)
    return records


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _check_unique(cells: list[dict[str, Any]], keys: Sequence[str], what: str) -> None:
    seen = set()
    for cell in cells:
        key = tuple(cell[k] for k in keys)
        if key in seen:
            raise ValueError(
                f"Plusieurs lignes pour {what} « {' / '.join(k for k in key if k)} » : "
                "filtrez le tableau (une ligne par barre ou par point) ou ajoutez une série."
            )
        seen.add(key)


def _legends(cells: list[dict[str, Any]]) -> list[str]:
    states = {c["etat"] for c in cells}
    return [text for state, text in ((SECRET, SECRET_LEGEND), (MISSING, MISSING_LEGEND)) if state in states]


def _mark_of(state: str) -> str:
    return SECRET_MARK if state == SECRET else MISSING_MARK


def _shown(cell: dict[str, Any], d: int, unite: str) -> str:
    if cell["etat"] == SECRET:
        return SECRET_MARK
    if cell["etat"] == MISSING:
        return MISSING_MARK
    return format_value(cell["valeur"], d, unite)


def _title(titre: str, lines: Sequence[str]) -> alt.Title | str:
    lines = [line for line in lines if line]
    return alt.Title(text=titre, subtitle=lines) if lines else titre


def _axis_title(title: str, unite: str) -> str:
    return f"{title} ({unite})" if unite and unite not in title else title


def _list_values(parts: list[str]) -> str:
    if len(parts) > MAX_VALUES_IN_ALT_TEXT:
        rest = len(parts) - MAX_VALUES_IN_ALT_TEXT
        parts = parts[:MAX_VALUES_IN_ALT_TEXT] + [f"… et {rest} autres valeurs (voir le tableau de données)"]
    return " ; ".join(parts)


def _extremes(cells: list[dict[str, Any]], name, d: int, unite: str) -> str:
    drawn = [c for c in cells if c["etat"] == VALUE]
    if len(drawn) < 2:
        return ""
    high = max(drawn, key=lambda c: c["valeur"])
    low = min(drawn, key=lambda c: c["valeur"])
    return (f"Valeur la plus élevée : {name(high)} ({format_value(high['valeur'], d, unite)}) ; "
            f"la plus faible : {name(low)} ({format_value(low['valeur'], d, unite)}).")


def _graphique(chart: alt.TopLevelMixin, titre: str, alt_text: str, donnees, genre: str,
               x: str, y: str, serie: str | None, source: str) -> Graphique:
    # The builders' charts are validated by the tests; skipping Altair's JSON-schema validation
    # here saves about 40 ms a chart, which counts when a campaign draws thousands.
    spec = theme.apply_config(chart.to_dict(validate=False))
    return Graphique(titre=titre, spec=spec, texte_alternatif=alt_text, donnees=donnees, genre=genre,
                     x=x, y=y, serie=serie or "", source=source)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "…", "!", "?")) else text + "."


def _alt_text(*parts: str) -> str:
    return " ".join(_sentence(p) for p in parts if p and p.strip())


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
    _check_columns(df, x, y, serie)
    cells = _cells(df, y, statut, {"categorie": x, "serie": serie})
    _check_unique(cells, ("categorie", "serie"), "la catégorie")
    categories = _unique([c["categorie"] for c in cells])
    series = _unique([c["serie"] for c in cells]) if serie else []
    if tri in ("croissant", "decroissant"):
        if serie and not color_by_x:
            raise ValueError("Le tri par valeur ne s'applique qu'à une seule série.")
        rank = {c["categorie"]: (c["valeur"] if c["etat"] == VALUE else -math.inf) for c in cells}
        categories.sort(key=lambda k: rank[k], reverse=(tri == "decroissant"))
        if tri == "croissant":  # hidden cells last in both orders
            categories.sort(key=lambda k: rank[k] == -math.inf)
    elif tri is not None:
        raise ValueError(f"Tri inconnu « {tri} » : None, « croissant » ou « decroissant ».")
    d = _decimals([c["valeur"] for c in cells], decimales)
    for c in cells:
        c["etiquette"] = _shown(c, d, unite)

    cat_title = titre_x if titre_x is not None else x
    val_title = _axis_title(titre_y if titre_y is not None else y, unite)
    ser_title = titre_serie if titre_serie is not None else (serie or "")
    grouped = bool(serie) and not color_by_x
    drawn = [_spec_record(c) for c in cells if c["etat"] == VALUE]
    hidden = [_spec_record(c) | {"marque": _mark_of(c["etat"])} for c in cells if c["etat"] != VALUE]

    long_labels = max(len(k) for k in categories) > 12
    cat_axis = alt.Axis(labelAngle=0) if horizontal else alt.Axis(
        labelAngle=-35 if long_labels and len(categories) > 3 else 0,
        labelAlign="right" if long_labels and len(categories) > 3 else "center")
    cat_enc = dict(field="categorie", type="nominal", title=cat_title, scale=alt.Scale(domain=categories),
                   axis=cat_axis)
    val_enc = dict(field="valeur", type="quantitative", title=val_title, scale=alt.Scale(zero=True))
    cat_channel, val_channel = (alt.Y, alt.X) if horizontal else (alt.X, alt.Y)
    offset_channel = alt.YOffset if horizontal else alt.XOffset
    tooltip = [alt.Tooltip("categorie:N", title=cat_title)]
    if serie:
        tooltip.append(alt.Tooltip("serie:N", title=ser_title or "Série"))
    tooltip.append(alt.Tooltip("etiquette:N", title=titre_y if titre_y is not None else y))

    def place(chart: alt.Chart, with_value: bool) -> alt.Chart:
        enc: dict[str, Any] = {"y" if horizontal else "x": cat_channel(**cat_enc)}
        if with_value:
            enc["x" if horizontal else "y"] = val_channel(**val_enc)
        else:
            enc["x" if horizontal else "y"] = alt.datum(0)
        if grouped:
            enc["yOffset" if horizontal else "xOffset"] = offset_channel(
                "serie:N", scale=alt.Scale(domain=series), title=ser_title)
        return chart.encode(**enc)

    if serie:
        color = alt.Color("serie:N", title=ser_title or None, scale=alt.Scale(domain=series),
                          legend=None if color_by_x else alt.Legend(orient="bottom", direction="horizontal"))
    else:
        color = alt.value(theme.PALETTE[0])
    bars = place(alt.Chart(alt.Data(values=drawn)).mark_bar(), True).encode(color=color, tooltip=tooltip)
    layers = [bars]
    if etiquettes and drawn:
        text = (alt.Chart(alt.Data(values=drawn))
                .mark_text(align="left", baseline="middle", dx=3, fontSize=10 if grouped else 11)
                if horizontal else
                alt.Chart(alt.Data(values=drawn))
                .mark_text(align="center", baseline="bottom", dy=-3, fontSize=10 if grouped else 11))
        layers.append(place(text, True).encode(text="etiquette:N"))
    if hidden:
        marks = (alt.Chart(alt.Data(values=hidden))
                 .mark_text(align="left", baseline="middle", dx=4, fontSize=12, fontWeight="bold",
                            color=theme.TEXT_COLOR)
                 if horizontal else
                 alt.Chart(alt.Data(values=hidden))
                 .mark_text(align="center", baseline="bottom", dy=-3, fontSize=12, fontWeight="bold",
                            color=theme.TEXT_COLOR))
        layers.append(place(marks, False).encode(text="marque:N", tooltip=tooltip))

    legends = _legends(cells)
    orientation = "horizontales" if horizontal else "verticales"
    if serie and not color_by_x:
        parts = []
        for s in series:
            values = [f"{c['categorie']} : {c['etiquette']}" for c in cells if c["serie"] == s]
            parts.append(f"{s} — " + ", ".join(values))
        listing = "Valeurs par " + (ser_title or "série").lower() + " : " + _list_values(parts)
        name = lambda c: f"{c['categorie']} ({c['serie']})"  # noqa: E731
    else:
        listing = "Valeurs : " + _list_values([f"{c['categorie']} : {c['etiquette']}" for c in cells])
        name = lambda c: c["categorie"]  # noqa: E731
    alt_text = _alt_text(
        f"{kind} {orientation} « {titre} »",
        f"{val_title} selon {cat_title.lower() if cat_title else 'la catégorie'}"
        + (f" et {ser_title.lower()}" if serie and not color_by_x and ser_title else ""),
        listing, _extremes(cells, name, d, unite), *legends)
    chart = alt.layer(*layers).properties(title=_title(titre, [sous_titre, *legends]), description=alt_text)
    # One step per category: wide enough for the value labels (vertical), tall enough for a row.
    label_chars = max([len(c["etiquette"]) for c in cells] + [1])
    if horizontal:
        step = len(series) * 17 + 8 if grouped else 26
    else:
        step = len(series) * max(22, 6 * label_chars) + 10 if grouped else max(38, 7 * label_chars + 8)
    band = alt.Step(step, **{"for": "position"})
    size = {"width": largeur} if largeur else {} if horizontal else {"width": band}
    size |= {"height": hauteur} if hauteur else {"height": band} if horizontal else {}
    if size:
        chart = chart.properties(**size)
    genre = "barres_horizontales" if horizontal else "barres"
    donnees = _donnees(cells, [x, serie] if serie != x else [x], y, statut)
    return chart, _graphique(chart, titre, alt_text, donnees, genre, x, y, serie, source)


def _spec_record(cell: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in cell.items() if not k.startswith("_") and k != "statut"}


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
    values = [v for v in series if not _is_missing(v)]
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
    _check_columns(df, x, y, serie)
    temporal = _is_temporal(df[x])
    data = df.copy()
    if temporal:
        data[x] = pd.to_datetime(data[x])
    cells = _cells(data, y, statut, {"serie": serie})
    for cell in cells:
        raw = cell["_row"][x]
        if temporal:
            ts = pd.Timestamp(raw)
            cell["_ts"] = ts
            cell["x"] = ts.strftime("%Y-%m-%dT%H:%M:%S")  # local time, as Vega formats it
        else:
            cell["x"] = _label(raw)
    _check_unique(cells, ("x", "serie"), "le point")
    if temporal:
        order = sorted({c["_ts"] for c in cells})
        monthly = all(ts.day == 1 and ts.hour == 0 for ts in order)
        shown_x = {c["x"]: (_month_year(c["_ts"]) if monthly else c["_ts"].strftime("%d/%m/%Y")) for c in cells}
        xs = [ts.strftime("%Y-%m-%dT%H:%M:%S") for ts in order]
    else:
        xs = _unique([c["x"] for c in cells])
        try:
            xs.sort(key=float)
        except ValueError:
            pass  # not numbers: keep the table's order
        shown_x = {k: k for k in xs}
    series = _unique([c["serie"] for c in cells]) if serie else [""]
    d = _decimals([c["valeur"] for c in cells], decimales)
    position = {k: i for i, k in enumerate(xs)}
    cells.sort(key=lambda c: (series.index(c["serie"]), position[c["x"]]))
    segment = {s: 0 for s in series}
    for c in cells:
        c["etiquette"] = _shown(c, d, unite)
        c["x_affiche"] = shown_x[c["x"]]
        if c["etat"] != VALUE:
            segment[c["serie"]] += 1
        c["segment"] = f"{c['serie']}#{segment[c['serie']]}"

    x_title = titre_x if titre_x is not None else x
    y_title = _axis_title(titre_y if titre_y is not None else y, unite)
    ser_title = titre_serie if titre_serie is not None else (serie or "")
    if temporal:
        if format_date is None:
            format_date = "%b %Y" if monthly else "%d/%m/%Y"
        axis = alt.Axis(format=format_date, labelAngle=0, labelOverlap=True)
        if monthly and len(xs) > 1:
            months = (order[-1].year - order[0].year) * 12 + order[-1].month - order[0].month
            axis = alt.Axis(format=format_date, labelAngle=0, labelOverlap=True,
                            tickCount={"interval": "month", "step": max(1, math.ceil(months / 8))})
        x_enc = alt.X("x:T", title=x_title, axis=axis)
    else:
        x_enc = alt.X("x:O", title=x_title, scale=alt.Scale(domain=xs), axis=alt.Axis(labelAngle=0))
    y_enc = alt.Y("valeur:Q", title=y_title, scale=alt.Scale(zero=True))
    drawn = [_spec_record(c) for c in cells if c["etat"] == VALUE]
    colors = {s: theme.PALETTE[i % len(theme.PALETTE)] for i, s in enumerate(series)}
    hidden = [_spec_record(c) | {"marque": _mark_of(c["etat"]), "couleur": colors[c["serie"]],
                                 "ypix": hauteur - 4 - 13 * series.index(c["serie"])}
              for c in cells if c["etat"] != VALUE]
    tooltip = [alt.Tooltip("x_affiche:N", title=x_title)]
    if serie:
        tooltip.append(alt.Tooltip("serie:N", title=ser_title or "Série"))
    tooltip.append(alt.Tooltip("etiquette:N", title=titre_y if titre_y is not None else y))
    color = (alt.Color("serie:N", title=ser_title or None, scale=alt.Scale(domain=series),
                       legend=alt.Legend(orient="bottom", direction="horizontal"))
             if serie else alt.value(theme.PALETTE[0]))
    base = alt.Chart(alt.Data(values=drawn)).encode(x=x_enc, y=y_enc, color=color, detail="segment:N")
    layers = [base.mark_line(), base.mark_point(filled=True, size=50).encode(tooltip=tooltip)]
    if etiquettes is None:
        etiquettes = not serie and len(xs) <= 15
    if etiquettes and drawn:
        layers.append(base.mark_text(dy=-10, fontSize=11, color=theme.TEXT_COLOR)
                      .encode(text="etiquette:N", color=alt.value(theme.TEXT_COLOR)))
    if hidden:
        layers.append(alt.Chart(alt.Data(values=hidden))
                      .mark_text(fontSize=12, fontWeight="bold", baseline="bottom")
                      .encode(x=x_enc, y=alt.Y("ypix:Q", scale=None, axis=None),
                              text="marque:N", color=alt.Color("couleur:N", scale=None), tooltip=tooltip))
    legends = _legends(cells)
    parts = []
    for s in series:
        values = [f"{c['x_affiche']} : {c['etiquette']}" for c in cells if c["serie"] == s]
        parts.append((f"{s} — " if serie else "") + ", ".join(values))
    name = (lambda c: f"{c['x_affiche']} ({c['serie']})") if serie else (lambda c: c["x_affiche"])
    alt_text = _alt_text(
        f"Graphique en lignes « {titre} »",
        f"Évolution, {y_title} selon {x_title.lower()}"
        + (f", une ligne par {ser_title.lower()}" if serie and ser_title else ""),
        "Valeurs : " + _list_values(parts), _extremes(cells, name, d, unite), *legends)
    chart = alt.layer(*layers).properties(title=_title(titre, [sous_titre, *legends]), description=alt_text,
                                          width=largeur, height=hauteur)
    donnees = _donnees(cells, [x, serie], y, statut)
    return chart, _graphique(chart, titre, alt_text, donnees, "lignes", x, y, serie, source)


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
    _check_columns(df, tranche, sexe, valeur)
    libelles = _sex_labels(libelles)
    keep = [not (_label(t).strip().lower() in TOTAL_MEMBERS) and _sex_of(_label(s), libelles) is not None
            for t, s in zip(df[tranche], df[sexe])]
    data = df[keep]
    if data.empty:
        raise ValueError("Aucune ligne par tranche d'âge et par sexe à représenter.")
    cells = _cells(data, valeur, statut, {"tranche": tranche})
    for c in cells:
        c["sexe"] = _sex_of(_label(c["_row"][sexe]), libelles)
    _check_unique(cells, ("tranche", "sexe"), "la tranche")
    tranches = list(ordre) if ordre is not None else _unique([c["tranche"] for c in cells])
    unknown = sorted({c["tranche"] for c in cells} - set(tranches))
    if unknown:
        raise ValueError(f"Tranches absentes de « ordre » : {', '.join(unknown)}.")
    d = _decimals([c["valeur"] for c in cells], decimales)
    for c in cells:
        c["etiquette"] = _shown(c, d, unite)
        c["signe"] = None if c["valeur"] is None else (-c["valeur"] if c["sexe"] == HOMMES else c["valeur"])
    drawn = [_spec_record(c) for c in cells if c["etat"] == VALUE]
    hidden = [_spec_record(c) | {"marque": _mark_of(c["etat"])} for c in cells if c["etat"] != VALUE]
    top = max([abs(c["valeur"]) for c in cells if c["etat"] == VALUE] or [1])
    val_title = _axis_title(titre_valeur if titre_valeur is not None else valeur, unite)
    domain = list(reversed(tranches))  # oldest on top
    y_enc = alt.Y("tranche:N", title=titre_tranche, scale=alt.Scale(domain=domain), axis=alt.Axis(labelAngle=0))
    x_enc = alt.X("signe:Q", title=f"{HOMMES} ← {val_title} → {FEMMES}",
                  scale=alt.Scale(domain=[-top * 1.18, top * 1.18], nice=False),
                  axis=alt.Axis(labelExpr="format(abs(datum.value), ',~f')", tickCount=6))
    tooltip = [alt.Tooltip("tranche:N", title=titre_tranche), alt.Tooltip("sexe:N", title="Sexe"),
               alt.Tooltip("etiquette:N", title=titre_valeur if titre_valeur is not None else valeur)]
    bars = (alt.Chart(alt.Data(values=drawn)).mark_bar()
            .encode(x=x_enc, y=y_enc, tooltip=tooltip,
                    color=alt.Color("sexe:N", title=None, scale=alt.Scale(domain=[HOMMES, FEMMES],
                                                                          range=[theme.PALETTE[0], theme.PALETTE[1]]),
                                    legend=alt.Legend(orient="bottom", direction="horizontal"))))
    layers = [bars]
    for sex, align, dx in ((HOMMES, "right", -3), (FEMMES, "left", 3)):
        if etiquettes and any(r["sexe"] == sex for r in drawn):
            layers.append(alt.Chart(alt.Data(values=[r for r in drawn if r["sexe"] == sex]))
                          .mark_text(align=align, baseline="middle", dx=dx, fontSize=10.5)
                          .encode(x=x_enc, y=y_enc, text="etiquette:N"))
        if any(r["sexe"] == sex for r in hidden):
            layers.append(alt.Chart(alt.Data(values=[r for r in hidden if r["sexe"] == sex]))
                          .mark_text(align=align, baseline="middle", dx=dx * 2, fontSize=12, fontWeight="bold",
                                     color=theme.TEXT_COLOR)
                          .encode(x=alt.datum(0), y=y_enc, text="marque:N", tooltip=tooltip))
    # The axis at zero between the two sides.
    layers.append(alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule(color=theme.OUTLINE_COLOR, strokeWidth=1)
                  .encode(x=alt.datum(0)))
    legends = _legends(cells)
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
    alt_text = _alt_text(
        f"Pyramide des âges « {titre} »",
        f"{val_title} par tranche d'âge, hommes à gauche, femmes à droite",
        ("Totaux : " + " ; ".join(totals)) if totals else "",
        "Valeurs : " + _list_values(rows), _extremes(cells, name, d, unite), *legends)
    chart = alt.layer(*layers).properties(title=_title(titre, [sous_titre, *legends]), description=alt_text,
                                          width=largeur)
    if hauteur:
        chart = chart.properties(height=hauteur)
    donnees = _donnees(cells, [tranche, sexe], valeur, statut)
    return chart, _graphique(chart, titre, alt_text, donnees, "pyramide", tranche, valeur, sexe, source)


# --------------------------------------------------------------------------------------------
# Maps
# --------------------------------------------------------------------------------------------

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
          source: str = "") -> tuple[Chart, Graphique]:
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
    _check_columns(df, code_col, valeur_col, nom_col)
    fc = geo_mod.normalize(geojson)
    data = df.copy()
    data[code_col] = [geo_mod.normalize_code(c) if not _is_missing(c) else None for c in data[code_col]]
    match = geo_mod.match_codes(data[code_col], fc, correspondance=correspondance)
    width = max((len(c) for c in match.matched), default=0)
    if width:  # codes that lost a leading zero
        data[code_col] = [c.zfill(width) if c and c.isdigit() and len(c) < width and c.zfill(width) in match.matched
                          else c for c in data[code_col]]
    cells = _cells(data, valeur_col, statut, {"code": code_col})
    _check_unique(cells, ("code",), "le code")
    d = _decimals([c["valeur"] for c in cells], decimales)
    value_title = _axis_title(libelle_valeur if libelle_valeur is not None else valeur_col, unite)
    records = []
    for c in cells:
        c["etiquette"] = (SECRET_LEGEND if c["etat"] == SECRET else NO_DATA_LABEL if c["etat"] == MISSING
                          else format_value(c["valeur"], d, unite))
        rec = {"code": c["code"], "valeur": c["valeur"], "etiquette": c["etiquette"],
               "etat": SECRET_LABEL if c["etat"] == SECRET else NO_DATA_LABEL if c["etat"] == MISSING else VALUE}
        if nom_col:
            rec["zone"] = _label(c["_row"][nom_col])
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
    tooltip = [alt.Tooltip("properties.nom:N", title=libelle_zone),
               alt.Tooltip("properties.code:N", title="Code")]
    if nom_col:
        tooltip.append(alt.Tooltip("zone:N", title=nom_col))
    tooltip.append(alt.Tooltip("etiquette:N", title=value_title))
    layers = []
    hidden_states = [s for s in (SECRET_LABEL, NO_DATA_LABEL) if s in states.values()]
    if hidden_states:
        fills = {SECRET_LABEL: theme.SECRET_FILL, NO_DATA_LABEL: theme.NO_DATA_FILL}
        layers.append(alt.Chart().mark_geoshape(stroke="#8c8c8c", strokeWidth=0.6)
                      .transform_filter(f"datum.etat !== '{VALUE}'")
                      .encode(color=alt.Color("etat:N", title=None,
                                              scale=alt.Scale(domain=hidden_states,
                                                              range=[fills[s] for s in hidden_states]),
                                              legend=alt.Legend(orient="bottom", symbolStrokeColor="#8c8c8c",
                                                                symbolType="square")),
                              tooltip=tooltip))
    if classes:
        class_labels = _quantile_classes(records, classes, d, unite)
        fields.append("classe")
        color_value = alt.Color("classe:O", title=value_title,
                                scale=alt.Scale(domain=class_labels,
                                                range=theme.sequential_classes(len(class_labels))),
                                legend=alt.Legend(orient="right", symbolType="square"))
    else:
        color_value = alt.Color("valeur:Q", title=value_title, legend=alt.Legend(orient="right", gradientLength=180))
    if any(s == VALUE for s in states.values()):
        layers.append(alt.Chart().mark_geoshape(stroke="white", strokeWidth=0.6)
                      .transform_filter(f"datum.etat === '{VALUE}'")
                      .encode(color=color_value, tooltip=tooltip))
    secret_codes = [code for code, state in states.items() if state == SECRET_LABEL]
    if secret_codes:
        wanted = set(secret_codes)
        points = []
        for f in features:
            if f["properties"]["code"] in wanted:
                lon, lat = geo_mod.centroid(f)
                points.append({"lon": lon, "lat": lat, "marque": SECRET_MARK, "nom": f["properties"]["nom"],
                               "etiquette": SECRET_LEGEND})
        layers.append(alt.Chart(alt.Data(values=points))
                      .mark_text(fontSize=10, fontWeight="bold", color=theme.TEXT_COLOR)
                      .encode(longitude="lon:Q", latitude="lat:Q", text="marque:N",
                              tooltip=[alt.Tooltip("nom:N", title=libelle_zone),
                                       alt.Tooltip("etiquette:N", title=value_title)]))
    if projection is None:
        overseas = all(f["properties"]["code"].startswith("97") for f in features)
        projection = "mercator" if overseas else "conicConformal"
    proj = ({"type": "conicConformal", "parallels": [44, 49], "rotate": [-3, 0]}
            if projection == "conicConformal" else {"type": projection})

    legends = [SECRET_LEGEND] if secret_codes else []
    caption = match.caption()
    lines = [sous_titre, *legends, caption]
    # Plain dicts as data: Altair then does not walk every coordinate (50 times faster).
    chart = (alt.layer(*layers, data={"values": features})
             .transform_lookup(lookup="properties.cle",
                               from_=alt.LookupData(data={"values": records}, key="code", fields=fields))
             .transform_calculate(etat=f"datum.etat ? datum.etat : '{NO_DATA_LABEL}'",
                                  etiquette=f"datum.etiquette ? datum.etiquette : '{NO_DATA_LABEL}'")
             .project(**proj)
             .resolve_scale(color="independent")
             .properties(width=largeur, height=hauteur))

    names = {f["properties"]["cle"]: f["properties"]["nom"] for f in features if f["properties"]["cle"]}
    def zone_name(c):  # noqa: E306
        if nom_col:
            return _label(c["_row"][nom_col])
        return names.get(c["code"], c["code"])
    drawn = [c for c in cells if c["etat"] == VALUE and c["code"] in match.matched]
    summary = []
    if drawn:
        mid = median(c["valeur"] for c in drawn)
        summary.append(f"{len(drawn)} territoires avec une valeur, médiane {format_value(mid, d, unite)}")
        summary.append(_extremes(drawn, zone_name, d, unite))
        if len(drawn) <= 20:
            summary.append("Valeurs : " + _list_values([f"{zone_name(c)} : {c['etiquette']}" for c in drawn]))
    secret_cells = [c for c in cells if c["etat"] == SECRET]
    if secret_cells:
        shown = ", ".join(zone_name(c) for c in secret_cells[:20])
        more = f" et {len(secret_cells) - 20} autres" if len(secret_cells) > 20 else ""
        summary.append(f"Secret statistique (s) pour {len(secret_cells)} territoire"
                       f"{'s' if len(secret_cells) > 1 else ''} : {shown}{more}")
    no_data = [code for code, s in states.items() if s == NO_DATA_LABEL]
    if no_data:
        summary.append(f"{len(no_data)} contour{'s' if len(no_data) > 1 else ''} sans donnée")
    alt_text = _alt_text(
        f"Carte « {titre} »",
        f"{value_title} par territoire, {len(features)} contours",
        *summary, caption, *legends)
    chart = chart.properties(title=_title(titre, lines), description=alt_text)
    donnees = _donnees(cells, [code_col, nom_col], valeur_col, statut)
    return chart, _graphique(chart, titre, alt_text, donnees, "carte", code_col, valeur_col, None, source)
