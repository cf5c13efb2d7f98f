import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator

import pytest

from tests.pd_fixtures import SimulatorHandle, simulator
from tikv_operator.metrics import PD_REQUESTS
from tikv_operator.pdapi.client import PDClient, RetryPolicy
from tikv_operator.pdapi.errors import Unavailable
from tikv_operator.pdapi.models import Member, StoreInfo
from tikv_operator.pdapi.poller import (
    FULL_EVERY,
    Change,
    Poller,
    Pollers,
    Snapshot,
    diff,
    take_snapshot,
)

__all__ = ["simulator"]


def member(name: str, member_id: int = 1) -> Member:
    return Member(name=name, member_id=member_id)


def store(address: str, state_name: str = "Up", leaders: int = 0) -> StoreInfo:
    return StoreInfo.model_validate(
        {
            "store": {"id": 1, "address": address, "state_name": state_name},
            "status": {"leader_count": leaders},
        }
    )


def snap(**fields: object) -> Snapshot:
    return Snapshot(taken_at=100.0, **fields)  # type: ignore[arg-type]


def test_first_snapshot_reports_everything() -> None:
    new = snap(members=(member("pd-0"),), stores=(store("kv-0:20160"),))
    assert diff(None, new) == Change(everything=True)


def test_identical_snapshots_report_no_change() -> None:
    s = snap(members=(member("pd-0"),), health={"pd-0": True}, stores=(store("kv-0:20160"),))
    assert not diff(s, s)


def test_leader_change_reports_both_members() -> None:
    members = (member("pd-0", 1), member("pd-1", 2))
    old = snap(members=members, leader="pd-0")
    new = snap(members=members, leader="pd-1")
    assert diff(old, new) == Change(members=frozenset({"pd-0", "pd-1"}))


def test_health_change_reports_the_member() -> None:
    old = snap(members=(member("pd-0"),), health={"pd-0": True})
    new = snap(members=(member("pd-0"),), health={"pd-0": False})
    assert diff(old, new).members == {"pd-0"}


def test_store_state_or_leader_count_change_reports_the_address() -> None:
    old = snap(stores=(store("a:1"), store("b:1")))
    new = snap(stores=(store("a:1", "Offline"), store("b:1", leaders=3)))
    assert diff(old, new) == Change(stores=frozenset({"a:1", "b:1"}))


def test_a_change_of_counts_alone_is_told_apart() -> None:
    old = snap(stores=(store("a:1"), store("b:1")))
    new = snap(stores=(store("a:1", leaders=2), store("b:1")))
    assert diff(old, new) == Change(stores=frozenset({"a:1"}), counts_only=True)


def test_removed_member_and_store_are_reported() -> None:
    old = snap(members=(member("pd-0"),), stores=(store("a:1"),))
    assert diff(old, snap()) == Change(frozenset({"pd-0"}), frozenset({"a:1"}))


def test_poll_starting_to_fail_reports_everything() -> None:
    old = snap(members=(member("pd-0"),), stores=(store("a:1"),))
    failed = snap(error=Unavailable("down"))
    assert diff(old, failed) == Change(everything=True)


def test_a_new_cluster_id_reports_everything() -> None:
    assert diff(snap(cluster_id=1), snap(cluster_id=2)) == Change(everything=True)


def test_an_evict_leader_scheduler_change_reports_its_store() -> None:
    stores = (store("a:1"),)
    old = snap(stores=stores)
    new = snap(stores=stores, evict_leader_stores=frozenset({1}))
    assert diff(old, new) == Change(stores=frozenset({"a:1"}))


def test_snapshot_is_usable_only_when_ok_and_recent() -> None:
    assert snap().usable(now=110.0, max_age=30)
    assert not snap().usable(now=131.0, max_age=30)
    assert not snap(error=Unavailable("down")).usable(now=100.0, max_age=30)


