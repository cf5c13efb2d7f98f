"""TiKV failover (DESIGN §6, rule 15): a store that stops heartbeating while its Pod is not
Ready gets exactly one replacement, never beyond maxFailoverCount, and the operator says
why when it holds back."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from hack.dev import Process
from hack.localcluster import node_body
from tikv_operator.kube import resources

from .harness import E2E, condition, eventually, metric_values, until

pytestmark = pytest.mark.e2e

FAILOVER = {"storeDownTimeout": "20s", "maxFailoverCount": 1}
HOSTNAME = "kubernetes.io/hostname"


async def fail_store(e2e: E2E, name: str) -> str:
    """The instance's Pod turns not Ready (a failing probe, a dead node): the simulator
    stops its store's heartbeats, as a dead tikv-server's would stop."""
    not_ready = {
        "status": {
            "conditions": [
                {"type": "Ready", "status": "False", "reason": "ProbeFailed"},
                {"type": "ContainersReady", "status": "False", "reason": "ProbeFailed"},
            ]
        }
    }
    await e2e.kube.patch_status(resources.POD, name, not_ready, e2e.namespace)
    return f"{name}.basic-tikv-peer.{e2e.namespace}:20160"


async def failover_records(e2e: E2E) -> list[dict[str, Any]]:
    group = await e2e.get(resources.TIKVGROUP)
    return list(((group or {}).get("status") or {}).get("failover") or [])


def registered(e2e: E2E, since: int) -> list[str]:
    return [e["subject"] for e in e2e.sim.events()[since:] if e["kind"] == "store-registered"]


@pytest.mark.parametrize("sim_args", [("--tick=0.3",)])
async def test_a_down_store_gets_exactly_one_replacement_and_no_more_than_allowed(
    e2e: E2E,
) -> None:
    e2e.apply_basic()
    await e2e.patch(resources.TIKVGROUP, {"spec": {"failover": FAILOVER}})
    await e2e.wait_ready()
    start = len(e2e.sim.events())
    first, second, _ = await e2e.names(resources.TIKV)

    address = await fail_store(e2e, first)
    await until(lambda: e2e.sim.events_of("store-disconnected") or None, "the store silent", 60)

    async def replaced() -> list[dict[str, Any]] | None:
        records = await failover_records(e2e)
        return records if records and records[0]["step"] == "ReplacementUp" else None

    try:
        records = await eventually(replaced, "a replacement Up", 150)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{e2e.diagnostics()}") from None
    assert len(records) == 1
    record = records[0]
    assert record["instance"] == first and record["id"]
    assert "Pod is not Ready" in record["reason"]
    names = await e2e.names(resources.TIKV)
    assert len(names) == 4 and record["replacement"] in names
    # Exactly one new store, and the failed one was never removed from PD.
    assert len(registered(e2e, start)) == 1
    assert not [e for e in e2e.sim.events()[start:] if e["kind"] == "store-offline"]
    assert any(s["store"]["address"] == address for s in e2e.sim.pd("/stores").get("stores") or [])
    page = e2e.operator.metrics()
    assert metric_values(page, "tikv_operator_failover_total", component="tikv") == [1.0]
    # What people see: the failed instance abnormal, its store Disconnected, the rest Up.
    assert metric_values(
        page, "tikv_operator_instance_abnormal", instance=first, condition="Ready"
    ) == [1.0]
    assert metric_values(
        page, "tikv_operator_store_state", instance=first, state="Disconnected"
    ) == [1.0]
    assert metric_values(
        page, "tikv_operator_store_state", instance=record["replacement"], state="Up"
    ) == [1.0]

    # A second store fails: maxFailoverCount (1) is reached, so no replacement, and the group
    # says why.
    await fail_store(e2e, second)

    async def held() -> dict[str, Any] | None:
        c = condition(await e2e.get(resources.TIKVGROUP), "Blocked")
        return c if c and c["status"] == "True" and c["reason"] == "MaxFailoverCount" else None

    blocked = await eventually(held, "Blocked=MaxFailoverCount", 120)
    assert second in blocked["message"]
    assert len(await e2e.names(resources.TIKV)) == 4
    assert len(registered(e2e, start)) == 1


SOLO_TAINT = {"key": "tikv.org/test-solo-node", "effect": "NoSchedule"}
TOLERATIONS = [
    {**SOLO_TAINT, "operator": "Exists"},
    # The default is 300 s; taint-eviction then deletes the Pods of the dead node sooner.
    *(
        {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5}
        for key in ("node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready")
    ),
]


@dataclass
class SoloNode:
    """A node with a kubelet (a kwok) of its own, so that a test can kill that kubelet."""

    name: str
    kubelet: Process


@pytest.fixture
async def solo_node(e2e: E2E) -> AsyncIterator[SoloNode]:
    name = f"solo-{e2e.namespace}"
    body = node_body(name, "zone-solo", managed_by="solo")
    body["spec"] = {"taints": [SOLO_TAINT]}
    await e2e.kube.create(resources.NODE, body)
    argv = e2e.control_plane.kwok_argv(f"--manage-single-node={name}", "--cidr=10.245.0.0/16")
    kubelet = Process("kwok-solo", argv, e2e.workdir / "kwok-solo.log").start()
    try:

        async def ready() -> bool:
            node = await e2e.kube.get_or_none(resources.NODE, name)
            return any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in ((node or {}).get("status") or {}).get("conditions") or ()
            )

        await eventually(ready, f"node {name} Ready", 60)
        yield SoloNode(name, kubelet)
    finally:
        kubelet.stop()
        await e2e.kube.delete(resources.NODE, name)


async def test_a_dead_node_under_a_store_gets_a_replacement_and_its_pod_released_after_down(
    e2e: E2E, solo_node: SoloNode
) -> None:
    # One TiKV per node, one of them on the node whose kubelet the test kills.
    hosts = ["node-0", "node-1", solo_node.name]
    spread = {
        "type": "EvenlySpread",
        "evenlySpread": {"topologies": [{"topology": {HOSTNAME: h}} for h in hosts]},
    }
    overlay = {"pod": {"spec": {"tolerations": TOLERATIONS}}}
    e2e.apply_basic(
        {
            "failover": FAILOVER,
            "schedulePolicies": [spread],
            "template": {"spec": {"overlay": overlay}},
        }
    )
    await e2e.wait_ready()
    victim = next(
        t
        for t in await e2e.list(resources.TIKV)
        if t["spec"]["topology"].get(HOSTNAME) == solo_node.name
    )
    name = victim["metadata"]["name"]
    stuck_uid = ((await e2e.get(resources.POD, name)) or {})["metadata"]["uid"]
    solo_node.kubelet.signal(signal.SIGKILL)

    # The node controller marks the Pod not Ready (the simulator's store goes silent) and
    # taint-eviction deletes it; with no kubelet to confirm, it stays Terminating.
    async def stuck() -> bool:
        pod = await e2e.get(resources.POD, name)
        return bool(pod and pod["metadata"].get("deletionTimestamp"))

    async def released() -> bool:
        pod = await e2e.get(resources.POD, name)
        return pod is None or pod["metadata"]["uid"] != stuck_uid

    try:
        await eventually(stuck, "the Pod Terminating on the dead node", 180)
        await eventually(released, "the stuck Pod force-deleted", 150)
        records = await eventually(lambda: failover_records(e2e), "a failover record", 60)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{e2e.diagnostics()}") from None
    assert [r["instance"] for r in records] == [name]
    # Released only once PD confirmed the store failed: silent for storeDownTimeout (20 s).
    address = f"{name}.basic-tikv-peer.{e2e.namespace}:20160"
    silent_since = max(
        e["time"]
        for e in e2e.sim.events()
        if e["kind"] == "store-stopped" and e["subject"] == address
    )
    forced = [
        e for e in await e2e.events_about("TiKVGroup") if e.get("reason") == "PodForceDeleted"
    ]
    assert len(forced) == 1 and name in forced[0]["note"]
    forced_at = datetime.fromisoformat(forced[0]["eventTime"]).timestamp()
    assert forced_at - silent_since >= 19, (forced_at, silent_since)
