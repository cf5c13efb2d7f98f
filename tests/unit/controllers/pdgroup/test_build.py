"""The PDGroup's Services and instance CRs."""

from typing import Any

from apis import PD, PDGroup
from apis.labels import GROUP, INSTANCE_NAME, INSTANCE_REVISION_HASH, PD_INITIAL_CLUSTER
from controllers.common.group import selector, update_revision
from controllers.pdgroup.build import (
    build_instance,
    build_services,
    new_instance_name,
    updated_instance,
)


def group(**template_spec: Any) -> PDGroup:
    return PDGroup.model_validate(
        {
            "metadata": {"name": "basic", "namespace": "ns", "uid": "g-uid", "generation": 1},
            "spec": {
                "cluster": {"name": "basic"},
                "replicas": 3,
                "template": {
                    "metadata": {"labels": {"team": "x"}},
                    "spec": {
                        "version": "v8.5.1",
                        "volumes": [{"name": "data", "storage": "20Gi"}],
                        **template_spec,
                    },
                },
            },
        }
    )


def test_instance_names_are_group_pd_and_six_lowercase_alphanumerics() -> None:
    name = new_instance_name(group())
    prefix, suffix = name[: len("basic-pd-")], name[len("basic-pd-") :]
    assert prefix == "basic-pd-"
    assert len(suffix) == 6 and suffix.isalnum() and suffix == suffix.lower()


def test_instance_is_owned_by_the_group_and_labelled() -> None:
    obj = build_instance(group(), "basic-pd-aaaaaa", "rev", {"zone": "a"})
    meta = obj["metadata"]
    assert meta["ownerReferences"][0]["kind"] == "PDGroup"
    assert meta["ownerReferences"][0]["controller"] is True
    assert meta["labels"][GROUP] == "basic"
    assert meta["labels"][INSTANCE_NAME] == "basic-pd-aaaaaa"
    assert meta["labels"][INSTANCE_REVISION_HASH] == "rev"
    assert meta["labels"]["team"] == "x"
    pd = PD.model_validate(obj)
    assert pd.spec.cluster.name == "basic"
    assert pd.spec.subdomain == "basic-pd-peer"
    assert pd.spec.topology == {"zone": "a"}
    assert pd.spec.version == "v8.5.1"


def test_only_initial_members_carry_the_initial_member_list() -> None:
    first = build_instance(group(), "basic-pd-a", "rev", {}, ["basic-pd-a", "basic-pd-b"])
    later = build_instance(group(), "basic-pd-c", "rev", {})
    assert first["metadata"]["annotations"][PD_INITIAL_CLUSTER] == "basic-pd-a,basic-pd-b"
    assert PD_INITIAL_CLUSTER not in later["metadata"]["annotations"]


def test_the_revision_follows_the_template() -> None:
    assert update_revision(group()) == update_revision(group())
    assert update_revision(group()) != update_revision(group(version="v8.5.2"))


def test_an_update_moves_spec_and_revision_but_keeps_topology_and_identity() -> None:
    old = build_instance(group(), "basic-pd-a", "r1", {"zone": "a"})
    old["metadata"]["resourceVersion"] = "42"
    new = updated_instance(group(version="v8.5.2"), old, "r2")
    assert new["spec"]["version"] == "v8.5.2"
    assert new["spec"]["topology"] == {"zone": "a"}
    assert new["metadata"]["labels"][INSTANCE_REVISION_HASH] == "r2"
    assert new["metadata"]["resourceVersion"] == "42"
    assert old["metadata"]["labels"][INSTANCE_REVISION_HASH] == "r1"


def test_services_client_and_headless_peer_publishing_unready_addresses() -> None:
    client, peer = build_services(group())
    assert client["metadata"]["name"] == "basic-pd"
    assert [p["port"] for p in client["spec"]["ports"]] == [2379]
    assert peer["metadata"]["name"] == "basic-pd-peer"
    assert peer["spec"]["clusterIP"] == "None"
    assert peer["spec"]["publishNotReadyAddresses"] is True
    assert sorted(p["port"] for p in peer["spec"]["ports"]) == [2379, 2380]
    assert client["spec"]["selector"][GROUP] == "basic"
    assert client["metadata"]["ownerReferences"][0]["uid"] == "g-uid"


def test_selector_selects_the_groups_instances() -> None:
    assert f"{GROUP}=basic" in selector(group()).split(",")
