"""The end-to-end harness: the operator and the PD simulator as subprocesses against the local
control plane, with the helpers scenarios wait and assert with.

Each scenario gets its own namespace, its own simulator following that namespace and its own
operator watching only it, so scenarios never see each other's objects.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from hack.dev import Process, merge_into, operator_process, simulator_process, wait_http_ok
from hack.localcluster import REPO, LocalCluster, free_port
from tikv_operator.kube import resources
from tikv_operator.kube.client import Client
from tikv_operator.kube.resources import EVENT, Object, ResourceKind

T = TypeVar("T")
CLUSTER = "basic"
EXAMPLE = REPO / "examples" / "basic"
OPERATOR_FLAGS = ("--pd-poll-interval=2s", "--log-format=json", "--log-level=info")


async def eventually(
    check: Callable[[], Awaitable[T | None]], what: str, within: float = 120.0, every: float = 0.5
) -> T:
    """The first truthy result of `check`; fails naming `what` after `within` seconds."""
    deadline = time.monotonic() + within
    last: Any = None
    while True:
        last = await check()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within:.0f}s: {what}")
        await asyncio.sleep(every)


async def until(check: Callable[[], T | None], what: str, within: float = 120.0) -> T:
    """`eventually` for a synchronous check (the simulator's HTTP answers)."""

    async def wrapped() -> T | None:
        return check()

    return await eventually(wrapped, what, within)


def condition(obj: Object | None, type_: str) -> dict[str, Any] | None:
    for c in ((obj or {}).get("status") or {}).get("conditions") or ():
        if c["type"] == type_:
            return dict(c)
    return None


def is_true(obj: Object | None, type_: str) -> bool:
    c = condition(obj, type_)
    return c is not None and c["status"] == "True"


@dataclass
class Operator:
    kubeconfig: Path
    namespace: str
    pd_url: str
    log_dir: Path
    extra: tuple[str, ...] = OPERATOR_FLAGS
    env: dict[str, str] = field(default_factory=dict)
    """The process's environment on top of ours. With TIKV_OPERATOR_NAMESPACE in it, the
    namespace to watch comes from there, as in the namespaced Deployment, not --namespace."""
    process: Process | None = None
    probe_port: int = 0
    metrics_port: int = 0
    starts: int = 0

    def start(self) -> None:
        self.probe_port, self.metrics_port = free_port(), free_port()
        self.starts += 1
        self.process = operator_process(
            self.kubeconfig,
            self.namespace,
            self.pd_url,
            self.probe_port,
            self.log_dir / f"run-{self.starts}",
            *self.extra,
            f"--metrics-bind-address=127.0.0.1:{self.metrics_port}",
            namespace_flag="TIKV_OPERATOR_NAMESPACE" not in self.env,
        ).start(self.env)
        wait_http_ok(f"http://127.0.0.1:{self.probe_port}/readyz", self.process)

    def metrics(self) -> str:
        """The operator's /metrics page (Prometheus text format)."""
        return httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).text

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, as when a node dies."""
        assert self.process is not None
        self.process.signal(signal.SIGKILL)
        self.process.stop()

    def stop(self) -> int | None:
        return self.process.stop() if self.process is not None else None

    def log_tail(self) -> str:
        return self.process.log_tail() if self.process is not None else ""


@dataclass
class Simulator:
    process: Process
    url: str

    def events(self) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = httpx.get(f"{self.url}/sim/events", timeout=5).json()
        return answer

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events() if e["kind"] == kind]

    def pd(self, path: str) -> Any:
        """PD's answer, or {} while PD cannot answer (no leader, not bootstrapped, a fault a
        chaos scenario injected, which the test's own reads meet too)."""
        try:
            r = httpx.get(f"{self.url}/pd/api/v1{path}", timeout=5)
        except httpx.TimeoutException:
            return {}
        return r.json() if r.status_code == 200 else {}

    def post(self, path: str, body: Any) -> None:
        httpx.post(f"{self.url}{path}", json=body, timeout=5).raise_for_status()

    def delete(self, path: str) -> None:
        httpx.delete(f"{self.url}{path}", timeout=5).raise_for_status()

    def up_stores(self) -> list[dict[str, Any]]:
        stores = self.pd("/stores").get("stores") or []
        return [s for s in stores if s["store"].get("state_name") == "Up"]

    def member_names(self) -> list[str]:
        return sorted(m.get("name", "") for m in self.pd("/members").get("members") or [])


