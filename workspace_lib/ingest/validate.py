"""Row validation of a staged file: types, enumerations, ranges, text safety and coherence.

A view over the staged text exposes, for each column ``c``, its cleaned text ``"v$c"`` and its
typed value ``"t$c"``. One pass materialises the checked table: the typed value as ``"c"``, a
flag ``"n$c"`` telling that the cell was empty, and the pseudonym. Each rule is a SQL condition
over that table, true on the rows that break it; all rules of a file are counted in one scan,
and only the first offending rows of a broken rule are fetched, with their original text.
Constants (enumerations, accepted booleans...) are DuckDB variables set with bound parameters;
file values never reach SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from .. import reference
from ..fr import nombre
from ..file_formats import FALSE_WORDS, TRUE_WORDS, Column, FileKind
from .errors import MAX_SHOWN, Problem
from .readers import RawTable

SPACES = r"[\s\x{00A0}\x{202F}]"
TEXT_ALLOWED = r"[\p{L}\p{N}\p{Zs}''’.,()/&°:_+\-«»–—“”…]*"  # '' is a quote inside a SQL literal
# Kinds of columns holding personal data: an error report never repeats their values.
PERSONAL_KINDS = ("identifier", "nir")


@dataclass(frozen=True)
class Rule:
    """A rule: rows where ``condition`` holds break it; ``column`` locates it."""

    column: str | None
    condition: str
    message: str


def _v(name: str) -> str:
    """Cleaned text of a column, in the staging view."""
    return f'"v${name}"'


def _typed_name(name: str) -> str:
    """Typed value of a column, in the staging view."""
    return f'"t${name}"'


def _t(name: str) -> str:
    """Typed value of a column, in the checked table."""
    return f'"{name}"'


def _n(name: str) -> str:
    """True where the cell was empty, in the checked table."""
    return f'"n${name}"'


def _variable(list_name: str) -> str:
    return "ref_" + list_name.replace(".", "_")


def fill_ref_values(con: duckdb.DuckDBPyConnection, kinds: tuple[FileKind, ...]) -> None:
    """Set the lists of constants the rules compare with, as DuckDB variables (bound parameters)."""
    lists = {"bool_true": list(TRUE_WORDS), "bool_false": list(FALSE_WORDS),
             "departements": list(reference.departement_codes())}
    for kind in kinds:
        for col in kind.columns:
            if col.choices:
                lists[f"{kind.name}.{col.name}"] = list(col.choices)
    for name, values in lists.items():
        con.execute(f"SET VARIABLE {_variable(name)} = ?", [values])


def _in_list(expr: str, list_name: str) -> str:
    # list_name comes from file_formats (code), never from a file.
    return f"list_contains(getvariable('{_variable(list_name)}'), {expr})"


def _typed(kind: FileKind, col: Column) -> str:
    """SQL of a column's typed value; NULL where the text does not fit the type.

    Each conversion tries the common spelling first and normalises only the rows that need
    it (a CASE evaluates its ELSE branch on the remaining rows only).
    """
    v = _v(col.name)
    nospace = f"regexp_replace({v}, '{SPACES}', '', 'g')"
    if col.kind in ("int", "decimal"):
        d = f"coalesce(TRY_CAST(replace({v}, ',', '.') AS DOUBLE), TRY_CAST(replace({nospace}, ',', '.') AS DOUBLE))"
        if col.kind == "decimal":
            return d
        return f"CASE WHEN {d} = round({d}) THEN TRY_CAST({d} AS BIGINT) END"
    if col.kind == "date":
        return (
            f"CAST(CASE WHEN try_strptime({v}, '%d/%m/%Y') IS NOT NULL THEN try_strptime({v}, '%d/%m/%Y') "
            f"ELSE coalesce(try_strptime({v}, '%Y-%m-%d'), try_strptime({v}, '%Y-%m-%d %H:%M:%S')) END AS DATE)"
        )
    if col.kind == "bool":
        word = f"upper({v})"
        return (
            f"CASE WHEN {_in_list(word, 'bool_true')} THEN true "
            f"WHEN {_in_list(word, 'bool_false')} THEN false END"
        )
    if col.kind == "enum":
        choices = f"{kind.name}.{col.name}"
        norm = f"upper(regexp_replace(strip_accents({v}), '[\\s\\-]+', '_', 'g'))"
        return (f"CASE WHEN {_in_list(v, choices)} THEN {v} "
                f"WHEN {_in_list(norm, choices)} THEN {norm} END")
    if col.kind == "siret":
        return (f"CASE WHEN regexp_full_match({v}, '[0-9]{{14}}') THEN {v} "
                f"WHEN regexp_full_match({nospace}, '[0-9]{{14}}') THEN {nospace} END")
    if col.kind == "nir":
        return f"upper({nospace})"
    if col.kind == "code":
        return f"upper({v})"
    return v  # text, identifier


def staging_view(con: duckdb.DuckDBPyConnection, kind: FileKind, raw: RawTable, view: str) -> None:
    """Create ``view`` over the staged table: cleaned text and typed value of every column."""
    parts = [f"{raw.line_sql} AS _ligne"]
    for col in kind.columns:
        if col.name in raw.columns:
            parts.append(f"nullif(trim(\"{col.name}\"), '') AS {_v(col.name)}")
        else:
            parts.append(f"CAST(NULL AS VARCHAR) AS {_v(col.name)}")
    typed = ", ".join(f"{_typed(kind, col)} AS {_typed_name(col.name)}" for col in kind.columns)
    con.execute(
        f'CREATE OR REPLACE TEMP VIEW "{view}" AS SELECT *, {typed} '
        f'FROM (SELECT {", ".join(parts)} FROM "{raw.table}")'
    )


def materialise(con: duckdb.DuckDBPyConnection, kind: FileKind, view: str, table: str,
                derived: list[tuple[str, str]], params: dict) -> None:
    """Create the checked table from the staging view in one pass.

    ``derived`` adds (name, SQL over the view) columns such as the pseudonym.
    """
    parts = ["_ligne"]
    parts += [f"{_typed_name(c.name)} AS {_t(c.name)}" for c in kind.columns]
    parts += [f"{_v(c.name)} IS NULL AS {_n(c.name)}" for c in kind.columns]
    parts += [f'{sql} AS "{name}"' for name, sql in derived]
    con.execute(f'CREATE TABLE "{table}" AS SELECT {", ".join(parts)} FROM "{view}"', params)


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


def _bound_fr(x: float) -> str:
    """A bound as a person reads it: ``1e6`` -> ``1 000 000``, ``0.5`` -> ``0,5``, ``2000``."""
    if float(x).is_integer():
        return nombre(x) if abs(x) >= 10_000 else str(int(x))
    return f"{x:g}".replace(".", ",")


def column_rules(col: Column) -> list[Rule]:
    """The rules of one column, from its declaration in file_formats."""
    n, t, name = _n(col.name), _t(col.name), col.name
    rules = []
    if col.required:
        rules.append(Rule(name, n, "valeur obligatoire manquante"))
    if col.kind in ("int", "decimal", "date", "bool", "enum", "siret"):
        rules.append(Rule(name, f"NOT {n} AND {t} IS NULL", _type_message(col)))
    if col.kind == "date":
        # strptime's %Y takes "24" as the year 24: a short year must not pass as a date.
        rules.append(Rule(name, f"year({t}) < 1900", "année sur 4 chiffres attendue (jj/mm/aaaa)"))
    if col.minimum is not None:
        rules.append(Rule(
            name,
            f"{t} < {_bound(col.minimum)} OR {t} > {_bound(col.maximum)}",
            f"valeur hors de la plage admise (de {_bound_fr(col.minimum)} à {_bound_fr(col.maximum)})",
        ))
    if col.kind in ("text", "code", "identifier"):
        rules.append(Rule(name, f"length({t}) > {col.max_length}",
                          f"texte trop long (plus de {col.max_length} caractères)"))
        rules.append(Rule(
            name,
            f"left({t}, 1) IN ('=', '+', '-', '@', chr(9), chr(13))",
            "commence par = + - ou @ : refusé, un tableur l'exécuterait comme une formule",
        ))
    if col.kind in ("text", "code") or (col.kind == "identifier" and col.required):
        # Names (dropped on import) need no character check; kept texts and matricules do.
        rules.append(Rule(
            name,
            f"NOT regexp_full_match({t}, '{TEXT_ALLOWED}')",
            "caractères non autorisés (admis : lettres, chiffres, espaces et ' ’ . , ( ) / & ° : _ + - « » – — “ ” …)",
        ))
    if col.kind == "nir":
        rules += _nir_rules(n, t)
    return rules


def _nir_well_formed(t: str) -> str:
    return f"regexp_full_match({t}, '[1-478][0-9]{{4}}(2A|2B|[0-9]{{2}})[0-9]{{8}}')"


def _nir_rules(n: str, t: str) -> list[Rule]:
    well_formed = _nir_well_formed(t)
    # TRY_CAST: DuckDB evaluates both sides of AND, also on rows that are not well formed.
    # Corsica's 2A and 2B count as 19 and 18; only those NIRs pay for the replacements.
    number = (f"CASE WHEN substr({t}, 7, 1) IN ('A', 'B') "
              f"THEN TRY_CAST(replace(replace(substr({t}, 1, 13), '2A', '19'), '2B', '18') AS BIGINT) "
              f"ELSE TRY_CAST(substr({t}, 1, 13) AS BIGINT) END")
    return [
        Rule("nir", f"NOT {n} AND NOT {well_formed}", "NIR attendu : 15 caractères (13 + clé)"),
        Rule("nir", f"{well_formed} AND 97 - {number} % 97 <> TRY_CAST(substr({t}, 14, 2) AS INTEGER)",
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
                 "âge au 31/12 hors de la plage admise (de 14 à 80 ans)"),
            Rule("date_entree", f"{t('date_entree')} > {end}", "date d'entrée postérieure à la fin de l'année déclarée"),
            Rule("date_sortie", f"{t('date_sortie')} < {start} OR {t('date_sortie')} > {end}",
                 "date de sortie hors de l'année déclarée"),
            Rule("date_sortie", f"{t('date_sortie')} < {t('date_entree')}", "date de sortie antérieure à la date d'entrée"),
            Rule("motif_sortie", f"{t('date_sortie')} IS NOT NULL AND {_n('motif_sortie')}",
                 "motif de sortie obligatoire quand une date de sortie est indiquée"),
            Rule("date_sortie", f"{t('motif_sortie')} IS NOT NULL AND {_n('date_sortie')}",
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
            Rule("categorie", f"{t('statut')} IN ('TITULAIRE', 'STAGIAIRE') AND {_n('categorie')}",
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
        return [Rule("departement", f"NOT {_n('departement')} AND NOT "
                     + _in_list(t("departement"), "departements"), "département inconnu")]
    return []


def _rules(con: duckdb.DuckDBPyConnection, kind: FileKind, year_asked: int | None) -> list[Rule]:
    """Every rule of a kind of file (and the --annee option, set as a variable)."""
    rules = [r for col in kind.columns for r in column_rules(col)] + row_rules(kind)
    if year_asked is not None:
        con.execute("SET VARIABLE annee_demandee = ?", [int(year_asked)])
        rules.append(Rule("annee", f"{_t('annee')} <> getvariable('annee_demandee')",
                          f"année différente de celle demandée (--annee {int(year_asked)})"))
    return rules


def _rule_counts(con: duckdb.DuckDBPyConnection, rules: list[Rule], table: str) -> tuple:
    """How many rows break each rule: all rules counted in one scan."""
    return con.execute(
        "SELECT " + ", ".join(f"count_if({r.condition})" for r in rules) + f' FROM "{table}"'
    ).fetchall()[0]


def check_rows(con: duckdb.DuckDBPyConnection, kind: FileKind, raw: RawTable, view: str, table: str,
               year_asked: int | None) -> tuple[list[Problem], int]:
    """Run every rule of the file over the checked ``table``; return the first problems and their total.

    The values shown come from the staging ``view`` (the text as it was in the file).
    """
    rules = _rules(con, kind, year_asked)
    counts = _rule_counts(con, rules, table)
    found: list[tuple[int, Rule]] = []
    total = 0
    for rule, count in zip(rules, counts):
        if not count:
            continue
        total += count
        if len(found) < MAX_SHOWN:
            found += [(row, rule) for (row,) in con.execute(
                f'SELECT _ligne FROM "{table}" WHERE {rule.condition} ORDER BY _ligne LIMIT {MAX_SHOWN}'
            ).fetchall()]
    siret_rows, siret_total = _bad_siret_keys(con, table)
    found += [(row, Rule("siret", "", "SIRET invalide (clé de contrôle fausse)")) for row in siret_rows]
    return _with_values(con, kind, raw, view, found), total + siret_total


def _with_values(con: duckdb.DuckDBPyConnection, kind: FileKind, raw: RawTable, view: str,
                 found: list[tuple[int, Rule]]) -> list[Problem]:
    """Problems for (row, rule) pairs, with the cell's text as the file had it."""
    if not found:
        return []
    columns = sorted({r.column for _, r in found if r.column})
    select = ", ".join(_v(c) for c in columns) or "NULL"
    texts = {row[0]: dict(zip(columns, row[1:])) for row in con.execute(
        f'SELECT _ligne, {select} FROM "{view}" WHERE list_contains(?, _ligne)',
        [sorted({row for row, _ in found})]).fetchall()}
    personal = {c.name for c in kind.columns if c.kind in PERSONAL_KINDS or c.name == "date_naissance"}
    return [Problem(raw.source, row=row, column=rule.column,
                    value=texts.get(row, {}).get(rule.column) if rule.column else None, rule=rule.message,
                    personal=rule.column in personal)
            for row, rule in found]


