"""Server building blocks without a server: password policy, accounts, throttling, sessions,
audit log, settings, route families, web space rules, CLI."""

from __future__ import annotations

import json
import os
import stat
import time

import pytest
from click.testing import CliRunner

from workspace_lib.config import Workspace
from workspace_lib.server import audit, guard, passwords, throttle, webspace
from workspace_lib.server.__main__ import main as server_cli
from workspace_lib.server.sessions import Sessions
from workspace_lib.server.settings import Publications, ServerSettings
from workspace_lib.server.store import AccountError, Store
from workspace_lib.server.tls import ensure_certificate

GOOD = "une phrase de passe correcte"


@pytest.mark.parametrize("password", ["court", "a" * 11, "x" * 129, "azertyuiop123", "motdepasse1234",
                                      "Password!2024", "aaaaaaaaaaaaaaa", "123456789012345", "ababababababab",
                                      "jeanne.martin-secret", "azerty2024!!!!"])
def test_policy_refuses(password):
    with pytest.raises(passwords.PasswordRejected):
        passwords.check_policy(password, login="jeanne.martin")


@pytest.mark.parametrize("password", ["cheval agrafe batterie", ("le vent se lève " * 8)[:128], "Élan vital des tableaux", "a1b2c3d4e5f6g7"])
def test_policy_accepts_without_composition_rules(password):
    passwords.check_policy(password, login="jeanne")


def test_argon2id_hash_and_verify():
    digest = passwords.hash_password(GOOD)
    assert digest.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify_password(digest, GOOD)
    assert not passwords.verify_password(digest, GOOD + "x")
    assert not passwords.verify_password(None, GOOD)


def test_store_accounts(tmp_path):
    store = Store(tmp_path / "comptes.sqlite")
    assert stat.S_IMODE(os.stat(tmp_path / "comptes.sqlite").st_mode) == 0o600
    store.add("jeanne", "analyste", GOOD)
    with pytest.raises(AccountError, match="existe déjà"):
        store.add("jeanne", "analyste", GOOD)
    with pytest.raises(AccountError, match="Rôle"):
        store.add("paul", "admin", GOOD)
    with pytest.raises(passwords.PasswordRejected, match="différent"):
        store.set_password("jeanne", GOOD, current=GOOD)
    account = store.require("jeanne")
    assert not account.password_expired(365)
    store.set_password_date("jeanne", time.time() - 366 * 86400)
    assert store.require("jeanne").password_expired(365)
    assert not store.require("jeanne").password_expired(0)  # 0 turns expiry off
    assert store.use_totp_step("jeanne", 100) and not store.use_totp_step("jeanne", 100)


def test_sessions_end_on_logout_disable_idle_and_absolute(tmp_path, monkeypatch):
    store = Store(tmp_path / "comptes.sqlite")
    store.add("jeanne", "analyste", GOOD)
    sessions = Sessions(store, idle_seconds=60, max_seconds=3600)
    first, second = sessions.create("jeanne", "10.0.0.1"), sessions.create("jeanne", "10.0.0.1")
    assert first != second and sessions.lookup(first).login == "jeanne"
    with store.connect() as con:  # only a digest of the id is stored
        assert not con.execute("SELECT 1 FROM sessions WHERE id_hash = ?", (first,)).fetchone()
    sessions.end(first)
    assert sessions.lookup(first) is None and sessions.lookup(second) is not None
    store.set_disabled("jeanne", True)
    assert sessions.lookup(second) is None
    store.set_disabled("jeanne", False)
    now = time.time()
    idle = sessions.create("jeanne", None)
    monkeypatch.setattr(time, "time", lambda: now + 61)
    assert sessions.lookup(idle) is None  # idle timeout
    busy = sessions.create("jeanne", None)
    for step in range(1, 70):  # active every 55 s, but past the absolute timeout after an hour
        monkeypatch.setattr(time, "time", lambda: now + 61 + step * 55)
        alive = sessions.lookup(busy) is not None
        if step * 55 > 3600:
            assert not alive
            break
        assert alive


def test_throttle_backoff_capped_persisted_and_known_addresses(tmp_path, monkeypatch):
    path = tmp_path / "comptes.sqlite"
    now = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    t = throttle.Throttle(Store(path))
    t.success("jeanne", "10.0.0.1")  # jeanne's usual address
    for _ in range(throttle.ACCOUNT_FREE):
        assert t.check("jeanne", "6.6.6.6").allowed
        t.failure("jeanne", "6.6.6.6")
    verdict = throttle.Throttle(Store(path)).check("jeanne", "6.6.6.6")  # persisted: new objects
    assert not verdict.allowed and verdict.reason == "compte" and "Réessayez dans 1 minute" in verdict.message()
    assert not t.check("jeanne", "7.7.7.7").allowed  # any unknown address
    assert t.check("jeanne", "10.0.0.1").allowed  # the user's own address is not locked out
    for _ in range(30):  # the delay doubles but is capped
        now[0] += throttle.MAX_DELAY + 1
        t.failure("jeanne", "7.7.7.%d" % _)
    assert t.check("jeanne", "8.8.8.8").wait_seconds <= throttle.MAX_DELAY + 1
    now[0] += throttle.MAX_DELAY + 1
    assert t.check("jeanne", "8.8.8.8").allowed
    t.success("jeanne", "10.0.0.1")
    assert t.check("jeanne", "9.9.9.9").allowed


