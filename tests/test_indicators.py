"""Indicators on a small hand-written warehouse: every expected value is computed by hand.

The data set (inserted with bound parameters into a real warehouse):

Employers (same rows in 2023 and 2024):
    E1 COMMUNE  dép. 48 (région 76), EPCI 200000000   formation 3000, action sociale 1200, PSC 600
    E2 EPCI_CC  dép. 48, SIREN 200000000             formation 1000, action sociale -,    PSC 0
    E3 CCAS     dép. 48                               formation -,    action sociale 300,  PSC -
    E4 COMMUNE  dép. 63 (région 84)                   formation 500
    E5 COMMUNE  dép. 48, RSU non transmis, no agent
    E6 COMMUNE  dép. 63, 20 identical agents (strate "20 à 49 agents")

Agents of 2024 (J = 366 days; age = 2024 − birth year):
    id   sexe age statut cat filière   temps  quot position pres. mouvement              jr   brut   RI    NBI  HS  BOETH télétr.
    a01  F    62  TIT    C   TECH      35h    100  ACT      oui                          366  30000  6000  -    10  oui   non
    a02  M    55  TIT    A   ADM       35h    100  ACT      oui  (emploi fonctionnel)    366  60000 15000  -    -   non   oui
    a03  F    39  TIT    B   ADM       35h     80  ACT      oui                          366  24000  4000 1000  -   non   oui
    a04  M    34  STAG   C   TECH      28h NC  100  ACT      oui                          366  20000  2000  -    20  non   non
    a05  F    54  CP     B   SOC       35h    100  ACT      oui  entrée 1/7 CONTRAT      184  12000  1000  -    -   oui   -
    a06  M    66  CP     C   TECH      35h    100  ACT      oui                          366  22000     0  -    -   non   non
    a07  F    44  TIT    C   MED-SOC   35h    100  DISPO    oui                            0      0     -  -    -   non   non
    a08  M    60  TIT    B   TECH      35h    100  ACT      non  sortie 30/6 RETRAITE    182  15000  3000  500   0  oui   non
    a09  F    24  CNP    -   ANIM      17.5h  100  ACT      oui  entrée 1/9 CONTRAT      122   4000     0  -    -   non   non
    a10  M    19  APPR   -   TECH      35h    100  ACT      oui                          366   9000     -  -    -   non   non
    b01  F    56  TIT    A   ADM       35h    100  ACT      oui                          366  50000 12000  -    -   non   oui
    b02  M    52  TIT    B   TECH      35h     90  MAD      oui                          366  27000  5000  600   5  oui   non
    b03  F    29  TIT    C   ADM       35h    100  ACT      oui  (stagiaire en 2023)     366  21000  3000  -    -   non   non
    b04  M    36  CP     A   TECH      35h    100  ACT      non  1/2 CONTRAT - 30/11 DEM 304  35000  7000  -    -   non   non
    b05  F    63  TIT    C   TECH      24.5h  100  DETACH   oui                            0      0     -  -    -   non   non
    c01  F    46  TIT    C   MED-SOC   28h NC  100  ACT      oui  entrée 1/1 MUTATION     366  18000  2000  -    -   non   non
    c02  F    58  CP     C   SOC       35h     50  ACT      oui                          366  10000   500  -    -   non   -
    c03  M    25  CNP    C   SOC       35h    100  ACT      oui                          366  19000     -  -    -   non   non
    d01  M    64  TIT    C   TECH      35h    100  ACT      oui                          366  25000  3000  -    -   non   non
    d02  F    41  STAG   C   ADM       17.5h  100  ACT      oui  entrée 1/1 CONCOURS     366  11000     -  -    -   non   non
    f01..f20 F 44 TIT    C   TECH      35h    100  ACT      oui                          366  24000  2400  -    -   non   non

Permanent headcount on 31/12 of 2024 (present, TIT/STAG/CP, ACTIVITE or MAD):
    E1 = {a01..a06} = 6 ; E2 = {b01, b02, b03} = 3 ; E3 = {c01, c02} = 2 ; dép. 48 = 11 ;
    E4 = 2 ; E6 = 20 ; France = 33.

Absences of 2024 (agent: motif arrêts/jours): a01 MALADIE_ORDINAIRE 2/10, ACCIDENT_SERVICE 1/30 ;
a02 MO 1/3 ; a03 MATERNITE 1/112 ; a05 GRAVE_MALADIE 1/60 ; a06 MO 3/15 ; a07 MO 1/20 (not in
the headcount) ; a08 MO 1/5 (left) ; a09 AUTRE 1/2 (non permanent) ; b01 LONGUE_MALADIE 1/90 ;
b02 PATERNITE 1/25, MO 1/4 ; c01 MO 2/8, AUTRE 1/1 ; c02 ACCIDENT_TRAJET 1/12 ;
d01 MALADIE_PROFESSIONNELLE 1/40.

Trainings of 2024 (agent: type organisme jours): a01 PERF CNFPT 2 ; a02 PERF CNFPT 1.5 and
PERF AUTRE 1 ; a03 PREPARATION_CONCOURS CNFPT 3 ; a04 INTEGRATION CNFPT 5 ; a07 PERF AUTRE 1
(not in the headcount) ; a09 PROFESSIONNALISATION AUTRE 2 (non permanent) ; b01 PROF CNFPT 2 ;
b03 INTEGRATION CNFPT 10 ; c02 PERF AUTRE 0.5 ; d02 INTEGRATION CNFPT 5.

2023 (J = 365): E1 = a01, a02, a03, a04 (STAG), a06, a07 (ACTIVITE), a08 (present) ; E2 = b01, b02,
b03 (STAG, entrée 1/9/2023 CONCOURS, 122 j), b05 (ACTIVITE) ; E3 = c02 ; E4 = d01 ; E6 = f01..f20.
Absence a01 MO 1/5 ; training a02 PERF CNFPT 1.
"""

from __future__ import annotations

import datetime as dt
import math
import time

import pandas as pd
import pytest

from workspace_lib import warehouse
from workspace_lib.config import Workspace
from workspace_lib import indicators as I
from workspace_lib.indicators import ENSEMBLE, INDICATEURS, Perimetre

E1, E2, E3, E4, E5, E6 = (f"{i}0000000000011" for i in range(1, 7))
EPCI = "200000000"
EMPLOYEURS = [
    # siret, siren, type, departement, region, epci_siren, transmis, formation, action sociale, PSC
    (E1, "100000000", "COMMUNE", "48", "76", EPCI, True, 3000, 1200, 600),
    (E2, EPCI, "EPCI_CC", "48", "76", None, True, 1000, None, 0),
    (E3, "300000000", "CCAS", "48", "76", None, True, None, 300, None),
    (E4, "400000000", "COMMUNE", "63", "84", None, True, 500, None, None),
    (E5, "500000000", "COMMUNE", "48", "76", EPCI, False, None, None, None),
    (E6, "600000000", "COMMUNE", "63", "84", None, True, None, None, None),
]


def agent(annee, siret, agent_id, naissance, sexe, statut, categorie, filiere, *, ef=False, hh=35.0,
          quotite=100.0, position="ACTIVITE", present=True, entree=None, motif_entree=None, sortie=None,
          motif_sortie=None, jr=None, brut=0, ri=None, nbi=None, hs=None, boeth=False, tele=False):
    days = 366 if annee == 2024 else 365
    return (annee, siret, agent_id, naissance, sexe, statut, ef, categorie, filiere, None, None,
            "COMPLET" if hh >= 35 else "NON_COMPLET", hh, quotite, position, present, entree, motif_entree,
            sortie, motif_sortie, days if jr is None else jr, brut, ri, nbi, hs, boeth, tele, 1)


