"""A TLS cluster (docs/tls.md) comes up Ready, and the operator talks to PD over mutual TLS.

The simulator serves PD a second time on a listener that demands a client certificate signed
by the test's CA, and counts the requests by the client certificate's name; the operator is
given only that https URL. Until the Secrets exist the Cluster says which one is missing and
the operator asks PD nothing."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from apis.names import client_tls_secret, cluster_tls_secret
from hack.localcluster import free_port
from tests.pki import PKI, new_pki
from tikv_operator.kube import resources
from tikv_operator.kube.resources import Object

from .harness import CLUSTER, E2E, EXAMPLE, eventually

pytestmark = pytest.mark.e2e

OPERATOR_CN = "tikv-operator"
EXPIRY = "tikv_operator_tls_certificate_expiration_timestamp_seconds"


@pytest.fixture
def pki(tmp_path: Path) -> PKI:
    return new_pki(tmp_path / "pki")


@pytest.fixture
def tls_port() -> int:
    return free_port()


@pytest.fixture
def sim_args(pki: PKI, tls_port: int) -> tuple[str, ...]:
    server = pki.issue("pd", ["IP:127.0.0.1"])
    return (
        "--tick=0.3",
        f"--tls-port={tls_port}",
        f"--tls-ca={pki.ca}",
        f"--tls-cert={server.cert}",
        f"--tls-key={server.key}",
    )


@pytest.fixture
def operator_args(namespace: str, tls_port: int) -> tuple[str, ...]:
    """The operator knows PD (and the stores' status API) only by its https URL."""
    url = f"https://127.0.0.1:{tls_port}"
    key = f"{namespace}/{CLUSTER}"
    return (f"--pd-url-override={key}={url}", f"--tikv-status-url-override={key}={url}/tikv")


def tls_clients(e2e: E2E) -> dict[str, int]:
    answer: dict[str, int] = httpx.get(f"{e2e.sim.url}/sim/tls-clients", timeout=5).json()
    return answer


def apply_tls_cluster(e2e: E2E) -> None:
    cluster = json.loads(
        e2e.kubectl("create", "--dry-run=client", "-o", "json", "-f", str(EXAMPLE / "cluster.yaml"))
    )
    cluster["spec"]["tlsCluster"] = {"enabled": True}
    path = e2e.workdir / "tls-cluster.json"
    path.write_text(json.dumps(cluster))
    e2e.kubectl("apply", "-f", str(path))
    e2e.kubectl(
        "apply", "-f", str(EXAMPLE / "pd-group.yaml"), "-f", str(EXAMPLE / "tikv-group.yaml")
    )


async def create_secret(e2e: E2E, name: str, data: dict[str, str]) -> None:
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "data": data}
    body["metadata"]["namespace"] = e2e.namespace
    await e2e.kube.create(resources.SECRET, body)


def condition(obj: Object | None, type_: str) -> Object:
    for c in ((obj or {}).get("status") or {}).get("conditions") or []:
        if c["type"] == type_:
            return dict(c)
    return {}


async def test_a_tls_cluster_comes_up_ready_with_the_operator_on_mutual_tls(
    e2e: E2E, pki: PKI
) -> None:
    apply_tls_cluster(e2e)

    async def missing_reported() -> bool:
        cluster = await e2e.get(resources.CLUSTER)
        return (
            condition(cluster, "Available").get("reason") == "TLSClientSecretInvalid"
            and condition(cluster, "Synced").get("reason") == "TLSSecretInvalid"
        )

    await eventually(missing_reported, "the Cluster naming its missing TLS Secrets", 60)
    available = condition(await e2e.get(resources.CLUSTER), "Available")
    assert f"Secret {client_tls_secret(CLUSTER)}" in available["message"], available
    warnings = [
        e for e in await e2e.events_about("Cluster") if e.get("reason") == "TLSSecretInvalid"
    ]
    assert len(warnings) == 1 and warnings[0]["type"] == "Warning", warnings
    assert tls_clients(e2e) == {}, "the operator asked PD without its client certificate"

    client = pki.issue(OPERATOR_CN, [f"DNS:{OPERATOR_CN}"])
    await create_secret(e2e, client_tls_secret(CLUSTER), pki.secret_data(client))
    for component in ("pd", "tikv"):
        pair = pki.issue(component, [f"DNS:*.{CLUSTER}-{component}-peer.{e2e.namespace}"])
        await create_secret(e2e, cluster_tls_secret(CLUSTER, component), pki.secret_data(pair))
    # Read again within seconds while one was missing; no change of the Cluster needed.
    cluster = await e2e.wait_ready()

    assert cluster["status"]["pd"] == f"https://{CLUSTER}-pd.{e2e.namespace}:2379"
    assert tls_clients(e2e).get(OPERATOR_CN, 0) > 0, tls_clients(e2e)
    await pods_mount_their_group_secret(e2e)
    await configs_speak_tls(e2e)
    await expiry_exported(e2e, pki)


async def pods_mount_their_group_secret(e2e: E2E) -> None:
    pods = await e2e.list(resources.POD)
    assert len(pods) == 6
    for pod in pods:
        component = pod["metadata"]["labels"]["app.kubernetes.io/component"]
        spec = pod["spec"]
        volume = next(v for v in spec["volumes"] if v["name"] == "tls")
        assert volume["secret"]["secretName"] == cluster_tls_secret(CLUSTER, component)
        container = spec["containers"][0]
        mount = next(m for m in container["volumeMounts"] if m["name"] == "tls")
        assert mount == {"name": "tls", "mountPath": f"/var/lib/{component}-tls", "readOnly": True}
        assert "tcpSocket" in container["readinessProbe"], container["readinessProbe"]
        assert pod["metadata"]["annotations"]["prometheus.io/scheme"] == "https"


async def configs_speak_tls(e2e: E2E) -> None:
    for cm in await e2e.list(resources.CONFIGMAP, "app.kubernetes.io/component=pd"):
        pd = tomllib.loads(cm["data"]["pd.toml"])
        assert pd["security"] == {
            "cacert-path": "/var/lib/pd-tls/ca.crt",
            "cert-path": "/var/lib/pd-tls/tls.crt",
            "key-path": "/var/lib/pd-tls/tls.key",
        }
        urls = [pd["client-urls"], pd["peer-urls"], pd["advertise-client-urls"]]
        urls += [pd["advertise-peer-urls"], *re.findall(r"=(\S+?)(?:,|$)", pd["initial-cluster"])]
        assert all(u.startswith("https://") for u in urls), urls
    for cm in await e2e.list(resources.CONFIGMAP, "app.kubernetes.io/component=tikv"):
        tikv = tomllib.loads(cm["data"]["tikv.toml"])
        assert tikv["security"]["ca-path"] == "/var/lib/tikv-tls/ca.crt"
        assert tikv["pd"]["endpoints"] == [f"https://{CLUSTER}-pd.{e2e.namespace}:2379"]


async def expiry_exported(e2e: E2E, pki: PKI) -> None:
    secrets = [client_tls_secret(CLUSTER)]
    secrets += [cluster_tls_secret(CLUSTER, c) for c in ("pd", "tikv")]
    page = e2e.operator.metrics()
    for secret in secrets:
        line = next(
            (x for x in page.splitlines() if x.startswith(EXPIRY) and f'secret="{secret}"' in x),
            None,
        )
        assert line is not None, f"no {EXPIRY} for {secret}"
        expires = datetime.fromtimestamp(float(line.rsplit(" ", 1)[1]))
        # Issued for one day by the test's CA.
        assert 0 < (expires - datetime.now()).total_seconds() <= 86400 + 60, line
