"""Campaign files (``parameters/*.yaml``): which notebook, which parameter grid, which formats.

Example::

    nom: synthese-employeurs
    titre: Synthèse RSU par employeur
    notebook: notebooks/synthese_employeur.ipynb
    parametres:
      annee: [2024]
      siret: {requete: employeurs_transmis}
    formats: [pdf, docx, xlsx]
    chemin: "{annee}/{departement}/{siret}-{slug}"
    condition: donnees_presentes
    publication: {cible: rendered}   # or an fsspec address, see remote.py
    planification: "0 6 * * 1"
    conservation: 5

Parameter values are lists, or a named query run on the warehouse (never SQL from the file).
Every error names the file, the key and the rule, in French.
"""

from __future__ import annotations

import itertools
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import yaml

from . import remote

FORMATS = ("pdf", "docx", "xlsx", "html")
CONDITIONS = ("donnees_presentes",)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_PARAM = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")

# Named queries a campaign may use for a parameter: (SQL with bound parameters, inputs).
# Each returns one column of values; "annee" comes from the campaign's other parameters.
QUERIES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "employeurs_transmis": (
        "SELECT siret FROM employeur WHERE annee = ? AND departement = ? AND rsu_transmis "
        "ORDER BY siret",
        ("annee", "departement"),
        "les employeurs du département qui ont transmis leur RSU pour l'année",
    ),
    "employeurs": (
        "SELECT siret FROM employeur WHERE annee = ? AND departement = ? ORDER BY siret",
        ("annee", "departement"),
        "tous les employeurs du département pour l'année",
    ),
    "annees": (
        "SELECT DISTINCT annee FROM agent ORDER BY annee",
        (),
        "toutes les années présentes dans l'entrepôt",
    ),
    "derniere_annee": (
        "SELECT max(annee) FROM agent",
        (),
        "la dernière année présente dans l'entrepôt",
    ),
}


class CampaignError(ValueError):
    """A campaign file breaks a rule; the message names the file, the key and the rule."""


@dataclass
class Campaign:
    """A validated campaign."""

    path: Path
    nom: str
    titre: str
    notebook: Path
    parametres: dict[str, Any]
    formats: list[str]
    chemin: str
    condition: str | None = None
    publication: dict[str, Any] = field(default_factory=lambda: {"cible": "rendered"})
    planification: str | None = None
    conservation: int = 5
    delai: int = 300


def _fail(path: Path, key: str, rule: str) -> CampaignError:
    return CampaignError(f"Campagne {path} : clé « {key} » : {rule}")


