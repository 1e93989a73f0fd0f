"""The workspace's web server: one Jupyter Server with accounts, roles, audit, TLS and Voilà.

Modules (one concept each):

- ``settings``: the ``[serveur]``, ``[tableaux_de_bord]`` and ``[espace_web]`` settings;
- ``passwords``: password policy (length, common passwords) and argon2id hashing;
- ``store``: the account database (``WORKSPACE/comptes.sqlite``): users, sessions, throttling;
- ``throttle``: failed-login throttling per account and per source address;
- ``identity``: the jupyter_server ``IdentityProvider`` (server-side sessions);
- ``authorizer``: the jupyter_server ``Authorizer`` (role x action x resource);
- ``guard``: the request-level policy applied to every handler (Voilà pages, kernels, headers);
- ``kernels``: kernel ownership, caps, websocket message filtering;
- ``handlers`` / ``pages``: login, logout, password change, home page (French);
- ``webspace``: the ``rendered/`` web space handler;
- ``tls``: the self-signed certificate;
- ``app``: building and starting the server;
- ``audit``: the audit log (``WORKSPACE/logs/audit.jsonl``);
- ``cli``: the ``serve``, ``users`` and ``audit`` commands.
"""

from .audit import audit_event

__all__ = ["audit_event"]
