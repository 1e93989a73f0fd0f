"""Row validation of a staged file: types, enumerations, ranges, text safety and coherence.

Each rule is a SQL condition true on the rows that break it, over a view that exposes, for each
column ``c``, its cleaned text ``"v$c"`` and its typed value ``"t$c"``. All rules of a file are
counted in one scan; only the first offending rows of a broken rule are fetched. Constants
(enumerations, accepted booleans...) live in the ``_ref_values`` table, filled with bound
parameters; file values never reach SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from .. import reference
from ..file_formats import FALSE_WORDS, TRUE_WORDS, Column, FileKind, luhn_ok
from .errors import MAX_SHOWN, Problem
from .readers import RawTable

SPACES = r"[\s\x{00A0}\x{202F}]"
TEXT_ALLOWED = r"[\p{L}\p{N}\p{Zs}''’.,()/&°:_+\-]*"  # '' is a quote inside a SQL literal
FORMULA_START = r"^[=+\-@\t\r]"


@dataclass(frozen=True)
class Rule:
    """A rule: rows where ``condition`` holds break it; ``column`` and ``value`` locate it."""

    column: str | None
    condition: str
    message: str
    value: str | None = None


def _v(name: str) -> str:
    return f'"v${name}"'


def _t(name: str) -> str:
    return f'"t${name}"'


def fill_ref_values(con: duckdb.DuckDBPyConnection, kinds: tuple[FileKind, ...]) -> None:
    """Create the table of constants the rules compare with (bound parameters only)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _ref_values (list VARCHAR, value VARCHAR)")
    rows = [("bool_true", w) for w in TRUE_WORDS] + [("bool_false", w) for w in FALSE_WORDS]
    rows += [("departements", c) for c in reference.table("departements")["code"]]
    for kind in kinds:
        for col in kind.columns:
            rows += [(f"{kind.name}.{col.name}", c) for c in col.choices]
    con.executemany("INSERT INTO _ref_values VALUES (?, ?)", rows)


def _in_list(expr: str, list_name: str) -> str:
    # list_name comes from file_formats (code), never from a file.
    return f"{expr} IN (SELECT value FROM _ref_values WHERE list = '{list_name}')"


def _typed(kind: FileKind, col: Column) -> str:
    v = _v(col.name)
    nospace = f"regexp_replace({v}, '{SPACES}', '', 'g')"
    if col.kind == "int":
        d = f"TRY_CAST(replace({nospace}, ',', '.') AS DOUBLE)"
        return f"CASE WHEN {d} = round({d}) THEN TRY_CAST({d} AS BIGINT) END"
    if col.kind == "decimal":
        return f"TRY_CAST(replace({nospace}, ',', '.') AS DOUBLE)"
    if col.kind == "date":
        return (
            f"CAST(coalesce(try_strptime({v}, '%d/%m/%Y'), try_strptime({v}, '%Y-%m-%d'), "
            f"try_strptime({v}, '%Y-%m-%d %H:%M:%S')) AS DATE)"
        )
    if col.kind == "bool":
        word = f"upper(strip_accents({v}))"
        return (
            f"CASE WHEN {_in_list(word, 'bool_true')} THEN true "
            f"WHEN {_in_list(word, 'bool_false')} THEN false END"
        )
    if col.kind == "enum":
        norm = f"upper(regexp_replace(strip_accents({v}), '[\\s\\-]+', '_', 'g'))"
        return f"CASE WHEN {_in_list(norm, f'{kind.name}.{col.name}')} THEN {norm} END"
    if col.kind == "siret":
        return f"CASE WHEN regexp_full_match({nospace}, '[0-9]{{14}}') THEN {nospace} END"
    if col.kind == "nir":
        return f"upper({nospace})"
    if col.kind == "code":
        return f"upper({v})"
    return v  # text, identifier


def staging_view(con: duckdb.DuckDBPyConnection, kind: FileKind, raw: RawTable, view: str) -> None:
    """Create ``view`` over the staged table: cleaned text and typed value of every column."""
    parts = ["_ligne"]
    for col in kind.columns:
        if col.name in raw.columns:
            parts.append(f"nullif(trim(\"{col.name}\"), '') AS {_v(col.name)}")
        else:
            parts.append(f"CAST(NULL AS VARCHAR) AS {_v(col.name)}")
    typed = ", ".join(f"{_typed(kind, col)} AS {_t(col.name)}" for col in kind.columns)
    con.execute(
        f'CREATE OR REPLACE TEMP VIEW "{view}" AS SELECT *, {typed} '
        f'FROM (SELECT {", ".join(parts)} FROM "{raw.table}")'
    )


