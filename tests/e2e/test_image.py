"""The image `make image` builds runs the operator in a cluster: unpacked into a root
filesystem and started by chroot as the image says (Entrypoint, Cmd, Env, User), with only
what a Pod gets to find the API server (its service account files and the
KUBERNETES_SERVICE_* variables), it takes the leader Lease and brings examples/basic to
Ready as its ServiceAccount. skopeo, which the README pushes it with, reads its archive."""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from kubernetes_asyncio.client import ApiClient

from hack.dev import Process, wait_http_ok
from hack.image import spec
from hack.image.build import Built, build_image
from hack.image.commands import ImageBuildError, ensure_command
from hack.image.oci import Image, RuntimeConfig, read_layout
from hack.localcluster import LocalCluster, cache_dir, free_port
from tikv_operator.kube import resources
from tikv_operator.kube.client import Client

from . import rbac
from .conftest import OPERATOR_NAMESPACE
from .harness import (
    CLUSTER,
    EXAMPLE,
    Simulator,
    eventually,
    is_true,
    metric_values,
    start_simulator,
)
from .rootfs import chroot_argv, unpack, write_service_account

pytestmark = pytest.mark.e2e

LEASE = "tikv-operator"  # the operator's default Lease name


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """The image as `make image` builds it (the base layer cached as there)."""
    output = tmp_path_factory.mktemp("image")
    try:
        built = build_image(output, cache_dir())
    except ImageBuildError as e:
        pytest.fail(f"building the image failed (make image builds it the same way): {e}")
    yield built
    shutil.rmtree(output)


@pytest.fixture(scope="module")
def image(built: Built) -> Image:
    return read_layout(built.layout, built.tag)


