"""The real-PD harness: PD Pods run as real pd-server processes on the process nodes
(hack.procnode), started from the operator's own ConfigMap and command line; the operator
runs on the host with the nodes' hosts file over its /etc/hosts, so it reaches PD by the
Service URL it derives itself (`http://<group>-pd.<ns>:2379`), no --pd-url-override.

The test reads PD's own answers at the members' Pod IPs (the test process has no cluster
DNS): `PD.get` asks each member in turn until one answers.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hack.dev import Process, example_on_process_nodes, operator_process, wait_http_ok
from hack.localcluster import LocalCluster, free_port
from hack.procnode.sandbox import with_hosts
from tikv_operator.kube import resources
from tikv_operator.kube.client import Client
from tikv_operator.kube.resources import Object, ResourceKind

from ..e2e.harness import CLUSTER, eventually, is_true

OPERATOR_FLAGS = ("--pd-poll-interval=2s", "--log-format=json", "--log-level=info")
PD_PORT = 2379


@dataclass
class PD:
    """PD's own HTTP API, at the Pod IPs of the PD Pods of the namespace."""

    kube: Client
    namespace: str

    async def addresses(self) -> list[str]:
        pods = await self.kube.list(
            resources.POD, self.namespace, label_selector="app.kubernetes.io/component=pd"
        )
        return sorted(ip for p in pods.items if (ip := (p.get("status") or {}).get("podIP")))

    async def get(self, path: str) -> Any:
        """The first 200 answer of a member (a follower proxies to the leader), else None."""
        async with httpx.AsyncClient(timeout=3) as client:
            for ip in await self.addresses():
                try:
                    r = await client.get(f"http://{ip}:{PD_PORT}/pd/api/v1{path}")
                except httpx.HTTPError:
                    continue
                if r.status_code == 200:
                    return r.json()
        return None

    async def answering(self, addresses: list[str]) -> list[str]:
        """Those of `addresses` where something still accepts PD's client port."""
        out = []
        async with httpx.AsyncClient(timeout=2) as client:
            for ip in addresses:
                try:
                    await client.get(f"http://{ip}:{PD_PORT}/pd/api/v1/health")
                except httpx.HTTPError:
                    continue
                out.append(ip)
        return out

    async def post(self, path: str) -> None:
        """A write through the first member that answers (PD proxies it to the leader)."""
        async with httpx.AsyncClient(timeout=10) as client:
            for ip in await self.addresses():
                try:
                    r = await client.post(f"http://{ip}:{PD_PORT}/pd/api/v1{path}")
                except httpx.HTTPError:
                    continue
                r.raise_for_status()
                return
        raise AssertionError(f"no PD member answered POST {path}")

    async def wait_leader(self, name: str, within: float = 30.0) -> None:
        async def leads() -> bool:
            return await self.leader() == name

        await eventually(leads, f"{name} leads PD", within)

    async def member_names(self) -> list[str]:
        members = await self.get("/members")
        return sorted(m.get("name", "") for m in (members or {}).get("members") or ())

    async def leader(self) -> str | None:
        leader = await self.get("/leader")
        return str(leader["name"]) if leader and leader.get("name") else None


@dataclass
class RealPD:
    control_plane: LocalCluster
    kube: Client
    namespace: str
    workdir: Path
    operator: Process | None = None
    pd: PD = field(init=False)

    def __post_init__(self) -> None:
        self.pd = PD(self.kube, self.namespace)

    def start_operator(self) -> None:
        probe_port, metrics_port = free_port(), free_port()
        log_dir = self.workdir / "operator"
        process = operator_process(
            self.control_plane.kubeconfig, self.namespace, None, probe_port, log_dir,
            *OPERATOR_FLAGS, f"--metrics-bind-address=127.0.0.1:{metrics_port}",
        )  # fmt: skip
        argv = with_hosts(self.control_plane.hosts_file, process.argv, log_dir / "sandbox.json")
        self.operator = dataclasses.replace(process, argv=argv).start()
        wait_http_ok(f"http://127.0.0.1:{probe_port}/readyz", self.operator)

    def kubectl(self, *args: str) -> str:
        return self.control_plane.kubectl("-n", self.namespace, *args).stdout

    def apply(self, pd: Object | None = None) -> None:
        """examples/basic, its PD Pods on the process nodes (`pd` merged into the PDGroup's
        template spec) and no TiKV (a store stand-in is yet to run on them)."""
        target = example_on_process_nodes(self.control_plane, self.workdir / "basic.json", pd)
        self.kubectl("apply", "-f", str(target))

    async def eventually(
        self, check: Callable[[], Awaitable[bool]], what: str, within: float = 240.0
    ) -> None:
        """`eventually`, failing with the diagnostics."""
        try:
            await eventually(check, what, within, every=1.0)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{await self.diagnostics()}") from None

    async def get(self, kind: ResourceKind, name: str = CLUSTER) -> Object | None:
        return await self.kube.get_or_none(kind, name, self.namespace)

    async def objects(self, kind: ResourceKind) -> list[Object]:
        return (await self.kube.list(kind, self.namespace)).items

    async def names(self, kind: ResourceKind) -> list[str]:
        return sorted(o["metadata"]["name"] for o in await self.objects(kind))

    async def wait_pd(self, members: int, within: float = 240.0) -> list[str]:
        """PD's own view: exactly the PD objects as members, all healthy, one leader; and
        the PDGroup Ready (the Cluster is not Available until TiKV stores are Up). Returns
        the member names."""

        async def settled() -> list[str] | None:
            names = await self.names(resources.PD)
            if len(names) != members or await self.pd.member_names() != names:
                return None
            health = await self.pd.get("/health") or []
            healthy = sorted(h["name"] for h in health if h.get("health"))
            if healthy != names or await self.pd.leader() not in names:
                return None
            group = await self.get(resources.PDGROUP)
            return names if is_true(group, "Ready") else None

        try:
            return await eventually(settled, f"{members} healthy PD members", within, every=1.0)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{await self.diagnostics()}") from None

    async def diagnostics(self) -> str:
        table = self.control_plane.kubectl(
            "-n", self.namespace, "get", "tc,pdg,kvg,pds,pods,pvc", "-o", "wide", check=False
        ).stdout
        members = json.dumps(await self.pd.get("/members"), indent=1)
        tail = self.operator.log_tail() if self.operator else ""
        exits = "\n".join(await self.container_exits())
        return (
            f"--- objects\n{table}\n--- PD /members\n{members}\n"
            f"--- containers' last exits\n{exits}\n--- operator log tail\n{tail}"
        )

    async def container_exits(self) -> list[str]:
        """Each container's last termination, with the process's own last words: how a
        config pd-server refuses shows up."""
        out = []
        for pod in await self.objects(resources.POD):
            for status in (pod.get("status") or {}).get("containerStatuses") or ():
                ended = (status.get("lastState") or {}).get("terminated")
                if ended:
                    out.append(
                        f"{pod['metadata']['name']}/{status['name']} exited "
                        f"{ended['exitCode']} ({status['restartCount']} restarts):\n"
                        f"{ended.get('message', '')}"
                    )
        return out
