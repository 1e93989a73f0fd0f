"""Build the corpus of bad import files (tests/data/bad/) and of valid variants
(tests/data/valid_variants/) from the small valid data set in tests/data/valid/.

Every file is derived from the valid files by a small, named change, so the corpus is
reproducible: ``python tests/data/make_bad_corpus.py`` rewrites it identically (the random
bytes come from a fixed seed, the Excel files have a fixed creation date).

``bad/expected.json`` lists the cases. Each case has:

- ``id``: a short name;
- ``files``: the bad files of the case (paths relative to tests/data);
- ``with``: valid files imported together with them (e.g. the employers an agents file refers
  to); the test imports them into a warehouse that already holds the valid data;
- ``year``: the ``--annee`` given to the import (null: none);
- ``source``: the file the expected problem is reported on;
- ``rule``: a fragment of the expected French rule (``Problem.rule``);
- ``row`` / ``column``: where the problem is expected, when meaningful (null: not checked);
- ``personal``: personal values the case brings (NIR, names, birth dates) that the report must
  never show, on top of those of the valid files.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import io
import json
import random
import shutil
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
VALID = HERE / "valid"
BAD = HERE / "bad"
VARIANTS = HERE / "valid_variants"

sys.path.insert(0, str(HERE.parent.parent))
from workspace_lib.file_formats import FILE_KINDS, luhn_ok  # noqa: E402

KINDS = {k.name: k for k in FILE_KINDS}
FILES = {name: f"valid/{name}-2024.csv" for name in KINDS}
EXCEL_DATE = dt.datetime(2024, 1, 1)


# ------------------------------------------------------------------------------ helpers

def load(name: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a valid file (``employeurs``, ``agents``, ``absences``, ``formations``)."""
    with (VALID / f"{name}-2024.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    return rows[0], rows[1:]


def to_csv(header: list[str], rows: list[list[str]], delimiter: str = ";") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def set_value(header: list[str], rows: list[list[str]], row: int, column: str, value: str) -> None:
    """Set a cell; ``row`` is the line number a person sees (header = line 1)."""
    rows[row - 2][header.index(column)] = value


def get_value(header: list[str], rows: list[list[str]], row: int, column: str) -> str:
    return rows[row - 2][header.index(column)]


def luhn_complete(prefix13: str) -> str:
    """The 14-digit SIRET with a correct Luhn key that starts with ``prefix13``."""
    return next(prefix13 + d for d in "0123456789" if luhn_ok(prefix13 + d))


def luhn_break(siret: str) -> str:
    """The same SIRET with a wrong last digit."""
    return next(siret[:-1] + d for d in "0123456789" if not luhn_ok(siret[:-1] + d))


class Corpus:
    def __init__(self) -> None:
        self.cases: list[dict] = []

    def add(self, case_id: str, files: dict[str, bytes | str], rule: str, *, row: int | None = None,
            column: str | None = None, with_: tuple[str, ...] = (), year: int | None = None,
            source: str | None = None, personal: tuple[str, ...] = (), description: str = "") -> None:
        names = []
        for name, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            assert len(data) < 100_000, name
            (BAD / name).write_bytes(data)
            names.append(f"bad/{name}")
        self.cases.append({
            "id": case_id,
            "description": description,
            "files": names,
            "with": list(with_),
            "year": year,
            "source": f"bad/{source}" if source else names[0],
            "rule": rule,
            "row": row,
            "column": column,
            "personal": list(personal),
        })

    def edit(self, case_id: str, kind: str, row: int, column: str, value: str, rule: str, *,
             reported_column: str | None = None, with_: tuple[str, ...] | None = None,
             personal: tuple[str, ...] = (), description: str = "") -> None:
        """A case made by changing one cell of a valid file (written as ``<id>.csv``).

        The problem is expected on that row, and on that column unless ``reported_column``.
        """
        header, rows = load(kind)
        set_value(header, rows, row, column, value)
        self.add(case_id, {f"{case_id}.csv": to_csv(header, rows)}, rule,
                 row=row, column=reported_column or column,
                 with_=default_companions(kind) if with_ is None else with_,
                 personal=personal, description=description)


def default_companions(kind: str) -> tuple[str, ...]:
    """The valid files a file of ``kind`` is imported with (what it refers to)."""
    return {
        "employeurs": (),
        "agents": (FILES["employeurs"],),
        "absences": (FILES["employeurs"], FILES["agents"]),
        "formations": (FILES["employeurs"], FILES["agents"]),
    }[kind]


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    """A real Excel workbook (one sheet), cells typed as given."""
    import xlsxwriter

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    workbook.set_properties({"created": EXCEL_DATE})
    sheet = workbook.add_worksheet("RSU")
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write(r, c, value)
    workbook.close()
    return out.getvalue()


def parquet_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({name: [r[i] for r in rows] for i, name in enumerate(header)})
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd")
    return out.getvalue()


def typed_rows(kind: str, header: list[str], rows: list[list[str]]) -> list[list[object]]:
    """Rows of a valid file with Python types (int, float, date, bool) as a tool would write them."""
    columns = {c.name: c for c in KINDS[kind].columns}
    out = []
    for row in rows:
        typed: list[object] = []
        for name, text in zip(header, row):
            col = columns[name]
            if text == "":
                typed.append(None)
            elif col.kind == "int" or name == "annee":
                typed.append(int(text))
            elif col.kind == "decimal":
                typed.append(float(text.replace(",", ".")))
            elif col.kind == "date":
                typed.append(dt.datetime.strptime(text, "%d/%m/%Y").date())
            elif col.kind == "bool":
                typed.append(text.lower() == "oui")
            else:
                typed.append(text)
        out.append(typed)
    return out


# ------------------------------------------------------------------------------- cases

def build_bad(corpus: Corpus) -> None:
    emp_h, emp = load("employeurs")
    ag_h, ag = load("agents")
    abs_h, ab = load("absences")
    agents_text = (VALID / "agents-2024.csv").read_text(encoding="utf-8")
    with_emp = (FILES["employeurs"],)

    # --- encodings and bytes that are not a CSV file
    corpus.add("agents-utf16", {"agents-utf16.csv": agents_text.encode("utf-16")},
               "UTF-16", with_=with_emp, description="UTF-16 (with BOM), as Excel's « Unicode text »")
    corpus.add("agents-utf16le-nobom", {"agents-utf16le-nobom.csv": agents_text.encode("utf-16-le")},
               "UTF-16", with_=with_emp, description="UTF-16 little endian without BOM")
    rng = random.Random(20240101)
    corpus.add("garbage-binary", {"garbage-binary.csv": rng.randbytes(4096)},
               "binaire", description="random bytes (with NUL bytes) named .csv")
    corpus.add("agents-gzip-renamed", {"agents-gzip-renamed.csv": gzip.compress(agents_text.encode(), mtime=0)},
               "binaire", with_=with_emp, description="a compressed CSV named .csv")
    corpus.add("agents-xlsx-renamed-csv",
               {"agents-xlsx-renamed.csv": xlsx_bytes(*load("agents"))},
               "binaire", with_=with_emp, description="an Excel workbook named .csv")

    # --- structure of the file
    corpus.add("agents-no-delimiter", {"agents-no-delimiter.csv": to_csv(ag_h, ag).replace(";", " ")},
               "séparateur de colonnes introuvable", row=1, with_=with_emp,
               description="columns separated by spaces")
    rows = [r[:] for r in ag]
    lines = to_csv(ag_h, rows).splitlines(keepends=True)
    lines[3] = lines[3].replace(";", ",", 5)
    corpus.add("agents-mixed-delimiters", {"agents-mixed-delimiters.csv": "".join(lines)},
               "nombre de colonnes incorrect", row=4, with_=with_emp,
               description="line 4 uses commas for its first separators")
    lines = to_csv(ag_h, ag).splitlines(keepends=True)
    lines[2] = lines[2].rstrip("\n") + ";en trop\n"
    corpus.add("agents-extra-field", {"agents-extra-field.csv": "".join(lines)},
               "nombre de colonnes incorrect", row=3, with_=with_emp,
               description="line 3 has one field more than the header")
    drop = ag_h.index("filiere")
    corpus.add("agents-missing-column",
               {"agents-missing-column.csv": to_csv([h for i, h in enumerate(ag_h) if i != drop],
                                                   [[v for i, v in enumerate(r) if i != drop] for r in ag])},
               "colonne obligatoire absente", row=1, column="filiere", with_=with_emp)
    corpus.add("agents-unknown-column",
               {"agents-unknown-column.csv": to_csv(ag_h + ["salaire_net"], [r + ["1000"] for r in ag])},
               "colonne inconnue", row=1, column="salaire_net", with_=with_emp)
    grade = ag_h.index("grade")
    corpus.add("agents-duplicate-header",
               {"agents-duplicate-header.csv": to_csv(ag_h + ["Grade"], [r + [r[grade]] for r in ag])},
               "colonne en double", row=1, column="grade", with_=with_emp)
    corpus.add("agents-unnamed-column",
               {"agents-unnamed-column.csv": to_csv(ag_h + [""], [r + ["x"] for r in ag])},
               "n'a pas de nom", row=1, with_=with_emp)
    corpus.add("unknown-kind",
               {"unknown-kind.csv": "code;libelle;montant\n1;Loyer;300\n"},
               "type de fichier non reconnu", row=1)
    corpus.add("agents-header-only", {"agents-header-only.csv": to_csv(ag_h, [])},
               "aucune ligne de données", with_=with_emp)
    corpus.add("agents-empty", {"agents-empty.csv": b""}, "fichier vide", with_=with_emp)
    corpus.add("agents-blank-lines", {"agents-blank-lines.csv": "\n\n\n"}, "fichier vide",
               row=1, with_=with_emp, description="only newlines")
    text = to_csv(ag_h, ag)
    cut = text.index("Attaché principal")
    corpus.add("agents-truncated", {"agents-truncated.csv": text[:cut] + '"Attaché princ'},
               "guillemet", row=2, with_=with_emp,
               description="file cut inside a quoted field (unterminated quote)")
    corpus.add("agents-unsupported-extension",
               {"agents-unsupported-extension.ods": to_csv(ag_h, ag)},
               "format non pris en charge", with_=with_emp)

    # --- types
    corpus.edit("agents-text-in-int", "agents", 3, "jours_remuneres", "trois cent", "nombre entier attendu")
    corpus.edit("agents-decimal-in-int", "agents", 3, "jours_remuneres", "300,5", "nombre entier attendu")
    corpus.edit("agents-bad-decimal", "agents", 4, "remuneration_brute", "17.000,00", "nombre attendu")
    corpus.edit("agents-bad-date", "agents", 4, "date_entree", "31/02/2024", "date attendue")
    corpus.edit("agents-two-digit-year", "agents", 4, "date_entree", "01/02/24", "année sur 4 chiffres")
    corpus.edit("agents-bad-birth-date", "agents", 2, "date_naissance", "1975-13-45", "date attendue",
                personal=("1975-13-45",))
    corpus.edit("agents-bad-boolean", "agents", 5, "teletravail", "peut-être", "oui ou non attendu")
    corpus.edit("employeurs-bad-boolean", "employeurs", 2, "affilie", "oui-non", "oui ou non attendu")
    corpus.edit("employeurs-bad-population", "employeurs", 3, "population", "1 3 1 x", "nombre entier attendu")

    # --- enumerations
    corpus.edit("agents-unknown-statut", "agents", 2, "statut", "FONCTIONNAIRE", "valeur inconnue")
    corpus.edit("agents-unknown-filiere", "agents", 3, "filiere", "INFORMATIQUE", "valeur inconnue")
    corpus.edit("agents-unknown-sexe", "agents", 3, "sexe", "X", "valeur inconnue")
    corpus.edit("absences-unknown-motif", "absences", 5, "motif", "VACANCES", "valeur inconnue")
    corpus.edit("formations-unknown-organisme", "formations", 2, "organisme", "UNIVERSITE", "valeur inconnue")
    corpus.edit("employeurs-unknown-type", "employeurs", 2, "type", "ASSOCIATION", "valeur inconnue")
    corpus.edit("employeurs-unknown-departement", "employeurs", 3, "departement", "99", "département inconnu")

    # --- SIRET
    mende = get_value(ag_h, ag, 2, "siret")
    unknown_siret = luhn_complete("2148009990001")
    assert luhn_ok(unknown_siret) and unknown_siret != mende
    corpus.edit("agents-unknown-siret", "agents", 6, "siret", unknown_siret, "employeur inconnu")
    corpus.edit("agents-siret-bad-key", "agents", 3, "siret", luhn_break(mende), "clé de contrôle fausse")
    corpus.edit("agents-siret-13-digits", "agents", 4, "siret", mende[:13], "14 chiffres")
    corpus.edit("absences-unknown-employer-year", "absences", 2, "annee", "2023", "employeur inconnu pour l'année 2023",
                reported_column="siret")

    # --- duplicates
    rows = [r[:] for r in ag] + [ag[1][:]]
    corpus.add("agents-duplicate-matricule", {"agents-duplicate-matricule.csv": to_csv(ag_h, rows)},
               "doublon", row=len(rows) + 1, with_=with_emp, description="the agent of line 3 repeated at the end")
    part_a = [r for r in ag if r[1] == mende]
    part_b = [r for r in ag if r[1] != mende] + [ag[1][:]]
    corpus.add("agents-duplicate-across-files",
               {"agents-dup-a.csv": to_csv(ag_h, part_a), "agents-dup-b.csv": to_csv(ag_h, part_b)},
               "doublon", row=3, with_=with_emp, source="agents-dup-b.csv",
               description="the same agent in two agents files of one import")
    rows = [r[:] for r in ab] + [ab[0][:]]
    rows[-1][abs_h.index("jours")] = "5"
    corpus.add("absences-duplicate", {"absences-duplicate.csv": to_csv(abs_h, rows)}, "doublon",
               row=len(rows) + 1, with_=default_companions("absences"),
               description="same agent and motif twice (different days)")

    # --- impossible values
    corpus.edit("absences-jours-400", "absences", 3, "jours", "400", "hors de la plage")
    corpus.edit("absences-arrets-over-jours", "absences", 4, "nb_arrets", "5", "plus d'arrêts que de jours")
    corpus.edit("agents-quotite-120", "agents", 2, "quotite", "120", "hors de la plage")
    corpus.edit("agents-negative-pay", "agents", 3, "remuneration_brute", "-26500,00", "hors de la plage admise (de 0 à 1\u202f000\u202f000)")
    corpus.edit("agents-heures-40", "agents", 2, "heures_hebdo", "40", "hors de la plage admise (de 0,5 à 35)")
    corpus.edit("agents-temps-complet-28h", "agents", 2, "heures_hebdo", "28", "temps complet déclaré avec moins")
    corpus.edit("agents-age-5", "agents", 6, "date_naissance", "10/01/2019", "âge au 31/12",
                personal=("10/01/2019",))
    corpus.edit("agents-sortie-before-entree", "agents", 4, "date_sortie", "15/01/2024",
                "date de sortie antérieure à la date d'entrée")
    corpus.edit("agents-sortie-without-motif", "agents", 4, "motif_sortie", "",
                "motif de sortie obligatoire", reported_column="motif_sortie")
    corpus.edit("agents-sortie-other-year", "agents", 4, "date_sortie", "30/09/2025", "date de sortie hors de l'année")
    corpus.edit("agents-present-after-exit", "agents", 4, "present_31_12", "oui", "présent au 31/12 alors")
    corpus.edit("agents-regime-over-brute", "agents", 5, "regime_indemnitaire", "25000", "dépassent la rémunération brute")
    corpus.edit("agents-titulaire-without-categorie", "agents", 6, "categorie", "",
                "catégorie obligatoire pour un fonctionnaire")
    corpus.edit("agents-jours-remuneres-400", "agents", 2, "jours_remuneres", "400", "hors de la plage")
    corpus.edit("formations-jours-zero", "formations", 3, "jours", "0", "hors de la plage")
    corpus.edit("employeurs-annee-1999", "employeurs", 2, "annee", "1999", "hors de la plage")

    # --- NIR
    nir = get_value(ag_h, ag, 2, "nir")
    bad_key = nir[:13] + f"{(int(nir[13:]) + 1) % 97:02d}"
    corpus.edit("agents-nir-bad-key", "agents", 2, "nir", bad_key, "clé du NIR invalide", personal=(bad_key,))
    corpus.edit("agents-nir-13-chars", "agents", 3, "nir", get_value(ag_h, ag, 3, "nir")[:13],
                "NIR attendu : 15 caractères", personal=(get_value(ag_h, ag, 3, "nir")[:13],))
    corpus.edit("agents-nir-vs-sexe", "agents", 2, "sexe", "M", "NIR incohérent avec le sexe", reported_column="nir")

    # --- Excel files that are not, or with wrong cells
    corpus.add("agents-csv-renamed-xlsx", {"agents-csv-renamed.xlsx": to_csv(ag_h, ag)},
               "pas un classeur Excel", with_=with_emp)
    good_xlsx = xlsx_bytes(ag_h, typed_rows("agents", ag_h, ag))
    corpus.add("agents-truncated-xlsx", {"agents-truncated.xlsx": good_xlsx[: len(good_xlsx) // 2]},
               "pas un classeur Excel", with_=with_emp, description="an Excel file cut in half")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        info = zipfile.ZipInfo("xl/workbook.xml", date_time=(2024, 1, 1, 0, 0, 0))
        z.writestr(info, b"<not really a workbook")
    corpus.add("agents-corrupt-zip-xlsx", {"agents-corrupt-zip.xlsx": zipped.getvalue()},
               "classeur Excel illisible", with_=with_emp, description="a zip that is not a workbook")
    typed = typed_rows("agents", ag_h, ag)
    typed[2][ag_h.index("jours_remuneres")] = "deux cent quarante-trois"
    corpus.add("agents-xlsx-wrong-type", {"agents-xlsx-wrong-type.xlsx": xlsx_bytes(ag_h, typed)},
               "nombre entier attendu", row=4, column="jours_remuneres", with_=with_emp,
               description="a real workbook with text in a number cell")
    typed = typed_rows("agents", ag_h, ag)
    typed[0][ag_h.index("date_entree")] = "le 1er mars"
    corpus.add("agents-xlsx-bad-date", {"agents-xlsx-bad-date.xlsx": xlsx_bytes(ag_h, typed)},
               "date attendue", row=2, column="date_entree", with_=with_emp)

    # --- Parquet
    typed = typed_rows("agents", ag_h, ag)
    typed[3][ag_h.index("statut")] = "INCONNU"
    corpus.add("agents-parquet-bad-statut", {"agents-bad-statut.parquet": parquet_bytes(ag_h, typed)},
               "valeur inconnue", row=4, column="statut", with_=with_emp,
               description="Parquet rows are numbered from 1 (no header line)")
    corpus.add("agents-parquet-corrupt", {"agents-corrupt.parquet": parquet_bytes(ag_h, typed)[:300]},
               "Parquet illisible", with_=with_emp)

    # --- spreadsheet formulas and SQL in text fields
    corpus.edit("agents-formula-grade", "agents", 3, "grade", '=HYPERLINK("http://x","clic")', "formule")
    corpus.edit("agents-formula-cadre", "agents", 4, "cadre_emplois", "@SUM(A1)", "formule")
    corpus.edit("employeurs-formula-nom", "employeurs", 2, "nom", '=HYPERLINK("http://x","clic")', "formule")
    corpus.edit("employeurs-formula-plus", "employeurs", 3, "nom", "+33 466 00 00 00", "formule")
    corpus.edit("agents-sql-grade", "agents", 2, "grade", "'); DROP TABLE agent; --", "caractères non autorisés")
    corpus.edit("agents-sql-matricule", "agents", 5, "matricule", "M0004'); DROP TABLE agent; --",
                "caractères non autorisés")
    corpus.edit("employeurs-sql-nom", "employeurs", 3, "nom", "x' OR '1'='1", "caractères non autorisés")
    corpus.edit("agents-long-grade", "agents", 2, "grade", "Attaché " * 40, "texte trop long")
    corpus.edit("agents-control-char", "agents", 2, "grade", "Attaché\x07principal", "caractères non autorisés")

    # --- references between files, year
    corpus.edit("absences-unknown-agent", "absences", 3, "matricule", "M9999", "agent inconnu")
    corpus.edit("formations-unknown-agent", "formations", 3, "matricule", "A0001", "agent inconnu",
                description="an agent of another employer")
    header, rows = load("agents")
    rows[0][header.index("grade")] = "Attaché hors classe"
    corpus.add("agents-wrong-year", {"agents-wrong-year.csv": to_csv(header, rows)},
               "année différente de celle demandée", row=2, column="annee", with_=with_emp, year=2023)
    i = ag_h.index("annee")
    corpus.add("agents-no-year-column",
               {"agents-no-year-column.csv": to_csv(ag_h[:i] + ag_h[i + 1:], [r[:i] + r[i + 1:] for r in ag])},
               "ou indiquez --annee", row=1, column="annee", with_=with_emp)


def build_variants() -> list[str]:
    """Valid variants of the valid set: each folder must import to the same warehouse content."""
    names = []

    def variant(name: str, transform) -> None:
        folder = VARIANTS / name
        folder.mkdir(parents=True)
        for kind in KINDS:
            header, rows = load(kind)
            filename, data = transform(kind, header, [r[:] for r in rows])
            (folder / filename).write_bytes(data)
        names.append(name)

    def columns_of(kind):
        return {c.name: c for c in KINDS[kind].columns}

    def map_cells(kind, header, rows, fn):
        cols = columns_of(kind)
        return [[fn(cols[h], v) if v != "" else v for h, v in zip(header, r)] for r in rows]

    variant("cp1252", lambda k, h, r: (f"{k}.csv", to_csv(h, r).encode("cp1252")))
    variant("utf8-bom", lambda k, h, r: (f"{k}.csv", codecs.BOM_UTF8 + to_csv(h, r).encode("utf-8")))
    variant("crlf", lambda k, h, r: (f"{k}.csv", to_csv(h, r).replace("\n", "\r\n").encode("utf-8")))
    variant("comma", lambda k, h, r: (f"{k}.csv", to_csv(h, r, delimiter=",").encode("utf-8")))
    variant("tab", lambda k, h, r: (f"{k}.tsv", to_csv(h, r, delimiter="\t").encode("utf-8")))
    variant("pipe", lambda k, h, r: (f"{k}.txt", to_csv(h, r, delimiter="|").encode("utf-8")))

    def decimal_points(col, v):
        return v.replace(",", ".") if col.kind == "decimal" else v

    variant("decimal-point", lambda k, h, r: (f"{k}.csv", to_csv(h, map_cells(k, h, r, decimal_points)).encode()))

    def iso_dates(col, v):
        return dt.datetime.strptime(v, "%d/%m/%Y").date().isoformat() if col.kind == "date" else v

    variant("iso-dates", lambda k, h, r: (f"{k}.csv", to_csv(h, map_cells(k, h, r, iso_dates)).encode()))

    words = {"oui": ["Oui", "O", "OUI", "o"], "non": ["Non", "N", "NON", "n"]}
    counter = iter(range(10_000))

    def french_booleans(col, v):
        return words[v][next(counter) % 4] if col.kind == "bool" else v

    variant("french-booleans", lambda k, h, r: (f"{k}.csv", to_csv(h, map_cells(k, h, r, french_booleans)).encode()))

    def spaced_numbers(col, v):
        # "52000,00" -> "52 000,00" with a narrow no-break space, as French spreadsheets export.
        if col.kind == "decimal" and len(v.split(",")[0]) > 3:
            whole, _, frac = v.partition(",")
            return f"{int(whole):,}".replace(",", "\u202f") + ("," + frac if frac else "")
        return v

    variant("spaced-thousands", lambda k, h, r: (f"{k}.csv", to_csv(h, map_cells(k, h, r, spaced_numbers)).encode()))

    pretty = {
        "annee": "Année", "siret": "SIRET", "matricule": "Matricule", "nom": "Nom", "prenom": "Prénom",
        "nir": "NIR", "date_naissance": "Date de naissance", "sexe": "Sexe", "statut": "Statut",
        "emploi_fonctionnel": "Emploi fonctionnel", "categorie": "Catégorie", "filiere": "Filière",
        "cadre_emplois": "Cadre d'emplois", "grade": "Grade", "temps_travail": "Temps travail",
        "heures_hebdo": "Heures hebdo", "quotite": "Quotité", "position": "Position",
        "present_31_12": "Présent au 31/12", "date_entree": "Date entrée", "motif_entree": "Motif entrée",
        "date_sortie": "Date sortie", "motif_sortie": "Motif sortie", "jours_remuneres": "Jours rémunérés",
        "remuneration_brute": "Rémunération brute", "regime_indemnitaire": "Régime indemnitaire",
        "nbi": "NBI", "heures_supplementaires": "Heures supplémentaires", "boeth": "BOETH",
        "teletravail": "Télétravail", "type": "Type", "code_insee": "Code INSEE",
        "departement": "Département", "region": "Région", "epci_siren": "EPCI SIREN",
        "population": "Population", "affilie": "Affilié", "rsu_transmis": "RSU transmis",
        "depenses_personnel": "Dépenses personnel", "cotisation_cnfpt": "Cotisation CNFPT",
        "depenses_formation": "Dépenses formation", "action_sociale": "Action sociale",
        "participation_protection_sociale": "Participation protection sociale",
        "reunions_instances": "Réunions instances", "jours_greve": "Jours grève",
        "agents_prevention": "Agents prévention", "motif": "Motif", "nb_arrets": "Nb arrêts",
        "jours": "Jours", "type_formation": "Type formation", "organisme": "Organisme",
    }
    variant("french-headers", lambda k, h, r: (f"{k}.csv", to_csv([pretty[c] for c in h], r).encode()))

    def lower_enums(col, v):
        return v.lower().replace("_", " ") if col.kind == "enum" else v

    variant("lowercase-values", lambda k, h, r: (f"{k}.csv", to_csv(h, map_cells(k, h, r, lower_enums)).encode()))
    pads = iter(range(100_000))

    def padded(col, v):
        # Spaces around every value, and no-break spaces around some: the import trims them.
        space = (" ", "\u00a0", "\u202f")[next(pads) % 3]
        return f"{space}{v}{space}"

    variant("padded-values", lambda k, h, r: (f"{k}.csv", to_csv(h, map_cells(k, h, r, padded)).encode()))

    def spaced_nir(col, v):
        # "2 75 05 48 095 012 04", as printed on a carte Vitale: the import removes the spaces.
        if col.kind != "nir":
            return v
        return " ".join((v[0], v[1:3], v[3:5], v[5:7], v[7:10], v[10:13], v[13:]))

    variant("spaced-nir", lambda k, h, r: (f"{k}.csv", to_csv(h, map_cells(k, h, r, spaced_nir)).encode()))
    variant("xlsx", lambda k, h, r: (f"{k}.xlsx", xlsx_bytes(h, typed_rows(k, h, r))))
    variant("parquet", lambda k, h, r: (f"{k}.parquet", parquet_bytes(h, typed_rows(k, h, r))))
    return names


def main() -> None:
    for folder in (BAD, VARIANTS):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    corpus = Corpus()
    build_bad(corpus)
    ids = [c["id"] for c in corpus.cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    variants = build_variants()
    (BAD / "expected.json").write_text(
        json.dumps({"cases": corpus.cases}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8")
    (VARIANTS / "README.md").write_text(
        "Variantes valides du jeu tests/data/valid (générées par tests/data/make_bad_corpus.py) :\n"
        "chaque dossier doit s'importer et donner le même contenu d'entrepôt.\n\n"
        + "".join(f"- {v}\n" for v in variants), encoding="utf-8")
    print(f"{len(corpus.cases)} cas d'erreur dans {BAD}, {len(variants)} variantes valides dans {VARIANTS}")


if __name__ == "__main__":
    main()
