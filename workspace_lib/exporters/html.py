"""HTML export: one self-contained, accessible, printable page.

No external reference at all (no CDN, no font, no script): CSS inline, charts as inline SVG
(rendered by vl-convert) with ``role="img"``, ``<title>`` and ``<desc>`` (alt text), the data
of each chart in a table under it (``<details>``), tables with ``<caption>`` and
``<th scope>``, ``lang="fr"``. Every text from the data is HTML-escaped.
"""

from __future__ import annotations

import base64
import re
from html import escape
from pathlib import Path

from ..report_model import ChiffresCles, Graphique, Tableau, Texte, Titre
from . import charts
from ._common import (LEGENDE_SECRET, SECRET, Grille, corps, ecrire_atomique, grille, lire_logo,
                      mention_edition, paragraphes, segments)
from .meta import ReportMeta

CSS = """
:root { --couleur: #1f4e79; --fond: #e8eef5; --total: #f4f4f4; --trait: #a0a0a0; }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 15px;
       color: #1a1a1a; background: #fff; }
body { margin: 0 auto; max-width: 60rem; padding: 1.5rem; line-height: 1.45; }
.couverture { border-bottom: 3px solid var(--couleur); padding: 2rem 0 1.5rem; margin-bottom: 2rem; }
.couverture .organisme { color: var(--couleur); font-weight: bold; font-size: 1.1rem; margin: 0; }
.couverture h1 { font-size: 2.1rem; margin: 0.8rem 0 0.3rem; }
.couverture .sous-titre { font-size: 1.35rem; margin: 0.2rem 0; }
.couverture .annee { color: var(--couleur); font-size: 1.2rem; margin: 0.2rem 0; }
.couverture .edition { font-size: 0.9rem; color: #444; margin-top: 1.2rem; }
.couverture .logo { max-height: 5rem; }
h2, h3, h4, h5, h6 { color: var(--couleur); margin: 1.8em 0 0.6em; line-height: 1.2; }
h2 { font-size: 1.6rem; } h3 { font-size: 1.3rem; } h4 { font-size: 1.1rem; }
nav.sommaire { background: var(--fond); padding: 0.6rem 1.2rem; border-radius: 4px; }
nav.sommaire h2 { margin-top: 0.4rem; font-size: 1.2rem; }
nav.sommaire a { color: var(--couleur); }
ul.chiffres { list-style: none; padding: 0; display: grid; gap: 0.6rem;
              grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); }
ul.chiffres li { background: var(--fond); border-radius: 4px; padding: 0.7rem 0.9rem; }
ul.chiffres .valeur { display: block; font-size: 1.6rem; font-weight: bold; color: var(--couleur); }
ul.chiffres .libelle { display: block; }
ul.chiffres .comparaison { display: block; font-size: 0.85rem; color: #444; }
p.titre-chiffres { font-weight: bold; color: var(--couleur); margin-bottom: 0.2rem; }
.tableau { overflow-x: auto; margin: 1.2rem 0; }
table { border-collapse: collapse; font-size: 0.88rem; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.3rem; caption-side: top;
          width: max-content; max-width: min(100vw - 3rem, 57rem); }
th, td { border: 1px solid var(--trait); padding: 0.2rem 0.5rem; }
thead th { background: var(--fond); text-align: left; }
th[scope="row"] { text-align: left; font-weight: normal; }
td, thead th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.total, tr.total th { font-weight: bold; background: var(--total); }
p.unite, p.legende, p.note, p.source { font-size: 0.8rem; margin: 0.25rem 0; }
p.legende, p.note, p.source { font-style: italic; }
figure { margin: 1.4rem 0; }
figcaption { font-weight: bold; margin-bottom: 0.4rem; }
.masque { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
          white-space: nowrap; }
figure svg { max-width: 100%; height: auto; }
details { font-size: 0.85rem; margin-top: 0.3rem; }
section.sources { border-top: 1px solid var(--trait); margin-top: 2.5rem; }
@page { size: A4; margin: 2cm; }
@media print {
  html { font-size: 10pt; }
  body { max-width: none; padding: 0; }
  .couverture { break-after: page; border: none; min-height: 24cm; display: flex; flex-direction: column;
                justify-content: center; }
  nav.sommaire { break-after: page; }
  figure, .tableau, ul.chiffres { break-inside: avoid; }
  thead { display: table-header-group; }
  h2, h3, h4 { break-after: avoid; }
  details { display: none; }
  .tableau { overflow: visible; }
}
"""

