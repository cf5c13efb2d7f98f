"""An operator killed mid scale-in, mid-upgrade or mid-failover converges after a restart
(DESIGN §5 rule 7) without repeating a step."""

from __future__ import annotations

import itertools

import pytest

from tikv_operator.kube import resources

from .harness import E2E, eventually, tombstone_before_stop, until
from .test_failover import FAILOVER, fail_store, failover_records, registered
from .test_upgrade import NEW, evict_schedulers, store_restarts, wait_rolled

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("sim_args", [("--tick=0.3", "--regions=120", "--moves-per-tick=1")])
async def test_sigkill_during_tikv_scale_in_then_restart_converges(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    await e2e.scale(resources.TIKVGROUP, 5)
    await e2e.wait_ready(tikv=5)
    before = await e2e.names(resources.TIKV)
    await e2e.scale(resources.TIKVGROUP, 3)
    await until(lambda: e2e.sim.events_of("store-offline"), "a store offlined")
    e2e.operator.kill()
    e2e.operator.start()
    await e2e.wait_ready(tikv=3, within=300)
    removed = sorted(set(before) - set(await e2e.names(resources.TIKV)))
    events = e2e.sim.events()
    assert len(removed) == 2
    for name in removed:
        address = f"{name}.basic-tikv-peer.{e2e.namespace}:20160"
        assert tombstone_before_stop(events, address), f"{name} stopped before Tombstone"
    offlined = {e["subject"] for e in events if e["kind"] == "store-offline"}
    assert len(offlined) == 2, f"stores offlined: {sorted(offlined)}"


async def test_sigkill_during_a_rolling_upgrade_then_restart_converges(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.wait_ready()
    await e2e.wait_replicated()
    start = len(e2e.sim.events())
    for kind in (resources.PDGROUP, resources.TIKVGROUP):
        await e2e.patch(kind, {"spec": {"template": {"spec": {"version": NEW}}}})
    await until(lambda: e2e.sim.events_of("scheduler-added"), "the first TiKV eviction", 180)
    e2e.operator.kill()
    e2e.operator.start()
    await wait_rolled(e2e, resources.TIKVGROUP, NEW)
    events = e2e.sim.events()[start:]
    restarts = store_restarts(events)
    assert len(restarts) == 3, restarts
    for r in restarts:
        assert r["begin"] <= r["stopped"][0] <= r["started"][0] <= r["end"][0], r
    # Never two stores down at once (rule 6), across the crash.
    down = sorted((r["stopped"][0], r["started"][0]) for r in restarts)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(down)), down
    assert evict_schedulers(e2e) == []


@pytest.mark.parametrize("sim_args", [("--tick=0.3",)])
async def test_sigkill_during_failover_then_restart_adds_no_second_replacement(e2e: E2E) -> None:
    e2e.apply_basic()
    await e2e.patch(resources.TIKVGROUP, {"spec": {"failover": FAILOVER}})
    await e2e.wait_ready()
    start = len(e2e.sim.events())
    first = (await e2e.names(resources.TIKV))[0]
    await fail_store(e2e, first)
    await eventually(lambda: failover_records(e2e), "a failover recorded", 150)
    e2e.operator.kill()
    e2e.operator.start()

    async def replaced() -> bool:
        records = await failover_records(e2e)
        return bool(records) and records[0]["step"] == "ReplacementUp"

    await eventually(replaced, "the replacement Up after the restart", 150)
    assert len(await failover_records(e2e)) == 1
    assert len(await e2e.names(resources.TIKV)) == 4
    assert len(registered(e2e, start)) == 1
