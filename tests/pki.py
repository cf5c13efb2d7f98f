"""Certificates for TLS tests, made with openssl: a CA, and certificates it signs for servers
(by their names and addresses) and clients, as files and as a Secret's data."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


def _openssl(cwd: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@dataclass(frozen=True)
class Pair:
    """A certificate and its private key."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class PKI:
    directory: Path
    ca: Path
    ca_key: Path

    def issue(self, name: str, sans: Sequence[str] = (), days: int = 1) -> Pair:
        """A certificate for `name`, valid `days`, with subjectAltNames such as
        `IP:127.0.0.1` or `DNS:*.basic-pd-peer.ns`."""
        key, csr, cert = (self.directory / f"{name}{ext}" for ext in (".key", ".csr", ".crt"))
        ext = self.directory / f"{name}.ext"
        ext.write_text(f"subjectAltName={','.join(sans or [f'DNS:{name}'])}\n")
        _openssl(
            self.directory,
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key.name,
            "-out",
            csr.name,
            "-subj",
            f"/CN={name}",
        )
        _openssl(self.directory, "x509", "-req", "-in", csr.name, "-CA", str(self.ca),
                 "-CAkey", str(self.ca_key), "-CAcreateserial", "-days", str(days), "-out",
                 cert.name, "-extfile", ext.name)  # fmt: skip
        return Pair(cert, key)

    def secret_data(self, pair: Pair) -> dict[str, str]:
        """A Secret's `data` in cert-manager's layout."""
        files = {"ca.crt": self.ca, "tls.crt": pair.cert, "tls.key": pair.key}
        return {k: base64.b64encode(p.read_bytes()).decode() for k, p in files.items()}


def new_pki(directory: Path, name: str = "test-ca") -> PKI:
    directory.mkdir(parents=True, exist_ok=True)
    ca, ca_key = directory / "ca.crt", directory / "ca.key"
    _openssl(directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key.name,
             "-out", ca.name, "-days", "2", "-subj", f"/CN={name}")  # fmt: skip
    return PKI(directory, ca, ca_key)
