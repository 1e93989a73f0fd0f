"""Bad input files are refused with a French report, and leave the warehouse byte for byte as it was.

The corpus (tests/data/bad/, described by bad/expected.json) is made by
tests/data/make_bad_corpus.py from the valid set in tests/data/valid/. Each case is imported into
a copy of a warehouse that already holds the valid data.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import random
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from workspace_lib.config import Workspace
from workspace_lib.ingest import ImportRejected, import_sources
from workspace_lib.ingest import readers
from workspace_lib.file_formats import AGENTS, luhn_ok, nir_key
from workspace_lib.ingest.pseudonymise import pseudonym
from workspace_lib.ingest.validate import column_rules, luhn_sql

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"
VARIANTS = DATA / "valid_variants"
EXPECTED = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))
CASES = EXPECTED["cases"]
WORKSPACE_SCRIPT = Path(sys.executable).with_name("workspace")
TABLES = ("employeur", "agent", "absence", "formation")


def _read_valid(kind: str) -> tuple[list[str], list[list[str]]]:
    with (DATA / "valid" / f"{kind}-2024.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    return rows[0], rows[1:]


def _personal_values() -> set[str]:
    """Names, NIR and birth dates of the valid agents, in the forms a report could show them."""
    header, rows = _read_valid("agents")
    values = set()
    for row in rows:
        for column in ("nom", "prenom", "nir", "date_naissance"):
            values.add(row[header.index(column)])
        birth = dt.datetime.strptime(row[header.index("date_naissance")], "%d/%m/%Y").date()
        values.add(birth.isoformat())
    return values


PERSONAL = _personal_values()


def _to_csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows([header, *rows])
    return out.getvalue()


def _digests(ws: Workspace) -> dict[str, str | None]:
    """sha256 of the warehouse file and of its WAL (None when absent)."""
    out = {}
    for path in (ws.warehouse_path, Path(str(ws.warehouse_path) + ".wal")):
        out[path.name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    return out


def _content(ws: Workspace, with_import_id: bool = False) -> dict[str, list[tuple]]:
    """Every row of the data tables, sorted (without import_id unless asked)."""
    con = duckdb.connect(str(ws.warehouse_path), read_only=True)
    try:
        exclude = "" if with_import_id else " EXCLUDE (import_id)"
        return {t: con.execute(f"SELECT *{exclude} FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
    finally:
        con.close()


def _query(ws: Workspace, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(ws.warehouse_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _journal_lines(ws: Workspace) -> list[dict]:
    path = ws.logs_dir / "imports.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def _assert_no_personal_data(text: str, extra: list[str] = ()) -> None:
    for value in sorted(PERSONAL | set(extra)):
        assert value not in text, f"donnée personnelle {value!r} dans :\n{text}"


# ------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def loaded_template(tmp_path_factory) -> Workspace:
    """A workspace whose warehouse holds the valid data (imported once per session)."""
    ws = Workspace.locate(tmp_path_factory.mktemp("modele") / "espace")
    import_sources(ws, [str(DATA / "valid")], show_progress=False)
    assert not Path(str(ws.warehouse_path) + ".wal").exists()
    return ws


@pytest.fixture
def loaded(loaded_template: Workspace, tmp_path: Path) -> Workspace:
    """A copy of the loaded workspace, for one test."""
    target = tmp_path / "espace"
    shutil.copytree(loaded_template.root, target)
    return Workspace.locate(target)


# --------------------------------------------------------------------------- the corpus

def test_corpus_is_large_and_small():
    files = [p for p in BAD.iterdir() if p.name != "expected.json"]
    assert len(CASES) >= 30 and len(files) >= 30
    assert all(p.stat().st_size <= 100 * 1024 for p in BAD.iterdir())
    listed = {f for c in CASES for f in c["files"]}
    assert listed == {f"bad/{p.name}" for p in files}, "expected.json and bad/ disagree: run make_bad_corpus.py"


def test_template_holds_the_valid_data(loaded_template: Workspace):
    counts = {t: n for t, n in _query(loaded_template, " UNION ALL ".join(
        f"SELECT '{t}', count(*) FROM {t}" for t in TABLES))}
    assert counts == {"employeur": 2, "agent": 5, "absence": 4, "formation": 3}
    # The pseudonyms computed in SQL are the HMAC of siret:matricule with the workspace's key.
    key = loaded_template.pseudonym_key()
    header, rows = _read_valid("agents")
    expected = sorted(pseudonym(key, r[header.index("siret")], r[header.index("matricule")]) for r in rows)
    assert [a for (a,) in _query(loaded_template, "SELECT agent_id FROM agent ORDER BY agent_id")] == expected


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input_is_refused(case: dict, loaded: Workspace):
    before = _digests(loaded)
    journal_before = len(_journal_lines(loaded))
    sources = [str(DATA / f) for f in case["with"] + case["files"]]

    with pytest.raises(ImportRejected) as caught:
        import_sources(loaded, sources, year=case["year"], show_progress=False)

    exc = caught.value
    report = exc.report()
    # French, complete, and never an engine's message.
    assert report.startswith("Import refusé : ") and "L'entrepôt n'a pas été modifié." in report, report
    for english in ("Error", "Exception", "Traceback", "Conversion", "Invalid"):
        assert english not in report, report
    assert exc.total >= len(exc.problems) >= 1
    # The expected problem, on the expected file, row and column.
    source = str(DATA / case["source"])
    matching = [p for p in exc.problems if p.source == source and case["rule"] in p.rule
                and (case["row"] is None or p.row == case["row"])
                and (case["column"] is None or p.column == case["column"])]
    assert matching, f"attendu {case['rule']!r} (ligne {case['row']}, colonne {case['column']}) dans :\n{report}"
    problem = matching[0]
    assert problem.describe() in report
    assert f"Fichier {source}" in report and case["rule"] in report
    if case["row"] is not None:
        assert f"ligne {case['row']}" in report
    if case["column"] is not None:
        assert f"colonne « {case['column']} »" in report
    # Personal data never shown, neither in the report nor in the imports journal.
    _assert_no_personal_data(report, case["personal"])
    journal = _journal_lines(loaded)
    assert len(journal) == journal_before + 1 and journal[-1]["resultat"] == "refuse"
    _assert_no_personal_data(json.dumps(journal[-1], ensure_ascii=False), case["personal"])
    # The warehouse is byte for byte what it was.
    assert _digests(loaded) == before


# --------------------------------------------------------------------------------- CLI

@pytest.mark.parametrize("case_id", ["agents-utf16", "agents-nir-bad-key", "agents-wrong-year"])
def test_cli_refuses_with_french_report_on_stderr(case_id: str, loaded: Workspace, tmp_path: Path):
    case = next(c for c in CASES if c["id"] == case_id)
    before = _digests(loaded)
    args = [str(WORKSPACE_SCRIPT), "--workspace", str(loaded.root), "import",
            *(str(DATA / f) for f in case["with"] + case["files"])]
    if case["year"]:
        args += ["--annee", str(case["year"])]
    done = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith("Import refusé : ")
    assert "L'entrepôt n'a pas été modifié." in done.stderr
    assert str(DATA / case["source"]) in done.stderr and case["rule"] in done.stderr
    assert "Traceback" not in done.stderr
    _assert_no_personal_data(done.stderr, case["personal"])
    assert _digests(loaded) == before


# ------------------------------------------------------------------------ a huge line

def _write_huge_line(path: Path, prefix: bytes, size: int, suffix: bytes) -> None:
    block = b"x" * (1024 * 1024)
    with path.open("wb") as fh:
        fh.write(prefix)
        for _ in range(size // len(block)):
            fh.write(block)
        fh.write(suffix)


HUGE_IMPORT = """
import resource, sys, time
from workspace_lib.config import Workspace
from workspace_lib.ingest import ImportRejected, import_sources
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.monotonic()
try:
    import_sources(Workspace.locate(sys.argv[1]), sys.argv[2:], show_progress=False)
    print("ACCEPTE")
