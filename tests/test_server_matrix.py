"""Role x endpoint x method -> expected status, against a live server over HTTPS.

Roles: anonymous, analyst, developer, disabled user (session opened, then the account disabled),
expired password (logged in, must change it). One server for the module; every kernel, folder
and setting lives in a temporary folder.
"""

from __future__ import annotations

import json
import re
import time
import uuid

import pytest
import websocket

from workspace_lib.server.testing import prepare_server, run_cli

ROLES = ("anonyme", "analyste", "developpeur", "desactive", "expire")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = prepare_server(tmp_path_factory.mktemp("serveur"), per_user=10, total=40)
    run_cli(server.env, server.workspace, "users", "enable", "ferme")
    server.start()
    try:
        sessions = {
            "anonyme": server.session(),
            "analyste": server.login("ana"),
            "developpeur": server.login("dev"),
            "desactive": server.login("ferme"),
            "expire": server.login("ancien"),
        }
        sessions["anonyme"].get(server.url + "/login")
        # Disabling an account ends its sessions on the server: the cookie stays, worthless.
        assert run_cli(server.env, server.workspace, "users", "disable", "ferme").returncode == 0
        for s in sessions.values():
            s.headers["X-XSRFToken"] = s.cookies.get("_xsrf") or ""

        def kernel_of(session, notebook):
            page = session.get(server.url + f"/voila/render/{notebook}")
            assert page.status_code == 200, page.text[:300]
            return re.search(r'"kernelId": "([0-9a-f-]{36})"', page.text).group(1)

        dev = sessions["developpeur"]
        kernels = {
            "ana": kernel_of(sessions["analyste"], "tableau_analystes.ipynb"),
            "public": kernel_of(sessions["anonyme"], "tableau_public.ipynb"),
            "dev": dev.post(server.url + "/api/kernels", json={"name": "python3"}).json()["id"],
            "dev_del": dev.post(server.url + "/api/kernels", json={"name": "python3"}).json()["id"],
        }
        terminal = dev.post(server.url + "/api/terminals").json()["name"]
        server.extra.update(sessions=sessions, kernels=kernels, terminal=terminal)
        yield server
    finally:
        server.stop()


def _own(role: str) -> str:
    return {"analyste": "ana", "developpeur": "dev"}.get(role, "public")


