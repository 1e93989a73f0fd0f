"""Benchmark: statistical disclosure control of a typical report (protect + LP audit).

A report publishes, for two years, about eight tables (effectifs by sexe x catégorie, sexe x
filière, sexe x tranche d'âge, catégorie x filière x sexe, statut x sexe; days of absence by
motif x catégorie; a taux d'absentéisme following its effectif table; pay by catégorie x sexe)
plus an effectif by année x sexe linking the years: 17 tables of up to 144 cells, all protected
together. Two perimetres: one employer (about 400 agents: many sensitive cells) and a
département (about 8,000 agents of 300 employers: few sensitive cells, employer rule on).

Printed per scenario: median wall-clock (and CPU) time of ``protect`` over the whole report, of
the LP audit of its output, and of the naive per-table approach (each table protected alone), with the ratio, and
how many suppressed cells the per-table approach leaves recomputable once its tables are read
together. Usage:

    .venv/bin/python bench/bench_disclosure.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from workspace_lib.disclosure import Table, audit_tables, protect, table_from_records
from workspace_lib.file_formats import FILIERES, MOTIFS_ABSENCE, STATUTS

_FILIERE_P = np.array([25, 44, 4, 2, 6, 2, 5, 3, 1, 6, 2], dtype=float)
_STATUT_P = np.array([70, 4, 12, 8, 0.5, 2, 2, 1.5], dtype=float)
_MOTIF_P = np.array([60, 8, 5, 1, 10, 2, 3, 6, 2, 0.3, 2.7], dtype=float)


def agents(n_employers: int, mean_size: float, seed: int) -> pd.DataFrame:
    """Synthetic agent-years over two years (2023, 2024) with the national proportions."""
    rng = np.random.default_rng(seed)
    sizes = np.maximum(1, rng.lognormal(np.log(mean_size) - 0.5, 1.0, n_employers).astype(int))
    siret = np.repeat([f"{i:014d}" for i in range(n_employers)], sizes)
    n = len(siret)
    base = pd.DataFrame({
        "siret": siret,
        "sexe": rng.choice(["F", "M"], n, p=[0.61, 0.39]),
        "categorie": rng.choice(["A", "B", "C"], n, p=[0.09, 0.13, 0.78]),
        "filiere": rng.choice(FILIERES, n, p=_FILIERE_P / _FILIERE_P.sum()),
        "statut_agent": rng.choice(STATUTS, n, p=_STATUT_P / _STATUT_P.sum()),
        "age": np.clip(rng.normal(46, 10, n), 18, 67).astype(int),
    })
    years = []
    for year in (2023, 2024):
        df = base.sample(frac=0.95, random_state=year).copy()
        df["annee"] = year
        df["tranche_age"] = pd.cut(df["age"] + (year - 2024), [0, 24, 29, 34, 39, 44, 49, 54, 59, 64, 99],
                                   labels=["<25", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54",
                                           "55-59", "60-64", ">=65"]).astype(str)
        pay = {"A": 42000, "B": 31000, "C": 25000}
        df["remuneration"] = [rng.normal(pay[c], pay[c] * 0.15) for c in df["categorie"]]
        years.append(df)
    return pd.concat(years, ignore_index=True)


def report(data: pd.DataFrame, perimetre: dict) -> list[Table]:
    tables: list[Table] = []
    rng = np.random.default_rng(7)
    for year, df in data.groupby("annee"):
        per = {**perimetre, "annee": int(year)}
        y = str(year)

        def eff(name, dims):
            return table_from_records(df, id=f"{name}_{y}", titre=name, mesure="effectif",
                                      perimetre=per, dimensions=dims)
        tables += [eff("effectif_sexe_categorie", ["sexe", "categorie"]),
                   eff("effectif_sexe_filiere", ["sexe", "filiere"]),
                   eff("effectif_sexe_age", ["sexe", "tranche_age"]),
                   eff("effectif_categorie_filiere_sexe", ["categorie", "filiere", "sexe"]),
                   eff("effectif_statut_sexe", ["statut_agent", "sexe"])]
        absent = df.sample(frac=0.45, random_state=int(year)).copy()
        absent["motif"] = rng.choice(MOTIFS_ABSENCE, len(absent), p=_MOTIF_P / _MOTIF_P.sum())
        absent["jours"] = np.maximum(1, rng.lognormal(2.5, 1.2, len(absent)).astype(int))
        tables.append(table_from_records(absent, id=f"jours_absence_motif_categorie_{y}",
                                         titre="Jours d'absence", mesure="jours", perimetre=per,
                                         dimensions=["motif", "categorie"], valeur="jours"))
        # Taux d'absentéisme by sexe x catégorie, following the effectif table.
        leader = tables[len(tables) - 6]
        days = absent.groupby(["sexe", "categorie"])["jours"].sum()
        taux = leader.cells[["sexe", "categorie", "effectif", "nb_employeurs"]].copy()
        taux["valeur"] = [
            100 * days.get((s, c), 0) / (365 * e) if e and s != "Ensemble" and c != "Ensemble" else 0.0
            for s, c, e in zip(taux["sexe"], taux["categorie"], taux["effectif"])
        ]
        tables.append(Table(id=f"taux_absenteisme_{y}", titre="Taux d'absentéisme", mesure="taux",
                            perimetre=per, dimensions=["sexe", "categorie"], cells=taux,
                            linked_to=leader.id))
        tables.append(table_from_records(df, id=f"remuneration_categorie_sexe_{y}", titre="Rémunération",
                                         mesure="montant", perimetre=per, dimensions=["categorie", "sexe"],
                                         valeur="remuneration"))
    tables.append(table_from_records(data, id="effectif_annee_sexe", titre="Effectif par année",
                                     mesure="effectif", perimetre=perimetre, dimensions=["annee", "sexe"]))
    return tables


_CPU: dict[int, float] = {}


def _median(fn, repeat: int) -> tuple[float, object]:
    """Median wall-clock time of ``fn`` (its median CPU time kept in ``_CPU``)."""
    times, cpu, out = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    _CPU[id(fn)] = statistics.median(cpu)
    return statistics.median(times), out


def scenario(name: str, tables: list[Table], repeat: int) -> None:
    cells = sum(len(t.cells) for t in tables)
    protect(tables)   # warm-up (imports, first linprog)
    joint_fn = lambda: protect(tables)  # noqa: E731
    t_joint, joint = _median(joint_fn, repeat)
    t_audit, audit = _median(lambda: audit_tables(joint), repeat)
    by_id = {t.id: t for t in tables}

    def per_table():
        out = []
        for t in tables:
            group = [t] if t.linked_to is None else [by_id[t.linked_to], t]
            out.append(protect(group)[-1])
        return out
    t_naive, naive = _median(per_table, repeat)
    naive_audit = audit_tables(naive)
    prim = sum(int((t.cells["statut"] == "secret_primaire").sum()) for t in joint)
    sec = sum(int((t.cells["statut"] == "secret_secondaire").sum()) for t in joint)
    nsec = sum(int((t.cells["statut"] == "secret_secondaire").sum()) for t in naive)
    print(f"{name} : {len(tables)} tableaux, {cells} cellules, {prim} en secret primaire")
    print(f"  protect (tous les tableaux ensemble) : {1000 * t_joint:7.1f} ms  (CPU {1000 * _CPU[id(joint_fn)]:.1f} ms ; "
          f"{sec} secrets secondaires ; audit : {'suffisant' if audit.ok else 'INSUFFISANT'})")
    print(f"  audit LP de la sortie               : {1000 * t_audit:7.1f} ms")
    print(f"  naïf (chaque tableau seul)          : {1000 * t_naive:7.1f} ms  "
          f"({nsec} secrets secondaires ; audit d'ensemble : "
          f"{len(naive_audit.faibles)} cellules recalculables ou trop étroites)")
    print(f"  rapport ensemble / naïf             : {t_joint / t_naive:7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    scenario("Département (≈ 8 000 agents, 300 employeurs)",
             report(agents(300, 27, seed=1), {"departement": "48"}), args.repeat)
    scenario("Collectivité (≈ 400 agents)",
             report(agents(1, 400, seed=2), {"siret": "00000000000000"}), args.repeat)


if __name__ == "__main__":
    main()
