"""Report exporters (PDF, DOCX, XLSX, HTML), each checked with an independent reader:
pypdf for the PDF, python-docx, openpyxl, the standard HTML parser."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from workspace_lib.exporters import (FORMATS, LEGENDE_SECRET, ExportError, ReportMeta, date_longue,
                                     export, formater)
from workspace_lib.exporters import charts
from workspace_lib.exporters._common import LIBELLES_DIMENSIONS, libelle_dimension
from workspace_lib.exporters.xlsx import nom_feuille
from workspace_lib.report_model import (ChiffreCle, ChiffresCles, Graphique, Tableau, Texte, Titre,
                                        to_json)

NNBSP = "\u202f"  # thousands
NBSP = "\u00a0"  # before % and €
ALBARET = "Commune d'Albaret-le-Comtal"
BIZARRE = '#1 *x* _y_ [x] $5$ @ref <b>'
FORMULE = '=HYPERLINK("http://x")'
TELEPHONE = "+33 4 66 00 00 00"
TITRE = "Rapport social unique 2024"


def cellules(dims: list[str], valeurs: dict[tuple, float | None], secrets: dict[tuple, str] | None = None):
    secrets = secrets or {}
    out = []
    for key, v in valeurs.items():
        cell = dict(zip(dims, key))
        statut = secrets.get(key, "publie")
        cell["valeur"] = None if statut != "publie" else v
        cell["statut"] = statut
        out.append(cell)
    return out


def table(id: str, titre: str, mesure: str, dims: list[str], valeurs, secrets=None) -> dict:
    return {"id": id, "titre": titre, "mesure": mesure, "perimetre": {"siret": "21480095900011", "annee": 2024},
            "dimensions": dims, "total": "Ensemble", "cellules": cellules(dims, valeurs, secrets)}


# effectif by categorie x sexe, margins « Ensemble », two suppressed cells (A x F, A x H)
T_EFFECTIF = table("effectif_sexe_categorie", "Effectif permanent par catégorie et sexe", "effectif",
                   ["categorie", "sexe"], {
                       ("A", "F"): 4, ("A", "H"): 3, ("A", "Ensemble"): 7,
                       ("B", "F"): 1234, ("B", "H"): 856, ("B", "Ensemble"): 2090,
                       ("C", "F"): 2511, ("C", "H"): 1780, ("C", "Ensemble"): 4291,
                       ("Ensemble", "F"): 3749, ("Ensemble", "H"): 2639, ("Ensemble", "Ensemble"): 6388,
                   }, {("A", "F"): "secret_primaire", ("A", "H"): "secret_secondaire"})
T_TAUX = table("part_femmes", "Part des femmes par filière", "taux", ["filiere"], {
    ("Administrative",): 82.34, ("Technique",): 35.0, ("Ensemble",): 61.27})
T_JOURS = table("jours_absence", "Jours d'absence par employeur", "jours", ["nom_employeur"], {
    (ALBARET,): 1234.56, (BIZARRE,): 12.26, (FORMULE,): 3.0, ("Ensemble",): 1249.82},
    {(FORMULE,): "secret_primaire"})
T_MONTANT = table("remuneration", "Rémunération brute moyenne par sexe", "montant", ["sexe"], {
    ("F",): 28456.4, ("H",): 30112.7, ("Ensemble",): 29101.2})

BARRES = [{"employeur": ALBARET, "effectif": 1234}, {"employeur": BIZARRE, "effectif": 56},
          {"employeur": FORMULE, "effectif": 7}, {"employeur": TELEPHONE, "effectif": 3}]
LIGNES = [{"annee": str(a), "serie": s, "taux": v} for s, base in (("Employeur", 8.0), ("Strate", 9.5))
          for a, v in zip(range(2020, 2025), (base, base + 1.2, base - 0.4, base + 0.8, base + 0.1))]


def blocs() -> list:
    return [
        Titre(TITRE, 1),
        Texte("Ce rapport présente le **Rapport Social Unique** de la collectivité.\n\n"
              f"Les données de {ALBARET} et de {BIZARRE} sont publiées telles quelles."),
        ChiffresCles([ChiffreCle("Agents permanents", f"6{NNBSP}388", {"Strate": f"5{NNBSP}102"}),
                      ChiffreCle("Part des femmes", f"61,3{NBSP}%")], titre="Chiffres clés"),
        Titre("Effectifs", 2),
        Tableau(T_EFFECTIF, lignes=["categorie"], colonnes=["sexe"], unite="agents",
                note="Champ : agents sur emploi permanent au 31/12."),
        Tableau(T_TAUX, unite="%"),
        Graphique(titre="Effectif par employeur",
                  spec={"data": {"values": BARRES}, "mark": "bar", "width": 300, "height": 160,
                        "encoding": {"x": {"field": "employeur", "type": "nominal"},
                                     "y": {"field": "effectif", "type": "quantitative"}}},
                  texte_alternatif="Barres : effectif de quatre employeurs, de 3 à 1 234 agents.",
                  donnees=BARRES, genre="barres", x="employeur", y="effectif", source="RSU 2024"),
        Titre("Absences et rémunérations", 2),
        Tableau(T_JOURS, unite="jours"),
        Tableau(T_MONTANT, unite="euros"),
        Titre("Évolution", 3),
        Graphique(titre="Taux d'absentéisme 2020-2024",
                  spec={"data": {"values": LIGNES}, "mark": "line", "width": 300, "height": 160,
                        "encoding": {"x": {"field": "annee", "type": "ordinal"},
                                     "y": {"field": "taux", "type": "quantitative"},
                                     "color": {"field": "serie", "type": "nominal"}}},
                  texte_alternatif="Courbes : taux d'absentéisme de l'employeur et de sa strate.",
                  donnees=LIGNES, genre="lignes", x="annee", y="taux", serie="serie"),
    ]


META = ReportMeta(titre=TITRE, sous_titre=ALBARET, annee=2024, date_edition=dt.date(2026, 11, 26),
                  organisme="Centre de Gestion de la Lozère")
N_TABLES_SECRET = 2  # T_EFFECTIF and T_JOURS


@pytest.fixture(scope="module")
def sorties(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("rapports")
    return {fmt: export(blocs(), META, fmt, folder / f"rapport.{fmt}") for fmt in FORMATS}


def norm(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text)


# --- PDF (pypdf) -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pdf_pages(sorties) -> list[str]:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(str(sorties["pdf"]))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.5)  # A4
    assert reader.pages[0].mediabox.height == pytest.approx(841.89, abs=0.5)
    return [page.extract_text() for page in reader.pages]


def test_pdf_cover_and_page_numbers(pdf_pages, sorties):
    import pypdf

    cover = pdf_pages[0]
    for text in ("Centre de Gestion de la Lozère", TITRE, ALBARET, "2024", "Édité le 26 novembre 2026"):
        assert text in cover
    assert "page 1 /" not in cover
    n = len(pdf_pages)
    assert n >= 3
    for i, page in enumerate(pdf_pages[1:], start=2):
        assert f"page {i} / {n}" in page
    meta = pypdf.PdfReader(str(sorties["pdf"])).metadata
    assert meta.title == TITRE


def test_pdf_numbers_secret_and_special_text(pdf_pages):
    text = norm("\n".join(pdf_pages))
    for number in (f"1{NNBSP}234", f"6{NNBSP}388", f"82,3{NBSP}%", f"35,0{NBSP}%", f"1{NNBSP}234,6",
                   "12,3", f"28{NNBSP}456{NBSP}€", f"29{NNBSP}101{NBSP}€"):
        assert number in text, number
    assert re.search(r"^A s s 7$", text, re.M)  # the suppressed cells of category A
    assert text.count(LEGENDE_SECRET) == N_TABLES_SECRET
    for literal in (ALBARET, BIZARRE, FORMULE, "Rapport Social Unique"):
        assert literal in text, literal
    assert "**" not in text
    assert f"1{NNBSP}000" in text  # axis of the bar chart: vector text, French format
    assert "Sources et méthode" in pdf_pages[-1]
    assert "Secret statistique" in pdf_pages[-1] and "notée « s »" in pdf_pages[-1]


def test_pdf_outline_lists_the_sections(sorties):
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(str(sorties["pdf"]))

    def titles(items):
        for it in items:
            if isinstance(it, list):
                yield from titles(it)
            else:
                yield it.title

    found = list(titles(reader.outline))
    assert "Effectifs" in found and "Sources et méthode" in found and "Évolution" in found
    assert TITRE not in found  # the title is on the cover, not repeated as a heading


def test_pdf_text_cannot_inject_typst(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    evil = ['#set page(width: 3cm)', '#panic("boum")', '] #{ 1 + 1 } [', '$ x^2 $', '<lbl> @lbl',
            '\\ // /* "x" `y`', '#import "/etc/passwd"']
    blocks = [Titre(evil[0], 2), Texte(" ".join(evil[1:4])),
              Tableau(table("t", evil[4], "effectif", ["x"], {(evil[5],): 3, (evil[6],): 2, ("Ensemble",): 5}))]
    meta = ReportMeta(titre=evil[1], sous_titre=evil[2], organisme=evil[6], date_edition=dt.date(2026, 1, 1))
    out = export(blocks, meta, "pdf", tmp_path / "r.pdf")
    reader = pypdf.PdfReader(str(out))
    assert reader.pages[1].mediabox.width == pytest.approx(595.28, abs=0.5)
    text = norm("\n".join(p.extract_text() for p in reader.pages))
    for s in evil:
        assert s in text, s
    assert "Édité le 1er janvier 2026" in text


def test_pdf_is_pdf_a_and_pdf_ua(sorties):
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(str(sorties["pdf"]))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert "<pdfaid:part>2</pdfaid:part>" in xmp and "<pdfaid:conformance>A</pdfaid:conformance>" in xmp
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
    assert root["/Lang"] == "fr-FR" and root["/MarkInfo"]["/Marked"]


def test_pdf_custom_template_falls_back_without_standards(tmp_path):
    """A customised typst template that breaks PDF/UA (an image without alt text) still gives a
    PDF, with a warning."""
    from workspace_lib.exporters.pdf import TEMPLATE

    template = tmp_path / "modele" / "rapport.typ"
    template.parent.mkdir()
    text = TEMPLATE.read_text(encoding="utf-8")
    assert "alt: b.alt" in text
    template.write_text(text.replace("alt: b.alt", "alt: none").replace("#set text(lang", "// modifié\n#set text(lang"),
                        encoding="utf-8")
    with pytest.warns(UserWarning, match="sans les normes"):
        out = export(blocs(), META, "pdf", tmp_path / "r.pdf", template=template)
    assert out.read_bytes().startswith(b"%PDF")


# --- DOCX (python-docx) -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def document(sorties):
    import docx
    return docx.Document(str(sorties["docx"]))


def test_docx_headings_cover_and_page_setup(document):
    from docx.shared import Cm

    by_style = [(p.style.name, p.text) for p in document.paragraphs if p.text]
    assert ("Title", TITRE) in by_style and ("Subtitle", ALBARET) in by_style
    assert ("Normal", "Édité le 26 novembre 2026") in by_style
    headings = [(s, t) for s, t in by_style if s.startswith("Heading")]
    assert headings == [("Heading 1", "Effectifs"), ("Heading 1", "Absences et rémunérations"),
                        ("Heading 2", "Évolution"), ("Heading 1", "Sources et méthode")]
    section = document.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.05) and abs(section.page_height - Cm(29.7)) < Cm(0.05)
    footer_xml = section.footer._element.xml
    assert " PAGE " in footer_xml and " NUMPAGES " in footer_xml
    assert section.different_first_page_header_footer
    assert document.core_properties.title == TITRE
    assert document.core_properties.language == "fr-FR"


def _table_texts(t) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in t.rows]


def test_docx_tables(document):
    tables = {_table_texts(t)[0][0]: t for t in document.tables}
    t = tables["Catégorie"]
    rows = _table_texts(t)
    assert rows == [["Catégorie", "F", "H", "Ensemble"],
                    ["A", "s", "s", "7"],
                    ["B", f"1{NNBSP}234", "856", f"2{NNBSP}090"],
                    ["C", f"2{NNBSP}511", f"1{NNBSP}780", f"4{NNBSP}291"],
                    ["Ensemble", f"3{NNBSP}749", f"2{NNBSP}639", f"6{NNBSP}388"]]
    assert t.style.name == "Tableau RSU"
    assert t.rows[0]._tr.xpath("./w:trPr/w:tblHeader")  # header row repeated on each page
    assert all(r.bold for r in t.rows[4].cells[0].paragraphs[0].runs)  # « Ensemble » row in bold
    assert all(r.bold for r in t.rows[1].cells[3].paragraphs[0].runs)  # « Ensemble » column
    assert not any(r.bold for r in t.rows[2].cells[1].paragraphs[0].runs)
    assert _table_texts(tables["Filière"]) == [["Filière", "Valeur (%)"], ["Administrative", f"82,3{NBSP}%"],
                                              ["Technique", f"35,0{NBSP}%"], ["Ensemble", f"61,3{NBSP}%"]]
    assert _table_texts(tables["Nom employeur"])[1:] == [[ALBARET, f"1{NNBSP}234,6"], [BIZARRE, "12,3"],
                                                    [FORMULE, "s"], ["Ensemble", f"1{NNBSP}249,8"]]
    assert _table_texts(tables["Sexe"])[1][1] == f"28{NNBSP}456{NBSP}€"
    legends = [p for p in document.paragraphs if p.text == LEGENDE_SECRET]
    assert len(legends) == N_TABLES_SECRET


def test_docx_images_with_alt_text(document):
    shapes = document.inline_shapes
    assert len(shapes) == 2
    descr = [s._inline.docPr.get("descr") for s in shapes]
    assert descr == [blocs()[6].texte_alternatif, blocs()[11].texte_alternatif]
    assert all(s.width > 0 for s in shapes)
    texts = "\n".join(p.text for p in document.paragraphs)
    assert "Rapport Social Unique" in texts and "**" not in texts and BIZARRE in texts


def test_docx_package_stores_images_as_they_are(tmp_path):
    """The Word package is the one python-docx writes, images stored rather than deflated again."""
    import zipfile

    from workspace_lib.exporters import docx as docx_export

    doc = docx_export.document(blocs(), META)
    doc.save(str(tmp_path / "python-docx.docx"))
    docx_export.enregistrer(doc, tmp_path / "rapport.docx")
    with zipfile.ZipFile(tmp_path / "python-docx.docx") as ref, zipfile.ZipFile(tmp_path / "rapport.docx") as new:
        assert ref.namelist() == new.namelist()
        assert all(ref.read(n) == new.read(n) for n in ref.namelist())
        kinds = {i.filename: i.compress_type for i in new.infolist()}
    assert {k for n, k in kinds.items() if n.endswith(".png")} == {zipfile.ZIP_STORED}
    assert kinds["word/document.xml"] == zipfile.ZIP_DEFLATED


def test_docx_custom_template(tmp_path, workspace):
    import docx
    from docx.shared import RGBColor

    from workspace_lib.exporters import docx as docx_export

    model = docx_export.modele_par_defaut()
    model.styles["Heading 1"].font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    path = workspace.root / "modeles" / "cdg.docx"
    path.parent.mkdir()
    model.save(str(path))
    settings = workspace.settings_path.read_text(encoding="utf-8")
    workspace.settings_path.write_text(settings + '\n[rapports]\nmodele_docx = "modeles/cdg.docx"\n',
                                       encoding="utf-8")
    template = docx_export.template_from_settings(workspace)
    assert template == path
    out = export(blocs(), META, "docx", tmp_path / "r.docx", template=template)
    doc = docx.Document(str(out))
    assert doc.styles["Heading 1"].font.color.rgb == RGBColor(0xC0, 0x00, 0x00)
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"][0] == "Effectifs"
    with pytest.raises(ExportError, match="introuvable"):
        export(blocs(), META, "docx", tmp_path / "s.docx", template=tmp_path / "absent.docx")
    assert not (tmp_path / "s.docx").exists()


def test_docx_shipped_template_is_the_generated_one():
    import zipfile

    import docx
    from docx.enum.style import WD_STYLE_TYPE

    from workspace_lib.exporters.docx import STYLE_LEGENDE, STYLE_TABLEAU, TEMPLATE

    doc = docx.Document(str(TEMPLATE))
    names = {s.name for s in doc.styles}
    assert {STYLE_TABLEAU, STYLE_LEGENDE, "Heading 1", "Heading 2", "Heading 3", "Title", "Caption"} <= names
    assert not doc.paragraphs or all(not p.text for p in doc.paragraphs)
    # Lean: every Word export parses its styles and compresses its parts again.
    assert {s.style_id for s in doc.styles if s.type == WD_STYLE_TYPE.TABLE} == {"TableNormal", "TableGrid",
                                                                                  "TableauRSU"}
    with zipfile.ZipFile(TEMPLATE) as package:
        assert not [n for n in package.namelist() if "stylesWithEffects" in n or "thumbnail" in n]
        assert sum(i.file_size for i in package.infolist()) < 100_000


# --- XLSX (openpyxl) ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def classeur(sorties):
    openpyxl = pytest.importorskip("openpyxl")
    return openpyxl.load_workbook(str(sorties["xlsx"]))


def _sheet_with(wb, text):
    for ws in wb.worksheets:
        if ws["A1"].value == text:
            return ws
    raise AssertionError(text)


def test_xlsx_sheets_and_summary(classeur):
    names = classeur.sheetnames
    assert names[0] == "Sommaire"
    assert len(names) == 1 + 4 + 2
    assert len({n.lower() for n in names}) == len(names)
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in names)
    values = [c.value for row in classeur["Sommaire"].iter_rows() for c in row if c.value is not None]
    for v in (TITRE, ALBARET, 2024, "26 novembre 2026", "Centre de Gestion de la Lozère",
              "Sources et méthode", "Agents permanents", f"6{NNBSP}388"):
        assert v in values, v
    assert any(isinstance(v, str) and v.startswith("Secret statistique") for v in values)


def test_xlsx_tables(classeur):
    ws = _sheet_with(classeur, "Effectif permanent par catégorie et sexe")
    assert ws.freeze_panes == "B5"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=8, max_col=4)]
    assert rows == [["Catégorie", "F", "H", "Ensemble"], ["A", "s", "s", 7], ["B", 1234, 856, 2090],
                    ["C", 2511, 1780, 4291], ["Ensemble", 3749, 2639, 6388]]
    assert ws["B5"].data_type == "s" and ws["C5"].data_type == "s"
    assert ws["B6"].data_type == "n" and ws["B6"].number_format == "#,##0"
    assert ws["A8"].font.b and ws["D6"].font.b and not ws["B6"].font.b
    assert ws["A10"].value == LEGENDE_SECRET
    taux = _sheet_with(classeur, "Part des femmes par filière")
    assert taux["B4"].value == pytest.approx(0.8234) and taux["B4"].number_format == "0.0%"
    assert all(c.value != LEGENDE_SECRET for row in taux.iter_rows() for c in row)
    jours = _sheet_with(classeur, "Jours d'absence par employeur")
    cells = {row[0].value: row[1] for row in jours.iter_rows(min_row=4, max_row=7)}
    assert cells[ALBARET].value == 1234.56 and cells[ALBARET].number_format == "#,##0.0"
    assert cells[FORMULE].value == "s" and cells[FORMULE].data_type == "s"
    montant = _sheet_with(classeur, "Rémunération brute moyenne par sexe")
    assert montant["B4"].number_format == '#,##0 "€"'


def test_xlsx_charts_and_no_formula(classeur):
    bars = _sheet_with(classeur, "Effectif par employeur")
    assert len(bars._charts) == 1
    cells = {c.value: c for row in bars.iter_rows() for c in row if c.value is not None}
    assert cells[FORMULE].data_type == "s"
    assert cells[TELEPHONE].data_type == "s"
    assert cells[BIZARRE].data_type == "s"
    assert cells[1234].data_type == "n"
    lines = _sheet_with(classeur, "Taux d'absentéisme 2020-2024")
    assert len(lines._charts) == 1
    header = [c.value for c in next(lines.iter_rows(min_row=3, max_row=3)) if c.value is not None]  # no source line
    assert header == ["annee", "serie", "taux", "annee", "Employeur", "Strate"]
    for ws in classeur.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)


def test_sheet_names():
    taken: set[str] = set()
    assert nom_feuille("Sommaire", taken) == "Sommaire"
    assert nom_feuille("sommaire", taken) == "sommaire (2)"
    assert nom_feuille("a[b]c:d*e?f/g\\h", taken) == "a b c d e f g h"
    long = nom_feuille("x" * 40, taken)
    assert long == "x" * 31
    assert nom_feuille("x" * 40, taken) == "x" * 27 + " (2)"
    assert nom_feuille("'cité'", taken) == "cité"
    assert nom_feuille("History", taken) == "History 1"
    assert nom_feuille("   ", taken) == "Feuille"


# --- HTML -------------------------------------------------------------------------------------------

class _Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_html_self_contained_and_accessible(sorties):
    page = sorties["html"].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in page
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:[a-z]+:)?//""", page, re.I)
    assert not re.search(r"<script|<link|<iframe|@import|url\(\s*['\"]?(?:https?:)?//", page, re.I)
    parser = _Collect()
    parser.feed(page)
    tags = parser.tags
    svgs = [a for t, a in tags if t == "svg"]
    assert len(svgs) == 2 and all(a.get("role") == "img" and a.get("aria-labelledby") for a in svgs)
    ids = {a["id"] for _, a in tags if "id" in a}
    for a in svgs:
        assert set(a["aria-labelledby"].split()) <= ids
    text = "".join(parser.text)
    assert blocs()[6].texte_alternatif in text and blocs()[11].texte_alternatif in text
    assert sum(1 for t, _ in tags if t == "caption") == 4 + 2  # tables + chart data tables
    assert any(t == "th" and a.get("scope") == "row" for t, a in tags)
    assert any(t == "th" and a.get("scope") == "col" for t, a in tags)
    assert text.count(LEGENDE_SECRET) == N_TABLES_SECRET
    for s in (ALBARET, BIZARRE, FORMULE, f"1{NNBSP}234", f"82,3{NBSP}%", "Édité le 26 novembre 2026",
              "Sources et méthode"):
        assert s in text, s
    assert "<b>" not in page and "&lt;b&gt;" in page
    assert f">1{NNBSP}000</text>" in page  # chart axis in French format
    assert "@media print" in page and "@page" in page


