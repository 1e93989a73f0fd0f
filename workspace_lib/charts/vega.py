"""Vega-Lite specs as plain dicts, and the chart object the builders return.

The builders write their Vega-Lite spec directly as dicts (the JSON Vega-Lite reads), without
building Altair objects: Altair's object tree, deep copies and schema hashing cost about 30 ms a
chart, plain dicts well under a millisecond. The dicts are what Altair's ``to_dict`` gave for the
same chart (checked by ``tests/test_charts_speed.py`` against the former Altair code).

Every helper returns new dicts: no two places of a spec share a dict or a list, except the
GeoJSON geometries of a map (shared with the boundaries given, never copied: read-only).

:class:`LazyChart`, the first element of a builder's ``(chart, Graphique)``, holds the spec and
builds the Altair chart only when asked (:meth:`LazyChart.altair`, or any Altair method).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..report_model import Graphique
from . import theme
from .theme import copy_json

Spec = dict[str, Any]

# The Vega-Lite version of the installed Altair (checked by the tests), written here so that
# building a spec does not import Altair.
SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.4.1.json"


def field(name: str, kind: str, **props: Any) -> Spec:
    """An encoding on a field: ``field("valeur", "quantitative", title="Taux")``. A prop given
    as None stays (``null``: no scale, no axis, no legend), as in Altair."""
    return {"field": name, "type": kind, **props}


def nominal(name: str, title: Any = None) -> Spec:
    """A nominal field, titled if ``title`` is not None (tooltips, text)."""
    return {"field": name, "type": "nominal"} if title is None else {"field": name, "type": "nominal", "title": title}


def tooltips(*pairs: tuple[str, Any]) -> list[Spec]:
    """Tooltip entries from ``(field, title)`` pairs (nominal fields)."""
    return [{"field": name, "type": "nominal", "title": title} for name, title in pairs]


def mark(kind: str, **props: Any) -> Spec:
    """A mark definition: ``mark("text", dx=3)``."""
    return {"type": kind, **props}


def inline(records: Sequence[dict[str, Any]]) -> Spec:
    """Inline data: a new list of new records (the records are flat)."""
    return {"values": [dict(r) for r in records]}


def title(text: str, lines: Sequence[str]) -> str | Spec:
    """The chart title, with the non-empty ``lines`` as subtitle."""
    lines = [line for line in lines if line]
    return {"text": text, "subtitle": lines} if lines else text


def top_level(spec: Spec) -> Spec:
    """The spec made top level: the Vega-Lite schema and the theme's ``config`` (French locale)."""
    spec["$schema"] = SCHEMA_URL
    spec["config"] = theme.config()
    return spec


def graphique(spec: Spec, titre: str, alt_text: str, donnees: list[dict[str, Any]], genre: str,
              x: str, y: str, serie: str | None, source: str) -> tuple[LazyChart, Graphique]:
    """The builders' result: the chart and the report block over the same top-level spec."""
    spec = top_level(spec)
    block = Graphique(titre=titre, spec=spec, texte_alternatif=alt_text, donnees=donnees, genre=genre,
                      x=x, y=y, serie=serie or "", source=source)
    return LazyChart(spec), block


class LazyChart:
    """A chart given by its top-level Vega-Lite spec; the Altair chart is built on demand.

    ``to_dict()`` gives (a copy of) the spec at once, as :func:`~workspace_lib.charts.render.to_svg`
    and the exporters need it. Any other Altair attribute or method (``properties``,
    ``save``, ``_repr_mimebundle_``...) goes to the Altair chart, built from the spec the first
    time (:meth:`altair`, about 50 ms).
    """

    __slots__ = ("_spec", "_chart")

    def __init__(self, spec: Spec) -> None:
        self._spec = spec
        self._chart: Any = None

    @property
    def spec(self) -> Spec:
        """The top-level Vega-Lite spec (the same dict as the Graphique's: read-only)."""
        return self._spec

    def altair(self) -> Any:
        """The chart as an Altair ``LayerChart`` (built once, from a copy of the spec).

        Without ``$schema`` and ``config``, as the builders' Altair charts were: Altair adds
        them (the active theme's config) in ``to_dict``, and the chart can be concatenated.
        """
        if self._chart is None:
            import altair as alt  # noqa: PLC0415 - only when an Altair chart is asked for

            theme.register_altair_theme()

            spec = {k: v for k, v in self._spec.items() if k not in ("$schema", "config")}
            self._chart = alt.LayerChart.from_dict(copy_json(spec), validate=False)
        return self._chart

    def to_dict(self, validate: bool = True, *, format: str = "vega-lite", **kwargs: Any) -> Spec:  # noqa: A002
        """The Vega-Lite spec (a copy); other formats and options through Altair."""
        if format == "vega-lite" and not kwargs:
            return copy_json(self._spec)
        return self.altair().to_dict(validate=validate, format=format, **kwargs)

    def _repr_mimebundle_(self, *args: Any, **kwargs: Any) -> Any:
        return self.altair()._repr_mimebundle_(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # no Altair build for Python's and IPython's probes
            raise AttributeError(name)
        return getattr(self.altair(), name)

    def __add__(self, other: Any) -> Any:
        return self.altair() + _altair_of(other)

    def __or__(self, other: Any) -> Any:
        return self.altair() | _altair_of(other)

    def __and__(self, other: Any) -> Any:
        return self.altair() & _altair_of(other)

    def __repr__(self) -> str:
        text = self._spec.get("title")
        text = text.get("text") if isinstance(text, dict) else text
        return f"LazyChart({text!r}, {len(self._spec.get('layer', []))} couches)"


def _altair_of(chart: Any) -> Any:
    return chart.altair() if isinstance(chart, LazyChart) else chart
