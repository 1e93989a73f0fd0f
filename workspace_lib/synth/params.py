"""Calibration of the demo data: every tunable figure of the generator, in one place.

Targets (see docs/domain.md, national FPT): about 2.0 M agents a year, 61 % women,
76 % titulaires, catégories A 8.6 % / B 13.1 % / C 75.6 %, filière technique 44 %, mean age 46
with 43 % aged 50+, temps non complet 16 %, 26.7 days of absence per agent (24.3 for health),
59 stoppages per 100 agents, 2.2 training days per agent, half of the agents trained.
The tables below are the author's guesses that reproduce those margins; they are not
published figures.
"""

from __future__ import annotations

import numpy as np

from .. import file_formats as ff

# ---------------------------------------------------------------------------------------------
# Employer groups: the employer types that share the same staff profile.
GROUPS = ("COM", "SOC", "CE", "CC", "AGG", "SYN", "DEP", "REG", "SDIS", "CDG")
GROUP_OF_TYPE = {
    "COMMUNE": "COM", "CCAS": "SOC", "CIAS": "SOC", "CAISSE_ECOLES": "CE", "EPCI_CC": "CC",
    "EPCI_CA": "AGG", "EPCI_CU": "AGG", "METROPOLE": "AGG", "SYNDICAT": "SYN", "AUTRE_EP": "SYN",
    "DEPARTEMENT": "DEP", "REGION": "REG", "SDIS": "SDIS", "CDG": "CDG",
}
TYPE_INDEX = {t: i for i, t in enumerate(ff.TYPES_EMPLOYEUR)}
GROUP_INDEX = {g: i for i, g in enumerate(GROUPS)}
GROUP_OF_TYPE_INDEX = np.array([GROUP_INDEX[GROUP_OF_TYPE[t]] for t in ff.TYPES_EMPLOYEUR], dtype=np.int8)

# ---------------------------------------------------------------------------------------------
# Headcounts (expected agents of an employer, before random noise).
FIRST_CALIBRATED_YEAR = 2021          # headcounts below are those of 31/12/2021
GROWTH_PER_YEAR = 0.012               # national headcount grows ~1 % a year (1.94 M -> 2.06 M)
COMMUNE_BASE = 1.0                    # agents of a commune: BASE + pop/RATE * pop/(pop+DAMP)
COMMUNE_RATE = 48.5
COMMUNE_DAMP = 1500.0
CCAS_MIN_POP = 1500                   # CCAS compulsory above 1,500 inhabitants
CCAS_RATE = 520.0
CAISSE_ECOLES_MIN_POP = 5000
CAISSE_ECOLES_RATE = 2500.0
EPCI_RATES = {"EPCI_CC": (3.0, 205.0), "EPCI_CA": (0.0, 230.0), "EPCI_CU": (0.0, 210.0),
              "METROPOLE": (0.0, 230.0)}
METROPOLE_LYON_RATE = 155.0           # also exercises the powers of a département
HUGE_METROPOLE_POP = 5_000_000        # Métropole du Grand Paris: a small staff
CIAS_SHARE = 0.30                     # share of EPCI with a CIAS
CIAS_RATE = 900.0
DEPARTEMENT_BASE, DEPARTEMENT_RATE = 640.0, 300.0
REGION_BASE, REGION_RATE = 1200.0, 1000.0
SDIS_BASE, SDIS_RATE = 60.0, 1400.0
CDG_BASE, CDG_RATE = 18.0, 12000.0
SYNDICATS_BASE, SYNDICATS_PER_COMMUNES = 3, 15   # number of syndicats: 3 + communes/15
SYNDICAT_MEDIAN_AGENTS = 9.0
# Rural départements employ more agents per inhabitant (fixed costs of many small communes,
# mountain roads, tourism): factor (pop_dep / RURAL_REF)^-RURAL_EXP clipped.
RURAL_REF, RURAL_EXP, RURAL_MIN, RURAL_MAX = 600_000.0, 0.22, 0.88, 1.6
HEADCOUNT_NOISE = 0.20                # log-normal sigma around the expected headcount

