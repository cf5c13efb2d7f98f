"""Issue 14's bars, judged on a run's figures."""

from typing import Any

from tests.bench import targets


def run(clusters: int = 20, **over: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "config": {"clusters": clusters, "pd_poll_interval": "30s"},
        "ready": {
            "reached": clusters,
            "clusters": clusters,
            "fleet_s": 100.0,
            "median_s": 50.0,
            "last_s": 70.0,
        },
        "steady": {
            "seconds": 60.0,
            "api": {"writes": {"per_min": 0.0}, "reads": {"per_min": 0.0}},
            "pd_sim": {
                "per_cluster_per_min": 12.0,
                "by_api_per_cluster_per_min": {f"api{i}": {} for i in range(6)},
            },
            "reconcile_total": {"count": 0, "worst_p99_ms": None},
        },
        "convergence": {"reconcile_total": {"worst_p99_ms": 200.0}},
        "operator": {"peak_rss_mb": 250.0, "metrics_scrape_ms": 20.0},
    }
    for path, value in over.items():
        node = result
        *parents, leaf = path.split("__")
        for p in parents:
            node = node[p]
        node[leaf] = value
    return result


def test_durations() -> None:
    assert targets.duration_s("30s") == 30.0
    assert targets.duration_s("1m") == 60.0
    assert targets.duration_s("500ms") == 0.5
    assert targets.duration_s(None) == targets.DEFAULT_POLL_S


def test_the_snapshot_budget_is_its_apis_once_per_interval() -> None:
    # 60 s at a 30 s interval: polls at 0, 30 and 60 s at most.
    assert targets.snapshot_budget(run()) == (6, 18.0)


def test_a_quiet_twenty_cluster_run_meets_every_bar() -> None:
    verdicts = targets.judge(run())
    assert len(verdicts) == 4 and all(v.met for v in verdicts)


def test_a_write_in_the_steady_window_misses() -> None:
    verdicts = {
        v.target: v.met
        for v in targets.judge(
            run(steady__api={"writes": {"per_min": 0.5}, "reads": {"per_min": 0.0}})
        )
    }
    assert verdicts["0 API writes/min in the steady window"] is False


def test_more_pd_requests_than_a_snapshot_per_interval_misses() -> None:
    result = run()
    result["steady"]["pd_sim"]["per_cluster_per_min"] = 18.5
    assert not targets.judge(result)[3].met


def test_hundred_cluster_bars_apply_at_a_hundred() -> None:
    verdicts = {v.target: v.met for v in targets.judge(run(100, ready__last_s=80.0))}
    assert verdicts["last cluster <= 1.5 x median"] is False
    assert verdicts["p99 reconcile < 50 ms steady"] is True  # none at all
    assert verdicts["all Ready within 120 s"] is True


def test_compare_counts_both_at_zero_as_fewer_writes() -> None:
    ours, theirs = run(), run()
    theirs["ready"]["fleet_s"] = 90.0
    verdicts = {v.target: v.met for v in targets.judge_compare(ours, theirs)}
    assert verdicts["time to Ready (whole fleet) no slower than v2"] is False
    assert verdicts["fewer API writes/min in steady state"] is True
    assert verdicts["fewer PD requests/cluster/min in steady state"] is False
    assert verdicts["scale 3 -> 4 (whole fleet) no slower than v2"] is None