def test_html_svg_ids_are_unique_per_chart(tmp_path):
    spec = {"data": {"values": BARRES}, "mark": {"type": "bar", "clip": True}, "width": 200, "height": 100,
            "encoding": {"x": {"field": "employeur", "type": "nominal"},
                         "y": {"field": "effectif", "type": "quantitative", "scale": {"domain": [0, 100]}}}}
    g = [Graphique(titre=f"G{i}", spec=spec, texte_alternatif="alt", donnees=BARRES) for i in (1, 2)]
    page = export(g, META, "html", tmp_path / "r.html").read_text(encoding="utf-8")
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert sum("clip" in i for i in ids) == 2  # one clip path per chart, renamed apart
    assert len(ids) == len(set(ids))
    for ref in re.findall(r"url\(#([^)]+)\)", page):
        assert ref in ids


# --- shared behaviour -------------------------------------------------------------------------------

def test_french_formats():
    assert formater(1234, "effectif") == f"1{NNBSP}234"
    assert formater(1234567, "effectif") == f"1{NNBSP}234{NNBSP}567"
    assert formater(12.5, "effectif", "ETP") == "12,5"
    assert formater(12.34, "taux", "%") == f"12,3{NBSP}%"
    assert formater(46.25, "taux", "ans") == "46,2" or formater(46.25, "taux", "ans") == "46,3"
    assert formater(28456.4, "montant", "euros") == f"28{NNBSP}456{NBSP}€"
    assert formater(1234.56, "jours") == f"1{NNBSP}234,6"
    assert formater(-0.01, "jours") == "0,0"
    assert date_longue(dt.date(2026, 11, 26)) == "26 novembre 2026"
    assert date_longue(dt.date(2026, 12, 1)) == "1er décembre 2026"


