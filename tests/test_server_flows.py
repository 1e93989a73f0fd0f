"""Login, throttling, expiry, sessions, TOTP, kernel caps and audit, against a live server."""

from __future__ import annotations

import json
import re

import pyotp
import pytest

from workspace_lib.server.testing import PASSWORDS, prepare_server, run_cli

BOARD = "/voila/render/tableau_analystes.ipynb"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = prepare_server(tmp_path_factory.mktemp("flux"), per_user=1, total=2)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _post_login(live, session, login, password, **extra):
    session.get(live.url + "/login")
    return session.post(live.url + "/login", allow_redirects=False, data={
        "username": login, "password": password, "_xsrf": session.cookies.get("_xsrf"), **extra})


def _audit(live):
    path = live.workspace / "logs" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_login_page_is_french_with_xsrf(live):
    page = live.session().get(live.url + "/login")
    assert 'lang="fr"' in page.text and "Mot de passe" in page.text
    assert 'name="_xsrf"' in page.text and 'name="username"' in page.text and 'name="password"' in page.text
    # Without the _xsrf token the form is refused.
    s = live.session()
    assert s.post(live.url + "/login", data={"username": "ana", "password": PASSWORDS["ana"]},
                  allow_redirects=False).status_code == 403


def test_session_cookie_flags_new_session_and_logout(live):
    s = live.session()
    response = _post_login(live, s, "dev", PASSWORDS["dev"])
    assert response.status_code == 302
    header = response.headers["Set-Cookie"]
    assert "rsu_session=" in header and "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    first = s.cookies.get("rsu_session")
    _post_login(live, s, "dev", PASSWORDS["dev"])
    second = s.cookies.get("rsu_session")
    assert first != second  # a new session at each login; the old one is gone
    old = live.session()
    old.cookies.set("rsu_session", first)
    assert old.get(live.url + "/lab", allow_redirects=False).status_code == 302
    assert s.get(live.url + "/lab").status_code == 200
    s.get(live.url + "/logout")
    stolen = live.session()
    stolen.cookies.set("rsu_session", second)  # a copy of the cookie is worthless after logout
    assert stolen.get(live.url + "/lab", allow_redirects=False).status_code == 302
    assert any(e["action"] == "deconnexion" and e["utilisateur"] == "dev" for e in _audit(live))


def test_throttling_per_account_survives_restart(live):
    attacker = live.session()
    for _ in range(5):
        assert _post_login(live, attacker, "ferme", "mauvais mot de passe").status_code == 401
    blocked = _post_login(live, attacker, "ferme", "mauvais mot de passe")
    assert blocked.status_code == 429 and "Trop de tentatives" in blocked.text
    live.stop()
    live.start()
    assert _post_login(live, live.session(), "ferme", "mauvais mot de passe").status_code == 429
    events = [e for e in _audit(live) if e["action"] == "connexion" and e["utilisateur"] == "ferme"]
    assert [e["resultat"] for e in events][-2:] == ["limitee", "limitee"]


def test_expired_password_must_be_changed(live):
    s = live.session()
    response = _post_login(live, s, "ancien", PASSWORDS["ancien"])
    assert response.status_code == 302 and "/mot-de-passe" in response.headers["Location"]
    assert "/mot-de-passe" in s.get(live.url + BOARD, allow_redirects=False).headers["Location"]
    form = s.get(live.url + "/mot-de-passe")
    assert "a expiré" in form.text

    def change(current, new, confirm=None):
        return s.post(live.url + "/mot-de-passe", data={"current": current, "new": new, "confirm": confirm or new,
                                                      "_xsrf": s.cookies.get("_xsrf")})

    assert change("pas le bon mot de passe", "nouvelle phrase de passe solide").status_code == 400
    assert "trop courant" in change(PASSWORDS["ancien"], "motdepasse123456").text
    assert "différent" in change(PASSWORDS["ancien"], PASSWORDS["ancien"]).text
    assert change(PASSWORDS["ancien"], "nouvelle phrase de passe solide").status_code == 200
    assert s.get(live.url + "/accueil").status_code == 200
    assert s.get(live.url + "/mot-de-passe").status_code == 200
    actions = [(e["action"], e["resultat"]) for e in _audit(live) if e["utilisateur"] == "ancien"]
    assert ("mot_de_passe_expire", "changement_exige") in actions and ("changement_mot_de_passe", "succes") in actions


def test_disabled_account_cannot_log_in(live):
    assert _post_login(live, live.session(), "ferme", PASSWORDS["ferme"]).status_code in (401, 429)


def test_totp_second_factor(live):
    result = run_cli(live.env, live.workspace, "users", "totp", "dev")
    secret = re.search(r"Clé : ([A-Z2-7]+)", result.stdout).group(1)
    s = live.session()
    assert _post_login(live, s, "dev", PASSWORDS["dev"]).status_code == 401
    code = pyotp.TOTP(secret).now()
    assert _post_login(live, s, "dev", PASSWORDS["dev"], code=code).status_code == 302
    assert _post_login(live, live.session(), "dev", PASSWORDS["dev"], code=code).status_code == 401  # replay
    run_cli(live.env, live.workspace, "users", "totp", "dev", "--desactiver")


def test_kernel_caps_have_a_french_message(live):
    s = live.session()
    _post_login(live, s, "ana", PASSWORDS["ana"])
    assert s.get(live.url + BOARD).status_code == 200
    second = s.get(live.url + "/voila/render/tableau_meta.ipynb")
    assert second.status_code == 429 and "Nombre maximal de tableaux de bord" in second.text
    public = [live.session().get(live.url + "/voila/render/tableau_public.ipynb") for _ in range(2)]
    assert [p.status_code for p in public] == [200, 429]
    dev = live.session()
    _post_login(live, dev, "dev", PASSWORDS["dev"])
    full = dev.get(live.url + "/voila/render/brouillon.ipynb")
    assert full.status_code == 429 and "nombre maximal de sessions de calcul" in full.text
    # The owner may shut their dashboard's kernel down (Voilà does it when the page closes).
    kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', public[0].text).group(1)
    dev.headers["X-XSRFToken"] = dev.cookies.get("_xsrf")
    assert dev.delete(live.url + f"/api/kernels/{kernel}").status_code == 204
    assert dev.get(live.url + "/voila/render/brouillon.ipynb").status_code == 200


def test_audit_has_the_events_and_no_secret(live):
    events = _audit(live)
    actions = {e["action"] for e in events}
    assert {"connexion", "deconnexion", "ouverture_tableau_de_bord", "creation_compte", "desactivation_compte",
            "changement_mot_de_passe", "mot_de_passe_expire"} <= actions
    text = (live.workspace / "logs" / "audit.jsonl").read_text(encoding="utf-8")
    for password in PASSWORDS.values():
        assert password not in text
    assert "rsu_session" not in text and "_xsrf" not in text
    s = live.session()
    assert s.get(live.url + "/rendered/observatoire/rapport.pdf").status_code == 200
    last = _audit(live)[-1]
    assert last["action"] == "telechargement_rapport" and last["ressource"] == "observatoire/rapport.pdf"
    assert last["adresse"] == "127.0.0.1" and last["horodatage"].endswith("Z")
    out = run_cli(live.env, live.workspace, "audit", "--user", "ancien").stdout
    assert "changement_mot_de_passe" in out
