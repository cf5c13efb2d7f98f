"""Rule 9: every evict-leader scheduler the operator adds is removed again, whether the store
it pinned went Tombstone or its removal was cancelled."""

from __future__ import annotations

import pytest

from controllers.tikv.build import advertise_address
from hack.pdsim.model import StoreState
from tests.integration.test_tikv_controllers import Harness, bootstrapped, eventually, harness

__all__ = ["harness"]

pytestmark = pytest.mark.integration


def scheduler_log(h: Harness) -> list[tuple[str, str]]:
    return h.events("scheduler-added", "scheduler-removed")


async def test_no_evict_leader_scheduler_outlives_a_tombstoned_store(harness: Harness) -> None:
    await bootstrapped(harness, replicas=4)
    await harness.scale(3)
    await eventually(lambda: harness.settled(3))

    added = [s for kind, s in scheduler_log(harness) if kind == "scheduler-added"]
    removed = [s for kind, s in scheduler_log(harness) if kind == "scheduler-removed"]
    assert added, "the leaving store's leaders were never evicted"
    assert sorted(added) == sorted(removed)
    assert harness.pd.evict_leader_stores == set()


async def test_no_evict_leader_scheduler_outlives_a_cancelled_removal(harness: Harness) -> None:
    # Schedulers stop, so the leaving store keeps its leaders and stays Offline until the
    # scale-in is reverted; the eviction itself ends by its (short) timeout.
    await bootstrapped(harness, replicas=4, evict_leader_timeout="1s")
    harness.ticking.clear()
    await harness.scale(3)

    async def offline() -> bool:
        leaving = [t for t in await harness.tikvs() if t.spec.offline]
        return (
            len(leaving) == 1
            and harness.store_at(advertise_address(leaving[0])) == StoreState.OFFLINE
        )

    await eventually(offline)
    await harness.scale(4)
    harness.ticking.set()
    await eventually(lambda: harness.settled(4))

    assert harness.pd.evict_leader_stores == set()
    kinds = [kind for kind, _ in scheduler_log(harness)]
    assert kinds.count("scheduler-added") == kinds.count("scheduler-removed") >= 1
