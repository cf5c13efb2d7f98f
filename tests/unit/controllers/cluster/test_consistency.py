"""The consistency check (DESIGN §9): PD's members and stores against the instances."""

from __future__ import annotations

from apis.names import tikv_address
from controllers.cluster.brake import Instances
from controllers.cluster.consistency import InstanceIds, find_differences, tombstones
from controllers.cluster.pdinfo import PDInfo, StoreFacts

NS = "ns"
PEER = "basic-tikv-peer"
A, B = tikv_address("kv-a", PEER, NS), tikv_address("kv-b", PEER, NS)
INSTANCES = Instances(NS, {"pd-a"}, {A: "kv-a", B: "kv-b"}, {PEER})


def info(
    stores: tuple[StoreFacts, ...],
    members: tuple[str, ...] = ("pd-a",),
    evicting: frozenset[int] = frozenset(),
) -> PDInfo:
    return PDInfo(7, members, ("pd-a",), stores, 3, evicting)


def up(store_id: int, address: str) -> StoreFacts:
    return StoreFacts(store_id, address, tombstone=False, up=True)


IDS = InstanceIds({"pd-a": "100"}, {"kv-a": "1", "kv-b": "2"})


def test_matching_pd_and_instances_have_no_differences() -> None:
    assert find_differences(info((up(1, A), up(2, B))), INSTANCES, IDS) == []


def test_store_without_instance_is_reported() -> None:
    diffs = find_differences(info((up(1, A), up(2, B), up(3, "x:20160"))), INSTANCES, IDS)
    assert diffs == ["store 3 at x:20160 has no TiKV instance"]


def test_instance_whose_store_vanished_is_reported() -> None:
    diffs = find_differences(info((up(1, A),)), INSTANCES, IDS)
    assert diffs == ["TiKV instance kv-b (store 2) has no store in PD"]


def test_instance_whose_store_is_tombstone_is_not_a_difference() -> None:
    tomb = StoreFacts(2, B, tombstone=True, up=False)
    assert find_differences(info((up(1, A), tomb)), INSTANCES, IDS) == []


def test_pd_member_and_instance_mismatch_is_reported_both_ways() -> None:
    diffs = find_differences(info((up(1, A), up(2, B)), members=("pd-x",)), INSTANCES, IDS)
    assert diffs == [
        "PD member pd-x has no PD instance",
        "PD instance pd-a (member 100) is not a PD member",
    ]


def test_new_pd_instance_without_member_id_is_not_a_difference() -> None:
    ids = InstanceIds({"pd-a": "100", "pd-new": None}, IDS.tikv_stores)
    assert find_differences(info((up(1, A), up(2, B))), INSTANCES, ids) == []


def test_leftover_evict_leader_scheduler_is_reported() -> None:
    diffs = find_differences(info((up(1, A), up(2, B)), evicting=frozenset({1, 9})), INSTANCES, IDS)
    assert diffs == ["evict-leader scheduler left for store 9, which no instance owns"]


def test_tombstones_lists_removable_records() -> None:
    tomb = StoreFacts(4, "old:20160", tombstone=True, up=False)
    assert tombstones(info((up(1, A), tomb))) == [4]
