"""Benchmark: every indicator for one employer and for the whole country, against plain pandas.

Usage (2 cores assumed; the national data take about 45 s to generate and 2 min to load):

    .venv/bin/python bench/bench_indicators.py [--data DIR] [--work DIR] [--annee 2024]
        [--employeurs 30] [--ordre import|trie|aleatoire|tous] [--indicateurs id1,id2]

Steps:
1. the national demo files (``workspace demo-data --france --annees 2021-2025 --formats csv``)
   are generated in ``--data`` unless they are there already;
2. they are loaded into a warehouse created by ``warehouse.connect`` (same schema), directly
   with DuckDB's CSV reader (no validation; pseudonym = md5 of siret:matricule), in the order
   of the files, as the importer does (``import``); ``trie`` is a copy whose tables are sorted
   by (annee, siret) and ``aleatoire`` a copy in random row order (what an unordered loader
   could give), to show what DuckDB's zone maps do for the per-employer queries;
3. per indicator: p50/p95 over ``--employeurs`` employers drawn at random among those of the
   year (weighted by nothing: mostly small communes, plus the 5 largest employers), the time
   for France (default dimensions, one run after one warm-up), and the same two computations
   with pandas (columns loaded once into DataFrames; employer: boolean mask on ``siret``, then
   the same formula; France: groupby-free sums on the whole year), with their ratio.

The grand totals of DuckDB and pandas are compared for France (a national-scale check of the
SQL against an independent implementation).
"""

from __future__ import annotations

import argparse
import os
import warnings
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workspace_lib import warehouse  # noqa: E402
from workspace_lib.config import Workspace  # noqa: E402
from workspace_lib import indicators as I  # noqa: E402

WORKSPACE = ROOT / ".venv" / "bin" / "workspace"
YEARS = "2021-2025"


# --- 1-2. data and warehouses ---------------------------------------------------------------------
def generate(data: Path) -> None:
    if (data / "csv" / "2025" / "agents-2025.csv").exists():
        return
    t0 = time.perf_counter()
    subprocess.run([str(WORKSPACE), "demo-data", "--france", "--annees", YEARS, "--out", str(data),
                    "--formats", "csv"], check=True, capture_output=True)
    print(f"génération des données nationales {YEARS} : {time.perf_counter() - t0:.0f} s")


def _csv(path: Path) -> str:
    return f"read_csv('{path}', delim=';', header=true, all_varchar=true)"


def _dec(col: str) -> str:
    return f"CAST(replace({col}, ',', '.') AS DOUBLE)"


def _bool(col: str) -> str:
    return f"({col} = 'oui')"


def _date(col: str) -> str:
    return f"CAST(strptime({col}, '%d/%m/%Y') AS DATE)"


