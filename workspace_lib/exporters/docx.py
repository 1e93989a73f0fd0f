"""DOCX export with python-docx, from a Word style template.

The template (``templates/rapport.docx``, rebuilt by :func:`construire_modele`) gives the
styles (``Title``, ``Subtitle``, ``Heading 1``-``3`` — so that Word's navigation pane lists the
sections —, ``Caption``, the table style ``Tableau RSU``, ``Légende secret``, ``Source``,
``Chiffre clé``), the A4 page setup and the footer (« page X / Y », PAGE and NUMPAGES fields).
A CDG can use its own template (made in Word, keeping these style names; any missing style
falls back to ``Normal``): ``export(..., "docx", out, template=Path("modele.docx"))``, or the
workspace setting read by :func:`template_from_settings`::

    [rapports]
    modele_docx = "modeles/rapport-cdg.docx"   # relative to the workspace folder

Only the template's styles, page setup, headers and footers are used: its body is emptied.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from ..report_model import ChiffresCles, Graphique, Tableau, Texte, Titre
from . import charts
from ._common import (LEGENDE_SECRET, ExportError, Grille, corps, grille, lire_logo, mention_edition,
                      paragraphes, segments, sortie_atomique)
from .meta import ReportMeta

TEMPLATE = Path(__file__).parent / "templates" / "rapport.docx"
STYLE_TABLEAU = "Tableau RSU"
STYLE_LEGENDE = "Légende secret"
STYLE_SOURCE = "Source"
STYLE_CHIFFRE = "Chiffre clé"
COULEUR = "1F4E79"
FOND_ENTETE = "E8EEF5"
FOND_TOTAL = "F4F4F4"
LARGEUR_TEXTE_CM = 17.0  # A4 minus 2 x 2 cm


def template_from_settings(workspace) -> Path | None:
    """The Word template set in the workspace settings (``[rapports] modele_docx``), if any."""
    value = (workspace.settings().get("rapports") or {}).get("modele_docx")
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else Path(workspace.root) / path


# --- template --------------------------------------------------------------------------------------

def _qn(tag: str) -> str:
    from docx.oxml.ns import qn  # noqa: PLC0415
    return qn(tag)


def _champ(paragraph, instruction: str, placeholder: str = "1") -> None:
    """A Word field (PAGE, NUMPAGES) in ``paragraph``: fldChar begin / instrText / end."""
    from docx.oxml import OxmlElement  # noqa: PLC0415

    def fld(kind):
        run = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(_qn("w:fldCharType"), kind)
        run._r.append(el)
        return run

    fld("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(_qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    fld("separate")
    paragraph.add_run(placeholder)
    fld("end")


def _pied_de_page(footer) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415

    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    p.add_run("page ")
    _champ(p, "PAGE")
    p.add_run(" / ")
    _champ(p, "NUMPAGES")


_TABLE_STYLE_XML = """
<w:style xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
         w:type="table" w:customStyle="1" w:styleId="TableauRSU">
  <w:name w:val="Tableau RSU"/>
  <w:basedOn w:val="TableNormal"/>
  <w:uiPriority w:val="59"/>
  <w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr>
  <w:tblPr>
    <w:tblBorders>
      <w:top w:val="single" w:sz="4" w:space="0" w:color="A0A0A0"/>
      <w:left w:val="single" w:sz="4" w:space="0" w:color="A0A0A0"/>
      <w:bottom w:val="single" w:sz="4" w:space="0" w:color="A0A0A0"/>
      <w:right w:val="single" w:sz="4" w:space="0" w:color="A0A0A0"/>
      <w:insideH w:val="single" w:sz="4" w:space="0" w:color="A0A0A0"/>
      <w:insideV w:val="single" w:sz="4" w:space="0" w:color="A0A0A0"/>
    </w:tblBorders>
    <w:tblCellMar>
      <w:top w:w="20" w:type="dxa"/><w:left w:w="80" w:type="dxa"/>
      <w:bottom w:w="20" w:type="dxa"/><w:right w:w="80" w:type="dxa"/>
    </w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:rPr><w:b/><w:bCs/></w:rPr>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="E8EEF5"/></w:tcPr>
  </w:tblStylePr>
