import pytest

from hack.pdsim import render
from hack.pdsim.clock import ManualClock
from hack.pdsim.model import NodeState, PDCluster, Settings, SimError, StoreState


def new_cluster(**settings: float) -> tuple[PDCluster, ManualClock]:
    clock = ManualClock()
    return PDCluster(clock, Settings(**settings), cluster_id=42), clock  # type: ignore[arg-type]


def with_stores(n: int, **settings: float) -> tuple[PDCluster, ManualClock]:
    cluster, clock = new_cluster(**settings)
    for i in range(n):
        cluster.put_store(f"kv-{i}:20160")
    return cluster, clock


def settle(cluster: PDCluster, ticks: int = 200) -> None:
    for _ in range(ticks):
        cluster.tick()


def kinds(cluster: PDCluster) -> list[str]:
    return [e.kind for e in cluster.events]


def test_first_member_becomes_leader() -> None:
    cluster, _ = new_cluster()
    cluster.add_member("pd-0", ["http://pd-0:2380"], ["http://pd-0:2379"])
    cluster.add_member("pd-1", ["http://pd-1:2380"], ["http://pd-1:2379"])
    assert cluster.leader is not None and cluster.leader.name == "pd-0"


def test_transfer_leader_moves_leadership_and_logs_it() -> None:
    cluster, _ = new_cluster()
    for name in ("pd-0", "pd-1"):
        cluster.add_member(name, [], [])
    cluster.transfer_leader("pd-1")
    assert cluster.leader is not None and cluster.leader.name == "pd-1"
    assert cluster.events[-1].kind == "leader-changed"
    assert cluster.events[-1].subject == "pd-1"


def test_transfer_leader_to_unknown_member_is_a_500() -> None:
    cluster, _ = new_cluster()
    cluster.add_member("pd-0", [], [])
    with pytest.raises(SimError) as err:
        cluster.transfer_leader("nope")
    assert err.value.status == 500


def test_deleting_the_leader_elects_the_longest_serving_healthy_member() -> None:
    cluster, clock = new_cluster()
    for name in ("pd-0", "pd-1", "pd-2"):
        cluster.add_member(name, [], [])
        clock.advance(1)
    clock.advance(5)
    cluster.remove_member_by_name("pd-0")
    assert cluster.leader is not None and cluster.leader.name == "pd-1"
    assert "member-removed" in kinds(cluster)


def test_deleting_a_member_before_peers_settle_is_refused_like_etcd() -> None:
    cluster, clock = new_cluster()
    for name in ("pd-0", "pd-1", "pd-2"):
        cluster.add_member(name, [], [])
    clock.advance(4)
    with pytest.raises(SimError) as err:
        cluster.remove_member_by_name("pd-2")
    assert err.value.status == 500
    assert "unhealthy cluster" in err.value.message
    clock.advance(1)
    cluster.remove_member_by_name("pd-2")
    assert [m.name for m in cluster.members] == ["pd-0", "pd-1"]


def test_deleting_a_member_that_would_break_quorum_is_refused() -> None:
    cluster, clock = new_cluster()
    for name in ("pd-0", "pd-1", "pd-2"):
        cluster.add_member(name, [], [])
    clock.advance(10)
    cluster.set_member_health("pd-1", False)
    with pytest.raises(SimError):
        cluster.remove_member_by_name("pd-2")


def test_a_down_member_may_go_while_the_others_have_just_connected() -> None:
    # etcd: a member that is not connected is not part of the active quorum.
    cluster, _ = new_cluster()
    for name in ("pd-0", "pd-1", "pd-2"):
        cluster.add_member(name, [], [])
    cluster.set_member_health("pd-2", False)
    cluster.remove_member_by_name("pd-2")
    assert [m.name for m in cluster.members] == ["pd-0", "pd-1"]


def test_the_last_member_cannot_be_removed() -> None:
    cluster, clock = new_cluster()
    cluster.add_member("pd-0", [], [])
    clock.advance(10)
    with pytest.raises(SimError) as err:
        cluster.remove_member_by_name("pd-0")
    assert "not enough started members" in err.value.message


def test_deleting_an_unknown_member_is_a_404() -> None:
    cluster, _ = new_cluster()
    with pytest.raises(SimError) as err:
        cluster.remove_member_by_name("pd-9")
    assert (err.value.status, err.value.message) == (404, "not found, pd: pd-9")