class Feed:
    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.arrived = asyncio.Event()

    def __call__(self, snapshot: Snapshot, change: Change) -> None:
        self.changes.append(change)
        self.arrived.set()


@pytest.fixture
async def client(simulator: SimulatorHandle) -> AsyncIterator[PDClient]:
    async with PDClient(
        simulator.url, cluster="ns/basic", retry=RetryPolicy(attempts=1), timeout=2
    ) as c:
        yield c


def start_cluster(simulator: SimulatorHandle) -> None:
    simulator.cluster.add_member("pd-0", ["http://pd-0:2380"], ["http://pd-0:2379"])
    for i in range(3):
        simulator.cluster.put_store(f"kv-{i}:20160")


async def test_poll_snapshots_members_health_and_stores(
    simulator: SimulatorHandle, client: PDClient
) -> None:
    start_cluster(simulator)
    poller = Poller(client, clock=lambda: 42.0)
    await poller.poll_once()
    s = poller.snapshot
    assert s is not None and s.ok and s.taken_at == 42.0
    assert (s.leader, dict(s.health)) == ("pd-0", {"pd-0": True})
    assert s.cluster_id == simulator.cluster.cluster_id
    assert [i.store.address for i in s.stores] == ["kv-0:20160", "kv-1:20160", "kv-2:20160"]


async def test_poll_before_bootstrap_has_no_stores(
    simulator: SimulatorHandle, client: PDClient
) -> None:
    simulator.cluster.add_member("pd-0", [], [])
    poller = Poller(client)
    await poller.poll_once()
    assert poller.snapshot is not None and poller.snapshot.ok
    assert poller.snapshot.stores == ()


async def test_failed_poll_keeps_data_but_marks_it_failed(
    simulator: SimulatorHandle, client: PDClient
) -> None:
    start_cluster(simulator)
    poller = Poller(client)
    await poller.poll_once()
    simulator.cluster.set_member_health("pd-0", False)
    await poller.poll_once()
    s = poller.snapshot
    assert s is not None and not s.ok
    assert isinstance(s.error, Unavailable)
    assert s.leader == "pd-0" and len(s.stores) == 3


async def test_change_feed_names_the_offlined_store(
    simulator: SimulatorHandle, client: PDClient
) -> None:
    start_cluster(simulator)
    simulator.cluster.put_store("kv-3:20160")
    feed = Feed()
    poller = Poller(client, on_change=feed)
    await poller.poll_once()
    await client.delete_store(4)
    await poller.poll_once()
    assert feed.changes[-1] == Change(stores=frozenset({"kv-3:20160"}))


async def test_refresh_polls_at_once_instead_of_waiting_for_the_interval(
    simulator: SimulatorHandle, client: PDClient
) -> None:
    start_cluster(simulator)
    feed = Feed()
    poller = Poller(client, interval=3600, on_change=feed)
    poller.start()
    try:
        await asyncio.wait_for(feed.arrived.wait(), 5)
        feed.arrived.clear()
        simulator.cluster.put_store("kv-9:20160")
        poller.refresh()
        await asyncio.wait_for(feed.arrived.wait(), 5)
    finally:
        await poller.stop()
    assert feed.changes[-1].stores == {"kv-9:20160"}


async def test_pollers_keep_one_poller_per_cluster(simulator: SimulatorHandle) -> None:
    start_cluster(simulator)
    pollers = Pollers(interval=3600)
    first = await pollers.ensure("ns/a", simulator.url)
    again = await pollers.ensure("ns/a", simulator.url)
    other = await pollers.ensure("ns/b", simulator.url)
    try:
        assert first is again
        assert other is not first
        assert pollers.get("ns/b") is other
    finally:
        await pollers.close()
    assert pollers.get("ns/a") is None


async def test_a_poller_at_another_url_is_replaced(simulator: SimulatorHandle) -> None:
    pollers = Pollers(interval=3600)
    try:
        old = await pollers.ensure("ns/a", "http://127.0.0.1:1")
        new = await pollers.ensure("ns/a", simulator.url)
        assert new is not old and pollers.get("ns/a") is new
    finally:
        await pollers.close()


