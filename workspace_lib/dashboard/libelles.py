"""French labels of codes and dimensions, for everything a person reads."""

from __future__ import annotations

import pandas as pd

DIMENSIONS = {
    "sexe": "Sexe", "statut_agent": "Statut", "statut_groupe": "Statut", "categorie": "Catégorie",
    "filiere": "Filière", "tranche_age": "Âge", "temps_travail": "Temps de travail",
    "temps_partiel": "Quotité", "position": "Position", "motif_entree": "Motif d'arrivée",
    "motif_sortie": "Motif de départ", "type_employeur": "Type d'employeur", "departement": "Département",
    "region": "Région", "motif": "Motif d'absence", "type_formation": "Type de formation",
    "organisme": "Organisme", "commune": "Commune", "epci": "EPCI", "employeur": "Employeur",
    "annee": "Année",
}

MEMBRES = {
    "sexe": {"F": "Femmes", "M": "Hommes"},
    "statut_agent": {
        "TITULAIRE": "Titulaires", "STAGIAIRE": "Stagiaires", "CONTRACTUEL_PERMANENT": "Contractuels permanents",
        "CONTRACTUEL_NON_PERMANENT": "Contractuels non permanents", "COLLABORATEUR_CABINET": "Collaborateurs de cabinet",
        "ASSISTANT_MATERNEL_FAMILIAL": "Assistants maternels et familiaux", "CONTRAT_AIDE": "Contrats aidés",
        "APPRENTI": "Apprentis"},
    "statut_groupe": {"FONCTIONNAIRE": "Fonctionnaires", "CONTRACTUEL": "Contractuels", "AUTRE": "Autres"},
    "categorie": {"A": "Catégorie A", "B": "Catégorie B", "C": "Catégorie C"},
    "filiere": {
        "ADMINISTRATIVE": "Administrative", "TECHNIQUE": "Technique", "CULTURELLE": "Culturelle",
        "SPORTIVE": "Sportive", "MEDICO_SOCIALE": "Médico-sociale", "MEDICO_TECHNIQUE": "Médico-technique",
        "SOCIALE": "Sociale", "POLICE_MUNICIPALE": "Police municipale", "INCENDIE_SECOURS": "Incendie et secours",
        "ANIMATION": "Animation", "HORS_FILIERE": "Hors filière"},
    "temps_travail": {"COMPLET": "Temps complet", "NON_COMPLET": "Temps non complet"},
    "temps_partiel": {"TEMPS_PARTIEL": "Temps partiel", "TEMPS_PLEIN": "Temps plein"},
    "motif": {
        "MALADIE_ORDINAIRE": "Maladie ordinaire", "LONGUE_MALADIE": "Longue maladie", "LONGUE_DUREE": "Longue durée",
        "GRAVE_MALADIE": "Grave maladie", "ACCIDENT_SERVICE": "Accident de service",
        "ACCIDENT_TRAJET": "Accident de trajet", "MALADIE_PROFESSIONNELLE": "Maladie professionnelle",
        "MATERNITE": "Maternité", "PATERNITE": "Paternité", "ADOPTION": "Adoption", "AUTRE": "Autre motif"},
    "type_formation": {
        "INTEGRATION": "Intégration", "PROFESSIONNALISATION": "Professionnalisation",
        "PERFECTIONNEMENT": "Perfectionnement", "PREPARATION_CONCOURS": "Préparation aux concours",
        "PERSONNELLE": "Formation personnelle", "CPF": "Compte personnel de formation"},
    "organisme": {"CNFPT": "CNFPT", "AUTRE": "Autres organismes"},
    "motif_entree": {
        "CONCOURS": "Concours", "RECRUTEMENT_DIRECT": "Recrutement direct", "MUTATION": "Mutation",
        "DETACHEMENT": "Détachement", "REINTEGRATION": "Réintégration", "CONTRAT": "Contrat", "AUTRE": "Autre"},
    "motif_sortie": {
        "MUTATION": "Mutation", "DEMISSION": "Démission", "FIN_CONTRAT": "Fin de contrat", "RETRAITE": "Retraite",
        "LICENCIEMENT": "Licenciement", "DECES": "Décès", "DETACHEMENT": "Détachement",
        "DISPONIBILITE": "Disponibilité", "RUPTURE_CONVENTIONNELLE": "Rupture conventionnelle", "AUTRE": "Autre"},
    "type_employeur": {
        "COMMUNE": "Communes", "CCAS": "CCAS", "CIAS": "CIAS", "CAISSE_ECOLES": "Caisses des écoles",
        "EPCI_CC": "Communautés de communes", "EPCI_CA": "Communautés d'agglomération",
        "EPCI_CU": "Communautés urbaines", "METROPOLE": "Métropoles", "SYNDICAT": "Syndicats",
        "DEPARTEMENT": "Département", "REGION": "Région", "SDIS": "SDIS", "CDG": "Centre de gestion",
        "AUTRE_EP": "Autres établissements"},
    "position": {"ACTIVITE": "Activité", "DETACHEMENT": "Détachement", "DISPONIBILITE": "Disponibilité",
                 "CONGE_PARENTAL": "Congé parental", "MAD": "Mise à disposition", "HORS_CADRES": "Hors cadres"},
}


def dimension(name: str) -> str:
    """The French heading of a dimension."""
    return DIMENSIONS.get(name, name.replace("_", " ").capitalize())


def relabel(cells: pd.DataFrame, dimensions: list[str]) -> pd.DataFrame:
    """Cells with their members in French (« Femmes » for F...); unknown codes kept as they are."""
    out = cells.copy()
    for dim in dimensions:
        mapping = MEMBRES.get(dim)
        if mapping:
            out[dim] = out[dim].map(lambda v, m=mapping: m.get(v, v))
    return out