def _type_message(col: Column) -> str:
    return {
        "int": "nombre entier attendu",
        "decimal": "nombre attendu (virgule ou point comme séparateur décimal)",
        "date": "date attendue au format jj/mm/aaaa",
        "bool": "oui ou non attendu",
        "enum": "valeur inconnue ; valeurs admises : " + ", ".join(col.choices),
        "siret": "SIRET attendu : 14 chiffres",
    }[col.kind]


def _bound(x: float) -> str:
    return f"{x:g}"


def column_rules(col: Column) -> list[Rule]:
    """The rules of one column, from its declaration in file_formats."""
    v, t, name = _v(col.name), _t(col.name), col.name
    rules = []
    if col.required:
        rules.append(Rule(name, f"{v} IS NULL", "valeur obligatoire manquante"))
    if col.kind in ("int", "decimal", "date", "bool", "enum", "siret"):
        rules.append(Rule(name, f"{v} IS NOT NULL AND {t} IS NULL", _type_message(col)))
    if col.minimum is not None:
        rules.append(Rule(
            name,
            f"{t} < {_bound(col.minimum)} OR {t} > {_bound(col.maximum)}",
            f"valeur hors de la plage admise (de {_bound(col.minimum)} à {_bound(col.maximum)})",
        ))
    if col.kind in ("text", "code", "identifier"):
        rules.append(Rule(name, f"length({v}) > {col.max_length}",
                          f"texte trop long (plus de {col.max_length} caractères)"))
        rules.append(Rule(
            name,
            f"regexp_matches({v}, '{FORMULA_START}')",
            "commence par = + - ou @ : refusé, un tableur l'exécuterait comme une formule",
        ))
        rules.append(Rule(
            name,
            f"NOT regexp_full_match({v}, '{TEXT_ALLOWED}')",
            "caractères non autorisés (admis : lettres, chiffres, espaces et ' . , ( ) / & ° : _ + -)",
        ))
    if col.kind == "nir":
        rules += _nir_rules(v, t)
    return rules


def _nir_rules(v: str, t: str) -> list[Rule]:
    well_formed = f"regexp_full_match({t}, '[1-478][0-9]{{4}}(2A|2B|[0-9]{{2}})[0-9]{{8}}')"
    number = f"CAST(replace(replace(substr({t}, 1, 13), '2A', '19'), '2B', '18') AS BIGINT)"
    return [
        Rule("nir", f"{v} IS NOT NULL AND NOT {well_formed}", "NIR attendu : 15 caractères (13 + clé)"),
        Rule("nir", f"{well_formed} AND 97 - {number} % 97 <> CAST(substr({t}, 14, 2) AS INTEGER)",
             "clé du NIR invalide"),
        Rule("nir", f"{well_formed} AND ((substr({t}, 1, 1) IN ('1', '3', '7') AND {_t('sexe')} = 'F') "
             f"OR (substr({t}, 1, 1) IN ('2', '4', '8') AND {_t('sexe')} = 'M'))",
             "NIR incohérent avec le sexe"),
        Rule("nir", f"{well_formed} AND substr({t}, 2, 2) <> strftime({_t('date_naissance')}, '%y')",
             "NIR incohérent avec l'année de naissance"),
    ]


def _year_end(t_year: str) -> str:
    return f"make_date(CAST({t_year} AS BIGINT), 12, 31)"