except ImportRejected as exc:
    print(exc.report())
print(time.monotonic() - start)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024)
"""


@pytest.mark.parametrize("where", ["data", "header", "last-line-of-valid-file"])
def test_100_mb_line_is_refused_quickly_without_memory(where: str, loaded: Workspace, tmp_path: Path):
    """A 100 MB field: refused with a French message, in seconds, without reading it in memory."""
    header = (DATA / "valid" / "agents-2024.csv").read_bytes().split(b"\n", 1)[0] + b"\n"
    big = tmp_path / "agents-enorme.csv"
    if where == "data":
        _write_huge_line(big, header + b"2024;21480095500012;M0001;", 100 * 1024 * 1024, b";Dupont\n")
        row = 2
    elif where == "header":
        _write_huge_line(big, b"annee;", 100 * 1024 * 1024, b"\n2024\n")
        row = 1
    else:
        # DuckDB's parallel reader silently dropped a last line longer than its buffer (~32 MB):
        # the valid rows before it would have been imported without a word.
        valid = (DATA / "valid" / "agents-2024.csv").read_bytes()
        _write_huge_line(big, valid + b"2024;21480095500012;M0009;", 100 * 1024 * 1024, b"")
        row = 7
    before = _digests(loaded)
    done = subprocess.run([sys.executable, "-c", HUGE_IMPORT, str(loaded.root),
                           str(DATA / "valid" / "employeurs-2024.csv"), str(big)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    *report, seconds, extra_mb = done.stdout.strip().splitlines()
    report = "\n".join(report)
    assert report.startswith("Import refusé"), report
    assert f"Fichier {big}, ligne {row} : ligne trop longue" in report
    assert len(report) < 1000  # the line itself is never echoed
    assert float(seconds) < 10, seconds
    assert float(extra_mb) < 60, f"{extra_mb} Mo de mémoire en plus pendant l'import"
    assert _digests(loaded) == before


def test_line_guard_finds_long_lines_across_chunks(monkeypatch):
    """The streaming check of line lengths agrees with a plain split, whatever the chunking."""
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 10)
    rng = random.Random(7)
    for _ in range(300):
        lengths = [rng.choice((0, 1, 5, 9, 10, 10, 11, 25)) for _ in range(rng.randint(1, 8))]
        data = b"\n".join(b"a" * n for n in lengths) + rng.choice((b"", b"\n"))
        too_long = [i + 1 for i, n in enumerate(lengths) if n > 10]
        guard = readers._LineGuard("f.csv")
        size = rng.randint(1, 30)
        try:
            for start in range(0, len(data), size):
                guard.feed(data[start:start + size])
            found = None
        except ImportRejected as exc:
            found = exc.problems[0].row
        assert found == (too_long[0] if too_long else None), (lengths, size)
        # The direct scan's check (rfind from line end to line end) agrees.
        assert readers.long_line(data) == found, lengths


def test_sql_luhn_check_agrees_with_python():
    rng = random.Random(3)
    sirets = ["".join(rng.choice("0123456789") for _ in range(14)) for _ in range(5000)]
    sirets += ["21480095500012", "21480001300010", "00000000000000", "99999999999999"]
    con = duckdb.connect()
    got = dict(con.execute(f"SELECT s, {luhn_sql('s')} FROM unnest(?) t(s)", [sirets]).fetchall())
    assert got == {s: luhn_ok(s) for s in sirets}


def test_sql_nir_key_check_agrees_with_python():
    """The key rule, with Corsica's 2A and 2B, says what file_formats.nir_key says."""
    rng = random.Random(5)
    nirs = []
    for i in range(3000):
        number = "".join(rng.choice("0123456789") for _ in range(13))
        number = rng.choice("1278") + number[1:]  # a first digit the NIR format admits
        if i % 3 == 0:
            number = number[:5] + rng.choice(("2A", "2B")) + number[7:]
        key = nir_key(number)
        nirs.append(f"{number}{key if i % 2 else (key + rng.randint(1, 96)) % 97:02d}")
    rule = next(r for r in column_rules(AGENTS.column("nir")) if r.message == "clé du NIR invalide")
    con = duckdb.connect()
    got = dict(con.execute(f'SELECT nir, {rule.condition} FROM (SELECT unnest(?) AS nir)', [nirs]).fetchall())
    assert got == {n: nir_key(n[:13]) != int(n[13:]) for n in nirs}
    assert sum(got.values()) == len(nirs) // 2 and any(n[5:7] == "2A" and not bad for n, bad in got.items())


