"""The process nodes themselves: registered by their kubelet, kept Ready, their Leases renewed
(kube-node-lease), so node-lifecycle-controller treats them as it treats a kubelet's."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from hack.procnode import NODE_KIND_LABEL, NODE_MANAGED, TAINT
from hack.procnode.kubeapi import STRATEGIC, Api

Object = dict[str, Any]
log = logging.getLogger("procnode.nodes")

NODE_ANNOTATION = "kwok.x-k8s.io/node"
"""hack.localcluster's kwok manages the nodes whose value of this is not ours."""
LEASE_NAMESPACE = "kube-node-lease"
LEASE_SECONDS = 40
RENEW_EVERY = 10.0
"""A kubelet renews its Lease every quarter of its duration."""
STATUS_EVERY = 60.0
HOST_IP = "127.0.0.1"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def micro_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def node_body(name: str, zone: str) -> Object:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {NODE_ANNOTATION: NODE_MANAGED},
            "labels": {
                "type": NODE_MANAGED,
                NODE_KIND_LABEL: NODE_MANAGED,
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "topology.kubernetes.io/zone": zone,
            },
        },
        "spec": {"taints": [TAINT]},
    }


def node_status(name: str) -> Object:
    stamp = now()

    def condition(type_: str, status: str, reason: str) -> Object:
        return {"type": type_, "status": status, "reason": reason,
                "lastHeartbeatTime": stamp, "lastTransitionTime": stamp}  # fmt: skip

    resources = {"cpu": "32", "memory": "256Gi", "pods": "110"}
    return {
        "status": {
            "capacity": resources,
            "allocatable": resources,
            "addresses": [
                {"type": "InternalIP", "address": HOST_IP},
                {"type": "Hostname", "address": name},
            ],
            "conditions": [
                condition("Ready", "True", "KubeletReady"),
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory"),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID"),
            ],
            "nodeInfo": {
                "kubeletVersion": "procnode",
                "containerRuntimeVersion": "procnode://1",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        }
    }


def lease_body(node: Object) -> Object:
    name = node["metadata"]["name"]
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {
            "name": name,
            "namespace": LEASE_NAMESPACE,
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Node", "name": name, "uid": node["metadata"]["uid"]}
            ],
        },
        "spec": {
            "holderIdentity": name,
            "leaseDurationSeconds": LEASE_SECONDS,
            "renewTime": micro_now(),
        },
    }


class Nodes:
    def __init__(self, api: Api, names: Sequence[str], zones: Sequence[str]) -> None:
        self.api = api
        self.zones = {n: zones[i % len(zones)] for i, n in enumerate(names)}

    @property
    def names(self) -> list[str]:
        return list(self.zones)

    async def register(self) -> None:
        for name, zone in self.zones.items():
            await self.api.create("/api/v1/nodes", node_body(name, zone))
            await self._report_status(name)
            await self._renew_lease(name)

    async def _report_status(self, name: str) -> None:
        await self.api.patch(f"/api/v1/nodes/{name}/status", node_status(name), STRATEGIC)

    async def _renew_lease(self, name: str) -> None:
        path = f"/apis/coordination.k8s.io/v1/namespaces/{LEASE_NAMESPACE}/leases"
        renewed = await self.api.patch(
            f"{path}/{name}", {"spec": {"holderIdentity": name, "renewTime": micro_now()}}
        )
        if not renewed:
            node = await self.api.get(f"/api/v1/nodes/{name}")
            if node is not None:
                await self.api.create(path, lease_body(node))

    async def heartbeat(self) -> None:
        """Renews the Leases every RENEW_EVERY seconds and reports status every STATUS_EVERY
        (a deleted Node comes back, as with a restarted kubelet)."""
        loop = asyncio.get_running_loop()
        last_status = loop.time()
        while True:
            await asyncio.sleep(RENEW_EVERY)
            try:
                for name in self.zones:
                    await self._renew_lease(name)
                if loop.time() - last_status >= STATUS_EVERY:
                    await self.register()
                    last_status = loop.time()
            except httpx.HTTPError as e:
                log.warning("node heartbeat failed: %s", e)
