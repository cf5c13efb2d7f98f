import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.pd_fixtures import SimulatorHandle, simulator
from tikv_operator.pdapi.client import PDClient, RetryPolicy
from tikv_operator.pdapi.errors import Unavailable
from tikv_operator.pdapi.models import Member, StoreInfo
from tikv_operator.pdapi.poller import Change, Poller, Pollers, Snapshot, diff

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
    assert diff(None, new) == Change(frozenset({"pd-0"}), frozenset({"kv-0:20160"}))


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
    assert diff(old, new).stores == {"a:1", "b:1"}


def test_removed_member_and_store_are_reported() -> None:
    old = snap(members=(member("pd-0"),), stores=(store("a:1"),))
    assert diff(old, snap()) == Change(frozenset({"pd-0"}), frozenset({"a:1"}))


def test_poll_starting_to_fail_reports_everything_known() -> None:
    old = snap(members=(member("pd-0"),), stores=(store("a:1"),))
    failed = snap(error=Unavailable("down"))
    assert diff(old, failed) == Change(frozenset({"pd-0"}), frozenset({"a:1"}))


def test_snapshot_is_usable_only_when_ok_and_recent() -> None:
    assert snap().usable(now=110.0, max_age=30)
    assert not snap().usable(now=131.0, max_age=30)
    assert not snap(error=Unavailable("down")).usable(now=100.0, max_age=30)


class Feed:
    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.arrived = asyncio.Event()

    async def __call__(self, change: Change) -> None:
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


async def test_pollers_keep_one_poller_per_cluster(
    simulator: SimulatorHandle,
) -> None:
    start_cluster(simulator)
    pollers = Pollers(interval=3600)
    made: list[str] = []

    def make(cluster: str) -> PDClient:
        made.append(cluster)
        return PDClient(simulator.url, cluster=cluster)

    first = pollers.ensure("ns/a", lambda: make("ns/a"))
    again = pollers.ensure("ns/a", lambda: make("ns/a"))
    other = pollers.ensure("ns/b", lambda: make("ns/b"))
    try:
        assert first is again
        assert other is not first
        assert pollers.get("ns/b") is other
        assert made == ["ns/a", "ns/b"]
    finally:
        await pollers.close()
    assert pollers.get("ns/a") is None
