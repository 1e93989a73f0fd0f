"""Readers: bring a CSV, XLSX, Parquet file or a PostgreSQL table into a staging table of text.

Every reader produces a staging table in an in-memory DuckDB connection, every column as text,
with ``line_sql`` giving the row number a person sees (the header is row 1). Nothing is typed or
judged here: validation does that, the same way for every source.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import mmap
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..file_formats import normalise_header
from .errors import ImportRejected, Problem

SUPPORTED_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".parquet")
DELIMITERS = (";", ",", "\t", "|")
CHUNK = 16 * 1024 * 1024
# A longer record is refused (a real RSU line is under 1 kB).
MAX_LINE_BYTES = 1024 * 1024


@dataclass
class RawTable:
    """A source brought into staging, untyped.

    Either a staging table of text (``table``), or, for a UTF-8 CSV file, a scan of the file
    that validation reads directly (:func:`scan_sql` with ``scan_params``): the file's text is
    then never stored, and ``rows`` is only known once the checked table is built.
    """

    source: str
    table: str | None
    columns: list[str]
    rows: int | None
    sha256: str
    source_kind: str
    # SQL giving the row number a person sees (header = row 1).
    line_sql: str = "rowid + 2"
    scan_params: dict = field(default_factory=dict)


def _reject(source: str, rule: str, row: int | None = None) -> ImportRejected:
    return ImportRejected([Problem(source, row=row, rule=rule)])


def _check_header(source: str, header: list[str]) -> list[str]:
    """Normalised names of a header; refuses empty and duplicated names."""
    names = [normalise_header(h or "") for h in header]
    problems = []
    for i, name in enumerate(names, start=1):
        if not name:
            problems.append(Problem(source, row=1, rule=f"la colonne n° {i} n'a pas de nom"))
        elif names.index(name) != i - 1:
            problems.append(Problem(source, row=1, column=name, rule="colonne en double dans l'en-tête"))
    if problems:
        raise ImportRejected(problems)
    return names


# ---------------------------------------------------------------------------------------- CSV

class _LineGuard:
    """Refuses a line longer than MAX_LINE_BYTES while a file is streamed in chunks.

    DuckDB's parallel CSV reader silently drops a last line longer than its buffer (about
    32 MB) instead of failing, so line lengths are checked here, before DuckDB reads the file.
    """

    def __init__(self, source: str):
        self.source, self.run, self.newlines = source, 0, 0

    def feed(self, chunk: bytes) -> None:
        pos, size = 0, len(chunk)
        while True:
            room = MAX_LINE_BYTES - self.run  # bytes the current line may still have
            last = chunk.rfind(b"\n", pos, min(size, pos + room + 1))
            if last == -1:
                if size - pos <= room:
                    self.run += size - pos
                    return
                raise _reject(self.source, f"ligne trop longue (plus de {MAX_LINE_BYTES // 1024} Ko) : "
                              "fichier corrompu ?", row=self.newlines + 1)
            self.newlines += chunk.count(b"\n", pos, last + 1)
            self.run, pos = 0, last + 1


def _binary_head(head: bytes) -> bool:
    """True for a UTF-16 or binary file (judged on its first 4 kB)."""
    return head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head


_BINARY_RULE = ("encodage non pris en charge (UTF-16 ou fichier binaire) : enregistrez le fichier "
                "en CSV UTF-8 ou Windows-1252")


def long_line(data: bytes | mmap.mmap) -> int | None:
    """Row number (1-based) of the first line longer than MAX_LINE_BYTES, or None.

    Jumps from line end to line end with ``rfind`` over windows of MAX_LINE_BYTES: a few
    milliseconds for a 500 MB file. Agrees with :class:`_LineGuard`.
    """
    pos, size = 0, len(data)
    while size - pos > MAX_LINE_BYTES:
        last = data.rfind(b"\n", pos, pos + MAX_LINE_BYTES + 1)
        if last == -1:
            return _count_newlines(data, pos) + 1
        pos = last + 1
    return None


def _count_newlines(data: bytes | mmap.mmap, end: int) -> int:
    return sum(data[start:min(start + CHUNK, end)].count(b"\n") for start in range(0, end, CHUNK))


def file_sha256(path: Path) -> str:
    """sha256 of a file (hashlib releases the GIL: can run in a thread)."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _sniff_encoding(path: Path, source: str) -> tuple[str, str]:
    """Return (encoding, sha256) of a text file; refuse binary and UTF-16/32 files."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if _binary_head(head):
        raise _reject(source, _BINARY_RULE)
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    guard = _LineGuard(source)
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            guard.feed(chunk)
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        return "utf-8-sig", digest.hexdigest()
    # Windows exports are cp1252; bytes cp1252 leaves undefined fall back to latin-1.
    try:
        with path.open("r", encoding="cp1252", newline="") as fh:
            while fh.read(CHUNK):
                pass
        return "cp1252", digest.hexdigest()
    except UnicodeDecodeError:
        return "latin-1", digest.hexdigest()


def _transcode(path: Path, encoding: str, workdir: Path) -> Path:
    """Copy a non-UTF-8 text file to UTF-8 in ``workdir``."""
    target = Path(tempfile.mkstemp(suffix=".csv", dir=workdir)[1])
    with path.open("r", encoding=encoding, newline="") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK):
            dst.write(chunk)
    return target


def _first_line(path: Path, encoding: str, source: str) -> str:
    with path.open("r", encoding=encoding, newline="") as fh:
        line = fh.readline(MAX_LINE_BYTES + 1)
    if len(line) > MAX_LINE_BYTES:
        raise _reject(source, "ligne d'en-tête trop longue (plus de 1 Mo)", row=1)
    line = line.rstrip("\r\n")
    if not line.strip():
        raise _reject(source, "fichier vide : la première ligne doit être l'en-tête des colonnes", row=1)
    return line


def _delimiter(header_line: str, source: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    if counts[best] == 0:
        raise _reject(
            source,
            "séparateur de colonnes introuvable dans l'en-tête (attendu : point-virgule, "
            "virgule ou tabulation)",
            row=1,
        )
    return best


_LINE = re.compile(rb"[^\r\n]*")
_NOT_NEWLINE = re.compile(rb"[^\r\n]")
_DUCKDB_LINE = re.compile(r"CSV Error on Line: (\d+)")


def _csv_error(source: str, message: str) -> ImportRejected:
    """Translate a DuckDB CSV error into a French problem (never echoing the line)."""
    match = _DUCKDB_LINE.search(message[:500])
    row = int(match.group(1)) if match else None
    head = message[:2000]
    if "Maximum line size" in message[:200] or "maximum line size" in head or len(message) > MAX_LINE_BYTES:
        rule = f"ligne trop longue (plus de {MAX_LINE_BYTES // 1024} Ko) : fichier corrompu ?"
    elif "Expected Number of Columns" in head:
        found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", head)
        rule = (
            f"nombre de colonnes incorrect ({found.group(2)} au lieu de {found.group(1)})"
            if found
            else "nombre de colonnes incorrect"
        )
    elif "unterminated quote" in head:
        rule = "guillemet ouvert mais jamais fermé (fichier tronqué ?)"
    elif "Invalid unicode" in head or "encoding" in head.lower():
        rule = "caractères illisibles : encodage incohérent"
    else:
        rule = "fichier CSV illisible : " + head.splitlines()[0][:200]
    return _reject(source, rule, row=row)


# Read every column as text, refuse ragged rows and overlong lines; DuckDB checks UTF-8.
_READ_CSV = ("read_csv({path}, delim={delim}, quote='\"', escape='\"', header=true, auto_detect=false, "
             "columns={columns}, strict_mode=true, max_line_size={max_line}, parallel=true{options})")
# The direct scan: the file's path, delimiter, columns and line limit as named parameters.
_SCAN_ARGS = {"path": "$csv_path", "delim": "$csv_delim", "columns": "$csv_columns", "max_line": "$csv_max_line"}


def scan_sql(options: str = "") -> str:
    """The FROM item of a direct scan of a :func:`scan_csv` file (its ``scan_params``), with extra
    ``read_csv`` options (SQL written by the caller from constants, never from a file)."""
    return _READ_CSV.format(**_SCAN_ARGS, options=options)


def scan_csv(path: Path, sha256: str | None = None, source: str | None = None) -> RawTable | None:
    """Prepare the direct scan of a CSV file that looks like UTF-8, or None.

    The fast path of :func:`read_csv`: nothing is stored, only the header is decoded, and
    DuckDB checks that every value is valid UTF-8 while validation reads the file. None (and,
    later, any error DuckDB raises while reading) sends the file through :func:`read_csv`,
    which gives the French message: this function never refuses a file itself.
    """
    source = source or str(path)
    if path.stat().st_size == 0:
        return None
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if _binary_head(data[:4096]) or long_line(data) is not None:
            return None
        # The header is the first line, ended by \n, \r or \r\n as Python reads it.
        first = _LINE.match(data, 0, MAX_LINE_BYTES + 1).group()
        if _NOT_NEWLINE.search(data, len(first)) is None:
            return None  # no data line
    try:
        header_line = first.decode("utf-8-sig")
        delimiter = _delimiter(header_line, source)
        names = _check_header(source, next(csv.reader(io.StringIO(header_line), delimiter=delimiter)))
    except (UnicodeDecodeError, ImportRejected):
        return None
    # The column types ($csv_columns) are chosen by the reader of the scan (``direct``).
    params = {"csv_path": str(path), "csv_delim": delimiter, "csv_max_line": MAX_LINE_BYTES}
    return RawTable(source, None, names, None, sha256 or file_sha256(path), "csv", scan_params=params)


def read_csv(con: duckdb.DuckDBPyConnection, path: Path, table: str, workdir: Path,
             source: str | None = None) -> RawTable:
    """Stage a delimited text file (any of ; , tab |; UTF-8 with or without BOM, cp1252)."""
    source = source or str(path)
    if path.stat().st_size == 0:
        raise _reject(source, "fichier vide")
    encoding, sha = _sniff_encoding(path, source)
    header_line = _first_line(path, encoding, source)
    delimiter = _delimiter(header_line, source)
    header = next(csv.reader(io.StringIO(header_line), delimiter=delimiter))
    names = _check_header(source, header)
    readable = path if encoding == "utf-8-sig" else _transcode(path, encoding, workdir)
    try:
        con.execute(
            f'CREATE TABLE "{table}" AS SELECT * FROM '
            + _READ_CSV.format(path="?", delim="?", columns="?", max_line="?", options=""),
            [str(readable), delimiter, {n: "VARCHAR" for n in names}, MAX_LINE_BYTES],
        )
    except duckdb.Error as exc:
        raise _csv_error(source, str(exc)) from None
    finally:
        if readable != path:
            readable.unlink(missing_ok=True)
    rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    if rows == 0:
        raise _reject(source, "aucune ligne de données après l'en-tête")
    return RawTable(source, table, names, rows, sha, "csv")


# --------------------------------------------------------------------------------------- XLSX

def _cell_text(value: object) -> str | None:
    """An Excel cell as text, in the forms validation accepts."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.timedelta):
        return None
    return str(value)


