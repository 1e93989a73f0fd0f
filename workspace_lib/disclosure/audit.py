"""What an attacker can deduce from tables published together: feasibility intervals by LP.

The published cells of the additive tables (``effectif``, ``jours``, ``montant``) are linear
equations: along every dimension that has a total member, the members of a line add up to its
total. Cells of different tables that count the same thing over the same population (same
``variable``, perimetre and members, the total member meaning "no restriction") are one
unknown. For each suppressed cell, minimising and maximising it under these equations, with
the published cells fixed and every cell non-negative, gives the interval the attacker can
deduce (tau-Argus manual 4.2.6; Fischetti & Salazar-Gonzalez 2000). Used by ``protect`` (with
the true values) and by the ``audit-disclosure`` command (with what was published only).

The minimisations and maximisations of a whole report are solved as *one* block-diagonal
linear programme (one block per bound of each suppressed cell, restricted to the suppressed
cells connected to it), which avoids paying the set-up cost of ``scipy.optimize.linprog`` for
every bound.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from ..fr import nombre, pluriel
from .model import PUBLIE, SECRET_PRIMAIRE, SECRET_SECONDAIRE, SUPPRIMES, Table

# Largest number of LP variables solved in one linprog call.
_BATCH_VARIABLES = 40_000
# Relative tolerance under which an interval is a single point.
_EXACT = 1e-6


def exact_tolerance(scale: float) -> float:
    """Width below which an interval counts as a single value (LP round-off)."""
    return _EXACT * max(1.0, abs(scale))


@dataclass
class TableStructure:
    """Cells of one table as coordinates, and the unknown (variable) each cell is."""

    pos: int
    table: Table
    members: list[list[str]]
    total_pos: list[int]
    coords: np.ndarray
    var: np.ndarray

    @property
    def total_dims(self) -> list[int]:
        return [d for d, t in enumerate(self.total_pos) if t >= 0]

    def grid(self) -> np.ndarray:
        """Variable index of each combination of members (-1 where the table has no cell)."""
        shape = tuple(len(m) for m in self.members)
        g = np.full(shape, -1, dtype=np.int64)
        if len(self.coords):
            g[tuple(self.coords.T)] = self.var
        return g


@dataclass
class System:
    """The unknowns of a set of tables and the additivity equations between them."""

    structures: list[TableStructure]
    value: np.ndarray            # per variable; NaN when not known
    count: np.ndarray            # per variable: True for an effectif (count) cell
    grand_total: np.ndarray      # per variable: True when it is a table's grand total
    cells_of: list[list[tuple[int, int]]]   # per variable: (table position, row)
    A: sp.csr_matrix             # equations A @ x = 0
    bound: float                 # upper bound given to unknowns (a bound reached means "none")

    @property
    def n(self) -> int:
        return len(self.value)

    def check_additivity(self) -> None:
        """Raise if the known values break an equation (a table that is not additive)."""
        if not self.A.shape[0] or np.isnan(self.value).any():
            return
        residual = self.A @ self.value
        scale = abs(self.A) @ np.abs(self.value)
        bad = np.flatnonzero(np.abs(residual) > 1e-6 * np.maximum(1.0, scale))
        if len(bad):
            row = self.A.getrow(bad[0])
            ids = sorted({self.structures[self.cells_of[v][0][0]].table.id for v in row.indices})
            raise ValueError(
                f"Tableau « {ids[0]} » non additif : la somme des cellules d'une ligne ne vaut pas "
                f"son total (écart {nombre(float(residual[bad[0]]), 2)}). Vérifiez les cellules "
                "et les marges « Ensemble »."
            )


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def dimension_columns(table: Table) -> list[np.ndarray]:
    """The members of each cell along each dimension, as arrays of str."""
    out = []
    for d in table.dimensions:
        col = table.cells[d].to_numpy(dtype=object)
        if not all(type(x) is str for x in col):
            col = np.array([str(x) for x in col], dtype=object)
        out.append(col)
    return out


def build_system(tables: list[Table], values: list[np.ndarray],
                 columns: list[list[np.ndarray]] | None = None) -> System:
    """Unknowns and equations of the additive tables among ``tables``.

    ``values[i]`` gives the value of each cell of ``tables[i]`` (NaN when not known);
    ``columns[i]`` its members (see :func:`dimension_columns`). Tables of the same variable are
    merged when the cells they share agree; when two tables disagree on a shared cell they count
    different things and are kept apart.
    """
    import scipy.sparse as sp  # noqa: PLC0415 - scipy: 0.5 s to import, only when solving

    if columns is None:
        columns = [dimension_columns(t) for t in tables]
    keyed: list[tuple[int, str, list[frozenset]]] = []
    for pos, table in enumerate(tables):
        if not table.additive:
            continue
        perim = [(str(k), str(v)) for k, v in table.perimetre.items()]
        total = table.total
        named = [[(d, m) if m != total else None for m in col]
                 for d, col in zip(table.dimensions, columns[pos])]
        keys = [frozenset([*perim, *(x for x in items if x is not None)]) for items in zip(*named)] \
            if named else [frozenset(perim)] * len(table.cells)
        if len(set(keys)) != len(keys):
            raise ValueError(f"Tableau « {table.id} » : plusieurs cellules ont les mêmes modalités.")
        keyed.append((pos, table.variable or table.mesure, keys))

    # Namespaces: groups of tables whose shared cells are the same unknowns.
    spaces: list[dict] = []
    table_space: dict[int, int] = {}
    for pos, variable, keys in keyed:
        vals = dict(zip(keys, values[pos].tolist()))
        compatible = []
        for s, space in enumerate(spaces):
            if space["variable"] != variable or space["merged_into"] is not None:
                continue
            shared = vals.keys() & space["values"].keys()
            if shared and all(_agree(vals[k], space["values"][k]) for k in shared):
                compatible.append(s)
        if not compatible:
            spaces.append({"variable": variable, "values": vals, "merged_into": None})
            table_space[pos] = len(spaces) - 1
            continue
        target = compatible[0]
        for s in compatible[1:]:
            a, b = spaces[target]["values"], spaces[s]["values"]
            if all(_agree(a[k], b[k]) for k in a.keys() & b.keys()):
                _absorb(a, b)
                spaces[s]["merged_into"] = target
        _absorb(spaces[target]["values"], vals)
        table_space[pos] = target

    def root(s: int) -> int:
        while spaces[s]["merged_into"] is not None:
            s = spaces[s]["merged_into"]
        return s

    index: dict[tuple[int, frozenset], int] = {}
    value: list[float] = []
    count: list[bool] = []
    cells_of: list[list[tuple[int, int]]] = []
    structures: list[TableStructure] = []
    grand_vars: list[int] = []
    ri: list[np.ndarray] = []
    ci: list[np.ndarray] = []
    data: list[np.ndarray] = []
    n_rows = 0
    keys_of = {pos: keys for pos, _, keys in keyed}
    for pos, table in enumerate(tables):
        n_cells = len(table.cells)
        members: list[list[str]] = []
        total_pos: list[int] = []
        coords = np.zeros((n_cells, len(table.dimensions)), dtype=np.int64)
        for d, col in enumerate(columns[pos]):
            order = list(dict.fromkeys(col.tolist()))
            if table.total in order:   # the total member last
                order.remove(table.total)
                order.append(table.total)
                total_pos.append(len(order) - 1)
            else:
                total_pos.append(-1)
            where = {m: i for i, m in enumerate(order)}
            coords[:, d] = [where[m] for m in col.tolist()]
            members.append(order)
        var = np.full(n_cells, -1, dtype=np.int64)
        if pos in table_space:
            space = root(table_space[pos])
            vals = values[pos].tolist()
            for i, key in enumerate(keys_of[pos]):
                k = (space, key)
                v = index.get(k)
                if v is None:
                    v = index[k] = len(value)
                    value.append(math.nan)
                    count.append(table.mesure == "effectif")
                    cells_of.append([])
                if math.isnan(value[v]) and not math.isnan(vals[i]):
                    value[v] = float(vals[i])
                cells_of[v].append((pos, i))
                var[i] = v
        structure = TableStructure(pos, table, members, total_pos, coords, var)
        structures.append(structure)
        if pos not in table_space or not structure.total_dims:
            continue
        at_total = coords == np.array(total_pos)
        grand_vars.extend(var[at_total.all(axis=1)].tolist())
        sizes = np.array([len(m) for m in members], dtype=np.int64)
        for d in structure.total_dims:
            # Line of each cell along d: its coordinates on the other dimensions.
            line = np.zeros(n_cells, dtype=np.int64)
            for e in range(len(members)):
                if e != d:
                    line = line * sizes[e] + coords[:, e]
            uniq, line_id = np.unique(line, return_inverse=True)
            is_total = at_total[:, d]
            has_total = np.zeros(len(uniq), dtype=bool)
            has_total[line_id[is_total]] = True
            has_member = np.zeros(len(uniq), dtype=bool)
            has_member[line_id[~is_total]] = True
            keep_line = has_total & has_member
            renum = np.cumsum(keep_line) - 1
            use = keep_line[line_id]
            ri.append(n_rows + renum[line_id[use]])
            ci.append(var[use])
            data.append(np.where(is_total[use], -1.0, 1.0))
            n_rows += int(keep_line.sum())
    n = len(value)
    A = sp.csr_matrix(
        (np.concatenate(data) if data else np.zeros(0),
         (np.concatenate(ri) if ri else np.zeros(0, dtype=np.int64),
          np.concatenate(ci) if ci else np.zeros(0, dtype=np.int64))),
        shape=(n_rows, n),
    )
    value_arr = np.array(value, dtype=float)
    grand = np.zeros(n, dtype=bool)
    grand[grand_vars] = True
    known = value_arr[~np.isnan(value_arr)]
    bound = 1e4 * max(1.0, float(np.abs(known).max()) if len(known) else 1.0)
    return System(structures, value_arr, np.array(count, dtype=bool), grand, cells_of, A, bound)


def _agree(a: float, b: float) -> bool:
    return math.isnan(a) or math.isnan(b) or _close(a, b)


def _absorb(into: dict, other: dict) -> None:
    for k, v in other.items():
        if k not in into or (math.isnan(into[k]) and not math.isnan(v)):
            into[k] = v


# --- feasibility intervals -------------------------------------------------------------------

@dataclass
class _Block:
    """Copies of one component of suppressed unknowns, each optimising one objective."""

    A: sp.csr_matrix
    b: np.ndarray
    objectives: np.ndarray           # (copies, m): each copy minimises objectives[j] @ x
    solutions: np.ndarray | None = None
    infeasible: bool = False


@dataclass
class Intervals:
    lower: dict[int, float] = field(default_factory=dict)
    upper: dict[int, float] = field(default_factory=dict)
    infeasible: set[int] = field(default_factory=set)

    def width(self, v: int) -> float:
        return self.upper[v] - self.lower[v]


def components(system: System, suppressed: np.ndarray):
    """Connected groups of suppressed unknowns: (variables, their equations, right-hand side)."""
    import scipy.sparse as sp  # noqa: PLC0415
    from scipy.sparse.csgraph import connected_components  # noqa: PLC0415
    U = np.flatnonzero(suppressed)
    if not len(U):
        return []
    A = system.A.tocsc()
    AU = A[:, U].tocsr()
    known = ~suppressed
    x = np.where(known, np.nan_to_num(system.value), 0.0)
    rhs = -(A[:, known] @ x[known]) if known.any() else np.zeros(A.shape[0])
    used = np.flatnonzero(AU.getnnz(axis=1) > 0)
    AU = AU[used]
    rhs = np.asarray(rhs)[used]
    nu, nr = len(U), len(used)
    graph = sp.bmat([[None, AU.T], [AU, None]], format="csr") if nr else sp.csr_matrix((nu, nu))
    _, labels = connected_components(graph, directed=False)
    var_labels = labels[:nu]
    row_labels = labels[nu:]
    groups: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for local, lab in enumerate(var_labels):
        groups[lab][0].append(local)
    for r, lab in enumerate(row_labels):
        groups[lab][1].append(r)
    out = []
    for local_vars, local_rows in groups.values():
        sub = AU[local_rows][:, local_vars] if local_rows else sp.csr_matrix((0, len(local_vars)))
        out.append((U[local_vars], sp.csr_matrix(sub), rhs[local_rows]))
    return out


def _bounds_objectives(m: int, local: list[int]) -> np.ndarray:
    c = np.zeros((2 * len(local), m))
    for j, i in enumerate(local):
        c[2 * j, i] = 1.0        # minimise
        c[2 * j + 1, i] = -1.0   # maximise
    return c


def intervals(system: System, suppressed: np.ndarray, targets=None,
              need: np.ndarray | None = None, probes: int = 3) -> Intervals:
    """[min, max] of each suppressed unknown (or of ``targets`` only) given the published ones.

    With ``need`` (required width per unknown, when only "wide enough?" matters, as in
    ``protect``), each component is first probed with ``probes`` random directions (minimised
    and maximised) and, when the true values are known, the true point: an unknown whose values
    over these feasible points already spread by ``need`` gets that (narrower but sufficient)
    interval without its own LPs. The others get exact bounds.
    """
    wanted = None if targets is None else set(int(t) for t in targets)
    result = Intervals()
    work = []
    for vars_, A, b in components(system, suppressed):
        local = [i for i, v in enumerate(vars_) if wanted is None or int(v) in wanted]
        if not local:
            continue
        if A.shape[0] == 0:
            for i in local:
                result.lower[int(vars_[i])], result.upper[int(vars_[i])] = 0.0, math.inf
            continue
        work.append((vars_, A, b, local))
    if need is not None and work:
        rng = np.random.default_rng(len(work))
        blocks = []
        for vars_, A, b, local in work:
            m = A.shape[1]
            directions = rng.standard_normal((probes, m))
            blocks.append(_Block(A, b, np.concatenate([directions, -directions])))
        solve_blocks(blocks, system.bound)
        remaining = []
        for (vars_, A, b, local), block in zip(work, blocks):
            if block.infeasible:
                remaining.append((vars_, A, b, local))
                continue
            points = block.solutions
            truth = system.value[vars_]
            if not np.isnan(truth).any():
                points = np.vstack([points, truth])
            lo, hi = points.min(axis=0), points.max(axis=0)
            rest = []
            for i in local:
                v = int(vars_[i])
                if hi[i] - lo[i] >= need[v]:
                    result.lower[v], result.upper[v] = max(0.0, float(lo[i])), float(hi[i])
                else:
                    rest.append(i)
            if rest:
                remaining.append((vars_, A, b, rest))
        work = remaining
    blocks = [_Block(A, b, _bounds_objectives(A.shape[1], local)) for _, A, b, local in work]
    solve_blocks(blocks, system.bound)
    for (vars_, _, _, local), block in zip(work, blocks):
        for j, i in enumerate(local):
            v = int(vars_[i])
            if block.infeasible:
                result.infeasible.add(v)
                result.lower[v] = result.upper[v] = math.nan
                continue
            lo = block.solutions[2 * j, i]
            hi = block.solutions[2 * j + 1, i]
            result.lower[v] = max(0.0, float(lo))
            result.upper[v] = math.inf if hi >= 0.999 * system.bound else float(hi)
    return result


def solve_blocks(blocks: list[_Block], bound: float) -> None:
    """Solve every copy of every block (sets ``solutions`` or ``infeasible``), batching linprog calls."""
    batch: list[_Block] = []
    size = 0
    for block in blocks:
        cost = block.objectives.size
        if batch and size + cost > _BATCH_VARIABLES:
            _solve_batch(batch, bound)
            batch, size = [], 0
        batch.append(block)
        size += cost
    if batch:
        _solve_batch(batch, bound)


def _solve_batch(batch: list[_Block], bound: float) -> None:
    import scipy.sparse as sp  # noqa: PLC0415
    from scipy.optimize import linprog  # noqa: PLC0415
    mats, rhs = [], []
    for block in batch:
        k = len(block.objectives)
        mats.append(sp.kron(sp.identity(k, format="csr"), block.A, format="csr"))
        rhs.append(np.tile(block.b, k))
    res = linprog(np.concatenate([b.objectives.ravel() for b in batch]), A_eq=sp.block_diag(mats, format="csr"),
                  b_eq=np.concatenate(rhs), bounds=(0, bound), method="highs")
    if res.status != 0:
        if len(batch) > 1:   # find the block at fault, solve the others
            for block in batch:
                _solve_batch([block], bound)
        else:
            batch[0].infeasible = True
        return
    offset = 0
    for block in batch:
        size = block.objectives.size
        block.solutions = res.x[offset:offset + size].reshape(block.objectives.shape)
        offset += size


# --- audit of published tables ---------------------------------------------------------------

@dataclass
class CellInterval:
    """What an attacker can deduce about one suppressed cell."""

    table: str
    cellule: dict
    statut: str
    mesure: str
    borne_min: float
    borne_max: float
    insuffisant: bool
    motif: str = ""

    @property
    def largeur(self) -> float:
        return self.borne_max - self.borne_min


@dataclass
class AuditReport:
    """Result of :func:`audit_tables`; ``ok`` is the verdict, ``describe()`` the French summary."""

    seuil: float
    n_tables: int
    n_cellules: int
    n_primaire: int
    n_secondaire: int
    intervalles: list[CellInterval]
    problemes: list[str]
    titre: str = ""

    @property
    def faibles(self) -> list[CellInterval]:
        return [c for c in self.intervalles if c.insuffisant]

    @property
    def ok(self) -> bool:
        return not self.faibles and not self.problemes

    def describe(self, n_faibles: int = 5) -> str:
        lines = []
        if self.titre:
            lines.append(self.titre)
        lines.append(
            f"{pluriel(self.n_tables, 'tableau', 'tableaux')}, {pluriel(self.n_cellules, 'cellule')}, "
            f"dont {nombre(self.n_primaire)} en secret primaire et {nombre(self.n_secondaire)} "
            "en secret secondaire."
        )
        lines.append(
            f"Seuil de protection des effectifs : intervalle d'au moins {_num(self.seuil)} ; "
            "aucune cellule masquée ne doit pouvoir être recalculée exactement."
        )
        ranked = sorted(self.intervalles, key=lambda c: (not c.insuffisant, _rank(c)))
        if ranked:
            lines.append("Intervalles les plus étroits :")
            for c in ranked[:n_faibles]:
                where = ", ".join(f"{k} = {v}" for k, v in c.cellule.items()) or "total"
                statut = "secret primaire" if c.statut == SECRET_PRIMAIRE else "secret secondaire"
                if math.isnan(c.borne_min):
                    span = "intervalle impossible à calculer"
                else:
                    hi = "+∞" if math.isinf(c.borne_max) else _num(c.borne_max)
                    width = "infinie" if math.isinf(c.largeur) else _num(c.largeur)
                    span = f"[{_num(c.borne_min)} ; {hi}], largeur {width}"
                mark = f" ← {c.motif}" if c.insuffisant else ""
                lines.append(f"  {c.table} ({where}, {statut}) : {span}{mark}")
        elif self.n_primaire + self.n_secondaire == 0:
            lines.append("Aucune cellule masquée.")
        for p in self.problemes:
            lines.append(f"Problème : {p}")
        faibles = self.faibles
        if faibles:
            lines.append(f"{nombre(len(faibles))} "
                         + ("cellule masquée insuffisamment protégée." if len(faibles) < 2
                            else "cellules masquées insuffisamment protégées."))
        lines.append("Verdict : protection suffisante." if self.ok else "Verdict : protection insuffisante.")
        return "\n".join(lines)


def _rank(c: CellInterval) -> float:
    """Narrowest first: widths of counts as such, of days and amounts relative to their bound."""
    w = c.largeur
    if math.isnan(w):
        return -math.inf
    if c.mesure == "effectif" or math.isinf(c.borne_max):
        return w
    return w / max(1.0, c.borne_max)


def _num(x: float) -> str:
    if math.isinf(x):
        return "+∞"
    return nombre(x, 0 if abs(x - round(x)) < 1e-9 else 2)


def published_values(table: Table) -> np.ndarray:
    """Values of the published cells (NaN for suppressed ones)."""
    vals = table.cells["valeur"].to_numpy(dtype=object)
    out = np.array([math.nan if v is None else float(v) for v in vals], dtype=float)
    if "statut" in table.cells.columns:
        out[table.cells["statut"].isin(SUPPRIMES).to_numpy()] = math.nan
    return out


def audit_tables(tables: list[Table], seuil: float = 5.0, titre: str = "") -> AuditReport:
    """Audit tables published together, from what they publish only.

    Fails (``ok`` False) when a suppressed effectif cell's interval is narrower than ``seuil``,
    when any suppressed cell can be computed exactly, when the published numbers contradict
    each other, or when an effectif table publishes a count between 1 and ``seuil - 1``.
    """
    values = [published_values(t) for t in tables]
    system = build_system(tables, values)
    suppressed = np.isnan(system.value)
    res = intervals(system, suppressed)
    n_cells = sum(len(t.cells) for t in tables)
    n_prim = n_sec = 0
    cells: list[CellInterval] = []
    problems: list[str] = []
    for pos, table in enumerate(tables):
        statut = (table.cells["statut"].to_numpy() if "statut" in table.cells.columns
                  else np.array([PUBLIE] * len(table.cells)))
        n_prim += int((statut == SECRET_PRIMAIRE).sum())
        n_sec += int((statut == SECRET_SECONDAIRE).sum())
        if table.mesure == "effectif":
            small = (values[pos] > 0) & (values[pos] < seuil)
            if small.any():
                problems.append(
                    f"{table.id} : {pluriel(int(small.sum()), 'effectif publié')} inférieur au seuil "
                    f"de {_num(seuil)}."
                )
        if not table.additive:
            continue
        structure = system.structures[pos]
        for i in np.flatnonzero(np.isin(statut, list(SUPPRIMES))):
            v = int(structure.var[i])
            where = {d: str(table.cells[d].iat[i]) for d in table.dimensions}
            if not suppressed[v]:
                lo = hi = system.value[v]
                insuff, motif = True, "valeur publiée dans un autre tableau"
            elif v in res.infeasible:
                lo = hi = math.nan
                insuff, motif = True, "tableaux incohérents entre eux"
            else:
                lo, hi = res.lower[v], res.upper[v]
                width = hi - lo
                if width <= exact_tolerance(hi if not math.isinf(hi) else lo):
                    insuff, motif = True, "valeur déterminée exactement"
                elif table.mesure == "effectif" and width < seuil - 1e-9:
                    insuff, motif = True, f"intervalle plus étroit que {_num(seuil)}"
                else:
                    insuff, motif = False, ""
            cells.append(CellInterval(table.id, where, str(statut[i]), table.mesure, lo, hi, insuff, motif))
    if res.infeasible:
        problems.append("les valeurs publiées se contredisent (marges différentes d'un tableau à l'autre).")
    return AuditReport(seuil, len(tables), n_cells, n_prim, n_sec, cells, problems, titre)
