"""The safety brake (DESIGN §5 rules 11 and 12): PD answering for another cluster during a
scale-in stops every destructive step until the state resolves or a user overrides."""

from __future__ import annotations

import asyncio

import pytest

from tikv_operator.kube import resources

from .harness import E2E, condition, eventually, until

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("sim_args", [("--tick=0.3", "--regions=120", "--moves-per-tick=1")])
async def test_cluster_id_change_during_scale_in_brakes_until_overridden(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    await e2e.scale(resources.TIKVGROUP, 5)
    await e2e.wait_ready(tikv=5)
    await e2e.scale(resources.TIKVGROUP, 3)
    await until(lambda: e2e.sim.events_of("store-offline"), "a store offlined")
    recorded = (await e2e.get(resources.CLUSTER) or {})["status"]["id"]
    e2e.sim.post("/sim/cluster-id", {"id": int(recorded) + 1})

    async def braked() -> dict[str, object] | None:
        c = condition(await e2e.get(resources.CLUSTER), "Blocked")
        return c if c is not None and c["status"] == "True" else None

    blocked = await eventually(braked, "Cluster Blocked by the safety brake", 60)
    assert blocked["reason"] == "SafetyBrakeClusterIDMismatch"
    assert recorded in str(blocked["message"])
    offlined = len(e2e.sim.events_of("store-offline"))
    tikvs = await e2e.names(resources.TIKV)
    await asyncio.sleep(10)
    assert len(e2e.sim.events_of("store-offline")) == offlined, "offlined despite the brake"
    assert await e2e.names(resources.TIKV) == tikvs, "instances removed despite the brake"
    assert (await e2e.get(resources.CLUSTER) or {})["status"]["id"] == recorded

    annotation = {
        "metadata": {"annotations": {"tikv.org/override-safety-brake": blocked["reason"]}}
    }
    await e2e.patch(resources.CLUSTER, annotation)
    await e2e.wait_ready(tikv=3, within=300)

    async def warned() -> list[object]:
        return [
            e
            for e in await e2e.events_about("Cluster")
            if e.get("type") == "Warning" and e.get("reason") == blocked["reason"]
        ]

    await eventually(warned, "a Warning event about the brake", 30)