def load(data: Path, ws_dir: Path) -> Path:
    """Load the CSV files into a fresh warehouse, in file order (as the importer does)."""
    path = Workspace.locate(ws_dir).warehouse_path
    if path.exists():
        return path
    t0 = time.perf_counter()
    con = warehouse.connect(Workspace.locate(ws_dir))
    years = sorted(p.name for p in (data / "csv").iterdir())
    for year in years:
        folder = data / "csv" / year
        con.execute(f"""INSERT INTO employeur SELECT CAST(annee AS SMALLINT), siret, substr(siret, 1, 9), nom, type,
            code_insee, departement, region, epci_siren, CAST(population AS INTEGER), {_bool('affilie')},
            {_bool('rsu_transmis')}, {_dec('depenses_personnel')}, {_dec('cotisation_cnfpt')},
            {_dec('depenses_formation')}, {_dec('action_sociale')}, {_dec('participation_protection_sociale')},
            CAST(reunions_instances AS INTEGER), {_dec('jours_greve')}, CAST(agents_prevention AS INTEGER), 0
            FROM {_csv(folder / f'employeurs-{year}.csv')}""")
        con.execute(f"""INSERT INTO agent SELECT CAST(annee AS SMALLINT), siret, substr(md5(siret || ':' || matricule), 1, 32),
            CAST(year({_date('date_naissance')}) AS SMALLINT), sexe, statut, {_bool('emploi_fonctionnel')}, categorie,
            filiere, cadre_emplois, grade, temps_travail, {_dec('heures_hebdo')}, {_dec('quotite')}, position,
            {_bool('present_31_12')}, {_date('date_entree')}, motif_entree, {_date('date_sortie')}, motif_sortie,
            CAST(jours_remuneres AS SMALLINT), {_dec('remuneration_brute')}, {_dec('regime_indemnitaire')},
            {_dec('nbi')}, {_dec('heures_supplementaires')}, {_bool('boeth')}, {_bool('teletravail')}, 0
            FROM {_csv(folder / f'agents-{year}.csv')}""")
        con.execute(f"""INSERT INTO absence SELECT CAST(annee AS SMALLINT), siret, substr(md5(siret || ':' || matricule), 1, 32),
            motif, CAST(nb_arrets AS SMALLINT), CAST(jours AS SMALLINT), 0 FROM {_csv(folder / f'absences-{year}.csv')}""")
        con.execute(f"""INSERT INTO formation SELECT CAST(annee AS SMALLINT), siret, substr(md5(siret || ':' || matricule), 1, 32),
            type_formation, organisme, {_dec('jours')}, 0 FROM {_csv(folder / f'formations-{year}.csv')}""")
    con.execute("CHECKPOINT")
    con.close()
    print(f"chargement de l'entrepôt national ({', '.join(years)}) : {time.perf_counter() - t0:.0f} s")
    return path


def reordered(source: Path, ws_dir: Path, order: str) -> Path:
    """A copy of the warehouse whose four data tables are sorted by (annee, siret) or shuffled."""
    path = Workspace.locate(ws_dir).warehouse_path
    if path.exists():
        return path
    t0 = time.perf_counter()
    con = warehouse.connect(Workspace.locate(ws_dir))
    con.execute("ATTACH ? AS src (READ_ONLY)", [str(source)])
    by = "annee, siret" if order == "trie" else "hash(rowid)"
    for table in ("employeur", "agent", "absence", "formation"):
        con.execute(f"INSERT INTO {table} SELECT * FROM src.{table} ORDER BY {by}")
    con.execute("CHECKPOINT")
    con.close()
    print(f"copie {order} : {time.perf_counter() - t0:.0f} s")
    return path


