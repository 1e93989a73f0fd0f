"""Imports of RSU data: readers, validation, pseudonymisation, all-or-nothing load."""

from .errors import ImportRejected, Problem
from .importer import ImportReport, import_sources

__all__ = ["ImportRejected", "ImportReport", "Problem", "import_sources"]
