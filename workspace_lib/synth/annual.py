"""What one year of a unit's agents gives: pay and flags, absences, training, employer amounts.

All amounts are integers in hundredths (cents, hundredths of hours or days), so that the files
are exact and byte-identical from one run to the next.
"""

from __future__ import annotations

import numpy as np

from .. import file_formats as ff
from . import params as P
from .population import ACTIVITE, MAD, Unit

MOTIF = {m: i for i, m in enumerate(ff.MOTIFS_ABSENCE)}
TYPE_F = {t: i for i, t in enumerate(ff.TYPES_FORMATION)}
CNFPT, AUTRE_ORG = 0, 1
EF_GROUPS = np.array([g in ("COM", "CC", "AGG", "DEP", "REG", "SDIS", "CDG", "SOC") for g in P.GROUPS])


def _size_factor(n, low, span, half):
    return low + span * n / (n + half)


def agent_values(unit: Unit, r: dict) -> dict:
    """Per-row yearly values: paid days, presence, pay, flags."""
    rng = unit.rng
    n = len(r["emp"])
    year, ndays = r["year"], r["ndays"]
    age = year - r["byear"].astype(np.int64)
    start = np.where(r["d_in"] >= 0, r["d_in"], 0)
    end = np.where(r["d_out"] >= 0, r["d_out"], ndays - 1)
    presence = (end - start + 1).astype(np.int64)
    full_year = (r["d_in"] < 0) & (r["d_out"] < 0)
    presence[full_year] = ndays
    paid = np.isin(r["pos"], (ACTIVITE, MAD))
    jours = np.where(paid, np.minimum(np.where(full_year, 365, presence), 365), 0)

    # headcount of each employer this year (for the size-dependent behaviours)
    n_e = np.bincount(r["emp"], minlength=unit.n_emp)
    size = n_e[r["emp"]].astype(np.float64)
    grp = unit.arr["group"][r["emp"]]
    st, cat, fil = r["statut"], r["cat"], r["fil"]

    # emploi fonctionnel: directors (DGS, DGA...) among the cat. A of the larger employers
    eligible = ((cat == 0) & np.isin(fil, (P.ADM, P.TECHN)) & np.isin(st, (P.TIT, P.CP))
                & (size >= 40) & EF_GROUPS[grp] & paid)
    n_elig = np.bincount(r["emp"][eligible], minlength=unit.n_emp)
    k = np.minimum(1 + n_e // 300, 10)
    p_ef = np.where(n_elig > 0, np.minimum(1.0, k / np.maximum(n_elig, 1)), 0.0)
    ef = eligible & (r["u_ef"] < p_ef[r["emp"]])

    # pay: full-time full-year gross pay, then scaled by working time and paid days
    full = np.zeros(n)
    for c, letter in enumerate(ff.CATEGORIES):
        base, slope, a0 = P.PAY_BASE[letter]
        m = cat == c
        full[m] = base + slope * np.clip(age[m] - a0, 0, 40)
    full *= 1 + P.PAY_GRADE_STEP * r["grade"]
    full *= np.where(np.isin(st, (P.CP, P.CNP)), P.PAY_CONTRACTUEL, 1.0)
    for f, factor in P.PAY_FILIERE.items():
        full[fil == f] *= factor
    full[ef] *= P.EMPLOI_FONCTIONNEL_BONUS
    for s, amount in P.PAY_OTHER.items():
        m = st == s
        full[m] = amount * (1 + (0.006 * np.clip(age[m] - 25, 0, 40) if s == P.CAB else 0))
    full *= r["pay_f"]
    q = r["quot"].astype(np.float64)
    q_pay = np.where(q == 80, 6 / 7, np.where(q == 90, 32 / 35, q / 100))
    factor = q_pay * r["hh"] / 70.0 * jours / 365.0

    # overtime (hours) for technical, police and fire staff on full-time posts
    p_hs = np.full(n, 0.04)
    p_hs[(fil == P.TECHN) & (cat == 2)] = 0.30
    p_hs[fil == P.POLICE] = 0.5
    p_hs[fil == P.INCENDIE] = 0.45
    p_hs[fil == P.ANIM] = 0.10
    p_hs[(cat == 0) | (r["hh"] < 70) | (r["quot"] < 100) | (jours == 0)
         | np.isin(st, (P.APP, P.AMF, P.CAB))] = 0.0
    hs_on = r["u_hs"] < p_hs
    hs = np.where(hs_on, np.maximum(1, np.round(rng.gamma(2.0, 22.0, n) * jours / 365 * 2)) * 50, 0)
    hs = hs.astype(np.int64)                              # hundredths of hours, by half hours
    brute = np.round(full * factor * 100).astype(np.int64) + hs // 100 * 2000
    ri = np.round(brute * r["ri"].astype(np.float64)).astype(np.int64)
    nbi = np.round(r["nbi"] * P.NBI_POINT_MONTH * 12 * q_pay * r["hh"] / 70.0 * jours / 365 * 100).astype(np.int64)
    nbi = np.minimum(nbi, brute - ri)
    has_nbi = (r["nbi"] > 0) & (jours > 0)

    boeth = r["u_boeth"] < P.BOETH_RATE * (0.45 + 0.022 * np.clip(age - 20, 0, 47))
    p_tele = np.zeros(n)
    p_tele[(fil == P.ADM) & (cat <= 1)] = 0.50
    p_tele[(fil != P.ADM) & (cat <= 1) & ~np.isin(fil, (P.INCENDIE, P.POLICE, P.ANIM))] = 0.22
    p_tele[(fil == P.ADM) & (cat == 2)] = 0.14
    p_tele *= np.where(size >= 50, 1.0, 0.2)
    p_tele[(jours == 0) | np.isin(st, (P.APP, P.CAI, P.AMF))] = 0.0
    tele = r["u_tele"] < p_tele
    return {
        "age": age, "presence": presence, "paid": paid, "jours": jours, "size": size, "ef": ef,
        "brute": brute, "ri": ri, "nbi": nbi, "has_nbi": has_nbi, "hs": hs, "hs_on": hs_on,
        "boeth": boeth, "tele": tele, "present": r["d_out"] < 0,
    }


def absences(unit: Unit, r: dict, v: dict) -> dict:
    """Absence rows (one per agent x motif with at least one stoppage)."""
    rng = unit.rng
    n = len(r["emp"])
    year = r["year"]
    at_work = v["paid"] & (v["presence"] > 0)
    frac = np.where(at_work, v["presence"] / r["ndays"], 0.0)
    age = v["age"].astype(np.float64)
    sex, st, fil = r["sex"], r["statut"], r["fil"]
    f_size = _size_factor(v["size"], P.ABSENCE_SIZE_LOW, P.ABSENCE_SIZE_SPAN, P.ABSENCE_SIZE_HALF)
    fonctionnaire = np.isin(st, (P.TIT, P.STAG))
    old = np.clip(age / 46.0, 0.4, 1.6) ** 2
    acc = np.ones(n)
    for f, factor in P.ACCIDENT_FILIERE.items():
        acc[fil == f] = factor
    acc[(r["cat"] == 0)] *= 0.5

    n_motifs = len(ff.MOTIFS_ABSENCE)
    nb = np.zeros((n_motifs, n), dtype=np.int64)
    days = np.zeros((n_motifs, n), dtype=np.int64)
    for motif, (p0, extra, median, sigma) in P.ABSENCE.items():
        j = MOTIF[motif]
        if motif == "MALADIE_ORDINAIRE":
            p = p0 * f_size * (1 + 0.008 * (age - 46)) * np.where(sex == 0, 1.08, 0.88)
            p[st == P.CNP] *= 0.6
        elif motif in ("LONGUE_MALADIE", "LONGUE_DUREE"):
            p = p0 * f_size * old * fonctionnaire
        elif motif == "GRAVE_MALADIE":
            p = p0 * f_size * old * ~fonctionnaire
        elif motif in ("ACCIDENT_SERVICE", "ACCIDENT_TRAJET"):
            p = p0 * f_size * (acc if motif == "ACCIDENT_SERVICE" else 1.0)
        elif motif == "MALADIE_PROFESSIONNELLE":
            p = p0 * f_size * old * acc
        elif motif == "MATERNITE":
            p = 0.13 * np.exp(-(((age - 32) / 5.5) ** 2)) * (sex == 0) * ((age >= 18) & (age <= 46))
        elif motif == "PATERNITE":
            p = 0.07 * np.exp(-(((age - 34) / 6.5) ** 2)) * (sex == 1) * ((age >= 20) & (age <= 55))
        elif motif == "ADOPTION":
            p = p0 * ((age >= 28) & (age <= 50))
        else:  # AUTRE
            p = p0 * np.ones(n)
        p = np.minimum(p * frac, 0.95) * at_work
        hit = rng.random(n) < p
        k = int(hit.sum())
        if k == 0:
            continue
        stops = 1 + (rng.poisson(extra, k) if extra > 0 else 0)
        if motif == "MATERNITE":
            length = np.where(rng.random(k) < 0.55, 112, rng.integers(20, 112, k))
        elif motif == "PATERNITE":
            full = 25 if year >= 2022 else (11 if year <= 2020 else 18)
            stops = np.where(rng.random(k) < 0.3, 2, 1)
            length = np.full(k, full)
        else:
            length = np.ceil(median * stops * np.exp(sigma * rng.normal(0.0, 1.0, k)))
        cap = v["presence"][hit]
        d = np.clip(length, 1, cap).astype(np.int64)
        nb[j, hit] = np.minimum(stops, d)
        days[j, hit] = d

    # the days of all motives of an agent fit in the days of presence
    total = days.sum(axis=0)
    over = total > v["presence"]
    if over.any():
        scale = v["presence"][over] / total[over]
        scaled = np.floor(days[:, over] * scale).astype(np.int64)
        days[:, over] = scaled
        nb[:, over] = np.minimum(nb[:, over], scaled)
    motif_idx, row_idx = np.nonzero(days > 0)
    order = np.lexsort((motif_idx, row_idx))
    motif_idx, row_idx = motif_idx[order], row_idx[order]
    return {"row": row_idx, "motif": motif_idx.astype(np.int8),
            "nb": nb[motif_idx, row_idx], "days": days[motif_idx, row_idx]}


def formations(unit: Unit, r: dict, v: dict) -> dict:
    """Training rows (one per agent x type x organisme); days in hundredths."""
    rng = unit.rng
    n = len(r["emp"])
    year = r["year"]
    st, cat = r["statut"], r["cat"]
    at_work = (r["pos"] == ACTIVITE) & (v["presence"] > 0)
    frac = np.where(at_work, np.minimum(1.0, 0.25 + v["presence"] / r["ndays"]), 0.0)
    f_size = _size_factor(v["size"], P.TRAINED_SIZE_LOW, P.TRAINED_SIZE_SPAN, P.TRAINED_SIZE_HALF)
    p = np.asarray(P.TRAINED)[st] * np.asarray(P.TRAINED_CATEGORY)[cat] * f_size * frac
    trained = rng.random(n) < np.minimum(p, 0.98)
    integration = ((st == P.STAG) & (r["stag_year"] >= year - 1) & at_work & (rng.random(n) < 0.8))
    trained |= integration

    rows, types, orgs, days = [], [], [], []
    chosen_any = integration.copy()
    # PERFECTIONNEMENT last: it is also given to the trained agents who got nothing else.
    order_types = [t for t in P.TRAINING if t != "PERFECTIONNEMENT"] + ["PERFECTIONNEMENT"]
    for t_name in order_types:
        p_t, cnfpt, both, mean_days = P.TRAINING[t_name]
        t = TYPE_F[t_name]
        if t_name == "INTEGRATION":
            chosen = integration
        else:
            chosen = trained & (rng.random(n) < p_t)
            if t_name == "PREPARATION_CONCOURS":
                chosen &= np.isin(st, (P.CP, P.CNP, P.TIT, P.STAG))
            if t_name == "PERFECTIONNEMENT":
                chosen |= trained & ~chosen_any
        chosen_any |= chosen
        idx = np.flatnonzero(chosen)
        org = np.where(rng.random(len(idx)) < cnfpt, CNFPT, AUTRE_ORG)
        second = rng.random(len(idx)) < both
        all_idx = np.concatenate([idx, idx[second]])
        all_org = np.concatenate([org, 1 - org[second]])
        k = len(all_idx)
        if t_name == "INTEGRATION":
            halves = np.where(cat[all_idx] == 2, 10, 20)
        else:
            halves = rng.geometric(min(1.0, 1.0 / (2 * mean_days)), k)
        halves = np.minimum(halves, 2 * np.maximum(v["presence"][all_idx], 1))
        rows.append(all_idx)
        types.append(np.full(k, t, dtype=np.int8))
        orgs.append(all_org.astype(np.int8))
        days.append(halves.astype(np.int64) * 50)
    row = np.concatenate(rows)
    typ = np.concatenate(types)
    org = np.concatenate(orgs)
    d = np.concatenate(days)
    order = np.lexsort((org, typ, row))
    return {"row": row[order], "type": typ[order], "org": org[order], "days": d[order]}


def employer_values(unit: Unit, r: dict, v: dict, abs_rows: dict, form_rows: dict,
                    transmitted: np.ndarray) -> dict:
    """Employer-year amounts (hundredths), empty (-1) for employers that did not transmit."""
    rng = unit.rng
    ne = unit.n_emp
    year = r["year"]
    emp = r["emp"]
    n_agents = np.bincount(emp, weights=v["present"], minlength=ne)
    pay = np.bincount(emp, weights=v["brute"], minlength=ne)         # cents
    noise = rng.uniform(0.97, 1.03, ne)
    depenses = np.round(pay * P.CHARGES_RATE * noise)
    cnfpt = np.round(pay * P.CNFPT_RATE)
    f_emp = emp[form_rows["row"]]
    autre_days = np.bincount(f_emp, weights=form_rows["days"] * (form_rows["org"] == AUTRE_ORG), minlength=ne)
    all_days = np.bincount(f_emp, weights=form_rows["days"], minlength=ne)
    formation = np.round(autre_days * rng.uniform(180, 320, ne) + all_days * rng.uniform(15, 45, ne))
    action = np.round(n_agents * rng.uniform(150, 450, ne) * 100)
    participates = rng.random(ne) < np.where(n_agents >= 10, 0.85, 0.55)
    protection = np.round(n_agents * rng.uniform(120, 420, ne) * 100 * participates)
    kind = unit.arr["kind"]
    cdg = kind == P.TYPE_INDEX["CDG"]
    reunions = np.where(n_agents >= 50, rng.integers(4, 12, ne), 0)
    reunions = np.where(cdg, rng.integers(18, 40, ne), reunions)
    strike_rate = {2019: 0.5, 2020: 0.2, 2023: 0.9}.get(year, 0.25)
    greve = np.where(n_agents >= 20,
                     np.round(n_agents * rng.gamma(1.2, strike_rate / 1.2, ne) * 2) / 2, 0.0)
    greve = np.where((n_agents > 0) & (n_agents < 20) & (rng.random(ne) < 0.1),
                     rng.integers(1, 4, ne).astype(float), greve)
    prevention = np.where(n_agents >= 10, 1 + n_agents // 150, (n_agents > 0) * (rng.random(ne) < 0.4))
    out = {
        "depenses_personnel": depenses, "cotisation_cnfpt": cnfpt, "depenses_formation": formation,
        "action_sociale": action, "participation_protection_sociale": protection,
        "reunions_instances": reunions, "jours_greve": np.round(greve * 100),
        "agents_prevention": prevention,
    }
    for key, value in out.items():
        out[key] = np.where(transmitted, value, -1).astype(np.int64)
    return out


def transmission(unit: Unit) -> np.ndarray:
    """Which employers transmitted their RSU this year (bigger ones more often)."""
    size_cls = np.searchsorted(P.SIZE_BOUNDS, unit.size, side="right")
    p = np.where(unit.size >= P.ALWAYS_TRANSMITS, 1.0, np.asarray(P.TRANSMISSION)[size_cls])
    return unit.rng.random(unit.n_emp) < p

