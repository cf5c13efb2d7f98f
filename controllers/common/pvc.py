"""PersistentVolumeClaims of an instance: built from its volumes, and removed with it
(created and expanded by `common.pvcsync`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from apis.common import Volume, VolumeClaimOverlay
from apis.meta import Resource
from apis.names import pvc_name
from controllers.common.objects import Object, child_metadata
from tikv_operator.kube import resources
from tikv_operator.kube.client import Client


def build_pvcs(
    instance: Resource,
    volumes: Sequence[Volume],
    overlays: Sequence[VolumeClaimOverlay],
    pvc_labels: dict[str, str],
) -> list[Object]:
    by_name = {o.name: o for o in overlays}
    out = []
    for volume in volumes:
        spec: dict[str, Any] = {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": str(volume.storage)}},
        }
        if volume.storage_class_name:
            spec["storageClassName"] = volume.storage_class_name
        overlay = by_name.get(volume.name)
        meta = child_metadata(
            instance, pvc_name(volume.name, str(instance.metadata.name)), pvc_labels
        )
        if overlay is not None:
            meta["labels"] = {**overlay.metadata.labels, **pvc_labels}
            meta["annotations"] = dict(overlay.metadata.annotations)
            spec = {**overlay.spec, **spec}
        out.append(
            {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta, "spec": spec}
        )
    return out


async def delete_pvcs(client: Client, pvcs: Sequence[Object]) -> None:
    """Delete exactly these PVCs: the uid precondition makes sure a PVC recreated under the
    same name (by a new instance) is never the one removed."""
    for pvc in pvcs:
        meta = pvc["metadata"]
        await client.delete(resources.PVC, meta["name"], meta["namespace"], uid=meta["uid"])


async def release_pvcs(client: Client, pvcs: Sequence[Object], owner_uid: str) -> None:
    """Retain: the PVCs must outlive their instance, but they name it as their controlling
    owner, so the garbage collector would delete them with it. Drop that owner reference.

    The patch carries the PVC's uid and resourceVersion, so it fails rather than touch a PVC
    recreated under the same name, or changed since it was read, meanwhile."""
    for pvc in pvcs:
        meta = pvc["metadata"]
        refs = [r for r in meta.get("ownerReferences") or () if r.get("uid") != owner_uid]
        patch = {
            "metadata": {
                "uid": meta["uid"],
                "resourceVersion": meta["resourceVersion"],
                "ownerReferences": refs or None,
            }
        }
        await client.patch(resources.PVC, meta["name"], patch, meta["namespace"])
