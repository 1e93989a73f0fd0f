"""The fast path of validation: a checked table built straight from a scan of a CSV file.

The staged path (``validate``) copies a file into a table of text, types it, then counts each
rule's offending rows and fetches their text for the report. For a UTF-8 CSV file, this module
does the same checks in the pass that reads the file: the typed columns the load needs are
stored with a ``_bad`` flag (some rule broken), and nothing else. It never reports: the
importer sends any file it finds fault with through the staged path, which says what and where.

The rows are not numbered (a CSV scan gives no line number); they keep the file's order, which
the load keeps too (an export lists each employer's agents together).

These shortcuts make the pass cheaper than the staged path's view, without ever accepting what
the staged path refuses:
- numbers (French decimal comma) and dates (dd/mm/yyyy) are typed by DuckDB's CSV reader, which
  fails on any other spelling (the file then goes through the staged path);
- enumerations, booleans, SIRET and NIR are not trimmed: a value with spaces around it is in
  no list and is no SIRET, so its row is flagged and the staged path (which trims) decides;
- a NIR is not normalised either (spaces removed, upper case): one that needs it is not well
  formed as it is, so its row is flagged too.
"""

from __future__ import annotations

import duckdb

from ..file_formats import Column, FileKind
from .readers import RawTable, scan_sql
from .validate import _n, _nir_well_formed, _rules, _t, _typed, _typed_name, _v, bad_sirets

# DuckDB type of the columns its CSV reader types, by kind of column.
_READ_TYPED = {"int": "DOUBLE", "decimal": "DOUBLE", "date": "DATE"}
_UNTRIMMED = frozenset({"enum", "bool", "siret", "nir"})
_SCAN_OPTIONS = ", decimal_separator=$csv_decimal, dateformat='%d/%m/%Y'"


def _read_types(kind: FileKind, raw: RawTable) -> dict[str, str]:
    """DuckDB type of each column of the file as the fast path reads it.

    Numbers are read as text when the delimiter is a comma (it cannot also be the decimal mark).
    """
    comma = raw.scan_params["csv_delim"] == ","
    types = {}
    for name in raw.columns:
        col = kind.column(name)
        typed = _READ_TYPED.get(col.kind)
        types[name] = "VARCHAR" if typed is None or (comma and typed == "DOUBLE") else typed
    return types


def _typed_read(col: Column) -> str:
    """SQL of the typed value of a column DuckDB's reader typed (``"v$c"``: DOUBLE or DATE)."""
    v = _v(col.name)
    return f"CASE WHEN {v} = round({v}) THEN TRY_CAST({v} AS BIGINT) END" if col.kind == "int" else v


def _columns_select(kind: FileKind, raw: RawTable, year: int | None, derived: list[tuple[str, str]],
                    types: dict[str, str]) -> str:
    """SELECT of every column's typed value ``"c"``, emptiness flag ``"n$c"`` and the derived
    columns, from the scan (the staging view's expressions, without the row number)."""
    cleaned, typed = [], []
    for col in kind.columns:
        read_typed = types.get(col.name, "VARCHAR") != "VARCHAR"
        if col.name in raw.columns:
            text = f'"{col.name}"'
        elif col.name == "annee" and year is not None:
            text = f"'{int(year)}'"  # the --annee option, an integer
        else:
            text = "CAST(NULL AS VARCHAR)"
        untrimmed = read_typed or (col.kind in _UNTRIMMED and col.name in raw.columns)
        value = text if untrimmed else f"nullif(trim({text}), '')"
        cleaned.append(f"{value} AS {_v(col.name)}")
        if read_typed:
            typed_sql = _typed_read(col)
        else:
            typed_sql = _v(col.name) if col.kind == "nir" else _typed(kind, col)
        typed.append(f"{typed_sql} AS {_typed_name(col.name)}")
    final = [f"{_typed_name(c.name)} AS {_t(c.name)}" for c in kind.columns]
    final += [f"{_v(c.name)} IS NULL AS {_n(c.name)}" for c in kind.columns]
    final += [f'{sql} AS "{name}"' for name, sql in derived]
    return (f"SELECT {', '.join(final)} FROM (SELECT *, {', '.join(typed)} "
            f"FROM (SELECT {', '.join(cleaned)} FROM {scan_sql(_SCAN_OPTIONS)}))")


def materialise_checked(con: duckdb.DuckDBPyConnection, kind: FileKind, raw: RawTable, table: str,
                        derived: list[tuple[str, str]], keep: list[str], params: dict,
                        year_asked: int | None) -> None:
    """Create the checked table straight from a scan of the file, rules evaluated on the way.

    Only the ``keep`` columns (typed) and ``derived`` ones (SQL over the staging view's
    columns, such as the pseudonym) are stored, with ``_bad``: true on a row that breaks a
    rule (see :func:`broken_rows`).
    """
    # Sub-expressions several rules share, computed once.
    shared = {_nir_well_formed(_t("nir")): '"w$nir"'} if "nir" in kind.column_names else {}
    conditions = []
    for rule in _rules(con, kind, year_asked):
        condition = rule.condition
        for sql, name in shared.items():
            condition = condition.replace(sql, name)
        conditions.append(f"({condition})")
    with_shared = ", ".join(["*"] + [f"{sql} AS {name}" for sql, name in shared.items()])
    types = _read_types(kind, raw)
    params = {**params, "csv_columns": types, "csv_decimal": "." if raw.scan_params["csv_delim"] == "," else ","}
    stored = [_t(c) for c in keep] + [f'"{name}"' for name, _ in derived]
    con.execute(
        f'CREATE TABLE "{table}" AS SELECT {", ".join(stored)}, '
        f'coalesce({" OR ".join(conditions)}, false) AS _bad '
        f"FROM (SELECT {with_shared} FROM ({_columns_select(kind, raw, year_asked, derived, types)}))",
        params)


def broken_rows(con: duckdb.DuckDBPyConnection, table: str, years: str) -> bool:
    """True if a row of a table from :func:`materialise_checked` breaks a rule or has a bad SIRET key.

    ``years`` holds the file's distinct (annee, siret): the Luhn check runs on its SIRETs.
    """
    return con.execute(f'SELECT bool_or(_bad) FROM "{table}"').fetchall()[0][0] or bool(bad_sirets(con, years))
