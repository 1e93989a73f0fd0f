"""Statistical disclosure control of aggregate tables: primary rules, secondary suppression,
LP audit (function and ``audit-disclosure`` command), transparency files and display."""

from __future__ import annotations

import itertools
import json
import math
import time

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from workspace_lib.config import Workspace
from workspace_lib.disclosure import (
    LEGENDE_SECRET,
    PUBLIE,
    SECRET_PRIMAIRE,
    SECRET_SECONDAIRE,
    Rules,
    Table,
    audit_tables,
    display_frame,
    protect,
    read_tables_json,
    table_from_records,
    write_tables_json,
)
from workspace_lib.disclosure.cli import audit_disclosure
from workspace_lib.fr import NARROW_NBSP

TOTAL = "Ensemble"
ONE_EMPLOYER = {"siret": "21480095900011", "annee": 2024}


def crossed(id: str, dims: list[str], body: dict[tuple, float], *, mesure: str = "effectif",
            perimetre: dict | None = None, extra: dict[tuple, dict] | None = None,
            linked_to: str | None = None) -> Table:
    """A table with every margin from its body cells ``{(member, ...): value}``.

    ``effectif`` is the value for an effectif table, else given per cell in ``extra`` (margins
    get the sum of effectifs); ``nb_employeurs`` defaults to 10.
    """
    extra = extra or {}
    members = [list(dict.fromkeys(k[d] for k in body)) for d in range(len(dims))]
    rows = []
    for combo in itertools.product(*[[*m, TOTAL] for m in members]):
        inside = [k for k in body if all(c in (TOTAL, k[d]) for d, c in enumerate(combo))]
        value = sum(body[k] for k in inside)
        info = {"effectif": sum(extra.get(k, {}).get("effectif", body[k]) for k in inside),
                "nb_employeurs": 10, "part_max": 0.1}
        if combo in extra:
            info.update(extra[combo])
        rows.append({**dict(zip(dims, combo)), "valeur": value, **info})
    return Table(id=id, titre=id, mesure=mesure, perimetre=dict(perimetre or ONE_EMPLOYER),
                 dimensions=list(dims), cells=pd.DataFrame(rows), linked_to=linked_to)


def status(table: Table) -> dict[tuple, str]:
    cells = table.cells
    return {tuple(r[d] for d in table.dimensions): r["statut"] for _, r in cells.iterrows()}


def hidden(table: Table) -> set[tuple]:
    return {k for k, s in status(table).items() if s != PUBLIE}


# A 2x3 table with totals: one small cell (F, A).
BODY_2X3 = {("F", "A"): 2, ("F", "B"): 20, ("F", "C"): 30, ("M", "A"): 15, ("M", "B"): 25, ("M", "C"): 40}


# --- primary rules ---------------------------------------------------------------------------

def test_rules_defaults_and_settings(tmp_path):
    rules = Rules()
    assert (rules.min_effectif, rules.min_contributeurs_montant, rules.dominance, rules.min_employeurs) == (5, 11, 0.85, 3)
    assert rules.intervalle == 5 and rules.zero_sensible is False
    ws = Workspace.locate(tmp_path).ensure()
    assert Rules.from_settings(ws.settings()) == Rules()  # the defaults written in a new workspace
    ws.settings_path.write_text(
        "[secret_statistique]\nmin_effectif = 3\nprotection_interval = 4\nzero_sensible = true\n",
        encoding="utf-8",
    )
    rules = Rules.from_settings(ws.settings())
    assert rules.min_effectif == 3 and rules.intervalle == 4 and rules.zero_sensible
    assert Rules.from_settings({}) == Rules()
    with pytest.raises(ValueError, match="réglage inconnu : min_efectif"):
        Rules.from_settings({"secret_statistique": {"min_efectif": 3}})
    with pytest.raises(ValueError, match="entier"):
        Rules.from_settings({"secret_statistique": {"min_effectif": 2.5}})


def test_zero_is_published_unless_configured():
    table = crossed("t", ["sexe"], {("F",): 0, ("M",): 40})
    assert status(protect([table])[0])[("F",)] == PUBLIE
    strict = protect([table], Rules(zero_sensible=True))[0]
    assert status(strict)[("F",)] == SECRET_PRIMAIRE


