"""A Pod's volumes as directories of this machine.

- configMap: its keys written as files (the ConfigMap's bytes, unmodified) into a directory
  of the Pod, refreshed as the ConfigMap changes, as the kubelet does;
- persistentVolumeClaim: the bound PersistentVolume's hostPath, taken relative to the
  kubelet's host root (`<workdir>/host`) instead of `/`: hack.provisioner names paths under
  /var/lib/local-volumes, which must not be created on the real host. The same claim gives
  the same directory, so data survives the Pod being recreated;
- emptyDir: a directory of the Pod, gone with it; hostPath: under the host root too.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hack.procnode.kubeapi import Api

Object = dict[str, Any]


class VolumeNotReady(Exception):
    """The volume cannot be set up yet (a claim not bound, a ConfigMap missing)."""


@dataclass(frozen=True)
class Mount:
    source: Path
    target: str
    read_only: bool


def write_files(directory: Path, files: dict[str, str]) -> bool:
    """Makes `directory` hold exactly `files`; True if anything changed. Each file is
    replaced by a rename, so a reader never sees half of it."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = False
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.read_text() == text:
            continue
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
        changed = True
    for path in directory.rglob("*"):
        if path.is_file() and str(path.relative_to(directory)) not in files:
            path.unlink()
            changed = True
    return changed


def configmap_files(volume: Object, configmap: Object) -> dict[str, str]:
    data: dict[str, str] = configmap.get("data") or {}
    items = volume.get("items")
    if not items:
        return dict(data)
    return {item["path"]: data[item["key"]] for item in items if item["key"] in data}


class Volumes:
    def __init__(self, api: Api, pod: Object, pod_dir: Path, host_root: Path) -> None:
        self.api = api
        self.namespace = pod["metadata"]["namespace"]
        self.volumes: list[Object] = (pod.get("spec") or {}).get("volumes") or []
        self.pod_dir = pod_dir
        self.host_root = host_root
        self.dirs: dict[str, Path] = {}

    def _host_path(self, path: str) -> Path:
        return self.host_root / path.lstrip("/")

    async def _claim_dir(self, claim: str) -> Path:
        pvc = await self.api.get(
            f"/api/v1/namespaces/{self.namespace}/persistentvolumeclaims/{claim}"
        )
        if pvc is None or (pvc.get("status") or {}).get("phase") != "Bound":
            raise VolumeNotReady(f"persistentvolumeclaim {claim} is not bound")
        pv = await self.api.get(f"/api/v1/persistentvolumes/{pvc['spec']['volumeName']}")
        host_path = ((pv or {}).get("spec") or {}).get("hostPath")
        if not host_path:
            raise VolumeNotReady(f"the volume of claim {claim} has no hostPath")
        return self._host_path(str(host_path["path"]))

    async def _configmap(self, volume: Object) -> Path:
        source = volume["configMap"]
        cm = await self.api.get(f"/api/v1/namespaces/{self.namespace}/configmaps/{source['name']}")
        if cm is None and not source.get("optional"):
            raise VolumeNotReady(f'configmap "{source["name"]}" not found')
        directory: Path = self.pod_dir / "configmaps" / str(volume["name"])
        write_files(directory, configmap_files(source, cm or {}))
        return directory

    async def set_up(self) -> None:
        """Every volume's directory; raises VolumeNotReady (or ValueError for a kind of
        volume the process nodes do not have)."""
        for volume in self.volumes:
            name = volume["name"]
            if "configMap" in volume:
                self.dirs[name] = await self._configmap(volume)
            elif "persistentVolumeClaim" in volume:
                claim = volume["persistentVolumeClaim"]["claimName"]
                self.dirs[name] = await self._claim_dir(claim)
            elif "emptyDir" in volume:
                self.dirs[name] = self.pod_dir / "empty" / name
            elif "hostPath" in volume:
                self.dirs[name] = self._host_path(volume["hostPath"]["path"])
            else:
                raise ValueError(f"volume {name}: only configMap, persistentVolumeClaim, "
                                 "emptyDir and hostPath volumes run on process nodes")  # fmt: skip
            self.dirs[name].mkdir(parents=True, exist_ok=True)

    async def refresh_configmaps(self) -> None:
        """Brings the ConfigMap files up to date (a kubelet does so within a minute)."""
        for volume in self.volumes:
            if "configMap" in volume:
                # Deleted while the Pod runs: the kubelet keeps the last files.
                with contextlib.suppress(VolumeNotReady):
                    await self._configmap(volume)

    def mounts(self, container: Object) -> list[Mount]:
        out = []
        for m in container.get("volumeMounts") or ():
            source = self.dirs[m["name"]]
            if m.get("subPath"):
                source = source / m["subPath"]
                source.mkdir(parents=True, exist_ok=True)
            out.append(Mount(source, m["mountPath"], bool(m.get("readOnly"))))
        return out
