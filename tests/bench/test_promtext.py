"""The fleet bench's arithmetic: parsing, deltas and Prometheus' histogram_quantile."""

from tests.bench import promtext

TEXT = """\
# HELP controller_runtime_reconcile_time_seconds Length of time per reconciliation
# TYPE controller_runtime_reconcile_time_seconds histogram
controller_runtime_reconcile_time_seconds_bucket{controller="tikv",le="0.01"} 10.0
controller_runtime_reconcile_time_seconds_bucket{controller="tikv",le="0.1"} 30.0
controller_runtime_reconcile_time_seconds_bucket{controller="tikv",le="+Inf"} 40.0
controller_runtime_reconcile_time_seconds_count{controller="tikv"} 40.0
controller_runtime_reconcile_time_seconds_sum{controller="tikv"} 3.5
controller_runtime_reconcile_time_seconds_created{controller="tikv"} 1.7e9
tikv_operator_pd_requests_total{api="stores",cluster="ns/basic",code="200"} 7.0
tikv_operator_pd_requests_total{api="a \\"quoted\\" api",cluster="ns/basic",code="404"} 2.0
unrelated_total 5
"""


def test_parse_keeps_only_the_families_asked_for() -> None:
    snap = promtext.parse(
        TEXT, ["controller_runtime_reconcile_time_seconds", "tikv_operator_pd_requests_total"]
    )
    assert not snap.select("unrelated_total")
    assert not snap.select("controller_runtime_reconcile_time_seconds_created")
    pd = snap.select("tikv_operator_pd_requests_total", code="404")
    assert [dict(k)["api"] for k in pd] == ['a "quoted" api']
    assert sum(snap.select("tikv_operator_pd_requests_total").values()) == 9.0


def test_deltas_and_quantiles() -> None:
    names = ["controller_runtime_reconcile_time_seconds"]
    before = promtext.parse(TEXT, names)
    after = promtext.parse(
        TEXT.replace('le="0.01"} 10.0', 'le="0.01"} 20.0')
        .replace('le="0.1"} 30.0', 'le="0.1"} 40.0')
        .replace('le="+Inf"} 40.0', 'le="+Inf"} 60.0'),
        names,
    )
    delta = after.minus(before).select("controller_runtime_reconcile_time_seconds_bucket")
    buckets = promtext.buckets_of(delta, controller="tikv")
    assert buckets == {0.01: 10.0, 0.1: 10.0, float("inf"): 20.0}
    # rank 10 of 20 falls at the top of the first bucket
    assert promtext.histogram_quantile(0.5, buckets) == 0.01
    # rank 19.8 is in +Inf: the largest finite bound
    assert promtext.histogram_quantile(0.99, buckets) == 0.1
    assert promtext.histogram_quantile(0.25, buckets) == 0.005
    assert promtext.histogram_quantile(0.5, {}) is None
