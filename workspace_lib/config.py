"""The workspace folder: settings, secret key, warehouse, logs and web space.

A workspace is a folder. Commands find it through ``--workspace``, else the ``WORKSPACE_DIR``
environment variable, else the current folder; notebooks and kernels through ``WORKSPACE_DIR``.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "WORKSPACE_DIR"
SETTINGS_FILE = "workspace.toml"
KEY_FILE = "cle-pseudonymisation.bin"
KEY_BYTES = 32

DEFAULT_SETTINGS = """\
# Réglages de l'espace de travail RSU (voir le README).
[espace]
# Nom affiché dans les pages et les rapports.
nom = "Centre de Gestion"
# Département du Centre de Gestion (code INSEE).
departement = "48"

[serveur]
port = 8443
# Renouvellement forcé des mots de passe (jours ; 0 pour le désactiver, voir le README).
expiration_mot_de_passe_jours = 365

# Publication des tableaux de bord : "public" (sans connexion) ou "analystes".
[tableaux_de_bord]
"observatoire_departemental.ipynb" = "public"
"synthese_employeur.ipynb" = "analystes"
"effectifs_demographie.ipynb" = "analystes"
"absenteisme_sante.ipynb" = "analystes"
"mouvements_carrieres.ipynb" = "analystes"
"formation.ipynb" = "analystes"
"remunerations_egalite.ipynb" = "analystes"

[secret_statistique]
# Seuils du secret statistique (valeurs par défaut).
min_effectif = 5
min_contributeurs_montant = 11
dominance = 0.85
min_employeurs = 3
"""


@dataclass(frozen=True)
class Workspace:
    """Paths and settings of one workspace folder."""

    root: Path

    @classmethod
    def locate(cls, path: str | os.PathLike | None = None) -> "Workspace":
        """The workspace at ``path``, else ``$WORKSPACE_DIR``, else the current folder."""
        chosen = path or os.environ.get(ENV_VAR) or os.getcwd()
        return cls(Path(chosen).expanduser().resolve())

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def warehouse_path(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def key_path(self) -> Path:
        return self.root / KEY_FILE

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def kernels_state_dir(self) -> Path:
        """The Jupyter and IPython state of the report kernels (their connection files...), and
        the render pools' turn of the cores."""
        return self.root / ".jupyter-etat"

    @property
    def rendered_dir(self) -> Path:
        return self.root / "rendered"

    def ensure(self) -> "Workspace":
        """Create the folder layout and the settings file if missing."""
        for folder in (self.root, self.logs_dir, self.rendered_dir):
            folder.mkdir(parents=True, exist_ok=True)
        if not self.settings_path.exists():
            self.settings_path.write_text(DEFAULT_SETTINGS, encoding="utf-8")
        return self

    def settings(self) -> dict:
        """The settings file's content (empty if there is none)."""
        if not self.settings_path.exists():
            return {}
        with self.settings_path.open("rb") as fh:
            return tomllib.load(fh)

    def pseudonym_key(self) -> bytes:
        """The secret key of pseudonyms, created on first use with file mode 0600."""
        self.ensure()
        try:
            key = self.key_path.read_bytes()
        except FileNotFoundError:
            key = secrets.token_bytes(KEY_BYTES)
            # O_EXCL: two processes starting together cannot both create a key.
            try:
                fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return self.key_path.read_bytes()
            with os.fdopen(fd, "wb") as fh:
                fh.write(key)
        if len(key) != KEY_BYTES:
            raise ValueError(
                f"La clé de pseudonymisation {self.key_path} est invalide "
                f"({len(key)} octets au lieu de {KEY_BYTES})."
            )
        return key
