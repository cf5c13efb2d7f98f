"""The real API server enforces the generated CRDs: bad objects are refused with a message
a user understands, and the transition rules (immutable fields) hold."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from hack.localcluster import LocalCluster
from tests.unit.apis import samples
from tests.unit.apis.bad_inputs import BAD_INPUTS, BadInput

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("crds")]

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "basic"
INSTALL = REPO / "manifests" / "default"
SERVER_CHECKED = [case for case in BAD_INPUTS if case.server_message is not None]


@dataclass(frozen=True)
class Kube:
    """kubectl against the local control plane, in one test namespace."""

    cluster: LocalCluster
    namespace: str
    workdir: Path

    async def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(
            self.cluster.kubectl, "-n", self.namespace, *args, check=False
        )

    async def create(self, document: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        path = self.workdir / f"{uuid.uuid4().hex}.json"
        path.write_text(json.dumps(document))
        return await self.run("create", "-f", str(path))

    async def patch(
        self, document: dict[str, Any], patch: dict[str, Any]
    ) -> subprocess.CompletedProcess[str]:
        resource = f"{document['kind'].lower()}/{document['metadata']['name']}"
        return await self.run("patch", resource, "--type=merge", "-p", json.dumps(patch))


@pytest.fixture
def kube(control_plane: LocalCluster, namespace: str, tmp_path: Path) -> Kube:
    return Kube(control_plane, namespace, tmp_path)


def _without_namespace(document: dict[str, Any]) -> dict[str, Any]:
    document["metadata"].pop("namespace", None)
    return document


@pytest.mark.parametrize("case", SERVER_CHECKED, ids=[case.name for case in SERVER_CHECKED])
async def test_api_server_rejects_bad_input(kube: Kube, case: BadInput) -> None:
    result = await kube.create(_without_namespace(case.document()))
    assert result.returncode != 0, result.stdout
    assert case.server_message is not None
    assert case.server_message in result.stderr


async def test_api_server_accepts_the_basic_example(kube: Kube) -> None:
    result = await kube.run("apply", "-f", str(EXAMPLES))
    assert result.returncode == 0, result.stderr


async def test_api_server_fills_in_defaults(kube: Kube) -> None:
    group = _without_namespace(samples.tikv_group())
    assert (await kube.create(group)).returncode == 0
    result = await kube.run("get", "kvg/basic", "-o", "yaml")
    spec = yaml.safe_load(result.stdout)["spec"]
    assert spec["template"]["spec"]["image"] == "pingcap/tikv"
    assert spec["failover"]["storeDownTimeout"] == "30m"


async def test_cluster_name_cannot_change(kube: Kube) -> None:
    group = _without_namespace(samples.tikv_group())
    assert (await kube.create(group)).returncode == 0
    result = await kube.patch(group, {"spec": {"cluster": {"name": "x"}}})
    assert result.returncode != 0
    assert "spec.cluster.name is immutable" in result.stderr


async def test_instance_topology_cannot_change(kube: Kube) -> None:
    tikv = _without_namespace(samples.tikv())
    assert (await kube.create(tikv)).returncode == 0
    patch = {"spec": {"topology": {"topology.kubernetes.io/zone": "b"}}}
    result = await kube.patch(tikv, patch)
    assert result.returncode != 0
    assert "spec.topology is immutable" in result.stderr


async def test_instance_topology_cannot_be_added_later(kube: Kube) -> None:
    pd = _without_namespace(samples.pd())
    assert (await kube.create(pd)).returncode == 0
    patch = {"spec": {"topology": {"topology.kubernetes.io/zone": "a"}}}
    result = await kube.patch(pd, patch)
    assert result.returncode != 0
    assert "spec.topology is immutable" in result.stderr


async def test_tls_cannot_be_turned_off(kube: Kube) -> None:
    cluster = _without_namespace(samples.cluster())
    cluster["spec"]["tlsCluster"] = {"enabled": True}
    assert (await kube.create(cluster)).returncode == 0
    result = await kube.patch(cluster, {"spec": {"tlsCluster": None}})
    assert result.returncode != 0
    assert "spec.tlsCluster.enabled is immutable" in result.stderr


async def test_tls_cannot_be_turned_on_later(kube: Kube) -> None:
    cluster = _without_namespace(samples.cluster())
    del cluster["spec"]
    assert (await kube.create(cluster)).returncode == 0
    patch = {"spec": {"tlsCluster": {"enabled": True}}}
    result = await kube.patch(cluster, patch)
    assert result.returncode != 0
    assert "spec.tlsCluster.enabled is immutable" in result.stderr


async def test_other_changes_are_allowed(kube: Kube) -> None:
    group = _without_namespace(samples.pd_group())
    assert (await kube.create(group)).returncode == 0
    patch = {"spec": {"replicas": 5, "template": {"spec": {"version": "v8.5.2"}}}}
    result = await kube.patch(group, patch)
    assert result.returncode == 0, result.stderr


async def test_install_manifests_pass_a_client_dry_run(control_plane: LocalCluster) -> None:
    result = await asyncio.to_thread(
        control_plane.kubectl, "apply", "-k", str(INSTALL), "--dry-run=client", check=False
    )
    assert result.returncode == 0, result.stderr
