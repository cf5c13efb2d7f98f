"""The simulator over HTTP, driven through the operator's own PD client."""

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.pd_fixtures import SimulatorHandle, simulator
from tikv_operator.pdapi.client import PDClient, RetryPolicy
from tikv_operator.pdapi.errors import (
    NoLeader,
    NotBootstrapped,
    NotFound,
    PDError,
    StoresNotEnough,
    StoreTombstoned,
    Unavailable,
)
from tikv_operator.pdapi.models import StoreState
from tikv_operator.tikvapi import TiKVRefused, TiKVStatusClient, TiKVUnreachable, status_base_url

__all__ = ["simulator"]


@pytest.fixture
async def pd(simulator: SimulatorHandle) -> AsyncIterator[PDClient]:
    async with PDClient(
        simulator.url, cluster="sim", retry=RetryPolicy(attempts=1), timeout=2.0
    ) as client:
        yield client


def three_members(simulator: SimulatorHandle) -> None:
    for i in range(3):
        host = f"http://pd-{i}.basic-pd-peer.ns"
        simulator.cluster.add_member(f"pd-{i}", [f"{host}:2380"], [f"{host}:2379"])


def stores(simulator: SimulatorHandle, n: int) -> None:
    for i in range(n):
        simulator.cluster.put_store(f"kv-{i}.basic-tikv-peer.ns:20160")


def settle(simulator: SimulatorHandle) -> None:
    for _ in range(200):
        simulator.cluster.tick()


async def test_replies_are_indented_json_with_a_trailing_newline(
    simulator: SimulatorHandle,
) -> None:
    three_members(simulator)
    async with httpx.AsyncClient() as http:
        r = await http.get(f"{simulator.url}/pd/api/v1/leader")
    assert r.text.startswith('{\n  "name": "pd-0",')
    assert r.text.endswith("}\n")


async def test_members_list_members_leader_and_cluster_id(
    simulator: SimulatorHandle, pd: PDClient
) -> None:
    three_members(simulator)
    members = await pd.get_members()
    assert [m.name for m in members.members] == ["pd-0", "pd-1", "pd-2"]
    assert members.leader is not None and members.leader.name == "pd-0"
    assert members.header.cluster_id == simulator.cluster.cluster_id > 2**53


async def test_transfer_leader_is_visible_in_leader(
    simulator: SimulatorHandle, pd: PDClient
) -> None:
    three_members(simulator)
    await pd.transfer_leader("pd-2")
    assert (await pd.get_leader()).name == "pd-2"


async def test_delete_member_shrinks_health(simulator: SimulatorHandle, pd: PDClient) -> None:
    three_members(simulator)
    simulator.clock.advance(5)
    await pd.delete_member_by_name("pd-1")
    assert [h.name for h in await pd.get_health()] == ["pd-0", "pd-2"]


async def test_delete_unknown_member_is_not_found(simulator: SimulatorHandle, pd: PDClient) -> None:
    three_members(simulator)
    with pytest.raises(NotFound):
        await pd.delete_member_by_name("pd-9")


async def test_without_quorum_every_call_is_no_leader(
    simulator: SimulatorHandle, pd: PDClient
) -> None:
    three_members(simulator)
    simulator.cluster.set_member_health("pd-0", False)
    simulator.cluster.set_member_health("pd-1", False)
    with pytest.raises(NoLeader):
        await pd.get_members()


async def test_stores_and_schedulers_are_not_bootstrapped_before_tikv(
    simulator: SimulatorHandle, pd: PDClient
) -> None:
    three_members(simulator)
    with pytest.raises(NotBootstrapped) as stores_err:
        await pd.get_stores()
    with pytest.raises(NotBootstrapped) as evict_err:
        await pd.get_evict_leader_stores()
    assert (stores_err.value.status, evict_err.value.status) == (500, 406)
    assert await pd.get_stores_if_bootstrapped() == []


async def test_plain_stores_hide_tombstones_but_all_states_include_them(
    simulator: SimulatorHandle, pd: PDClient
) -> None:
    three_members(simulator)
    stores(simulator, 4)
    settle(simulator)
    await pd.delete_store(4)
    settle(simulator)
    async with httpx.AsyncClient() as http:
        plain = (await http.get(f"{simulator.url}/pd/api/v1/stores")).json()
    assert plain["count"] == 3
    assert [s.store.state for s in await pd.get_stores()][-1] is StoreState.TOMBSTONE


