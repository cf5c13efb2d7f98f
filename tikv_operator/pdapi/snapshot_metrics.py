"""How fresh each cluster's view of PD is, computed from the poller registry at every scrape:
a cluster whose poller stops (the Cluster was deleted) loses its series with it.

- `tikv_operator_pd_up`: 1 when the latest poll of PD succeeded, 0 when it failed (or none
  finished yet), like Prometheus's own `up`.
- `tikv_operator_pd_snapshot_age_seconds`: seconds since the latest successful poll, the
  age of the data the controllers decide on; no series before the first success.
- `tikv_operator_pd_snapshot_max_age_seconds`: the age beyond which the controllers take no
  PD-dependent action (`STALE_AFTER_POLLS` poll intervals); a stale-snapshot alert compares
  the two.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from tikv_operator.pdapi.poller import Pollers

LABELS = ["namespace", "cluster"]


def cluster_labels(key: str) -> list[str]:
    """`namespace/name` → [namespace, name]."""
    namespace, _, name = key.partition("/")
    return [namespace, name] if name else ["", namespace]


class PDSnapshotFreshness(Collector):
    def __init__(self, pollers: Pollers, clock: Callable[[], float] = time.time) -> None:
        self._pollers = pollers
        self._clock = clock

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return list(self._families())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up, age, max_age = self._families()
        now = self._clock()
        for key, poller in self._pollers.items():
            where = cluster_labels(key)
            snapshot = poller.snapshot
            up.add_metric(where, float(snapshot is not None and snapshot.ok))
            if poller.last_success is not None:
                age.add_metric(where, max(0.0, now - poller.last_success))
            max_age.add_metric(where, poller.max_age)
        yield up
        yield age
        yield max_age

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "tikv_operator_pd_up",
                "1 when the operator's latest poll of the cluster's PD succeeded, else 0",
                labels=LABELS,
            ),
            GaugeMetricFamily(
                "tikv_operator_pd_snapshot_age_seconds",
                "Seconds since the operator's latest successful poll of the cluster's PD",
                labels=LABELS,
            ),
            GaugeMetricFamily(
                "tikv_operator_pd_snapshot_max_age_seconds",
                "Age beyond which the operator takes no PD-dependent action on the snapshot",
                labels=LABELS,
            ),
        )
