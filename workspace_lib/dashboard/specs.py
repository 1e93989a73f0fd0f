"""The dashboards of the workspace, as view specifications (one per notebook)."""

from __future__ import annotations

from .vue import Element as E
from .vue import Section as S
from .vue import Spec

CHIFFRES_SYNTHESE = ("effectif_permanent", "etp", "part_femmes", "part_contractuels", "age_moyen",
                     "taux_absenteisme_medical", "jours_formation_par_agent", "remuneration_moyenne_etpr")

SYNTHESE = Spec(
    nom="synthese", titre="Synthèse du Rapport Social Unique", niveau="employeur",
    sections=(
        S("chiffres_cles", "Chiffres clés", (E("chiffres", "chiffres", CHIFFRES_SYNTHESE,
                                                 "Comparaison avec la strate et le département"),),
          "Chaque valeur est comparée à celle de la strate de l'employeur et du département."),
        S("effectifs", "Effectifs", (
            E("effectifs_statut_sexe", "tableau", ("effectif_permanent",), "Effectif permanent au 31/12 par statut et sexe",
              ("statut_groupe", "sexe")),
            E("effectifs_categorie", "barres", ("effectif_permanent",), "Effectif permanent par catégorie et sexe",
              ("categorie", "sexe")),
            E("effectifs_filiere", "barres_horizontales", ("effectif_permanent",), "Effectif permanent par filière",
              ("filiere",)),
        )),
        S("ages", "Pyramide des âges", (E("pyramide", "pyramide", ("pyramide_ages",), "Pyramide des âges"),)),
        S("absences", "Absentéisme", (
            E("absenteisme_comparaison", "comparaison", ("taux_absenteisme_medical",),
              "Taux d'absentéisme médical comparé"),
            E("absences_motif", "tableau", ("jours_absence",), "Jours d'absence par motif", ("motif",)),
        )),
        S("formation", "Formation", (
            E("formation_type", "tableau", ("jours_formation",), "Jours de formation par type", ("type_formation",)),
        )),
        S("mouvements", "Mouvements", (
            E("arrivees", "tableau", ("arrivees",), "Arrivées par motif", ("motif_entree",)),
            E("departs", "tableau", ("departs",), "Départs par motif", ("motif_sortie",)),
        )),
        S("remunerations", "Rémunérations", (
            E("remuneration_comparaison", "comparaison", ("remuneration_moyenne_etpr",),
              "Rémunération brute moyenne par ETPR comparée"),
        )),
    ),
)

EFFECTIFS = Spec(
    nom="effectifs", titre="Effectifs et démographie", niveau="employeur",
    sections=(
        S("chiffres_cles", "Chiffres clés", (E("chiffres", "chiffres", (
            "effectif_permanent", "effectif_total", "etp", "etpr", "part_femmes", "part_contractuels",
            "age_moyen", "age_median", "part_50_ans_et_plus", "taux_emploi_boeth")),)),
        S("repartitions", "Répartitions", (
            E("statut_sexe", "tableau", ("effectif_permanent",), "Effectif permanent par statut et sexe", ("statut", "sexe")),
            E("filiere_categorie", "tableau", ("effectif_permanent",), "Effectif permanent par filière et catégorie",
              ("filiere", "categorie")),
            E("temps_partiel", "barres", ("part_temps_partiel",), "Part des agents à temps partiel par sexe", ("sexe",)),
        )),
        S("ages", "Âges", (
            E("pyramide", "pyramide", ("pyramide_ages",), "Pyramide des âges"),
            E("retraites", "chiffres", ("departs_retraite_5_ans", "departs_retraite_10_ans")),
        )),
        S("evolution", "Évolution", (
            E("evolution_effectif", "lignes", ("effectif_permanent",), "Effectif permanent au 31/12 par année",
              (), annees=5),
        )),
    ),
)

