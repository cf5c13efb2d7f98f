"""Cluster TLS of one instance (docs/tls.md): which Secret its Pod mounts, where, and the
files its config points at. Pure: the builders take it; the instance controllers derive it
from the Cluster's immutable `spec.tlsCluster`."""

from __future__ import annotations

from dataclasses import dataclass

from apis import Cluster
from apis.names import cluster_tls_secret, url_scheme
from apis.volumes import TLS_VOLUME
from controllers.common.objects import Object

CA_KEY = "ca.crt"
CERT_KEY = "tls.crt"
KEY_KEY = "tls.key"
"""The keys of a TLS Secret, as cert-manager writes them."""


@dataclass(frozen=True)
class InstanceTLS:
    """The group's cluster Secret, mounted read-only at `directory`."""

    secret: str
    directory: str

    @property
    def ca_path(self) -> str:
        return f"{self.directory}/{CA_KEY}"

    @property
    def cert_path(self) -> str:
        return f"{self.directory}/{CERT_KEY}"

    @property
    def key_path(self) -> str:
        return f"{self.directory}/{KEY_KEY}"

    def volume(self) -> Object:
        return {"name": TLS_VOLUME, "secret": {"secretName": self.secret}}

    def mount(self) -> Object:
        return {"name": TLS_VOLUME, "mountPath": self.directory, "readOnly": True}


def instance_tls(
    cluster: Cluster | None, group: str | None, component: str, directory: str
) -> InstanceTLS | None:
    """The instance's TLS, or None when its Cluster does not enable TLS. An instance without
    a group (made by hand) takes its component's name as the group's."""
    if cluster is None or not cluster.spec.tls_cluster.enabled:
        return None
    return InstanceTLS(cluster_tls_secret(group or component, component), directory)


def scheme(tls: InstanceTLS | None) -> str:
    return url_scheme(tls is not None)