def three_on_data(cluster: PDCluster) -> None:
    for name in ("pd-0", "pd-1", "pd-2"):
        cluster.add_member(name, [], [], data=f"pvc-{name}")


def test_a_restart_on_the_same_data_is_the_same_member() -> None:
    cluster, _ = new_cluster()
    three_on_data(cluster)
    before = cluster.member_by_name("pd-2")
    assert before is not None
    cluster.set_member_health("pd-2", False)
    cluster.add_member("pd-2", [], [], data="pvc-pd-2")
    after = cluster.member_by_name("pd-2")
    assert after is not None and after.member_id == before.member_id and after.healthy


def test_a_wiped_member_cannot_rejoin_while_pd_lists_it() -> None:
    cluster, _ = new_cluster()
    three_on_data(cluster)
    cluster.set_member_health("pd-2", False)
    with pytest.raises(SimError) as err:
        cluster.add_member("pd-2", [], [], data="pvc-fresh")
    assert err.value.message == "missing data or join a duplicated pd"
    member = cluster.member_by_name("pd-2")
    assert member is not None and not member.healthy
    assert kinds(cluster)[-1] == "member-rejected"


def test_a_removed_member_cannot_come_back_on_its_old_data() -> None:
    cluster, clock = new_cluster()
    three_on_data(cluster)
    clock.advance(10)
    cluster.set_member_health("pd-2", False)
    cluster.remove_member_by_name("pd-2")
    with pytest.raises(SimError) as err:
        cluster.add_member("pd-2", [], [], data="pvc-pd-2")
    assert "permanently removed" in err.value.message
    assert cluster.member_by_name("pd-2") is None


def test_a_removed_member_rejoins_on_fresh_data_with_a_new_id() -> None:
    cluster, clock = new_cluster()
    three_on_data(cluster)
    old = cluster.member_by_name("pd-2")
    assert old is not None
    clock.advance(10)
    cluster.hang_member("pd-2")
    cluster.remove_member_by_name("pd-2")
    new = cluster.add_member("pd-2", [], [], data="pvc-fresh")
    assert new.member_id != old.member_id and new.healthy and not new.hung
    assert [e.detail for e in cluster.events if e.kind == "member-removed"] == [str(old.member_id)]


def test_a_hung_member_stays_unhealthy_while_its_pod_runs() -> None:
    cluster, _ = new_cluster()
    three_on_data(cluster)
    cluster.hang_member("pd-1")
    cluster.add_member("pd-1", [], [], data="pvc-pd-1")  # the follower sees its Pod again
    member = cluster.member_by_name("pd-1")
    assert member is not None and not member.healthy
    cluster.hang_member("pd-1", hung=False)
    assert member.healthy


def test_losing_quorum_loses_the_leader() -> None:
    cluster, _ = new_cluster()
    for name in ("pd-0", "pd-1", "pd-2"):
        cluster.add_member(name, [], [])
    cluster.set_member_health("pd-0", False)
    assert cluster.leader is not None and cluster.leader.name == "pd-1"
    cluster.set_member_health("pd-1", False)
    assert cluster.leader is None


def test_stores_answer_not_bootstrapped_before_the_first_store() -> None:
    cluster, _ = new_cluster()
    with pytest.raises(SimError) as err:
        cluster.require_bootstrapped()
    assert err.value.status == 500
    assert "ErrNotBootstrapped" in err.value.message


def test_first_store_holds_every_region_and_leader() -> None:
    cluster, _ = with_stores(1, regions=10)
    store = cluster.stores[1]
    assert (store.region_count, store.leader_count) == (10, 10)


def test_schedulers_spread_replicas_and_leaders_over_new_stores() -> None:
    cluster, _ = with_stores(3, regions=12)
    settle(cluster)
    stores = list(cluster.stores.values())
    assert [s.region_count for s in stores] == [12, 12, 12]
    assert sum(s.leader_count for s in stores) == 12
    assert max(s.leader_count for s in stores) - min(s.leader_count for s in stores) <= 1
    assert all(s.node_state == NodeState.SERVING for s in stores)


def test_registering_the_same_address_again_keeps_the_store_id() -> None:
    cluster, _ = with_stores(1)
    assert cluster.put_store("kv-0:20160").id == 1


