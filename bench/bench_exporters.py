"""Benchmark: exporting a typical report (10 tables, 8 charts, key figures, text) to each format.

The report is :func:`workspace_lib.exporters.exemple.rapport` (4 sections, 10 protected tables
of 7 x 4 cells with suppressed cells, 8 Vega-Lite charts: grouped bars and lines with series).
After a first export of every format (starts vl-convert's JavaScript engine and typst's fonts),
printed per format: median wall-clock time of a warm export

- "charts rendered": the chart cache is emptied before each run, so the export draws its 8
  charts with vl-convert (SVG; PNG too for DOCX);
- "charts cached": the charts were already drawn (the report exported to another format just
  before, or the dashboard displayed them through ``exporters.charts``);

plus the cost of the charts alone (8 SVG, 8 PNG from those SVG) and of the four formats in a
row (what the render engine does for one report). Usage:

    .venv/bin/python bench/bench_exporters.py [--repeat 7] [--out DOSSIER]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from workspace_lib.exporters import FORMATS, charts, export
from workspace_lib.exporters.exemple import rapport
from workspace_lib.report_model import Graphique


def mesurer(fn, repeat: int, before=None) -> float:
    times = []
    for _ in range(repeat):
        if before:
            before()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None, help="dossier des fichiers produits")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-exporters-"))
    blocks, meta = rapport(10, 8)
    graphs = [b for b in blocks if isinstance(b, Graphique)]

    t = time.perf_counter()
    for fmt in FORMATS:
        export(blocks, meta, fmt, out / f"rapport.{fmt}")
    print(f"première exportation des 4 formats (démarrage vl-convert, typst) : {time.perf_counter() - t:.2f} s")

    print(f"\n{'format':<6} {'graphiques rendus':>18} {'graphiques en cache':>20} {'taille':>10}")
    for fmt in FORMATS:
        path = out / f"rapport.{fmt}"
        cold = mesurer(lambda: export(blocks, meta, fmt, path), args.repeat, charts.vider_cache)
        export(blocks, meta, fmt, path)
        warm = mesurer(lambda: export(blocks, meta, fmt, path), args.repeat)
        print(f"{fmt:<6} {cold * 1000:>15.0f} ms {warm * 1000:>17.0f} ms {path.stat().st_size / 1024:>7.0f} Ko")

    def svgs():
        for g in graphs:
            charts.svg(g)

    def pngs():
        for g in graphs:
            charts.png(g)

    t_svg = mesurer(svgs, args.repeat, charts.vider_cache)
    t_png = mesurer(pngs, args.repeat, lambda: (charts.vider_cache(), svgs()))
    print(f"\n8 graphiques, vl-convert : SVG {t_svg * 1000:.0f} ms ; PNG (x2) depuis le SVG {t_png * 1000:.0f} ms")

    def tous():
        for fmt in FORMATS:
            export(blocks, meta, fmt, out / f"rapport.{fmt}")

    t_all = mesurer(tous, args.repeat, charts.vider_cache)
    print(f"les 4 formats à la suite (graphiques rendus une fois) : {t_all * 1000:.0f} ms")
    print(f"fichiers : {out}")


if __name__ == "__main__":
    main()
