"""TiKV 3 → 4 → 3 on real PD and the store stub: the removed store is offlined, drained by
PD's own scheduler and Tombstone before its Pod and PVC go (DESIGN §5 rule 1); 3 → 2 is
refused while PD's max-replicas is 3 (rule 2)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from tikv_operator.kube import resources

from ..e2e.harness import condition
from .harness import RealPD
from .removal import RemovalLog

pytestmark = pytest.mark.realpd


async def delete_pvcs_on_removal(realpd: RealPD) -> None:
    """pvcRetentionPolicy Delete, so the removed instance's PVC goes too (after Tombstone)."""
    patch = {"spec": {"pvcRetentionPolicy": "Delete"}}
    await realpd.kube.patch(resources.CLUSTER, "basic", patch, realpd.namespace)


async def test_tikv_3_to_4_to_3_removes_a_store_only_after_pd_made_it_tombstone(
    realpd: RealPD,
) -> None:
    realpd.apply()
    first = await realpd.wait_settled(3, 3)
    await delete_pvcs_on_removal(realpd)
    realpd.kubectl("scale", "kvg", "basic", "--replicas=4")
    four = await realpd.wait_settled(3, 4)
    added = sorted(set(four) - set(first))
    assert len(added) == 1

    async def holds_regions() -> bool:
        stores = await realpd.pd.stores() or []
        return all(int(s["status"].get("region_count", 0)) > 0 for s in stores)

    await realpd.eventually(holds_regions, "PD's balance-region gives the fourth store regions")
    log = RemovalLog(realpd)
    poller = asyncio.create_task(log.record())
    try:
        realpd.kubectl("scale", "kvg", "basic", "--replicas=3")
        three = await realpd.wait_settled(3, 3)

        async def gone() -> bool:
            removed = set(four) - set(three)
            pods = await realpd.names(resources.POD)
            pvcs = await realpd.names(resources.PVC)
            return not any(n in pods or f"data-{n}" in pvcs for n in removed)

        await realpd.eventually(gone, "the removed instance's Pod and PVC deleted", 120)
        await asyncio.sleep(1)  # a last snapshot after the deletion
    finally:
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
    (removed,) = set(four) - set(three)
    assert log.states_of(removed)[-1] == "Tombstone", log.states_of(removed)
    assert "Offline" in log.states_of(removed), log.states_of(removed)
    assert log.removed_before_tombstone(removed) == []
    stores = {s["store"]["id"]: s for s in await realpd.pd.stores() or ()}
    tombstone = stores[four[removed]]
    assert tombstone["store"]["state_name"] == "Tombstone"
    assert int(tombstone["status"].get("region_count", 0)) == 0
    assert not any(
        p["store_id"] == four[removed] for r in await realpd.pd.regions() or () for p in r["peers"]
    )


async def test_tikv_3_to_2_is_refused_below_pds_max_replicas(realpd: RealPD) -> None:
    realpd.apply()
    ids = await realpd.wait_settled(3, 3)
    replicate = await realpd.pd.get("/config/replicate")
    assert replicate["max-replicas"] == 3
    realpd.kubectl("scale", "kvg", "basic", "--replicas=2")

    async def blocked() -> dict[str, str] | None:
        c = condition(await realpd.get(resources.TIKVGROUP), "Blocked")
        return c if c is not None and c["status"] == "True" else None

    refusal = await realpd.eventually(blocked, "the TiKVGroup Blocked", 60)
    # The operator refuses before asking PD (PD would answer 400 ErrStoresNotEnough): its
    # own check against PD's max-replicas, read from PD.
    assert refusal["reason"] == "MaxReplicas", refusal
    assert "fewer than PD's max-replicas 3" in refusal["message"], refusal
    await asyncio.sleep(5)  # a few more reconciles: still nothing offlined
    for tikv in await realpd.objects(resources.TIKV):
        assert not tikv["spec"].get("offline"), tikv["metadata"]["name"]
    states = {s["store"]["id"]: s["store"]["state_name"] for s in await realpd.pd.stores() or ()}
    assert states == {i: "Up" for i in ids.values()}

    realpd.kubectl("scale", "kvg", "basic", "--replicas=3")
    assert await realpd.wait_settled(3, 3) == ids
    c = condition(await realpd.get(resources.TIKVGROUP), "Blocked")
    assert c is not None and c["status"] == "False", c