NB = {"type": "notebook", "content": {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}}
# (method, path, body, expected statuses for ROLES; None: not checked for that role)
CASES = [
    # login, home, password
    ("GET", "/login", None, (200, 200, 200, 200, 200)),
    ("POST", "/login", {"username": "personne", "password": "mauvais mot de passe"}, (401, 401, 401, 401, 401)),
    ("GET", "/accueil", None, (200, 200, 200, 200, 302)),
    ("GET", "/", None, (302, 302, 302, 302, 302)),
    ("GET", "/mot-de-passe", None, (302, 200, 200, 302, 200)),
    # JupyterLab
    ("GET", "/lab", None, (302, 403, 200, 302, 302)),
    ("GET", "/lab/tree/brouillon.ipynb", None, (302, 403, 200, 302, 302)),
    ("GET", "/lab/api/settings", None, (403, 403, 200, 403, 403)),
    ("GET", "/lab/api/workspaces", None, (403, 403, 200, 403, 403)),
    ("PUT", "/lab/api/settings/@jupyterlab/apputils-extension:themes", {"raw": "{}"}, (403, 403, 204, 403, 403)),
    # contents read / write
    ("GET", "/api/contents", None, (403, 403, 200, 403, 403)),
    ("GET", "/api/contents/brouillon.ipynb", None, (403, 403, 200, 403, 403)),
    ("GET", "/api/contents/tableau_public.ipynb", None, (403, 403, 200, 403, 403)),
    ("PUT", "/api/contents/nouveau.ipynb", NB, (403, 403, 201, 403, 403)),
    ("POST", "/api/contents", {"type": "file", "ext": ".txt"}, (403, 403, 201, 403, 403)),
    ("DELETE", "/api/contents/tableau_meta.ipynb", None, (403, 403, None, 403, 403)),
    ("GET", "/files/brouillon.ipynb", None, (302, 403, 200, 302, 302)),
    ("GET", "/nbconvert/html/brouillon.ipynb", None, (302, 403, 200, 302, 302)),
    # kernels REST
    ("GET", "/api/kernels", None, (403, 403, 200, 403, 403)),
    ("POST", "/api/kernels", {"name": "python3"}, (403, 403, 201, 403, 403)),
    ("GET", "/api/kernels/{own}", None, (200, 200, 200, 200, 200)),
    ("GET", "/api/kernels/{ana}", None, (403, 200, 200, 403, 403)),
    ("GET", "/api/kernels/{dev}", None, (403, 403, 200, 403, 403)),
    ("GET", "/api/kernels/{public}", None, (200, 403, 200, 200, 200)),
    ("POST", "/api/kernels/{own}/interrupt", None, (403, 403, 204, 403, 403)),
    ("POST", "/api/kernels/{ana}/restart", None, (403, 403, None, 403, 403)),
    ("DELETE", "/api/kernels/{dev_del}", None, (403, 403, 204, 403, 403)),
    ("POST", "/voila/api/shutdown/{dev}", None, (403, 403, None, 403, 403)),
    ("GET", "/api/kernelspecs", None, (403, 403, 200, 403, 403)),
    ("GET", "/api/sessions", None, (403, 403, 200, 403, 403)),
    # terminals and server API
    ("GET", "/api/terminals", None, (403, 403, 200, 403, 403)),
    ("POST", "/api/terminals", None, (403, 403, 200, 403, 403)),
    ("GET", "/api/me", None, (403, 403, 200, 403, 403)),
    ("GET", "/api/status", None, (403, 403, 200, 403, 403)),
    ("POST", "/api/shutdown", None, (403, 403, None, 403, 403)),
    # Voilà pages
    ("GET", "/voila/render/tableau_public.ipynb", None, (200, 200, 200, 200, 200)),
    ("GET", "/voila/render/tableau_analystes.ipynb", None, (302, 200, 200, 302, 302)),
    ("GET", "/voila/render/tableau_meta.ipynb", None, (302, 200, 200, 302, 302)),
    ("GET", "/voila/render/brouillon.ipynb", None, (403, 403, 200, 403, 403)),
    ("GET", "/voila/render/absent.ipynb", None, (404, 404, 404, 404, 404)),
    ("GET", "/voila/render/%2e%2e/espace/workspace.toml", None, (404, 404, 404, 404, 404)),
    ("GET", "/voila/tree", None, (302, 403, 200, 302, 302)),
    ("GET", "/voila", None, (302, 403, 200, 302, 302)),
    ("GET", "/voila/files/brouillon.ipynb", None, (302, 403, 403, 302, 302)),
    ("GET", "/voila/api/contents", None, (403, 403, 200, 403, 403)),
    # web space
    ("GET", "/rendered/", None, (200, 200, 200, 200, 200)),
    ("GET", "/rendered/observatoire/rapport.pdf", None, (200, 200, 200, 200, 200)),
    ("GET", "/rendered/observatoire/", None, (200, 200, 200, 200, 200)),
    ("GET", "/rendered/employeurs/rapport.pdf", None, (302, 200, 200, 302, 302)),
    ("GET", "/rendered/employeurs/index.html", None, (302, 200, 200, 302, 302)),
    ("GET", "/rendered/_campagnes/rapport.pdf", None, (302, 403, 200, 302, 302)),
    ("GET", "/rendered/%2e%2e/workspace.toml", None, (404, 404, 404, 404, 404)),
    ("GET", "/rendered/%2e%2e/comptes.sqlite", None, (404, 404, 404, 404, 404)),
    ("GET", "/rendered/absent.pdf", None, (302, 404, 404, 302, 302)),
    # static files (code and styles only: open to all)
    ("GET", "/static/favicons/favicon.ico", None, (200, 200, 200, 200, 200)),
    ("GET", "/voila/static/voila.js", None, (200, 200, 200, 200, 200)),
    ("GET", "/n-existe-pas", None, (404, 404, 404, 404, 404)),
]