# --- 3. pandas reference implementations (grand totals, default options) ---------------------------
class Pandas:
    """The indicators' grand totals computed with pandas from DataFrames loaded once."""

    PERM = ("TITULAIRE", "STAGIAIRE", "CONTRACTUEL_PERMANENT")
    MED = tuple(I.MOTIFS_MEDICAUX)

    def __init__(self, con: duckdb.DuckDBPyConnection, annee: int):
        t0 = time.perf_counter()
        self.annee = annee
        self.days = 366 if annee % 4 == 0 else 365
        cat = ["siret", "sexe", "statut", "categorie", "filiere", "temps_travail", "position", "motif_entree",
               "motif_sortie"]
        a = con.execute("SELECT * EXCLUDE (cadre_emplois, grade, import_id) FROM agent WHERE annee = ?",
                        [annee]).df()
        for c in cat:
            a[c] = a[c].astype("category")
        for c in ("remuneration_brute", "regime_indemnitaire", "nbi"):
            a[c] = a[c].astype("float64")
        self.a = a
        self.prev = con.execute("SELECT siret, agent_id FROM agent WHERE annee = ? AND statut = 'STAGIAIRE'",
                                [annee - 1]).df()
        self.abs = con.execute("SELECT siret, agent_id, motif, nb_arrets, jours FROM absence WHERE annee = ?",
                               [annee]).df()
        self.form = con.execute("SELECT siret, agent_id, organisme, jours FROM formation WHERE annee = ?",
                                [annee]).df()
        # integer keys for the pseudonyms (pandas joins and isin are much faster on integers)
        keys, _ = pd.factorize(pd.concat([a["agent_id"], self.prev["agent_id"], self.abs["agent_id"],
                                          self.form["agent_id"]], ignore_index=True))
        sizes = np.cumsum([0, len(a), len(self.prev), len(self.abs), len(self.form)])
        for frame, (lo, hi) in zip((a, self.prev, self.abs, self.form), zip(sizes[:-1], sizes[1:])):
            frame["agent_id"] = keys[lo:hi]
        self.emp = con.execute("SELECT siret, rsu_transmis, depenses_formation, action_sociale, "
                               "participation_protection_sociale FROM employeur WHERE annee = ?", [annee]).df()
        self.load_seconds = time.perf_counter() - t0

    def scope(self, siret: str | None):
        """(agents, previous-year stagiaires, absences, formations, employers) of one employer or all."""
        if siret is None:
            return self.a, self.prev, self.abs, self.form, self.emp
        return (self.a[self.a["siret"] == siret], self.prev[self.prev["siret"] == siret],
                self.abs[self.abs["siret"] == siret], self.form[self.form["siret"] == siret],
                self.emp[self.emp["siret"] == siret])

    # populations
    def perm31(self, a):
        return a[a["present_31_12"] & a["statut"].isin(self.PERM) & a["position"].isin(("ACTIVITE", "MAD"))]

    def tot31(self, a):
        return a[a["present_31_12"] & a["position"].isin(("ACTIVITE", "MAD"))]

    def perm_annee(self, a):
        return a[a["statut"].isin(self.PERM) & (a["jours_remuneres"] > 0)]

    def compute(self, ind_id: str, siret: str | None):
        a, prev, ab, fo, emp = self.scope(siret)
        p = self.perm31(a)
        n = len(p)
        age = self.annee - p["annee_naissance"].astype(int)
        share = lambda mask: 100.0 * mask.sum() / n if n else None  # noqa: E731

        def absences(motifs):
            x = ab[ab["agent_id"].isin(p["agent_id"]) & ab["motif"].isin(motifs)]
            return x

        def retraite(h):
            legal = np.where(p["statut"].isin(("TITULAIRE", "STAGIAIRE")), 64, 67)
            return (p["annee_naissance"].astype(int) + legal <= self.annee + h)

        def mvt():
            m = a[a["statut"].isin(self.PERM)]
            ent = (m["date_entree"].dt.year == self.annee)
            sor = (m["date_sortie"].dt.year == self.annee)
            moyen = ((len(m) - ent.sum()) + m["present_31_12"].sum()) / 2
            return ent.sum(), sor.sum(), moyen

        def formation():
            return fo[fo["agent_id"].isin(p["agent_id"])]

        def remu():
            r = self.perm_annee(a)
            etpr = r["quotite"] / 100 * r["heures_hebdo"] / 35 * r["jours_remuneres"] / self.days
            return r, etpr

        def employeurs(col):
            heads = p.groupby("siret", observed=True).size()
            e = emp[emp[col].notna()].set_index("siret")
            common = e.index.intersection(heads.index)
            return float(e.loc[common, col].astype(float).sum()) / heads.loc[common].sum() if len(common) else None

        if ind_id in ("effectif_permanent", "pyramide_ages"):
            return n
        if ind_id == "effectif_total":
            return len(self.tot31(a))
        if ind_id == "etp":
            return (p["quotite"] / 100 * p["heures_hebdo"] / 35).sum()
        if ind_id == "etpr":
            return remu()[1].sum()
        if ind_id == "part_femmes":
            return share(p["sexe"] == "F")
        if ind_id == "part_contractuels":
            t = self.tot31(a)
            return 100.0 * t["statut"].isin(("CONTRACTUEL_PERMANENT", "CONTRACTUEL_NON_PERMANENT")).sum() / len(t)
        if ind_id.startswith("repartition_"):
            col = ind_id.split("_")[1]
            base = self.tot31(a) if col == "statut" else p
            base[col].value_counts()
            return 100.0
        if ind_id == "part_emplois_fonctionnels":
            return share(p["emploi_fonctionnel"].fillna(False).astype(bool))
        if ind_id == "part_temps_partiel":
            return share(p["quotite"] < 100)
        if ind_id == "part_temps_non_complet":
            return share(p["temps_travail"] == "NON_COMPLET")
        if ind_id == "part_teletravail":
            return share(p["teletravail"].fillna(False).astype(bool))
        if ind_id == "age_moyen":
            return age.mean()
        if ind_id == "age_median":
            return age.median()
        if ind_id == "part_50_ans_et_plus":
            return share(age >= 50)
        if ind_id.startswith("departs_retraite_") or ind_id.startswith("part_departs_retraite_"):
            mask = retraite(int(ind_id.split("_")[-2]))
            return share(mask) if ind_id.startswith("part") else mask.sum()
        if ind_id in ("effectif_boeth", "taux_emploi_boeth"):
            t = self.tot31(a)
            k = t["boeth"].fillna(False).astype(bool).sum()
            return k if ind_id == "effectif_boeth" else 100.0 * k / len(t)
        motifs = {"taux_absenteisme_medical": self.MED, "taux_absenteisme_global": tuple(I.MOTIFS_GLOBAUX),
                  "taux_absenteisme_maladie_ordinaire": ("MALADIE_ORDINAIRE",),
                  "taux_absenteisme_longue_maladie": ("LONGUE_MALADIE", "LONGUE_DUREE", "GRAVE_MALADIE"),
                  "taux_absenteisme_accidents_travail": ("ACCIDENT_SERVICE", "ACCIDENT_TRAJET",
                                                         "MALADIE_PROFESSIONNELLE")}
        if ind_id in motifs:
            return 100.0 * absences(motifs[ind_id])["jours"].sum() / (self.days * n)
        if ind_id == "jours_absence":
            return absences(tuple(I.MOTIFS_GLOBAUX))["jours"].sum()
        if ind_id == "jours_absence_par_agent":
            return absences(tuple(I.MOTIFS_GLOBAUX))["jours"].sum() / n
        if ind_id == "jours_absence_medical_par_agent":
            return absences(self.MED)["jours"].sum() / n
        if ind_id == "exposition_absence_medicale":
            return 100.0 * absences(self.MED)["agent_id"].nunique() / n
        if ind_id == "frequence_absence_medicale":
            return 100.0 * absences(self.MED)["nb_arrets"].sum() / n
        if ind_id == "gravite_absence_medicale":
            x = absences(self.MED)
            return x["jours"].sum() / x["nb_arrets"].sum()
        if ind_id in ("arrivees", "departs", "taux_rotation", "taux_entrees", "taux_sorties"):
            ent, sor, moyen = mvt()
            return {"arrivees": ent, "departs": sor, "taux_rotation": 100 * (ent + sor) / 2 / moyen,
                    "taux_entrees": 100 * ent / moyen, "taux_sorties": 100 * sor / moyen}[ind_id]
        if ind_id == "titularisations":
            t = a[a["statut"] == "TITULAIRE"]
            return len(t.merge(prev, on=["siret", "agent_id"]))
        if ind_id in ("jours_formation", "jours_formation_par_agent", "part_agents_formes",
                      "part_jours_formation_cnfpt"):
            f = formation()
            return {"jours_formation": f["jours"].sum(), "jours_formation_par_agent": f["jours"].sum() / n,
                    "part_agents_formes": 100.0 * f["agent_id"].nunique() / n,
                    "part_jours_formation_cnfpt": 100.0 * f.loc[f["organisme"] == "CNFPT", "jours"].sum()
                    / f["jours"].sum()}[ind_id]
        if ind_id in ("masse_salariale", "remuneration_moyenne_etpr", "part_regime_indemnitaire", "part_nbi",
                      "heures_supplementaires_par_agent"):
            r, etpr = remu()
            brut = r["remuneration_brute"].sum()
            return {"masse_salariale": brut, "remuneration_moyenne_etpr": brut / etpr.sum(),
                    "part_regime_indemnitaire": 100 * r["regime_indemnitaire"].fillna(0).sum() / brut,
                    "part_nbi": 100 * r["nbi"].fillna(0).sum() / brut,
                    "heures_supplementaires_par_agent": r["heures_supplementaires"].fillna(0).sum() / len(r)}[ind_id]
        if ind_id == "ecart_remuneration_femmes_hommes":
            r, etpr = remu()
            f = r["sexe"] == "F"
            mf = r.loc[f, "remuneration_brute"].sum() / etpr[f].sum()
            mh = r.loc[~f, "remuneration_brute"].sum() / etpr[~f].sum()
            return 100 * (mh - mf) / mh
        if ind_id == "depenses_formation_par_agent":
            return employeurs("depenses_formation")
        if ind_id == "action_sociale_par_agent":
            return employeurs("action_sociale")
        if ind_id == "protection_sociale_par_agent":
            return employeurs("participation_protection_sociale")
        if ind_id == "taux_transmission_rsu":
            return 100.0 * emp["rsu_transmis"].sum() / len(emp)
        raise KeyError(ind_id)


