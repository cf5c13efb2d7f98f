"""The simulator answers like a real pd-server.

The same request sequence runs against real pd-server processes on loopback (one member,
and three) and against the simulator mirroring their membership; status codes, bodies and
their shapes must match once values that differ by nature (ids, timestamps, paths) are
masked with their type.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.pd_fixtures import PDServerCluster, SimulatorHandle, live_simulator, pd_servers

__all__ = ["live_simulator", "pd_servers"]

pytestmark = [pytest.mark.pdserver, pytest.mark.integration]

API = "/pd/api/v1"
# Values that differ between any two PD clusters; compared by type only.
VOLATILE = {"member_id", "cluster_id", "id", "start_timestamp", "deploy_path"}


def masked(value: Any, key: str = "") -> Any:
    """`value` with volatile fields replaced by their type name and lists put in name order."""
    if key in VOLATILE:
        return f"<{type(value).__name__}>"
    if isinstance(value, dict):
        return {k: masked(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [masked(v) for v in value]
        return sorted(items, key=lambda v: str(v.get("name", v)) if isinstance(v, dict) else v)
    return value


@dataclass(frozen=True)
class Step:
    label: str
    status: int
    body: Any


@dataclass
class Target:
    """Where to send requests: `urls()` lists the client URLs of members still in the cluster."""

    urls: Callable[[], list[str]]
    remove: Callable[[str], None]

    def url(self) -> str:
        return self.urls()[0]


class Transcript:
    def __init__(self, target: Target, http: httpx.AsyncClient) -> None:
        self.target = target
        self.http = http
        self.steps: list[Step] = []

    async def call(self, method: str, path: str, label: str = "") -> Any:
        r = await self.http.request(method, self.target.url() + API + path)
        try:
            body = r.json()
        except ValueError:
            body = r.text
        assert r.text.endswith("\n"), f"{method} {path}: no trailing newline"
        self.steps.append(Step(label or f"{method} {path}", r.status_code, masked(body)))
        return body

    async def call_until_accepted(self, method: str, path: str, label: str) -> None:
        """Repeat a call etcd refuses while peers are newly connected ("unhealthy cluster")."""
        deadline = time.monotonic() + 30
        while True:
            r = await self.http.request(method, self.target.url() + API + path)
            if "unhealthy cluster" not in r.text or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        self.steps.append(Step(label, r.status_code, masked(r.json())))

    async def wait_for(self, label: str, path: str, check: Callable[[Any], bool]) -> None:
        """Poll until PD's answer passes `check` (real PD applies some changes shortly after)."""
        deadline = time.monotonic() + 30
        body: Any = None
        while time.monotonic() < deadline:
            r = await self.http.get(self.target.url() + API + path)
            body = r.json() if r.status_code == 200 else r.text
            if r.status_code == 200 and check(body):
                self.steps.append(Step(label, 200, "reached"))
                return
            await asyncio.sleep(0.3)
        self.steps.append(Step(label, 0, f"not reached: {body}"))


async def read_everything(t: Transcript) -> None:
    for path in ("/members", "/health", "/leader", "/config/replicate", "/cluster", "/status"):
        await t.call("GET", path)


async def not_bootstrapped_answers(t: Transcript) -> None:
    for path in (
        "/stores",
        "/stores?state=0&state=1&state=2",
        "/store/1",
        "/schedulers",
        "/scheduler-config/evict-leader-scheduler/list",
        "/regions/check/down-peer",
    ):
        await t.call("GET", path)


async def unknown_member_answers(t: Transcript) -> None:
    await t.call("POST", "/leader/transfer/nobody")
    await t.call("DELETE", "/members/name/nobody")


async def single_member_scenario(t: Transcript) -> None:
    await read_everything(t)
    await not_bootstrapped_answers(t)
    await unknown_member_answers(t)


async def three_member_scenario(t: Transcript, leader: str, names: list[str]) -> None:
    await read_everything(t)
    await not_bootstrapped_answers(t)
    await unknown_member_answers(t)
    new_leader, leaving = (n for n in names if n != leader)
    await t.call("POST", f"/leader/transfer/{new_leader}", "transfer leader")
    await t.wait_for("leader moved", "/leader", lambda b: b.get("name") == new_leader)
    await t.call("GET", "/leader")
    await t.call_until_accepted("DELETE", f"/members/name/{leaving}", "delete member")
    t.target.remove(leaving)
    await t.wait_for("2 members", "/members", lambda b: len(b["members"]) == 2)
    await t.call("GET", "/members")
    await t.call("GET", "/health")


def pd_target(cluster: PDServerCluster) -> Target:
    removed: set[str] = set()

    def urls() -> list[str]:
        return [m.client_url for m in cluster.members if m.name not in removed]

    def remove(name: str) -> None:
        removed.add(name)
        next(m for m in cluster.members if m.name == name).stop()

    return Target(urls, remove)


def sim_target(handle: SimulatorHandle) -> Target:
    return Target(lambda: [handle.url], lambda _: None)


def mirror(handle: SimulatorHandle, cluster: PDServerCluster, leader: str) -> None:
    """Give the simulator the real cluster's member names and URLs, and its leader."""
    for m in cluster.members:
        handle.cluster.add_member(m.name, [m.peer_url], [m.client_url])
    handle.cluster.transfer_leader(leader)


async def transcripts(
    cluster: PDServerCluster, handle: SimulatorHandle, scenario: Callable[..., Any], *args: Any
) -> tuple[list[Step], list[Step]]:
    async with httpx.AsyncClient(timeout=10) as http:
        real = Transcript(pd_target(cluster), http)
        await scenario(real, *args)
        sim = Transcript(sim_target(handle), http)
        await scenario(sim, *args)
    return real.steps, sim.steps


def step(steps: list[Step], label: str) -> Step:
    return next(s for s in steps if s.label == label)


def assert_same(real: list[Step], sim: list[Step]) -> None:
    assert [s.label for s in sim] == [s.label for s in real]
    for r, s in zip(real, sim, strict=True):
        assert s == r, f"simulator differs from pd-server at {r.label}"


async def test_one_member_simulator_answers_like_pd_server(
    pd_servers: PDServerCluster, live_simulator: SimulatorHandle
) -> None:
    pd_servers.start(["pd0"])
    mirror(live_simulator, pd_servers, pd_servers.wait_for_leader())
    real, sim = await transcripts(pd_servers, live_simulator, single_member_scenario)
    assert_same(real, sim)


async def test_three_members_simulator_answers_like_pd_server(
    pd_servers: PDServerCluster, live_simulator: SimulatorHandle
) -> None:
    names = ["pd0", "pd1", "pd2"]
    pd_servers.start(names)
    leader = pd_servers.wait_for_leader()
    mirror(live_simulator, pd_servers, leader)
    real, sim = await transcripts(pd_servers, live_simulator, three_member_scenario, leader, names)
    assert step(real, "leader moved") == Step("leader moved", 200, "reached")
    assert step(real, "delete member").status == 200
    assert step(real, "2 members") == Step("2 members", 200, "reached")
    assert_same(real, sim)
