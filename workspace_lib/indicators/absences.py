"""Indicateurs d'absentéisme.

Population : l'effectif permanent au 31/12 ; numérateurs : les absences (table ``absence``) de
ces mêmes agents dans l'année. Motifs « médicaux » : MALADIE_ORDINAIRE, LONGUE_MALADIE,
LONGUE_DUREE, GRAVE_MALADIE, ACCIDENT_SERVICE, ACCIDENT_TRAJET, MALADIE_PROFESSIONNELLE ; motifs
« globaux » : les médicaux plus MATERNITE, PATERNITE, ADOPTION et AUTRE. Les jours sont des jours
calendaires. Le dénominateur d'un taux est J × effectif, J = nombre de jours de l'année (365, ou
366 en année bissextile, pour que 100 % corresponde à une absence toute l'année).
"""

from __future__ import annotations

from .moteur import (DIMS_AGENT, MOTIFS_GLOBAUX, MOTIFS_MEDICAUX, IndicatorTable, cube_detail, indicateur,
                     ratio)
from .perimetre import Perimetre

DIMS_ABSENCE = DIMS_AGENT + ("motif",)
MOTIFS_MALADIE_ORDINAIRE = ("MALADIE_ORDINAIRE",)
MOTIFS_LONGUE_MALADIE = ("LONGUE_MALADIE", "LONGUE_DUREE", "GRAVE_MALADIE")
MOTIFS_ACCIDENTS = ("ACCIDENT_SERVICE", "ACCIDENT_TRAJET", "MALADIE_PROFESSIONNELLE")


def _absences(con, ind_id, perimetre, annee, dimensions, motifs, sorties) -> IndicatorTable:
    return cube_detail(
        con, ind_id, perimetre, annee, dimensions, population="permanent_31_12", table="absence",
        detail_where="list_contains($motifs, x.motif)", detail_params={"motifs": list(motifs)},
        p_aggs={"p_jours_annee": "sum(jours_annee)"},
        d_aggs={"d_jours": "sum(jours)", "d_arrets": "sum(nb_arrets)"}, sorties=sorties)


def _taux(con, ind_id, perimetre, annee, dimensions, motifs) -> IndicatorTable:
    return _absences(con, ind_id, perimetre, annee, dimensions, motifs,
                     ratio("d.d_jours", "p.p_jours_annee", 100))


_DOC_TAUX = """
    Formule : 100 × (jours calendaires d'absence des motifs retenus, des agents de l'effectif
    permanent au 31/12) / (J × effectif permanent au 31/12), J = 365 jours (366 en année
    bissextile). Dimension ``motif`` admise : les taux par motif s'additionnent en « Ensemble ».
"""


@indicateur("taux_absenteisme_medical", "Taux d'absentéisme médical", "absences", "taux", "%",
            "Jours d'absence pour raison de santé × 100 / (365 × effectif permanent au 31/12).",
            dimensions=DIMS_ABSENCE)