_ID = re.compile(r'\bid="([^"]+)"')


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _runs(texte: str) -> str:
    return "".join(f"<strong>{_e(t)}</strong>" if b else _e(t) for t, b in segments(texte))


def _svg_inline(svg: str, prefix: str, titre: str, alt: str) -> str:
    """The chart's SVG made inline-safe: ids made unique in the page (several charts), role
    img with <title> and <desc> for assistive technologies."""
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    ids = set(_ID.findall(svg))
    if ids:
        def rename(m):
            return f'{m.group(1)}{prefix}-{m.group(2)}{m.group(3)}'
        pattern = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
        svg = re.sub(rf'(\bid="|url\(#|href="#)({pattern})(["\)])', rename, svg)
    head = (f'<svg role="img" aria-labelledby="{prefix}-titre {prefix}-desc" focusable="false"')
    svg = svg.replace("<svg", head, 1)
    close = svg.index(">", svg.index("<svg")) + 1
    return (svg[:close] + f'<title id="{prefix}-titre">{_e(titre)}</title>'
            f'<desc id="{prefix}-desc">{_e(alt)}</desc>' + svg[close:])


def _tableau(g: Grille, n: int | str) -> str:
    out = [f'<div class="tableau" id="tableau-{n}">']
    if g.ligne_unite:
        out.append(f'<p class="unite">{_e(g.ligne_unite)}</p>')
    out.append(f"<table><caption>{_e(g.titre)}</caption><thead>")
    nh = g.n_entete_lignes
    for head in g.entetes:
        out.append("<tr>")
        for j, e in enumerate(head):
            cls = []
            if j >= nh:
                cls.append("num")
            if e.total:
                cls.append("total")
            attrs = f' class="{" ".join(cls)}"' if cls else ""
            if e.colspan > 1:
                attrs += f' colspan="{e.colspan}" scope="colgroup"'
            else:
                attrs += ' scope="col"'
            out.append(f"<th{attrs}>{_e(e.texte)}</th>")
        out.append("</tr>")
    out.append("</thead><tbody>")
    for ligne in g.lignes:
        out.append('<tr class="total">' if ligne.total else "<tr>")
        for lab in ligne.libelles:
            out.append(f'<th scope="row">{_e(lab)}</th>')
        for c in ligne.cellules:
            cls = ' class="total"' if c.total else ""
            if c.secret:
                out.append(f'<td{cls}><abbr title="donnée couverte par le secret statistique">{SECRET}</abbr></td>')
            else:
                out.append(f"<td{cls}>{_e(c.texte)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    if g.secret:
        out.append(f'<p class="legende">{_e(LEGENDE_SECRET)}</p>')
    if g.note:
        out.append(f'<p class="note">{_e(g.note)}</p>')
    out.append("</div>")
    return "".join(out)


def _donnees(b: Graphique) -> str:
    if not b.donnees:
        return ""
    keys: list[str] = []
    for rec in b.donnees:
        for k in rec:
            if k not in keys:
                keys.append(k)
    rows = ["<details><summary>Données du graphique</summary><table>",
            f"<caption>Données : {_e(b.titre)}</caption><thead><tr>",
            "".join(f'<th scope="col">{_e(k)}</th>' for k in keys), "</tr></thead><tbody>"]
    for rec in b.donnees:
        rows.append("<tr>" + "".join(f"<td>{_e('' if rec.get(k) is None else rec.get(k))}</td>"
                                     for k in keys) + "</tr>")
    rows.append("</tbody></table></details>")
    return "".join(rows)


def _graphique(b: Graphique, n: int | str) -> str:
    svg = _svg_inline(charts.svg(b), f"graphique-{n}", b.titre, b.texte_alternatif or b.titre)
    source = f'<p class="source">Source : {_e(b.source)}</p>' if b.source else ""
    hidden = ' class="masque"' if charts.a_un_titre(b) else ""  # the chart shows its title
    return (f'<figure id="graphique-{n}"><figcaption{hidden}>{_e(b.titre)}</figcaption>{svg}{source}'
            f"{_donnees(b)}</figure>")


def _chiffres(b: ChiffresCles) -> str:
    out = []
    if b.titre:
        out.append(f'<p class="titre-chiffres">{_e(b.titre)}</p>')
    out.append('<ul class="chiffres">')
    for c in b.chiffres:
        comps = "".join(f'<span class="comparaison">{_e(k)}\u00a0: {_e(v)}</span>'
                        for k, v in c.comparaisons.items())
        out.append(f'<li><span class="valeur">{_e(c.valeur)}</span>'
                   f'<span class="libelle">{_e(c.libelle)}</span>{comps}</li>')
    out.append("</ul>")
    return "".join(out)


# Styles of a block shown alone (notebook, Voilà): the page's styles, scoped to ``.rsu-bloc``.
CSS_BLOC = """
.rsu-bloc { --couleur: #1f4e79; --fond: #e8eef5; --total: #f4f4f4; --trait: #a0a0a0; line-height: 1.45; }
.rsu-bloc ul.chiffres { list-style: none; padding: 0; display: grid; gap: 0.6rem;
  grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); }
.rsu-bloc ul.chiffres li { background: var(--fond); border-radius: 4px; padding: 0.7rem 0.9rem; }
.rsu-bloc ul.chiffres .valeur { display: block; font-size: 1.6em; font-weight: bold; color: var(--couleur); }
.rsu-bloc ul.chiffres .libelle, .rsu-bloc ul.chiffres .comparaison { display: block; }
.rsu-bloc ul.chiffres .comparaison { font-size: 0.85em; color: #444; }
.rsu-bloc .titre-chiffres { font-weight: bold; color: var(--couleur); }
.rsu-bloc table { border-collapse: collapse; font-size: 0.9em; }
.rsu-bloc caption { text-align: left; font-weight: bold; padding-bottom: 0.3rem; caption-side: top; }
.rsu-bloc th, .rsu-bloc td { border: 1px solid var(--trait); padding: 0.2rem 0.5rem; }
.rsu-bloc thead th { background: var(--fond); text-align: left; }
.rsu-bloc th[scope="row"] { text-align: left; font-weight: normal; }
.rsu-bloc td, .rsu-bloc thead th.num { text-align: right; white-space: nowrap; }
.rsu-bloc .total, .rsu-bloc tr.total th { font-weight: bold; background: var(--total); }
.rsu-bloc p.unite, .rsu-bloc p.legende, .rsu-bloc p.note, .rsu-bloc p.source { font-size: 0.8em; margin: 0.25rem 0; }
.rsu-bloc p.legende, .rsu-bloc p.note, .rsu-bloc p.source { font-style: italic; }
.rsu-bloc figcaption { font-weight: bold; margin-bottom: 0.4rem; }
.rsu-bloc .masque { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
.rsu-bloc figure { margin: 0.8rem 0; }
.rsu-bloc figure svg { max-width: 100%; height: auto; }
.rsu-bloc h1, .rsu-bloc h2, .rsu-bloc h3, .rsu-bloc h4 { color: var(--couleur); }
"""


def block_html(block) -> str:
    """One block as an HTML fragment, drawn as in the HTML export (inline SVG, no external
    reference), with its scoped styles: for the notebook and dashboard display. Ids are random
    so that several fragments (charts) can share a page."""
    import secrets  # noqa: PLC0415

    from ..report_model import from_json  # noqa: PLC0415

    b = from_json(block) if isinstance(block, dict) else block
    uid = f"rsu-{secrets.token_hex(4)}"
    if isinstance(b, Titre):
        level = min(6, max(1, int(b.niveau)))
        body = f"<h{level}>{_e(b.texte)}</h{level}>"
    elif isinstance(b, Texte):
        body = "".join(f"<p>{_runs(p)}</p>" for p in paragraphes(b.texte))
    elif isinstance(b, ChiffresCles):
        body = _chiffres(b)
    elif isinstance(b, Tableau):
        body = _tableau(grille(b), uid)
    elif isinstance(b, Graphique):
        body = _graphique(b, uid)
    elif getattr(b, "type", None) == "entete":
        body = f"<h1>{_e(b.titre)}</h1>" + (f"<p>{_e(b.sous_titre)}</p>" if b.sous_titre else "")
    else:
        raise TypeError(f"Bloc de rapport attendu, reçu {type(b).__name__}.")
    return f'<div class="rsu-bloc"><style>{CSS_BLOC}</style>{body}</div>'


def _logo(path: Path, organisme: str) -> str:
    data = lire_logo(path)
    suffix = Path(path).suffix.lower()
    mime = {".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}.get(suffix, "image/png")
    uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return f'<img class="logo" src="{uri}" alt="{_e("Logo " + organisme)}">'


def page(blocks: list, meta: ReportMeta) -> str:
    """The report as one HTML document (text)."""
    body = corps(blocks, meta.titre)
    parts: list[str] = []
    toc: list[tuple[int, str, str]] = []
    n_tab = n_graph = n_titre = 0
    for b in body:
        if isinstance(b, Titre):
            n_titre += 1
            level = b.niveau
            anchor = f"section-{n_titre}"
            toc.append((level, anchor, b.texte))
            h = min(6, level + 1)
            parts.append(f'<h{h} id="{anchor}">{_e(b.texte)}</h{h}>')
        elif isinstance(b, Texte):
            parts.extend(f"<p>{_runs(p)}</p>" for p in paragraphes(b.texte))
        elif isinstance(b, ChiffresCles):
            parts.append(_chiffres(b))
        elif isinstance(b, Tableau):
            n_tab += 1
            parts.append(_tableau(grille(b), n_tab))
        elif isinstance(b, Graphique):
            n_graph += 1
            parts.append(_graphique(b, n_graph))
    nav = ""
    entries = [(lv, a, t) for lv, a, t in toc if lv <= 2]
    if len(toc) >= 3:
        items = "".join(f'<li class="niveau-{lv}"><a href="#{a}">{_e(t)}</a></li>' for lv, a, t in entries)
        nav = (f'<nav class="sommaire" aria-label="Sommaire"><h2>Sommaire</h2><ul>{items}'
               '<li><a href="#sources">Sources et méthode</a></li></ul></nav>')
    cover = ['<header class="couverture">']
    if meta.logo:
        cover.append(_logo(meta.logo, meta.organisme or ""))
    if meta.organisme:
        cover.append(f'<p class="organisme">{_e(meta.organisme)}</p>')
    cover.append(f"<h1>{_e(meta.titre)}</h1>")
    if meta.sous_titre:
        cover.append(f'<p class="sous-titre">{_e(meta.sous_titre)}</p>')
    if meta.annee is not None:
        cover.append(f'<p class="annee">{_e(meta.annee)}</p>')
    cover.append(f'<p class="edition">{_e(mention_edition(meta.date_edition))}</p></header>')
    sources = "".join(f"<p>{_e(p)}</p>" for p in paragraphes(meta.sources_methode or ""))
    titre_page = meta.titre + (f" — {meta.sous_titre}" if meta.sous_titre else "")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(titre_page)}</title>\n"
        f'<meta name="author" content="{_e(meta.organisme or "")}">\n'
        f'<meta name="dcterms.date" content="{meta.date_edition.isoformat()}">\n'
        f"<style>{CSS}</style>\n</head>\n<body>\n"
        + "".join(cover) + "\n" + nav + "\n<main>\n" + "\n".join(parts) + "\n</main>\n"
        + f'<section class="sources" aria-labelledby="sources"><h2 id="sources">Sources et méthode</h2>'
        f"{sources}</section>\n</body>\n</html>\n"
    )


def export(blocks: list, meta: ReportMeta, out: Path) -> Path:
    """Write the report as one self-contained HTML page at ``out`` (atomically)."""
    return ecrire_atomique(out, page(blocks, meta).encode("utf-8"))
