"""PDF export with typst (PyPI ``typst``): no LaTeX, no browser, milliseconds per report.

The typst template (``templates/rapport.typ``) receives the whole report as ONE JSON document
(``sys.inputs.donnees``) and reads it with ``json()``: no text coming from the data is ever
written into typst markup, so names such as « Commune d'Albaret-le-Comtal », « # », « * »,
« $ », « [x] » or « @ » are printed literally and cannot inject markup or code. Charts are
vector images (SVG from vl-convert, passed as text in the same JSON).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import warnings
from pathlib import Path
from typing import Any

from ..report_model import ChiffresCles, Graphique, Tableau, Texte, Titre
from . import charts
from ._common import (LEGENDE_SECRET, ExportError, Grille, corps, ecrire_atomique, grille, lire_logo,
                      mention_edition, paragraphes, segments)
from .meta import ReportMeta

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = TEMPLATES / "rapport.typ"
FONTS = TEMPLATES / "fonts"  # optional: fonts shipped with a customised template

# Fonts tried in order (the first one installed wins; Libertinus Serif ships with typst).
POLICES = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Libertinus Serif"]
COULEUR = "#1f4e79"
FOND = "#e8eef5"
LARGEUR_TEXTE_PT = 481.9  # A4 (595.3 pt) minus 2 x 2 cm margins
LARGEUR_PAYSAGE_PT = 728.5  # A4 landscape (841.9 pt) minus 2 x 2 cm
NORMES = ("a-2a", "ua-1")  # PDF/A-2a (archiving) and PDF/UA-1 (accessibility)

_compilers: dict[tuple[str, int], Any] = {}
_compilers_lock = threading.Lock()


def _compiler(template: Path):
    """A typst Compiler per template (and version of it), kept: fonts are scanned once and
    compilation is memoised between reports."""
    import typst  # noqa: PLC0415

    path = template.resolve()
    try:
        version = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise ExportError(f"Modèle typst introuvable : {template}.") from None
    key = (str(path), version)
    with _compilers_lock:
        entry = _compilers.get(key)
        if entry is None:
            for old in [k for k in _compilers if k[0] == key[0]]:
                del _compilers[old]
            fonts = [str(FONTS)] if FONTS.is_dir() else []
            entry = (typst.Compiler(str(path), root=str(path.parent), font_paths=fonts), threading.Lock())
            _compilers[key] = entry
    return entry


def _cellule(texte: str, *, b: bool = False, h: bool = False, tot: bool = False,
             num: bool = False, cs: int = 1) -> dict:
    return {"t": texte, "b": b, "h": h, "tot": tot, "num": num, "cs": cs}


def _taille_tableau(g: Grille) -> tuple[float, bool]:
    """Font size (pt) and orientation for a table to fit the page width: 9 pt portrait if it
    fits, else smaller, else a landscape page. Widths estimated from the longest texts (numbers
    never wrap; labels wrap at spaces, up to 24 characters a line)."""
    widths = [0] * max(g.n_colonnes, 1)
    if not g.lignes:
        return 9, False
    for head in g.entetes:
        j = 0
        for e in head:
            if e.colspan == 1:
                widths[j] = max(widths[j], max((len(w) for w in e.texte.split()), default=0))
            j += e.colspan
    for ligne in g.lignes:
        for j, lab in enumerate(ligne.libelles):
            widths[j] = max(widths[j], min(len(lab), 24))
        for j, c in enumerate(ligne.cellules, start=g.n_entete_lignes):
            widths[j] = max(widths[j], len(c.texte))
    chars = sum(widths)

    def needed(size: float) -> float:  # DejaVu Sans: about 0.62 em a character (bold digits)
        return chars * 0.62 * size + g.n_colonnes * 9.0

    for size in (9, 8, 7):
        if needed(size) <= LARGEUR_TEXTE_PT:
            return size, False
    for size in (8, 7, 6):
        if needed(size) <= LARGEUR_PAYSAGE_PT:
            return size, True
    return 6, True


def _tableau(g: Grille) -> dict:
    entete = []
    for row in g.entetes:
        for j, e in enumerate(row):
            entete.append(_cellule(e.texte, b=True, h=True, num=j >= g.n_entete_lignes, cs=e.colspan))
    body = []
    for ligne in g.lignes:
        for lab in ligne.libelles:
            body.append(_cellule(lab, b=ligne.total, tot=ligne.total))
        for c in ligne.cellules:
            body.append(_cellule(c.texte, b=c.total, tot=c.total, num=True))
    taille, paysage = _taille_tableau(g)
    n = g.n_colonnes
    colonnes = ["auto"] * g.n_entete_lignes + (["1fr"] if 5 <= n <= 8 else ["auto"]) * (n - g.n_entete_lignes)
    return {"type": "tableau", "titre": g.titre, "unite": g.ligne_unite, "note": g.note,
            "secret": g.secret, "entete": entete, "corps": body, "colonnes": colonnes,
            "taille": taille, "paysage": paysage}


def _graphique(b: Graphique) -> dict:
    svg = charts.svg(b)
    w, _ = charts.taille(svg)
    alt = (b.texte_alternatif or b.titre or "Graphique").strip() or "Graphique"
    return {"type": "graphique", "titre": "" if charts.a_un_titre(b) else b.titre, "svg": svg, "alt": alt,
            "largeur": round(min(w, LARGEUR_TEXTE_PT), 1), "source": b.source}


def donnees(blocks: list, meta: ReportMeta, *, sommaire: bool | None = None) -> dict:
    """The JSON document the typst template reads."""
    body = corps(blocks, meta.titre)
    blocs: list[dict] = []
    n_titres = 0
    for b in body:
        if isinstance(b, Titre):
            n_titres += 1
            blocs.append({"type": "titre", "niveau": b.niveau, "texte": b.texte})
        elif isinstance(b, Texte):
            blocs.append({"type": "texte",
                          "paragraphes": [[list(s) for s in segments(p)] for p in paragraphes(b.texte)]})
        elif isinstance(b, ChiffresCles):
            blocs.append({"type": "chiffres", "titre": b.titre, "chiffres": [
                {"libelle": c.libelle, "valeur": c.valeur,
                 "comparaisons": [f"{k}\u00a0: {v}" for k, v in c.comparaisons.items()]}
                for c in b.chiffres]})
        elif isinstance(b, Tableau):
            blocs.append(_tableau(grille(b)))
        elif isinstance(b, Graphique):
            blocs.append(_graphique(b))
    data = lire_logo(meta.logo)
    logo = list(data) if data is not None else None
    return {
        "meta": {
            "titre": meta.titre, "sous_titre": meta.sous_titre or "",
            "annee_texte": "" if meta.annee is None else str(meta.annee),
            "organisme": meta.organisme or "", "edition": mention_edition(meta.date_edition),
            "sources": paragraphes(meta.sources_methode or ""), "logo": logo,
        },
        "options": {"sommaire": (n_titres >= 3) if sommaire is None else bool(sommaire)},
        "style": {"polices": POLICES, "couleur": COULEUR, "fond": FOND},
        "legende_secret": LEGENDE_SECRET,
        "blocs": blocs,
    }


def rendre(blocks: list, meta: ReportMeta, *, template: Path | None = None,
           sommaire: bool | None = None, normes: tuple[str, ...] | None = NORMES) -> bytes:
    """The PDF document as bytes.

    ``normes``: PDF standards checked by typst, by default PDF/A-2a (archiving) and PDF/UA-1
    (accessibility: tagged structure, alternative texts, language, title). If the report
    cannot meet them (say a customised template with an image without alt text), it is
    produced without them and a warning says why; ``normes=()`` skips them.
    """
    import typst  # noqa: PLC0415

    data = json.dumps(donnees(blocks, meta, sommaire=sommaire), ensure_ascii=False)
    compiler, lock = _compiler(Path(template) if template else TEMPLATE)
    stamp = dt.datetime.combine(meta.date_edition, dt.time(12, 0), tzinfo=dt.timezone.utc)
    attempts = [list(normes or ()), []] if normes else [[]]
    for i, standards in enumerate(attempts):
        try:
            with lock:
                return compiler.compile(format="pdf", sys_inputs={"donnees": data}, timestamp=stamp,
                                        pdf_standards=standards)
        except typst.TypstError as exc:
            if i + 1 < len(attempts):
                warnings.warn(f"PDF produit sans les normes {', '.join(standards)} : {exc.message}",
                              stacklevel=2)
                continue
            raise ExportError(f"PDF : la mise en page a échoué ({exc.message}).") from exc
    raise AssertionError("unreachable")  # pragma: no cover


def export(blocks: list, meta: ReportMeta, out: Path, *, template: Path | None = None,
           sommaire: bool | None = None, normes: tuple[str, ...] | None = NORMES) -> Path:
    """Write the report as an A4 PDF at ``out`` (atomically). ``sommaire``: table of contents
    after the cover (default: when the report has at least 3 headings); ``normes``: see
    :func:`rendre`."""
    return ecrire_atomique(out, rendre(blocks, meta, template=template, sommaire=sommaire, normes=normes))