def test_same_legend_and_labels_as_the_rest_of_the_workspace():
    from workspace_lib.disclosure import LEGENDE_SECRET as legende
    from workspace_lib.indicators.moteur import DIMENSIONS

    assert LEGENDE_SECRET == legende
    assert set(DIMENSIONS) <= set(LIBELLES_DIMENSIONS)  # every dimension of the indicators has its header
    assert libelle_dimension("tranche_age") == "Tranche d'âge (5 ans)"
    assert libelle_dimension("annee") == "Année"
    assert libelle_dimension("mon_axe") == "Mon axe"


LOGO_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" '
            'fill="#1f4e79"/><text x="10" y="27" fill="white" font-size="18">CDG 48</text></svg>')


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_logo_on_the_cover(tmp_path, suffix):
    import dataclasses

    import docx
    import vl_convert

    logo = tmp_path / f"logo{suffix}"
    if suffix == ".svg":
        logo.write_text(LOGO_SVG, encoding="utf-8")
    else:
        logo.write_bytes(vl_convert.svg_to_png(LOGO_SVG, scale=2))
    meta = dataclasses.replace(META, logo=logo)
    blocks = blocs()[:4]
    pdf = export(blocks, meta, "pdf", tmp_path / "r.pdf")
    if suffix == ".png":
        pypdf = pytest.importorskip("pypdf")
        assert len(pypdf.PdfReader(str(pdf)).pages[0].images) == 1
    doc = docx.Document(str(export(blocks, meta, "docx", tmp_path / "r.docx")))
    assert [s._inline.docPr.get("descr") for s in doc.inline_shapes] == ["Logo Centre de Gestion de la Lozère"]
    page = export(blocks, meta, "html", tmp_path / "r.html").read_text(encoding="utf-8")
    mime = "image/svg+xml" if suffix == ".svg" else "image/png"
    assert f'src="data:{mime};base64,' in page and 'alt="Logo Centre de Gestion de la Lozère"' in page
    with pytest.raises(ExportError, match="Logo illisible"):
        export(blocks, dataclasses.replace(META, logo=tmp_path / "absent.png"), "pdf", tmp_path / "s.pdf")
    assert not (tmp_path / "s.pdf").exists()


