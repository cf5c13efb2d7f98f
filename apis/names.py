"""Names of the objects generated for groups and instances, and the limits they impose.

Kubernetes caps Pod, PVC and Service names (and label values) at 63 characters, so the
CRDs limit the names users choose such that every generated name fits.
"""

from __future__ import annotations

MAX_NAME = 63
SUFFIX_LENGTH = 6
"""Length of the random suffix in instance names."""


def instance_name(group: str, component: str, suffix: str) -> str:
    """Name of an instance CR, its Pod and its ConfigMap: <group>-<component>-<suffix>."""
    return f"{group}-{component}-{suffix}"


def pvc_name(volume: str, instance: str) -> str:
    """Name of the PVC of one volume of one instance."""
    return f"{volume}-{instance}"


def peer_service_name(group: str, component: str) -> str:
    """Name of the headless Service giving instances their DNS names."""
    return f"{group}-{component}-peer"


def client_service_name(group: str) -> str:
    """Name of the PD client Service."""
    return f"{group}-pd"


def max_group_and_volume_length(component: str) -> int:
    """Longest group name plus volume name for which every PVC name fits."""
    return MAX_NAME - len(pvc_name("", instance_name("", component, "x" * SUFFIX_LENGTH)))


def max_instance_and_volume_length() -> int:
    """Longest instance name plus volume name for which every PVC name fits."""
    return MAX_NAME - len(pvc_name("", ""))


# Ports and addresses (DESIGN §3): defined here once, for the builders and the decisions.

PD_CLIENT_PORT = 2379
PD_PEER_PORT = 2380
TIKV_PORT = 20160
TIKV_STATUS_PORT = 20180


def url_scheme(tls: bool) -> str:
    return "https" if tls else "http"


def pd_client_url(namespace: str, group: str, tls: bool = False) -> str:
    """The URL of a PD group's client Service."""
    return f"{url_scheme(tls)}://{client_service_name(group)}.{namespace}:{PD_CLIENT_PORT}"


# TLS Secrets (docs/tls.md): cert-manager's layout, `ca.crt`, `tls.crt` and `tls.key`, under
# the names tidb-operator users know.


def cluster_tls_secret(group: str, component: str) -> str:
    """The Secret every instance of a group mounts to talk TLS to its peers."""
    return f"{group}-{component}-cluster-secret"


def client_tls_secret(cluster: str) -> str:
    """The Secret the operator (and `tikv-operator check`) present to PD of a TLS cluster."""
    return f"{cluster}-cluster-client-secret"


def instance_host(instance: str, subdomain: str, namespace: str) -> str:
    """The DNS name an instance's Pod gets from its group's headless Service."""
    return f"{instance}.{subdomain}.{namespace}"


def tikv_address(instance: str, subdomain: str, namespace: str) -> str:
    """The advertise address of a TiKV store: how PD (and the operator) names it."""
    return f"{instance_host(instance, subdomain, namespace)}:{TIKV_PORT}"


def tikv_instance_of_address(address: str, namespace: str) -> str | None:
    """The TiKV instance name in an advertise address of `namespace`, if it has that shape."""
    host, _, port = address.rpartition(":")
    name, _, rest = host.partition(".")
    _, _, ns = rest.partition(".")
    return name if port == str(TIKV_PORT) and name and ns == namespace else None
