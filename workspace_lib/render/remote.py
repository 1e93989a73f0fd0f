"""Remote publication targets of a campaign: another folder, SFTP, WebDAV, S3 (through fsspec).

The ``publication`` section of a campaign names the target and where its secrets are, never the
secrets themselves::

    publication:
      cible: "sftp://rapports@web.cdg48.fr:2222/srv/web/synthese"
      variable_mot_de_passe: RSU_SFTP_MDP      # or cle_ssh: /home/rsu/.ssh/id_ed25519
      hotes_connus: /home/rsu/.ssh/known_hosts # default: the account's ~/.ssh/known_hosts

The environment variables it names are taken out of the environment when the campaign is read
(like the SMTP password of the scheduler): render workers and notebook kernels, started later,
never inherit them. Secrets are never logged nor put in an error message. An SFTP server whose
host key is not in the known hosts is refused (no trust on first use).
"""

from __future__ import annotations

import functools
import ipaddress
import os
import posixpath
import re
import socket
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

KEYS = {"cible", "utilisateur", "variable_mot_de_passe", "cle_ssh", "hotes_connus",
        "variable_cle_acces", "variable_cle_secrete", "options"}
# Keys that make sense for each kind of target (besides "cible" and "options").
_KEYS_BY_SCHEME = {
    "file": set(),
    "sftp": {"utilisateur", "variable_mot_de_passe", "cle_ssh", "hotes_connus"},
    "webdav+https": {"utilisateur", "variable_mot_de_passe"},
    "webdav+http": {"utilisateur", "variable_mot_de_passe"},
    "s3": {"variable_cle_acces", "variable_cle_secrete"},
}
EXAMPLES = "file:///srv/web, sftp://utilisateur@hote/chemin, webdav+https://hote/chemin, s3://seau/prefixe"
TEMP_SUFFIX = ".partiel"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
# Option names that would carry a secret: secrets come from environment variables only.
_SECRET_NAME = re.compile(r"pass|secret|token|mdp|credential|^auth$|_auth$|^key$|_key$|^cle|_cle|^pkey$")
# Options set from the dedicated keys, or that would weaken the host check.
_RESERVED_OPTIONS = {"username", "key_filename", "host_key_policy", "base_url"}
_SECRETS: dict[str, str] = {}


class PublicationConfigError(ValueError):
    """A wrong ``publication`` section: ``key`` (below ``publication``) and the French ``rule``."""

    def __init__(self, key: str, rule: str) -> None:
        super().__init__(f"{key} : {rule}")
        self.key, self.rule = key, rule


class PublicationError(RuntimeError):
    """The copy to a remote target failed; the message is French and holds no secret."""


