"""The chart's arithmetic: per-minute rates from cumulative samples, across a restart."""

from tests.bench import timeline
from tests.bench.timeline import Point


def test_rates_are_per_minute_between_consecutive_samples() -> None:
    points = [Point(0, {"w": 0}), Point(30, {"w": 10}), Point(60, {"w": 10})]
    assert timeline.rates_per_minute(points, "w") == [(15.0, 20.0), (45.0, 0.0)]


def test_a_counter_that_drops_restarted_from_zero() -> None:
    points = [Point(0, {"w": 100}), Point(60, {"w": 5})]
    assert timeline.rates_per_minute(points, "w") == [(30.0, 5.0)]


def test_samples_without_the_series_are_skipped() -> None:
    points = [Point(0, {"w": 0}), Point(10, {}), Point(20, {"w": 2})]
    assert timeline.rates_per_minute(points, "w") == [(10.0, 6.0)]


def test_ready_curve_counts_up_in_time_order_and_skips_the_never_ready() -> None:
    assert timeline.ready_curve([5.0, None, 2.0]) == [(2.0, 1), (5.0, 2)]


def test_json_round_trip() -> None:
    points = [Point(1.234, {"a": 1.0, "b": 2.0})]
    assert timeline.from_json(timeline.to_json(points)) == [Point(1.23, {"a": 1.0, "b": 2.0})]
