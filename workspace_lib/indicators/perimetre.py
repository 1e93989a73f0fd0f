"""Périmètres de calcul (employeur, EPCI, strate, département, région, France) et strates FNCDG.

Un périmètre désigne un ensemble d'employeurs-années. Le code du périmètre n'est jamais écrit
dans le texte SQL : il est toujours passé en paramètre lié (``$siret``, ``$code``...). Un code
qui ne correspond à rien (même ``"x' OR '1'='1"``) donne simplement un périmètre vide.

Strates (FNCDG), calculées pour chaque employeur-année à partir de son **effectif permanent au
31/12** de l'année (voir ``workspace_lib.indicators``) et de son type :

- communes (type ``COMMUNE``) : moins de 20 / 20 à 49 / 50 à 99 / 100 à 349 / 350 agents et plus ;
- intercommunalités (``EPCI_CC``, ``EPCI_CA``, ``EPCI_CU``, ``METROPOLE``) : moins de 20 /
  20 à 49 / 50 à 349 / 350 à 999 / 1 000 agents et plus ;
- autres employeurs : une strate par type d'employeur, quelle que soit la taille (CCAS, CIAS,
  caisses des écoles, syndicats, départements, régions, SDIS, CDG, autres établissements
  publics), car leurs tailles ne sont pas comparables à celles des communes.

Un employeur sans agent permanent au 31/12 (par exemple RSU non transmis) est classé dans la
plus petite strate de son type.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

NIVEAUX = ("employeur", "epci", "strate", "departement", "region", "france")
# Levels of computation: the comparison levels, and every employer of a département separately.
NIVEAUX_CALCUL = (*NIVEAUX, "employeurs")

LIBELLES_NIVEAUX = {
    "employeur": "Employeur",
    "epci": "EPCI (l'EPCI et ses communes membres)",
    "strate": "Strate du département",
    "departement": "Département",
    "region": "Région",
    "france": "France",
}

STRATES: dict[str, str] = {
    "COMMUNE_0_19": "Communes de moins de 20 agents",
    "COMMUNE_20_49": "Communes de 20 à 49 agents",
    "COMMUNE_50_99": "Communes de 50 à 99 agents",
    "COMMUNE_100_349": "Communes de 100 à 349 agents",
    "COMMUNE_350_PLUS": "Communes de 350 agents et plus",
    "INTERCO_0_19": "Intercommunalités de moins de 20 agents",
    "INTERCO_20_49": "Intercommunalités de 20 à 49 agents",
    "INTERCO_50_349": "Intercommunalités de 50 à 349 agents",
    "INTERCO_350_999": "Intercommunalités de 350 à 999 agents",
    "INTERCO_1000_PLUS": "Intercommunalités de 1 000 agents et plus",
    "CCAS": "Centres communaux d'action sociale",
    "CIAS": "Centres intercommunaux d'action sociale",
    "CAISSE_ECOLES": "Caisses des écoles",
    "SYNDICAT": "Syndicats",
    "DEPARTEMENT": "Départements",
    "REGION": "Régions",
    "SDIS": "Services départementaux d'incendie et de secours",
    "CDG": "Centres de gestion",
    "AUTRE_EP": "Autres établissements publics",
}

# The strate of an employer-year, from its type (column ``type``) and its permanent headcount on
# 31/12 (column ``effectif``). Static SQL: the thresholds are part of the code, not values.
STRATE_SQL = """CASE
    WHEN {type} = 'COMMUNE' THEN CASE
        WHEN {n} < 20 THEN 'COMMUNE_0_19'
        WHEN {n} < 50 THEN 'COMMUNE_20_49'
        WHEN {n} < 100 THEN 'COMMUNE_50_99'
        WHEN {n} < 350 THEN 'COMMUNE_100_349'
        ELSE 'COMMUNE_350_PLUS' END
    WHEN {type} IN ('EPCI_CC', 'EPCI_CA', 'EPCI_CU', 'METROPOLE') THEN CASE
        WHEN {n} < 20 THEN 'INTERCO_0_19'
        WHEN {n} < 50 THEN 'INTERCO_20_49'
        WHEN {n} < 350 THEN 'INTERCO_50_349'
        WHEN {n} < 1000 THEN 'INTERCO_350_999'
        ELSE 'INTERCO_1000_PLUS' END
    ELSE {type} END"""

# Permanent headcount on 31/12 (see the package docstring): static SQL on the alias ``a``.
POP_PERMANENT_31_12 = (
    "a.present_31_12 AND a.statut IN ('TITULAIRE', 'STAGIAIRE', 'CONTRACTUEL_PERMANENT') "
    "AND a.position IN ('ACTIVITE', 'MAD')"
)


def strate_sql(type_expr: str, effectif_expr: str) -> str:
    """The SQL CASE giving the strate code; both arguments are internal column expressions."""
    return STRATE_SQL.format(type=type_expr, n=effectif_expr)


def classer_strate(con: duckdb.DuckDBPyConnection, type_employeur: str, effectif: int) -> str:
    """Strate code of an employer of this type and permanent headcount (same SQL as the scopes)."""
    return con.execute(
        "SELECT " + strate_sql("$type", "$n"), {"type": type_employeur, "n": int(effectif)}
    ).fetchone()[0]


@dataclass(frozen=True)
class Perimetre:
    """Un périmètre de calcul.

    - ``Perimetre("employeur", siret)`` : un employeur ;
    - ``Perimetre("epci", siren)`` : les employeurs dont ``employeur.epci_siren`` vaut ce SIREN
      (communes membres...) et l'EPCI lui-même (``employeur.siren`` égal à ce SIREN) ;
    - ``Perimetre("strate", "48:COMMUNE_20_49")`` : les employeurs du département 48 classés,
      pour l'année calculée, dans cette strate (voir ``STRATES``) ;
    - ``Perimetre("departement", "48")``, ``Perimetre("region", "76")`` : selon
      ``employeur.departement`` / ``employeur.region`` ;
    - ``Perimetre("france")`` : tous les employeurs de l'entrepôt ;
    - ``Perimetre("employeurs", "48")`` : chaque employeur du département 48, séparément : le
      résultat a une colonne ``siret`` de plus (sans total), et ses lignes d'un SIRET sont celles
      que donnerait ``Perimetre("employeur", siret)``. Une requête pour tout le département au lieu
      d'une par employeur : ce que calculent les campagnes de rapports (voir ``lots``).
    """

    niveau: str
    code: str | None = None

    def __post_init__(self) -> None:
        if self.niveau not in NIVEAUX_CALCUL:
            raise ValueError(
                f"Niveau de périmètre inconnu « {self.niveau} » : niveaux admis : {', '.join(NIVEAUX_CALCUL)}."
            )
        if self.niveau == "france":
            if self.code is not None:
                raise ValueError("Le périmètre « france » ne prend pas de code.")
            return
        if not isinstance(self.code, str) or not self.code:
            raise ValueError(f"Le périmètre « {self.niveau} » demande un code (texte non vide).")
        if self.niveau == "strate":
            dep, sep, strate = self.code.partition(":")
            if not sep or not dep:
                raise ValueError(
                    "Code de strate attendu sous la forme « DÉPARTEMENT:STRATE », par exemple "
                    "« 48:COMMUNE_20_49 »."
                )
            if strate not in STRATES:
                raise ValueError(
                    f"Strate inconnue « {strate} » : strates admises : {', '.join(STRATES)}."
                )

    @property
    def departement_strate(self) -> tuple[str, str]:
        """(département, code de strate) of a ``strate`` perimeter."""
        dep, _, strate = self.code.partition(":")
        return dep, strate

    def description(self) -> dict:
        """The perimeter as a dict (without the years), as stored in ``IndicatorTable.perimetre``."""
        if self.niveau == "employeur":
            return {"niveau": "employeur", "siret": self.code}
        if self.niveau == "epci":
            return {"niveau": "epci", "siren": self.code}
        if self.niveau == "strate":
            dep, strate = self.departement_strate
            return {"niveau": "strate", "departement": dep, "strate": strate, "libelle": STRATES[strate]}
        if self.niveau == "france":
            return {"niveau": "france"}
        if self.niveau == "employeurs":
            return {"niveau": "employeurs", "departement": self.code}
        return {"niveau": self.niveau, self.niveau: self.code}


def annee_predicate(alias: str, serie: bool) -> str:
    """Years filter on ``alias`` (internal alias); uses ``$annee`` or ``$annee_min/max`` and ``$annees``."""
    if serie:
        # BETWEEN lets DuckDB prune row groups; list_contains keeps only the years asked.
        return (f"{alias}.annee BETWEEN $annee_min AND $annee_max "
                f"AND list_contains($annees, CAST({alias}.annee AS INTEGER))")
    return f"{alias}.annee = $annee"


def scope_sql(per: Perimetre, serie: bool) -> tuple[list[str], str, dict]:
    """(CTEs, predicate template on ``{t}``, parameters) restricting rows to the perimeter.

    The predicate is a template with ``{t}`` standing for the alias of a table carrying
    ``annee`` and ``siret`` (agent, absence, formation, employeur).
    """
    years_e = annee_predicate("e", serie)
    if per.niveau == "employeur":
        return [], "{t}.siret = $siret", {"siret": per.code}
    if per.niveau == "france":
        return [], "TRUE", {}
    if per.niveau in ("departement", "employeurs"):
        where, params = "e.departement = $code", {"code": per.code}
    elif per.niveau == "region":
        where, params = "e.region = $code", {"code": per.code}
    elif per.niveau == "epci":
        where, params = "(e.epci_siren = $code OR e.siren = $code)", {"code": per.code}
    else:  # strate
        dep, strate = per.departement_strate
        years_a = annee_predicate("a", serie)
        cte = (
            "perim AS (SELECT e.annee, e.siret FROM employeur e "
            "LEFT JOIN (SELECT a.annee, a.siret, count(*) AS n FROM agent a "
            f"WHERE {years_a} AND {POP_PERMANENT_31_12} AND a.siret IN "
            f"(SELECT siret FROM employeur e WHERE {years_e} AND e.departement = $dep) "
            "GROUP BY a.annee, a.siret) h ON h.annee = e.annee AND h.siret = e.siret "
            f"WHERE {years_e} AND e.departement = $dep "
            f"AND ({strate_sql('e.type', 'coalesce(h.n, 0)')}) = $strate)"
        )
        return [cte], _perim_predicate(), {"dep": dep, "strate": strate}
    cte = f"perim AS (SELECT e.annee, e.siret FROM employeur e WHERE {years_e} AND {where})"
    return [cte], _perim_predicate(), params


def _perim_predicate() -> str:
    return "EXISTS (SELECT 1 FROM perim p WHERE p.annee = {t}.annee AND p.siret = {t}.siret)"


def strate_of(con: duckdb.DuckDBPyConnection, siret: str, annee: int) -> str:
    """Code de la strate (clé de ``STRATES``) de l'employeur ``siret`` pour l'année ``annee``.

    Calculé en SQL à partir du type de l'employeur et de son effectif permanent au 31/12.
    Pour un périmètre : ``Perimetre("strate", f"{departement}:{strate_of(con, siret, annee)}")``.
    Lève ``ValueError`` si l'employeur n'est pas dans l'entrepôt pour cette année.
    """
    # The headcount is computed once, below the CASE that compares it with every bound
    # (written in the CASE, the sub-query would be planned once per bound: 30 ms).
    row = con.execute(
        "SELECT " + strate_sql("type", "n") + " FROM (SELECT e.type, (SELECT count(*) FROM agent a "
        f"WHERE a.annee = $annee AND a.siret = $siret AND {POP_PERMANENT_31_12}) AS n "
        "FROM employeur e WHERE e.annee = $annee AND e.siret = $siret)",
        {"annee": int(annee), "siret": siret},
    ).fetchone()
    if row is None:
        raise ValueError(f"Employeur {siret} absent de l'entrepôt pour l'année {int(annee)}.")
    return row[0]


def employeur_info(con: duckdb.DuckDBPyConnection, siret: str, annee: int) -> dict:
    """Département, région, SIREN d'EPCI, type and strate of an employer-year."""
    row = con.execute(
        "SELECT departement, region, epci_siren, siren, type, nom FROM employeur "
        "WHERE annee = $annee AND siret = $siret",
        {"annee": int(annee), "siret": siret},
    ).fetchone()
    if row is None:
        raise ValueError(f"Employeur {siret} absent de l'entrepôt pour l'année {int(annee)}.")
    keys = ("departement", "region", "epci_siren", "siren", "type", "nom")
    info = dict(zip(keys, row))
    info["strate"] = strate_of(con, siret, annee)
    return info