def test_heading_levels_are_continuous():
    from workspace_lib.exporters._common import corps

    body = corps([Titre(TITRE, 1), Titre("A", 2), Titre("B", 4), Titre(" ", 3), Titre("C", 3),
                  Texte("x"), Titre("D", 2), Titre("E", 5)], TITRE)
    assert [(b.texte, b.niveau) for b in body if isinstance(b, Titre)] == [
        ("A", 1), ("B", 2), ("C", 2), ("D", 1), ("E", 2)]
    assert [b.niveau for b in corps([Titre("Autre titre", 1), Titre("x", 2)], TITRE)] == [1, 2]


def test_blocks_as_json_dicts(tmp_path):
    out = export([to_json(b) for b in blocs()], META, "html", tmp_path / "r.html")
    assert "Effectif permanent par catégorie et sexe" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
def test_unprotected_table_is_refused(tmp_path, fmt):
    t = table("t", "Sans secret", "effectif", ["sexe"], {("F",): 3, ("Ensemble",): 3})
    for c in t["cellules"]:
        del c["statut"]
    with pytest.raises(ExportError, match="non protégé"):
        export([Tableau(t)], META, fmt, tmp_path / f"r.{fmt}")
    assert list(tmp_path.iterdir()) == []


def test_unknown_format_and_external_data(tmp_path):
    with pytest.raises(ExportError, match="Format d'export inconnu"):
        export(blocs(), META, "odt", tmp_path / "r.odt")
    g = Graphique(titre="Externe", spec={"data": {"url": "https://example.org/x.csv"}, "mark": "bar"},
                  texte_alternatif="", donnees=[])
    with pytest.raises(ValueError, match="rendu impossible"):
        export([g], META, "pdf", tmp_path / "r.pdf")
    assert list(tmp_path.iterdir()) == []


