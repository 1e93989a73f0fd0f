"""Benchmark: import of one national year (validation + pseudonymisation + load).

Prints agent rows per second, peak memory of the import process, and the ratio against a plain
``pandas.read_csv`` of the same files measured in the same run, and against the floor of any
import through DuckDB (reading the files and writing them into a database, nothing else); with the CPU time of each
process, the import's phases, and the machine's load average (timings on a shared machine
mean little without it). Usage:

    .venv/bin/python bench/bench_import.py [--data DIR] [--annee 2024]

Without --data, the national demo data of that year are generated first (about a minute).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
WORKSPACE = ROOT / ".venv" / "bin" / "workspace"


def _child(code: str) -> tuple[float, float, dict]:
    """Run Python code in a fresh process; (seconds, CPU seconds, what it printed last as JSON)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, cpu, json.loads(out.strip().splitlines()[-1])


_RSS = ("import resource, json; print(json.dumps({'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "
        "'timings': globals().get('report') and report.timings}))")


_IDENTIFIERS = ('nom', 'prenom', 'nir', 'matricule', 'date_naissance')


def _kept(path: Path) -> str:
    """Select list of what the warehouse keeps of a file (an employer's name is kept)."""
    return "*" if path.name.startswith("employeurs") else f"COLUMNS(lambda c: c NOT IN {_IDENTIFIERS})"


def _load() -> str:
    return "charge moyenne de la machine (1 min) : {:.2f}".format(os.getloadavg()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, help="dossier déjà généré (sortie de demo-data --france)")
    parser.add_argument("--annee", type=int, default=2024)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    data = args.data
    if data is None:
        data = tmp / "france"
        t0 = time.perf_counter()
        subprocess.run([str(WORKSPACE), "demo-data", "--france", "--annees", str(args.annee),
                        "--out", str(data), "--formats", "csv"], check=True, capture_output=True)
        print(f"génération des données nationales : {time.perf_counter() - t0:.1f} s")
    folder = data / "csv" / str(args.annee)
    files = sorted(folder.glob("*.csv"))
    agents = sum(1 for _ in (folder / f"agents-{args.annee}.csv").open("rb")) - 1
    size_mb = sum(f.stat().st_size for f in files) / 1e6

    pandas_code = (
        "import pandas as pd\n"
        + "".join(f"pd.read_csv({str(f)!r}, sep=';', dtype=str)\n" for f in files)
        + _RSS
    )
    print(f"{_load()} (2 cœurs : au-delà de 2, d'autres processus prennent du temps de calcul)")
    t_pandas, cpu_pandas, pandas_out = _child(pandas_code)
    rss_pandas = pandas_out["rss_mb"]
    import_code = (
        "from workspace_lib.config import Workspace\n"
        "from workspace_lib.ingest import import_sources\n"
        f"report = import_sources(Workspace.locate({str(tmp / 'ws')!r}), [{str(folder)!r}], show_progress=False)\n"
        + _RSS
    )
    # The floor: DuckDB reads the same files, typed by its CSV reader, and writes what the
    # warehouse keeps (not the direct identifiers) into a new database file, with no check and
    # no pseudonym. No import through DuckDB can beat it.
    floor_code = (
        "import duckdb\n"
        f"con = duckdb.connect({str(tmp / 'plancher.duckdb')!r})\n"
        + "".join(f"con.execute(\"CREATE TABLE t{i} AS SELECT {_kept(f)} FROM read_csv(?, delim=';', header=true, "
                  f"decimal_separator=',', dateformat='%d/%m/%Y')\", [{str(f)!r}])\n" for i, f in enumerate(files))
        + "con.execute('CHECKPOINT')\n" + _RSS
    )
    t_floor, cpu_floor, _ = _child(floor_code)
    t_import, cpu_import, import_out = _child(import_code)
    (tmp / "plancher.duckdb").unlink(missing_ok=True)
    shutil.rmtree(tmp if args.data else tmp / "ws", ignore_errors=True)  # generated data stay
    rss_import, phases = import_out["rss_mb"], import_out["timings"]
    print(f"fichiers : {len(files)}, {size_mb:.0f} Mo, {agents:,} lignes d'agents".replace(",", " "))
    print(f"pandas.read_csv (lecture seule, tout en texte) : {t_pandas:.1f} s (CPU {cpu_pandas:.1f} s), "
          f"pic mémoire {rss_pandas:.0f} Mo")
    best = f"{agents / t_floor:,.0f}".replace(",", " ")
    print(f"plancher (DuckDB lit les fichiers et en écrit les colonnes gardées dans une base, sans contrôle "
          f"ni pseudonyme) : {t_floor:.1f} s (CPU {cpu_floor:.1f} s), soit au mieux {best} lignes d'agents "
          "par seconde sur cette machine")
    print(f"import complet (contrôle + pseudonymisation + chargement) : {t_import:.1f} s (CPU {cpu_import:.1f} s), "
          f"pic mémoire {rss_import:.0f} Mo")
    checks = phases["lecture_controle"] + phases["controles_croises"]
    print(f"  dont lecture, contrôle des lignes et pseudonymes : {phases['lecture_controle']:.1f} s ; "
          f"contrôles croisés : {phases['controles_croises']:.1f} s ; chargement : {phases['chargement']:.1f} s ; "
          f"démarrage de Python et le reste : {t_import - sum(phases.values()):.1f} s")
    print(f"débit de l'import : {agents / t_import:,.0f} lignes d'agents par seconde".replace(",", " "))
    print(f"débit du contrôle et de la pseudonymisation (sans le chargement ni le démarrage) : "
          f"{agents / checks:,.0f} lignes d'agents par seconde".replace(",", " "))
    print(f"ratio import / pandas.read_csv : {t_import / t_pandas:.2f} (moins de 1 : l'import complet "
          "est plus rapide que la simple lecture par pandas)")
    print(f"ratio import / plancher : {t_import / t_floor:.2f} (en CPU : {cpu_import / cpu_floor:.2f})")
    print(f"objectifs : ≥ 500 000 lignes/s -> {'atteint' if agents / t_import >= 500_000 else 'NON atteint'} "
          f"(contrôle et pseudonymisation seuls : {'atteint' if agents / checks >= 500_000 else 'NON atteint'}) ; "
          f"pic < 3 Go -> {'atteint' if rss_import < 3072 else 'NON atteint'}")
    print(_load())


if __name__ == "__main__":
    main()
