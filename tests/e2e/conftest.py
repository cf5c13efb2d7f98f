"""Fixtures of the end-to-end scenarios (see harness.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from kubernetes_asyncio.client import ApiClient

from hack.localcluster import LocalCluster
from tikv_operator.kube.client import Client

from .harness import E2E, OPERATOR_FLAGS, Operator, start_simulator


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every scenario needs the local control plane: mark them for `-m integration` too.
    for item in items:
        if item.get_closest_marker("e2e") is not None:
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def sim_args() -> tuple[str, ...]:
    """Extra simulator flags; a scenario overrides this fixture to change them."""
    return ("--tick=0.3",)


@pytest.fixture
def operator_args() -> tuple[str, ...]:
    """Extra operator flags; a scenario overrides this fixture to add some."""
    return ()


@pytest.fixture
async def e2e(
    control_plane: LocalCluster,
    crds: Path,
    api_client: ApiClient,
    namespace: str,
    tmp_path: Path,
    sim_args: tuple[str, ...],
    operator_args: tuple[str, ...],
) -> AsyncIterator[E2E]:
    kube = Client(api_client)
    sim = start_simulator(namespace, control_plane.kubeconfig, tmp_path, *sim_args)
    operator = Operator(
        control_plane.kubeconfig,
        namespace,
        sim.url,
        tmp_path / "operator",
        extra=(*OPERATOR_FLAGS, *operator_args),
    )
    env = E2E(control_plane, kube, namespace, sim, operator, tmp_path)
    try:
        operator.start()
        yield env
    finally:
        operator.stop()
        sim.process.stop()
