"""The chaos checker finds each rule broken in a made-up simulator log, and passes a clean
one: a checker that cannot fail would prove nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.rules import check_rules

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
