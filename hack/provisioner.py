"""A minimal external volume provisioner for the local control plane.

kube-controller-manager's PV binder hands claims of the default StorageClass (whose
provisioner is `PROVISIONER`) to an external provisioner by annotating them; this process
plays that part the way real CSI provisioners do: it creates a PersistentVolume pre-bound
to each such claim, and deletes the volumes it made once they are Released. Binding itself,
claim protection and the scheduler's volume checks stay with the real Kubernetes components.

Run by hack.localcluster as one more control-plane process:
    python -m hack.provisioner --kubeconfig PATH
"""

from __future__ import annotations

import argparse
import json
import ssl
import sys
import time
from pathlib import Path
from typing import Any

import httpx

PROVISIONER = "local.tikv.org/hostpath"
STORAGE_CLASS = "standard"
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
STORAGE_PROVISIONER_ANNOTATIONS = (
    "volume.kubernetes.io/storage-provisioner",
    "volume.beta.kubernetes.io/storage-provisioner",
)
POLL_INTERVAL = 0.5


def storage_class() -> dict[str, Any]:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": STORAGE_CLASS,
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        },
        "provisioner": PROVISIONER,
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "Immediate",
        "allowVolumeExpansion": True,
    }


def wants_volume(pvc: dict[str, Any]) -> bool:
    """A claim the PV binder handed to us and that has no volume yet."""
    annotations = pvc["metadata"].get("annotations") or {}
    ours = any(annotations.get(a) == PROVISIONER for a in STORAGE_PROVISIONER_ANNOTATIONS)
    spec = pvc.get("spec") or {}
    return ours and not spec.get("volumeName") and not pvc["metadata"].get("deletionTimestamp")


def volume_name(pvc: dict[str, Any]) -> str:
    # Named after the claim's uid, like CSI provisioners do: a retried create of the same
    # claim's volume conflicts instead of making a second one.
    return f"pvc-{pvc['metadata']['uid']}"


def volume_for(pvc: dict[str, Any]) -> dict[str, Any]:
    meta, spec = pvc["metadata"], pvc["spec"]
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": volume_name(pvc), "annotations": {PROVISIONED_BY: PROVISIONER}},
        "spec": {
            "capacity": {"storage": spec["resources"]["requests"]["storage"]},
            "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Delete",
            "storageClassName": spec.get("storageClassName") or STORAGE_CLASS,
            "hostPath": {"path": f"/var/lib/local-volumes/{meta['uid']}"},
            "claimRef": {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "namespace": meta["namespace"],
                "name": meta["name"],
                "uid": meta["uid"],
            },
        },
    }


def releasable(pv: dict[str, Any]) -> bool:
    """A volume we provisioned whose claim is gone (the binder marks it Released)."""
    ours = (pv["metadata"].get("annotations") or {}).get(PROVISIONED_BY) == PROVISIONER
    phase = (pv.get("status") or {}).get("phase")
    policy = pv["spec"].get("persistentVolumeReclaimPolicy")
    return ours and phase == "Released" and policy == "Delete"


class Provisioner:
    def __init__(self, api: httpx.Client) -> None:
        self.api = api

    def ensure_storage_class(self) -> None:
        r = self.api.post("/apis/storage.k8s.io/v1/storageclasses", json=storage_class())
        if r.status_code not in (201, 409):
            r.raise_for_status()

    def sync_once(self) -> None:
        for pvc in self.api.get("/api/v1/persistentvolumeclaims").json().get("items", []):
            if wants_volume(pvc):
                r = self.api.post("/api/v1/persistentvolumes", json=volume_for(pvc))
                if r.status_code not in (201, 409):
                    print(f"provisioning {volume_name(pvc)}: {r.status_code} {r.text}")
        for pv in self.api.get("/api/v1/persistentvolumes").json().get("items", []):
            if releasable(pv):
                self.api.delete(f"/api/v1/persistentvolumes/{pv['metadata']['name']}")

    def run(self) -> None:
        self.ensure_storage_class()
        while True:
            try:
                self.sync_once()
            except httpx.HTTPError as e:
                print(f"provisioner: {e}", file=sys.stderr)
            time.sleep(POLL_INTERVAL)


def client_from_kubeconfig(path: Path) -> httpx.Client:
    """Reads the kubeconfig hack.localcluster writes (one cluster, a bearer token)."""
    config = json.loads(path.read_text())
    cluster = config["clusters"][0]["cluster"]
    token = config["users"][0]["user"]["token"]
    return httpx.Client(
        base_url=cluster["server"],
        verify=ssl.create_default_context(cafile=cluster["certificate-authority"]),
        headers={"Authorization": f"Bearer {token}"},
        timeout=10.0,
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m hack.provisioner")
    parser.add_argument("--kubeconfig", type=Path, required=True)
    args = parser.parse_args()
    Provisioner(client_from_kubeconfig(args.kubeconfig)).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
