"""Valid objects close to the edges of the rules in bad_inputs: both the models and the API
server must accept each one, so that no rule refuses what a user may rightly write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.unit.apis import samples
from tests.unit.apis.bad_inputs import component

Document = dict[str, Any]


@dataclass(frozen=True)
class GoodInput:
    name: str
    document: Callable[[], Document]


def _with(base: Callable[[], Document], **fields: Any) -> Callable[[], Document]:
    """`base` with fields of its component spec set."""

    def build() -> Document:
        document = base()
        component(document).update(fields)
        return document

    return build


def _named(base: Callable[[], Document], name: str) -> Callable[[], Document]:
    def build() -> Document:
        document = base()
        document["metadata"]["name"] = name
        return document

    return build


def _tikv_group_with_everything() -> Document:
    document = samples.tikv_group()
    document["spec"].update(
        {
            "replicas": 1000,
            "minReadySeconds": 86400,
            "schedulePolicies": [
                {
                    "type": "EvenlySpread",
                    "evenlySpread": {
                        "topologies": [
                            {"topology": {"topology.kubernetes.io/zone": zone}}
                            for zone in ("a", "b", "c")
                        ]
                    },
                }
            ],
            "failover": {"storeDownTimeout": "24h", "maxFailoverCount": 1},
        }
    )
    component(document).update(
        {
            "image": "registry.example.com:5000/pingcap/tikv",
            "evictLeaderTimeout": "1h30m",
            "resources": {"cpu": "500m", "memory": "8Gi"},
            "volumes": [
                {
                    "name": "data",
                    "mounts": [
                        {"type": "data", "mountPath": "/var/lib/tikv", "subPath": "db"},
                        # Beside the data directory, not in it: a prefix is no collision.
                        {"mountPath": "/var/lib/tikv-raft", "subPath": "raft"},
                    ],
                    "storage": "1.5Ti",
                    "storageClassName": "fast",
                },
                {
                    "name": "logs",
                    "mounts": [
                        {"mountPath": "/var/log/tikv", "subPath": "logs/..tikv"},
                        {"mountPath": "/etc/tikv-extra"},
                    ],
                    "storage": "500Mi",
                },
            ],
            "overlay": {
                "pod": {"spec": {"nodeSelector": {"disk": "ssd"}, "hostNetwork": False}},
                "volumeClaims": [{"name": "data", "spec": {"volumeMode": "Filesystem"}}],
            },
        }
    )
    return document


def _group(base: Callable[[], Document], **fields: Any) -> Callable[[], Document]:
    """`base` with fields of its group spec set."""

    def build() -> Document:
        document = base()
        document["spec"].update(fields)
        return document

    return build


GOOD_INPUTS = [
    GoodInput("tikv group using every field near its limits", _tikv_group_with_everything),
    GoodInput(
        "pd group whose data volume has no mounts",
        _with(samples.pd_group, volumes=[{"name": "data", "storage": "10G"}]),
    ),
    GoodInput(
        "pd group with a custom data directory and logs beside it",
        _with(
            samples.pd_group,
            volumes=[
                {"name": "data", "mounts": [{"type": "data", "mountPath": "/pd"}], "storage": "1k"},
                {"name": "logs", "mounts": [{"mountPath": "/pd-logs"}], "storage": "1Gi"},
            ],
        ),
    ),
    GoodInput(
        "pd group at its replicas maximum with a fractional failover timeout",
        _group(
            samples.pd_group,
            replicas=9,
            failover={"enabled": True, "unhealthyTimeout": "1.5m"},
        ),
    ),
    GoodInput("empty groups", _group(samples.tikv_group, replicas=0)),
    GoodInput("longest tikv group name that fits", _named(samples.tikv_group, "g" * 46)),
    GoodInput("group name with digits and dashes", _named(samples.pd_group, "pd-2-east")),
    GoodInput("instance whose name starts with a digit", _named(samples.tikv, "1kv-tikv-abc123")),
    GoodInput(
        "tikv instance that does not wait for eviction",
        _with(samples.tikv, evictLeaderTimeout="0s"),
    ),
    GoodInput(
        "pd instance with its data directory at /data",
        _with(
            samples.pd,
            volumes=[
                {
                    "name": "data",
                    "mounts": [{"type": "data", "mountPath": "/data"}],
                    "storage": "2Gi",
                }
            ],
        ),
    ),
]
