"""Indicateurs du Rapport Social Unique (RSU), calculés dans l'entrepôt DuckDB.

Chaque indicateur est une fonction ``f(con, perimetre, annee, *, dimensions=None, **options)``
qui renvoie un ``IndicatorTable`` ; le registre ``INDICATEURS`` (identifiant -> ``Indicateur`` :
fonction, titre, thème, mesure, unité, définition, dimensions admises) permet aux tableaux de
bord et aux rapports de les lister. Tout est calculé en SQL avec des paramètres liés ; les noms
de dimensions viennent d'une liste blanche (``DIMENSIONS``).

Exemple ::

    from workspace_lib.indicators import INDICATEURS, Perimetre, effectif_permanent, comparer
    t = effectif_permanent(con, Perimetre("departement", "48"), 2024, dimensions=["sexe", "categorie"])
    t.cells          # une ligne par cellule, marges « Ensemble » comprises (GROUP BY CUBE)
    comparer(con, effectif_permanent, "21480095100014", 2024, niveaux=("employeur", "strate", "departement"))

Définitions communes
--------------------
- **Âge** : annee − annee_naissance (âge atteint au 31/12 de l'année ; la date de naissance
  n'est pas conservée). Tranches de 5 ans : « moins de 20 ans », « 20-24 ans », ...,
  « 60-64 ans », « 65 ans et plus ».
- **Effectif permanent au 31/12** : agents avec present_31_12 = vrai, statut TITULAIRE,
  STAGIAIRE ou CONTRACTUEL_PERMANENT, en position ACTIVITE ou MAD (mis à disposition, toujours
  rémunéré par l'employeur). Ne comptent pas : DETACHEMENT (l'agent détaché auprès d'un autre
  employeur est rémunéré par celui-ci ; un agent accueilli en détachement est déclaré en
  activité par son employeur d'accueil), DISPONIBILITE, CONGE_PARENTAL, HORS_CADRES.
- **Effectif total au 31/12** : même règle de présence et de position, tous statuts
  (contractuels non permanents, collaborateurs de cabinet, assistants maternels, contrats
  aidés, apprentis compris).
- **ETP au 31/12** = Σ (quotite / 100) × (heures_hebdo / 35) sur l'effectif au 31/12.
- **ETPR** = Σ (quotite / 100) × (heures_hebdo / 35) × (jours_remuneres / J) sur les agents
  rémunérés dans l'année, J = nombre de jours de l'année (365 ; 366 en année bissextile).
- **Taux d'absentéisme** = jours calendaires d'absence × 100 / (J × effectif permanent au
  31/12), J = 365 (366 en année bissextile : ainsi 100 % = absent toute l'année) ; numérateur :
  les absences des agents de cet effectif. Motifs **médicaux** : MALADIE_ORDINAIRE,
  LONGUE_MALADIE, LONGUE_DUREE, GRAVE_MALADIE, ACCIDENT_SERVICE, ACCIDENT_TRAJET,
  MALADIE_PROFESSIONNELLE ; **global** : les médicaux plus MATERNITE, PATERNITE, ADOPTION,
  AUTRE. Exposition = % d'agents avec au moins un arrêt ; fréquence = arrêts pour 100 agents ;
  gravité = jours par arrêt.
- **Mouvements** (voir ``mouvements``) : arrivée = date_entree dans l'année, départ =
  date_sortie dans l'année, sur les agents de statut permanent toutes positions ;
  effectif au 1/1 = ces agents moins les arrivés de l'année ; effectif au 31/12 = ceux présents
  au 31/12 ; effectif moyen = (effectif au 1/1 + effectif au 31/12) / 2 ; taux de rotation =
  ((arrivées + départs) / 2) / effectif moyen × 100. Titularisation = agent STAGIAIRE en N−1 et TITULAIRE en N (même agent_id, même SIRET).
- **Formation** : jours de la table formation des agents de l'effectif permanent au 31/12 ;
  agent formé = au moins une ligne de formation dans l'année ; part CNFPT = jours CNFPT / jours.
- **Rémunération** : agents permanents rémunérés dans l'année (jours_remuneres > 0) ;
  rémunération moyenne = Σ brut / Σ ETPR ; écart femmes/hommes = (MH − MF) / MH × 100.
- **Handicap** : taux d'emploi = BOETH / effectif total au 31/12 × 100 (obligation : 6 %).
- **Strates** (FNCDG) : voir ``perimetre`` ; calculées chaque année en SQL à partir de
  l'effectif permanent au 31/12 et du type d'employeur.

Tableau de résultat
-------------------
``IndicatorTable.cells`` : une colonne texte par dimension (total : « Ensemble » ; pour une
série d'années, ``annee`` est une dimension texte sans total), ``valeur``, puis pour le
contrôle du secret ``effectif`` (agents distincts de la cellule), ``nb_employeurs`` et, pour les
montants, ``part_max`` (part du plus gros contributeur, de 0 à 1). Les taux ont aussi
``numerateur``, ``denominateur`` et ``effectif_numerateur`` (agents qui contribuent au
numérateur). Mesures : ``effectif``, ``jours``, ``montant``, ``taux`` (taux, parts, moyennes
et ratios ; l'unité est dans ``unite``). Les valeurs en % sont entre 0 et 100.
"""

from __future__ import annotations

from . import absences, effectifs, employeurs, formation, mouvements, remuneration  # registration
from .comparaison import comparer, perimetres_employeur
from .moteur import (DIMENSIONS, ENSEMBLE, INDICATEURS, MOTIFS_GLOBAUX, MOTIFS_MEDICAUX, IndicatorTable,
                     Indicateur)
from .perimetre import NIVEAUX, STRATES, Perimetre, classer_strate, strate_of

_MODULES = (absences, effectifs, employeurs, formation, mouvements, remuneration)
# every indicator function is importable from the package: ``from workspace_lib.indicators import etp``
globals().update({ind_id: ind.fonction for ind_id, ind in INDICATEURS.items()})

THEMES = tuple(dict.fromkeys(ind.theme for ind in INDICATEURS.values()))

__all__ = ["DIMENSIONS", "ENSEMBLE", "INDICATEURS", "MOTIFS_GLOBAUX", "MOTIFS_MEDICAUX", "NIVEAUX", "STRATES",
           "THEMES", "IndicatorTable", "Indicateur", "Perimetre", "classer_strate", "comparer",
           "perimetres_employeur", "strate_of", *INDICATEURS]