async def test_store_offline_flow_through_the_client(
    simulator: SimulatorHandle, pd: PDClient
) -> None:
    three_members(simulator)
    stores(simulator, 4)
    settle(simulator)
    await pd.delete_store(4)
    assert (await pd.get_store(4)).store.state_name == "Offline"
    settle(simulator)
    assert (await pd.get_store(4)).store.state is StoreState.TOMBSTONE
    with pytest.raises(StoreTombstoned):
        await pd.delete_store(4)
    with pytest.raises(StoresNotEnough):
        await pd.delete_store(1)


async def test_up_store_json_omits_zero_state(simulator: SimulatorHandle) -> None:
    three_members(simulator)
    stores(simulator, 1)
    async with httpx.AsyncClient() as http:
        body = (await http.get(f"{simulator.url}/pd/api/v1/store/1")).json()
    assert "state" not in body["store"]
    assert body["store"]["state_name"] == "Up"
    assert body["store"]["node_state"] == 1


async def test_cancel_offline_returns_store_to_up(simulator: SimulatorHandle, pd: PDClient) -> None:
    three_members(simulator)
    stores(simulator, 4)
    await pd.delete_store(4)
    await pd.cancel_store_offline(4)
    assert (await pd.get_store(4)).store.state is StoreState.UP


async def test_evict_leader_round_trip(simulator: SimulatorHandle, pd: PDClient) -> None:
    three_members(simulator)
    stores(simulator, 3)
    settle(simulator)
    await pd.begin_evict_leader(2)
    await pd.begin_evict_leader(3)
    assert await pd.get_evict_leader_stores() == {2, 3}
    settle(simulator)
    assert (await pd.get_store(2)).status.leader_count == 0
    await pd.end_evict_leader(2)
    await pd.end_evict_leader(3)
    await pd.end_evict_leader(3)
    assert await pd.get_evict_leader_stores() == set()
    kinds = [e.kind for e in simulator.cluster.events]
    assert kinds.count("scheduler-added") == 2 and kinds.count("scheduler-removed") == 2


async def test_store_labels_are_set(simulator: SimulatorHandle, pd: PDClient) -> None:
    three_members(simulator)
    stores(simulator, 1)
    await pd.set_store_labels(1, {"zone": "z1"})
    labels = (await pd.get_store(1)).store.labels
    assert [(label.key, label.value) for label in labels] == [("zone", "z1")]


async def test_remove_tombstones(simulator: SimulatorHandle, pd: PDClient) -> None:
    three_members(simulator)
    stores(simulator, 4)
    settle(simulator)
    await pd.delete_store(4)
    settle(simulator)
    await pd.remove_tombstones()
    assert [s.store.id for s in await pd.get_stores()] == [1, 2, 3]


async def test_config_cluster_status(simulator: SimulatorHandle, pd: PDClient) -> None:
    three_members(simulator)
    assert (await pd.get_replication_config()).max_replicas == 3
    assert (await pd.get_config()).schedule.max_store_down_time == "30m0s"
    assert (await pd.get_cluster()).id == simulator.cluster.cluster_id
    assert (await pd.get_status()).version == "v8.5.1"


async def test_down_peer_regions_name_the_silent_store(
    simulator: SimulatorHandle, pd: PDClient
) -> None:
    three_members(simulator)
    stores(simulator, 3)
    settle(simulator)
    simulator.cluster.stop_heartbeat("kv-1.basic-tikv-peer.ns:20160")
    simulator.clock.advance(25)
    simulator.cluster.tick()
    regions = await pd.get_down_peer_regions()
    assert regions.count > 0
    assert {d.peer.store_id for r in regions.regions for d in r.down_peers} == {2}
    assert (await pd.get_store(2)).store.state_name == "Disconnected"


async def test_injected_5xx_fault_hits_only_its_path(
    simulator: SimulatorHandle, pd: PDClient
) -> None:
    three_members(simulator)
    async with httpx.AsyncClient() as http:
        await http.post(
            f"{simulator.url}/sim/faults", json={"path": "/members", "status": 500, "times": 1}
        )
    with pytest.raises(PDError) as err:
        await pd.get_members()
    assert err.value.status == 500
    assert (await pd.get_members()).leader is not None