def test_montant_contributors_and_dominance():
    body = {("A",): 300_000.0, ("B",): 900_000.0, ("C",): 2_000_000.0, ("D",): 1_500_000.0}
    extra = {("A",): {"effectif": 10, "part_max": 0.2},      # fewer than 11 contributors
             ("B",): {"effectif": 30, "part_max": 0.9},      # one agent > 85 %
             ("C",): {"effectif": 80, "part_max": 0.05},
             ("D",): {"effectif": 60, "part_max": 0.05},
             (TOTAL,): {"part_max": 0.3}}
    table = crossed("paie", ["categorie"], body, mesure="montant", extra=extra)
    st = status(protect([table])[0])
    assert st[("A",)] == SECRET_PRIMAIRE
    assert st[("B",)] == SECRET_PRIMAIRE
    assert st[(TOTAL,)] == PUBLIE
    # Two suppressed cells in the only line: their sum is known but not each one.
    assert st[("C",)] == PUBLIE and st[("D",)] == PUBLIE
    # Relaxed rules: nothing sensitive.
    relaxed = protect([table], Rules(min_contributeurs_montant=5, dominance=0.95))[0]
    assert set(status(relaxed).values()) == {PUBLIE}
    with pytest.raises(ValueError, match="part_max"):
        protect([Table(id="x", titre="x", mesure="montant", perimetre=ONE_EMPLOYER, dimensions=[],
                       cells=pd.DataFrame({"valeur": [1.0], "effectif": [20]}))])


def test_multi_employer_rule_only_across_employers():
    body = {("A",): 40, ("B",): 50, ("C",): 60}
    extra = {("A",): {"nb_employeurs": 2}, ("B",): {"nb_employeurs": 1}, ("C",): {"nb_employeurs": 7}}
    departement = crossed("t", ["categorie"], body, perimetre={"departement": "48", "annee": 2024}, extra=extra)
    st = status(protect([departement])[0])
    assert st[("A",)] == SECRET_PRIMAIRE and st[("B",)] == SECRET_PRIMAIRE
    assert st[("C",)] == PUBLIE   # A + B is known, each of them is not
    one = crossed("t", ["categorie"], body, extra=extra)   # perimetre with a siret
    assert set(status(protect([one])[0]).values()) == {PUBLIE}


def test_reserved_dimension_and_bad_tables():
    with pytest.raises(ValueError, match="statut_agent"):
        crossed("t", ["statut"], {("TITULAIRE",): 10, ("CONTRACTUEL",): 12})
    bad = crossed("t", ["sexe"], {("F",): 10, ("M",): 12})
    bad.cells.loc[bad.cells["sexe"] == TOTAL, "valeur"] = 30
    with pytest.raises(ValueError, match="non additif"):
        protect([bad])
    with pytest.raises(ValueError, match="mesure"):
        Table(id="t", titre="t", mesure="moyenne", perimetre={}, dimensions=[], cells=pd.DataFrame({"valeur": [1]}))


# --- secondary suppression -------------------------------------------------------------------

def test_single_small_cell_forces_a_rectangle():
    out = protect([crossed("t", ["sexe", "categorie"], BODY_2X3)])[0]
    st = status(out)
    assert st[("F", "A")] == SECRET_PRIMAIRE
    # One more in its row, one more in its column, and the fourth corner: the cheapest ones.
    assert hidden(out) == {("F", "A"), ("F", "B"), ("M", "A"), ("M", "B")}
    assert all(st[k] == SECRET_SECONDAIRE for k in [("F", "B"), ("M", "A"), ("M", "B")])
    # Margins and grand total are published; suppressed cells carry no value nor effectif.
    cells = out.cells.set_index(["sexe", "categorie"])
    assert cells.loc[(TOTAL, TOTAL), "valeur"] == 132
    assert cells.loc[("F", "A"), "valeur"] is None and cells.loc[("F", "A"), "effectif"] is None
    assert cells.loc[("F", "C"), "valeur"] == 30
    report = audit_tables([out])
    assert report.ok
    assert min(c.largeur for c in report.intervalles) >= 5


def test_plain_list_needs_no_secondary_suppression():
    table = Table(id="liste", titre="liste", mesure="effectif", perimetre=ONE_EMPLOYER, dimensions=["grade"],
                  cells=pd.DataFrame({"grade": ["g1", "g2", "g3"], "valeur": [3, 40, 50]}))
    assert hidden(protect([table])[0]) == {("g1",)}