def read_xlsx(con: duckdb.DuckDBPyConnection, path: Path, table: str, source: str | None = None) -> RawTable:
    """Stage the first sheet of an Excel workbook (.xlsx)."""
    import pyarrow as pa  # only here: a fifth of a second to import
    from python_calamine import CalamineWorkbook

    source = source or str(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    if not zipfile.is_zipfile(path):
        raise _reject(source, "ce fichier n'est pas un classeur Excel .xlsx valide")
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise _reject(source, "classeur Excel illisible ou corrompu : ouvrez-le dans Excel ou "
                      "LibreOffice et enregistrez-le à nouveau au format .xlsx") from None
    # (sheet row number, cells) of the non-empty rows.
    numbered = [(i, r) for i, r in enumerate(rows or [], start=1) if any(v not in (None, "") for v in r)]
    if not numbered:
        raise _reject(source, "feuille vide : la première ligne doit être l'en-tête des colonnes")
    header = [_cell_text(v) or "" for v in numbered[0][1]]
    names = _check_header(source, header)
    data = numbered[1:]
    if not data:
        raise _reject(source, "aucune ligne de données après l'en-tête")
    columns = {"_ligne": pa.array([number for number, _ in data], pa.int64())}
    for i, name in enumerate(names):
        columns[name] = pa.array([_cell_text(r[i]) if i < len(r) else None for _, r in data], pa.string())
    arrow_table = pa.table(columns)  # noqa: F841 - read by DuckDB's replacement scan below
    con.register("_xlsx_staging", arrow_table)
    con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM _xlsx_staging')
    con.unregister("_xlsx_staging")
    return RawTable(source, table, names, len(data), sha, "xlsx", line_sql="_ligne")


# ------------------------------------------------------------------------------------ Parquet

def read_parquet(con: duckdb.DuckDBPyConnection, path: Path, table: str, source: str | None = None) -> RawTable:
    """Stage a Parquet file, every column cast to text."""
    source = source or str(path)
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    try:
        header = [d[0] for d in con.execute("SELECT * FROM read_parquet(?) LIMIT 0", [str(path)]).description]
        names = _check_header(source, header)
        select = ", ".join(f"CAST({_quote(h)} AS VARCHAR) AS {_quote(n)}" for h, n in zip(header, names))
        con.execute(
            f'CREATE TABLE "{table}" AS SELECT {select} FROM read_parquet(?)',
            [str(path)],
        )
    except duckdb.Error:
        raise _reject(source, "fichier Parquet illisible ou corrompu") from None
    rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    if rows == 0:
        raise _reject(source, "aucune ligne de données")
    return RawTable(source, table, names, rows, digest.hexdigest(), "parquet", line_sql="rowid + 1")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def expand_paths(sources: list[str]) -> list[str]:
    """Files of the given paths (folders are walked, sorted); database URLs kept as they are."""
    out: list[str] = []
    for src in sources:
        if src.startswith(("postgresql://", "postgres://")):
            out.append(src)
            continue
        path = Path(src)
        if path.is_dir():
            out.extend(str(p) for p in sorted(path.rglob("*")) if p.suffix.lower() in SUPPORTED_SUFFIXES)
        else:
            out.append(src)
    return out


def read_path(con: duckdb.DuckDBPyConnection, path: Path, table: str, workdir: Path) -> RawTable:
    """Stage one file, chosen by its extension."""
    if not path.exists():
        raise _reject(str(path), "fichier introuvable")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(con, path, table)
    if suffix == ".parquet":
        return read_parquet(con, path, table)
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv(con, path, table, workdir)
    raise _reject(str(path), "format non pris en charge (attendu : .csv, .xlsx ou .parquet)")
