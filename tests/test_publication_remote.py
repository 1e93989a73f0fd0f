"""Publication of a campaign folder to real local servers: SFTP (asyncssh), WebDAV (wsgidav on
cheroot), S3 (moto's server). Each test publishes a small fake campaign folder (no notebook is
rendered) and reads the target back with an independent client (paramiko, httpx, boto3)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import stat
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from workspace_lib.render import CampaignError, load
from workspace_lib.render.publish import copy_to_target, publish_run
from workspace_lib.render.remote import TEMP_SUFFIX, PublicationError

USER = "rapports"
PASSWORD = "Tr3s-s3cret!mdp"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running target: its publication section and an independent reader of the campaign folder."""

    kind: str
    publication: Callable[[str], dict[str, Any]]  # campaign folder name -> publication section
    read: Callable[[str], dict[str, bytes]]        # folder -> {relative path: bytes} (empty if absent)
    put: Callable[[str, bytes], None]              # write a file the publication did not make
    root: Path | None                              # the served folder, if local
    wrong_password: Callable[[str], dict[str, Any]] | None = None
    down: Callable[[str], dict[str, Any]] | None = None  # a closed port


def _writer(root: Path) -> Callable[[str, bytes], None]:
    def put(path: str, data: bytes) -> None:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    return put


# SFTP -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sftp_server(tmp_path_factory):
    asyncssh = pytest.importorskip("asyncssh")
    root = tmp_path_factory.mktemp("sftp-root")
    (root / "srv" / "web").mkdir(parents=True)
    keys = tmp_path_factory.mktemp("sftp-keys")
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    (keys / "id_ed25519").write_bytes(client_key.export_private_key("openssh"))
    (keys / "id_ed25519").chmod(0o600)

    class SSHServer(asyncssh.SSHServer):
        def begin_auth(self, username: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, username: str, password: str) -> bool:
            return username == USER and password == PASSWORD

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    async def listen():
        return await asyncssh.listen(
        "127.0.0.1", 0, server_host_keys=[host_key], server_factory=SSHServer,
        authorized_client_keys=asyncssh.import_authorized_keys(
            client_key.export_public_key().decode()),
        sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root)))

    acceptor = asyncio.run_coroutine_threadsafe(listen(), loop).result(10)
    port = acceptor.get_port()
    known = keys / "known_hosts"
    known.write_text(f"[127.0.0.1]:{port} {host_key.export_public_key().decode().split()[0]} "
                     f"{host_key.export_public_key().decode().split()[1]}\n")
    yield SimpleNamespace(root=root, port=port, known=known, key=keys / "id_ed25519", keys=keys)
    acceptor.close()
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def _paramiko_sftp(srv):
    import paramiko

    client = paramiko.SSHClient()
    client.load_host_keys(str(srv.known))
    client.connect("127.0.0.1", port=srv.port, username=USER, password=PASSWORD, allow_agent=False,
                   look_for_keys=False)
    return client


def _sftp(srv) -> Server:
    def publication(folder: str, **extra: Any) -> dict[str, Any]:
        return {"cible": f"sftp://{USER}@127.0.0.1:{srv.port}/srv/web/{folder}",
                "variable_mot_de_passe": "RSU_TEST_SFTP_MDP", "hotes_connus": str(srv.known), **extra}

    def read(folder: str) -> dict[str, bytes]:
        client = _paramiko_sftp(srv)
        sftp = client.open_sftp()
        out: dict[str, bytes] = {}

        def walk(path: str, prefix: str) -> None:
            for entry in sftp.listdir_attr(path):
                if stat.S_ISDIR(entry.st_mode):
                    walk(f"{path}/{entry.filename}", f"{prefix}{entry.filename}/")
                else:
                    with sftp.open(f"{path}/{entry.filename}", "rb") as handle:
                        out[prefix + entry.filename] = handle.read()
        try:
            walk(f"/srv/web/{folder}", "")
        except FileNotFoundError:
            pass
        client.close()
        return out

    return Server("sftp", publication, read, _writer(srv.root / "srv/web"), srv.root / "srv/web",
                  wrong_password=lambda folder: publication(folder, variable_mot_de_passe="RSU_TEST_SFTP_FAUX"),
                  down=lambda folder: {**publication(folder),
                                       "cible": f"sftp://{USER}@127.0.0.1:{_free_port()}/srv/web/{folder}"})


