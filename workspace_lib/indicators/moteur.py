"""The engine shared by all indicators: tables, registry, dimensions, SQL building, execution.

Every SQL text here is assembled from fixed fragments written in this package (dimension
expressions of a whitelist, population predicates, aggregate formulas). Values coming from the
caller (SIRET, codes, years, lists of motifs) are always bound parameters (``$name``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from .perimetre import POP_PERMANENT_31_12, Perimetre, annee_predicate, scope_sql

ENSEMBLE = "Ensemble"
NON_RENSEIGNE = "NON_RENSEIGNE"
MESURES = ("effectif", "jours", "montant", "taux")
MAX_DIMENSIONS = 5

STATUTS_PERMANENTS = ("TITULAIRE", "STAGIAIRE", "CONTRACTUEL_PERMANENT")
POSITIONS_REMUNEREES = ("ACTIVITE", "MAD")
MOTIFS_MEDICAUX = (
    "MALADIE_ORDINAIRE", "LONGUE_MALADIE", "LONGUE_DUREE", "GRAVE_MALADIE",
    "ACCIDENT_SERVICE", "ACCIDENT_TRAJET", "MALADIE_PROFESSIONNELLE",
)
MOTIFS_GLOBAUX = MOTIFS_MEDICAUX + ("MATERNITE", "PATERNITE", "ADOPTION", "AUTRE")

# --- populations (static SQL on the agent alias ``a``) ----------------------------------------
POPULATIONS = {
    # effectif permanent au 31/12
    "permanent_31_12": POP_PERMANENT_31_12,
    # effectif total au 31/12: every statut, paid positions
    "total_31_12": "a.present_31_12 AND a.position IN ('ACTIVITE', 'MAD')",
    # agents permanents rémunérés dans l'année (présents ou non au 31/12)
    "permanent_annee": "a.statut IN ('TITULAIRE', 'STAGIAIRE', 'CONTRACTUEL_PERMANENT') AND a.jours_remuneres > 0",
    # tous les agents rémunérés dans l'année
    "total_annee": "a.jours_remuneres > 0",
    # mouvements : agents de statut permanent de l'année, toutes positions, présents ou non
    "permanent_mouvements": "a.statut IN ('TITULAIRE', 'STAGIAIRE', 'CONTRACTUEL_PERMANENT')",
    "total_mouvements": "TRUE",
}

# Days of the year of the row (365, or 366 in leap years).
JOURS_ANNEE_SQL = "(make_date(CAST(a.annee AS INTEGER) + 1, 1, 1) - make_date(CAST(a.annee AS INTEGER), 1, 1))"
AGE_SQL = "(CAST(a.annee AS INTEGER) - CAST(a.annee_naissance AS INTEGER))"
ETP_SQL = "(a.quotite / 100.0) * (a.heures_hebdo / 35.0)"
ETPR_SQL = f"(a.quotite / 100.0) * (a.heures_hebdo / 35.0) * (a.jours_remuneres / {JOURS_ANNEE_SQL})"

TRANCHE_AGE_SQL = (
    f"CASE WHEN {AGE_SQL} < 20 THEN 'moins de 20 ans' WHEN {AGE_SQL} >= 65 THEN '65 ans et plus' "
    f"ELSE CAST({AGE_SQL} // 5 * 5 AS VARCHAR) || '-' || CAST({AGE_SQL} // 5 * 5 + 4 AS VARCHAR) || ' ans' END"
)

# --- whitelist of dimensions -------------------------------------------------------------------
# name -> SQL expression. ``a`` is the agent row, ``e`` its employer-year, ``x`` a detail row
# (absence or formation). Their French headers in reports: exporters._common.LIBELLES_DIMENSIONS.
DIMENSIONS: dict[str, str] = {
    "sexe": "a.sexe",
    "statut": "a.statut",
    "statut_groupe": (
        "CASE WHEN a.statut IN ('TITULAIRE', 'STAGIAIRE') THEN 'FONCTIONNAIRE' "
        "WHEN a.statut IN ('CONTRACTUEL_PERMANENT', 'CONTRACTUEL_NON_PERMANENT') THEN 'CONTRACTUEL' "
        "ELSE 'AUTRE' END"
    ),
    "categorie": f"coalesce(a.categorie, '{NON_RENSEIGNE}')",
    "filiere": "a.filiere",
    "tranche_age": TRANCHE_AGE_SQL,
    "temps_travail": "a.temps_travail",
    "temps_partiel": "CASE WHEN a.quotite < 100 THEN 'TEMPS_PARTIEL' ELSE 'TEMPS_PLEIN' END",
    "position": "a.position",
    "motif_entree": f"coalesce(a.motif_entree, '{NON_RENSEIGNE}')",
    "motif_sortie": f"coalesce(a.motif_sortie, '{NON_RENSEIGNE}')",
    "type_employeur": "e.type",
    "departement": "e.departement",
    "region": f"coalesce(e.region, '{NON_RENSEIGNE}')",
    "commune": f"coalesce(e.code_insee, '{NON_RENSEIGNE}')",
    "epci": f"coalesce(e.epci_siren, '{NON_RENSEIGNE}')",
    "employeur": "e.siret",
    "motif": "x.motif",
    "type_formation": "x.type_formation",
    "organisme": "x.organisme",
}
DIMS_AGENT = ("sexe", "statut", "statut_groupe", "categorie", "filiere", "tranche_age",
              "temps_travail", "temps_partiel", "position", "type_employeur", "departement", "region",
              "commune", "epci", "employeur")
DIMS_EMPLOYEUR = ("type_employeur", "departement", "region", "commune", "epci", "employeur")
DIMS_DETAIL = ("motif", "type_formation", "organisme")


# --- results -------------------------------------------------------------------------------------
@dataclass
class IndicatorTable:
    """Le résultat d'un indicateur : un tableau de cellules et ses métadonnées.

    ``cells`` a une colonne texte par dimension (le total est le membre ``"Ensemble"`` ; pour
    une série, ``annee`` est une dimension texte sans total), puis ``valeur``, et pour le
    contrôle du secret : ``effectif`` (agents distincts de la cellule), ``nb_employeurs``
    (employeurs distincts), ``part_max`` (cellules de montants : part du plus gros contributeur,
    de 0 à 1). Les taux ont aussi ``numerateur``, ``denominateur`` et ``effectif_numerateur``
    (agents distincts qui contribuent au numérateur). Une cellule sans aucun agent n'existe pas.
    """

    id: str
    titre: str
    mesure: str
    unite: str
    perimetre: dict
    dimensions: list[str]
    cells: pd.DataFrame
    definition: str = ""

    def total(self, annee: int | None = None) -> float | None:
        """Valeur du total général (toutes dimensions à « Ensemble »), ``None`` si vide."""
        cells = self.cells
        for dim in self.dimensions:
            if dim == "annee":
                if annee is None:
                    raise ValueError("Série : précisez l'année du total voulu (annee=...).")
                cells = cells[cells["annee"] == str(int(annee))]
            else:
                cells = cells[cells[dim] == ENSEMBLE]
        if cells.empty:
            return None
        value = cells["valeur"].iloc[0]
        return None if pd.isna(value) else float(value)

    def cellule(self, **membres: str) -> pd.Series:
        """The row whose dimensions have the given members (the others at ``"Ensemble"``)."""
        cells = self.cells
        for dim in self.dimensions:
            wanted = membres.get(dim, ENSEMBLE)
            cells = cells[cells[dim] == str(wanted)]
        if len(cells) != 1:
            raise KeyError(f"Aucune cellule unique pour {membres} dans {self.id}.")
        return cells.iloc[0]


@dataclass(frozen=True)
class Indicateur:
    """Entrée du registre : la fonction et ce qu'il faut pour la présenter."""

    id: str
    fonction: Callable
    titre: str
    theme: str
    mesure: str
    unite: str
    definition: str
    dimensions_admises: tuple[str, ...] = ()
    dimensions_defaut: tuple[str, ...] = ()
    dimensions_requises: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)


