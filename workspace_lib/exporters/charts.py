"""Charts rendered locally by vl-convert (no CDN, no network), with French number/date formats.

Renderings are cached by specification (a report exported to PDF, HTML and DOCX draws each
chart once). No external data is allowed (:mod:`workspace_lib.vlconvert`): a specification that
points at external data fails instead of fetching it.

PNG images (Word, Excel) are drawn from the SVG by typst, all the charts of a report in one
compilation (:func:`pngs`): about 8 ms a chart, against 20 to 50 ms for vl-convert's
``svg_to_png``. vl-convert draws them if typst fails.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from ..fr import NARROW_NBSP
from ..report_model import Graphique
from ..vlconvert import vl_convert  # (vl_convert itself is imported on first use; its JS engine: 0.5 s)

LARGEUR_DEFAUT = 560  # px, for "width": "container" (no container when rendering offline)
HAUTEUR_DEFAUT = 300
_CACHE_MAX = 128

_lock = threading.Lock()
_cache: OrderedDict[tuple, Any] = OrderedDict()
_locales: tuple[dict, dict] | None = None


def locales() -> tuple[dict, dict]:
    """d3 format and time locales: fr-FR, thousands separated by a narrow no-break space like
    :func:`workspace_lib.fr.nombre`."""
    global _locales
    if _locales is None:
        vl = vl_convert()
        fmt = dict(vl.get_format_locale("fr-FR"))
        fmt["thousands"] = NARROW_NBSP
        _locales = (fmt, dict(vl.get_time_format_locale("fr-FR")))
    return _locales


def preparer(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of the specification that renders offline: "container" sizes made fixed."""
    spec = copy.deepcopy(spec)

    def fix(node):
        if isinstance(node, dict):
            if node.get("width") == "container":
                node["width"] = LARGEUR_DEFAUT
            if node.get("height") == "container":
                node["height"] = HAUTEUR_DEFAUT
            for v in node.values():
                fix(v)
        elif isinstance(node, list):
            for v in node:
                fix(v)

    fix(spec)
    return spec


def _key(kind: str, spec: dict, *extra) -> tuple:
    text = json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str)
    return (kind, hashlib.sha256(text.encode("utf-8")).hexdigest(), *extra)


def _cached(key, make):
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = make()
    with _lock:
        _cache[key] = value
        while len(_cache) > _CACHE_MAX:
            _cache.popitem(last=False)
    return value


def svg(g: Graphique) -> str:
    """The chart as an SVG document (text)."""
    def make():
        fmt, time_fmt = locales()
        try:
            return vl_convert().vegalite_to_svg(preparer(g.spec), format_locale=fmt, time_format_locale=time_fmt)
        except Exception as exc:  # vl-convert raises ValueError with a JS stack
            first = str(exc).strip().splitlines()
            raise ValueError(f"Graphique « {g.titre} » : rendu impossible "
                             f"({first[1].strip() if len(first) > 1 else first[0] if first else exc}).") from exc
    return _cached(_key("svg", g.spec), make)


def png(g: Graphique, scale: float = 2.0) -> bytes:
    """The chart as a PNG image (``scale`` 2: sharp when printed at its natural size)."""
    return pngs([g], scale)[0]


def pngs(graphs: list[Graphique], scale: float = 2.0) -> list[bytes]:
    """The charts as PNG images, those not drawn yet in one typst compilation."""
    keys = [_key("png", g.spec, scale) for g in graphs]
    with _lock:
        missing = {k: g for k, g in zip(keys, graphs) if k not in _cache}
    if missing:
        svgs = [svg(g) for g in missing.values()]
        try:
            images = _typst_pngs(svgs, scale)
        except Exception:  # noqa: BLE001  (an SVG typst cannot read: vl-convert draws it)
            images = [vl_convert().svg_to_png(text, scale=scale) for text in svgs]
        for k, image in zip(missing, images):
            _cached(k, lambda image=image: image)
    return [_cached(k, lambda g=g: vl_convert().svg_to_png(svg(g), scale=scale)) for k, g in zip(keys, graphs)]


def svg_vers_png(svg_text: str, scale: float = 2.0) -> bytes:
    """Any SVG document (say a logo) as a PNG image, by vl-convert."""
    return vl_convert().svg_to_png(svg_text, scale=scale)


_IMAGES = Path(__file__).parent / "templates" / "images.typ"


def _typst_pngs(svgs: list[str], scale: float) -> list[bytes]:
    """PNG images of SVG documents drawn by typst, at ``scale`` times their size in px."""
    from .pdf import _compiler  # noqa: PLC0415  (pdf imports this module)

    compiler, lock = _compiler(_IMAGES)  # kept: fonts scanned once
    with lock:
        pages = compiler.compile(format="png", ppi=96.0 * scale, sys_inputs={"svgs": json.dumps(svgs)})
    pages = pages if isinstance(pages, list) else [pages]
    if len(pages) != len(svgs):
        raise ValueError(f"typst : {len(pages)} images pour {len(svgs)} graphiques")
    return pages


_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)"[^>]*?\bheight="([\d.]+)"', re.S)


def taille(svg_text: str) -> tuple[float, float]:
    """Width and height (px) of an SVG from vl-convert."""
    m = _SIZE.search(svg_text)
    return (float(m.group(1)), float(m.group(2))) if m else (float(LARGEUR_DEFAUT), float(HAUTEUR_DEFAUT))


def a_un_titre(g: Graphique) -> bool:
    """True when the chart draws its own title (top-level ``title`` of the spec): the exports
    then show no caption above it (the title would appear twice)."""
    title = g.spec.get("title") if isinstance(g.spec, dict) else None
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(str(t) for t in title)
    return bool(title and str(title).strip())


def amorcer(g: Graphique, svg_text: str) -> None:
    """Hand over an SVG already drawn by vl-convert for this chart's specification (say by the
    notebook that displayed it), so that the exports do not draw it again."""
    if not svg_text.lstrip().startswith("<svg"):
        raise ValueError("amorcer : document SVG attendu.")
    with _lock:
        _cache[_key("svg", g.spec)] = svg_text
        while len(_cache) > _CACHE_MAX:
            _cache.popitem(last=False)


def vider_cache() -> None:
    with _lock:
        _cache.clear()
