"""A PD rolling restart on real pd-server: every member restarts once, on its own data (the
same member id), the leader last after leadership moved away, and PD keeps a leader
(DESIGN §5 rule 4)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

import pytest

from tikv_operator.kube import resources

from .harness import PD_CONFIG, RealPD

pytestmark = pytest.mark.realpd

CONFIG = PD_CONFIG.replace("leader-schedule-limit = 16", "leader-schedule-limit = 8")
LONGEST_LEADERLESS = 10.0
"""Seconds PD may go without a leader during the roll: a transfer (an etcd leader move, then
PD's own campaign) takes a second or two; an unplanned election takes longer."""


@dataclass
class LeaderLog:
    """(time, leader, uid of each PD Pod), polled while the group rolls."""

    snapshots: list[tuple[float, str | None, dict[str, str]]] = field(default_factory=list)

    async def record(self, realpd: RealPD) -> None:
        while True:
            pods = {n: p["metadata"]["uid"] for n, p in (await realpd.pods("pd")).items()}
            self.snapshots.append((time.monotonic(), await realpd.pd.leader(), pods))
            await asyncio.sleep(0.3)

    def longest_leaderless(self) -> float:
        longest, since = 0.0, None
        for at, leader, _ in self.snapshots:
            if leader is None and since is None:
                since = at
            elif leader is not None and since is not None:
                longest, since = max(longest, at - since), None
        return longest

    def deleted_while_leading(self) -> list[str]:
        """Pods whose uid changed (recreated) while they were seen leading just before."""
        return [
            name
            for (_, leader, pods), (_, _, after) in zip(
                self.snapshots, self.snapshots[1:], strict=False
            )
            for name, uid in pods.items()
            if name == leader and after.get(name) != uid
        ]


async def test_pd_rolling_restart_keeps_a_leader_and_each_member_its_data(
    realpd: RealPD,
) -> None:
    realpd.apply()
    names = await realpd.wait_pd(3)
    before = {m["name"]: m["member_id"] for m in (await realpd.pd.get("/members"))["members"]}
    uids = {n: p["metadata"]["uid"] for n, p in (await realpd.pods("pd")).items()}
    log = LeaderLog()
    poller = asyncio.create_task(log.record(realpd))
    try:
        await realpd.kube.patch(
            resources.PDGROUP,
            "basic",
            {"spec": {"template": {"spec": {"config": CONFIG}}}},
            realpd.namespace,
        )

        async def rolled() -> bool:
            pods = list((await realpd.pods("pd")).values())
            return len(pods) == 3 and all(
                p["metadata"]["uid"] != uids.get(p["metadata"]["name"]) for p in pods
            )

        await realpd.eventually(rolled, "every PD Pod recreated", 300)
        assert await realpd.wait_pd(3) == names
    finally:
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
    after = {m["name"]: m["member_id"] for m in (await realpd.pd.get("/members"))["members"]}
    assert after == before, "a member came back as another member (its data was lost)"
    assert log.deleted_while_leading() == []
    assert log.longest_leaderless() < LONGEST_LEADERLESS, log.longest_leaderless()
    for name in names:
        cm = await realpd.get(resources.CONFIGMAP, name)
        assert "leader-schedule-limit = 8" in (cm or {}).get("data", {}).get("pd.toml", "")
    # Once TiKV bootstrapped the cluster, PD keeps its schedule config in etcd and a new
    # leader loads it from there (server.reloadConfigFromKV): the file's [schedule] counts
    # only at the first start. So even under the Restart strategy the operator sets such
    # keys through PD's config API; the roll alone would leave 16.
    config = await realpd.pd.get("/config/schedule")
    assert config["leader-schedule-limit"] == 8
    # The stores followed PD's leaders through the roll.
    await realpd.wait_settled(3, 3)