D = dt.date
AGENTS_2024 = [
    agent(2024, E1, "a01", 1962, "F", "TITULAIRE", "C", "TECHNIQUE", brut=30000, ri=6000, hs=10, boeth=True),
    agent(2024, E1, "a02", 1969, "M", "TITULAIRE", "A", "ADMINISTRATIVE", ef=True, brut=60000, ri=15000, tele=True),
    agent(2024, E1, "a03", 1985, "F", "TITULAIRE", "B", "ADMINISTRATIVE", quotite=80, brut=24000, ri=4000,
          nbi=1000, tele=True),
    agent(2024, E1, "a04", 1990, "M", "STAGIAIRE", "C", "TECHNIQUE", hh=28, brut=20000, ri=2000, hs=20),
    agent(2024, E1, "a05", 1970, "F", "CONTRACTUEL_PERMANENT", "B", "SOCIALE", entree=D(2024, 7, 1),
          motif_entree="CONTRAT", jr=184, brut=12000, ri=1000, boeth=True, tele=None),
    agent(2024, E1, "a06", 1958, "M", "CONTRACTUEL_PERMANENT", "C", "TECHNIQUE", brut=22000, ri=0),
    agent(2024, E1, "a07", 1980, "F", "TITULAIRE", "C", "MEDICO_SOCIALE", position="DISPONIBILITE", jr=0),
    agent(2024, E1, "a08", 1964, "M", "TITULAIRE", "B", "TECHNIQUE", present=False, sortie=D(2024, 6, 30),
          motif_sortie="RETRAITE", jr=182, brut=15000, ri=3000, nbi=500, hs=0, boeth=True),
    agent(2024, E1, "a09", 2000, "F", "CONTRACTUEL_NON_PERMANENT", None, "ANIMATION", hh=17.5,
          entree=D(2024, 9, 1), motif_entree="CONTRAT", jr=122, brut=4000, ri=0),
    agent(2024, E1, "a10", 2005, "M", "APPRENTI", None, "TECHNIQUE", brut=9000),
    agent(2024, E2, "b01", 1968, "F", "TITULAIRE", "A", "ADMINISTRATIVE", ef=None, brut=50000, ri=12000, tele=True),
    agent(2024, E2, "b02", 1972, "M", "TITULAIRE", "B", "TECHNIQUE", quotite=90, position="MAD", brut=27000,
          ri=5000, nbi=600, hs=5, boeth=True),
    agent(2024, E2, "b03", 1995, "F", "TITULAIRE", "C", "ADMINISTRATIVE", brut=21000, ri=3000),
    agent(2024, E2, "b04", 1988, "M", "CONTRACTUEL_PERMANENT", "A", "TECHNIQUE", present=False,
          entree=D(2024, 2, 1), motif_entree="CONTRAT", sortie=D(2024, 11, 30), motif_sortie="DEMISSION",
          jr=304, brut=35000, ri=7000),
    agent(2024, E2, "b05", 1961, "F", "TITULAIRE", "C", "TECHNIQUE", hh=24.5, position="DETACHEMENT", jr=0),
    agent(2024, E3, "c01", 1978, "F", "TITULAIRE", "C", "MEDICO_SOCIALE", hh=28, entree=D(2024, 1, 1),
          motif_entree="MUTATION", brut=18000, ri=2000),
    agent(2024, E3, "c02", 1966, "F", "CONTRACTUEL_PERMANENT", "C", "SOCIALE", quotite=50, brut=10000, ri=500,
          tele=None),
    agent(2024, E3, "c03", 1999, "M", "CONTRACTUEL_NON_PERMANENT", "C", "SOCIALE", brut=19000),
    agent(2024, E4, "d01", 1960, "M", "TITULAIRE", "C", "TECHNIQUE", brut=25000, ri=3000),
    agent(2024, E4, "d02", 1983, "F", "STAGIAIRE", "C", "ADMINISTRATIVE", hh=17.5, entree=D(2024, 1, 1),
          motif_entree="CONCOURS", brut=11000),
] + [agent(2024, E6, f"f{i:02d}", 1980, "F", "TITULAIRE", "C", "TECHNIQUE", brut=24000, ri=2400) for i in range(1, 21)]

AGENTS_2023 = [
    agent(2023, E1, "a01", 1962, "F", "TITULAIRE", "C", "TECHNIQUE", brut=29000, ri=5800, boeth=True),
    agent(2023, E1, "a02", 1969, "M", "TITULAIRE", "A", "ADMINISTRATIVE", ef=True, brut=59000, ri=15000),
    agent(2023, E1, "a03", 1985, "F", "TITULAIRE", "B", "ADMINISTRATIVE", quotite=80, brut=23000, ri=4000),
    agent(2023, E1, "a04", 1990, "M", "STAGIAIRE", "C", "TECHNIQUE", hh=28, brut=19000, ri=2000),
    agent(2023, E1, "a06", 1958, "M", "CONTRACTUEL_PERMANENT", "C", "TECHNIQUE", brut=21000),
    agent(2023, E1, "a07", 1980, "F", "TITULAIRE", "C", "MEDICO_SOCIALE", brut=20000),
    agent(2023, E1, "a08", 1964, "M", "TITULAIRE", "B", "TECHNIQUE", brut=29000, boeth=True),
    agent(2023, E2, "b01", 1968, "F", "TITULAIRE", "A", "ADMINISTRATIVE", brut=49000),
    agent(2023, E2, "b02", 1972, "M", "TITULAIRE", "B", "TECHNIQUE", quotite=90, position="MAD", brut=26000),
    agent(2023, E2, "b03", 1995, "F", "STAGIAIRE", "C", "ADMINISTRATIVE", entree=D(2023, 9, 1),
          motif_entree="CONCOURS", jr=122, brut=7000),
    agent(2023, E2, "b05", 1961, "F", "TITULAIRE", "C", "TECHNIQUE", hh=24.5, brut=17000),
    agent(2023, E3, "c02", 1966, "F", "CONTRACTUEL_PERMANENT", "C", "SOCIALE", quotite=50, brut=9800),
    agent(2023, E4, "d01", 1960, "M", "TITULAIRE", "C", "TECHNIQUE", brut=24500),
] + [agent(2023, E6, f"f{i:02d}", 1980, "F", "TITULAIRE", "C", "TECHNIQUE", brut=23500) for i in range(1, 21)]

