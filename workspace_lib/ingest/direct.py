"""The fast path of validation: a checked table built straight from a scan of a CSV file.

The staged path (``validate``) copies a file into a table of text, types it, then counts each
rule's offending rows and fetches their text for the report. For a UTF-8 CSV file, this module
does the same checks in the pass that reads the file: the typed columns the load needs are
stored with a ``_bad`` flag (some rule broken), and nothing else. It never reports: the
importer sends any file it finds fault with through the staged path, which says what and where.

The rows are not numbered (a CSV scan gives no line number), so DuckDB may store them in any
order: its threads then do not wait for each other.
"""

from __future__ import annotations

import duckdb

from ..file_formats import FileKind
from .readers import RawTable
from .validate import _n, _nir_well_formed, _rules, _t, _typed, _typed_name, _v, bad_sirets



def _columns_select(kind: FileKind, raw: RawTable, year: int | None, derived: list[tuple[str, str]]) -> str:
    """SELECT of every column's typed value ``"c"``, emptiness flag ``"n$c"`` and the derived
    columns, from the scan (the staging view's expressions, without the row number)."""
    cleaned = []
    for col in kind.columns:
        if col.name in raw.columns:
            text = f'"{col.name}"'
        elif col.name == "annee" and year is not None:
            text = f"'{int(year)}'"  # the --annee option, an integer
        else:
            text = "CAST(NULL AS VARCHAR)"
        cleaned.append(f"nullif(trim({text}), '') AS {_v(col.name)}")
    typed = [f"{_typed(kind, c)} AS {_typed_name(c.name)}" for c in kind.columns]
    final = [f"{_typed_name(c.name)} AS {_t(c.name)}" for c in kind.columns]
    final += [f"{_v(c.name)} IS NULL AS {_n(c.name)}" for c in kind.columns]
    final += [f'{sql} AS "{name}"' for name, sql in derived]
    return (f"SELECT {', '.join(final)} FROM (SELECT *, {', '.join(typed)} "
            f"FROM (SELECT {', '.join(cleaned)} FROM {raw.from_sql()}))")


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
    stored = [_t(c) for c in keep] + [f'"{name}"' for name, _ in derived]
    con.execute("SET preserve_insertion_order = false")
    try:
        con.execute(
            f'CREATE TABLE "{table}" AS SELECT {", ".join(stored)}, '
            f'coalesce({" OR ".join(conditions)}, false) AS _bad '
            f"FROM (SELECT {with_shared} FROM ({_columns_select(kind, raw, year_asked, derived)}))",
            params)
    finally:
        con.execute("RESET preserve_insertion_order")


def broken_rows(con: duckdb.DuckDBPyConnection, table: str, years: str) -> bool:
    """True if a row of a table from :func:`materialise_checked` breaks a rule or has a bad SIRET key.

    ``years`` holds the file's distinct (annee, siret): the Luhn check runs on its SIRETs.
    """
    return con.execute(f'SELECT bool_or(_bad) FROM "{table}"').fetchall()[0][0] or bool(bad_sirets(con, years))
