"""Fixtures of the end-to-end scenarios (see harness.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from kubernetes_asyncio.client import ApiClient

from hack.localcluster import LocalCluster
from tikv_operator.kube.client import Client

from . import rbac
from .harness import E2E, OPERATOR_FLAGS, Operator, Simulator, start_simulator

OPERATOR_NAMESPACE = "tikv-operator-e2e"
"""Where the operator's ServiceAccount lives in the end-to-end tier (the manifests' default is
tikv-operator-system; a different one proves the binding follows the overlay's namespace)."""


def keep_events(sim: Simulator, target: Path) -> None:
    """The simulator's whole event log, kept beside the operator's logs (operator/run-N/) so
    a failure, or a near miss, can be read against them; a failure message shows only its
    member and leader events."""
    try:
        target.write_text(json.dumps(sim.events()))
    except httpx.HTTPError as error:  # the simulator is gone: pdsim.log says why
        target.write_text(json.dumps({"error": str(error)}))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every scenario needs the local control plane: mark them for `-m integration` too.
    for item in items:
        if item.get_closest_marker("e2e") is not None:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def operator_identity(
    control_plane: LocalCluster, tmp_path_factory: pytest.TempPathFactory
) -> rbac.Identity:
    """The operator as its ServiceAccount under the shipped cluster-wide RBAC (manifests/rbac),
    not the admin: a verb the manifests miss fails the scenario that needs it (the scenario
    itself, or the check of the audit log after it). The tests keep the admin kubeconfig."""
    control_plane.kubectl("create", "namespace", OPERATOR_NAMESPACE)
    return rbac.install(
        control_plane, "rbac", OPERATOR_NAMESPACE, tmp_path_factory.mktemp("operator-identity")
    )


@pytest.fixture
def sim_args() -> tuple[str, ...]:
    """Extra simulator flags; a scenario overrides this fixture to change them."""
    return ("--tick=0.3",)


@pytest.fixture
def operator_args() -> tuple[str, ...]:
    """Extra operator flags; a scenario overrides this fixture to change them."""
    return ()


@pytest.fixture
def operator_env() -> dict[str, str]:
    """Extra environment of the operator; a scenario overrides this fixture to change it."""
    return {}


@pytest.fixture
async def e2e(
    control_plane: LocalCluster,
    crds: Path,
    api_client: ApiClient,
    namespace: str,
    tmp_path: Path,
    sim_args: tuple[str, ...],
    operator_identity: rbac.Identity,
    operator_args: tuple[str, ...],
    operator_env: dict[str, str],
) -> AsyncIterator[E2E]:
    kube = Client(api_client)
    sim = start_simulator(namespace, control_plane.kubeconfig, tmp_path, *sim_args)
    operator = Operator(
        operator_identity.kubeconfig,
        namespace,
        sim.url,
        tmp_path / "operator",
        extra=(*OPERATOR_FLAGS, *operator_args),
    )
    operator.env = operator_env
    env = E2E(control_plane, kube, namespace, sim, operator, tmp_path)
    audited_from = rbac.audit_size(control_plane.audit_log)
    try:
        operator.start()
        yield env
    finally:
        operator.stop()
        keep_events(sim, tmp_path / "pdsim-events.json")
        sim.process.stop()
    # Some refusals never fail a reconcile (an event that could not be written is only
    # logged): the audit log sees them all.
    events = rbac.audit_events(control_plane.audit_log, audited_from)
    refused = rbac.forbidden(rbac.requests_of(events, operator_identity.user))
    assert not refused, "the operator's RBAC refused:\n" + "\n".join(
        sorted({r.message for r in refused})
    )
