import pytest

from hack.pdsim import render
from hack.pdsim.clock import ManualClock
from hack.pdsim.model import PDCluster, Settings


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (0.000000012, "12ns"),
        (0.0000125, "12.5µs"),
        (0.651819493, "651.819493ms"),
        (0.5, "500ms"),
        (1, "1s"),
        (20.39, "20.39s"),
        (123.5, "2m3.5s"),
        (1800, "30m0s"),
        (3605, "1h0m5s"),
    ],
)
def test_durations_read_as_gos_duration_string(seconds: float, text: str) -> None:
    assert render.go_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "1970-01-01T00:00:00Z"),
        (1_700_000_000, "2023-11-14T22:13:20Z"),
        (1_700_000_000.25, "2023-11-14T22:13:20.25Z"),
    ],
)
def test_timestamps_read_as_gos_rfc3339nano(seconds: float, text: str) -> None:
    assert render.rfc3339(seconds) == text


def test_a_store_advertises_its_address_to_its_raft_peers() -> None:
    cluster = PDCluster(ManualClock(), Settings())
    meta = render.store(cluster.put_store("kv-0:20160"))["store"]
    assert meta["peer_address"] == meta["address"] == "kv-0:20160"


def test_a_stopped_store_keeps_the_uptime_it_had_at_its_last_heartbeat() -> None:
    clock = ManualClock(1_700_000_000.0)
    cluster = PDCluster(clock, Settings())
    store = cluster.put_store("kv-0:20160")
    clock.advance(90.5)
    cluster.tick()
    cluster.stop_heartbeat("kv-0:20160")
    clock.advance(600)
    cluster.tick()
    assert render.store(store)["status"]["uptime"] == "1m30.5s"