def test_throttle_per_address(tmp_path, monkeypatch):
    t = throttle.Throttle(Store(tmp_path / "comptes.sqlite"))
    for i in range(throttle.ADDRESS_FREE):
        t.failure(f"compte{i}", "6.6.6.6")
    verdict = t.check("autre", "6.6.6.6")
    assert not verdict.allowed and verdict.reason == "adresse"


def test_audit_drops_secrets_and_filters(tmp_path):
    ws = Workspace.locate(tmp_path).ensure()
    audit.audit_event(ws, action="connexion", utilisateur="jeanne", role="analyste", adresse="10.0.0.1",
                      ressource="/login", resultat="echec", password="secret!", mot_de_passe="x", token="t",
                      cookie="c", totp_code="123456", motif="mot_de_passe")
    audit.audit_event(ws, action="import", utilisateur="paul", ressource="rsu.csv", lignes=10)
    text = audit.audit_path(ws).read_text(encoding="utf-8")
    assert "secret!" not in text and "123456" not in text and '"t"' not in text
    first = json.loads(text.splitlines()[0])
    assert set(first) == {"horodatage", "utilisateur", "role", "adresse", "action", "ressource", "resultat", "details"}
    assert first["horodatage"].endswith("Z") and first["details"] == {"motif": "mot_de_passe"}
    assert [e["action"] for e in audit.read_audit(ws, user="paul")] == ["import"]
    assert len(list(audit.read_audit(ws, since="1h"))) == 2
    assert list(audit.read_audit(ws, since="2999-01-01")) == []
    with pytest.raises(ValueError, match="ni une date"):
        list(audit.read_audit(ws, since="hier"))


