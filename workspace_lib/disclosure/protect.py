"""Secondary suppression over all the tables published together.

``protect`` marks the cells of the tables that the primary rules find sensitive, then chooses
more cells to suppress so that no suppressed cell can be recomputed from what is published:

1. Hypercube phase (after tau-Argus' Hypercube/GHMITER): every suppressed cell of every table
   with totals is put in a "hypercube" of suppressed cells: one other member chosen along each
   dimension (possibly the total), the 2^d corners suppressed. Moving the corners by +t / -t
   keeps every margin of the table, so the cell keeps a feasibility interval at least as wide as
   the smallest corners allow. Among the hypercubes wide enough, the one adding the least
   suppressed value is chosen (cost = value + 1 per table showing the cell; a grand total costs
   so much that it is used only when nothing else works).
2. LP audit phase: the feasibility interval of every suppressed cell is computed over *all*
   tables together (shared margins, same table over several years in a table with an ``annee``
   dimension, ...) by linear programming (``audit.intervals``). While a cell's interval is too
   narrow, the cheapest candidate (a hypercube, or a single neighbouring cell) that widens it
   is suppressed, and the audit is run again.
3. Tables declaring ``linked_to`` suppress every cell whose counterpart in the linked table is
   suppressed (a ``taux`` follows the effectif it divides by); an additive follower is then
   protected again, until nothing changes.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from itertools import product

import numpy as np
import pandas as pd

from .audit import (
    System,
    TableStructure,
    _Block,
    _bounds_objectives,
    build_system,
    components,
    dimension_columns,
    exact_tolerance,
    intervals,
    solve_blocks,
)
from .model import (
    AUXILIARY_COLUMNS,
    PUBLIE,
    SECRET_PRIMAIRE,
    SECRET_SECONDAIRE,
    Rules,
    Table,
)

# Candidates tried per round of the LP phase (hypercubes, then single neighbouring cells).
_CANDIDATES = 8


def protect(tables: list[Table], rules: Rules | None = None) -> list[Table]:
    """Copies of ``tables`` with a ``statut`` per cell and ``valeur`` None where suppressed.

    All the tables are protected together: pass every table of a report or a dashboard view
    (for every year it shows). The auxiliary columns (``effectif``, ``nb_employeurs``,
    ``part_max``) of suppressed cells are blanked too.
    """
    rules = rules or Rules()
    by_id = _check_links(tables)
    columns = [dimension_columns(t) for t in tables]
    values = [_numeric(t) for t in tables]
    system = build_system(tables, values, columns)
    system.check_additivity()
    primary_cells = [rules.primary(t) for t in tables]

    primary_var = np.zeros(system.n, dtype=bool)
    for s in system.structures:
        mask = primary_cells[s.pos] & (s.var >= 0)
        primary_var[s.var[mask]] = True
    suppressed = primary_var.copy()
    solver = _Secondary(system, rules, primary_var)
    follow = {pos: _counterparts(tables[pos], columns[pos], tables[by_id[t.linked_to]],
                                 columns[by_id[t.linked_to]])
              for pos, t in enumerate(tables) if t.linked_to is not None}
    while True:
        solver.run(suppressed)
        status = _statuses(tables, by_id, follow, system, suppressed, primary_var, primary_cells)
        forced = np.zeros(system.n, dtype=bool)
        for pos, counterpart in follow.items():
            if not tables[pos].additive:
                continue
            leader = by_id[tables[pos].linked_to]
            var = system.structures[pos].var
            hidden = _leader_hidden(counterpart, status[leader])
            forced[var[hidden & (var >= 0)]] = True
        forced &= ~suppressed
        if not forced.any():
            break
        suppressed |= forced
    if solver.hopeless:
        warnings.warn(
            f"Secret statistique : {len(solver.hopeless)} cellule(s) masquée(s) gardent un intervalle "
            "trop étroit même en masquant tout ce qui les entoure ; vérifiez avec audit-disclosure.",
            stacklevel=2,
        )
    return [_output(t, cols, v, st) for t, cols, v, st in zip(tables, columns, values, status)]


def _numeric(table: Table) -> np.ndarray:
    col = table.cells["valeur"].to_numpy(dtype=object)
    try:
        values = np.array([np.nan if x is None else float(x) for x in col], dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"Tableau « {table.id} » : valeur non numérique dans certaines cellules.") from None
    if np.isnan(values).any():
        raise ValueError(f"Tableau « {table.id} » : valeur manquante dans certaines cellules.")
    if table.additive and (values < 0).any():
        raise ValueError(f"Tableau « {table.id} » : valeur négative ({table.mesure}).")
    return values


def _check_links(tables: list[Table]) -> dict[str, int]:
    by_id: dict[str, int] = {}
    for i, t in enumerate(tables):
        if t.id in by_id:
            raise ValueError(f"Deux tableaux portent l'identifiant « {t.id} ».")
        by_id[t.id] = i
    for t in tables:
        if t.linked_to is not None and t.linked_to not in by_id:
            raise ValueError(
                f"Tableau « {t.id} » : le tableau lié « {t.linked_to} » n'est pas parmi les "
                "tableaux protégés ensemble."
            )
    for t in tables:   # no cycle
        seen, cur = {t.id}, t.linked_to
        while cur is not None:
            if cur in seen:
                raise ValueError(f"Tableaux liés en boucle à partir de « {t.id} ».")
            seen.add(cur)
            cur = tables[by_id[cur]].linked_to
    return by_id


def _counterparts(table: Table, columns, leader: Table, leader_columns) -> np.ndarray:
    """Row of ``leader`` matching each cell of ``table`` (-1 if none).

    Dimensions of the leader that ``table`` lacks are taken at their total; dimensions of
    ``table`` that the leader lacks are ignored.
    """
    lookup = {key: i for i, key in enumerate(zip(*leader_columns))} if leader_columns \
        else {(): i for i in range(len(leader.cells))}
    mine = dict(zip(table.dimensions, columns))
    parts = [mine[d] if d in mine else [leader.total] * len(table.cells) for d in leader.dimensions]
    keys = zip(*parts) if parts else [()] * len(table.cells)
    return np.array([lookup.get(tuple(k), -1) for k in keys], dtype=np.int64)


def _leader_hidden(counterpart: np.ndarray, leader_status: np.ndarray) -> np.ndarray:
    found = counterpart >= 0
    out = np.zeros(len(counterpart), dtype=bool)
    out[found] = leader_status[counterpart[found]] != PUBLIE
    return out


def _statuses(tables, by_id, follow, system: System, suppressed, primary_var, primary_cells) -> list[np.ndarray]:
    status: list[np.ndarray | None] = [None] * len(tables)

    def compute(pos: int) -> np.ndarray:
        if status[pos] is not None:
            return status[pos]
        table = tables[pos]
        st = np.full(len(table.cells), PUBLIE, dtype=object)
        if table.additive:
            var = system.structures[pos].var
            st[suppressed[var]] = SECRET_SECONDAIRE
            st[primary_var[var]] = SECRET_PRIMAIRE
        else:
            if pos in follow:
                leader = by_id[table.linked_to]
                st[_leader_hidden(follow[pos], compute(leader))] = SECRET_SECONDAIRE
            st[primary_cells[pos]] = SECRET_PRIMAIRE
        status[pos] = st
        return st

    for pos in range(len(tables)):
        compute(pos)
    return status


def _output(table: Table, columns, values: np.ndarray, status: np.ndarray) -> Table:
    hidden = status != PUBLIE
    if table.mesure == "effectif" and np.allclose(values, np.round(values)):
        shown = [None if h else int(round(v)) for v, h in zip(values.tolist(), hidden)]
    else:
        shown = [None if h else v for v, h in zip(values.tolist(), hidden)]
    data = dict(zip(table.dimensions, columns))
    data["valeur"] = np.array(shown, dtype=object)
    for col in table.cells.columns:
        if col in data or col == "statut":
            continue
        arr = table.cells[col].to_numpy()
        if col in AUXILIARY_COLUMNS and hidden.any():
            arr = arr.astype(object)
            arr[hidden] = None
        data[col] = arr
    data["statut"] = status.astype(str)
    out = replace(table, perimetre=dict(table.perimetre), dimensions=list(table.dimensions),
                  cells=pd.DataFrame(data))
    return out


class _Secondary:
    """Chooses the secondary suppressions of one system (phases 1 and 2 of the module doc)."""

    def __init__(self, system: System, rules: Rules, primary: np.ndarray) -> None:
        self.system = system
        self.rules = rules
        value = system.value
        n = system.n
        self.tol = np.array([exact_tolerance(v) for v in value]) if n else np.zeros(0)
        req = np.where(system.count, rules.intervalle, 2 * self.tol)
        relative = np.maximum(2 * self.tol, rules.protection_relative * value)
        self.primary = primary
        self.req = np.where(~system.count & primary, relative, req)
        uses = np.array([len(c) for c in system.cells_of], dtype=float)
        penalty = 1e6 * (float(value.max()) + 1.0) if n else 0.0
        self.cost = (value + 1.0) * uses + np.where(system.grand_total, penalty, 0.0)
        self.grids = {s.pos: s.grid() for s in system.structures if s.total_dims and (s.var >= 0).any()}
        self.single = uses == 1
        self.done: set[tuple[int, int]] = set()
        self.hopeless: set[int] = set()
        self.certified: set[int] = set()

    # -- hypercubes ---------------------------------------------------------------------------
    def hypercubes(self, s: TableStructure, row: int, suppressed: np.ndarray):
        """Every hypercube of cell ``row`` of ``s``: (added cost, width, corners getter).

        A hypercube picks one other member q_d along each dimension with a total; its 2^k
        corners move by +t or -t: the sign flips along d when p_d and q_d are both members
        (they share a line) and not when one of them is the total (they move together). The
        cell can then go down by the smallest "+" corner and up by the smallest "-" corner.
        """
        grid = self.grids[s.pos]
        p = s.coords[row]
        dims = [d for d in s.total_dims if len(s.members[d]) > 1]
        if not dims:
            return None
        k = len(dims)
        alts = [np.array([m for m in range(len(s.members[d])) if m != p[d]]) for d in dims]
        shape = tuple(len(a) for a in alts)
        bits = np.array(list(product((0, 1), repeat=k)), dtype=bool)        # (2^k, k)
        index = [np.int64(c) for c in p]
        sign = np.ones((len(bits),) + (1,) * k, dtype=np.int64)
        for j, d in enumerate(dims):
            axis = [1] * (k + 1)
            axis[j + 1] = -1
            alt = alts[j].reshape(axis)
            bit = bits[:, j].reshape((-1,) + (1,) * k)
            index[d] = np.where(bit, alt, p[d])
            flip = np.where((alts[j] == s.total_pos[d]) | (p[d] == s.total_pos[d]), 1, -1).reshape(axis)
            sign = sign * np.where(bit, flip, 1)
        vars_ = np.broadcast_to(grid[tuple(index)], (len(bits),) + shape)
        sign = np.broadcast_to(sign, vars_.shape)
        ok = vars_ >= 0
        safe = np.where(ok, vars_, 0)
        vals = self.system.value[safe]
        min_pos = np.where(sign > 0, vals, math.inf).min(axis=0)
        min_neg = np.where(sign < 0, vals, math.inf).min(axis=0)
        add = np.where(ok & ~suppressed[safe], self.cost[safe], 0.0).sum(axis=0)
        width = np.where(ok.all(axis=0), min_pos + min_neg, -math.inf)
        flat_vars = vars_.reshape(len(bits), -1)
        return add.ravel(), width.ravel(), lambda i: flat_vars[:, i]

    def _choose(self, add: np.ndarray, width: np.ndarray, need: float) -> int | None:
        valid = width > -math.inf
        if not valid.any():
            return None
        enough = valid & (width >= need)
        if enough.any():
            cand = np.flatnonzero(enough)
            best = add[cand].min()
            tie = cand[add[cand] <= best + 1e-9]
            return int(tie[np.argmax(width[tie])])
        cand = np.flatnonzero(valid)
        best = width[cand].max()
        tie = cand[width[cand] >= best - 1e-9]
        return int(tie[np.argmin(add[tie])])

    def hypercube_phase(self, suppressed: np.ndarray) -> None:
        system = self.system
        queue = [(system.value[v], v) for v in np.flatnonzero(suppressed)]
        queue.sort(reverse=True)
        pending = [v for _, v in queue]
        while pending:
            v = int(pending.pop())
            for pos, row in system.cells_of[v]:
                if (pos, row) in self.done or pos not in self.grids:
                    continue
                self.done.add((pos, row))
                found = self.hypercubes(system.structures[pos], row, suppressed)
                if found is None:
                    continue
                add, width, corners = found
                pick = self._choose(add, width, self.req[v])
                if pick is None:
                    continue
                cube = corners(pick)
                if width[pick] >= self.req[v] and all(self.single[c] for c in cube):
                    # The moves of this hypercube change no other table: the cell's interval
                    # is at least its width whatever else is published, no LP needed.
                    self.certified.add(v)
                for c in cube:
                    if not suppressed[c]:
                        suppressed[c] = True
                        pending.append(int(c))

    # -- LP audit -----------------------------------------------------------------------------
    def failing(self, suppressed: np.ndarray) -> dict[int, float]:
        targets = [int(v) for v in np.flatnonzero(suppressed)
                   if int(v) not in self.hopeless and int(v) not in self.certified]
        if not targets:
            return {}
        res = intervals(self.system, suppressed, targets, need=self.req)
        out = {}
        for v in targets:
            if v in res.infeasible:
                raise RuntimeError("Secret statistique : système de tableaux incohérent (programme linéaire sans solution).")
            w = res.width(v)
            if w < self.req[v] - self.tol[v]:
                out[v] = w
        return out

    def lp_phase(self, suppressed: np.ndarray) -> None:
        while True:
            failing = self.failing(suppressed)
            if not failing:
                return
            v = min(failing, key=lambda x: (failing[x] / self.req[x], x))
            current = failing[v]
            candidates = self._candidates(v, suppressed)
            if not candidates:
                self.hopeless.add(v)
                continue
            widths = self._evaluate(v, candidates, suppressed)
            costs = [float(self.cost[c].sum()) for c in candidates]
            order = sorted(range(len(candidates)), key=lambda i: costs[i])
            chosen = next((i for i in order if widths[i] >= self.req[v] - self.tol[v]), None)
            if chosen is None:
                best = max(range(len(candidates)), key=lambda i: (widths[i], -costs[i]))
                if widths[best] > current + self.tol[v]:
                    chosen = best
                else:   # nothing widens it alone: suppress the cheapest neighbour and go on
                    singles = [i for i in order if len(candidates[i]) == 1]
                    chosen = singles[0] if singles else order[0]
            new = candidates[chosen]
            suppressed[new] = True
            # New cells must themselves be protected within their tables.
            self.hypercube_phase(suppressed)

    def _candidates(self, v: int, suppressed: np.ndarray) -> list[np.ndarray]:
        system = self.system
        out: list[np.ndarray] = []
        seen: set[tuple[int, ...]] = set()
        cubes = []
        for pos, row in system.cells_of[v]:
            if pos not in self.grids:
                continue
            found = self.hypercubes(system.structures[pos], row, suppressed)
            if found is None:
                continue
            add, width, corners = found
            ok = np.flatnonzero((width > -math.inf) & (add > 0))
            for i in ok[np.argsort(add[ok], kind="stable")][:_CANDIDATES]:
                cubes.append((add[i], corners, int(i)))
        cubes.sort(key=lambda c: c[0])
        for _, corners, i in cubes[:_CANDIDATES]:
            new = np.array(sorted(set(int(c) for c in corners(i)) - set(np.flatnonzero(suppressed).tolist())))
            key = tuple(new.tolist())
            if len(new) and key not in seen:
                seen.add(key)
                out.append(new)
        # Single published cells sharing an equation with the cell's component.
        comp = None
        for vars_, _, _ in components(system, suppressed):
            if v in set(vars_.tolist()):
                comp = vars_
                break
        if comp is not None:
            A = system.A.tocsc()
            rows = np.unique(A[:, comp].nonzero()[0])
            neigh = np.unique(system.A[rows].nonzero()[1]) if len(rows) else np.zeros(0, dtype=int)
            neigh = neigh[~suppressed[neigh]]
            for c in neigh[np.argsort(self.cost[neigh], kind="stable")][:_CANDIDATES]:
                key = (int(c),)
                if key not in seen:
                    seen.add(key)
                    out.append(np.array([int(c)]))
        return out

    def _evaluate(self, v: int, candidates: list[np.ndarray], suppressed: np.ndarray) -> list[float]:
        """Width of ``v``'s interval if each candidate were suppressed too (one batched LP)."""
        blocks, where = [], []
        for cand in candidates:
            trial = suppressed.copy()
            trial[cand] = True
            found = None
            for vars_, A, b in components(self.system, trial):
                local = np.flatnonzero(vars_ == v)
                if len(local):
                    found = (A, b, int(local[0]))
                    break
            if found is None or found[0].shape[0] == 0:
                where.append(None)
                continue
            A, b, i = found
            blocks.append(_Block(A, b, _bounds_objectives(A.shape[1], [i])))
            where.append((len(blocks) - 1, i))
        solve_blocks(blocks, self.system.bound)
        widths = []
        for w in where:
            if w is None:
                widths.append(math.inf)
                continue
            block = blocks[w[0]]
            if block.infeasible:
                widths.append(0.0)
                continue
            hi = block.solutions[1, w[1]]
            hi = math.inf if hi >= 0.999 * self.system.bound else hi
            widths.append(hi - block.solutions[0, w[1]])
        return widths

    def run(self, suppressed: np.ndarray) -> None:
        if not suppressed.any():
            return
        self.hypercube_phase(suppressed)
        self.lp_phase(suppressed)
