"""Writing the tables: CSV with French conventions (pyarrow) and XLSX (xlsxwriter).

CSV: ``;`` delimiter, UTF-8 (no BOM), header line of the contract's column names, decimal
comma, dates ``dd/mm/yyyy``, booleans ``oui``/``non``, empty cells for missing values, no
quotes (the values are generated so that none is needed). Files are written to a temporary
file of the same folder, then renamed (atomic).
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .. import file_formats as ff
from ..atomic import atomic_path

# Decimal columns written with exactly two decimals (euros); the others drop useless zeros.
MONEY = {"remuneration_brute", "regime_indemnitaire", "nbi", "depenses_personnel",
         "cotisation_cnfpt", "depenses_formation", "action_sociale",
         "participation_protection_sociale"}
DATE_BASE = dt.date(1900, 1, 1)
DATE_END = dt.date(2101, 12, 31)
_EPOCH_OFFSET = (DATE_BASE - dt.date(1970, 1, 1)).days


@functools.cache
def _date_strings() -> pa.Array:
    """'dd/mm/yyyy' of every day from 1900-01-01 to 2101-12-31."""
    days = np.arange(np.datetime64(DATE_BASE), np.datetime64(DATE_END) + 1)
    iso = np.datetime_as_string(days, unit="D")        # yyyy-mm-dd
    return pa.array([f"{s[8:10]}/{s[5:7]}/{s[0:4]}" for s in iso], type=pa.string())


@functools.cache
def _fractions(money: bool) -> pa.Array:
    if money:
        return pa.array([f",{i:02d}" for i in range(100)], type=pa.string())
    return pa.array([("," + f"{i:02d}".rstrip("0")) if i else "" for i in range(100)], type=pa.string())


def format_decimal(values: pa.Array, money: bool) -> pa.Array:
    """Hundredths (int64, >= 0) -> French decimal text: 123456 -> '1234,56' (or '1234,5')."""
    whole = pc.divide(values, 100)
    frac = pc.subtract(values, pc.multiply(whole, 100))
    text = pc.binary_join_element_wise(whole.cast(pa.string()),
                                       _fractions(money).take(frac.cast(pa.int32())), "")
    return text


def format_date(values: pa.Array) -> pa.Array:
    days = pc.subtract(values.cast(pa.int32()), pa.scalar(_EPOCH_OFFSET, pa.int32()))
    return _date_strings().take(days)


def format_bool(values: pa.Array) -> pa.Array:
    return pc.if_else(values, "oui", "non")


def csv_table(table: pa.Table, kind: ff.FileKind) -> pa.Table:
    """The table with every column as CSV text (French conventions) or int64."""
    cols = []
    for col in kind.columns:
        arr = table.column(col.name).combine_chunks()
        if col.kind == "decimal":
            arr = format_decimal(arr, col.name in MONEY)
        elif col.kind == "date":
            arr = format_date(arr)
        elif col.kind == "bool":
            arr = format_bool(arr)
        elif col.kind == "int":
            arr = arr.cast(pa.int64())
        else:
            arr = arr.cast(pa.string())
        cols.append(arr)
    return pa.table(cols, schema=csv_schema(kind))


@functools.cache
def csv_schema(kind: ff.FileKind) -> pa.Schema:
    return pa.schema([(c.name, pa.int64() if c.kind == "int" else pa.string()) for c in kind.columns])




class CsvFile:
    """A CSV file written batch by batch (call ``write`` then ``close``, inside ``atomic_file``)."""

    def __init__(self, handle, kind: ff.FileKind):
        self.kind = kind
        self.rows = 0
        handle.write((";".join(kind.column_names) + "\n").encode("utf-8"))
        options = pacsv.WriteOptions(include_header=False, delimiter=";", quoting_style="none",
                                     batch_size=65536)
        self.writer = pacsv.CSVWriter(handle, csv_schema(kind), write_options=options)

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self.writer.write_table(csv_table(table, self.kind))
            self.rows += table.num_rows

    def close(self) -> None:
        self.writer.close()


EXCEL_EPOCH_OFFSET = 25569          # days from 1899-12-30 (Excel's day 0) to 1970-01-01


def xlsx_columns(table: pa.Table, kind: ff.FileKind) -> list[list]:
    """Python values per column: numbers as numbers, dates as Excel day numbers (shown with a
    date format), booleans as oui/non, missing values as None (no cell written)."""
    out = []
    for col in kind.columns:
        arr = table.column(col.name).combine_chunks()
        if col.kind == "decimal":
            arr = pc.divide(arr.cast(pa.float64()), 100.0)
        elif col.kind == "date":
            arr = pc.add(arr.cast(pa.int32()), EXCEL_EPOCH_OFFSET)
        elif col.kind == "bool":
            arr = format_bool(arr)
        out.append(arr.to_pylist())
    return out


def write_xlsx(path: Path, tables: list[pa.Table], kind: ff.FileKind, advance=None) -> int:
    """One sheet named after the kind, a header row, then the rows of ``tables``.

    Cells are written with xlsxwriter's type-specific writers (no type dispatch per cell):
    about twice as fast as ``write_row``.
    """
    import xlsxwriter

    rows = 0
    with atomic_path(path) as tmp:
        workbook = xlsxwriter.Workbook(str(tmp), {
            "constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False,
        })
        try:
            sheet = workbook.add_worksheet(kind.name)
            bold = workbook.add_format({"bold": True})
            date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
            sheet.write_row(0, 0, kind.column_names, bold)
            sheet.freeze_panes(1, 0)
            # The undecorated writers of xlsxwriter when available, else the public ones.
            number = getattr(sheet, "_write_number", sheet.write_number)
            string = getattr(sheet, "_write_string", sheet.write_string)
            writers = []
            for col in kind.columns:
                if col.kind in ("int", "decimal"):
                    writers.append(number)
                elif col.kind == "date":
                    writers.append(lambda r, c, v: number(r, c, v, date_format))
                else:
                    writers.append(string)
            for table in tables:
                if not table.num_rows:
                    continue
                cols = xlsx_columns(table, kind)
                for values in zip(*cols):
                    rows += 1
                    for c, value in enumerate(values):
                        if value is not None:
                            writers[c](rows, c, value)
                if advance:
                    advance(table.num_rows)
        finally:
            workbook.close()
    return rows