@pytest.fixture(scope="module")
def rootfs(image: Image, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("rootfs")
    unpack(image, root)
    yield root
    shutil.rmtree(root)  # some 200 MB that pytest would keep for three sessions


def test_skopeo_reads_the_archive_as_the_image_it_holds(built: Built, image: Image) -> None:
    """The archive works with the tool the README pushes it with."""
    try:
        ensure_command("skopeo", "skopeo")
    except ImageBuildError as e:
        pytest.fail(str(e))
    source = f"oci-archive:{built.archive}"
    inspect = ["skopeo", "inspect", "--config", source]
    done = subprocess.run(inspect, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    assert RuntimeConfig.from_json(config["config"]) == image.config
    assert config["architecture"] == image.architecture
    done = subprocess.run(
        ["skopeo", "inspect", source], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Digest"] == built.digest


def test_the_image_reports_the_package_version(image: Image, rootfs: Path) -> None:
    version = importlib.metadata.version(spec.NAME)
    assert image.tag == version
    done = subprocess.run(
        chroot_argv(rootfs, image.config, ["--version"]),
        env=image.config.environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{spec.NAME} {version}"


def in_cluster_env(control_plane: LocalCluster) -> dict[str, str]:
    """What the kubelet sets in every container for the API server's Service, and what
    manifests/manager/deployment.yaml adds from the downward API."""
    return {
        "KUBERNETES_SERVICE_HOST": "127.0.0.1",
        "KUBERNETES_SERVICE_PORT": str(control_plane.apiserver_port),
        "POD_NAMESPACE": OPERATOR_NAMESPACE,
    }


def settings_env(
    namespace: str, sim: Simulator, probe_port: int, metrics_port: int
) -> dict[str, str]:
    """The operator's flags for this test, as a Deployment's env would set them: the image's
    Cmd stays as it is."""
    return {
        "TIKV_OPERATOR_NAMESPACE": namespace,
        "TIKV_OPERATOR_PD_URL_OVERRIDE": f"{namespace}/{CLUSTER}={sim.url}",
        "TIKV_OPERATOR_TIKV_STATUS_URL_OVERRIDE": f"{namespace}/{CLUSTER}={sim.url}/tikv",
        "TIKV_OPERATOR_HEALTH_PROBE_BIND_ADDRESS": f"127.0.0.1:{probe_port}",
        "TIKV_OPERATOR_METRICS_BIND_ADDRESS": f"127.0.0.1:{metrics_port}",
        "TIKV_OPERATOR_PD_POLL_INTERVAL": "2s",
        "TIKV_OPERATOR_LOG_FORMAT": "json",
    }


def uid_of(pid: int) -> int:
    """The real uid of a running process (the first field of Uid: in /proc/PID/status)."""
    status = Path(f"/proc/{pid}/status").read_text()
    (line,) = (line for line in status.splitlines() if line.startswith("Uid:"))
    return int(line.split()[1])


async def test_the_image_runs_the_operator_in_cluster(
    image: Image,
    rootfs: Path,
    control_plane: LocalCluster,
    crds: Path,
    api_client: ApiClient,
    namespace: str,
    operator_identity: rbac.Identity,
    tmp_path: Path,
) -> None:
    kube = Client(api_client)
    write_service_account(
        rootfs, operator_identity.token, control_plane.ca_file.read_bytes(), OPERATOR_NAMESPACE
    )
    sim = start_simulator(namespace, control_plane.kubeconfig, tmp_path)
    probe_port, metrics_port = free_port(), free_port()
    env = {
        **image.config.environment(),
        **in_cluster_env(control_plane),
        **settings_env(namespace, sim, probe_port, metrics_port),
    }
    audited_from = rbac.audit_size(control_plane.audit_log)
    operator = Process("operator", chroot_argv(rootfs, image.config), tmp_path / "operator.log")
    operator.start(env, inherit_env=False)
    try:
        wait_http_ok(f"http://127.0.0.1:{probe_port}/readyz", operator)
        assert uid_of(operator.pid) == int(image.config.user.split(":")[0])

        async def lease_holder() -> str | None:
            lease = await kube.get_or_none(resources.LEASE, LEASE, OPERATOR_NAMESPACE)
            return ((lease or {}).get("spec") or {}).get("holderIdentity")

        await eventually(lease_holder, f"the Lease {OPERATOR_NAMESPACE}/{LEASE} held", 60)
        control_plane.kubectl("-n", namespace, "apply", "-f", str(EXAMPLE))

        async def ready() -> bool:
            cluster = await kube.get_or_none(resources.CLUSTER, CLUSTER, namespace)
            return (
                is_true(cluster, "Ready")
                and is_true(cluster, "Available")
                and len(sim.member_names()) == 3
                and len(sim.up_stores()) == 3
            )

        try:
            await eventually(ready, "Cluster Ready and Available, 3 PD members, 3 Up stores", 240)
        except AssertionError as e:
            raise AssertionError(f"{e}\n--- operator log tail\n{operator.log_tail()}") from None
        async with httpx.AsyncClient(timeout=5) as http:
            assert (await http.get(f"http://127.0.0.1:{probe_port}/healthz")).status_code == 200
            page = (await http.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
        assert f'leader_election_master_status{{name="{LEASE}"}} 1.0' in page.splitlines()
        assert metric_values(page, "tikv_operator_group_replicas", kind="ready") == [3.0, 3.0]
    finally:
        code = operator.stop()
        sim.process.stop()
    assert code == 0, f"the operator exited {code} on SIGTERM:\n{operator.log_tail()}"
    assert not await lease_holder(), "the operator kept the Lease after a clean shutdown"
    # Every request of the operator's came with the service account token it found in the
    # files, and the shipped RBAC allowed each one.
    events = rbac.audit_events(control_plane.audit_log, audited_from)
    requests = rbac.requests_of(events, operator_identity.user)
    assert requests, "no request of the operator's ServiceAccount in the audit log"
    assert not rbac.forbidden(requests), sorted({r.message for r in rbac.forbidden(requests)})
