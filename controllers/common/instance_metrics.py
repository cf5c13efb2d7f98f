"""`tikv_operator_instance_abnormal` and `tikv_operator_store_state`, computed from the
instance caches at every scrape, as kube-state-metrics does: the series always say what the
instances' status says now, and a deleted instance's series go with it (no gauge to reset)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from apis import conditions as cond
from controllers.common.conditions import condition_of
from tikv_operator.kube.cache import Reader
from tikv_operator.kube.resources import Object

WATCHED_CONDITIONS = (cond.READY, cond.SYNCED)
"""An instance is abnormal on one of these when it is not True."""
STORE_STATES = ("Up", "Disconnected", "Down", "Offline", "Tombstone")


def cluster_of(obj: Object) -> str:
    """The Cluster a group or instance belongs to (`spec.cluster.name`)."""
    return str(((obj.get("spec") or {}).get("cluster") or {}).get("name"))


PENDING_ACTIONS = ("restart", "leader-eviction", "store-removal", "member-removal")


def pending_actions(obj: Object, component: str) -> list[str]:
    """The destructive steps decided for an instance and not finished yet."""
    actions = []
    synced = condition_of(obj, cond.SYNCED) or {}
    if synced.get("status") == "False" and synced.get("reason") == cond.POD_OUTDATED:
        actions.append("restart")
    deleting = bool(obj["metadata"].get("deletionTimestamp"))
    if component == "tikv":
        evicted = condition_of(obj, cond.LEADERS_EVICTED) or {}
        if evicted.get("status") == "True" or evicted.get("reason") == cond.EVICTING_LEADERS:
            actions.append("leader-eviction")
        offlined = (condition_of(obj, cond.OFFLINED) or {}).get("status") == "True"
        if ((obj.get("spec") or {}).get("offline") or deleting) and not offlined:
            actions.append("store-removal")
    elif deleting:
        actions.append("member-removal")
    return actions


class InstanceHealth(Collector):
    def __init__(self, pds: Reader, tikvs: Reader) -> None:
        self._instances = {"pd": pds, "tikv": tikvs}

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return list(self._families())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        abnormal, states, pending = self._families()
        counts: dict[tuple[str, str, str], dict[str, int]] = {}
        for component, cache in self._instances.items():
            for obj in cache.objects():
                meta, status = obj["metadata"], obj.get("status") or {}
                where = [str(meta.get("namespace")), cluster_of(obj)]
                name = str(meta["name"])
                key = (where[0], where[1], component)
                per = counts.setdefault(key, dict.fromkeys(PENDING_ACTIONS, 0))
                for action in pending_actions(obj, component):
                    per[action] += 1
                for type_ in WATCHED_CONDITIONS:
                    bad = (condition_of(obj, type_) or {}).get("status") != "True"
                    abnormal.add_metric([*where, component, name, type_], float(bad))
                state = status.get("stateName")
                if component == "tikv" and state:
                    for s in STORE_STATES:
                        states.add_metric([*where, name, s], float(s == state))
        for (namespace, cluster, component), per in counts.items():
            for action, count in per.items():
                pending.add_metric([namespace, cluster, component, action], float(count))
        yield abnormal
        yield states
        yield pending

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "tikv_operator_instance_abnormal",
                "1 when an instance's condition is not True (Ready, Synced)",
                labels=["namespace", "cluster", "component", "instance", "condition"],
            ),
            GaugeMetricFamily(
                "tikv_operator_store_state",
                "1 for the PD state each managed TiKV store is in, 0 for the others",
                labels=["namespace", "cluster", "instance", "state"],
            ),
            GaugeMetricFamily(
                "tikv_operator_pending_destructive_actions",
                "Instances with a destructive step decided and not finished: restart (Pod to "
                "be recreated), leader-eviction, store-removal (offline until Tombstone), "
                "member-removal (PD instance being deleted)",
                labels=["namespace", "cluster", "component", "action"],
            ),
        )