# WebDAV -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def webdav_server(tmp_path_factory):
    pytest.importorskip("wsgidav")
    from cheroot import wsgi
    from wsgidav.wsgidav_app import WsgiDAVApp

    root = tmp_path_factory.mktemp("webdav-root")
    (root / "web").mkdir()
    readonly = tmp_path_factory.mktemp("webdav-readonly")
    app = WsgiDAVApp({
        "provider_mapping": {"/lecture": {"root": str(readonly), "readonly": True}, "/": str(root)},
        "simple_dc": {"user_mapping": {"*": {USER: {"password": PASSWORD}}}},
        "http_authenticator": {"accept_basic": True, "accept_digest": False, "default_to_digest": False},
        "verbose": 1, "logging": {"enable": False}, "lock_storage": True, "property_manager": True,
    })
    server = wsgi.Server(("127.0.0.1", 0), app, numthreads=4)
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    yield SimpleNamespace(root=root, port=server.bind_addr[1])
    server.stop()
    thread.join(5)


def _webdav(srv) -> Server:
    import httpx

    base = f"http://127.0.0.1:{srv.port}"

    def publication(folder: str, **extra: Any) -> dict[str, Any]:
        return {"cible": f"webdav+http://{USER}@127.0.0.1:{srv.port}/web/{folder}",
                "variable_mot_de_passe": "RSU_TEST_DAV_MDP", **extra}

    def read(folder: str) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        with httpx.Client(base_url=base, auth=(USER, PASSWORD)) as client:
            def walk(path: str) -> None:
                reply = client.request("PROPFIND", path, headers={"Depth": "1"})
                if reply.status_code == 404:
                    return
                assert reply.status_code == 207, reply.text
                for response in ET.fromstring(reply.content).findall("{DAV:}response"):
                    href = unquote(urlsplit(response.findtext("{DAV:}href")).path)
                    if href.rstrip("/") == path.rstrip("/"):
                        continue
                    if response.find(".//{DAV:}collection") is not None:
                        walk(href)
                    else:
                        got = client.get(href)
                        assert got.status_code == 200
                        out[href[len(f"/web/{folder}/"):]] = got.content
            walk(f"/web/{folder}/")
        return out

    return Server("webdav", publication, read, _writer(srv.root / "web"), srv.root / "web",
                  wrong_password=lambda folder: publication(folder, variable_mot_de_passe="RSU_TEST_DAV_FAUX"),
                  down=lambda folder: {**publication(folder),
                                       "cible": f"webdav+http://{USER}@127.0.0.1:{_free_port()}/web/{folder}"})


