"""Pure builders of a TiKV instance's children: ConfigMap, Pod, PVCs, and the names in them."""

from __future__ import annotations

from typing import Any

from apis import TiKV, labels
from apis.common import DATA_VOLUME
from apis.config import TIKV_MANAGED_KEYS, render_config
from apis.names import TIKV_PORT, TIKV_STATUS_PORT, instance_host
from apis.tikv import CONFIG_DIR, DATA_DIR
from controllers.common.metadata import defaulted, for_pod, scrape_annotations, stamped
from controllers.common.objects import Object, child_metadata, managed_labels
from controllers.common.overlay import merge
from controllers.common.podspec import instance_pod_spec, instance_volumes
from controllers.common.pvc import build_pvcs
from controllers.common.restart import pod_hash, pod_hashes
from controllers.common.stores import advertise_address
from controllers.common.tls import InstanceTLS

COMPONENT = "tikv"
CONTAINER = "tikv"
CONFIG_FILE = "tikv.toml"


def host_of(tikv: TiKV) -> str:
    """The Pod's stable DNS name through the group's headless Service."""
    meta = tikv.metadata
    return instance_host(str(meta.name), tikv.spec.subdomain, str(meta.namespace))


def advertise_status_address(tikv: TiKV) -> str:
    return f"{host_of(tikv)}:{TIKV_STATUS_PORT}"


def group_of(tikv: TiKV) -> str | None:
    return tikv.metadata.labels.get(labels.GROUP)


def instance_labels(tikv: TiKV, revision: str | None = None) -> dict[str, str]:
    return managed_labels(
        tikv.spec.cluster.name,
        COMPONENT,
        group=group_of(tikv),
        instance=tikv.metadata.name,
        revision=revision,
    )


def data_mount_path(tikv: TiKV) -> str:
    for volume in tikv.spec.volumes:
        for mount in volume.mounts:
            if mount.type == DATA_VOLUME and mount.mount_path:
                return mount.mount_path
    return DATA_DIR


def render_tikv_config(tikv: TiKV, pd_url: str, tls: InstanceTLS | None) -> str:
    """tikv.toml; `pd_url` is the Cluster's, https in a TLS cluster."""
    values: dict[str, Any] = {
        "server.addr": f"0.0.0.0:{TIKV_PORT}",
        "server.advertise-addr": advertise_address(tikv),
        "server.status-addr": f"0.0.0.0:{TIKV_STATUS_PORT}",
        "server.advertise-status-addr": advertise_status_address(tikv),
        "storage.data-dir": data_mount_path(tikv),
        "pd.endpoints": [pd_url],
    }
    if tls is not None:
        values["security.ca-path"] = tls.ca_path
        values["security.cert-path"] = tls.cert_path
        values["security.key-path"] = tls.key_path
    return render_config(tikv.spec.config, TIKV_MANAGED_KEYS, values)


def build_configmap(tikv: TiKV, pd_url: str, tls: InstanceTLS | None) -> Object:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": child_metadata(tikv, str(tikv.metadata.name), instance_labels(tikv)),
        "data": {CONFIG_FILE: render_tikv_config(tikv, pd_url, tls)},
    }


def build_instance_pvcs(tikv: TiKV) -> list[Object]:
    return build_pvcs(
        tikv, tikv.spec.volumes, tikv.spec.overlay.volume_claims, instance_labels(tikv)
    )


def pod_revision(tikv: TiKV, tls: InstanceTLS | None) -> str:
    """The hash of the Pod the instance wants now (`common.restart`): a running Pod with
    another hash is recreated once its leaders are evicted. Store labels, the eviction
    timeout and `offline` never reach the Pod; with HotReload neither does the config."""
    return pod_hash(_pod_spec(tikv, tls), tikv.spec.config, tikv.spec.update_strategy.config)


def build_pod(tikv: TiKV, tls: InstanceTLS | None) -> Object:
    """The Pod, with the template's and the overlay's labels and annotations (which change
    in place later, `common.metadata`)."""
    spec = _pod_spec(tikv, tls)
    hashes = pod_hashes(spec, tikv.spec.config, tikv.spec.update_strategy.config)
    pod_labels = instance_labels(tikv, hashes[labels.POD_HASH])
    meta = child_metadata(tikv, str(tikv.metadata.name), pod_labels, annotations=hashes)
    meta = stamped(meta, for_pod(tikv.metadata, tikv.spec.overlay.pod.metadata))
    # tikv-server serves its metrics on the status port.
    meta = defaulted(meta, scrape_annotations(TIKV_STATUS_PORT, tls=tls is not None))
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def readiness_probe(tls: InstanceTLS | None) -> Object:
    # With TLS, the status server asks every client for a certificate, which the kubelet has
    # none of.
    handler: Object = (
        {"tcpSocket": {"port": TIKV_STATUS_PORT}}
        if tls is not None
        else {"httpGet": {"path": "/status", "port": TIKV_STATUS_PORT}}
    )
    return {**handler, "periodSeconds": 5, "failureThreshold": 3}


def _pod_spec(tikv: TiKV, tls: InstanceTLS | None) -> Object:
    name = str(tikv.metadata.name)
    volumes, mounts = instance_volumes(
        name, tikv.spec.volumes, CONFIG_DIR, data_mount_path(tikv), tls
    )
    container: Object = {
        "name": CONTAINER,
        "image": f"{tikv.spec.image}:{tikv.spec.version}",
        "command": ["/tikv-server", "--config", f"{CONFIG_DIR}/{CONFIG_FILE}"],
        "ports": [
            {"name": "client", "containerPort": TIKV_PORT, "protocol": "TCP"},
            {"name": "status", "containerPort": TIKV_STATUS_PORT, "protocol": "TCP"},
        ],
        "readinessProbe": readiness_probe(tls),
        "volumeMounts": mounts,
    }
    spec = instance_pod_spec(name, tikv.spec.subdomain, container, volumes, tikv.spec.resources)
    # TiKV flushes and hands over on SIGTERM; give it time before the kill.
    spec["terminationGracePeriodSeconds"] = 120
    if tikv.spec.topology:
        spec["nodeSelector"] = dict(tikv.spec.topology)
    merged: Object = merge(spec, tikv.spec.overlay.pod.spec)
    return merged