# --- 4. measurement ----------------------------------------------------------------------------------
def timed(fn, repeat: int = 1) -> tuple[float, object]:
    best, out = None, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best, out


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def choose_employers(con, annee: int, k: int, seed: int = 7) -> list[str]:
    rows = con.execute("SELECT siret, count(*) AS n FROM agent WHERE annee = ? GROUP BY siret ORDER BY n DESC",
                       [annee]).fetchall()
    biggest = [s for s, _ in rows[:5]]
    rng = random.Random(seed)
    others = rng.sample([s for s, _ in rows[5:]], max(0, k - len(biggest)))
    return biggest + others


def bench_order(path: Path, label: str, annee: int, ids: list[str], k: int, pandas_ref: Pandas | None,
                threads: int) -> list[dict]:
    con = duckdb.connect(str(path), read_only=True)
    con.execute(f"SET threads = {int(threads)}")
    sirets = choose_employers(con, annee, k)
    france = I.Perimetre("france")
    results = []
    for ind_id in ids:
        fn = I.INDICATEURS[ind_id].fonction
        fn(con, I.Perimetre("employeur", sirets[0]), annee)          # warm-up
        emp_times = [timed(lambda s=s: fn(con, I.Perimetre("employeur", s), annee))[0] for s in sirets]
        fn(con, france, annee)
        t_fr, table = timed(lambda: fn(con, france, annee), repeat=2)
        row = {"ordre": label, "indicateur": ind_id, "emp_p50_ms": 1000 * statistics.median(emp_times),
               "emp_p95_ms": 1000 * p95(emp_times), "france_s": t_fr, "valeur_france": table.total()}
        if pandas_ref is not None:
            pd_emp = [timed(lambda s=s: pandas_ref.compute(ind_id, s))[0] for s in sirets]
            t_pd_fr, v_pd = timed(lambda: pandas_ref.compute(ind_id, None), repeat=2)
            row.update(pandas_emp_p95_ms=1000 * p95(pd_emp), pandas_france_s=t_pd_fr,
                       ratio_emp=p95(emp_times) / p95(pd_emp), ratio_france=t_fr / t_pd_fr,
                       ecart=abs((row["valeur_france"] or 0) - float(v_pd)) / max(1e-9, abs(float(v_pd))))
        results.append(row)
        print(_line(row), flush=True)
    con.close()
    return results


