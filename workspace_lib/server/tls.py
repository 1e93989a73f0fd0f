"""The server's certificate: the one configured, else a self-signed one made on first start.

The self-signed certificate (ECDSA P-256, valid 825 days, names: localhost, 127.0.0.1, ::1
and this machine's host name) goes to ``WORKSPACE/tls/`` with the key in mode 0600. Browsers
warn about it: for a production address, give the CDG's certificate (``--certfile/--keyfile``
or ``[serveur] certificat/cle``).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from pathlib import Path

CERT_NAME = "certificat.pem"
KEY_NAME = "cle.pem"


def ensure_certificate(tls_dir: Path, extra_names: tuple[str, ...] = ()) -> tuple[Path, Path]:
    """The self-signed certificate and key of ``tls_dir``, created if missing."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    cert_path, key_path = tls_dir / CERT_NAME, tls_dir / KEY_NAME
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    tls_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(tls_dir, 0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    host = socket.gethostname()
    dns = sorted({"localhost", host, *[n for n in extra_names if not _is_ip(n)]})
    ips = sorted({"127.0.0.1", "::1", *[n for n in extra_names if _is_ip(n)]})
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host or "localhost"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Espace RSU (certificat auto-signé)")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(n) for n in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key_bytes)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False
