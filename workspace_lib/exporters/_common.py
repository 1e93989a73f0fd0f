"""Shared by every exporter: block normalisation, French formats, table layout, atomic writes."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..atomic import atomic_path, write_bytes
from ..fr import NARROW_NBSP, nombre
from ..report_model import ChiffresCles, Graphique, Tableau, Texte, Titre, from_json

# Same text as workspace_lib.disclosure.io (not imported: that package loads scipy, ~1 s).
SECRET = "s"
LEGENDE_SECRET = "s : donnée couverte par le secret statistique"
PUBLIE = "publie"
SUPPRIMES = frozenset({"secret_primaire", "secret_secondaire"})
ABSENT = "–"  # a combination of members with no cell in the table

NBSP = "\u00a0"  # before « % » and « € »

MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
        "octobre", "novembre", "décembre")

# Headers of the dimension columns of the reports' tables: every dimension of the indicators
# (workspace_lib.indicators.moteur.DIMENSIONS, checked by the tests) and those of the views.
LIBELLES_DIMENSIONS = {
    "sexe": "Sexe",
    "statut": "Statut",
    "statut_agent": "Statut",
    "statut_groupe": "Fonctionnaire / contractuel",
    "categorie": "Catégorie",
    "filiere": "Filière",
    "tranche_age": "Tranche d'âge (5 ans)",
    "temps_travail": "Temps complet / non complet",
    "temps_partiel": "Temps partiel",
    "position": "Position statutaire",
    "motif_entree": "Motif d'arrivée",
    "motif_sortie": "Motif de départ",
    "type_employeur": "Type d'employeur",
    "departement": "Département",
    "region": "Région",
    "commune": "Commune (code INSEE)",
    "epci": "EPCI (SIREN)",
    "employeur": "Employeur (SIRET)",
    "motif": "Motif d'absence",
    "type_formation": "Type de formation",
    "organisme": "Organisme de formation",
    "annee": "Année",
    "strate": "Strate",
    "perimetre": "Périmètre",
    "niveau": "Niveau",
}


class ExportError(ValueError):
    """A report that cannot be exported as it is (French message for the user)."""


# --- French text -------------------------------------------------------------------------------

def date_longue(value: dt.date) -> str:
    """``2026-11-26`` -> ``"26 novembre 2026"`` (``"1er décembre 2026"`` on the first day)."""
    jour = "1er" if value.day == 1 else str(value.day)
    return f"{jour} {MOIS[value.month - 1]} {value.year}"


def mention_edition(value: dt.date) -> str:
    return f"Édité le {date_longue(value)}"


def libelle_dimension(name: str) -> str:
    """« categorie » -> « Catégorie » (indicator dimensions' labels), else the name tidied."""
    if name in LIBELLES_DIMENSIONS:
        return LIBELLES_DIMENSIONS[name]
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def paragraphes(texte: str) -> list[str]:
    """Paragraphs of a text: split on blank lines, inner line breaks kept as spaces."""
    parts = re.split(r"\n\s*\n", texte.replace("\r\n", "\n").strip())
    return [" ".join(line.strip() for line in p.split("\n")) for p in parts if p.strip()]


_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)


def segments(texte: str) -> list[tuple[str, bool]]:
    """``"a **b** c"`` -> ``[("a ", False), ("b", True), (" c", False)]`` (only ``**gras**``)."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _BOLD.finditer(texte):
        if m.start() > pos:
            out.append((texte[pos:m.start()], False))
        out.append((m.group(1), True))
        pos = m.end()
    if pos < len(texte):
        out.append((texte[pos:], False))
    return out


def lire_logo(logo: str | os.PathLike | None) -> bytes | None:
    """The logo's bytes (PNG, JPEG or SVG), or None; a clear error when it cannot be read."""
    if not logo:
        return None
    path = Path(logo)
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".svg"):
        raise ExportError(f"Logo « {path} » : formats acceptés PNG, JPEG ou SVG.")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ExportError(f"Logo illisible : {path} ({exc.strerror or exc}).") from None


# --- numbers -----------------------------------------------------------------------------------

def est_pourcentage(mesure: str, unite: str) -> bool:
    return mesure == "taux" and unite.strip() in ("", "%")


def decimales(mesure: str, unite: str, valeurs: Sequence[float] = ()) -> int:
    """Decimals shown for a measure: effectif 0 (1 for ETP or non-integer counts), taux and
    jours 1, montant 0."""
    if mesure == "effectif":
        if unite.strip().upper() in ("ETP", "ETPR"):
            return 1
        return 0 if all(float(v) == round(float(v)) for v in valeurs) else 1
    if mesure == "montant":
        return 0
    return 1


