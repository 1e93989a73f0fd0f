"""Server settings, read from the workspace settings file (``workspace.toml``).

::

    [serveur]
    adresse = "127.0.0.1"          # "0.0.0.0" to listen on every network interface
    port = 8443
    notebooks = "/srv/rsu/notebooks"   # folder of the dashboards (see ``default_notebooks_dir``)
    certificat = ""                # PEM certificate; empty: a self-signed one in WORKSPACE/tls/
    cle = ""                       # its PEM private key
    origines_iframe = ["https://www.cdg48.fr"]  # sites allowed to embed the public dashboards
    expiration_mot_de_passe_jours = 365   # 0 turns forced renewal off
    session_inactivite_minutes = 30
    session_duree_max_heures = 10
    noyaux_par_utilisateur = 3
    noyaux_total = 24
    noyaux_inactifs_minutes = 15
    noyaux_prechauffes = 2          # kernels started ahead for the dashboards (0: none)
    derriere_un_mandataire = false  # true behind a reverse proxy: client address from X-Forwarded-For

    [tableaux_de_bord]
    "observatoire_departemental.ipynb" = "public"
    "synthese_employeur.ipynb" = "analystes"

    [espace_web]
    campagnes_publiques = ["observatoire-2024"]   # folders of rendered/ open to the public
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

PUBLIC = "public"
ANALYSTS = "analystes"
_PUBLICATION_ALIASES = {
    "public": PUBLIC, "publique": PUBLIC,
    "analystes": ANALYSTS, "analyste": ANALYSTS, "analysers": ANALYSTS, "analyser": ANALYSTS,
}
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def default_notebooks_dir(workspace_root: Path) -> Path:
    """The project's ``notebooks/`` folder if it exists, else ``WORKSPACE/notebooks``."""
    candidate = PROJECT_ROOT / "notebooks"
    return candidate if candidate.is_dir() else workspace_root / "notebooks"


def normalise_publication(value: Any) -> str | None:
    """``"public"`` / ``"analystes"`` (or an alias), anything else: not published."""
    return _PUBLICATION_ALIASES.get(str(value).strip().lower()) if value else None


def _bool(section: dict, key: str, default: bool) -> bool:
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"Réglage [serveur] {key} : true ou false attendu, « {value} » trouvé.")
    return value


def _int(section: dict, key: str, default: int, minimum: int = 0) -> int:
    value = section.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"Réglage [serveur] {key} : nombre entier >= {minimum} attendu, « {value} » trouvé.")
    return value