def test_chart_renderings_are_cached():
    g = blocs()[6]
    first = charts.svg(g)
    assert charts.svg(g) is first
    assert charts.png(g).startswith(b"\x89PNG")
    other = Graphique(titre="x", spec={"data": {"values": [{"a": 1}]}, "mark": "point", "width": 11},
                      texte_alternatif="", donnees=[])
    charts.amorcer(other, '<svg width="11" height="7"><text>déjà rendu</text></svg>')
    assert charts.svg(other) == '<svg width="11" height="7"><text>déjà rendu</text></svg>'
    charts.vider_cache()
    assert "déjà rendu" not in charts.svg(other)


def test_chart_with_its_own_title_gets_no_second_caption(tmp_path):
    import docx

    spec = {"title": {"text": "Titre dessiné", "subtitle": ["s : donnée couverte"]}, "data": {"values": BARRES},
            "mark": "bar", "encoding": {"x": {"field": "employeur", "type": "nominal"},
                                        "y": {"field": "effectif", "type": "quantitative"}}}
    g = Graphique(titre="Titre dessiné", spec=spec, texte_alternatif="Barres.", donnees=BARRES, genre="barres",
                  x="employeur", y="effectif")
    doc = docx.Document(str(export([g], META, "docx", tmp_path / "r.docx")))
    assert not [p for p in doc.paragraphs if p.style.name == "Caption"]
    page = export([g], META, "html", tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<figcaption class="masque">Titre dessiné</figcaption>' in page  # for screen readers only
    pypdf = pytest.importorskip("pypdf")
    text = pypdf.PdfReader(str(export([g], META, "pdf", tmp_path / "r.pdf"))).pages[1].extract_text()
    assert text.count("Titre dessiné") == 1


def test_header_block_is_left_to_the_cover(tmp_path):
    from workspace_lib.report_model import Entete

    blocks = [Entete(TITRE, ALBARET, 2024)] + blocs()
    for fmt in FORMATS:
        assert export(blocks, META, fmt, tmp_path / f"r.{fmt}").exists()
    assert export([to_json(b) for b in blocks], META, "html", tmp_path / "j.html").exists()


def test_block_html_for_the_dashboard():
    from workspace_lib.exporters.html import block_html

    fragments = [block_html(b) for b in blocs()] + [block_html(to_json(blocs()[6]))]
    for f in fragments:
        assert f.startswith('<div class="rsu-bloc"><style>') and f.endswith("</div>")
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:[a-z]+:)?//""", f, re.I)
    assert "<h1>Rapport social unique 2024</h1>" in fragments[0]
    assert "<strong>Rapport Social Unique</strong>" in fragments[1]
    assert "&lt;b&gt;" in fragments[1] and "<b>" not in fragments[1]
    assert LEGENDE_SECRET in fragments[4] and "<caption>" in fragments[4]
    ids_6 = set(re.findall(r'\bid="([^"]+)"', fragments[6]))
    ids_12 = set(re.findall(r'\bid="([^"]+)"', fragments[12]))
    assert ids_6 and not ids_6 & ids_12  # the same chart twice on a page: distinct ids
    assert 'role="img"' in fragments[6]