HEADER = (f"{'ordre':9s} {'indicateur':36s} {'emp p50':>8s} {'emp p95':>8s} {'France':>8s} "
          f"{'pd emp95':>9s} {'pd Fr.':>8s} {'r.emp':>6s} {'r.Fr.':>6s}  valeur France (écart pandas)")


def _line(r: dict) -> str:
    text = (f"{r['ordre']:9s} {r['indicateur']:36s} {r['emp_p50_ms']:6.1f}ms {r['emp_p95_ms']:6.1f}ms "
            f"{r['france_s']:7.3f}s")
    if "pandas_france_s" in r:
        text += (f" {r['pandas_emp_p95_ms']:7.1f}ms {r['pandas_france_s']:7.3f}s {r['ratio_emp']:6.2f} "
                 f"{r['ratio_france']:6.2f}  {r['valeur_france']:.6g} ({r['ecart']:.1e})")
    else:
        text += f"  {r['valeur_france']:.6g}"
    return text


def main() -> None:
    # pandas divides by 0 for employers without permanent agent (the NaN is expected)
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="données nationales (sortie de demo-data --france)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-indicateurs"),
                        help="dossier des entrepôts de mesure (conservés d'une exécution à l'autre)")
    parser.add_argument("--annee", type=int, default=2024)
    parser.add_argument("--employeurs", type=int, default=30)
    parser.add_argument("--ordre", default="tous", choices=("import", "trie", "aleatoire", "tous"))
    parser.add_argument("--indicateurs", help="identifiants séparés par des virgules (défaut : tous)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sans-pandas", action="store_true")
    args = parser.parse_args()
    data = args.data or args.work / "donnees"
    generate(data)
    base = load(data, args.work / "import")
    orders = ["import", "trie", "aleatoire"] if args.ordre == "tous" else [args.ordre]
    paths = {"import": base}
    for order in orders:
        if order != "import":
            paths[order] = reordered(base, args.work / order, order)
    ids = args.indicateurs.split(",") if args.indicateurs else list(I.INDICATEURS)
    with duckdb.connect(str(base), read_only=True) as con:
        n_agents, n_emp = con.execute("SELECT count(*), count(DISTINCT siret) FROM agent WHERE annee = ?",
                                      [args.annee]).fetchone()
        total = con.execute("SELECT count(*) FROM agent").fetchone()[0]
        ref = None
        if not args.sans_pandas:
            ref = Pandas(con, args.annee)
            print(f"pandas : chargement des colonnes de {args.annee} en {ref.load_seconds:.1f} s")
    print(f"entrepôt : {total:,} lignes d'agents, {args.annee} : {n_agents:,} agents, {n_emp:,} employeurs ; "
          f"{args.threads} threads ; {os.cpu_count()} cœurs".replace(",", " "))
    print(HEADER)
    all_rows = []
    for order in orders:
        all_rows += bench_order(paths[order], order, args.annee, ids, args.employeurs,
                                ref if order == orders[0] or order == "trie" else None, args.threads)
    df = pd.DataFrame(all_rows)
    print("\nsynthèse par ordre de chargement :")
    for order, g in df.groupby("ordre", sort=False):
        worst_emp = g.loc[g["emp_p95_ms"].idxmax()]
        worst_fr = g.loc[g["france_s"].idxmax()]
        print(f"  {order:9s} employeur : p95 max {worst_emp['emp_p95_ms']:.1f} ms ({worst_emp['indicateur']}), "
              f"{(g['emp_p95_ms'] < 50).sum()}/{len(g)} sous 50 ms ; France : max {worst_fr['france_s']:.2f} s "
              f"({worst_fr['indicateur']}), {(g['france_s'] < 1).sum()}/{len(g)} sous 1 s")
        if "ecart" in g and g["ecart"].notna().any():
            bad = g[g["ecart"] > 1e-6]
            print(f"            écart DuckDB / pandas > 1e-6 : {len(bad)} indicateur(s) {list(bad['indicateur'])}")
            print(f"            ratio DuckDB / pandas (médiane) : employeur {g['ratio_emp'].median():.2f}, "
                  f"France {g['ratio_france'].median():.2f}")
    out = args.work / "resultats.csv"
    df.to_csv(out, index=False)
    print(f"résultats détaillés : {out}")


if __name__ == "__main__":
    main()