def luhn_sql(expr: str, length: int = 14) -> str:
    """SQL true when ``expr``, a string of ``length`` digits, passes the Luhn check (as ``luhn_ok``)."""
    terms = []
    for k in range(1, length + 1):
        digit = f"(ascii({expr}[{k}]) - 48)"
        # Every second digit from the right is doubled (minus 9 above 9).
        terms.append(f"(2 * {digit} - CASE WHEN {digit} >= 5 THEN 9 ELSE 0 END)"
                     if (length - k) % 2 else digit)
    return f"({' + '.join(terms)}) % 10 = 0"


def bad_sirets(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The SIRETs of ``table`` failing the Luhn check (checked once per distinct value)."""
    return [s for (s,) in con.execute(
        f'SELECT siret FROM (SELECT DISTINCT siret FROM "{table}" WHERE siret IS NOT NULL) '
        f"WHERE NOT ({luhn_sql('siret')})").fetchall()]


def _bad_siret_keys(con: duckdb.DuckDBPyConnection, table: str) -> tuple[list[int], int]:
    """Rows whose SIRET fails the Luhn check."""
    bad = bad_sirets(con, table)
    if not bad:
        return [], 0
    rows = [r for (r,) in con.execute(
        f'SELECT _ligne FROM "{table}" WHERE list_contains(?, siret) ORDER BY _ligne', [bad]).fetchall()]
    return rows[:MAX_SHOWN], len(rows)
