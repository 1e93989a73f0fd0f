"""Building and starting the server: one Jupyter Server hosting JupyterLab, Voilà (as a server
extension) and the ``rendered/`` web space, over HTTPS only, with the workspace's accounts."""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import ssl
from pathlib import Path

from traitlets.config import Config

from ..config import Workspace
from .services import Services
from .settings import ServerSettings
from .tls import ensure_certificate


def server_config(services: Services, *, certfile: str, keyfile: str) -> Config:
    """The traitlets configuration of the ServerApp (nothing read from the user's ~/.jupyter)."""
    s = services.settings
    c = Config()
    c.ServerApp.ip = s.ip
    c.ServerApp.port = s.port
    c.ServerApp.port_retries = 0
    c.ServerApp.open_browser = False
    c.ServerApp.root_dir = str(s.notebooks_dir)
    c.ServerApp.certfile = certfile
    c.ServerApp.keyfile = keyfile
    c.ServerApp.ssl_options = {"ssl_version": ssl.PROTOCOL_TLS_SERVER}
    c.ServerApp.default_url = "/accueil"
    c.ServerApp.allow_remote_access = True
    # Behind a reverse proxy only: the client's address (throttling, audit) from X-Forwarded-For /
    # X-Real-Ip. Elsewhere these headers are ignored, since any client could forge them.
    c.ServerApp.trust_xheaders = s.behind_proxy
    c.ServerApp.allow_root = True
    c.ServerApp.allow_unauthenticated_access = False
    c.ServerApp.jpserver_extensions = {"jupyterlab": True, "voila": True, "jupyter_server_terminals": True}
    c.ServerApp.identity_provider_class = "workspace_lib.server.identity.RsuIdentityProvider"
    c.ServerApp.authorizer_class = "workspace_lib.server.authorizer.RsuAuthorizer"
    c.ServerApp.kernel_manager_class = "workspace_lib.server.kernels.RsuKernelManager"
    c.ServerApp.kernel_websocket_connection_class = "workspace_lib.server.kernels.FilteringWebsocketConnection"
    c.ServerApp.tornado_settings = {
        "xsrf_cookie_kwargs": {"secure": True, "samesite": "Strict"},
        "headers": {"Content-Security-Policy": "frame-ancestors 'none'"},
        # Voilà's page config points MathJax at a CDN by default: no external request.
        "mathjax_url": "",
    }
    c.RsuIdentityProvider.workspace_dir = str(services.workspace.root)
    c.RsuIdentityProvider.token = ""
    c.RsuKernelManager.kernels_per_user = s.kernels_per_user
    c.RsuKernelManager.kernels_total = s.kernels_total
    c.RsuKernelManager.pool_size = s.preheated_kernels
    c.RsuKernelManager.cull_idle_timeout = s.kernel_idle_minutes * 60
    c.RsuKernelManager.cull_interval = 60
    c.RsuKernelManager.cull_connected = False
    c.RsuKernelManager.cull_busy = False
    # Our template (lab without its CDN links), found through JUPYTER_PATH (see build_server).
    c.VoilaConfiguration.template = "rsu"
    c.VoilaConfiguration.show_tracebacks = False
    c.VoilaConfiguration.file_allowlist = []  # /voila/files serves nothing (and is developer-only)
    # Voilà's own preheating (pre-rendered notebooks) needs its standalone app; the kernel pool
    # of RsuKernelManager (pool_size) replaces it in server-extension mode.
    c.VoilaConfiguration.preheat_kernel = False
    c.VoilaConfiguration.http_header_envs = []
    return c


def _add_voila_templates() -> None:
    """Put the package's Jupyter data folder (Voilà template "rsu") first in JUPYTER_PATH."""
    data = str(Path(__file__).resolve().parent / "jupyter_data")
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if data not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([data, *paths])


def _poll_kernel_replies_in_slices() -> None:
    """Work around lost wake-ups of ``zmq.asyncio`` (seen with pyzmq 27.3, jupyter_client 8.10,
    nbclient 0.11, ipykernel 7.4): Voilà's executor waits for each cell's reply with
    ``socket.poll(None)``, which now and then never wakes up although the reply has arrived (the
    page stays on « Executing n of m » for ever). Polling in 100 ms slices checks the socket again."""
    import queue
    import time

    from jupyter_client.channels import AsyncZMQSocketChannel

    if getattr(AsyncZMQSocketChannel.get_msg, "rsu_slices", False):
        return

    async def get_msg(self, timeout: float | None = None) -> dict:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = 0.1 if deadline is None else max(0.0, deadline - time.monotonic())
            if await self.socket.poll(int(min(0.1, left) * 1000)):
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise queue.Empty

    get_msg.rsu_slices = True
    AsyncZMQSocketChannel.get_msg = get_msg


