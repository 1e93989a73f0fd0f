"""Simulation of the agents of one generation unit (a département), year after year.

Everything is vectorised with numpy: a generation unit holds its agents as parallel arrays (the
"state": the agents in post on 1 January), and each simulated year draws the departures, the
arrivals (new agents with new matricules) and the yearly changes (titularisations, promotions,
positions, part time). The same agent keeps matricule, NIR, names and birth date across years;
an agent who left in year N is not in the state of year N+1.
"""

from __future__ import annotations

import numpy as np

from .. import file_formats as ff
from . import params as P
from .cadres import AT_CADRE, CADRES, EE_CADRE
from .employers import Employers, dep_number
from .names import (FIRST_NAMES_F_OLD, FIRST_NAMES_F_YOUNG, FIRST_NAMES_M_OLD,
                    FIRST_NAMES_M_YOUNG, SURNAMES, zipf_weights)

N_STATUTS = len(ff.STATUTS)
N_MOTIFS_SORTIE = len(ff.MOTIFS_SORTIE)
NO_EXIT = N_MOTIFS_SORTIE
RETRAITE = ff.MOTIFS_SORTIE.index("RETRAITE")
FIN_CONTRAT = ff.MOTIFS_SORTIE.index("FIN_CONTRAT")
ACTIVITE = ff.POSITIONS.index("ACTIVITE")
MAD = ff.POSITIONS.index("MAD")
CONGE_PARENTAL = ff.POSITIONS.index("CONGE_PARENTAL")
F, M = 0, 1


def _cdf(rows) -> np.ndarray:
    """Cumulative distributions (one per row) of a table of weights; last column exactly 1."""
    table = np.asarray(rows, dtype=np.float64)
    table = table / table.sum(axis=1, keepdims=True)
    cdf = np.cumsum(table, axis=1)
    cdf[:, -1] = 1.0
    return cdf


def draw(rng: np.random.Generator, cdf: np.ndarray, cond: np.ndarray) -> np.ndarray:
    """One categorical draw per element, from the distribution ``cdf[cond[i]]``."""
    u = rng.random(len(cond))
    out = np.zeros(len(cond), dtype=np.int8)
    for c in np.unique(cond):
        mask = cond == c
        out[mask] = np.searchsorted(cdf[c], u[mask], side="right")
    return out


def year_start(years) -> np.ndarray:
    """Days since 1970-01-01 of the 1st of January of each year."""
    y = np.asarray(years, dtype=np.int64) - 1970
    return y.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def days_in_year(year: int) -> int:
    return int(year_start(year + 1) - year_start(year))


# --- precomputed tables ----------------------------------------------------------------------
STATUT_STOCK_CDF = _cdf([P.STATUT_STOCK[g] for g in P.GROUPS])


def _arrival_weights(stock) -> list[float]:
    """Mix of arrivals that keeps the stock mix stable (exits replaced, internal flows)."""
    s = np.asarray(stock, dtype=float)
    w = s * np.asarray(P.MEAN_EXIT) + s * P.GROWTH_PER_YEAR
    w[P.STAG] += P.STAGIAIRE_TO_TITULAIRE * s[P.STAG] - P.CP_TO_STAGIAIRE * s[P.CP]
    w[P.TIT] -= P.STAGIAIRE_TO_TITULAIRE * s[P.STAG]
    w[P.CP] += P.CP_TO_STAGIAIRE * s[P.CP]
    return list(np.maximum(w, 0.0))


STATUT_ARRIVAL_CDF = _cdf([_arrival_weights(P.STATUT_STOCK[g]) for g in P.GROUPS])
FILIERE_CDF = _cdf([P.FILIERE[g] for g in P.GROUPS] + [P.FILIERE_SMALL])
SMALL_FILIERE_ROW = len(P.GROUPS)
SMALL_FILIERE_GROUPS = np.array([g in ("COM", "SOC", "CE", "CC", "SYN") for g in P.GROUPS])
STATUT_ARRIVAL_PRIOR = np.array([_arrival_weights(P.STATUT_STOCK[g]) for g in P.GROUPS])
STATUT_ARRIVAL_PRIOR /= STATUT_ARRIVAL_PRIOR.sum(axis=1, keepdims=True)
CATEGORIE_CDF = _cdf([P.CATEGORIE[f] for f in range(len(ff.FILIERES))])
AGE_STOCK_CDF = np.cumsum([P.age_density(k) for k in P.AGE_STOCK], axis=1)
AGE_ARRIVAL_CDF = np.cumsum([P.age_density(k) for k in P.AGE_ARRIVAL], axis=1)
AGE_STOCK_CDF[:, -1] = AGE_ARRIVAL_CDF[:, -1] = 1.0
WOMEN = np.array(P.WOMEN)
POSITION_CDF = _cdf([P.POSITION_STOCK])
NON_ACTIVE_CDF = _cdf([[0.0, *P.POSITION_STOCK[1:]]])
QUOTITE_CDF = _cdf([P.QUOTITE_WEIGHTS])
QUOTITES = np.array(P.QUOTITES, dtype=np.int16)

