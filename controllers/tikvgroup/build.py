"""Pure builders of a TiKVGroup's children: its headless peer Service and its TiKV CRs."""

from __future__ import annotations

import secrets
import string
from typing import Any

from apis import TiKVGroup
from apis.names import SUFFIX_LENGTH, instance_name, peer_service_name
from apis.tikv import COMPONENT
from controllers.common.objects import Object, child_metadata, managed_labels
from controllers.common.revision import revision_hash

CLIENT_PORT = 20160
STATUS_PORT = 20180
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits


def random_suffix() -> str:
    return "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))


def new_instance_name(group: TiKVGroup, taken: set[str]) -> str:
    while True:
        name = instance_name(str(group.metadata.name), COMPONENT, random_suffix())
        if name not in taken:
            return name


def subdomain(group: TiKVGroup) -> str:
    return peer_service_name(str(group.metadata.name), COMPONENT)


def template_dump(group: TiKVGroup) -> dict[str, Any]:
    return group.spec.template.model_dump(mode="json", by_alias=True)


def update_revision(group: TiKVGroup) -> str:
    """Hash of what the instances are built from; a change means a rolling update."""
    return revision_hash(template_dump(group), group.status.collision_count or 0)


def group_labels(group: TiKVGroup) -> dict[str, str]:
    """Labels every instance of the group and its Pod carry: the Service's selector."""
    return managed_labels(group.spec.cluster.name, COMPONENT, group=group.metadata.name)


def selector(group: TiKVGroup) -> str:
    """The label selector of the instances, for the scale subresource."""
    return ",".join(f"{k}={v}" for k, v in sorted(group_labels(group).items()))


def instance_spec(group: TiKVGroup, topology: dict[str, str]) -> dict[str, Any]:
    return {
        **template_dump(group)["spec"],
        "cluster": {"name": group.spec.cluster.name},
        "topology": topology,
        "subdomain": subdomain(group),
    }


def instance_labels(group: TiKVGroup, name: str, revision: str) -> dict[str, str]:
    return {
        **group.spec.template.metadata.labels,
        **managed_labels(
            group.spec.cluster.name,
            COMPONENT,
            group=group.metadata.name,
            instance=name,
            revision=revision,
        ),
    }


def build_instance(group: TiKVGroup, name: str, revision: str, topology: dict[str, str]) -> Object:
    """A TiKV CR controlled by the group."""
    meta = child_metadata(group, name, instance_labels(group, name, revision))
    annotations = group.spec.template.metadata.annotations
    if annotations:
        meta["annotations"] = dict(annotations)
    return {
        "apiVersion": group.api_version,
        "kind": "TiKV",
        "metadata": meta,
        "spec": instance_spec(group, topology),
    }


def instance_update_patch(group: TiKVGroup, name: str, revision: str) -> Object:
    """A merge patch moving an existing instance to the group's template. Topology (immutable)
    and `offline` are the instance's own and stay as they are."""
    spec = {k: v for k, v in instance_spec(group, {}).items() if k != "topology"}
    return {"metadata": {"labels": instance_labels(group, name, revision)}, "spec": spec}


def build_peer_service(group: TiKVGroup) -> Object:
    """Headless, and listing Pods that are not Ready yet: TiKV must resolve its peers (and
    PD its address) while it starts."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": child_metadata(group, subdomain(group), group_labels(group)),
        "spec": {
            "clusterIP": "None",
            "publishNotReadyAddresses": True,
            "selector": group_labels(group),
            "ports": [
                {"name": "client", "port": CLIENT_PORT, "targetPort": CLIENT_PORT},
                {"name": "status", "port": STATUS_PORT, "targetPort": STATUS_PORT},
            ],
        },
    }
