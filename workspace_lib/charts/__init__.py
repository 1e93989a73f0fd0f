"""Charts and maps of the workspace: French, accessible, offline, safe with suppressed cells.

- :mod:`.theme`: the theme « rsu » (in Altair: :func:`register_altair_theme`): fonts, Okabe-Ito
  palette, sequential scheme for maps, French number and date locale.
- :mod:`.builders`: :func:`barres`, :func:`comparaison`, :func:`lignes`, :func:`pyramide`,
  :func:`carte` (in :mod:`.maps`), each returning ``(chart, Graphique)``; suppressed cells are
  never drawn and are marked « s ». The specs are written as plain Vega-Lite dicts
  (:mod:`.vega`, about a millisecond a chart); the chart is a :class:`LazyChart` that builds
  the Altair chart only on demand. :mod:`.values` holds the cells, French formats and alt text.
- :mod:`.render`: :func:`to_svg`, :func:`to_png`, :func:`to_pdf`, :func:`to_html`,
  :func:`display` with vl-convert, offline (no CDN), French locale.
- :mod:`.geo`: :func:`load_boundaries` (file, workspace cache or official download),
  :func:`match_codes` (codes without contour are listed, not dropped).
"""

from . import theme  # noqa: F401
from .builders import (
    MISSING_LEGEND,
    SECRET_LEGEND,
    LazyChart,
    barres,
    carte,
    comparaison,
    format_value,
    lignes,
    pyramide,
)
from .geo import (
    BoundariesUnavailable,
    CodeMatch,
    epci_by_commune,
    load_boundaries,
    match_codes,
)
from .render import display, enable_offline_renderer, spec_of, to_html, to_pdf, to_png, to_svg
from .theme import register_altair_theme

__all__ = [
    "BoundariesUnavailable",
    "CodeMatch",
    "LazyChart",
    "MISSING_LEGEND",
    "SECRET_LEGEND",
    "barres",
    "carte",
    "comparaison",
    "display",
    "enable_offline_renderer",
    "epci_by_commune",
    "format_value",
    "lignes",
    "load_boundaries",
    "match_codes",
    "pyramide",
    "register_altair_theme",
    "spec_of",
    "to_html",
    "to_pdf",
    "to_png",
    "to_svg",
]
