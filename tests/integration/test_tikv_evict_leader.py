"""Rule 9: every evict-leader scheduler the operator adds is removed again once the store
it pinned is Tombstone."""

from __future__ import annotations

import pytest

from controllers.common.stores import advertise_address
from tests.integration.test_tikv_controllers import Harness, bootstrapped, eventually, harness
from tikv_operator.kube import resources

__all__ = ["harness"]

pytestmark = pytest.mark.integration


async def test_no_evict_leader_scheduler_outlives_a_tombstoned_store(harness: Harness) -> None:
    tikvs = await bootstrapped(harness, replicas=4)
    leaders = {s.address: s.leader_count for s in harness.pd.stores.values()}
    # The store holding the most leaders: removing it needs a leader eviction first.
    victim = max(tikvs, key=lambda t: leaders.get(advertise_address(t), 0))
    assert leaders[advertise_address(victim)] > 0
    await harness.client.delete(resources.TIKV, str(victim.metadata.name), harness.namespace)

    async def replaced() -> bool:
        gone = await harness.client.get_or_none(
            resources.TIKV, str(victim.metadata.name), harness.namespace
        )
        return gone is None and await harness.settled(4)

    await eventually(replaced, seconds=240)
    log = harness.events("scheduler-added", "scheduler-removed")
    added = sorted(s for kind, s in log if kind == "scheduler-added")
    removed = sorted(s for kind, s in log if kind == "scheduler-removed")
    assert added, "the victim's leaders were never evicted"
    assert added == removed
    assert harness.pd.evict_leader_stores == set()
