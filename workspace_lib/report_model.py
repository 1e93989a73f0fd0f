"""The report model: what a dashboard notebook publishes, as a list of blocks.

A notebook shows its content through :mod:`workspace_lib.dashboard` helpers. Each helper displays
the block for people (HTML, SVG) and, beside it, the block itself as JSON under the
:data:`MIMETYPE` output type. The render engine reads those outputs back from the executed
notebook, in order, and the exporters build PDF, DOCX, XLSX and HTML from them: the same
notebook is the interactive dashboard and the printed report.

Every table in a block has already been through disclosure control (``statut`` per cell).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

MIMETYPE = "application/vnd.rsu.block+json"


@dataclass
class Entete:
    """The report's header: what the cover page and the file names show."""

    titre: str
    sous_titre: str = ""
    annee: int | None = None
    perimetre: dict[str, Any] = field(default_factory=dict)
    type: Literal["entete"] = "entete"


@dataclass
class Titre:
    """A heading. ``niveau`` 1 is the report's title, 2 a section, 3 a sub-section."""

    texte: str
    niveau: int = 2
    type: Literal["titre"] = "titre"


@dataclass
class Texte:
    """A paragraph of narrative text (plain text; ``**gras**`` allowed)."""

    texte: str
    type: Literal["texte"] = "texte"


@dataclass
class ChiffreCle:
    """One key figure: its label, its value as shown (French format), and comparisons."""

    libelle: str
    valeur: str
    comparaisons: dict[str, str] = field(default_factory=dict)  # e.g. {"Strate": "12,3 %"}


@dataclass
class ChiffresCles:
    """A row of key figures."""

    chiffres: list[ChiffreCle]
    titre: str = ""
    type: Literal["chiffres_cles"] = "chiffres_cles"

    @classmethod
    def from_dict(cls, data: dict) -> "ChiffresCles":
        return cls(chiffres=[ChiffreCle(**c) for c in data["chiffres"]], titre=data.get("titre", ""))


@dataclass
class Tableau:
    """A protected table: the ``.tables.json`` form of one table (cells carry ``statut``).

    ``table`` holds ``id, titre, mesure, perimetre, dimensions, total, cellules``;
    ``lignes``/``colonnes`` say how to lay it out (dimension names); ``unite`` the unit shown.
    """

    table: dict[str, Any]
    lignes: list[str] = field(default_factory=list)
    colonnes: list[str] = field(default_factory=list)
    unite: str = ""
    note: str = ""
    type: Literal["tableau"] = "tableau"


@dataclass
class Graphique:
    """A chart: its Vega-Lite specification (data inline), alt text, and the data behind it.

    ``donnees`` is the table of values drawn (list of records), exported to Excel; ``genre``
    (``barres``, ``barres_horizontales``, ``lignes``, ``pyramide``, ``carte``, ``autre``)
    lets exporters draw a native chart where they can; ``x``/``y``/``serie`` name the columns.
    """

    titre: str
    spec: dict[str, Any]
    texte_alternatif: str
    donnees: list[dict[str, Any]]
    genre: str = "autre"
    x: str = ""
    y: str = ""
    serie: str = ""
    source: str = ""
    # The protected table(s) the chart draws (``.tables.json`` form), if any.
    table: dict[str, Any] | list[dict[str, Any]] | None = None
    type: Literal["graphique"] = "graphique"


Block = Entete | Titre | Texte | ChiffresCles | Tableau | Graphique
_TYPES = {"entete": Entete, "titre": Titre, "texte": Texte, "tableau": Tableau, "graphique": Graphique}


def to_json(block: Block) -> dict[str, Any]:
    """A block as the JSON object stored in a notebook output.

    Shallow: the dict shares the block's lists and dicts (``asdict`` would copy each spec and
    table, a tenth of a report's computing time); it is meant to be serialised, not changed.
    """
    data = {f.name: getattr(block, f.name) for f in fields(block)}
    if isinstance(block, ChiffresCles):
        data["chiffres"] = [asdict(c) for c in block.chiffres]
    return data


def from_json(data: dict[str, Any]) -> Block:
    """A block from its JSON object; a clear error for an unknown type."""
    kind = data.get("type")
    if kind == "chiffres_cles":
        return ChiffresCles.from_dict(data)
    if kind not in _TYPES:
        raise ValueError(f"Type de bloc inconnu dans le rapport : {kind!r}")
    values = {k: v for k, v in data.items() if k != "type"}
    return _TYPES[kind](**values)


def published_tables(blocks: list[Block]) -> list[dict[str, Any]]:
    """Every protected table a report publishes (tables and the tables behind charts), once each."""
    seen, tables = set(), []
    for block in blocks:
        table = block.table if isinstance(block, (Tableau, Graphique)) else None
        for one in (table if isinstance(table, list) else [table] if table else []):
            if one.get("id") not in seen:
                seen.add(one.get("id"))
                tables.append(one)
    return tables


def blocks_from_notebook(nb: dict[str, Any]) -> list[Block]:
    """The blocks of an executed notebook (nbformat dict), in display order."""
    blocks = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data", {})
            if MIMETYPE in data:
                payload = data[MIMETYPE]
                blocks.append(from_json(json.loads(payload) if isinstance(payload, str) else payload))
    return blocks
