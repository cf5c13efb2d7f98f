"""Pure builders of a PDGroup's children: its two Services and its PD instance CRs."""

from __future__ import annotations

from apis import API_VERSION, PD, PDGroup, labels
from apis.names import (
    PD_CLIENT_PORT,
    PD_PEER_PORT,
    client_service_name,
    instance_name,
    peer_service_name,
)
from apis.pd import COMPONENT
from controllers.common.group import group_labels, instance_metadata, instance_spec, random_suffix
from controllers.common.metadata import synced
from controllers.common.objects import Object, child_metadata


def new_instance_name(group: PDGroup) -> str:
    return instance_name(str(group.metadata.name), COMPONENT, random_suffix())


def build_instance(
    group: PDGroup,
    name: str,
    revision: str,
    topology: dict[str, str],
    initial_members: list[str] | None = None,
) -> Object:
    """A PD CR owned by the group. `initial_members` is set for the first members of a new
    cluster, which bootstrap it together; every later member joins."""
    annotations: dict[str, str] = {}
    if initial_members:
        annotations[labels.PD_INITIAL_CLUSTER] = ",".join(initial_members)
    wanted = instance_metadata(group, name, revision, annotations)
    meta = child_metadata(
        group, name, wanted["labels"], annotations=wanted.get("annotations") or {}
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
    """`current` (as read, with its resourceVersion) moved to the group's template, its
    labels and annotations included (a key dropped from the template leaves the instance);
    its cluster, topology and subdomain stay."""
    out = {**current, "metadata": dict(current["metadata"])}
    name = str(current["metadata"]["name"])
    new_labels, new_annotations = synced(
        current["metadata"], instance_metadata(group, name, revision)
    )
    out["metadata"]["labels"] = new_labels
    out["metadata"]["annotations"] = new_annotations
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
            "ports": [{"name": "client", "port": PD_CLIENT_PORT, "targetPort": PD_CLIENT_PORT}],
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
                {"name": "client", "port": PD_CLIENT_PORT, "targetPort": PD_CLIENT_PORT},
                {"name": "peer", "port": PD_PEER_PORT, "targetPort": PD_PEER_PORT},
            ],
        },
    }
    return [client, peer]
