"""What PDGroup and TiKVGroup build alike: instance names, labels, specs and revisions."""

from __future__ import annotations

import secrets
import string
from typing import Any

from apis import PDGroup, TiKVGroup, pd, tikv
from apis.names import SUFFIX_LENGTH, peer_service_name
from controllers.common.metadata import UserMetadata, stamped
from controllers.common.objects import Object, managed_labels
from controllers.common.revision import revision_hash

Group = PDGroup | TiKVGroup

_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits


def component_of(group: Group) -> str:
    return pd.COMPONENT if isinstance(group, PDGroup) else tikv.COMPONENT


def random_suffix() -> str:
    return "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))


def template_dump(group: Group) -> dict[str, Any]:
    return group.spec.template.model_dump(mode="json", by_alias=True)


def update_revision(group: Group) -> str:
    """Hash of what the instances are built from; a change means a rolling update."""
    return revision_hash(template_dump(group), group.status.collision_count or 0)


def subdomain(group: Group) -> str:
    """The headless peer Service that gives the group's Pods their DNS names."""
    return peer_service_name(str(group.metadata.name), component_of(group))


def group_labels(group: Group) -> dict[str, str]:
    """Labels every instance of the group (and its Pod) carries: the Services' selector."""
    return managed_labels(group.spec.cluster.name, component_of(group), group=group.metadata.name)


def selector(group: Group) -> str:
    """The label selector of the instances, for the scale subresource."""
    return ",".join(f"{k}={v}" for k, v in sorted(group_labels(group).items()))


def template_metadata(group: Group) -> UserMetadata:
    """The labels and annotations the template asks every instance and Pod to carry."""
    meta = group.spec.template.metadata
    return UserMetadata.of(meta.labels, meta.annotations)


def instance_labels(group: Group, name: str, revision: str) -> dict[str, str]:
    """The labels the operator sets on an instance (the template's come on top)."""
    return managed_labels(
        group.spec.cluster.name,
        component_of(group),
        group=group.metadata.name,
        instance=name,
        revision=revision,
    )


def instance_metadata(
    group: Group, name: str, revision: str, annotations: dict[str, str] | None = None
) -> Object:
    """Labels and annotations of an instance at `revision`: the operator's, `annotations`,
    and the template's, recorded as the user's (`common.metadata`)."""
    meta: Object = {"labels": instance_labels(group, name, revision)}
    if annotations:
        meta["annotations"] = dict(annotations)
    return stamped(meta, template_metadata(group))


def instance_spec(group: Group, topology: dict[str, str]) -> dict[str, Any]:
    return {
        **template_dump(group)["spec"],
        "cluster": {"name": group.spec.cluster.name},
        "topology": topology,
        "subdomain": subdomain(group),
    }
