"""The certificates a client presents to the servers of a TLS cluster (PD, TiKV's status
port), read from a Kubernetes Secret in cert-manager's layout: `ca.crt`, `tls.crt`, `tls.key`.

The material stays in memory: the private key touches the disk only for the instant
`ssl` needs a file to load it from, in a directory only this process can read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography import x509

CA_KEY = "ca.crt"
CERT_KEY = "tls.crt"
KEY_KEY = "tls.key"
SECRET_KEYS = (CA_KEY, CERT_KEY, KEY_KEY)


class TLSSecretError(ValueError):
    """A Secret that cannot serve as TLS material; the message says what is missing."""


def _decoded(data: Mapping[str, str], key: str) -> bytes:
    try:
        return base64.b64decode(data[key], validate=True)
    except (binascii.Error, ValueError) as error:
        raise TLSSecretError(f"{key} is not base64") from error


def not_after(pem: bytes) -> datetime:
    """When the first certificate in `pem` expires (UTC)."""
    try:
        return x509.load_pem_x509_certificate(pem).not_valid_after_utc
    except ValueError as error:
        raise TLSSecretError(f"not a PEM certificate: {error}") from error


@dataclass(frozen=True)
class ClientTLS:
    """A CA to trust and a client certificate with its key, as PEM."""

    ca: bytes
    cert: bytes
    key: bytes = field(repr=False)

    @classmethod
    def from_secret_data(cls, data: Mapping[str, str] | None) -> ClientTLS:
        """From a Secret's `data` (base64 values). Every key must be there and the
        certificates must parse: a broken Secret is reported, never half used."""
        missing = [key for key in SECRET_KEYS if not (data or {}).get(key)]
        if missing or data is None:
            raise TLSSecretError(f"it has no {', '.join(missing)}")
        tls = cls(*(_decoded(data, key) for key in SECRET_KEYS))
        not_after(tls.ca)
        not_after(tls.cert)
        return tls

    @property
    def fingerprint(self) -> str:
        """Changes when any of the material does (a rotated certificate)."""
        return hashlib.sha256(self.ca + self.cert + self.key).hexdigest()

    @property
    def expires(self) -> datetime:
        return not_after(self.cert)

    def ssl_context(self) -> ssl.SSLContext:
        """Verifies the server against the CA and its name, and presents the certificate."""
        context = ssl.create_default_context(cadata=self.ca.decode())
        with tempfile.TemporaryDirectory(prefix="tikv-operator-tls-") as directory:
            cert, key = Path(directory, CERT_KEY), Path(directory, KEY_KEY)
            for path, content in ((cert, self.cert), (key, self.key)):
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, "wb") as out:
                    out.write(content)
            try:
                context.load_cert_chain(cert, key)
            except ssl.SSLError as error:
                raise TLSSecretError(f"tls.crt and tls.key do not load: {error}") from error
        return context
