"""TiKV failover (DESIGN §6, rule 15): a store that stops heartbeating while its Pod is not
Ready gets exactly one replacement, never beyond maxFailoverCount, and the operator says
why when it holds back."""

from __future__ import annotations

from typing import Any

import pytest

from tikv_operator.kube import resources

from .harness import E2E, condition, eventually, metric_values, until

pytestmark = pytest.mark.e2e

FAILOVER = {"storeDownTimeout": "20s", "maxFailoverCount": 1}


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
