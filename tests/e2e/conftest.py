"""Fixtures of the end-to-end scenarios (see harness.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from kubernetes_asyncio.client import ApiClient

from hack.localcluster import LocalCluster
from tikv_operator.kube.client import Client

from . import rbac
from .harness import E2E, Operator, start_simulator

OPERATOR_NAMESPACE = "tikv-operator-e2e"
"""Where the operator's ServiceAccount lives in the end-to-end tier (the manifests' default is
tikv-operator-system; a different one proves the binding follows the overlay's namespace)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every scenario needs the local control plane: mark them for `-m integration` too.
    for item in items:
        if item.get_closest_marker("e2e") is not None:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def operator_kubeconfig(
    control_plane: LocalCluster, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A kubeconfig with which the operator is its ServiceAccount under the shipped cluster-wide
    RBAC (manifests/rbac), not the admin: a verb the manifests miss fails the scenario that
    needs it. The tests themselves keep the admin kubeconfig."""
    control_plane.kubectl("create", "namespace", OPERATOR_NAMESPACE)
    return rbac.install(
        control_plane, "rbac", OPERATOR_NAMESPACE, tmp_path_factory.mktemp("operator-identity")
    )


@pytest.fixture
def sim_args() -> tuple[str, ...]:
    """Extra simulator flags; a scenario overrides this fixture to change them."""
    return ("--tick=0.3",)


@pytest.fixture
async def e2e(
    control_plane: LocalCluster,
    crds: Path,
    api_client: ApiClient,
    namespace: str,
    tmp_path: Path,
    sim_args: tuple[str, ...],
    operator_kubeconfig: Path,
) -> AsyncIterator[E2E]:
    kube = Client(api_client)
    sim = start_simulator(namespace, control_plane.kubeconfig, tmp_path, *sim_args)
    operator = Operator(operator_kubeconfig, namespace, sim.url, tmp_path / "operator")
    env = E2E(control_plane, kube, namespace, sim, operator, tmp_path)
    try:
        operator.start()
        yield env
    finally:
        operator.stop()
        sim.process.stop()
