"""The local control plane is the real thing: scheduler, kwok, garbage collector, watches."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from kubernetes_asyncio import client, watch

from hack.localcluster import ZONES, LocalCluster

pytestmark = pytest.mark.integration


async def _eventually(check: Any, within: float = 60.0) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.2)


async def test_fake_nodes_are_ready_and_spread_over_zones(api_client: client.ApiClient) -> None:
    nodes = (await client.CoreV1Api(api_client).list_node()).items
    zones = {n.metadata.labels["topology.kubernetes.io/zone"] for n in nodes}
    ready = [
        n
        for n in nodes
        if any(c.type == "Ready" and c.status == "True" for c in n.status.conditions)
    ]
    assert len(ready) == 6
    assert zones == set(ZONES)


async def test_owned_pod_is_scheduled_runs_and_is_garbage_collected(
    api_client: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api_client)
    owner = await core.create_namespaced_config_map(namespace, {"metadata": {"name": "owner"}})
    pod_body = {
        "metadata": {
            "name": "owned",
            "ownerReferences": [
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "name": "owner",
                    "uid": owner.metadata.uid,
                    "controller": True,
                }
            ],
        },
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }
    await core.create_namespaced_pod(namespace, pod_body)

    async def running() -> Any:
        pod = await core.read_namespaced_pod("owned", namespace)
        return pod if pod.status.phase == "Running" and pod.status.pod_ip else None

    pod = await _eventually(running)
    assert pod.spec.node_name.startswith("node-")  # placed by kube-scheduler, not by us

    await core.delete_namespaced_config_map("owner", namespace)

    async def collected() -> bool:
        pods = await core.list_namespaced_pod(namespace)
        return not pods.items

    await _eventually(collected)


async def test_watch_sees_added_modified_deleted(
    api_client: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api_client)
    seen: list[str] = []

    async def observe() -> None:
        w = watch.Watch()
        async with w.stream(
            core.list_namespaced_config_map, namespace, timeout_seconds=30
        ) as stream:
            async for event in stream:
                seen.append(event["type"])
                if event["type"] == "DELETED":
                    return

    watcher = asyncio.create_task(observe())
    await asyncio.sleep(0.5)
    await core.create_namespaced_config_map(
        namespace, {"metadata": {"name": "w"}, "data": {"a": "1"}}
    )
    await core.patch_namespaced_config_map("w", namespace, {"data": {"a": "2"}})
    await core.delete_namespaced_config_map("w", namespace)
    await asyncio.wait_for(watcher, 30)
    assert seen == ["ADDED", "MODIFIED", "DELETED"]


async def test_claims_are_provisioned_bound_and_their_volumes_reclaimed(
    api_client: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api_client)
    claim = {
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    await core.create_namespaced_persistent_volume_claim(namespace, claim)

    async def bound() -> Any:
        pvc = await core.read_namespaced_persistent_volume_claim("data", namespace)
        return pvc if pvc.status.phase == "Bound" else None

    pvc = await _eventually(bound)
    assert pvc.spec.storage_class_name == "standard"  # the default class, set by admission
    volume = pvc.spec.volume_name

    await core.delete_namespaced_persistent_volume_claim("data", namespace)

    async def reclaimed() -> bool:
        names = [pv.metadata.name for pv in (await core.list_persistent_volume()).items]
        return volume not in names

    await _eventually(reclaimed)


def test_a_second_control_plane_coexists_and_teardown_leaves_no_process(
    control_plane: LocalCluster, tmp_path: Path
) -> None:
    second = LocalCluster(workdir=tmp_path / "second", nodes=1)
    second.start()
    pids = second.pids()
    try:
        assert second.apiserver_port != control_plane.apiserver_port
        assert second.kubectl("get", "nodes", "-o", "name").stdout.split() == ["node/node-0"]
        assert len(pids) == 6  # etcd, apiserver, controller-manager, scheduler, kwok, provisioner
    finally:
        second.stop()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