# S3 ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def s3_server():
    pytest.importorskip("moto")
    import boto3
    from moto.server import ThreadedMotoServer

    import httpx

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # Moto checks the keys (IAM) once the first 4 requests below are done.
    httpx.post(f"{endpoint}/moto-api/reset-auth", content="4").raise_for_status()
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="amorce",
                       aws_secret_access_key="amorce")
    iam.create_user(UserName="publication")
    iam.put_user_policy(UserName="publication", PolicyName="s3", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="publication")["AccessKey"]
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    client.create_bucket(Bucket="web")
    yield SimpleNamespace(endpoint=endpoint, client=client, key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    httpx.post(f"{endpoint}/moto-api/reset-auth", content="inf")
    server.stop()


def _s3(srv) -> Server:
    options = {"endpoint_url": srv.endpoint, "client_kwargs": {"region_name": "us-east-1"},
               "config_kwargs": {"retries": {"max_attempts": 1}, "connect_timeout": 2}}

    def publication(folder: str, secret: str = "RSU_TEST_S3_SECRET") -> dict[str, Any]:
        return {"cible": f"s3://web/rapports/{folder}", "variable_cle_acces": "RSU_TEST_S3_CLE",
                "variable_cle_secrete": secret, "options": options}

    def read(folder: str) -> dict[str, bytes]:
        prefix = f"rapports/{folder}/"
        listed = srv.client.list_objects_v2(Bucket="web", Prefix=prefix).get("Contents", [])
        return {o["Key"][len(prefix):]: srv.client.get_object(Bucket="web", Key=o["Key"])["Body"].read()
                for o in listed}

    def put(path: str, data: bytes) -> None:
        srv.client.put_object(Bucket="web", Key=f"rapports/{path}", Body=data)

    return Server("s3", publication, read, put, None,
                  wrong_password=lambda folder: publication(folder, secret="RSU_TEST_S3_FAUX"),
                  down=lambda folder: {**publication(folder), "options": {
                      **options, "endpoint_url": f"http://127.0.0.1:{_free_port()}"}})


@pytest.fixture(params=["sftp", "webdav", "s3"])
def server(request, monkeypatch) -> Server:
    monkeypatch.setenv("RSU_TEST_SFTP_MDP", PASSWORD)
    monkeypatch.setenv("RSU_TEST_SFTP_FAUX", "mauvais-" + PASSWORD)
    monkeypatch.setenv("RSU_TEST_DAV_MDP", PASSWORD)
    monkeypatch.setenv("RSU_TEST_DAV_FAUX", "mauvais-" + PASSWORD)
    fixture = request.getfixturevalue(f"{request.param}_server")
    if request.param == "s3":
        monkeypatch.setenv("RSU_TEST_S3_CLE", fixture.key)
        monkeypatch.setenv("RSU_TEST_S3_SECRET", fixture.secret)
        monkeypatch.setenv("RSU_TEST_S3_FAUX", "mauvais-" + PASSWORD)
    return {"sftp": _sftp, "webdav": _webdav, "s3": _s3}[request.param](fixture)


# A fake campaign folder ------------------------------------------------------------------

def _campaign_folder(base: Path, name: str) -> Path:
    out = base / name
    files = {
        "index.html": b"<html>index</html>",
        "2024/48/22048001600017-mairie.html": "<p>Mairie é</p>".encode(),
        "2024/48/22048001600017-mairie.pdf": bytes(range(256)) * 40,
        "2023/48/22048001600017-mairie.pdf": b"%PDF-1.7 ancien",
        "_campagnes/etat.jsonl": b"{}\n",
    }
    for relative, data in files.items():
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_bytes(data)
    return out


def _local(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and "_campagnes" not in p.relative_to(out).parts}


def _folder_server(root: Path) -> Server:
    def read(folder: str) -> dict[str, bytes]:
        return {p.relative_to(root / folder).as_posix(): p.read_bytes()
                for p in (root / folder).rglob("*") if p.is_file()}

    return Server("file", lambda folder: {"cible": (root / folder).as_uri()}, read, _writer(root), root)


def test_mirror_to_another_folder(tmp_path):
    test_mirror_overwrite_and_retention(_folder_server(tmp_path / "web"), tmp_path)


def test_mirror_overwrite_and_retention(server: Server, tmp_path):
    out = _campaign_folder(tmp_path / "rendered", "synthese")
    server.put("voisin/garder.txt", b"autre site")              # outside the campaign folder
    server.put("synthese/manuel.txt", b"pose a la main")          # inside, not published by us
    server.put(f"synthese/index.html{TEMP_SUFFIX}", b"<html>")    # left by an interrupted publication
    t0 = time.perf_counter()
    assert copy_to_target(out, server.publication("synthese")) == 4
    remote = server.read("synthese")
    assert remote == {**_local(out), "manuel.txt": b"pose a la main"}
    assert not any(name.endswith(TEMP_SUFFIX) or "_campagnes" in name for name in remote)

    # Nothing changed: nothing sent.
    assert copy_to_target(out, server.publication("synthese")) == 0
    # A report redone, the 2023 run removed by retention, a new report, a new index.
    (out / "2024/48/22048001600017-mairie.html").write_bytes(b"<p>nouvelle version</p>")
    (out / "2023/48/22048001600017-mairie.pdf").unlink()
    (out / "2023/48").rmdir()
    (out / "2025/48").mkdir(parents=True)
    (out / "2025/48/22048001600017-mairie.pdf").write_bytes(b"%PDF 2025")
    (out / "index.html").write_bytes(b"<html>index 2</html>")
    assert copy_to_target(out, server.publication("synthese")) == 3
    remote = server.read("synthese")
    assert remote == {**_local(out), "manuel.txt": b"pose a la main"}
    assert server.read("voisin") == {"garder.txt": b"autre site"}
    if server.root:  # the folders emptied by retention are gone
        assert not (server.root / "synthese/2023").exists() and (server.root / "synthese/2024/48").is_dir()
    assert time.perf_counter() - t0 < 20


def test_target_down_or_wrong_password_gives_a_french_error(server: Server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    out = _campaign_folder(tmp_path / "rendered", "refus")
    cases = [("down", "connexion impossible")]
    if server.wrong_password:
        cases.append(("wrong_password", "authentification refusée"))
    for case, expected in cases:
        publication = getattr(server, case)("refus")
        t0 = time.perf_counter()
        with pytest.raises(PublicationError) as info:
            copy_to_target(out, publication)
        message = str(info.value)
        assert expected in message, message
        assert publication["cible"] in message and "Publication vers" in message
        assert PASSWORD not in message and "mauvais" not in message
        assert time.perf_counter() - t0 < 15
    assert server.read("refus") == {}
    assert PASSWORD not in caplog.text


def test_publish_run_keeps_the_local_web_space_and_records_the_failure(server: Server, workspace):
    out = _campaign_folder(workspace.rendered_dir, "echec")
    (out / "index.html").unlink()
    manifest = out / "_campagnes" / "executions" / "20260101T000000Z.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"campagne": "echec", "rapports": []}), encoding="utf-8")
    camp = SimpleNamespace(nom="echec", titre="Échec", conservation=5, publication=server.down("echec"))
    with pytest.raises(PublicationError) as info:
        publish_run(workspace, camp, manifest)
    assert "Campagne « echec »" in str(info.value) and "restent publiés" in str(info.value)
    assert (out / "index.html").exists() and (workspace.rendered_dir / "index.html").exists()
    recorded = json.loads(manifest.read_text(encoding="utf-8"))["publication"]
    assert recorded["statut"] == "echec" and "connexion impossible" in recorded["erreur"]

    camp.publication = server.publication("echec")
    publish_run(workspace, camp, manifest)
    assert json.loads(manifest.read_text(encoding="utf-8"))["publication"]["statut"] == "publie"
    assert server.read("echec") == _local(out)


# WebDAV details ---------------------------------------------------------------------------

@pytest.fixture
def webdav(webdav_server, monkeypatch) -> Server:
    monkeypatch.setenv("RSU_TEST_DAV_MDP", PASSWORD)
    return _webdav(webdav_server)


def test_webdav_read_only_folder_is_a_permission_error(webdav, webdav_server, tmp_path):
    out = _campaign_folder(tmp_path / "rendered", "lecture")
    publication = {**webdav.publication("x"), "cible": f"webdav+http://{USER}@127.0.0.1:{webdav_server.port}/lecture/x"}
    with pytest.raises(PublicationError) as info:
        copy_to_target(out, publication)
    assert "permission refusée" in str(info.value) and "/lecture/x" in str(info.value), str(info.value)


def test_webdav_failed_rename_leaves_no_temporary_file(webdav, tmp_path, monkeypatch):
    from workspace_lib.render import remote

    out = _campaign_folder(tmp_path / "rendered", "coupure")
    copy_to_target(out, webdav.publication("coupure"))
    (out / "index.html").write_bytes(b"<html>jamais publiee</html>")

    def broken(self, temporary, destination):
        raise ConnectionResetError("connexion coupée")

    monkeypatch.setattr(remote._WebdavTarget, "_replace", broken)
    with pytest.raises(PublicationError, match=r"connexion interrompue \(fichier index.html\)"):
        copy_to_target(out, webdav.publication("coupure"))
    published = webdav.read("coupure")
    assert published["index.html"] == b"<html>index</html>"  # the old one, whole
    assert not any(name.endswith(TEMP_SUFFIX) for name in published)
    monkeypatch.undo()
    monkeypatch.setenv("RSU_TEST_DAV_MDP", PASSWORD)
    assert copy_to_target(out, webdav.publication("coupure")) == 1
    assert webdav.read("coupure") == _local(out)


# SFTP details -----------------------------------------------------------------------------

@pytest.fixture
def sftp(sftp_server, monkeypatch) -> Server:
    monkeypatch.setenv("RSU_TEST_SFTP_MDP", PASSWORD)
    return _sftp(sftp_server)


def test_sftp_failed_upload_leaves_no_temporary_file(sftp, sftp_server, tmp_path):
    out = _campaign_folder(tmp_path / "rendered", "bloque")
    # A folder where a report should go: the rename fails on the server.
    (sftp_server.root / "srv/web/bloque/2024/48/22048001600017-mairie.pdf").mkdir(parents=True)
    with pytest.raises(PublicationError) as info:
        copy_to_target(out, sftp.publication("bloque"))
    assert "sftp://rapports@127.0.0.1" in str(info.value)
    assert "(fichier 2024/48/22048001600017-mairie.pdf)" in str(info.value)
    left = [p.name for p in (sftp_server.root / "srv/web/bloque").rglob("*")]
    assert not any(name.endswith(TEMP_SUFFIX) for name in left), left
    (sftp_server.root / "srv/web/bloque/2024/48/22048001600017-mairie.pdf").rmdir()
    copy_to_target(out, sftp.publication("bloque"))
    assert sftp.read("bloque") == _local(out)


def test_sftp_without_posix_rename_replaces_files(sftp, tmp_path, monkeypatch):
    """Servers that only know SFTP v3 rename (no OpenSSH extension): remove, then rename."""
    import paramiko

    def unsupported(self, old, new):
        raise OSError("Operation unsupported")

    monkeypatch.setattr(paramiko.SFTPClient, "posix_rename", unsupported)
    out = _campaign_folder(tmp_path / "rendered", "v3")
    copy_to_target(out, sftp.publication("v3"))
    (out / "index.html").write_bytes(b"<html>v3 bis</html>")
    assert copy_to_target(out, sftp.publication("v3")) == 1
    assert sftp.read("v3") == _local(out)


def test_sftp_key_file_and_unknown_host_key(sftp, sftp_server, tmp_path):
    out = _campaign_folder(tmp_path / "rendered", "cle")
    by_key = sftp.publication("cle", cle_ssh=str(sftp_server.key))
    del by_key["variable_mot_de_passe"]
    assert copy_to_target(out, by_key) == 4
    assert sftp.read("cle") == _local(out)

    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(PublicationError) as info:
        copy_to_target(out, sftp.publication("cle", hotes_connus=str(empty)))
    assert "clé du serveur SSH 127.0.0.1 est inconnue" in str(info.value)
    assert f"ssh-keyscan -p {sftp_server.port} 127.0.0.1" in str(info.value)

    other = sftp_server.keys / "autre_hote"
    import asyncssh

    fake = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().split()[:2]
    other.write_text(f"[127.0.0.1]:{sftp_server.port} {' '.join(fake)}\n")
    with pytest.raises(PublicationError) as info:
        copy_to_target(out, sftp.publication("cle", hotes_connus=str(other)))
    assert "ne correspond pas" in str(info.value)


def test_missing_password_variable(sftp, tmp_path, monkeypatch):
    out = _campaign_folder(tmp_path / "rendered", "sansvar")
    with pytest.raises(PublicationError, match="RSU_TEST_ABSENTE .mot de passe SFTP. n'est pas définie"):
        copy_to_target(out, sftp.publication("sansvar", variable_mot_de_passe="RSU_TEST_ABSENTE"))


# Validation of the campaign file ---------------------------------------------------------

def _load_with(tmp_path: Path, publication: Any):
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text("{}")
    path = tmp_path / "campagne.yaml"
    path.write_text(yaml.safe_dump({"nom": "essai", "notebook": "nb.ipynb", "parametres": {"annee": [2024]},
                                    "formats": ["html"], "chemin": "{annee}", "publication": publication}),
                    encoding="utf-8")
    return load(path, root=tmp_path)


@pytest.mark.parametrize("publication, key, words", [
    ({"cible": "sftp://u@h/srv", "mot_de_passe": "x"}, "publication.mot_de_passe", "aucun secret"),
    ({"cible": "sftp://u:secret@h/srv"}, "publication.cible", "ne doit pas être écrit dans l'adresse"),
    ({"cible": "s3://seau/p", "options": {"secret": "x"}}, "publication.options.secret", "réglage refusé"),
    ({"cible": "s3://seau/p", "options": {"client_kwargs": {"aws_secret_access_key": "x"}}},
     "publication.options.client_kwargs.aws_secret_access_key", "réglage refusé"),
    ({"cible": "sftp://u@h/srv", "options": {"host_key_policy": "auto_add"}},
     "publication.options.host_key_policy", "réglage refusé"),
    ({"cible": "ftp://h/srv"}, "publication.cible", "adresse non prise en charge"),
    ({"cible": "sftp://h/"}, "publication.cible", "ni racine du serveur"),
    ({"cible": "s3://seau/p", "cle_ssh": "/k"}, "publication.cle_ssh", "sans objet pour une cible s3"),
    ({"cible": "sftp://u@h/srv", "variable_mot_de_passe": "p@ss"}, "publication.variable_mot_de_passe",
     "nom de variable"),
    ({"cible": "webdav+http://u@dav.cdg48.fr/x", "variable_mot_de_passe": "V"}, "publication.cible", "en clair"),
    ({"cible": "s3://seau/p", "variable_cle_acces": "A"}, "publication", "vont ensemble"),
    ({"destination": "x"}, "publication", "clé « cible »"),
])
def test_publication_section_is_checked(tmp_path, publication, key, words):
    with pytest.raises(CampaignError) as info:
        _load_with(tmp_path, publication)
    message = str(info.value)
    assert f"clé « {key} »" in message and words in message and "campagne.yaml" in message, message
    assert "secret@" not in message


def test_named_variables_leave_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("RSU_TEST_RETIREE", "valeur")
    camp = _load_with(tmp_path, {"cible": "webdav+https://u@dav.cdg48.fr/web",
                                 "variable_mot_de_passe": "RSU_TEST_RETIREE"})
    assert "RSU_TEST_RETIREE" not in os.environ
    assert camp.publication["variable_mot_de_passe"] == "RSU_TEST_RETIREE"


def test_copy_to_target_checks_its_argument(tmp_path):
    out = _campaign_folder(tmp_path / "rendered", "direct")
    with pytest.raises(PublicationError) as info:
        copy_to_target(out, f"sftp://{USER}:{PASSWORD}@127.0.0.1/srv/web")
    assert "variable_mot_de_passe" in str(info.value) and PASSWORD not in str(info.value)
    assert copy_to_target(out, "rendered") == 0
