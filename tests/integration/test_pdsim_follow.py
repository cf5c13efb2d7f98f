"""The simulator follows the PD and TiKV Pods of a namespace on the local control plane."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from kubernetes_asyncio import client

from hack.pdsim.follow import follow
from hack.pdsim.model import PDCluster
from tests.pd_fixtures import SimulatorHandle, live_simulator

__all__ = ["live_simulator"]

pytestmark = pytest.mark.integration


def pod(name: str, component: str, cluster: str = "basic") -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "labels": {
                "app.kubernetes.io/component": component,
                "app.kubernetes.io/managed-by": "tikv-operator",
                "tikv.org/cluster": cluster,
                "tikv.org/group": cluster,
            },
        },
        "spec": {
            # Bound directly to a kwok node: the test needs a Running Pod, not scheduling.
            "nodeName": "node-0",
            "tolerations": [{"operator": "Exists"}],
            "containers": [{"name": component, "image": f"pingcap/{component}:v8.5.1"}],
        },
    }


@pytest.fixture
async def following(
    live_simulator: SimulatorHandle, control_plane: Any, namespace: str
) -> AsyncIterator[PDCluster]:
    task = asyncio.create_task(
        follow(live_simulator.cluster, namespace, str(control_plane.kubeconfig), "basic")
    )
    try:
        yield live_simulator.cluster
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def eventually(check: Callable[[], bool]) -> None:
    """Poll `check` for up to 30 s: the watch delivers Pod changes asynchronously."""
    for _ in range(150):
        if check():
            return
        await asyncio.sleep(0.2)
    pytest.fail("condition not reached within 30 s")


async def test_running_pd_and_tikv_pods_become_members_and_stores(
    following: PDCluster, api_client: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api_client)
    await core.create_namespaced_pod(namespace, pod("basic-pd-a", "pd"))
    await core.create_namespaced_pod(namespace, pod("basic-tikv-a", "tikv"))
    await core.create_namespaced_pod(namespace, pod("other-pd-a", "pd", cluster="other"))

    await eventually(lambda: following.leader is not None and bool(following.stores))

    assert [m.name for m in following.members] == ["basic-pd-a"]
    assert following.members[0].client_urls == [f"http://basic-pd-a.basic-pd-peer.{namespace}:2379"]
    assert [s.address for s in following.stores.values()] == [
        f"basic-tikv-a.basic-tikv-peer.{namespace}:20160"
    ]


async def test_deleted_tikv_pod_stops_heartbeating(
    following: PDCluster, api_client: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api_client)
    await core.create_namespaced_pod(namespace, pod("basic-tikv-a", "tikv"))
    await eventually(lambda: bool(following.stores))

    await core.delete_namespaced_pod("basic-tikv-a", namespace, grace_period_seconds=0)

    await eventually(lambda: not following.stores[1].heartbeating)
    assert [e.kind for e in following.events][-1] == "store-stopped"
