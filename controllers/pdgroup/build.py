"""Pure builders of a PDGroup's children: its two Services and its PD instance CRs."""

from __future__ import annotations

import secrets
import string
from typing import Any

from apis import API_VERSION, PD, PDGroup, labels
from apis.names import SUFFIX_LENGTH, client_service_name, instance_name, peer_service_name
from apis.pd import COMPONENT
from controllers.common.objects import Object, child_metadata, managed_labels
from controllers.common.revision import revision_hash
from controllers.pd.pdview import CLIENT_PORT, PEER_PORT

_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits


def random_suffix() -> str:
    return "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))


def new_instance_name(group: PDGroup) -> str:
    return instance_name(str(group.metadata.name), COMPONENT, random_suffix())


def template_dump(group: PDGroup) -> dict[str, Any]:
    return group.spec.template.model_dump(mode="json", by_alias=True)


def update_revision(group: PDGroup) -> str:
    """Hash of what the instances are built from; a change means a rolling update."""
    return revision_hash(template_dump(group), group.status.collision_count or 0)


def group_labels(group: PDGroup) -> dict[str, str]:
    """Labels every instance of the group (and its Pod) carries: the Services' selector."""
    return managed_labels(group.spec.cluster.name, COMPONENT, group=group.metadata.name)


def selector(group: PDGroup) -> str:
    """The label selector of the instances, for the scale subresource."""
    return ",".join(f"{k}={v}" for k, v in sorted(group_labels(group).items()))


def instance_spec(group: PDGroup, topology: dict[str, str]) -> dict[str, Any]:
    return {
        **template_dump(group)["spec"],
        "cluster": {"name": group.spec.cluster.name},
        "topology": topology,
        "subdomain": peer_service_name(str(group.metadata.name), COMPONENT),
    }


def build_instance(
    group: PDGroup,
    name: str,
    revision: str,
    topology: dict[str, str],
    initial_members: list[str] | None = None,
) -> Object:
    """A PD CR owned by the group. `initial_members` is set for the first members of a new
    cluster, which bootstrap it together; every later member joins."""
    template = group.spec.template.metadata
    annotations = dict(template.annotations)
    if initial_members:
        annotations[labels.PD_INITIAL_CLUSTER] = ",".join(initial_members)
    meta = child_metadata(
        group,
        name,
        {
            **template.labels,
            **managed_labels(
                group.spec.cluster.name,
                COMPONENT,
                group=group.metadata.name,
                instance=name,
                revision=revision,
            ),
        },
        annotations=annotations,
    )
    obj: Object = {
        "apiVersion": API_VERSION,
        "kind": PD.KIND,
        "metadata": meta,
        "spec": instance_spec(group, topology),
    }
    PD.model_validate(obj)  # a template the PD schema rejects fails here, not at the server
    return obj


def updated_instance(group: PDGroup, current: Object, revision: str) -> Object:
    """`current` (as read, with its resourceVersion) moved to the group's template; its
    cluster, topology and subdomain stay."""
    out = {**current, "metadata": dict(current["metadata"])}
    out["metadata"]["labels"] = {
        **(current["metadata"].get("labels") or {}),
        **group.spec.template.metadata.labels,
        labels.INSTANCE_REVISION_HASH: revision,
    }
    out["spec"] = {
        **instance_spec(group, dict(current["spec"].get("topology") or {})),
        "subdomain": current["spec"]["subdomain"],
    }
    return out


def build_services(group: PDGroup) -> list[Object]:
    name = str(group.metadata.name)
    svc_labels = group_labels(group)
    client: Object = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": child_metadata(group, client_service_name(name), svc_labels),
        "spec": {
            "type": "ClusterIP",
            "selector": svc_labels,
            "ports": [{"name": "client", "port": CLIENT_PORT, "targetPort": CLIENT_PORT}],
        },
    }
    peer: Object = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": child_metadata(group, peer_service_name(name, COMPONENT), svc_labels),
        "spec": {
            "clusterIP": "None",
            # Members must find each other by DNS before any of them is Ready: PD becomes
            # Ready only once a quorum has formed.
            "publishNotReadyAddresses": True,
            "selector": svc_labels,
            "ports": [
                {"name": "client", "port": CLIENT_PORT, "targetPort": CLIENT_PORT},
                {"name": "peer", "port": PEER_PORT, "targetPort": PEER_PORT},
            ],
        },
    }
    return [client, peer]
