"""Pure builders of a PD instance's children: its pd.toml, ConfigMap and Pod."""

from __future__ import annotations

import re
from typing import Any

from apis import PD, labels
from apis.config import PD_MANAGED_KEYS, render_config
from apis.names import PD_CLIENT_PORT, PD_PEER_PORT, instance_host, pd_client_url
from apis.pd import COMPONENT, CONFIG_DIR, DATA_DIR, initial_members
from controllers.common.metadata import defaulted, for_pod, scrape_annotations, stamped
from controllers.common.objects import Object, child_metadata, managed_labels
from controllers.common.overlay import merge
from controllers.common.podspec import instance_pod_spec, instance_volumes
from controllers.common.restart import pod_hashes
from controllers.common.tls import InstanceTLS, scheme

CONFIG_FILE = "pd.toml"
CONTAINER = "pd"
# From v8.5.2 PD answers /pd/api/v2/ready for its own readiness; /health must not be used,
# since it is proxied to the leader and reports on every member.
READY_API_SINCE = (8, 5, 2)


def group_of(pd: PD) -> str:
    """The PDGroup the instance belongs to (its label, else derived from its subdomain)."""
    group = pd.metadata.labels.get(labels.GROUP)
    return group if group else pd.spec.subdomain.removesuffix("-pd-peer")


def peer_host(pd: PD, name: str | None = None) -> str:
    """Stable DNS name of an instance's Pod through the headless peer Service."""
    return instance_host(
        name or str(pd.metadata.name), pd.spec.subdomain, str(pd.metadata.namespace)
    )


def data_dir(pd: PD) -> str:
    for volume in pd.spec.volumes:
        for mount in volume.mounts:
            if mount.type == "data":
                return mount.mount_path or DATA_DIR
    return DATA_DIR


def config_values(pd: PD, tls: InstanceTLS | None) -> dict[str, Any]:
    """The operator-managed keys of pd.toml."""
    host = peer_host(pd)
    http = scheme(tls)
    values: dict[str, Any] = {
        "name": pd.metadata.name,
        "data-dir": data_dir(pd),
        "client-urls": f"{http}://0.0.0.0:{PD_CLIENT_PORT}",
        "peer-urls": f"{http}://0.0.0.0:{PD_PEER_PORT}",
        "advertise-client-urls": f"{http}://{host}:{PD_CLIENT_PORT}",
        "advertise-peer-urls": f"{http}://{host}:{PD_PEER_PORT}",
    }
    initial = initial_members(pd)
    if initial:
        values["initial-cluster"] = ",".join(
            f"{name}={http}://{peer_host(pd, name)}:{PD_PEER_PORT}" for name in initial
        )
    else:
        # The Service name, not a status URL: pd.toml must not change (and restart the Pod)
        # when the Cluster's recorded URL appears or changes.
        values["join"] = pd_client_url(str(pd.metadata.namespace), group_of(pd), tls is not None)
    if tls is not None:
        values["security.cacert-path"] = tls.ca_path
        values["security.cert-path"] = tls.cert_path
        values["security.key-path"] = tls.key_path
    return values


def build_config(pd: PD, tls: InstanceTLS | None) -> str:
    return render_config(pd.spec.config, PD_MANAGED_KEYS, config_values(pd, tls))


def child_labels(pd: PD) -> dict[str, str]:
    return managed_labels(
        pd.spec.cluster.name,
        COMPONENT,
        group=group_of(pd),
        instance=pd.metadata.name,
        revision=pd.metadata.labels.get(labels.INSTANCE_REVISION_HASH),
    )


def build_configmap(pd: PD, config: str) -> Object:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": child_metadata(pd, str(pd.metadata.name), child_labels(pd)),
        "data": {CONFIG_FILE: config},
    }


def _version(text: str) -> tuple[int, int, int]:
    match = re.match(r"^v(\d+)\.(\d+)\.(\d+)", text)
    if match is None:
        return (0, 0, 0)
    major, minor, patch = match.groups()
    return (int(major), int(minor), int(patch))


def readiness_probe(version: str, tls: InstanceTLS | None) -> Object:
    # With TLS, PD asks every HTTP client for a certificate, which the kubelet has none of.
    if tls is None and _version(version) >= READY_API_SINCE:
        handler: Object = {"httpGet": {"path": "/pd/api/v2/ready", "port": PD_CLIENT_PORT}}
    else:
        handler = {"tcpSocket": {"port": PD_CLIENT_PORT}}
    return {**handler, "periodSeconds": 5, "timeoutSeconds": 2, "failureThreshold": 3}


def build_pod(pd: PD, config: str, tls: InstanceTLS | None) -> Object:
    name = str(pd.metadata.name)
    volumes, mounts = instance_volumes(name, pd.spec.volumes, CONFIG_DIR, DATA_DIR, tls)
    container: Object = {
        "name": CONTAINER,
        "image": f"{pd.spec.image}:{pd.spec.version}",
        "command": ["/pd-server", f"--config={CONFIG_DIR}/{CONFIG_FILE}"],
        "ports": [
            {"name": "client", "containerPort": PD_CLIENT_PORT},
            {"name": "peer", "containerPort": PD_PEER_PORT},
        ],
        "readinessProbe": readiness_probe(pd.spec.version, tls),
        "volumeMounts": mounts,
    }
    spec = instance_pod_spec(name, pd.spec.subdomain, container, volumes, pd.spec.resources)
    overlay = pd.spec.overlay.pod
    spec = merge(spec, overlay.spec)
    if pd.spec.topology:
        # The group placed the instance in this topology; a user overlay must not move it.
        spec["nodeSelector"] = {**spec.get("nodeSelector", {}), **pd.spec.topology}
    meta = child_metadata(
        pd,
        name,
        child_labels(pd),
        annotations=pod_hashes(spec, config, pd.spec.update_strategy.config),
    )
    meta = stamped(meta, for_pod(pd.metadata, overlay.metadata))
    # pd-server serves its metrics on the client port.
    meta = defaulted(meta, scrape_annotations(PD_CLIENT_PORT, tls=tls is not None))
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
