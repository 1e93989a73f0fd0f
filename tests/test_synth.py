"""Tests of the demo data generator (workspace_lib.synth)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from workspace_lib import file_formats as ff
from workspace_lib import reference
from workspace_lib.synth import generate
from workspace_lib.synth import params
from workspace_lib.synth.employers import build_home, france_departements, luhn_digit, sirets_of

YEARS = [2021, 2022, 2023]
SEED = 2024
KINDS = (ff.EMPLOYEURS, ff.AGENTS, ff.ABSENCES, ff.FORMATIONS)
HEALTH = set(params.HEALTH)
NNBSP = "\u202f"


# --- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lozere(tmp_path_factory) -> tuple[Path, object]:
    """Lozère 2021-2023, CSV and XLSX."""
    out = tmp_path_factory.mktemp("lozere")
    summary = generate(out, departement="48", years=YEARS, seed=SEED, formats=("csv", "xlsx"))
    return out, summary


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture(scope="module")
def data(lozere) -> dict[str, dict[int, list[dict]]]:
    out, _ = lozere
    return {k.name: {y: read_csv(out / "csv" / str(y) / f"{k.name}-{y}.csv") for y in YEARS}
            for k in KINDS}


def num(text: str) -> float:
    return float(text.replace(",", "."))


def date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


def all_rows(data, kind):
    return [r for y in YEARS for r in data[kind][y]]


# --- determinism ------------------------------------------------------------------------------
def test_same_seed_same_bytes_other_seed_other_files(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((a, 5), (b, 5), (c, 6)):
        generate(out, departement="48", years=[2022, 2023], seed=seed, formats=("csv",))
    files = sorted(p.relative_to(a) for p in a.rglob("*.csv"))
    assert len(files) == 8
    for rel in files:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    assert (a / "csv/2023/agents-2023.csv").read_bytes() != (c / "csv/2023/agents-2023.csv").read_bytes()
    # the employers themselves (real communes, fake SIRENs) do not depend on the seed
    sirets = [[r["siret"] for r in read_csv(d / "csv/2022/employeurs-2022.csv")] for d in (a, c)]
    assert sirets[0] == sirets[1]


# --- files and format -------------------------------------------------------------------------
def test_layout_and_summary(lozere):
    out, summary = lozere
    for fmt in ("csv", "xlsx"):
        for y in YEARS:
            for k in KINDS:
                assert (out / fmt / str(y) / f"{k.name}-{y}.{fmt}").is_file()
    assert not list(out.rglob("*.tmp"))
    assert len(summary.files) == 2 * len(YEARS) * len(KINDS)
    text = summary.describe()
    assert "Lozère" in text and str(out) in text
    agents = summary.counts[2022]["agents"]
    assert agents > 1000 and f"{agents:,}".replace(",", NNBSP) in text


def test_csv_conventions(lozere):
    out, _ = lozere
    decimal = re.compile(r"^\d+(,\d{1,2})?$")
    day = re.compile(r"^\d{2}/\d{2}/\d{4}$")
    for kind in KINDS:
        raw = (out / "csv/2022" / f"{kind.name}-2022.csv").read_bytes()
        text = raw.decode("utf-8")                       # UTF-8, no BOM
        assert not text.startswith("\ufeff") and '"' not in text
        lines = text.split("\n")
        assert lines[0] == ";".join(kind.column_names)
        assert lines[-1] == ""
        assert all(line.count(";") == len(kind.columns) - 1 for line in lines[:-1])
        rows = read_csv(out / "csv/2022" / f"{kind.name}-2022.csv")
        for col in kind.columns:
            values = [r[col.name] for r in rows if r[col.name] != ""]
            if col.kind == "decimal":
                assert all(decimal.match(v) for v in values), col.name
            elif col.kind == "date":
                assert all(day.match(v) for v in values), col.name
            elif col.kind == "bool":
                assert set(values) <= {"oui", "non"}, col.name
    agents = read_csv(out / "csv/2022/agents-2022.csv")
    assert any("," in r["remuneration_brute"] for r in agents)
    assert any(r["nom"] in ("Lefèvre", "Guérin", "Noël", "Rivière") for r in agents)


def test_contract_types_ranges_and_keys(data):
    """Every value validates against file_formats: required, enums, ranges, keys, identifiers."""
    for kind in KINDS:
        for y in YEARS:
            rows = data[kind.name][y]
            assert rows, (kind.name, y)
            keys = Counter(tuple(r[c] for c in kind.key) for r in rows)
            assert max(keys.values()) == 1, f"duplicate key in {kind.name} {y}"
            for col in kind.columns:
                for r in rows:
                    v = r[col.name]
                    if v == "":
                        assert not col.required, (kind.name, col.name)
                        continue
                    if col.kind == "enum":
                        assert v in col.choices, (col.name, v)
                    elif col.kind in ("int", "decimal"):
                        x = num(v)
                        if col.kind == "int":
                            assert x == int(x)
                        assert col.minimum is None or x >= col.minimum, (col.name, v)
                        assert col.maximum is None or x <= col.maximum, (col.name, v)
                    elif col.kind == "date":
                        date(v)
                    elif col.kind == "siret":
                        assert len(v) == 14 and v.isdigit() and ff.luhn_ok(v), v
                    elif col.kind == "nir":
                        assert len(v) == 15 and v.isdigit() and int(v[13:]) == ff.nir_key(v[:13]), v
                    else:
                        assert len(v) <= col.max_length, (col.name, v)
                    if col.name == "annee":
                        assert int(v) == y


# --- employers --------------------------------------------------------------------------------
def test_employers_of_lozere(data):
    rows = data["employeurs"][2022]
    by_type = Counter(r["type"] for r in rows)
    communes = reference.communes_of("48")
    assert by_type["COMMUNE"] == len(communes) == 152
    assert by_type["EPCI_CC"] == len(reference.epci_of("48")) == 11
    for t in ("CCAS", "SYNDICAT", "SDIS", "DEPARTEMENT", "CDG"):
        assert by_type[t] >= 1, t
    assert by_type["SDIS"] == by_type["DEPARTEMENT"] == by_type["CDG"] == 1
    real = dict(zip(communes["code_insee"], communes["siren"]))
    for r in rows:
        assert ff.luhn_ok(r["siret"]) and ff.luhn_ok(r["siret"][:9])
        if r["type"] == "COMMUNE":
            assert r["siret"][:9] == real[r["code_insee"]]
    sirets = [r["siret"] for r in rows]
    assert len(set(sirets)) == len(sirets)
    # the fake SIRENs do not collide with real ones
    real_sirens = set(reference.table("communes")["siren"].dropna()) | set(reference.table("epci")["siren"])
    fake = [r["siret"][:9] for r in rows if r["type"] not in ("COMMUNE", "EPCI_CC")]
    assert fake and not set(fake) & real_sirens
    # same employers every year
    assert [r["siret"] for r in data["employeurs"][2021]] == [r["siret"] for r in data["employeurs"][2023]]
    transmitted = [r["rsu_transmis"] == "oui" for y in YEARS for r in data["employeurs"][y]]
    assert 0.85 <= sum(transmitted) / len(transmitted) <= 0.98
    assert all(r["affilie"] == "oui" for r in rows if r["type"] == "COMMUNE" and int(r["population"]) < 5000)
    dep = next(r for r in rows if r["type"] == "DEPARTEMENT")
    assert dep["nom"] == "Département de la Lozère" and dep["affilie"] == "non"


def test_employer_amounts(data):
    for y in YEARS:
        pay = defaultdict(float)
        for a in data["agents"][y]:
            pay[a["siret"]] += num(a["remuneration_brute"])
        for e in data["employeurs"][y]:
            if e["rsu_transmis"] == "non":
                assert e["depenses_personnel"] == "" and e["siret"] not in pay
                continue
            p = pay.get(e["siret"], 0.0)
            assert num(e["depenses_personnel"]) == pytest.approx(p * 1.45, rel=0.04, abs=1)
            assert num(e["cotisation_cnfpt"]) == pytest.approx(p * 0.009, abs=0.02)


# --- headcount and calibration ----------------------------------------------------------------
def test_headcount_lozere(lozere, data):
    _, summary = lozere
    for y in YEARS:
        present = sum(r["present_31_12"] == "oui" for r in data["agents"][y])
        assert present == summary.agents_present[y]
        assert 3000 <= present <= 4000, (y, present)
    pop = {r["siret"]: int(r["population"]) for r in data["employeurs"][2022] if r["type"] == "COMMUNE"}
    per_emp = Counter(r["siret"] for r in data["agents"][2022] if r["present_31_12"] == "oui")
    tiny = [per_emp[s] for s, p in pop.items() if p < 100]
    assert tiny and max(tiny) <= 2
    assert max(per_emp[s] for s, p in pop.items() if p < 1000) <= 28
    mende = next(s for s, p in pop.items() if p > 10000)
    assert 150 <= per_emp[mende] <= 450


def test_calibration_shares_lozere(data):
    agents = all_rows(data, "agents")
    n = len(agents)
    share = lambda pred: sum(1 for r in agents if pred(r)) / n  # noqa: E731
    assert 0.57 <= share(lambda r: r["sexe"] == "F") <= 0.65
    assert 0.70 <= share(lambda r: r["statut"] in ("TITULAIRE", "STAGIAIRE")) <= 0.82
    assert 0.15 <= share(lambda r: r["statut"].startswith("CONTRACTUEL")) <= 0.28
    with_cat = [r["categorie"] for r in agents if r["categorie"]]
    cats = Counter(with_cat)
    assert 0.05 <= cats["A"] / len(with_cat) <= 0.12
    assert 0.10 <= cats["B"] / len(with_cat) <= 0.18
    assert 0.70 <= cats["C"] / len(with_cat) <= 0.84
    assert len(with_cat) / n >= 0.94
    assert all(r["statut"] in ("APPRENTI", "CONTRAT_AIDE", "ASSISTANT_MATERNEL_FAMILIAL", "COLLABORATEUR_CABINET")
               for r in agents if not r["categorie"])
    assert 0.38 <= share(lambda r: r["filiere"] == "TECHNIQUE") <= 0.50
    ages = [int(r["annee"]) - date(r["date_naissance"]).year for r in agents]
    assert 44 <= sum(ages) / n <= 48
    assert 0.36 <= sum(a >= 50 for a in ages) / n <= 0.50
    part_time = [r for r in agents if num(r["quotite"]) < 100]
    assert 0.06 <= len(part_time) / n <= 0.15
    assert sum(r["sexe"] == "F" for r in part_time) / len(part_time) >= 0.75
    assert 0.03 <= share(lambda r: r["boeth"] == "oui") <= 0.09
    full_c = [num(r["remuneration_brute"]) for r in agents if r["categorie"] == "C" and r["jours_remuneres"] == "365"
              and r["heures_hebdo"] == "35" and r["quotite"] == "100"]
    assert 24000 <= sum(full_c) / len(full_c) <= 29000


def test_absences_and_training_calibration(data):
    agents = all_rows(data, "agents")
    size = Counter((r["annee"], r["siret"]) for r in agents)
    health = defaultdict(int)
    stops = 0
    for r in all_rows(data, "absences"):
        stops += int(r["nb_arrets"])
        if r["motif"] in HEALTH:
            health[(r["annee"], r["siret"], r["matricule"])] += int(r["jours"])

    def mean_health(pred):
        group = [r for r in agents if pred(size[(r["annee"], r["siret"])])]
        return sum(health[(r["annee"], r["siret"], r["matricule"])] for r in group) / len(group)

    small, big = mean_health(lambda n: n < 10), mean_health(lambda n: n >= 350)
    assert small < 0.8 * big
    assert 8 <= small <= 20 and 18 <= big <= 32
    assert 30 <= 100 * stops / len(agents) <= 80
    days = defaultdict(float)
    cnfpt = total = 0.0
    for r in all_rows(data, "formations"):
        d = num(r["jours"])
        assert 0.5 <= d <= 366 and (2 * d) == int(2 * d)
        days[(r["annee"], r["siret"], r["matricule"])] += d
        total += d
        cnfpt += d if r["organisme"] == "CNFPT" else 0
    assert 1.5 <= total / len(agents) <= 3.0
    assert 0.38 <= len(days) / len(agents) <= 0.56
    assert cnfpt / total >= 0.5
    fonct = [r for r in agents if r["statut"] in ("TITULAIRE", "STAGIAIRE")]
    contr = [r for r in agents if r["statut"].startswith("CONTRACTUEL")]
    trained = lambda rows: sum((r["annee"], r["siret"], r["matricule"]) in days for r in rows) / len(rows)  # noqa: E731
    assert trained(fonct) > trained(contr) + 0.08


# --- agents: identity and coherence -----------------------------------------------------------
def test_nir_sexe_birth_date(data):
    for r in all_rows(data, "agents"):
        nir, born = r["nir"], date(r["date_naissance"])
        assert int(nir[13:]) == 97 - int(nir[:13]) % 97
        assert nir[0] == ("2" if r["sexe"] == "F" else "1")
        assert nir[1:3] == f"{born.year % 100:02d}" and nir[3:5] == f"{born.month:02d}"
        assert 16 <= int(r["annee"]) - born.year <= 67


def test_agent_fields_coherence(data):
    label = re.compile(r"^[\w' \-.,]+$")
    for y in YEARS:
        for r in data["agents"][y]:
            brute = num(r["remuneration_brute"])
            ri = num(r["regime_indemnitaire"] or "0")
            nbi = num(r["nbi"] or "0")
            assert ri + nbi <= brute + 0.01
            assert (r["temps_travail"] == "NON_COMPLET") == (num(r["heures_hebdo"]) < 35)
            if r["date_sortie"]:
                out = date(r["date_sortie"])
                assert out.year == y and r["motif_sortie"] and r["present_31_12"] == "non"
            else:
                assert not r["motif_sortie"] and r["present_31_12"] == "oui"
            if r["date_entree"]:
                assert date(r["date_entree"]).year == y and r["motif_entree"]
                if r["date_sortie"]:
                    assert date(r["date_entree"]) <= date(r["date_sortie"])
            if r["date_entree"] or r["date_sortie"]:
                assert int(r["jours_remuneres"]) < 366
            elif r["position"] == "ACTIVITE":
                assert r["jours_remuneres"] == "365"
            for col in ("cadre_emplois", "grade"):
                assert not r[col] or label.match(r[col]), r[col]
            assert re.match(r"^M\d{6}$", r["matricule"])
            if r["emploi_fonctionnel"] == "oui":
                assert r["categorie"] == "A"
            if r["motif_sortie"] == "FIN_CONTRAT":
                assert r["statut"] not in ("TITULAIRE", "STAGIAIRE")


def test_movements_same_agents_across_years(data):
    def index(y):
        return {(r["siret"], r["matricule"]): r for r in data["agents"][y]}

    transmitted = {y: {r["siret"] for r in data["employeurs"][y] if r["rsu_transmis"] == "oui"} for y in YEARS}
    for y in YEARS[:-1]:
        now, nxt = index(y), index(y + 1)
        both = transmitted[y] & transmitted[y + 1]
        left = [k for k, r in now.items() if r["date_sortie"] and k[0] in both]
        assert left and not any(k in nxt for k in left)
        stayed = [k for k, r in now.items() if r["present_31_12"] == "oui" and k[0] in both]
        kept = [k for k in stayed if k in nxt]
        assert len(kept) == len(stayed)           # everyone present on 31/12 is there next year
        for k in kept:
            a, b = now[k], nxt[k]
            assert (a["nir"], a["nom"], a["prenom"], a["date_naissance"]) == \
                   (b["nir"], b["nom"], b["prenom"], b["date_naissance"])
        new = [k for k, r in nxt.items() if not r["date_entree"] and k[0] in both]
        assert all(k in now for k in new)          # no entry date: was already there
        exits = sum(1 for r in now.values() if r["date_sortie"]) / len(now)
        assert 0.04 <= exits <= 0.12
    motifs = Counter(r["motif_sortie"] for r in all_rows(data, "agents") if r["motif_sortie"])
    assert {"RETRAITE", "MUTATION", "FIN_CONTRAT", "DEMISSION"} <= set(motifs)
    retired = [r for r in all_rows(data, "agents") if r["motif_sortie"] == "RETRAITE"]
    assert sum(int(r["annee"]) - date(r["date_naissance"]).year >= 60 for r in retired) / len(retired) > 0.9
    promoted = sum(1 for r in all_rows(data, "agents") if r["motif_entree"] == "CONCOURS")
    assert promoted > 0


def test_referential_integrity(data):
    for y in YEARS:
        employers = {r["siret"]: r for r in data["employeurs"][y]}
        agents = {(r["siret"], r["matricule"]): r for r in data["agents"][y]}
        for r in data["agents"][y]:
            assert employers[r["siret"]]["rsu_transmis"] == "oui"
        per_agent = defaultdict(int)
        for r in data["absences"][y]:
            agent = agents[(r["siret"], r["matricule"])]
            assert 1 <= int(r["nb_arrets"]) <= int(r["jours"]) <= 366
            if r["motif"] == "MATERNITE":
                assert agent["sexe"] == "F"
            if r["motif"] == "PATERNITE":
                assert agent["sexe"] == "M"
            per_agent[(r["siret"], r["matricule"])] += int(r["jours"])
        assert max(per_agent.values()) <= 366
        for r in data["formations"][y]:
            assert (r["siret"], r["matricule"]) in agents


def test_not_transmitted_means_no_rows(data):
    for y in YEARS:
        missing = {r["siret"] for r in data["employeurs"][y] if r["rsu_transmis"] == "non"}
        assert missing
        for kind in ("agents", "absences", "formations"):
            assert not any(r["siret"] in missing for r in data[kind][y])


# --- XLSX -------------------------------------------------------------------------------------
def test_xlsx_matches_csv(lozere, data):
    openpyxl = pytest.importorskip("openpyxl")
    out, _ = lozere
    for kind in KINDS:
        path = out / "xlsx/2022" / f"{kind.name}-2022.xlsx"
        workbook = openpyxl.load_workbook(path, read_only=True)
        sheet = workbook.active
        assert sheet.title == kind.name
        rows = list(sheet.iter_rows(values_only=True))
        workbook.close()
        assert list(rows[0]) == list(kind.column_names)
        assert len(rows) - 1 == len(data[kind.name][2022])
        first_csv, first_x = data[kind.name][2022][0], dict(zip(rows[0], rows[1]))
        assert first_x["siret"] == first_csv["siret"]               # text, leading zeros kept
        if kind is ff.AGENTS:
            assert first_x["date_naissance"].strftime("%d/%m/%Y") == first_csv["date_naissance"]
            assert first_x["remuneration_brute"] == pytest.approx(num(first_csv["remuneration_brute"]))


# --- France -----------------------------------------------------------------------------------
def test_france_expected_headcount():
    """The calibration gives about 2.0 M agents for France (expected values, no simulation)."""
    import numpy as np

    deps = france_departements()
    assert len(deps) >= 101 and "48" in deps and "2A" in deps
    total = sum(build_home(d, np.random.default_rng(0)).arrays()["mean"].sum() for d in deps)
    assert 1.85e6 <= total <= 2.15e6


def test_france_without_xlsx(tmp_path):
    summary = generate(tmp_path, departement=None, years=[2022], seed=1, formats=("xlsx",))
    assert summary.xlsx_skipped and not list(tmp_path.rglob("*.xlsx"))
    assert "XLSX" in summary.describe()


@pytest.mark.slow
def test_france_one_year(tmp_path):
    summary = generate(tmp_path, departement=None, years=[2023], seed=3, formats=("csv", "xlsx"))
    assert 1.8e6 <= summary.agents_present[2023] <= 2.2e6
    assert 1.8e6 <= summary.counts[2023]["agents"] <= 2.3e6
    assert summary.xlsx_skipped and len(summary.files) == 4
    header = (tmp_path / "csv/2023/agents-2023.csv").open(encoding="utf-8").readline().strip()
    assert header == ";".join(ff.AGENTS.column_names)


# --- helpers and errors -----------------------------------------------------------------------
def test_luhn_helpers():
    for body in ("21480095", "26048001", "12345678"):
        assert ff.luhn_ok(body + luhn_digit(body))
    sirets = sirets_of(["214800950", "200069102"])
    assert all(len(s) == 14 and ff.luhn_ok(s) for s in sirets)


def test_errors(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, departement="48", years=[2022], seed=1, formats=("pdf",))
    with pytest.raises(KeyError):
        generate(tmp_path, departement="00", years=[2022], seed=1, formats=("csv",))
