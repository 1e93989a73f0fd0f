"""Transparency files (``<report>.tables.json``) and the human display of protected tables."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_file
from ..fr import nombre
from .model import MESURES, STATUTS, SUPPRIMES, Table

LEGENDE_SECRET = "s : donnée couverte par le secret statistique"
SECRET = "s"

_TABLE_KEYS = ("id", "titre", "mesure", "perimetre", "dimensions", "total", "cellules")


def _plain(value):
    """JSON-ready scalar (numpy numbers to Python numbers, NaN/None to None)."""
    if value is None:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        if math.isnan(value):
            return None
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def table_to_dict(table: Table) -> dict:
    """The transparency form of one protected table (only dimensions, valeur, statut per cell)."""
    if not table.protected:
        raise ValueError(
            f"Tableau « {table.id} » non protégé : appliquez protect() avant de le publier."
        )
    cells = table.cells
    dims = table.dimensions
    cols = [cells[d].astype(str).to_numpy() for d in dims]
    vals = cells["valeur"].to_numpy(dtype=object)
    statuts = cells["statut"].astype(str).to_numpy()
    out = []
    for i in range(len(cells)):
        cell = {d: col[i] for d, col in zip(dims, cols)}
        statut = statuts[i]
        if statut not in STATUTS:
            raise ValueError(f"Tableau « {table.id} » : statut « {statut} » inconnu.")
        v = _plain(vals[i])
        if statut in SUPPRIMES:
            v = None
        elif v is None:
            raise ValueError(f"Tableau « {table.id} » : cellule publiée sans valeur.")
        elif table.mesure == "effectif" and float(v) == round(float(v)):
            v = int(round(float(v)))
        cell["valeur"] = v
        cell["statut"] = statut
        out.append(cell)
    return {
        "id": table.id,
        "titre": table.titre,
        "mesure": table.mesure,
        "perimetre": _plain(dict(table.perimetre)),
        "dimensions": list(dims),
        "total": table.total,
        "cellules": out,
    }


def write_tables_json(path: str | os.PathLike, tables: list[Table]) -> Path:
    """Write ``{"tables": [...]}`` atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    document = {"tables": [table_to_dict(t) for t in tables]}
    text = json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False)
    with atomic_file(path, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    return path


def table_from_dict(data: dict, source: str = "") -> Table:
    where = f" ({source})" if source else ""
    if not isinstance(data, dict):
        raise ValueError(f"Fichier de tableaux invalide{where} : un tableau doit être un objet JSON.")
    missing = [k for k in _TABLE_KEYS if k not in data]
    if missing:
        raise ValueError(f"Fichier de tableaux invalide{where} : clés absentes {', '.join(missing)}.")
    if data["mesure"] not in MESURES:
        raise ValueError(f"Fichier de tableaux invalide{where} : mesure « {data['mesure']} » inconnue.")
    dims = list(data["dimensions"])
    rows = []
    for cell in data["cellules"]:
        try:
            row = {d: str(cell[d]) for d in dims}
            row["valeur"] = cell["valeur"]
            row["statut"] = cell["statut"]
        except (KeyError, TypeError):
            raise ValueError(
                f"Fichier de tableaux invalide{where} : cellule incomplète dans « {data['id']} »."
            ) from None
        if row["statut"] not in STATUTS:
            raise ValueError(f"Fichier de tableaux invalide{where} : statut « {row['statut']} » inconnu.")
        if row["valeur"] is not None and (isinstance(row["valeur"], bool)
                                          or not isinstance(row["valeur"], (int, float))):
            raise ValueError(f"Fichier de tableaux invalide{where} : valeur non numérique dans « {data['id']} ».")
        rows.append(row)
    cells = pd.DataFrame({d: [r[d] for r in rows] for d in dims})
    valeurs = np.empty(len(rows), dtype=object)
    valeurs[:] = [r["valeur"] for r in rows]
    cells["valeur"] = valeurs
    cells["statut"] = [r["statut"] for r in rows]
    return Table(id=str(data["id"]), titre=str(data["titre"]), mesure=data["mesure"],
                 perimetre=dict(data["perimetre"]), dimensions=dims, total=str(data["total"]),
                 cells=cells)


def read_tables_json(path: str | os.PathLike) -> list[Table]:
    """The tables of a ``.tables.json`` file (cells: dimensions, valeur, statut)."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"Fichier de tableaux illisible ({path}) : {exc.msg}, ligne {exc.lineno}.") from None
    if not isinstance(document, dict) or not isinstance(document.get("tables"), list):
        raise ValueError(f"Fichier de tableaux invalide ({path}) : clé « tables » absente.")
    return [table_from_dict(t, str(path)) for t in document["tables"]]


_DECIMALES = {"effectif": 0, "jours": 1, "montant": 0, "taux": 1}


def display_frame(table: Table, decimales: int | None = None) -> pd.DataFrame:
    """A protected table for human eyes: French numbers, « s » for suppressed cells.

    One dimension: one row per member. Two dimensions: the first in rows, the second in
    columns. Three: the first two in rows, the last in columns. Members keep their order of
    appearance, the total last. Combinations absent from the table are left empty.
    """
    if not table.protected:
        raise ValueError(f"Tableau « {table.id} » non protégé : appliquez protect() avant de l'afficher.")
    dec = _DECIMALES[table.mesure] if decimales is None else decimales
    cells = table.cells
    hidden = cells["statut"].isin(SUPPRIMES).to_numpy()
    vals = cells["valeur"].to_numpy(dtype=object)
    text = [SECRET if h or v is None or (isinstance(v, float) and math.isnan(v)) else nombre(float(v), dec)
            for v, h in zip(vals, hidden)]
    dims = table.dimensions
    label = {"effectif": "Effectif", "jours": "Jours", "montant": "Montant (€)", "taux": "Taux (%)"}[table.mesure]
    frame = cells[dims].astype(str).copy()
    frame[label] = text
    if not dims:
        return frame.reset_index(drop=True)
    orders = {d: _order(cells[d].astype(str), table.total) for d in dims}
    if len(dims) == 1:
        d = dims[0]
        out = frame.set_index(d)[[label]]
        return out.reindex(orders[d])
    rows, col = dims[:-1], dims[-1]
    out = frame.pivot(index=rows, columns=col, values=label)
    if len(rows) == 1:
        out = out.reindex(index=orders[rows[0]])
    else:
        idx = pd.MultiIndex.from_product([orders[r] for r in rows], names=rows)
        present = set(map(tuple, frame[rows].to_numpy().tolist()))
        out = out.reindex(index=[i for i in idx if i in present])
        out.index = pd.MultiIndex.from_tuples(out.index, names=rows)
    out = out.reindex(columns=orders[col]).fillna("")
    out.columns.name = col
    return out


def _order(col: pd.Series, total: str) -> list[str]:
    order = list(dict.fromkeys(col.tolist()))
    if total in order:
        order.remove(total)
        order.append(total)
    return order