# ------------------------------------------------------------------------ valid variants

VARIANT_DIRS = sorted(p for p in VARIANTS.iterdir() if p.is_dir())


def test_there_are_valid_variants():
    names = {p.name for p in VARIANT_DIRS}
    assert {"cp1252", "comma", "tab", "utf8-bom", "decimal-point", "iso-dates", "french-booleans",
            "french-headers"} <= names


@pytest.mark.parametrize("variant", VARIANT_DIRS, ids=[p.name for p in VARIANT_DIRS])
def test_valid_variant_gives_the_same_warehouse(variant: Path, loaded_template: Workspace, workspace: Workspace):
    shutil.copy2(loaded_template.key_path, workspace.key_path)  # same key, same pseudonyms
    report = import_sources(workspace, [str(variant)], show_progress=False)
    assert {o.result for o in report.outcomes} == {"importe"} and len(report.outcomes) == 4
    expected = _content(loaded_template)
    assert _content(workspace) == expected
    # The same, spelled out: agents, pseudonyms and pay.
    sql = "SELECT count(*), list(agent_id ORDER BY agent_id), sum(remuneration_brute) FROM agent"
    assert _query(workspace, sql) == _query(loaded_template, sql)
    assert _query(workspace, "SELECT sum(remuneration_brute) FROM agent") == [(Decimal("129000.00"),)]


