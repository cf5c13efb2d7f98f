"""Milestones, reconcile totals and the groups' readiness as the bench judges them."""

from typing import Any

from tests.bench import figures
from tests.bench.fleet import group_ready


def test_milestone_times_each_cluster_from_its_own_start() -> None:
    out = figures.milestone({"a": (10.0, 14.0), "b": (11.0, 21.0), "c": (12.0, None)}, 10.0)
    assert (out["reached"], out["clusters"], out["all"]) == (2, 3, False)
    assert (out["first_s"], out["median_s"], out["last_s"]) == (4.0, 7.0, 10.0)
    assert out["fleet_s"] == 11.0
    assert out["last_over_median"] == 1.43
    assert out["ready_fraction"] == 0.667


def test_milestone_of_nothing_reached() -> None:
    out = figures.milestone({"a": (0.0, None)}, 0.0)
    assert out["median_s"] is None and out["fleet_s"] is None and out["reached"] == 0


def test_reconcile_total_names_the_worst_p99() -> None:
    by = {
        "pd": {"count": 10, "p99_ms": 30.0},
        "tikv": {"count": 5, "p99_ms": 80.0},
        "idle": {"count": 0, "p99_ms": None},
    }
    out = figures.reconcile_total(by, 60.0)
    assert out == {
        "count": 15,
        "per_min": 15.0,
        "worst_p99_ms": 80.0,
        "worst_p99_controller": "tikv",
    }


def group(replicas: int, ready: int, status: str = "True", observed: int = 2) -> dict[str, Any]:
    return {
        "metadata": {"generation": 2},
        "spec": {"replicas": replicas},
        "status": {
            "readyReplicas": ready,
            "observedGeneration": observed,
            "conditions": [{"type": "Ready", "status": status}],
        },
    }


def test_group_is_ready_only_with_every_replica_ready() -> None:
    assert group_ready(group(3, 3))
    assert not group_ready(group(3, 2))
    assert not group_ready(group(3, 3, status="False"))


def test_a_group_not_yet_patched_or_observed_is_not_scaled() -> None:
    assert not group_ready(group(3, 3), replicas=4)
    assert not group_ready(group(4, 4, observed=1), replicas=4)
    assert group_ready(group(4, 4), replicas=4)


def test_latency_quantiles_in_all_and_by_label() -> None:
    from tests.bench import promtext

    text = "\n".join(
        f'rest_client_request_duration_seconds_bucket{{verb="{verb}",le="{le}"}} {n}'
        for verb, rows in (
            ("GET", ((0.01, 10), (0.1, 10), ("+Inf", 10))),
            ("PATCH", ((0.01, 0), (0.1, 10), ("+Inf", 10))),
        )
        for le, n in rows
    )
    snap = promtext.parse(text, ["rest_client_request_duration_seconds"])
    out = figures.latency(snap, "rest_client_request_duration_seconds", "verb")
    assert out["GET"] == {"count": 10.0, "p50_ms": 5.0, "p99_ms": 9.9}
    assert out["PATCH"]["p50_ms"] == 55.0
    assert out["all"]["count"] == 20.0 and out["all"]["p50_ms"] == 10.0
