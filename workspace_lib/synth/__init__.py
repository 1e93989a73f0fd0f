"""Fake but realistic RSU files (employers, agents, absences, training) for demos and tests.

    from workspace_lib.synth import generate
    summary = generate(out_dir, departement="48", years=[2021, 2022], seed=2024, formats=("csv", "xlsx"))
    print(summary.describe())

The employers are the real communes and EPCI of the département (real SIRENs) plus fake
établissements; the agents, their absences and training are simulated year after year (same
agents from one year to the next, departures and arrivals). Same seed, same files.
"""

from .generator import Summary, generate

__all__ = ["Summary", "generate"]