def formater(valeur: float, mesure: str, unite: str = "", decimals: int | None = None) -> str:
    """A raw value in French: ``1 234`` (effectif), ``12,3 %`` (taux), ``1 234 €`` (montant),
    ``12,5`` (jours). Thousands: narrow no-break space; before the unit: no-break space."""
    d = decimales(mesure, unite, [valeur]) if decimals is None else decimals
    text = nombre(valeur, d)
    if text.startswith("-") and float(text.lstrip("-").replace(NARROW_NBSP, "").replace(",", ".")) == 0:
        text = text[1:]  # "-0,0" -> "0,0"
    if est_pourcentage(mesure, unite):
        return f"{text}{NBSP}%"
    if mesure == "montant":
        return f"{text}{NBSP}€"
    return text


def libelle_unite(mesure: str, unite: str) -> str:
    """The « Unité : ... » line of a table ('' when the cells already say it)."""
    u = unite.strip()
    if not u or u in ("%", "€", "euros", mesure) or (mesure == "effectif" and u == "agents"):
        return ""
    return f"Unité : {u}"


# --- blocks ------------------------------------------------------------------------------------

def normaliser(blocks: Sequence[Any]) -> list:
    """Blocks as dataclasses (JSON dicts accepted, as stored in notebook outputs). The
    ``Entete`` block (the report's header) is left out: its content is in :class:`ReportMeta`."""
    out = []
    for i, b in enumerate(blocks):
        if isinstance(b, dict):
            if b.get("type") == "entete":
                continue
            b = from_json(b)
        if getattr(b, "type", None) == "entete":
            continue
        if not isinstance(b, (Titre, Texte, ChiffresCles, Tableau, Graphique)):
            raise ExportError(f"Bloc n° {i + 1} du rapport : type {type(b).__name__} inconnu.")
        out.append(b)
    return out


def corps(blocks: Sequence[Any], titre: str) -> list:
    """The body blocks, with headings ready for every format:

    - a first level-1 title equal to the report's title is dropped (the cover shows it);
    - empty headings are dropped;
    - levels start at 1 and never skip one (2 -> 4 becomes 2 -> 3: Word's navigation pane,
      HTML outlines and PDF/UA need a continuous hierarchy); at most 6.
    """
    blocks = normaliser(blocks)
    if blocks and isinstance(blocks[0], Titre) and blocks[0].niveau <= 1 \
            and blocks[0].texte.strip() == titre.strip():
        blocks = blocks[1:]
    out = []
    pile: list[int] = []  # source levels of the open headings
    for b in blocks:
        if isinstance(b, Titre):
            if not b.texte.strip():
                continue
            source = int(b.niveau)
            while pile and pile[-1] >= source:
                pile.pop()
            pile.append(source)
            b = replace(b, niveau=min(6, len(pile)))
        out.append(b)
    return out


# --- table layout ------------------------------------------------------------------------------

@dataclass
class Cellule:
    texte: str
    valeur: float | None = None  # raw number of a published cell
    secret: bool = False
    total: bool = False


@dataclass
class Ligne:
    libelles: list[str]
    total: bool
    cellules: list[Cellule]


@dataclass
class Entete:
    """One header cell: ``colspan`` columns, ``total`` for an « Ensemble » column."""

    texte: str
    colspan: int = 1
    total: bool = False


@dataclass
class Grille:
    """A protected table laid out for display: header rows, then rows of labels and cells."""

    id: str
    titre: str
    mesure: str
    unite: str
    note: str
    dims_lignes: list[str]
    dims_colonnes: list[str]
    entetes: list[list[Entete]]  # each row starts with one cell per row dimension
    lignes: list[Ligne]
    decimales: int
    secret: bool = False  # at least one suppressed cell (legend needed)
    total: str = "Ensemble"
    cles_colonnes: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def n_entete_lignes(self) -> int:
        return len(self.dims_lignes) or 1

    @property
    def n_colonnes(self) -> int:
        return self.n_entete_lignes + len(self.cles_colonnes)

    @property
    def ligne_unite(self) -> str:
        return libelle_unite(self.mesure, self.unite)


def _ordonner(keys: list[tuple[str, ...]], total: str) -> list[tuple[str, ...]]:
    """Keys in first-appearance order of each level's members, the total member last."""
    if not keys:
        return keys
    rangs: list[dict[str, int]] = [{} for _ in keys[0]]
    for k in keys:
        for level, member in enumerate(k):
            rangs[level].setdefault(member, len(rangs[level]))

    def rang(k):
        return tuple((1, 0) if m == total else (0, rangs[i][m]) for i, m in enumerate(k))

    return sorted(keys, key=rang)