def test_a_store_registered_before_its_first_heartbeat_is_down_until_it_heartbeats() -> None:
    cluster, _ = with_stores(3)
    new = cluster.put_store("kv-3:20160", heartbeat=False)
    assert (new.state_name, new.last_heartbeat) == ("Down", 0.0)
    cluster.tick()
    assert new.state_name == "Down"
    cluster.put_store("kv-3:20160")
    assert new.state_name == "Up"


def test_a_small_cluster_serves_a_new_store_at_the_next_check_heard_from_or_not() -> None:
    # pd v8.5.1 checkStores: under InitClusterRegionThreshold (100) regions, every
    # Preparing store is served, even one that never sent a store heartbeat.
    cluster, _ = with_stores(3, regions=99)
    new = cluster.put_store("kv-3:20160", heartbeat=False)
    assert new.node_state == NodeState.PREPARING
    cluster.tick()
    assert (new.node_state, new.state_name) == (NodeState.SERVING, "Down")


def test_a_large_cluster_serves_a_new_store_once_it_holds_its_share() -> None:
    cluster, _ = with_stores(3, regions=100)
    settle(cluster)
    new = cluster.put_store("kv-3:20160")
    cluster.tick()
    assert new.node_state == NodeState.PREPARING
    settle(cluster)
    assert (new.node_state, new.region_count) == (NodeState.SERVING, 75)


def test_a_store_never_heard_from_in_a_large_cluster_stays_preparing() -> None:
    cluster, _ = with_stores(3, regions=100)
    new = cluster.put_store("kv-3:20160", heartbeat=False)
    settle(cluster)
    assert new.node_state == NodeState.PREPARING


def test_registering_merges_the_stores_labels_like_pd_put_store() -> None:
    cluster, _ = with_stores(1)
    cluster.put_store("kv-0:20160", labels={"zone": "z1"})
    cluster.set_store_labels(1, {"disk": "ssd"})
    cluster.put_store("kv-0:20160", labels={"host": "h1"})
    assert cluster.stores[1].labels == {"zone": "z1", "disk": "ssd", "host": "h1"}


def test_a_store_before_its_first_heartbeat_renders_as_real_pd_lists_it() -> None:
    # pd v8.5.1 pkg/response/store.go: no last_heartbeat, the epoch as last_heartbeat_ts.
    cluster, _ = with_stores(3)
    rendered = render.store(cluster.put_store("kv-3:20160", heartbeat=False))
    assert "last_heartbeat" not in rendered["store"]
    assert rendered["store"]["state_name"] == "Down"
    assert rendered["status"]["last_heartbeat_ts"] == "1970-01-01T00:00:00Z"
    # No stats yet, and no uptime: it runs from the start to the last heartbeat.
    assert (rendered["status"]["capacity"], rendered["status"]["available"]) == ("0B", "0B")
    assert "uptime" not in rendered["status"]


def test_store_becomes_disconnected_after_20s_without_heartbeat() -> None:
    cluster, clock = with_stores(3)
    cluster.stop_heartbeat("kv-2:20160")
    clock.advance(19)
    cluster.tick()
    assert cluster.stores[3].state_name == "Up"
    clock.advance(2)
    cluster.tick()
    assert cluster.stores[3].state_name == "Disconnected"
    assert "store-disconnected" in kinds(cluster)


def test_store_becomes_down_after_max_store_down_time() -> None:
    cluster, clock = with_stores(3, max_store_down_time=60)
    cluster.stop_heartbeat("kv-2:20160")
    clock.advance(61)
    cluster.tick()
    assert cluster.stores[3].state_name == "Down"
    assert cluster.stores[3].state == StoreState.UP


def test_restarted_store_heartbeats_again() -> None:
    cluster, clock = with_stores(3)
    cluster.stop_heartbeat("kv-2:20160")
    clock.advance(30)
    cluster.tick()
    cluster.put_store("kv-2:20160")
    cluster.tick()
    assert cluster.stores[3].state_name == "Up"
    assert "store-reconnected" in kinds(cluster)


def test_leaders_leave_a_disconnected_store() -> None:
    cluster, clock = with_stores(3)
    settle(cluster)
    cluster.stop_heartbeat("kv-0:20160")
    clock.advance(21)
    settle(cluster)
    assert cluster.stores[1].leader_count == 0
    assert cluster.down_peer_stores() == [cluster.stores[1]]


