from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apis import crd

CRD_DIR = Path(__file__).resolve().parents[3] / "manifests" / "crd"
CRDS = {definition["spec"]["names"]["kind"]: definition for definition in crd.all_crds()}
GROUPS = ("PDGroup", "TiKVGroup")
INSTANCES = ("PD", "TiKV")


def _schema(kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = CRDS[kind]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def _at(schema: dict[str, Any], path: str) -> dict[str, Any]:
    for name in path.split("."):
        schema = schema["properties"][name]
    return schema


def _nodes(schema: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    yield path, schema
    for name, child in schema.get("properties", {}).items():
        yield from _nodes(child, f"{path}.{name}")
    if "items" in schema:
        yield from _nodes(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _nodes(schema["additionalProperties"], f"{path}{{}}")


def _rules(schema: dict[str, Any]) -> dict[str, str]:
    return {rule["message"]: rule["rule"] for rule in schema.get("x-kubernetes-validations", [])}


def test_committed_crds_match_generation() -> None:
    expected = {crd.file_name(d): crd.to_yaml(d) for d in crd.all_crds()}
    committed = {path.name: path.read_text() for path in CRD_DIR.glob("*.yaml")}
    assert committed == expected, "manifests/crd is stale: run `make crds`"


def test_one_crd_per_kind_in_the_api_group() -> None:
    assert sorted(CRDS) == ["Cluster", "PD", "PDGroup", "TiKV", "TiKVGroup"]
    assert {d["metadata"]["name"] for d in CRDS.values()} == {
        "clusters.core.tikv.org",
        "pdgroups.core.tikv.org",
        "pds.core.tikv.org",
        "tikvgroups.core.tikv.org",
        "tikvs.core.tikv.org",
    }


@pytest.mark.parametrize("kind", sorted(CRDS))
def test_schema_is_structural(kind: str) -> None:
    for path, node in _nodes(_schema(kind)):
        assert not {"$ref", "$defs", "title", "const"} & node.keys(), path
        assert node.get("additionalProperties") is not True, path
        if "anyOf" in node:
            assert node.get("x-kubernetes-int-or-string") is True, path
            assert {"type": "null"} not in node["anyOf"], path
        else:
            assert "type" in node, path


def test_resource_quantities_are_int_or_string_checked_by_rules() -> None:
    cpu = _at(_schema("TiKVGroup"), "spec.template.spec.resources.cpu")
    assert cpu["x-kubernetes-int-or-string"] is True
    assert "isQuantity(self)" in cpu["x-kubernetes-validations"][0]["rule"]


def test_storage_is_a_bounded_string_that_never_shrinks() -> None:
    # A string, so that its rules (a unit, > 0, no shrink) fit the CEL cost budget.
    volume = _at(_schema("TiKVGroup"), "spec.template.spec.volumes")["items"]
    storage = volume["properties"]["storage"]
    assert storage["type"] == "string" and storage["maxLength"] <= 64
    (shrink,) = [r for r in storage["x-kubernetes-validations"] if "oldSelf" in r["rule"]]
    assert "quantity(self).compareTo(quantity(oldSelf)) >= 0" in shrink["rule"]


@pytest.mark.parametrize("kind", sorted(CRDS))
def test_no_spec_field_has_a_pattern_whose_error_would_quote_a_regex(kind: str) -> None:
    for path, node in _nodes(_at(_schema(kind), "spec"), ".spec"):
        assert "pattern" not in node, path


def test_free_form_overlays_keep_unknown_fields() -> None:
    pod = _at(_schema("PDGroup"), "spec.template.spec.overlay.pod.spec")
    assert pod["type"] == "object"
    assert pod["x-kubernetes-preserve-unknown-fields"] is True
    # Only the fields a rule refuses are named: CEL sees no others.
    assert sorted(pod["properties"]) == ["hostname", "subdomain"]
    assert [rule["rule"] for rule in pod["x-kubernetes-validations"]] == [
        "!has(self.hostname)",
        "!has(self.subdomain)",
    ]


@pytest.mark.parametrize("kind", sorted(CRDS))
def test_conditions_are_a_list_map_keyed_by_type(kind: str) -> None:
    conditions = _at(_schema(kind), "status.conditions")
    assert conditions["x-kubernetes-list-type"] == "map"
    assert conditions["x-kubernetes-list-map-keys"] == ["type"]
    assert "maxItems" in conditions


@pytest.mark.parametrize("kind", sorted(CRDS))
def test_every_kind_has_status_subresource_short_name_and_category(kind: str) -> None:
    spec = CRDS[kind]["spec"]
    assert spec["versions"][0]["subresources"]["status"] == {}
    assert spec["names"]["shortNames"]
    assert spec["names"]["categories"] == ["tikv-all"]
    assert spec["scope"] == "Namespaced"


def test_short_names() -> None:
    short = {kind: d["spec"]["names"]["shortNames"] for kind, d in CRDS.items()}
    assert short == {
        "Cluster": ["tc"],
        "PDGroup": ["pdg"],
        "PD": ["pd"],
        "TiKVGroup": ["kvg"],
        "TiKV": ["tikv"],
    }


@pytest.mark.parametrize("kind", GROUPS)
def test_groups_have_the_scale_subresource(kind: str) -> None:
    assert CRDS[kind]["spec"]["versions"][0]["subresources"]["scale"] == {
        "specReplicasPath": ".spec.replicas",
        "statusReplicasPath": ".status.replicas",
        "labelSelectorPath": ".status.selector",
    }


@pytest.mark.parametrize("kind", ["Cluster", *INSTANCES])
def test_only_groups_scale(kind: str) -> None:
    assert "scale" not in CRDS[kind]["spec"]["versions"][0]["subresources"]


@pytest.mark.parametrize(
    ("kind", "columns"),
    [
        ("Cluster", ["PD", "Available", "Ready", "Version", "Blocked", "Why", "Age"]),
        (
            "PDGroup",
            [
                "Desired",
                "Ready",
                "Updated",
                "Version",
                "Synced",
                "Blocked",
                "Why",
                "Current",
                "Update",
                "Age",
            ],
        ),
        (
            "TiKVGroup",
            [
                "Desired",
                "Ready",
                "Updated",
                "Version",
                "Synced",
                "Blocked",
                "Why",
                "Current",
                "Update",
                "Age",
            ],
        ),
        ("PD", ["Member", "Leader", "Ready", "Synced", "Version", "Age"]),
        ("TiKV", ["Store", "State", "Ready", "Synced", "Leaders", "Regions", "Version", "Age"]),
    ],
)
def test_printer_columns(kind: str, columns: list[str]) -> None:
    printed = CRDS[kind]["spec"]["versions"][0]["additionalPrinterColumns"]
    assert [column["name"] for column in printed] == columns


def test_replicas_cannot_be_negative() -> None:
    for kind in GROUPS:
        assert _at(_schema(kind), "spec.replicas")["minimum"] == 0


def test_version_must_be_semver_with_leading_v() -> None:
    rules = _rules(_at(_schema("TiKV"), "spec.version"))
    assert rules["must be a semantic version with a leading 'v', such as v8.5.1"].startswith(
        "self.matches(r'^v"
    )


def test_enums() -> None:
    strategy = _at(_schema("TiKVGroup"), "spec.template.spec.updateStrategy.config")
    retention = _at(_schema("Cluster"), "spec.pvcRetentionPolicy")
    assert strategy["enum"] == ["Restart", "HotReload"]
    assert retention["enum"] == ["Retain", "Delete"]


@pytest.mark.parametrize("kind", GROUPS + INSTANCES)
def test_cluster_name_is_immutable(kind: str) -> None:
    cluster = _at(_schema(kind), "spec.cluster")
    assert _rules(cluster) == {"spec.cluster.name is immutable": "self.name == oldSelf.name"}


@pytest.mark.parametrize("kind", INSTANCES)
def test_instance_topology_is_immutable(kind: str) -> None:
    topology = _at(_schema(kind), "spec.topology")
    assert _rules(topology) == {"spec.topology is immutable": "self == oldSelf"}
    # Transition rules only run when the old object has the field: defaulting it to {}
    # stops a topology from being added to an instance that had none.
    assert topology["default"] == {}
    assert "maxProperties" in topology


def test_tls_cluster_enabled_is_immutable() -> None:
    schema = _schema("Cluster")
    tls = _at(schema, "spec.tlsCluster")
    assert list(_rules(tls).values()) == ["self.enabled == oldSelf.enabled"]
    assert next(iter(_rules(tls))).startswith("spec.tlsCluster.enabled is immutable")
    # Defaults all the way down, so turning TLS on later is a transition from false too.
    assert _at(schema, "spec")["default"] == {}
    assert tls["default"] == {"enabled": False}
    assert tls["properties"]["enabled"]["default"] is False


@pytest.mark.parametrize("kind", GROUPS)
def test_groups_require_a_data_volume(kind: str) -> None:
    volumes = _at(_schema(kind), "spec.template.spec.volumes")
    rules = _rules(volumes)
    assert rules["a volume named 'data' is required"] == "self.exists(v, v.name == 'data')"
    assert volumes["x-kubernetes-list-map-keys"] == ["name"]


@pytest.mark.parametrize(
    ("kind", "config_dir", "data_dir"),
    [
        ("PDGroup", "/etc/pd", "/var/lib/pd"),
        ("PD", "/etc/pd", "/var/lib/pd"),
        ("TiKVGroup", "/etc/tikv", "/var/lib/tikv"),
        ("TiKV", "/etc/tikv", "/var/lib/tikv"),
    ],
)
def test_mount_rules_name_the_components_own_directories(
    kind: str, config_dir: str, data_dir: str
) -> None:
    path = "spec.template.spec.volumes" if kind in GROUPS else "spec.volumes"
    messages = " ".join(_rules(_at(_schema(kind), path)))
    assert config_dir in messages and data_dir in messages


def _root_rule(kind: str, message_start: str) -> dict[str, Any]:
    (rule,) = [
        rule
        for rule in _schema(kind)["x-kubernetes-validations"]
        if rule["message"].startswith(message_start)
    ]
    return rule


@pytest.mark.parametrize(("kind", "limit"), [("PDGroup", 52), ("TiKVGroup", 50)])
def test_group_names_keep_pvc_names_within_63_characters(kind: str, limit: int) -> None:
    rule = _root_rule(kind, "the group name and each volume name")
    assert rule["rule"] == (
        "self.spec.template.spec.volumes.all(v, "
        f"size(self.metadata.name) + size(v.name) <= {limit})"
    )
    # Reported on the name, not on the object as a whole ("<nil>").
    assert rule["fieldPath"] == ".metadata.name"


@pytest.mark.parametrize("kind", GROUPS)
def test_group_names_are_dns_1035_labels(kind: str) -> None:
    rule = _root_rule(kind, "the name of a group must be a DNS-1035 label")
    assert rule["rule"] == "self.metadata.name.matches(r'^[a-z]([-a-z0-9]*[a-z0-9])?$')"
    assert rule["fieldPath"] == ".metadata.name"


@pytest.mark.parametrize("kind", INSTANCES)
def test_instance_names_keep_pvc_names_within_63_characters(kind: str) -> None:
    rule = _root_rule(kind, "the instance name and each volume name")
    assert rule["rule"] == (
        "self.spec.volumes.all(v, size(self.metadata.name) + size(v.name) <= 62)"
    )
    assert rule["fieldPath"] == ".metadata.name"


@pytest.mark.parametrize("kind", sorted(CRDS))
def test_rules_on_the_root_can_point_at_the_name(kind: str) -> None:
    assert _schema(kind)["properties"]["metadata"] == {
        "type": "object",
        "properties": {"name": {"type": "string"}},
    }


@pytest.mark.parametrize("kind", GROUPS)
def test_strings_and_lists_under_cel_rules_are_bounded(kind: str) -> None:
    # The API server rejects CRDs whose rules may cost too much to evaluate
    # (tests/integration/test_crd_validation.py proves the real one accepts them).
    volumes = _at(_schema(kind), "spec.template.spec.volumes")
    mounts = volumes["items"]["properties"]["mounts"]
    assert volumes["maxItems"] <= 16 and mounts["maxItems"] <= 8
    assert "maxLength" in volumes["items"]["properties"]["name"]
    for name in ("mountPath", "subPath"):
        assert "maxLength" in mounts["items"]["properties"][name]
    assert "maxLength" in _at(_schema(kind), "spec.cluster.name")
    assert "maxLength" in _at(_schema(kind), "spec.template.spec.image")


def test_descriptions_reach_the_schema() -> None:
    volumes = _at(_schema("TiKVGroup"), "spec.template.spec.volumes")
    assert "data" in volumes["description"]
    assert "\n" not in volumes["items"]["properties"]["mounts"]["description"]
