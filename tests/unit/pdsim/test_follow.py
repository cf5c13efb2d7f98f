import dataclasses

from hack.pdsim.clock import ManualClock
from hack.pdsim.follow import (
    PDMemberSpec,
    PodView,
    TiKVStoreSpec,
    apply,
    label_selector,
    role_of,
    view,
)
from hack.pdsim.model import PDCluster
from hack.pdsim.v2 import TIDB_OPERATOR_V2


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


def pd_pod_on(name: str, data: str, running: bool = True) -> PodView:
    return dataclasses.replace(pod(name, "pd", running), claim=f"data-{name}", data=data)


def test_a_pd_pod_back_on_a_new_pvc_is_refused_until_its_member_is_deleted() -> None:
    cluster = PDCluster(ManualClock())
    for name in ("basic-pd-a", "basic-pd-b", "basic-pd-c"):
        apply(cluster, pd_pod_on(name, f"uid-{name}"), present=True)
    first = cluster.member_by_name("basic-pd-c")
    assert first is not None
    apply(cluster, pd_pod_on("basic-pd-c", "uid-c"), present=False)
    apply(cluster, pd_pod_on("basic-pd-c", "uid-new"), present=True)
    assert not first.healthy and "member-rejected" in [e.kind for e in cluster.events]
    cluster.clock.advance(10)  # type: ignore[attr-defined]
    cluster.remove_member_by_id(first.member_id)
    apply(cluster, pd_pod_on("basic-pd-c", "uid-new"), present=True)
    again = cluster.member_by_name("basic-pd-c")
    assert again is not None and again.healthy and again.member_id != first.member_id


def test_view_names_the_data_claim_of_a_pod() -> None:
    from kubernetes_asyncio.client import (
        V1Container,
        V1ObjectMeta,
        V1PersistentVolumeClaimVolumeSource,
        V1Pod,
        V1PodSpec,
        V1PodStatus,
        V1Volume,
    )

    v1pod = V1Pod(
        metadata=V1ObjectMeta(name="basic-pd-a", namespace="ns", labels={}),
        spec=V1PodSpec(
            containers=[V1Container(name="pd", image="pingcap/pd:v8.5.1")],
            volumes=[
                V1Volume(name="config"),
                V1Volume(
                    name="data",
                    persistent_volume_claim=V1PersistentVolumeClaimVolumeSource(
                        claim_name="data-basic-pd-a"
                    ),
                ),
            ],
        ),
        status=V1PodStatus(phase="Running"),
    )
    seen = view(v1pod)
    assert (seen.claim, seen.data, seen.version, seen.running) == (
        "data-basic-pd-a",
        "",
        "v8.5.1",
        True,
    )


def v2_pod(name: str, component: str, instance: str) -> PodView:
    labels = {
        "pingcap.com/managed-by": "tidb-operator",
        "pingcap.com/component": component,
        "pingcap.com/cluster": "basic",
        "pingcap.com/group": component,
        "pingcap.com/instance": instance,
    }
    return PodView(name, "ns", labels, True, subdomain=f"{component}-{component}-peer")


def test_v2_pd_member_is_named_after_its_pd_object_not_its_pod() -> None:
    spec = TIDB_OPERATOR_V2.role_of(v2_pod("pd-pd-x1y2z", "pd", "pd-x1y2z"))
    assert spec == PDMemberSpec(
        "pd-x1y2z",
        ["http://pd-pd-x1y2z.pd-pd-peer.ns:2380"],
        ["http://pd-pd-x1y2z.pd-pd-peer.ns:2379"],
    )


def test_v2_store_is_at_the_address_v2_writes_into_tikv_config() -> None:
    spec = TIDB_OPERATOR_V2.role_of(v2_pod("tikv-tikv-abc12", "tikv", "tikv-abc12"))
    assert spec == TiKVStoreSpec(
        "tikv-tikv-abc12.tikv-tikv-peer.ns:20160", "tikv-tikv-abc12.tikv-tikv-peer.ns:20180"
    )


def test_v2_selector_reads_only_v2_pods_of_the_cluster() -> None:
    selector = TIDB_OPERATOR_V2.selector("basic")
    assert selector.startswith("pingcap.com/managed-by=tidb-operator,")
    assert selector.endswith(",pingcap.com/cluster=basic")
    assert TIDB_OPERATOR_V2.role_of(pod("basic-pd-abc", "pd")) is None


def test_v2_pods_join_under_v2_names() -> None:
    cluster = PDCluster(ManualClock())
    apply(cluster, v2_pod("pd-pd-x1y2z", "pd", "pd-x1y2z"), True, TIDB_OPERATOR_V2)
    apply(cluster, v2_pod("tikv-tikv-abc12", "tikv", "tikv-abc12"), True, TIDB_OPERATOR_V2)
    assert cluster.leader is not None and cluster.leader.name == "pd-x1y2z"
    assert [s.address for s in cluster.stores.values()] == [
        "tikv-tikv-abc12.tikv-tikv-peer.ns:20160"
    ]