def test_three_dimensions():
    rng = np.random.default_rng(3)
    body = {k: int(rng.integers(6, 60)) for k in itertools.product("FM", "ABC", ["ADM", "TECH", "SOC", "CULT"])}
    body[("F", "A", "CULT")] = 1
    body[("M", "B", "SOC")] = 3
    body[("M", "C", "ADM")] = 0
    out = protect([crossed("t3", ["sexe", "categorie", "filiere"], body)])[0]
    st = status(out)
    assert st[("F", "A", "CULT")] == SECRET_PRIMAIRE and st[("M", "B", "SOC")] == SECRET_PRIMAIRE
    assert st[("M", "C", "ADM")] == PUBLIE
    assert st[(TOTAL, TOTAL, TOTAL)] == PUBLIE
    # A hypercube in 3 dimensions has 8 corners: at least 8 cells per primary, usually shared.
    assert 8 <= len(hidden(out)) <= 16
    assert audit_tables([out]).ok


def _random_report(seed: int, n: int) -> list[Table]:
    rng = np.random.default_rng(seed)
    rec = pd.DataFrame({
        "siret": rng.choice([f"{i:014d}" for i in range(12)], n),
        "sexe": rng.choice(["F", "M"], n, p=[0.6, 0.4]),
        "categorie": rng.choice(["A", "B", "C"], n, p=[0.1, 0.2, 0.7]),
        "filiere": rng.choice(["ADMINISTRATIVE", "TECHNIQUE", "SOCIALE", "CULTURELLE", "ANIMATION"], n,
                              p=[0.3, 0.4, 0.15, 0.1, 0.05]),
        "remuneration": rng.normal(28_000, 4_000, n),
    })
    per = {"departement": "48", "annee": 2024}
    kw = dict(perimetre=per, titre="t")
    return [
        table_from_records(rec, id="sc", mesure="effectif", dimensions=["sexe", "categorie"], **kw),
        table_from_records(rec, id="sf", mesure="effectif", dimensions=["sexe", "filiere"], **kw),
        table_from_records(rec, id="csf", mesure="effectif", dimensions=["categorie", "filiere", "sexe"], **kw),
        table_from_records(rec, id="paie", mesure="montant", dimensions=["categorie", "sexe"],
                           valeur="remuneration", **kw),
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_published_cell_breaks_a_primary_rule(seed):
    rules = Rules()
    tables = _random_report(seed, 250)
    out = protect(tables, rules)
    for before, after in zip(tables, out):
        published = after.cells["statut"] == PUBLIE
        eff = before.cells.loc[published, "effectif"].astype(float)
        assert ((eff == 0) | (eff >= rules.min_effectif)).all(), after.id
        employers = before.cells.loc[published, "nb_employeurs"].astype(float)
        assert ((employers == 0) | (employers >= rules.min_employeurs)).all(), after.id
        if after.mesure == "montant":
            assert ((eff == 0) | (eff >= rules.min_contributeurs_montant)).all()
            assert (before.cells.loc[published, "part_max"] <= rules.dominance).all()
        # Suppressed cells publish nothing, published ones their exact value.
        assert after.cells.loc[~published, "valeur"].isna().all()
        assert (after.cells.loc[published, "valeur"].astype(float).to_numpy()
                == before.cells.loc[published, "valeur"].astype(float).to_numpy()).all()
        assert not (after.cells[[*after.dimensions]] == TOTAL).all(axis=1)[~published].any(), \
            "grand total suppressed"
    report = audit_tables(out)
    assert report.ok, report.describe()


# Linked tables: one employer of 15 agents, effectif by sexe x catégorie and by sexe x filière.
SEXE_CATEGORIE = {("F", "A"): 2, ("F", "B"): 2, ("F", "C"): 6, ("M", "A"): 0, ("M", "B"): 0, ("M", "C"): 5}
SEXE_FILIERE = {("F", "ADM"): 4, ("F", "SOC"): 2, ("F", "TECH"): 4, ("M", "ADM"): 1, ("M", "SOC"): 1, ("M", "TECH"): 3}


def test_tables_sharing_a_margin_are_protected_together():
    sc = crossed("effectif_sexe_categorie", ["sexe", "categorie"], SEXE_CATEGORIE)
    sf = crossed("effectif_sexe_filiere", ["sexe", "filiere"], SEXE_FILIERE)
    alone = protect([sc]) + protect([sf])
    # Each table protected alone passes its own audit...
    assert audit_tables(alone[:1]).ok and audit_tables(alone[1:]).ok
    # ... but the sexe margin the second hides is published by the first.
    leak = audit_tables(alone)
    assert not leak.ok
    assert any(c.motif for c in leak.faibles)
    joint = protect([sc, sf])
    report = audit_tables(joint)
    assert report.ok, report.describe()
    # The shared margin has one status in both tables.
    for sexe in ("F", "M", TOTAL):
        assert status(joint[0])[(sexe, TOTAL)] == status(joint[1])[(sexe, TOTAL)]


def test_table_over_years_linked_to_a_yearly_table():
    years = crossed("effectif_annee_sexe", ["annee", "sexe"],
                    {("2023", "F"): 3, ("2023", "M"): 40, ("2024", "F"): 30, ("2024", "M"): 45},
                    perimetre={"siret": ONE_EMPLOYER["siret"]})
    detail = crossed("effectif_sexe_categorie_2024", ["sexe", "categorie"],
                     {("F", "A"): 8, ("F", "B"): 10, ("F", "C"): 12, ("M", "A"): 10, ("M", "B"): 15, ("M", "C"): 20},
                     perimetre=ONE_EMPLOYER)
    alone = protect([years]) + protect([detail])
    leak = audit_tables(alone)
    assert not leak.ok
    assert any(c.cellule == {"annee": "2023", "sexe": "F"} and c.motif == "valeur déterminée exactement"
               for c in leak.faibles)
    joint = protect([years, detail])
    assert audit_tables(joint).ok
    assert status(joint[0])[("2023", "F")] == SECRET_PRIMAIRE


def test_taux_follows_its_effectif_table():
    eff = crossed("effectif", ["sexe", "categorie"], BODY_2X3)
    rates = eff.cells[["categorie", "sexe", "effectif", "nb_employeurs"]].copy()   # other order
    rates["valeur"] = np.linspace(3.0, 9.0, len(rates))
    rates.loc[(rates["sexe"] == "M") & (rates["categorie"] == "C"), "effectif"] = 4   # own rule
    taux = Table(id="taux_absenteisme", titre="Taux", mesure="taux", perimetre=ONE_EMPLOYER,
                 dimensions=["categorie", "sexe"], cells=rates, linked_to="effectif")
    out_eff, out_taux = protect([eff, taux])
    st = {(s, c): v for (c, s), v in status(out_taux).items()}
    for key, s in status(out_eff).items():
        if s != PUBLIE:
            assert st[key] != PUBLIE
    assert st[("F", "A")] == SECRET_PRIMAIRE
    assert st[("F", "B")] == SECRET_SECONDAIRE
    assert st[("M", "C")] == SECRET_PRIMAIRE
    assert st[(TOTAL, TOTAL)] == PUBLIE
    assert out_taux.cells.loc[out_taux.cells["statut"] != PUBLIE, "valeur"].isna().all()
    with pytest.raises(ValueError, match="lié"):
        protect([taux])


def test_additive_table_follows_its_link():
    eff = crossed("effectif", ["sexe", "categorie"], BODY_2X3)
    days = {k: 10.0 * v + 7 for k, v in BODY_2X3.items()}
    extra = {k: {"effectif": v + 6} for k, v in BODY_2X3.items()}   # no rule of its own
    jours = crossed("jours", ["sexe", "categorie"], days, mesure="jours", extra=extra, linked_to="effectif")
    out_eff, out_jours = protect([eff, jours])
    assert hidden(out_eff) <= hidden(out_jours)
    assert audit_tables([out_eff, out_jours]).ok


def test_report_of_typical_size_is_fast():
    tables = _random_report(5, 3000) * 1
    tables = [t for t in tables] + [
        table_from_records(pd.DataFrame({"siret": ["1"] * 50, "x": list("ab") * 25}), id=f"l{i}", titre="t",
                           mesure="effectif", perimetre={"departement": "48", "annee": 2000 + i}, dimensions=["x"])
        for i in range(10)
    ]
    protect(tables)
    start = time.perf_counter()
    protect(tables)
    assert time.perf_counter() - start < 1.0


# --- audit command ---------------------------------------------------------------------------

def _under_protected() -> Table:
    """The 2x3 table with only (F, A) and (F, B) suppressed: both recomputable from column totals."""
    out = protect([crossed("t", ["sexe", "categorie"], BODY_2X3)])[0]
    cells = out.cells.copy()
    original = crossed("t", ["sexe", "categorie"], BODY_2X3).cells
    cells["valeur"] = original["valeur"].astype(object)
    cells["statut"] = PUBLIE
    for (s, c), st in ((("F", "A"), SECRET_PRIMAIRE), (("F", "B"), SECRET_SECONDAIRE)):
        row = (cells["sexe"] == s) & (cells["categorie"] == c)
        cells.loc[row, "statut"] = st
        cells.loc[row, "valeur"] = None
    out.cells = cells
    return out


def test_audit_command_catches_an_under_protected_table(tmp_path):
    path = write_tables_json(tmp_path / "rapport.tables.json", [_under_protected()])
    result = CliRunner().invoke(audit_disclosure, [str(path)])
    assert result.exit_code == 1, result.output
    assert "Verdict : protection insuffisante." in result.output
    assert "valeur déterminée exactement" in result.output
    assert "sexe = F, categorie = A, secret primaire" in result.output
    assert "[2 ; 2]" in result.output


def test_audit_command_passes_protected_output(tmp_path):
    tables = protect([crossed("sc", ["sexe", "categorie"], SEXE_CATEGORIE),
                      crossed("sf", ["sexe", "filiere"], SEXE_FILIERE)])
    path = write_tables_json(tmp_path / "rapport.tables.json", tables)
    result = CliRunner().invoke(audit_disclosure, [str(path)])
    assert result.exit_code == 0, result.output
    assert "Verdict : protection suffisante." in result.output
    assert "2 tableaux, 24 cellules" in result.output
    # A higher threshold than the protection was built for fails.
    result = CliRunner().invoke(audit_disclosure, [str(path), "--seuil", "50"])
    assert result.exit_code == 1
    assert "intervalle plus étroit que 50" in result.output


def test_audit_command_files_one_by_one_or_together(tmp_path):
    sc = protect([crossed("sc", ["sexe", "categorie"], SEXE_CATEGORIE)])
    sf = protect([crossed("sf", ["sexe", "filiere"], SEXE_FILIERE)])
    a = write_tables_json(tmp_path / "a.tables.json", sc)
    b = write_tables_json(tmp_path / "b.tables.json", sf)
    separately = CliRunner().invoke(audit_disclosure, [str(a), str(b)])
    assert separately.exit_code == 0, separately.output
    assert "Verdict global : protection suffisante." in separately.output
    together = CliRunner().invoke(audit_disclosure, [str(a), str(b), "--ensemble"])
    assert together.exit_code == 1, together.output
    assert "protection insuffisante" in together.output


def test_audit_command_flags_a_published_small_count_and_bad_files(tmp_path):
    table = crossed("t", ["sexe"], {("F",): 3, ("M",): 40})
    table.cells["statut"] = PUBLIE
    path = write_tables_json(tmp_path / "brut.tables.json", [table])
    result = CliRunner().invoke(audit_disclosure, [str(path)])
    assert result.exit_code == 1
    assert "effectif publié inférieur au seuil" in result.output
    broken = tmp_path / "casse.tables.json"
    broken.write_text("{", encoding="utf-8")
    result = CliRunner().invoke(audit_disclosure, [str(broken)])
    assert result.exit_code == 2 and "illisible" in result.output


def test_audit_threshold_from_workspace_settings(tmp_path, monkeypatch):
    ws = Workspace.locate(tmp_path / "espace").ensure()
    ws.settings_path.write_text("[secret_statistique]\nmin_effectif = 30\n", encoding="utf-8")
    path = write_tables_json(tmp_path / "r.tables.json", protect([crossed("t", ["sexe", "categorie"], BODY_2X3)]))
    result = CliRunner().invoke(audit_disclosure, [str(path)], obj=ws)
    assert result.exit_code == 1 and "au moins 30" in result.output


# --- transparency file and display -----------------------------------------------------------

def test_tables_json_schema_and_round_trip(tmp_path):
    eff = crossed("effectif_sexe_categorie", ["sexe", "categorie"], BODY_2X3)
    days = {k: 10.5 * v for k, v in BODY_2X3.items()}
    jours = crossed("jours", ["sexe", "categorie"], days, mesure="jours",
                    extra={k: {"effectif": v} for k, v in BODY_2X3.items()})
    tables = protect([eff, jours])
    path = write_tables_json(tmp_path / "rapport.tables.json", tables)
    assert [p.name for p in tmp_path.iterdir()] == ["rapport.tables.json"]   # no temporary left
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert list(doc) == ["tables"]
    first = doc["tables"][0]
    assert list(first) == ["id", "titre", "mesure", "perimetre", "dimensions", "total", "cellules"]
    assert first["mesure"] == "effectif" and first["total"] == "Ensemble"
    assert first["perimetre"] == {"siret": "21480095900011", "annee": 2024}
    assert first["dimensions"] == ["sexe", "categorie"]
    for table in doc["tables"]:
        for cell in table["cellules"]:
            assert list(cell) == [*table["dimensions"], "valeur", "statut"]
            assert cell["statut"] in ("publie", "secret_primaire", "secret_secondaire")
            assert (cell["valeur"] is None) == (cell["statut"] != "publie")
    fa = next(c for c in first["cellules"] if c["sexe"] == "F" and c["categorie"] == "A")
    assert fa == {"sexe": "F", "categorie": "A", "valeur": None, "statut": "secret_primaire"}
    fc = next(c for c in first["cellules"] if c["sexe"] == "F" and c["categorie"] == "C")
    assert fc == {"sexe": "F", "categorie": "C", "valeur": 30, "statut": "publie"}
    assert type(fc["valeur"]) is int

    back = read_tables_json(path)
    assert [t.id for t in back] == [t.id for t in tables]
    for before, after in zip(tables, back):
        assert (after.mesure, after.perimetre, after.dimensions, after.total, after.titre) == \
               (before.mesure, before.perimetre, before.dimensions, before.total, before.titre)
        cols = [*before.dimensions, "valeur", "statut"]
        assert after.cells[cols].astype(str).equals(before.cells[cols].astype(str))
    write_tables_json(tmp_path / "encore.tables.json", back)
    assert json.loads((tmp_path / "encore.tables.json").read_text(encoding="utf-8")) == doc

    with pytest.raises(ValueError, match="non protégé"):
        write_tables_json(tmp_path / "x.tables.json", [eff])


def test_display_frame_shows_s_and_french_numbers():
    body = {("F", "A"): 2, ("F", "B"): 1200, ("F", "C"): 3000, ("M", "A"): 15, ("M", "B"): 2500, ("M", "C"): 4000}
    out = protect([crossed("t", ["sexe", "categorie"], body)])[0]
    frame = display_frame(out)
    assert list(frame.index) == ["F", "M", TOTAL]
    assert list(frame.columns) == ["A", "B", "C", TOTAL]
    assert frame.loc["F", "A"] == "s"
    assert frame.loc[TOTAL, TOTAL] == f"10{NARROW_NBSP}717"
    assert frame.loc["M", "C"] == f"4{NARROW_NBSP}000"
    assert LEGENDE_SECRET == "s : donnée couverte par le secret statistique"
    taux = Table(id="taux", titre="taux", mesure="taux", perimetre=ONE_EMPLOYER, dimensions=["sexe"],
                 cells=pd.DataFrame({"sexe": ["F", "M", TOTAL], "valeur": [7.25, 3.5, 5.0],
                                     "effectif": [3, 20, 23]}))
    shown = display_frame(protect([taux])[0])
    assert shown["Taux (%)"].tolist() == ["s", "3,5", "5,0"]
    with pytest.raises(ValueError, match="non protégé"):
        display_frame(taux)


def test_audit_intervals_are_exact_on_a_known_case():
    out = protect([crossed("t", ["sexe", "categorie"], BODY_2X3)])[0]
    report = audit_tables([out])
    bounds = {tuple(c.cellule.values()): (c.borne_min, c.borne_max) for c in report.intervalles}
    # F,A + F,B = 22 ; F,A + M,A = 17 ; M,A + M,B = 40: F,A goes from 0 to 17.
    assert bounds[("F", "A")] == pytest.approx((0, 17))
    assert bounds[("M", "B")] == pytest.approx((23, 40))
    assert not any(math.isinf(b[1]) for b in bounds.values())