def test_settings_and_publications(tmp_path):
    ws = Workspace.locate(tmp_path / "espace").ensure()
    notebooks = tmp_path / "nb"
    notebooks.mkdir()
    for name, meta in (("a.ipynb", {}), ("b.ipynb", {"rsu": {"publication": "public"}}),
                       ("c.ipynb", {"rsu": {"publication": "public"}})):
        (notebooks / name).write_text(json.dumps({"metadata": meta, "cells": []}))
    ws.settings_path.write_text(f'[serveur]\nnotebooks = "{notebooks}"\n[tableaux_de_bord]\n'
                                '"a.ipynb" = "analystes"\n"c.ipynb" = "non"\n', encoding="utf-8")
    settings = ServerSettings.from_workspace(ws)
    assert settings.password_max_age_days == 365 and settings.notebooks_dir == notebooks.resolve()
    pubs = Publications(settings)
    assert pubs.of("a.ipynb") == "analystes"
    assert pubs.of("b.ipynb") == "public"  # metadata
    assert pubs.of("c.ipynb") is None  # settings win over metadata
    assert pubs.of("../espace/workspace.toml") is None and pubs.resolve("../x.ipynb") is None
    ws.settings_path.write_text('[tableaux_de_bord]\n"a.ipynb" = "tous"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="public"):
        ServerSettings.from_workspace(ws)


def test_route_families_deny_by_default():
    assert guard.family_of(r"/voila/render/(.*)$") == "dashboard"
    assert guard.family_of(r"/api/kernels/(?P<kernel_id>\w+-\w+-\w+-\w+-\w+)/channels$") == "kernel"
    assert guard.family_of(r"/api/kernels$") == "developer"
    assert guard.family_of(r"/api/contents(?P<path>(?:(?:/[^/]+)+|/?))$") == "developer"
    assert guard.family_of(r"/une/nouvelle/route$") == "developer"
    assert guard.family_of(r"/rsu/login$", "/rsu/") == "open"


@pytest.mark.parametrize(("role", "path", "verdict"), [
    ("public", "", "ok"), ("public", "observatoire/x.pdf", "ok"), ("public", "employeurs/x.pdf", "login"),
    ("analyste", "employeurs/x.pdf", "ok"), ("analyste", "_campagnes/x.json", "refus"),
    ("developpeur", "_campagnes/x.json", "ok"), ("developpeur", "../x", "absent"), ("analyste", ".git/config", "absent"),
])
def test_webspace_rules(role, path, verdict):
    assert webspace.access(role, path, ("observatoire",)) == verdict


def test_self_signed_certificate(tmp_path):
    cert, key = ensure_certificate(tmp_path / "tls")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert ensure_certificate(tmp_path / "tls") == (cert, key)  # kept on later starts


def test_cli_users_and_audit(tmp_path):
    runner = CliRunner()
    ws = ["--workspace", str(tmp_path / "espace")]
    result = runner.invoke(server_cli, [*ws, "users", "add", "Jeanne", "--role", "analyste"], input=GOOD + "\n")
    assert result.exit_code == 0, result.output
    assert "créé" in result.output
    result = runner.invoke(server_cli, [*ws, "users", "add", "paul", "--role", "analyste"], input="court\n")
    assert result.exit_code == 2 and "au moins 12 caractères" in result.output
    for args in (["disable", "jeanne"], ["enable", "jeanne"], ["set-role", "jeanne", "developpeur"],
                 ["totp", "jeanne"]):
        result = runner.invoke(server_cli, [*ws, "users", *args])
        assert result.exit_code == 0, result.output
    result = runner.invoke(server_cli, [*ws, "users", "reset-password", "jeanne"], input="un autre mot de passe sûr\n")
    assert result.exit_code == 0 and "devra être changé" in result.output
    listing = json.loads(runner.invoke(server_cli, [*ws, "users", "list", "--json"]).output)
    assert listing[0]["login"] == "jeanne" and listing[0]["role"] == "developpeur"
    assert listing[0]["double_authentification"] and listing[0]["mot_de_passe_expire"]
    result = runner.invoke(server_cli, [*ws, "audit", "--action", "creation_compte"])
    assert "jeanne" in result.output and "paul" in result.output  # success and failure
    assert GOOD not in (tmp_path / "espace" / "logs" / "audit.jsonl").read_text(encoding="utf-8")


def test_static_files_need_no_session_lookup(tmp_path, monkeypatch):
    """Open code and styles (about 80 files a page) are served without reading the sessions;
    any other handler, static or not, still looks the session up."""
    from tornado import web

    from workspace_lib.server.identity import RsuIdentityProvider
    from workspace_lib.server.services import services_for

    provider = RsuIdentityProvider(workspace_dir=str(Workspace.locate(tmp_path).ensure().root))
    lookups = []
    monkeypatch.setattr(services_for(provider.workspace_dir).sessions, "lookup", lambda sid: lookups.append(sid))

    def handler(base: type, family: str):
        h = object.__new__(type("H", (base,), {"rsu_family": family}))
        h.get_cookie = lambda name: "jeton"
        return h

    assert provider.get_user(handler(web.StaticFileHandler, "open")).username == "anonyme"
    assert lookups == []
    provider.get_user(handler(web.StaticFileHandler, "developer"))  # e.g. /files/: developers only
    provider.get_user(handler(web.RequestHandler, "open"))  # e.g. the home page
    assert lookups == ["jeton", "jeton"]


def test_voila_templates_are_compiled_once(tmp_path):
    """Two Voilà pages (two exporters, two Jinja environments) share the compiled templates."""
    from voila.exporter import VoilaExporter

    from workspace_lib.server import app

    app._cache_voila_templates()
    folder = tmp_path / "modeles"
    folder.mkdir()
    (folder / "page.j2").write_text("{% for i in range(n) %}{{ i }}{% endfor %}", encoding="utf-8")
    compiled = []
    for _ in range(2):
        exporter = VoilaExporter(template_paths=[str(folder)])
        environment = exporter._create_environment()
        environment.compile = lambda *a, _real=environment.compile, **k: compiled.append(1) or _real(*a, **k)
        assert environment.get_template("page.j2").render(n=3) == "012"
    assert len(compiled) == 1  # the second environment loaded the bytecode
    (folder / "page.j2").write_text("{{ n }} !", encoding="utf-8")  # an edited template is compiled again
    environment = VoilaExporter(template_paths=[str(folder)])._create_environment()
    assert environment.get_template("page.j2").render(n=3) == "3 !"


def test_kernel_readiness_check_is_quick_and_leaves_the_client_unchanged():
    import asyncio

    from jupyter_client.manager import AsyncKernelManager

    from workspace_lib.server import app

    from jupyter_client.channels import AsyncZMQSocketChannel

    app._quick_readiness_check()
    waits = []
    real_get_msg = AsyncZMQSocketChannel.get_msg

    async def spy(self, timeout=None, **kwargs):
        waits.append((self.socket.type, timeout))
        return await real_get_msg(self, timeout=timeout, **kwargs)

    AsyncZMQSocketChannel.get_msg = spy

    async def start_and_check() -> dict:
        manager = AsyncKernelManager(kernel_name="python3")
        await manager.start_kernel()
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            assert "get_msg" not in vars(client.iopub_channel)  # the short wait was only for the check
            msg_id = client.execute("1 + 1")
            while (reply := await client.get_shell_msg(timeout=30))["parent_header"]["msg_id"] != msg_id:
                pass
            return reply["content"]
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)

    try:
        assert asyncio.run(start_and_check())["status"] == "ok"
    finally:
        AsyncZMQSocketChannel.get_msg = real_get_msg
    import zmq

    iopub_waits = [timeout for kind, timeout in waits if kind == zmq.SUB]
    assert iopub_waits and max(iopub_waits) <= 0.05  # jupyter_client asks for 0.2 s
