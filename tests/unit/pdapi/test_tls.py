import asyncio
import base64
import ssl
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.pki import PKI, Pair, new_pki
from tikv_operator.pdapi.client import PDClient, RetryPolicy
from tikv_operator.pdapi.errors import Unavailable
from tikv_operator.tls import ClientTLS, TLSSecretError


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    return new_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def client(pki: PKI) -> Pair:
    return pki.issue("client", ["DNS:client"])


@pytest.fixture
async def tls_pd(pki: PKI) -> AsyncIterator[str]:
    """A loopback HTTPS server that demands a client certificate signed by the test CA."""
    server = pki.issue("server", ["IP:127.0.0.1"])
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki.ca))
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_cert_chain(str(server.cert), str(server.key))

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            body = b'{\n  "id": 42\n}\n'
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    listener = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=context)
    port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield f"https://127.0.0.1:{port}"


async def test_client_certificate_from_a_secret_talks_to_mutual_tls_pd(
    pki: PKI, client: Pair, tls_pd: str
) -> None:
    tls = ClientTLS.from_secret_data(pki.secret_data(client))
    async with PDClient(tls_pd, cluster="c", tls=tls) as pd:
        assert (await pd.get_cluster()).id == 42


async def test_a_client_certificate_of_another_ca_is_refused_by_mutual_tls_pd(
    pki: PKI, tls_pd: str, tmp_path: Path
) -> None:
    other = new_pki(tmp_path / "other", "other-ca")
    data = other.secret_data(other.issue("client", ["DNS:client"]))
    data["ca.crt"] = pki.secret_data(pki.issue("x"))["ca.crt"]  # trusts the server's CA
    no_retry = RetryPolicy(attempts=1)
    tls = ClientTLS.from_secret_data(data)
    async with PDClient(tls_pd, cluster="c", tls=tls, retry=no_retry) as pd:
        with pytest.raises(Unavailable):
            await pd.get_cluster()


async def test_a_server_the_ca_did_not_sign_is_not_trusted(
    client: Pair, tls_pd: str, tmp_path: Path
) -> None:
    other = new_pki(tmp_path / "other", "other-ca")
    tls = ClientTLS.from_secret_data(other.secret_data(other.issue("client")))
    async with PDClient(tls_pd, cluster="c", tls=tls, retry=RetryPolicy(attempts=1)) as pd:
        with pytest.raises(Unavailable, match="CERTIFICATE_VERIFY_FAILED"):
            await pd.get_cluster()


def test_context_verifies_the_server_against_the_ca(pki: PKI, client: Pair) -> None:
    context = ClientTLS.from_secret_data(pki.secret_data(client)).ssl_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "test-ca"),),)]


def test_expiry_is_the_certificates_not_after(pki: PKI, tmp_path: Path) -> None:
    pair = PKI(tmp_path, pki.ca, pki.ca_key).issue("short", days=3)
    end = subprocess.run(
        ["openssl", "x509", "-noout", "-enddate", "-in", str(pair.cert)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    openssl_says = datetime.strptime(end.removeprefix("notAfter="), "%b %d %H:%M:%S %Y %Z")
    tls = ClientTLS.from_secret_data(pki.secret_data(pair))
    assert tls.expires == openssl_says.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"tls.key": None}, "it has no tls.key"),
        ({"ca.crt": None, "tls.crt": ""}, "it has no ca.crt, tls.crt"),
        ({"tls.crt": "not base64!"}, "tls.crt is not base64"),
        ({"ca.crt": base64.b64encode(b"hello").decode()}, "not a PEM certificate"),
    ],
)
def test_a_broken_secret_is_refused_with_what_is_wrong(
    pki: PKI, client: Pair, change: dict[str, str | None], problem: str
) -> None:
    data = pki.secret_data(client)
    for key, value in change.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    with pytest.raises(TLSSecretError, match=problem):
        ClientTLS.from_secret_data(data)


def test_a_key_that_is_not_the_certificates_is_refused(pki: PKI, client: Pair) -> None:
    data = pki.secret_data(client)
    data["tls.key"] = pki.secret_data(pki.issue("someone-else"))["tls.key"]
    with pytest.raises(TLSSecretError, match="do not load"):
        ClientTLS.from_secret_data(data).ssl_context()


def test_rotated_material_changes_the_fingerprint(pki: PKI, client: Pair) -> None:
    first = ClientTLS.from_secret_data(pki.secret_data(client))
    again = ClientTLS.from_secret_data(pki.secret_data(client))
    rotated = ClientTLS.from_secret_data(pki.secret_data(pki.issue("client-2")))
    assert first.fingerprint == again.fingerprint != rotated.fingerprint
    assert "PRIVATE KEY" not in repr(first)  # never in a log line