async def test_listeners_hear_every_cluster_s_changes(simulator: SimulatorHandle) -> None:
    start_cluster(simulator)
    simulator.cluster.put_store("kv-3:20160")
    pollers = Pollers(interval=3600)
    heard: list[tuple[str, Change]] = []
    unsubscribe = pollers.subscribe(lambda cluster, _, change: heard.append((cluster, change)))
    try:
        poller = await pollers.ensure("ns/a", simulator.url)
        await poller.poll_once()
        unsubscribe()
        await poller.client.delete_store(4)
        await poller.poll_once()
    finally:
        await pollers.close()
    assert ("ns/a", Change(everything=True)) in heard
    assert all(change.everything for _, change in heard)


async def test_a_write_through_the_poller_s_client_refreshes_the_view(
    simulator: SimulatorHandle, client: PDClient
) -> None:
    start_cluster(simulator)
    simulator.cluster.put_store("kv-3:20160")
    feed = Feed()
    poller = Poller(client, interval=3600, on_change=feed)
    poller.start()
    try:
        await asyncio.wait_for(feed.arrived.wait(), 5)
        feed.arrived.clear()
        await client.delete_store(4)
        await asyncio.wait_for(feed.arrived.wait(), 5)
    finally:
        await poller.stop()
    assert feed.changes[-1].stores == {"kv-3:20160"}


async def test_no_404_is_asked_for_while_no_store_is_evicted(simulator: SimulatorHandle) -> None:
    start_cluster(simulator)
    client = PDClient(simulator.url, cluster="ns/no-404")
    poller = Poller(client)
    await poller.poll_once()
    assert poller.snapshot is not None and poller.snapshot.evict_leader_stores == frozenset()
    await client.begin_evict_leader(2)
    await poller.poll_once()
    assert poller.snapshot.evict_leader_stores == frozenset({2})
    codes = {
        s.labels["code"]
        for metric in PD_REQUESTS.collect()
        for s in metric.samples
        if s.labels.get("cluster") == "ns/no-404" and s.value > 0
    }
    await client.aclose()
    assert codes == {"200"}


async def test_a_settled_view_is_not_polled_again_before_the_interval(
    simulator: SimulatorHandle,
) -> None:
    start_cluster(simulator)
    feed = Feed()
    client = PDClient(simulator.url, cluster="ns/settled")
    poller = Poller(client, interval=3600, on_change=feed)

    def polls() -> float:
        # Every snapshot asks /members once.
        return sum(
            s.value
            for metric in PD_REQUESTS.collect()
            for s in metric.samples
            if s.name.endswith("_total")
            and s.labels.get("cluster") == "ns/settled"
            and s.labels.get("api") == "members"
        )

    poller.start()
    try:
        await asyncio.sleep(2.5)  # the first poll, then one quick poll that sees no change
        settled = polls()
        await asyncio.sleep(1.5)
        assert settled == 2 and polls() == 2
        simulator.cluster.put_store("kv-9:20160")
        feed.arrived.clear()
        poller.expedite()  # a controller waits for PD's view to move
        await asyncio.wait_for(feed.arrived.wait(), 3)
    finally:
        await poller.stop()
        await client.aclose()
    assert feed.changes[-1].stores == {"kv-9:20160"}


def requests_by_api(cluster: str) -> dict[str, float]:
    counts: dict[str, float] = {}
    for metric in PD_REQUESTS.collect():
        for s in metric.samples:
            if s.name.endswith("_total") and s.labels.get("cluster") == cluster:
                counts[s.labels["api"]] = counts.get(s.labels["api"], 0) + s.value
    return counts


def add_followers(simulator: SimulatorHandle) -> None:
    for name in ("pd-1", "pd-2"):
        simulator.cluster.add_member(name, [f"http://{name}:2380"], [f"http://{name}:2379"])


