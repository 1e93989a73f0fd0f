"""XLSX export with xlsxwriter: a « Sommaire » sheet, one sheet per table, one per chart.

- No cell is ever written as a formula or a link from data: the workbook is opened with
  ``strings_to_formulas``/``strings_to_urls``/``strings_to_numbers`` off, so a value such as
  ``=HYPERLINK("http://x")`` or ``+33 4 66...`` stays a text cell.
- Tables keep their layout (row and column dimensions as headers, « Ensemble » in bold),
  published values as numbers with a number format (``#,##0``, ``0.0%``, ``#,##0 "€"``,
  ``#,##0.0``: Excel shows them in the user's locale, « 1 234 », « 12,3 % »), « s » as text for
  a suppressed cell with the legend under the table, frozen header panes.
- Percentages (``taux`` in %) are stored as fractions (12.3 % -> 0.123) with a % format, so that
  Excel computes with them correctly.
- A chart sheet holds the data behind the chart and, for ``barres``, ``barres_horizontales``
  and ``lignes``, a native Excel chart drawn from it; other charts get their image.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from pathlib import Path
from typing import Any

from ..report_model import ChiffresCles, Graphique, Tableau
from . import charts
from ._common import (LEGENDE_SECRET, Grille, corps, date_longue, est_pourcentage, grille,
                      paragraphes, sortie_atomique)
from .meta import ReportMeta

# in_memory: the parts of the workbook are assembled in memory, not in about 40 temporary files
# (their creation and removal cost more than writing the workbook).
OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
           "nan_inf_to_errors": True, "in_memory": True}
COULEUR = "#1F4E79"
FOND_ENTETE = "#E8EEF5"
FOND_TOTAL = "#F4F4F4"
NATIFS = {"barres": "column", "barres_horizontales": "bar", "lignes": "line"}
_INTERDITS = re.compile(r"[\[\]:*?/\\]")


def nom_feuille(texte: str, pris: set[str]) -> str:
    """A valid, unique sheet name: ≤ 31 characters, none of ``[]:*?/\\``, no leading or
    trailing apostrophe, not « Historique »/« History »; unique ignoring case."""
    base = _INTERDITS.sub(" ", texte)
    base = re.sub(r"\s+", " ", base).strip().strip("'").strip() or "Feuille"
    if base.lower() in ("history", "historique"):
        base += " 1"
    name = base[:31].rstrip().rstrip("'")
    n = 2
    while name.lower() in pris:
        suffix = f" ({n})"
        name = base[:31 - len(suffix)].rstrip().rstrip("'") + suffix
        n += 1
    pris.add(name.lower())
    return name


def format_nombre(mesure: str, unite: str, decimales: int) -> str:
    """Excel number format code (locale-neutral codes, displayed in the user's locale)."""
    if est_pourcentage(mesure, unite):
        return "0.0%"
    dec = "." + "0" * decimales if decimales else ""
    if mesure == "montant":
        return f'#,##0{dec} "€"'
    return f"#,##0{dec}"


class _Classeur:
    def __init__(self, wb):
        self.wb = wb
        self._formats: dict[tuple, Any] = {}

    def fmt(self, **props) -> Any:
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.wb.add_format(dict(props))
        return self._formats[key]


def _largeur(texte: str) -> float:
    return min(60.0, max(8.0, len(texte) * 1.1 + 2))


def _tableau(c: _Classeur, ws, b: Tableau, g: Grille) -> None:
    border = {"border": 1, "border_color": "#A0A0A0"}
    ws.write_string(0, 0, g.titre, c.fmt(bold=True, font_size=13, font_color=COULEUR))
    row = 1
    infos = [x for x in (g.ligne_unite, g.note) if x]
    for info in infos:
        ws.write_string(row, 0, info, c.fmt(italic=True, font_size=9))
        row += 1
    row += 1
    first_head = row
    nh = g.n_entete_lignes
    widths = [0.0] * g.n_colonnes
    for head in g.entetes:
        col = 0
        for j, e in enumerate(head):
            f = c.fmt(bold=True, bg_color=FOND_ENTETE, align="right" if j >= nh else "left",
                      valign="vcenter", text_wrap=True, **border)
            if e.colspan > 1:
                ws.merge_range(row, col, row, col + e.colspan - 1, e.texte, f)
            else:
                ws.write_string(row, col, e.texte, f)
                widths[col] = max(widths[col], _largeur(e.texte))
            col += e.colspan
        row += 1
    body_start = row
    pct = est_pourcentage(g.mesure, g.unite)
    num = format_nombre(g.mesure, g.unite, g.decimales)
    for ligne in g.lignes:
        for j, lab in enumerate(ligne.libelles):
            f = c.fmt(bold=ligne.total, bg_color=FOND_TOTAL if ligne.total else "#FFFFFF", **border)
            ws.write_string(row, j, lab, f)
            widths[j] = max(widths[j], _largeur(lab))
        for j, cell in enumerate(ligne.cellules, start=nh):
            bg = FOND_TOTAL if cell.total else "#FFFFFF"
            if cell.valeur is None:  # « s » (secret) or « – » (no such cell): text
                ws.write_string(row, j, cell.texte,
                                c.fmt(bold=cell.total, align="right", bg_color=bg, **border))
            else:
                value = cell.valeur / 100 if pct else cell.valeur
                ws.write_number(row, j, value,
                                c.fmt(bold=cell.total, num_format=num, bg_color=bg, **border))
            widths[j] = max(widths[j], _largeur(cell.texte))
        row += 1
    if g.secret:
        ws.write_string(row + 1, 0, LEGENDE_SECRET, c.fmt(italic=True, font_size=9))
    for j, w in enumerate(widths):
        ws.set_column(j, j, max(w, 10.0))
    ws.freeze_panes(body_start, nh)
    ws.repeat_rows(first_head, body_start - 1)
    _mise_en_page(ws, landscape=g.n_colonnes > 8)


def _mise_en_page(ws, landscape: bool = False) -> None:
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_footer("&L&A&Rpage &P / &N")


def _cellule(ws, r: int, col: int, v: Any, fmt=None) -> None:
    if v is None:
        ws.write_blank(r, col, None, fmt)
    elif isinstance(v, bool):
        ws.write_string(r, col, "oui" if v else "non", fmt)
    elif isinstance(v, (int, float)) and not (isinstance(v, float) and (math.isnan(v) or math.isinf(v))):
        ws.write_number(r, col, v, fmt)
    else:
        ws.write_string(r, col, str(v), fmt)


def _graphique(c: _Classeur, ws, name: str, b: Graphique) -> None:
    ws.write_string(0, 0, b.titre, c.fmt(bold=True, font_size=13, font_color=COULEUR))
    row = 1
    if b.source:
        ws.write_string(row, 0, f"Source : {b.source}", c.fmt(italic=True, font_size=9))
        row += 1
    ws.write_string(row, 0, "Données du graphique", c.fmt(bold=True))
    row += 1
    keys: list[str] = []
    for rec in b.donnees:
        for k in rec:
            if k not in keys:
                keys.append(str(k))
    head = c.fmt(bold=True, bg_color=FOND_ENTETE, border=1, border_color="#A0A0A0")
    for j, k in enumerate(keys):
        ws.write_string(row, j, k, head)
        ws.set_column(j, j, max(12.0, _largeur(k)))
    head_row = row
    for i, rec in enumerate(b.donnees, start=1):
        for j, k in enumerate(keys):
            _cellule(ws, row + i, j, rec.get(k))
    last = row + len(b.donnees)
    ws.freeze_panes(head_row + 1, 0)
    anchor_col = len(keys) + 1
    native = NATIFS.get(b.genre)
    if native and b.x in keys and b.y in keys and b.donnees:
        series, chart_col = _series(ws, c, b, keys, head_row, last, anchor_col)
        if series:
            kind = native
            chart = c.wb.add_chart({"type": kind})
            for s in series:
                if kind == "line":
                    s["marker"] = {"type": "circle", "size": 5}
                chart.add_series(s)
            chart.set_title({"name": b.titre, "name_font": {"size": 11}})
            x_axis = {"name": b.x}
            y_axis = {"name": b.y, "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
            if kind == "bar":
                x_axis, y_axis = y_axis, x_axis
            chart.set_x_axis(x_axis)
            chart.set_y_axis(y_axis)
            chart.set_legend({"position": "bottom"} if len(series) > 1 else {"none": True})
            chart.set_size({"width": 640, "height": 360})
            ws.insert_chart(head_row, chart_col, chart,
                            {"description": b.texte_alternatif or b.titre})
            _mise_en_page(ws, landscape=True)
            return
    data = charts.png(b, 2)
    ws.insert_image(head_row, anchor_col, f"{name}.png",
                    {"image_data": io.BytesIO(data), "x_scale": 0.5, "y_scale": 0.5,
                     "description": b.texte_alternatif or b.titre, "object_position": 3})
    _mise_en_page(ws, landscape=True)


def _series(ws, c: _Classeur, b: Graphique, keys, head_row, last, anchor_col) -> tuple[list[dict], int]:
    """The chart's series, and the column where the chart goes."""
    sheet = ws.get_name()
    xcol, ycol = keys.index(b.x), keys.index(b.y)
    if not b.serie or b.serie not in keys:
        return [{"name": b.y, "categories": [sheet, head_row + 1, xcol, last, xcol],
                 "values": [sheet, head_row + 1, ycol, last, ycol]}], anchor_col
    # one series per value of ``serie``: a pivot (x down, one column per series) beside the data
    xs: list[Any] = []
    ss: list[Any] = []
    values: dict[tuple, Any] = {}
    for rec in b.donnees:
        x, s = rec.get(b.x), rec.get(b.serie)
        if x not in xs:
            xs.append(x)
        if s not in ss:
            ss.append(s)
        values[(x, s)] = rec.get(b.y)
    head = c.fmt(bold=True, bg_color=FOND_ENTETE, border=1, border_color="#A0A0A0")
    c0 = anchor_col
    ws.write_string(head_row - 1, c0, "Données pour le graphique (une colonne par série)", c.fmt(italic=True))
    ws.write_string(head_row, c0, b.x, head)
    for k, s in enumerate(ss, start=1):
        ws.write_string(head_row, c0 + k, "" if s is None else str(s), head)
    for i, x in enumerate(xs, start=1):
        _cellule(ws, head_row + i, c0, x)
        for k, s in enumerate(ss, start=1):
            _cellule(ws, head_row + i, c0 + k, values.get((x, s)))
    end = head_row + len(xs)
    ws.set_column(c0, c0 + len(ss), 12)
    out = []
    for k, _ in enumerate(ss, start=1):
        out.append({"name": [sheet, head_row, c0 + k],
                    "categories": [sheet, head_row + 1, c0, end, c0],
                    "values": [sheet, head_row + 1, c0 + k, end, c0 + k]})
    return out, c0 + len(ss) + 2  # the chart to the right of the pivot


def _sommaire(c: _Classeur, ws, meta: ReportMeta, contenu: list[tuple[str, str, str]],
              chiffres: list[ChiffresCles]) -> None:
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 70)
    ws.set_column(2, 2, 40)
    label = c.fmt(bold=True)
    ws.write_string(0, 0, meta.titre, c.fmt(bold=True, font_size=16, font_color=COULEUR))
    rows = [("Organisme", meta.organisme or ""), ("Employeur", meta.sous_titre or ""),
            ("Année", meta.annee), ("Date d'édition", date_longue(meta.date_edition))]
    r = 2
    for k, v in rows:
        ws.write_string(r, 0, k, label)
        _cellule(ws, r, 1, v, c.fmt(align="left"))
        r += 1
    r += 1
    ws.write_string(r, 0, "Contenu", c.fmt(bold=True, font_size=12, font_color=COULEUR))
    r += 1
    head = c.fmt(bold=True, bg_color=FOND_ENTETE)
    ws.write_string(r, 0, "Feuille", head)
    ws.write_string(r, 1, "Titre", head)
    ws.write_string(r, 2, "Contenu", head)
    r += 1
    link = c.fmt(font_color="blue", underline=1)
    for sheet, kind, titre in contenu:
        quoted = sheet.replace("'", "''")
        ws.write_url(r, 0, f"internal:'{quoted}'!A1", link, string=sheet)
        ws.write_string(r, 1, titre)
        ws.write_string(r, 2, kind)
        r += 1
    for bloc in chiffres:
        r += 1
        ws.write_string(r, 0, bloc.titre or "Chiffres clés", c.fmt(bold=True, font_size=12, font_color=COULEUR))
        r += 1
        for ch in bloc.chiffres:
            ws.write_string(r, 0, ch.libelle, label)
            ws.write_string(r, 1, ch.valeur)
            comps = " ; ".join(f"{k}\u00a0: {v}" for k, v in ch.comparaisons.items())
            if comps:
                ws.write_string(r, 2, comps)
            r += 1
    r += 1
    ws.write_string(r, 0, "Sources et méthode", c.fmt(bold=True, font_size=12, font_color=COULEUR))
    r += 1
    wrap = c.fmt(text_wrap=True, valign="top")
    for para in paragraphes(meta.sources_methode or ""):
        ws.merge_range(r, 0, r, 2, para, wrap)
        ws.set_row(r, 15 * max(1, math.ceil(len(para) / 120)))
        r += 1
    _mise_en_page(ws)


def export(blocks: list, meta: ReportMeta, out: Path) -> Path:
    """Write the report as an Excel workbook at ``out`` (atomically)."""
    import xlsxwriter  # noqa: PLC0415

    body = corps(blocks, meta.titre)
    grilles = {id(b): grille(b) for b in body if isinstance(b, Tableau)}  # errors before writing
    with sortie_atomique(out) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), OPTIONS)
        try:
            c = _Classeur(wb)
            wb.set_properties({"title": meta.titre, "subject": meta.sous_titre or "",
                               "author": meta.organisme or "", "company": meta.organisme or "",
                               "keywords": "RSU", "comments": "",
                               "created": dt.datetime.combine(meta.date_edition, dt.time(12, 0))})
            pris: set[str] = set()
            sommaire = wb.add_worksheet(nom_feuille("Sommaire", pris))
            contenu: list[tuple[str, str, str]] = []
            n_t = n_g = 0
            for b in body:
                if isinstance(b, Tableau):
                    n_t += 1
                    g = grilles[id(b)]
                    ws = wb.add_worksheet(nom_feuille(f"T{n_t} {g.titre}", pris))
                    _tableau(c, ws, b, g)
                    contenu.append((ws.get_name(), "Tableau", g.titre))
                elif isinstance(b, Graphique):
                    n_g += 1
                    ws = wb.add_worksheet(nom_feuille(f"G{n_g} {b.titre}", pris))
                    _graphique(c, ws, ws.get_name(), b)
                    contenu.append((ws.get_name(), "Graphique et ses données", b.titre))
            _sommaire(c, sommaire, meta, contenu, [b for b in body if isinstance(b, ChiffresCles)])
            sommaire.activate()
        finally:
            wb.close()
    return Path(out)


__all__ = ["OPTIONS", "export", "format_nombre", "nom_feuille"]
