"""PD 3 → 5 → 3 on real pd-server: new members join through `join`, one at a time, and no
member is removed while it leads (DESIGN §5 rules 3, 4, 13)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import pytest

from tikv_operator.kube import resources

from .harness import RealPD

pytestmark = pytest.mark.realpd


@dataclass
class MembershipLog:
    """PD's members and leader, polled while the group changes."""

    snapshots: list[tuple[list[str], str | None]] = field(default_factory=list)

    async def record(self, realpd: RealPD) -> None:
        while True:
            members = await realpd.pd.member_names()
            if members:
                self.snapshots.append((members, await realpd.pd.leader()))
            await asyncio.sleep(0.3)

    def removed_while_leading(self) -> list[str]:
        return [
            leader
            for (_, leader), (after, _) in zip(self.snapshots, self.snapshots[1:], strict=False)
            if leader and leader not in after
        ]

    def most_members(self) -> int:
        return max(len(m) for m, _ in self.snapshots)


async def test_pd_3_to_5_to_3_joins_new_members_and_never_removes_the_leader(
    realpd: RealPD,
) -> None:
    realpd.apply()
    first = await realpd.wait_pd(3)
    log = MembershipLog()
    poller = asyncio.create_task(log.record(realpd))
    try:
        realpd.kubectl("scale", "pdg", "basic", "--replicas=5")
        five = await realpd.wait_pd(5)
        added = sorted(set(five) - set(first))
        for name in added:
            cm = await realpd.get(resources.CONFIGMAP, name)
            config = (cm or {}).get("data", {}).get("pd.toml", "")
            assert f'join = "http://basic-pd.{realpd.namespace}:2379"' in config, config
            assert "initial-cluster" not in config, config
        assert log.most_members() == 5
        # Make the scale-in deal with the leader: lead from one of the new members.
        await realpd.pd.post(f"/leader/transfer/{added[0]}")
        await realpd.pd.wait_leader(added[0])

        realpd.kubectl("scale", "pdg", "basic", "--replicas=3")
        three = await realpd.wait_pd(3)
    finally:
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
    assert added[0] in three, "the leader was scaled in"
    assert log.removed_while_leading() == []
    assert await realpd.pd.member_names() == three == await realpd.names(resources.PD)
    # The stores followed PD's membership and leader changes.
    await realpd.wait_settled(3, 3)
