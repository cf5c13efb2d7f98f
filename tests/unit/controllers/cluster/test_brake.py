"""The safety brake decision (DESIGN §5 rule 12), table-driven."""

from __future__ import annotations

import dataclasses

import pytest

from apis.names import tikv_address
from controllers.cluster import reasons
from controllers.cluster.brake import Claim, Instances, detect_brake, may_record_id
from controllers.cluster.pdinfo import PDInfo, StoreFacts

NS = "ns"
PEER = "basic-tikv-peer"


def addr(name: str, subdomain: str = PEER, namespace: str = NS) -> str:
    return tikv_address(name, subdomain, namespace)


def store(store_id: int, address: str, *, tombstone: bool = False) -> StoreFacts:
    return StoreFacts(id=store_id, address=address, tombstone=tombstone, up=not tombstone)


def pd(
    *,
    cluster_id: int = 7,
    members: tuple[str, ...] = ("pd-a", "pd-b", "pd-c"),
    leaders: tuple[str, ...] = ("pd-a",),
    stores: tuple[StoreFacts, ...] = (),
) -> PDInfo:
    return PDInfo(
        cluster_id=cluster_id,
        members=members,
        leaders=leaders,
        stores=stores,
        max_replicas=3,
        evict_leader_stores=frozenset(),
    )


OURS = Instances(
    namespace=NS,
    pd_names={"pd-a", "pd-b", "pd-c"},
    tikv_addresses={addr("kv-a"): "kv-a", addr("kv-b"): "kv-b"},
    tikv_subdomains={PEER},
)


@pytest.mark.parametrize(
    ("recorded", "info", "want"),
    [
        pytest.param("7", pd(), None, id="healthy-cluster"),
        pytest.param(None, pd(cluster_id=9), None, id="no-id-recorded-yet"),
        pytest.param("7", pd(cluster_id=9), reasons.BRAKE_CLUSTER_ID_MISMATCH, id="id-mismatch"),
        pytest.param(
            "7", pd(leaders=("pd-a", "pd-b")), reasons.BRAKE_MULTIPLE_LEADERS, id="two-leaders"
        ),
        pytest.param(
            "7",
            pd(members=("pd-a", "pd-b", "pd-c", "pd-x")),
            reasons.BRAKE_UNKNOWN_MEMBER,
            id="member-without-instance",
        ),
        pytest.param(
            "7",
            pd(stores=(store(1, addr("kv-a")), store(2, addr("kv-gone")))),
            reasons.BRAKE_ORPHAN_STORE,
            id="store-at-our-address-without-instance",
        ),
        pytest.param(
            "7",
            pd(stores=(store(1, addr("kv-a")), store(2, addr("kv-gone"), tombstone=True))),
            None,
            id="tombstone-at-our-address-is-fine",
        ),
        pytest.param(
            "7",
            pd(stores=(store(1, addr("kv-a")), store(2, "10.0.0.9:20160"))),
            None,
            id="store-outside-our-addresses-is-not-ours-to-judge",
        ),
        pytest.param(
            "7",
            pd(stores=(store(2, addr("kv-gone", namespace="other")),)),
            None,
            id="same-group-name-in-another-namespace",
        ),
        pytest.param(
            "7",
            pd(cluster_id=9, members=("pd-x",)),
            reasons.BRAKE_CLUSTER_ID_MISMATCH,
            id="id-mismatch-reported-first",
        ),
    ],
)
def test_detect_brake(recorded: str | None, info: PDInfo, want: str | None) -> None:
    brake = detect_brake(recorded, info, OURS)
    assert (brake.reason if brake else None) == want


def test_brake_message_names_the_objects() -> None:
    orphan = detect_brake("7", pd(stores=(store(5, addr("kv-gone")),)), OURS)
    assert orphan is not None
    assert "store 5" in orphan.message and addr("kv-gone") in orphan.message
    unknown = detect_brake("7", pd(members=("pd-a", "pd-x")), OURS)
    assert unknown is not None and "pd-x" in unknown.message
    mismatch = detect_brake("7", pd(cluster_id=9), OURS)
    assert mismatch is not None and "9" in mismatch.message and "7" in mismatch.message


@pytest.mark.parametrize(
    ("members", "want"),
    [
        pytest.param(("pd-a", "pd-b"), True, id="all-members-ours"),
        pytest.param(("pd-a", "pd-x"), False, id="a-foreign-member"),
        pytest.param((), False, id="no-member-started-yet"),
    ],
)
def test_cluster_id_is_recorded_only_when_every_member_is_ours(
    members: tuple[str, ...], want: bool
) -> None:
    assert may_record_id(pd(members=members), OURS) is want


WITH_CLAIMS = Instances(
    namespace=NS,
    pd_names={"pd-a"},
    tikv_addresses={addr("kv-a"): "kv-a"},
    tikv_subdomains={PEER},
    uids={"pd-a": "uid-pd-a", "kv-a": "uid-kv-a"},
)


@pytest.mark.parametrize(
    ("claim", "want"),
    [
        pytest.param(Claim("data-kv-a", "kv-a", "uid-kv-a"), None, id="owned-by-its-instance"),
        pytest.param(Claim("data-kv-a", "kv-a", None), None, id="released-under-retain"),
        pytest.param(Claim("data-kv-gone", "kv-gone", "uid-x"), None, id="instance-already-gone"),
        pytest.param(
            Claim("data-kv-a", "kv-a", "uid-old"),
            reasons.BRAKE_MISBOUND_PVC,
            id="owned-by-another-incarnation",
        ),
        pytest.param(
            Claim("data-kv-b", "kv-a", "uid-kv-a"),
            reasons.BRAKE_MISBOUND_PVC,
            id="named-for-another-instance",
        ),
    ],
)
def test_pvcs_bound_to_the_wrong_instance_engage_the_brake(claim: Claim, want: str | None) -> None:
    instances = dataclasses.replace(WITH_CLAIMS, claims=[claim])
    brake = detect_brake("7", pd(members=("pd-a",), stores=()), instances)
    assert (brake.reason if brake else None) == want
    if brake is not None:
        assert claim.name in brake.message