# --- atomic writes ----------------------------------------------------------------------------------

class Boum(Exception):
    pass


def _fail(*args, **kwargs):
    raise Boum("interrompu")


@pytest.mark.parametrize("fmt", FORMATS)
def test_failed_export_leaves_nothing(tmp_path, monkeypatch, fmt):
    """An exception after the temporary file is written (just before the rename): no final
    file, no temporary file; a previous version of the report is kept intact."""
    from workspace_lib.exporters import _common

    out = tmp_path / f"rapport.{fmt}"
    monkeypatch.setattr(_common.os, "fsync", _fail)
    with pytest.raises(Boum):
        export(blocs(), META, fmt, out)
    assert list(tmp_path.iterdir()) == []
    out.write_bytes(b"ancienne version")
    with pytest.raises(Boum):
        export(blocs(), META, fmt, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]
    assert out.read_bytes() == b"ancienne version"


def test_failure_while_writing_docx_and_xlsx(tmp_path, monkeypatch):
    """Writers that fail half-way through their own file (python-docx save, xlsxwriter sheets)."""
    from workspace_lib.exporters import docx as docx_export
    from workspace_lib.exporters import xlsx as xlsx_export

    def partial_save(doc, path):
        Path(path).write_bytes(b"PK\x03\x04 partiel")
        raise KeyboardInterrupt

    monkeypatch.setattr(docx_export, "enregistrer", partial_save)
    with pytest.raises(KeyboardInterrupt):
        export(blocs(), META, "docx", tmp_path / "r.docx")
    monkeypatch.setattr(xlsx_export, "_sommaire", _fail)
    with pytest.raises(Boum):
        export(blocs(), META, "xlsx", tmp_path / "r.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_output_file_mode_follows_umask(tmp_path):
    old = os.umask(0o022)
    try:
        out = export(blocs()[:3], META, "html", tmp_path / "r.html")
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644


def _pixels(data: bytes):
    from PIL import Image

    return Image.open(io.BytesIO(data)).convert("L")


def test_pngs_of_a_report_are_drawn_together_like_vl_convert_draws_them(monkeypatch):
    import vl_convert
    from PIL import ImageChops, ImageStat

    charts.vider_cache()
    graphs = [b for b in blocs() if isinstance(b, Graphique)]
    assert len(graphs) >= 2
    calls = []
    real = charts._typst_pngs
    monkeypatch.setattr(charts, "_typst_pngs", lambda svgs, scale: calls.append(len(svgs)) or real(svgs, scale))
    images = charts.pngs(graphs, 2)
    assert calls == [len(graphs)]  # one typst compilation for every chart
    for g, image in zip(graphs, images):
        ours, reference = _pixels(image), _pixels(vl_convert.svg_to_png(charts.svg(g), scale=2))
        w, h = charts.taille(charts.svg(g))
        assert abs(ours.width - 2 * w) <= 1 and abs(ours.height - 2 * h) <= 1
        assert abs(ours.width - reference.width) <= 1 and abs(ours.height - reference.height) <= 1
        ours = ours.resize(reference.size)
        # the same drawing (bars, axes, labels): grey levels differ by a few units on average,
        # a blank or misplaced image by tens
        assert ImageStat.Stat(ImageChops.difference(ours, reference)).mean[0] < 6
        assert ImageStat.Stat(ours).stddev[0] > 20  # not blank
    assert charts.png(graphs[0]) is images[0]  # kept: read again without drawing
    assert calls == [len(graphs)]
    charts.vider_cache()


def test_pngs_fall_back_on_vl_convert_when_typst_fails(monkeypatch):
    charts.vider_cache()

    def broken(svgs, scale):
        raise RuntimeError("typst indisponible")

    monkeypatch.setattr(charts, "_typst_pngs", broken)
    g = next(b for b in blocs() if isinstance(b, Graphique))
    image = charts.png(g, 2)
    w, h = charts.taille(charts.svg(g))
    assert abs(_pixels(image).width - 2 * w) <= 1
    charts.vider_cache()


def test_charts_never_read_data_from_the_network(tmp_path):
    """Even from a server that answers (here on this machine), a chart's data is not fetched."""
    import functools
    import http.server
    import threading

    (tmp_path / "x.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    requests = []

    class Counting(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # called once per request served
            requests.append(self.path)

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Counting, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/x.csv"
        g = Graphique(titre="Locale", spec={"data": {"url": url}, "mark": "bar",
                                            "encoding": {"x": {"field": "a"}, "y": {"field": "b"}}},
                      texte_alternatif="", donnees=[])
        with pytest.raises(ValueError, match="rendu impossible"):
            charts.svg(g)
        assert requests == []
    finally:
        server.shutdown()
        charts.vider_cache()


def test_vega_warnings_stay_out_of_the_campaign_output(caplog):
    """A chart whose bars are all secret makes Vega warn (« Infinite extent »): not shown."""
    caplog.set_level(logging.DEBUG)
    g = Graphique(titre="Vide", spec={"data": {"values": []}, "mark": "bar", "encoding": {
        "x": {"field": "valeur", "type": "quantitative", "stack": "zero"}, "y": {"field": "t", "type": "nominal"}}},
        texte_alternatif="", donnees=[])
    assert charts.svg(g).startswith("<svg")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("vl_convert")] == []
    charts.vider_cache()