@dataclass(frozen=True)
class ServerSettings:
    """The server part of a workspace's settings."""

    workspace_root: Path
    ip: str = "127.0.0.1"
    port: int = 8443
    notebooks_dir: Path = Path("notebooks")
    certfile: str = ""
    keyfile: str = ""
    frame_origins: tuple[str, ...] = ()
    password_max_age_days: int = 365
    session_idle_minutes: int = 30
    session_max_hours: int = 10
    kernels_per_user: int = 3
    kernels_total: int = 24
    kernel_idle_minutes: int = 15
    preheated_kernels: int = 2
    behind_proxy: bool = False
    dashboards: dict[str, str] = field(default_factory=dict)
    public_campaigns: tuple[str, ...] = ()

    @classmethod
    def from_workspace(cls, workspace: Any) -> "ServerSettings":
        root = Path(workspace.root)
        settings = workspace.settings()
        server = settings.get("serveur", {}) or {}
        notebooks = server.get("notebooks")
        notebooks_dir = Path(notebooks).expanduser() if notebooks else default_notebooks_dir(root)
        if not notebooks_dir.is_absolute():
            notebooks_dir = root / notebooks_dir
        origins = server.get("origines_iframe", [])
        if isinstance(origins, str):
            origins = [origins]
        for origin in origins:
            if not (origin.startswith("https://") or origin.startswith("http://")) or any(
                    c in origin for c in " ;'\","):
                raise ValueError(f"Réglage [serveur] origines_iframe : « {origin} » n'est pas une origine "
                                 "(exemple : https://www.cdg48.fr).")
        dashboards = {}
        for name, value in (settings.get("tableaux_de_bord", {}) or {}).items():
            publication = normalise_publication(value)
            if publication is None and value not in ("", "non", "prive", "privé"):
                raise ValueError(f"Réglage [tableaux_de_bord] « {name} » : « public » ou « analystes » "
                                 f"attendu, « {value} » trouvé.")
            dashboards[PurePosixPath(name).as_posix()] = publication or ""
        web = settings.get("espace_web", {}) or {}
        public_campaigns = tuple(str(c).strip("/") for c in web.get("campagnes_publiques", []))
        return cls(
            workspace_root=root,
            ip=str(server.get("adresse", "127.0.0.1")),
            port=_int(server, "port", 8443, 1),
            notebooks_dir=notebooks_dir.resolve(),
            certfile=str(server.get("certificat", "") or ""),
            keyfile=str(server.get("cle", "") or ""),
            frame_origins=tuple(origins),
            password_max_age_days=_int(server, "expiration_mot_de_passe_jours", 365),
            session_idle_minutes=_int(server, "session_inactivite_minutes", 30, 1),
            session_max_hours=_int(server, "session_duree_max_heures", 10, 1),
            kernels_per_user=_int(server, "noyaux_par_utilisateur", 3, 1),
            kernels_total=_int(server, "noyaux_total", 24, 1),
            kernel_idle_minutes=_int(server, "noyaux_inactifs_minutes", 15, 1),
            preheated_kernels=_int(server, "noyaux_prechauffes", 2),
            behind_proxy=_bool(server, "derriere_un_mandataire", False),
            dashboards=dashboards,
            public_campaigns=public_campaigns,
        )

    @property
    def accounts_path(self) -> Path:
        return self.workspace_root / "comptes.sqlite"

    @property
    def tls_dir(self) -> Path:
        return self.workspace_root / "tls"

    def to_env(self) -> dict[str, str]:
        """Handed to the server process through the environment (see ``app``)."""
        return {"RSU_SERVER_WORKSPACE": str(self.workspace_root)}


class Publications:
    """Which dashboards are published, and to whom: settings first, then notebook metadata."""

    def __init__(self, settings: ServerSettings):
        self.settings = settings
        self._cache: dict[str, tuple[float, str | None]] = {}

    def _from_metadata(self, path: Path) -> str | None:
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        cached = self._cache.get(str(path))
        if cached and cached[0] == mtime:
            return cached[1]
        try:
            metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
            publication = normalise_publication((metadata.get("rsu") or {}).get("publication"))
        except (OSError, ValueError, AttributeError):
            publication = None
        self._cache[str(path)] = (mtime, publication)
        return publication

    def resolve(self, relative: str) -> Path | None:
        """The notebook file for a path relative to the notebooks folder, if it is inside it."""
        relative = relative.lstrip("/")
        if not relative or any(part in ("..", "") or part.startswith(".")
                               for part in relative.split("/")):
            return None
        root = self.settings.notebooks_dir
        path = (root / relative).resolve()
        if root != path and root not in path.parents:
            return None
        return path if path.suffix == ".ipynb" and path.is_file() else None

    def of(self, relative: str) -> str | None:
        """``"public"``, ``"analystes"`` or None (developers only)."""
        path = self.resolve(relative)
        if path is None:
            return None
        key = path.relative_to(self.settings.notebooks_dir).as_posix()
        if key in self.settings.dashboards:
            return self.settings.dashboards[key] or None
        if path.name in self.settings.dashboards:
            return self.settings.dashboards[path.name] or None
        return self._from_metadata(path)

    def listing(self) -> list[tuple[str, str | None]]:
        """Every notebook of the folder with its publication."""
        root = self.settings.notebooks_dir
        if not root.is_dir():
            return []
        names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.ipynb")
                       if not any(part.startswith(".") for part in p.relative_to(root).parts))
        return [(name, self.of(name)) for name in names]


def env_workspace() -> Path | None:
    value = os.environ.get("RSU_SERVER_WORKSPACE")
    return Path(value) if value else None