def row_rules(kind: FileKind) -> list[Rule]:
    """Coherence rules between the columns of one row."""
    t = _t
    end, start = _year_end(t("annee")), f"make_date(CAST({t('annee')} AS BIGINT), 1, 1)"
    days_in_year = f"(make_date(CAST({t('annee')} AS BIGINT) + 1, 1, 1) - {start})"
    if kind.name == "agents":
        return [
            Rule("date_naissance", f"{t('annee')} - year({t('date_naissance')}) NOT BETWEEN 14 AND 80",
                 "âge au 31/12 hors de la plage admise (de 14 à 80 ans)", _v("date_naissance")),
            Rule("date_entree", f"{t('date_entree')} > {end}", "date d'entrée postérieure à la fin de l'année déclarée"),
            Rule("date_sortie", f"{t('date_sortie')} < {start} OR {t('date_sortie')} > {end}",
                 "date de sortie hors de l'année déclarée"),
            Rule("date_sortie", f"{t('date_sortie')} < {t('date_entree')}", "date de sortie antérieure à la date d'entrée"),
            Rule("motif_sortie", f"{t('date_sortie')} IS NOT NULL AND {_v('motif_sortie')} IS NULL",
                 "motif de sortie obligatoire quand une date de sortie est indiquée"),
            Rule("date_sortie", f"{t('motif_sortie')} IS NOT NULL AND {_v('date_sortie')} IS NULL",
                 "date de sortie obligatoire quand un motif de sortie est indiqué"),
            Rule("present_31_12", f"{t('present_31_12')} AND {t('date_sortie')} < {end}",
                 "agent déclaré présent au 31/12 alors qu'il est sorti avant"),
            Rule("regime_indemnitaire",
                 f"coalesce({t('regime_indemnitaire')}, 0) + coalesce({t('nbi')}, 0) > {t('remuneration_brute')} + 0.005",
                 "régime indemnitaire et NBI dépassent la rémunération brute"),
            Rule("heures_hebdo", f"{t('temps_travail')} = 'COMPLET' AND {t('heures_hebdo')} < 35",
                 "temps complet déclaré avec moins de 35 heures hebdomadaires"),
            Rule("heures_hebdo", f"{t('temps_travail')} = 'NON_COMPLET' AND {t('heures_hebdo')} >= 35",
                 "temps non complet déclaré avec 35 heures hebdomadaires ou plus"),
            Rule("categorie", f"{t('statut')} IN ('TITULAIRE', 'STAGIAIRE') AND {_v('categorie')} IS NULL",
                 "catégorie obligatoire pour un fonctionnaire (titulaire ou stagiaire)"),
            Rule("jours_remuneres", f"{t('jours_remuneres')} > {days_in_year}",
                 "plus de jours rémunérés que de jours dans l'année"),
        ]
    if kind.name == "absences":
        return [
            Rule("nb_arrets", f"{t('nb_arrets')} > {t('jours')}", "plus d'arrêts que de jours d'absence"),
            Rule("jours", f"{t('jours')} > {days_in_year}", "plus de jours d'absence que de jours dans l'année"),
        ]
    if kind.name == "formations":
        return [Rule("jours", f"{t('jours')} > {days_in_year}",
                     "plus de jours de formation que de jours dans l'année")]
    if kind.name == "employeurs":
        return [Rule("departement", f"{_v('departement')} IS NOT NULL AND NOT "
                     + _in_list(t("departement"), "departements"), "département inconnu")]
    return []


def check_rows(con: duckdb.DuckDBPyConnection, kind: FileKind, raw: RawTable, view: str,
               year_asked: int | None) -> tuple[list[Problem], int]:
    """Run every rule of the file over ``view``; return the first problems and their total."""
    rules = [r for col in kind.columns for r in column_rules(col)] + row_rules(kind)
    if year_asked is not None:
        rules.append(Rule("annee", f"{_t('annee')} <> {int(year_asked)}",
                          f"année différente de celle demandée (--annee {int(year_asked)})"))
    counts = con.execute(
        "SELECT " + ", ".join(f"count_if({r.condition})" for r in rules) + f' FROM "{view}"'
    ).fetchone()
    problems: list[Problem] = []
    total = 0
    for rule, count in zip(rules, counts):
        if not count:
            continue
        total += count
        if len(problems) >= MAX_SHOWN:
            continue
        value = rule.value or (_v(rule.column) if rule.column else "NULL")
        for row, val in con.execute(
            f'SELECT _ligne, {value} FROM "{view}" WHERE {rule.condition} ORDER BY _ligne LIMIT {MAX_SHOWN}'
        ).fetchall():
            problems.append(Problem(raw.source, row=row, column=rule.column, value=val, rule=rule.message))
    siret_problems, siret_total = _check_siret_keys(con, raw, view)
    return problems + siret_problems, total + siret_total


def _check_siret_keys(con: duckdb.DuckDBPyConnection, raw: RawTable, view: str) -> tuple[list[Problem], int]:
    """Luhn check of the SIRET numbers (on the distinct values: a handful per file)."""
    bad = [s for (s,) in con.execute(f'SELECT DISTINCT "t$siret" FROM "{view}" WHERE "t$siret" IS NOT NULL').fetchall()
           if not luhn_ok(s)]
    if not bad:
        return [], 0
    rows = con.execute(
        f'SELECT _ligne, "t$siret" FROM "{view}" WHERE list_contains(?, "t$siret") ORDER BY _ligne',
        [bad],
    ).fetchall()
    problems = [Problem(raw.source, row=r, column="siret", value=s, rule="SIRET invalide (clé de contrôle fausse)")
                for r, s in rows[:MAX_SHOWN]]
    return problems, len(rows)
