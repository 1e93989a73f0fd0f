"""``generate``: demo RSU files of a département or of the whole of France."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .. import file_formats as ff
from .. import reference
from . import annual, tables
from .employers import build_foreign_epci, build_home, dep_number, france_departements
from .population import Unit
from ..atomic import atomic_file
from .writers import CsvFile, write_xlsx

FORMATS = ("csv", "xlsx")
KINDS = (ff.EMPLOYEURS, ff.AGENTS, ff.ABSENCES, ff.FORMATIONS)
COUNT_LABELS = {"employeurs": "employeurs", "agents": "agents", "absences": "lignes d'absence",
                "formations": "lignes de formation"}


def fr_int(n: int) -> str:
    """12345 -> '12 345' (narrow no-break space as thousands separator)."""
    return f"{int(n):,}".replace(",", "\u202f")


def fr_float(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


@dataclass
class Summary:
    """What ``generate`` wrote."""

    out_dir: Path
    departement: str | None
    label: str
    years: list[int]
    seed: int
    formats: tuple[str, ...]
    counts: dict[int, dict[str, int]] = field(default_factory=dict)
    agents_present: dict[int, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    xlsx_skipped: bool = False
    seconds: float = 0.0

    def total(self, kind: str) -> int:
        return sum(c.get(kind, 0) for c in self.counts.values())

    def describe(self) -> str:
        years = (f"année {self.years[0]}" if len(self.years) == 1
                 else f"années {self.years[0]} à {self.years[-1]}"
                 if self.years == list(range(self.years[0], self.years[-1] + 1))
                 else "années " + ", ".join(map(str, self.years)))
        lines = [f"Données RSU fictives : {self.label}, {years} (graine {self.seed})."]
        for year in self.years:
            if year not in self.counts:
                continue
            c = self.counts[year]
            parts = ", ".join(f"{fr_int(c.get(k.name, 0))} {COUNT_LABELS[k.name]}" for k in KINDS)
            present = self.agents_present.get(year)
            extra = f" (dont {fr_int(present)} présents au 31/12)" if present is not None else ""
            lines.append(f"  {year} : {parts}{extra}")
        written = [f for f in self.formats if not (f == "xlsx" and self.xlsx_skipped)]
        if written:
            lines.append(f"{fr_int(len(self.files))} fichiers écrits dans {self.out_dir} :")
            for fmt in written:
                lines.append(f"  {self.out_dir / fmt}/AAAA/{{employeurs,agents,absences,formations}}-AAAA.{fmt}")
        else:
            lines.append("Aucun fichier écrit.")
        if self.xlsx_skipped:
            lines.append("  Pas de fichiers XLSX pour la France entière (trop volumineux pour Excel) : "
                         "utilisez les CSV.")
        lines.append(f"Durée : {fr_float(self.seconds)} s.")
        return "\n".join(lines)


def _units(departement: str | None, seed: int) -> tuple[list[Unit], str]:
    """The generation units: one per département, plus the neighbouring EPCI of a département."""
    units = []
    if departement is None:
        deps = france_departements()
        label = f"France entière ({fr_int(len(deps))} départements et collectivités)"
    else:
        deps = [departement]
        label = f"{reference.departement(departement)['nom']} ({departement})"
    for dep in deps:
        number = dep_number(dep)
        structure_rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([0, number, 7])))
        units.append(Unit(build_home(dep, structure_rng), seed, (number, 0), dep))
    if departement is not None:
        for siren, emp in build_foreign_epci(departement):
            home = emp.departement[0]
            units.append(Unit(emp, seed, (dep_number(home), 1, int(siren)), home))
    sirets = [s for u in units for s in u.employers.siret]
    if len(set(sirets)) != len(sirets):
        raise RuntimeError("SIRET en double parmi les employeurs générés (erreur interne).")
    return units, label


def _normalise_departement(code: str | None) -> str | None:
    if code is None:
        return None
    code = str(code).strip().upper()
    if code.isdigit() and len(code) == 1:
        code = "0" + code
    reference.departement(code)        # clear error if unknown
    return code


def _progress() -> Progress:
    console = Console(stderr=True)
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, disable=not console.is_terminal,
                    transient=False)


def generate(out_dir: Path, departement: str | None, years: list[int], seed: int,
             formats: tuple[str, ...] = ("csv", "xlsx")) -> Summary:
    """Write fake but realistic RSU files for ``departement`` (None: all of France).

    Layout: ``out_dir/csv/AAAA/{employeurs,agents,absences,formations}-AAAA.csv`` and the same
    under ``xlsx/``. Same seed, same files (byte for byte). XLSX files are not written for the
    whole of France.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    if isinstance(formats, str):
        formats = tuple(formats.split(","))
    formats = tuple(dict.fromkeys(f.strip().lower() for f in formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"Format inconnu : {', '.join(unknown)} (formats possibles : csv, xlsx).")
    years = sorted(set(int(y) for y in years))
    if not years or years[0] < ff.YEAR_MIN or years[-1] > ff.YEAR_MAX:
        raise ValueError(f"Années hors de la plage {ff.YEAR_MIN}-{ff.YEAR_MAX} : {years}")
    departement = _normalise_departement(departement)
    write_csv = "csv" in formats
    xlsx_skipped = "xlsx" in formats and departement is None
    write_x = "xlsx" in formats and not xlsx_skipped

    if not write_csv and not write_x:
        # nothing to write (XLSX only, for the whole of France): no simulation
        label = "France entière" if departement is None else departement
        summary = Summary(out_dir, departement, label, years, seed, formats, xlsx_skipped=xlsx_skipped)
        summary.seconds = time.perf_counter() - started
        return summary
    units, label = _units(departement, seed)
    summary = Summary(out_dir, departement, label, years, seed, formats, xlsx_skipped=xlsx_skipped)
    wanted = set(years)
    with _progress() as progress:
        for year in range(years[0], years[-1] + 1):
            if year not in wanted:
                for unit in units:      # simulate the years in between, write nothing
                    unit.step(year)
                continue
            _write_year(out_dir, year, units, write_csv, write_x, summary, progress)
    summary.seconds = time.perf_counter() - started
    return summary


def _year_tables(unit: Unit, year: int) -> tuple[dict, int]:
    """The four tables of one unit for one year, and its agents present on 31/12."""
    rows = unit.step(year)
    values = annual.agent_values(unit, rows)
    abs_rows = annual.absences(unit, rows, values)
    form_rows = annual.formations(unit, rows, values)
    transmitted = annual.transmission(unit)
    amounts = annual.employer_values(unit, rows, values, abs_rows, form_rows, transmitted)
    keep = transmitted[rows["emp"]]
    out = {
        "employeurs": tables.employers_table(unit, year, transmitted, amounts),
        "agents": tables.agents_table(unit, rows, values, keep),
        "absences": tables.absences_table(unit, rows, abs_rows, keep),
        "formations": tables.formations_table(unit, rows, form_rows, keep),
    }
    return out, int((values["present"] & keep).sum())


def _write_year(out_dir: Path, year: int, units: list[Unit], write_csv: bool, write_x: bool,
                summary: Summary, progress: Progress) -> None:
    counts = {k.name: 0 for k in KINDS}
    present = 0
    kept: dict[str, list] = {k.name: [] for k in KINDS}
    task = progress.add_task(f"{year} : génération", total=len(units))
    with contextlib.ExitStack() as stack:
        writers = {}
        if write_csv:
            for kind in KINDS:
                path = out_dir / "csv" / str(year) / f"{kind.name}-{year}.csv"
                handle = stack.enter_context(atomic_file(path))
                writers[kind.name] = (CsvFile(handle, kind), path)
        for unit in units:
            year_tables, n_present = _year_tables(unit, year)
            present += n_present
            for name, table in year_tables.items():
                counts[name] += table.num_rows
                if write_csv:
                    writers[name][0].write(table)
                if write_x:
                    kept[name].append(table)
            progress.update(task, advance=1, description=(
                f"{year} : {fr_int(counts['employeurs'])} employeurs, {fr_int(counts['agents'])} agents"))
        for csv_file, path in writers.values():
            csv_file.close()
            summary.files.append(path)
    # (the CSV files are renamed into place when the ExitStack closes)
    if write_x:
        for kind in KINDS:
            path = out_dir / "xlsx" / str(year) / f"{kind.name}-{year}.xlsx"
            xtask = progress.add_task(f"{year} : {path.name}", total=max(counts[kind.name], 1))
            write_xlsx(path, kept[kind.name], kind,
                       advance=lambda k, t=xtask: progress.update(t, advance=k))
            summary.files.append(path)
    summary.counts[year] = counts
    summary.agents_present[year] = present