# Cadres by (filière, catégorie): index arrays and cumulative weights.
N_GRADES = np.array([len(c.grades) for c in CADRES] + [1], dtype=np.int8)  # [-1] -> 1
_FC = {}
for _i, _c in enumerate(CADRES):
    _FC.setdefault((ff.FILIERES.index(_c.filiere), ff.CATEGORIES.index(_c.categorie)), []).append(_i)
CADRE_CHOICES: dict[int, tuple[np.ndarray, np.ndarray]] = {}
for (_f, _k), _idx in _FC.items():
    _w = np.array([CADRES[i].poids for i in _idx], dtype=float)
    if _w.sum() > 0:
        _cum = np.cumsum(_w / _w.sum())
        _cum[-1] = 1.0
        CADRE_CHOICES[_f * 3 + _k] = (np.array(_idx, dtype=np.int16), _cum)

# Exit hazards (statut x motif) and retirement by age.
EXIT_HAZARD = np.array([P.EXIT_HAZARD[s] for s in range(N_STATUTS)], dtype=np.float64)
RETIREMENT = np.zeros(120)
for _age, _p in P.RETIREMENT_BY_AGE.items():
    RETIREMENT[_age] = _p
RETIREMENT[max(P.RETIREMENT_BY_AGE):] = 1.0
CAN_RETIRE = np.array(P.CAN_RETIRE)

# Entry motives: profiles 0 titulaire (mutation...), 1 stagiaire C, 2 stagiaire A/B, 3 contract.
_ME = {m: i for i, m in enumerate(ff.MOTIFS_ENTREE)}
ENTRY_CDF = _cdf([
    [0, 0, 0.75, 0.12, 0.10, 0, 0.03],
    [0.55, 0.43, 0, 0, 0, 0, 0.02],
    [0.96, 0.02, 0, 0, 0, 0, 0.02],
    [0, 0, 0, 0, 0, 0.97, 0.03],
])

# Names: surnames, and four lists of first names (sex x cohort) concatenated.
SURNAME_CDF = np.cumsum(zipf_weights(len(SURNAMES), 0.7))
SURNAME_CDF[-1] = 1.0
FIRST_NAME_LISTS = (FIRST_NAMES_F_OLD, FIRST_NAMES_F_YOUNG, FIRST_NAMES_M_OLD, FIRST_NAMES_M_YOUNG)
FIRST_NAMES = tuple(n for lst in FIRST_NAME_LISTS for n in lst)
_offsets = np.cumsum([0] + [len(lst) for lst in FIRST_NAME_LISTS])
FIRST_NAME_OFFSET = _offsets[:-1]
FIRST_NAME_CDF = [np.cumsum(zipf_weights(len(lst), 0.6)) for lst in FIRST_NAME_LISTS]
for _c in FIRST_NAME_CDF:
    _c[-1] = 1.0
METRO_DEPS = np.array([d for d in range(1, 96) if d != 20], dtype=np.int64)

STATE_FIELDS = ("emp", "mat", "sex", "byear", "bdate", "nir", "nom", "prenom", "statut", "fil",
                "cat", "cadre", "grade", "hh", "quot", "pos", "u_boeth", "u_tele", "u_ef",
                "u_hs", "pay_f", "ri", "nbi", "stag_year", "arr_year")


def take(state: dict, idx) -> dict:
    return {k: v[idx] for k, v in state.items()}


def concat(a: dict, b: dict) -> dict:
    return {k: np.concatenate([a[k], b[k]]) for k in a}


