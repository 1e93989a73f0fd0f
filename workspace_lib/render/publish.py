"""Publication of a campaign's reports: index pages, retention, copy to a remote target.

``rendered/`` is the web space: ``rendered/index.html`` lists the campaigns, and each campaign
folder has an ``index.html`` that lists its reports (searchable by employer, year and format,
with a small inline script: no CDN). Remote targets (another folder, SFTP, WebDAV, S3) are
reached through fsspec (see ``remote``): the campaign folder is mirrored there after each run.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
from pathlib import Path
from typing import Any

from ..config import Workspace
from ..fr import date_heure
from . import remote
from .job import write_atomic

STATE_DIR = "_campagnes"
log = logging.getLogger(__name__)
FORMAT_LABELS = {"pdf": "PDF", "docx": "Word", "xlsx": "Excel", "html": "Page web"}


def _manifests(out_root: Path) -> list[Path]:
    return sorted((out_root / STATE_DIR / "executions").glob("*.json"))


def _referenced(manifest: dict[str, Any]) -> set[str]:
    files = set()
    for rapport in manifest.get("rapports", []):
        files |= {f["chemin"] for f in rapport.get("files", [])}
        if rapport.get("tables_json"):
            files.add(rapport["tables_json"])
    return files


def _params_key(report: dict[str, Any]) -> str:
    return json.dumps(report.get("parameters", {}), sort_keys=True, default=str)


def apply_retention(out_root: Path, keep: int) -> list[str]:
    """Keep the manifests of the last ``keep`` runs.

    The files of an older run are deleted only where a kept run has made the same report again
    (same parameters) under other file names; a report no kept run has redone stays published.
    """
    manifests = _manifests(out_root)
    old, kept = manifests[:-keep], manifests[-keep:]
    kept_data = [json.loads(m.read_text(encoding="utf-8")) for m in kept]
    still_used = set().union(*(_referenced(m) for m in kept_data)) if kept_data else set()
    redone = {_params_key(r) for m in kept_data for r in m.get("rapports", []) if r.get("statut") == "publie"}
    removed = []
    for manifest in old:
        for report in json.loads(manifest.read_text(encoding="utf-8")).get("rapports", []):
            if _params_key(report) not in redone:
                continue
            for relative in _referenced({"rapports": [report]}) - still_used:
                path = out_root / relative
                if path.exists():
                    path.unlink()
                    removed.append(relative)
        manifest.unlink()
    return removed


def _current_reports(out_root: Path) -> list[dict[str, Any]]:
    """The latest published version of each report whose files are still there."""
    state = out_root / STATE_DIR / "etat.jsonl"
    latest: dict[str, dict[str, Any]] = {}
    if state.exists():
        for line in state.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            latest[_params_key(entry)] = entry
    return [r for r in latest.values() if r.get("files") and all((out_root / f["chemin"]).exists() for f in r["files"])]


_PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1a1a1a}}
h1{{font-size:1.5rem}} table{{border-collapse:collapse;width:100%}}
th,td{{border-bottom:1px solid #ccc;padding:.4rem;text-align:left}} th{{background:#f0f0f0}}
input,select{{font-size:1rem;padding:.3rem;margin-right:1rem}} .muted{{color:#555}}
</style></head><body>
<h1>{title}</h1>
<p class="muted">{subtitle}</p>
{body}
</body></html>
"""

_FILTER_SCRIPT = """<script>
(function(){
  var q=document.getElementById('q'), an=document.getElementById('annee'), fm=document.getElementById('format');
  function apply(){
    var t=q.value.toLowerCase(), a=an.value, f=fm.value;
    document.querySelectorAll('tbody tr').forEach(function(tr){
      var ok=(!t||tr.dataset.search.indexOf(t)>=0)&&(!a||tr.dataset.annee===a)&&(!f||tr.dataset.formats.split(' ').indexOf(f)>=0);
      tr.hidden=!ok;
    });
  }
  [q,an,fm].forEach(function(e){e.addEventListener('input',apply);});
})();
</script>"""


def write_campaign_index(out_root: Path, titre: str) -> Path:
    """The searchable list of a campaign's current reports."""
    reports = _current_reports(out_root)
    years = sorted({str(r["parameters"].get("annee", "")) for r in reports} - {""})
    formats = sorted({f["format"] for r in reports for f in r.get("files", [])})
    rows = []
    for r in sorted(reports, key=lambda r: (str(r["parameters"].get("annee", "")), r.get("sous_titre", ""))):
        params = r["parameters"]
        label = r.get("sous_titre") or r.get("titre") or json.dumps(params, ensure_ascii=False)
        links = " ".join(
            f'<a href="{html.escape(f["chemin"])}">{FORMAT_LABELS.get(f["format"], f["format"])}</a>'
            for f in r.get("files", []))
        search = " ".join([label, *map(str, params.values())]).lower()
        rows.append(
            f'<tr data-search="{html.escape(search)}" data-annee="{html.escape(str(params.get("annee", "")))}" '
            f'data-formats="{" ".join(f["format"] for f in r.get("files", []))}">'
            f"<td>{html.escape(label)}</td><td>{html.escape(str(params.get('siret', '')))}</td>"
            f"<td>{html.escape(str(params.get('annee', '')))}</td><td>{links}</td></tr>")
    options = lambda values, labels=None: "".join(  # noqa: E731
        f'<option value="{html.escape(v)}">{html.escape((labels or {}).get(v, v))}</option>' for v in values)
    body = (
        '<p><label>Rechercher <input id="q" type="search" placeholder="nom, SIRET..."></label>'
        f'<label>Année <select id="annee"><option value="">toutes</option>{options(years)}</select></label>'
        f'<label>Format <select id="format"><option value="">tous</option>{options(formats, FORMAT_LABELS)}'
        "</select></label></p>"
        "<table><caption class=\"muted\">Rapports publiés</caption><thead><tr><th scope=\"col\">Employeur</th>"
        "<th scope=\"col\">SIRET</th><th scope=\"col\">Année</th><th scope=\"col\">Fichiers</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{_FILTER_SCRIPT}")
    page = _PAGE.format(title=html.escape(titre), subtitle=f"{len(reports)} rapport(s)", body=body)
    path = out_root / "index.html"
    write_atomic(path, page.encode("utf-8"))
    return path