</w:style>
"""


def modele_par_defaut():
    """The default template as a python-docx Document: A4, French, report styles, footer."""
    from docx import Document  # noqa: PLC0415
    from docx.enum.style import WD_STYLE_TYPE  # noqa: PLC0415
    from docx.oxml import OxmlElement, parse_xml  # noqa: PLC0415
    from docx.shared import Cm, Pt, RGBColor  # noqa: PLC0415

    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2)
        section.top_margin = section.bottom_margin = Cm(2.2)
        _pied_de_page(section.footer)
    # French language for spelling and hyphenation (document defaults)
    rpr_default = doc.styles.element.find(_qn("w:docDefaults")).find(_qn("w:rPrDefault")).find(_qn("w:rPr"))
    lang = rpr_default.find(_qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr_default.append(lang)
    lang.set(_qn("w:val"), "fr-FR")
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(6)
    for name, size in (("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11)):
        st = styles[name]
        st.font.size = Pt(size)
        st.font.color.rgb = RGBColor.from_string(COULEUR)
        st.paragraph_format.keep_with_next = True
    styles["Title"].font.size = Pt(26)
    caption = styles["Caption"]
    caption.font.size, caption.font.bold, caption.font.italic = Pt(10), True, False
    caption.font.color.rgb = RGBColor(0, 0, 0)
    caption.paragraph_format.keep_with_next = True
    for name, size, italic, bold in ((STYLE_LEGENDE, 8, True, False), (STYLE_SOURCE, 8, True, False),
                                     (STYLE_CHIFFRE, 16, False, True)):
        st = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = normal
        st.font.size, st.font.italic, st.font.bold = Pt(size), italic, bold
        st.paragraph_format.space_after = Pt(2)
        if name == STYLE_CHIFFRE:
            st.font.color.rgb = RGBColor.from_string(COULEUR)
    styles.element.append(parse_xml(_TABLE_STYLE_XML))
    _alleger(doc)
    body = doc.element.body
    for child in list(body):
        if child.tag != _qn("w:sectPr"):
            body.remove(child)
    cp = doc.core_properties
    cp.author = cp.last_modified_by = ""
    cp.title, cp.comments, cp.language = "Modèle de rapport RSU", "", "fr-FR"
    return doc


# Table styles the reports use: ours, its base and the fallback (see ``_tableau``).
_TABLE_STYLES = frozenset({"TableauRSU", "TableNormal", "TableGrid"})
# Parts of python-docx's default package that no report reads: Word 2010's second copy of the
# styles (438 KB) and a thumbnail of a blank page.
_UNUSED_RELS = ("/stylesWithEffects", "/thumbnail")


def _alleger(doc) -> None:
    """Drop what no report uses from the default template: every report parses its styles and
    compresses its parts again. python-docx's default package brings about a hundred table
    styles (350 KB of XML; Word offers them itself) and the parts of ``_UNUSED_RELS``: without
    them, a synthèse report's Word export took 20 ms instead of 49 (10 reports, charts drawn)."""
    for style in doc.styles.element.findall(_qn("w:style")):
        if style.get(_qn("w:type")) == "table" and style.get(_qn("w:styleId")) not in _TABLE_STYLES:
            doc.styles.element.remove(style)
    for rels in (doc.part.rels, doc.part.package.rels):
        for rid in [rid for rid, rel in rels.items() if rel.reltype.endswith(_UNUSED_RELS)]:
            del rels[rid]


