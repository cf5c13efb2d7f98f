"""The store stub (hack/storestub) behaves like tikv-server towards a real pd-server.

Stubs run the operator's own tikv.toml (`render_tikv_config`) and PD's own schedulers move
their regions and leaders; every assertion is PD's view through its HTTP API, polled with
a deadline. PD runs with tests/storestub_fixtures.PD_CONFIG (Down after 30s).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.storestub_fixtures import STUB_VERSION, Stub, StubCluster, stub_cluster, wait_for
from tikv_operator.tikvapi.client import TiKVRefused, TiKVStatusClient, status_base_url

__all__ = ["stub_cluster"]

pytestmark = [pytest.mark.pdserver, pytest.mark.integration]

REPLICATED = 90.0
"""Seconds for PD to give every region three replicas after the stores come up."""


def state_name(cluster: StubCluster, store_id: int) -> str:
    name: str = cluster.get(f"/store/{store_id}")["store"]["state_name"]
    return name


def status_count(cluster: StubCluster, store_id: int, key: str) -> int:
    # PD leaves zero counts out of a store's status.
    return int(cluster.get(f"/store/{store_id}")["status"].get(key, 0))


def all_up(cluster: StubCluster, stubs: list[Stub]) -> list[dict[str, Any]] | None:
    stores = [cluster.store_of(s) for s in stubs]
    if all(s is not None and s["store"]["state_name"] == "Up" for s in stores):
        return [s for s in stores if s is not None]
    return None


def replicated_on(cluster: StubCluster, store_ids: set[int]) -> list[dict[str, Any]] | None:
    """The regions, once each has three voters on distinct stores among `store_ids` and
    nothing pending: a region caught halfway through a move (a learner not promoted yet)
    has two voters, and loses its quorum if one of them stops, as in TiKV."""
    regions = cluster.regions()
    for region in regions:
        on = [p["store_id"] for p in region["peers"]]
        voters = all(p.get("role_name", "Voter") == "Voter" for p in region["peers"])
        settled = voters and not region.get("pending_peers")
        if not settled or len(on) != 3 or len(set(on)) != 3 or not set(on) <= store_ids:
            return None
    return regions


def start_replicated(
    cluster: StubCluster, count: int, pd_members: int = 1
) -> tuple[list[Stub], list[int]]:
    stubs = cluster.start(count, pd_members)
    wait_for(f"{count} stores Up", lambda: all_up(cluster, stubs), 60)
    ids = [cluster.store_id(s) for s in stubs]
    wait_for("3 replicas of every region", lambda: replicated_on(cluster, set(ids)), REPLICATED)
    return stubs, ids


def test_stubs_register_with_the_operators_tikv_config_and_replicate_every_region(
    stub_cluster: StubCluster,
) -> None:
    stubs, ids = start_replicated(stub_cluster, 3)

    for stub, store in zip(stubs, all_up(stub_cluster, stubs) or [], strict=True):
        meta = store["store"]
        assert (meta["address"], meta["status_address"]) == (stub.address, stub.status_address)
        assert meta["version"] == STUB_VERSION.removeprefix("v")
        assert {label["key"]: label["value"] for label in meta["labels"]} == stub.labels
        assert meta["deploy_path"] == str(stub.binary.parent)
    assert stub_cluster.get("/cluster/status")["is_initialized"] is True
    # The bootstrap region split in a dozen, plus PD's own splits at its keyspace bounds.
    assert len(stub_cluster.regions()) >= 12
    wait_for(
        "PD's balance-leader gives every store leaders",
        lambda: all(status_count(stub_cluster, i, "leader_count") > 0 for i in ids),
        60,
    )


async def test_status_port_answers_the_probe_metrics_and_the_operators_config_calls(
    stub_cluster: StubCluster,
) -> None:
    (stub,) = stub_cluster.start(1)
    store_id = wait_for("the store", lambda: stub_cluster.store_of(stub), 30)["store"]["id"]
    base = f"http://{stub.status_address}"
    client = TiKVStatusClient(
        status_base_url(stub.status_address), cluster="basic", address=stub.status_address
    )

    async with httpx.AsyncClient(base_url=base) as http:
        assert (await http.get("/status")).status_code == 200
        metrics = (await http.get("/metrics")).text
        regions = status_count(stub_cluster, store_id, "region_count")
        assert f'tikv_raftstore_region_count{{type="region"}} {regions}' in metrics
        config = (await http.get("/config")).json()
        assert config["pd"]["endpoints"] == [stub_cluster.pd.url]
        assert config["server"]["labels"] == stub.labels

        await client.update_config({"raftstore.raft-log-gc-threshold": "100"})
        config = (await http.get("/config")).json()
        assert config["raftstore"]["raft-log-gc-threshold"] == "100"
    with pytest.raises(TiKVRefused) as refused:
        await client.update_config({"server.addr": "0.0.0.0:1"})
    assert refused.value.status == 500
    assert refused.value.message == (
        'failed to update, error: "server.addr can not be changed online"'
    )

    assert stub.stop() == 0, stub.log_tail()


def test_pd_refuses_to_offline_a_store_when_only_max_replicas_stores_are_up(
    stub_cluster: StubCluster,
) -> None:
    stubs = stub_cluster.start(3)
    wait_for("3 stores Up", lambda: all_up(stub_cluster, stubs), 60)
    store_id = stub_cluster.store_id(stubs[0])

    response = stub_cluster.api("DELETE", f"/store/{store_id}")

    assert response.status_code == 400
    assert response.json() == (
        f"[PD:core:ErrStoresNotEnough]can not remove store {store_id} since the number of up "
        "stores would be 2 while need 3"
    )
    assert state_name(stub_cluster, store_id) == "Up"


def test_a_new_store_gets_regions_and_an_offlined_store_drains_to_tombstone_for_good(
    stub_cluster: StubCluster,
) -> None:
    stubs, ids = start_replicated(stub_cluster, 3)
    fourth = stub_cluster.add()
    fourth_id = wait_for("the fourth store", lambda: stub_cluster.store_of(fourth), 30)
    fourth_id = int(fourth_id["store"]["id"])
    wait_for(
        "PD's balance-region moves regions to the fourth store",
        lambda: status_count(stub_cluster, fourth_id, "region_count") > 0,
        60,
    )
    victim, victim_id = stubs[1], ids[1]

    response = stub_cluster.api("DELETE", f"/store/{victim_id}")
    assert (response.status_code, response.json()) == (200, "The store is set as Offline.")
    assert state_name(stub_cluster, victim_id) == "Offline"

    wait_for("Tombstone", lambda: state_name(stub_cluster, victim_id) == "Tombstone", 120)
    assert all(p["store_id"] != victim_id for r in stub_cluster.regions() for p in r["peers"])
    remaining = {*ids, fourth_id} - {victim_id}
    assert replicated_on(stub_cluster, remaining) is not None
    # Like TiKV, a Tombstone store keeps running (PD refuses its heartbeats) until stopped.
    assert victim.running()
    assert victim.stop() == 0

    refused = victim.run_to_exit()
    assert refused.returncode == 1
    assert f"store {victim_id} has been removed from the cluster" in refused.stderr
    assert state_name(stub_cluster, victim_id) == "Tombstone"


def test_evict_leader_scheduler_empties_the_store_of_leaders_until_it_is_removed(
    stub_cluster: StubCluster,
) -> None:
    _, ids = start_replicated(stub_cluster, 3)
    store_id = ids[0]
    wait_for(
        "leaders on the store", lambda: status_count(stub_cluster, store_id, "leader_count"), 60
    )

    added = stub_cluster.api(
        "POST", "/schedulers", json={"name": "evict-leader-scheduler", "store_id": store_id}
    )
    assert (added.status_code, added.json()) == (200, "The scheduler is created.")
    wait_for(
        "no leader left on the store",
        lambda: status_count(stub_cluster, store_id, "leader_count") == 0,
        60,
    )
    assert all(r["leader"]["store_id"] != store_id for r in stub_cluster.regions())

    removed = stub_cluster.api("DELETE", f"/schedulers/evict-leader-scheduler-{store_id}")
    assert removed.status_code == 200
    wait_for(
        "PD's balance-leader brings leaders back",
        lambda: status_count(stub_cluster, store_id, "leader_count") > 0,
        60,
    )


def test_a_killed_stub_goes_disconnected_then_down_and_restarts_as_the_same_store(
    stub_cluster: StubCluster,
) -> None:
    stubs, ids = start_replicated(stub_cluster, 3)
    victim, victim_id = stubs[2], ids[2]

    victim.kill()
    killed = time.monotonic()
    wait_for("Disconnected", lambda: state_name(stub_cluster, victim_id) == "Disconnected", 40)
    wait_for("Down", lambda: state_name(stub_cluster, victim_id) == "Down", 60)
    assert time.monotonic() - killed >= 20
    # The other peers of the regions it led elected new leaders among themselves.
    wait_for(
        "every region led by a live store",
        lambda: all(r["leader"]["store_id"] != victim_id for r in stub_cluster.regions()),
        60,
    )

    victim.start()
    wait_for("Up again", lambda: state_name(stub_cluster, victim_id) == "Up", 30)
    assert stub_cluster.store_id(victim) == victim_id
    assert [s["store"]["id"] for s in stub_cluster.stores()].count(victim_id) == 1


def last_heartbeat(store: dict[str, Any]) -> datetime:
    # PD writes nanoseconds; Python reads up to microseconds.
    stamp = re.sub(r"(\.\d{6})\d+", r"\1", store["status"]["last_heartbeat_ts"])
    return datetime.fromisoformat(stamp)


def test_stubs_follow_pd_leadership_to_another_member_and_past_their_stopped_endpoint(
    stub_cluster: StubCluster,
) -> None:
    _, ids = start_replicated(stub_cluster, 3, pd_members=3)
    pd = stub_cluster.pd
    # Leadership moves to another member, and pd-1 stops: the stubs' tikv.toml names pd-1
    # alone (the operator's names one PD URL), so they go on with the members PD listed.
    leader = pd.wait_for_leader()
    pd.transfer_leader(next(m.name for m in pd.members if m.name not in (leader, "pd-1")))
    next(m for m in pd.members if m.name == "pd-1").stop()
    switched = datetime.now(UTC)

    wait_for(
        "every store heartbeating the new leader",
        lambda: all(
            last_heartbeat(s) > switched and s["store"]["state_name"] == "Up"
            for s in stub_cluster.stores()
        ),
        40,
    )
    # Region heartbeats reach the new leader too: its scheduler moves the leaders away.
    stub_cluster.api(
        "POST", "/schedulers", json={"name": "evict-leader-scheduler", "store_id": ids[0]}
    ).raise_for_status()
    wait_for(
        "no leader left on the store",
        lambda: status_count(stub_cluster, ids[0], "leader_count") == 0,
        60,
    )
