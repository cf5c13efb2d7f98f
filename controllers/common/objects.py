"""Metadata of the objects the operator creates: labels, owner references, keys (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apis import labels
from apis.meta import Resource

Object = dict[str, Any]


def managed_labels(
    cluster: str,
    component: str,
    *,
    group: str | None = None,
    instance: str | None = None,
    revision: str | None = None,
) -> dict[str, str]:
    out = {
        labels.MANAGED_BY: labels.MANAGED_BY_VALUE,
        labels.NAME: labels.NAME_VALUE,
        labels.INSTANCE: cluster,
        labels.COMPONENT: component,
        labels.CLUSTER: cluster,
    }
    if group is not None:
        out[labels.GROUP] = group
    if instance is not None:
        out[labels.INSTANCE_NAME] = instance
    if revision is not None:
        out[labels.INSTANCE_REVISION_HASH] = revision
    return out


def owner_reference(owner: Resource) -> Object:
    """A controller reference to `owner`: the garbage collector deletes the child with it."""
    return {
        "apiVersion": owner.api_version,
        "kind": owner.KIND,
        "name": owner.metadata.name,
        "uid": owner.metadata.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def child_metadata(
    owner: Resource, name: str, child_labels: dict[str, str], **extra: Any
) -> Object:
    meta: Object = {
        "name": name,
        "namespace": owner.metadata.namespace,
        "labels": child_labels,
        "ownerReferences": [owner_reference(owner)],
    }
    meta.update(extra)
    return meta


def key_of(obj: Resource) -> str:
    return f"{obj.metadata.namespace}/{obj.metadata.name}"


def merge_patch_to(current: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The RFC 7386 merge patch that turns `current` into `desired`: changed values set,
    keys `desired` lacks removed (null), objects compared key by key, lists replaced whole.
    Sending `desired` alone would leave behind every key it no longer has (a removed
    overlay field, a dropped config table)."""
    patch: dict[str, Any] = {}
    for key, value in desired.items():
        old = current.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            nested = merge_patch_to(old, value)
            if nested:
                patch[key] = nested
        elif value != old:
            patch[key] = value
    for key in current.keys() - desired.keys():
        patch[key] = None
    return patch