async def test_injected_timeout_makes_the_client_give_up(simulator: SimulatorHandle) -> None:
    three_members(simulator)
    async with httpx.AsyncClient() as http:
        await http.post(f"{simulator.url}/sim/faults", json={"path": "/health", "timeout": True})
    no_retry = RetryPolicy(attempts=1)
    async with PDClient(simulator.url, cluster="sim", timeout=0.2, retry=no_retry) as client:
        with pytest.raises(Unavailable):
            await client.get_health()


async def test_injected_no_leader(simulator: SimulatorHandle, pd: PDClient) -> None:
    three_members(simulator)
    async with httpx.AsyncClient() as http:
        await http.post(f"{simulator.url}/sim/faults", json={"no_leader": True})
    with pytest.raises(NoLeader):
        await pd.get_cluster()


async def test_cluster_id_override(simulator: SimulatorHandle, pd: PDClient) -> None:
    three_members(simulator)
    async with httpx.AsyncClient() as http:
        await http.post(f"{simulator.url}/sim/cluster-id", json={"id": 12345})
    assert (await pd.get_members()).header.cluster_id == 12345
    assert (await pd.get_cluster()).id == 12345


async def test_event_log_is_readable_over_http(simulator: SimulatorHandle) -> None:
    three_members(simulator)
    async with httpx.AsyncClient() as http:
        await http.post(f"{simulator.url}/sim/stores", json={"address": "kv-0:20160"})
        events = (await http.get(f"{simulator.url}/sim/events")).json()
    assert [(e["kind"], e["subject"]) for e in events][-1] == ("store-registered", "kv-0:20160")
    assert all(set(e) == {"time", "kind", "subject", "detail"} for e in events)


async def test_config_items_change_online_and_are_logged(
    simulator: SimulatorHandle, pd: PDClient
) -> None:
    three_members(simulator)
    await pd.set_config({"schedule.leader-schedule-limit": 8, "replication.max-replicas": 5})
    assert (await pd.get_replication_config()).max_replicas == 5
    (event,) = [e for e in simulator.cluster.events if e.kind == "pd-config-set"]
    assert json.loads(event.detail) == {
        "replication.max-replicas": 5,
        "schedule.leader-schedule-limit": 8,
    }


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("lease", "config item lease not found"),
        ("log.file.filename", "only support changing log level"),
        ("security.cacert-path", "config prefix security not found"),
    ],
)
async def test_config_items_pd_cannot_change_online_are_refused(
    simulator: SimulatorHandle, pd: PDClient, key: str, message: str
) -> None:
    three_members(simulator)
    with pytest.raises(PDError) as refused:
        await pd.set_config({"schedule.leader-schedule-limit": 8, key: "x"})
    assert refused.value.status == 400 and message in refused.value.message
    assert simulator.cluster.config_items == {}


async def test_a_stores_status_api_changes_its_config_online(
    simulator: SimulatorHandle,
) -> None:
    three_members(simulator)
    simulator.cluster.put_store("kv-0.p.ns:20160", "kv-0.p.ns:20180")
    client = TiKVStatusClient(
        status_base_url("kv-0.p.ns:20180", f"{simulator.url}/tikv"),
        cluster="sim",
        address="kv-0.p.ns:20180",
    )
    await client.update_config({"raftstore.raft-log-gc-threshold": "100"})
    assert simulator.cluster.stores[1].config == {"raftstore.raft-log-gc-threshold": "100"}
    (event,) = [e for e in simulator.cluster.events if e.kind == "tikv-config-set"]
    assert event.subject == "kv-0.p.ns:20160"
    with pytest.raises(TiKVRefused):
        await client.update_config({"storage.data-dir": "/elsewhere"})
    simulator.cluster.stop_heartbeat("kv-0.p.ns:20160")
    with pytest.raises(TiKVUnreachable):
        await client.update_config({"raftstore.raft-log-gc-threshold": "200"})


async def test_a_hung_member_is_unhealthy_over_http(
    simulator: SimulatorHandle, pd: PDClient
) -> None:
    three_members(simulator)
    async with httpx.AsyncClient() as http:
        r = await http.post(f"{simulator.url}/sim/members/pd-2/hang")
        assert r.status_code == 200
        missing = await http.post(f"{simulator.url}/sim/members/pd-9/hang", json={"hung": True})
        assert missing.status_code == 404
    health = {h.name: h.health for h in await pd.get_health()}
    assert health == {"pd-0": True, "pd-1": True, "pd-2": False}