def test_valid_utf8_csv_is_checked_by_the_fast_path_and_a_padded_one_is_not(valid_dir: Path, workspace: Workspace,
                                                                          monkeypatch):
    staged: list[str] = []
    real = readers.read_csv

    def spy(con, path, *args, **kwargs):
        staged.append(path.name)
        return real(con, path, *args, **kwargs)

    monkeypatch.setattr(readers, "read_csv", spy)
    import_sources(workspace, [str(valid_dir)], show_progress=False)
    assert staged == []  # read straight from the files, typed by DuckDB's CSV reader
    other = Workspace.locate(workspace.root.parent / "autre").ensure()
    import_sources(other, [str(VARIANTS / "padded-values")], show_progress=False)
    assert sorted(staged) == ["absences.csv", "agents.csv", "employeurs.csv", "formations.csv"]


# ------------------------------------------------------------------ re-import, correction

def test_reimport_of_identical_files_changes_nothing(loaded: Workspace, valid_dir: Path):
    content = _content(loaded, with_import_id=True)
    log = _query(loaded, "SELECT * FROM import_log ORDER BY import_id")
    report = import_sources(loaded, [str(valid_dir)], show_progress=False)
    assert [o.result for o in report.outcomes] == ["deja_importe"] * 4
    assert "déjà importé à l'identique" in report.describe()
    # The journal gives the row counts of the skipped files, as the first import counted them.
    counted = dict(_query(loaded, "SELECT fichier, lignes FROM import_log"))
    assert {e["source"]: e["lignes"] for e in _journal_lines(loaded)[-4:]} == counted
    assert _content(loaded, with_import_id=True) == content
    assert _query(loaded, "SELECT * FROM import_log ORDER BY import_id") == log


def test_corrected_agents_file_replaces_only_its_employer_year(loaded: Workspace, tmp_path: Path):
    header, rows = _read_valid("agents")
    mende = rows[0][header.index("siret")]
    corrected = [r for r in rows if r[header.index("siret")] == mende and r[header.index("matricule")] != "M0003"]
    corrected[1][header.index("remuneration_brute")] = "27000,00"  # M0002
    path = tmp_path / "agents-mende-corrige.csv"
    path.write_text(_to_csv(header, corrected), encoding="utf-8")

    before = _content(loaded, with_import_id=True)
    report = import_sources(loaded, [str(path)], show_progress=False)
    assert [(o.kind, o.rows, o.employer_years, o.result) for o in report.outcomes] == [("agents", 3, 1, "importe")]
    after = _content(loaded, with_import_id=True)

    # Mende: the three agents of the corrected file, in a new import.
    assert _query(loaded, "SELECT count(*), sum(remuneration_brute), count(DISTINCT import_id) FROM agent "
                          "WHERE siret = ?", [mende]) == [(3, Decimal("100000.00"), 1)]
    # The other employer, and every other table, untouched (same rows, same import).
    assert [r for r in after["agent"] if r[1] != mende] == [r for r in before["agent"] if r[1] != mende]
    for table in ("employeur", "absence", "formation"):
        assert after[table] == before[table]


