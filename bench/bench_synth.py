"""Benchmark of the demo data generator: one year of the whole of France, CSV only.

    .venv/bin/python bench/bench_synth.py                 # France, 2024, temporary folder
    .venv/bin/python bench/bench_synth.py --departement 48 --annees 2021-2025 --xlsx

Prints the rows written per file, the time, the rows per second and the peak memory (RSS).
Target: France, one year, four CSV files in under 60 s, peak memory well under 8 GB.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workspace_lib.synth import generate  # noqa: E402
from workspace_lib.synth.generator import fr_int  # noqa: E402

TARGET_SECONDS = 60.0


def parse_years(text: str) -> list[int]:
    if "-" in text:
        start, end = (int(x) for x in text.split("-", 1))
        return list(range(start, end + 1))
    return [int(x) for x in text.split(",")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--departement", default=None, help="code du département (défaut : France entière)")
    parser.add_argument("--annees", default="2024", help="années, ex. 2024 ou 2021-2025")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--xlsx", action="store_true", help="écrire aussi les XLSX (département seulement)")
    parser.add_argument("--out", type=Path, default=None, help="dossier de sortie (défaut : temporaire, effacé)")
    args = parser.parse_args()

    out = args.out or Path(tempfile.mkdtemp(prefix="bench-synth-"))
    formats = ("csv", "xlsx") if args.xlsx else ("csv",)
    started = time.perf_counter()
    try:
        summary = generate(out, departement=args.departement, years=parse_years(args.annees),
                           seed=args.seed, formats=formats)
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # kB on Linux

    print(summary.describe())
    print()
    rows = 0
    for kind in ("employeurs", "agents", "absences", "formations"):
        n = summary.total(kind)
        rows += n
        print(f"{kind:>12} : {fr_int(n)} lignes")
    per_year = seconds / len(summary.years)
    print(f"{'total':>12} : {fr_int(rows)} lignes, {fr_int(size / 1e6)} Mo écrits")
    print(f"durée : {seconds:.1f} s ({per_year:.1f} s par an), {fr_int(rows / seconds)} lignes/s, "
          f"mémoire maximale : {fr_int(peak_mb)} Mo")
    if args.departement is None and not args.xlsx:
        verdict = "OK" if per_year <= TARGET_SECONDS else "TROP LENT"
        print(f"objectif France : {TARGET_SECONDS:.0f} s par an -> {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
