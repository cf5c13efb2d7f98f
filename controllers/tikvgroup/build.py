"""Pure builders of a TiKVGroup's children: its headless peer Service and its TiKV CRs."""

from __future__ import annotations

from collections.abc import Mapping

from apis import TiKVGroup
from apis.names import TIKV_PORT, TIKV_STATUS_PORT, instance_name
from apis.tikv import COMPONENT
from controllers.common.group import (
    group_labels,
    instance_metadata,
    instance_spec,
    random_suffix,
    subdomain,
)
from controllers.common.metadata import metadata_patch
from controllers.common.objects import Object, child_metadata


def new_instance_name(group: TiKVGroup, taken: set[str]) -> str:
    while True:
        name = instance_name(str(group.metadata.name), COMPONENT, random_suffix())
        if name not in taken:
            return name


def build_instance(group: TiKVGroup, name: str, revision: str, topology: dict[str, str]) -> Object:
    """A TiKV CR controlled by the group."""
    wanted = instance_metadata(group, name, revision)
    meta = child_metadata(group, name, wanted["labels"])
    if wanted.get("annotations"):
        meta["annotations"] = wanted["annotations"]
    return {
        "apiVersion": group.api_version,
        "kind": "TiKV",
        "metadata": meta,
        "spec": instance_spec(group, topology),
    }


def instance_update_patch(
    group: TiKVGroup, name: str, revision: str, current: Mapping[str, object]
) -> Object:
    """A merge patch moving an existing instance (whose metadata is `current`) to the group's
    template: its spec, revision label, and the template's labels and annotations (a key
    dropped from the template leaves the instance). Topology (immutable) and `offline` are
    the instance's own and stay as they are."""
    spec = {k: v for k, v in instance_spec(group, {}).items() if k != "topology"}
    meta = metadata_patch(current, instance_metadata(group, name, revision)) or {}
    return {"metadata": meta, "spec": spec}


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
                {"name": "client", "port": TIKV_PORT, "targetPort": TIKV_PORT},
                {"name": "status", "port": TIKV_STATUS_PORT, "targetPort": TIKV_STATUS_PORT},
            ],
        },
    }
