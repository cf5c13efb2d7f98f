"""The real-PD harness: PD Pods run as real pd-server processes and TiKV Pods as the store
stub (hack/storestub) on the process nodes (hack.procnode), started from the operator's own
ConfigMaps and command lines; the operator
runs on the host with the nodes' hosts file over its /etc/hosts, so it reaches PD by the
Service URL it derives itself (`http://<group>-pd.<ns>:2379`), no --pd-url-override.

The test reads PD's own answers at the members' Pod IPs (the test process has no cluster
DNS): `PD.get` asks each member in turn until one answers.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from apis.names import tikv_address
from hack.dev import Process, example_on_process_nodes, operator_process, wait_http_ok
from hack.localcluster import LocalCluster, free_port
from hack.procnode.sandbox import with_hosts
from tikv_operator.kube import resources
from tikv_operator.kube.client import Client
from tikv_operator.kube.resources import Object, ResourceKind

from ..e2e.harness import CLUSTER, eventually, is_true

OPERATOR_FLAGS = ("--pd-poll-interval=2s", "--log-format=json", "--log-level=info")
PD_PORT = 2379
T = TypeVar("T")
TIKV_SUBDOMAIN = f"{CLUSTER}-tikv-peer"
COMPONENT_LABEL = "app.kubernetes.io/component"
TIKV_PODS = f"{COMPONENT_LABEL}=tikv"
ALL_STORES = "/stores?state=0&state=1&state=2"
"""PD's plain /stores leaves Tombstone stores out."""

PD_CONFIG = """\
[schedule]
# Peers a store may add or remove per minute; PD's default 15 makes the drain of an
# offlined store take minutes. The key is deprecated but still sets PD's default store
# limit, which has no other config key (pd-ctl's `store limit all` is the API way).
store-balance-rate = 600.0
# PD's balance-leader leaves stores alone while their leader counts are within 5 of each
# other ("auto" for a dozen regions), so leaders evicted for a restart would not come back.
tolerant-size-ratio = 1.0
leader-schedule-limit = 16
# The stub reports regions above PD's merge thresholds and never merges; PD's default 1h
# split-merge-interval, stated, keeps PD from merging the freshly split regions.
split-merge-interval = "1h"
"""
"""The tier's PD config (the PDGroup's user config): PD's clocks shortened where the
scenarios wait on them. Nothing of it is the operator's."""

TIKV_CONFIG = """\
[storage]
reserve-space = "1GB"

[raftstore]
# Store heartbeats carry the leader count the operator waits on before a restart (TiKV's
# default: every 10 s).
pd-store-heartbeat-tick-interval = "2s"
"""
"""The tier's TiKV config: examples/basic's, with store heartbeats every 2 s."""