INDICATEURS: dict[str, Indicateur] = {}


def indicateur(id: str, titre: str, theme: str, mesure: str, unite: str, definition: str,
               dimensions: Sequence[str] = (), defaut: Sequence[str] = (),
               requises: Sequence[str] = (), options: dict | None = None):
    """Decorator registering an indicator function in ``INDICATEURS``."""
    if mesure not in MESURES:
        raise ValueError(f"mesure {mesure!r} hors de {MESURES}")
    unknown = set(dimensions) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"dimensions hors liste blanche : {unknown}")

    def register(fn: Callable) -> Callable:
        if id in INDICATEURS:
            raise ValueError(f"indicateur {id} déjà enregistré")
        INDICATEURS[id] = Indicateur(id, fn, titre, theme, mesure, unite, definition,
                                     tuple(dimensions), tuple(defaut), tuple(requises), options or {})
        fn.indicateur_id = id
        return fn

    return register


# --- validation of the arguments ---------------------------------------------------------------
def valider_annees(annee) -> tuple[list[int], bool]:
    """(years, is_series) from an int or a list of ints."""
    if isinstance(annee, bool):
        raise ValueError("Année invalide : un entier (2024) ou une liste d'entiers ([2023, 2024]).")
    if isinstance(annee, int):
        return [annee], False
    if isinstance(annee, (list, tuple)) and annee and all(
            isinstance(y, int) and not isinstance(y, bool) for y in annee):
        if len(set(annee)) != len(annee):
            raise ValueError("Série d'années avec des doublons.")
        return sorted(annee), True
    raise ValueError("Année invalide : un entier (2024) ou une liste non vide d'entiers ([2023, 2024]).")


