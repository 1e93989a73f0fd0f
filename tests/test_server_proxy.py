"""Settings of a running server: behind a reverse proxy (``[serveur] derriere_un_mandataire``)
the client's address comes from X-Forwarded-For, and without the setting that header is ignored
(any client could forge it); publication settings are reloaded without a restart."""

from __future__ import annotations

import json

import pytest

from workspace_lib.server.testing import PASSWORDS, prepare_server

FORGED = "203.0.113.7"


def _failed_login_addresses(server) -> list[str]:
    s = server.session()
    s.get(server.url + "/login")
    s.post(server.url + "/login", allow_redirects=False, headers={"X-Forwarded-For": FORGED}, data={
        "username": "ana", "password": "pas le bon mot de passe", "_xsrf": s.cookies.get("_xsrf")})
    lines = (server.workspace / "logs" / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    return [e["adresse"] for e in map(json.loads, lines) if e["action"] == "connexion" and e["resultat"] != "succes"]


@pytest.mark.parametrize("behind_proxy", [False, True])
def test_client_address_from_the_proxy_only_when_configured(tmp_path, behind_proxy):
    server = prepare_server(tmp_path)
    if behind_proxy:
        settings = server.workspace / "workspace.toml"
        settings.write_text(settings.read_text(encoding="utf-8").replace(
            "[serveur]\n", "[serveur]\nderriere_un_mandataire = true\n"), encoding="utf-8")
    server.start()
    try:
        assert _failed_login_addresses(server) == [FORGED if behind_proxy else "127.0.0.1"]
        # The login still works for the right password (the throttling counts the right address).
        assert server.login("ana", PASSWORDS["ana"]).get(server.url + "/accueil").status_code == 200
    finally:
        server.stop()


def test_setting_must_be_a_boolean(tmp_path):
    from workspace_lib.config import Workspace
    from workspace_lib.server.settings import ServerSettings

    ws = Workspace.locate(tmp_path).ensure()
    ws.settings_path.write_text('[serveur]\nderriere_un_mandataire = "oui"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="derriere_un_mandataire : true ou false"):
        ServerSettings.from_workspace(ws)


def test_publication_settings_are_reloaded_without_restart(tmp_path):
    """Publishing a dashboard in workspace.toml takes effect on the running server; a broken
    edit keeps the settings in force."""
    import time

    server = prepare_server(tmp_path)
    settings = server.workspace / "workspace.toml"
    server.start()
    try:
        analyst = server.login("ana")
        draft = server.url + "/voila/render/brouillon.ipynb"
        assert analyst.get(draft).status_code in (403, 404)
        time.sleep(1.1)  # the file is checked at most once a second
        settings.write_text(settings.read_text(encoding="utf-8").replace(
            "[tableaux_de_bord]\n", '[tableaux_de_bord]\n"brouillon.ipynb" = "analystes"\n'), encoding="utf-8")
        deadline = time.monotonic() + 10
        while analyst.get(draft).status_code != 200:
            assert time.monotonic() < deadline, "réglage non rechargé"
            time.sleep(0.5)
        time.sleep(1.1)
        settings.write_text(settings.read_text(encoding="utf-8") + "\n[serveur\n", encoding="utf-8")  # broken
        time.sleep(1.1)
        assert analyst.get(draft).status_code == 200
        assert "non rechargés" in server.log_path.read_text(errors="replace")
    finally:
        server.stop()