def load(path: Path, root: Path | None = None) -> Campaign:
    """Read and validate a campaign file; ``root`` resolves the notebook path (default: cwd)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CampaignError(f"Campagne introuvable : {path}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", ligne {mark.line + 1}" if mark else ""
        raise CampaignError(f"Campagne {path}{where} : YAML invalide ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise CampaignError(f"Campagne {path} : le fichier doit décrire un dictionnaire de clés.")
    known = {"nom", "titre", "notebook", "parametres", "formats", "chemin", "condition",
             "publication", "planification", "conservation", "delai"}
    for key in data:
        if key not in known:
            raise _fail(path, key, f"clé inconnue (clés admises : {', '.join(sorted(known))})")
    for key in ("nom", "notebook", "parametres", "formats", "chemin"):
        if key not in data:
            raise _fail(path, key, "clé obligatoire absente")
    nom = str(data["nom"])
    if not _NAME.match(nom):
        raise _fail(path, "nom", "lettres minuscules, chiffres, - et _ seulement (63 caractères au plus)")
    notebook = (root or Path.cwd()) / str(data["notebook"])
    if notebook.suffix != ".ipynb" or not notebook.is_file():
        raise _fail(path, "notebook", f"notebook introuvable : {notebook}")
    formats = data["formats"]
    if isinstance(formats, str):
        formats = [formats]
    if not formats or any(f not in FORMATS for f in formats):
        raise _fail(path, "formats", f"liste de formats parmi {', '.join(FORMATS)}")
    params = data["parametres"]
    if not isinstance(params, dict) or not params:
        raise _fail(path, "parametres", "dictionnaire nom: valeurs attendu")
    for name, value in params.items():
        if not _PARAM.match(str(name)):
            raise _fail(path, f"parametres.{name}", "nom de paramètre invalide")
        if isinstance(value, dict):
            if set(value) - {"requete"} or value.get("requete") not in QUERIES:
                raise _fail(path, f"parametres.{name}",
                            "requête inconnue ; requêtes admises : " + ", ".join(QUERIES))
        elif not isinstance(value, (list, str, int)):
            raise _fail(path, f"parametres.{name}", "valeur, liste de valeurs ou {requete: ...} attendu")
    chemin = str(data["chemin"])
    fields = {f for _, f, _, _ in string.Formatter().parse(chemin) if f}
    allowed = set(params) | {"slug", "departement", "annee", "campagne"}
    if fields - allowed or chemin.startswith("/") or ".." in Path(chemin).parts:
        raise _fail(path, "chemin", "motif relatif attendu, avec des champs parmi "
                    + ", ".join("{" + a + "}" for a in sorted(allowed)))
    condition = data.get("condition")
    if condition is not None and condition not in CONDITIONS:
        raise _fail(path, "condition", "condition inconnue ; conditions admises : " + ", ".join(CONDITIONS))
    cron = data.get("planification")
    if cron is not None:
        _check_cron(path, str(cron))
    conservation = data.get("conservation", 5)
    if not isinstance(conservation, int) or conservation < 1:
        raise _fail(path, "conservation", "nombre entier d'exécutions à garder (1 ou plus)")
    publication = data.get("publication", {"cible": "rendered"})
    try:
        remote.validate(publication)
    except remote.PublicationConfigError as exc:
        raise _fail(path, exc.key, exc.rule) from None
    remote.take_secrets(publication)
    delai = data.get("delai", 300)
    if not isinstance(delai, int) or not 10 <= delai <= 3600:
        raise _fail(path, "delai", "durée maximale d'un rapport en secondes (10 à 3600)")
    return Campaign(path=path, nom=nom, titre=str(data.get("titre", nom)), notebook=notebook,
                    parametres=params, formats=list(formats), chemin=chemin, condition=condition,
                    publication=publication, planification=cron, conservation=conservation, delai=delai)


def _check_cron(path: Path, cron: str) -> None:
    # Read as crontab does (0 and 7 are Sunday), like the scheduler; APScheduler's own
    # from_crontab counts days from Monday.
    from ..schedule.cron import trigger

    try:
        trigger(cron)
    except ValueError as exc:
        raise _fail(path, "planification", f"expression cron invalide ({exc})") from None


def expand(campaign: Campaign, con: duckdb.DuckDBPyConnection, departement: str,
           only: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The parameter sets of a campaign: the product of the lists, queries resolved."""
    fixed = {"departement": departement}
    lists: dict[str, list[Any]] = {}
    pending = []
    for name, value in campaign.parametres.items():
        if isinstance(value, dict):
            pending.append((name, value["requete"]))
        else:
            lists[name] = value if isinstance(value, list) else [value]
    combos = [dict(zip(lists, values)) for values in itertools.product(*lists.values())] or [{}]
    # Queries without inputs first (e.g. the year), then those that use them.
    for name, query in sorted(pending, key=lambda p: len(QUERIES[p[1]][1])):
        sql, inputs, _ = QUERIES[query]
        expanded = []
        for combo in combos:
            args = [{**fixed, **combo}.get(i) for i in inputs]
            if "annee" in inputs and args[inputs.index("annee")] is None:
                raise CampaignError(f"Campagne {campaign.path} : la requête « {query} » a besoin du paramètre annee.")
            values = [row[0] for row in con.execute(sql, args).fetchall()]
            expanded += [{**combo, name: v} for v in values]
        combos = expanded
    if only:
        combos = [c for c in combos if all(str(c.get(k)) == v for k, v in only.items())]
    return combos
