"""Changes to existing objects (transition rules), and the outcome each must have at the real
API server: the changes the operator cannot honour are refused with the field and the reason;
the ones it can honour pass."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.unit.apis import samples
from tests.unit.apis.bad_inputs import VOLUME0, VOLUMES

Document = dict[str, Any]


@dataclass(frozen=True)
class Change:
    name: str
    document: Callable[[], Document]
    """The object as created."""
    patch: Document
    """A JSON merge patch applied to it."""


@dataclass(frozen=True)
class BadChange(Change):
    server_field: str
    """The field the API server reports the refusal on."""
    server_message: str
    """Part of its message."""


def _template(**spec: Any) -> Document:
    return {"spec": {"template": {"spec": spec}}}


def _data(**fields: Any) -> Document:
    return {"name": "data", "mounts": [{"type": "data"}], "storage": "20Gi", **fields}


def _logs(name: str = "logs") -> Document:
    return {"name": name, "mounts": [{"mountPath": "/logs"}], "storage": "1Gi"}


def _tikv_group_with(*volumes: Document) -> Callable[[], Document]:
    def build() -> Document:
        document = samples.tikv_group()
        document["spec"]["template"]["spec"]["volumes"] = list(volumes)
        return document

    return build


def _with_cluster_tls(enabled: bool | None) -> Callable[[], Document]:
    def build() -> Document:
        document = samples.cluster()
        if enabled is None:
            del document["spec"]
        else:
            document["spec"]["tlsCluster"] = {"enabled": enabled}
        return document

    return build


_SHRINK = "storage cannot shrink from 20Gi to 10Gi: a PersistentVolumeClaim can only grow"
_CLASS = "storageClassName of a volume cannot change"
_REMOVED = "a volume cannot be removed or renamed"
_SUB_PATH = "the subPath of the `type: data` mount cannot change"

BAD_CHANGES = [
    BadChange(
        "group storage shrinks",
        samples.tikv_group,
        _template(volumes=[_data(storage="10Gi")]),
        f"{VOLUME0}.storage",
        _SHRINK,
    ),
    BadChange(
        "instance storage shrinks",
        samples.pd,
        {"spec": {"volumes": [_data(storage="10Gi")]}},
        "spec.volumes[0].storage",
        _SHRINK,
    ),
    BadChange(
        "storage changed to bytes",
        samples.tikv_group,
        _template(volumes=[_data(storage="30")]),
        f"{VOLUME0}.storage",
        "must be a size with a unit, such as 20Gi or 500Mi",
    ),
    BadChange(
        "storage changed to nonsense",
        samples.pd,
        {"spec": {"volumes": [_data(storage="lots")]}},
        "spec.volumes[0].storage",
        "must be a size with a unit, such as 20Gi or 500Mi",
    ),
    BadChange(
        "storage class set on an existing volume",
        samples.pd_group,
        _template(volumes=[_data(storageClassName="fast")]),
        f"{VOLUME0}.storageClassName",
        _CLASS,
    ),
    BadChange(
        "storage class changed",
        _tikv_group_with(_data(storageClassName="slow")),
        _template(volumes=[_data(storageClassName="fast")]),
        f"{VOLUME0}.storageClassName",
        _CLASS,
    ),
    BadChange(
        "storage class dropped",
        _tikv_group_with(_data(storageClassName="slow")),
        _template(volumes=[_data()]),
        f"{VOLUME0}.storageClassName",
        _CLASS,
    ),
    BadChange(
        "volume removed",
        _tikv_group_with(_data(), _logs()),
        _template(volumes=[_data()]),
        VOLUMES,
        _REMOVED,
    ),
    BadChange(
        "volume renamed",
        _tikv_group_with(_data(), _logs()),
        _template(volumes=[_data(), _logs("log")]),
        VOLUMES,
        _REMOVED,
    ),
    BadChange(
        "data subPath added",
        samples.tikv_group,
        _template(volumes=[_data(mounts=[{"type": "data", "subPath": "tikv"}])]),
        f"{VOLUME0}.mounts",
        _SUB_PATH,
    ),
    BadChange(
        "data subPath changed",
        _tikv_group_with(_data(mounts=[{"type": "data", "subPath": "a"}])),
        _template(volumes=[_data(mounts=[{"type": "data", "subPath": "b"}])]),
        f"{VOLUME0}.mounts",
        _SUB_PATH,
    ),
    BadChange(
        "data subPath dropped, with the data volume's mounts",
        _tikv_group_with(_data(mounts=[{"type": "data", "subPath": "a"}])),
        _template(volumes=[{"name": "data", "storage": "20Gi"}]),
        f"{VOLUME0}.mounts",
        _SUB_PATH,
    ),
    BadChange(
        "instance subdomain changed",
        samples.tikv,
        {"spec": {"subdomain": "other-tikv-peer"}},
        "spec.subdomain",
        "spec.subdomain is immutable: it is part of the address the instance advertises",
    ),
    BadChange(
        "group moved to another cluster",
        samples.tikv_group,
        {"spec": {"cluster": {"name": "x"}}},
        "spec.cluster",
        "spec.cluster.name is immutable",
    ),
    BadChange(
        "instance topology changed",
        samples.tikv,
        {"spec": {"topology": {"topology.kubernetes.io/zone": "b"}}},
        "spec.topology",
        "spec.topology is immutable",
    ),
    BadChange(
        "instance topology added later",
        samples.pd,
        {"spec": {"topology": {"topology.kubernetes.io/zone": "a"}}},
        "spec.topology",
        "spec.topology is immutable",
    ),
    BadChange(
        "TLS turned off",
        _with_cluster_tls(True),
        {"spec": {"tlsCluster": None}},
        "spec.tlsCluster",
        "spec.tlsCluster.enabled is immutable",
    ),
    BadChange(
        "TLS turned on later",
        _with_cluster_tls(None),
        {"spec": {"tlsCluster": {"enabled": True}}},
        "spec.tlsCluster",
        "spec.tlsCluster.enabled is immutable",
    ),
]

GOOD_CHANGES = [
    Change("group storage grows", samples.tikv_group, _template(volumes=[_data(storage="30Gi")])),
    Change(
        "instance storage grows",
        samples.tikv,
        {"spec": {"volumes": [_data(storage="1Ti")]}},
    ),
    Change(
        "storage written in another unit, same size",
        samples.pd_group,
        _template(volumes=[_data(storage="20480Mi")]),
    ),
    Change("volume added", samples.tikv_group, _template(volumes=[_data(), _logs()])),
    Change(
        "data directory moved with the same subPath",
        _tikv_group_with(_data(mounts=[{"type": "data", "subPath": "a"}])),
        _template(volumes=[_data(mounts=[{"type": "data", "mountPath": "/data", "subPath": "a"}])]),
    ),
    Change(
        "a mount added to a volume",
        _tikv_group_with(_data(), _logs()),
        _template(
            volumes=[
                _data(),
                {**_logs(), "mounts": [{"mountPath": "/logs"}, {"mountPath": "/audit"}]},
            ]
        ),
    ),
    Change(
        "scale and upgrade",
        samples.pd_group,
        {"spec": {"replicas": 5, "template": {"spec": {"version": "v8.5.2"}}}},
    ),
    Change("instance taken offline", samples.tikv, {"spec": {"offline": True}}),
]