def _quick_readiness_check() -> None:
    """Shorten the wait of a new kernel client for its first IOPub message (0.2 s -> 0.05 s).

    ``wait_for_ready`` (jupyter_client) sends ``kernel_info``, then waits 0.2 s for a message on
    IOPub to make sure that channel is connected; the first one is usually lost while the
    subscription is being set up (ZMQ « slow joiner »), so every Voilà page paid 0.2 s before
    its first cell. With a shorter wait the check is simply sent again sooner; nothing else
    changes.
    """
    from jupyter_client.asynchronous.client import AsyncKernelClient

    if getattr(AsyncKernelClient.wait_for_ready, "rsu_quick", False):
        return
    original = AsyncKernelClient.wait_for_ready

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        channel = self.iopub_channel
        get_msg = channel.get_msg

        async def quick_get_msg(timeout: float | None = None, **kwargs):
            return await get_msg(timeout=0.05 if timeout is None else min(timeout, 0.05), **kwargs)

        channel.get_msg = quick_get_msg
        try:
            return await original(self, timeout)
        finally:
            del channel.get_msg

    wait_for_ready.rsu_quick = True
    AsyncKernelClient.wait_for_ready = wait_for_ready


def _cache_voila_templates() -> None:
    """Keep Voilà's compiled page templates for the server's life.

    Voilà makes a new Jinja environment for every page, so every page compiled its templates
    again (about 0.1 s of the server's single thread a page). A bytecode cache shared by Voilà's
    environments (all alike: asynchronous, same extensions) skips the compilation; Jinja keys it
    by template and checks the source's checksum, so an edited template is compiled again.
    """
    import jinja2
    from voila.exporter import VoilaExporter

    if getattr(VoilaExporter._create_environment, "rsu_cached", False):
        return

    class MemoryBytecodeCache(jinja2.BytecodeCache):
        def __init__(self) -> None:
            self.store: dict[str, bytes] = {}

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            data = self.store.get(bucket.key)
            if data is not None:
                bucket.bytecode_from_string(data)

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            self.store[bucket.key] = bucket.bytecode_to_string()

    cache = MemoryBytecodeCache()
    original = VoilaExporter._create_environment

    def _create_environment(self):
        environment = original(self)
        environment.bytecode_cache = cache
        return environment

    _create_environment.rsu_cached = True
    VoilaExporter._create_environment = _create_environment


def build_server(workspace: Workspace, *, port: int | None = None, ip: str | None = None,
                 certfile: str | None = None, keyfile: str | None = None,
                 notebooks: str | os.PathLike | None = None):
    """A ServerApp ready to ``start()``."""
    from jupyter_server.serverapp import ServerApp

    from .guard import secure_web_app

    workspace.ensure()
    _add_voila_templates()
    _poll_kernel_replies_in_slices()
    _cache_voila_templates()
    _quick_readiness_check()
    settings = ServerSettings.from_workspace(workspace)
    changes = {}
    if port is not None:
        changes["port"] = port
    if ip is not None:
        changes["ip"] = ip
    if notebooks is not None:
        changes["notebooks_dir"] = Path(notebooks).expanduser().resolve()
    settings = dataclasses.replace(settings, **changes)
    settings.notebooks_dir.mkdir(parents=True, exist_ok=True)
    certfile = certfile or settings.certfile
    keyfile = keyfile or settings.keyfile
    if bool(certfile) != bool(keyfile):
        raise ValueError("Donnez à la fois le certificat et sa clé (--certfile et --keyfile).")
    if not certfile:
        cert, key = ensure_certificate(settings.tls_dir, (settings.ip,) if settings.ip not in ("0.0.0.0", "::") else ())
        certfile, keyfile = str(cert), str(key)
    for path in (certfile, keyfile):
        if not Path(path).is_file():
            raise FileNotFoundError(f"Fichier introuvable : {path}")

    # Kernels (dashboards) find the warehouse through WORKSPACE_DIR.
    os.environ["WORKSPACE_DIR"] = str(workspace.root)
    from .services import services_for

    services_for.cache_clear()
    services = services_for(str(workspace.root))
    services.settings = settings
    services.publications.settings = settings
    app = ServerApp(config=server_config(services, certfile=certfile, keyfile=keyfile))
    app.initialize(argv=[], find_extensions=False)
    secure_web_app(app.web_app, services)
    return app


def serve(workspace: Workspace, **options) -> None:
    app = build_server(workspace, **options)
    services = app.web_app.settings["rsu_services"]
    services.audit(action="demarrage_serveur", ressource=app.display_url, resultat="succes",
                   port=services.settings.port)
    app.start_app()
    kernels = app.web_app.settings["kernel_manager"]
    if getattr(kernels, "pool_size", 0):
        from tornado.ioloop import IOLoop

        IOLoop.current().add_callback(kernels.schedule_fill)
    app.start_ioloop()
    # The loop stops once the server has shut its kernels down (SIGTERM, Ctrl-C). Leave at once:
    # a library thread still waiting for a blocked page once kept the process alive for 25 s.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
