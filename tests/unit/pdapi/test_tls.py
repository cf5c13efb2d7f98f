import asyncio
import ssl
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tikv_operator.pdapi.client import PDClient, RetryPolicy, TLSFiles
from tikv_operator.pdapi.errors import Unavailable


@dataclass(frozen=True)
class Certs:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _issue(directory: Path, name: str, ca: Path, ca_key: Path, san: str) -> tuple[Path, Path]:
    key, csr, cert = (directory / f"{name}{ext}" for ext in (".key", ".csr", ".crt"))
    ext = directory / f"{name}.ext"
    ext.write_text(f"subjectAltName={san}\n")
    _openssl(
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(key),
        "-out",
        str(csr),
        "-subj",
        f"/CN={name}",
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        str(csr),
        "-CA",
        str(ca),
        "-CAkey",
        str(ca_key),
        "-CAcreateserial",
        "-days",
        "1",
        "-out",
        str(cert),
        "-extfile",
        str(ext),
    )
    return cert, key


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    d = tmp_path_factory.mktemp("certs")
    ca, ca_key = d / "ca.crt", d / "ca.key"
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(ca_key),
        "-out",
        str(ca),
        "-days",
        "1",
        "-subj",
        "/CN=test-ca",
    )
    server_cert, server_key = _issue(d, "server", ca, ca_key, "IP:127.0.0.1")
    client_cert, client_key = _issue(d, "client", ca, ca_key, "DNS:client")
    return Certs(ca, server_cert, server_key, client_cert, client_key)


@pytest.fixture
async def tls_pd(certs: Certs) -> AsyncIterator[str]:
    """A loopback HTTPS server that demands a client certificate signed by the test CA."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(certs.ca))
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_cert_chain(str(certs.server_cert), str(certs.server_key))

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            body = b'{\n  "id": 42\n}\n'
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"https://127.0.0.1:{port}"


async def test_client_with_ca_and_client_certificate_talks_to_mutual_tls_pd(
    certs: Certs, tls_pd: str
) -> None:
    tls = TLSFiles(certs.ca, certs.client_cert, certs.client_key)
    async with PDClient(tls_pd, cluster="c", tls=tls) as client:
        assert (await client.get_cluster()).id == 42


async def test_client_without_client_certificate_is_refused_by_mutual_tls_pd(
    certs: Certs, tls_pd: str
) -> None:
    no_retry = RetryPolicy(attempts=1)
    async with PDClient(tls_pd, cluster="c", tls=TLSFiles(certs.ca), retry=no_retry) as client:
        with pytest.raises(Unavailable):
            await client.get_cluster()


def test_tls_files_context_verifies_the_server_against_the_ca(certs: Certs) -> None:
    context = TLSFiles(certs.ca).ssl_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "test-ca"),),)]
