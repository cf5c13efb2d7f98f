"""The chaos checker finds each rule broken in a made-up simulator log, and passes a clean
one: a checker that cannot fail would prove nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.rules import (
    check_rules,
    deletion_rule,
    deletions_rule,
    identity_rule,
    pd_rules,
    store_rules,
)

A, B = "kv-a:20160", "kv-b:20160"


def ev(t: float, kind: str, subject: str, detail: str = "") -> dict[str, Any]:
    return {"time": t, "kind": kind, "subject": subject, "detail": detail}


CLEAN = [
    ev(1, "scheduler-added", "evict-leader-scheduler-1"),
    ev(2, "store-stopped", A, "1 leaders=0"),
    ev(3, "store-started", A, "1 v8.5.2"),
    ev(4, "scheduler-added", "evict-leader-scheduler-2"),
    ev(5, "store-stopped", B, "2 leaders=0"),
    ev(6, "store-started", B, "2 v8.5.2"),
    ev(7, "store-offline", B, "2"),
    ev(8, "store-tombstone", B, "2"),
]


def test_a_clean_log_keeps_every_rule() -> None:
    assert check_rules(CLEAN, [B]) == []


@pytest.mark.parametrize(
    ("log", "removed", "rule"),
    [
        ([*CLEAN[:7], ev(7.5, "store-stopped", B, "2 leaders=3")], [B], "rule 1"),
        ([ev(2, "store-stopped", A, "1 leaders=4"), ev(3, "store-started", A, "1")], [], "rule 5"),
        (
            [
                ev(1, "scheduler-added", "evict-leader-scheduler-1"),
                ev(1, "scheduler-added", "evict-leader-scheduler-2"),
                ev(2, "store-stopped", A, "1 leaders=0"),
                ev(2.5, "store-stopped", B, "2 leaders=0"),
                ev(3, "store-started", A, "1"),
                ev(4, "store-started", B, "2"),
            ],
            [],
            "rule 6",
        ),
        ([*CLEAN, ev(9, "member-removed", "pd-a", "1")], [B], "rule 3"),
    ],
    ids=["gone-before-tombstone", "no-eviction", "two-down", "member-removed"],
)
def test_each_broken_rule_is_found(
    log: list[dict[str, Any]], removed: list[str], rule: str
) -> None:
    assert any(b.startswith(rule) for b in check_rules(log, removed))


def test_a_store_without_leaders_may_restart_without_an_eviction() -> None:
    log = [ev(2, "store-stopped", A, "1 leaders=0"), ev(3, "store-started", A, "1")]
    assert check_rules(log, []) == []


PD_CLEAN = [
    ev(0, "member-joined", "pd-a"),
    ev(0, "member-joined", "pd-b"),
    ev(0, "member-joined", "pd-c"),
    ev(1, "leader-changed", "pd-a"),
    ev(2, "member-joined", "pd-d"),
    ev(3, "member-unhealthy", "pd-b"),
    ev(4, "member-started", "pd-b"),
    ev(5, "leader-changed", "pd-c"),
    ev(6, "member-removed", "pd-a"),
]


def test_a_clean_pd_log_keeps_every_rule() -> None:
    assert pd_rules(PD_CLEAN) == []


@pytest.mark.parametrize(
    ("log", "rule"),
    [
        ([*PD_CLEAN[:4], ev(2, "member-removed", "pd-a")], "rule 4: pd-a removed while it led"),
        ([*PD_CLEAN[:4], ev(2, "member-unhealthy", "pd-a")], "rule 4: pd-a stopped while it led"),
        (
            [*PD_CLEAN[:4], ev(2, "member-unhealthy", "pd-b"), ev(3, "member-unhealthy", "pd-c")],
            "rule 6",
        ),
        (
            [*PD_CLEAN[:4], ev(2, "member-unhealthy", "pd-b"), ev(3, "member-joined", "pd-d")],
            "rule 13",
        ),
        (
            [*PD_CLEAN[:4], ev(2, "member-unhealthy", "pd-b"), ev(3, "member-removed", "pd-c")],
            "rule 3",
        ),
    ],
    ids=["leader-removed", "leader-stopped", "two-down", "added-while-unhealthy", "no-quorum"],
)
def test_each_broken_pd_rule_is_found(log: list[dict[str, Any]], rule: str) -> None:
    assert any(b.startswith(rule) for b in pd_rules(log)), pd_rules(log)


def test_a_member_the_test_hung_is_not_the_operators_doing() -> None:
    log = [*PD_CLEAN[:4], ev(2, "member-unhealthy", "pd-b"), ev(3, "member-removed", "pd-b")]
    log += [ev(4, "member-joined", "pd-b2")]
    assert pd_rules(log, hung=["pd-b"]) == []


def test_a_pd_write_while_pd_has_another_cluster_id_breaks_identity() -> None:
    window = [ev(1, "cluster-id", "2", "1"), ev(3, "cluster-id", "1", "1")]
    assert identity_rule([window[0], ev(2, "store-offline", "5"), window[1]]) == [
        "rule 11: store-offline 5 while PD had another cluster id"
    ]
    assert identity_rule([*window, ev(4, "store-offline", "5")]) == []


def test_deleting_a_cluster_offlines_nothing() -> None:
    assert deletion_rule([ev(1, "store-stopped", A, "1 leaders=0")]) == []
    assert deletion_rule([ev(1, "store-offline", "1")])[0].startswith("rule 1")


def test_the_api_servers_deletions_keep_pvcs_and_wait_for_tombstone() -> None:
    tombstone = [ev(1, "store-tombstone", "kv-b.basic-tikv-peer.ns:20160", "2")]
    assert deletions_rule([("tikvs", "kv-b"), ("pods", "kv-a")], tombstone, "ns", False) == []
    assert deletions_rule([("tikvs", "kv-a")], tombstone, "ns", False) == [
        "rule 1: TiKV kv-a deleted before its store was Tombstone"
    ]
    assert deletions_rule([("persistentvolumeclaims", "data-kv-b")], tombstone, "ns", True) == [
        "rule 1: PVC data-kv-b deleted under Retain"
    ]
    assert deletions_rule([("tikvs", "kv-a")], [], "ns", True) == []


def test_a_store_the_test_made_fail_is_not_the_operators_restart() -> None:
    log = [ev(2, "store-stopped", A, "1 leaders=4")]
    assert store_rules(log, [], failed=[A]) == []
    assert store_rules(log, [])[0].startswith("rule 5")