def label(target: str) -> str:
    """The target's address as shown in messages: any password in it is masked."""
    parts = urlsplit(target)
    if parts.password is None:
        return target
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{parts.username}:***@{host}").geturl()


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate(publication: Any) -> dict[str, Any]:
    """Check a ``publication`` section; PublicationConfigError names the key and the rule."""
    if not isinstance(publication, dict) or "cible" not in publication:
        raise PublicationConfigError("publication", "dictionnaire avec une clé « cible » attendu")
    for key in publication:
        if key not in KEYS and re.search(r"mot_de_passe|password|mdp|secret|cle_acces", str(key)):
            raise PublicationConfigError(
                f"publication.{key}", "aucun secret dans le fichier de campagne : indiquez le nom de la variable "
                "d'environnement qui le contient (variable_mot_de_passe, variable_cle_acces, variable_cle_secrete)")
        if key not in KEYS:
            raise PublicationConfigError(f"publication.{key}",
                                         f"clé inconnue (clés admises : {', '.join(sorted(KEYS))})")
    target = publication["cible"]
    if not isinstance(target, str) or not target:
        raise PublicationConfigError("publication.cible", f"« rendered » ou une adresse attendue ({EXAMPLES})")
    if target == "rendered":
        if set(publication) != {"cible"}:
            raise PublicationConfigError("publication",
                                         "pas d'autre clé que « cible » pour une publication dans rendered")
        return publication
    try:
        parts = urlsplit(target)
        port, user, password = parts.port, parts.username, parts.password
    except ValueError as exc:
        raise PublicationConfigError("publication.cible", f"adresse invalide ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _KEYS_BY_SCHEME:
        raise PublicationConfigError("publication.cible", f"adresse non prise en charge ; formes admises : {EXAMPLES}")
    if password is not None:
        raise PublicationConfigError("publication.cible", "le mot de passe ne doit pas être écrit dans l'adresse ; "
                                     "indiquez dans « variable_mot_de_passe » le nom de la variable d'environnement "
                                     "qui le contient")
    if parts.query or parts.fragment:
        raise PublicationConfigError("publication.cible", "adresse sans « ? » ni « # » attendue")
    path = unquote(parts.path)
    if scheme == "file" and (parts.hostname not in (None, "", "localhost") or not path.startswith("/")):
        raise PublicationConfigError("publication.cible", "chemin absolu attendu (file:///srv/web)")
    if scheme != "file" and not parts.hostname:
        what = "nom du seau" if scheme == "s3" else "nom d'hôte"
        raise PublicationConfigError("publication.cible", f"{what} absent de l'adresse ({EXAMPLES})")
    if scheme == "s3" and (port is not None or user is not None):
        raise PublicationConfigError("publication.cible", "s3://seau/prefixe attendu (le point d'accès d'un service "
                                     "compatible S3 se donne dans options.endpoint_url)")
    if ".." in path.split("/") or (scheme != "s3" and path.rstrip("/") == ""):
        raise PublicationConfigError("publication.cible", "chemin du dossier de la campagne attendu après l'hôte "
                                     "(ni racine du serveur, ni « .. »)")
    extra = set(publication) - {"cible", "options"} - _KEYS_BY_SCHEME[scheme]
    if extra:
        key = sorted(extra)[0]
        raise PublicationConfigError(f"publication.{key}", f"clé sans objet pour une cible {scheme}://")
    for key in ("variable_mot_de_passe", "variable_cle_acces", "variable_cle_secrete"):
        value = publication.get(key)
        if value is not None and not (isinstance(value, str) and _ENV_NAME.match(value)):
            raise PublicationConfigError(f"publication.{key}", "nom de variable d'environnement attendu "
                                         "(lettres, chiffres et _), pas sa valeur")
    for key in ("cle_ssh", "hotes_connus", "utilisateur"):
        value = publication.get(key)
        if value is not None and not (isinstance(value, str) and value.strip()):
            raise PublicationConfigError(f"publication.{key}", "texte non vide attendu")
    if publication.get("utilisateur") and user and unquote(user) != publication["utilisateur"]:
        raise PublicationConfigError("publication.utilisateur", "différent de l'utilisateur écrit dans « cible »")
    if ("variable_cle_acces" in publication) != ("variable_cle_secrete" in publication):
        raise PublicationConfigError("publication", "« variable_cle_acces » et « variable_cle_secrete » vont ensemble")
    if scheme.startswith("webdav") and publication.get("variable_mot_de_passe") and not (
            user or publication.get("utilisateur")):
        raise PublicationConfigError("publication.utilisateur", "utilisateur WebDAV absent (dans « cible » ou "
                                     "« utilisateur »)")
    if scheme == "webdav+http" and publication.get("variable_mot_de_passe") and not _is_loopback(parts.hostname):
        raise PublicationConfigError("publication.cible", "le mot de passe passerait en clair sur le réseau : "
                                     "utilisez webdav+https://")
    _check_options(publication.get("options", {}), "publication.options")
    return publication


def _check_options(options: Any, where: str) -> None:
    if not isinstance(options, dict):
        raise PublicationConfigError(where, "dictionnaire de réglages fsspec (sans secret) attendu")
    for key, value in options.items():
        name = str(key).lower()
        if _SECRET_NAME.search(name) or name in _RESERVED_OPTIONS:
            raise PublicationConfigError(
                f"{where}.{key}", "réglage refusé : les secrets viennent de variables d'environnement "
                "(variable_mot_de_passe, variable_cle_acces, variable_cle_secrete), l'utilisateur de « cible » "
                "ou « utilisateur », la clé SSH de « cle_ssh », les hôtes connus de « hotes_connus »")
        if isinstance(value, dict):
            _check_options(value, f"{where}.{key}")


def take_secrets(publication: dict[str, Any]) -> None:
    """Move the variables the section names out of the environment (kept for this process)."""
    for key in ("variable_mot_de_passe", "variable_cle_acces", "variable_cle_secrete"):
        variable = publication.get(key)
        if variable:
            value = os.environ.pop(variable, None)
            if value:
                _SECRETS[variable] = value


def _secret(publication: dict[str, Any], key: str, what: str, target: str) -> str | None:
    variable = publication.get(key)
    if not variable:
        return None
    take_secrets({key: variable})
    if variable not in _SECRETS:
        raise PublicationError(f"Publication vers {label(target)} impossible : la variable d'environnement "
                               f"{variable} ({what}) n'est pas définie.")
    return _SECRETS[variable]


class Target:
    """An open connection to a publication target: list, upload atomically, remove.

    Paths are relative to the campaign folder on the target (``root``).
    """

    def __init__(self, fs: Any, root: str, target: str, secrets: list[str]) -> None:
        self.fs, self.root, self.target, self.secrets = fs, root.rstrip("/") or "/", target, secrets
        self._made: set[str] = set()

    def path(self, relative: str) -> str:
        return f"{self.root.rstrip('/')}/{relative}"

    def listing(self) -> dict[str, int]:
        """Sizes of the files under the campaign folder on the target (empty if it is absent)."""
        try:
            found = self.fs.find(self.root, detail=True)
        except FileNotFoundError:
            return {}
        base = self.root.strip("/")
        out = {}
        for name, info in found.items():
            name = name.strip("/")
            if info.get("type") == "file" and name.startswith(base + "/" if base else ""):
                out[name[len(base) + 1 if base else 0:]] = int(info.get("size") or 0)
        return out

    def _makedirs(self, folder: str) -> None:
        if folder not in self._made:
            self.fs.makedirs(folder, exist_ok=True)
            self._made.add(folder)

    def upload(self, local: Path, relative: str) -> None:
        """Upload under a temporary name, then rename over the old file; no temporary file left."""
        destination = self.path(relative)
        self._makedirs(posixpath.dirname(destination))
        temporary = destination + TEMP_SUFFIX
        try:
            self._put(local, temporary)
            self._replace(temporary, destination)
        except BaseException:
            self.discard(temporary)
            raise

    def _put(self, local: Path, remote: str) -> None:
        self.fs.put_file(str(local), remote)

    def _replace(self, temporary: str, destination: str) -> None:
        self.fs.mv(temporary, destination)  # local folder: os.rename, which replaces

    def discard(self, remote: str) -> None:
        """Remove a file if it is there (cleanup: never raises)."""
        try:
            self.fs.rm_file(remote)
        except Exception:  # noqa: BLE001 - best effort
            pass

    def remove(self, relative: str) -> None:
        self.fs.rm_file(self.path(relative))

    def remove_empty_folders(self, relatives: list[str]) -> None:
        """Remove the folders emptied by ``remove``, deepest first, never the campaign folder."""
        folders = {posixpath.dirname(r) for r in relatives}
        for folder in list(folders):
            while "/" in folder:
                folder = posixpath.dirname(folder)
                folders.add(folder)
        for folder in sorted(folders - {""}, key=lambda f: -f.count("/")):
            try:
                if not self.fs.ls(self.path(folder)):
                    self.fs.rmdir(self.path(folder))
            except Exception:  # noqa: BLE001 - a folder left behind is harmless
                pass

    def close(self) -> None:
        pass


class _SFTPTarget(Target):
    def _put(self, local: Path, remote: str) -> None:
        self.fs.ftp.put(str(local), remote)

    def _replace(self, temporary: str, destination: str) -> None:
        ftp = self.fs.ftp
        try:
            ftp.posix_rename(temporary, destination)
        except OSError as exc:
            # Plain SFTP v3 rename does not replace an existing file: without the OpenSSH
            # extension, remove then rename (the file is missing for an instant).
            if exc.errno is not None or "support" not in str(exc).lower():
                raise
            try:
                ftp.remove(destination)
            except FileNotFoundError:
                pass
            ftp.rename(temporary, destination)

    def close(self) -> None:
        self.fs.client.close()


class _WebdavTarget(Target):
    def _put(self, local: Path, remote: str) -> None:
        with open(local, "rb") as handle:
            self.fs.client.upload_fileobj(handle, remote, overwrite=True)

    def _replace(self, temporary: str, destination: str) -> None:
        # webdav4's fsspec mv copies then deletes; one MOVE with "Overwrite: T" instead.
        self.fs.client.move(temporary, destination, overwrite=True)

    def close(self) -> None:
        self.fs.client.http.close()


class _S3Target(Target):
    def upload(self, local: Path, relative: str) -> None:
        # An S3 PUT replaces an object at once: readers get the old or the new one, never a part.
        self.fs.put_file(str(local), self.path(relative))

    def remove_empty_folders(self, relatives: list[str]) -> None:
        pass  # S3 has no folders


def connect(publication: dict[str, Any]) -> Target:
    """Open the target of a validated ``publication`` section (PublicationError if it fails)."""
    target = publication["cible"]
    parts = urlsplit(target)
    scheme = parts.scheme.lower()
    options = dict(publication.get("options") or {})
    path = unquote(parts.path)
    secrets: list[str] = []
    try:
        if scheme == "file":
            from fsspec.implementations.local import LocalFileSystem

            return Target(LocalFileSystem(skip_instance_cache=True), path, target, secrets)
        if scheme == "sftp":
            password = _secret(publication, "variable_mot_de_passe", "mot de passe SFTP", target)
            secrets += [password] if password else []
            user = publication.get("utilisateur") or (unquote(parts.username) if parts.username else None)
            kwargs: dict[str, Any] = {"port": parts.port or 22, "timeout": 30, "banner_timeout": 30,
                                      "auth_timeout": 30, **options}
            if user:
                kwargs["username"] = user
            if password:
                kwargs["password"] = password
            if publication.get("cle_ssh"):
                kwargs["key_filename"] = os.path.expanduser(publication["cle_ssh"])
            if password or publication.get("cle_ssh"):
                kwargs.setdefault("allow_agent", False)
                kwargs.setdefault("look_for_keys", False)
            known = publication.get("hotes_connus")
            fs = _checked_sftp_class()(parts.hostname, known_hosts=os.path.expanduser(known) if known else None,
                                       skip_instance_cache=True, **kwargs)
            return _SFTPTarget(fs, path, target, secrets)
        if scheme.startswith("webdav"):
            from webdav4.fsspec import WebdavFileSystem

            password = _secret(publication, "variable_mot_de_passe", "mot de passe WebDAV", target)
            secrets += [password] if password else []
            user = publication.get("utilisateur") or (unquote(parts.username) if parts.username else None)
            host = parts.netloc.rsplit("@", 1)[-1]
            base = f"{scheme.split('+', 1)[1]}://{host}"
            fs = WebdavFileSystem(base, auth=(user, password) if password else None, skip_instance_cache=True,
                                  **{"timeout": 30, **options})
            return _WebdavTarget(fs, path, target, secrets)
        if scheme != "s3":
            raise PublicationError(f"Publication vers {label(target)} impossible : adresse non prise en charge "
                                   f"({EXAMPLES}).")
        from s3fs import S3FileSystem

        key = _secret(publication, "variable_cle_acces", "clé d'accès S3", target)
        secret = _secret(publication, "variable_cle_secrete", "clé secrète S3", target)
        secrets += [s for s in (key, secret) if s]
        credentials = {"key": key, "secret": secret} if key else {}
        fs = S3FileSystem(skip_instance_cache=True, **credentials, **options)
        return _S3Target(fs, f"{parts.hostname}{path}", target, secrets)
    except PublicationError:
        raise
    except Exception as exc:
        raise failure(target, exc, secrets) from None


@functools.lru_cache(maxsize=None)
def _checked_sftp_class() -> type:
    from fsspec.implementations.sftp import SFTPFileSystem

    class CheckedSFTP(SFTPFileSystem):
        """fsspec's SFTP file system, with the host key checked against the known hosts."""

        def __init__(self, host: str, known_hosts: str | None = None, **kwargs: Any) -> None:
            self.known_hosts = known_hosts
            super().__init__(host, **kwargs)

        def _connect(self) -> None:
            import paramiko

            self.client = paramiko.SSHClient()
            if self.known_hosts:
                self.client.load_host_keys(self.known_hosts)
            else:
                self.client.load_system_host_keys()
            self.client.set_missing_host_key_policy(paramiko.RejectPolicy())
            try:
                self.client.connect(self.host, **self.ssh_kwargs)
                self.ftp = self.client.open_sftp()
            except BaseException:
                self.client.close()
                raise

    return CheckedSFTP


def failure(target: str, exc: BaseException, secrets: list[str], relative: str | None = None) -> PublicationError:
    """A French PublicationError for ``exc``, naming the target (and file), without any secret."""
    reason = _reason(exc, target).rstrip(".") + (f" (fichier {relative})" if relative else "")
    return PublicationError(_scrub(f"Publication vers {label(target)} impossible : {reason}.", secrets))


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _reason(exc: BaseException, target: str) -> str:
    """What went wrong, in French, from the exception of paramiko, httpx/webdav4, botocore or the OS."""
    name = type(exc).__name__
    text = str(exc)
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    if name == "AuthenticationException" or "Authentication failed" in text or status == 401 \
            or "signature we calculated does not match" in text or "InvalidAccessKeyId" in text \
            or "Access Key Id you provided does not exist" in text:
        return "authentification refusée (utilisateur, mot de passe ou clé incorrects)"
    if name == "BadHostKeyException":
        return ("la clé du serveur SSH ne correspond pas à celle des hôtes connus : le serveur a changé de clé ou "
                "un autre se fait passer pour lui ; vérifiez-la avant de mettre à jour le fichier des hôtes connus")
    if "not found in known_hosts" in text:
        parts = urlsplit(target)
        port = f"-p {parts.port} " if parts.port else ""
        return (f"la clé du serveur SSH {parts.hostname} est inconnue : vérifiez-la puis ajoutez-la aux hôtes "
                f"connus (ssh-keyscan {port}{parts.hostname} >> ~/.ssh/known_hosts) ou indiquez un fichier "
                "dans « hotes_connus »")
    if name in ("NoValidConnectionsError", "ConnectionRefusedError", "ConnectError", "EndpointConnectionError") \
            or isinstance(exc, ConnectionRefusedError):
        return "connexion impossible (serveur arrêté, port fermé ou adresse erronée)"
    if isinstance(exc, (ConnectionError, EOFError)) or name in ("RemoteProtocolError", "ReadError", "WriteError") \
            or "connection dropped" in text.lower():
        return "connexion interrompue"
    if isinstance(exc, socket.gaierror):
        return "nom d'hôte introuvable"
    if isinstance(exc, (TimeoutError, socket.timeout)) or "Timeout" in name:
        return "le serveur ne répond pas (délai dépassé)"
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return ("aucune clé S3 : définissez AWS_ACCESS_KEY_ID et AWS_SECRET_ACCESS_KEY, ou nommez les variables "
                "dans « variable_cle_acces » et « variable_cle_secrete »")
    if isinstance(exc, PermissionError) or status == 403 or getattr(exc, "errno", None) == 13 \
            or name == "ForbiddenOperation" or "AccessDenied" in text or "Permission denied" in text:
        return "permission refusée sur la cible"
    if name == "InsufficientStorage" or status == 507 or getattr(exc, "errno", None) == 28 \
            or "No space left" in text:
        return "plus de place sur la cible"
    if name == "ResourceLocked" or status == 423:
        return "fichier verrouillé sur la cible"
    if isinstance(exc, FileNotFoundError) and getattr(exc, "filename", None) and not urlsplit(target).scheme == "s3":
        return f"fichier introuvable : {exc.filename}"
    if status is not None:
        return f"le serveur a répondu {status}"
    if isinstance(exc, OSError) and type(exc) in (OSError, IOError) and text.strip():
        return f"erreur signalée par le serveur : {text.strip()[:300]}"
    detail = text.strip().splitlines()[0][:300] if text.strip() else ""
    return f"{name}" + (f" : {detail}" if detail else "")