def _valeur_libelle(mesure: str, unite: str) -> str:
    base = {"effectif": "Effectif", "montant": "Montant", "jours": "Jours"}.get(mesure, "Valeur")
    u = unite.strip()
    if u and u not in ("%", "€", "euros", "agents", mesure):
        return f"{base} ({u})"
    if mesure == "taux" and u == "%":
        return f"{base} (%)"
    return base


def grille(block: Tableau) -> Grille:
    """The display layout of a protected table (``Tableau`` block)."""
    t = block.table
    try:
        tid, titre, mesure = str(t["id"]), str(t["titre"]), str(t["mesure"])
        dims = [str(d) for d in t["dimensions"]]
        cellules = t["cellules"]
    except (KeyError, TypeError):
        raise ExportError("Tableau invalide : clés id, titre, mesure, dimensions, cellules attendues.") from None
    total = str(t.get("total") or "Ensemble")
    lignes_d = [d for d in block.lignes if d in dims]
    colonnes_d = [d for d in block.colonnes if d in dims and d not in lignes_d]
    if not lignes_d and not colonnes_d:
        lignes_d, colonnes_d = (dims[:-1], dims[-1:]) if len(dims) >= 2 else (dims, [])
    lignes_d += [d for d in dims if d not in lignes_d and d not in colonnes_d]

    index: dict[tuple[tuple[str, ...], tuple[str, ...]], dict] = {}
    rk_seen: dict[tuple[str, ...], None] = {}
    ck_seen: dict[tuple[str, ...], None] = {}
    for cell in cellules:
        try:
            rk = tuple(str(cell[d]) for d in lignes_d)
            ck = tuple(str(cell[d]) for d in colonnes_d)
        except KeyError:
            raise ExportError(f"Tableau « {titre} » : une cellule n'a pas toutes les dimensions.") from None
        if "statut" not in cell:
            raise ExportError(f"Tableau « {titre} » non protégé : statut absent d'une cellule "
                              "(appliquez le secret statistique avant de publier).")
        if (rk, ck) in index:
            raise ExportError(f"Tableau « {titre} » : plusieurs cellules ont les mêmes modalités.")
        index[(rk, ck)] = cell
        rk_seen.setdefault(rk)
        ck_seen.setdefault(ck)
    rkeys = _ordonner(list(rk_seen), total)
    ckeys = _ordonner(list(ck_seen), total)

    published = []
    for cell in cellules:
        if cell["statut"] == PUBLIE and cell.get("valeur") is not None:
            published.append(cell["valeur"])
    dec = decimales(mesure, block.unite, published)

    # header rows: one per column dimension (a single one when there is none)
    entetes: list[list[Entete]] = []
    n_levels = max(1, len(colonnes_d))
    row_heads = [libelle_dimension(d) for d in lignes_d] or [""]
    for level in range(n_levels):
        row = [Entete(h if level == n_levels - 1 else "") for h in row_heads]
        if not colonnes_d:
            row.append(Entete(_valeur_libelle(mesure, block.unite)))
        else:
            j = 0
            while j < len(ckeys):
                prefix = ckeys[j][:level + 1]
                span = 1
                while j + span < len(ckeys) and ckeys[j + span][:level + 1] == prefix:
                    span += 1
                row.append(Entete(prefix[-1], span, total in prefix))
                j += span
        entetes.append(row)

    lignes: list[Ligne] = []
    secret = False
    for rk in rkeys:
        row_total = total in rk
        out = []
        for ck in ckeys:
            is_total = row_total or total in ck
            cell = index.get((rk, ck))
            if cell is None:
                out.append(Cellule(ABSENT, total=is_total))
                continue
            statut = cell["statut"]
            if statut in SUPPRIMES:
                secret = True
                out.append(Cellule(SECRET, secret=True, total=is_total))
            elif statut == PUBLIE:
                v = cell.get("valeur")
                if v is None or isinstance(v, bool) or not isinstance(v, (int, float)) \
                        or math.isnan(v) or math.isinf(v):
                    raise ExportError(f"Tableau « {titre} » : cellule publiée sans valeur numérique.")
                out.append(Cellule(formater(v, mesure, block.unite, dec), float(v), total=is_total))
            else:
                raise ExportError(f"Tableau « {titre} » : statut « {statut} » inconnu.")
        lignes.append(Ligne(list(rk) if rk else [total], row_total, out))
    return Grille(tid, titre, mesure, block.unite, block.note, lignes_d, colonnes_d, entetes,
                  lignes, dec, secret, total, ckeys)


# --- atomic output -----------------------------------------------------------------------------

sortie_atomique = atomic_path


def ecrire_atomique(out: str | os.PathLike, data: bytes) -> Path:
    return write_bytes(out, data)
