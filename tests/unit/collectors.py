"""Reading what a Prometheus collector would expose, for the metrics tests."""

from __future__ import annotations

from prometheus_client.registry import Collector


def samples(collector: Collector) -> dict[tuple[str, ...], float]:
    """(metric name, label values...) → value, for every sample the collector yields now."""
    return {
        (s.name, *s.labels.values()): s.value
        for family in collector.collect()
        for s in family.samples
    }
