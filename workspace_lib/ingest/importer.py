"""The import: read every source, validate it, pseudonymise it, and load it all or nothing.

Staging happens in an in-memory DuckDB database: a UTF-8 CSV file is checked straight from
DuckDB's scan of it (``direct``); any other source, or a file found at fault, goes through a
staging table of text that lets the report say where and what (``validate``). The warehouse
is attached read-only while the data are checked, and read-write only once everything is
valid, for one transaction that replaces the employer-years the batch brings. A refused import never opens the warehouse for
writing; a process killed during the load leaves the warehouse as it was (DuckDB rolls back an
uncommitted transaction).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import shutil
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import Progress, TaskID

from .. import scratch as scratch_folders
from ..config import Workspace
from ..file_formats import FILE_KINDS, LOAD_ORDER, FileKind, detect_kind
from ..fr import pluriel
from ..warehouse import SCHEMA_VERSION, current_version, migrate
from . import crosscheck, postgres, readers
from .crosscheck import TypedFile
from .direct import broken_rows, materialise_checked
from .errors import ImportRejected, Problem
from .progress import follow_statements, import_progress, statement_progress
from .pseudonymise import DEPENDANTS, hmac_pads, pseudonym_sql, pseudonymise_dependants
from .validate import check_rows, fill_ref_values, materialise, staging_view

# Columns the warehouse stores, per file kind (identifiers are dropped or pseudonymised).
_DERIVED = {
    "employeurs": {"siren": 'substr("t$siret", 1, 9)'},
    "agents": {"annee_naissance": 'CAST(year("t$date_naissance") AS SMALLINT)'},
}
# The source of a file that ``stage`` reads through a staging table.
_STAGED = object()
# Direct identifiers never stored: names and NIR dropped, matricule replaced by a pseudonym,
# birth date reduced to the birth year.
_DROPPED_KINDS = frozenset({"identifier", "nir"})
_DROPPED_COLUMNS = frozenset({"date_naissance"})


@dataclass
class Outcome:
    """What happened to one source."""

    source: str
    kind: str
    rows: int
    employer_years: int
    result: str  # "importe" or "deja_importe"


@dataclass
class ImportReport:
    """The outcome of an accepted import."""

    outcomes: list[Outcome] = field(default_factory=list)
    # Seconds spent in each phase: "lecture_controle" (reading, row checks, pseudonyms of the
    # agents), "controles_croises" (pseudonyms of absences and trainings, duplicates, employers
    # and agents known), "chargement" (the transaction that writes the warehouse).
    timings: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        lines = []
        for o in self.outcomes:
            if o.result == "deja_importe":
                lines.append(f"  - {o.source} : déjà importé à l'identique, rien à faire")
            else:
                lines.append(f"  - {o.source} ({o.kind}) : {pluriel(o.rows, 'ligne chargée', 'lignes chargées')}, "
                             f"{pluriel(o.employer_years, 'employeur-année', 'employeurs-années')}")
        loaded = sum(o.rows for o in self.outcomes if o.result == "importe")
        head = (f"Import terminé : {pluriel(loaded, 'ligne chargée', 'lignes chargées')} depuis "
                f"{pluriel(len(self.outcomes), 'source')}.")
        return "\n".join([head, *lines])


def _derived_columns(kind: FileKind) -> list[tuple[str, str]]:
    """(column, SQL over the staging view) computed while the checked table is built."""
    cols = list(_DERIVED.get(kind.name, {}).items())
    if "matricule" in kind.column_names and kind.name not in DEPENDANTS:
        cols.append(("agent_id", pseudonym_sql('"t$siret"', '"t$matricule"')))
    return cols


def _stored_columns(kind: FileKind) -> list[str]:
    """The warehouse columns filled from a checked table of this kind (and the pseudonyms)."""
    return [c.name for c in kind.columns if c.kind not in _DROPPED_KINDS and c.name not in _DROPPED_COLUMNS] \
        + [name for name, _ in _derived_columns(kind)] + (["agent_id"] if kind.name in DEPENDANTS else [])


def _kept_columns(kind: FileKind) -> list[str]:
    """The typed columns a checked table needs once validated: the stored ones and the key."""
    derived = {name for name, _ in _derived_columns(kind)} | {"agent_id"}
    kept = [c for c in _stored_columns(kind) if c not in derived]
    return kept + [c for c in kind.key if c not in kept]


def _journal(workspace: Workspace, entries: list[dict]) -> None:
    """Append to the imports journal (JSON lines): who, what, outcome; never a data value."""
    workspace.logs_dir.mkdir(parents=True, exist_ok=True)
    with (workspace.logs_dir / "imports.jsonl").open("a", encoding="utf-8") as fh:
        for entry in entries:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


class _Import:
    """One run of ``import_sources``."""

    def __init__(self, workspace: Workspace, year: int | None, user: str, progress: Progress):
        self.workspace = workspace
        self.year = year
        self.user = user
        self.progress = progress
        self.started = dt.datetime.now(dt.timezone.utc)
        workspace.ensure()
        scratch = workspace.root / ".tmp"
        scratch.mkdir(exist_ok=True)
        scratch_folders.remove_orphans(scratch, "import")
        self.workdir = scratch_folders.make(scratch, "import")
        self.con = duckdb.connect(":memory:", config={"temp_directory": str(self.workdir / "spill")})
        follow_statements(self.con)
        fill_ref_values(self.con, FILE_KINDS)
        self.has_warehouse = workspace.warehouse_path.exists()
        if self.has_warehouse:
            self.con.execute("ATTACH ? AS wh (READ_ONLY)", [str(workspace.warehouse_path)])
            if current_version(self.con, "wh") < SCHEMA_VERSION:
                self.con.execute("DETACH wh")
                self.has_warehouse = False  # an older schema: upgraded when loading
        self.problems: list[Problem] = []
        self.total = 0
        self.hasher = ThreadPoolExecutor(max_workers=1)
        # Its reading is not the import's: the bars leave it out (see progress.BytesRead).
        self.hasher_thread = self.hasher.submit(threading.get_native_id).result()
        self.digests: dict[Path, Future] = {}

    def close(self) -> None:
        self.hasher.shutdown(cancel_futures=True)
        self.con.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _add(self, problems: list[Problem], total: int | None = None) -> None:
        self.problems.extend(problems)
        self.total += len(problems) if total is None else total

    # -- reading and row checks ------------------------------------------------------------
    def stage(self, number: int, path: Path, source: str | None, skip_loaded: bool = True) -> TypedFile | None:
        """Read and check one file: its checked table, or None (refused or already imported)."""
        if path.suffix.lower() in (".csv", ".txt", ".tsv"):
            typed = self._stage_direct(number, path, source, skip_loaded)
            if typed is not _STAGED:
                return typed
        return self._stage_staged(number, path, source, skip_loaded)

    def _stage_direct(self, number: int, path: Path, source: str | None, skip_loaded: bool) -> object:
        """The fast path for a UTF-8 CSV file: validation reads the file itself, in one pass.

        Returns ``_STAGED`` whenever anything is amiss (encoding, header, DuckDB error, a broken
        rule, no row): ``_stage_staged`` then reads the file again and reports, so every
        message comes from one place.
        """
        raw = readers.scan_csv(path, self._digest(path), source)
        if raw is None:
            return _STAGED
        kind = detect_kind(raw.columns)
        if kind is None or any(c not in kind.column_names for c in raw.columns) or any(
                c.required and c.name not in raw.columns and not (c.name == "annee" and self.year is not None)
                for c in kind.columns):
            return _STAGED
        if skip_loaded and (loaded := self._already_loaded(raw.sha256, kind)) is not None:
            self._skip(number, path, source, raw.source, raw.sha256, kind, loaded)
            return None
        checked = f"checked_{number}"
        try:
            materialise_checked(self.con, kind, raw, checked, _derived_columns(kind), _kept_columns(kind),
                                {**raw.scan_params, **self._pads(kind)}, self.year)
        except duckdb.Error:
            return _STAGED  # not UTF-8, ragged rows...: read_csv knows what to say
        rows = self.con.execute(f'SELECT count(*) FROM "{checked}"').fetchall()[0][0]
        if rows == 0 or broken_rows(self.con, checked, self._employer_years(checked)):
            self.con.execute(f'DROP TABLE "{checked}"')
            self.con.execute(f'DROP TABLE IF EXISTS "years_{checked}"')
            return _STAGED
        return TypedFile(raw.source, kind, checked, rows, raw.sha256, line_sql=None, origin=(number, path, source))

    def _employer_years(self, checked: str) -> str:
        """Table of the distinct (annee, siret) of a checked table: what the load replaces."""
        self.con.execute(f'CREATE TABLE "years_{checked}" AS SELECT DISTINCT annee, siret FROM "{checked}"')
        return f"years_{checked}"

    def _digest(self, path: Path) -> str | None:
        """The sha256 of a file, computed ahead in a thread (hashlib lets DuckDB run meanwhile)."""
        future = self.digests.get(path)
        try:
            return future.result() if future else None
        except OSError:
            return None  # the reader reports a missing file

    def _pads(self, kind: FileKind) -> dict:
        """The HMAC parameters, for a kind whose checked table holds pseudonyms."""
        return {"ipad": self.pads[0], "opad": self.pads[1]} \
            if any(name == "agent_id" for name, _ in _derived_columns(kind)) else {}

    def _skip(self, number: int, path: Path, source: str | None, shown: str, sha256: str, kind: FileKind,
              rows: int) -> None:
        self.skipped.append(Outcome(shown, kind.name, rows, 0, "deja_importe"))
        self.skipped_items.append((number, path, source, sha256, kind, self.skipped[-1]))

    def _stage_staged(self, number: int, path: Path, source: str | None, skip_loaded: bool) -> TypedFile | None:
        """Read a file into a staging table of text, then check it (every format; full reports)."""
        raw_name = f"raw_{number}"
        if path.suffix.lower() in (".csv", ".txt", ".tsv"):
            raw = readers.read_csv(self.con, path, raw_name, self.workdir, source)
        else:
            raw = readers.read_path(self.con, path, raw_name, self.workdir)
        kind = detect_kind(raw.columns)
        if kind is None:
            raise ImportRejected([Problem(raw.source, row=1, rule=(
                "type de fichier non reconnu : l'en-tête doit contenir les colonnes d'un fichier "
                "d'employeurs, d'agents, d'absences ou de formations"))])
        problems = [Problem(raw.source, row=1, column=c, rule="colonne inconnue dans un fichier "
                            + ("d'" if kind.label[0] in "aeiou" else "de ") + kind.label)
                    for c in raw.columns if c not in kind.column_names]
        missing = [c for c in kind.columns if c.required and c.name not in raw.columns
                   and not (c.name == "annee" and self.year is not None)]
        problems += [Problem(raw.source, row=1, column=c.name, rule=(
            "colonne obligatoire absente" + (" (ou indiquez --annee)" if c.name == "annee" else "")))
            for c in missing]
        if problems:
            raise ImportRejected(problems)
        if "annee" not in raw.columns:
            self.con.execute(f'ALTER TABLE "{raw.table}" ADD COLUMN annee VARCHAR')
            self.con.execute(f'UPDATE "{raw.table}" SET annee = ?', [str(self.year)])
            raw.columns.append("annee")
        if skip_loaded and self._already_loaded(raw.sha256, kind) is not None:
            self.con.execute(f'DROP TABLE "{raw.table}"')
            self._skip(number, path, source, raw.source, raw.sha256, kind, raw.rows)
            return None
        view, checked = f"v_{number}", f"checked_{number}"
        staging_view(self.con, kind, raw, view)
        materialise(self.con, kind, view, checked, _derived_columns(kind), self._pads(kind))
        problems, total = check_rows(self.con, kind, raw, view, checked, self.year)
        self.con.execute(f'DROP VIEW "{view}"')
        self.con.execute(f'DROP TABLE "{raw.table}"')
        if problems:
            self.con.execute(f'DROP TABLE "{checked}"')
            self._add(problems, total)
            return None
        self._employer_years(checked)
        return TypedFile(raw.source, kind, checked, raw.rows, raw.sha256)

    def _already_loaded(self, sha256: str, kind: FileKind) -> int | None:
        """The row count of this exact content if it was imported and its data are still in the warehouse."""
        if not self.has_warehouse:
            return None
        row = self.con.execute(
            "SELECT import_id, employeurs_annees, lignes FROM wh.import_log WHERE sha256 = ? AND type_fichier = ? "
            "ORDER BY import_id DESC LIMIT 1", [sha256, kind.name]).fetchall()
        row = row[0] if row else None
        if row is None:
            return None
        current = self.con.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT annee, siret FROM wh.{kind.table} WHERE import_id = ?)",
            [row[0]]).fetchall()[0][0]
        return row[2] if current == row[1] else None

    def _replaced_by(self, files: list[TypedFile], sha256: str, kind: FileKind) -> bool:
        """True if ``files`` bring an employer-year of the (skipped) file of this content."""
        tables = [f.table for f in files if f.kind is kind]
        if not tables:
            return False
        union = " UNION ALL ".join(f'SELECT annee, siret FROM "{t}"' for t in tables)
        return self.con.execute(
            f"SELECT count(*) FROM wh.{kind.table} WHERE import_id = (SELECT max(import_id) FROM wh.import_log "
            f"WHERE sha256 = ? AND type_fichier = ?) AND (annee, siret) IN (SELECT annee, siret FROM ({union}))",
            [sha256, kind.name]).fetchall()[0][0] > 0

    def _crosscheck(self, files: list[TypedFile], task: TaskID) -> tuple[list[Problem], int]:
        """Checks across rows and files: duplicates, unknown employers and agents.

        The absences and trainings get their pseudonyms on the way, once duplicates are known.
        """
        problems, total = [], 0
        checks = (lambda: crosscheck.duplicates(self.con, files),
                  lambda: crosscheck.unknown_employers(self.con, files, self.has_warehouse),
                  lambda: pseudonymise_dependants(self.con, files, self.pads),
                  lambda: crosscheck.unknown_agents(self.con, files, self.has_warehouse))
        self.progress.reset(task, total=len(checks))
        for check in checks:
            found, count = check() or ([], 0)
            problems += found
            total += count
            self.progress.advance(task)
        return problems, total

    def _numbered(self, f: TypedFile) -> TypedFile | None:
        """The same file checked through a staging table, whose rows carry their line number."""
        if f.line_sql is not None:
            return f
        self.con.execute(f'DROP TABLE "{f.table}"')
        self.con.execute(f'DROP TABLE "years_{f.table}"')
        number, path, source = f.origin
        return self._stage_staged(number, path, source, skip_loaded=False)

    # -- loading ---------------------------------------------------------------------------
    def load(self, files: list[TypedFile]) -> list[Outcome]:
        if self.has_warehouse:
            self.con.execute("DETACH wh")
        try:
            self.con.execute("ATTACH ? AS wh", [str(self.workspace.warehouse_path)])
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise RuntimeError(
                    "L'entrepôt est ouvert par un autre programme (autre import, campagne de rapports "
                    "en cours, notebook...) : réessayez quand il aura fini. Rien n'a été modifié.") from None
            raise
        self.con.execute("USE wh")
        migrate(self.con)
        outcomes = []
        self.con.execute("BEGIN TRANSACTION")
        try:
            files = sorted(files, key=lambda f: LOAD_ORDER[f.kind.name])
            for f in files:
                self.con.execute(
                    f"DELETE FROM {f.kind.table} WHERE (annee, siret) IN "
                    f'(SELECT annee, siret FROM memory.main."years_{f.table}")')
            next_id = self.con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM import_log").fetchall()[0][0]
            for done, f in enumerate(files):
                import_id = next_id + done
                self.progress.update(self.load_task, detail=f.kind.name)
                columns = _stored_columns(f.kind) + ["import_id"]
                select = ", ".join(f'"{c}"' for c in columns[:-1])
                table = f"{f.table}$p" if f.kind.name in DEPENDANTS else f.table  # with pseudonyms
                with statement_progress(self.con, lambda x, d=done: self.progress.update(self.load_task, completed=d + x)):
                    self.con.execute(
                        f"INSERT INTO {f.kind.table} ({', '.join(columns)}) "
                        # In the file's order, not sorted: an export lists each employer's rows
                        # together, and a département's year fits in a row group or a few
                        # (sorting would cost a third of the load and gain nothing measurable there).
                        f'SELECT {select}, ? FROM memory.main."{table}"', [import_id])
                years = self.con.execute(
                    f'SELECT count(*), string_agg(DISTINCT CAST(annee AS VARCHAR), \',\' ORDER BY CAST(annee AS VARCHAR)) '
                    f'FROM memory.main."years_{f.table}"').fetchall()[0]
                self.con.execute(
                    "INSERT INTO import_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), 'importe')",
                    [import_id, f.source, f.sha256, "postgresql" if f.source.startswith("postgres") else "fichier",
                     f.kind.name, years[1], f.rows, years[0], self.user, self.started])
                outcomes.append(Outcome(f.source, f.kind.name, f.rows, years[0], "importe"))
                self.progress.update(self.load_task, completed=done + 1)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("CHECKPOINT")
        return outcomes

    def run(self, sources: list[str]) -> ImportReport:
        self.pads = hmac_pads(self.workspace.pseudonym_key())
        self.skipped: list[Outcome] = []
        self.skipped_items: list[tuple] = []  # (number, path, source, sha256, kind, outcome)
        items: list[tuple[Path, str | None]] = []
        for src in readers.expand_paths(sources):
            if src.startswith(("postgresql://", "postgres://")):
                try:
                    items.extend((path, name) for name, path in postgres.export_tables(src, self.workdir))
                except ImportRejected as exc:
                    self._add(exc.problems, exc.total)
            else:
                items.append((Path(src), None))
        if not items and not self.problems:
            raise ImportRejected([Problem(", ".join(sources), rule="aucun fichier à importer (.csv, .xlsx, .parquet)")])
        for path, _ in items:
            if path.suffix.lower() in (".csv", ".txt", ".tsv"):
                self.digests[path] = self.hasher.submit(readers.file_sha256, path)
        started = time.perf_counter()
        # The reading bar counts bytes: a file of agents weighs more than one of employers.
        sizes = [max(path.stat().st_size, 1) if path.is_file() else 1 for path, _ in items]
        read_task = self.progress.add_task("Lecture et contrôle", total=sum(sizes), detail="")
        files: list[TypedFile] = []
        for number, ((path, name), read) in enumerate(zip(items, accumulate(sizes, initial=0))):
            self.progress.update(read_task, completed=read, detail=f"fichier {number + 1}/{len(items)}")
            try:
                with statement_progress(self.con, lambda x, r=read, n=sizes[number]:
                                        self.progress.update(read_task, completed=r + n * x),
                                        file_size=sizes[number], excluded_thread=self.hasher_thread):
                    typed = self.stage(number, path, name)
            except ImportRejected as exc:
                self._add(exc.problems, exc.total)
                typed = None
            if typed is not None:
                files.append(typed)
        self.progress.update(read_task, completed=sum(sizes))
        # A file skipped as already imported is read after all when another file of its kind
        # brings one of its employer-years: the load replaces them, and would lose its rows.
        again = True
        while again and files and not self.problems:
            again = False
            for item in [i for i in self.skipped_items if self._replaced_by(files, i[3], i[4])]:
                self.skipped_items.remove(item)
                self.skipped.remove(item[5])
                try:
                    typed = self.stage(item[0], item[1], item[2], skip_loaded=False)
                except ImportRejected as exc:
                    self._add(exc.problems, exc.total)
                    typed = None
                if typed is not None:
                    files.append(typed)
                    again = True
        timings = {"lecture_controle": time.perf_counter() - started}
        if not self.problems and files:
            task = self.progress.add_task("Contrôles croisés", total=None, detail="doublons, employeurs, agents")
            problems, total = self._crosscheck(files, task)
            if total and any(f.line_sql is None for f in files):
                # Rows read straight from a file are not numbered: read such files again,
                # numbered, to say where the problems are.
                files = [g for g in map(self._numbered, files) if g is not None]
                problems, total = self._crosscheck(files, task)
            self._add(problems, total)
        if self.problems:
            raise ImportRejected(self.problems, self.total)
        timings["controles_croises"] = time.perf_counter() - started - timings["lecture_controle"]
        for f in files:
            if f.kind.name in DEPENDANTS:
                self.con.execute(f'DROP TABLE "{f.table}"')  # its copy with pseudonyms is loaded
        self.load_task = self.progress.add_task("Chargement dans l'entrepôt", total=len(files), detail="")
        outcomes = self.load(files) if files else []
        timings["chargement"] = time.perf_counter() - started - sum(timings.values())
        return ImportReport(outcomes + self.skipped, timings)


def import_sources(workspace: Workspace, sources: list[str], year: int | None = None,
                   user: str | None = None, show_progress: bool | None = None) -> ImportReport:
    """Import files, folders or ``postgresql://`` databases into the workspace's warehouse.

    All or nothing: raises :class:`ImportRejected` (nothing changed) on any problem.
    """
    user = user or os.environ.get("WORKSPACE_USER") or getpass.getuser()
    console = Console(stderr=True)
    progress = import_progress(console, disable=not console.is_terminal if show_progress is None else not show_progress)
    run = _Import(workspace, year, user, progress)
    entry = {"debut": run.started.isoformat(), "utilisateur": user, "sources": [_safe(s) for s in sources]}
    try:
        with progress:
            report = run.run(sources)
    except ImportRejected as exc:
        _journal(workspace, [{**entry, "resultat": "refuse", "erreurs": exc.total,
                              "regles": sorted({p.rule for p in exc.problems})[:10]}])
        raise
    finally:
        run.close()
    _journal(workspace, [{**entry, "resultat": o.result, "source": o.source, "type": o.kind, "lignes": o.rows}
                         for o in report.outcomes])
    return report


def _safe(source: str) -> str:
    """A source as it may be logged (no password in a database URL)."""
    if source.startswith(("postgresql://", "postgres://")):
        return postgres.split_url(source)[2]
    return source
