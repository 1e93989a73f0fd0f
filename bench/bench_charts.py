"""Benchmark of the chart builders: plain-dict specs against the former Altair code.

Prints, measured in the same run, the time per call of each builder on representative inputs
(those of ``tests/test_charts_speed.py``: secret cells, missing values, series, horizontal
bars, pyramids, line series, maps on a small GeoJSON; the communes of Lozère too when the
shared boundaries are there) with the former Altair-based code (the test oracle,
``tests/test_charts_speed_oracle.py``) and with the current builders, their ratio, and the
total for a dashboard view of ten charts. Old and new calls alternate, each figure is the
best of ``--repetitions`` means, so that a loaded machine slows both the same way.

    .venv/bin/python bench/bench_charts.py [--repetitions 5] [--budget 0.2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import test_charts_speed as cases  # noqa: E402
import test_charts_speed_oracle as oracle  # noqa: E402

from workspace_lib.charts import builders  # noqa: E402

# A dashboard view: about ten charts of these kinds.
VIEW = ["comparaison_one_year", "comparaison_years", "barres_secret_nd", "barres_grouped",
        "barres_horizontal_desc", "lignes_years_series", "lignes_one_series", "pyramide", "carte",
        "barres_titles_units"]


def _mean_time(call: Callable[[], Any], budget: float) -> float:
    """Mean time (s) of ``call`` over as many calls as fit in ``budget`` seconds (at least 3)."""
    n, start = 0, time.perf_counter()
    while True:
        call()
        n += 1
        elapsed = time.perf_counter() - start
        if n >= 3 and elapsed >= budget:
            return elapsed / n


def _compare(build: Callable[[Any], Any], repetitions: int, budget: float) -> tuple[float, float]:
    """Best-of means (s) for the old and the new builders, measured alternately."""
    build(oracle), build(builders)  # warm-up
    old = new = float("inf")
    for _ in range(repetitions):
        old = min(old, _mean_time(lambda: build(oracle), budget))
        new = min(new, _mean_time(lambda: build(builders), budget))
    return old, new


def _lozere_case() -> Callable[[Any], Any] | None:
    if not cases.COMMUNES_48.exists():
        return None
    import pandas as pd

    from workspace_lib import charts, reference

    lozere = charts.load_boundaries("communes", departement="48", path=cases.COMMUNES_48)
    com = reference.communes_of("48")
    df = pd.DataFrame({"code": com["code_insee"], "valeur": (com["population"].fillna(0) / 10).round(1),
                       "statut": "publie"})
    df.loc[df.index[:3], "statut"] = "secret_primaire"
    return lambda m: m.carte(df, lozere, "code", "valeur", "Agents pour 10 habitants (Lozère)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--budget", type=float, default=0.2, help="secondes par mesure")
    args = parser.parse_args()

    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} cores)")
    all_cases = dict(cases.CASES)
    lozere = _lozere_case()
    if lozere is not None:
        all_cases["carte_lozere_158_communes"] = lozere
    print(f"{'case':<32}{'altair ms':>11}{'dicts ms':>10}{'ratio':>8}")
    results = {}
    for name, build in all_cases.items():
        old, new = _compare(build, args.repetitions, args.budget)
        results[name] = (old, new)
        print(f"{name:<32}{old * 1000:>11.2f}{new * 1000:>10.3f}{old / new:>8.1f}")
    old_view = sum(results[n][0] for n in VIEW)
    new_view = sum(results[n][1] for n in VIEW)
    print(f"{'view of ' + str(len(VIEW)) + ' charts':<32}{old_view * 1000:>11.1f}{new_view * 1000:>10.2f}"
          f"{old_view / new_view:>8.1f}")
    worst = max(results.items(), key=lambda item: item[1][1])
    print(f"slowest new call: {worst[0]} {worst[1][1] * 1000:.2f} ms")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
