from __future__ import annotations

from typing import Any

import pytest

from apis import PD, Cluster, ClusterSpec, PDGroup, TiKV, TiKVGroup
from apis.meta import Resource
from tests.unit.apis import samples


def test_cluster_defaults_are_safe() -> None:
    spec = Cluster.model_validate(samples.cluster()).spec
    assert not spec.paused
    assert not spec.suspend_action.suspend_compute
    assert not spec.tls_cluster.enabled
    assert not spec.delete_protection
    assert spec.upgrade_policy == "Default"
    assert spec.revision_history_limit == 10


def test_pvc_retention_defaults_to_retain() -> None:
    document = samples.cluster()
    del document["spec"]
    assert Cluster.model_validate(document).spec.pvc_retention_policy == "Retain"


def test_pd_group_defaults() -> None:
    spec = PDGroup.model_validate(samples.pd_group()).spec
    assert spec.template.spec.image == "pingcap/pd"
    assert spec.template.spec.update_strategy.config == "Restart"
    assert spec.template.spec.config == ""
    assert spec.min_ready_seconds == 0
    assert not spec.failover.enabled
    assert spec.failover.unhealthy_timeout == "5m"


def test_tikv_group_defaults() -> None:
    spec = TiKVGroup.model_validate(samples.tikv_group()).spec
    assert spec.template.spec.image == "pingcap/tikv"
    assert spec.template.spec.evict_leader_timeout == "5m"
    assert spec.failover.enabled
    assert spec.failover.store_down_timeout == "30m"
    assert spec.failover.max_failover_count == 3
    assert not spec.failover.recover_automatically


def test_instance_defaults() -> None:
    pd = PD.model_validate(samples.pd())
    tikv = TiKV.model_validate(samples.tikv())
    assert pd.spec.topology == {}
    assert not tikv.spec.offline
    assert pd.status.conditions == [] and tikv.status.id is None


def test_python_names_are_snake_case_and_wire_names_camel_case() -> None:
    group = TiKVGroup.model_validate(samples.tikv_group())
    group.spec.min_ready_seconds = 30
    assert group.model_dump(exclude_unset=True)["spec"]["minReadySeconds"] == 30


def test_models_are_built_from_python_names() -> None:
    spec = ClusterSpec(pvc_retention_policy="Delete", delete_protection=True)
    assert spec.to_dict() == {"pvcRetentionPolicy": "Delete", "deleteProtection": True}


def test_to_dict_always_carries_api_version_and_kind() -> None:
    assert Cluster().to_dict() == {"apiVersion": "core.tikv.org/v1alpha1", "kind": "Cluster"}


def test_unknown_fields_are_tolerated() -> None:
    document = samples.tikv()
    document["metadata"]["managedFields"] = [{"manager": "kubectl"}]
    document["spec"]["fromTheFuture"] = True
    assert TiKV.model_validate(document).metadata.name == "basic-tikv-abc123"


def _full_tikv_group() -> dict[str, Any]:
    document = samples.tikv_group()
    document["metadata"].update(
        {
            "uid": "0b1c",
            "generation": 4,
            "resourceVersion": "812",
            "creationTimestamp": "2025-01-02T03:04:05Z",
            "labels": {"team": "storage"},
            "finalizers": ["core.tikv.org/finalizer"],
        }
    )
    template = document["spec"]["template"]
    template["metadata"] = {"annotations": {"note": "x"}}
    template["spec"].update(
        {
            "resources": {"cpu": 4, "memory": "16Gi"},
            "config": '[raftstore]\ncapacity = "90GB"\n',
            "updateStrategy": {"config": "HotReload"},
            "overlay": {
                "pod": {
                    "spec": {
                        "nodeSelector": {"disk": "ssd"},
                        "tolerations": [{"key": "dedicated", "operator": "Exists"}],
                    }
                },
                "volumeClaims": [{"name": "data", "spec": {"volumeMode": "Filesystem"}}],
            },
            "server": {"labels": {"rack": "r1"}},
        }
    )
    document["spec"]["schedulePolicies"] = [
        {
            "type": "EvenlySpread",
            "evenlySpread": {"topologies": [{"topology": {"zone": "a"}, "weight": 2}]},
        }
    ]
    document["status"] = {
        "observedGeneration": 4,
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "observedGeneration": 4,
                "lastTransitionTime": "2025-01-02T03:05:00Z",
                "reason": "AllReady",
                "message": "3 of 3 instances are ready",
            }
        ],
        "replicas": 3,
        "readyReplicas": 3,
        "selector": "tikv.org/group=basic",
        "failover": [
            {
                "instance": "basic-tikv-aaaaaa",
                "id": "18446744073709551615",
                "reason": "StoreDown",
                "time": "2025-01-02T04:00:00Z",
                "step": "ReplacementCreated",
            }
        ],
    }
    return document


@pytest.mark.parametrize(
    ("model", "document"),
    [
        (Cluster, samples.cluster()),
        (PDGroup, samples.pd_group()),
        (PD, samples.pd()),
        (TiKVGroup, _full_tikv_group()),
        (TiKV, samples.tikv()),
    ],
    ids=["Cluster", "PDGroup", "PD", "TiKVGroup", "TiKV"],
)
def test_dict_to_model_to_dict_is_identity(model: type[Resource], document: dict[str, Any]) -> None:
    assert model.model_validate(document).to_dict() == document


def test_tikv_status_round_trips() -> None:
    document = samples.tikv()
    document["status"] = {
        "id": "5",
        "state": "Serving",
        "stateName": "Up",
        "leaderCount": 10,
        "regionCount": 30,
        "lastHeartbeatTime": "2025-01-02T03:04:05.123456Z",
        "currentRevision": "basic-tikv-7d9f",
        "updateRevision": "basic-tikv-7d9f",
    }
    assert TiKV.model_validate(document).to_dict() == document


def test_longest_tikv_group_name_that_fits_is_accepted() -> None:
    document = samples.tikv_group()
    document["metadata"]["name"] = "g" * (50 - len("data"))
    assert TiKVGroup.model_validate(document).metadata.name == "g" * 46


def test_longest_instance_name_that_fits_is_accepted() -> None:
    document = samples.pd()
    document["metadata"]["name"] = "i" * (62 - len("data"))
    assert PD.model_validate(document).metadata.name == "i" * 58
