"""Boundaries of French territories for maps (GeoJSON, WGS84), and matching data codes to them.

:func:`load_boundaries` takes the boundaries, in this order, from:

1. a GeoJSON file the user gives (``path=``): an IGN ADMIN EXPRESS export, an Etalab
   « contours administratifs » file, a file from geo.api.gouv.fr... Common property names
   (``code``, ``code_insee``, ``INSEE_COM``, ``nom``, ``NOM``...) are read;
2. the workspace cache ``WORKSPACE/cache/geo/`` (a previous download);
3. a download from an official open source, cached atomically (write to a temporary file, then
   rename), when the machine has Internet access:

   - communes of a département: ``geo.api.gouv.fr/departements/{dep}/communes`` (INSEE COG and
     IGN ADMIN EXPRESS contours, current vintage);
   - EPCI: ``geo.api.gouv.fr/epcis`` (BANATIC perimeters, IGN contours);
   - départements and régions: the Etalab « contours administratifs » files (derived from IGN
     ADMIN EXPRESS, 100 m generalisation) on etalab-datasets.geo.data.gouv.fr.

   Without network the error says so in French and tells the user to give a file with ``path=``.

EPCI without EPCI contours: draw the communes and colour each commune by the value of its EPCI
(:func:`epci_by_commune` gives the commune → EPCI mapping of the current COG; pass it to
:func:`~workspace_lib.charts.builders.carte` as ``correspondance=``). Dissolving communes into
EPCI outlines would need a geometry library (shapely); the inner commune borders stay visible.

Codes change over time (communes nouvelles): :func:`match_codes` lists the data codes the
boundaries do not know and the boundaries without data, so that a chart names them.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import atomic_file
from ..config import Workspace

LEVELS = ("communes", "epci", "departements", "regions")
LEVEL_NAMES = {
    "communes": "communes",
    "epci": "EPCI",
    "departements": "départements",
    "regions": "régions",
}

GEO_API = "https://geo.api.gouv.fr"
ETALAB_CONTOURS = "https://etalab-datasets.geo.data.gouv.fr/contours-administratifs/latest/geojson"
SOURCES = {
    "communes": GEO_API + "/departements/{departement}/communes?format=geojson&geometry=contour",
    "epci": GEO_API + "/epcis?codeDepartement={departement}&format=geojson&geometry=contour",
    "epci_france": GEO_API + "/epcis?format=geojson&geometry=contour",
    "departements": ETALAB_CONTOURS + "/departements-100m.geojson",
    "regions": ETALAB_CONTOURS + "/regions-100m.geojson",
}
SOURCE_NAMES = {
    "communes": "geo.api.gouv.fr (INSEE COG, contours IGN ADMIN EXPRESS)",
    "epci": "geo.api.gouv.fr (BANATIC, contours IGN ADMIN EXPRESS)",
    "departements": "Etalab, contours administratifs (IGN ADMIN EXPRESS)",
    "regions": "Etalab, contours administratifs (IGN ADMIN EXPRESS)",
}

CODE_PROPERTIES = ("code", "code_insee", "codgeo", "insee_com", "insee_dep", "insee_reg",
                   "code_siren", "siren_epci", "siren", "code_epci")
NAME_PROPERTIES = ("nom", "nom_officiel", "nom_com", "nom_m", "libelle", "libgeo", "nom_epci", "name")
SOURCE_MEMBER = "rsu_source"  # foreign member of a cached FeatureCollection: where it came from


class BoundariesUnavailable(RuntimeError):
    """Boundaries could not be found in a file or the cache, nor downloaded."""


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"Niveau de contours inconnu « {level} » : niveaux possibles : {', '.join(LEVELS)}.")


def _find_property(props: Mapping[str, Any], names: Iterable[str]) -> Any:
    lowered = {str(k).lower(): v for k, v in props.items()}
    for name in names:
        value = lowered.get(name)
        if value not in (None, ""):
            return value
    return None


def normalize(data: Any, origin: str = "") -> dict[str, Any]:
    """A GeoJSON FeatureCollection whose features all carry ``properties.code`` (text) and
    ``properties.nom``. A single Feature is wrapped; a clear French error otherwise."""
    where = f" ({origin})" if origin else ""
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if (not isinstance(data, dict) or data.get("type") != "FeatureCollection"
            or not isinstance(data.get("features"), list)):
        raise ValueError(f"Le fichier de contours n'est pas une collection GeoJSON (FeatureCollection){where}.")
    features = []
    for i, feature in enumerate(data["features"]):
        if not isinstance(feature, dict) or not feature.get("geometry"):
            continue  # a feature without geometry draws nothing
        props = dict(feature.get("properties") or {})
        code = props.get("code")
        if code in (None, ""):
            code = _find_property(props, CODE_PROPERTIES)
        if code in (None, ""):
            raise ValueError(
                f"Le contour n° {i + 1}{where} n'a pas de code INSEE ou SIREN reconnu "
                f"(propriétés : {', '.join(map(str, props)) or 'aucune'}). "
                "Renommez la propriété du code en « code »."
            )
        props["code"] = normalize_code(code)
        if props.get("nom") in (None, ""):
            props["nom"] = str(_find_property(props, NAME_PROPERTIES) or props["code"])
        features.append({"type": "Feature", "geometry": feature["geometry"], "properties": props})
    if not features:
        raise ValueError(f"Le fichier de contours ne contient aucun contour{where}.")
    out = {k: v for k, v in data.items() if k not in ("features",)}
    out["features"] = features
    return out


def normalize_code(code: Any) -> str:
    """A territory code as text: ``48001`` -> ``"48001"``, ``48001.0`` -> ``"48001"``."""
    if isinstance(code, float) and code.is_integer():
        code = int(code)
    return str(code).strip()


def _filter(level: str, departement: str | None, fc: dict[str, Any]) -> dict[str, Any]:
    """Only the features of the département (communes, EPCI, the département, its région)."""
    if not departement:
        return fc
    from .. import reference

    if level == "communes":
        def keep(p):
            dep = p.get("codeDepartement")
            # Commune codes begin with the département code ("48", "2A", "971").
            return dep == departement if dep else p["code"].startswith(departement)
    elif level == "departements":
        def keep(p):
            return p["code"] == departement
    elif level == "regions":
        region = reference.departement(departement)["region"]

        def keep(p):
            return p["code"] == region
    else:
        sirens = set(reference.epci_of(departement)["siren"])

        def keep(p):
            deps = p.get("codesDepartements")
            return departement in deps if isinstance(deps, list) else p["code"] in sirens
    features = [f for f in fc["features"] if keep(f["properties"])]
    if not features:
        raise BoundariesUnavailable(
            f"Aucun contour de {LEVEL_NAMES[level]} pour le département {departement} dans ces contours."
        )
    return {**fc, "features": features}


def read_geojson(path: str | os.PathLike) -> dict[str, Any]:
    """A GeoJSON file (plain or gzip) as a normalised FeatureCollection."""
    path = Path(path).expanduser()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"Fichier de contours introuvable : {path}") from None
    return _parse(raw, str(path))


def _parse(raw: bytes, origin: str) -> dict[str, Any]:
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"Le fichier de contours n'est pas un GeoJSON lisible ({origin}) : {exc}") from None
    return normalize(data, origin)


def cache_path(level: str, departement: str | None = None,
               workspace: Workspace | str | os.PathLike | None = None) -> Path:
    """Where a download is cached: ``WORKSPACE/cache/geo/{level}[-{departement}].geojson``."""
    _check_level(level)
    ws = workspace if isinstance(workspace, Workspace) else Workspace.locate(workspace)
    per_departement = level in ("communes", "epci") and departement
    name = f"{level}-{departement}.geojson" if per_departement else f"{level}.geojson"
    return ws.root / "cache" / "geo" / name


def source_url(level: str, departement: str | None = None) -> str:
    """The official address the boundaries of a level are downloaded from."""
    _check_level(level)
    if level == "communes":
        if not departement:
            raise ValueError(
                "Les contours des communes se chargent par département : indiquez departement=\"48\" "
                "(ou donnez un fichier avec path=)."
            )
        return SOURCES["communes"].format(departement=urllib.parse.quote(departement))
    if level == "epci":
        if departement:
            return SOURCES["epci"].format(departement=urllib.parse.quote(departement))
        return SOURCES["epci_france"]
    return SOURCES[level]


def _fetch(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "workspace-rsu (cartes RSU)",
                                                   "Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (https only)
        return response.read()


def _write_atomically(path: Path, data: dict[str, Any]) -> None:
    with atomic_file(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))


def load_boundaries(level: str, departement: str | None = None, path: str | os.PathLike | None = None,
                    workspace: Workspace | str | os.PathLike | None = None, *, download: bool = True,
                    timeout: float = 60) -> dict[str, Any]:
    """Boundaries of ``level`` (communes, epci, departements, regions) as a GeoJSON FeatureCollection.

    From ``path`` if given, else the workspace cache, else downloaded (if ``download``) and cached.
    ``departement`` (INSEE code, text) keeps only that département's communes / EPCI, the
    département itself, or its région. Every feature has ``properties.code`` and ``.nom``. The
    result is a new object each call: nothing is kept in memory between calls.
    """
    _check_level(level)
    departement = normalize_code(departement) if departement is not None else None
    if path is not None:
        return _filter(level, departement, read_geojson(path))

    target = cache_path(level, departement, workspace)
    if target.exists():
        try:
            return _filter(level, departement, read_geojson(target))
        except ValueError:
            pass  # damaged cache: download again below
    url = source_url(level, departement)
    if not download:
        raise BoundariesUnavailable(
            f"Contours des {LEVEL_NAMES[level]} absents du cache ({target}) et téléchargement désactivé. "
            "Donnez un fichier GeoJSON avec path=… ."
        )
    try:
        raw = _fetch(url, timeout)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise BoundariesUnavailable(
            f"Impossible de télécharger les contours des {LEVEL_NAMES[level]}"
            f"{f' du département {departement}' if departement else ''} depuis {url} ({reason}). "
            "Sans accès à Internet, donnez un fichier GeoJSON des contours avec path=… "
            "(par exemple un export IGN ADMIN EXPRESS ou un fichier Etalab « contours administratifs »), "
            f"ou copiez-le dans {target}."
        ) from exc
    data = _parse(raw, url)
    data[SOURCE_MEMBER] = {
        "url": url,
        "source": SOURCE_NAMES[level],
        "telecharge_le": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    _write_atomically(target, data)
    return _filter(level, departement, data)


def epci_by_commune(departement: str) -> dict[str, str]:
    """Commune code -> SIREN of its EPCI, for the communes of a département (COG): the current
    ones, and the former ones (merged since) through the commune nouvelle they joined."""
    from .. import reference

    communes = reference.communes_of(departement)
    epci = {row.code_insee: row.epci_siren for row in communes.itertuples() if isinstance(row.epci_siren, str)}
    former = reference.table("anciennes_communes")
    for row in former[former["departement"] == departement].itertuples():
        if row.commune_actuelle in epci:
            epci[row.code_insee] = epci[row.commune_actuelle]
    return epci


def current_communes(geojson: dict[str, Any]) -> dict[str, str]:
    """Boundary code -> current commune code, for commune boundaries of any vintage: pass it as
    ``correspondance`` to colour a former commune (merged since) with its commune nouvelle's value.
    A code the reference does not know (newer than it) stands for itself."""
    from .. import reference

    codes = (normalize_code(f["properties"]["code"]) for f in normalize(geojson)["features"])
    return {code: reference.commune_actuelle(code) or code for code in codes}


@dataclass(frozen=True)
class CodeMatch:
    """How data codes match boundary codes. Unpacks as ``matched, unmatched = match_codes(...)``.

    ``matched``: data codes with a contour; ``unmatched``: data codes without a contour (they
    cannot be drawn: name them in the caption); ``boundary_only``: contours without data (drawn
    as « pas de donnée »), e.g. communes merged since the boundaries' vintage.
    """

    matched: list[str]
    unmatched: list[str]
    boundary_only: list[str] = field(default_factory=list)

    def __iter__(self):
        return iter((self.matched, self.unmatched))

    def caption(self, max_codes: int = 20) -> str:
        """« 2 codes sans contour : 48999, 48998 » (empty when every code matched)."""
        if not self.unmatched:
            return ""
        shown = ", ".join(self.unmatched[:max_codes])
        more = f" et {len(self.unmatched) - max_codes} autres" if len(self.unmatched) > max_codes else ""
        n = len(self.unmatched)
        return f"{n} code{'s' if n > 1 else ''} sans contour : {shown}{more}"


def _codes_of(data: Any) -> list[str]:
    if hasattr(data, "columns"):  # a DataFrame: its code column
        for name in ("code", "code_insee", "siren", "code_commune", "codgeo"):
            if name in data.columns:
                data = data[name]
                break
        else:
            raise ValueError(f"Colonne de codes introuvable parmi : {', '.join(map(str, data.columns))}.")
    codes = []
    for value in data:
        if value is None or (isinstance(value, float) and value != value):
            continue
        codes.append(normalize_code(value))
    return codes


def match_codes(df_codes: Any, geojson: dict[str, Any], *,
                correspondance: Mapping[str, str] | None = None) -> CodeMatch:
    """Match the codes of the data (a Series, a list, or a DataFrame with a ``code``/``code_insee``
    column) to the boundaries' ``properties.code``.

    With ``correspondance`` (boundary code -> data code, e.g. commune -> EPCI), a data code is
    matched when some boundary maps to it. Digit-only data codes shorter than the boundary codes
    (a lost leading zero, ``1001`` for ``01001``) are padded with zeros. Lists are sorted.
    """
    feature_codes = [normalize_code(f["properties"]["code"]) for f in normalize(geojson)["features"]]
    if correspondance is not None:
        zones = {normalize_code(correspondance[c]) for c in feature_codes if correspondance.get(c) is not None}
    else:
        zones = set(feature_codes)
    width = max((len(z) for z in zones), default=0)
    data_codes = set()
    for code in _codes_of(df_codes):
        if code.isdigit() and len(code) < width and code.zfill(width) in zones:
            code = code.zfill(width)
        data_codes.add(code)
    matched = sorted(data_codes & zones)
    unmatched = sorted(data_codes - zones)
    if correspondance is not None:
        boundary_only = sorted(c for c in feature_codes
                               if correspondance.get(c) is None or normalize_code(correspondance[c]) not in data_codes)
    else:
        boundary_only = sorted(set(feature_codes) - data_codes)
    return CodeMatch(matched, unmatched, boundary_only)


def _ring_centroid(ring: list) -> tuple[float, float, float]:
    """(signed area, x, y) of a ring in longitude/latitude (planar shoelace)."""
    area = cx = cy = 0.0
    for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:] + ring[:1]):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2
    if area == 0:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return 0.0, sum(xs) / len(xs), sum(ys) / len(ys)
    return area, cx / (6 * area), cy / (6 * area)


def centroid(feature: dict[str, Any]) -> tuple[float, float]:
    """(longitude, latitude) of the centre of a feature's largest polygon (outer ring).

    Good enough to place a label; may fall outside a strongly concave shape.
    """
    geometry = feature["geometry"]
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    elif geometry["type"] == "Point":
        return tuple(geometry["coordinates"][:2])  # type: ignore[return-value]
    else:
        raise ValueError(f"Géométrie non prise en charge pour un libellé : {geometry['type']}")
    best = max((_ring_centroid(p[0]) for p in polygons if p and p[0]), key=lambda r: abs(r[0]))
    return best[1], best[2]