ABSENCES = [  # annee, siret, agent, motif, arrêts, jours
    (2024, E1, "a01", "MALADIE_ORDINAIRE", 2, 10), (2024, E1, "a01", "ACCIDENT_SERVICE", 1, 30),
    (2024, E1, "a02", "MALADIE_ORDINAIRE", 1, 3), (2024, E1, "a03", "MATERNITE", 1, 112),
    (2024, E1, "a05", "GRAVE_MALADIE", 1, 60), (2024, E1, "a06", "MALADIE_ORDINAIRE", 3, 15),
    (2024, E1, "a07", "MALADIE_ORDINAIRE", 1, 20), (2024, E1, "a08", "MALADIE_ORDINAIRE", 1, 5),
    (2024, E1, "a09", "AUTRE", 1, 2), (2024, E2, "b01", "LONGUE_MALADIE", 1, 90),
    (2024, E2, "b02", "PATERNITE", 1, 25), (2024, E2, "b02", "MALADIE_ORDINAIRE", 1, 4),
    (2024, E3, "c01", "MALADIE_ORDINAIRE", 2, 8), (2024, E3, "c01", "AUTRE", 1, 1),
    (2024, E3, "c02", "ACCIDENT_TRAJET", 1, 12), (2024, E4, "d01", "MALADIE_PROFESSIONNELLE", 1, 40),
    (2023, E1, "a01", "MALADIE_ORDINAIRE", 1, 5),
]
FORMATIONS = [  # annee, siret, agent, type, organisme, jours
    (2024, E1, "a01", "PERFECTIONNEMENT", "CNFPT", 2), (2024, E1, "a02", "PERFECTIONNEMENT", "CNFPT", 1.5),
    (2024, E1, "a02", "PERFECTIONNEMENT", "AUTRE", 1), (2024, E1, "a03", "PREPARATION_CONCOURS", "CNFPT", 3),
    (2024, E1, "a04", "INTEGRATION", "CNFPT", 5), (2024, E1, "a07", "PERFECTIONNEMENT", "AUTRE", 1),
    (2024, E1, "a09", "PROFESSIONNALISATION", "AUTRE", 2), (2024, E2, "b01", "PROFESSIONNALISATION", "CNFPT", 2),
    (2024, E2, "b03", "INTEGRATION", "CNFPT", 10), (2024, E3, "c02", "PERFECTIONNEMENT", "AUTRE", 0.5),
    (2024, E4, "d02", "INTEGRATION", "CNFPT", 5), (2023, E1, "a02", "PERFECTIONNEMENT", "CNFPT", 1),
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    ws = Workspace.locate(tmp_path_factory.mktemp("ws-indicateurs"))
    con = warehouse.connect(ws)
    for annee in (2023, 2024):
        for siret, siren, type_, dep, reg, epci, transmis, form, action, psc in EMPLOYEURS:
            con.execute(
                "INSERT INTO employeur (annee, siret, siren, nom, type, departement, region, epci_siren, affilie, "
                "rsu_transmis, depenses_formation, action_sociale, participation_protection_sociale, import_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?, ?, 1)",
                [annee, siret, siren, f"Employeur {siret[0]}", type_, dep, reg, epci, transmis, form, action, psc])
    con.executemany(f"INSERT INTO agent VALUES ({', '.join(['?'] * 28)})", AGENTS_2023 + AGENTS_2024)
    con.executemany("INSERT INTO absence VALUES (?, ?, ?, ?, ?, ?, 1)", ABSENCES)
    con.executemany("INSERT INTO formation VALUES (?, ?, ?, ?, ?, ?, 1)", FORMATIONS)
    yield con
    con.close()


EMP1 = Perimetre("employeur", E1)
EMP2 = Perimetre("employeur", E2)
DEP48 = Perimetre("departement", "48")
FRANCE = Perimetre("france")

# (indicator, perimeter, options, expected grand total, arithmetic) -- year 2024 unless stated.
CASES = [
    # --- effectifs
    ("effectif_permanent", EMP1, {}, 6, "a01..a06"),
    ("effectif_permanent", DEP48, {}, 11, "6 + 3 (b01 b02 b03) + 2 (c01 c02)"),
    ("effectif_permanent", FRANCE, {}, 33, "11 + 2 (E4) + 20 (E6)"),
    ("effectif_total", EMP1, {}, 8, "6 + a09 + a10"),
    ("effectif_total", DEP48, {}, 14, "8 + 3 + 3 (c03)"),
    ("etp", EMP1, {}, 5.6, "1 + 1 + 0.8 + 28/35 + 1 + 1"),
    ("etp", DEP48, {}, 9.8, "5.6 + (1 + 0.9 + 1) + (28/35 + 0.5)"),
    ("etp", EMP1, {"population": "total"}, 7.1, "5.6 + 17.5/35 (a09) + 1 (a10)"),
    ("etpr", EMP1, {}, 5.6, "1 + 1 + 0.8 + 0.8 + 184/366 (a05) + 1 + 182/366 (a08) = 4.6 + 366/366"),
    ("etpr", DEP48, {}, 9.8 + 304 / 366, "5.6 + (1 + 0.9 + 1 + 304/366 b04) + (0.8 + 0.5)"),
    ("part_femmes", EMP1, {}, 50.0, "3 (a01 a03 a05) / 6"),
    ("part_femmes", DEP48, {}, 700 / 11, "7 (a01 a03 a05 b01 b03 c01 c02) / 11"),
    ("part_contractuels", EMP1, {}, 37.5, "3 (a05 a06 a09) / 8"),
    ("part_contractuels", DEP48, {}, 500 / 14, "5 (a05 a06 a09 c02 c03) / 14"),
    ("part_emplois_fonctionnels", EMP1, {}, 100 / 6, "a02 / 6"),
    ("part_emplois_fonctionnels", DEP48, {}, 100 / 11, "a02 / 11 (b01 non renseigné = non)"),
    ("part_temps_partiel", EMP1, {}, 100 / 6, "a03 / 6"),
    ("part_temps_partiel", DEP48, {}, 300 / 11, "a03, b02, c02 / 11"),
    ("part_temps_non_complet", EMP1, {}, 100 / 6, "a04 / 6"),
    ("part_temps_non_complet", DEP48, {}, 200 / 11, "a04, c01 / 11"),
    ("part_teletravail", EMP1, {}, 200 / 6, "a02, a03 / 6"),
    ("part_teletravail", DEP48, {}, 300 / 11, "a02, a03, b01 / 11"),
    # répartitions: the grand total is 100 %, the members are checked in test_repartitions
    ("repartition_statut", EMP1, {}, 100.0, "Ensemble = 100"),
    ("repartition_statut", DEP48, {}, 100.0, "Ensemble = 100"),
    ("repartition_categorie", EMP1, {}, 100.0, "Ensemble = 100"),
    ("repartition_categorie", DEP48, {}, 100.0, "Ensemble = 100"),
    ("repartition_filiere", EMP1, {}, 100.0, "Ensemble = 100"),
    ("repartition_filiere", DEP48, {}, 100.0, "Ensemble = 100"),
    # --- âges
    ("pyramide_ages", EMP1, {}, 6, "6 agents"),
    ("pyramide_ages", DEP48, {}, 11, "11 agents"),
    ("age_moyen", EMP1, {}, 310 / 6, "(62 + 55 + 39 + 34 + 54 + 66) / 6"),
    ("age_moyen", DEP48, {}, 551 / 11, "(310 + 56 + 52 + 29 + 46 + 58) / 11"),
    ("age_median", EMP1, {}, 54.5, "34 39 54 | 55 62 66 -> (54 + 55) / 2"),
    ("age_median", DEP48, {}, 54, "29 34 39 46 52 [54] 55 56 58 62 66"),
    ("part_50_ans_et_plus", EMP1, {}, 400 / 6, "54 55 62 66 -> 4 / 6"),
    ("part_50_ans_et_plus", DEP48, {}, 700 / 11, "+ 56 52 58 -> 7 / 11"),
    ("departs_retraite_5_ans", EMP1, {}, 2, "a01 1962+64=2026 <= 2029 ; a06 CP 1958+67=2025"),
    ("departs_retraite_5_ans", DEP48, {}, 2, "no other agent: b01 1968+64=2032, c02 1966+67=2033"),
    ("departs_retraite_10_ans", EMP1, {}, 3, "+ a02 1969+64=2033 <= 2034 ; a05 CP 1970+67=2037 no"),
    ("departs_retraite_10_ans", DEP48, {}, 5, "+ b01 2032, c02 2033"),
    ("part_departs_retraite_5_ans", EMP1, {}, 200 / 6, "2 / 6"),
    ("part_departs_retraite_5_ans", DEP48, {}, 200 / 11, "2 / 11"),
    ("part_departs_retraite_10_ans", EMP1, {}, 50.0, "3 / 6"),
    ("part_departs_retraite_10_ans", DEP48, {}, 500 / 11, "5 / 11"),
    # --- handicap (effectif total au 31/12)
    ("effectif_boeth", EMP1, {}, 2, "a01, a05 (a08 left)"),
    ("effectif_boeth", DEP48, {}, 3, "+ b02"),
    ("taux_emploi_boeth", EMP1, {}, 25.0, "2 / 8"),
    ("taux_emploi_boeth", DEP48, {}, 300 / 14, "3 / 14"),
    # --- absences (J = 366 ; only the agents of the permanent headcount)
    ("taux_absenteisme_medical", EMP1, {}, 100 * 118 / (366 * 6), "a01 10+30, a02 3, a05 60, a06 15 = 118"),
    ("taux_absenteisme_medical", DEP48, {}, 100 * 232 / (366 * 11), "118 + b01 90 + b02 4 + c01 8 + c02 12"),
    ("taux_absenteisme_global", EMP1, {}, 100 * 230 / (366 * 6), "118 + a03 maternité 112"),
    ("taux_absenteisme_global", DEP48, {}, 100 * 370 / (366 * 11), "232 + 112 + 25 (PAT) + 1 (AUTRE c01)"),
    ("taux_absenteisme_maladie_ordinaire", EMP1, {}, 100 * 28 / (366 * 6), "10 + 3 + 15"),
    ("taux_absenteisme_maladie_ordinaire", DEP48, {}, 100 * 40 / (366 * 11), "28 + 4 + 8"),
    ("taux_absenteisme_longue_maladie", EMP1, {}, 100 * 60 / (366 * 6), "a05 grave maladie 60"),
    ("taux_absenteisme_longue_maladie", DEP48, {}, 100 * 150 / (366 * 11), "60 + b01 90"),
    ("taux_absenteisme_accidents_travail", EMP1, {}, 100 * 30 / (366 * 6), "a01 accident de service 30"),
    ("taux_absenteisme_accidents_travail", DEP48, {}, 100 * 42 / (366 * 11), "30 + c02 trajet 12"),
    ("jours_absence", EMP1, {}, 230, "all motives of a01..a06"),
    ("jours_absence", DEP48, {}, 370, "see global rate"),
    ("jours_absence_par_agent", EMP1, {}, 230 / 6, "230 / 6"),
    ("jours_absence_par_agent", DEP48, {}, 370 / 11, "370 / 11"),
    ("jours_absence_medical_par_agent", EMP1, {}, 118 / 6, "118 / 6"),
    ("jours_absence_medical_par_agent", DEP48, {}, 232 / 11, "232 / 11"),
    ("exposition_absence_medicale", EMP1, {}, 400 / 6, "a01 a02 a05 a06 / 6"),
    ("exposition_absence_medicale", DEP48, {}, 800 / 11, "+ b01 b02 c01 c02 -> 8 / 11"),
    ("frequence_absence_medicale", EMP1, {}, 800 / 6, "100 × (2+1 + 1 + 1 + 3) / 6"),
    ("frequence_absence_medicale", DEP48, {}, 1300 / 11, "100 × (8 + 1 + 1 + 2 + 1) / 11"),
    ("gravite_absence_medicale", EMP1, {}, 118 / 8, "118 days / 8 stoppages"),
    ("gravite_absence_medicale", DEP48, {}, 232 / 13, "232 days / 13 stoppages"),
    # --- mouvements (TIT/STAG/CP, all positions)
    ("arrivees", EMP1, {}, 1, "a05"),
    ("arrivees", DEP48, {}, 3, "a05, b04, c01"),
    ("arrivees", EMP1, {"population": "total"}, 2, "a05, a09"),
    ("departs", EMP1, {}, 1, "a08"),
    ("departs", DEP48, {}, 2, "a08, b04"),
    ("taux_rotation", EMP1, {}, 100 * 1 / 7, "((1 + 1) / 2) / ((7 + 7) / 2): 8 rows, 1 arrival, 7 present"),
    ("taux_rotation", DEP48, {}, 20.0, "((3 + 2) / 2) / ((12 + 13) / 2): 15 rows, 3 arrivals, 13 present"),
    ("taux_entrees", EMP1, {}, 100 / 7, "1 / 7"),
    ("taux_entrees", DEP48, {}, 24.0, "3 / 12.5"),
    ("taux_sorties", EMP1, {}, 100 / 7, "1 / 7"),
    ("taux_sorties", DEP48, {}, 16.0, "2 / 12.5"),
    ("titularisations", EMP2, {}, 1, "b03 STAGIAIRE 2023 -> TITULAIRE 2024"),
    ("titularisations", DEP48, {}, 1, "a04 stays STAGIAIRE"),
    # --- formation (permanent headcount)
    ("jours_formation", EMP1, {}, 12.5, "2 + 1.5 + 1 + 3 + 5"),
    ("jours_formation", DEP48, {}, 25, "12.5 + 2 + 10 + 0.5"),
    ("jours_formation", EMP1, {"population": "total"}, 14.5, "12.5 + a09 2"),
    ("jours_formation_par_agent", EMP1, {}, 12.5 / 6, "12.5 / 6"),
    ("jours_formation_par_agent", DEP48, {}, 25 / 11, "25 / 11"),
    ("part_agents_formes", EMP1, {}, 400 / 6, "a01 a02 a03 a04 / 6"),
    ("part_agents_formes", DEP48, {}, 700 / 11, "+ b01 b03 c02 -> 7 / 11"),
    ("part_agents_formes", EMP1, {"population": "total"}, 62.5, "5 (+ a09) / 8"),
    ("part_jours_formation_cnfpt", EMP1, {}, 92.0, "(2 + 1.5 + 3 + 5) / 12.5"),
    ("part_jours_formation_cnfpt", DEP48, {}, 94.0, "(11.5 + 2 + 10) / 25"),
    # --- rémunération (TIT/STAG/CP paid in the year: a07, b05 out (0 days), a08, b04 in)
    ("masse_salariale", EMP1, {}, 183000, "30000 + 60000 + 24000 + 20000 + 12000 + 22000 + 15000"),
    ("masse_salariale", DEP48, {}, 344000, "183000 + (50000 + 27000 + 21000 + 35000) + (18000 + 10000)"),
    ("remuneration_moyenne_etpr", EMP1, {}, 183000 / 5.6, "183000 / ETPR 5.6"),
    ("remuneration_moyenne_etpr", DEP48, {}, 344000 / (9.8 + 304 / 366), "344000 / (9.8 + 304/366)"),
    ("part_regime_indemnitaire", EMP1, {}, 100 * 31000 / 183000, "6000+15000+4000+2000+1000+0+3000"),
    ("part_regime_indemnitaire", DEP48, {}, 100 * 60500 / 344000, "31000 + 12000+5000+3000+7000 + 2000+500"),
    ("part_nbi", EMP1, {}, 100 * 1500 / 183000, "a03 1000 + a08 500"),
    ("part_nbi", DEP48, {}, 100 * 2100 / 344000, "1500 + b02 600"),
    ("heures_supplementaires_par_agent", EMP1, {}, 30 / 7, "(10 + 20 + 0) / 7 agents"),
    ("heures_supplementaires_par_agent", DEP48, {}, 35 / 13, "(30 + 5) / (7 + 4 + 2)"),
    ("ecart_remuneration_femmes_hommes", EMP1, {}, 19.226509924184338,
     "MF = (30000+24000+12000)/(1+0.8+184/366) = 28661.60 ; "
     "MH = (60000+20000+22000+15000)/(1+0.8+1+182/366) = 35483.92 ; 100 × (MH − MF) / MH"),
    ("ecart_remuneration_femmes_hommes", DEP48, {}, 17.27915034542282,
     "MF = 165000 / (1+0.8+184/366+1+1+0.8+0.5) = 29449.92 ; "
     "MH = 179000 / (1+0.8+1+182/366+0.9+304/366) = 35601.57"),
    # --- employeurs (2024)
    ("depenses_formation_par_agent", EMP1, {}, 500.0, "3000 / 6"),
    ("depenses_formation_par_agent", DEP48, {}, 4000 / 9, "(3000 + 1000) / (6 + 3), E3 not declared"),
    ("action_sociale_par_agent", EMP1, {}, 200.0, "1200 / 6"),
    ("action_sociale_par_agent", DEP48, {}, 187.5, "(1200 + 300) / (6 + 2), E2 not declared"),
    ("protection_sociale_par_agent", EMP1, {}, 100.0, "600 / 6"),
    ("protection_sociale_par_agent", DEP48, {}, 600 / 9, "(600 + 0) / (6 + 3)"),
    ("taux_transmission_rsu", EMP1, {}, 100.0, "1 / 1"),
    ("taux_transmission_rsu", DEP48, {}, 75.0, "E1 E2 E3 / E1 E2 E3 E5"),
    ("taux_transmission_rsu", FRANCE, {}, 500 / 6, "5 / 6"),
]


def _case_id(case):
    return f"{case[0]}-{case[1].niveau}-{'-'.join(map(str, case[2].values()))}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_grand_totals_by_hand(con, case):
    ind_id, per, options, expected, _arithmetic = case
    table = INDICATEURS[ind_id].fonction(con, per, 2024, **options)
    assert table.id == ind_id
    assert table.total() == pytest.approx(expected, rel=1e-9)


def test_every_indicator_is_checked_by_hand_on_one_employer_and_several():
    checked: dict[str, set] = {}
    for ind_id, per, *_ in CASES:
        checked.setdefault(ind_id, set()).add("un" if per.niveau == "employeur" else "plusieurs")
    missing = {i for i in INDICATEURS if checked.get(i) != {"un", "plusieurs"}}
    assert not missing


# --- cells of the tables (members and margins) -------------------------------------------------
def _cells(table, **members):
    return table.cellule(**members)


def test_effectif_by_sexe_and_statut(con):
    t = I.effectif_permanent(con, DEP48, 2024, dimensions=["sexe", "statut"])
    assert t.dimensions == ["sexe", "statut"]
    assert list(t.cells.columns[:3]) == ["sexe", "statut", "valeur"]
    assert _cells(t, sexe="F")["valeur"] == 7        # a01 a03 a05 b01 b03 c01 c02
    assert _cells(t, sexe="M")["valeur"] == 4        # a02 a04 a06 b02
    assert _cells(t, sexe="F", statut="TITULAIRE")["valeur"] == 5   # a01 a03 b01 b03 c01
    assert _cells(t, sexe="M", statut="STAGIAIRE")["valeur"] == 1   # a04
    assert _cells(t, statut="CONTRACTUEL_PERMANENT")["valeur"] == 3  # a05 a06 c02
    row = _cells(t)
    assert (row["valeur"], row["effectif"], row["nb_employeurs"]) == (11, 11, 3)
    assert _cells(t, sexe="M", statut="CONTRACTUEL_PERMANENT")["nb_employeurs"] == 1   # a06 of E1
    # 2 sexes × 3 statuts without (F, STAGIAIRE): 5 inner cells, + 2 + 3 margins + 1 total
    assert len(t.cells) == 5 + 2 + 3 + 1


@pytest.mark.parametrize("ind_id, dims", [
    ("effectif_permanent", ["sexe", "statut", "categorie"]),
    ("effectif_total", ["filiere", "tranche_age"]),
    ("etp", ["sexe", "categorie"]),
    ("etpr", ["statut", "type_employeur"]),
    ("pyramide_ages", None),
    ("jours_absence", ["motif", "sexe"]),
    ("jours_formation", ["type_formation", "organisme", "categorie"]),
    ("masse_salariale", ["sexe", "categorie"]),
    ("arrivees", ["motif_entree", "sexe"]),
    ("departs", ["motif_sortie", "statut"]),
    ("effectif_boeth", ["sexe"]),
])
def test_cube_margins_are_sums_of_members(con, ind_id, dims):
    """For additive measures, the members of each dimension add up to the "Ensemble" row."""
    table = INDICATEURS[ind_id].fonction(con, FRANCE, 2024, dimensions=dims)
    cells = table.cells
    assert len(table.dimensions) >= 1
    checked = 0
    for dim in table.dimensions:
        others = [d for d in table.dimensions if d != dim]
        members = cells[cells[dim] != ENSEMBLE]
        totals = cells[cells[dim] == ENSEMBLE].set_index(others)["valeur"] if others else \
            cells[cells[dim] == ENSEMBLE]["valeur"]
        sums = members.groupby(others)["valeur"].sum() if others else members["valeur"].sum()
        if others:
            pd.testing.assert_series_equal(sums.sort_index(), totals.sort_index().loc[sums.index],
                                           check_names=False)
            assert set(totals.index) == set(sums.index)
        else:
            assert sums == pytest.approx(float(totals.iloc[0]))
        checked += 1
    assert checked == len(table.dimensions)


def test_pyramide_cells(con):
    t = I.pyramide_ages(con, DEP48, 2024)
    assert t.dimensions == ["tranche_age", "sexe"]
    assert _cells(t, tranche_age="55-59 ans", sexe="F")["valeur"] == 2   # b01 56, c02 58
    assert _cells(t, tranche_age="55-59 ans", sexe="M")["valeur"] == 1   # a02 55
    assert _cells(t, tranche_age="55-59 ans")["valeur"] == 3
    assert _cells(t, tranche_age="65 ans et plus")["valeur"] == 1        # a06 66
    assert _cells(t, tranche_age="50-54 ans")["valeur"] == 2             # a05 54, b02 52
    assert _cells(t, tranche_age="25-29 ans", sexe="F")["valeur"] == 1   # b03 29
    e1 = I.pyramide_ages(con, EMP1, 2024, dimensions=["tranche_age"])
    assert dict(zip(e1.cells["tranche_age"], e1.cells["valeur"])) == {
        "30-34 ans": 1, "35-39 ans": 1, "50-54 ans": 1, "55-59 ans": 1, "60-64 ans": 1,
        "65 ans et plus": 1, ENSEMBLE: 6}


def test_repartitions(con):
    t = I.repartition_statut(con, EMP1, 2024)  # effectif total au 31/12 = 8
    got = dict(zip(t.cells["statut"], t.cells["valeur"]))
    assert got == pytest.approx({"TITULAIRE": 37.5, "STAGIAIRE": 12.5, "CONTRACTUEL_PERMANENT": 25.0,
                                 "CONTRACTUEL_NON_PERMANENT": 12.5, "APPRENTI": 12.5, ENSEMBLE: 100.0})
    assert _cells(t, statut="TITULAIRE")["numerateur"] == 3 and _cells(t, statut="TITULAIRE")["denominateur"] == 8
    t = I.repartition_categorie(con, DEP48, 2024)
    got = dict(zip(t.cells["categorie"], t.cells["valeur"]))
    assert got == pytest.approx({"A": 200 / 11, "B": 300 / 11, "C": 600 / 11, ENSEMBLE: 100.0})  # a02 b01 | a03 a05 b02
    t = I.repartition_filiere(con, DEP48, 2024, dimensions=["filiere", "sexe"])
    # men of dép. 48: a02 ADM, a04 TECH, a06 TECH, b02 TECH -> TECHNIQUE 3/4
    assert _cells(t, filiere="TECHNIQUE", sexe="M")["valeur"] == pytest.approx(75.0)
    assert _cells(t, filiere="SOCIALE", sexe="F")["valeur"] == pytest.approx(200 / 7)   # a05 c02 / 7 women
    assert _cells(t, filiere="MEDICO_SOCIALE")["valeur"] == pytest.approx(100 / 11)     # c01
    # the non-filled catégorie of the non permanent agents is a member of its own
    t = I.repartition_categorie(con, EMP1, 2024, population="total")
    assert _cells(t, categorie="NON_RENSEIGNE")["valeur"] == pytest.approx(25.0)        # a09 a10 / 8


def test_shares_by_sexe(con):
    t = I.part_temps_partiel(con, DEP48, 2024)
    assert t.dimensions == ["sexe"]
    assert _cells(t, sexe="F")["valeur"] == pytest.approx(200 / 7)   # a03 c02 / 7
    assert _cells(t, sexe="M")["valeur"] == pytest.approx(25.0)      # b02 / 4
    assert (_cells(t)["numerateur"], _cells(t)["denominateur"]) == (3, 11)
    t = I.part_temps_non_complet(con, EMP1, 2024)
    assert _cells(t, sexe="F")["valeur"] == 0.0 and _cells(t, sexe="M")["valeur"] == pytest.approx(100 / 3)


def test_absences_by_motif(con):
    t = I.jours_absence(con, DEP48, 2024)
    got = dict(zip(t.cells["motif"], t.cells["valeur"]))
    assert got == {"MALADIE_ORDINAIRE": 40, "ACCIDENT_SERVICE": 30, "MATERNITE": 112, "GRAVE_MALADIE": 60,
                   "LONGUE_MALADIE": 90, "PATERNITE": 25, "AUTRE": 1, "ACCIDENT_TRAJET": 12, ENSEMBLE: 370}
    assert _cells(t, motif="MALADIE_ORDINAIRE")["effectif"] == 5   # a01 a02 a06 b02 c01
    t = I.taux_absenteisme_global(con, EMP1, 2024, dimensions=["motif"])
    assert _cells(t, motif="MATERNITE")["valeur"] == pytest.approx(100 * 112 / (366 * 6))
    # rates by motive share the denominator, so they add up to the total rate
    members = t.cells[t.cells["motif"] != ENSEMBLE]
    assert members["valeur"].sum() == pytest.approx(_cells(t)["valeur"])
    assert set(members["denominateur"]) == {366 * 6}
    t = I.exposition_absence_medicale(con, DEP48, 2024, dimensions=["sexe"])
    assert _cells(t, sexe="F")["valeur"] == pytest.approx(500 / 7)   # a01 a05 b01 c01 c02 / 7 women


@pytest.mark.parametrize("ind_id", ["taux_absenteisme_global", "jours_absence_par_agent", "exposition_absence_medicale",
                                    "frequence_absence_medicale", "gravite_absence_medicale",
                                    "part_agents_formes", "jours_formation_par_agent", "part_jours_formation_cnfpt"])
def test_detail_dimension_path_gives_the_same_totals(con, ind_id):
    """With a detail dimension (motif, type de formation) the engine takes another path: same totals."""
    detail = "type_formation" if "formation" in ind_id or "formes" in ind_id else "motif"
    for per in (EMP1, DEP48, FRANCE):
        plain = INDICATEURS[ind_id].fonction(con, per, 2024, dimensions=["sexe"]).cells
        split = INDICATEURS[ind_id].fonction(con, per, 2024, dimensions=["sexe", detail]).cells
        split = split[split[detail] == ENSEMBLE].drop(columns=detail).reset_index(drop=True)
        pd.testing.assert_frame_equal(split[plain.columns], plain, check_dtype=False)


def test_absence_members_without_days_are_zero(con):
    t = I.jours_absence_par_agent(con, DEP48, 2024, dimensions=["sexe", "motif"])
    # no man had a maternity leave: the cell exists with 0 days over 4 men
    row = _cells(t, sexe="M", motif="MATERNITE")
    assert (row["valeur"], row["denominateur"], row["effectif_numerateur"]) == (0.0, 4, 0)


def test_training_by_group(con):
    t = I.part_agents_formes(con, DEP48, 2024, dimensions=["statut_groupe"])
    assert _cells(t, statut_groupe="FONCTIONNAIRE")["valeur"] == pytest.approx(75.0)   # 6 trained / 8
    assert _cells(t, statut_groupe="CONTRACTUEL")["valeur"] == pytest.approx(100 / 3)  # c02 / (a05 a06 c02)
    t = I.jours_formation(con, DEP48, 2024)
    assert dict(zip(t.cells["type_formation"], t.cells["valeur"])) == {
        "INTEGRATION": 15, "PERFECTIONNEMENT": 5, "PREPARATION_CONCOURS": 3, "PROFESSIONNALISATION": 2,
        ENSEMBLE: 25}
    t = I.part_jours_formation_cnfpt(con, DEP48, 2024, dimensions=["type_formation"])
    assert _cells(t, type_formation="PERFECTIONNEMENT")["valeur"] == pytest.approx(70.0)  # 3.5 / 5


def test_pay_cells(con):
    t = I.masse_salariale(con, EMP1, 2024)
    assert _cells(t)["part_max"] == pytest.approx(60000 / 183000)
    t = I.part_nbi(con, EMP1, 2024)
    assert _cells(t)["part_max"] == pytest.approx(1000 / 1500)
    assert _cells(t)["effectif_numerateur"] == 2
    t = I.ecart_remuneration_femmes_hommes(con, EMP1, 2024)
    assert t.dimensions == ["categorie"]
    # C: women a01 30000 / 1 ; men (a04 20000 + a06 22000) / (0.8 + 1) = 23333.33 -> -28.57 %
    assert _cells(t, categorie="C")["valeur"] == pytest.approx(100 * (42000 / 1.8 - 30000) / (42000 / 1.8))
    # B: women (a03 24000 + a05 12000) / (0.8 + 184/366) = 27634.40 ; men a08 15000 / (182/366) = 30164.84
    mf, mh = 36000 / (0.8 + 184 / 366), 15000 * 366 / 182
    assert _cells(t, categorie="B")["valeur"] == pytest.approx(100 * (mh - mf) / mh)   # 8.39 %
    # A: no woman -> no value
    assert math.isnan(_cells(t, categorie="A")["valeur"])
    assert (_cells(t, categorie="C")["effectif_femmes"], _cells(t, categorie="C")["effectif_hommes"]) == (1, 2)
    t = I.remuneration_moyenne_etpr(con, DEP48, 2024, dimensions=["sexe"])
    assert _cells(t, sexe="F")["valeur"] == pytest.approx(29449.917097434896)


def test_turnover_details(con):
    t = I.taux_rotation(con, DEP48, 2024)
    row = _cells(t)
    assert (row["entrees"], row["sorties"], row["effectif_1er_janvier"], row["effectif_31_12"]) == (3, 2, 12, 13)
    assert (row["numerateur"], row["denominateur"]) == (2.5, 12.5)
    t = I.arrivees(con, DEP48, 2024)
    assert dict(zip(t.cells["motif_entree"], t.cells["valeur"])) == {"CONTRAT": 2, "MUTATION": 1, ENSEMBLE: 3}
    t = I.departs(con, DEP48, 2024)
    assert dict(zip(t.cells["motif_sortie"], t.cells["valeur"])) == {"DEMISSION": 1, "RETRAITE": 1, ENSEMBLE: 2}
    assert I.titularisations(con, EMP1, 2024).cells.empty     # a04 stays stagiaire
    assert I.titularisations(con, DEP48, 2023).cells.empty    # no 2022 data


def test_employer_amounts_disclosure_columns(con):
    t = I.depenses_formation_par_agent(con, DEP48, 2024)
    row = _cells(t)
    assert (row["numerateur"], row["denominateur"], row["nb_employeurs"], row["effectif"]) == (4000, 9, 2, 9)
    assert row["part_max"] == pytest.approx(0.75)
    t = I.depenses_formation_par_agent(con, FRANCE, 2024, dimensions=["departement"])
    assert _cells(t, departement="63")["valeur"] == pytest.approx(250.0)   # E4 500 / 2 (E6 not declared)


# --- series ------------------------------------------------------------------------------------
def test_series(con):
    t = I.effectif_permanent(con, EMP1, [2023, 2024])
    assert t.dimensions == ["annee"]
    assert t.perimetre == {"niveau": "employeur", "siret": E1, "annee": [2023, 2024]}
    assert dict(zip(t.cells["annee"], t.cells["valeur"])) == {"2023": 7, "2024": 6}   # 2023: a07 active, a08 present
    assert ENSEMBLE not in set(t.cells["annee"])
    t = I.effectif_permanent(con, DEP48, [2023, 2024], dimensions=["sexe"])
    assert t.dimensions == ["annee", "sexe"]
    assert _cells(t, annee="2023")["valeur"] == 12      # 7 + 4 (b01 b02 b03 b05) + 1 (c02)
    assert _cells(t, annee="2023", sexe="M")["valeur"] == 5   # a02 a04 a06 a08 b02
    assert t.total(annee=2024) == 11
    # a series gives the same cells as the years one by one
    t = I.taux_absenteisme_medical(con, EMP1, [2023, 2024])
    assert _cells(t, annee="2023")["valeur"] == pytest.approx(100 * 5 / (365 * 7))  # J = 365 in 2023
    assert _cells(t, annee="2024")["valeur"] == pytest.approx(I.taux_absenteisme_medical(con, EMP1, 2024).total())
    t = I.jours_formation(con, EMP1, [2023, 2024], dimensions=[])
    assert dict(zip(t.cells["annee"], t.cells["valeur"])) == {"2023": 1, "2024": 12.5}
    t = I.titularisations(con, DEP48, [2023, 2024])
    assert dict(zip(t.cells["annee"], t.cells["valeur"])) == {"2024": 1}


@pytest.mark.parametrize("ind_id", sorted(INDICATEURS))
def test_series_match_single_years(con, ind_id):
    fn = INDICATEURS[ind_id].fonction
    serie = fn(con, DEP48, [2023, 2024]).cells
    for year in (2023, 2024):
        single = fn(con, DEP48, year).cells.reset_index(drop=True)
        part = serie[serie["annee"] == str(year)].drop(columns="annee").reset_index(drop=True)
        pd.testing.assert_frame_equal(part, single, check_dtype=False)


# --- perimeters, strates, comparisons ------------------------------------------------------------
def test_strates(con):
    assert I.strate_of(con, E1, 2024) == "COMMUNE_0_19"     # 6 agents
    assert I.strate_of(con, E2, 2024) == "INTERCO_0_19"
    assert I.strate_of(con, E3, 2024) == "CCAS"
    assert I.strate_of(con, E5, 2024) == "COMMUNE_0_19"     # no agent
    assert I.strate_of(con, E6, 2024) == "COMMUNE_20_49"    # 20 agents
    with pytest.raises(ValueError, match="absent"):
        I.strate_of(con, "99999999999999", 2024)
    bounds = [("COMMUNE", 19, "COMMUNE_0_19"), ("COMMUNE", 20, "COMMUNE_20_49"), ("COMMUNE", 49, "COMMUNE_20_49"),
              ("COMMUNE", 50, "COMMUNE_50_99"), ("COMMUNE", 99, "COMMUNE_50_99"), ("COMMUNE", 100, "COMMUNE_100_349"),
              ("COMMUNE", 349, "COMMUNE_100_349"), ("COMMUNE", 350, "COMMUNE_350_PLUS"),
              ("EPCI_CA", 49, "INTERCO_20_49"), ("METROPOLE", 50, "INTERCO_50_349"),
              ("EPCI_CU", 349, "INTERCO_50_349"), ("EPCI_CC", 350, "INTERCO_350_999"),
              ("EPCI_CA", 999, "INTERCO_350_999"), ("METROPOLE", 1000, "INTERCO_1000_PLUS"),
              ("SDIS", 5000, "SDIS"), ("CCAS", 3, "CCAS"), ("AUTRE_EP", 0, "AUTRE_EP")]
    for type_, n, expected in bounds:
        assert I.classer_strate(con, type_, n) == expected, (type_, n)
    assert set(I.STRATES) >= {b[2] for b in bounds}


def test_strate_and_other_perimeters(con):
    def total(per, annee=2024):
        return I.effectif_permanent(con, per, annee).total()
    assert total(Perimetre("strate", "48:COMMUNE_0_19")) == 6        # E1 (+ E5, no agent)
    assert total(Perimetre("strate", "63:COMMUNE_0_19")) == 2        # E4
    assert total(Perimetre("strate", "63:COMMUNE_20_49")) == 20      # E6
    assert total(Perimetre("strate", "48:CCAS")) == 2                # E3
    assert total(Perimetre("strate", "48:COMMUNE_20_49")) is None    # nobody
    assert total(Perimetre("epci", EPCI)) == 9                       # E1 (member) + E2 (the EPCI)
    assert total(Perimetre("region", "76")) == 11
    assert total(Perimetre("region", "84")) == 22
    t = I.effectif_permanent(con, Perimetre("strate", "48:COMMUNE_0_19"), [2023, 2024])
    assert dict(zip(t.cells["annee"], t.cells["valeur"])) == {"2023": 7, "2024": 6}
    t = I.effectif_permanent(con, Perimetre("strate", "48:COMMUNE_0_19"), 2024)
    assert t.perimetre == {"niveau": "strate", "departement": "48", "strate": "COMMUNE_0_19",
                           "libelle": "Communes de moins de 20 agents", "annee": 2024}
    with pytest.raises(ValueError, match="Strate inconnue"):
        Perimetre("strate", "48:COMMUNES")
    with pytest.raises(ValueError, match="DÉPARTEMENT:STRATE"):
        Perimetre("strate", "COMMUNE_0_19")
    with pytest.raises(ValueError, match="Niveau de périmètre inconnu"):
        Perimetre("commune", "48001")
    with pytest.raises(ValueError, match="demande un code"):
        Perimetre("departement")


def test_comparer(con):
    df = I.comparer(con, I.effectif_permanent, E1, 2024, niveaux=("employeur", "epci", "strate", "departement",
                                                                    "region", "france"))
    assert list(df["niveau"]) == ["employeur", "epci", "strate", "departement", "region", "france"]
    assert list(df["valeur"]) == [6, 9, 6, 11, 11, 33]
    assert list(df["perimetre"]) == [E1, EPCI, "48:COMMUNE_0_19", "48", "76", ""]
    df = I.comparer(con, I.part_femmes, E1, 2024, niveaux=("employeur", "departement", "france"))
    # France: 7 (dép. 48) + d02 + 20 (E6) = 28 women of 33
    assert list(df["valeur"]) == pytest.approx([50.0, 700 / 11, 2800 / 33])
    assert {"numerateur", "denominateur", "effectif", "nb_employeurs"} <= set(df.columns)
    df = I.comparer(con, "repartition_statut", E1, 2024, niveaux=("employeur",))
    assert set(df["statut"]) >= {"TITULAIRE", ENSEMBLE}            # the required dimension stays
    df = I.comparer(con, I.part_temps_partiel, E2, [2023, 2024], niveaux=("employeur", "strate"))
    assert list(df["annee"]) == ["2023", "2023", "2024", "2024"]
    # E2 2023: b02 (90 %) of b01 b02 b03 b05 ; strate INTERCO_0_19 of dép. 48 = E2 alone
    assert list(df["valeur"]) == pytest.approx([25.0, 25.0, 100 / 3, 100 / 3])
    with pytest.raises(ValueError, match="Niveau inconnu"):
        I.comparer(con, I.effectif_permanent, E1, 2024, niveaux=("commune",))


# --- safety: bound parameters and the dimension whitelist ------------------------------------------
INJECTIONS = ["x' OR '1'='1", "' OR 1=1 --", "48'; DROP TABLE agent; --", "$siret", "?"]


@pytest.mark.parametrize("code", INJECTIONS)
def test_codes_are_bound_parameters(con, code):
    for niveau in ("employeur", "departement", "region", "epci"):
        t = I.effectif_permanent(con, Perimetre(niveau, code), 2024, dimensions=["sexe"])
        assert t.cells.empty, niveau
        assert I.taux_absenteisme_medical(con, Perimetre(niveau, code), 2024).cells.empty
        assert I.depenses_formation_par_agent(con, Perimetre(niveau, code), 2024).cells.empty
    assert I.effectif_permanent(con, Perimetre("strate", f"{code}:COMMUNE_0_19"), 2024).cells.empty
    assert con.execute("SELECT count(*) FROM agent").fetchone()[0] == len(AGENTS_2023) + len(AGENTS_2024)


@pytest.mark.parametrize("ind_id", sorted(INDICATEURS))
def test_every_indicator_binds_the_siret(con, ind_id):
    assert INDICATEURS[ind_id].fonction(con, Perimetre("employeur", "x' OR '1'='1"), 2024).cells.empty


def test_dimension_whitelist(con):
    with pytest.raises(ValueError, match="Dimension « nom » non admise pour l'indicateur « effectif_permanent »"):
        I.effectif_permanent(con, EMP1, 2024, dimensions=["nom"])
    with pytest.raises(ValueError, match="non admise"):
        I.effectif_permanent(con, EMP1, 2024, dimensions=["sexe; DROP TABLE agent"])
    with pytest.raises(ValueError, match="non admise"):
        I.part_femmes(con, EMP1, 2024, dimensions=["sexe"])
    with pytest.raises(ValueError, match="non admise"):
        I.taux_absenteisme_medical(con, EMP1, 2024, dimensions=["type_formation"])
    with pytest.raises(ValueError, match="série"):
        I.effectif_permanent(con, EMP1, 2024, dimensions=["annee"])
    with pytest.raises(ValueError, match="deux fois"):
        I.effectif_permanent(con, EMP1, 2024, dimensions=["sexe", "sexe"])
    with pytest.raises(ValueError, match="exige la dimension"):
        I.repartition_statut(con, EMP1, 2024, dimensions=["sexe"])
    with pytest.raises(ValueError, match="Option population"):
        I.etp(con, EMP1, 2024, population="tous")
    with pytest.raises(ValueError, match="Année invalide"):
        I.effectif_permanent(con, EMP1, "2024")
    with pytest.raises(ValueError, match="Perimetre"):
        I.effectif_permanent(con, E1, 2024)
    for ind in INDICATEURS.values():
        assert set(ind.dimensions_admises) <= set(I.DIMENSIONS)


# --- registry ------------------------------------------------------------------------------------
def test_registry():
    assert len(INDICATEURS) >= 40
    for ind_id, ind in INDICATEURS.items():
        assert ind.id == ind_id and ind.fonction.indicateur_id == ind_id
        assert ind.mesure in ("effectif", "jours", "montant", "taux")
        assert ind.titre and ind.theme and ind.unite and ind.definition
        doc = ind.fonction.__doc__ or ""
        assert "Formule" in doc, ind_id
        assert set(ind.dimensions_defaut) <= set(ind.dimensions_admises)
    assert I.INDICATEURS["taux_absenteisme_medical"].fonction is I.taux_absenteisme_medical
    for name in ("Effectif permanent au 31/12", "ETPR", "366", "MALADIE_PROFESSIONNELLE", "effectif moyen"):
        assert name in I.__doc__


def test_result_columns(con):
    for ind_id, ind in INDICATEURS.items():
        t = ind.fonction(con, DEP48, 2024)
        cols = set(t.cells.columns)
        assert {"valeur", "effectif", "nb_employeurs"} <= cols, ind_id
        if ind.mesure == "taux":
            assert {"numerateur", "denominateur"} <= cols, ind_id
        if ind.mesure == "montant":
            assert "part_max" in cols, ind_id
        for dim in t.dimensions:
            assert t.cells[dim].map(type).eq(str).all(), (ind_id, dim)
        assert t.perimetre == {"niveau": "departement", "departement": "48", "annee": 2024}


def test_fast_enough(con):
    start = time.perf_counter()
    for ind in INDICATEURS.values():
        ind.fonction(con, EMP1, 2024)
    assert time.perf_counter() - start < 10


# --- every employer of a département at once (report campaigns) ----------------------------------
def _option_sets(ind) -> list[dict]:
    """No dimension, each of the first two admitted dimensions, and both together."""
    dims = list(ind.dimensions_admises)[:2]
    sets = [None, *([d] for d in dims), dims if len(dims) == 2 else None]
    out = []
    for dimensions in sets:
        needed = list(ind.dimensions_requises)
        chosen = needed + [d for d in (dimensions or []) if d not in needed]
        options = {"dimensions": chosen} if dimensions is not None or needed else {}
        if options not in out:
            out.append(options)
    return out


@pytest.mark.parametrize("ind_id", sorted(INDICATEURS))
def test_lots_give_each_employer_exactly_its_own_table(con, ind_id):
    from workspace_lib.indicators.lots import Lots

    lots = Lots()
    ind = INDICATEURS[ind_id]
    for options in _option_sets(ind):
        for annee in ((2024, [2023, 2024]) if not options else (2024,)):  # a series once
            # E5 has no agent; E4 is in département 63: computed on its own
            for siret in (E1, E2, E3, E5, E4):
                alone = ind.fonction(con, Perimetre("employeur", siret), annee, **options)
                lot = lots.tableau(con, ind_id, siret, "48", annee, ("test",), **options)
                pd.testing.assert_frame_equal(lot.cells, alone.cells)
                assert (lot.dimensions, lot.perimetre, list(lot.perimetre)) == (
                    alone.dimensions, alone.perimetre, list(alone.perimetre)), (ind_id, options, annee, siret)
    # one query per indicator and option set for the whole département
    assert len(lots._tables) == sum(1 if options else 2 for options in _option_sets(ind))


def test_perimetre_employeurs_has_one_key_per_employer(con):
    t = I.effectif_permanent(con, Perimetre("employeurs", "48"), 2024, dimensions=["sexe"])
    assert t.dimensions == ["siret", "sexe"]
    totals = t.cells[t.cells["sexe"] == ENSEMBLE].set_index("siret")["valeur"].to_dict()
    assert totals == {E1: 6, E2: 3, E3: 2}  # E5: no agent, no cell; E4 and E6: département 63
    assert t.perimetre == {"niveau": "employeurs", "departement": "48", "annee": 2024}


def test_lots_keep_the_tables_read_last(con):
    from workspace_lib.indicators.lots import Lots

    lots = Lots(max_tables=2)
    for ind_id in ("effectif_permanent", "etp", "effectif_permanent", "part_femmes"):
        lots.tableau(con, ind_id, E1, "48", 2024, ("test",))
    assert [key[1] for key in lots._tables] == ["effectif_permanent", "part_femmes"]
    assert lots.tableau(con, "etp", E1, "48", 2024, ("test",)).total() == pytest.approx(5.6)
