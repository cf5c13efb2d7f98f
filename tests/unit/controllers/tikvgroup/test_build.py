"""The TiKVGroup's peer Service and TiKV CRs."""

from __future__ import annotations

from typing import Any

from apis import TiKV, TiKVGroup
from apis.labels import APPLIED_LABELS, GROUP, INSTANCE_NAME, INSTANCE_REVISION_HASH
from controllers.common.group import selector, update_revision
from controllers.tikvgroup.build import (
    build_instance,
    build_peer_service,
    instance_update_patch,
    new_instance_name,
)


def group(
    version: str = "v8.5.1", replicas: int = 3, metadata: dict[str, Any] | None = None
) -> TiKVGroup:
    return TiKVGroup.model_validate(
        {
            "metadata": {"name": "basic", "namespace": "ns", "uid": "g-uid", "generation": 1},
            "spec": {
                "cluster": {"name": "basic"},
                "replicas": replicas,
                "template": {
                    "metadata": metadata or {},
                    "spec": {
                        "version": version,
                        "volumes": [
                            {"name": "data", "mounts": [{"type": "data"}], "storage": "10Gi"}
                        ],
                    },
                },
            },
        }
    )


def test_peer_service_is_headless_and_publishes_unready_pods() -> None:
    svc = build_peer_service(group())
    assert svc["metadata"]["name"] == "basic-tikv-peer"
    assert svc["spec"]["clusterIP"] == "None"
    assert svc["spec"]["publishNotReadyAddresses"] is True
    assert [p["port"] for p in svc["spec"]["ports"]] == [20160, 20180]
    assert svc["spec"]["selector"][GROUP] == "basic"
    assert svc["metadata"]["ownerReferences"][0]["uid"] == "g-uid"


def test_instance_names_have_a_six_character_lowercase_suffix() -> None:
    name = new_instance_name(group(), set())
    prefix, suffix = name.rsplit("-", 1)
    assert prefix == "basic-tikv"
    assert len(suffix) == 6 and suffix == suffix.lower() and suffix.isalnum()


def test_instance_is_a_valid_tikv_owned_by_the_group() -> None:
    obj = build_instance(group(), "basic-tikv-abcdef", "rev1", {"zone": "z1"})
    tikv = TiKV.model_validate(obj)
    assert tikv.spec.cluster.name == "basic"
    assert tikv.spec.subdomain == "basic-tikv-peer"
    assert tikv.spec.topology == {"zone": "z1"}
    assert tikv.spec.version == "v8.5.1"
    assert tikv.metadata.labels[INSTANCE_NAME] == "basic-tikv-abcdef"
    assert tikv.metadata.labels[INSTANCE_REVISION_HASH] == "rev1"
    (owner,) = tikv.metadata.owner_references
    assert (owner.kind, owner.uid, owner.controller) == ("TiKVGroup", "g-uid", True)


def test_update_patch_never_touches_topology_or_offline() -> None:
    instance = build_instance(group(), "basic-tikv-abcdef", "rev1", {"zone": "z1"})
    instance["spec"]["offline"] = True
    new = group(version="v8.5.2")
    patch = instance_update_patch(
        new, "basic-tikv-abcdef", "rev2", instance["metadata"], instance["spec"]
    )
    assert "topology" not in patch["spec"] and "offline" not in patch["spec"]
    assert patch["spec"] == {"version": "v8.5.2"}
    assert patch["metadata"]["labels"] == {INSTANCE_REVISION_HASH: "rev2"}


def test_instances_carry_the_template_metadata_and_record_its_keys() -> None:
    meta = {"labels": {"team": "db"}, "annotations": {"note": "x"}}
    obj = build_instance(group(metadata=meta), "basic-tikv-abcdef", "rev1", {})
    assert obj["metadata"]["labels"]["team"] == "db"
    assert obj["metadata"]["annotations"]["note"] == "x"
    assert obj["metadata"]["annotations"][APPLIED_LABELS] == "team"


def test_update_patch_removes_template_labels_that_were_dropped_and_keeps_others() -> None:
    old = group(metadata={"labels": {"team": "db", "tier": "1"}})
    instance = build_instance(old, "basic-tikv-abcdef", "rev1", {})
    current = instance["metadata"]
    current["labels"]["added-by-someone"] = "y"
    new = group(metadata={"labels": {"team": "storage"}})
    patch = instance_update_patch(new, "basic-tikv-abcdef", "rev2", current, instance["spec"])
    assert patch["metadata"]["labels"] == {
        "team": "storage",
        "tier": None,
        INSTANCE_REVISION_HASH: "rev2",
    }
    assert patch["metadata"]["annotations"] == {APPLIED_LABELS: "team"}


def test_revision_changes_with_the_template_but_not_with_replicas() -> None:
    assert update_revision(group()) == update_revision(group(replicas=5))
    assert update_revision(group()) != update_revision(group(version="v8.5.2"))


def test_selector_selects_the_groups_instances() -> None:
    assert f"{GROUP}=basic" in selector(group()).split(",")


def test_update_patch_removes_a_field_the_template_dropped() -> None:
    instance = build_instance(group(), "basic-tikv-abcdef", "rev1", {})
    instance["spec"]["overlay"] = {"pod": {"spec": {"nodeSelectr": {"disk": "ssd"}}}}
    patch = instance_update_patch(
        group(), "basic-tikv-abcdef", "rev2", instance["metadata"], instance["spec"]
    )
    assert patch["spec"]["overlay"]["pod"]["spec"] == {"nodeSelectr": None}
