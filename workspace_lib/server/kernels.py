"""Kernels: tied to the user who started them, capped per user and in total, and filtered.

- The guard puts the request's user (and dashboard) in ``CURRENT_OWNER`` before a handler runs;
  ``RsuKernelManager.start_kernel`` records it as the kernel's owner.
- Caps: ``kernels_per_user`` per account (per *dashboard* for the public, which has no account)
  and ``kernels_total``: beyond them a French 429 error.
- Analysts and the public only reach their own kernels (public: kernels started for a public
  dashboard; their id, a random UUID, is the capability), and their websocket messages are
  filtered: only comm, kernel_info and shutdown messages reach the kernel (as in standalone
  Voilà); an ``execute_request`` is dropped (and logged).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from dataclasses import dataclass

from jupyter_server.services.kernels.connection.base import deserialize_binary_message, deserialize_msg_from_ws_v1
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server._tz import utcnow
from tornado import web
from traitlets import Float, Integer

from .services import DEVELOPER, PUBLIC

log = logging.getLogger(__name__)

# Run silently in each preheated kernel: leaves no variable behind, only imported modules and
# a warmed-up chart renderer.
WARM_UP_CODE = "import workspace_lib.dashboard.tableau_de_bord as _t; _t.prechauffer(); del _t"

ALLOWED_MESSAGE_TYPES = frozenset({
    "comm_open", "comm_close", "comm_msg", "comm_info_request", "kernel_info_request", "shutdown_request",
})


@dataclass(frozen=True)
class Owner:
    login: str
    role: str
    dashboard: str | None = None

    @property
    def cap_key(self) -> str:
        return f"public:{self.dashboard}" if self.role == PUBLIC else f"compte:{self.login}"


CURRENT_OWNER: contextvars.ContextVar[Owner | None] = contextvars.ContextVar("rsu_kernel_owner", default=None)


class KernelLimitReached(web.HTTPError):
    def __init__(self, message: str):
        super().__init__(429, message)
        self.message = message


class RsuKernelManager(AsyncMappingKernelManager):
    kernels_per_user = Integer(3, config=True, help="Noyaux au plus par utilisateur.")
    kernels_total = Integer(24, config=True, help="Noyaux au plus en tout.")
    pool_size = Integer(0, config=True, help="Noyaux préchauffés en attente pour les tableaux de bord.")
    warm_up_timeout = Integer(120, config=True, help="Délai du préchauffage d'un noyau (secondes).")
    fill_delay = Float(2.0, config=True, help="Calme attendu (secondes) avant de compléter le réservoir.")
    pool_kernel_name = "python3"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.owners: dict[str, Owner] = {}
        self._starting: dict[str, int] = {}
        self._pool: list[str] = []
        self._pool_filling = 0
        self._fill_task: asyncio.Future | None = None
        self._last_take = 0.0

    # ---- preheated pool -------------------------------------------------------------------------
    # Kernels started ahead, with no owner (nobody but developers can reach them), handed to the
    # next dashboard opened from the notebooks folder's top level. They run with the server's
    # environment (WORKSPACE_DIR...), without Voilà's per-request variables. Not culled while waiting.
    # Once started, a pooled kernel imports and warms up the dashboard code (WARM_UP_CODE), so
    # that a page does not pay it; a page given the kernel meanwhile just waits for the warm-up.
    # The pool is refilled by one task at a time, one kernel after the other, once no kernel has
    # been handed out for ``fill_delay`` seconds: during a rush, pages get the CPU, not the refill.
    def schedule_fill(self) -> None:
        """Refill the pool soon (one filler at a time)."""
        if self.pool_size and (self._fill_task is None or self._fill_task.done()):
            self._fill_task = asyncio.ensure_future(self._fill_pool())

    async def _fill_pool(self) -> None:
        loop = asyncio.get_running_loop()
        while len(self._pool) + self._pool_filling < self.pool_size and self._pool_has_room():
            if (left := self._last_take + self.fill_delay - loop.time()) > 0:
                await asyncio.sleep(left)  # a rush: wait for a quiet moment
                continue
            self._pool_filling += 1
            try:
                kernel_id = await super().start_kernel(kernel_name=self.pool_kernel_name, path="")
                self._pool.append(kernel_id)
            except Exception as exc:  # noqa: BLE001 - the pool is an optimisation
                self.log.warning("Noyau préchauffé non démarré : %s", exc)
                return
            finally:
                self._pool_filling -= 1
            await self._warm_up(kernel_id)

    async def _warm_up(self, kernel_id: str) -> None:
        """Run :data:`WARM_UP_CODE` in a kernel, silently; a failure only loses the warm-up."""
        client = self.get_kernel(kernel_id).client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=self.warm_up_timeout)
            msg_id = client.execute(WARM_UP_CODE, silent=True, store_history=False)
            deadline = asyncio.get_running_loop().time() + self.warm_up_timeout
            while True:
                left = deadline - asyncio.get_running_loop().time()
                reply = await client.get_shell_msg(timeout=max(left, 0.01))
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            if reply["content"].get("status") != "ok":
                self.log.warning("Préchauffage du noyau %s en échec : %s", kernel_id,
                                 reply["content"].get("evalue", ""))
            else:
                self.log.info("Noyau préchauffé prêt : %s", kernel_id)
        except Exception as exc:  # noqa: BLE001 - the pool is an optimisation
            self.log.warning("Préchauffage du noyau %s interrompu : %s", kernel_id, exc)
        finally:
            client.stop_channels()

    def _pool_has_room(self) -> bool:
        """Preheated kernels count in the total too."""
        used = len(self._live_owners()) + sum(self._starting.values()) + len(self._pool) + self._pool_filling
        return used < self.kernels_total

    def _take_from_pool(self, kernel_name: str | None, path: str | None) -> str | None:
        if kernel_name not in (None, self.pool_kernel_name) or path not in (None, ""):
            return None
        live = set(self.list_kernel_ids())
        while self._pool:
            kernel_id = self._pool.pop(0)
            if kernel_id in live:
                return kernel_id
        return None

    async def shutdown_kernel(self, kernel_id, now=False, restart=False):
        pooled = kernel_id in self._pool
        if pooled:
            self._pool.remove(kernel_id)
        result = await super().shutdown_kernel(kernel_id, now=now, restart=restart)
        if pooled or (kernel_id in self.owners and not restart):
            self.schedule_fill()
        return result

    async def cull_kernel_if_idle(self, kernel_id):
        if kernel_id in self._pool:
            return None
        return await super().cull_kernel_if_idle(kernel_id)

    # ---- caps -------------------------------------------------------------------------------------
    def _live_owners(self) -> dict[str, Owner]:
        live = set(self.list_kernel_ids())
        for kernel_id in [k for k in self.owners if k not in live]:
            del self.owners[kernel_id]
        return self.owners

    def refusal(self, owner: Owner | None) -> str | None:
        """The French message refusing one more kernel to ``owner``, or None if it may start one."""
        owners = self._live_owners()
        starting = sum(self._starting.values())
        if len(owners) + starting >= self.kernels_total:
            return ("Le serveur a atteint son nombre maximal de sessions de calcul "
                    f"({self.kernels_total}). Réessayez dans quelques minutes ou fermez des onglets inutilisés.")
        if owner is not None and owner.role != DEVELOPER:
            mine = sum(1 for o in owners.values() if o.cap_key == owner.cap_key) + self._starting.get(owner.cap_key, 0)
            if mine >= self.kernels_per_user:
                who = "ce tableau de bord public" if owner.role == PUBLIC else "votre compte"
                return (f"Nombre maximal de tableaux de bord ouverts en même temps atteint pour {who} "
                        f"({self.kernels_per_user}). Fermez un onglet de tableau de bord, puis réessayez.")
        return None

    async def start_kernel(self, *, kernel_id: str | None = None, path: str | None = None, **kwargs) -> str:
        if kernel_id is not None and kernel_id in self:
            return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        owner = CURRENT_OWNER.get()
        message = self.refusal(owner)
        if message:
            raise KernelLimitReached(message)
        if owner is not None and owner.dashboard is not None and self.pool_size:
            pooled = self._take_from_pool(kwargs.get("kernel_name"), path)
            self._last_take = asyncio.get_running_loop().time()
            self.schedule_fill()
            if pooled is not None:
                self.owners[pooled] = owner
                self.get_kernel(pooled).last_activity = utcnow()
                return pooled
        key = owner.cap_key if owner else "systeme"
        self._starting[key] = self._starting.get(key, 0) + 1
        try:
            new_id = await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        finally:
            self._starting[key] -= 1
            if not self._starting[key]:
                del self._starting[key]
        if owner is not None:
            self.owners[new_id] = owner
        return new_id

    # ---- ownership ----------------------------------------------------------------------------------
    def may_use(self, kernel_id: str | None, user) -> bool:
        """May ``user`` (an RsuUser) reach this kernel through REST or websocket?"""
        role = getattr(user, "effective_role", PUBLIC)
        if role == DEVELOPER:
            return True
        if not kernel_id or kernel_id not in self:
            return False
        owner = self._live_owners().get(kernel_id)
        if owner is None or owner.role == DEVELOPER:
            return False
        if role == PUBLIC:
            return owner.role == PUBLIC
        return owner.role != PUBLIC and owner.login == user.username


def incoming_message_type(connection: ZMQChannelsWebsocketConnection, ws_msg) -> str | None:
    """The ``msg_type`` of a websocket message from the browser, or None if unreadable."""
    try:
        if connection.subprotocol == "v1.kernel.websocket.jupyter.org":
            _channel, msg_list = deserialize_msg_from_ws_v1(ws_msg)
            header = connection.session.unpack(msg_list[0])
        else:
            msg = deserialize_binary_message(ws_msg) if isinstance(ws_msg, bytes) else json.loads(ws_msg)
            header = msg["header"]
        return str(header["msg_type"])
    except Exception:  # noqa: BLE001 - anything unreadable is dropped
        return None


class FilteringWebsocketConnection(ZMQChannelsWebsocketConnection):
    """Developers' messages pass; others only reach the kernel with the allowed message types."""

    def handle_incoming_message(self, incoming_msg) -> None:
        user = getattr(self.websocket_handler, "current_user", None)
        if getattr(user, "effective_role", PUBLIC) != DEVELOPER:
            msg_type = incoming_message_type(self, incoming_msg)
            if msg_type not in ALLOWED_MESSAGE_TYPES:
                self.log.warning("Message %r d'un utilisateur %s ignoré (noyau %s).", msg_type,
                                 getattr(user, "effective_role", PUBLIC), self.kernel_id)
                services = getattr(self.websocket_handler, "services", None)
                if services is not None and self._should_audit(msg_type):
                    services.audit(self.websocket_handler, action="message_noyau", ressource=self.kernel_id,
                                   resultat="refus", type_message=msg_type)
                return
        super().handle_incoming_message(incoming_msg)

    def _should_audit(self, msg_type: str | None) -> bool:
        # One audit line per refused type and connection (no log flooding).
        seen = self.__dict__.setdefault("_rsu_refused", set())
        if msg_type in seen:
            return False
        seen.add(msg_type)
        return True
