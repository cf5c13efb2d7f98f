"""Pure builders of a TiKVGroup's children: its headless peer Service and its TiKV CRs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
from controllers.common.objects import Object, child_metadata, merge_patch_to


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


INSTANCE_OWN = ("topology", "offline")
"""Spec fields of an instance that are its own, not the template's."""


def instance_update_patch(
    group: TiKVGroup,
    name: str,
    revision: str,
    current: Mapping[str, object],
    current_spec: Mapping[str, Any],
) -> Object:
    """A merge patch moving an existing instance (whose metadata is `current`, its spec
    `current_spec`) to the group's template: its spec, revision label, and the template's
    labels and annotations (a key dropped from the template leaves the instance, in the
    spec as in the metadata). Topology (immutable) and `offline` stay as they are."""
    want = {k: v for k, v in instance_spec(group, {}).items() if k not in INSTANCE_OWN}
    have = {k: v for k, v in current_spec.items() if k not in INSTANCE_OWN}
    meta = metadata_patch(current, instance_metadata(group, name, revision)) or {}
    return {"metadata": meta, "spec": merge_patch_to(have, want)}


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
