from hack.pdsim.clock import ManualClock
from hack.pdsim.follow import PDMemberSpec, PodView, TiKVStoreSpec, apply, label_selector, role_of
from hack.pdsim.model import PDCluster


def pod(name: str, component: str, running: bool = True) -> PodView:
    labels = {
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": "tikv-operator",
        "tikv.org/group": "basic",
    }
    return PodView(name, "ns", labels, running)


def test_pd_pod_is_a_member_named_after_the_pod_with_peer_service_urls() -> None:
    assert role_of(pod("basic-pd-abc", "pd")) == PDMemberSpec(
        "basic-pd-abc",
        ["http://basic-pd-abc.basic-pd-peer.ns:2380"],
        ["http://basic-pd-abc.basic-pd-peer.ns:2379"],
    )


def test_tikv_pod_is_a_store_at_its_advertise_address() -> None:
    assert role_of(pod("basic-tikv-x", "tikv")) == TiKVStoreSpec(
        "basic-tikv-x.basic-tikv-peer.ns:20160", "basic-tikv-x.basic-tikv-peer.ns:20180"
    )


def test_selector_limits_to_the_named_cluster() -> None:
    assert label_selector("basic").endswith(",tikv.org/cluster=basic")
    assert "tikv.org/cluster" not in label_selector(None)


def test_running_pods_join_and_register() -> None:
    cluster = PDCluster(ManualClock())
    apply(cluster, pod("basic-pd-a", "pd"), present=True)
    apply(cluster, pod("basic-tikv-a", "tikv"), present=True)
    assert cluster.leader is not None and cluster.leader.name == "basic-pd-a"
    assert [s.address for s in cluster.stores.values()] == ["basic-tikv-a.basic-tikv-peer.ns:20160"]


def test_pending_pod_is_not_a_member() -> None:
    cluster = PDCluster(ManualClock())
    apply(cluster, pod("basic-pd-a", "pd", running=False), present=True)
    assert cluster.members == []


def test_deleted_pods_stop_answering_but_stay_members() -> None:
    cluster = PDCluster(ManualClock())
    for name in ("basic-pd-a", "basic-pd-b", "basic-pd-c"):
        apply(cluster, pod(name, "pd"), present=True)
    apply(cluster, pod("basic-tikv-a", "tikv"), present=True)
    apply(cluster, pod("basic-pd-a", "pd"), present=False)
    apply(cluster, pod("basic-tikv-a", "tikv"), present=False)
    assert [m.healthy for m in cluster.members] == [False, True, True]
    assert not cluster.stores[1].heartbeating
