"""Statistical disclosure control of everything that leaves the warehouse.

- Aggregate tables: :class:`Table`, primary rules :class:`Rules`, secondary suppression over all
  the tables published together :func:`protect`, LP audit :func:`audit_tables`, transparency
  files :func:`write_tables_json` / :func:`read_tables_json`, display :func:`display_frame`.
- Microdata for observatories: :func:`export_microdata` (generalisation and local suppression
  to k-anonymity).

See domain notes, "Statistical disclosure control".
"""

from .audit import AuditReport, CellInterval, audit_tables
from .io import LEGENDE_SECRET, display_frame, read_tables_json, write_tables_json
from .microdata import MicrodataReport, export_microdata
from .model import (
    MESURES,
    PUBLIE,
    SECRET_PRIMAIRE,
    SECRET_SECONDAIRE,
    STATUTS,
    Rules,
    Table,
)
from .protect import protect
from .tabulate import table_from_records

__all__ = [
    "AuditReport",
    "CellInterval",
    "LEGENDE_SECRET",
    "MESURES",
    "MicrodataReport",
    "PUBLIE",
    "Rules",
    "SECRET_PRIMAIRE",
    "SECRET_SECONDAIRE",
    "STATUTS",
    "Table",
    "audit_tables",
    "display_frame",
    "export_microdata",
    "protect",
    "table_from_records",
    "read_tables_json",
    "write_tables_json",
]