ABSENTEISME = Spec(
    nom="absenteisme", titre="Absentéisme et santé au travail", niveau="departement",
    comparaisons=("region", "france"),
    sections=(
        S("chiffres_cles", "Chiffres clés", (E("chiffres", "chiffres", (
            "taux_absenteisme_medical", "taux_absenteisme_global", "jours_absence_par_agent",
            "exposition_absence_medicale", "frequence_absence_medicale", "gravite_absence_medicale")),)),
        S("motifs", "Motifs", (
            E("jours_motif", "barres_horizontales", ("jours_absence",), "Jours d'absence par motif", ("motif",)),
            E("taux_type", "tableau", ("taux_absenteisme_medical",), "Taux d'absentéisme médical par type d'employeur",
              ("type_employeur",)),
        )),
        S("evolution", "Évolution", (
            E("evolution_taux", "lignes", ("taux_absenteisme_medical",), "Taux d'absentéisme médical par année",
              (), annees=5),
        )),
        S("carte", "Carte", (
            E("carte_communes", "carte", ("taux_absenteisme_medical",),
              "Taux d'absentéisme médical des employeurs par commune", ("commune",)),
        )),
    ),
)

MOUVEMENTS = Spec(
    nom="mouvements", titre="Mouvements et carrières", niveau="employeur",
    sections=(
        S("chiffres_cles", "Chiffres clés", (E("chiffres", "chiffres", (
            "taux_rotation", "taux_entrees", "taux_sorties", "titularisations")),)),
        S("flux", "Arrivées et départs", (
            E("arrivees", "barres_horizontales", ("arrivees",), "Arrivées par motif", ("motif_entree",)),
            E("departs", "barres_horizontales", ("departs",), "Départs par motif", ("motif_sortie",)),
        )),
        S("evolution", "Évolution", (
            E("evolution_rotation", "lignes", ("taux_rotation",), "Taux de rotation par année", (), annees=5),
        )),
    ),
)

FORMATION = Spec(
    nom="formation", titre="Formation", niveau="employeur",
    sections=(
        S("chiffres_cles", "Chiffres clés", (E("chiffres", "chiffres", (
            "jours_formation_par_agent", "part_agents_formes", "part_jours_formation_cnfpt",
            "depenses_formation_par_agent")),)),
        S("detail", "Détail", (
            E("jours_type", "barres_horizontales", ("jours_formation",), "Jours de formation par type", ("type_formation",)),
            E("jours_organisme", "tableau", ("jours_formation",), "Jours de formation par organisme", ("organisme",)),
            E("formes_categorie", "tableau", ("part_agents_formes",), "Part des agents formés par catégorie",
              ("categorie",)),
        )),
    ),
)

REMUNERATIONS = Spec(
    nom="remunerations", titre="Rémunérations et égalité femmes-hommes", niveau="employeur",
    sections=(
        S("chiffres_cles", "Chiffres clés", (E("chiffres", "chiffres", (
            "remuneration_moyenne_etpr", "part_regime_indemnitaire", "part_nbi",
            "heures_supplementaires_par_agent")),)),
        S("egalite", "Égalité femmes-hommes", (
            E("ecart_categorie", "tableau", ("ecart_remuneration_femmes_hommes",),
              "Écart de rémunération femmes-hommes par catégorie", ("categorie",)),
            E("remuneration_sexe", "barres", ("remuneration_moyenne_etpr",),
              "Rémunération moyenne par ETPR, par catégorie et sexe", ("categorie", "sexe")),
        )),
    ),
)

OBSERVATOIRE = Spec(
    nom="observatoire", titre="Observatoire départemental de l'emploi territorial", niveau="departement",
    comparaisons=("region", "france"),
    sections=(
        S("chiffres_cles", "Chiffres clés", (E("chiffres", "chiffres", (
            "effectif_permanent", "etp", "part_femmes", "part_contractuels", "age_moyen",
            "taux_absenteisme_medical", "taux_transmission_rsu")),)),
        S("employeurs", "Par type d'employeur", (
            E("effectif_type", "tableau", ("effectif_permanent",), "Effectif permanent par type d'employeur et sexe",
              ("type_employeur", "sexe")),
        )),
        S("territoire", "Carte par commune", (
            E("carte_effectif", "carte", ("effectif_permanent",), "Effectif permanent des employeurs par commune",
              ("commune",)),
        )),
        S("evolution", "Évolution", (
            E("evolution_effectif", "lignes", ("effectif_permanent",), "Effectif permanent par année",
              (), annees=5),
        )),
    ),
)

SPECS = {s.nom: s for s in (SYNTHESE, EFFECTIFS, ABSENTEISME, MOUVEMENTS, FORMATION, REMUNERATIONS, OBSERVATOIRE)}