def rooted_under(prefix: str) -> list[int]:
    """The processes whose root directory starts with `prefix`: the containers of the
    process nodes run chrooted in their Pod's directory."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            root = os.readlink(proc / "root")
        except OSError:  # not a process, or gone meanwhile
            continue
        if root.startswith(prefix):
            pids.append(int(proc.name))
    return pids


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

    async def stores(self) -> list[Object] | None:
        """Every store, Tombstones too; None when no member answers (or before bootstrap)."""
        listed = await self.get(ALL_STORES)
        return None if listed is None else list(listed.get("stores") or ())

    async def regions(self) -> list[Object] | None:
        listed = await self.get("/regions")
        return None if listed is None else list(listed.get("regions") or ())

    async def evict_leader_schedulers(self) -> list[str] | None:
        names = await self.get("/schedulers")
        return None if names is None else [n for n in names if n.startswith("evict-leader")]


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

    def apply(
        self, pd: Object | None = None, tikv: Object | None = None, tikv_replicas: int | None = None
    ) -> None:
        """examples/basic with the tier's configs, its Pods on the process nodes (`pd` and
        `tikv` merged into the groups' template specs, the TiKVGroup at `tikv_replicas` if
        given)."""
        target = example_on_process_nodes(
            self.control_plane,
            self.workdir / "basic.json",
            {"config": PD_CONFIG, **(pd or {})},
            {"config": TIKV_CONFIG, **(tikv or {})},
            tikv_replicas,
        )
        self.kubectl("apply", "-f", str(target))

    async def eventually(
        self, check: Callable[[], Awaitable[T | None]], what: str, within: float = 240.0
    ) -> T:
        """`eventually`, failing with the diagnostics."""
        try:
            return await eventually(check, what, within, every=1.0)
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

    async def pods(self, component: str) -> dict[str, Object]:
        """The Pods of `component` (`pd` or `tikv`) by name."""
        selector = f"{COMPONENT_LABEL}={component}"
        pods = await self.kube.list(resources.POD, self.namespace, label_selector=selector)
        return {p["metadata"]["name"]: p for p in pods.items}

    async def tikv_pods(self) -> dict[str, Object]:
        return await self.pods("tikv")

    def containers(self) -> list[int]:
        """The processes of this namespace's Pods on the process nodes, found by their
        private roots (hack.procnode.pod: `<workdir>/pods/<namespace>_<pod>_<uid>`)."""
        pods = self.control_plane.workdir / "procnode" / "pods"
        return rooted_under(f"{pods}/{self.namespace}_")

    def store_address(self, tikv: str) -> str:
        """The address the TiKV instance's store registers in PD."""
        return tikv_address(tikv, TIKV_SUBDOMAIN, self.namespace)

    async def wait_settled(self, pd: int, tikv: int, within: float = 240.0) -> dict[str, int]:
        """PD's own view agrees with the objects: `wait_pd`'s members; a store Up for each
        of `tikv` TiKV objects at its address and no other store but Tombstones; every
        region with three peers on them; no evict-leader scheduler; the TiKVGroup Ready and
        the Cluster Ready and Available. Returns the store id of each TiKV instance."""
        await self.wait_pd(pd, within)

        async def settled() -> dict[str, int] | None:
            names = await self.names(resources.TIKV)
            stores = await self.pd.stores()
            regions = await self.pd.regions()
            if len(names) != tikv or stores is None or regions is None:
                return None
            live = {s["store"]["address"]: s["store"] for s in stores
                    if s["store"]["state_name"] != "Tombstone"}  # fmt: skip
            by_name = {n: live.get(self.store_address(n)) for n in names}
            if len(live) != tikv or any(
                s is None or s["state_name"] != "Up" for s in by_name.values()
            ):
                return None
            ids = {n: int(s["id"]) for n, s in by_name.items() if s is not None}
            if any(
                len({p["store_id"] for p in r["peers"]} & set(ids.values())) != 3 for r in regions
            ):
                return None
            if await self.pd.evict_leader_schedulers() != []:
                return None
            group, cluster = await self.get(resources.TIKVGROUP), await self.get(resources.CLUSTER)
            if not (is_true(group, "Ready") and is_true(cluster, "Ready")):
                return None
            return ids if is_true(cluster, "Available") else None

        return await self.eventually(
            settled, f"{pd} PD members and {tikv} stores Up, settled", within
        )

    async def diagnostics(self) -> str:
        table = self.control_plane.kubectl(
            "-n", self.namespace, "get", "tc,pdg,kvg,pds,tikvs,pods,pvc", "-o", "wide", check=False
        ).stdout
        members = json.dumps(await self.pd.get("/members"), indent=1)
        stores = json.dumps(
            [(s["store"]["id"], s["store"]["address"], s["store"]["state_name"],
              s["status"].get("leader_count", 0), s["status"].get("region_count", 0))
             for s in await self.pd.stores() or ()]
        )  # fmt: skip
        schedulers = json.dumps(await self.pd.get("/schedulers"))
        tail = self.operator.log_tail() if self.operator else ""
        exits = "\n".join(await self.container_exits())
        return (
            f"--- objects\n{table}\n--- PD /members\n{members}\n"
            f"--- PD stores (id, address, state, leaders, regions)\n{stores}\n"
            f"--- PD /schedulers\n{schedulers}\n"
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


async def answering(addresses: list[str], port: int, path: str) -> list[str]:
    """Those of `addresses` where something still answers HTTP on `port` (any status)."""
    out = []
    async with httpx.AsyncClient(timeout=2) as client:
        for ip in addresses:
            try:
                await client.get(f"http://{ip}:{port}{path}")
            except httpx.HTTPError:
                continue
            out.append(ip)
    return out