def write_root_index(rendered: Path) -> Path:
    """The list of campaigns of the web space."""
    items = []
    for index in sorted(rendered.glob("*/index.html")):
        manifests = _manifests(index.parent)
        when = ""
        if manifests:
            import datetime as dt

            fin = json.loads(manifests[-1].read_text(encoding="utf-8")).get("fin")
            when = f" — mis à jour le {date_heure(dt.datetime.fromisoformat(fin))} (UTC)" if fin else ""
        items.append(f'<li><a href="{html.escape(index.parent.name)}/index.html">'
                     f"{html.escape(index.parent.name)}</a>{html.escape(when)}</li>")
    page = _PAGE.format(title="Rapports publiés", subtitle="Campagnes de rapports RSU",
                        body=f"<ul>{''.join(items)}</ul>")
    path = rendered / "index.html"
    write_atomic(path, page.encode("utf-8"))
    return path


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def copy_to_target(out_root: Path, publication: dict[str, Any] | str) -> int:
    """Mirror the campaign folder (reports and index, not its state) to the target; files copied.

    Each file is uploaded under a temporary name then renamed over the old one; the index comes
    last, so that it never lists a missing file. A file is sent again when it changed since the
    last publication to this target (``_campagnes/publication.json``) or is missing there. Files
    published earlier and no longer in the local folder (removed by retention) are deleted from the
    target afterwards: only those, never a file this publication did not put there.
    PublicationError (French, no secret) if the target cannot be reached or written.
    """
    if isinstance(publication, str):
        publication = {"cible": publication}
    try:
        remote.validate(publication)
    except remote.PublicationConfigError as exc:
        raise remote.PublicationError(f"Publication impossible : clé « {exc.key} » : {exc.rule}.") from None
    target = str(publication["cible"])
    if target == "rendered":
        return 0
    files = {p.relative_to(out_root).as_posix(): p
             for p in out_root.rglob("*") if p.is_file() and STATE_DIR not in p.relative_to(out_root).parts}
    local = {relative: _digest(path) for relative, path in files.items()}
    record_path = out_root / STATE_DIR / "publication.json"
    try:
        records = json.loads(record_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        records = {}
    key = remote.label(target)
    record: dict[str, str] = records.setdefault(key, {})
    copied = 0
    current: str | None = None
    connection = remote.connect(publication)
    try:
        present = connection.listing()
        for name in present:  # left by an interrupted publication
            if name.endswith(remote.TEMP_SUFFIX) and name[:-len(remote.TEMP_SUFFIX)] in local.keys() | record.keys():
                connection.discard(connection.path(name))
        for relative in sorted(local, key=lambda r: (r == "index.html", r)):
            if record.get(relative) == local[relative] and present.get(relative) == files[relative].stat().st_size:
                continue
            current = relative
            connection.upload(files[relative], relative)
            record[relative] = local[relative]
            copied += 1
        removed = []
        for relative in sorted(set(record) - set(local)):
            if relative in present:
                current = relative
                connection.remove(relative)
                removed.append(relative)
            del record[relative]
        current = None
        connection.remove_empty_folders(removed)
        log.info("Publication vers %s : %d fichier(s) envoyé(s), %d supprimé(s).", key, copied, len(removed))
    except remote.PublicationError:
        raise
    except Exception as exc:
        raise remote.failure(target, exc, connection.secrets, current) from None
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - the outcome is already known
            pass
        write_atomic(record_path, json.dumps(records, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))
    return copied


def _note_publication(manifest_path: Path, outcome: dict[str, Any]) -> None:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["publication"] = outcome
    write_atomic(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=1, default=str).encode("utf-8"))


def publish_run(workspace: Workspace, camp: Any, manifest_path: Path) -> None:
    """After a run: retention, index pages, and the copy to the campaign's target if remote.

    The local web space is complete before the copy starts; if the copy fails, the run's
    manifest says so and PublicationError (French, no secret) is raised to the caller.
    """
    out_root = manifest_path.parents[2]
    apply_retention(out_root, camp.conservation)
    write_campaign_index(out_root, camp.titre)
    write_root_index(workspace.rendered_dir)
    target = str(camp.publication.get("cible", "rendered"))
    if target == "rendered":
        return
    try:
        copied = copy_to_target(out_root, camp.publication)
    except remote.PublicationError as exc:
        _note_publication(manifest_path, {"cible": remote.label(target), "statut": "echec", "erreur": str(exc)})
        raise remote.PublicationError(f"Campagne « {camp.nom} » : {exc} Les rapports restent publiés dans "
                                      f"{out_root}.") from None
    _note_publication(manifest_path, {"cible": remote.label(target), "statut": "publie", "fichiers_envoyes": copied})