async def test_a_light_poll_asks_for_members_and_stores_and_keeps_the_rest(
    simulator: SimulatorHandle,
) -> None:
    start_cluster(simulator)
    add_followers(simulator)
    async with PDClient(simulator.url, cluster="ns/light") as client:
        await client.begin_evict_leader(2)
        full = await take_snapshot(client, lambda: 1.0)
        simulator.cluster.set_member_health("pd-2", False)  # seen by the next full poll only
        before = requests_by_api("ns/light")
        light = await take_snapshot(client, lambda: 2.0, light=full)
        after = requests_by_api("ns/light")
    asked = {api: n - before.get(api, 0) for api, n in after.items() if n > before.get(api, 0)}
    assert asked == {"members": 1, "stores": 1}
    assert light.taken_at == 2.0 and light.ok
    assert light.health == {"pd-0": True, "pd-1": True, "pd-2": True}
    assert light.leaders == ("pd-0",)
    assert (light.evict_leader_stores, light.replication) == (
        frozenset({2}),
        full.replication,
    )


async def test_a_light_poll_keeps_a_leader_disagreement_until_a_full_poll_looks_again(
    simulator: SimulatorHandle, client: PDClient
) -> None:
    start_cluster(simulator)
    add_followers(simulator)
    full = await take_snapshot(client, lambda: 1.0)
    disagreeing = dataclasses.replace(full, leader="", leaders=("pd-0", "pd-1"))
    assert (await take_snapshot(client, lambda: 2.0, disagreeing)).leaders == ("pd-0", "pd-1")
    simulator.cluster.transfer_leader("pd-1")
    moved = await take_snapshot(client, lambda: 3.0, light=full)
    assert (moved.leader, moved.leaders) == ("pd-1", ("pd-1",))
    assert diff(full, moved) == Change(everything=True)  # the next poll is a full one


class PollCounter:
    """A poller's clock: read once per poll, so it tells when `polls` polls were taken."""

    def __init__(self, polls: int) -> None:
        self.left = polls
        self.reached = asyncio.Event()

    def __call__(self) -> float:
        self.left -= 1
        if self.left <= 0:
            self.reached.set()
        return time.time()


async def test_a_settled_cluster_gets_a_full_poll_every_full_every_polls(
    simulator: SimulatorHandle,
) -> None:
    start_cluster(simulator)
    client = PDClient(simulator.url, cluster="ns/cadence")
    counter = PollCounter(2 + 3 * FULL_EVERY)
    poller = Poller(client, interval=0.02, clock=counter)
    poller.start()
    try:
        await asyncio.wait_for(counter.reached.wait(), 20)
        counts = requests_by_api("ns/cadence")
    finally:
        await poller.stop()
        await client.aclose()
    polls = counts["members"]
    # The first poll and the quick one after it (everything changed) are full, then one in
    # FULL_EVERY; a full poll caught between its /members and its /health counts one less.
    full = 2 + (polls - 2) // FULL_EVERY
    assert counts["health"] in (full - 1, full), counts
    assert counts["stores"] in (polls - 1, polls), counts


async def test_an_expedited_poll_is_a_full_one(simulator: SimulatorHandle) -> None:
    start_cluster(simulator)
    add_followers(simulator)
    client = PDClient(simulator.url, cluster="ns/expedited")
    feed = Feed()
    counter = PollCounter(2)  # the first poll and the quick one after it
    poller = Poller(client, interval=3600, on_change=feed, clock=counter)
    poller.start()
    try:
        await asyncio.wait_for(counter.reached.wait(), 10)
        simulator.cluster.set_member_health("pd-2", False)
        feed.arrived.clear()
        poller.expedite()
        await asyncio.wait_for(feed.arrived.wait(), 5)
    finally:
        await poller.stop()
        await client.aclose()
    assert requests_by_api("ns/expedited")["health"] == 3
    assert feed.changes[-1] == Change(members=frozenset({"pd-2"}))
