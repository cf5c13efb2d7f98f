"""Fixtures of the real-PD tier: process nodes on the shared control plane for the length of
this package, and per scenario a namespace, the operator, and the PD helper."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from kubernetes_asyncio.client import ApiClient

from hack.localcluster import ControlPlaneError, LocalCluster
from tikv_operator.kube.client import Client

from .harness import RealPD

PROCESS_NODES = 3


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("realpd") is not None:
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.pdserver)


@pytest.fixture(scope="package")
def process_nodes(control_plane: LocalCluster) -> Iterator[list[str]]:
    """Removed again after the package: other tiers count the kwok nodes."""
    try:
        names = control_plane.start_process_nodes(PROCESS_NODES)
    except ControlPlaneError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield names
    finally:
        control_plane.stop_process_nodes()


@pytest.fixture
async def realpd(
    control_plane: LocalCluster,
    crds: Path,
    api_client: ApiClient,
    namespace: str,
    tmp_path: Path,
    process_nodes: list[str],
) -> AsyncIterator[RealPD]:
    env = RealPD(control_plane, Client(api_client), namespace, tmp_path)
    env.start_operator()
    try:
        yield env
    finally:
        if env.operator is not None:
            env.operator.stop()
