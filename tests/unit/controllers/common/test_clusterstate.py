from __future__ import annotations

from datetime import UTC, datetime

from apis import Cluster
from controllers.common.clusterstate import is_compute_suspended, is_deleting, is_paused


def test_paused_and_suspended_follow_the_spec() -> None:
    plain = Cluster.model_validate({"metadata": {"name": "c"}})
    assert not is_paused(plain) and not is_compute_suspended(plain)
    set_ = Cluster.model_validate(
        {
            "metadata": {"name": "c"},
            "spec": {"paused": True, "suspendAction": {"suspendCompute": True}},
        }
    )
    assert is_paused(set_) and is_compute_suspended(set_)


def test_a_missing_or_deleted_cluster_counts_as_deleting() -> None:
    assert is_deleting(None)
    alive = Cluster.model_validate({"metadata": {"name": "c"}})
    assert not is_deleting(alive)
    gone = Cluster.model_validate(
        {"metadata": {"name": "c", "deletionTimestamp": datetime(2025, 1, 1, tzinfo=UTC)}}
    )
    assert is_deleting(gone)
