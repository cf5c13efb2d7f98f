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
