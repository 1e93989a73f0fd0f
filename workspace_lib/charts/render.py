"""Rendering charts offline with vl-convert: SVG, PNG, PDF, standalone HTML, notebook display.

Nothing here loads anything from the network: vl-convert embeds Vega and Vega-Lite, renders with
its own fonts (Liberation) and the system's, and is told to refuse any external data request
(:mod:`workspace_lib.vlconvert`: a spec must carry its data inline). Every render gets the French
locale twice: in the spec's ``config.locale`` (see :func:`~workspace_lib.charts.theme.apply_config`)
and as vl-convert's ``format_locale``/``time_format_locale``.

Nothing is cached between calls: each call renders the spec it is given.
"""

from __future__ import annotations

import html
from typing import Any

from ..report_model import Graphique
from ..vlconvert import vl_convert
from . import theme

vlc = vl_convert()

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def spec_of(obj: Any) -> dict[str, Any]:
    """The top-level Vega-Lite spec (theme settings merged in) of a chart, a spec, a Graphique
    or a ``(chart, Graphique)`` pair as returned by the builders."""
    if isinstance(obj, tuple) and len(obj) == 2 and isinstance(obj[1], Graphique):
        obj = obj[1]
    if isinstance(obj, Graphique):
        spec = obj.spec
    elif isinstance(obj, dict):
        spec = obj
    elif hasattr(obj, "to_dict"):
        spec = obj.to_dict()
    else:
        raise TypeError(
            "Graphique attendu : un graphique Altair, une spécification Vega-Lite (dict), "
            f"un bloc Graphique ou la paire (graphique, bloc) ; reçu {type(obj).__name__}."
        )
    return theme.apply_config(spec)


def _options() -> dict[str, Any]:
    return {
        "format_locale": theme.FORMAT_LOCALE,
        "time_format_locale": theme.TIME_FORMAT_LOCALE,
    }


def _accessible(svg: str, description: str | None) -> str:
    """The SVG with ``role="img"``, ``aria-label`` and a ``<title>`` from the alt text."""
    if not description or not svg.startswith("<svg"):
        return svg
    end = svg.index(">")
    label = html.escape(description, quote=True)
    return (
        f'{svg[:end]} role="img" aria-label="{label}">'
        f"<title>{html.escape(description, quote=False)}</title>{svg[end + 1:]}"
    )


def to_svg(chart: Any) -> str:
    """The chart as an SVG document (text), French locale, alt text as ``aria-label``."""
    spec = spec_of(chart)
    svg = vlc.vegalite_to_svg(spec, **_options())
    return _accessible(svg, spec.get("description"))


def to_png(chart: Any, scale: float = 2, ppi: float | None = None) -> bytes:
    """The chart as PNG bytes (``scale`` 2 by default: sharp on screens and in Word)."""
    return vlc.vegalite_to_png(spec_of(chart), scale=scale, ppi=ppi, **_options())


def to_pdf(chart: Any, scale: float = 1) -> bytes:
    """The chart as a one-page PDF (vector, fonts embedded)."""
    return vlc.vegalite_to_pdf(spec_of(chart), scale=scale, **_options())


def to_html(chart: Any) -> str:
    """A standalone interactive HTML page (tooltips) with Vega bundled in: no CDN, about 1 MB."""
    return vlc.vegalite_to_html(spec_of(chart), bundle=True, **_options())


def display(chart: Any) -> None:
    """Show a chart in a notebook or a Voilà dashboard as inline SVG (works offline).

    Accepts what :func:`spec_of` accepts. Never goes through Altair's default renderer, which
    loads Vega from a CDN and shows a blank chart offline.
    """
    from IPython.display import SVG
    from IPython.display import display as ipython_display

    ipython_display(SVG(data=to_svg(chart)))


def _svg_renderer(spec: dict, **_metadata: Any) -> dict[str, str]:
    return {"image/svg+xml": to_svg(spec)}


def enable_offline_renderer() -> None:
    """Make a bare ``chart`` at the end of a notebook cell render as offline SVG (French locale).

    Registers the Altair renderer « rsu_svg » and enables it for the current kernel.
    """
    import altair as alt

    theme.register_altair_theme()
    alt.renderers.register("rsu_svg", _svg_renderer)
    alt.renderers.enable("rsu_svg")
