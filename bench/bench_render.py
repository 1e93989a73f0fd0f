"""Benchmark of the report campaign on the Lozère demo data (synthèse, PDF + DOCX + XLSX).

Prints, measured in the same run:
- per report, the naive way (Papermill CLI, then nbconvert CLI to HTML, then Chromium's
  print-to-PDF, one process each per report) on a sample, against the engine (warm kernels,
  in-process exports) on the same sample, and their ratio;
- the whole campaign (every employer of the latest year) with 1 and 2 local workers, and the
  scaling ratio.

    .venv/bin/python bench/bench_render.py [--workspace DIR] [--echantillon 10]

Without --workspace, the Lozère demo data (2024-2025) are generated and imported first.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "synthese_employeur.ipynb"
CAMPAIGN = ROOT / "parameters" / "synthese_employeurs.yaml"


def _naive(ws: Path, sirets: list[str], annee: int, out: Path) -> float:
    env = {"WORKSPACE_DIR": str(ws), "PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(out)}
    start = time.perf_counter()
    for siret in sirets:
        executed = out / f"{siret}.ipynb"
        subprocess.run([str(BIN / "papermill"), str(NOTEBOOK), str(executed), "-p", "siret", siret,
                        "-p", "annee", str(annee), "-p", "interactif", "False", "--log-level", "ERROR"],
                       check=True, env=env, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                       check=True, env=env, capture_output=True)
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", f"--user-data-dir={out / 'chromium'}",
                        f"--print-to-pdf={out / (siret + '.pdf')}", (out / f"{siret}.html").as_uri()],
                       check=True, env=env, capture_output=True)
    return (time.perf_counter() - start) / len(sirets)


def _engine(ws: Path, sirets: list[str] | None, workers: int, name: str) -> tuple[float, int]:
    from workspace_lib.config import Workspace
    from workspace_lib.render import load, run_campaign

    camp = load(CAMPAIGN, root=ROOT)
    camp.nom = name
    workspace = Workspace.locate(ws)
    shutil.rmtree(workspace.rendered_dir / name, ignore_errors=True)
    start = time.perf_counter()
    if sirets is None:
        report = run_campaign(workspace, camp, workers=workers, show_progress=False)
        done = report.done
    else:
        camp.parametres["siret"] = sirets
        report = run_campaign(workspace, camp, workers=workers, show_progress=False)
        done = report.done
    assert report.failed == 0, report.describe()
    return time.perf_counter() - start, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", type=Path)
    parser.add_argument("--echantillon", type=int, default=10)
    args = parser.parse_args()
    ws = args.workspace
    if ws is None:
        ws = Path(tempfile.mkdtemp(prefix="bench-render-"))
        data = ws / "donnees"
        subprocess.run([str(BIN / "workspace"), "demo-data", "--departement", "48", "--annees", "2024-2025",
                        "--out", str(data), "--formats", "csv"], check=True, capture_output=True)
        subprocess.run([str(BIN / "workspace"), "--workspace", str(ws), "import", str(data / "csv")],
                       check=True, capture_output=True)
    with duckdb.connect(str(ws / "warehouse.duckdb"), read_only=True) as con:
        annee = con.execute("SELECT max(annee) FROM agent").fetchone()[0]
        sirets = [s for (s,) in con.execute(
            "SELECT siret FROM agent WHERE annee = ? GROUP BY siret ORDER BY count(*) DESC", [annee]).fetchall()]
    step = max(1, len(sirets) // args.echantillon)
    sample = sirets[::step][: args.echantillon]

    naive_dir = Path(tempfile.mkdtemp(prefix="bench-naive-"))
    naive = _naive(ws, sample, annee, naive_dir)
    sample_time, _ = _engine(ws, sample, 2, "bench-echantillon")
    per_report = sample_time / len(sample)
    print(f"échantillon : {len(sample)} employeurs de tailles variées, année {annee}")
    print(f"voie naïve (papermill + nbconvert + chromium, PDF seul) : {naive:.2f} s par rapport")
    print(f"moteur (2 processus, noyaux chauds, PDF + DOCX + XLSX, démarrage compris) : {per_report:.2f} s par rapport")
    print(f"ratio naïf / moteur : {naive / per_report:.1f} (objectif : au moins 30)")

    t1, n1 = _engine(ws, None, 1, "bench-1")
    t2, n2 = _engine(ws, None, 2, "bench-2")
    print(f"campagne complète ({n2} rapports, PDF + DOCX + XLSX) : 1 processus {t1:.1f} s, 2 processus {t2:.1f} s "
          f"(objectif : moins de 90 s)")
    print(f"accélération de 1 à 2 processus : {t1 / t2:.2f} (objectif : au moins 1,7)")


if __name__ == "__main__":
    main()
