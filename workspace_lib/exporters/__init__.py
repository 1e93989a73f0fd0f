"""Report exporters: PDF (typst), DOCX (python-docx), XLSX (xlsxwriter), HTML (one page).

The input is the report model (:mod:`workspace_lib.report_model`): a list of blocks (``Titre``,
``Texte``, ``ChiffresCles``, ``Tableau`` — a table already through disclosure control —,
``Graphique`` — a Vega-Lite chart with its data), plus a :class:`ReportMeta`::

    from workspace_lib.exporters import ReportMeta, export
    meta = ReportMeta(titre="Rapport social unique 2024", sous_titre="Commune d'Albaret-le-Comtal",
                      annee=2024, organisme="Centre de Gestion de la Lozère")
    export(blocks, meta, "pdf", Path("rendered/rsu-2024.pdf"))

- Every file is written atomically (temporary file in the same folder, then ``os.replace``):
  an export that fails or is killed never leaves a partial file under the final name.
- Everything is French and A4; numbers of a table are formatted from its ``mesure``
  (effectif ``1 234``, taux ``12,3 %``, montant ``1 234 €``, jours ``12,5``); a suppressed cell
  shows « s » and the table is followed by « s : donnée couverte par le secret statistique ».
- Charts are drawn locally by vl-convert (French number and date formats), never from a CDN,
  and cached by specification (:mod:`.charts`): a report exported to several formats draws
  each chart once; a dashboard that displays its charts through :func:`.charts.svg` hands the
  drawings over to the export. vl-convert costs about 5-10 ms a chart; everything else is fast
  (PDF layout by typst: about 15 ms for 10 tables and 8 charts).
- Format options (keyword arguments of :func:`export`):
  PDF ``template`` (a typst template reading the same JSON), ``sommaire`` (table of contents;
  default from 3 headings), ``normes`` (default PDF/A-2a + PDF/UA-1);
  DOCX ``template`` (a Word .docx whose styles are used, see :mod:`.docx`;
  :func:`.docx.template_from_settings` reads the workspace setting ``[rapports] modele_docx``).

Example report (fictitious): ``python -m workspace_lib.exporters.exemple DOSSIER``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ._common import LEGENDE_SECRET, SECRET, ExportError, date_longue, formater
from .meta import SOURCES_METHODE, ReportMeta, texte_sources_methode

FORMATS = ("pdf", "docx", "xlsx", "html")


def export(blocks: list[Any], meta: ReportMeta, fmt: str, out: str | os.PathLike,
           **options: Any) -> Path:
    """Write the report in format ``fmt`` (pdf, docx, xlsx, html) at ``out``; return ``out``."""
    kind = str(fmt).lower().lstrip(".")
    if kind not in FORMATS:
        raise ExportError(f"Format d'export inconnu : « {fmt} » (formats : {', '.join(FORMATS)}).")
    if kind == "pdf":
        from . import pdf as module
    elif kind == "docx":
        from . import docx as module
    elif kind == "xlsx":
        from . import xlsx as module
    else:
        from . import html as module
    return module.export(list(blocks), meta, Path(out), **options)


__all__ = ["FORMATS", "LEGENDE_SECRET", "SECRET", "SOURCES_METHODE", "ExportError", "ReportMeta",
           "date_longue", "export", "formater", "texte_sources_methode"]
