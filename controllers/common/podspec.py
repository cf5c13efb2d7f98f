"""The parts every instance Pod shares, PD or TiKV: its ConfigMap and PVCs as volumes, its
resources, and a stable hostname under the group's headless Service."""

from __future__ import annotations

from collections.abc import Sequence

from apis.common import CONFIG_VOLUME, DATA_VOLUME, ResourceRequirements, Volume
from apis.names import pvc_name
from controllers.common.objects import Object
from controllers.common.tls import InstanceTLS


def instance_volumes(
    instance: str,
    volumes: Sequence[Volume],
    config_dir: str,
    data_dir: str,
    tls: InstanceTLS | None,
) -> tuple[list[Object], list[Object]]:
    """(volumes, mounts): the instance's ConfigMap read-only at `config_dir`, its TLS Secret
    (if any) read-only where `tls` says, and one PVC per volume, mounted where its mounts say;
    a mount without a path, and a data volume without mounts, go to `data_dir`."""
    pod_volumes: list[Object] = [{"name": CONFIG_VOLUME, "configMap": {"name": instance}}]
    mounts: list[Object] = [{"name": CONFIG_VOLUME, "mountPath": config_dir, "readOnly": True}]
    if tls is not None:
        pod_volumes.append(tls.volume())
        mounts.append(tls.mount())
    for volume in volumes:
        claim = {"claimName": pvc_name(volume.name, instance)}
        pod_volumes.append({"name": volume.name, "persistentVolumeClaim": claim})
        if not volume.mounts and volume.name == DATA_VOLUME:
            mounts.append({"name": volume.name, "mountPath": data_dir})
        for mount in volume.mounts:
            entry: Object = {"name": volume.name, "mountPath": mount.mount_path or data_dir}
            if mount.sub_path:
                entry["subPath"] = mount.sub_path
            mounts.append(entry)
    return pod_volumes, mounts


def container_resources(resources: ResourceRequirements) -> Object:
    """Requests equal to limits (Guaranteed QoS), for what the spec sets."""
    amounts = {
        k: str(v)
        for k, v in (("cpu", resources.cpu), ("memory", resources.memory))
        if v is not None
    }
    return {"requests": amounts, "limits": dict(amounts)} if amounts else {}


def instance_pod_spec(
    instance: str,
    subdomain: str,
    container: Object,
    volumes: list[Object],
    resources: ResourceRequirements,
) -> Object:
    """One container with its resources; `hostname.subdomain` is the instance's DNS name."""
    amounts = container_resources(resources)
    if amounts:
        container = {**container, "resources": amounts}
    return {
        "hostname": instance,
        "subdomain": subdomain,
        "containers": [container],
        "volumes": volumes,
    }
