"""Instance metrics: each instance's abnormal conditions and its store's PD state, from the
caches at scrape time."""

from __future__ import annotations

from controllers.common.instance_metrics import InstanceHealth
from tests.unit.collectors import samples
from tikv_operator.kube.cache import Store


def test_an_instance_is_abnormal_on_each_condition_that_is_not_true() -> None:
    tikv = {
        "metadata": {"name": "basic-tikv-a", "namespace": "ns"},
        "spec": {"cluster": {"name": "basic"}},
        "status": {
            "conditions": [
                {"type": "Ready", "status": "False"},
                {"type": "Synced", "status": "True"},
            ],
            "stateName": "Disconnected",
        },
    }
    tikvs = Store()
    tikvs.upsert(tikv)
    got = samples(InstanceHealth(Store(), tikvs))
    where = ("ns", "basic")
    assert got[("tikv_operator_instance_abnormal", *where, "tikv", "basic-tikv-a", "Ready")] == 1
    assert got[("tikv_operator_instance_abnormal", *where, "tikv", "basic-tikv-a", "Synced")] == 0
    assert got[("tikv_operator_store_state", *where, "basic-tikv-a", "Disconnected")] == 1
    assert got[("tikv_operator_store_state", *where, "basic-tikv-a", "Up")] == 0


def test_a_deleted_instance_takes_its_series_with_it() -> None:
    tikvs = Store()
    tikvs.upsert({"metadata": {"name": "a", "namespace": "ns"}, "spec": {"cluster": {"name": "b"}}})
    collector = InstanceHealth(Store(), tikvs)
    assert samples(collector)
    tikvs.delete("ns/a")
    assert samples(collector) == {}


def test_pending_destructive_actions_are_counted_per_cluster_and_action() -> None:
    def tikv(name: str, *conditions: dict[str, str], offline: bool = False) -> dict[str, object]:
        return {
            "metadata": {"name": name, "namespace": "ns"},
            "spec": {"cluster": {"name": "basic"}, "offline": offline},
            "status": {"conditions": list(conditions)},
        }

    tikvs = Store()
    tikvs.upsert(tikv("a", {"type": "Synced", "status": "False", "reason": "PodOutdated"}))
    tikvs.upsert(
        tikv("b", {"type": "LeadersEvicted", "status": "False", "reason": "EvictingLeaders"})
    )
    tikvs.upsert(tikv("c", offline=True))
    tikvs.upsert(tikv("d", {"type": "Offlined", "status": "True"}, offline=True))
    got = samples(InstanceHealth(Store(), tikvs))
    pending = "tikv_operator_pending_destructive_actions"
    assert got[(pending, "ns", "basic", "tikv", "restart")] == 1
    assert got[(pending, "ns", "basic", "tikv", "leader-eviction")] == 1
    assert got[(pending, "ns", "basic", "tikv", "store-removal")] == 1  # d is Tombstone
    assert got[(pending, "ns", "basic", "tikv", "member-removal")] == 0
