"""The operator SIGKILLed in the middle of a TiKV scale-in on real PD, then started again:
it converges from what the API server and PD say, and the store is still Tombstone before
its Pod and PVC go (DESIGN §5 rules 1 and 7)."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import pytest

from tikv_operator.kube import resources

from .harness import RealPD
from .removal import RemovalLog
from .test_scale_tikv import delete_pvcs_on_removal

pytestmark = pytest.mark.realpd

DEAD_FOR = 5.0
"""Seconds the operator stays dead: PD goes on draining the store without it."""


async def test_an_operator_killed_mid_scale_in_converges_and_tombstones_first(
    realpd: RealPD,
) -> None:
    realpd.apply(tikv_replicas=4)
    four = await realpd.wait_settled(3, 4)
    await delete_pvcs_on_removal(realpd)
    log = RemovalLog(realpd)
    poller = asyncio.create_task(log.record())
    try:
        realpd.kubectl("scale", "kvg", "basic", "--replicas=3")

        async def offlining() -> str | None:
            stores = await realpd.pd.stores() or []
            offline = [s["store"]["address"] for s in stores
                       if s["store"]["state_name"] == "Offline"]  # fmt: skip
            return next((n for n in four if realpd.store_address(n) in offline), None)

        victim = await realpd.eventually(offlining, "PD holds a store Offline", 120)
        assert realpd.operator is not None
        realpd.operator.signal(signal.SIGKILL)
        assert realpd.operator.stop() == -signal.SIGKILL
        await asyncio.sleep(DEAD_FOR)
        # Nobody deletes the Pod while the operator is dead: the restarted one finishes.
        assert victim in await realpd.names(resources.POD)
        realpd.start_operator()

        three = await realpd.wait_settled(3, 3)
        assert victim not in three

        async def gone() -> bool:
            pods, pvcs = await realpd.names(resources.POD), await realpd.names(resources.PVC)
            return victim not in pods and f"data-{victim}" not in pvcs

        await realpd.eventually(gone, f"{victim}'s Pod and PVC deleted", 120)
        await asyncio.sleep(1)  # a last snapshot after the deletion
    finally:
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
    assert log.states_of(victim)[-1] == "Tombstone", log.states_of(victim)
    assert log.removed_before_tombstone(victim) == []
    assert {n: i for n, i in four.items() if n != victim} == three