def valider_dimensions(ind: Indicateur, dimensions) -> list[str]:
    """The dimensions asked, checked against the indicator's whitelist (French errors)."""
    if dimensions is None:
        dims = list(ind.dimensions_defaut)
    elif isinstance(dimensions, str):
        dims = [dimensions]
    else:
        dims = list(dimensions)
    admises = ", ".join(ind.dimensions_admises) or "aucune"
    for d in dims:
        if not isinstance(d, str):
            raise ValueError(f"Dimension invalide {d!r} : un nom de dimension (texte) est attendu.")
        if d == "annee":
            raise ValueError("« annee » n'est pas une dimension à demander : passez une liste "
                             "d'années (annee=[2023, 2024]) pour obtenir une série.")
        if d not in ind.dimensions_admises:
            raise ValueError(f"Dimension « {d} » non admise pour l'indicateur « {ind.id} » : "
                             f"dimensions admises : {admises}.")
    if len(set(dims)) != len(dims):
        raise ValueError(f"Dimension demandée deux fois pour l'indicateur « {ind.id} ».")
    for d in ind.dimensions_requises:
        if d not in dims:
            raise ValueError(f"L'indicateur « {ind.id} » exige la dimension « {d} ».")
    if len(dims) > MAX_DIMENSIONS:
        raise ValueError(f"Au plus {MAX_DIMENSIONS} dimensions à la fois.")
    return dims


def valider_option(ind_id: str, nom: str, valeur, admises: Sequence[str]) -> str:
    if valeur not in admises:
        raise ValueError(f"Option {nom}={valeur!r} invalide pour l'indicateur « {ind_id} » : "
                         f"valeurs admises : {', '.join(map(str, admises))}.")
    return valeur


