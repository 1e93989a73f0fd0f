"""The jupyter_server authorizer: role x action x resource.

- ``developpeur``: every action on every resource.
- ``analyste`` and ``public`` (and anyone whose password must be changed): only ``read`` and
  ``execute`` on ``kernels``, and only for a kernel they may use (see ``kernels.may_use``: their
  own dashboard kernels). Nothing of contents, sessions, terminals, kernelspecs, lab settings,
  server status, events or API tokens.

The Authorizer is consulted by jupyter_server's REST and websocket handlers only; Voilà's page
handlers and the web space are covered by the guard (``guard.py``), which also applies to every
route (defence in depth).
"""

from __future__ import annotations

from jupyter_server.auth.authorizer import Authorizer

from .services import DEVELOPER


class RsuAuthorizer(Authorizer):
    def is_authorized(self, handler, user, action: str, resource: str) -> bool:
        role = getattr(user, "effective_role", None)
        if role == DEVELOPER:
            return True
        if resource == "kernels" and action in ("read", "execute"):
            kernel_id = (handler.path_kwargs or {}).get("kernel_id") or getattr(handler, "kernel_id", None)
            manager = handler.kernel_manager
            return bool(kernel_id) and hasattr(manager, "may_use") and manager.may_use(kernel_id, user)
        return False