def taux_absenteisme_medical(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Taux d'absentéisme médical (%) : maladie ordinaire, longue maladie, longue durée, grave
    maladie, accidents de service et de trajet, maladies professionnelles."""
    return _taux(con, "taux_absenteisme_medical", perimetre, annee, dimensions, MOTIFS_MEDICAUX)


@indicateur("taux_absenteisme_global", "Taux d'absentéisme global", "absences", "taux", "%",
            "Jours d'absence tous motifs (santé, maternité, paternité, adoption, autres) × 100 / "
            "(365 × effectif permanent au 31/12).", dimensions=DIMS_ABSENCE)
def taux_absenteisme_global(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Taux d'absentéisme global (%) : motifs médicaux plus maternité, paternité, adoption et autres."""
    return _taux(con, "taux_absenteisme_global", perimetre, annee, dimensions, MOTIFS_GLOBAUX)


@indicateur("taux_absenteisme_maladie_ordinaire", "Taux d'absentéisme pour maladie ordinaire", "absences",
            "taux", "%", "Jours de maladie ordinaire × 100 / (365 × effectif permanent au 31/12).",
            dimensions=DIMS_ABSENCE)
def taux_absenteisme_maladie_ordinaire(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Taux d'absentéisme pour maladie ordinaire (%) : motif MALADIE_ORDINAIRE."""
    return _taux(con, "taux_absenteisme_maladie_ordinaire", perimetre, annee, dimensions, MOTIFS_MALADIE_ORDINAIRE)


@indicateur("taux_absenteisme_longue_maladie", "Taux d'absentéisme pour longue maladie", "absences", "taux",
            "%", "Jours de longue maladie, longue durée et grave maladie × 100 / (365 × effectif permanent).",
            dimensions=DIMS_ABSENCE)
def taux_absenteisme_longue_maladie(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Taux d'absentéisme pour longue maladie (%) : LONGUE_MALADIE, LONGUE_DUREE, GRAVE_MALADIE."""
    return _taux(con, "taux_absenteisme_longue_maladie", perimetre, annee, dimensions, MOTIFS_LONGUE_MALADIE)


@indicateur("taux_absenteisme_accidents_travail", "Taux d'absentéisme pour accidents et maladies professionnelles",
            "absences", "taux", "%",
            "Jours d'accident de service, de trajet et de maladie professionnelle × 100 / (365 × effectif permanent).",
            dimensions=DIMS_ABSENCE)
def taux_absenteisme_accidents_travail(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Taux d'absentéisme pour accidents du travail (%) : ACCIDENT_SERVICE, ACCIDENT_TRAJET,
    MALADIE_PROFESSIONNELLE."""
    return _taux(con, "taux_absenteisme_accidents_travail", perimetre, annee, dimensions, MOTIFS_ACCIDENTS)


for _f in (taux_absenteisme_medical, taux_absenteisme_global, taux_absenteisme_maladie_ordinaire,
           taux_absenteisme_longue_maladie, taux_absenteisme_accidents_travail):
    _f.__doc__ += _DOC_TAUX


@indicateur("jours_absence", "Jours d'absence", "absences", "jours", "jours",
            "Jours calendaires d'absence, tous motifs, des agents de l'effectif permanent au 31/12.",
            dimensions=DIMS_ABSENCE, defaut=("motif",))
def jours_absence(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Jours d'absence (tous motifs), par motif par défaut.

    Formule : Σ jours (table absence, tous motifs) des agents de l'effectif permanent au 31/12.
    Mesure additive. ``effectif`` = agents ayant au moins une absence dans la cellule,
    ``nb_employeurs`` = leurs employeurs.
    """
    return _absences(con, "jours_absence", perimetre, annee, dimensions, MOTIFS_GLOBAUX,
                     {"valeur": "d.d_jours", "effectif": "d.d_agents", "nb_employeurs": "d.d_employeurs"})


@indicateur("jours_absence_par_agent", "Jours d'absence par agent (tous motifs)", "absences", "jours",
            "jours par agent", "Jours d'absence tous motifs / effectif permanent au 31/12.",
            dimensions=DIMS_ABSENCE)
def jours_absence_par_agent(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Jours d'absence par agent, tous motifs (dimension ``motif`` : jours par agent par motif).

    Formule : Σ jours d'absence (tous motifs) des agents de l'effectif permanent au 31/12 /
    (effectif permanent au 31/12).
    """
    return _absences(con, "jours_absence_par_agent", perimetre, annee, dimensions, MOTIFS_GLOBAUX,
                     ratio("d.d_jours", "p.p_effectif"))


@indicateur("jours_absence_medical_par_agent", "Jours d'absence pour raison de santé par agent", "absences",
            "jours", "jours par agent", "Jours d'absence pour motif médical / effectif permanent au 31/12.",
            dimensions=DIMS_ABSENCE)
def jours_absence_medical_par_agent(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Jours d'absence pour raison de santé par agent.

    Formule : Σ jours d'absence des motifs médicaux / (effectif permanent au 31/12).
    """
    return _absences(con, "jours_absence_medical_par_agent", perimetre, annee, dimensions, MOTIFS_MEDICAUX,
                     ratio("d.d_jours", "p.p_effectif"))


@indicateur("exposition_absence_medicale", "Exposition à l'absence pour raison de santé", "absences", "taux",
            "%", "Agents ayant au moins un arrêt pour motif médical / effectif permanent au 31/12 × 100.",
            dimensions=DIMS_ABSENCE)
def exposition_absence_medicale(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Exposition (%) : part des agents ayant eu au moins un arrêt pour motif médical.

    Formule : 100 × (agents de l'effectif permanent au 31/12 ayant au moins une ligne d'absence
    d'un motif médical) / (effectif permanent au 31/12).
    """
    return _absences(con, "exposition_absence_medicale", perimetre, annee, dimensions, MOTIFS_MEDICAUX,
                     ratio("d.d_agents", "p.p_effectif", 100))


@indicateur("frequence_absence_medicale", "Fréquence des arrêts pour raison de santé", "absences", "taux",
            "arrêts pour 100 agents", "Nombre d'arrêts pour motif médical × 100 / effectif permanent au 31/12.",
            dimensions=DIMS_ABSENCE)
def frequence_absence_medicale(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Fréquence : arrêts pour motif médical pour 100 agents.

    Formule : 100 × Σ nb_arrets (motifs médicaux) / (effectif permanent au 31/12).
    """
    return _absences(con, "frequence_absence_medicale", perimetre, annee, dimensions, MOTIFS_MEDICAUX,
                     ratio("d.d_arrets", "p.p_effectif", 100))


@indicateur("gravite_absence_medicale", "Gravité des arrêts pour raison de santé", "absences", "jours",
            "jours par arrêt", "Jours d'absence pour motif médical / nombre d'arrêts.", dimensions=DIMS_ABSENCE)
def gravite_absence_medicale(con, perimetre: Perimetre, annee, *, dimensions=None) -> IndicatorTable:
    """Gravité : durée moyenne d'un arrêt pour motif médical (jours par arrêt).

    Formule : Σ jours (motifs médicaux) / Σ nb_arrets (motifs médicaux), sur les agents de
    l'effectif permanent au 31/12.
    """
    return _absences(con, "gravite_absence_medicale", perimetre, annee, dimensions, MOTIFS_MEDICAUX,
                     ratio("d.d_jours", "d.d_arrets"))
