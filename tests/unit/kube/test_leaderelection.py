import asyncio
import re
from typing import cast

import pytest

from tikv_operator.kube.client import Client
from tikv_operator.kube.clock import ManualClock, settle
from tikv_operator.kube.leaderelection import LeaderElector, LeadershipLost, LeaseSettings

from .fakes import FakeLeaseClient

MICRO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def candidate(api: FakeLeaseClient, clock: ManualClock, identity: str) -> LeaderElector:
    settings = LeaseSettings(namespace="ns", name="lock", identity=identity)
    return LeaderElector(cast(Client, api), settings, clock)


def holder(api: FakeLeaseClient) -> str | None:
    return api.objects["lock"]["spec"].get("holderIdentity")


async def test_the_first_candidate_creates_the_lease_and_leads() -> None:
    api, clock = FakeLeaseClient(), ManualClock()
    a = candidate(api, clock, "a")
    await a.acquire()
    assert a.is_leader
    spec = api.objects["lock"]["spec"]
    assert spec["holderIdentity"] == "a"
    assert spec["leaseDurationSeconds"] == 15
    assert MICRO_TIME.match(spec["renewTime"])
    assert MICRO_TIME.match(spec["acquireTime"])


async def test_a_standby_does_not_take_a_lease_that_is_being_renewed() -> None:
    api, clock = FakeLeaseClient(), ManualClock()
    a, b = candidate(api, clock, "a"), candidate(api, clock, "b")
    await a.acquire()
    holding = asyncio.create_task(a.hold())
    waiting = asyncio.create_task(b.acquire())
    for _ in range(30):
        await clock.advance(2)
    assert not waiting.done()
    assert holder(api) == "a"
    holding.cancel()
    waiting.cancel()


async def test_a_standby_takes_over_once_the_holder_stops_renewing_for_the_lease_duration() -> None:
    api, clock = FakeLeaseClient(), ManualClock()
    a, b = candidate(api, clock, "a"), candidate(api, clock, "b")
    await a.acquire()  # and then a dies: it never renews
    waiting = asyncio.create_task(b.acquire())
    await settle()
    await clock.advance(14)
    assert not waiting.done()
    await clock.advance(2)
    await asyncio.wait_for(waiting, 1)
    assert b.is_leader
    assert holder(api) == "b"
    assert api.objects["lock"]["spec"]["leaseTransitions"] == 1


async def test_release_clears_the_holder_so_a_standby_takes_over_at_its_next_try() -> None:
    api, clock = FakeLeaseClient(), ManualClock()
    a, b = candidate(api, clock, "a"), candidate(api, clock, "b")
    await a.acquire()
    waiting = asyncio.create_task(b.acquire())
    await settle()
    await a.release()
    assert not a.is_leader
    assert holder(api) is None
    await clock.advance(2)
    await asyncio.wait_for(waiting, 1)
    assert holder(api) == "b"


async def test_a_leader_that_cannot_renew_gives_up_within_the_renew_deadline() -> None:
    api, clock = FakeLeaseClient(), ManualClock()
    a = candidate(api, clock, "a")
    await a.acquire()
    holding = asyncio.create_task(a.hold())
    await settle()
    api.failing = True
    started = clock.now()
    while not holding.done():
        await clock.advance(1)
    with pytest.raises(LeadershipLost):
        holding.result()
    assert not a.is_leader
    assert clock.now() - started <= 2 + 10  # one retry period, then the renew deadline


async def test_a_leader_survives_a_short_outage() -> None:
    api, clock = FakeLeaseClient(), ManualClock()
    a = candidate(api, clock, "a")
    await a.acquire()
    holding = asyncio.create_task(a.hold())
    await settle()
    api.failing = True
    await clock.advance(4)
    api.failing = False
    for _ in range(10):
        await clock.advance(2)
    assert not holding.done()
    assert a.is_leader
    holding.cancel()


async def test_only_one_of_two_racing_candidates_wins() -> None:
    api, clock = FakeLeaseClient(), ManualClock()
    a, b = candidate(api, clock, "a"), candidate(api, clock, "b")
    await a.acquire()
    await a.release()
    results = await asyncio.gather(
        b._try_acquire_or_renew(), candidate(api, clock, "c")._try_acquire_or_renew()
    )
    assert sorted(results) == [False, True]