def test_already_imported_file_is_not_lost_when_a_neighbour_replaces_its_employer_year(
        loaded: Workspace, tmp_path: Path):
    """Two agents files share an employer-year; changing one must not drop the other's agents.

    Regression: the unchanged file was skipped as already imported, then the load replaced the
    employer-year with the changed file's rows only.
    """
    header, rows = _read_valid("agents")
    folder = tmp_path / "envoi"
    folder.mkdir()
    shutil.copy(DATA / "valid" / "employeurs-2024.csv", folder)
    (folder / "agents-1.csv").write_text(_to_csv(header, rows[:2]), encoding="utf-8")
    (folder / "agents-2.csv").write_text(_to_csv(header, rows[2:]), encoding="utf-8")
    import_sources(loaded, [str(folder)], show_progress=False)
    sql = "SELECT * EXCLUDE (import_id, grade) FROM agent ORDER BY ALL"
    before = _query(loaded, sql)

    rows[2][header.index("grade")] = "Assistant socio-éducatif principal"
    (folder / "agents-2.csv").write_text(_to_csv(header, rows[2:]), encoding="utf-8")
    report = import_sources(loaded, [str(folder)], show_progress=False)

    assert {Path(o.source).name: o.result for o in report.outcomes} == {
        "employeurs-2024.csv": "deja_importe", "agents-1.csv": "importe", "agents-2.csv": "importe"}
    assert len(before) == 5 and _query(loaded, sql) == before
    assert _query(loaded, "SELECT count(*) FROM agent WHERE grade = 'Assistant socio-éducatif principal'") == [(1,)]


def test_pseudonyms_of_absences_and_trainings_are_the_agents_hmac(loaded: Workspace, tmp_path: Path):
    """One HMAC per agent: absences take it from the batch's agents, or compute it for agents
    already in the warehouse; either way it is HMAC(key, siret:matricule)."""
    key = loaded.pseudonym_key()
    header = ["annee", "siret", "matricule", "motif", "nb_arrets", "jours"]
    path = tmp_path / "absences-corrigees.csv"
    path.write_text(_to_csv(header, [["2024", "21480095500012", "M0001", "MALADIE_ORDINAIRE", "3", "11"],
                                     ["2024", "21480095500012", "M0004", "AUTRE", "1", "2"]]), encoding="utf-8")
    import_sources(loaded, [str(path)], show_progress=False)
    agents = {a for (a,) in _query(loaded, "SELECT agent_id FROM agent")}
    for table in ("absence", "formation"):
        con = duckdb.connect(str(loaded.warehouse_path), read_only=True)
        try:
            ids = con.execute(f"SELECT siret, agent_id FROM {table}").fetchall()
        finally:
            con.close()
        assert ids and {a for _, a in ids} <= agents
    header_a, rows_a = _read_valid("agents")
    by_id = {pseudonym(key, r[header_a.index("siret")], r[header_a.index("matricule")]): r[header_a.index("matricule")]
             for r in rows_a}
    assert sorted(by_id[a] for (a,) in _query(loaded, "SELECT agent_id FROM absence WHERE siret = '21480095500012'")) \
        == ["M0001", "M0004"]


def test_rows_of_a_large_file_are_numbered_as_in_the_file(workspace: Workspace, tmp_path: Path):
    """A file read in parallel in several blocks: a duplicate near its end is reported at its line."""
    header, rows = _read_valid("agents")
    template = rows[0]
    count = 150_000  # about 37 MB: more than one block of DuckDB's parallel CSV reader
    folder = tmp_path / "envoi"
    folder.mkdir()
    shutil.copy(DATA / "valid" / "employeurs-2024.csv", folder)
    big = []
    for i in range(count):
        row = list(template)
        row[header.index("matricule")] = f"M{i:07d}"
        big.append(row)
    big[count - 10][header.index("matricule")] = big[count - 5000][header.index("matricule")]
    (folder / "agents-2024.csv").write_text(_to_csv(header, big), encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        import_sources(workspace, [str(folder)], show_progress=False)
    # Data row i is on line i + 2 (the header is line 1).
    [problem] = caught.value.problems
    assert (problem.row, problem.rule) == (count - 10 + 2, f"doublon (annee, siret, matricule) de la ligne {count - 5000 + 2}")
