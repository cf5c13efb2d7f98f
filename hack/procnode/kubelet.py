"""The process kubelet: one worker per Pod bound to its nodes, plus the nodes' heartbeats
and the cluster DNS (hosts file)."""

from __future__ import annotations

import asyncio
import logging

from hack.procnode import dns
from hack.procnode.hosts import HostsFile
from hack.procnode.kubeapi import Object, Reflector
from hack.procnode.nodes import Nodes
from hack.procnode.pod import NodeContext, PodWorker

log = logging.getLogger("procnode.kubelet")


class Kubelet:
    def __init__(self, ctx: NodeContext, nodes: Nodes, hosts: HostsFile) -> None:
        self.ctx = ctx
        self.nodes = nodes
        self.hosts = hosts
        self.pods = Reflector(ctx.api, "/api/v1/pods")
        self.services = Reflector(ctx.api, "/api/v1/services")
        self.workers: dict[str, tuple[PodWorker, asyncio.Task[None]]] = {}
        self.finished: set[str] = set()
        """Pods whose worker is done, until their DELETED event arrives."""

    def _mine(self, pod: Object) -> bool:
        return (pod.get("spec") or {}).get("nodeName") in self.nodes.names

    async def run(self) -> None:
        await self.nodes.register()
        background = [
            asyncio.create_task(self.pods.run()),
            asyncio.create_task(self.services.run()),
            asyncio.create_task(dns.serve(self.hosts, self.services, self.pods)),
            asyncio.create_task(self.nodes.heartbeat()),
        ]
        try:
            await self._sync_pods()
        finally:
            for task in background:
                task.cancel()

    async def _sync_pods(self) -> None:
        changed = self.pods.subscribe()
        while True:
            await changed.wait()
            changed.clear()
            present = {p["metadata"]["uid"]: p for p in self.pods.objects.values() if self._mine(p)}
            for uid, (worker, task) in list(self.workers.items()):
                if task.done():
                    del self.workers[uid]
                    self.finished.add(uid)
                    if not task.cancelled() and task.exception() is not None:
                        log.error("pod worker %s failed", worker.name, exc_info=task.exception())
                elif uid in present:
                    worker.update(present[uid])
                else:
                    worker.gone()
            self.finished &= set(present)
            for uid, pod in present.items():
                if uid not in self.workers and uid not in self.finished:
                    worker = PodWorker(self.ctx, pod)
                    self.workers[uid] = (worker, asyncio.create_task(worker.run()))