# --- SQL building --------------------------------------------------------------------------------
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def execute(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> pd.DataFrame:
    """Run ``sql`` with only the bound parameters it uses."""
    used = set(_PARAM.findall(sql))
    missing = used - set(params)
    if missing:
        raise RuntimeError(f"paramètres manquants : {missing}")
    return con.execute(sql, {k: v for k, v in params.items() if k in used}).df()


class Contexte:
    """Perimeter, years and dimensions of one computation, and the SQL pieces derived from them."""

    def __init__(self, ind: Indicateur, perimetre: Perimetre, annee, dimensions):
        if not isinstance(perimetre, Perimetre):
            raise ValueError("perimetre : un objet Perimetre est attendu, par ex. Perimetre('employeur', siret).")
        self.ind = ind
        self.perimetre = perimetre
        self.annees, self.serie = valider_annees(annee)
        self.dims = valider_dimensions(ind, dimensions)
        # Keys without a total: the employer of a perimeter "employeurs" (first: each employer's
        # rows come together), the year of a series.
        self.cles = (["siret"] if perimetre.niveau == "employeurs" else []) + (["annee"] if self.serie else [])
        self.ctes, self._scope, self.params = scope_sql(perimetre, self.serie)
        self.params = dict(self.params)
        if self.serie:
            self.params.update(annees=self.annees, annee_min=min(self.annees), annee_max=max(self.annees))
        else:
            self.params["annee"] = self.annees[0]

    # pieces on a table alias
    def annees_sql(self, alias: str) -> str:
        return annee_predicate(alias, self.serie)

    def scope(self, alias: str) -> str:
        return self._scope.format(t=alias)

    def filtre(self, alias: str) -> str:
        return f"{self.annees_sql(alias)} AND {self.scope(alias)}"

    @property
    def dims_agent(self) -> list[str]:
        return [d for d in self.dims if d not in DIMS_DETAIL]

    @property
    def dims_detail(self) -> list[str]:
        return [d for d in self.dims if d in DIMS_DETAIL]

    def besoin_employeur(self, dims: Sequence[str] | None = None) -> bool:
        return any(d in DIMS_EMPLOYEUR for d in (self.dims if dims is None else dims))

    def with_(self, *ctes: str) -> str:
        all_ctes = list(self.ctes) + [c for c in ctes if c]
        return ("WITH " + ",\n".join(all_ctes) + "\n") if all_ctes else ""

    def group_by(self, dims: Sequence[str]) -> str:
        """GROUP BY with CUBE over ``dims`` (columns ``d_<dim>``), the keys (:attr:`cles`) without total."""
        cols = [f"d_{d}" for d in dims]
        parts = list(self.cles) + ([f"CUBE({', '.join(cols)})"] if cols else [])
        return ("GROUP BY " + ", ".join(parts)) if parts else ""

    def labels(self, dims: Sequence[str]) -> str:
        """Select list of the keys and of the dimension labels of a cube (``Ensemble`` on margins)."""
        cols = ["CAST(annee AS VARCHAR) AS annee" if k == "annee" else k for k in self.cles]
        cols += [f"CASE WHEN GROUPING(d_{d}) = 1 THEN '{ENSEMBLE}' ELSE d_{d} END AS {d}" for d in dims]
        return ", ".join(cols)

    def colonnes_dimensions(self) -> list[str]:
        return list(self.cles) + list(self.dims)

    def order_by(self) -> str:
        keys = list(self.cles) + [f"{d} = '{ENSEMBLE}', {d}" for d in self.dims]
        return ("ORDER BY " + ", ".join(keys)) if keys else ""

    def table(self, cells: pd.DataFrame) -> IndicatorTable:
        ind = self.ind
        desc = self.perimetre.description()
        desc["annee"] = list(self.annees) if self.serie else self.annees[0]
        for c in self.colonnes_dimensions():
            cells[c] = cells[c].astype(str)
        for c in ("effectif", "nb_employeurs", "effectif_numerateur"):
            if c in cells:
                cells[c] = cells[c].fillna(0).astype("int64")
        for c in cells.columns:
            if c not in self.colonnes_dimensions() and c not in ("effectif", "nb_employeurs", "effectif_numerateur"):
                cells[c] = cells[c].astype("float64")
        return IndicatorTable(ind.id, ind.titre, ind.mesure, ind.unite, desc,
                              self.colonnes_dimensions(), cells.reset_index(drop=True), ind.definition)


def _dim_select(dims: Sequence[str]) -> str:
    return "".join(f", {DIMENSIONS[d]} AS d_{d}" for d in dims)


def _join_employeur(ctx: Contexte, dims: Sequence[str]) -> str:
    if not ctx.besoin_employeur(dims):
        return ""
    return " JOIN employeur e ON e.annee = a.annee AND e.siret = a.siret"


# --- engine A: one row per agent, one cube ----------------------------------------------------
def cube_agents(con, ind_id: str, perimetre: Perimetre, annee, dimensions, *, population: str,
                colonnes: dict[str, str], sorties: dict[str, str], where: str = "",
                ctes: Sequence[str] = (), params: dict | None = None,
                repartition: str | None = None) -> IndicatorTable:
    """Cube over the agents of ``population``.

    ``colonnes``: per-agent columns of the ``base`` CTE (name -> SQL on ``a``);
    ``sorties``: output columns (name -> aggregate SQL over ``base``), in order. ``effectif``
    (count of agent rows) and ``nb_employeurs`` are added unless given. With ``repartition``
    (a dimension of the cube), ``sorties`` must give ``numerateur`` and the value is the share
    (%) of each member in the cell where that dimension is "Ensemble".
    """
    ind = INDICATEURS[ind_id]
    ctx = Contexte(ind, perimetre, annee, dimensions)
    if params:
        ctx.params.update(params)
    dims = ctx.dims
    cols = "".join(f", {sql} AS {name}" for name, sql in colonnes.items())
    base = (
        f"base AS (SELECT a.annee, a.siret, a.agent_id{_dim_select(dims)}{cols} "
        f"FROM agent a{_join_employeur(ctx, dims)} "
        f"WHERE {ctx.filtre('a')} AND {POPULATIONS[population]}{(' AND ' + where) if where else ''})"
    )
    out = dict(sorties)
    out.setdefault("effectif", "count(*)")
    out.setdefault("nb_employeurs", "count(DISTINCT siret)")
    select = ", ".join(([ctx.labels(dims)] if ctx.colonnes_dimensions() else [])
                       + [f"{sql} AS {name}" for name, sql in out.items()])
    sql = f"{ctx.with_(*ctes, base)}SELECT {select} FROM base {ctx.group_by(dims)} HAVING count(*) > 0"
    if repartition:
        # share of each member of ``repartition`` in the cell where it is "Ensemble", the other
        # dimensions (and the year) being the same: a window over the cube's rows.
        autres = [d for d in ctx.colonnes_dimensions() if d != repartition]
        part = f"PARTITION BY {', '.join(autres)}" if autres else ""
        dims_sel = ", ".join(ctx.colonnes_dimensions())
        sql = (f"SELECT {dims_sel}, 100.0 * numerateur / denominateur AS valeur, numerateur, denominateur, "
               f"effectif, nb_employeurs FROM (SELECT *, max(CASE WHEN {repartition} = '{ENSEMBLE}' "
               f"THEN numerateur END) OVER ({part}) AS denominateur FROM ({sql}) cube) r")
    return ctx.table(execute(con, f"{sql} {ctx.order_by()}", ctx.params))


def ratio(num: str, den: str, facteur: float = 1.0) -> dict[str, str]:
    """Output columns of a ratio: valeur = facteur × num / den, with numerator and denominator."""
    f = "" if facteur == 1 else f"{float(facteur)!r} * "
    return {
        "valeur": f"CASE WHEN {den} = 0 THEN NULL ELSE {f}({num}) / ({den}) END",
        "numerateur": num,
        "denominateur": den,
    }


# --- engine B: agents (denominator) and detail rows (numerator), two cubes ---------------------
def cube_detail(con, ind_id: str, perimetre: Perimetre, annee, dimensions, *, population: str,
                table: str, detail_where: str, detail_params: dict,
                p_aggs: dict[str, str], d_aggs: dict[str, str], sorties: dict[str, str]) -> IndicatorTable:
    """Denominators over the agents of ``population`` and numerators over their detail rows.

    ``table`` is ``absence`` or ``formation`` (alias ``x``), restricted by ``detail_where``.
    ``p_aggs`` are aggregates over the agents (``base``), ``d_aggs`` over the detail rows joined
    to their agent (``det``); ``sorties`` combine them (names ``p.<n>`` / ``d.<n>``, missing
    detail aggregates count as 0). Every cell of the agents' cube is crossed with every member
    of the detail dimensions seen in the perimeter, so a member without detail rows is a 0.
    """
    if table not in ("absence", "formation"):
        raise ValueError(table)
    ind = INDICATEURS[ind_id]
    ctx = Contexte(ind, perimetre, annee, dimensions)
    ctx.params.update(detail_params)
    da, dd = ctx.dims_agent, ctx.dims_detail
    # Distinct agents of the detail side are counted on ``h``, the 64-bit hash of the pseudonym
    # (a 128-bit HMAC): about 4 times cheaper than on the text; two of 2 million agents share a
    # hash with a probability of about 1e-7, which would undercount by one agent.
    base = (
        # For one employer, ``base`` is small and materialised once; for larger perimeters it is
        # cheaper to scan the agents twice than to materialise millions of rows.
        f"base AS {'' if perimetre.niveau == 'employeur' else 'NOT MATERIALIZED '}"
        f"(SELECT a.annee, a.siret, a.agent_id, hash(a.agent_id) AS h{_dim_select(da)}, "
        f"{JOURS_ANNEE_SQL} AS jours_annee "
        f"FROM agent a{_join_employeur(ctx, da)} WHERE {ctx.filtre('a')} AND {POPULATIONS[population]})"
    )
    if not dd:
        return ctx.table(execute(con, _detail_par_agent(ctx, base, table, detail_where, p_aggs, d_aggs, sorties),
                                 ctx.params))
    det_cols = "".join(f", {DIMENSIONS[d]} AS d_{d}" for d in dd)
    det = (
        # joined on the 64-bit hash of the pseudonym first (much cheaper than on the 32-character
        # text), then on the pseudonym itself so that the join stays exact. The pseudonym is an
        # HMAC of siret:matricule, so equal pseudonyms are the same agent of the same employer.
        f"det AS (SELECT b.*{det_cols}, x.* EXCLUDE (annee, siret, agent_id, import_id) "
        f"FROM {table} x JOIN base b ON b.h = hash(x.agent_id) AND b.agent_id = x.agent_id AND b.annee = x.annee "
        f"WHERE {ctx.filtre('x')} AND {detail_where})"
    )
    p_sel = ", ".join(([ctx.labels(da)] if da or ctx.cles else [])
                      + ["count(*) AS p_effectif", "count(DISTINCT siret) AS p_employeurs"]
                      + [f"{sql} AS {n}" for n, sql in p_aggs.items()])
    p = f"p AS (SELECT {p_sel} FROM base {ctx.group_by(da)} HAVING count(*) > 0)"
    d_sel = ", ".join(([ctx.labels(da + dd)] if (da or dd or ctx.cles) else [])
                      + ["count(DISTINCT h) AS d_agents", "count(DISTINCT siret) AS d_employeurs"]
                      + [f"{sql} AS {n}" for n, sql in d_aggs.items()])
    d = f"d AS (SELECT {d_sel} FROM det {ctx.group_by(da + dd)})"
    if dd:
        # the members of the detail dimensions seen in the perimeter (for each key: each year of
        # a series, each employer of a perimeter "employeurs")
        members = ", ".join(ctx.cles + dd)
        ens = ", ".join(ctx.cles + [f"'{ENSEMBLE}' AS {x}" for x in dd])
        m = f"m AS (SELECT DISTINCT {members} FROM d UNION SELECT DISTINCT {ens} FROM p)"
        from_ = (f"p JOIN m ON {' AND '.join(f'm.{k} = p.{k}' for k in ctx.cles)}" if ctx.cles
                 else "p CROSS JOIN m")
    else:
        m = ""
        from_ = "p"
    keys = ctx.cles + da
    on = [f"d.{k} = p.{k}" for k in keys] + [f"d.{k} = m.{k}" for k in dd]
    join = f" LEFT JOIN d ON {' AND '.join(on)}" if on else " LEFT JOIN d ON TRUE"
    coalesced = {n: f"coalesce(d.{n}, 0)" for n in ["d_agents", "d_employeurs", *d_aggs]}

    def sub(expr: str) -> str:
        return re.sub(r"\bd\.(\w+)", lambda mo: coalesced.get(mo.group(1), mo.group(0)), expr)

    dim_cols = [f"p.{k} AS {k}" for k in keys] + [f"m.{k} AS {k}" for k in dd]
    out = {n: sub(sql) for n, sql in sorties.items()}
    out.setdefault("effectif", "p.p_effectif")
    out.setdefault("nb_employeurs", "p.p_employeurs")
    out.setdefault("effectif_numerateur", coalesced["d_agents"])
    select = ", ".join(dim_cols + [f"{sql} AS {n}" for n, sql in out.items()])
    sql = f"{ctx.with_(base, det, p, d, m)}SELECT * FROM (SELECT {select} FROM {from_}{join}) q {ctx.order_by()}"
    return ctx.table(execute(con, sql, ctx.params))


def _detail_par_agent(ctx: Contexte, base: str, table: str, detail_where: str, p_aggs: dict[str, str],
                      d_aggs: dict[str, str], sorties: dict[str, str]) -> str:
    """Engine B without detail dimension: the detail rows summed per agent, joined to the agents
    (one row each), one cube. Smaller plan (faster for one employer) and exact agent counts."""
    da = ctx.dims_agent
    per_agent = ", ".join(f"{sql} AS {n}" for n, sql in d_aggs.items())
    xa = (f"xa AS (SELECT x.annee AS xa_annee, x.agent_id AS xa_agent_id, hash(x.agent_id) AS xa_h, {per_agent} "
          f"FROM {table} x WHERE {ctx.filtre('x')} AND {detail_where} GROUP BY x.annee, x.agent_id)")
    names = {"p_effectif": "count(*)", "p_employeurs": "count(DISTINCT siret)",
             "d_agents": "count(xa_h)", "d_employeurs": "count(DISTINCT CASE WHEN xa_h IS NOT NULL THEN siret END)"}
    names.update(p_aggs)
    names.update({n: f"coalesce(sum({n}), 0)" for n in d_aggs})

    def sub(expr: str) -> str:
        return re.sub(r"\b[pd]\.(\w+)", lambda mo: f"({names[mo.group(1)]})", expr)

    out = {n: sub(sql) for n, sql in sorties.items()}
    out.setdefault("effectif", names["p_effectif"])
    out.setdefault("nb_employeurs", names["p_employeurs"])
    out.setdefault("effectif_numerateur", names["d_agents"])
    select = ", ".join(([ctx.labels(da)] if ctx.colonnes_dimensions() else [])
                       + [f"{sql} AS {n}" for n, sql in out.items()])
    return (f"{ctx.with_(base, xa)}SELECT {select} FROM base b LEFT JOIN xa ON xa_h = b.h "
            f"AND xa_agent_id = b.agent_id AND xa_annee = b.annee {ctx.group_by(da)} HAVING count(*) > 0 "
            f"{ctx.order_by()}")


# --- engine C: employer-year amounts ------------------------------------------------------------
def cube_employeurs(con, ind_id: str, perimetre: Perimetre, annee, dimensions, *, montant: str,
                    sorties: dict[str, str]) -> IndicatorTable:
    """Cube over the employers-years of the perimeter that declared ``montant`` (column of
    ``employeur``, from a fixed list) and have at least one agent in the permanent headcount on
    31/12. Columns of ``emp``: ``montant``, ``n`` (permanent headcount on 31/12), ``siret``."""
    ind = INDICATEURS[ind_id]
    ctx = Contexte(ind, perimetre, annee, dimensions)
    dims = ctx.dims
    heads = (f"heads AS (SELECT a.annee, a.siret, count(*) AS n FROM agent a "
             f"WHERE {ctx.filtre('a')} AND {POPULATIONS['permanent_31_12']} GROUP BY a.annee, a.siret)")
    emp = (f"emp AS (SELECT e.annee, e.siret{_dim_select(dims)}, CAST({montant} AS DOUBLE) AS montant, h.n "
           f"FROM employeur e JOIN heads h ON h.annee = e.annee AND h.siret = e.siret "
           f"WHERE {ctx.filtre('e')} AND {montant} IS NOT NULL)")
    out = dict(sorties)
    out.setdefault("effectif", "sum(n)")
    out.setdefault("nb_employeurs", "count(*)")
    out.setdefault("part_max", "CASE WHEN sum(montant) = 0 THEN 0 ELSE max(montant) / sum(montant) END")
    select = ", ".join(([ctx.labels(dims)] if ctx.colonnes_dimensions() else [])
                       + [f"{sql} AS {name}" for name, sql in out.items()])
    sql = (f"{ctx.with_(heads, emp)}SELECT {select} FROM emp {ctx.group_by(dims)} "
           f"HAVING count(*) > 0 {ctx.order_by()}")
    return ctx.table(execute(con, sql, ctx.params))


def contexte(ind_id: str, perimetre: Perimetre, annee, dimensions) -> Contexte:
    return Contexte(INDICATEURS[ind_id], perimetre, annee, dimensions)
