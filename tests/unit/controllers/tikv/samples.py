"""Sample TiKV instances and PD store answers for the TiKV controller's unit tests."""

from __future__ import annotations

from typing import Any

from apis import TiKV
from tikv_operator.pdapi.models import StoreInfo


def tikv_instance(
    name: str = "basic-tikv-abc123",
    *,
    config: str = "",
    version: str = "v8.5.1",
    offline: bool = False,
    topology: dict[str, str] | None = None,
    update_strategy: str = "Restart",
    volumes: list[dict[str, Any]] | None = None,
    overlay: dict[str, Any] | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> TiKV:
    return TiKV.model_validate(
        {
            "metadata": {
                "name": name,
                "namespace": "ns",
                "uid": "uid-1",
                "generation": 1,
                "labels": {"tikv.org/group": "basic", **(labels or {})},
                "annotations": annotations or {},
            },
            "spec": {
                "cluster": {"name": "basic"},
                "subdomain": "basic-tikv-peer",
                "version": version,
                "config": config,
                "offline": offline,
                "topology": topology or {},
                "updateStrategy": {"config": update_strategy},
                "volumes": volumes
                or [{"name": "data", "mounts": [{"type": "data"}], "storage": "10Gi"}],
                "overlay": overlay or {},
            },
        }
    )


def store(
    store_id: int = 1,
    *,
    address: str = "basic-tikv-abc123.basic-tikv-peer.ns:20160",
    state: int = 0,
    state_name: str = "Up",
    leaders: int = 0,
    regions: int = 0,
    labels: dict[str, str] | None = None,
) -> StoreInfo:
    return StoreInfo.model_validate(
        {
            "store": {
                "id": store_id,
                "address": address,
                "state": state,
                "state_name": state_name,
                "labels": [{"key": k, "value": v} for k, v in (labels or {}).items()],
            },
            "status": {"leader_count": leaders, "region_count": regions},
        }
    )


UP = 0
OFFLINE = 1
TOMBSTONE = 2
