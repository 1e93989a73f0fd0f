"""The RSU files a CDG receives: their kinds, columns, types, enumerations and ranges.

This module is the contract between the demo data generator (which writes such files) and the
import (which validates them). Column names are the normalised French headers: lower case, no
accents, words joined by ``_`` (see :func:`normalise_header`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

SEXES = ("F", "M")
STATUTS = (
    "TITULAIRE",
    "STAGIAIRE",
    "CONTRACTUEL_PERMANENT",
    "CONTRACTUEL_NON_PERMANENT",
    "COLLABORATEUR_CABINET",
    "ASSISTANT_MATERNEL_FAMILIAL",
    "CONTRAT_AIDE",
    "APPRENTI",
)
CATEGORIES = ("A", "B", "C")
FILIERES = (
    "ADMINISTRATIVE",
    "TECHNIQUE",
    "CULTURELLE",
    "SPORTIVE",
    "MEDICO_SOCIALE",
    "MEDICO_TECHNIQUE",
    "SOCIALE",
    "POLICE_MUNICIPALE",
    "INCENDIE_SECOURS",
    "ANIMATION",
    "HORS_FILIERE",
)
TEMPS_TRAVAIL = ("COMPLET", "NON_COMPLET")
POSITIONS = (
    "ACTIVITE",
    "DETACHEMENT",
    "DISPONIBILITE",
    "CONGE_PARENTAL",
    "MAD",
    "HORS_CADRES",
)
MOTIFS_ENTREE = (
    "CONCOURS",
    "RECRUTEMENT_DIRECT",
    "MUTATION",
    "DETACHEMENT",
    "REINTEGRATION",
    "CONTRAT",
    "AUTRE",
)
MOTIFS_SORTIE = (
    "MUTATION",
    "DEMISSION",
    "FIN_CONTRAT",
    "RETRAITE",
    "LICENCIEMENT",
    "DECES",
    "DETACHEMENT",
    "DISPONIBILITE",
    "RUPTURE_CONVENTIONNELLE",
    "AUTRE",
)
MOTIFS_ABSENCE = (
    "MALADIE_ORDINAIRE",
    "LONGUE_MALADIE",
    "LONGUE_DUREE",
    "GRAVE_MALADIE",
    "ACCIDENT_SERVICE",
    "ACCIDENT_TRAJET",
    "MALADIE_PROFESSIONNELLE",
    "MATERNITE",
    "PATERNITE",
    "ADOPTION",
    "AUTRE",
)
TYPES_FORMATION = (
    "INTEGRATION",
    "PROFESSIONNALISATION",
    "PERFECTIONNEMENT",
    "PREPARATION_CONCOURS",
    "PERSONNELLE",
    "CPF",
)
ORGANISMES_FORMATION = ("CNFPT", "AUTRE")
TYPES_EMPLOYEUR = (
    "COMMUNE",
    "CCAS",
    "CIAS",
    "CAISSE_ECOLES",
    "EPCI_CC",
    "EPCI_CA",
    "EPCI_CU",
    "METROPOLE",
    "SYNDICAT",
    "DEPARTEMENT",
    "REGION",
    "SDIS",
    "CDG",
    "AUTRE_EP",
)

# Accepted spellings of booleans (after normalisation to upper case without accents).
TRUE_WORDS = ("OUI", "O", "1", "VRAI", "TRUE", "T", "X")
FALSE_WORDS = ("NON", "N", "0", "FAUX", "FALSE", "F")

YEAR_MIN, YEAR_MAX = 2000, 2100


@dataclass(frozen=True)
class Column:
    """One column of an import file.

    kind: ``text``, ``int``, ``decimal``, ``date``, ``bool``, ``enum``, ``siret``, ``nir``,
    ``code`` (digits/letters code such as a code INSEE) or ``identifier`` (dropped on import).
    """

    name: str
    kind: str
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 200
    label: str = ""


@dataclass(frozen=True)
class FileKind:
    """A kind of RSU file: its name, columns, and the key identifying one row."""

    name: str
    label: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    table: str
    # Columns whose presence in a header identifies this kind of file.
    signature: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


_YEAR = Column("annee", "int", required=True, minimum=YEAR_MIN, maximum=YEAR_MAX, label="année")
_SIRET = Column("siret", "siret", required=True, label="SIRET de l'employeur")
_MATRICULE = Column("matricule", "identifier", required=True, max_length=50, label="matricule")
_EURO_MAX = 1e10

EMPLOYEURS = FileKind(
    name="employeurs",
    label="données des employeurs",
    table="employeur",
    key=("annee", "siret"),
    signature=("siret", "type", "rsu_transmis"),
    columns=(
        _YEAR,
        _SIRET,
        Column("nom", "text", required=True, label="nom de l'employeur"),
        Column("type", "enum", required=True, choices=TYPES_EMPLOYEUR, label="type d'employeur"),
        Column("code_insee", "code", max_length=5, label="code INSEE de la commune"),
        Column("departement", "code", required=True, max_length=3, label="département"),
        Column("region", "code", max_length=3, label="région"),
        Column("epci_siren", "code", max_length=9, label="SIREN de l'EPCI"),
        Column("population", "int", minimum=0, maximum=100_000_000, label="population"),
        Column("affilie", "bool", required=True, label="affilié au CDG"),
        Column("rsu_transmis", "bool", required=True, label="RSU transmis"),
        Column("depenses_personnel", "decimal", minimum=0, maximum=_EURO_MAX),
        Column("cotisation_cnfpt", "decimal", minimum=0, maximum=_EURO_MAX),
        Column("depenses_formation", "decimal", minimum=0, maximum=_EURO_MAX),
        Column("action_sociale", "decimal", minimum=0, maximum=_EURO_MAX),
        Column("participation_protection_sociale", "decimal", minimum=0, maximum=_EURO_MAX),
        Column("reunions_instances", "int", minimum=0, maximum=1000),
        Column("jours_greve", "decimal", minimum=0, maximum=10_000_000),
        Column("agents_prevention", "int", minimum=0, maximum=100_000),
    ),
)

AGENTS = FileKind(
    name="agents",
    label="agents",
    table="agent",
    key=("annee", "siret", "matricule"),
    signature=("matricule", "statut"),
    columns=(
        _YEAR,
        _SIRET,
        _MATRICULE,
        Column("nom", "identifier", max_length=100),
        Column("prenom", "identifier", max_length=100),
        Column("nir", "nir", label="NIR"),
        Column("date_naissance", "date", required=True, label="date de naissance"),
        Column("sexe", "enum", required=True, choices=SEXES),
        Column("statut", "enum", required=True, choices=STATUTS),
        Column("emploi_fonctionnel", "bool"),
        Column("categorie", "enum", choices=CATEGORIES, label="catégorie"),
        Column("filiere", "enum", required=True, choices=FILIERES, label="filière"),
        Column("cadre_emplois", "text", label="cadre d'emplois"),
        Column("grade", "text"),
        Column("temps_travail", "enum", required=True, choices=TEMPS_TRAVAIL, label="temps de travail"),
        Column("heures_hebdo", "decimal", required=True, minimum=0.5, maximum=35, label="heures hebdomadaires"),
        Column("quotite", "decimal", required=True, minimum=50, maximum=100, label="quotité"),
        Column("position", "enum", required=True, choices=POSITIONS),
        Column("present_31_12", "bool", required=True, label="présent au 31/12"),
        Column("date_entree", "date", label="date d'entrée"),
        Column("motif_entree", "enum", choices=MOTIFS_ENTREE, label="motif d'entrée"),
        Column("date_sortie", "date", label="date de sortie"),
        Column("motif_sortie", "enum", choices=MOTIFS_SORTIE, label="motif de sortie"),
        Column("jours_remuneres", "int", required=True, minimum=0, maximum=366, label="jours rémunérés"),
        Column("remuneration_brute", "decimal", required=True, minimum=0, maximum=1_000_000, label="rémunération brute annuelle"),
        Column("regime_indemnitaire", "decimal", minimum=0, maximum=1_000_000, label="régime indemnitaire"),
        Column("nbi", "decimal", minimum=0, maximum=1_000_000, label="NBI"),
        Column("heures_supplementaires", "decimal", minimum=0, maximum=5000, label="heures supplémentaires"),
        Column("boeth", "bool", label="BOETH"),
        Column("teletravail", "bool", label="télétravail"),
    ),
)

ABSENCES = FileKind(
    name="absences",
    label="absences",
    table="absence",
    key=("annee", "siret", "matricule", "motif"),
    signature=("matricule", "nb_arrets"),
    columns=(
        _YEAR,
        _SIRET,
        _MATRICULE,
        Column("motif", "enum", required=True, choices=MOTIFS_ABSENCE, label="motif d'absence"),
        Column("nb_arrets", "int", required=True, minimum=1, maximum=366, label="nombre d'arrêts"),
        Column("jours", "int", required=True, minimum=1, maximum=366, label="jours d'absence"),
    ),
)

FORMATIONS = FileKind(
    name="formations",
    label="formations",
    table="formation",
    key=("annee", "siret", "matricule", "type_formation", "organisme"),
    signature=("matricule", "type_formation"),
    columns=(
        _YEAR,
        _SIRET,
        _MATRICULE,
        Column("type_formation", "enum", required=True, choices=TYPES_FORMATION, label="type de formation"),
        Column("organisme", "enum", required=True, choices=ORGANISMES_FORMATION),
        Column("jours", "decimal", required=True, minimum=0.5, maximum=366, label="jours de formation"),
    ),
)

FILE_KINDS: tuple[FileKind, ...] = (EMPLOYEURS, AGENTS, ABSENCES, FORMATIONS)
# Import order: employers first (every other file refers to them), then agents, then the
# files that refer to agents.
LOAD_ORDER = {k.name: i for i, k in enumerate(FILE_KINDS)}


def normalise_header(name: str) -> str:
    """Normalise a column header: ``"Date de naissance"`` -> ``"date_de_naissance"``."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text.strip().lower()).strip("_")
    return HEADER_ALIASES.get(text, text)


# Usual variants of headers seen in payroll exports.
HEADER_ALIASES = {
    "date_de_naissance": "date_naissance",
    "present_au_31_12": "present_31_12",
    "cadre_d_emplois": "cadre_emplois",
    "annee_rsu": "annee",
}


def detect_kind(columns: list[str]) -> FileKind | None:
    """The kind of file whose signature columns all appear in ``columns``, if any."""
    present = set(columns)
    for kind in (AGENTS, ABSENCES, FORMATIONS, EMPLOYEURS):
        if set(kind.signature) <= present:
            return kind
    return None


def luhn_ok(digits: str) -> bool:
    """Luhn check used by SIREN and SIRET numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def nir_key(nir13: str) -> int:
    """The two-digit key of a 13-character NIR (Corsica's 2A/2B count as 19/18)."""
    number = int(nir13.upper().replace("2A", "19", 1).replace("2B", "18", 1))
    return 97 - number % 97
