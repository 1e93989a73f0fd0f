"""Cadres d'emplois and grades of the fonction publique territoriale, by filière and catégorie.

Each entry: (filière, catégorie, cadre d'emplois, grades from the lowest to the highest,
relative weight within its filière x catégorie). Names only use letters, digits, spaces,
apostrophes, hyphens, dots and commas. The ``EE`` flag marks the cadre of the technical agents
of collèges and lycées, used only by départements and régions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cadre:
    filiere: str
    categorie: str
    nom: str
    grades: tuple[str, ...]
    poids: float
    etablissements_enseignement: bool = False


CADRES: tuple[Cadre, ...] = (
    # Filière administrative
    Cadre("ADMINISTRATIVE", "A", "Attachés territoriaux",
          ("Attaché", "Attaché principal", "Attaché hors classe"), 94),
    Cadre("ADMINISTRATIVE", "A", "Administrateurs territoriaux",
          ("Administrateur", "Administrateur hors classe", "Administrateur général"), 6),
    Cadre("ADMINISTRATIVE", "B", "Rédacteurs territoriaux",
          ("Rédacteur", "Rédacteur principal de 2e classe", "Rédacteur principal de 1re classe"), 100),
    Cadre("ADMINISTRATIVE", "C", "Adjoints administratifs territoriaux",
          ("Adjoint administratif", "Adjoint administratif principal de 2e classe",
           "Adjoint administratif principal de 1re classe"), 100),
    # Filière technique
    Cadre("TECHNIQUE", "A", "Ingénieurs territoriaux",
          ("Ingénieur", "Ingénieur principal", "Ingénieur hors classe"), 90),
    Cadre("TECHNIQUE", "A", "Ingénieurs en chef territoriaux",
          ("Ingénieur en chef", "Ingénieur en chef hors classe", "Ingénieur général"), 10),
    Cadre("TECHNIQUE", "B", "Techniciens territoriaux",
          ("Technicien", "Technicien principal de 2e classe", "Technicien principal de 1re classe"), 100),
    Cadre("TECHNIQUE", "C", "Adjoints techniques territoriaux",
          ("Adjoint technique", "Adjoint technique principal de 2e classe",
           "Adjoint technique principal de 1re classe"), 82),
    Cadre("TECHNIQUE", "C", "Agents de maîtrise territoriaux",
          ("Agent de maîtrise", "Agent de maîtrise principal"), 18),
    Cadre("TECHNIQUE", "C", "Adjoints techniques territoriaux des établissements d'enseignement",
          ("Adjoint technique des établissements d'enseignement",
           "Adjoint technique principal de 2e classe des établissements d'enseignement",
           "Adjoint technique principal de 1re classe des établissements d'enseignement"),
          0, etablissements_enseignement=True),
    # Filière culturelle
    Cadre("CULTURELLE", "A", "Attachés territoriaux de conservation du patrimoine",
          ("Attaché de conservation du patrimoine", "Attaché principal de conservation du patrimoine"), 25),
    Cadre("CULTURELLE", "A", "Bibliothécaires territoriaux",
          ("Bibliothécaire", "Bibliothécaire principal"), 25),
    Cadre("CULTURELLE", "A", "Professeurs territoriaux d'enseignement artistique",
          ("Professeur d'enseignement artistique de classe normale",
           "Professeur d'enseignement artistique hors classe"), 50),
    Cadre("CULTURELLE", "B", "Assistants territoriaux d'enseignement artistique",
          ("Assistant d'enseignement artistique", "Assistant d'enseignement artistique principal de 2e classe",
           "Assistant d'enseignement artistique principal de 1re classe"), 55),
    Cadre("CULTURELLE", "B", "Assistants territoriaux de conservation du patrimoine et des bibliothèques",
          ("Assistant de conservation", "Assistant de conservation principal de 2e classe",
           "Assistant de conservation principal de 1re classe"), 45),
    Cadre("CULTURELLE", "C", "Adjoints territoriaux du patrimoine",
          ("Adjoint du patrimoine", "Adjoint du patrimoine principal de 2e classe",
           "Adjoint du patrimoine principal de 1re classe"), 100),
    # Filière sportive
    Cadre("SPORTIVE", "A", "Conseillers territoriaux des activités physiques et sportives",
          ("Conseiller des activités physiques et sportives",
           "Conseiller principal des activités physiques et sportives"), 100),
    Cadre("SPORTIVE", "B", "Éducateurs territoriaux des activités physiques et sportives",
          ("Éducateur des activités physiques et sportives",
           "Éducateur des activités physiques et sportives principal de 2e classe",
           "Éducateur des activités physiques et sportives principal de 1re classe"), 100),
    Cadre("SPORTIVE", "C", "Opérateurs territoriaux des activités physiques et sportives",
          ("Opérateur des activités physiques et sportives",
           "Opérateur des activités physiques et sportives qualifié",
           "Opérateur des activités physiques et sportives principal"), 100),
    # Filière médico-sociale
    Cadre("MEDICO_SOCIALE", "A", "Infirmiers territoriaux en soins généraux",
          ("Infirmier en soins généraux de classe normale", "Infirmier en soins généraux de classe supérieure",
           "Infirmier en soins généraux hors classe"), 35),
    Cadre("MEDICO_SOCIALE", "A", "Puéricultrices territoriales",
          ("Puéricultrice de classe normale", "Puéricultrice de classe supérieure", "Puéricultrice hors classe"), 30),
    Cadre("MEDICO_SOCIALE", "A", "Médecins territoriaux",
          ("Médecin de 2e classe", "Médecin de 1re classe", "Médecin hors classe"), 15),
    Cadre("MEDICO_SOCIALE", "A", "Psychologues territoriaux",
          ("Psychologue de classe normale", "Psychologue hors classe"), 20),
    Cadre("MEDICO_SOCIALE", "B", "Auxiliaires de puériculture territoriaux",
          ("Auxiliaire de puériculture de classe normale", "Auxiliaire de puériculture de classe supérieure"), 70),
    Cadre("MEDICO_SOCIALE", "B", "Infirmiers territoriaux",
          ("Infirmier de classe normale", "Infirmier de classe supérieure"), 30),
    Cadre("MEDICO_SOCIALE", "C", "Auxiliaires de soins territoriaux",
          ("Auxiliaire de soins principal de 2e classe", "Auxiliaire de soins principal de 1re classe"), 100),
    # Filière médico-technique
    Cadre("MEDICO_TECHNIQUE", "A", "Biologistes, vétérinaires et pharmaciens territoriaux",
          ("Biologiste, vétérinaire et pharmacien de classe normale",
           "Biologiste, vétérinaire et pharmacien hors classe"), 100),
    Cadre("MEDICO_TECHNIQUE", "B", "Techniciens paramédicaux territoriaux",
          ("Technicien paramédical de classe normale", "Technicien paramédical de classe supérieure"), 100),
    # Filière sociale
    Cadre("SOCIALE", "A", "Assistants territoriaux socio-éducatifs",
          ("Assistant socio-éducatif", "Assistant socio-éducatif de classe exceptionnelle"), 60),
    Cadre("SOCIALE", "A", "Éducateurs territoriaux de jeunes enfants",
          ("Éducateur de jeunes enfants", "Éducateur de jeunes enfants de classe exceptionnelle"), 30),
    Cadre("SOCIALE", "A", "Conseillers territoriaux socio-éducatifs",
          ("Conseiller socio-éducatif", "Conseiller supérieur socio-éducatif"), 10),
    Cadre("SOCIALE", "B", "Moniteurs-éducateurs et intervenants familiaux territoriaux",
          ("Moniteur-éducateur et intervenant familial", "Moniteur-éducateur et intervenant familial principal"), 100),
    Cadre("SOCIALE", "C", "Agents territoriaux spécialisés des écoles maternelles",
          ("Agent spécialisé principal de 2e classe des écoles maternelles",
           "Agent spécialisé principal de 1re classe des écoles maternelles"), 55),
    Cadre("SOCIALE", "C", "Agents sociaux territoriaux",
          ("Agent social", "Agent social principal de 2e classe", "Agent social principal de 1re classe"), 45),
    # Filière police municipale
    Cadre("POLICE_MUNICIPALE", "A", "Directeurs de police municipale",
          ("Directeur de police municipale", "Directeur principal de police municipale"), 100),
    Cadre("POLICE_MUNICIPALE", "B", "Chefs de service de police municipale",
          ("Chef de service de police municipale", "Chef de service de police municipale principal de 2e classe",
           "Chef de service de police municipale principal de 1re classe"), 100),
    Cadre("POLICE_MUNICIPALE", "C", "Agents de police municipale",
          ("Gardien-brigadier", "Brigadier-chef principal"), 85),
    Cadre("POLICE_MUNICIPALE", "C", "Gardes champêtres",
          ("Garde champêtre chef", "Garde champêtre chef principal"), 15),
    # Filière incendie et secours
    Cadre("INCENDIE_SECOURS", "A", "Capitaines, commandants, lieutenants-colonels et colonels de sapeurs-pompiers professionnels",
          ("Capitaine", "Commandant", "Lieutenant-colonel", "Colonel"), 100),
    Cadre("INCENDIE_SECOURS", "B", "Lieutenants de sapeurs-pompiers professionnels",
          ("Lieutenant de 2e classe", "Lieutenant de 1re classe", "Lieutenant hors classe"), 100),
    Cadre("INCENDIE_SECOURS", "C", "Sapeurs et caporaux de sapeurs-pompiers professionnels",
          ("Sapeur", "Caporal", "Caporal-chef"), 60),
    Cadre("INCENDIE_SECOURS", "C", "Sous-officiers de sapeurs-pompiers professionnels",
          ("Sergent", "Adjudant"), 40),
    # Filière animation
    Cadre("ANIMATION", "B", "Animateurs territoriaux",
          ("Animateur", "Animateur principal de 2e classe", "Animateur principal de 1re classe"), 100),
    Cadre("ANIMATION", "C", "Adjoints territoriaux d'animation",
          ("Adjoint d'animation", "Adjoint d'animation principal de 2e classe",
           "Adjoint d'animation principal de 1re classe"), 100),
)

# Index of the cadres of technical agents of collèges and lycées, and of their ordinary twin.
EE_CADRE = next(i for i, c in enumerate(CADRES) if c.etablissements_enseignement)
AT_CADRE = next(i for i, c in enumerate(CADRES) if c.nom == "Adjoints techniques territoriaux")
MAX_GRADES = max(len(c.grades) for c in CADRES)
