"""Shared fixtures: the real local control plane and clients for it.

Integration and end-to-end tests need the binaries built by `make binaries`; a missing
binary is an error with instructions, never a silent skip.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from kubernetes_asyncio import client, config

from hack.localcluster import REPO, ControlPlaneError, LocalCluster


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    cluster = LocalCluster(workdir=tmp_path_factory.mktemp("control-plane"))
    try:
        cluster.start()
    except ControlPlaneError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def crds(control_plane: LocalCluster) -> Path:
    crd_dir = REPO / "manifests" / "crd"
    control_plane.kubectl("apply", "--server-side", "-f", str(crd_dir))
    control_plane.kubectl(
        "wait", "--for=condition=Established", "--timeout=60s", "-f", str(crd_dir)
    )
    return crd_dir


@pytest.fixture
async def api_client(control_plane: LocalCluster) -> AsyncIterator[client.ApiClient]:
    cfg = client.Configuration()
    await config.load_kube_config(
        config_file=str(control_plane.kubeconfig), client_configuration=cfg
    )
    api = client.ApiClient(configuration=cfg)
    try:
        yield api
    finally:
        await api.close()


@pytest.fixture
async def namespace(api_client: client.ApiClient) -> AsyncIterator[str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    core = client.CoreV1Api(api_client)
    await core.create_namespace({"metadata": {"name": name}})
    try:
        yield name
    finally:
        await core.delete_namespace(name)
