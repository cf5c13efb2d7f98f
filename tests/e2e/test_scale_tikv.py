"""TiKV scaling: out, and in only through Tombstone (DESIGN §5 rules 1 and 2)."""

from __future__ import annotations

import pytest

from tikv_operator.kube import resources

from .harness import E2E, condition, eventually, tombstone_before_stop, until

pytestmark = pytest.mark.e2e


def tikv_address(e2e: E2E, name: str) -> str:
    return f"{name}.basic-tikv-peer.{e2e.namespace}:20160"


async def test_tikv_3_to_5_to_3_removes_stores_only_after_tombstone(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    await e2e.scale(resources.TIKVGROUP, 5)
    await e2e.wait_ready(tikv=5)
    before = await e2e.names(resources.TIKV)

    await e2e.scale(resources.TIKVGROUP, 3)
    await e2e.wait_ready(tikv=3)
    removed = sorted(set(before) - set(await e2e.names(resources.TIKV)))
    assert len(removed) == 2
    events = e2e.sim.events()
    for name in removed:
        assert tombstone_before_stop(events, tikv_address(e2e, name)), (
            f"{name}: store not Tombstone before its Pod went away"
        )
    # Retain (the example's policy) keeps the removed stores' PVCs.
    pvcs = await e2e.names(resources.PVC)
    assert all(f"data-{name}" in pvcs for name in removed)


def serving_stores(e2e: E2E) -> list[dict[str, object]]:
    """Stores PD has finished filling: node_state Serving (1; omitted while Preparing)."""
    stores = e2e.sim.pd("/stores").get("stores") or []
    return [s for s in stores if s["store"].get("node_state") == 1]


# Regions moved one at a time: the offline is still running when the scale-in is reverted.
# That holds only once the store to be offlined holds its share of the regions: the newest
# store (the one scale-in picks) joins empty, and offlining it right away ends in one tick.
# Serving marks a filled store only from 100 regions on (PD serves every new store at once
# in a smaller cluster). Filling the 4th store takes about 2.25 x 100 moves (~70 s at one
# move per 0.3 s tick); its ~75 regions then take ~23 s to drain, far longer than the
# revert takes to reach PD.
@pytest.mark.parametrize("sim_args", [("--tick=0.3", "--regions=100", "--moves-per-tick=1")])
async def test_scale_in_reverted_halfway_cancels_the_offline(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    await e2e.scale(resources.TIKVGROUP, 4)
    await e2e.wait_ready(tikv=4)
    await until(lambda: len(serving_stores(e2e)) == 4 or None, "4 stores Serving", within=150)
    await e2e.scale(resources.TIKVGROUP, 3)
    offline = await until(lambda: e2e.sim.events_of("store-offline"), "a store offlined")
    await e2e.scale(resources.TIKVGROUP, 4)
    address = offline[0]["subject"]
    await until(
        lambda: [e for e in e2e.sim.events_of("store-up") if e["subject"] == address],
        f"offline of {address} cancelled",
    )
    await e2e.wait_ready(tikv=4)
    assert not [e for e in e2e.sim.events_of("store-tombstone") if e["subject"] == address]


async def test_scale_in_below_max_replicas_is_refused(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    await e2e.scale(resources.TIKVGROUP, 2)

    async def blocked() -> dict[str, object] | None:
        group = await e2e.get(resources.TIKVGROUP)
        c = condition(group, "Blocked")
        return c if c is not None and c["status"] == "True" else None

    cond = await eventually(blocked, "TiKVGroup Blocked", 60)
    assert "max-replicas" in str(cond["message"]) or "3" in str(cond["message"])

    async def warned() -> list[object]:
        return [e for e in await e2e.events_about("TiKVGroup") if e.get("type") == "Warning"]

    await eventually(warned, "a Warning event about the refused scale-in", 30)
    assert e2e.sim.events_of("store-offline") == []
    assert len(await e2e.names(resources.TIKV)) == 3