def construire_modele(path: Path = TEMPLATE) -> Path:
    """(Re)build the default Word template file (``templates/rapport.docx``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sortie_atomique(path) as tmp:
        modele_par_defaut().save(str(tmp))
    return path


_template_bytes: dict[tuple[str, float, int], bytes] = {}


def _ouvrir_modele(template: Path | None):
    from docx import Document  # noqa: PLC0415

    path = Path(template) if template else TEMPLATE
    if template is None and not path.exists():
        return modele_par_defaut()
    try:
        st = path.stat()
        key = (str(path.resolve()), st.st_mtime, st.st_size)
        if key not in _template_bytes:
            _template_bytes.clear()
            _template_bytes[key] = path.read_bytes()
        doc = Document(io.BytesIO(_template_bytes[key]))
    except FileNotFoundError:
        raise ExportError(f"Modèle Word introuvable : {path}.") from None
    except Exception as exc:  # noqa: BLE001  (zip/XML errors of a bad template)
        raise ExportError(f"Modèle Word illisible : {path} ({exc}).") from exc
    body = doc.element.body
    for child in list(body):
        if child.tag != _qn("w:sectPr"):
            body.remove(child)
    return doc


# --- writing ---------------------------------------------------------------------------------------

class _Redacteur:
    """Adds paragraphs with styles resolved once (python-docx looks a style name up by scanning
    every style, about 1.5 ms each time)."""

    def __init__(self, doc):
        self.doc = doc
        self.ids = {s.name: s.style_id for s in doc.styles}
        self.names = set(self.ids)

    def style(self, name: str, fallback: str = "Normal") -> str | None:
        if name in self.names:
            return name
        return fallback if fallback in self.names else None

    def appliquer(self, p, name: str | None, fallback: str = "Normal"):
        chosen = self.style(name, fallback) if name else None
        if chosen and chosen != "Normal":
            p._p.get_or_add_pPr().get_or_add_pStyle().val = self.ids[chosen]
        return p

    def paragraphe(self, texte: str = "", style: str = "Normal", fallback: str = "Normal", conteneur=None):
        p = (conteneur or self.doc).add_paragraph()
        if texte:
            p.add_run(texte)
        return self.appliquer(p, style, fallback)

    def runs(self, p, texte: str) -> None:
        for part, bold in segments(texte):
            run = p.add_run(part)
            if bold:
                run.bold = True

    def titre(self, texte: str, level: int) -> None:
        name = f"Heading {level}"
        if name in self.names:
            self.paragraphe(texte, name)
        else:
            p = self.paragraphe()
            p.add_run(texte).bold = True


def _shade(cell, fill: str) -> None:
    from docx.oxml import OxmlElement  # noqa: PLC0415

    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(_qn("w:val"), "clear")
    shd.set(_qn("w:color"), "auto")
    shd.set(_qn("w:fill"), fill)
    tcpr.append(shd)


def _row_flag(row, tag: str) -> None:
    from docx.oxml import OxmlElement  # noqa: PLC0415

    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement(tag)
    trpr.append(el)


def _ecrire_cellule(cell, texte: str, *, bold: bool = False, droite: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415

    p = cell.paragraphs[0]
    run = p.add_run(texte)
    if bold:
        run.bold = True
    if droite:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _tableau(r: _Redacteur, g: Grille) -> None:
    from docx.shared import Pt  # noqa: PLC0415

    doc = r.doc
    r.paragraphe(g.titre, "Caption")
    if g.ligne_unite:
        r.paragraphe(g.ligne_unite, STYLE_SOURCE)
    n_head = len(g.entetes)
    table = doc.add_table(rows=n_head + len(g.lignes), cols=g.n_colonnes)
    style = r.style(STYLE_TABLEAU, "Table Grid")
    if style:
        table._tbl.tblPr.style = r.ids[style]
    rows = table.rows
    for i, head in enumerate(g.entetes):
        row = rows[i]
        _row_flag(row, "w:tblHeader")  # repeated at the top of each page
        _row_flag(row, "w:cantSplit")
        j = 0
        for e in head:
            cell = row.cells[j]
            if e.colspan > 1:
                cell = cell.merge(row.cells[j + e.colspan - 1])
            _ecrire_cellule(cell, e.texte, bold=True, droite=j >= g.n_entete_lignes)
            _shade(cell, FOND_ENTETE)
            j += e.colspan
    for i, ligne in enumerate(g.lignes):
        row = rows[n_head + i]
        _row_flag(row, "w:cantSplit")
        cells = row.cells
        for j, lab in enumerate(ligne.libelles):
            _ecrire_cellule(cells[j], lab, bold=ligne.total)
            if ligne.total:
                _shade(cells[j], FOND_TOTAL)
        for j, c in enumerate(ligne.cellules, start=g.n_entete_lignes):
            _ecrire_cellule(cells[j], c.texte, bold=c.total, droite=True)
            if c.total:
                _shade(cells[j], FOND_TOTAL)
    if g.n_colonnes > 8:  # wide tables: smaller text
        for row in rows:
            for cell in row.cells:
                for run in cell.paragraphs[0].runs:
                    run.font.size = Pt(7)
    if g.secret:
        r.paragraphe(LEGENDE_SECRET, STYLE_LEGENDE)
    if g.note:
        r.paragraphe(g.note, STYLE_SOURCE)
    if not g.secret and not g.note:
        r.paragraphe("")


def _image(r: _Redacteur, data: bytes, largeur_cm: float, alt: str, titre: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415
    from docx.shared import Cm  # noqa: PLC0415

    p = r.paragraphe()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    shape = p.add_run().add_picture(io.BytesIO(data), width=Cm(largeur_cm))
    doc_pr = shape._inline.docPr
    doc_pr.set("descr", alt)
    doc_pr.set("title", titre)


def _graphique(r: _Redacteur, b: Graphique) -> None:
    if not charts.a_un_titre(b):  # else the image shows its title
        r.paragraphe(b.titre, "Caption")
    svg = charts.svg(b)
    w, _ = charts.taille(svg)
    largeur = min(w / 96 * 2.54, LARGEUR_TEXTE_CM)  # natural size (96 px per inch), at most the text width
    _image(r, charts.png(b, 2), largeur, b.texte_alternatif or b.titre, b.titre)
    if b.source:
        r.paragraphe(f"Source : {b.source}", STYLE_SOURCE)


def _chiffres(r: _Redacteur, b: ChiffresCles) -> None:
    from docx.shared import Pt, RGBColor  # noqa: PLC0415

    if b.titre:
        p = r.paragraphe()
        run = p.add_run(b.titre)
        run.bold = True
        run.font.color.rgb = RGBColor.from_string(COULEUR)
    per_row = 4
    items = b.chiffres
    for start in range(0, len(items), per_row):
        chunk = items[start:start + per_row]
        table = r.doc.add_table(rows=1, cols=len(chunk))
        for cell, c in zip(table.rows[0].cells, chunk):
            _shade(cell, FOND_ENTETE)
            p = r.appliquer(cell.paragraphs[0], STYLE_CHIFFRE)
            run = p.add_run(c.valeur)
            if STYLE_CHIFFRE not in r.names:
                run.bold, run.font.size = True, Pt(16)
            cell.add_paragraph(c.libelle)
            for k, v in c.comparaisons.items():
                q = r.paragraphe(f"{k}\u00a0: {v}", STYLE_SOURCE, conteneur=cell)
                for run in q.runs:
                    run.italic = False
    r.paragraphe("")


def _couverture(r: _Redacteur, meta: ReportMeta) -> None:
    from docx.enum.text import WD_BREAK  # noqa: PLC0415
    from docx.shared import Cm, Pt, RGBColor  # noqa: PLC0415

    data = lire_logo(meta.logo)
    if data is not None:
        if Path(meta.logo).suffix.lower() == ".svg":
            data = charts.svg_vers_png(data.decode("utf-8"), 2)
        p = r.paragraphe()
        shape = p.add_run().add_picture(io.BytesIO(data), height=Cm(2.5))
        shape._inline.docPr.set("descr", f"Logo {meta.organisme}".strip())
    for _ in range(6):
        r.paragraphe("")
    if meta.organisme:
        p = r.paragraphe()
        run = p.add_run(meta.organisme)
        run.bold, run.font.size = True, Pt(13)
        run.font.color.rgb = RGBColor.from_string(COULEUR)
    r.paragraphe(meta.titre, "Title")
    if meta.sous_titre:
        r.paragraphe(meta.sous_titre, "Subtitle")
    if meta.annee is not None:
        p = r.paragraphe()
        run = p.add_run(str(meta.annee))
        run.font.size = Pt(15)
        run.font.color.rgb = RGBColor.from_string(COULEUR)
    for _ in range(8):
        r.paragraphe("")
    p = r.paragraphe(mention_edition(meta.date_edition))
    p.add_run().add_break(WD_BREAK.PAGE)


def document(blocks: list, meta: ReportMeta, *, template: Path | None = None):
    """The python-docx Document of the report."""
    doc = _ouvrir_modele(template)
    r = _Redacteur(doc)
    section = doc.sections[0]
    section.different_first_page_header_footer = True  # no header/footer on the cover
    if not any(p.text.strip() or p._p.xpath(".//w:instrText") for p in section.footer.paragraphs):
        _pied_de_page(section.footer)
    _couverture(r, meta)
    body = corps(blocks, meta.titre)
    charts.pngs([b for b in body if isinstance(b, Graphique)], 2)  # drawn together, then read one by one
    for b in body:
        if isinstance(b, Titre):
            r.titre(b.texte, b.niveau)
        elif isinstance(b, Texte):
            for para in paragraphes(b.texte):
                r.runs(r.paragraphe(), para)
        elif isinstance(b, ChiffresCles):
            _chiffres(r, b)
        elif isinstance(b, Tableau):
            _tableau(r, grille(b))
        elif isinstance(b, Graphique):
            _graphique(r, b)
    r.titre("Sources et méthode", 1)
    for para in paragraphes(meta.sources_methode or ""):
        r.paragraphe(para)
    cp = doc.core_properties
    cp.title = meta.titre
    cp.subject = meta.sous_titre or ""
    cp.author = cp.last_modified_by = meta.organisme or ""
    cp.language = "fr-FR"
    cp.keywords = "RSU" + (f", {meta.annee}" if meta.annee is not None else "")
    stamp = dt.datetime.combine(meta.date_edition, dt.time(12, 0))
    cp.created = cp.modified = stamp
    cp.revision = 1
    return doc


class _Zip:
    """The package writer python-docx uses (``write``, ``close``), images stored as they are:
    PNG and JPEG are compressed already, deflating them again costs a third of the export."""

    STORED = (".png", ".jpg", ".jpeg", ".gif")

    def __init__(self, path: Path):
        self.zipf = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)

    def write(self, pack_uri, blob: bytes) -> None:
        name = pack_uri.membername
        kind = zipfile.ZIP_STORED if name.lower().endswith(self.STORED) else zipfile.ZIP_DEFLATED
        self.zipf.writestr(name, blob, compress_type=kind)

    def close(self) -> None:
        self.zipf.close()


def enregistrer(doc, path: Path) -> None:
    """``doc.save(path)``, with the images stored uncompressed in the package (python-docx's own
    save if its package writer ever changes)."""
    try:
        from docx.opc.pkgwriter import PackageWriter  # noqa: PLC0415

        steps = (PackageWriter._write_content_types_stream, PackageWriter._write_pkg_rels,
                 PackageWriter._write_parts)
    except (ImportError, AttributeError):  # pragma: no cover
        doc.save(str(path))
        return
    package = doc.part.package
    parts = list(package.iter_parts())
    for part in parts:
        part.before_marshal()
    writer = _Zip(path)
    try:
        steps[0](writer, parts)
        steps[1](writer, package.rels)
        steps[2](writer, parts)
    finally:
        writer.close()


def export(blocks: list, meta: ReportMeta, out: Path, *, template: Path | None = None) -> Path:
    """Write the report as a Word document at ``out`` (atomically)."""
    doc = document(blocks, meta, template=template)
    with sortie_atomique(out) as tmp:
        enregistrer(doc, tmp)
    return Path(out)