# Transmission of the RSU, by size of employer (<10, <50, <350, >=350 agents).
TRANSMISSION = (0.91, 0.95, 0.975, 0.995)
SIZE_BOUNDS = (10, 50, 350)
ALWAYS_TRANSMITS = 2000               # the largest employers always transmit

# ---------------------------------------------------------------------------------------------
# Statut of the agents in post (stock) by group. Order of ff.STATUTS:
# TITULAIRE, STAGIAIRE, CONTRACTUEL_PERMANENT, CONTRACTUEL_NON_PERMANENT, COLLABORATEUR_CABINET,
# ASSISTANT_MATERNEL_FAMILIAL, CONTRAT_AIDE, APPRENTI
TIT, STAG, CP, CNP, CAB, AMF, CAI, APP = range(8)
STATUT_STOCK = {
    "COM": (77.0, 2.5, 12.0, 6.0, 0.3, 0.3, 0.8, 1.1),
    "SOC": (65.0, 3.0, 17.0, 10.0, 0.0, 3.0, 1.2, 0.8),
    "CE": (60.0, 3.0, 19.0, 15.0, 0.0, 0.0, 1.5, 1.5),
    "CC": (73.0, 3.0, 14.5, 7.0, 0.2, 0.4, 0.8, 1.1),
    "AGG": (80.0, 2.5, 11.0, 4.5, 0.2, 0.2, 0.5, 1.1),
    "SYN": (72.0, 3.0, 16.0, 7.0, 0.0, 0.0, 1.0, 1.0),
    "DEP": (77.5, 2.0, 9.0, 4.0, 0.3, 6.0, 0.2, 1.0),
    "REG": (83.0, 3.0, 9.0, 3.5, 0.3, 0.0, 0.2, 1.0),
    "SDIS": (92.5, 3.5, 2.5, 1.0, 0.0, 0.0, 0.0, 0.5),
    "CDG": (58.0, 3.0, 24.0, 14.0, 0.5, 0.0, 0.0, 0.5),
}
# Mean yearly exit rate by statut (used to derive the mix of arrivals that keeps the stock
# mix stable) and yearly internal transitions.
STAGIAIRE_TO_TITULAIRE = 0.85
CP_TO_STAGIAIRE = 0.03
PROMOTION = 0.06
# Exit hazards by statut and motif (order of ff.MOTIFS_SORTIE: MUTATION, DEMISSION, FIN_CONTRAT,
# RETRAITE, LICENCIEMENT, DECES, DETACHEMENT, DISPONIBILITE, RUPTURE_CONVENTIONNELLE, AUTRE);
# RETRAITE is replaced by the age-dependent hazard below for the statuts that can retire.
EXIT_HAZARD = {
    TIT: (0.013, 0.0025, 0.0, 0.0, 0.0002, 0.0012, 0.003, 0.002, 0.001, 0.001),
    STAG: (0.0, 0.01, 0.0, 0.0, 0.01, 0.001, 0.0, 0.0, 0.0, 0.003),
    CP: (0.0, 0.025, 0.06, 0.0, 0.003, 0.001, 0.0, 0.0, 0.003, 0.003),
    CNP: (0.0, 0.03, 0.22, 0.0, 0.0, 0.0005, 0.0, 0.0, 0.0, 0.005),
    CAB: (0.0, 0.03, 0.12, 0.0, 0.0, 0.001, 0.0, 0.0, 0.0, 0.0),
    AMF: (0.0, 0.03, 0.02, 0.0, 0.01, 0.001, 0.0, 0.0, 0.0, 0.0),
    CAI: (0.0, 0.03, 0.33, 0.0, 0.0, 0.0005, 0.0, 0.0, 0.0, 0.0),
    APP: (0.0, 0.03, 0.42, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
}
CAN_RETIRE = (True, True, True, True, True, True, False, False)
# Yearly retirement hazard by age (at 31/12); 67 is the age limit.
RETIREMENT_BY_AGE = {57: 0.01, 58: 0.012, 59: 0.02, 60: 0.07, 61: 0.07, 62: 0.40, 63: 0.30,
                     64: 0.30, 65: 0.35, 66: 0.40, 67: 1.0}
# Mean exit rate of each statut (roughly what the hazards give on the stock age structure).
MEAN_EXIT = (0.050, 0.03, 0.10, 0.26, 0.15, 0.07, 0.36, 0.45)
# Share of new contractuels non permanents leaving again before the end of their first year.
SHORT_CONTRACT = 0.25
# Relaxation of each employer towards its target headcount (per year).
TARGET_PULL = 0.15

# ---------------------------------------------------------------------------------------------
# Filière by group. Order of ff.FILIERES: ADMINISTRATIVE, TECHNIQUE, CULTURELLE, SPORTIVE,
# MEDICO_SOCIALE, MEDICO_TECHNIQUE, SOCIALE, POLICE_MUNICIPALE, INCENDIE_SECOURS, ANIMATION,
# HORS_FILIERE
FILIERE = {
    "COM": (22.5, 47.0, 4.6, 2.0, 3.0, 0.2, 7.5, 3.2, 0.0, 10.0, 0.0),
    "SOC": (15.0, 12.0, 0.0, 0.0, 38.0, 1.0, 30.0, 0.0, 0.0, 4.0, 0.0),
    "CE": (8.0, 55.0, 0.0, 0.0, 2.0, 0.0, 10.0, 0.0, 0.0, 25.0, 0.0),
    "CC": (21.0, 51.0, 6.5, 3.0, 3.0, 0.0, 4.0, 0.5, 0.0, 11.0, 0.0),
    "AGG": (23.0, 54.0, 8.5, 3.5, 2.0, 0.5, 3.0, 0.5, 0.0, 5.0, 0.0),
    "SYN": (22.0, 75.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0),
    "DEP": (30.0, 36.5, 3.0, 0.0, 13.0, 1.0, 16.5, 0.0, 0.0, 0.0, 0.0),
    "REG": (25.0, 73.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0),
    "SDIS": (11.0, 7.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 80.0, 0.0, 0.0),
    "CDG": (68.0, 10.0, 0.0, 0.0, 12.0, 2.0, 6.0, 0.0, 0.0, 2.0, 0.0),
}
(ADM, TECHN, CULT, SPORT, MEDSOC, MEDTECH, SOCI, POLICE, INCENDIE, ANIM, HORS) = range(11)
# Catégorie (A, B, C) by filière.
CATEGORIE = {
    ADM: (17.0, 20.0, 63.0),
    TECHN: (2.5, 6.5, 91.0),
    CULT: (12.0, 44.0, 44.0),
    SPORT: (6.0, 62.0, 32.0),
    MEDSOC: (27.0, 30.0, 43.0),
    MEDTECH: (35.0, 65.0, 0.0),
    SOCI: (22.0, 6.0, 72.0),
    POLICE: (1.0, 9.0, 90.0),
    INCENDIE: (7.0, 14.0, 79.0),
    ANIM: (0.0, 9.0, 91.0),
    HORS: (0.0, 0.0, 100.0),
}
NO_CATEGORY = 3
# Small employers (fewer than SMALL_EMPLOYER agents): a secretary and technical agents.
SMALL_EMPLOYER = 15
FILIERE_SMALL = (38.0, 50.0, 0.0, 0.0, 0.0, 0.0, 7.0, 0.0, 0.0, 5.0, 0.0)
SMALL_A_TO_B, SMALL_B_TO_C = 0.85, 0.30
# Share of women by filière.
WOMEN = (0.82, 0.40, 0.64, 0.30, 0.94, 0.80, 0.94, 0.24, 0.06, 0.74, 0.60)
WOMEN_ASSISTANT_MATERNEL = 0.96
# Share of the technical agents of départements and régions in the collèges/lycées cadre.
EE_SHARE = {"DEP": 0.40, "REG": 0.85}

# ---------------------------------------------------------------------------------------------
# Ages (at 31/12): piecewise-linear densities by statut, stock and arrivals.
AGE_MIN, AGE_MAX = 16, 67
_AGE_TIT = {20: 0.0, 25: 0.3, 30: 1.1, 35: 2.2, 40: 3.1, 45: 3.9, 50: 4.6, 55: 5.0, 59: 5.0,
            60: 4.7, 61: 4.35, 62: 4.0, 63: 2.4, 64: 1.7, 65: 1.15, 66: 0.75, 67: 0.45}
_AGE_CP = {18: 0.2, 21: 1.0, 25: 2.0, 30: 2.6, 35: 3.0, 40: 3.2, 45: 3.3, 50: 3.3, 55: 3.0,
           60: 2.2, 62: 1.0, 64: 0.4, 67: 0.1}
_AGE_CNP = {17: 0.5, 19: 2.5, 22: 3.5, 26: 3.3, 30: 3.0, 35: 2.8, 40: 2.6, 45: 2.5, 50: 2.3,
            55: 2.0, 60: 1.4, 62: 0.7, 64: 0.3, 67: 0.1}
_AGE_APPRENTI = {16: 1.0, 18: 3.0, 21: 2.5, 25: 1.0, 30: 0.2, 35: 0.0}
_AGE_AIDE = {18: 1.5, 22: 2.5, 30: 2.0, 40: 1.5, 50: 1.5, 58: 1.0, 62: 0.0}
_AGE_STAG = {19: 0.3, 23: 2.0, 28: 3.2, 35: 3.0, 42: 2.3, 50: 1.3, 57: 0.5, 62: 0.0}
_AGE_AMF = {25: 0.2, 35: 1.5, 45: 3.0, 55: 3.2, 60: 2.0, 64: 0.5, 67: 0.0}
_AGE_CAB = {25: 1.0, 35: 2.0, 50: 1.5, 62: 0.3, 65: 0.0}
_AGE_MUTATION = {25: 0.8, 30: 2.5, 35: 3.0, 45: 2.6, 55: 1.5, 60: 0.4, 62: 0.0}
_AGE_CP_ARRIVAL = {19: 0.5, 22: 2.0, 26: 3.0, 30: 3.2, 35: 3.0, 40: 2.6, 45: 2.2, 50: 1.8, 55: 1.3,
                   60: 0.6, 63: 0.1, 64: 0.0}
_AGE_CNP_ARRIVAL = {17: 1.0, 19: 3.0, 22: 3.5, 26: 3.0, 30: 2.5, 35: 2.0, 40: 1.8, 45: 1.6, 50: 1.3,
                    55: 1.0, 60: 0.5, 62: 0.2, 65: 0.05, 66: 0.0}
AGE_STOCK = (_AGE_TIT, _AGE_STAG, _AGE_CP, _AGE_CNP, _AGE_CAB, _AGE_AMF, _AGE_AIDE, _AGE_APPRENTI)
AGE_ARRIVAL = (_AGE_MUTATION, _AGE_STAG, _AGE_CP_ARRIVAL, _AGE_CNP_ARRIVAL, _AGE_CAB, _AGE_AMF,
               _AGE_AIDE, _AGE_APPRENTI)


def age_density(knots: dict[int, float]) -> np.ndarray:
    """Probabilities of ages AGE_MIN..AGE_MAX from a piecewise-linear density."""
    ages = np.arange(AGE_MIN, AGE_MAX + 1)
    xs = np.array(sorted(knots))
    ys = np.array([knots[x] for x in xs])
    dens = np.interp(ages, xs, ys, left=0.0, right=0.0)
    return dens / dens.sum()


# ---------------------------------------------------------------------------------------------
# Working time. Temps non complet probability by size of employer (<10, <50, <350, >=350
# agents); part time (quotité < 100) by sex for fonctionnaires and contractuels permanents.
TNC_BY_SIZE = (0.50, 0.28, 0.15, 0.09)
TNC_CATEGORY_FACTOR = (0.35, 0.7, 1.15, 1.0)      # A, B, C, none
PART_TIME = {"F": 0.20, "M": 0.045}
QUOTITES = (50, 60, 70, 80, 90)
QUOTITE_WEIGHTS = (0.10, 0.07, 0.05, 0.60, 0.18)
# Positions of titulaires (order of ff.POSITIONS).
POSITION_STOCK = (0.965, 0.008, 0.018, 0.005, 0.0035, 0.0005)
POSITION_RETURN = 0.35

# ---------------------------------------------------------------------------------------------
# Pay: full-time, full-year gross pay (régime indemnitaire and NBI included), by catégorie.
PAY_BASE = {"A": (39000.0, 340.0, 24), "B": (27800.0, 190.0, 22), "C": (21600.0, 160.0, 18)}
PAY_GRADE_STEP = 0.04
PAY_NOISE = 0.06
PAY_CONTRACTUEL = 0.95
PAY_FILIERE = {POLICE: 1.10, INCENDIE: 1.16}
PAY_OTHER = {AMF: 20500.0, CAI: 20000.0, APP: 12500.0, CAB: 42000.0}
EMPLOI_FONCTIONNEL_BONUS = 1.25
RI_SHARE = {"fonctionnaire": (0.15, 0.25), "contractuel": (0.10, 0.20)}
NBI_SHARE = 0.12
NBI_POINT_MONTH = 4.92278
NBI_POINTS = (10, 15, 20, 25, 30, 40)
NBI_POINT_WEIGHTS = (0.3, 0.25, 0.2, 0.12, 0.08, 0.05)
BOETH_RATE = 0.06
CHARGES_RATE = 1.45
CNFPT_RATE = 0.009

# ---------------------------------------------------------------------------------------------
# Absences (order of ff.MOTIFS_ABSENCE). Per motif: probability that an agent has at least one
# stoppage (for a full year, employer factor 1), extra stoppages (Poisson mean), and the
# log-normal (median, sigma) length of a stoppage in days.
HEALTH = ("MALADIE_ORDINAIRE", "LONGUE_MALADIE", "LONGUE_DUREE", "GRAVE_MALADIE",
          "ACCIDENT_SERVICE", "ACCIDENT_TRAJET", "MALADIE_PROFESSIONNELLE")
ABSENCE = {
    "MALADIE_ORDINAIRE": (0.26, 0.40, 22.0, 1.10),
    "LONGUE_MALADIE": (0.0145, 0.10, 210.0, 0.45),
    "LONGUE_DUREE": (0.0105, 0.0, 260.0, 0.35),
    "GRAVE_MALADIE": (0.010, 0.10, 120.0, 0.6),
    "ACCIDENT_SERVICE": (0.037, 0.15, 38.0, 1.10),
    "ACCIDENT_TRAJET": (0.007, 0.0, 30.0, 1.0),
    "MALADIE_PROFESSIONNELLE": (0.006, 0.20, 110.0, 0.7),
    "MATERNITE": (0.0, 0.0, 112.0, 0.0),
    "PATERNITE": (0.0, 0.0, 25.0, 0.0),
    "ADOPTION": (0.0006, 0.0, 70.0, 0.3),
    "AUTRE": (0.075, 0.5, 8.0, 0.8),
}
# Health absence multiplier by size of employer: LOW + SPAN * n / (n + HALF).
ABSENCE_SIZE_LOW, ABSENCE_SIZE_SPAN, ABSENCE_SIZE_HALF = 0.70, 0.85, 400.0
# Accident at work multiplier by filière (others 1).
ACCIDENT_FILIERE = {TECHN: 1.6, INCENDIE: 2.2, POLICE: 1.5, ADM: 0.35, CULT: 0.6, MEDTECH: 0.7}

# ---------------------------------------------------------------------------------------------
# Training: probability that an agent is trained during a full year, by statut.
TRAINED = (0.50, 0.85, 0.40, 0.30, 0.25, 0.40, 0.35, 0.05)
TRAINED_CATEGORY = (1.25, 1.12, 0.95, 1.0)       # A, B, C, none
TRAINED_SIZE_LOW, TRAINED_SIZE_SPAN, TRAINED_SIZE_HALF = 0.62, 0.48, 25.0
# Per type of training (order of ff.TYPES_FORMATION): probability for a trained agent,
# share at the CNFPT, probability of a second row with the other organisme, mean days
# (geometric in half days).
TRAINING = {
    "INTEGRATION": (0.0, 1.0, 0.0, 5.0),         # stagiaires only, see generator
    "PROFESSIONNALISATION": (0.30, 0.82, 0.06, 2.6),
    "PERFECTIONNEMENT": (0.78, 0.58, 0.14, 2.7),
    "PREPARATION_CONCOURS": (0.07, 0.92, 0.0, 6.0),
    "PERSONNELLE": (0.012, 0.0, 0.0, 12.0),
    "CPF": (0.025, 0.0, 0.0, 5.0),
}
