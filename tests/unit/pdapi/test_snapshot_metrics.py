"""How fresh each cluster's PD view is, as the operator exports it at scrape time."""

from __future__ import annotations

from tests.pd_fixtures import SimulatorHandle, simulator
from tests.unit.collectors import samples
from tikv_operator.pdapi.poller import STALE_AFTER_POLLS, Poller, Pollers
from tikv_operator.pdapi.snapshot_metrics import PDSnapshotFreshness, cluster_labels

__all__ = ["simulator"]


def start_cluster(simulator: SimulatorHandle) -> None:
    simulator.cluster.add_member("pd-0", ["http://pd-0:2380"], ["http://pd-0:2379"])
    simulator.cluster.put_store("kv-0:20160")


async def polled(pollers: Pollers, key: str) -> Poller:
    """The cluster's poller once a poll has finished."""
    poller = pollers.get(key)
    assert poller is not None
    await poller.poll_once()
    return poller


async def first_success(pollers: Pollers, key: str) -> float:
    taken = (await polled(pollers, key)).last_success
    assert taken is not None
    return taken


def test_the_cluster_key_splits_into_namespace_and_name() -> None:
    assert cluster_labels("ns/basic") == ["ns", "basic"]


async def test_a_polled_cluster_is_up_with_the_age_of_its_snapshot(
    simulator: SimulatorHandle,
) -> None:
    start_cluster(simulator)
    pollers = Pollers(interval=3600)
    try:
        await pollers.ensure("ns/basic", simulator.url)
        taken = await first_success(pollers, "ns/basic")
        got = samples(PDSnapshotFreshness(pollers, clock=lambda: taken + 7))
    finally:
        await pollers.close()
    assert got == {
        ("tikv_operator_pd_up", "ns", "basic"): 1.0,
        ("tikv_operator_pd_snapshot_age_seconds", "ns", "basic"): 7.0,
        ("tikv_operator_pd_snapshot_max_age_seconds", "ns", "basic"): STALE_AFTER_POLLS * 3600,
    }


async def test_a_failing_pd_is_down_and_its_snapshot_ages_from_the_last_success(
    simulator: SimulatorHandle,
) -> None:
    start_cluster(simulator)
    pollers = Pollers(interval=3600)
    try:
        poller = await pollers.ensure("ns/basic", simulator.url)
        taken = await first_success(pollers, "ns/basic")
        simulator.cluster.set_member_health("pd-0", False)
        await poller.poll_once()
        got = samples(PDSnapshotFreshness(pollers, clock=lambda: taken + 100))
    finally:
        await pollers.close()
    assert got[("tikv_operator_pd_up", "ns", "basic")] == 0.0
    assert got[("tikv_operator_pd_snapshot_age_seconds", "ns", "basic")] == 100.0


async def test_a_pd_never_reached_has_no_age_and_a_removed_cluster_no_series() -> None:
    pollers = Pollers(interval=3600, timeout=0.5)
    try:
        await pollers.ensure("ns/gone", "http://127.0.0.1:1")
        await polled(pollers, "ns/gone")
        got = samples(PDSnapshotFreshness(pollers))
        assert got == {
            ("tikv_operator_pd_up", "ns", "gone"): 0.0,
            ("tikv_operator_pd_snapshot_max_age_seconds", "ns", "gone"): STALE_AFTER_POLLS * 3600,
        }
        await pollers.remove("ns/gone")
        assert samples(PDSnapshotFreshness(pollers)) == {}
    finally:
        await pollers.close()