@dataclass
class E2E:
    control_plane: LocalCluster
    kube: Client
    namespace: str
    sim: Simulator
    operator: Operator
    workdir: Path
    background: list[asyncio.Task[None]] = field(default_factory=list)

    # ---- objects ----

    def kubectl(self, *args: str) -> str:
        return self.control_plane.kubectl("-n", self.namespace, *args).stdout

    def apply_basic(self, tikv_spec: Object | None = None) -> None:
        """Apply examples/basic, its TiKVGroup's spec merged with `tikv_spec` from the start
        (some fields, such as topology, cannot change once the instances exist)."""
        if tikv_spec is None:
            self.kubectl("apply", "-f", str(EXAMPLE))
            return
        self.kubectl(
            "apply", "-f", str(EXAMPLE / "cluster.yaml"), "-f", str(EXAMPLE / "pd-group.yaml")
        )
        source = EXAMPLE / "tikv-group.yaml"
        group = json.loads(
            self.kubectl("create", "--dry-run=client", "-o", "json", "-f", str(source))
        )
        merge_into(group["spec"], tikv_spec)
        target = self.workdir / "tikv-group.json"
        target.write_text(json.dumps(group))
        self.kubectl("apply", "-f", str(target))

    async def get(self, kind: ResourceKind, name: str = CLUSTER) -> Object | None:
        return await self.kube.get_or_none(kind, name, self.namespace)

    async def list(self, kind: ResourceKind, selector: str | None = None) -> list[Object]:
        return (await self.kube.list(kind, self.namespace, label_selector=selector)).items

    async def names(self, kind: ResourceKind) -> list[str]:
        return sorted(o["metadata"]["name"] for o in await self.list(kind))

    async def patch(self, kind: ResourceKind, patch: Object, name: str = CLUSTER) -> None:
        await self.kube.patch(kind, name, patch, self.namespace)

    async def scale(self, kind: ResourceKind, replicas: int) -> None:
        await self.patch(kind, {"spec": {"replicas": replicas}})

    async def events_about(self, kind: str, name: str = CLUSTER) -> list[Object]:
        return [
            e
            for e in await self.list(EVENT)
            if e.get("regarding", {}).get("kind") == kind
            and e.get("regarding", {}).get("name") == name
        ]

    # ---- waits ----

    async def wait_cluster(self, *types: str, within: float = 180.0) -> Object:
        async def check() -> Object | None:
            obj = await self.get(resources.CLUSTER)
            return obj if all(is_true(obj, t) for t in types) else None

        try:
            return await eventually(check, f"Cluster {' and '.join(types)}", within)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.diagnostics()}") from None

    async def wait_ready(self, tikv: int = 3, pd: int = 3, within: float = 180.0) -> Object:
        """Cluster Ready and Available with `pd` members and `tikv` Up stores."""

        async def check() -> bool:
            return (
                len(self.sim.up_stores()) == tikv
                and len(self.sim.member_names()) == pd
                and len(await self.list(resources.TIKV)) == tikv
                and len(await self.list(resources.PD)) == pd
            )

        try:
            await eventually(check, f"{pd} PD members and {tikv} Up stores", within)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.diagnostics()}") from None
        return await self.wait_cluster("Ready", "Available", within=within)

    async def wait_replicated(self, regions: int = 12) -> None:
        """Every region on every Up store and leaders on each: only then does every store
        hold leaders to evict (a store missing a region's peer cannot take its leader, and a
        store without leaders restarts without an eviction)."""

        def replicated() -> bool:
            return all(
                s["status"].get("region_count") == regions and s["status"].get("leader_count")
                for s in self.sim.up_stores()
            )

        await until(replicated, "regions replicated on every store", 90)

    def diagnostics(self) -> str:
        table = self.control_plane.kubectl(
            "-n", self.namespace, "get", "tc,pdg,kvg,pds,tikvs,pods,pvc", check=False
        ).stdout
        events = json.dumps(self.sim.events()[-30:], indent=0)
        return (
            f"--- objects\n{table}\n--- simulator events (last 30)\n{events}\n"
            f"--- operator log tail\n{self.operator.log_tail()}"
        )


def metric_values(page: str, name: str, **labels: str) -> list[float]:
    """The values of the samples of `name` on a /metrics page whose labels include
    `labels`."""
    want = [f'{k}="{v}"' for k, v in labels.items()]
    out = []
    for line in page.splitlines():
        sample, _, value = line.rpartition(" ")
        if sample.startswith(name + "{") and all(w in sample for w in want):
            out.append(float(value))
    return out


def tombstone_before_stop(events: list[dict[str, Any]], address: str) -> bool:
    """In the simulator's log, the store at `address` became Tombstone before its Pod stopped
    answering (the simulator records `store-stopped` when the Pod goes away)."""
    kinds = [e["kind"] for e in events if e["subject"] == address]
    if "store-tombstone" not in kinds:
        return False
    return "store-stopped" not in kinds or kinds.index("store-tombstone") < kinds.index(
        "store-stopped"
    )


def start_simulator(namespace: str, kubeconfig: Path, log_dir: Path, *extra: str) -> Simulator:
    port = free_port()
    process = simulator_process(port, namespace, kubeconfig, log_dir, *extra).start()
    url = f"http://127.0.0.1:{port}"
    wait_http_ok(f"{url}/sim/events", process)
    return Simulator(process, url)