class Unit:
    """A département (or a neighbouring EPCI) with its own random stream and agents."""

    def __init__(self, employers: Employers, seed: int, key: tuple[int, ...], dep: str):
        self.employers = employers
        self.arr = employers.arrays()
        self.n_emp = len(employers)
        self.rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *key])))
        number = dep_number(dep)
        self.birth_dep = number if 1 <= number <= 95 and number != 20 else -1
        self.state: dict | None = None
        self.next_mat = np.ones(self.n_emp, dtype=np.int64)
        self.n0 = np.zeros(self.n_emp, dtype=np.int64)
        self.cap = np.zeros(self.n_emp, dtype=np.int64)
        self.y0 = 0
        self.affilie = np.zeros(self.n_emp, dtype=bool)
        self._flows: tuple[np.ndarray, np.ndarray] | None = None

    # --- new agents ------------------------------------------------------------------------
    def new_agents(self, emp: np.ndarray, year: int, arrival: bool,
                   statut_cdf: np.ndarray | None = None) -> dict:
        rng = self.rng
        n = len(emp)
        grp = self.arr["group"][emp]
        small = self.size[emp] < P.SMALL_EMPLOYER
        if statut_cdf is None:
            statut_cdf = STATUT_ARRIVAL_CDF if arrival else STATUT_STOCK_CDF
        statut = draw(rng, statut_cdf, grp)
        fil = draw(rng, FILIERE_CDF, np.where(small & SMALL_FILIERE_GROUPS[grp], SMALL_FILIERE_ROW, grp))
        fil[(statut == P.CAB) | (statut == P.AMF)] = P.HORS
        cat = draw(rng, CATEGORIE_CDF, fil)
        u_cat = rng.random(n)
        small_cat = small & (grp != P.GROUP_INDEX["SDIS"])
        cat[small_cat & (cat == 0) & (u_cat < P.SMALL_A_TO_B)] = 1
        cat[small_cat & (cat == 1) & (u_cat < P.SMALL_B_TO_C) & (CATEGORIE_CDF[fil, 1] < 1.0)] = 2
        no_cat = np.isin(statut, (P.CAB, P.AMF, P.CAI, P.APP))
        cat[no_cat] = P.NO_CATEGORY
        p_women = WOMEN[fil]
        p_women[statut == P.AMF] = P.WOMEN_ASSISTANT_MATERNEL
        sex = (rng.random(n) >= p_women).astype(np.int8)
        age = draw(rng, AGE_ARRIVAL_CDF if arrival else AGE_STOCK_CDF, statut).astype(np.int64) + P.AGE_MIN
        byear = year - age
        bdate = year_start(byear) + rng.integers(0, 365, n)

        # cadre d'emplois and grade
        cadre = np.full(n, -1, dtype=np.int16)
        fc = fil.astype(np.int64) * 3 + cat
        u = rng.random(n)
        for key in np.unique(fc[~no_cat]):
            choice = CADRE_CHOICES.get(int(key))
            if choice is None:
                continue
            mask = (fc == key) & ~no_cat
            cadre[mask] = choice[0][np.searchsorted(choice[1], u[mask], side="right")]
        ee_share = np.zeros(len(P.GROUPS))
        for g, share in P.EE_SHARE.items():
            ee_share[P.GROUP_INDEX[g]] = share
        cadre[(cadre == AT_CADRE) & (rng.random(n) < ee_share[grp])] = EE_CADRE
        ng = N_GRADES[cadre]
        x = np.clip((age - 22) / 40.0 + rng.normal(0.0, 0.22, n), 0.0, 0.999)
        grade = np.where(cadre >= 0, np.floor(x * ng), 0).astype(np.int8)

        # working time
        size_cls = np.searchsorted(P.SIZE_BOUNDS, self.size, side="right")[emp]
        p_tnc = np.asarray(P.TNC_BY_SIZE)[size_cls] * np.asarray(P.TNC_CATEGORY_FACTOR)[cat]
        p_tnc[(fil == P.INCENDIE) | np.isin(statut, (P.APP, P.AMF, P.CAB))] = 0.0
        tnc = rng.random(n) < p_tnc
        hh = np.full(n, 70, dtype=np.int16)          # weekly hours x 2
        hh_tnc = np.clip(np.round(70 * rng.beta(2.4, 1.5, n)), 6, 69).astype(np.int16)
        hh[tnc] = hh_tnc[tnc]
        quot = self._draw_quotite(sex, statut, tnc)
        pos = np.zeros(n, dtype=np.int8)
        if not arrival:
            tit = statut == P.TIT
            pos[tit] = draw(rng, POSITION_CDF, np.zeros(int(tit.sum()), dtype=np.int8))
            pos[(pos == CONGE_PARENTAL) & ((sex == M) | (age > 45))] = ACTIVITE

        # persistent individual traits
        fonctionnaire = np.isin(statut, (P.TIT, P.STAG))
        lo_f, hi_f = P.RI_SHARE["fonctionnaire"]
        lo_c, hi_c = P.RI_SHARE["contractuel"]
        ri = np.where(fonctionnaire, rng.uniform(lo_f, hi_f, n), rng.uniform(lo_c, hi_c, n))
        ri[np.isin(statut, (P.AMF, P.CAI, P.APP))] = 0.0
        nbi_pts = np.asarray(P.NBI_POINTS, dtype=np.int16)[
            np.searchsorted(np.cumsum(P.NBI_POINT_WEIGHTS) / sum(P.NBI_POINT_WEIGHTS), rng.random(n))
            .clip(0, len(P.NBI_POINTS) - 1)]
        nbi_pts[~(fonctionnaire & (rng.random(n) < P.NBI_SHARE))] = 0

        # NIR: sex, YY, MM of birth, département and commune of birth, order number, key
        bdep = np.where(rng.random(n) < 0.6, self.birth_dep, rng.choice(METRO_DEPS, n))
        bdep = np.where(bdep < 0, rng.choice(METRO_DEPS, n), bdep)
        foreign = rng.random(n) < 0.03
        bdep[foreign] = 99
        commune = np.where(foreign, rng.integers(100, 500, n), rng.integers(1, 990, n))
        order = rng.integers(1, 1000, n)
        month = bdate.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1
        nir13 = ((2 - sex.astype(np.int64)) * 10**12 + (byear % 100) * 10**10 + month * 10**8
                 + bdep * 10**6 + commune * 10**3 + order)
        nir = nir13 * 100 + (97 - nir13 % 97)

        nom = np.searchsorted(SURNAME_CDF, rng.random(n), side="right").astype(np.int16)
        cohort = sex.astype(np.int64) * 2 + (byear >= 1975)
        u = rng.random(n)
        prenom = np.zeros(n, dtype=np.int16)
        for c in range(4):
            mask = cohort == c
            prenom[mask] = FIRST_NAME_OFFSET[c] + np.searchsorted(FIRST_NAME_CDF[c], u[mask], side="right")

        return {
            "emp": emp.astype(np.int32), "mat": np.zeros(n, dtype=np.int64), "sex": sex,
            "byear": byear.astype(np.int16), "bdate": bdate.astype(np.int32), "nir": nir,
            "nom": nom, "prenom": prenom, "statut": statut, "fil": fil, "cat": cat,
            "cadre": cadre, "grade": grade, "hh": hh, "quot": quot, "pos": pos,
            "u_boeth": rng.random(n).astype(np.float32), "u_tele": rng.random(n).astype(np.float32),
            "u_ef": rng.random(n).astype(np.float32), "u_hs": rng.random(n).astype(np.float32),
            "pay_f": np.exp(rng.normal(0.0, P.PAY_NOISE, n)).astype(np.float32),
            "ri": ri.astype(np.float32), "nbi": nbi_pts,
            "stag_year": np.where(statut == P.STAG, year - (0 if arrival else 1), -1).astype(np.int16),
            "arr_year": np.full(n, year if arrival else -1, dtype=np.int16),
        }

    def _draw_quotite(self, sex, statut, tnc) -> np.ndarray:
        rng = self.rng
        n = len(sex)
        p = np.where(sex == F, P.PART_TIME["F"], P.PART_TIME["M"]) * np.where(tnc, 0.4, 1.0)
        p[~np.isin(statut, (P.TIT, P.STAG, P.CP))] = 0.0
        part = rng.random(n) < p
        quot = np.full(n, 100, dtype=np.int16)
        quot[part] = QUOTITES[draw(rng, QUOTITE_CDF, np.zeros(int(part.sum()), dtype=np.int8))]
        return quot

    def _assign_matricules(self, state: dict, counts: np.ndarray) -> None:
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rank = np.arange(len(state["emp"])) - np.repeat(starts, counts)
        state["mat"] = self.next_mat[state["emp"]] + rank
        self.next_mat += counts

    # --- first year ------------------------------------------------------------------------
    def _initial(self, year: int) -> dict:
        rng = self.rng
        kind = self.arr["kind"]
        pop = self.arr["pop"]
        mean = self.arr["mean"] * (1 + P.GROWTH_PER_YEAR) ** (year - 1 - P.FIRST_CALIBRATED_YEAR)
        sigma = P.HEADCOUNT_NOISE
        lam = mean * np.exp(rng.normal(0.0, sigma, self.n_emp) - sigma**2 / 2)
        n0 = rng.poisson(lam).astype(np.int64)
        commune = kind == P.TYPE_INDEX["COMMUNE"]
        cap = np.maximum(2, pop // 35)       # tiny communes: 0-2 agents
        self.cap = np.where(commune & (pop >= 0), cap, np.iinfo(np.int64).max // 4)
        n0 = np.minimum(n0, self.cap)
        self.n0, self.y0 = n0, year
        self.size = np.maximum(mean, 1.0)
        # Affiliation: compulsory under 350 agents for communes and their établissements.
        u = rng.random(self.n_emp)
        type_names = [ff.TYPES_EMPLOYEUR[k] for k in kind]
        aff = np.where(n0 < 350, True, u < 0.25)
        for i, t in enumerate(type_names):
            if t in ("DEPARTEMENT", "REGION"):
                aff[i] = False
            elif t == "SDIS":
                aff[i] = u[i] < (0.5 if n0[i] < 350 else 0.1)
            elif t == "CDG":
                aff[i] = True
            if self.employers.foreign[i]:
                aff[i] = False
        self.affilie = aff
        emp = np.repeat(np.arange(self.n_emp, dtype=np.int32), n0)
        state = self.new_agents(emp, year, arrival=False)
        self._assign_matricules(state, n0)
        return state

    # --- yearly changes of the agents in post ----------------------------------------------
    def _transitions(self, s: dict, year: int) -> None:
        rng = self.rng
        n = len(s["emp"])
        u = rng.random((6, n))
        st = s["statut"]
        titularised = (st == P.STAG) & (s["stag_year"] < year) & (u[0] < P.STAGIAIRE_TO_TITULAIRE)
        nominated = (st == P.CP) & (s["cat"] < P.NO_CATEGORY) & (u[1] < P.CP_TO_STAGIAIRE)
        st[titularised] = P.TIT
        st[nominated] = P.STAG
        grp = self.arr["group"][s["emp"]]
        self._flows = (np.bincount(grp[titularised], minlength=len(P.GROUPS)).astype(float),
                       np.bincount(grp[nominated], minlength=len(P.GROUPS)).astype(float))
        s["stag_year"][nominated] = year
        ng = N_GRADES[s["cadre"]]
        promoted = (s["cadre"] >= 0) & (s["grade"] < ng - 1) & (u[2] < P.PROMOTION)
        s["grade"][promoted] += 1
        tit = st == P.TIT
        active = s["pos"] == ACTIVITE
        s["pos"][tit & ~active & (u[3] < P.POSITION_RETURN)] = ACTIVITE
        p_leave = (1 - P.POSITION_STOCK[0]) * P.POSITION_RETURN / P.POSITION_STOCK[0]
        leaving = tit & active & (u[4] < p_leave)
        s["pos"][leaving] = draw(rng, NON_ACTIVE_CDF, np.zeros(int(leaving.sum()), dtype=np.int8))
        s["pos"][(s["pos"] == CONGE_PARENTAL) & ((s["sex"] == M) | (year - s["byear"] > 45))] = ACTIVITE
        s["pos"][~tit] = ACTIVITE
        redraw = u[5] < 0.10
        if redraw.any():
            s["quot"][redraw] = self._draw_quotite(s["sex"][redraw], st[redraw], s["hh"][redraw] < 70)

    def _arrival_mix(self, s: dict, left: np.ndarray) -> np.ndarray:
        """Statut mix of the arrivals by group: leavers replaced in kind, expected internal
        flows (stagiaires titularised, contractuels appointed stagiaires) and growth."""
        n_groups, n_st = len(P.GROUPS), N_STATUTS
        key = self.arr["group"][s["emp"]].astype(np.int64) * n_st + s["statut"]
        stock = np.bincount(key, minlength=n_groups * n_st).reshape(n_groups, n_st).astype(float)
        exits = np.bincount(key[left], minlength=n_groups * n_st).reshape(n_groups, n_st).astype(float)
        w = exits + P.GROWTH_PER_YEAR * stock
        if self._flows is None:     # first year: the flows expected at the next titularisations
            flow_tit = P.STAGIAIRE_TO_TITULAIRE * stock[:, P.STAG]
            flow_nom = P.CP_TO_STAGIAIRE * stock[:, P.CP]
        else:                       # later: replace the stagiaires titularised this year
            flow_tit, flow_nom = self._flows
        w[:, P.STAG] += flow_tit - flow_nom
        w[:, P.TIT] -= flow_tit
        w[:, P.CP] += flow_nom
        w[:, P.CNP] /= 1.0 - P.SHORT_CONTRACT
        w = np.maximum(w, 0.0) + STATUT_ARRIVAL_PRIOR
        return _cdf(w)

    # --- one year ---------------------------------------------------------------------------
    def step(self, year: int) -> dict:
        """Simulate ``year``; return the rows of the agents who worked at some point in it."""
        rng = self.rng
        if self.state is None:
            s = self._initial(year)
        else:
            s = self.state
            self._transitions(s, year)
        n = len(s["emp"])
        ndays = days_in_year(year)
        jan1 = int(year_start(year))
        age = year - s["byear"].astype(np.int64)

        # departures
        hz = EXIT_HAZARD[s["statut"]]
        hz[:, RETRAITE] = RETIREMENT[np.clip(age, 0, 119)] * CAN_RETIRE[s["statut"]]
        cum = np.cumsum(hz, axis=1)
        u = rng.random(n)
        m_out = (u[:, None] >= cum).sum(axis=1).astype(np.int8)
        left = m_out < NO_EXIT
        d_out = np.where(left, rng.integers(0, ndays - 1, n), -1)     # never on 31/12
        month_end = (np.arange(1, 13).astype("datetime64[M]") + (year - 1970) * 12).astype("datetime64[D]") - 1
        month_end = month_end.astype(np.int64) - jan1          # last day of Jan..Dec, 0-based
        retired = m_out == RETRAITE
        d_out[retired] = month_end[rng.integers(0, 11, n)][retired]   # end of January..November
        m_out[~left] = -1

        # arrivals, towards each employer's own size growing by GROWTH_PER_YEAR
        n_e = np.bincount(s["emp"], minlength=self.n_emp)
        x_e = np.bincount(s["emp"][left], minlength=self.n_emp)
        g = P.GROWTH_PER_YEAR
        target = self.n0 * (1 + g) ** (year - self.y0 + 1)
        lam = x_e + g * n_e + P.TARGET_PULL * (target - n_e * (1 + g))
        arrivals = rng.poisson(np.maximum(lam, 0.0))
        arrivals = np.minimum(arrivals, np.maximum(self.cap - (n_e - x_e), 0))  # tiny communes
        a = self.new_agents(np.repeat(np.arange(self.n_emp, dtype=np.int32), arrivals), year,
                            arrival=True, statut_cdf=self._arrival_mix(s, left))
        self._assign_matricules(a, arrivals)
        na = len(a["emp"])
        a_in = rng.integers(0, ndays, na)
        profile = np.full(na, 3, dtype=np.int8)
        profile[a["statut"] == P.TIT] = 0
        profile[(a["statut"] == P.STAG) & (a["cat"] == 2)] = 1
        profile[(a["statut"] == P.STAG) & (a["cat"] != 2)] = 2
        a_m_in = draw(rng, ENTRY_CDF, profile)
        short = (a["statut"] == P.CNP) & (rng.random(na) < P.SHORT_CONTRACT) & (a_in < ndays - 1)
        a_out = np.where(short, a_in + (rng.random(na) * (ndays - 1 - a_in)).astype(np.int64), -1)
        a_m_out = np.where(short, FIN_CONTRAT, -1).astype(np.int8)

        rows = concat(s, a)
        rows["d_in"] = np.concatenate([np.full(n, -1), a_in])
        rows["m_in"] = np.concatenate([np.full(n, -1, dtype=np.int8), a_m_in])
        rows["d_out"] = np.concatenate([d_out, a_out])
        rows["m_out"] = np.concatenate([m_out, a_m_out])
        order = np.argsort(rows["emp"], kind="stable")       # by employer, then matricule
        rows = take(rows, order)
        stays = rows["d_out"] < 0
        self.state = {k: rows[k][stays] for k in STATE_FIELDS}
        rows["year"] = year
        rows["jan1"] = jan1
        rows["ndays"] = ndays
        return rows
