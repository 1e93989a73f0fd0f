"""Helpers for the server's tests and benchmark: an isolated environment, tiny dashboards, and a
server subprocess on a free 127.0.0.1 port (stopped by ``stop()``)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

PASSWORDS = {
    "dev": "le chêne et le roseau 1668",
    "ana": "lecture seule des tableaux",
    "ancien": "vieille phrase de l'an passé",
    "ferme": "porte close depuis lundi",
}

_DASHBOARD_CODE = '''import ipywidgets as widgets
from IPython.display import display

SERIES = {"Lozère": [12, 30, 18], "Gard": [40, 22, 35], "Hérault": [25, 45, 10]}

def chart(name):
    bars = "".join(
        f'<rect x="{10 + i * 60}" y="{150 - v * 3}" width="40" height="{v * 3}" fill="#1f4e79"></rect>'
        for i, v in enumerate(SERIES[name]))
    return (f'<svg class="graphique" data-serie="{name}" width="200" height="160" role="img" '
            f'aria-label="Effectifs {name}">{bars}</svg><p class="valeur">Total {name} : {sum(SERIES[name])}</p>')

choice = widgets.Dropdown(options=list(SERIES), value="Lozère", description="Département")
view = widgets.HTML(chart(choice.value))
choice.observe(lambda change: setattr(view, "value", chart(change["new"])), names="value")
display(widgets.VBox([choice, view]))
'''


def notebook(title: str, code: str = _DASHBOARD_CODE, publication: str | None = None) -> dict:
    metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                "language_info": {"name": "python"}}
    if publication:
        metadata["rsu"] = {"publication": publication}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": [
        {"cell_type": "markdown", "id": "titre", "metadata": {}, "source": f"# {title}"},
        {"cell_type": "code", "id": "parametres", "metadata": {"tags": ["parameters"]}, "execution_count": None,
         "outputs": [], "source": 'departement = "48"'},
        {"cell_type": "code", "id": "tableau", "metadata": {}, "execution_count": None, "outputs": [], "source": code},
    ]}


def write_notebooks(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    boards = {
        "tableau_public.ipynb": notebook("Observatoire public"),
        "tableau_analystes.ipynb": notebook("Synthèse employeur"),
        # Published through its metadata only (settings do not list it).
        "tableau_meta.ipynb": notebook("Publié par métadonnées", publication="analystes"),
        "brouillon.ipynb": notebook("Brouillon non publié"),
    }
    for name, nb in boards.items():
        (folder / name).write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


SETTINGS = """
[espace]
nom = "CDG de test"

[serveur]
noyaux_par_utilisateur = {per_user}
noyaux_total = {total}
noyaux_prechauffes = {pool}
origines_iframe = ["https://www.cdg-test.fr"{origins}]

[tableaux_de_bord]
"tableau_public.ipynb" = "public"
"tableau_analystes.ipynb" = "analystes"

[espace_web]
campagnes_publiques = ["observatoire"]
"""


def isolated_env(base: Path) -> dict[str, str]:
    """Environment variables pointing every Jupyter/IPython/browser home into ``base``."""
    env = dict(os.environ)
    for name, sub in (("HOME", "home"), ("JUPYTER_CONFIG_DIR", "jupyter/config"), ("JUPYTER_DATA_DIR", "jupyter/data"),
                      ("JUPYTER_RUNTIME_DIR", "jupyter/runtime"), ("IPYTHONDIR", "ipython"),
                      ("XDG_CONFIG_HOME", "home/.config"), ("XDG_CACHE_HOME", "home/.cache"),
                      ("TMPDIR", "tmp")):
        path = base / sub
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYTHONWARNINGS"] = "ignore"
    env.pop("WORKSPACE_DIR", None)
    return env


# Debian's chromium, driven by Playwright in the browser tests and benches, headless and quiet.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def chromium_trust_option(cert_path: Path) -> str:
    """The Chromium option trusting a self-signed certificate, as the server's users do.

    With a certificate error (``ignore_https_errors``) Chromium keeps nothing in its HTTP cache,
    so every page would fetch Voilà's 80 scripts and styles again.
    """
    import base64
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return f"--ignore-certificate-errors-spki-list={base64.b64encode(hashlib.sha256(spki).digest()).decode()}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(env: dict, workspace: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workspace_lib.server", "--workspace", str(workspace), *args],
                          input=stdin, env=env, capture_output=True, text=True, timeout=120)


@dataclass
class LiveServer:
    base: Path
    workspace: Path
    notebooks: Path
    port: int
    env: dict
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    extra: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def cafile(self) -> str:
        return str(self.workspace / "tls" / "certificat.pem")

    def session(self) -> requests.Session:
        s = requests.Session()
        s.verify = self.cafile
        s.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
        return s

    def start(self, timeout: float = 60) -> "LiveServer":
        self.log_path = self.base / f"serveur-{self.port}.log"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "workspace_lib.server", "--workspace", str(self.workspace), "serve",
             "--port", str(self.port), "--adresse", "127.0.0.1", "--notebooks", str(self.notebooks)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("Le serveur s'est arrêté :\n" + self.log_path.read_text(errors="replace")[-4000:])
            try:
                if Path(self.cafile).exists() and requests.get(self.url + "/login", verify=self.cafile, timeout=2).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("Le serveur n'a pas démarré à temps.")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # The server runs in its own process group (start_new_session): stop it and its kernels.
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass

    def login(self, login: str, password: str | None = None, **extra) -> requests.Session:
        s = self.session()
        s.get(self.url + "/login")
        data = {"username": login, "password": password or PASSWORDS[login], "_xsrf": s.cookies.get("_xsrf"), **extra}
        s.post(self.url + "/login", data=data, allow_redirects=False)
        return s


def prepare_server(base: Path, *, per_user: int = 3, total: int = 24, users: bool = True,
                   frame_origins: tuple[str, ...] = (), pool: int = 0) -> LiveServer:
    """A workspace with settings, four dashboards, a web space, and (optionally) the test accounts."""
    env = isolated_env(base)
    workspace = base / "espace"
    notebooks = base / "notebooks"
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "workspace.toml").write_text(SETTINGS.format(per_user=per_user, total=total, pool=pool,
                                                                         origins="".join(f', "{o}"' for o in frame_origins)), encoding="utf-8")
    write_notebooks(notebooks)
    rendered = workspace / "rendered"
    for folder, text in (("observatoire", "public"), ("employeurs", "prive"), ("_campagnes", "etat")):
        (rendered / folder).mkdir(parents=True, exist_ok=True)
        (rendered / folder / "index.html").write_text(f"<p>{text}</p>", encoding="utf-8")
        (rendered / folder / "rapport.pdf").write_bytes(b"%PDF-1.4 " + text.encode())
    (rendered / "index.html").write_text("<p>racine</p>", encoding="utf-8")
    server = LiveServer(base, workspace, notebooks, free_port(), env)
    if users:
        for login, role in (("dev", "developpeur"), ("ana", "analyste"), ("ancien", "analyste"),
                            ("ferme", "analyste")):
            result = run_cli(env, workspace, "users", "add", login, "--role", role, stdin=PASSWORDS[login] + "\n")
            assert result.returncode == 0, result.stderr
        run_cli(env, workspace, "users", "disable", "ferme")
        from .store import Store

        Store(workspace / "comptes.sqlite").set_password_date("ancien", time.time() - 400 * 86400)
    return server