def _params():
    for method, path, body, expected in CASES:
        for role, status in zip(ROLES, expected):
            if status is not None:
                yield pytest.param(method, path, body, role, status, id=f"{role}-{method}-{path}")


@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), list(_params()))
def test_endpoint_matrix(live, method, path, body, role, expected):
    kernels = live.extra["kernels"]
    url = live.url + path.format(own=kernels[_own(role)], **kernels)
    session = live.extra["sessions"][role]
    kwargs = {"allow_redirects": False, "timeout": 60}
    if body is not None:
        if path == "/login":
            kwargs["data"] = {**body, "_xsrf": session.cookies.get("_xsrf")}
        else:
            kwargs["json"] = body
    response = session.request(method, url, **kwargs)
    assert response.status_code == expected, response.text[:300]
    # Every response carries the security headers.
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = response.headers["Content-Security-Policy"]
    if path == "/voila/render/tableau_public.ipynb" and role != "analyste" and role != "developpeur":
        assert csp == "frame-ancestors 'self' https://www.cdg-test.fr"
    else:
        assert csp == "frame-ancestors 'none'"


def _ws(live, role: str, path: str) -> int:
    session = live.extra["sessions"][role]
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    try:
        ws = websocket.create_connection(
            live.url.replace("https://", "wss://") + path, sslopt={"ca_certs": live.cafile},
            cookie=cookie, origin=live.url, timeout=20)
    except websocket.WebSocketBadStatusException as exc:
        return exc.status_code
    ws.close()
    return 101


WS_CASES = [
    ("/api/kernels/{own}/channels", (101, 101, 101, 101, 101)),
    ("/api/kernels/{ana}/channels", (403, 101, 101, 403, 403)),
    ("/api/kernels/{dev}/channels", (403, 403, 101, 403, 403)),
    ("/api/kernels/{public}/channels", (101, 403, 101, 101, 101)),
    ("/terminals/websocket/{terminal}", (403, 403, 101, 403, 403)),
    ("/api/events/subscribe", (403, 403, 101, 403, 403)),
]


@pytest.mark.parametrize(("path", "role", "expected"), [
    pytest.param(path, role, status, id=f"ws-{role}-{path}")
    for path, statuses in WS_CASES for role, status in zip(ROLES, statuses)])
def test_websocket_matrix(live, path, role, expected):
    kernels = live.extra["kernels"]
    target = path.format(own=kernels[_own(role)], terminal=live.extra["terminal"], **kernels)
    assert _ws(live, role, target) == expected


def _message(msg_type: str, content: dict) -> str:
    return json.dumps({
        "header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": uuid.uuid4().hex,
                   "username": "", "date": "", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []})


def _replies(ws, seconds: float) -> list[str]:
    types, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            msg = json.loads(ws.recv())
        except (websocket.WebSocketTimeoutException, TimeoutError):
            break
        types.append(msg["header"]["msg_type"])
    return types


@pytest.mark.parametrize(("role", "kernel", "runs"), [("analyste", "ana", False), ("anonyme", "public", False),
                                                      ("developpeur", "dev", True)])
def test_execute_request_dropped_for_non_developers(live, role, kernel, runs):
    marker = live.base / f"execute-{role}.txt"
    session = live.extra["sessions"][role]
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    ws = websocket.create_connection(
        live.url.replace("https://", "wss://") + f"/api/kernels/{live.extra['kernels'][kernel]}/channels",
        sslopt={"ca_certs": live.cafile}, cookie=cookie, origin=live.url, timeout=20)
    try:
        ws.send(_message("execute_request", {"code": f"open({str(marker)!r}, 'w').write('x')", "silent": False,
                                              "store_history": False, "user_expressions": {},
                                              "allow_stdin": False, "stop_on_error": True}))
        ws.send(_message("kernel_info_request", {}))
        types = _replies(ws, 8 if runs else 4)
    finally:
        ws.close()
    assert "kernel_info_reply" in types  # the connection works...
    assert ("execute_reply" in types) is runs  # ...but only a developer's code runs
    assert marker.exists() is runs


def test_matrix_is_large_enough():
    assert sum(1 for _ in _params()) + len(WS_CASES) * len(ROLES) >= 60