def test_removing_a_store_below_max_replicas_is_stores_not_enough() -> None:
    cluster, _ = with_stores(3)
    with pytest.raises(SimError) as err:
        cluster.remove_store(1)
    assert err.value.status == 400
    assert err.value.message == (
        "[PD:core:ErrStoresNotEnough]can not remove store 1 since the number of up stores "
        "would be 2 while need 3"
    )
    assert cluster.stores[1].state == StoreState.UP


def test_offline_store_drains_then_becomes_tombstone() -> None:
    cluster, _ = with_stores(4)
    settle(cluster)
    cluster.remove_store(4)
    store = cluster.stores[4]
    assert (store.state, store.node_state, store.state_name) == (
        StoreState.OFFLINE,
        NodeState.REMOVING,
        "Offline",
    )
    settle(cluster)
    assert (store.state, store.node_state, store.region_count) == (
        StoreState.TOMBSTONE,
        NodeState.REMOVED,
        0,
    )
    assert kinds(cluster).index("store-offline") < kinds(cluster).index("store-tombstone")


def test_offline_store_does_not_drain_in_one_tick() -> None:
    cluster, _ = with_stores(4, moves_per_tick=1)
    settle(cluster)
    cluster.remove_store(4)
    cluster.tick()
    assert cluster.stores[4].state == StoreState.OFFLINE


def test_cancel_offline_brings_the_store_back_up() -> None:
    cluster, _ = with_stores(4, moves_per_tick=1)
    settle(cluster)
    cluster.remove_store(4)
    cluster.up_store(4)
    assert (cluster.stores[4].state, cluster.stores[4].state_name) == (StoreState.UP, "Up")


def test_removing_a_tombstone_is_410_and_removing_an_offline_store_is_idempotent() -> None:
    cluster, _ = with_stores(4)
    settle(cluster)
    cluster.remove_store(4)
    cluster.remove_store(4)
    settle(cluster)
    with pytest.raises(SimError) as err:
        cluster.remove_store(4)
    assert err.value.status == 410


def test_removing_an_unknown_store_is_404() -> None:
    cluster, _ = with_stores(1)
    with pytest.raises(SimError) as err:
        cluster.remove_store(9)
    assert err.value.status == 404


def test_remove_tombstones_forgets_tombstone_stores() -> None:
    cluster, _ = with_stores(4)
    settle(cluster)
    cluster.remove_store(4)
    settle(cluster)
    cluster.remove_tombstones()
    assert sorted(cluster.stores) == [1, 2, 3]
    assert "tombstone-removed" in kinds(cluster)


def test_evict_leader_drains_the_store_of_leaders() -> None:
    cluster, _ = with_stores(3)
    settle(cluster)
    cluster.add_evict_leader(2)
    settle(cluster)
    assert cluster.stores[2].leader_count == 0
    assert cluster.stores[2].region_count == 12
    assert "scheduler-added" in kinds(cluster)


def test_ending_evict_leader_lets_leaders_return() -> None:
    cluster, _ = with_stores(3)
    settle(cluster)
    cluster.add_evict_leader(2)
    settle(cluster)
    cluster.remove_evict_leader(2)
    settle(cluster)
    assert cluster.stores[2].leader_count >= 3
    assert cluster.events[-1].kind != "scheduler-added"


def test_ending_an_absent_evict_leader_is_404() -> None:
    cluster, _ = with_stores(1)
    with pytest.raises(SimError) as err:
        cluster.remove_evict_leader(1)
    assert err.value.status == 404


def test_set_store_labels_merges_labels() -> None:
    cluster, _ = with_stores(1)
    cluster.set_store_labels(1, {"zone": "z1"})
    cluster.set_store_labels(1, {"host": "h1"})
    assert cluster.stores[1].labels == {"zone": "z1", "host": "h1"}


def test_events_carry_the_simulated_time() -> None:
    cluster, clock = new_cluster()
    clock.advance(5)
    cluster.add_member("pd-0", [], [])
    assert cluster.events[0].time == clock.now()
    assert (cluster.events[0].kind, cluster.events[0].subject) == ("member-joined", "pd-0")
